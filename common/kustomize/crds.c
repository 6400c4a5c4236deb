/*
 * The "crds" field: OpenAPI definitions of custom types (a map of type
 * name to {Schema, Dependencies}) whose x-kubernetes-* extensions tell
 * kustomize where those types hold annotations, label selectors, their
 * own name, and references to other objects by name. They extend the
 * transformer configuration as kustomize's LoadConfigFromCRDs does.
 */
#include "kustomize/kz_int.h"

#include <string.h>

#define REF_PREFIX "#/definitions/"

struct crd_walk {
	struct arena *a;
	const struct doc_node *defs; /* name -> {Schema, Dependencies} */
	struct kz_tconfig *tc;
	const char *kind;
	unsigned depth;
};

static const struct doc_node *
schema_of(const struct doc_node *def)
{
	const struct doc_node *s = doc_map_get(def, "Schema");

	return s != NULL ? s : doc_map_get(def, "schema");
}

static int
add_spec(struct kz_fsv *s, struct arena *a, const char *kind, const char *path,
    struct err *err)
{
	struct kz_fs fs;

	kz_fs_init(&fs, a, NULL, NULL, kind, path, false);
	return kz_fsv_merge_one(a, s, &fs, err);
}

static int
add_nameref(struct crd_walk *w, const struct doc_node *prop, const char *path,
    struct err *err)
{
	const char *version = kz_get_str(prop,
	    "x-kubernetes-object-ref-api-version");
	const char *kind = kz_get_str(prop, "x-kubernetes-object-ref-kind");
	const char *key = kz_get_str(prop, "x-kubernetes-object-ref-name-key");
	struct kz_tconfig *one = kz_tconfig_empty(w->a);
	struct kz_nbr *n;

	if (version == NULL || kind == NULL)
		return 0;
	one->nbr = arena_calloc(w->a, 1, sizeof(*one->nbr));
	one->nnbr = one->nbrcap = 1;
	n = &one->nbr[0];
	n->gvk.group = "";
	n->gvk.version = version;
	n->gvk.kind = kind;
	if (add_spec(&n->refs, w->a, w->kind,
	        arena_printf(w->a, "%s/%s", path, key != NULL ? key : "name"),
	        err) == -1)
		return -1;
	return kz_tconfig_merge(&w->tc, w->a, w->tc, one, err);
}

static int walk_type(struct crd_walk *w, const char *name, const char *path,
    struct err *err);

static int
walk_props(struct crd_walk *w, const struct doc_node *props, const char *path,
    struct err *err)
{
	for (size_t i = 0;
	     props != NULL && props->kind == DOC_MAP && i < props->u.map.n;
	     i++) {
		const char *k = doc_str(props->u.map.items[i].key);
		const struct doc_node *p = props->u.map.items[i].value;
		const char *sub = path[0] != '\0'
		    ? arena_printf(w->a, "%s/%s", path, k)
		    : k;
		const char *ref = kz_get_str(p, "$ref");

		if ((doc_map_get(p, "x-kubernetes-annotation") != NULL &&
		        add_spec(&w->tc->annos, w->a, w->kind, sub, err) ==
		            -1) ||
		    (doc_map_get(p, "x-kubernetes-label-selector") != NULL &&
		        add_spec(&w->tc->clabels, w->a, w->kind, sub, err) ==
		            -1) ||
		    (doc_map_get(p, "x-kubernetes-identity") != NULL &&
		        add_spec(&w->tc->prefix, w->a, w->kind, sub, err) ==
		            -1) ||
		    add_nameref(w, p, sub, err) == -1)
			return -1;
		if (ref != NULL &&
		    walk_type(w,
		        strncmp(ref, REF_PREFIX, strlen(REF_PREFIX)) == 0
		            ? ref + strlen(REF_PREFIX)
		            : ref,
		        sub, err) == -1)
			return -1;
	}
	return 0;
}

static int
walk_type(struct crd_walk *w, const char *name, const char *path,
    struct err *err)
{
	const struct doc_node *def = doc_map_get(w->defs, name);
	int rv;

	if (def == NULL)
		return 0;
	if (++w->depth > 64) {
		w->depth--;
		return err_set(err, ERR_LIMIT, "CRD types nested too deeply");
	}
	rv = walk_props(w, doc_map_get(schema_of(def), "properties"), path,
	    err);
	w->depth--;
	return rv;
}

/* Like a Kubernetes object: has kind, apiVersion and metadata. */
static bool
looks_like_type(const struct doc_node *def)
{
	const struct doc_node *props = doc_map_get(schema_of(def),
	    "properties");

	return doc_map_get(props, "kind") != NULL &&
	    doc_map_get(props, "apiVersion") != NULL &&
	    doc_map_get(props, "metadata") != NULL;
}

static int
load_one(struct kz_acc *acc, struct kz_target *t, const char *path,
    struct err *err)
{
	struct crd_walk w = { acc->arena, NULL, NULL, NULL, 0 };
	struct kz_vec roots = { 0 };
	char *text;
	size_t len;

	if (kz_load_file(&text, &len, t, path, err) == -1 ||
	    kz_parse_docs(&roots, t->b, text, len, path, err) == -1)
		return -1;
	w.defs = roots.n > 0 ? roots.v[0] : NULL;
	if (w.defs == NULL || w.defs->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "unable to parse open API definition from '%s'", path);
	w.tc = kz_tconfig_empty(acc->arena);
	for (size_t i = 0; i < w.defs->u.map.n; i++) {
		const char *name = doc_str(w.defs->u.map.items[i].key);
		const char *dot = strrchr(name, '.');

		if (!looks_like_type(w.defs->u.map.items[i].value))
			continue;
		w.kind = dot != NULL ? dot + 1 : name;
		if (walk_type(&w, name, "", err) == -1)
			return err_wrap(err, "'%s'", path);
	}
	return kz_tconfig_merge(&acc->tc, acc->arena, acc->tc, w.tc, err);
}

int
kz_crds_merge(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "crds");

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		const char *path = kz_scalar(seq->u.seq.items[i]);

		if (path != NULL && load_one(acc, t, path, err) == -1)
			return err_wrap(err, "loading CRDs");
	}
	return 0;
}
