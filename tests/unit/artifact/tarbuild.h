/*
 * Builds tar streams byte by byte for tests and fuzz seeds, including the
 * hostile ones a real tar tool refuses to make: ".." names, absolute
 * paths, links out of the root, devices, lying sizes.
 */
#ifndef FLINT_TARBUILD_H
#define FLINT_TARBUILD_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"

/* Appends a ustar header (name cut at 100 bytes) and, for a regular file
 * ('0'), n bytes of data padded to 512. size is what the header declares
 * (normally n). link is the link target for '1' and '2', else NULL. */
void tarb_entry(struct buf *b, const char *name, char type, const char *link,
    const void *data, size_t n, uint64_t size);

/* Appends a PAX header whose "path" record names the next entry. */
void tarb_pax_path(struct buf *b, const char *path);

/* Appends the two zero blocks that end an archive. */
void tarb_end(struct buf *b);

/* Replaces the contents of b with their gzip compression. */
void tarb_gzip(struct buf *b);

/* Replaces gzip'd contents of b with the decompressed bytes; returns -1
 * when they are not gzip. */
int tarb_gunzip(struct buf *b);

#endif /* FLINT_TARBUILD_H */
