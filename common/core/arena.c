/*
 * Arena allocator: a chain of blocks that grow geometrically, with large
 * requests in blocks of their own so they do not waste the current one.
 */
#include "core/arena.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define ARENA_ALIGN       16
#define ARENA_FIRST_BLOCK (16 * 1024)
#define ARENA_MAX_BLOCK   (1024 * 1024)
#define ARENA_MIN_BLOCK   256

struct block {
	struct block *next;
	size_t size; /* usable bytes after the header */
	_Alignas(ARENA_ALIGN) unsigned char data[];
};

struct arena {
	struct block *head; /* the block bumped into */
	struct block *big;  /* blocks holding one large allocation each */
	unsigned char *cur;
	unsigned char *end;
	size_t next_size;
	size_t used;
};

struct arena *
arena_new(void)
{
	struct arena *a = xcalloc(1, sizeof(*a));

	a->next_size = ARENA_FIRST_BLOCK;
	return a;
}

struct arena *
arena_new_sized(size_t size)
{
	struct arena *a = xcalloc(1, sizeof(*a));

	if (size < ARENA_MIN_BLOCK)
		size = ARENA_MIN_BLOCK;
	if (size > ARENA_MAX_BLOCK)
		size = ARENA_MAX_BLOCK;
	a->next_size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	return a;
}

static void
free_chain(struct block *b)
{
	while (b != NULL) {
		struct block *next = b->next;

		free(b);
		b = next;
	}
}

void
arena_free(struct arena *a)
{
	if (a == NULL)
		return;
	free_chain(a->head);
	free_chain(a->big);
	free(a);
}

static struct block *
block_new(size_t size)
{
	struct block *b;

	if (size > SIZE_MAX - sizeof(*b))
		BUG("arena block of %zu bytes", size);
	b = xmalloc(sizeof(*b) + size);
	b->size = size;
	b->next = NULL;
	return b;
}

static void *
alloc_slow(struct arena *a, size_t size)
{
	struct block *b;

	if (size > a->next_size / 4) {
		b = block_new(size);
		b->next = a->big;
		a->big = b;
		return b->data;
	}
	b = block_new(a->next_size);
	if (a->next_size < ARENA_MAX_BLOCK)
		a->next_size *= 2;
	b->next = a->head;
	a->head = b;
	a->cur = b->data + size;
	a->end = b->data + b->size;
	return b->data;
}

void *
arena_alloc(struct arena *a, size_t size)
{
	void *p;

	if (size > SIZE_MAX - ARENA_ALIGN)
		BUG("arena allocation of %zu bytes", size);
	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	a->used += size;
	if ((size_t)(a->end - a->cur) >= size && a->cur != NULL) {
		p = a->cur;
		a->cur += size;
		return p;
	}
	return alloc_slow(a, size);
}

void *
arena_calloc(struct arena *a, size_t nmemb, size_t size)
{
	void *p;

	if (size != 0 && nmemb > SIZE_MAX / size)
		BUG("arena_calloc overflow: %zu * %zu", nmemb, size);
	p = arena_alloc(a, nmemb * size);
	memset(p, 0, nmemb * size);
	return p;
}

char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	if (n != 0)
		memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

char *
arena_strdup(struct arena *a, const char *s)
{
	return arena_strndup(a, s, strlen(s));
}

char *
arena_printf(struct arena *a, const char *fmt, ...)
{
	va_list ap;
	char *p;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		BUG("arena_printf: bad format '%s'", fmt);
	p = arena_alloc(a, (size_t)n + 1);
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t
arena_used(const struct arena *a)
{
	return a->used;
}
