/*
 * apply_prune(): deletes the objects that left the set, honouring the
 * annotations and owner labels that protect an object from it.
 */
#include "apply/apply.h"

int
apply_prune(struct apply_result **out, struct k8s *k,
    const struct inventory *stale, const struct apply_opts *opts,
    struct err *err)
{
	(void)out;
	(void)k;
	(void)stale;
	(void)opts;
	return err_set(err, ERR_UNSUPPORTED, "prune: not implemented yet");
}
