/*
 * metadata.finalizers edits. A merge patch replaces the whole list, so
 * it carries the resourceVersion the list was read at: the API server
 * refuses it (Conflict) if another writer changed the object meanwhile,
 * instead of silently dropping that writer's finalizer.
 */
#include "ctrl/ctrl.h"

#include <string.h>

static const struct doc_node *
finalizers(const struct doc_node *obj)
{
	const struct doc_node *f = doc_ptr_find(obj, "/metadata/finalizers");

	return f != NULL && f->kind == DOC_SEQ ? f : NULL;
}

bool
ctrl_has_finalizer(const struct doc_node *obj, const char *finalizer)
{
	const struct doc_node *f = finalizers(obj);

	for (size_t i = 0; f != NULL && i < f->u.seq.n; i++) {
		const char *s = doc_str(f->u.seq.items[i]);

		if (s != NULL && strcmp(s, finalizer) == 0)
			return true;
	}
	return false;
}

static void
set_str(struct arena *a, struct doc_node *map, const char *key,
    const char *value)
{
	doc_map_set(a, map, key, strlen(key),
	    doc_new_str(a, value, strlen(value)));
}

/* {"metadata":{"finalizers":[...],"resourceVersion":rv}} with finalizer
 * added or left out. */
static struct doc_node *
patch_build(struct arena *a, const struct doc_node *obj, const char *finalizer,
    bool add)
{
	const struct doc_node *old = finalizers(obj);
	const char *rv = doc_str(
	    doc_ptr_find(obj, "/metadata/resourceVersion"));
	struct doc_node *patch = doc_new_map(a), *meta = doc_new_map(a);
	struct doc_node *list = doc_new_seq(a);

	for (size_t i = 0; old != NULL && i < old->u.seq.n; i++) {
		const char *s = doc_str(old->u.seq.items[i]);

		if (s != NULL && strcmp(s, finalizer) != 0)
			doc_seq_append(a, list,
			    doc_copy(a, old->u.seq.items[i]));
	}
	if (add)
		doc_seq_append(a, list,
		    doc_new_str(a, finalizer, strlen(finalizer)));
	doc_map_set(a, meta, "finalizers", strlen("finalizers"), list);
	if (rv != NULL)
		set_str(a, meta, "resourceVersion", rv);
	doc_map_set(a, patch, "metadata", strlen("metadata"), meta);
	return patch;
}

static int
finalizer_patch(struct k8s *k, const struct doc_node *obj,
    const char *finalizer, bool add, struct err *err)
{
	struct k8s_ref ref = {
		doc_str(doc_map_get(obj, "apiVersion")),
		doc_str(doc_map_get(obj, "kind")),
		doc_str(doc_ptr_find(obj, "/metadata/namespace")),
		doc_str(doc_ptr_find(obj, "/metadata/name")),
	};
	struct arena *a;
	int rv;

	if (ref.api_version == NULL || ref.kind == NULL || ref.name == NULL)
		return err_set(err, ERR_INVALID,
		    "object without apiVersion, kind or name");
	a = arena_new();
	rv = k8s_patch(NULL, k, &ref, K8S_PATCH_MERGE,
	    patch_build(a, obj, finalizer, add), NULL, err);
	arena_free(a);
	if (rv == -1)
		return err_wrap(err, "%s finalizer '%s'",
		    add ? "add" : "remove", finalizer);
	return 0;
}

int
ctrl_finalizer_add(struct k8s *k, const struct doc_node *obj,
    const char *finalizer, struct err *err)
{
	if (ctrl_has_finalizer(obj, finalizer))
		return 0;
	return finalizer_patch(k, obj, finalizer, true, err);
}

int
ctrl_finalizer_remove(struct k8s *k, const struct doc_node *obj,
    const char *finalizer, struct err *err)
{
	if (!ctrl_has_finalizer(obj, finalizer))
		return 0;
	return finalizer_patch(k, obj, finalizer, false, err);
}
