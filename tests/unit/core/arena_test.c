/* Arenas: alignment, large blocks, copies. */
#include <stdint.h>
#include <string.h>

#include "core/arena.h"
#include "t.h"

T_TEST(test_allocations_are_aligned_and_distinct)
{
	struct arena *a = arena_new();
	char *prev = NULL;

	for (int i = 1; i < 5000; i++) {
		char *p = arena_alloc(a, (size_t)(i % 37) + 1);

		T_EQ((uintptr_t)p % 16, 0);
		T_TRUE(p != prev);
		memset(p, 0xab, (size_t)(i % 37) + 1);
		prev = p;
	}
	arena_free(a);
}

T_TEST(test_large_allocation_gets_its_own_block)
{
	struct arena *a = arena_new();
	char *big = arena_alloc(a, 10 * 1024 * 1024);
	char *small = arena_alloc(a, 8);

	memset(big, 1, 10 * 1024 * 1024);
	memset(small, 2, 8);
	T_EQ(big[10 * 1024 * 1024 - 1], 1);
	T_TRUE(arena_used(a) >= 10 * 1024 * 1024 + 8);
	arena_free(a);
}

T_TEST(test_strndup_and_printf_copy)
{
	struct arena *a = arena_new();
	char *s = arena_strndup(a, "hello world", 5);
	int *z = arena_calloc(a, 100, sizeof(int));

	T_STREQ(s, "hello");
	T_STREQ(arena_printf(a, "%s-%d", "x", 42), "x-42");
	T_STREQ(arena_strdup(a, ""), "");
	T_EQ(z[99], 0);
	arena_free(a);
	arena_free(NULL);
}

T_TEST(test_sized_arena_grows_past_its_first_block)
{
	struct arena *a = arena_new_sized(300);
	char *p[40];

	/* 40 * 64 bytes overflow the small first block many times; each
	 * chunk must stay writable and apart (ASan checks the bounds). */
	for (int i = 0; i < 40; i++) {
		p[i] = arena_alloc(a, 64);
		memset(p[i], i, 64);
	}
	for (int i = 0; i < 40; i++)
		T_EQ(p[i][63], i);
	T_EQ(arena_used(a), 40 * 64);
	T_STREQ(arena_strdup(a, "tail"), "tail");
	arena_free(a);
	arena_free(arena_new_sized(0));
}
