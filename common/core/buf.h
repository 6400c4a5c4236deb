/*
 * Growable byte buffers with a hard size cap.
 *
 * The cap is set at init; appending past it fails, marks the buffer
 * failed and keeps what fit. Appends stay cheap to call in loops: check
 * once with buf_check() at the end. The data is always NUL-terminated.
 * A struct buf is the caller's storage (init/release); not thread-safe.
 */
#ifndef FLINT_CORE_BUF_H
#define FLINT_CORE_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "core/err.h"

struct buf {
	char *data; /* NUL-terminated, NULL until the first append */
	size_t len;
	size_t cap; /* allocated bytes, including room for the NUL */
	size_t max; /* most bytes len may reach */
	bool failed;
};

#define BUF_MAX_DEFAULT ((size_t)1 << 30)

/* Prepares an empty buffer that may hold up to max bytes. */
void buf_init(struct buf *b, size_t max);

/* Frees the data. Accepts zeroed storage. */
void buf_release(struct buf *b);

/* Like buf_release(), but wipes the bytes first (secrets). */
void buf_release_secret(struct buf *b);

/* Empties the buffer, keeps its memory and clears the failed mark. */
void buf_reset(struct buf *b);

/* Makes room for n more bytes; returns -1 and marks the buffer failed
 * when that would pass the cap. */
int buf_reserve(struct buf *b, size_t n);

/* Appends bytes; returns 0, or -1 past the cap (buffer marked failed). */
int buf_append(struct buf *b, const void *p, size_t n);

int buf_puts(struct buf *b, const char *s);

int buf_printf(struct buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Hands the data to the caller (free() it) and resets the buffer. Never
 * NULL: an empty buffer yields "". */
char *buf_detach(struct buf *b, size_t *len_out);

/* Returns 0, or -1 with ERR_LIMIT naming the cap if any append failed. */
int buf_check(const struct buf *b, struct err *err);

static inline int
buf_putc(struct buf *b, char c)
{
	if ((b->failed || b->len + 2 > b->cap) && buf_reserve(b, 1) == -1)
		return -1;
	b->data[b->len++] = c;
	b->data[b->len] = '\0';
	return 0;
}

/* Appends without re-terminating; for tight loops that end with
 * buf_append()/buf_putc() or call buf_terminate(). */
static inline int
buf_append_fast(struct buf *b, const void *p, size_t n)
{
	if ((b->failed || b->len + n + 1 > b->cap) && buf_reserve(b, n) == -1)
		return -1;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return 0;
}

static inline void
buf_terminate(struct buf *b)
{
	if (b->data != NULL)
		b->data[b->len] = '\0';
}

#endif /* FLINT_CORE_BUF_H */
