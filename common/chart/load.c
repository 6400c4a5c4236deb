/*
 * Loading a chart directory as Helm's LoadDir and LoadFiles do (and
 * dispatching chart_load() between directories and archives): walk
 * the tree under the .helmignore rules, drop a UTF-8 byte order mark,
 * sort files into Chart.yaml, values.yaml, values.schema.json,
 * templates/, subcharts under charts/ and the rest (.Files), and read
 * Chart.yaml into the metadata map templates see as .Chart.
 */
#include "chart/chart.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart/chart_int.h"
#include "core/mem.h"

#define DEFAULT_MAX_FILE  ((size_t)5 << 20)
#define DEFAULT_MAX_TOTAL ((size_t)256 << 20)
#define DEFAULT_MAX_DEPTH 32
#define MAX_WALK_DEPTH    64

struct flist {
	struct chart_file *f;
	size_t n, cap;
};

struct loader {
	struct arena *a;
	struct chart_limits lim;
	struct ignore *ig;
	size_t total;
	struct flist files;
};

static void
flist_add(struct flist *l, const char *name, const char *data, size_t len)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 64 : l->cap * 2;
		l->f = xreallocarray(l->f, l->cap, sizeof(*l->f));
	}
	l->f[l->n].name = name;
	l->f[l->n].data = data;
	l->f[l->n].len = len;
	l->n++;
}

/* ---- reading ------------------------------------------------------------- */

static int
read_file(struct loader *ld, const char *path, const char *rel, size_t size,
    struct err *err)
{
	char *data;
	size_t got = 0;
	int fd;

	if (size > ld->lim.max_file_bytes)
		return err_set(err, ERR_LIMIT,
		    "chart file \"%s\" is larger than the maximum file size %zu",
		    rel, ld->lim.max_file_bytes);
	if ((ld->total += size) > ld->lim.max_total_bytes)
		return err_set(err, ERR_LIMIT, "chart larger than %zu bytes",
		    ld->lim.max_total_bytes);
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_errno(err, errno, "error reading %s", rel);
	data = arena_alloc(ld->a, size + 1);
	while (got < size) {
		ssize_t r = read(fd, data + got, size - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	data[got] = '\0';
	if (got >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0) {
		data += 3;
		got -= 3;
	}
	flist_add(&ld->files, arena_strdup(ld->a, rel), data, got);
	return 0;
}

static int
name_cmp(const void *x, const void *y)
{
	return strcmp(*(char *const *)x, *(char *const *)y);
}

/* The sorted names in dir (Go's Walk visits in lexical order). */
static char **
list_dir(const char *dir, size_t *n, struct err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	if (d == NULL) {
		err_errno(err, errno, "open '%s'", dir);
		return NULL;
	}
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (*n == cap) {
			cap = cap == 0 ? 32 : cap * 2;
			names = xreallocarray(names, cap, sizeof(*names));
		}
		names[(*n)++] = xstrdup(e->d_name);
	}
	closedir(d);
	if (*n > 1)
		qsort(names, *n, sizeof(*names), name_cmp);
	if (names == NULL)
		names = xcalloc(1, sizeof(*names));
	return names;
}

static int walk(struct loader *ld, const char *dir, const char *rel,
    unsigned depth, struct err *err);

static int
walk_entry(struct loader *ld, const char *dir, const char *rel,
    const char *name, unsigned depth, struct err *err)
{
	char *path = xasprintf("%s/%s", dir, name);
	char *sub = rel[0] == '\0' ? xstrdup(name)
	                           : xasprintf("%s/%s", rel, name);
	struct stat st;
	int rv = 0;

	if (stat(path, &st) == -1) {
		rv = err_errno(err, errno, "stat '%s'", sub);
	} else if (S_ISDIR(st.st_mode)) {
		if (!chart_ignore_match(ld->ig, sub, true))
			rv = walk(ld, path, sub, depth + 1, err);
	} else if (!chart_ignore_match(ld->ig, sub, false)) {
		if (!S_ISREG(st.st_mode))
			rv = err_set(err, ERR_INVALID,
			    "cannot load irregular file %s as it has file mode "
			    "type bits set",
			    sub);
		else
			rv = read_file(ld, path, sub, (size_t)st.st_size, err);
	}
	free(path);
	free(sub);
	return rv;
}

static int
walk(struct loader *ld, const char *dir, const char *rel, unsigned depth,
    struct err *err)
{
	size_t n;
	char **names;
	int rv = 0;

	if (depth > MAX_WALK_DEPTH)
		return err_set(err, ERR_LIMIT,
		    "chart directories nested deeper "
		    "than %d",
		    MAX_WALK_DEPTH);
	if ((names = list_dir(dir, &n, err)) == NULL)
		return -1;
	for (size_t i = 0; i < n && rv == 0; i++)
		rv = walk_entry(ld, dir, rel, names[i], depth, err);
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return rv;
}

/* ---- Chart.yaml ---------------------------------------------------------- */

/* A Chart.yaml field read into a Go string field: scalars as their
 * text (numbers as sigs.k8s.io/yaml formats them), else "". */
static const char *
meta_string(struct arena *a, const struct tmpl_val *m, const char *key)
{
	const struct tmpl_val *v = tmpl_map_find(m->u.m, key, strlen(key));
	struct buf b;
	const char *s;

	if (v == NULL || v->kind == TMPL_NIL)
		return "";
	if (v->kind == TMPL_STR)
		return arena_strndup(a, v->u.s.p, v->u.s.n);
	if (v->kind == TMPL_LIST || v->kind == TMPL_MAP)
		return "";
	buf_init(&b, 256);
	tmpl_print(&b, v);
	s = arena_strndup(a, b.data, b.len);
	buf_release(&b);
	return s;
}

/* Helm's sanitizeString: whitespace becomes ' ', unprintables go. */
static const char *
sanitize(struct arena *a, const char *s)
{
	char *o = arena_strdup(a, s);
	size_t j = 0;

	for (size_t i = 0; o[i] != '\0'; i++) {
		unsigned char ch = (unsigned char)o[i];

		if (ch == '\t' || ch == '\n' || ch == '\r' || ch == '\v' ||
		    ch == '\f')
			o[j++] = ' ';
		else if (ch >= 0x20 && ch != 0x7f)
			o[j++] = (char)ch;
	}
	o[j] = '\0';
	return o;
}

static void
put_str(struct arena *a, struct tmpl_val *m, const char *key, const char *s)
{
	tmpl_map_set(a, m->u.m, key, strlen(key), tmpl_str(s, strlen(s)));
}

/* A []string field as structToMap leaves it: a list, empty if absent. */
static struct tmpl_val
meta_strings(struct arena *a, const struct tmpl_val *m, const char *key,
    bool clean)
{
	const struct tmpl_val *v = tmpl_map_find(m->u.m, key, strlen(key));
	struct tmpl_val out = tmpl_list_new(a, 0);

	if (v == NULL || v->kind != TMPL_LIST)
		return out;
	for (size_t i = 0; i < v->u.l->n; i++) {
		struct tmpl_val w = tmpl_map_new(a, 1);
		const char *s;

		tmpl_map_set(a, w.u.m, "x", 1, v->u.l->items[i]);
		s = meta_string(a, &w, "x");
		if (clean)
			s = sanitize(a, s);
		tmpl_list_append(a, out.u.l, tmpl_str(s, strlen(s)));
	}
	return out;
}

static struct tmpl_val
meta_maintainers(struct arena *a, const struct tmpl_val *m)
{
	const struct tmpl_val *v = tmpl_map_find(m->u.m, "maintainers", 11);
	struct tmpl_val out = tmpl_list_new(a, 0);

	for (size_t i = 0; v != NULL && v->kind == TMPL_LIST && i < v->u.l->n;
	     i++) {
		const struct tmpl_val *e = &v->u.l->items[i];
		struct tmpl_val mm = tmpl_map_new(a, 3);

		if (e->kind != TMPL_MAP)
			continue;
		put_str(a, &mm, "Email",
		    sanitize(a, meta_string(a, e, "email")));
		put_str(a, &mm, "Name", sanitize(a, meta_string(a, e, "name")));
		put_str(a, &mm, "URL", sanitize(a, meta_string(a, e, "url")));
		tmpl_list_append(a, out.u.l, mm);
	}
	return out;
}

static struct tmpl_val
meta_annotations(struct arena *a, const struct tmpl_val *m)
{
	const struct tmpl_val *v = tmpl_map_find(m->u.m, "annotations", 11);
	struct tmpl_val out;

	if (v == NULL || v->kind != TMPL_MAP)
		return tmpl_nil();
	out = tmpl_map_new(a, v->u.m->n);
	out.type = TMPL_T_STRMAP;
	for (size_t i = 0; i < v->u.m->n; i++) {
		const char *s = meta_string(a, v, v->u.m->items[i].key);

		tmpl_map_set(a, out.u.m, v->u.m->items[i].key,
		    v->u.m->items[i].keylen, tmpl_str(s, strlen(s)));
	}
	return out;
}

/* The dependencies list, for rendering and for .Chart.Dependencies. */
static struct tmpl_val
meta_deps(struct chart *c, const struct tmpl_val *m)
{
	struct arena *a = c->arena;
	const struct tmpl_val *v = tmpl_map_find(m->u.m, "dependencies", 12);
	struct tmpl_val out = tmpl_list_new(a, 0);

	c->has_deps = v != NULL && v->kind == TMPL_LIST;
	if (!c->has_deps)
		return out;
	c->deps = arena_calloc(a, v->u.l->n + 1, sizeof(*c->deps));
	for (size_t i = 0; i < v->u.l->n; i++) {
		const struct tmpl_val *e = &v->u.l->items[i];
		struct chart_dep *d = &c->deps[c->ndeps];
		const struct tmpl_val *iv, *tags;

		if (e->kind != TMPL_MAP)
			continue;
		d->name = meta_string(a, e, "name");
		d->version = meta_string(a, e, "version");
		d->repository = meta_string(a, e, "repository");
		d->condition = meta_string(a, e, "condition");
		d->alias = meta_string(a, e, "alias");
		iv = tmpl_map_find(e->u.m, "import-values", 13);
		d->import_values = iv != NULL ? *iv : tmpl_nil();
		tags = tmpl_map_find(e->u.m, "tags", 4);
		d->tags = tags != NULL && tags->kind == TMPL_LIST
		    ? meta_strings(a, e, "tags", false)
		    : tmpl_nil();
		c->ndeps++;
	}
	return out;
}

static int
parse_chart_yaml(struct chart *c, const struct chart_file *f, struct err *err)
{
	struct tmpl_val m;
	struct arena *a = c->arena;

	if (tmpl_values_parse(&m, f->data, f->len, a, err) == -1)
		return err_wrap(err, "cannot load Chart.yaml");
	c->name = sanitize(a, meta_string(a, &m, "name"));
	c->version = meta_string(a, &m, "version");
	c->api_version = meta_string(a, &m, "apiVersion");
	if (c->api_version[0] == '\0')
		c->api_version = "v1";
	c->type = meta_string(a, &m, "type");
	c->kube_version = sanitize(a, meta_string(a, &m, "kubeVersion"));
	c->meta = tmpl_map_new(a, 20);
	put_str(a, &c->meta, "APIVersion", c->api_version);
	tmpl_map_set(a, c->meta.u.m, "Annotations", 11,
	    meta_annotations(a, &m));
	put_str(a, &c->meta, "AppVersion",
	    sanitize(a, meta_string(a, &m, "appVersion")));
	put_str(a, &c->meta, "Condition",
	    sanitize(a, meta_string(a, &m, "condition")));
	meta_deps(c, &m);
	{
		const struct tmpl_val *dep = tmpl_map_find(m.u.m, "deprecated",
		    10);

		tmpl_map_set(a, c->meta.u.m, "Deprecated", 10,
		    tmpl_bool(
		        dep != NULL && dep->kind == TMPL_BOOL && dep->u.b));
	}
	put_str(a, &c->meta, "Description",
	    sanitize(a, meta_string(a, &m, "description")));
	put_str(a, &c->meta, "Home", sanitize(a, meta_string(a, &m, "home")));
	put_str(a, &c->meta, "Icon", sanitize(a, meta_string(a, &m, "icon")));
	tmpl_map_set(a, c->meta.u.m, "Keywords", 8,
	    meta_strings(a, &m, "keywords", true));
	put_str(a, &c->meta, "KubeVersion", c->kube_version);
	tmpl_map_set(a, c->meta.u.m, "Maintainers", 11,
	    meta_maintainers(a, &m));
	put_str(a, &c->meta, "Name", c->name);
	tmpl_map_set(a, c->meta.u.m, "Sources", 7,
	    meta_strings(a, &m, "sources", true));
	put_str(a, &c->meta, "Tags", sanitize(a, meta_string(a, &m, "tags")));
	put_str(a, &c->meta, "Type", c->type);
	put_str(a, &c->meta, "Version", c->version);
	return 0;
}

static int
validate(const struct chart *c, struct err *err)
{
	if (c->name[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "validation: chart.metadata.name is required");
	if (strcmp(c->name, ".") == 0 || strcmp(c->name, "..") == 0 ||
	    strchr(c->name, '/') != NULL)
		return err_set(err, ERR_INVALID,
		    "validation: chart.metadata.name \"%s\" is invalid",
		    c->name);
	if (c->version[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "validation: chart.metadata.version is required");
	if (!deps_compatible(">=0.0.0-0", c->version) &&
	    !deps_compatible("<0.0.0-0", c->version))
		return err_set(err, ERR_INVALID,
		    "validation: chart.metadata.version \"%s\" is invalid",
		    c->version);
	if (c->type[0] != '\0' && strcmp(c->type, "application") != 0 &&
	    strcmp(c->type, "library") != 0)
		return err_set(err, ERR_INVALID,
		    "validation: chart.metadata.type must be application or "
		    "library");
	return 0;
}

/* ---- LoadFiles ----------------------------------------------------------- */

static int chart_from_files(struct chart **out, struct arena *a,
    struct chart_file *files, size_t n, unsigned depth,
    const struct chart_limits *lim, struct err *err);

static void
add_to(struct arena *a, struct chart_file **arr, size_t *n,
    const struct chart_file *f)
{
	struct chart_file *grown = arena_alloc(a, (*n + 1) * sizeof(*grown));

	if (*n > 0)
		memcpy(grown, *arr, *n * sizeof(*grown));
	grown[*n] = *f;
	*arr = grown;
	(*n)++;
}

static int
classify(struct chart *c, const struct chart_file *f, struct err *err)
{
	struct arena *a = c->arena;

	if (strcmp(f->name, "values.yaml") == 0) {
		if (tmpl_values_parse(&c->values, f->data, f->len, a, err) ==
		    -1)
			return err_wrap(err, "cannot load values.yaml");
	} else if (strcmp(f->name, "values.schema.json") == 0) {
		c->schema = f->data;
		c->schema_len = f->len;
	} else if (strcmp(f->name, "Chart.lock") == 0 ||
	    strcmp(f->name, "requirements.lock") == 0 ||
	    strcmp(f->name, "requirements.yaml") == 0) {
		if (strcmp(c->api_version, "v1") == 0)
			add_to(a, &c->files, &c->nfiles, f);
	} else if (strncmp(f->name, "templates/", 10) == 0) {
		add_to(a, &c->templates, &c->ntemplates, f);
	} else if (strncmp(f->name, "charts/", 7) != 0 ||
	    (strlen(f->name) > 5 &&
	        strcmp(f->name + strlen(f->name) - 5, ".prov") == 0)) {
		add_to(a, &c->files, &c->nfiles, f);
	}
	return 0;
}

static void
add_sub(struct chart *c, struct chart *sc)
{
	struct chart **subs = arena_alloc(c->arena,
	    (c->nsubs + 1) * sizeof(struct chart *));

	if (c->nsubs > 0)
		memcpy(subs, c->subs, c->nsubs * sizeof(struct chart *));
	subs[c->nsubs++] = sc;
	c->subs = subs;
}

static bool
is_prov(const char *name)
{
	size_t n = strlen(name);

	return n > 5 && strcmp(name + n - 5, ".prov") == 0;
}

/* Loads the subchart whose files are charts/<name>/... (name is the nl
 * bytes at name), taking them out of files. */
static int
load_one_sub(struct chart *c, struct chart_file *files, size_t n,
    const char *name, size_t nl, unsigned depth, const struct chart_limits *lim,
    struct err *err)
{
	struct chart_file *sub = xcalloc(n, sizeof(*sub));
	struct chart *sc;
	size_t m = 0;
	int rv;

	for (size_t k = 0; k < n; k++) {
		const char *r = files[k].name + 7;

		if (files[k].data == NULL || is_prov(files[k].name) ||
		    strncmp(files[k].name, "charts/", 7) != 0 ||
		    strncmp(r, name, nl) != 0 || r[nl] != '/')
			continue;
		sub[m] = files[k];
		sub[m++].name = r + nl + 1;
		files[k].data = NULL;
	}
	rv = chart_from_files(&sc, c->arena, sub, m, depth + 1, lim, err);
	free(sub);
	if (rv == -1)
		return err_wrap(err, "error unpacking subchart %.*s in %s",
		    (int)nl, name, c->name);
	add_sub(c, sc);
	return 0;
}

/* Loads the archive charts/<name> (whose data is f) as a subchart. */
static int
load_sub_archive(struct chart *c, const struct chart_file *f, unsigned depth,
    const struct chart_limits *lim, struct err *err)
{
	struct chart_file *files;
	struct chart *sc;
	size_t n;

	if (depth + 1 > lim->max_depth)
		return err_set(err, ERR_LIMIT,
		    "subcharts nested deeper than %u", lim->max_depth);
	if (chart_archive_files(&files, &n, c->arena, f->data, f->len, lim,
	        err) == -1 ||
	    chart_from_files(&sc, c->arena, files, n, depth + 1, lim, err) ==
	        -1)
		return err_wrap(err, "error unpacking subchart %s in %s",
		    f->name + 7, c->name);
	add_sub(c, sc);
	return 0;
}

/* Each directory or .tgz archive under charts/ is a subchart (a lone
 * file that is neither fails, as in Helm); names starting with '_' or
 * '.' are skipped, as Helm skips them, and so are .prov files. */
static int
load_subcharts(struct chart *c, struct chart_file *files, size_t n,
    unsigned depth, const struct chart_limits *lim, struct err *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *rest = files[i].name + 7, *slash;
		size_t nl;
		bool tgz;

		if (strncmp(files[i].name, "charts/", 7) != 0 ||
		    files[i].data == NULL || rest[0] == '_' || rest[0] == '.' ||
		    is_prov(files[i].name))
			continue;
		slash = strchr(rest, '/');
		nl = slash != NULL ? (size_t)(slash - rest) : strlen(rest);
		tgz = nl > 4 && memcmp(rest + nl - 4, ".tgz", 4) == 0;
		if (tgz && slash != NULL)
			return err_set(err, ERR_INVALID,
			    "error unpacking subchart tar in %s: expected "
			    "%.*s, got %s",
			    c->name, (int)nl, rest, rest);
		if (tgz) {
			if (load_sub_archive(c, &files[i], depth, lim, err) ==
			    -1)
				return -1;
			files[i].data = NULL;
			continue;
		}
		if (slash == NULL)
			return err_set(err, ERR_INVALID,
			    "error unpacking subchart %s in %s: Chart.yaml "
			    "file is missing",
			    rest, c->name);
		if (load_one_sub(c, files, n, rest, nl, depth, lim, err) == -1)
			return -1;
	}
	return 0;
}

static int
chart_from_files(struct chart **out, struct arena *a, struct chart_file *files,
    size_t n, unsigned depth, const struct chart_limits *lim, struct err *err)
{
	struct chart *c;
	size_t i;

	if (depth > lim->max_depth)
		return err_set(err, ERR_LIMIT,
		    "subcharts nested deeper than %u", lim->max_depth);
	c = arena_calloc(a, 1, sizeof(*c));
	c->arena = a;
	c->values = tmpl_map_new(a, 0);
	for (i = 0; i < n; i++)
		if (strcmp(files[i].name, "Chart.yaml") == 0)
			break;
	if (i == n)
		return err_set(err, ERR_INVALID, "Chart.yaml file is missing");
	if (parse_chart_yaml(c, &files[i], err) == -1)
		return -1;
	for (i = 0; i < n; i++)
		if (strcmp(files[i].name, "Chart.yaml") != 0 &&
		    classify(c, &files[i], err) == -1)
			return -1;
	if (validate(c, err) == -1 ||
	    load_subcharts(c, files, n, depth, lim, err) == -1)
		return -1;
	*out = c;
	return 0;
}

/* .helmignore is optional; Helm adds "templates/.?*" to its rules. */
static int
load_ignore(struct loader *ld, const char *dir, struct err *err)
{
	char *path = xasprintf("%s/.helmignore", dir);
	struct loader one = { .a = ld->a, .lim = ld->lim };
	struct stat st;
	int rv = 0;

	if (stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
		rv = read_file(&one, path, ".helmignore", (size_t)st.st_size,
		    err);
		if (rv == 0) {
			ld->ig = chart_ignore_parse(one.files.f[0].data,
			    one.files.f[0].len, err);
			rv = ld->ig == NULL ? -1 : 0;
		}
	} else {
		ld->ig = chart_ignore_parse("", 0, err);
	}
	free(one.files.f);
	free(path);
	return rv;
}

static struct chart_limits
limits(const struct chart_limits *lim)
{
	struct chart_limits l = { 0 };

	if (lim != NULL)
		l = *lim;
	if (l.max_file_bytes == 0)
		l.max_file_bytes = DEFAULT_MAX_FILE;
	if (l.max_total_bytes == 0)
		l.max_total_bytes = DEFAULT_MAX_TOTAL;
	if (l.max_depth == 0)
		l.max_depth = DEFAULT_MAX_DEPTH;
	return l;
}

int
chart_load_dir(struct chart **out, const char *dir,
    const struct chart_limits *lim, struct err *err)
{
	struct loader ld = { 0 };
	struct chart *c = NULL;
	struct stat st;
	int rv = -1;

	ld.a = arena_new();
	ld.lim = limits(lim);
	if (stat(dir, &st) == -1 || !S_ISDIR(st.st_mode)) {
		err_set(err, ERR_NOTFOUND, "path \"%s\" not found", dir);
		goto out;
	}
	if (load_ignore(&ld, dir, err) == -1 ||
	    walk(&ld, dir, "", 0, err) == -1 ||
	    chart_from_files(&c, ld.a, ld.files.f, ld.files.n, 0, &ld.lim,
	        err) == -1)
		goto out;
	*out = c;
	rv = 0;
out:
	free(ld.files.f);
	chart_ignore_free(ld.ig);
	if (rv == -1)
		arena_free(ld.a);
	return rv;
}

int
chart_load_archive(struct chart **out, const void *data, size_t n,
    const struct chart_limits *lim, struct err *err)
{
	struct chart_limits l = limits(lim);
	struct arena *a = arena_new();
	struct chart_file *files;
	size_t nfiles;

	if (chart_archive_files(&files, &nfiles, a, data, n, &l, err) == -1 ||
	    chart_from_files(out, a, files, nfiles, 0, &l, err) == -1) {
		arena_free(a);
		return -1;
	}
	return 0;
}

/* Helm's EnsureArchive: a friendlier error than a gzip one. */
static int
ensure_archive(const char *path, const char *data, size_t n, struct err *err)
{
	size_t pl = strlen(path);

	if (n >= 3 && memcmp(data, "\x1f\x8b\x08", 3) == 0)
		return 0;
	if ((pl > 4 && strcmp(path + pl - 4, ".yml") == 0) ||
	    (pl > 5 && strcmp(path + pl - 5, ".yaml") == 0))
		return err_set(err, ERR_INVALID,
		    "file '%s' seems to be a YAML file, but expected a gzipped "
		    "archive",
		    path);
	return err_set(err, ERR_INVALID,
	    "file '%s' does not appear to be a gzipped archive", path);
}

int
chart_load(struct chart **out, const char *path, const struct chart_limits *lim,
    struct err *err)
{
	struct chart_limits l = limits(lim);
	struct loader ld = { .lim = l };
	struct stat st;
	int rv;

	if (stat(path, &st) == -1)
		return err_set(err, ERR_NOTFOUND, "path \"%s\" not found",
		    path);
	if (S_ISDIR(st.st_mode))
		return chart_load_dir(out, path, &l, err);
	/* The compressed file may not be larger than the whole chart. */
	ld.lim.max_file_bytes = l.max_total_bytes;
	ld.a = arena_new();
	if (read_file(&ld, path, path, (size_t)st.st_size, err) == -1 ||
	    ensure_archive(path, ld.files.f[0].data, ld.files.f[0].len, err) ==
	        -1) {
		rv = -1;
	} else {
		rv = chart_load_archive(out, ld.files.f[0].data,
		    ld.files.f[0].len, &l, err);
	}
	free(ld.files.f);
	arena_free(ld.a);
	return rv;
}

void
chart_free(struct chart *c)
{
	if (c != NULL)
		arena_free(c->arena);
}

const char *
chart_name(const struct chart *c)
{
	return c->name;
}

const char *
chart_version(const struct chart *c)
{
	return c->version;
}
