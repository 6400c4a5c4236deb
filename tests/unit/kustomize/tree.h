/* Throwaway file trees for the kustomize tests. */
#ifndef FLINT_TEST_KUSTOMIZE_TREE_H
#define FLINT_TEST_KUSTOMIZE_TREE_H

#include "core/err.h"

/* A new empty directory under $TMPDIR; tree_free() removes it. */
char *tree_new(void);
void tree_free(char *root);
/* Writes root/rel (making directories) with text. */
void tree_put(const char *root, const char *rel, const char *text);
/* Builds root/rel; the printed output (free it), or NULL with err set. */
char *tree_build(const char *root, const char *rel, struct err *err);

#endif /* FLINT_TEST_KUSTOMIZE_TREE_H */
