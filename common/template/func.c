/*
 * text/template's own functions (and, or, not, len, index, the
 * print family, html, js, urlquery, and the comparisons with Go's rules
 * on mixed kinds), and the lookup over every function table.
 */
#include "template/tmpl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct func_table *const tables[] = {
	&fn_builtin_table,
	&fn_str_table,
	&fn_list_table,
	&fn_math_table,
	&fn_misc_table,
	&fn_helm_table,
	&fn_crypto_table,
	&fn_regex_table,
	&fn_semver_table,
	&fn_date_table,
};

static int
name_cmp(const char *name, size_t n, const char *fname)
{
	int c = strncmp(name, fname, n);

	if (c != 0)
		return c;
	return fname[n] == '\0' ? 0 : -1;
}

const struct tmpl_func *
func_lookup(const char *name, size_t n)
{
	for (size_t t = 0; t < sizeof(tables) / sizeof(tables[0]); t++) {
		size_t lo = 0, hi = tables[t]->n;

		while (lo < hi) {
			size_t mid = lo + (hi - lo) / 2;
			int c = name_cmp(name, n, tables[t]->f[mid].name);

			if (c == 0)
				return (tables[t]->f[mid].flags & FN_NOT_HELM)
				    ? NULL
				    : &tables[t]->f[mid];
			if (c < 0)
				hi = mid;
			else
				lo = mid + 1;
		}
	}
	return NULL;
}

/* ---- comparisons (Go's funcs.go) ----------------------------------------- */

enum basic {
	K_INVALID,
	K_BOOL,
	K_INT,
	K_FLOAT,
	K_STRING,
};

static enum basic
basic_kind(const struct tmpl_val *v)
{
	switch (v->kind) {
	case TMPL_BOOL:
		return K_BOOL;
	case TMPL_INT:
		return K_INT;
	case TMPL_FLOAT:
		return K_FLOAT;
	case TMPL_STR:
		return v->type == TMPL_T_BYTES ? K_INVALID : K_STRING;
	default:
		return K_INVALID;
	}
}

static int
bad_comparison(const struct tmpl_val *a, const struct tmpl_val *b,
    struct err *err)
{
	return err_set(err, ERR_INVALID,
	    "incompatible types for comparison: %s and %s", val_type_name(a),
	    val_type_name(b));
}

static int
eq_one(bool *out, const struct tmpl_val *a, const struct tmpl_val *b,
    struct err *err)
{
	enum basic k1 = basic_kind(a), k2 = basic_kind(b);

	if (k1 != k2) {
		if (a->kind != TMPL_NIL && b->kind != TMPL_NIL)
			return bad_comparison(a, b, err);
		*out = false;
		return 0;
	}
	switch (k1) {
	case K_BOOL:
		*out = a->u.b == b->u.b;
		return 0;
	case K_INT:
		*out = a->u.i == b->u.i;
		return 0;
	case K_FLOAT:
		*out = a->u.f == b->u.f;
		return 0;
	case K_STRING:
		*out = a->u.s.n == b->u.s.n &&
		    memcmp(a->u.s.p, b->u.s.p, a->u.s.n) == 0;
		return 0;
	default:
		break;
	}
	if (a->kind == TMPL_NIL || b->kind == TMPL_NIL) {
		*out = a->kind == b->kind;
		return 0;
	}
	if (a->kind == TMPL_OBJ && b->kind == TMPL_OBJ) {
		*out = a->u.o->data == b->u.o->data;
		return 0;
	}
	return err_set(err, ERR_INVALID, "non-comparable type %s",
	    val_type_name(b));
}

static int
fn_eq(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool t = false;

	if (c->argc < 2)
		return err_set(err, ERR_INVALID,
		    "missing argument for comparison");
	for (size_t i = 1; i < c->argc && !t; i++)
		if (eq_one(&t, &c->argv[0], &c->argv[i], err) == -1)
			return -1;
	*out = tmpl_bool(t);
	return 0;
}

static int
fn_ne(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool t;

	if (eq_one(&t, &c->argv[0], &c->argv[1], err) == -1)
		return -1;
	*out = tmpl_bool(!t);
	return 0;
}

static int
less(bool *out, const struct tmpl_val *a, const struct tmpl_val *b,
    struct err *err)
{
	enum basic k1 = basic_kind(a), k2 = basic_kind(b);
	size_t n;

	if (k1 == K_INVALID || k2 == K_INVALID)
		return err_set(err, ERR_INVALID, "invalid type for comparison");
	if (k1 != k2)
		return bad_comparison(a, b, err);
	switch (k1) {
	case K_INT:
		*out = a->u.i < b->u.i;
		return 0;
	case K_FLOAT:
		*out = a->u.f < b->u.f;
		return 0;
	case K_STRING:
		n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
		{
			int cmp = memcmp(a->u.s.p, b->u.s.p, n);

			*out = cmp < 0 || (cmp == 0 && a->u.s.n < b->u.s.n);
		}
		return 0;
	default:
		return err_set(err, ERR_INVALID, "invalid type for comparison");
	}
}

static int
fn_lt(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool t;

	if (less(&t, &c->argv[0], &c->argv[1], err) == -1)
		return -1;
	*out = tmpl_bool(t);
	return 0;
}

static int
fn_le(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool t, e;

	if (less(&t, &c->argv[0], &c->argv[1], err) == -1)
		return -1;
	if (!t && eq_one(&e, &c->argv[0], &c->argv[1], err) == -1)
		return -1;
	*out = tmpl_bool(t || e);
	return 0;
}

static int
fn_gt(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val le;

	if (fn_le(&le, c, err) == -1)
		return -1;
	*out = tmpl_bool(!le.u.b);
	return 0;
}

static int
fn_ge(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val lt;

	if (fn_lt(&lt, c, err) == -1)
		return -1;
	*out = tmpl_bool(!lt.u.b);
	return 0;
}

/* ---- the rest of text/template's functions ------------------------------- */

static int
fn_and_or(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)out;
	(void)c;
	return err_set(err, ERR_INTERNAL, "and/or are evaluated in place");
}

static int
fn_not(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(!tmpl_truth(&c->argv[0]));
	return 0;
}

static int
fn_len(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val pv = val_plain(c->a, &c->argv[0]);
	const struct tmpl_val *v = &pv;

	switch (v->kind) {
	case TMPL_STR:
		*out = tmpl_int((int64_t)v->u.s.n);
		return 0;
	case TMPL_LIST:
		*out = tmpl_int((int64_t)v->u.l->n);
		return 0;
	case TMPL_MAP:
		*out = tmpl_int((int64_t)v->u.m->n);
		return 0;
	case TMPL_NIL:
		return err_set(err, ERR_INVALID, "len of nil pointer");
	default:
		return err_set(err, ERR_INVALID, "len of type %s",
		    val_type_name(v));
	}
}

/* Go's indexArg: an int index within [0, cap). */
static int
index_arg(int64_t *out, const struct tmpl_val *i, size_t cap, struct err *err)
{
	if (i->kind == TMPL_NIL)
		return err_set(err, ERR_INVALID,
		    "cannot index slice/array with nil");
	if (i->kind != TMPL_INT)
		return err_set(err, ERR_INVALID,
		    "cannot index slice/array with type %s", val_type_name(i));
	if (i->u.i < 0 || (uint64_t)i->u.i >= cap)
		return err_set(err, ERR_INVALID, "index out of range: %lld",
		    (long long)i->u.i);
	*out = i->u.i;
	return 0;
}

static int
index_one(struct tmpl_val *v, const struct tmpl_val *i, struct err *err)
{
	int64_t x;
	struct tmpl_val *hit;

	switch (v->kind) {
	case TMPL_LIST:
		if (index_arg(&x, i, v->u.l->n, err) == -1)
			return -1;
		*v = v->u.l->items[x];
		return 0;
	case TMPL_STR:
		if (index_arg(&x, i, v->u.s.n, err) == -1)
			return -1;
		*v = tmpl_int((unsigned char)v->u.s.p[x]);
		return 0;
	case TMPL_MAP:
		if (i->kind != TMPL_STR)
			return err_set(err, ERR_INVALID,
			    "value has type %s; should be string",
			    val_type_name(i));
		hit = tmpl_map_find(v->u.m, i->u.s.p, i->u.s.n);
		*v = hit != NULL               ? *hit
		    : v->type == TMPL_T_STRMAP ? tmpl_str("", 0)
		                               : tmpl_nil();
		return 0;
	case TMPL_NIL:
		return err_set(err, ERR_INVALID, "index of untyped nil");
	default:
		return err_set(err, ERR_INVALID, "can't index item of type %s",
		    val_type_name(v));
	}
}

static int
fn_index(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val v = c->argv[0];

	if (v.kind == TMPL_OBJ)
		v = val_plain(c->a, &v);
	for (size_t i = 1; i < c->argc; i++)
		if (index_one(&v, &c->argv[i], err) == -1)
			return -1;
	*out = v;
	return 0;
}

static int
fn_print(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	fmt_sprint(&b, c->argv, c->argc, strcmp(c->fn->name, "println") == 0);
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	return 0;
}

static int
fn_printf(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	fmt_sprintf(&b, c->argv[0].u.s.p, c->argv[0].u.s.n, c->argv + 1,
	    c->argc - 1);
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	return 0;
}

/* Go's evalArgs: one string as it is, anything else through Sprint. */
static void
eval_args(struct buf *b, struct call *c)
{
	if (c->argc == 1 && c->argv[0].kind == TMPL_STR)
		buf_append(b, c->argv[0].u.s.p, c->argv[0].u.s.n);
	else
		fmt_sprint(b, c->argv, c->argc, false);
}

static int
fn_html(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf in, b;

	(void)err;
	buf_init(&in, BUF_MAX_DEFAULT);
	buf_init(&b, BUF_MAX_DEFAULT);
	eval_args(&in, c);
	for (size_t i = 0; i < in.len; i++) {
		switch (in.data[i]) {
		case '"':
			buf_puts(&b, "&#34;");
			break;
		case '\'':
			buf_puts(&b, "&#39;");
			break;
		case '&':
			buf_puts(&b, "&amp;");
			break;
		case '<':
			buf_puts(&b, "&lt;");
			break;
		case '>':
			buf_puts(&b, "&gt;");
			break;
		case '\0':
			buf_puts(&b, "\xef\xbf\xbd");
			break;
		default:
			buf_putc(&b, in.data[i]);
		}
	}
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&in);
	buf_release(&b);
	return 0;
}

static int
fn_js(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf in, b;

	(void)err;
	buf_init(&in, BUF_MAX_DEFAULT);
	buf_init(&b, BUF_MAX_DEFAULT);
	eval_args(&in, c);
	for (size_t i = 0; i < in.len; i++) {
		unsigned char ch = (unsigned char)in.data[i];

		if (ch == '\\' || ch == '\'' || ch == '"') {
			buf_putc(&b, '\\');
			buf_putc(&b, (char)ch);
		} else if (ch == '<' || ch == '>' || ch == '&' || ch == '=' ||
		    ch < 0x20) {
			buf_printf(&b, "\\u%04X", ch);
		} else {
			buf_putc(&b, (char)ch);
		}
	}
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&in);
	buf_release(&b);
	return 0;
}

static int
fn_urlquery(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf in, b;

	(void)err;
	buf_init(&in, BUF_MAX_DEFAULT);
	buf_init(&b, BUF_MAX_DEFAULT);
	eval_args(&in, c);
	for (size_t i = 0; i < in.len; i++) {
		unsigned char ch = (unsigned char)in.data[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') || strchr("-_.~", ch) != NULL)
			buf_putc(&b, (char)ch);
		else if (ch == ' ')
			buf_putc(&b, '+');
		else
			buf_printf(&b, "%%%02X", ch);
	}
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&in);
	buf_release(&b);
	return 0;
}

static int
fn_call(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)out;
	if (c->argv[0].kind == TMPL_NIL)
		return err_set(err, ERR_INVALID, "call of nil");
	return err_set(err, ERR_INVALID, "non-function of type %s",
	    val_type_name(&c->argv[0]));
}

static const struct tmpl_func builtins[] = {
	{ "and", "a*a", fn_and_or, FN_AND },
	{ "call", "a*a", fn_call, 0 },
	{ "eq", "a*a", fn_eq, 0 },
	{ "ge", "aa", fn_ge, 0 },
	{ "gt", "aa", fn_gt, 0 },
	{ "html", "*a", fn_html, 0 },
	{ "index", "a*a", fn_index, 0 },
	{ "js", "*a", fn_js, 0 },
	{ "le", "aa", fn_le, 0 },
	{ "len", "a", fn_len, 0 },
	{ "lt", "aa", fn_lt, 0 },
	{ "ne", "aa", fn_ne, 0 },
	{ "not", "a", fn_not, 0 },
	{ "or", "a*a", fn_and_or, FN_OR },
	{ "print", "*a", fn_print, 0 },
	{ "printf", "s*a", fn_printf, 0 },
	{ "println", "*a", fn_print, 0 },
	{ "urlquery", "*a", fn_urlquery, 0 },
};

const struct func_table fn_builtin_table = { builtins,
	sizeof(builtins) / sizeof(builtins[0]) };
