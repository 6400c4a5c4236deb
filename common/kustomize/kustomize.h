/*
 * kustomize: a `kustomize build` over the doc model.
 *
 * kustomize_build() reads a kustomization directory the way kustomize v5
 * does (resources, components, generators, transformers, patches,
 * replacements, vars, the legacy output order) and returns the resulting
 * objects as a doc stream. kustomize_emit() prints such a stream as
 * kustomize does. Files are read only below the directory of the
 * kustomization that names them (kustomize's "root only" restriction).
 *
 * Nothing here keeps state between calls; concurrent builds are safe as
 * long as they do not share a struct doc.
 */
#ifndef FLINT_KUSTOMIZE_H
#define FLINT_KUSTOMIZE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "doc/doc.h"

/* How a build may read files; zeroed storage gives kustomize's defaults. */
struct kustomize_opts {
	struct doc_limits doc; /* applied to every file parsed */
	size_t max_files;      /* files read per build (default 100000) */
	unsigned max_depth;    /* nested kustomizations (default 64) */
	/* Flux builds with kustomize's LoadRestrictionsNone: files may come
	 * from outside the kustomization's own directory... */
	bool load_anywhere;
	/* ...but never from outside fs_root, when it is set. */
	const char *fs_root;
	/* When not NULL, the len bytes at kustomization are the build
	 * directory's own kustomization, read in place of its file (or of
	 * its absence); the kustomizations it names are read from disk.
	 * kustomize-controller builds a shared, read-only tree this way
	 * after writing a Kustomization's fields into the text. */
	const char *kustomization;
	size_t kustomization_len;
};

/*
 * Builds the kustomization in dir (which must hold kustomization.yaml,
 * kustomization.yml or Kustomization). On success *out holds one document
 * per resulting object, in output order; the caller frees it with
 * doc_free(). Errors name the file and, where known, the line:
 * ERR_NOTFOUND for missing files and directories, ERR_INVALID for bad
 * input (YAML, unknown fields, ID conflicts, cycles, files outside the
 * root, patches that match nothing), ERR_LIMIT past a limit,
 * ERR_UNSUPPORTED for what needs plugins, Helm or the network.
 */
int kustomize_build(struct doc **out, const char *dir,
    const struct kustomize_opts *opts, struct err *err);

/*
 * Appends the documents of d as `kustomize build` prints them: map keys
 * sorted, documents separated by "---\n". ERR_LIMIT when the buffer's cap
 * is hit.
 */
int kustomize_emit(struct buf *out, const struct doc *d, struct err *err);

/*
 * Flux's rule for a directory without a kustomization file: returns, in
 * *out (the caller frees it), the text of a kustomization.yaml whose
 * resources list, as "./relative/path" in lexical walk order, every .yaml
 * and .yml file below dir (each must parse as Kubernetes objects, else
 * ERR_INVALID naming the file) and every subdirectory that holds its own
 * kustomization file (not descended into). ERR_CONFLICT when dir already
 * has a kustomization file; ERR_NOTFOUND when dir is missing.
 */
int kustomize_generate(char **out, const char *dir, struct err *err);

#endif /* FLINT_KUSTOMIZE_H */
