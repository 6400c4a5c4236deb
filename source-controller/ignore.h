/*
 * Which files of a source stay out of its artifact, as Flux decides
 * (fluxcd/pkg/sourceignore with go-git's gitignore matcher): the VCS
 * files always; Flux's default exclusions (images, archives, CI
 * configuration, .sops.yaml, ...) unless the user gave patterns of their
 * own; then every .sourceignore in the tree (scoped to its directory) and
 * spec.ignore, later patterns overriding earlier ones, '!' re-including.
 *
 * Immutable once made; ignore_match() may run from any thread.
 */
#ifndef FLINT_SOURCE_IGNORE_H
#define FLINT_SOURCE_IGNORE_H

#include <stdbool.h>

#include "core/err.h"

struct ignore;

/*
 * Reads the .sourceignore files under dir and the spec.ignore text
 * (NULL when unset). The caller frees *out with ignore_free().
 * Errors: ERR_IO, ERR_LIMIT (a .sourceignore over 1 MiB).
 */
int ignore_new(struct ignore **out, const char *dir, const char *spec_ignore,
    struct err *err);

void ignore_free(struct ignore *ig);

/* True if rel_path ('/'-separated, relative to dir) is excluded. Has the
 * shape of artifact_filter_fn, with the struct ignore as arg. */
bool ignore_match(void *ig, const char *rel_path, bool is_dir);

#endif /* FLINT_SOURCE_IGNORE_H */
