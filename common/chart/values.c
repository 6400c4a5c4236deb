/*
 * Helm's values arithmetic: CoalesceValues (chart defaults under user
 * values, a user null deleting a default, subchart sections and globals
 * pushed down), CoalesceTables and MergeTables, and the cli's mergeMaps
 * for -f files (the --set grammar is in strvals.c). Everything Helm mutates in
 * place is first copied into the rendering's arena, as Helm copies it.
 */
#include "chart/chart_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
