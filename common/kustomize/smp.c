/*
 * Strategic merge patches, as kustomize v5 applies them (kyaml's merge2
 * walker with list items prepended): maps merge field by field in key
 * order, a null in the patch deletes, "$patch: delete|replace|merge"
 * directs a map or a list, and lists merge by key only where the schema
 * says so (patch items first, then the rest); other lists are replaced.
 * kustomize does not know $setElementOrder, $retainKeys or
 * $deleteFromPrimitiveList and keeps them as ordinary fields; so does
 * flint, since its output must match kustomize's.
 */
#include "kustomize/kz_int.h"

#include <stdlib.h>
#include <string.h>

enum directive {
	DIR_UNKNOWN,
	DIR_REPLACE,
	DIR_DELETE,
	DIR_MERGE,
};

struct smp {
	struct arena *a;
	const struct kz_schema *schema;
	struct err *err;
	unsigned depth;
};

/* A walk's result: a node to set (keep marks a null to write anyway) or
 * nothing, meaning the field goes. */
struct res {
	struct doc_node *n;
	bool keep;
};

static int walk(struct smp *w, struct res *out, struct doc_node *dest,
    struct doc_node *origin, const struct doc_node *schema);

static bool
missing_or_null(const struct doc_node *n)
{
	return n == NULL || n->kind == DOC_NULL;
}

/* A node's "Value" as kyaml compares them: collections have none. */
static const char *
value_of(const struct doc_node *n)
{
	if (n == NULL || !doc_is_scalar(n))
		return "";
	return doc_str(n);
}

static int
wrong_kind(struct smp *w, const struct doc_node *n)
{
	return err_set(w->err, ERR_INVALID,
	    "line %u: the patch and the object disagree on a field's kind",
	    n->line);
}

/* ---- directives --------------------------------------------------------- */

static enum directive
directive_word(const char *v)
{
	if (strcmp(v, "delete") == 0)
		return DIR_DELETE;
	if (strcmp(v, "replace") == 0)
		return DIR_REPLACE;
	if (strcmp(v, "merge") == 0)
		return DIR_MERGE;
	return DIR_UNKNOWN;
}

/* kyaml's FieldMatcher on one item: "" as the value matches any. */
static bool
item_matches(const struct doc_node *it, const char *key, const char *value)
{
	const struct doc_node *f;

	if (key[0] == '\0')
		return strcmp(value_of(it), value) == 0;
	if (it->kind != DOC_MAP)
		return false;
	f = doc_map_get(it, key);
	return f != NULL &&
	    (value[0] == '\0' || strcmp(value_of(f), value) == 0);
}

enum verdict {
	SKIP,  /* dropped: empty items always go */
	KEEP,  /* kept as is */
	MATCH, /* replaced by the new item (or removed) */
};

/* What ElementSetter does with one item. With fewer values than keys,
 * the last comparison stands for the rest, as in kyaml. */
static enum verdict
element_verdict(const struct doc_node *it, const char *const *keys,
    size_t nkeys, const char *const *values, size_t nvalues, bool mapping)
{
	bool have = false;

	if (missing_or_null(it) || (it->kind == DOC_MAP && it->u.map.n == 0))
		return SKIP;
	if (it->kind != DOC_MAP && mapping)
		return KEEP;
	for (size_t k = 0; k < nkeys; k++) {
		if (k < nvalues)
			have = item_matches(it, keys[k], values[k]);
		if (!have) /* unmatched items stay only when values were given
		            */
			return nvalues > 0 ? KEEP : SKIP;
	}
	return MATCH;
}

/* kyaml's ElementSetter: replaces (or with elem NULL removes) the items
 * matching keys=values, drops empty items, appends elem when nothing
 * matched. */
static void
element_set(struct smp *w, struct doc_node *seq, struct doc_node *elem,
    const char *const *keys, size_t nkeys, const char *const *values,
    size_t nvalues)
{
	static const char *const none[] = { "" };
	bool mapping, found_any = false;
	size_t j = 0;

	if (nkeys == 0) {
		keys = none;
		nkeys = 1;
	}
	mapping = keys[0][0] != '\0' && nvalues > 0 && values[0][0] != '\0';
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		struct doc_node *it = seq->u.seq.items[i];

		switch (element_verdict(it, keys, nkeys, values, nvalues,
		    mapping)) {
		case KEEP:
			seq->u.seq.items[j++] = it;
			break;
		case MATCH:
			found_any = true;
			if (elem != NULL)
				seq->u.seq.items[j++] = elem;
			break;
		default:
			break;
		}
	}
	seq->u.seq.n = j;
	if (!missing_or_null(elem) && !found_any)
		doc_seq_append(w->a, seq, elem);
}

/* kyaml's determine*PatchStrategy: reads and strips "$patch". */
static int
directive(struct smp *w, enum directive *out, struct doc_node *patch)
{
	const struct doc_node *v;

	*out = DIR_MERGE;
	if (patch == NULL)
		return 0;
	if (patch->kind == DOC_MAP) {
		v = doc_map_get(patch, "$patch");
		if (v == NULL)
			return 0;
		*out = directive_word(value_of(v));
		if (*out == DIR_UNKNOWN)
			return err_set(w->err, ERR_INVALID,
			    "unknown patch strategy '%s'", value_of(v));
		doc_map_delete(patch, "$patch", 6);
		return 0;
	}
	if (patch->kind != DOC_SEQ) {
		*out = DIR_UNKNOWN;
		return err_set(w->err, ERR_INVALID,
		    "no implemented strategic merge patch strategy for a "
		    "scalar");
	}
	for (size_t i = 0; i < patch->u.seq.n; i++) {
		struct doc_node *it = patch->u.seq.items[i];
		const char *key = "$patch", *word;

		if (it->kind != DOC_MAP || doc_map_get(it, "$patch") == NULL)
			continue;
		if (it->u.map.n > 1)
			return 0; /* kyaml only honours "- $patch: x" alone */
		word = value_of(doc_map_get(it, "$patch"));
		*out = directive_word(word);
		if (*out == DIR_UNKNOWN)
			return err_set(w->err, ERR_INVALID,
			    "unknown patch strategy '%s'", word);
		element_set(w, patch, NULL, &key, 1, &word, 1);
		return 0;
	}
	return 0;
}

/* ---- maps --------------------------------------------------------------- */

static int
visit_map(struct smp *w, struct res *out, struct doc_node *dest,
    struct doc_node *origin)
{
	enum directive d = DIR_MERGE;

	out->n = NULL;
	out->keep = false;
	if (missing_or_null(dest)) {
		/* kyaml ignores a bad directive here */
		if (origin != NULL &&
		    (origin->kind == DOC_MAP || origin->kind == DOC_SEQ) &&
		    directive(w, &d, origin) == -1) {
			err_reset(w->err);
			d = DIR_UNKNOWN;
		}
		if (d == DIR_DELETE)
			return 0;
		if (origin == NULL && dest != NULL &&
		    value_of(dest)[0] != '\0') {
			out->n = dest; /* "x: null" stays when untouched */
			out->keep = true;
			return 0;
		}
		out->n = origin;
		return 0;
	}
	if (origin != NULL && origin->kind == DOC_NULL)
		return 0;
	if (directive(w, &d, origin) == -1)
		return -1;
	if (d == DIR_DELETE)
		return 0;
	out->n = d == DIR_REPLACE ? origin : dest;
	return 0;
}

static int
key_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The sorted union of both maps' keys. */
static size_t
field_names(const char ***out, struct arena *a, const struct doc_node *x,
    const struct doc_node *y)
{
	size_t n = 0, cap = 0, k = 0;
	const char **v;

	if (x != NULL && x->kind == DOC_MAP)
		cap += x->u.map.n;
	if (y != NULL && y->kind == DOC_MAP)
		cap += y->u.map.n;
	v = arena_calloc(a, cap > 0 ? cap : 1, sizeof(*v));
	for (int s = 0; s < 2; s++) {
		const struct doc_node *m = s == 0 ? x : y;

		for (size_t i = 0;
		     m != NULL && m->kind == DOC_MAP && i < m->u.map.n; i++)
			v[n++] = doc_str(m->u.map.items[i].key);
	}
	if (n > 1)
		qsort(v, n, sizeof(*v), key_cmp);
	for (size_t i = 0; i < n; i++)
		if (k == 0 || strcmp(v[k - 1], v[i]) != 0)
			v[k++] = v[i];
	*out = v;
	return k;
}

/* kyaml's FieldSetter on a map: a missing result or an unkept null
 * removes the field. */
static void
set_field(struct smp *w, struct doc_node *map, const char *key,
    const struct res *r)
{
	if (map->kind != DOC_MAP)
		return;
	if (r->n == NULL || (r->n->kind == DOC_NULL && !r->keep)) {
		doc_map_delete(map, key, strlen(key));
		return;
	}
	doc_map_set(w->a, map, key, strlen(key), r->n);
}

static int
walk_map(struct smp *w, struct res *out, struct doc_node *dest,
    struct doc_node *origin, const struct doc_node *schema)
{
	const char **keys;
	size_t n;

	if (visit_map(w, out, dest, origin) == -1)
		return -1;
	if (out->n == NULL)
		return 0;
	dest = out->n; /* may be origin: kyaml then walks it against itself */
	n = field_names(&keys, w->a, dest, origin);
	for (size_t i = 0; i < n; i++) {
		const struct doc_node *s = kz_schema_field(w->schema, schema,
		    keys[i]);
		struct doc_node *dv = doc_map_get(dest, keys[i]);
		struct doc_node *ov = doc_map_get(origin, keys[i]);
		struct res r;

		if (walk(w, &r, dv, ov, s) == -1)
			return err_wrap(w->err, "'%s'", keys[i]);
		set_field(w, dest, keys[i], &r);
	}
	return 0;
}

/* ---- lists ------------------------------------------------------------ */

struct tuples {
	const char ***v; /* each a list of nkeys values */
	size_t n;
};

static bool
tuple_equal(const char **x, const char **y, size_t nkeys)
{
	for (size_t i = 0; i < nkeys; i++)
		if (strcmp(x[i], y[i]) != 0)
			return false;
	return true;
}

/* One item's key values; null and empty ones read as "". */
static const char **
tuple_of(struct arena *a, const struct doc_node *item, const char *const *keys,
    size_t nkeys)
{
	const char **t = arena_calloc(a, nkeys, sizeof(*t));

	for (size_t k = 0; k < nkeys; k++) {
		const struct doc_node *f = doc_map_get(item, keys[k]);

		t[k] = f == NULL || f->kind == DOC_NULL ||
		        (f->kind == DOC_MAP && f->u.map.n == 0) ||
		        (f->kind == DOC_SEQ && f->u.seq.n == 0)
		    ? ""
		    : value_of(f);
	}
	return t;
}

/* kyaml's elementValues: the key values of the patch's items, then the
 * object's, each distinct tuple once. */
static void
element_values(struct smp *w, struct tuples *out, struct doc_node *dest,
    struct doc_node *origin, const char *const *keys, size_t nkeys)
{
	struct doc_node *srcs[2] = { origin, dest };
	size_t cap = 0;

	out->n = 0;
	for (int s = 0; s < 2; s++)
		if (srcs[s] != NULL && srcs[s]->kind == DOC_SEQ)
			cap += srcs[s]->u.seq.n;
	out->v = arena_calloc(w->a, cap > 0 ? cap : 1, sizeof(*out->v));
	for (int s = 0; s < 2 && nkeys > 0; s++) {
		struct doc_node *src = srcs[s];

		for (size_t i = 0;
		     src != NULL && src->kind == DOC_SEQ && i < src->u.seq.n;
		     i++) {
			const char **t = tuple_of(w->a, src->u.seq.items[i],
			    keys, nkeys);
			bool seen = false;

			for (size_t j = 0; j < out->n && !seen; j++)
				seen = tuple_equal(out->v[j], t, nkeys);
			if (!seen)
				out->v[out->n++] = t;
		}
	}
}

/* For primitive lists: each distinct scalar, the patch's first. */
static void
primitive_values(struct smp *w, struct tuples *out, struct doc_node *dest,
    struct doc_node *origin)
{
	struct doc_node *srcs[2] = { origin, dest };
	size_t cap = 0;

	out->n = 0;
	for (int s = 0; s < 2; s++)
		if (srcs[s] != NULL && srcs[s]->kind == DOC_SEQ)
			cap += srcs[s]->u.seq.n;
	out->v = arena_calloc(w->a, cap > 0 ? cap : 1, sizeof(*out->v));
	for (int s = 0; s < 2; s++) {
		struct doc_node *src = srcs[s];

		for (size_t i = 0;
		     src != NULL && src->kind == DOC_SEQ && i < src->u.seq.n;
		     i++) {
			const char *v = value_of(src->u.seq.items[i]);
			bool seen = false;

			for (size_t j = 0; j < out->n && !seen; j++)
				seen = strcmp(out->v[j][0], v) == 0;
			if (seen)
				continue;
			out->v[out->n] = arena_alloc(w->a, sizeof(char *));
			out->v[out->n++][0] = v;
		}
	}
}

/* kyaml's match(): x and y agree where both have values and share one;
 * *res then takes a value from either. */
static bool
tuples_match(const char ***res, const char **x, const char **y, size_t nkeys,
    struct arena *a)
{
	const char **r = arena_calloc(a, nkeys, sizeof(*r));
	bool common = false;

	for (size_t k = 0; k < nkeys; k++) {
		if (strcmp(x[k], y[k]) == 0) {
			common = true;
			r[k] = x[k];
		} else if (x[k][0] != '\0' && y[k][0] != '\0') {
			return false;
		} else {
			r[k] = x[k][0] != '\0' ? x[k] : y[k];
		}
	}
	*res = r;
	return common;
}

/* kyaml's mergeValues: tuples that match take each other's values. */
static void
merge_values(struct tuples *t, size_t nkeys, struct arena *a)
{
	for (size_t i = 0; i < t->n; i++) {
		for (size_t j = 0; j < t->n; j++) {
			const char **res;

			if (tuples_match(&res, t->v[i], t->v[j], nkeys, a)) {
				t->v[i] = res;
				t->v[j] = res;
			}
		}
	}
}

/* kyaml's validateKeys: the keys some tuple has a value for. */
static size_t
valid_keys(const char ***vk, struct arena *a, const struct tuples *t,
    const char *const *keys, size_t nkeys)
{
	const char **out = arena_calloc(a, nkeys > 0 ? nkeys : 1, sizeof(*out));
	size_t n = 0;

	for (size_t k = 0; k < nkeys; k++) {
		bool valid = false;

		for (size_t i = 0; i < t->n && !valid; i++)
			valid = t->v[i][k][0] != '\0';
		if (valid)
			out[n++] = keys[k];
	}
	if (n == 0) {
		for (size_t k = 0; k < nkeys; k++)
			out[k] = keys[k];
		n = nkeys;
	}
	*vk = out;
	return n;
}

static size_t
valid_values(const char ***vv, struct arena *a, const char **tuple,
    const char *const *keys, size_t nkeys, const char *const *vkeys,
    size_t nvkeys)
{
	const char **out = arena_calloc(a, nkeys > 0 ? nkeys : 1, sizeof(*out));
	size_t n = 0;

	for (size_t k = 0; k < nkeys; k++) {
		bool valid = false;

		for (size_t j = 0; j < nvkeys && !valid; j++)
			valid = strcmp(vkeys[j], keys[k]) == 0;
		if (tuple[k][0] != '\0' || valid)
			out[n++] = tuple[k];
	}
	*vv = out;
	return n;
}

/* kyaml's ElementList: the first map item whose keys have the values. */
static struct doc_node *
element_list(struct doc_node *seq, const char *const *keys, size_t nkeys,
    const char *const *values)
{
	if (seq == NULL || seq->kind != DOC_SEQ)
		return NULL;
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		struct doc_node *it = seq->u.seq.items[i];
		bool match = true;

		if (nkeys == 0 || keys[0][0] == '\0') {
			if (strcmp(value_of(it), values[0]) == 0)
				return it;
			continue;
		}
		if (it->kind != DOC_MAP)
			continue;
		for (size_t k = 0; k < nkeys && match; k++) {
			const struct doc_node *f = doc_map_get(it, keys[k]);

			match = f != NULL &&
			    strcmp(value_of(f), values[k]) == 0;
		}
		if (match)
			return it;
	}
	return NULL;
}

/* The item sources for one tuple (elementValueList: keys re-validated
 * against the tuple alone). */
static void
item_sources(struct doc_node **d, struct doc_node **o, struct doc_node *dest,
    struct doc_node *origin, const char *const *vk, size_t nvk,
    const char *const *vv, struct arena *a)
{
	const char **k2 = arena_calloc(a, nvk > 0 ? nvk : 1, sizeof(*k2));
	const char **v2 = arena_calloc(a, nvk > 0 ? nvk : 1, sizeof(*v2));
	size_t n = 0;

	for (size_t i = 0; i < nvk; i++)
		if (vv[i][0] != '\0') {
			k2[n] = vk[i];
			v2[n++] = vv[i];
		}
	if (n == 0) {
		for (size_t i = 0; i < nvk; i++) {
			k2[i] = vk[i];
			v2[i] = vv[i];
		}
		n = nvk;
	}
	*d = element_list(dest, k2, n, v2);
	*o = element_list(origin, k2, n, v2);
}

/* kyaml's appendListNode(dst=the merged items, src=the object's list). */
static void
append_list(struct smp *w, struct doc_node *dst, struct doc_node *src,
    const char *const *keys, size_t nkeys)
{
	for (size_t i = 0; i < src->u.seq.n; i++) {
		struct doc_node *it = src->u.seq.items[i];
		const char **v = arena_calloc(w->a, nkeys > 0 ? nkeys : 1,
		    sizeof(*v));
		size_t nv = 0;

		if (nkeys == 0 || keys[0][0] == '\0') {
			const char *val = value_of(it);
			const char *k = "";

			element_set(w, dst, it, &k, 1, &val, 1);
			continue;
		}
		for (size_t k = 0; k < nkeys; k++) {
			const struct doc_node *f = doc_map_get(it, keys[k]);

			if (f == NULL) {
				doc_seq_append(w->a, dst, it);
				continue;
			}
			v[nv++] = value_of(f);
		}
		if (nkeys > 1)
			element_set(w, dst, NULL, keys, nkeys, v, nv);
		element_set(w, dst, it, keys, nkeys, v, nv);
	}
}

static int
merge_item(struct smp *w, struct doc_node *dest, struct doc_node *origin,
    struct doc_node *items, const char *const *vk, size_t nvk, const char **vv,
    const struct doc_node *esch)
{
	struct doc_node *d, *o;
	struct res r;

	item_sources(&d, &o, dest, origin, vk, nvk, vv, w->a);
	if (walk(w, &r, d, o, esch) == -1)
		return -1;
	for (size_t k = 0; k < nvk; k++) {
		if (missing_or_null(r.n) ||
		    (r.n->kind == DOC_MAP && r.n->u.map.n == 0)) {
			element_set(w, dest, NULL, vk, nvk, vv, nvk);
			return 0;
		}
		if (r.n->kind == DOC_MAP && doc_map_get(r.n, vk[k]) == NULL &&
		    vv[k][0] != '\0')
			doc_map_set(w->a, r.n, vk[k], strlen(vk[k]),
			    doc_new_plain(w->a, vv[k], strlen(vv[k])));
	}
	element_set(w, items, r.n, vk, nvk, vv, nvk);
	return 0;
}

static int
set_assoc_elements(struct smp *w, struct res *out, struct tuples *t,
    const char *const *keys, size_t nkeys, struct doc_node *dest,
    struct doc_node *origin, const struct doc_node *schema)
{
	const struct doc_node *esch = kz_schema_elements(w->schema, schema);
	struct doc_node *items = doc_new_seq(w->a);
	const char **vk = NULL;
	size_t nvk = 0;

	if (nkeys > 1)
		merge_values(t, nkeys, w->a);
	/* the same for every tuple: it depends on all of them */
	nvk = valid_keys(&vk, w->a, t, keys, nkeys);
	for (size_t i = 0; i < t->n; i++) {
		const char **vv;

		if (valid_values(&vv, w->a, t->v[i], keys, nkeys, vk, nvk) !=
		    nvk)
			continue;
		if (merge_item(w, dest, origin, items, vk, nvk, vv, esch) == -1)
			return -1;
	}
	if (t->n > 0) {
		append_list(w, items, dest, vk, nvk);
		dest = items;
	}
	out->n = missing_or_null(dest) ? NULL : dest;
	out->keep = false;
	return 0;
}

static int
visit_list(struct smp *w, struct res *out, struct doc_node *dest,
    struct doc_node *origin)
{
	enum directive d;

	out->keep = false;
	out->n = NULL;
	if (missing_or_null(dest)) {
		out->n = origin;
		return 0;
	}
	if (origin != NULL && origin->kind == DOC_NULL)
		return 0;
	if (directive(w, &d, origin) == -1)
		return -1;
	if (d == DIR_DELETE)
		return 0;
	out->n = d == DIR_REPLACE ? origin : dest;
	return 0;
}

static int
walk_assoc(struct smp *w, struct res *out, struct doc_node *dest,
    struct doc_node *origin, const struct doc_node *schema)
{
	const char **keys;
	size_t nkeys;
	struct tuples t;
	static const char *const prim[] = { "" };

	if (visit_list(w, out, dest, origin) == -1)
		return -1;
	if (out->n == NULL)
		return 0;
	dest = out->n;
	nkeys = kz_schema_keys(&keys, w->a, schema);
	element_values(w, &t, dest, origin, keys, nkeys);
	if (t.n != 0 || nkeys > 0)
		return set_assoc_elements(w, out, &t, keys, nkeys, dest, origin,
		    schema);
	primitive_values(w, &t, dest, origin);
	return set_assoc_elements(w, out, &t, prim, 1, dest, origin, schema);
}

/* ---- dispatch ----------------------------------------------------------- */

static const struct doc_node *
schema_of(struct smp *w, const struct doc_node *schema,
    const struct doc_node *dest, const struct doc_node *origin)
{
	const struct doc_node *srcs[2] = { dest, origin };

	if (schema != NULL)
		return schema;
	for (int i = 0; i < 2; i++) {
		const struct doc_node *s = srcs[i];

		if (missing_or_null(s) || s->kind != DOC_MAP)
			continue;
		s = kz_schema_for_type(w->schema, w->a,
		    kz_get_str(s, "apiVersion"), kz_get_str(s, "kind"));
		if (s != NULL)
			return s;
	}
	return NULL;
}

static bool
same_shape(const struct doc_node *n, enum doc_kind k)
{
	if (missing_or_null(n))
		return true;
	if (k == DOC_MAP || k == DOC_SEQ)
		return n->kind == k;
	return doc_is_scalar(n);
}

static int
walk_kind(struct smp *w, struct res *out, struct doc_node *dest,
    struct doc_node *origin, const struct doc_node *schema, enum doc_kind k)
{
	if (k == DOC_SEQ && schema != NULL && kz_schema_merges(schema))
		return walk_assoc(w, out, dest, origin, schema);
	if (k == DOC_SEQ || k == DOC_STR) {
		/* a list without a merge strategy, or a scalar: the patch's */
		out->n = origin != NULL ? origin : dest;
		out->keep = false;
		return 0;
	}
	return walk_map(w, out, dest, origin, schema);
}

static int
walk(struct smp *w, struct res *out, struct doc_node *dest,
    struct doc_node *origin, const struct doc_node *schema)
{
	const struct doc_node *first = !missing_or_null(dest) ? dest
	    : !missing_or_null(origin)                        ? origin
	                                                      : NULL;
	enum doc_kind k = first != NULL ? first->kind : DOC_NULL;
	int rv;

	schema = schema_of(w, schema, dest, origin);
	if (k != DOC_MAP && k != DOC_SEQ && first != NULL)
		k = DOC_STR; /* any scalar */
	if (!same_shape(dest, k) || !same_shape(origin, k))
		return wrong_kind(w, same_shape(dest, k) ? origin : dest);
	if (++w->depth > 512) {
		w->depth--;
		return err_set(w->err, ERR_LIMIT, "patch nested too deeply");
	}
	rv = walk_kind(w, out, dest, origin, schema, k);
	w->depth--;
	return rv;
}

int
kz_smp_apply(struct arena *a, const struct kz_schema *schema,
    struct doc_node **dst, struct doc_node *patch, struct err *err)
{
	struct smp w = { a, schema, err, 0 };
	struct res r;

	if (walk(&w, &r, *dst, patch, NULL) == -1)
		return -1;
	*dst = r.n;
	return 0;
}
