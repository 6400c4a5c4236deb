/*
 * Artifact files on disk, laid out and collected as Flux's storage
 * (fluxcd/pkg/artifact/storage) does. Writes go to a dot-prefixed
 * temporary name in the object's directory, are synced and renamed, so a
 * reader sees the old file or the whole new one.
 */
#include "storage.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"

#define LATEST "latest.tar.gz"

struct storage {
	char *root;
	char *adv;
};

static int
mkdir_p(const char *path, struct err *err)
{
	char *p = xstrdup(path);
	int rv = 0;

	for (char *s = p + 1; rv == 0; s++) {
		bool end = *s == '\0';

		if (*s != '/' && !end)
			continue;
		*s = '\0';
		if (mkdir(p, 0755) == -1 && errno != EEXIST)
			rv = err_errno(err, errno, "make directory '%s'", p);
		if (end)
			break;
		*s = '/';
	}
	free(p);
	return rv;
}

int
storage_new(struct storage **out, const char *root, const char *adv_addr,
    struct err *err)
{
	struct storage *st;

	if (mkdir_p(root, err) == -1)
		return err_wrap(err, "storage");
	st = xcalloc(1, sizeof(*st));
	st->root = xstrdup(root);
	st->adv = xstrdup(adv_addr);
	*out = st;
	return 0;
}

void
storage_free(struct storage *st)
{
	if (st == NULL)
		return;
	free(st->root);
	free(st->adv);
	free(st);
}

static bool
part_ok(const char *s)
{
	return s != NULL && s[0] != '\0' && strcmp(s, ".") != 0 &&
	    strcmp(s, "..") != 0 && strchr(s, '/') == NULL;
}

/* root/kind/namespace/name into dir; the file is checked when asked. */
static int
key_dir(char *dir, size_t n, const struct storage *st,
    const struct storage_key *k, bool with_file, struct err *err)
{
	int w;

	if (!part_ok(k->kind) || !part_ok(k->namespace) || !part_ok(k->name) ||
	    (with_file && (!part_ok(k->file) || k->file[0] == '.')))
		return err_set(err, ERR_INVALID,
		    "storage key '%s/%s/%s/%s' has an empty or unsafe part",
		    k->kind != NULL ? k->kind : "",
		    k->namespace != NULL ? k->namespace : "",
		    k->name != NULL ? k->name : "",
		    k->file != NULL ? k->file : "");
	w = snprintf(dir, n, "%s/%s/%s/%s", st->root, k->kind, k->namespace,
	    k->name);
	if (w < 0 || (size_t)w >= n)
		return err_set(err, ERR_INVALID, "storage path too long");
	return 0;
}

/* Writes the tarball to a temporary name, then renames it into place. */
static int
write_file(struct storage_artifact *out, const char *dir,
    const struct storage_key *k, const char *src, artifact_filter_fn *filter,
    void *arg, struct err *err)
{
	char *tmp = xasprintf("%s/.%s.tmp-XXXXXX", dir, k->file);
	char *final = xasprintf("%s/%s", dir, k->file);
	struct artifact_info info;
	int fd = mkostemp(tmp, O_CLOEXEC), rv = -1;

	if (fd == -1) {
		err_errno(err, errno, "create '%s'", tmp);
		goto out;
	}
	if (artifact_pack(&info, fd, src, filter, arg, err) == -1)
		goto out;
	if (fsync(fd) == -1 || rename(tmp, final) == -1) {
		err_errno(err, errno, "store '%s'", final);
		goto out;
	}
	str_lcpy(out->digest, info.digest, sizeof(out->digest));
	out->size = info.size;
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	if (rv == -1 && fd != -1)
		(void)unlink(tmp);
	free(tmp);
	free(final);
	return rv;
}

/* Points alias (latest.tar.gz, index.yaml) at the file, replacing the
 * old link atomically. */
static int
link_latest(const char *dir, const char *alias, const char *file,
    struct err *err)
{
	char *tmp = xasprintf("%s/.%s.%s", dir, alias, file);
	char *latest = xasprintf("%s/%s", dir, alias);
	int rv = 0;

	(void)unlink(tmp);
	if (symlink(file, tmp) == -1 || rename(tmp, latest) == -1) {
		rv = err_errno(err, errno, "link '%s'", latest);
		(void)unlink(tmp);
	}
	free(tmp);
	free(latest);
	return rv;
}

static void
artifact_describe(struct storage_artifact *out, const struct storage *st,
    const struct storage_key *k)
{
	(void)snprintf(out->path, sizeof(out->path), "%s/%s/%s/%s", k->kind,
	    k->namespace, k->name, k->file);
	(void)snprintf(out->url, sizeof(out->url), "http://%s/%s", st->adv,
	    out->path);
	out->last_update_unix = (int64_t)time(NULL);
}

/*
 * Makes the key's directory (its path into odir) and takes the key's
 * <file>.lock exclusively: writers of one file serialise on it. Returns
 * the locked descriptor (closing it releases the lock), or -1.
 */
static int
key_lock(char odir[STORAGE_PATH_MAX], const struct storage *st,
    const struct storage_key *key, struct err *err)
{
	char *lock;
	int lfd;

	if (key_dir(odir, STORAGE_PATH_MAX, st, key, true, err) == -1 ||
	    mkdir_p(odir, err) == -1)
		return -1;
	lock = xasprintf("%s/%s.lock", odir, key->file);
	lfd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (lfd == -1 || flock(lfd, LOCK_EX) == -1) {
		err_errno(err, errno, "lock '%s'", lock);
		if (lfd != -1)
			close(lfd);
		lfd = -1;
	}
	free(lock);
	return lfd;
}

int
storage_put_dir(struct storage_artifact *out, const struct storage *st,
    const struct storage_key *key, const char *dir, artifact_filter_fn *filter,
    void *filter_arg, struct err *err)
{
	char odir[STORAGE_PATH_MAX];
	int lfd = -1, rv = -1;

	memset(out, 0, sizeof(*out));
	if ((lfd = key_lock(odir, st, key, err)) == -1)
		goto out;
	if (write_file(out, odir, key, dir, filter, filter_arg, err) == -1 ||
	    link_latest(odir, LATEST, key->file, err) == -1)
		goto out;
	artifact_describe(out, st, key);
	rv = 0;
out:
	if (lfd != -1)
		close(lfd); /* releases the lock */
	return rv == -1 ? err_wrap(err, "store artifact '%s'", key->file) : 0;
}

/* Copies src (from offset 0) into a temporary file, then renames it. */
static int
copy_file(struct storage_artifact *out, const char *dir,
    const struct storage_key *k, int src, struct err *err)
{
	char *tmp = xasprintf("%s/.%s.tmp-XXXXXX", dir, k->file);
	char *final = xasprintf("%s/%s", dir, k->file);
	int fd = mkostemp(tmp, O_CLOEXEC), rv = -1;
	char chunk[65536];
	off_t off = 0;
	ssize_t n;

	if (fd == -1) {
		err_errno(err, errno, "create '%s'", tmp);
		goto out;
	}
	while ((n = pread(src, chunk, sizeof(chunk), off)) > 0) {
		if (write(fd, chunk, (size_t)n) != n) {
			err_errno(err, errno, "write '%s'", tmp);
			goto out;
		}
		off += n;
	}
	if (n == -1 || fsync(fd) == -1 ||
	    artifact_digest_fd(out->digest, fd, err) == -1 ||
	    rename(tmp, final) == -1) {
		if (err->code == ERR_OK)
			err_errno(err, errno, "store '%s'", final);
		goto out;
	}
	out->size = (uint64_t)off;
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	if (rv == -1 && fd != -1)
		(void)unlink(tmp);
	free(tmp);
	free(final);
	return rv;
}

int
storage_put_fd(struct storage_artifact *out, const struct storage *st,
    const struct storage_key *key, int src, const char *alias, struct err *err)
{
	char odir[STORAGE_PATH_MAX];
	int lfd = -1, rv = -1;

	memset(out, 0, sizeof(*out));
	if ((lfd = key_lock(odir, st, key, err)) == -1)
		goto out;
	if (copy_file(out, odir, key, src, err) == -1 ||
	    link_latest(odir, alias != NULL ? alias : LATEST, key->file, err) ==
	        -1)
		goto out;
	artifact_describe(out, st, key);
	rv = 0;
out:
	if (lfd != -1)
		close(lfd); /* releases the lock */
	return rv == -1 ? err_wrap(err, "store artifact '%s'", key->file) : 0;
}

int
storage_open(int *fd_out, const struct storage *st, const char *rel_path,
    struct err *err)
{
	char *path;
	int fd;

	if (rel_path[0] == '/' || strstr(rel_path, "..") != NULL)
		return err_set(err, ERR_INVALID,
		    "artifact path '%s' is not inside the storage", rel_path);
	path = xasprintf("%s/%s", st->root, rel_path);
	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	if (fd == -1)
		err_errno(err, errno, "open artifact '%s'", rel_path);
	free(path);
	if (fd == -1)
		return -1;
	*fd_out = fd;
	return 0;
}

bool
storage_has(const struct storage *st, const struct storage_key *key)
{
	char dir[STORAGE_PATH_MAX], *path;
	struct err err = ERR_INIT;
	struct stat s;
	bool ok;

	if (key_dir(dir, sizeof(dir), st, key, true, &err) == -1)
		return false;
	path = xasprintf("%s/%s", dir, key->file);
	ok = lstat(path, &s) == 0 && S_ISREG(s.st_mode);
	free(path);
	return ok;
}

struct entry {
	char *name;
	struct timespec mtime;
};

static int
entry_cmp(const void *a, const void *b)
{
	const struct entry *x = a, *y = b;

	if (x->mtime.tv_sec != y->mtime.tv_sec)
		return x->mtime.tv_sec < y->mtime.tv_sec ? -1 : 1;
	if (x->mtime.tv_nsec != y->mtime.tv_nsec)
		return x->mtime.tv_nsec < y->mtime.tv_nsec ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* The artifact files of a directory, oldest first: regular files only,
 * no locks and no temporary (dot) files. */
static struct entry *
entries_read(int dfd, size_t *n_out)
{
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd == -1 ? NULL : fdopendir(fd);
	struct entry *v = NULL;
	struct dirent *e;
	struct stat s;
	size_t n = 0;

	if (d == NULL && fd != -1)
		close(fd);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (e->d_name[0] == '.' || str_has_suffix(e->d_name, ".lock") ||
		    fstatat(dfd, e->d_name, &s, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISREG(s.st_mode))
			continue;
		v = xreallocarray(v, n + 1, sizeof(*v));
		v[n].name = xstrdup(e->d_name);
		v[n++].mtime = s.st_mtim;
	}
	if (d != NULL)
		closedir(d);
	if (n > 0)
		qsort(v, n, sizeof(*v), entry_cmp);
	*n_out = n;
	return v;
}

/* Marks Flux's garbage: expired files, then the oldest beyond keep. */
static void
gc_mark(bool *dead, const struct entry *v, size_t n, const char *current,
    int keep, int64_t ttl_ms)
{
	int64_t now_ms = (int64_t)time(NULL) * 1000;
	size_t left = n;

	for (size_t i = 0; i < n; i++) {
		int64_t age = now_ms -
		    ((int64_t)v[i].mtime.tv_sec * 1000 +
		        v[i].mtime.tv_nsec / 1000000);

		dead[i] = strcmp(v[i].name, current) != 0 && age > ttl_ms;
		left -= dead[i] ? 1 : 0;
	}
	for (size_t i = 0; i < n && left > (size_t)(keep > 0 ? keep : 0); i++) {
		if (!dead[i] && strcmp(v[i].name, current) != 0) {
			dead[i] = true;
			left--;
		}
	}
}

int
storage_gc(int *deleted, const struct storage *st,
    const struct storage_key *key, int keep, int64_t ttl_ms, struct err *err)
{
	char dir[STORAGE_PATH_MAX];
	struct entry *v;
	bool *dead;
	size_t n;
	int dfd, rv = 0;

	*deleted = 0;
	if (key_dir(dir, sizeof(dir), st, key, true, err) == -1)
		return -1;
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return errno == ENOENT
		    ? 0
		    : err_errno(err, errno, "open '%s'", dir);
	v = entries_read(dfd, &n);
	dead = xcalloc(n + 1, sizeof(*dead));
	gc_mark(dead, v, n, key->file, keep, ttl_ms);
	for (size_t i = 0; i < n; i++) {
		if (dead[i] && unlinkat(dfd, v[i].name, 0) == 0)
			(*deleted)++;
		else if (dead[i] && rv == 0)
			rv = err_errno(err, errno, "remove '%s/%s'", dir,
			    v[i].name);
		free(v[i].name);
	}
	free(v);
	free(dead);
	close(dfd);
	return rv;
}

int
storage_remove(const struct storage *st, const struct storage_key *key,
    struct err *err)
{
	char dir[STORAGE_PATH_MAX];

	if (key_dir(dir, sizeof(dir), st, key, false, err) == -1)
		return -1;
	return artifact_tree_remove(dir, false, err);
}
