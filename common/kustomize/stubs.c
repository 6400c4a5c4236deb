/*
 * Transformers not built yet: each fails plainly when a kustomization
 * uses it, so nobody mistakes its silence for support.
 */
#include "kustomize/kz_int.h"

static int
unsupported(const struct kz_target *t, const char *field, struct err *err)
{
	const struct doc_node *n = doc_map_get(t->k, field);

	if (n == NULL || n->kind == DOC_NULL ||
	    (n->kind == DOC_SEQ && n->u.seq.n == 0))
		return 0;
	return err_set(err, ERR_UNSUPPORTED, "'%s' is not supported yet",
	    field);
}

int
kz_crds_merge(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	(void)acc;
	return unsupported(t, "crds", err);
}
