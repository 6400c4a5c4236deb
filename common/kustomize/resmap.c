/*
 * The ordered list of a build's objects: appending with kustomize's ID
 * conflict check (a hash of current IDs, so large builds stay linear),
 * absorbing generated objects (create, merge, replace), lookups by any
 * earlier identity, and the legacy output order.
 */
#include "kustomize/kz_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* ---- a set of ID strings ------------------------------------------------ */

struct idset {
	const char **slot;
	size_t cap, n;
};

static uint64_t
str_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static void idset_add(struct idset *s, const char *key);

static void
idset_grow(struct idset *s)
{
	struct idset old = *s;

	s->cap = old.cap == 0 ? 64 : old.cap * 2;
	s->slot = xcalloc(s->cap, sizeof(*s->slot));
	s->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.slot[i] != NULL)
			idset_add(s, old.slot[i]);
	free(old.slot);
}

/* Adds key; returns without change when it is there already. */
static void
idset_add(struct idset *s, const char *key)
{
	size_t i;

	if ((s->n + 1) * 2 > s->cap)
		idset_grow(s);
	for (i = str_hash(key) & (s->cap - 1); s->slot[i] != NULL;
	     i = (i + 1) & (s->cap - 1))
		if (strcmp(s->slot[i], key) == 0)
			return;
	s->slot[i] = key;
	s->n++;
}

static bool
idset_has(const struct idset *s, const char *key)
{
	if (s->cap == 0)
		return false;
	for (size_t i = str_hash(key) & (s->cap - 1); s->slot[i] != NULL;
	     i = (i + 1) & (s->cap - 1))
		if (strcmp(s->slot[i], key) == 0)
			return true;
	return false;
}

/* The key two IDs share exactly when kustomize's ResId.Equals holds. */
static const char *
id_key(struct arena *a, const struct kz_res *r)
{
	struct kz_id id;

	kz_res_curid(&id, a, r);
	return arena_printf(a, "%s\x1f%s\x1f%s\x1f%s\x1f%s", id.gvk.kind,
	    id.gvk.version, id.gvk.group, id.name, kz_id_effns(&id));
}

static int
conflict(struct arena *a, const struct kz_res *r, struct err *err)
{
	struct kz_id id;

	kz_res_curid(&id, a, r);
	return err_set(err, ERR_INVALID,
	    "may not add resource with an already registered id: %s",
	    kz_id_string(a, &id));
}

/* ---- appending ------------------------------------------------------------
 */

static int
append_checked(struct arena *a, struct kz_resmap *m, struct kz_res *const *v,
    size_t n, struct err *err)
{
	struct idset set = { 0 };
	int rv = 0;

	for (size_t i = 0; i < m->v.n; i++)
		idset_add(&set, id_key(a, m->v.v[i]));
	for (size_t i = 0; i < n && rv == 0; i++) {
		const char *key = id_key(a, v[i]);

		if (idset_has(&set, key)) {
			rv = conflict(a, v[i], err);
			break;
		}
		idset_add(&set, key);
		kz_vec_push(a, &m->v, v[i]);
	}
	free(set.slot);
	return rv;
}

int
kz_resmap_append(struct arena *a, struct kz_resmap *m, struct kz_res *r,
    struct err *err)
{
	return append_checked(a, m, &r, 1, err);
}

int
kz_resmap_append_all(struct arena *a, struct kz_resmap *m,
    const struct kz_resmap *other, struct err *err)
{
	return append_checked(a, m, (struct kz_res *const *)other->v.v,
	    other->v.n, err);
}

int
kz_resmap_check_unique(struct arena *a, const struct kz_resmap *m,
    struct err *err)
{
	struct kz_resmap tmp = { 0 };

	return append_checked(a, &tmp, (struct kz_res *const *)m->v.v, m->v.n,
	    err);
}

void
kz_resmap_compact(struct kz_resmap *m)
{
	size_t j = 0;

	for (size_t i = 0; i < m->v.n; i++) {
		struct kz_res *r = m->v.v[i];

		if (r->obj == NULL || r->obj->kind != DOC_MAP ||
		    r->obj->u.map.n == 0)
			continue;
		m->v.v[j++] = r;
	}
	m->v.n = j;
}

void
kz_resmap_match_any(struct kz_vec *out, struct arena *a,
    const struct kz_resmap *m, const struct kz_id *id)
{
	for (size_t i = 0; i < m->v.n; i++) {
		struct kz_res *r = m->v.v[i];
		struct kz_id cur;
		bool hit = false;

		for (size_t j = 0; j < r->nprev && !hit; j++) {
			kz_res_previd(&cur, a, r, j);
			hit = kz_id_equal(id, &cur);
		}
		if (!hit) {
			kz_res_curid(&cur, a, r);
			hit = kz_id_equal(id, &cur);
		}
		if (hit)
			kz_vec_push(a, out, r);
	}
}

/* ---- absorbing generated objects --------------------------------------- */

/* The map under field in obj, created (replacing a non-map) if missing. */
static struct doc_node *
child_map(struct arena *a, struct doc_node *obj, const char *field)
{
	struct doc_node *m = doc_map_get(obj, field);

	if (m == NULL || m->kind != DOC_MAP) {
		m = doc_new_map(a);
		doc_map_set(a, obj, field, strlen(field), m);
	}
	return m;
}

/* Copies the pairs of from that to lacks into to (made when missing). */
static void
merge_pairs(struct arena *a, struct doc_node *parent, const char *field,
    const struct doc_node *from)
{
	struct doc_node *to;

	if (from == NULL || from->kind != DOC_MAP || from->u.map.n == 0)
		return;
	to = child_map(a, parent, field);
	for (size_t i = 0; i < from->u.map.n; i++) {
		const struct doc_pair *p = &from->u.map.items[i];
		const char *k = doc_str(p->key);

		if (k != NULL && doc_map_get(to, k) == NULL)
			doc_map_set(a, to, k, strlen(k), doc_copy(a, p->value));
	}
}

static void
merge_meta_pairs(struct arena *a, struct kz_res *r, const struct kz_res *old,
    const char *field)
{
	const struct doc_node *from = doc_map_get(doc_map_get(old->obj,
	                                              "metadata"),
	    field);

	if (from == NULL || from->kind != DOC_MAP || from->u.map.n == 0)
		return;
	merge_pairs(a, child_map(a, r->obj, "metadata"), field, from);
}

/* kustomize's CopyMergeMetaDataFieldsFrom: labels and annotations of old
 * under those of r, then old's name, namespace and build state. */
static void
copy_merge_meta(struct arena *a, struct kz_res *r, const struct kz_res *old)
{
	merge_meta_pairs(a, r, old, "labels");
	merge_meta_pairs(a, r, old, "annotations");
	kz_res_set_name(a, r, kz_res_name(old));
	kz_res_set_ns(a, r, kz_res_ns(old));
	r->prev = old->prev;
	r->nprev = old->nprev;
	r->prevcap = old->nprev; /* copy on the next append */
	r->prefixes = old->prefixes;
	r->suffixes = old->suffixes;
	r->refvars = old->refvars;
	r->behavior = old->behavior;
	/* the hash survives only when both sides asked for it */
	r->needs_hash = r->needs_hash && old->needs_hash;
	r->build_annotated = old->build_annotated || r->build_annotated;
}

static const char *
behavior_name(uint8_t b)
{
	switch (b) {
	case KZ_BEHAVIOR_MERGE:
		return "merge";
	case KZ_BEHAVIOR_REPLACE:
		return "replace";
	default:
		return "create";
	}
}

int
kz_resmap_absorb(struct arena *a, struct kz_resmap *m, struct kz_res *r,
    struct err *err)
{
	struct kz_vec hits = { 0 };
	struct kz_res *old;
	const char *origin;
	struct kz_id id;
	size_t idx;

	kz_res_curid(&id, a, r);
	kz_resmap_match_any(&hits, a, m, &id);
	if (hits.n > 1)
		return err_set(err, ERR_INVALID,
		    "found multiple objects that could accept merge of %s",
		    kz_id_string(a, &id));
	if (hits.n == 0) {
		if (r->behavior == KZ_BEHAVIOR_MERGE ||
		    r->behavior == KZ_BEHAVIOR_REPLACE)
			return err_set(err, ERR_INVALID,
			    "id %s does not exist; cannot merge or replace",
			    kz_id_string(a, &id));
		return kz_resmap_append(a, m, r, err);
	}
	old = hits.v[0];
	switch (r->behavior) {
	case KZ_BEHAVIOR_REPLACE:
		copy_merge_meta(a, r, old);
		break;
	case KZ_BEHAVIOR_MERGE:
		origin = kz_get_str(doc_map_get(doc_map_get(old->obj,
		                                    "metadata"),
		                        "annotations"),
		    "config.kubernetes.io/origin");
		copy_merge_meta(a, r, old);
		if (origin !=
		    NULL) /* a merge keeps where the object came from */
			doc_map_set(a,
			    kz_res_meta_map(a, r, "annotations", true),
			    "config.kubernetes.io/origin", 27,
			    doc_new_str(a, origin, strlen(origin)));
		merge_pairs(a, r->obj, "data", doc_map_get(old->obj, "data"));
		merge_pairs(a, r->obj, "binaryData",
		    doc_map_get(old->obj, "binaryData"));
		break;
	default:
		return err_set(err, ERR_INVALID,
		    "id %s exists; behavior must be merge or replace (is %s)",
		    kz_id_string(a, &id), behavior_name(r->behavior));
	}
	for (idx = 0; idx < m->v.n && m->v.v[idx] != old; idx++)
		;
	m->v.v[idx] = r;
	return 0;
}

/* ---- the legacy order ------------------------------------------------------
 */

struct sort_item {
	struct kz_res *r;
	struct kz_id id;
	const char *idstr; /* "Kind.version.group|namespace|name" */
};

struct sort_ctx {
	const struct kz_vec *first, *last;
};

static int
item_cmp(const struct sort_item *x, const struct sort_item *y,
    const struct sort_ctx *c)
{
	const struct kz_gvk *gx = &x->id.gvk, *gy = &y->id.gvk;
	int rx, ry, cmp;

	if (kz_gvk_equal(gx, gy))
		return strcmp(x->idstr, y->idstr);
	rx = kz_kind_rank(c->first, c->last, gx->kind);
	ry = kz_kind_rank(c->first, c->last, gy->kind);
	if (rx != ry)
		return rx < ry ? -1 : 1;
	cmp = kz_gvk_keycmp(gx, gy);
	/* kustomize sorts core Namespaces after those of other groups */
	if (strcmp(gx->kind, "Namespace") == 0 &&
	    strcmp(gy->kind, "Namespace") == 0 &&
	    (gx->group[0] == '\0' || gy->group[0] == '\0'))
		return -cmp;
	return cmp;
}

static void
merge_sort(struct sort_item *v, struct sort_item *tmp, size_t n,
    const struct sort_ctx *c)
{
	size_t mid = n / 2, i = 0, j = mid, k = 0;

	if (n < 2)
		return;
	merge_sort(v, tmp, mid, c);
	merge_sort(v + mid, tmp, n - mid, c);
	while (i < mid && j < n)
		tmp[k++] = item_cmp(&v[j], &v[i], c) < 0 ? v[j++] : v[i++];
	while (i < mid)
		tmp[k++] = v[i++];
	while (j < n)
		tmp[k++] = v[j++];
	memcpy(v, tmp, n * sizeof(*v));
}

void
kz_resmap_sort_legacy(struct arena *a, struct kz_resmap *m,
    const struct kz_vec *first, const struct kz_vec *last)
{
	struct sort_ctx c = { first, last };
	struct sort_item *v, *tmp;
	size_t n = m->v.n;

	if (n < 2)
		return;
	v = xcalloc(n, sizeof(*v));
	tmp = xcalloc(n, sizeof(*tmp));
	for (size_t i = 0; i < n; i++) {
		struct kz_id *id = &v[i].id;

		v[i].r = m->v.v[i];
		kz_res_curid(id, a, v[i].r);
		v[i].idstr = arena_printf(a, "%s.%s.%s|%s|%s",
		    id->gvk.kind[0] != '\0' ? id->gvk.kind : "[noKind]",
		    id->gvk.version[0] != '\0' ? id->gvk.version : "[noVer]",
		    id->gvk.group[0] != '\0' ? id->gvk.group : "[noGrp]",
		    id->ns[0] != '\0' ? id->ns : "~X",
		    id->name[0] != '\0' ? id->name : "~N");
	}
	merge_sort(v, tmp, n, &c);
	for (size_t i = 0; i < n; i++)
		m->v.v[i] = v[i].r;
	free(v);
	free(tmp);
}
