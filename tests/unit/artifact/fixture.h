/* Temporary directories and files for the artifact tests. */
#ifndef FLINT_ARTIFACT_FIXTURE_H
#define FLINT_ARTIFACT_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"

/* Makes a fresh directory under $TMPDIR (or /tmp); the caller frees the
 * path and removes the tree with fx_rmdir(). */
char *fx_mkdtemp(void);
void fx_rmdir(char *dir);

/* Creates dir/rel (parents included) holding text, with mode. */
void fx_write(const char *dir, const char *rel, const char *text,
    unsigned mode);
/* Reads dir/rel into a new string, or NULL when missing. */
char *fx_read(const char *dir, const char *rel);
/* Number of entries in dir, not counting "." and "..". */
int fx_count(const char *dir);
bool fx_exists(const char *dir, const char *rel);

/* An anonymous file holding the bytes of b, offset 0. */
int fx_memfd(const struct buf *b);

#endif /* FLINT_ARTIFACT_FIXTURE_H */
