/*
 * spec.include of a GitRepository, as Flux's: other GitRepositories'
 * artifacts (or a fromPath inside them) copied into this one's tree at
 * toPath before it is packed. Private to gitrepo.c.
 */
#ifndef FLINT_SOURCE_GITINCLUDE_H
#define FLINT_SOURCE_GITINCLUDE_H

#include <stddef.h>

#include "source.h"

struct git_include {
	const char *name; /* spec.include[].repository.name */
	const char *from; /* fromPath, "" for the whole artifact */
	const char *to;   /* toPath, the name when unset */
	const char *file; /* the artifact's file name in its directory */
	const char *digest;
};

struct git_includes {
	struct git_include *v; /* in the reconcile's arena */
	size_t n;
	/* status.includedArtifacts to be: the artifacts, in order; NULL
	 * when there are none */
	struct doc_node *artifacts;
	const char **uses; /* "GitRepository/<ns>/<name>", n of them */
};

/*
 * Reads spec.include and each included GitRepository's artifact. Errors,
 * with the reason Flux gives: ERR_INVALID (a path leaving the tree),
 * ERR_NOTFOUND "NotFound" (no such GitRepository) or "NoArtifact"
 * (none stored yet), the API's.
 */
int git_includes_load(struct git_includes *out, struct reconciler *r,
    const struct object *obj, const struct doc_node *spec, struct err *err);

/* Copies each include into work (the checked-out tree), from the
 * storage, verifying each artifact's digest. Errors: reason
 * "CopyFailure". */
int git_includes_apply(const struct git_includes *inc, struct source_ctx *ctx,
    struct arena *a, const char *ns, const char *work, struct err *err);

#endif /* FLINT_SOURCE_GITINCLUDE_H */
