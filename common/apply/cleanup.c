/*
 * Taking objects over from kubectl, as Flux does before each apply: the
 * managedFields entries of kubectl (client- and server-side), of
 * before-first-apply and of our own manager's Update operations are
 * removed, and so is kubectl's last-applied-configuration annotation,
 * so that fields dropped from Git are dropped from the cluster too.
 */
#include "apply/apply_int.h"

#include <string.h>

#include "core/str.h"

/* Whether a managedFields entry belongs to a manager we take over. */
static bool
foreign(const struct doc_node *e, const char *manager)
{
	const char *m = doc_str(doc_map_get(e, "manager"));
	const char *op = doc_str(doc_map_get(e, "operation"));
	const char *sub = doc_str(doc_map_get(e, "subresource"));

	if (m == NULL || op == NULL || (sub != NULL && sub[0] != '\0'))
		return false;
	if (str_has_prefix(m, "kubectl"))
		return strcmp(op, "Apply") == 0 || strcmp(op, "Update") == 0;
	return strcmp(op, "Update") == 0 &&
	    (str_has_prefix(m, "before-first-apply") ||
	        strcmp(m, manager) == 0);
}

static struct doc_node *
op_new(struct arena *a, const char *op, const char *path,
    struct doc_node *value)
{
	struct doc_node *o = doc_new_map(a);

	doc_map_set(a, o, "op", 2, doc_new_str(a, op, strlen(op)));
	doc_map_set(a, o, "path", 4, doc_new_str(a, path, strlen(path)));
	if (value != NULL)
		doc_map_set(a, o, "value", 5, value);
	return o;
}

/* The JSON patch that cleans live up, or NULL when it is clean. */
static struct doc_node *
cleanup_ops(struct arena *a, const struct doc_node *live, const char *manager)
{
	const struct doc_node *mf = doc_ptr_find(live,
	    "/metadata/managedFields");
	struct doc_node *ops = doc_new_seq(a), *kept = doc_new_seq(a);
	bool dropped = false;

	for (size_t i = 0; mf != NULL && mf->kind == DOC_SEQ && i < mf->u.seq.n;
	     i++) {
		if (foreign(mf->u.seq.items[i], manager))
			dropped = true;
		else
			doc_seq_append(a, kept, mf->u.seq.items[i]);
	}
	if (dropped) {
		/* an empty list leaves managedFields as they are; one empty
		 * entry clears them */
		if (kept->u.seq.n == 0)
			doc_seq_append(a, kept, doc_new_map(a));
		doc_seq_append(a, ops,
		    op_new(a, "replace", "/metadata/managedFields", kept));
	}
	if (apply_annotation(live, "kubectl.kubernetes.io",
	        "/last-applied-configuration") != NULL)
		doc_seq_append(a, ops,
		    op_new(a, "remove",
		        "/metadata/annotations/"
		        "kubectl.kubernetes.io~1last-applied-configuration",
		        NULL));
	return ops->u.seq.n > 0 ? ops : NULL;
}

bool
apply_cleanup_needed(const struct doc_node *live, const char *manager)
{
	struct arena *a = arena_new();
	bool need = cleanup_ops(a, live, manager) != NULL;

	arena_free(a);
	return need;
}

int
apply_cleanup(bool *patched, struct k8s *k, const struct k8s_ref *ref,
    const struct doc_node *live, const char *manager, struct err *err)
{
	struct arena *a = arena_new();
	struct doc_node *ops = cleanup_ops(a, live, manager);
	struct k8s_write_opts w = { NULL, false, false, NULL };
	int rv = 0;

	*patched = false;
	if (ops != NULL) {
		rv = k8s_patch(NULL, k, ref, K8S_PATCH_JSON, ops, &w, err);
		*patched = rv == 0;
	}
	arena_free(a);
	return rv;
}
