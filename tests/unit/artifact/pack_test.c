/* Packing: reproducible bytes, Flux's headers and order, filters. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/mem.h"
#include "fixture.h"
#include "t.h"
#include "tarbuild.h"

/* Packs dir; returns the tarball bytes (caller releases) in *b. */
static int
pack(struct buf *b, struct artifact_info *info, const char *dir,
    artifact_filter_fn *filter, void *arg, struct err *err)
{
	int fd = memfd_create("pack", MFD_CLOEXEC);
	char chunk[65536];
	ssize_t n;
	int rv;

	buf_init(b, BUF_MAX_DEFAULT);
	rv = artifact_pack(info, fd, dir, filter, arg, err);
	(void)lseek(fd, 0, SEEK_SET);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(b, chunk, (size_t)n);
	close(fd);
	return rv;
}

static void
make_tree(const char *dir, const char *long_name)
{
	char *p;

	fx_write(dir, "b.txt", "bee\n", 0664);
	fx_write(dir, "a/x.yaml", "kind: X\n", 0644);
	fx_write(dir, "a/run.sh", "#!/bin/sh\n", 0755);
	fx_write(dir, "a.txt", "a\n", 0600);
	fx_write(dir, long_name, "long\n", 0644);
	p = xasprintf("%s/empty", dir);
	T_EQ(mkdir(p, 0700), 0);
	free(p);
	p = xasprintf("%s/link", dir);
	T_EQ(symlink("b.txt", p), 0);
	free(p);
}

static char *
long_name(void)
{
	char *n = xmalloc(200);

	memset(n, 'n', 150);
	memcpy(n + 150, "/deep.yaml", 11);
	return n;
}

static void
set_old_mtime(const char *dir, const char *rel)
{
	struct timespec ts[2] = { { 1000, 0 }, { 1000, 0 } };
	char *p = xasprintf("%s/%s", dir, rel);

	T_EQ(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
}

T_TEST(test_same_tree_packs_to_same_bytes)
{
	struct artifact_info i1, i2;
	struct err err = ERR_INIT;
	char *d1 = fx_mkdtemp(), *d2 = fx_mkdtemp(), *ln = long_name();
	char digest[ARTIFACT_DIGEST_MAX];
	struct buf b1, b2;

	make_tree(d1, ln);
	make_tree(d2, ln);
	/* different times and permissions beyond the exec bit */
	fx_write(d2, "b.txt", "bee\n", 0644);
	set_old_mtime(d2, "a/x.yaml");
	T_OK(pack(&b1, &i1, d1, NULL, NULL, &err), &err);
	T_OK(pack(&b2, &i2, d2, NULL, NULL, &err), &err);
	T_STREQ(i1.digest, i2.digest);
	T_EQ(i1.size, b1.len);
	T_EQ(b1.len, b2.len);
	T_TRUE(memcmp(b1.data, b2.data, b1.len) == 0);
	artifact_digest_mem(digest, b1.data, b1.len);
	T_STREQ(digest, i1.digest);
	T_EQ(i1.files, 5);
	T_EQ(i1.dirs, 3);
	buf_release(&b1);
	buf_release(&b2);
	free(ln);
	fx_rmdir(d1);
	fx_rmdir(d2);
}

T_TEST(test_content_change_changes_digest)
{
	struct artifact_info i1, i2;
	struct err err = ERR_INIT;
	char *d = fx_mkdtemp();
	struct buf b;

	fx_write(d, "f", "one", 0644);
	T_OK(pack(&b, &i1, d, NULL, NULL, &err), &err);
	buf_release(&b);
	fx_write(d, "f", "two", 0644);
	T_OK(pack(&b, &i2, d, NULL, NULL, &err), &err);
	buf_release(&b);
	T_TRUE(strcmp(i1.digest, i2.digest) != 0);
	fx_write(d, "f", "two", 0755);
	T_OK(pack(&b, &i1, d, NULL, NULL, &err), &err);
	buf_release(&b);
	T_TRUE(strcmp(i1.digest, i2.digest) != 0);
	fx_rmdir(d);
}

/* Header fields of the entry at block offset off. */
static void
check_header(const struct buf *tar, size_t off, const char *name,
    const char *mode, char type)
{
	const char *h = tar->data + off;

	T_TRUE(off + 512 <= tar->len);
	if (off + 512 > tar->len)
		return;
	T_TRUE(strncmp(h, name, 100) == 0);
	T_STREQ(h + 100, mode);
	T_STREQ(h + 108, "0000000");     /* uid */
	T_STREQ(h + 116, "0000000");     /* gid */
	T_STREQ(h + 136, "00000000000"); /* mtime */
	T_EQ(h[156], type);
	T_TRUE(memcmp(h + 257,
	           "ustar\0"
	           "00",
	           8) == 0);
	T_STREQ(h + 265, ""); /* uname */
	T_STREQ(h + 297, ""); /* gname */
}

static size_t
next_header(const struct buf *tar, size_t off)
{
	char size[13];
	unsigned long long n;

	memcpy(size, tar->data + off + 124, 12);
	size[12] = '\0';
	n = strtoull(size, NULL, 8);
	return off + 512 + (size_t)((n + 511) / 512 * 512);
}

T_TEST(test_headers_order_and_modes_are_fluxs)
{
	struct artifact_info info;
	struct err err = ERR_INIT;
	char *d = fx_mkdtemp();
	struct buf b;
	size_t off = 0;

	fx_write(d, "a.txt", "a\n", 0666);
	fx_write(d, "a/x", "x\n", 0644);
	fx_write(d, "a/run", "#!/bin/sh\n", 0750);
	T_OK(pack(&b, &info, d, NULL, NULL, &err), &err);
	/* gzip: no flags (no name), mtime 0, OS unknown */
	T_EQ((unsigned char)b.data[0], 0x1f);
	T_EQ(b.data[3], 0);
	T_TRUE(memcmp(b.data + 4, "\0\0\0\0", 4) == 0);
	T_EQ((unsigned char)b.data[9], 255);
	T_OK(tarb_gunzip(&b), &err);
	/* depth first, bytewise within a directory: a/ before a.txt */
	check_header(&b, off, "a/", "0000750", '5');
	off = next_header(&b, off);
	check_header(&b, off, "a/run", "0000700", '0');
	off = next_header(&b, off);
	check_header(&b, off, "a/x", "0000600", '0');
	off = next_header(&b, off);
	check_header(&b, off, "a.txt", "0000600", '0');
	off = next_header(&b, off);
	T_EQ(b.len, off + 1024);
	buf_release(&b);
	fx_rmdir(d);
}

static bool
skip_secrets(void *arg, const char *rel, bool is_dir)
{
	int *calls = arg;

	(*calls)++;
	return strcmp(rel, "secret") == 0 ||
	    (is_dir && strcmp(rel, "ci") == 0) || strncmp(rel, "ci/", 3) == 0;
}

T_TEST(test_filter_excludes_entries_and_still_walks)
{
	struct artifact_info info;
	struct err err = ERR_INIT;
	char *d = fx_mkdtemp(), *out = fx_mkdtemp();
	int calls = 0;
	struct buf b;

	fx_write(d, "secret", "s", 0644);
	fx_write(d, "ci/pipeline.yml", "p", 0644);
	fx_write(d, "keep/me", "k", 0644);
	T_OK(pack(&b, &info, d, skip_secrets, &calls, &err), &err);
	T_EQ(calls, 5); /* ci, ci/pipeline.yml, keep, keep/me, secret */
	T_EQ(info.files, 1);
	T_OK(artifact_extract_mem(out, b.data, b.len, info.digest, NULL, &err),
	    &err);
	T_EQ(fx_count(out), 1);
	T_TRUE(fx_exists(out, "keep/me"));
	T_TRUE(!fx_exists(out, "ci"));
	buf_release(&b);
	fx_rmdir(d);
	fx_rmdir(out);
}

T_TEST(test_round_trip_keeps_files_and_drops_symlinks)
{
	struct artifact_info info;
	struct err err = ERR_INIT;
	char *d = fx_mkdtemp(), *out = fx_mkdtemp(), *ln = long_name();
	char *text;
	struct stat st;
	char *path;
	struct buf b;

	make_tree(d, ln);
	T_OK(pack(&b, &info, d, NULL, NULL, &err), &err);
	T_OK(artifact_extract_mem(out, b.data, b.len, info.digest, NULL, &err),
	    &err);
	text = fx_read(out, ln);
	T_STREQ(text, "long\n");
	free(text);
	text = fx_read(out, "a/x.yaml");
	T_STREQ(text, "kind: X\n");
	free(text);
	T_TRUE(fx_exists(out, "empty"));
	T_TRUE(!fx_exists(out, "link"));
	path = xasprintf("%s/a/run.sh", out);
	T_EQ(stat(path, &st), 0);
	T_TRUE((st.st_mode & 0100) != 0);
	free(path);
	buf_release(&b);
	free(ln);
	fx_rmdir(d);
	fx_rmdir(out);
}

T_TEST(test_pack_missing_dir_is_not_found)
{
	struct artifact_info info;
	struct err err = ERR_INIT;
	struct buf b;

	T_ERR(pack(&b, &info, "/nonexistent/flint", NULL, NULL, &err), &err,
	    ERR_NOTFOUND);
	buf_release(&b);
}
