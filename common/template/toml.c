/*
 * TOML as Helm's toToml prints values, through BurntSushi/toml's
 * Encoder: keys sorted, a table's plain keys before its sub-tables,
 * headers indented two spaces per level below the top, arrays of maps as
 * [[tables]], maps inside arrays as inline tables, nulls left out of
 * maps and refused inside arrays.
 */
#include "template/tmpl_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#define TOML_MAX_DEPTH 100 /* nested tables */
#define TOML_MAX_NEST  512 /* nested arrays and inline tables, as toYaml */

enum toml_type {
	TT_NIL,
	TT_HASH,       /* a map: a [table] */
	TT_ARRAY_HASH, /* a non-empty list of maps only: [[tables]] */
	TT_OTHER,      /* a value written after "key = " */
};

struct toml_key {
	const char *p;
	size_t n;
};

struct toml {
	struct buf *b;
	unsigned nest; /* arrays and inline tables being written */
	bool written;  /* the Encoder's hasWritten: newlines wait for it */
	struct toml_key path[TOML_MAX_DEPTH];
};

static void
put(struct toml *t, const char *p, size_t n)
{
	buf_append(t->b, p, n);
	t->written = t->written || n > 0;
}

static void
puts_(struct toml *t, const char *s)
{
	put(t, s, strlen(s));
}

static void
newline(struct toml *t)
{
	if (t->written)
		put(t, "\n", 1);
}

/* The escape dblQuotedReplacer writes for c, or NULL. */
static const char *
short_escape(unsigned char c)
{
	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\b':
		return "\\b";
	case '\t':
		return "\\t";
	case '\n':
		return "\\n";
	case '\f':
		return "\\f";
	case '\r':
		return "\\r";
	default:
		return NULL;
	}
}

/* dblQuotedReplacer: quote, backslash and C0 controls escaped, DEL as
 * \u007f, everything else (UTF-8 included) as it is. */
static void
quoted(struct toml *t, const char *p, size_t n)
{
	put(t, "\"", 1);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		const char *e = short_escape(c);
		char u[8];

		if (e != NULL) {
			put(t, e, 2);
		} else if (c < 0x20 || c == 0x7f) {
			(void)snprintf(u, sizeof(u), "\\u%04x", c);
			put(t, u, 6);
		} else {
			put(t, p + i, 1);
		}
	}
	put(t, "\"", 1);
}

static void
key_part(struct toml *t, const struct toml_key *k)
{
	for (size_t i = 0; i < k->n; i++) {
		char c = k->p[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		        (c >= '0' && c <= '9') || c == '_' || c == '-')) {
			quoted(t, k->p, k->n);
			return;
		}
	}
	if (k->n == 0)
		put(t, "\"\"", 2);
	else
		put(t, k->p, k->n);
}

/* The indent of a key depth parts long, and the dotted key itself. */
static void
indent(struct toml *t, size_t depth)
{
	for (size_t i = 1; i < depth; i++)
		put(t, "  ", 2);
}

static void
key_path(struct toml *t, size_t depth)
{
	for (size_t i = 0; i < depth; i++) {
		if (i > 0)
			put(t, ".", 1);
		key_part(t, &t->path[i]);
	}
}

static int
type_of(enum toml_type *tt, const struct tmpl_val *v, unsigned nest,
    struct err *err)
{
	enum toml_type e;

	if (nest > TOML_MAX_NEST)
		return err_set(err, ERR_LIMIT,
		    "toml: value nested deeper than %d", TOML_MAX_NEST);
	*tt = v->kind == TMPL_NIL ? TT_NIL
	    : v->kind == TMPL_MAP ? TT_HASH
	                          : TT_OTHER;
	if (v->kind != TMPL_LIST || v->u.l->n == 0)
		return 0;
	*tt = TT_ARRAY_HASH;
	for (size_t i = 0; i < v->u.l->n; i++) {
		if (type_of(&e, &v->u.l->items[i], nest + 1, err) == -1)
			return -1;
		if (e == TT_NIL)
			return err_set(err, ERR_INVALID,
			    "toml: cannot encode array with nil element");
		if (e != TT_HASH)
			*tt = TT_OTHER;
	}
	return 0;
}

/* floatAddDecimal(strconv.FormatFloat(f, 'g', -1, 64)), nan and inf. */
static void
float_text(struct toml *t, double f)
{
	struct buf tmp;

	if (isnan(f) || isinf(f)) {
		puts_(t, signbit(f) ? "-" : "");
		puts_(t, isnan(f) ? "nan" : "inf");
		return;
	}
	buf_init(&tmp, 64);
	fmt_float_g(&tmp, f);
	put(t, tmp.data, tmp.len);
	if (memchr(tmp.data, '.', tmp.len) == NULL &&
	    memchr(tmp.data, 'e', tmp.len) == NULL)
		puts_(t, ".0");
	buf_release(&tmp);
}

static int map_body(struct toml *t, size_t depth, const struct tmpl_map *m,
    bool inline_, struct err *err);

static int element_in(struct toml *t, size_t depth, const struct tmpl_val *v,
    struct err *err);

/* One value after "key = " or in an array, nested no deeper than
 * TOML_MAX_NEST. */
static int
element(struct toml *t, size_t depth, const struct tmpl_val *v, struct err *err)
{
	int rv;

	if (t->nest >= TOML_MAX_NEST)
		return err_set(err, ERR_LIMIT,
		    "toml: value nested deeper than %d", TOML_MAX_NEST);
	t->nest++;
	rv = element_in(t, depth, v, err);
	t->nest--;
	return rv;
}

static int
element_in(struct toml *t, size_t depth, const struct tmpl_val *v,
    struct err *err)
{
	switch (v->kind) {
	case TMPL_STR:
		quoted(t, v->u.s.p, v->u.s.n);
		return 0;
	case TMPL_BOOL:
		puts_(t, v->u.b ? "true" : "false");
		return 0;
	case TMPL_INT:
		buf_printf(t->b, "%lld", (long long)v->u.i);
		t->written = true;
		return 0;
	case TMPL_FLOAT:
		float_text(t, v->u.f);
		return 0;
	case TMPL_LIST:
		put(t, "[", 1);
		for (size_t i = 0; i < v->u.l->n; i++) {
			if (i > 0)
				put(t, ", ", 2);
			if (element(t, depth, &v->u.l->items[i], err) == -1)
				return -1;
		}
		put(t, "]", 1);
		return 0;
	case TMPL_MAP:
		return map_body(t, depth, v->u.m, true, err);
	default:
		return err_set(err, ERR_INVALID, "toml: unexpected type: %s",
		    val_type_name(v));
	}
}

/* writeKeyValue: the last part of the key, " = ", the value. */
static int
key_value(struct toml *t, size_t depth, const struct tmpl_val *v, bool inline_,
    struct err *err)
{
	if (depth == 0)
		return element(t, depth, v, err);
	indent(t, inline_ ? 1 : depth);
	key_part(t, &t->path[depth - 1]);
	put(t, " = ", 3);
	if (element(t, depth, v, err) == -1)
		return -1;
	if (!inline_)
		newline(t);
	return 0;
}

static int encode(struct toml *t, size_t depth, const struct tmpl_val *v,
    struct err *err);

static int
table(struct toml *t, size_t depth, const struct tmpl_map *m, struct err *err)
{
	if (depth == 1)
		newline(t); /* a blank line between top-level tables */
	if (depth > 0) {
		indent(t, depth);
		put(t, "[", 1);
		key_path(t, depth);
		put(t, "]", 1);
		newline(t);
	}
	return map_body(t, depth, m, false, err);
}

static int
tables(struct toml *t, size_t depth, const struct tmpl_list *l, struct err *err)
{
	if (depth == 0)
		return err_set(err, ERR_INVALID,
		    "toml: top-level values must be Go maps or structs");
	for (size_t i = 0; i < l->n; i++) {
		newline(t);
		indent(t, depth);
		put(t, "[[", 2);
		key_path(t, depth);
		put(t, "]]", 2);
		newline(t);
		if (map_body(t, depth, l->items[i].u.m, false, err) == -1)
			return -1;
	}
	return 0;
}

/* One pass of eMap's writeMapKeys over the keys with (sub) or without
 * a table value. */
static int
map_pass(struct toml *t, size_t depth, const struct tmpl_map *m, bool sub,
    bool inline_, bool trail, struct err *err)
{
	size_t last = SIZE_MAX;
	enum toml_type tt;

	for (size_t i = 0; i < m->n; i++)
		if (type_of(&tt, &m->items[i].val, 0, err) == 0 &&
		    (tt == TT_HASH || tt == TT_ARRAY_HASH) == sub)
			last = i;
	for (size_t i = 0; i <= last && last != SIZE_MAX; i++) {
		const struct tmpl_pair *p = &m->items[i];
		int rv;

		if (type_of(&tt, &p->val, 0, err) == -1)
			return -1;
		if ((tt == TT_HASH || tt == TT_ARRAY_HASH) != sub ||
		    tt == TT_NIL)
			continue;
		t->path[depth] = (struct toml_key){ p->key, p->keylen };
		rv = inline_ ? key_value(t, depth + 1, &p->val, true, err)
		             : encode(t, depth + 1, &p->val, err);
		if (rv == -1)
			return -1;
		if (inline_ && (trail || i != last))
			put(t, ", ", 2);
	}
	return 0;
}

static int
map_body(struct toml *t, size_t depth, const struct tmpl_map *m, bool inline_,
    struct err *err)
{
	bool has_sub = false;
	enum toml_type tt;

	if (depth + 1 >= TOML_MAX_DEPTH)
		return err_set(err, ERR_LIMIT, "toml: nested deeper than %d",
		    TOML_MAX_DEPTH);
	for (size_t i = 0; i < m->n; i++) {
		if (type_of(&tt, &m->items[i].val, 0, err) == -1)
			return -1;
		has_sub = has_sub || tt == TT_HASH || tt == TT_ARRAY_HASH;
	}
	if (inline_)
		put(t, "{", 1);
	if (map_pass(t, depth, m, false, inline_, has_sub, err) == -1 ||
	    map_pass(t, depth, m, true, inline_, false, err) == -1)
		return -1;
	if (inline_)
		put(t, "}", 1);
	return 0;
}

static int
encode(struct toml *t, size_t depth, const struct tmpl_val *v, struct err *err)
{
	enum toml_type tt;

	if (type_of(&tt, v, 0, err) == -1)
		return -1;
	switch (tt) {
	case TT_NIL:
		return 0;
	case TT_HASH:
		return table(t, depth, v->u.m, err);
	case TT_ARRAY_HASH:
		return tables(t, depth, v->u.l, err);
	default:
		return key_value(t, depth, v, false, err);
	}
}

int
conv_to_toml(struct buf *out, const struct tmpl_val *v, struct err *err)
{
	struct toml t = { .b = out };

	if (v->kind == TMPL_NIL)
		return err_set(err, ERR_INVALID,
		    "reflect: call of reflect.Value.Type on zero Value");
	return encode(&t, 0, v, err);
}
