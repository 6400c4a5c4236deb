/*
 * Allocation that never returns NULL, and BUG() for broken invariants.
 *
 * Running out of memory is not an error flint can report on an object's
 * status, so x*() abort with a message. Sizes read from input must be
 * checked against a limit before they reach these functions.
 */
#ifndef FLINT_CORE_MEM_H
#define FLINT_CORE_MEM_H

#include <stddef.h>

void *xmalloc(size_t size);
void *xcalloc(size_t nmemb, size_t size);
void *xrealloc(void *ptr, size_t size);
/* realloc of nmemb * size, aborting on overflow. */
void *xreallocarray(void *ptr, size_t nmemb, size_t size);
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t n);
void *xmemdup(const void *p, size_t n);
/* Formats into a new string the caller frees. */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/*
 * Keeps up to keep_bytes of freed heap for reuse instead of returning it
 * to the kernel, and serves blocks up to 32 MiB (arena blocks included)
 * from the heap. A daemon parses and frees similar documents over and
 * over; without this, glibc trims or unmaps the memory after each one
 * and the next parse pays a page fault per 4 KiB again, about half the
 * CPU time of a large JSON parse. Call from main() before threads start.
 */
void mem_keep_freed(size_t keep_bytes);

/* What the daemons keep: more than a large list response's tree. */
#define MEM_DAEMON_KEEP_FREED ((size_t)256 << 20)

/* Wipes n bytes at p (not optimised away), then frees p. Accepts NULL. */
void free_secret(void *p, size_t n);

/* Logs file, line and message to stderr and aborts. */
_Noreturn void bug_at(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)

#endif /* FLINT_CORE_MEM_H */
