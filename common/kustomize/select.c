/*
 * Patch and replacement targets: kustomize's selectors. Group, version,
 * kind, name and namespace are Go (RE2) regular expressions anchored at
 * both ends, matched here with PCRE2 under match and depth limits (RE2's
 * syntax is nearly a subset); label and annotation selectors follow
 * Kubernetes' syntax (a=b, a!=b, a in (x,y), a notin (x), a, !a).
 */
#include "kustomize/kz_int.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <string.h>

#define MATCH_LIMIT 100000
#define DEPTH_LIMIT 1000

struct rx {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

static void
rx_free(struct rx *r)
{
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mc);
	pcre2_code_free(r->code);
	memset(r, 0, sizeof(*r));
}

static int
rx_compile_as(struct rx *r, struct arena *a, const char *pattern, bool anchor,
    struct err *err)
{
	char *anchored = anchor ? arena_printf(a, "^(?:%s)$", pattern)
	                        : arena_strdup(a, pattern);
	PCRE2_UCHAR msg[256];
	PCRE2_SIZE off;
	int code;

	memset(r, 0, sizeof(*r));
	r->code = pcre2_compile((PCRE2_SPTR)anchored, PCRE2_ZERO_TERMINATED,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF, &code, &off, NULL);
	if (r->code == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return err_set(err, ERR_INVALID, "regular expression '%s': %s",
		    pattern, (const char *)msg);
	}
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	r->mc = pcre2_match_context_create(NULL);
	if (r->md == NULL || r->mc == NULL) {
		rx_free(r);
		return err_set(err, ERR_INTERNAL, "out of memory for a regex");
	}
	pcre2_set_match_limit(r->mc, MATCH_LIMIT);
	pcre2_set_depth_limit(r->mc, DEPTH_LIMIT);
	return 0;
}

static int
rx_compile(struct rx *r, struct arena *a, const char *pattern, struct err *err)
{
	return rx_compile_as(r, a, pattern, true, err);
}

static int
rx_match(bool *out, struct rx *r, const char *s, struct err *err)
{
	int rc = pcre2_match(r->code, (PCRE2_SPTR)s, strlen(s), 0, 0, r->md,
	    r->mc);

	if (rc >= 0 || rc == PCRE2_ERROR_NOMATCH) {
		*out = rc >= 0;
		return 0;
	}
	if (rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT)
		return err_set(err, ERR_LIMIT,
		    "regular expression too costly on '%s'", s);
	*out = false;
	return 0;
}

static int
regex_run(bool *out, const char *pattern, const char *subject, bool anchor,
    struct err *err)
{
	struct arena *a = arena_new();
	struct rx r;
	int rv;

	rv = rx_compile_as(&r, a, pattern, anchor, err);
	if (rv == 0) {
		rv = rx_match(out, &r, subject, err);
		rx_free(&r);
	}
	arena_free(a);
	return rv;
}

int
kz_regex_match(bool *out, const char *pattern, const char *subject,
    struct err *err)
{
	if (pattern == NULL || pattern[0] == '\0') {
		*out = true;
		return 0;
	}
	return regex_run(out, pattern, subject, true, err);
}

int
kz_regex_search(bool *out, const char *pattern, const char *subject,
    struct err *err)
{
	return regex_run(out, pattern, subject, false, err);
}

/* ---- label selectors --------------------------------------------------- */

enum op {
	OP_EQ,
	OP_NE,
	OP_IN,
	OP_NOTIN,
	OP_EXISTS,
	OP_NOTEXISTS,
};

struct lex {
	const char *p;
};

static void
skip_ws(struct lex *l)
{
	while (*l->p == ' ' || *l->p == '\t')
		l->p++;
}

static bool
ident_char(char c)
{
	return c != '\0' && c != ',' && c != ' ' && c != '\t' && c != '=' &&
	    c != '!' && c != '(' && c != ')';
}

static const char *
ident(struct lex *l, struct arena *a)
{
	const char *start;

	skip_ws(l);
	start = l->p;
	while (ident_char(*l->p))
		l->p++;
	return arena_strndup(a, start, (size_t)(l->p - start));
}

static bool
word(struct lex *l, const char *w)
{
	size_t n = strlen(w);

	skip_ws(l);
	if (strncmp(l->p, w, n) != 0 || ident_char(l->p[n]))
		return false;
	l->p += n;
	return true;
}

/* The value set of "in"/"notin": "(a, b)". */
static int
value_set(struct kz_vec *vals, struct lex *l, struct arena *a, struct err *err)
{
	skip_ws(l);
	if (*l->p != '(')
		return err_set(err, ERR_INVALID, "found '%s', expected: '('",
		    l->p);
	l->p++;
	for (;;) {
		kz_vec_push(a, vals, kz_unconst(ident(l, a)));
		skip_ws(l);
		if (*l->p == ')') {
			l->p++;
			return 0;
		}
		if (*l->p != ',')
			return err_set(err, ERR_INVALID,
			    "found '%s', expected: ',' or ')'", l->p);
		l->p++;
	}
}

static bool
in_set(const struct kz_vec *vals, const char *v)
{
	for (size_t i = 0; i < vals->n; i++)
		if (strcmp(vals->v[i], v) == 0)
			return true;
	return false;
}

static bool
requirement_holds(enum op op, const struct doc_node *map, const char *key,
    const struct kz_vec *vals)
{
	const struct doc_node *n = doc_map_get(map, key);
	const char *v = n != NULL && doc_is_scalar(n) ? doc_str(n) : NULL;

	switch (op) {
	case OP_EXISTS:
		return n != NULL;
	case OP_NOTEXISTS:
		return n == NULL;
	case OP_EQ:
	case OP_IN:
		return v != NULL && in_set(vals, v);
	default: /* != and notin hold when the label is missing */
		return v == NULL || !in_set(vals, v);
	}
}

static int
requirement(bool *ok, struct lex *l, struct arena *a,
    const struct doc_node *map, struct err *err)
{
	struct kz_vec vals = { 0 };
	enum op op = OP_EXISTS;
	const char *key;

	skip_ws(l);
	if (*l->p == '!') {
		l->p++;
		op = OP_NOTEXISTS;
	}
	key = ident(l, a);
	if (key[0] == '\0')
		return err_set(err, ERR_INVALID, "expected a label key");
	skip_ws(l);
	if (op == OP_EXISTS && strncmp(l->p, "!=", 2) == 0) {
		l->p += 2;
		op = OP_NE;
	} else if (op == OP_EXISTS && *l->p == '=') {
		l->p += l->p[1] == '=' ? 2 : 1;
		op = OP_EQ;
	} else if (op == OP_EXISTS && word(l, "notin")) {
		op = OP_NOTIN;
	} else if (op == OP_EXISTS && word(l, "in")) {
		op = OP_IN;
	}
	if (op == OP_EQ || op == OP_NE)
		kz_vec_push(a, &vals, kz_unconst(ident(l, a)));
	else if ((op == OP_IN || op == OP_NOTIN) &&
	    value_set(&vals, l, a, err) == -1)
		return -1;
	*ok = requirement_holds(op, map, key, &vals);
	return 0;
}

static int
selector_match(bool *out, const char *sel, const struct doc_node *map,
    struct err *err)
{
	struct arena *a = arena_new();
	struct lex l = { sel };
	int rv = 0;

	*out = true;
	skip_ws(&l);
	while (*l.p != '\0') {
		bool ok = false;

		if ((rv = requirement(&ok, &l, a, map, err)) == -1)
			break;
		*out = *out && ok;
		skip_ws(&l);
		if (*l.p == ',') {
			l.p++;
		} else if (*l.p != '\0') {
			rv = err_set(err, ERR_INVALID,
			    "found '%s', expected: ',' or 'end of string'",
			    l.p);
			break;
		}
	}
	arena_free(a);
	if (rv == -1)
		return err_wrap(err, "selector '%s'", sel);
	return 0;
}

int
kz_res_match_selector(bool *out, const struct kz_res *r, const char *field,
    const char *selector, struct err *err)
{
	const struct doc_node *map;

	if (selector == NULL || selector[0] == '\0') {
		*out = true;
		return 0;
	}
	map = doc_map_get(doc_map_get(r->obj, "metadata"), field);
	return selector_match(out, selector, map, err);
}

/* ---- kustomize's Select ------------------------------------------------- */

int
kz_selector_parse(struct kz_selector *out, const struct doc_node *n,
    struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (n == NULL || n->kind == DOC_NULL)
		return 0;
	if (n->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "line %u: a target selector must be a map", n->line);
	out->group = kz_get_str(n, "group");
	out->version = kz_get_str(n, "version");
	out->kind = kz_get_str(n, "kind");
	out->name = kz_get_str(n, "name");
	out->ns = kz_get_str(n, "namespace");
	out->label_selector = kz_get_str(n, "labelSelector");
	out->annotation_selector = kz_get_str(n, "annotationSelector");
	return 0;
}

struct sel_rx {
	struct rx group, version, kind, name, ns;
};

static bool
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static int
sel_compile(struct sel_rx *x, struct arena *a, const struct kz_selector *s,
    struct err *err)
{
	memset(x, 0, sizeof(*x));
	if ((set(s->group) && rx_compile(&x->group, a, s->group, err) == -1) ||
	    (set(s->version) &&
	        rx_compile(&x->version, a, s->version, err) == -1) ||
	    (set(s->kind) && rx_compile(&x->kind, a, s->kind, err) == -1) ||
	    (set(s->name) && rx_compile(&x->name, a, s->name, err) == -1) ||
	    (set(s->ns) && rx_compile(&x->ns, a, s->ns, err) == -1))
		return -1;
	return 0;
}

static void
sel_free(struct sel_rx *x)
{
	rx_free(&x->group);
	rx_free(&x->version);
	rx_free(&x->kind);
	rx_free(&x->name);
	rx_free(&x->ns);
}

/* Either subject matches (or the pattern is unset). */
static int
match_either(bool *out, struct rx *r, const char *x, const char *y,
    struct err *err)
{
	if (r->code == NULL) {
		*out = true;
		return 0;
	}
	if (rx_match(out, r, x, err) == -1)
		return -1;
	if (*out || y == NULL)
		return 0;
	return rx_match(out, r, y, err);
}

/* The steps of kustomize's Select: namespace and name (original or
 * current), then group, version and kind, then labels and annotations. */
static int
res_selected(bool *out, struct arena *a, struct kz_res *r, struct sel_rx *x,
    const struct kz_selector *s, struct err *err)
{
	struct kz_id cur, org;
	bool ok = true;

	*out = false;
	kz_res_curid(&cur, a, r);
	kz_res_orgid(&org, a, r);
	if (match_either(&ok, &x->ns, kz_id_effns(&org), kz_id_effns(&cur),
	        err) == -1)
		return -1;
	if (ok && match_either(&ok, &x->name, org.name, cur.name, err) == -1)
		return -1;
	if (ok && match_either(&ok, &x->group, cur.gvk.group, NULL, err) == -1)
		return -1;
	if (ok &&
	    match_either(&ok, &x->version, cur.gvk.version, NULL, err) == -1)
		return -1;
	if (ok && match_either(&ok, &x->kind, cur.gvk.kind, NULL, err) == -1)
		return -1;
	if (ok &&
	    kz_res_match_selector(&ok, r, "labels", s->label_selector, err) ==
	        -1)
		return -1;
	if (ok &&
	    kz_res_match_selector(&ok, r, "annotations", s->annotation_selector,
	        err) == -1)
		return -1;
	*out = ok;
	return 0;
}

int
kz_select(struct kz_vec *out, struct arena *a, const struct kz_resmap *m,
    const struct kz_selector *sel, struct err *err)
{
	struct sel_rx x;
	int rv = 0;

	if (sel_compile(&x, a, sel, err) == -1) {
		sel_free(&x);
		return -1;
	}
	for (size_t i = 0; i < m->v.n && rv == 0; i++) {
		bool ok = false;

		rv = res_selected(&ok, a, m->v.v[i], &x, sel, err);
		if (rv == 0 && ok)
			kz_vec_push(a, out, m->v.v[i]);
	}
	sel_free(&x);
	return rv;
}
