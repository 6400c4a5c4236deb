/*
 * apply_set(): server-side apply of a set of objects in stages, with a
 * dry run first to tell created, configured and unchanged apart.
 */
#include "apply/apply.h"

#include <string.h>

int
apply_stage(const char *api_version, const char *kind)
{
	(void)api_version;
	(void)kind;
	return 2;
}

int
apply_set(struct apply_result **out, struct k8s *k, const struct doc *objects,
    const struct apply_opts *opts, struct err *err)
{
	(void)out;
	(void)k;
	(void)objects;
	(void)opts;
	return err_set(err, ERR_UNSUPPORTED, "apply: not implemented yet");
}
