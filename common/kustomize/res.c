/*
 * One object of a build and the state kustomize tracks with it: its
 * earlier identities (for name references and patch targets), the name
 * prefixes and suffixes it received, and what a generator asked for.
 */
#include "kustomize/kz_int.h"

#include <string.h>

#include "core/mem.h"

struct kz_res *
kz_res_new(struct arena *a, struct doc_node *obj)
{
	struct kz_res *r = arena_calloc(a, 1, sizeof(*r));

	r->obj = obj;
	return r;
}

struct kz_res *
kz_res_dup(struct arena *a, const struct kz_res *r)
{
	struct kz_res *c = arena_alloc(a, sizeof(*c));

	*c = *r;
	c->obj = r->obj != NULL ? doc_copy(a, r->obj) : NULL;
	if (r->nprev > 0) {
		c->prev = arena_alloc(a, r->nprev * sizeof(*c->prev));
		memcpy(c->prev, r->prev, r->nprev * sizeof(*c->prev));
		c->prevcap = r->nprev;
	}
	memset(&c->prefixes, 0, sizeof(c->prefixes));
	memset(&c->suffixes, 0, sizeof(c->suffixes));
	memset(&c->refvars, 0, sizeof(c->refvars));
	for (size_t i = 0; i < r->prefixes.n; i++)
		kz_vec_push(a, &c->prefixes, r->prefixes.v[i]);
	for (size_t i = 0; i < r->suffixes.n; i++)
		kz_vec_push(a, &c->suffixes, r->suffixes.v[i]);
	for (size_t i = 0; i < r->refvars.n; i++)
		kz_vec_push(a, &c->refvars, r->refvars.v[i]);
	return c;
}

static const char *
text_or_empty(const struct doc_node *n)
{
	const char *s = kz_scalar(n);

	return s != NULL ? s : "";
}

const char *
kz_res_kind(const struct kz_res *r)
{
	return text_or_empty(doc_map_get(r->obj, "kind"));
}

const char *
kz_res_api(const struct kz_res *r)
{
	return text_or_empty(doc_map_get(r->obj, "apiVersion"));
}

const char *
kz_res_name(const struct kz_res *r)
{
	return text_or_empty(
	    doc_map_get(doc_map_get(r->obj, "metadata"), "name"));
}

const char *
kz_res_ns(const struct kz_res *r)
{
	return text_or_empty(
	    doc_map_get(doc_map_get(r->obj, "metadata"), "namespace"));
}

void
kz_res_curid(struct kz_id *out, struct arena *a, const struct kz_res *r)
{
	const char *api = kz_res_api(r);

	kz_gvk_from_api(&out->gvk, a, api, kz_res_kind(r));
	out->name = kz_res_name(r);
	out->ns = kz_res_ns(r);
	out->cluster = kz_cluster_scoped(api, out->gvk.kind);
}

void
kz_res_previd(struct kz_id *out, struct arena *a, const struct kz_res *r,
    size_t i)
{
	kz_gvk_from_api(&out->gvk, a, kz_res_api(r), r->prev[i].kind);
	out->name = r->prev[i].name;
	out->ns = r->prev[i].ns;
	out->cluster = false;
}

void
kz_res_orgid(struct kz_id *out, struct arena *a, const struct kz_res *r)
{
	if (r->nprev > 0)
		kz_res_previd(out, a, r, 0);
	else
		kz_res_curid(out, a, r);
}

void
kz_res_store_prev(struct arena *a, struct kz_res *r)
{
	struct kz_id id;

	kz_res_curid(&id, a, r);
	if (r->nprev == r->prevcap) {
		size_t cap = r->prevcap == 0 ? 2 : r->prevcap * 2;
		struct kz_prev *p = arena_alloc(a, cap * sizeof(*p));

		if (r->nprev > 0)
			memcpy(p, r->prev, r->nprev * sizeof(*p));
		r->prev = p;
		r->prevcap = cap;
	}
	r->prev[r->nprev].name = id.name;
	r->prev[r->nprev].ns = kz_id_effns(&id);
	r->prev[r->nprev].kind = id.gvk.kind;
	r->nprev++;
	r->build_annotated = true;
}

static struct doc_node *
meta(struct arena *a, struct kz_res *r)
{
	struct doc_node *m = doc_map_get(r->obj, "metadata");

	if (m == NULL || m->kind != DOC_MAP) {
		m = doc_new_map(a);
		doc_map_set(a, r->obj, "metadata", 8, m);
	}
	return m;
}

void
kz_res_set_name(struct arena *a, struct kz_res *r, const char *name)
{
	/* kustomize writes an untagged scalar: "123" would read as a number */
	doc_map_set(a, meta(a, r), "name", 4,
	    doc_new_plain(a, name, strlen(name)));
}

void
kz_res_set_ns(struct arena *a, struct kz_res *r, const char *ns)
{
	struct doc_node *m = meta(a, r);

	if (ns[0] == '\0') {
		doc_map_delete(m, "namespace", 9);
		return;
	}
	doc_map_set(a, m, "namespace", 9, doc_new_plain(a, ns, strlen(ns)));
}

void
kz_res_set_kind(struct arena *a, struct kz_res *r, const char *kind)
{
	doc_map_set(a, r->obj, "kind", 4, doc_new_plain(a, kind, strlen(kind)));
}

struct doc_node *
kz_res_meta_map(struct arena *a, struct kz_res *r, const char *field,
    bool create)
{
	struct doc_node *m = doc_map_get(r->obj, "metadata");
	struct doc_node *f = doc_map_get(m, field);

	if (f != NULL && f->kind == DOC_MAP)
		return f;
	if (!create)
		return NULL;
	f = doc_new_map(a);
	doc_map_set(a, meta(a, r), field, strlen(field), f);
	return f;
}
