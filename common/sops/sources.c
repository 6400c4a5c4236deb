/*
 * Decryption of kustomize generator sources in place, before the build,
 * as kustomize-controller's DecryptSources does: starting at a directory,
 * every kustomization file's secretGenerator `files` and `envs` and its
 * local `patches[].path` files that hold SOPS data are replaced by their
 * plaintext, and `resources` and `components` directories are visited in
 * turn. Paths are resolved inside the source root; a reference that
 * leaves it is an error, a resource that does not exist (or is a URL, or
 * a file) is skipped, as Flux skips it.
 */
#include "sops/sops.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"
#include "sops/sops_int.h"

/* Flux's limit on a file it decrypts (maxEncryptedFileSize). */
#define MAX_SOURCE_BYTES ((size_t)5 << 20)
#define MAX_DEPTH        64

struct walker {
	const struct sops_keys *k;
	char root[PATH_MAX];
	char **seen; /* absolute paths of visited directories and files */
	size_t n_seen, cap_seen;
};

static bool
seen_add(struct walker *w, const char *abs)
{
	for (size_t i = 0; i < w->n_seen; i++)
		if (strcmp(w->seen[i], abs) == 0)
			return false;
	if (w->n_seen == w->cap_seen) {
		w->cap_seen = w->cap_seen ? 2 * w->cap_seen : 16;
		w->seen = xreallocarray(w->seen, w->cap_seen, sizeof(char *));
	}
	w->seen[w->n_seen++] = xstrdup(abs);
	return true;
}

/* Joins dir and ref (relative to the root when ref is absolute) into a
 * path relative to the root. The caller frees it. */
static char *
join(const struct walker *w, const char *dir, const char *ref)
{
	size_t rl = strlen(w->root);

	if (ref[0] == '/') {
		if (strncmp(ref, w->root, rl) == 0 &&
		    (ref[rl] == '/' || ref[rl] == '\0'))
			ref += rl;
		while (*ref == '/')
			ref++;
		return xstrdup(*ref ? ref : ".");
	}
	if (strcmp(dir, ".") == 0)
		return xstrdup(ref);
	return xasprintf("%s/%s", dir, ref);
}

/* The real path of rel under the root in abs. -1 with ERR_NOTFOUND when
 * it does not exist, ERR_INVALID when it resolves outside the root. */
static int
resolve(char abs[PATH_MAX], const struct walker *w, const char *rel,
    struct err *err)
{
	char *path = xasprintf("%s/%s", w->root, rel);
	size_t rl = strlen(w->root);
	int rc = 0;

	if (realpath(path, abs) == NULL)
		rc = errno == ENOENT || errno == ENOTDIR
		    ? err_set(err, ERR_NOTFOUND, "'%s' not found", rel)
		    : err_errno(err, errno, "resolve '%s'", rel);
	else if (strncmp(abs, w->root, rl) != 0 ||
	    (abs[rl] != '/' && abs[rl] != '\0'))
		rc = err_set(err, ERR_INVALID,
		    "'%s' resolves outside the source root", rel);
	free(path);
	return rc;
}

static int
read_small(struct buf *b, const char *abs, const char *rel, struct err *err)
{
	char tmp[65536];
	ssize_t n;
	int fd = open(abs, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);

	if (fd == -1)
		return err_errno(err, errno, "open '%s'", rel);
	while ((n = read(fd, tmp, sizeof(tmp))) > 0) {
		if (b->len + (size_t)n > MAX_SOURCE_BYTES) {
			close(fd);
			return err_set(err, ERR_LIMIT,
			    "cannot decrypt '%s': larger than %zu bytes", rel,
			    MAX_SOURCE_BYTES);
		}
		buf_append(b, tmp, (size_t)n);
	}
	close(fd);
	if (n < 0)
		return err_errno(err, errno, "read '%s'", rel);
	return buf_check(b, err);
}

/* Replaces abs with data through a temporary file in the same folder. */
static int
write_back(const char *abs, const char *rel, const struct buf *data,
    struct err *err)
{
	char *tmp = xasprintf("%s.flint-sops.XXXXXX", abs);
	int fd = mkostemp(tmp, O_CLOEXEC), rc = 0;

	if (fd == -1) {
		rc = err_errno(err, errno, "write '%s'", rel);
	} else {
		if ((data->len > 0 &&
		        write(fd, data->data, data->len) !=
		            (ssize_t)data->len) ||
		    fsync(fd) == -1 || close(fd) == -1 ||
		    rename(tmp, abs) == -1) {
			rc = err_errno(err, errno, "write '%s'", rel);
			(void)unlink(tmp);
		}
	}
	free(tmp);
	return rc;
}

/* Decrypts the file ref (relative to dir) in place when it holds SOPS
 * data in format fmt. */
static int
decrypt_ref(struct walker *w, const char *dir, const char *ref,
    enum sops_format fmt, struct err *err)
{
	char abs[PATH_MAX], *rel = join(w, dir, ref);
	struct buf in, out;
	struct stat st;
	int rc = -1;

	buf_init(&in, MAX_SOURCE_BYTES);
	buf_init(&out, BUF_MAX_DEFAULT);
	if (resolve(abs, w, rel, err) == -1)
		goto out;
	if (!seen_add(w, abs)) {
		rc = 0;
		goto out;
	}
	if (lstat(abs, &st) == -1 || !S_ISREG(st.st_mode)) {
		err_set(err, ERR_INVALID, "cannot decrypt '%s': not a file",
		    rel);
		goto out;
	}
	if (read_small(&in, abs, rel, err) == -1)
		goto out;
	rc = 0;
	if (in.len > 0 && sops_data_is_encrypted(in.data, in.len, fmt) &&
	    (sops_decrypt_file(&out, w->k, in.data, in.len, fmt, err) == -1 ||
	        write_back(abs, rel, &out, err) == -1))
		rc = err_wrap(err, "decrypt '%s'", rel);
out:
	buf_release(&in);
	buf_release_secret(&out);
	free(rel);
	return rc;
}

/* The strings of a sequence field (borrowed), or none. */
static size_t
strings(const struct doc_node *map, const char *field,
    struct doc_node *const **items)
{
	const struct doc_node *s = doc_map_get(map, field);

	if (s == NULL || s->kind != DOC_SEQ)
		return 0;
	*items = s->u.seq.items;
	return s->u.seq.n;
}

/* A files entry: "key=path" or "path"; the key's name gives the format
 * (".dockerconfigjson" is JSON, as Flux decides). */
static int
decrypt_file_source(struct walker *w, const char *dir, const char *src,
    struct err *err)
{
	const char *eq = strchr(src, '=');
	char *key = xstrndup(src,
	    eq != NULL ? (size_t)(eq - src) : strlen(src));
	enum sops_format fmt = str_has_suffix(key, ".dockerconfigjson")
	    ? SOPS_FORMAT_JSON
	    : sops_format_for_path(key);
	int rc = decrypt_ref(w, dir, eq != NULL ? eq + 1 : src, fmt, err);

	free(key);
	return rc;
}

static int
visit_generators(struct walker *w, const char *dir, const struct doc_node *kus,
    struct err *err)
{
	const struct doc_node *gens = doc_map_get(kus, "secretGenerator");
	struct doc_node *const *items;

	for (size_t g = 0;
	     gens != NULL && gens->kind == DOC_SEQ && g < gens->u.seq.n; g++) {
		const struct doc_node *gen = gens->u.seq.items[g];
		size_t n = strings(gen, "files", &items);

		for (size_t i = 0; i < n; i++)
			if (doc_str(items[i]) != NULL &&
			    decrypt_file_source(w, dir, doc_str(items[i]),
			        err) == -1)
				return -1;
		n = strings(gen, "envs", &items);
		for (size_t i = 0; i < n; i++) {
			const char *e = doc_str(items[i]);
			enum sops_format fmt;

			if (e == NULL)
				continue;
			fmt = sops_format_for_path(e);
			if (decrypt_ref(w, dir, e,
			        fmt == SOPS_FORMAT_BINARY ? SOPS_FORMAT_DOTENV
			                                  : fmt,
			        err) == -1)
				return -1;
		}
	}
	return 0;
}

static int
visit_patches(struct walker *w, const char *dir, const struct doc_node *kus,
    struct err *err)
{
	const struct doc_node *patches = doc_map_get(kus, "patches");

	if (patches == NULL || patches->kind != DOC_SEQ)
		return 0;
	for (size_t i = 0; i < patches->u.seq.n; i++) {
		const char *p = doc_str(
		    doc_map_get(patches->u.seq.items[i], "path"));

		if (p == NULL || *p == '\0' || strstr(p, "://") != NULL)
			continue;
		if (decrypt_ref(w, dir, p, sops_format_for_path(p), err) == -1)
			return -1;
	}
	return 0;
}

/* Loads the one kustomization file of the directory abs. */
static int
load_kustomization(struct doc **out, const char *abs, const char *rel,
    struct err *err)
{
	static const char *const names[] = { "kustomization.yaml",
		"kustomization.yml", "Kustomization" };
	char *found = NULL;
	struct buf b;
	int rc = -1;

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", abs, names[i]);
		struct stat st;

		if (lstat(p, &st) == -1) {
			free(p);
			continue;
		}
		if (!S_ISREG(st.st_mode) || found != NULL) {
			free(p);
			free(found);
			return err_set(err, ERR_INVALID, "'%s': %s", rel,
			    found != NULL
			        ? "found multiple kustomization files"
			        : "kustomization is not a regular file");
		}
		found = p;
	}
	if (found == NULL)
		return err_set(err, ERR_INVALID,
		    "'%s': no kustomization file found", rel);
	buf_init(&b, MAX_SOURCE_BYTES);
	if (read_small(&b, found, rel, err) == 0 &&
	    doc_parse_yaml_lenient(out, b.data ? b.data : "", b.len, NULL,
	        err) == 0)
		rc = 0;
	buf_release(&b);
	free(found);
	return rc;
}

static int visit_dir(struct walker *w, const char *rel, unsigned depth,
    struct err *err);

static int
visit_resources(struct walker *w, const char *rel, const struct doc_node *kus,
    unsigned depth, struct err *err)
{
	static const char *const fields[] = { "resources", "components" };
	struct doc_node *const *items;

	for (size_t f = 0; f < 2; f++) {
		size_t n = strings(kus, fields[f], &items);

		for (size_t i = 0; i < n; i++) {
			char *sub;
			int rc;

			if (doc_str(items[i]) == NULL)
				continue;
			sub = join(w, rel, doc_str(items[i]));
			rc = visit_dir(w, sub, depth + 1, err);
			free(sub);
			if (rc == -1)
				return -1;
		}
	}
	return 0;
}

/* Visits the kustomization in the directory rel; a path that does not
 * exist or is not a directory is skipped (URLs, files), as Flux does. */
static int
visit_dir(struct walker *w, const char *rel, unsigned depth, struct err *err)
{
	char abs[PATH_MAX];
	struct doc *kus = NULL;
	struct stat st;
	int rc;

	if (depth > MAX_DEPTH)
		return err_set(err, ERR_LIMIT,
		    "'%s': kustomizations nested "
		    "too deep",
		    rel);
	if (resolve(abs, w, rel, err) == -1) {
		if (err->code != ERR_NOTFOUND)
			return -1;
		err_reset(err);
		return 0;
	}
	if (lstat(abs, &st) == -1 || !S_ISDIR(st.st_mode) || !seen_add(w, abs))
		return 0;
	if (load_kustomization(&kus, abs, rel, err) == -1)
		return -1;
	rc = doc_count(kus) == 0
	    ? 0
	    : visit_generators(w, rel, doc_root(kus, 0), err);
	if (rc == 0 && doc_count(kus) > 0)
		rc = visit_patches(w, rel, doc_root(kus, 0), err);
	if (rc == 0 && doc_count(kus) > 0)
		rc = visit_resources(w, rel, doc_root(kus, 0), depth, err);
	doc_free(kus);
	return rc;
}

int
sops_decrypt_sources(const struct sops_keys *k, const char *root,
    const char *path, struct err *err)
{
	struct walker w = { .k = k };
	char *rel;
	int rc;

	if (realpath(root, w.root) == NULL)
		return err_errno(err, errno, "source root '%s'", root);
	rel = join(&w, ".", path != NULL && *path != '\0' ? path : ".");
	rc = visit_dir(&w, rel, 0, err);
	free(rel);
	for (size_t i = 0; i < w.n_seen; i++)
		free(w.seen[i]);
	free(w.seen);
	return rc;
}
