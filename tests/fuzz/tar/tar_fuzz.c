/*
 * Fuzzes artifact_extract_mem() and checks what it promises: nothing is
 * written beside the destination; a refusal leaves the destination empty;
 * after a success every symlink dangles or resolves inside it, and
 * packing the tree, extracting that and packing again gives the same
 * digest (packing is a fixed point on extracted trees).
 *
 * Seeds come from mkcorpus.py. Trees live under /dev/shm when it exists.
 */
#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/mem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			(void)fprintf(stderr, "%s:%d: %s\n", __FILE__, \
			    __LINE__, #cond);                          \
			abort();                                       \
		}                                                      \
	} while (0)

static const struct artifact_limits lim = {
	.max_bytes = 4 << 20,
	.max_entries = 256,
};

static char *base, *root, *again, *real_root;

static void
teardown(void)
{
	struct err err = ERR_INIT;

	(void)artifact_tree_remove(base, false, &err);
}

static void
setup(void)
{
	const char *shm = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";

	base = xasprintf("%s/flint-fuzz-tar-XXXXXX", shm);
	CHECK(mkdtemp(base) != NULL);
	root = xasprintf("%s/root", base);
	again = xasprintf("%s/again", base);
	CHECK(mkdir(root, 0700) == 0 && mkdir(again, 0700) == 0);
	real_root = realpath(root, NULL);
	CHECK(real_root != NULL);
	CHECK(atexit(teardown) == 0);
}

static int
count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0;
	closedir(d);
	return n;
}

/* Every symlink below dir dangles or resolves below real_root. */
static void
check_links(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	CHECK(d != NULL);
	while ((e = readdir(d)) != NULL) {
		char *p, *r;
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		p = xasprintf("%s/%s", dir, e->d_name);
		CHECK(lstat(p, &st) == 0);
		if (S_ISDIR(st.st_mode))
			check_links(p);
		if (S_ISLNK(st.st_mode) && (r = realpath(p, NULL)) != NULL) {
			CHECK(strncmp(r, real_root, strlen(real_root)) == 0);
			free(r);
		}
		CHECK(!S_ISCHR(st.st_mode) && !S_ISBLK(st.st_mode) &&
		    !S_ISFIFO(st.st_mode));
		free(p);
	}
	closedir(d);
}

static void
pack(char digest[ARTIFACT_DIGEST_MAX], struct err *err, const char *dir, int fd)
{
	struct artifact_info info;

	CHECK(ftruncate(fd, 0) == 0 && lseek(fd, 0, SEEK_SET) == 0);
	CHECK(artifact_pack(&info, fd, dir, NULL, NULL, err) == 0);
	memcpy(digest, info.digest, ARTIFACT_DIGEST_MAX);
}

static void
check_fixed_point(void)
{
	char d1[ARTIFACT_DIGEST_MAX], d2[ARTIFACT_DIGEST_MAX];
	struct err err = ERR_INIT;
	int fd = memfd_create("fuzz-tar", MFD_CLOEXEC);

	CHECK(fd != -1);
	pack(d1, &err, root, fd);
	CHECK(artifact_extract(again, fd, d1, NULL, &err) == 0);
	pack(d2, &err, again, fd);
	CHECK(strcmp(d1, d2) == 0);
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = ERR_INIT;
	int rv;

	if (base == NULL)
		setup();
	rv = artifact_extract_mem(root, data, size, NULL, &lim, &err);
	CHECK(count(base) == 2); /* root and again, nothing else */
	if (rv == -1) {
		CHECK(err.code == ERR_INVALID || err.code == ERR_LIMIT);
		CHECK(count(root) == 0);
		return 0;
	}
	check_links(root);
	check_fixed_point();
	CHECK(artifact_tree_remove(root, true, &err) == 0);
	CHECK(artifact_tree_remove(again, true, &err) == 0);
	return 0;
}
