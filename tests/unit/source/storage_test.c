/* Artifact storage: Flux's layout and URLs, atomic writes, latest link,
 * Flux's garbage collection. */
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "storage.h"
#include "t.h"

static char *
tmpdir(void)
{
	char *dir = xasprintf("%s/flint-storage-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");

	if (mkdtemp(dir) == NULL)
		abort();
	return dir;
}

static void
rmtree(char *dir)
{
	struct err err = ERR_INIT;

	T_OK(artifact_tree_remove(dir, false, &err), &err);
	free(dir);
}

static void
touch(const char *dir, const char *name, time_t mtime)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct timespec ts[2] = { { mtime, 0 }, { mtime, 0 } };
	int fd = open(p, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);

	T_TRUE(fd != -1);
	if (fd != -1)
		close(fd);
	T_EQ(utimensat(AT_FDCWD, p, ts, 0), 0);
	free(p);
}

static bool
exists(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	struct stat st;
	bool ok = lstat(p, &st) == 0;

	free(p);
	return ok;
}

static int
count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while (d != NULL && (e = readdir(d)) != NULL)
		n += strcmp(e->d_name, ".") != 0 &&
		    strcmp(e->d_name, "..") != 0;
	if (d != NULL)
		closedir(d);
	return n;
}

T_TEST(test_put_dir_stores_with_fluxs_layout)
{
	const struct storage_key key = { "gitrepository", "flux-system",
		"podinfo", "abc123.tar.gz" };
	struct storage_artifact a;
	struct storage *st = NULL;
	struct err err = ERR_INIT;
	char *root = tmpdir(), *src = tmpdir(), *out = tmpdir(), *p, *odir;
	char digest[ARTIFACT_DIGEST_MAX], link[PATH_MAX];
	ssize_t n;
	int fd;
	FILE *f;

	p = xasprintf("%s/app.yaml", src);
	f = fopen(p, "w");
	T_TRUE(f != NULL && fputs("kind: A\n", f) >= 0 && fclose(f) == 0);
	free(p);
	T_OK(storage_new(&st, root, "source-controller.flux-system.svc", &err),
	    &err);
	T_OK(storage_put_dir(&a, st, &key, src, NULL, NULL, &err), &err);
	T_STREQ(a.path, "gitrepository/flux-system/podinfo/abc123.tar.gz");
	T_STREQ(a.url,
	    "http://source-controller.flux-system.svc/gitrepository/flux-system/podinfo/abc123.tar.gz");
	T_TRUE(storage_has(st, &key));
	odir = xasprintf("%s/gitrepository/flux-system/podinfo", root);
	p = xasprintf("%s/abc123.tar.gz", odir);
	fd = open(p, O_RDONLY | O_CLOEXEC);
	T_OK(artifact_digest_fd(digest, fd, &err), &err);
	T_STREQ(a.digest, digest);
	T_EQ(a.size, (uint64_t)lseek(fd, 0, SEEK_END));
	T_TRUE(a.last_update_unix > 0);
	T_OK(artifact_extract(out, fd, a.digest, NULL, &err), &err);
	T_TRUE(exists(out, "app.yaml"));
	close(fd);
	free(p);
	p = xasprintf("%s/latest.tar.gz", odir);
	n = readlink(p, link, sizeof(link) - 1);
	T_TRUE(n > 0);
	link[n > 0 ? n : 0] = '\0';
	T_STREQ(link, "abc123.tar.gz");
	free(p);
	/* only the file, its lock and the link: no temporary left */
	T_TRUE(exists(odir, "abc123.tar.gz.lock"));
	T_EQ(count(odir), 3);
	T_OK(storage_remove(st, &key, &err), &err);
	T_TRUE(!storage_has(st, &key));
	T_TRUE(access(odir, F_OK) == -1);
	free(odir);
	storage_free(st);
	rmtree(root);
	rmtree(src);
	rmtree(out);
}

T_TEST(test_unsafe_keys_are_invalid)
{
	static const struct storage_key bad[] = {
		{ "gitrepository", "..", "x", "f.tar.gz" },
		{ "gitrepository", "ns", "a/b", "f.tar.gz" },
		{ "gitrepository", "ns", "", "f.tar.gz" },
		{ "gitrepository", "ns", "x", ".hidden" },
		{ "gitrepository", "ns", "x", NULL },
	};
	struct storage_artifact a;
	struct storage *st = NULL;
	struct err err = ERR_INIT;
	char *root = tmpdir();

	T_OK(storage_new(&st, root, "localhost", &err), &err);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_ERR(storage_put_dir(&a, st, &bad[i], root, NULL, NULL, &err),
		    &err, ERR_INVALID);
	storage_free(st);
	rmtree(root);
}

static void
make_dirs(const char *root, const char *odir)
{
	char *p = xasprintf("%s/gitrepository", root);

	T_EQ(mkdir(p, 0755), 0);
	free(p);
	p = xasprintf("%s/gitrepository/ns", root);
	T_EQ(mkdir(p, 0755), 0);
	free(p);
	T_EQ(mkdir(odir, 0755), 0);
}

T_TEST(test_gc_keeps_newest_and_current)
{
	const struct storage_key key = { "gitrepository", "ns", "app",
		"c1.tar.gz" };
	struct storage *st = NULL;
	struct err err = ERR_INIT;
	char *root = tmpdir(), *odir;
	time_t now = time(NULL);
	int deleted = -1;

	T_OK(storage_new(&st, root, "localhost", &err), &err);
	odir = xasprintf("%s/gitrepository/ns/app", root);
	make_dirs(root, odir);
	/* the current artifact is the oldest: it must survive anyway */
	touch(odir, "c1.tar.gz", now - 500);
	touch(odir, "c2.tar.gz", now - 400);
	touch(odir, "c3.tar.gz", now - 300);
	touch(odir, "c4.tar.gz", now - 200);
	touch(odir, "c5.tar.gz", now - 100);
	touch(odir, "c1.tar.gz.lock", now - 1000);
	T_OK(storage_gc(&deleted, st, &key, 2, 3600 * 1000, &err), &err);
	T_EQ(deleted, 3);
	T_TRUE(exists(odir, "c1.tar.gz"));
	T_TRUE(!exists(odir, "c2.tar.gz") && !exists(odir, "c3.tar.gz"));
	T_TRUE(!exists(odir, "c4.tar.gz"));
	T_TRUE(exists(odir, "c5.tar.gz"));
	T_TRUE(exists(odir, "c1.tar.gz.lock"));
	/* a short TTL drops every expired file but the current one */
	T_OK(storage_gc(&deleted, st, &key, 2, 50 * 1000, &err), &err);
	T_EQ(deleted, 1);
	T_TRUE(exists(odir, "c1.tar.gz") && !exists(odir, "c5.tar.gz"));
	free(odir);
	storage_free(st);
	rmtree(root);
}
