/*
 * Arenas: many small allocations freed together.
 *
 * A doc tree, a reconcile or a message owns one arena and frees it whole.
 * Allocation is a pointer bump; memory is never returned piecemeal. An
 * arena is not thread-safe: it has exactly one owner at a time.
 */
#ifndef FLINT_CORE_ARENA_H
#define FLINT_CORE_ARENA_H

#include <stddef.h>

struct arena;

/* Creates an empty arena; the first block is allocated on first use.
 * The caller owns it and frees it with arena_free(). */
struct arena *arena_new(void);

/* Like arena_new(), with a first block of size bytes (rounded up a
 * little) instead of 16 kB: for many small arenas whose content size is
 * known, such as the copies a watch cache keeps of each object. */
struct arena *arena_new_sized(size_t size);

/* Frees the arena and everything allocated from it. Accepts NULL. */
void arena_free(struct arena *a);

/* Returns size bytes aligned for any scalar type, owned by the arena.
 * Aborts on exhaustion like xmalloc(). */
void *arena_alloc(struct arena *a, size_t size);

/* Like arena_alloc(), zero-filled, for nmemb * size bytes (overflow
 * aborts). */
void *arena_calloc(struct arena *a, size_t nmemb, size_t size);

/* Copies n bytes and adds a terminating NUL. */
char *arena_strndup(struct arena *a, const char *s, size_t n);

/* Copies a NUL-terminated string. */
char *arena_strdup(struct arena *a, const char *s);

/* Formats into arena memory. */
char *arena_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Bytes handed out so far (for limits and measurements). */
size_t arena_used(const struct arena *a);

#endif /* FLINT_CORE_ARENA_H */
