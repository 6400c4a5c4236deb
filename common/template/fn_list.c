/*
 * Sprig's lists, dicts and defaults: list/dict builders, the list
 * functions (first, rest, uniq, without, has, chunk, ...) with Sprig's
 * errors for non-lists, dict access (get, set, dig, pick, omit, ...),
 * mergo's merge rules behind merge and mergeOverwrite (maps merged in
 * place, empty values filled), and empty/default/coalesce/ternary.
 */
#include "template/tmpl_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MERGE_DEPTH 256

/* Sprig's empty(): nil, false, 0, "" and empty collections. */
static bool
is_empty(const struct tmpl_val *v)
{
	return !tmpl_truth(v);
}

static int
not_list(struct call *c, const struct tmpl_val *v, const char *what,
    struct err *err)
{
	(void)c;
	if (v->kind == TMPL_NIL)
		return err_set(err, ERR_INVALID,
		    "runtime error: invalid memory address or nil pointer dereference");
	return err_set(err, ERR_INVALID, "Cannot %s type %s", what,
	    val_kind_name(v));
}

/* The items of a list argument (a []byte counts as a list too). */
static int
list_arg(struct call *c, size_t i, const char *what, struct tmpl_val *out,
    struct err *err)
{
	const struct tmpl_val *v = &c->argv[i];

	if (v->kind == TMPL_LIST) {
		*out = *v;
		return 0;
	}
	if (v->kind == TMPL_STR && v->type == TMPL_T_BYTES) {
		*out = tmpl_list_new(c->a, v->u.s.n);
		for (size_t k = 0; k < v->u.s.n; k++)
			out->u.l->items[out->u.l->n++] = tmpl_int(
			    (unsigned char)v->u.s.p[k]);
		return 0;
	}
	return not_list(c, v, what, err);
}

static struct tmpl_val
list_copy(struct arena *a, const struct tmpl_val *l, size_t from, size_t to)
{
	struct tmpl_val out = tmpl_list_new(a, to > from ? to - from : 0);

	for (size_t i = from; i < to; i++)
		out.u.l->items[out.u.l->n++] = l->u.l->items[i];
	return out;
}

static int
fn_list(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_list_new(c->a, c->argc);
	if (c->argc > 0)
		memcpy(out->u.l->items, c->argv, c->argc * sizeof(*c->argv));
	out->u.l->n = c->argc;
	return 0;
}

static int
fn_push(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val l;

	if (list_arg(c, 0, "push on", &l, err) == -1)
		return -1;
	*out = list_copy(c->a, &l, 0, l.u.l->n);
	tmpl_list_append(c->a, out->u.l, c->argv[1]);
	return 0;
}

static int
fn_prepend(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val l;

	if (list_arg(c, 0, "prepend on", &l, err) == -1)
		return -1;
	*out = tmpl_list_new(c->a, l.u.l->n + 1);
	out->u.l->items[0] = c->argv[1];
	if (l.u.l->n > 0)
		memcpy(out->u.l->items + 1, l.u.l->items,
		    l.u.l->n * sizeof(*l.u.l->items));
	out->u.l->n = l.u.l->n + 1;
	return 0;
}

static int
fn_first_last(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool last = strstr(c->fn->name, "ast") != NULL;
	struct tmpl_val l;

	if (list_arg(c, 0, last ? "find last on" : "find first on", &l, err) ==
	    -1)
		return -1;
	if (l.u.l->n == 0)
		*out = tmpl_nil();
	else
		*out = l.u.l->items[last ? l.u.l->n - 1 : 0];
	return 0;
}

static int
fn_rest_initial(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool rest = strstr(c->fn->name, "est") != NULL;
	struct tmpl_val l;

	if (list_arg(c, 0, rest ? "find rest on" : "find initial on", &l,
	        err) == -1)
		return -1;
	if (l.u.l->n == 0) {
		*out = tmpl_list_new(c->a, 0); /* a nil []interface{}: "[]" */
		return 0;
	}
	*out = rest ? list_copy(c->a, &l, 1, l.u.l->n)
	            : list_copy(c->a, &l, 0, l.u.l->n - 1);
	return 0;
}

static int
fn_reverse(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val l;

	if (list_arg(c, 0, "find reverse on", &l, err) == -1)
		return -1;
	*out = tmpl_list_new(c->a, l.u.l->n);
	for (size_t i = 0; i < l.u.l->n; i++)
		out->u.l->items[i] = l.u.l->items[l.u.l->n - 1 - i];
	out->u.l->n = l.u.l->n;
	return 0;
}

static int
fn_compact(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val l;

	if (list_arg(c, 0, "compact on", &l, err) == -1)
		return -1;
	*out = tmpl_list_new(c->a, l.u.l->n);
	for (size_t i = 0; i < l.u.l->n; i++)
		if (!is_empty(&l.u.l->items[i]))
			out->u.l->items[out->u.l->n++] = l.u.l->items[i];
	return 0;
}

static bool
in_list(const struct tmpl_val *items, size_t n, const struct tmpl_val *v)
{
	for (size_t i = 0; i < n; i++)
		if (val_deep_equal(&items[i], v))
			return true;
	return false;
}

static int
fn_uniq(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val l;

	if (list_arg(c, 0, "find uniq on", &l, err) == -1)
		return -1;
	*out = tmpl_list_new(c->a, l.u.l->n);
	for (size_t i = 0; i < l.u.l->n; i++)
		if (!in_list(out->u.l->items, out->u.l->n, &l.u.l->items[i]))
			out->u.l->items[out->u.l->n++] = l.u.l->items[i];
	return 0;
}

static int
fn_without(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val l;

	if (list_arg(c, 0, "find without on", &l, err) == -1)
		return -1;
	*out = tmpl_list_new(c->a, l.u.l->n);
	for (size_t i = 0; i < l.u.l->n; i++)
		if (!in_list(c->argv + 1, c->argc - 1, &l.u.l->items[i]))
			out->u.l->items[out->u.l->n++] = l.u.l->items[i];
	return 0;
}

static int
fn_has(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val l;

	if (c->argv[1].kind == TMPL_NIL) {
		*out = tmpl_bool(false);
		return 0;
	}
	if (list_arg(c, 1, "find has on", &l, err) == -1)
		return -1;
	*out = tmpl_bool(in_list(l.u.l->items, l.u.l->n, &c->argv[0]));
	return 0;
}

/* Sprig's toInt for slice indexes. */
static int64_t
index_value(const struct tmpl_val *v)
{
	return conv_int64(v);
}

static int
fn_slice(struct tmpl_val *out, struct call *c, struct err *err)
{
	const struct tmpl_val *v = &c->argv[0];
	int64_t start = 0, end;

	if (v->kind != TMPL_LIST)
		return v->kind == TMPL_NIL
		    ? not_list(c, v, "slice", err)
		    : err_set(err, ERR_INVALID,
		          "list should be type of slice or array but %s",
		          val_kind_name(v));
	if (v->u.l->n == 0) {
		*out = tmpl_nil();
		return 0;
	}
	end = (int64_t)v->u.l->n;
	if (c->argc > 1)
		start = index_value(&c->argv[1]);
	if (c->argc > 2)
		end = index_value(&c->argv[2]);
	if (start < 0 || end < start || end > (int64_t)v->u.l->n)
		return err_set(err, ERR_INVALID,
		    "reflect: slice index out of range");
	*out = list_copy(c->a, v, (size_t)start, (size_t)end);
	out->type = v->type;
	return 0;
}

static int
fn_concat(struct tmpl_val *out, struct call *c, struct err *err)
{
	*out = tmpl_list_new(c->a, 0);
	for (size_t i = 0; i < c->argc; i++) {
		struct tmpl_val l;

		if (list_arg(c, i, "concat", &l, err) == -1)
			return err_set(err, ERR_INVALID,
			    "Cannot concat type %s as list",
			    val_kind_name(&c->argv[i]));
		for (size_t k = 0; k < l.u.l->n; k++)
			tmpl_list_append(c->a, out->u.l, l.u.l->items[k]);
	}
	return 0;
}

static int
fn_chunk(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t size = c->argv[0].u.i;
	struct tmpl_val l;
	size_t n;

	if (list_arg(c, 1, "chunk", &l, err) == -1)
		return -1;
	if (size <= 0)
		return err_set(err, ERR_INVALID,
		    "runtime error: integer divide by zero");
	n = l.u.l->n;
	*out = tmpl_list_new(c->a, n / (size_t)size + 1);
	for (size_t i = 0; i < n || (n == 0 && i == 0); i += (size_t)size) {
		size_t end = i + (size_t)size > n ? n : i + (size_t)size;

		tmpl_list_append(c->a, out->u.l, list_copy(c->a, &l, i, end));
		if (n == 0)
			break;
	}
	return 0;
}

static int
str_cmp(const void *x, const void *y)
{
	const struct tmpl_val *a = x, *b = y;
	size_t n = a->u.s.n < b->u.s.n ? a->u.s.n : b->u.s.n;
	int r = memcmp(a->u.s.p, b->u.s.p, n);

	if (r != 0)
		return r;
	return a->u.s.n < b->u.s.n ? -1 : a->u.s.n > b->u.s.n ? 1 : 0;
}

static int
fn_sort_alpha(struct tmpl_val *out, struct call *c, struct err *err)
{
	const struct tmpl_val *v = &c->argv[0];

	(void)err;
	*out = tmpl_list_new(c->a, v->kind == TMPL_LIST ? v->u.l->n : 1);
	out->type = TMPL_T_STRINGS;
	if (v->kind != TMPL_LIST) {
		tmpl_list_append(c->a, out->u.l, val_to_str(c->a, v));
		return 0;
	}
	for (size_t i = 0; i < v->u.l->n; i++)
		if (v->u.l->items[i].kind != TMPL_NIL)
			out->u.l->items[out->u.l->n++] = val_to_str(c->a,
			    &v->u.l->items[i]);
	if (out->u.l->n > 1)
		qsort(out->u.l->items, out->u.l->n, sizeof(*out->u.l->items),
		    str_cmp);
	return 0;
}

/* ---- dicts --------------------------------------------------------------- */

static int
fn_dict(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_map_new(c->a, (c->argc + 1) / 2);
	for (size_t i = 0; i < c->argc; i += 2) {
		struct tmpl_val k = val_to_str(c->a, &c->argv[i]);

		tmpl_map_set(c->a, out->u.m, k.u.s.p, k.u.s.n,
		    i + 1 < c->argc ? c->argv[i + 1] : tmpl_str("", 0));
	}
	return 0;
}

static int
fn_get(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val *v = tmpl_map_find(c->argv[0].u.m, c->argv[1].u.s.p,
	    c->argv[1].u.s.n);

	(void)err;
	*out = v != NULL ? *v : tmpl_str("", 0);
	return 0;
}

static int
nil_map(struct err *err)
{
	return err_set(err, ERR_INVALID, "assignment to entry in nil map");
}

static int
fn_set(struct tmpl_val *out, struct call *c, struct err *err)
{
	if (c->argv[0].kind == TMPL_NIL)
		return nil_map(err);
	tmpl_map_set(c->a, c->argv[0].u.m, c->argv[1].u.s.p, c->argv[1].u.s.n,
	    c->argv[2]);
	*out = c->argv[0];
	return 0;
}

static int
fn_unset(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	if (c->argv[0].kind == TMPL_MAP)
		tmpl_map_delete(c->argv[0].u.m, c->argv[1].u.s.p,
		    c->argv[1].u.s.n);
	*out = c->argv[0];
	return 0;
}

static int
fn_has_key(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(c->argv[0].kind == TMPL_MAP &&
	    tmpl_map_find(c->argv[0].u.m, c->argv[1].u.s.p, c->argv[1].u.s.n) !=
	        NULL);
	return 0;
}

static int
fn_pluck(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_list_new(c->a, c->argc);
	for (size_t i = 1; i < c->argc; i++) {
		struct tmpl_val *v;

		if (c->argv[i].kind != TMPL_MAP)
			continue;
		v = tmpl_map_find(c->argv[i].u.m, c->argv[0].u.s.p,
		    c->argv[0].u.s.n);
		if (v != NULL)
			tmpl_list_append(c->a, out->u.l, *v);
	}
	return 0;
}

static int
fn_keys(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_list_new(c->a, 0);
	out->type = TMPL_T_STRINGS;
	for (size_t i = 0; i < c->argc; i++) {
		const struct tmpl_map *m = c->argv[i].kind == TMPL_MAP
		    ? c->argv[i].u.m
		    : NULL;

		for (size_t k = 0; m != NULL && k < m->n; k++)
			tmpl_list_append(c->a, out->u.l,
			    tmpl_str(m->items[k].key, m->items[k].keylen));
	}
	return 0;
}

static int
fn_values(struct tmpl_val *out, struct call *c, struct err *err)
{
	const struct tmpl_map *m = c->argv[0].kind == TMPL_MAP ? c->argv[0].u.m
	                                                       : NULL;

	(void)err;
	*out = tmpl_list_new(c->a, m != NULL ? m->n : 0);
	for (size_t k = 0; m != NULL && k < m->n; k++)
		out->u.l->items[out->u.l->n++] = m->items[k].val;
	return 0;
}

static bool
key_listed(const struct call *c, const struct tmpl_pair *p)
{
	for (size_t i = 1; i < c->argc; i++)
		if (c->argv[i].u.s.n == p->keylen &&
		    memcmp(c->argv[i].u.s.p, p->key, p->keylen) == 0)
			return true;
	return false;
}

static int
pick_omit(struct tmpl_val *out, struct call *c, bool pick)
{
	const struct tmpl_map *m = c->argv[0].kind == TMPL_MAP ? c->argv[0].u.m
	                                                       : NULL;

	*out = tmpl_map_new(c->a, 0);
	for (size_t k = 0; m != NULL && k < m->n; k++)
		if (key_listed(c, &m->items[k]) == pick)
			tmpl_map_set(c->a, out->u.m, m->items[k].key,
			    m->items[k].keylen, m->items[k].val);
	return 0;
}

static int
fn_pick(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return pick_omit(out, c, true);
}

static int
fn_omit(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return pick_omit(out, c, false);
}

static int merge_map(struct arena *a, struct tmpl_map *dst,
    const struct tmpl_map *src, bool overwrite, unsigned depth,
    struct err *err);

/* mergo's deepMerge for one key of src (value sv) into dst. */
static int
merge_key(struct arena *a, struct tmpl_map *dst, const struct tmpl_pair *p,
    bool overwrite, unsigned depth, struct err *err)
{
	const struct tmpl_val *sv = &p->val;
	struct tmpl_val *hit = tmpl_map_find(dst, p->key, p->keylen);
	struct tmpl_val dv = hit != NULL ? *hit : tmpl_nil();
	bool have = hit != NULL, kept;

	if (sv->kind == TMPL_NIL) {
		if (overwrite)
			tmpl_map_set(a, dst, p->key, p->keylen, *sv);
		return 0;
	}
	if (sv->kind == TMPL_MAP && dv.kind == TMPL_MAP &&
	    merge_map(a, dv.u.m, sv->u.m, overwrite, depth + 1, err) == -1)
		return -1;
	if (sv->kind == TMPL_LIST) /* dst keeps its list unless it may not */
		tmpl_map_set(a, dst, p->key, p->keylen,
		    overwrite || dst->n == 0   ? *sv
		        : dv.kind == TMPL_LIST ? dv
		                               : tmpl_list_new(a, 0));
	kept = have && !is_empty(&dv) &&
	    (sv->kind == TMPL_LIST ||
	        (sv->kind == TMPL_MAP && dv.kind == TMPL_MAP));
	if (!kept && (overwrite || !have || is_empty(&dv)))
		tmpl_map_set(a, dst, p->key, p->keylen, *sv);
	return 0;
}

/*
 * mergo's Merge (and MergeWithOverwrite) of src into dst: nested maps
 * merge in place, a missing or empty dst value takes src's (the same
 * map or list, not a copy), lists are never merged element-wise.
 */
static int
merge_map(struct arena *a, struct tmpl_map *dst, const struct tmpl_map *src,
    bool overwrite, unsigned depth, struct err *err)
{
	if (depth > MAX_MERGE_DEPTH)
		return err_set(err, ERR_LIMIT, "merge nested deeper than %d",
		    MAX_MERGE_DEPTH);
	for (size_t i = 0; i < src->n; i++)
		if (merge_key(a, dst, &src->items[i], overwrite, depth, err) ==
		    -1)
			return -1;
	return 0;
}

static int
merge_all(struct tmpl_val *out, struct call *c, bool overwrite, struct err *err)
{
	if (c->argv[0].kind == TMPL_NIL)
		return nil_map(err);
	for (size_t i = 1; i < c->argc; i++)
		if (c->argv[i].kind == TMPL_MAP &&
		    merge_map(c->a, c->argv[0].u.m, c->argv[i].u.m, overwrite,
		        0, err) == -1)
			return -1;
	*out = c->argv[0];
	return 0;
}

static int
fn_merge(struct tmpl_val *out, struct call *c, struct err *err)
{
	return merge_all(out, c, false, err);
}

static int
fn_merge_overwrite(struct tmpl_val *out, struct call *c, struct err *err)
{
	return merge_all(out, c, true, err);
}

static int
fn_deep_copy(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_copy(c->a, &c->argv[0]);
	return 0;
}

static int
fn_dig(struct tmpl_val *out, struct call *c, struct err *err)
{
	const struct tmpl_val *m;

	if (c->argc < 3)
		return err_set(err, ERR_INVALID,
		    "dig needs at least three arguments");
	m = &c->argv[c->argc - 1];
	for (size_t i = 0; i + 2 < c->argc; i++) {
		struct tmpl_val *v;

		if (m->kind != TMPL_MAP || m->type != TMPL_T_DEFAULT)
			return err_set(err, ERR_INVALID,
			    "interface conversion: interface {} is %s, not "
			    "map[string]interface {}",
			    m->kind == TMPL_NIL ? "nil" : val_type_name(m));
		if (c->argv[i].kind != TMPL_STR)
			return err_set(err, ERR_INVALID,
			    "interface conversion: interface {} is %s, not string",
			    val_type_name(&c->argv[i]));
		v = tmpl_map_find(m->u.m, c->argv[i].u.s.p, c->argv[i].u.s.n);
		if (v == NULL) {
			*out = c->argv[c->argc - 2];
			return 0;
		}
		m = v;
	}
	*out = *m;
	return 0;
}

/* ---- defaults ------------------------------------------------------------ */

static int
fn_empty(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(is_empty(&c->argv[0]));
	return 0;
}

static int
fn_default(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	if (c->argc < 2 || is_empty(&c->argv[1]))
		*out = c->argv[0];
	else
		*out = c->argv[1];
	return 0;
}

static int
fn_coalesce(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_nil();
	for (size_t i = 0; i < c->argc; i++)
		if (!is_empty(&c->argv[i])) {
			*out = c->argv[i];
			break;
		}
	return 0;
}

static int
fn_all_any(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool all = strcmp(c->fn->name, "all") == 0, r = all;

	(void)err;
	for (size_t i = 0; i < c->argc; i++) {
		if (all && is_empty(&c->argv[i]))
			r = false;
		if (!all && !is_empty(&c->argv[i]))
			r = true;
	}
	*out = tmpl_bool(r);
	return 0;
}

static int
fn_ternary(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = c->argv[2].u.b ? c->argv[0] : c->argv[1];
	return 0;
}

static const struct tmpl_func fns[] = {
	{ "all", "*a", fn_all_any, 0 },
	{ "any", "*a", fn_all_any, 0 },
	{ "append", "aa", fn_push, 0 },
	{ "chunk", "ia", fn_chunk, 0 },
	{ "coalesce", "*a", fn_coalesce, 0 },
	{ "compact", "a", fn_compact, 0 },
	{ "concat", "*a", fn_concat, 0 },
	{ "deepCopy", "a", fn_deep_copy, 0 },
	{ "default", "a*a", fn_default, 0 },
	{ "dict", "*a", fn_dict, 0 },
	{ "dig", "*a", fn_dig, 0 },
	{ "empty", "a", fn_empty, 0 },
	{ "first", "a", fn_first_last, 0 },
	{ "get", "ms", fn_get, 0 },
	{ "has", "aa", fn_has, 0 },
	{ "hasKey", "ms", fn_has_key, 0 },
	{ "initial", "a", fn_rest_initial, 0 },
	{ "keys", "*m", fn_keys, 0 },
	{ "last", "a", fn_first_last, 0 },
	{ "list", "*a", fn_list, 0 },
	{ "merge", "m*m", fn_merge, 0 },
	{ "mergeOverwrite", "m*m", fn_merge_overwrite, 0 },
	{ "mustAppend", "aa", fn_push, 0 },
	{ "mustChunk", "ia", fn_chunk, 0 },
	{ "mustCompact", "a", fn_compact, 0 },
	{ "mustDeepCopy", "a", fn_deep_copy, 0 },
	{ "mustFirst", "a", fn_first_last, 0 },
	{ "mustHas", "aa", fn_has, 0 },
	{ "mustInitial", "a", fn_rest_initial, 0 },
	{ "mustLast", "a", fn_first_last, 0 },
	{ "mustMerge", "m*m", fn_merge, 0 },
	{ "mustMergeOverwrite", "m*m", fn_merge_overwrite, 0 },
	{ "mustPrepend", "aa", fn_prepend, 0 },
	{ "mustPush", "aa", fn_push, 0 },
	{ "mustRest", "a", fn_rest_initial, 0 },
	{ "mustReverse", "a", fn_reverse, 0 },
	{ "mustSlice", "a*a", fn_slice, 0 },
	{ "mustUniq", "a", fn_uniq, 0 },
	{ "mustWithout", "a*a", fn_without, 0 },
	{ "omit", "m*s", fn_omit, 0 },
	{ "pick", "m*s", fn_pick, 0 },
	{ "pluck", "s*m", fn_pluck, 0 },
	{ "prepend", "aa", fn_prepend, 0 },
	{ "push", "aa", fn_push, 0 },
	{ "rest", "a", fn_rest_initial, 0 },
	{ "reverse", "a", fn_reverse, 0 },
	{ "set", "msa", fn_set, 0 },
	{ "slice", "a*a", fn_slice, 0 },
	{ "sortAlpha", "a", fn_sort_alpha, 0 },
	{ "ternary", "aab", fn_ternary, 0 },
	{ "tuple", "*a", fn_list, 0 },
	{ "uniq", "a", fn_uniq, 0 },
	{ "unset", "ms", fn_unset, 0 },
	{ "values", "m", fn_values, 0 },
	{ "without", "a*a", fn_without, 0 },
};

const struct func_table fn_list_table = { fns, sizeof(fns) / sizeof(fns[0]) };
