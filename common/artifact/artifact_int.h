/*
 * Private to common/artifact: limits and helpers shared by packing,
 * extraction and tree removal.
 */
#ifndef FLINT_ARTIFACT_INT_H
#define FLINT_ARTIFACT_INT_H

#include <stddef.h>

#include "artifact/artifact.h"

/* Deeper trees are refused: each level holds a descriptor open. */
#define ARTIFACT_MAX_DEPTH 128

/* Formats a 32-byte SHA-256 as "sha256:<hex>". */
void artifact_digest_format(char out[ARTIFACT_DIGEST_MAX],
    const unsigned char *md);

/* Writes all n bytes or fails with ERR_IO naming what. */
int artifact_write_all(int fd, const void *p, size_t n, const char *what,
    struct err *err);

/* Reads the names in the directory fd (not "." or ".."), sorted
 * bytewise, into a NULL-terminated array the caller frees with
 * artifact_names_free(). fd stays open and owned by the caller. */
int artifact_names_read(char ***out, size_t *n_out, int fd, struct err *err);
void artifact_names_free(char **names);

#endif /* FLINT_ARTIFACT_INT_H */
