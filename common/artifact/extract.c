/*
 * Safe extraction of artifacts for the controllers that consume them.
 *
 * libarchive parses (tar, ustar, PAX, GNU, optionally gzip'd); every
 * write is ours, relative to a descriptor of the destination: each path
 * component is opened with O_NOFOLLOW, so no entry can write through a
 * symlink, whatever order a hostile archive puts its entries in. Symlinks
 * are checked twice: lexically when created, and with realpath() once the
 * whole tree exists, because a link such as "y -> x/.." looks inside
 * until "x" turns out to be a link itself. Sizes are checked against the
 * limits before anything is written, declared sizes included, so a sparse
 * or gzip bomb fails early.
 */
#include "artifact/artifact.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact_int.h"
#include "core/mem.h"

struct extractor {
	struct archive *a;
	int root_fd;
	uint64_t max_bytes, max_entries;
	uint64_t entries, declared;
	char **links; /* relative paths of the symlinks made */
	size_t nlinks, links_cap;
	char path[PATH_MAX]; /* cleaned path of the current entry */
	struct err *err;
};

/* Appends one component of n bytes at p to ex->path (length *len). */
static int
ex_push(struct extractor *ex, size_t *len, const char *p, size_t n)
{
	if (n == 2 && p[0] == '.' && p[1] == '.')
		return err_set(ex->err, ERR_INVALID,
		    "path escapes the root ('..')");
	if (n > NAME_MAX)
		return err_set(ex->err, ERR_INVALID,
		    "name longer than %d bytes", NAME_MAX);
	if (*len + n + 2 > sizeof(ex->path))
		return err_set(ex->err, ERR_INVALID,
		    "path longer than %d bytes", PATH_MAX);
	if (*len > 0)
		ex->path[(*len)++] = '/';
	memcpy(ex->path + *len, p, n);
	*len += n;
	ex->path[*len] = '\0';
	return 0;
}

/*
 * Cleans an entry name into ex->path: drops "." and empty components and
 * a leading "./"; refuses absolute names and "..". Sets *depth to the
 * number of components. An empty result is the root itself.
 */
static int
ex_clean(struct extractor *ex, const char *raw, int *depth)
{
	size_t len = 0;

	*depth = 0;
	ex->path[0] = '\0';
	if (raw[0] == '/')
		return err_set(ex->err, ERR_INVALID, "absolute path");
	for (const char *p = raw; *p != '\0';) {
		size_t n = strcspn(p, "/");

		if (n > 0 && !(n == 1 && p[0] == '.')) {
			if (ex_push(ex, &len, p, n) == -1)
				return -1;
			if (++*depth > ARTIFACT_MAX_DEPTH)
				return err_set(ex->err, ERR_INVALID,
				    "deeper than %d levels",
				    ARTIFACT_MAX_DEPTH);
		}
		p += n + (p[n] == '/' ? 1 : 0);
	}
	return 0;
}

/* Opens (making them as needed) the directories above ex->path, never
 * through a symlink. Returns the parent's descriptor; *base is the last
 * component. The caller closes the result unless it is ex->root_fd. */
static int
ex_parent(struct extractor *ex, const char **base)
{
	char comp[NAME_MAX + 1];
	const char *p = ex->path;
	int fd = ex->root_fd;

	for (const char *slash; (slash = strchr(p, '/')) != NULL;
	     p = slash + 1) {
		int nfd;

		memcpy(comp, p, (size_t)(slash - p));
		comp[slash - p] = '\0';
		if (mkdirat(fd, comp, 0755) == -1 && errno != EEXIST)
			nfd = -1;
		else
			nfd = openat(fd, comp,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (nfd == -1) {
			int saved = errno;

			if (fd != ex->root_fd)
				close(fd);
			if (saved == ELOOP || saved == ENOTDIR)
				return err_set(ex->err, ERR_INVALID,
				    "path goes through a symlink or file");
			return err_errno(ex->err, saved, "make directory");
		}
		if (fd != ex->root_fd)
			close(fd);
		fd = nfd;
	}
	*base = p;
	return fd;
}

/* Counts bytes against the limit: the stream so far, and what entries
 * declared (a sparse entry may declare far more than it carries). */
static int
ex_budget(struct extractor *ex, uint64_t more_declared)
{
	int64_t consumed = archive_filter_bytes(ex->a, 0);

	ex->declared += more_declared;
	if (ex->declared > ex->max_bytes ||
	    (consumed > 0 && (uint64_t)consumed > ex->max_bytes))
		return err_set(ex->err, ERR_LIMIT,
		    "archive expands past %llu bytes",
		    (unsigned long long)ex->max_bytes);
	return 0;
}

static int
ex_copy(struct extractor *ex, int fd)
{
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int rv = archive_read_data_block(ex->a, &buf, &len, &off);

		if (rv == ARCHIVE_EOF)
			return 0;
		if (rv != ARCHIVE_OK && rv != ARCHIVE_WARN)
			return err_set(ex->err, ERR_INVALID, "read data: %s",
			    archive_error_string(ex->a));
		if (ex_budget(ex, 0) == -1)
			return -1;
		for (size_t done = 0; done < len;) {
			ssize_t w = pwrite(fd, (const char *)buf + done,
			    len - done, off + (off_t)done);

			if (w == -1 && errno != EINTR)
				return err_errno(ex->err, errno, "write");
			done += w > 0 ? (size_t)w : 0;
		}
	}
}

static int
ex_file(struct extractor *ex, int pfd, const char *base,
    struct archive_entry *e)
{
	mode_t mode = (archive_entry_perm(e) & 0755) | 0600;
	int64_t size = archive_entry_size(e);
	int fd, rv;

	if (size < 0 || ex_budget(ex, (uint64_t)size) == -1)
		return size < 0 ? err_set(ex->err, ERR_INVALID, "bad size")
		                : -1;
	fd = openat(pfd, base,
	    O_WRONLY | O_CREAT | O_TRUNC | O_NOFOLLOW | O_CLOEXEC, mode);
	if (fd == -1 && (errno == ELOOP || errno == EISDIR))
		return err_set(ex->err, ERR_INVALID,
		    "would overwrite a symlink or directory");
	if (fd == -1)
		return err_errno(ex->err, errno, "create");
	rv = ex_copy(ex, fd);
	if (rv == 0 && ftruncate(fd, (off_t)size) == -1)
		rv = err_errno(ex->err, errno, "truncate");
	close(fd);
	return rv;
}

static int
ex_dir(struct extractor *ex, int pfd, const char *base)
{
	struct stat st;

	if (mkdirat(pfd, base, 0755) == 0)
		return 0;
	if (errno != EEXIST)
		return err_errno(ex->err, errno, "make directory");
	if (fstatat(pfd, base, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return err_errno(ex->err, errno, "stat");
	if (!S_ISDIR(st.st_mode))
		return err_set(ex->err, ERR_INVALID,
		    "directory would replace a file or symlink");
	return 0;
}

/* A relative target stays inside if, walked from the link's directory
 * (depth components below the root), ".." never climbs above the root. */
static int
ex_symlink(struct extractor *ex, int pfd, const char *base, int depth,
    const char *target)
{
	int level = depth - 1;

	if (target == NULL || target[0] == '\0')
		return err_set(ex->err, ERR_INVALID, "symlink without target");
	if (target[0] == '/')
		return err_set(ex->err, ERR_INVALID,
		    "symlink to '%s' points out of the root", target);
	for (const char *p = target; *p != '\0';) {
		size_t n = strcspn(p, "/");

		if (n == 2 && p[0] == '.' && p[1] == '.')
			level--;
		else if (n > 0 && !(n == 1 && p[0] == '.'))
			level++;
		if (level < 0)
			return err_set(ex->err, ERR_INVALID,
			    "symlink to '%s' points out of the root", target);
		p += n + (p[n] == '/' ? 1 : 0);
	}
	if (symlinkat(target, pfd, base) == -1)
		return errno == EEXIST
		    ? err_set(ex->err, ERR_INVALID, "duplicate symlink")
		    : err_errno(ex->err, errno, "make symlink");
	if (ex->nlinks == ex->links_cap) {
		ex->links_cap = ex->links_cap == 0 ? 8 : ex->links_cap * 2;
		ex->links = xreallocarray(ex->links, ex->links_cap,
		    sizeof(*ex->links));
	}
	ex->links[ex->nlinks++] = xstrdup(ex->path);
	return 0;
}

static int
ex_type_check(struct extractor *ex, struct archive_entry *e)
{
	mode_t type = archive_entry_filetype(e);

	if (archive_entry_hardlink(e) != NULL)
		return err_set(ex->err, ERR_INVALID, "hard links not allowed");
	if (type == AE_IFREG || type == AE_IFDIR || type == AE_IFLNK)
		return 0;
	return err_set(ex->err, ERR_INVALID, "%s not allowed",
	    type == AE_IFCHR || type == AE_IFBLK ? "device file"
	        : type == AE_IFIFO               ? "FIFO"
	        : type == AE_IFSOCK              ? "socket"
	                                         : "unknown entry type");
}

static int
ex_entry(struct extractor *ex, struct archive_entry *e)
{
	const char *raw = archive_entry_pathname(e), *base = NULL;
	int depth, pfd, rv;

	if (raw == NULL)
		return err_set(ex->err, ERR_INVALID, "entry without a name");
	if (ex_clean(ex, raw, &depth) == -1 || ex_type_check(ex, e) == -1)
		return err_wrap(ex->err, "entry '%s'", raw);
	if (depth == 0) /* the root itself ("./") */
		return archive_entry_filetype(e) == AE_IFDIR
		    ? 0
		    : err_set(ex->err, ERR_INVALID,
		          "entry '%s': not a directory", raw);
	if ((pfd = ex_parent(ex, &base)) == -1)
		return err_wrap(ex->err, "entry '%s'", raw);
	switch (archive_entry_filetype(e)) {
	case AE_IFDIR:
		rv = ex_dir(ex, pfd, base);
		break;
	case AE_IFLNK:
		rv = ex_symlink(ex, pfd, base, depth, archive_entry_symlink(e));
		break;
	default:
		rv = ex_file(ex, pfd, base, e);
		break;
	}
	if (pfd != ex->root_fd)
		close(pfd);
	return rv == -1 ? err_wrap(ex->err, "entry '%s'", raw) : 0;
}

/* Resolves every symlink now that the tree is complete; a target that
 * exists must be inside the root. Dangling links are harmless: nothing
 * will be created after this. */
static int
ex_links_verify(struct extractor *ex, const char *dest)
{
	char *root = realpath(dest, NULL);
	size_t rlen;
	int rv = 0;

	if (root == NULL)
		return err_errno(ex->err, errno, "resolve '%s'", dest);
	rlen = strlen(root);
	for (size_t i = 0; i < ex->nlinks && rv == 0; i++) {
		char *full = xasprintf("%s/%s", root, ex->links[i]);
		char *r = realpath(full, NULL);

		if (r == NULL && errno == ELOOP)
			rv = err_set(ex->err, ERR_INVALID, "symlink '%s' loops",
			    ex->links[i]);
		else if (r != NULL &&
		    (strncmp(r, root, rlen) != 0 ||
		        (r[rlen] != '/' && r[rlen] != '\0')))
			rv = err_set(ex->err, ERR_INVALID,
			    "symlink '%s' resolves out of the root",
			    ex->links[i]);
		free(r);
		free(full);
	}
	free(root);
	return rv;
}

static int
ex_run(struct extractor *ex, const char *dest)
{
	struct archive_entry *e;

	for (;;) {
		int rv = archive_read_next_header(ex->a, &e);

		if (rv == ARCHIVE_EOF)
			break;
		if (rv != ARCHIVE_OK && rv != ARCHIVE_WARN)
			return err_set(ex->err, ERR_INVALID, "read archive: %s",
			    archive_error_string(ex->a));
		if (++ex->entries > ex->max_entries)
			return err_set(ex->err, ERR_LIMIT,
			    "archive has more than %llu entries",
			    (unsigned long long)ex->max_entries);
		if (ex_budget(ex, 0) == -1 || ex_entry(ex, e) == -1)
			return -1;
	}
	return ex_links_verify(ex, dest);
}

static int
root_open(const char *dest, struct err *err)
{
	int fd = open(dest, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	char **names = NULL;
	size_t n = 0;

	if (fd == -1)
		return err_errno(err, errno, "open '%s'", dest);
	if (artifact_names_read(&names, &n, fd, err) == -1) {
		close(fd);
		return err_wrap(err, "'%s'", dest);
	}
	artifact_names_free(names);
	if (n > 0) {
		close(fd);
		return err_set(err, ERR_CONFLICT, "'%s' is not empty", dest);
	}
	return fd;
}

/* Shared by both entry points: a is opened on the input already. */
static int
extract(const char *dest, struct archive *a, const struct artifact_limits *lim,
    struct err *err)
{
	struct extractor ex = { .a = a, .err = err };
	struct err cleanup = ERR_INIT;
	int rv;

	ex.max_bytes = lim != NULL && lim->max_bytes != 0
	    ? lim->max_bytes
	    : ARTIFACT_MAX_BYTES_DEFAULT;
	ex.max_entries = lim != NULL && lim->max_entries != 0
	    ? lim->max_entries
	    : ARTIFACT_MAX_ENTRIES_DEFAULT;
	if ((ex.root_fd = root_open(dest, err)) == -1)
		return -1;
	rv = ex_run(&ex, dest);
	close(ex.root_fd);
	for (size_t i = 0; i < ex.nlinks; i++)
		free(ex.links[i]);
	free(ex.links);
	if (rv == -1) {
		(void)artifact_tree_remove(dest, true, &cleanup);
		return err_wrap(err, "extract to '%s'", dest);
	}
	return 0;
}

static struct archive *
reader_new(void)
{
	struct archive *a = archive_read_new();

	if (a == NULL)
		BUG("archive_read_new: out of memory");
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	return a;
}

int
artifact_extract_mem(const char *dest_dir, const void *data, size_t n,
    const char *want_digest, const struct artifact_limits *lim, struct err *err)
{
	char got[ARTIFACT_DIGEST_MAX];
	struct archive *a;
	int rv;

	if (want_digest != NULL) {
		artifact_digest_mem(got, data, n);
		if (artifact_digest_check(want_digest, got, err) == -1)
			return err_wrap(err, "extract to '%s'", dest_dir);
	}
	a = reader_new();
	if (archive_read_open_memory(a, data, n) != ARCHIVE_OK)
		rv = err_set(err, ERR_INVALID,
		    "extract to '%s': read archive: %s", dest_dir,
		    archive_error_string(a));
	else
		rv = extract(dest_dir, a, lim, err);
	archive_read_free(a);
	return rv;
}

int
artifact_extract(const char *dest_dir, int fd, const char *want_digest,
    const struct artifact_limits *lim, struct err *err)
{
	char got[ARTIFACT_DIGEST_MAX];
	struct archive *a;
	int rv;

	if (want_digest != NULL &&
	    (artifact_digest_fd(got, fd, err) == -1 ||
	        artifact_digest_check(want_digest, got, err) == -1))
		return err_wrap(err, "extract to '%s'", dest_dir);
	if (lseek(fd, 0, SEEK_SET) == -1)
		return err_errno(err, errno, "extract to '%s': seek", dest_dir);
	a = reader_new();
	if (archive_read_open_fd(a, fd, 1 << 16) != ARCHIVE_OK)
		rv = err_set(err, ERR_INVALID,
		    "extract to '%s': read archive: %s", dest_dir,
		    archive_error_string(a));
	else
		rv = extract(dest_dir, a, lim, err);
	archive_read_free(a);
	return rv;
}
