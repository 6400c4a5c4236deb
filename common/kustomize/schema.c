/*
 * OpenAPI v2 schemas for strategic merge patches: the built-in one
 * (schema_builtin.c, generated from an apiserver) or a kustomization's
 * own ("openapi: path:"), which replaces it for the whole build, as in
 * kustomize. A schema is the document itself plus two indexes
 * (definition names, and group/version/kind to definition); lookups
 * resolve "$ref"s on the way.
 */
#include "kustomize/kz_int.h"

#include <string.h>

#define REF_PREFIX "#/definitions/"

struct kz_schema {
	struct kz_strmap defs; /* definition name -> node */
	struct kz_strmap gvks; /* "group/version/kind" -> node */
};

extern const char kz_schema_builtin[];

static void
index_gvks(struct kz_schema *s, struct arena *a, const char *name,
    const struct doc_node *def)
{
	const struct doc_node *gvks = doc_map_get(def,
	    "x-kubernetes-group-version-kind");

	(void)name;
	for (size_t i = 0;
	     gvks != NULL && gvks->kind == DOC_SEQ && i < gvks->u.seq.n; i++) {
		const struct doc_node *g = gvks->u.seq.items[i];
		const char *group = kz_get_str(g, "group");
		const char *version = kz_get_str(g, "version");
		const char *kind = kz_get_str(g, "kind");
		char *key;

		if (version == NULL || kind == NULL)
			continue;
		key = arena_printf(a, "%s/%s/%s", group != NULL ? group : "",
		    version, kind);
		if (kz_strmap_get(&s->gvks, key) == NULL)
			kz_strmap_put(&s->gvks, key, kz_unconst(def));
	}
}

int
kz_schema_index(struct kz_schema **out, struct arena *a,
    const struct doc_node *root, struct err *err)
{
	const struct doc_node *defs = doc_map_get(root, "definitions");
	struct kz_schema *s;

	if (defs == NULL || defs->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "an OpenAPI schema needs a 'definitions' map");
	s = arena_calloc(a, 1, sizeof(*s));
	for (size_t i = 0; i < defs->u.map.n; i++) {
		const char *name = doc_str(defs->u.map.items[i].key);
		const struct doc_node *def = defs->u.map.items[i].value;

		kz_strmap_put(&s->defs, name, kz_unconst(def));
		index_gvks(s, a, name, def);
	}
	*out = s;
	return 0;
}

void
kz_schema_release(struct kz_schema *s)
{
	if (s == NULL)
		return;
	kz_strmap_release(&s->defs);
	kz_strmap_release(&s->gvks);
}

int
kz_schema_builtin_load(struct kz_schema **out, struct doc **doc_out,
    struct arena *a, struct err *err)
{
	struct doc *d = NULL;

	if (doc_parse_json(&d, kz_schema_builtin, strlen(kz_schema_builtin),
	        NULL, err) == -1)
		return err_wrap(err, "built-in OpenAPI schema");
	if (kz_schema_index(out, a, doc_root(d, 0), err) == -1) {
		doc_free(d);
		return -1;
	}
	*doc_out = d;
	return 0;
}

/* Follows "$ref"s (a few hops at most; a loop gives up). */
static const struct doc_node *
resolve(const struct kz_schema *s, const struct doc_node *n)
{
	for (int hops = 0; n != NULL && hops < 16; hops++) {
		const char *ref = kz_get_str(n, "$ref");

		if (ref == NULL)
			return n;
		if (strncmp(ref, REF_PREFIX, strlen(REF_PREFIX)) != 0)
			return NULL;
		n = kz_strmap_get(&s->defs, ref + strlen(REF_PREFIX));
	}
	return NULL;
}

const struct doc_node *
kz_schema_for_type(const struct kz_schema *s, struct arena *a, const char *api,
    const char *kind)
{
	struct kz_gvk g;

	if (s == NULL || api == NULL || kind == NULL || api[0] == '\0' ||
	    kind[0] == '\0')
		return NULL;
	kz_gvk_from_api(&g, a, api, kind);
	return kz_strmap_get(&s->gvks,
	    arena_printf(a, "%s/%s/%s", g.group, g.version, g.kind));
}

const struct doc_node *
kz_schema_field(const struct kz_schema *s, const struct doc_node *sch,
    const char *key)
{
	const struct doc_node *props, *f, *addl;

	if (s == NULL || sch == NULL)
		return NULL;
	props = doc_map_get(sch, "properties");
	f = doc_map_get(props, key);
	if (f == NULL) {
		addl = doc_map_get(sch, "additionalProperties");
		if (addl == NULL || addl->kind != DOC_MAP)
			return NULL;
		f = addl;
	}
	return resolve(s, f);
}

const struct doc_node *
kz_schema_elements(const struct kz_schema *s, const struct doc_node *sch)
{
	const char *type = kz_get_str(sch, "type");
	const struct doc_node *items;

	if (s == NULL || type == NULL || strcmp(type, "array") != 0)
		return NULL;
	items = doc_map_get(sch, "items");
	if (items == NULL || items->kind != DOC_MAP)
		return NULL;
	return resolve(s, items);
}

bool
kz_schema_merges(const struct doc_node *sch)
{
	const char *ps = kz_get_str(sch, "x-kubernetes-patch-strategy");
	size_t n;

	for (; ps != NULL && *ps != '\0'; ps += n + (ps[n] == ',')) {
		n = strcspn(ps, ",");
		if (n == 5 && strncmp(ps, "merge", 5) == 0)
			return true;
	}
	return false;
}

size_t
kz_schema_keys(const char ***out, struct arena *a, const struct doc_node *sch)
{
	const struct doc_node *list;
	const char *mk;
	const char **keys;

	*out = NULL;
	if (kz_get_str(sch, "x-kubernetes-patch-strategy") == NULL)
		return 0;
	list = doc_map_get(sch, "x-kubernetes-list-map-keys");
	if (list != NULL && list->kind == DOC_SEQ) {
		keys = arena_calloc(a, list->u.seq.n + 1, sizeof(*keys));
		for (size_t i = 0; i < list->u.seq.n; i++) {
			const char *k = kz_scalar(list->u.seq.items[i]);

			keys[i] = k != NULL ? k : "";
		}
		*out = keys;
		return list->u.seq.n;
	}
	mk = kz_get_str(sch, "x-kubernetes-patch-merge-key");
	if (mk == NULL)
		return 0;
	keys = arena_alloc(a, sizeof(*keys));
	keys[0] = mk;
	*out = keys;
	return 1;
}
