/* The stream container: an arena and the roots of its documents. */
#include "doc/doc.h"

#include <stdlib.h>

#include "core/mem.h"
#include "doc/doc_int.h"

struct doc *
doc_new(void)
{
	struct doc *d = xcalloc(1, sizeof(*d));

	d->arena = arena_new();
	return d;
}

void
doc_free(struct doc *d)
{
	if (d == NULL)
		return;
	arena_free(d->arena);
	free(d->roots);
	free(d);
}

struct arena *
doc_arena(const struct doc *d)
{
	return d->arena;
}

size_t
doc_count(const struct doc *d)
{
	return d->n;
}

struct doc_node *
doc_root(const struct doc *d, size_t i)
{
	return i < d->n ? d->roots[i] : NULL;
}

void
doc_add_root(struct doc *d, struct doc_node *root)
{
	if (d->n == d->cap) {
		d->cap = d->cap == 0 ? 4 : d->cap * 2;
		d->roots = xreallocarray(d->roots, d->cap, sizeof(*d->roots));
	}
	d->roots[d->n++] = root;
}

struct doc_limits
doc_limits_resolve(const struct doc_limits *lim)
{
	struct doc_limits l = { 0 };

	if (lim != NULL)
		l = *lim;
	if (l.max_bytes == 0)
		l.max_bytes = DOC_DEFAULT_MAX_BYTES;
	if (l.max_depth == 0)
		l.max_depth = DOC_DEFAULT_MAX_DEPTH;
	if (l.max_nodes == 0)
		l.max_nodes = DOC_DEFAULT_MAX_NODES;
	return l;
}
