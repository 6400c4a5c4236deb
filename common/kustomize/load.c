/*
 * Reading the tree: kustomization directories (which file, cycles,
 * depth), files under kustomize's "root only" load restriction, and YAML
 * text turned into resources the way kustomize's resource factory does
 * (empty documents dropped, kind and name required, Lists inlined).
 */
#include "kustomize/kz_int.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"

static const char *const kust_names[] = { "kustomization.yaml",
	"kustomization.yml", "Kustomization" };

/* True when path is dir or lies below it (both real paths). */
static bool
path_within(const char *path, const char *dir)
{
	size_t n = strlen(dir);

	if (strcmp(dir, "/") == 0)
		return true;
	return strncmp(path, dir, n) == 0 &&
	    (path[n] == '\0' || path[n] == '/');
}

static char *
path_join(struct arena *a, const char *dir, const char *rel)
{
	if (rel[0] == '/')
		return arena_strdup(a, rel);
	return arena_printf(a, "%s/%s", dir, rel);
}

/* The real path of p's directory joined with p's last element, as
 * kustomize's CleanedAbs: the file itself may be a symlink. */
static char *
real_file_path(struct arena *a, const char *p, struct err *err)
{
	const char *slash = strrchr(p, '/');
	char *dir = slash == p ? arena_strdup(a, "/")
	                       : arena_strndup(a, p, (size_t)(slash - p));
	char real[PATH_MAX];

	if (realpath(dir, real) == NULL)
		return err_errno(err, errno, "'%s'", p), NULL;
	if (strcmp(real, "/") == 0)
		return arena_printf(a, "/%s", slash + 1);
	return arena_printf(a, "%s/%s", real, slash + 1);
}

static int
read_all(char **data, size_t *len, struct arena *a, int fd, size_t max,
    const char *path, struct err *err)
{
	struct stat st;
	size_t n = 0;
	char *buf;

	if (fstat(fd, &st) == -1)
		return err_errno(err, errno, "stat '%s'", path);
	if (S_ISDIR(st.st_mode))
		return err_set(err, ERR_INVALID, "'%s' is a directory", path);
	if ((uintmax_t)st.st_size > max)
		return err_set(err, ERR_LIMIT, "'%s' is larger than %zu bytes",
		    path, max);
	buf = arena_alloc(a, (size_t)st.st_size + 1);
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + n, (size_t)st.st_size - n);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return err_errno(err, errno, "read '%s'", path);
		if (r == 0)
			break;
		n += (size_t)r;
	}
	buf[n] = '\0';
	*data = buf;
	*len = n;
	return 0;
}

int
kz_load_file(char **data, size_t *len, const struct kz_target *t,
    const char *path, struct err *err)
{
	struct kz_build *b = t->b;
	char *full = path_join(b->a, t->root, path), *real;
	int fd, rv;

	if ((real = real_file_path(b->a, full, err)) == NULL)
		return -1;
	if (!b->opts.load_anywhere && !path_within(real, t->root))
		return err_set(err, ERR_INVALID,
		    "security; file '%s' is not in or below '%s'", full,
		    t->root);
	if (b->opts.fs_root != NULL && !path_within(real, b->opts.fs_root))
		return err_set(err, ERR_INVALID,
		    "security; file '%s' is outside '%s'", full,
		    b->opts.fs_root);
	if (++b->nfiles > b->opts.max_files)
		return err_set(err, ERR_LIMIT, "more than %zu files read",
		    b->opts.max_files);
	if ((fd = open(real, O_RDONLY | O_CLOEXEC)) == -1)
		return err_errno(err, errno, "open '%s'", full);
	rv = read_all(data, len, b->a, fd, b->opts.doc.max_bytes, full, err);
	close(fd);
	return rv;
}

/* ---- parsing ----------------------------------------------------------- */

static int
parse_docs(struct kz_vec *out, struct kz_build *b, const char *text, size_t len,
    const char *what, bool last_key_wins, struct err *err)
{
	struct doc *d = NULL;
	int rv = last_key_wins
	    ? doc_parse_yaml_lenient(&d, text, len, &b->opts.doc, err)
	    : doc_parse_yaml(&d, text, len, &b->opts.doc, err);

	if (rv == -1)
		return err_wrap(err, "'%s'", what);
	kz_vec_push(b->a, &b->docs, d);
	for (size_t i = 0; i < doc_count(d); i++)
		kz_vec_push(b->a, out, doc_root(d, i));
	return 0;
}

int
kz_parse_docs(struct kz_vec *out, struct kz_build *b, const char *text,
    size_t len, const char *what, struct err *err)
{
	return parse_docs(out, b, text, len, what, false, err);
}

static bool
is_empty(const struct doc_node *n)
{
	return n == NULL || n->kind == DOC_NULL ||
	    (n->kind == DOC_MAP && n->u.map.n == 0) ||
	    (n->kind == DOC_SEQ && n->u.seq.n == 0);
}

static bool
has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* kustomize's GetValidatedMetadata: a map with a kind, and a name unless
 * the kind is a List. */
static int
check_object(const struct doc_node *n, const char *what, struct err *err)
{
	const char *kind, *name;

	if (n->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "'%s': line %u: a resource must be a map", what, n->line);
	kind = kz_get_str(n, "kind");
	if (kind == NULL || kind[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "'%s': line %u: missing kind in object", what, n->line);
	if (has_suffix(kind, "List"))
		return 0;
	name = kz_get_str(doc_map_get(n, "metadata"), "name");
	if (name == NULL || name[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "'%s': line %u: missing metadata.name in object of kind "
		    "'%s'",
		    what, n->line, kind);
	return 0;
}

int
kz_parse_resources(struct kz_vec *out, struct kz_build *b, const char *text,
    size_t len, const char *what, struct err *err)
{
	struct kz_vec q = { 0 };

	if (kz_parse_docs(&q, b, text, len, what, err) == -1)
		return -1;
	/* a queue: the items of a List are checked after the documents */
	for (size_t i = 0; i < q.n; i++) {
		struct doc_node *n = q.v[i], *items;
		const char *kind;

		if (is_empty(n))
			continue;
		if (check_object(n, what, err) == -1)
			return -1;
		kind = kz_get_str(n, "kind");
		items = doc_map_get(n, "items");
		if (!has_suffix(kind, "List") || items == NULL) {
			kz_vec_push(b->a, out, kz_res_new(b->a, n));
			continue;
		}
		if (items->kind == DOC_NULL)
			continue;
		if (items->kind != DOC_SEQ)
			return err_set(err, ERR_INVALID,
			    "'%s': line %u: expected array in %s/items", what,
			    items->line, kind);
		for (size_t j = 0; j < items->u.seq.n; j++)
			kz_vec_push(b->a, &q, items->u.seq.items[j]);
	}
	return 0;
}

/* ---- kustomization directories --------------------------------------- */

static int
find_kust_file(struct kz_target *t, struct err *err)
{
	int found = 0;

	for (size_t i = 0; i < sizeof(kust_names) / sizeof(kust_names[0]);
	     i++) {
		char *p = arena_printf(t->b->a, "%s/%s", t->root,
		    kust_names[i]);
		struct stat st;

		if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
			t->kpath = p;
			t->kname = kust_names[i];
			found++;
		}
	}
	if (found > 1)
		return err_set(err, ERR_INVALID,
		    "Found multiple kustomization files under: %s", t->root);
	if (found == 0)
		return err_set(err, ERR_NOTFOUND,
		    "unable to find one of 'kustomization.yaml', "
		    "'kustomization.yml' or 'Kustomization' in directory '%s'",
		    t->root);
	return 0;
}

static int
check_cycle(const struct kz_target *parent, const char *root, struct err *err)
{
	for (const struct kz_target *p = parent; p != NULL; p = p->parent)
		if (path_within(p->root, root))
			return err_set(err, ERR_INVALID,
			    "cycle detected: candidate root '%s' contains "
			    "visited root '%s'",
			    root, p->root);
	return 0;
}

static int
check_kind(const struct kz_target *t, struct err *err)
{
	const char *kind = kz_get_str(t->k, "kind");
	const char *api = kz_get_str(t->k, "apiVersion");
	bool component = kind != NULL && strcmp(kind, "Component") == 0;
	const char *want = component ? "kustomize.config.k8s.io/v1alpha1"
	                             : "kustomize.config.k8s.io/v1beta1";

	if (kind != NULL && kind[0] != '\0' &&
	    strcmp(kind, "Kustomization") != 0 && !component)
		return err_set(err, ERR_INVALID,
		    "'%s': kind should be Kustomization or Component",
		    t->kpath);
	if (api != NULL && api[0] != '\0' && strcmp(api, want) != 0)
		return err_set(err, ERR_INVALID,
		    "'%s': apiVersion for %s should be %s", t->kpath,
		    component ? "Component" : "Kustomization", want);
	return 0;
}

/* kustomize refuses a kustomization with nothing but its type. */
static bool
kust_is_empty(const struct doc_node *k)
{
	for (size_t i = 0; i < k->u.map.n; i++) {
		const char *key = doc_str(k->u.map.items[i].key);

		if (strcmp(key, "kind") != 0 && strcmp(key, "apiVersion") != 0)
			return false;
	}
	return true;
}

static int
parse_kust(struct kz_target *t, struct err *err)
{
	struct kz_vec roots = { 0 };
	char *text;
	size_t len;

	/* kustomize decodes its own file leniently: a repeated key wins */
	if (t->parent == NULL && t->b->opts.kustomization != NULL) {
		text = arena_strndup(t->b->a, t->b->opts.kustomization,
		    t->b->opts.kustomization_len);
		len = t->b->opts.kustomization_len;
	} else if (kz_load_file(&text, &len, t, t->kname, err) == -1)
		return -1;
	if (parse_docs(&roots, t->b, text, len, t->kpath, true, err) == -1)
		return -1;
	t->k = roots.n > 0 ? roots.v[0] : NULL;
	if (t->k == NULL || t->k->kind == DOC_NULL)
		t->k = doc_new_map(t->b->a);
	if (t->k->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "'%s': invalid Kustomization: not a map", t->kpath);
	if (kz_kust_validate(t->k, err) == -1)
		return err_wrap(err, "'%s'", t->kpath);
	if (kust_is_empty(t->k))
		return err_set(err, ERR_INVALID, "'%s': kustomization is empty",
		    t->kpath);
	return check_kind(t, err);
}

int
kz_target_load(struct kz_target *t, struct kz_build *b, const char *dir,
    const struct kz_target *parent, struct err *err)
{
	char real[PATH_MAX];
	struct stat st;
	const char *kind;

	memset(t, 0, sizeof(*t));
	t->b = b;
	t->parent = parent;
	if (realpath(dir, real) == NULL)
		return err_errno(err, errno, "'%s'", dir);
	if (stat(real, &st) == -1 || !S_ISDIR(st.st_mode))
		return err_set(err, ERR_INVALID, "'%s' is not a directory",
		    dir);
	t->root = arena_strdup(b->a, real);
	if (check_cycle(parent, t->root, err) == -1)
		return -1;
	if (b->depth >= b->opts.max_depth)
		return err_set(err, ERR_LIMIT,
		    "kustomizations nested deeper than %u at '%s'",
		    b->opts.max_depth, t->root);
	if (parent == NULL && b->opts.kustomization != NULL) {
		t->kname = "kustomization.yaml"; /* the text stands in for it */
		t->kpath = arena_printf(b->a, "%s/%s", t->root, t->kname);
	} else if (find_kust_file(t, err) == -1)
		return -1;
	if (parse_kust(t, err) == -1)
		return -1;
	kind = kz_get_str(t->k, "kind");
	t->component = kind != NULL && strcmp(kind, "Component") == 0;
	return kz_openapi_load(t, err);
}

/* kustomize sets its (process-wide) schema once, from the first
 * kustomization that names one. */
int
kz_openapi_load(struct kz_target *t, struct err *err)
{
	const struct doc_node *o = doc_map_get(t->k, "openapi");
	const char *path = kz_get_str(o, "path");
	const char *version = kz_get_str(o, "version");
	struct kz_vec roots = { 0 };
	struct kz_build *b = t->b;
	char *text;
	size_t len;

	if (b->schema_set || o == NULL || o->kind != DOC_MAP)
		return 0;
	if (path == NULL) {
		if (version != NULL)
			b->schema_set = true; /* a built-in version: ours */
		return 0;
	}
	if (version != NULL)
		return err_set(err, ERR_INVALID,
		    "'%s': builtin version and custom schema provided, cannot "
		    "use both",
		    t->kpath);
	if (kz_load_file(&text, &len, t, path, err) == -1 ||
	    kz_parse_docs(&roots, b, text, len, path, err) == -1)
		return -1;
	if (roots.n == 0 ||
	    kz_schema_index(&b->schema, b->a, roots.v[0], err) == -1)
		return err_wrap(err, "invalid schema file '%s'", path);
	b->schema_set = true;
	return 0;
}

int
kz_build_schema(const struct kz_schema **out, struct kz_build *b,
    struct err *err)
{
	if (b->schema == NULL && !(b->schema_set && b->schema_doc != NULL) &&
	    kz_schema_builtin_load(&b->schema, &b->schema_doc, b->a, err) == -1)
		return -1;
	*out = b->schema;
	return 0;
}
