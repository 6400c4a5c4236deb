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

char *
kz_origin_join(struct arena *a, const char *base, const char *path)
{
	if (base == NULL || base[0] == '\0')
		return arena_strdup(a, path);
	return arena_printf(a, "%s/%s", base, path);
}

void
kz_origin_annotate(const struct kz_target *t, struct kz_resmap *rm,
    const char *path)
{
	(void)t;
	(void)rm;
	(void)path;
}

int
kz_generated_origin(const struct kz_target *t, struct kz_res *r, bool secret)
{
	(void)t;
	(void)r;
	(void)secret;
	return 0;
}
