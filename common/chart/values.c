/*
 * Helm's values arithmetic: CoalesceValues (chart defaults under user
 * values, a user null deleting a default, subchart sections and globals
 * pushed down), CoalesceTables and MergeTables, the cli's mergeMaps for
 * -f files, and strvals for --set. Everything Helm mutates in place is
 * first copied into the rendering's arena, as Helm copies it.
 */
#include "chart/chart_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SET_DEPTH 64
#define MAX_SET_INDEX 65536

static bool
is_table(const struct tmpl_val *v)
{
	return v != NULL && v->kind == TMPL_MAP;
}

static bool
is_nil(const struct tmpl_val *v)
{
	return v->kind == TMPL_NIL;
}

void
values_coalesce_tables(struct arena *a, struct tmpl_map *dst,
    struct tmpl_map *src, bool merge)
{
	bool *nonnil;

	if (src == NULL || dst == NULL)
		return;
	nonnil = arena_calloc(a, src->n + 1, sizeof(*nonnil));
	for (size_t i = 0; i < src->n; i++)
		nonnil[i] = !is_nil(&src->items[i].val);
	/* a nil in dst wins over src: mark it there too */
	for (size_t i = 0; i < dst->n; i++) {
		const struct tmpl_pair *p = &dst->items[i];
		struct tmpl_val *sv;

		if (is_nil(&p->val) &&
		    (sv = tmpl_map_find(src, p->key, p->keylen)) != NULL)
			*sv = tmpl_nil();
	}
	for (size_t i = 0; i < src->n; i++) {
		const struct tmpl_pair *p = &src->items[i];
		struct tmpl_val *dv = tmpl_map_find(dst, p->key, p->keylen);

		if (dv != NULL && !merge && is_nil(dv) && nonnil[i])
			tmpl_map_delete(dst, p->key, p->keylen);
		else if (dv == NULL)
			tmpl_map_set(a, dst, p->key, p->keylen, p->val);
		else if (is_table(&p->val) && is_table(dv))
			values_coalesce_tables(a, dv->u.m, p->val.u.m, merge);
	}
}

static bool
is_subchart(const struct rchart *rc, const char *key, size_t n)
{
	for (size_t i = 0; i < rc->nkids; i++)
		if (strlen(rc->kids[i]->name) == n &&
		    memcmp(rc->kids[i]->name, key, n) == 0)
			return true;
	return false;
}

/* Helm's coalesceValues: the chart's defaults under v. */
static void
coalesce_defaults(struct arena *a, const struct rchart *rc, struct tmpl_map *v,
    bool merge)
{
	struct tmpl_val vc = tmpl_copy(a, &rc->values);

	if (vc.kind != TMPL_MAP)
		return;
	for (size_t i = 0; i < vc.u.m->n; i++) {
		const struct tmpl_pair *p = &vc.u.m->items[i];
		struct tmpl_val *have = tmpl_map_find(v, p->key, p->keylen);

		if (have == NULL) {
			tmpl_map_set(a, v, p->key, p->keylen, p->val);
		} else if (is_nil(have) && !merge) {
			tmpl_map_delete(v, p->key, p->keylen);
		} else if (is_table(have) && is_table(&p->val)) {
			values_coalesce_tables(a, have->u.m, p->val.u.m,
			    merge || is_subchart(rc, p->key, p->keylen));
		}
	}
}

/* Helm's coalesceGlobals: the parent's globals into a subchart's. */
static void
coalesce_globals(struct arena *a, struct tmpl_map *dest,
    const struct tmpl_map *src)
{
	struct tmpl_val *dg = tmpl_map_find(dest, "global", 6);
	const struct tmpl_val *sg = tmpl_map_find(src, "global", 6);
	struct tmpl_val g;

	if (dg != NULL && !is_table(dg))
		return;
	if (sg != NULL && !is_table(sg))
		return;
	g = dg != NULL ? *dg : tmpl_map_new(a, 0);
	for (size_t i = 0; sg != NULL && i < sg->u.m->n; i++) {
		const struct tmpl_pair *p = &sg->u.m->items[i];
		struct tmpl_val *have = tmpl_map_find(g.u.m, p->key, p->keylen);

		if (is_table(&p->val)) {
			struct tmpl_val vv = tmpl_map_new(a, p->val.u.m->n);

			for (size_t k = 0; k < p->val.u.m->n; k++)
				tmpl_map_set(a, vv.u.m,
				    p->val.u.m->items[k].key,
				    p->val.u.m->items[k].keylen,
				    p->val.u.m->items[k].val);
			if (have == NULL) {
				tmpl_map_set(a, g.u.m, p->key, p->keylen, vv);
			} else if (is_table(have)) {
				values_coalesce_tables(a, vv.u.m, have->u.m,
				    true);
				tmpl_map_set(a, g.u.m, p->key, p->keylen, vv);
			}
		} else if (have == NULL || !is_table(have)) {
			tmpl_map_set(a, g.u.m, p->key, p->keylen, p->val);
		}
	}
	tmpl_map_set(a, dest, "global", 6, g);
}

static int coalesce(struct arena *a, const struct rchart *rc,
    struct tmpl_map *dest, bool merge, struct err *err);

static int
coalesce_deps(struct arena *a, const struct rchart *rc, struct tmpl_map *dest,
    bool merge, struct err *err)
{
	for (size_t i = 0; i < rc->nkids; i++) {
		const char *name = rc->kids[i]->name;
		size_t n = strlen(name);
		struct tmpl_val *dv = tmpl_map_find(dest, name, n);

		if (dv == NULL)
			dv = tmpl_map_set(a, dest, name, n, tmpl_map_new(a, 0));
		else if (!is_table(dv))
			return err_set(err, ERR_INVALID,
			    "type mismatch on %s: %%!t(%s)", name,
			    dv->kind == TMPL_STR ? "string" : "value");
		coalesce_globals(a, dv->u.m, dest);
		if (coalesce(a, rc->kids[i], dv->u.m, merge, err) == -1)
			return -1;
	}
	return 0;
}

static int
coalesce(struct arena *a, const struct rchart *rc, struct tmpl_map *dest,
    bool merge, struct err *err)
{
	coalesce_defaults(a, rc, dest, merge);
	return coalesce_deps(a, rc, dest, merge, err);
}

int
values_coalesce(struct tmpl_val *out, struct arena *a, const struct rchart *rc,
    const struct tmpl_val *vals, bool merge, struct err *err)
{
	struct tmpl_val dest = vals != NULL && is_table(vals)
	    ? tmpl_copy(a, vals)
	    : tmpl_map_new(a, 0);

	dest.type = TMPL_T_VALUES;
	if (coalesce(a, rc, dest.u.m, merge, err) == -1)
		return -1;
	*out = dest;
	return 0;
}

struct tmpl_val
values_merge_maps(struct arena *a, const struct tmpl_val *x,
    const struct tmpl_val *y)
{
	struct tmpl_val out = tmpl_map_new(a, is_table(x) ? x->u.m->n : 0);

	for (size_t i = 0; is_table(x) && i < x->u.m->n; i++)
		tmpl_map_set(a, out.u.m, x->u.m->items[i].key,
		    x->u.m->items[i].keylen, x->u.m->items[i].val);
	for (size_t i = 0; is_table(y) && i < y->u.m->n; i++) {
		const struct tmpl_pair *p = &y->u.m->items[i];
		struct tmpl_val *have = tmpl_map_find(out.u.m, p->key,
		    p->keylen);

		if (is_table(&p->val) && is_table(have))
			tmpl_map_set(a, out.u.m, p->key, p->keylen,
			    values_merge_maps(a, have, &p->val));
		else
			tmpl_map_set(a, out.u.m, p->key, p->keylen, p->val);
	}
	return out;
}

const struct tmpl_val *
values_path(const struct tmpl_val *vals, const char *path)
{
	const struct tmpl_val *v = vals;

	while (v != NULL && is_table(v)) {
		const char *dot = strchr(path, '.');
		size_t n = dot != NULL ? (size_t)(dot - path) : strlen(path);

		v = tmpl_map_find(v->u.m, path, n);
		if (dot == NULL)
			return v;
		path = dot + 1;
	}
	return NULL;
}

/* ---- --set (Helm's strvals) ---------------------------------------------- */

struct setp {
	struct arena *a;
	const char *s;
	size_t i, n;
	bool as_string;
	struct err *err;
};

/* strconv.ParseInt(v, 10, 64) on the n bytes at v. */
static int
conv_i64(int64_t *out, const char *v, size_t n)
{
	char buf[32];
	char *end;

	if (n == 0 || n >= sizeof(buf))
		return -1;
	memcpy(buf, v, n);
	buf[n] = '\0';
	errno = 0;
	*out = strtoll(buf, &end, 10);
	return *end == '\0' && errno == 0 ? 0 : -1;
}

static struct tmpl_val
typed_value(struct setp *p, const char *v, size_t n)
{
	int64_t iv = 0;
	bool num = n > 0 && v[0] != '0';

	if (p->as_string)
		return tmpl_str_dup(p->a, v, n);
	if (n == 4 && strncasecmp(v, "true", 4) == 0)
		return tmpl_bool(true);
	if (n == 5 && strncasecmp(v, "false", 5) == 0)
		return tmpl_bool(false);
	if (n == 4 && strncasecmp(v, "null", 4) == 0)
		return tmpl_nil();
	if (n == 1 && v[0] == '0')
		num = true;
	for (size_t i = 0; num && i < n; i++)
		num = (v[i] >= '0' && v[i] <= '9') ||
		    (i == 0 && v[i] == '-' && n > 1);
	if (num && conv_i64(&iv, v, n) == 0) {
		struct tmpl_val t = tmpl_int(iv);

		t.type = TMPL_T_INT64;
		return t;
	}
	return tmpl_str_dup(p->a, v, n);
}

/* Reads up to an unescaped stop character; backslash escapes it. */
static size_t
read_until(struct setp *p, struct buf *b, const char *stops)
{
	buf_reset(b);
	while (p->i < p->n) {
		char c = p->s[p->i];

		if (c == '\\' && p->i + 1 < p->n) {
			buf_putc(b, p->s[p->i + 1]);
			p->i += 2;
			continue;
		}
		if (strchr(stops, c) != NULL)
			break;
		buf_putc(b, c);
		p->i++;
	}
	return b->len;
}

static int
set_list_value(struct setp *p, struct tmpl_val *out)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	*out = tmpl_list_new(p->a, 0);
	p->i++; /* '{' */
	while (p->i < p->n && p->s[p->i] != '}') {
		read_until(p, &b, ",}");
		tmpl_list_append(p->a, out->u.l,
		    typed_value(p, b.data != NULL ? b.data : "", b.len));
		if (p->i < p->n && p->s[p->i] == ',')
			p->i++;
	}
	buf_release(&b);
	if (p->i >= p->n)
		return err_set(p->err, ERR_INVALID,
		    "list must terminate with '}'");
	p->i++;
	return 0;
}

static int
set_value(struct setp *p, struct tmpl_val *out)
{
	struct buf b;

	if (p->i < p->n && p->s[p->i] == '{' && !p->as_string)
		return set_list_value(p, out);
	buf_init(&b, 1 << 20);
	read_until(p, &b, ",");
	*out = typed_value(p, b.data != NULL ? b.data : "", b.len);
	buf_release(&b);
	return 0;
}

static int set_into(struct setp *p, struct tmpl_val *slot, unsigned depth);

/* "[N]" after a key: the slot is a list, grown with nils to N. */
static int
set_index(struct setp *p, struct tmpl_val *slot, unsigned depth)
{
	size_t idx = 0;
	bool any = false;

	p->i++;
	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
		idx = idx * 10 + (size_t)(p->s[p->i++] - '0');
		any = true;
		if (idx > MAX_SET_INDEX)
			return err_set(p->err, ERR_LIMIT,
			    "index of %zu is greater than maximum supported "
			    "index %d",
			    idx, MAX_SET_INDEX);
	}
	if (!any || p->i >= p->n || p->s[p->i] != ']')
		return err_set(p->err, ERR_INVALID, "error parsing index");
	p->i++;
	if (slot->kind != TMPL_LIST)
		*slot = tmpl_list_new(p->a, idx + 1);
	while (slot->u.l->n <= idx)
		tmpl_list_append(p->a, slot->u.l, tmpl_nil());
	return set_into(p, &slot->u.l->items[idx], depth + 1);
}

/* After a key or index: "=value", ".key...", or "[N]...". */
static int
set_into(struct setp *p, struct tmpl_val *slot, unsigned depth)
{
	struct buf key;
	struct tmpl_val *child;
	int rv;

	if (depth > MAX_SET_DEPTH)
		return err_set(p->err, ERR_LIMIT, "--set nested too deeply");
	if (p->i >= p->n)
		return err_set(p->err, ERR_INVALID, "key has no value");
	if (p->s[p->i] == '=') {
		p->i++;
		return set_value(p, slot);
	}
	if (p->s[p->i] == '[')
		return set_index(p, slot, depth);
	if (p->s[p->i] == '.')
		p->i++;
	buf_init(&key, 1 << 16);
	read_until(p, &key, "=.[,");
	if (p->i >= p->n || p->s[p->i] == ',') {
		buf_release(&key);
		return err_set(p->err, ERR_INVALID, "key \"%s\" has no value",
		    key.data != NULL ? key.data : "");
	}
	if (slot->kind != TMPL_MAP)
		*slot = tmpl_map_new(p->a, 0);
	child = tmpl_map_find(slot->u.m, key.data != NULL ? key.data : "",
	    key.len);
	if (child == NULL)
		child = tmpl_map_set(p->a, slot->u.m,
		    key.data != NULL ? key.data : "", key.len, tmpl_nil());
	buf_release(&key);
	rv = set_into(p, child, depth + 1);
	return rv;
}

int
values_set(struct arena *a, struct tmpl_val *vals, const char *expr,
    bool as_string, struct err *err)
{
	struct setp p = { a, expr, 0, strlen(expr), as_string, err };

	while (p.i < p.n) {
		if (set_into(&p, vals, 0) == -1)
			return err_wrap(err, "failed parsing --set data");
		if (p.i < p.n && p.s[p.i] == ',')
			p.i++;
	}
	return 0;
}
