/*
 * Template values: constructors, lists, maps kept sorted by key (Go
 * prints and ranges maps in key order, so no later sort is needed),
 * truth, deep copy and equality, and the Go type names %T and typeOf
 * print.
 */
#include "template/template.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "template/tmpl_int.h"

struct tmpl_val
tmpl_str_dup(struct arena *a, const char *p, size_t n)
{
	return tmpl_str(n == 0 ? "" : arena_strndup(a, p, n), n);
}

struct tmpl_val
tmpl_list_new(struct arena *a, size_t cap)
{
	struct tmpl_val v = { .kind = TMPL_LIST };

	v.u.l = arena_calloc(a, 1, sizeof(*v.u.l));
	if (cap > 0) {
		v.u.l->items = arena_alloc(a, cap * sizeof(struct tmpl_val));
		v.u.l->cap = cap;
	}
	return v;
}

struct tmpl_val
tmpl_map_new(struct arena *a, size_t cap)
{
	struct tmpl_val v = { .kind = TMPL_MAP };

	v.u.m = arena_calloc(a, 1, sizeof(*v.u.m));
	if (cap > 0) {
		v.u.m->items = arena_alloc(a, cap * sizeof(struct tmpl_pair));
		v.u.m->cap = cap;
	}
	return v;
}

struct tmpl_val
tmpl_obj_new(struct arena *a, const struct tmpl_class *cls, void *data)
{
	struct tmpl_val v = { .kind = TMPL_OBJ };

	v.u.o = arena_alloc(a, sizeof(*v.u.o));
	v.u.o->cls = cls;
	v.u.o->data = data;
	return v;
}

void
tmpl_list_append(struct arena *a, struct tmpl_list *l, struct tmpl_val v)
{
	if (l->n == l->cap) {
		size_t cap = l->cap < 4 ? 4 : l->cap * 2;
		struct tmpl_val *items = arena_alloc(a, cap * sizeof(*items));

		if (l->n > 0)
			memcpy(items, l->items, l->n * sizeof(*items));
		l->items = items;
		l->cap = cap;
	}
	l->items[l->n++] = v;
}

static int
key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);

	if (c != 0)
		return c;
	return an < bn ? -1 : an > bn ? 1 : 0;
}

/* Index of key, or of where it would go (*found false). */
static size_t
map_search(const struct tmpl_map *m, const char *key, size_t keylen,
    bool *found)
{
	size_t lo = 0, hi = m->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = key_cmp(m->items[mid].key, m->items[mid].keylen, key,
		    keylen);

		if (c == 0) {
			*found = true;
			return mid;
		}
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	*found = false;
	return lo;
}

struct tmpl_val *
tmpl_map_find(const struct tmpl_map *m, const char *key, size_t keylen)
{
	bool found;
	size_t i;

	if (m == NULL)
		return NULL;
	i = map_search(m, key, keylen, &found);
	return found ? &m->items[i].val : NULL;
}

struct tmpl_val *
tmpl_map_set(struct arena *a, struct tmpl_map *m, const char *key,
    size_t keylen, struct tmpl_val v)
{
	bool found;
	size_t i = map_search(m, key, keylen, &found);

	if (found) {
		m->items[i].val = v;
		return &m->items[i].val;
	}
	if (m->n == m->cap) {
		size_t cap = m->cap < 4 ? 4 : m->cap * 2;
		struct tmpl_pair *items = arena_alloc(a, cap * sizeof(*items));

		if (m->n > 0)
			memcpy(items, m->items, m->n * sizeof(*items));
		m->items = items;
		m->cap = cap;
	}
	memmove(&m->items[i + 1], &m->items[i], (m->n - i) * sizeof(*m->items));
	m->items[i].key = arena_strndup(a, key, keylen);
	m->items[i].keylen = keylen;
	m->items[i].val = v;
	m->n++;
	return &m->items[i].val;
}

bool
tmpl_map_delete(struct tmpl_map *m, const char *key, size_t keylen)
{
	bool found;
	size_t i = map_search(m, key, keylen, &found);

	if (!found)
		return false;
	memmove(&m->items[i], &m->items[i + 1],
	    (m->n - i - 1) * sizeof(*m->items));
	m->n--;
	return true;
}

bool
tmpl_truth(const struct tmpl_val *v)
{
	switch (v->kind) {
	case TMPL_BOOL:
		return v->u.b;
	case TMPL_INT:
		return v->u.i != 0;
	case TMPL_FLOAT:
		return v->u.f != 0;
	case TMPL_STR:
		return v->u.s.n > 0;
	case TMPL_LIST:
		return v->u.l->n > 0;
	case TMPL_MAP:
		return v->u.m->n > 0;
	case TMPL_OBJ:
		return v->u.o->cls->len == NULL || v->u.o->cls->len(v->u.o) > 0;
	default:
		return false;
	}
}

struct tmpl_val
tmpl_copy(struct arena *a, const struct tmpl_val *v)
{
	struct tmpl_val c;

	switch (v->kind) {
	case TMPL_LIST:
		c = tmpl_list_new(a, v->u.l->n);
		c.type = v->type;
		for (size_t i = 0; i < v->u.l->n; i++)
			c.u.l->items[i] = tmpl_copy(a, &v->u.l->items[i]);
		c.u.l->n = v->u.l->n;
		return c;
	case TMPL_MAP:
		c = tmpl_map_new(a, v->u.m->n);
		c.type = v->type;
		for (size_t i = 0; i < v->u.m->n; i++) {
			c.u.m->items[i] = v->u.m->items[i];
			c.u.m->items[i].val = tmpl_copy(a,
			    &v->u.m->items[i].val);
		}
		c.u.m->n = v->u.m->n;
		return c;
	default:
		return *v; /* strings are immutable; objects are shared */
	}
}

const char *
val_type_name(const struct tmpl_val *v)
{
	switch (v->kind) {
	case TMPL_NIL:
		return "<nil>";
	case TMPL_BOOL:
		return "bool";
	case TMPL_INT:
		return v->type == TMPL_T_INT64 ? "int64" : "int";
	case TMPL_FLOAT:
		return "float64";
	case TMPL_STR:
		return v->type == TMPL_T_BYTES ? "[]uint8" : "string";
	case TMPL_LIST:
		return v->type == TMPL_T_STRINGS   ? "[]string"
		    : v->type == TMPL_T_VERSIONSET ? "common.VersionSet"
		                                   : "[]interface {}";
	case TMPL_MAP:
		return v->type == TMPL_T_STRMAP ? "map[string]string"
		    : v->type == TMPL_T_VALUES  ? "common.Values"
		                                : "map[string]interface {}";
	default:
		return v->u.o->cls->type_name;
	}
}

const char *
val_kind_name(const struct tmpl_val *v)
{
	switch (v->kind) {
	case TMPL_NIL:
		return "invalid";
	case TMPL_BOOL:
		return "bool";
	case TMPL_INT:
		return v->type == TMPL_T_INT64 ? "int64" : "int";
	case TMPL_FLOAT:
		return "float64";
	case TMPL_STR:
		return v->type == TMPL_T_BYTES ? "slice" : "string";
	case TMPL_LIST:
		return "slice";
	case TMPL_MAP:
		return "map";
	default:
		return v->u.o->cls->kind_name != NULL ? v->u.o->cls->kind_name
		                                      : "struct";
	}
}

struct tmpl_val
val_plain(struct arena *a, const struct tmpl_val *v)
{
	struct tmpl_val out;

	if (v->kind != TMPL_OBJ || v->u.o->cls->plain == NULL)
		return *v;
	v->u.o->cls->plain(&out, v->u.o, a);
	return out;
}

struct tmpl_val
val_to_str(struct arena *a, const struct tmpl_val *v)
{
	struct buf b;
	struct tmpl_val s;

	if (v->kind == TMPL_STR)
		return *v;
	buf_init(&b, BUF_MAX_DEFAULT);
	tmpl_print(&b, v);
	s = tmpl_str_dup(a, b.data, b.len);
	buf_release(&b);
	return s;
}

struct tmpl_val
val_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char small[128];
	int n;

	va_start(ap, fmt);
	n = vsnprintf(small, sizeof(small), fmt, ap);
	va_end(ap);
	if (n < 0)
		return tmpl_str("", 0);
	if ((size_t)n < sizeof(small))
		return tmpl_str_dup(a, small, (size_t)n);
	{
		char *p = arena_alloc(a, (size_t)n + 1);

		va_start(ap, fmt);
		(void)vsnprintf(p, (size_t)n + 1, fmt, ap);
		va_end(ap);
		return tmpl_str(p, (size_t)n);
	}
}

char *
val_cstr(struct arena *a, const struct tmpl_val *v)
{
	if (v->kind != TMPL_STR)
		return arena_strdup(a, "");
	return arena_strndup(a, v->u.s.p, v->u.s.n);
}

bool
val_deep_equal(const struct tmpl_val *x, const struct tmpl_val *y)
{
	if (x->kind != y->kind || x->type != y->type)
		return false;
	switch (x->kind) {
	case TMPL_NIL:
		return true;
	case TMPL_BOOL:
		return x->u.b == y->u.b;
	case TMPL_INT:
		return x->u.i == y->u.i;
	case TMPL_FLOAT:
		return x->u.f == y->u.f;
	case TMPL_STR:
		return x->u.s.n == y->u.s.n &&
		    memcmp(x->u.s.p, y->u.s.p, x->u.s.n) == 0;
	case TMPL_LIST:
		if (x->u.l->n != y->u.l->n)
			return false;
		for (size_t i = 0; i < x->u.l->n; i++)
			if (!val_deep_equal(&x->u.l->items[i],
			        &y->u.l->items[i]))
				return false;
		return true;
	case TMPL_MAP:
		if (x->u.m->n != y->u.m->n)
			return false;
		for (size_t i = 0; i < x->u.m->n; i++) {
			const struct tmpl_pair *a = &x->u.m->items[i];
			const struct tmpl_pair *b = &y->u.m->items[i];

			if (a->keylen != b->keylen ||
			    memcmp(a->key, b->key, a->keylen) != 0 ||
			    !val_deep_equal(&a->val, &b->val))
				return false;
		}
		return true;
	default:
		return x->u.o->data == y->u.o->data;
	}
}
