/* Private to common/doc: the stream container and shared defaults. */
#ifndef FLINT_DOC_INT_H
#define FLINT_DOC_INT_H

#include "doc/doc.h"

#define DOC_DEFAULT_MAX_BYTES ((size_t)64 << 20)
#define DOC_DEFAULT_MAX_DEPTH 256u
#define DOC_DEFAULT_MAX_NODES ((size_t)8 << 20)

struct doc {
	struct arena *arena;
	struct doc_node **roots;
	size_t n, cap;
};

/* Fills zero fields of *lim (or all, when lim is NULL) with defaults. */
struct doc_limits doc_limits_resolve(const struct doc_limits *lim);

/*
 * JSON Pointer and equality helpers shared by tree.c and patch.c.
 */

/* doc_equal(), except that an int and a float compare by numeric value,
 * as RFC 6902 "test" wants (1 equals 1.0). */
bool doc_equal_json(const struct doc_node *x, const struct doc_node *y);

/* The map or sequence that holds the last token of the non-empty ptr;
 * *tok and *len name that token, still escaped, inside ptr. ERR_INVALID
 * for a malformed pointer or one crossing a scalar, ERR_NOTFOUND for a
 * missing node on the way. */
int doc_ptr_parent(struct doc_node **parent, const char **tok, size_t *len,
    const struct doc_node *root, const char *ptr, struct err *err);

/* The index that array token tok names in a sequence of n items: below n,
 * or n itself for "-" when append is true. ERR_INVALID for a malformed
 * index ("01", "x"), ERR_NOTFOUND past the end. */
int doc_ptr_index(size_t *out, const char *tok, size_t len, size_t n,
    bool append, struct err *err);

#endif /* FLINT_DOC_INT_H */
