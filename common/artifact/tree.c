/*
 * Directory helpers for packing and extraction: sorted listings, whole
 * writes, and removing a tree without ever following a symlink (a
 * hostile archive may leave links to anywhere; removal must not chase
 * them).
 */
#include "artifact/artifact_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

int
artifact_write_all(int fd, const void *p, size_t n, const char *what,
    struct err *err)
{
	const char *c = p;

	while (n > 0) {
		ssize_t w = write(fd, c, n);

		if (w == -1 && errno == EINTR)
			continue;
		if (w == -1)
			return err_errno(err, errno, "write %s", what);
		c += w;
		n -= (size_t)w;
	}
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
artifact_names_free(char **names)
{
	if (names == NULL)
		return;
	for (char **p = names; *p != NULL; p++)
		free(*p);
	free(names);
}

int
artifact_names_read(char ***out, size_t *n_out, int fd, struct err *err)
{
	int dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	DIR *d;

	if (dfd == -1 || (d = fdopendir(dfd)) == NULL) {
		int saved = errno;

		if (dfd != -1)
			close(dfd);
		return err_errno(err, saved, "open directory");
	}
	while ((errno = 0, e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n + 2 > cap) {
			cap = cap == 0 ? 16 : cap * 2;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[n++] = xstrdup(e->d_name);
	}
	if (errno != 0) {
		int saved = errno;

		closedir(d);
		while (n > 0)
			free(names[--n]);
		free(names);
		return err_errno(err, saved, "read directory");
	}
	closedir(d);
	if (names == NULL)
		names = xcalloc(1, sizeof(*names));
	names[n] = NULL;
	qsort(names, n, sizeof(*names), name_cmp);
	*out = names;
	*n_out = n;
	return 0;
}

static int remove_below(int dfd, int depth, struct err *err);

/* Removes one entry of the directory dfd; directories recursively. */
static int
remove_entry(int dfd, const char *name, int depth, struct err *err)
{
	struct stat st;
	int fd;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return err_errno(err, errno, "stat '%s'", name);
	if (!S_ISDIR(st.st_mode)) {
		if (unlinkat(dfd, name, 0) == -1)
			return err_errno(err, errno, "remove '%s'", name);
		return 0;
	}
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return err_errno(err, errno, "open '%s'", name);
	if (remove_below(fd, depth + 1, err) == -1) {
		close(fd);
		return err_wrap(err, "'%s'", name);
	}
	close(fd);
	if (unlinkat(dfd, name, AT_REMOVEDIR) == -1)
		return err_errno(err, errno, "remove '%s'", name);
	return 0;
}

static int
remove_below(int dfd, int depth, struct err *err)
{
	char **names = NULL;
	size_t n;
	int rv = 0;

	if (depth > 4 * ARTIFACT_MAX_DEPTH)
		return err_set(err, ERR_LIMIT, "tree deeper than %d levels",
		    4 * ARTIFACT_MAX_DEPTH);
	if (artifact_names_read(&names, &n, dfd, err) == -1)
		return -1;
	for (size_t i = 0; i < n && rv == 0; i++)
		rv = remove_entry(dfd, names[i], depth, err);
	artifact_names_free(names);
	return rv;
}

int
artifact_tree_remove(const char *dir, bool keep_root, struct err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	int rv;

	if (fd == -1 && errno == ENOENT)
		return 0;
	if (fd == -1 && (errno == ENOTDIR || errno == ELOOP) && !keep_root) {
		if (unlink(dir) == -1)
			return err_errno(err, errno, "remove '%s'", dir);
		return 0;
	}
	if (fd == -1)
		return err_errno(err, errno, "open '%s'", dir);
	rv = remove_below(fd, 0, err);
	close(fd);
	if (rv == -1)
		return err_wrap(err, "remove '%s'", dir);
	if (!keep_root && rmdir(dir) == -1)
		return err_errno(err, errno, "remove '%s'", dir);
	return 0;
}
