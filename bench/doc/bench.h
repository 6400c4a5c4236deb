/*
 * The doc benchmark's cases. Each is a named, timed step over one input
 * file; any .c in bench/doc registers its own with BENCH_CASE(), so the
 * YAML or another parser's measurements are a new file, not an edit here.
 */
#ifndef FLINT_BENCH_DOC_H
#define FLINT_BENCH_DOC_H

#include <stddef.h>

#include "core/err.h"

struct bench_input {
	const char *path;
	const char *data; /* the whole file, NUL-terminated */
	size_t len;
};

struct bench_case {
	const char *name;  /* "flint-json-parse": what run.sh asks for */
	const char *what;  /* one line for --list */
	const char *input; /* the file it expects: "list.min.json", ... */
	/* Untimed preparation (a parsed tree for emit cases); may be NULL.
	 * Returns the state run() gets, or NULL with err set. */
	void *(*setup)(const struct bench_input *in, struct err *err);
	/*
	 * One timed iteration. Sets *bytes to the bytes it processed (the
	 * input for parsers, the output for emitters) and *count to a
	 * number that shows the work was done (values seen), so runs of
	 * different libraries can be checked against each other.
	 */
	int (*run)(void *state, const struct bench_input *in, size_t *bytes,
	    size_t *count, struct err *err);
	void (*teardown)(void *state); /* may be NULL */
};

void bench_register(const struct bench_case *c);

/* Defines and registers a case: BENCH_CASE(id, .name = ..., .run = ...) */
#define BENCH_CASE(id, ...)                                          \
	static const struct bench_case id = { __VA_ARGS__ };         \
	__attribute__((constructor)) static void id##_register(void) \
	{                                                            \
		bench_register(&id);                                 \
	}

#endif /* FLINT_BENCH_DOC_H */
