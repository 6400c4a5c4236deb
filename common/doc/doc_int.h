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

#endif /* FLINT_DOC_INT_H */
