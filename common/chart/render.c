/*
 * chart_render(): Helm's install-time rendering, step for step. User
 * values are merged, dependencies processed, values coalesced and
 * checked, then every template of every enabled chart is parsed into one
 * set (deepest paths first, so a top-level define wins) and each
 * non-partial template executed with its chart's scope (.Values,
 * .Chart, .Files, .Release, .Capabilities, .Template, .Subcharts).
 * Errors take Helm's wording.
 */
#include "chart/chart.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart/chart_int.h"
#include "core/mem.h"

#define MAX_VALUES_FILE ((size_t)64 << 20)

struct tpl {
	const char *name; /* "t/templates/x.yaml" */
	const struct chart_file *f;
	struct tmpl_val *next; /* the chart's scope, shared by its templates */
	const char *base;      /* "t/templates" */
};

struct render {
	struct arena *a;
	struct tpl *t;
	size_t n, cap;
	struct tmpl_val caps, release, values;
	struct rchart *root;
	const char *kube; /* the normalized Kubernetes version */
};

/* ---- user values --------------------------------------------------------- */

/* Whether Helm's readFile takes path for standard input. */
static bool
is_stdin(const char *path)
{
	path += strspn(path, " \t\n\r\v\f");
	return path[0] == '-' &&
	    path[1 + strspn(path + 1, " \t\n\r\v\f")] == '\0';
}

/* What is left of standard input for the next "-". */
struct stdin_left {
	const char *p;
	size_t n;
};

/* Reads the values file at path, or *in for "-" (then drained). */
static int
read_values_file(struct tmpl_val *out, struct arena *a, const char *path,
    struct stdin_left *in, struct err *err)
{
	FILE *f = is_stdin(path) ? NULL : fopen(path, "re");
	struct buf b;
	char chunk[65536];
	size_t got;
	int rv;

	if (f == NULL && !is_stdin(path))
		return err_errno(err, errno, "open %s", path);
	buf_init(&b, MAX_VALUES_FILE);
	while (f != NULL && (got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, got);
	if (f != NULL)
		(void)fclose(f);
	else
		buf_append(&b, in->p, in->n);
	if (f == NULL)
		in->n = 0;
	rv = buf_check(&b, err);
	if (rv == 0)
		rv = tmpl_values_parse(out, b.data != NULL ? b.data : "", b.len,
		    a, err);
	buf_release(&b);
	if (rv == -1)
		return err_wrap(err, "failed to parse %s", path);
	return 0;
}

static int
set_all(struct arena *a, struct tmpl_val *vals, const char *const *exprs,
    size_t n, enum set_mode mode, struct err *err)
{
	for (size_t i = 0; i < n; i++)
		if (values_set(a, vals, exprs[i], mode, err) == -1)
			return -1;
	return 0;
}

static int
user_values(struct tmpl_val *out, struct arena *a, const struct chart_values *v,
    struct err *err)
{
	struct tmpl_val vals = tmpl_map_new(a, 0), cur;
	struct stdin_left in = { "", 0 };

	if (v == NULL) {
		*out = vals;
		return 0;
	}
	if (v->base != NULL) {
		if (tmpl_from_doc(&cur, v->base, a, err) == -1)
			return -1;
		if (cur.kind == TMPL_MAP)
			vals = cur;
	}
	if (v->stdin_data != NULL)
		in = (struct stdin_left){ v->stdin_data, v->stdin_len };
	for (size_t i = 0; i < v->nfiles; i++) {
		if (read_values_file(&cur, a, v->files[i], &in, err) == -1)
			return -1;
		vals = values_merge_maps(a, &vals, &cur);
	}
	if (set_all(a, &vals, v->set_json, v->nset_json, SET_JSON, err) == -1 ||
	    set_all(a, &vals, v->set, v->nset, SET_TYPED, err) == -1 ||
	    set_all(a, &vals, v->set_string, v->nset_string, SET_STRING, err) ==
	        -1 ||
	    set_all(a, &vals, v->set_file, v->nset_file, SET_FILE, err) == -1 ||
	    set_all(a, &vals, v->set_literal, v->nset_literal, SET_LITERAL,
	        err) == -1)
		return -1;
	*out = vals;
	return 0;
}

/* ---- scopes and templates ------------------------------------------------ */

static void
add_tpl(struct render *r, const char *name, const struct chart_file *f,
    struct tmpl_val *next, const char *base)
{
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		r->t = xreallocarray(r->t, r->cap, sizeof(*r->t));
	}
	r->t[r->n].name = name;
	r->t[r->n].f = f;
	r->t[r->n].next = next;
	r->t[r->n].base = base;
	r->n++;
}

static bool
is_partial(const char *name)
{
	const char *base = strrchr(name, '/');

	return (base != NULL ? base[1] : name[0]) == '_';
}

static void
put(struct arena *a, struct tmpl_val *m, const char *k, struct tmpl_val v)
{
	tmpl_map_set(a, m->u.m, k, strlen(k), v);
}

/* Helm's recAllTpls: the chart's scope, its subcharts', its templates. */
static struct tmpl_val *
scope(struct render *r, const struct rchart *rc, const char *path,
    const struct tmpl_val *parent)
{
	struct arena *a = r->a;
	struct tmpl_val *next = arena_alloc(a, sizeof(*next));
	struct tmpl_val meta = tmpl_copy(a, &rc->meta), subs, vals;
	const struct tmpl_val *pv;
	bool library = strcmp(rc->c->type, "library") == 0;

	*next = tmpl_map_new(a, 8);
	next->type = TMPL_T_VALUES;
	put(a, &meta, "IsRoot", tmpl_bool(parent == NULL));
	put(a, next, "Chart", meta);
	put(a, next, "Files", objects_files(a, rc->c));
	put(a, next, "Release", r->release);
	put(a, next, "Capabilities", r->caps);
	vals = tmpl_map_new(a, 0);
	if (parent == NULL) {
		vals = r->values;
	} else if ((pv = tmpl_map_find(parent->u.m, "Values", 6)) != NULL &&
	    pv->kind == TMPL_MAP &&
	    (pv = tmpl_map_find(pv->u.m, rc->name, strlen(rc->name))) != NULL &&
	    pv->kind == TMPL_MAP) {
		vals = *pv;
	}
	vals.type = TMPL_T_VALUES;
	put(a, next, "Values", vals);
	subs = tmpl_map_new(a, rc->nkids);
	put(a, next, "Subcharts", subs);
	for (size_t i = 0; i < rc->nkids; i++)
		put(a, &subs, rc->kids[i]->name,
		    *scope(r, rc->kids[i],
		        arena_printf(a, "%s/charts/%s", path,
		            rc->kids[i]->name),
		        next));
	for (size_t i = 0; i < rc->c->ntemplates; i++) {
		const struct chart_file *f = &rc->c->templates[i];

		if (library && !is_partial(f->name))
			continue;
		add_tpl(r, arena_printf(a, "%s/%s", path, f->name), f, next,
		    arena_printf(a, "%s/templates", path));
	}
	return next;
}

static size_t
slashes(const char *s)
{
	size_t n = 0;

	for (; *s != '\0'; s++)
		n += *s == '/';
	return n;
}

/* Helm's sortTemplates: deeper paths first, then reverse order. */
static int
tpl_cmp(const void *x, const void *y)
{
	const struct tpl *a = x, *b = y;
	size_t ca = slashes(a->name), cb = slashes(b->name);

	if (ca != cb)
		return ca > cb ? -1 : 1;
	return -strcmp(a->name, b->name);
}

/* "template: NAME:LINE: msg" -> "parse error at (NAME:LINE): msg" */
static int
parse_error(struct err *err)
{
	char msg[ERR_MSG_MAX];
	const char *first = strstr(err->msg, ": "), *last = first, *p;
	size_t loclen;

	if (first == NULL)
		return -1;
	for (p = first; (p = strstr(p + 2, ": ")) != NULL;)
		last = p;
	p = strstr(first + 2, ": ");
	loclen = p != NULL ? (size_t)(p - first - 2) : strlen(first + 2);
	(void)snprintf(msg, sizeof(msg), "parse error at (%.*s): %s",
	    (int)loclen, first + 2, last + 2);
	return err_set(err, ERR_INVALID, "%s", msg);
}

/* Helm's reformatExecErrorMsg, for the outermost error. */
static int
exec_error(struct err *err)
{
	char msg[ERR_MSG_MAX];
	const char *p = err->msg, *ex, *at, *close;

	if (strncmp(p, "template: ", 10) != 0 ||
	    (ex = strstr(p, ": executing \"")) == NULL ||
	    (at = strstr(ex, "\" at <")) == NULL ||
	    (close = strstr(at, ">: ")) == NULL)
		return -1;
	(void)snprintf(msg, sizeof(msg),
	    "%.*s\n  executing \"%.*s\" at <%.*s>:\n    %s", (int)(ex - p - 10),
	    p + 10, (int)(at - ex - 13), ex + 13, (int)(close - at - 6), at + 6,
	    close + 3);
	return err_set(err, err->code, "%s", msg);
}

/* Copies b into a without Helm's "<no value>" markers. */
static const char *
strip_no_value(struct arena *a, const struct buf *b, size_t *len)
{
	static const char nv[] = "<no value>";
	char *s = arena_alloc(a, b->len + 1);
	size_t o = 0;

	for (size_t i = 0; i < b->len;) {
		if (b->len - i >= sizeof(nv) - 1 &&
		    memcmp(b->data + i, nv, sizeof(nv) - 1) == 0) {
			i += sizeof(nv) - 1;
			continue;
		}
		s[o++] = b->data[i++];
	}
	s[o] = '\0';
	*len = o;
	return s;
}

static int
parse_all(struct tmpl_set *set, const struct render *r, struct err *err)
{
	for (size_t i = 0; i < r->n; i++)
		if (tmpl_set_parse(set, r->t[i].name, r->t[i].f->data,
		        r->t[i].f->len, err) == -1)
			return parse_error(err);
	return 0;
}

static int
execute_all(struct tmpl_exec *x, const struct render *r, struct rendered *out,
    size_t *nout, struct err *err)
{
	struct arena *a = r->a;
	struct buf b;
	int rv = 0;

	buf_init(&b, (size_t)256 << 20);
	*nout = 0;
	for (size_t i = 0; i < r->n && rv == 0; i++) {
		const struct tpl *t = &r->t[i];
		struct tmpl_val tv = tmpl_map_new(a, 2);

		if (is_partial(t->name))
			continue;
		tv.type = TMPL_T_VALUES;
		put(a, &tv, "BasePath", tmpl_str(t->base, strlen(t->base)));
		put(a, &tv, "Name", tmpl_str(t->name, strlen(t->name)));
		put(a, t->next, "Template", tv);
		buf_reset(&b);
		if ((rv = tmpl_exec_run(x, &b, t->name, t->next, err)) == -1) {
			exec_error(err);
			break;
		}
		out[*nout].name = t->name;
		out[*nout].text = strip_no_value(a, &b, &out[*nout].len);
		(*nout)++;
	}
	buf_release(&b);
	return rv;
}

/* NOTES.txt renders (a fail there fails) but is never printed. */
static size_t
drop_notes(struct rendered *files, size_t n)
{
	size_t kept = 0;

	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(files[i].name);

		if (len >= 9 &&
		    strcmp(files[i].name + len - 9, "NOTES.txt") == 0)
			continue;
		files[kept++] = files[i];
	}
	return kept;
}

static struct tmpl_val
release(struct arena *a, const struct chart_opts *o)
{
	struct tmpl_val m = tmpl_map_new(a, 6);
	const char *ns = o->namespace != NULL ? o->namespace : "default";
	const char *name = o->release != NULL ? o->release : "release-name";

	put(a, &m, "IsInstall", tmpl_bool(true));
	put(a, &m, "IsUpgrade", tmpl_bool(false));
	put(a, &m, "Name", tmpl_str_dup(a, name, strlen(name)));
	put(a, &m, "Namespace", tmpl_str_dup(a, ns, strlen(ns)));
	put(a, &m, "Revision", tmpl_int(1));
	put(a, &m, "Service", tmpl_str("Helm", 4));
	return m;
}

static int
prepare(struct render *r, const struct chart *c, const struct chart_values *v,
    const struct chart_opts *o, struct err *err)
{
	struct tmpl_val user;
	struct rchart *root;

	if (objects_capabilities(&r->caps, r->a, o, &r->kube, err) == -1)
		return -1;
	r->release = release(r->a, o);
	if (user_values(&user, r->a, v, err) == -1 ||
	    deps_process(&r->root, r->a, c, &user, err) == -1 ||
	    values_coalesce(&r->values, r->a, r->root, &user, false, err) == -1)
		return -1;
	root = r->root;
	if (!o->skip_schema &&
	    schema_validate(root, &r->values, r->a, err) == -1)
		return -1;
	scope(r, root, root->name, NULL);
	if (r->n > 1)
		qsort(r->t, r->n, sizeof(*r->t), tpl_cmp);
	return 0;
}

/* Helm's renderResources checks the chart's kubeVersion first. */
static int
check_kube(const struct chart *c, const char *kube, struct err *err)
{
	if (c->kube_version[0] != '\0' &&
	    !deps_compatible(c->kube_version, kube))
		return err_set(err, ERR_INVALID,
		    "chart requires kubeVersion: %s which is incompatible with "
		    "Kubernetes %s",
		    c->kube_version, kube);
	return 0;
}

/* Renders c; the result goes to out as `helm template` prints it, or
 * to rel with the hooks apart (one of them is NULL). */
static int
run(struct buf *out, struct chart_release *rel, const struct chart *c,
    const struct chart_values *v, const struct chart_opts *o, struct err *err)
{
	struct tmpl_set *set = tmpl_set_new();
	struct tmpl_exec *x = tmpl_exec_new(set, &o->tmpl);
	struct render r = { .a = tmpl_exec_arena(x) };
	struct rendered *files = NULL;
	size_t nfiles = 0;
	int rv = -1;

	if (o->render_failed != NULL)
		*o->render_failed = false;
	if (prepare(&r, c, v, o, err) == -1)
		goto out;
	files = xcalloc(r.n + 1, sizeof(*files));
	if (check_kube(c, r.kube, err) == 0 && parse_all(set, &r, err) == 0 &&
	    execute_all(x, &r, files, &nfiles, err) == 0) {
		nfiles = drop_notes(files, nfiles);
		rv = out != NULL
		    ? manifests_emit(out, files, nfiles, r.root, o, r.a, err)
		    : manifests_release(rel, files, nfiles, r.root, o, r.a,
		          err);
	}
	if (rv == -1 && o->render_failed != NULL)
		*o->render_failed = true;
out:
	free(files);
	free(r.t);
	tmpl_exec_free(x);
	tmpl_set_free(set);
	return rv;
}

int
chart_render(struct buf *out, const struct chart *c,
    const struct chart_values *v, const struct chart_opts *o, struct err *err)
{
	return run(out, NULL, c, v, o, err);
}

int
chart_render_release(struct chart_release *out, const struct chart *c,
    const struct chart_values *v, const struct chart_opts *o, struct err *err)
{
	*out = (struct chart_release){ .arena = arena_new(), .manifest = "" };
	return run(NULL, out, c, v, o, err);
}

void
chart_release_free(struct chart_release *r)
{
	if (r == NULL)
		return;
	arena_free(r->arena);
	*r = (struct chart_release){ 0 };
}
