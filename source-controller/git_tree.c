/*
 * Writes a commit's tree into the work directory, the way the artifact
 * will hold it: regular files (0644, or 0755 when executable in git) and
 * directories; an uninitialised submodule is an empty directory as in a
 * git checkout; symlinks are skipped, since the artifact drops them anyway
 * (Flux's archiver does) and a link is the one thing in a tree that could
 * point out of it.
 *
 * Entry names come from the remote, so they are checked before use: no
 * "", ".", "..", '/' or ".git" (git fsck refuses these too, but a server
 * need not run it). Sizes are read from the object header before a blob
 * is loaded, so a huge blob fails with ERR_LIMIT instead of filling
 * memory.
 */
#include "git_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

struct walk {
	git_repository *repo;
	git_odb *odb;
	int root_fd;
	uint64_t max_bytes, bytes;
	struct err *err;
};

static bool
name_safe(const char *name)
{
	return name[0] != '\0' && strcmp(name, ".") != 0 &&
	    strcmp(name, "..") != 0 && strchr(name, '/') == NULL &&
	    strcasecmp(name, ".git") != 0;
}

static int
write_blob(struct walk *w, const char *path, const git_oid *id, mode_t mode)
{
	git_blob *blob = NULL;
	git_object_t type;
	size_t len;
	int fd, rv;

	if (git_odb_read_header(&len, &type, w->odb, id) != 0)
		return err_git(w->err, NULL, -1, "read blob header");
	if (len > w->max_bytes - w->bytes)
		return err_set(w->err, ERR_LIMIT,
		    "repository content is larger than %llu bytes",
		    (unsigned long long)w->max_bytes);
	w->bytes += len;
	if (git_blob_lookup(&blob, w->repo, id) != 0)
		return err_git(w->err, NULL, -1, "read blob");
	fd = openat(w->root_fd, path,
	    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1) {
		git_blob_free(blob);
		return err_errno(w->err, errno, "create '%s'", path);
	}
	rv = 0;
	for (size_t off = 0; off < len && rv == 0;) {
		ssize_t n = write(fd,
		    (const char *)git_blob_rawcontent(blob) + off, len - off);

		if (n == -1 && errno != EINTR)
			rv = err_errno(w->err, errno, "write '%s'", path);
		off += n > 0 ? (size_t)n : 0;
	}
	if (close(fd) == -1 && rv == 0)
		rv = err_errno(w->err, errno, "close '%s'", path);
	git_blob_free(blob);
	return rv;
}

static int
walk_entry(const char *root, const git_tree_entry *e, void *payload)
{
	struct walk *w = payload;
	const char *name = git_tree_entry_name(e);
	git_filemode_t mode = git_tree_entry_filemode(e);
	char path[PATH_MAX];
	int n;

	if (!name_safe(name)) {
		err_set(w->err, ERR_INVALID, "unsafe tree entry '%s%s'", root,
		    name);
		return -1;
	}
	n = snprintf(path, sizeof(path), "%s%s", root, name);
	if (n < 0 || (size_t)n >= sizeof(path)) {
		err_set(w->err, ERR_INVALID, "path '%s%s' too long", root,
		    name);
		return -1;
	}
	switch (mode) {
	case GIT_FILEMODE_TREE:
	case GIT_FILEMODE_COMMIT: /* submodule: an empty directory */
		if (mkdirat(w->root_fd, path, 0755) == -1) {
			err_errno(w->err, errno, "make directory '%s'", path);
			return -1;
		}
		return mode == GIT_FILEMODE_COMMIT ? 1 : 0; /* 1: skip below */
	case GIT_FILEMODE_BLOB:
	case GIT_FILEMODE_BLOB_EXECUTABLE:
		return write_blob(w, path, git_tree_entry_id(e),
		           mode == GIT_FILEMODE_BLOB ? 0644 : 0755) == -1
		    ? -1
		    : 0;
	default: /* GIT_FILEMODE_LINK: dropped from the artifact anyway */
		return 0;
	}
}

int
gittree_write(git_repository *repo, const git_commit *commit,
    const char *work_dir, uint64_t max_bytes, struct err *err)
{
	struct walk w = { .repo = repo, .max_bytes = max_bytes, .err = err };
	git_tree *tree = NULL;
	int rv = -1;

	w.root_fd = open(work_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (w.root_fd == -1)
		return err_errno(err, errno, "open '%s'", work_dir);
	if (git_repository_odb(&w.odb, repo) != 0 ||
	    git_commit_tree(&tree, commit) != 0)
		err_git(err, NULL, -1, "read commit tree");
	else if (git_tree_walk(tree, GIT_TREEWALK_PRE, walk_entry, &w) == 0)
		rv = 0;
	else if (err->code == ERR_OK)
		err_git(err, NULL, -1, "walk tree");
	git_tree_free(tree);
	git_odb_free(w.odb);
	close(w.root_fd);
	return rv == -1 ? err_wrap(err, "write tree to '%s'", work_dir) : 0;
}
