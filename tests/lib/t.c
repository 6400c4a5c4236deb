/* Runs the registered tests; the exit status is the number that failed. */
#include "t.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define T_MAX 4096

struct test {
	const char *name;
	t_fn *fn;
};

static struct test tests[T_MAX];
static int ntests;
static int failures; /* in the running test */

void
t_register(const char *name, t_fn *fn)
{
	if (ntests == T_MAX) {
		fprintf(stderr, "t: more than %d tests\n", T_MAX);
		abort();
	}
	tests[ntests].name = name;
	tests[ntests].fn = fn;
	ntests++;
}

void
t_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	failures++;
}

int
t_streq(const char *a, const char *b)
{
	if (a == NULL || b == NULL)
		return a == b;
	return strcmp(a, b) == 0;
}

int
main(int argc, char **argv)
{
	const char *filter = argc > 1 ? argv[1] : NULL;
	int failed = 0, ran = 0;

	for (int i = 0; i < ntests; i++) {
		if (filter != NULL && strstr(tests[i].name, filter) == NULL)
			continue;
		failures = 0;
		tests[i].fn();
		ran++;
		printf("%s %s\n", failures == 0 ? "ok  " : "FAIL",
		    tests[i].name);
		if (failures != 0)
			failed++;
	}
	printf("%d tests, %d failed\n", ran, failed);
	if (ran == 0) {
		fprintf(stderr, "t: no test matched\n");
		return 1;
	}
	return failed == 0 ? 0 : 1;
}
