/*
 * doc_bench: times one registered case over one input file and prints a
 * line run.sh turns into a table. One case per process, so the peak RSS
 * printed is that case's own (input buffer included).
 *
 *   doc_bench --list
 *   doc_bench CASE FILE [ITERATIONS]
 *
 * Output (tab-separated): case, bytes, iterations, best CPU ms, median
 * CPU ms, best wall ms, MB/s from the best CPU time, count, peak RSS KiB,
 * system ms within the best CPU time.
 * Also defines flint's own JSON cases; other files add theirs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "bench.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"
#include "doc/doc.h"

#define MAX_CASES 64

static const struct bench_case *cases[MAX_CASES];
static size_t ncases;

void
bench_register(const struct bench_case *c)
{
	if (ncases == MAX_CASES)
		BUG("more than %d bench cases", MAX_CASES);
	cases[ncases++] = c;
}

/* ---- flint's JSON cases ------------------------------------------------- */

/* Values in the tree (keys not counted), the same count the other
 * libraries' walks produce. */
static size_t
count_values(const struct doc_node *n)
{
	size_t c = 1;

	if (n->kind == DOC_SEQ)
		for (size_t i = 0; i < n->u.seq.n; i++)
			c += count_values(n->u.seq.items[i]);
	else if (n->kind == DOC_MAP)
		for (size_t i = 0; i < n->u.map.n; i++)
			c += count_values(n->u.map.items[i].value);
	return c;
}

static int
json_parse_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	struct doc *d;

	(void)state;
	if (doc_parse_json(&d, in->data, in->len, NULL, err) == -1)
		return -1;
	*count = count_values(doc_root(d, 0));
	*bytes = in->len;
	doc_free(d);
	return 0;
}

static void *
json_emit_setup(const struct bench_input *in, struct err *err)
{
	struct doc *d;

	if (doc_parse_json(&d, in->data, in->len, NULL, err) == -1)
		return NULL;
	return d;
}

static int
json_emit(void *state, unsigned flags, size_t *bytes, size_t *count,
    struct err *err)
{
	struct doc *d = state;
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	if (doc_emit_json(&b, doc_root(d, 0), flags, err) == -1) {
		buf_release(&b);
		return -1;
	}
	*bytes = *count = b.len;
	buf_release(&b);
	return 0;
}

static int
json_emit_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	(void)in;
	return json_emit(state, 0, bytes, count, err);
}

static int
json_emit_indent_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	(void)in;
	return json_emit(state, DOC_JSON_INDENT, bytes, count, err);
}

static void
json_emit_teardown(void *state)
{
	doc_free(state);
}

BENCH_CASE(flint_json_parse, .name = "flint-json-parse",
    .what = "doc_parse_json, walk every value, doc_free",
    .input = "list.min.json", .run = json_parse_run)
BENCH_CASE(flint_json_parse_indent, .name = "flint-json-parse-indent",
    .what = "doc_parse_json on indented input, walk, doc_free",
    .input = "list.json", .run = json_parse_run)
BENCH_CASE(flint_json_emit, .name = "flint-json-emit",
    .what = "doc_emit_json compact into a fresh buffer",
    .input = "list.min.json", .setup = json_emit_setup, .run = json_emit_run,
    .teardown = json_emit_teardown)
BENCH_CASE(flint_json_emit_indent, .name = "flint-json-emit-indent",
    .what = "doc_emit_json with DOC_JSON_INDENT into a fresh buffer",
    .input = "list.min.json", .setup = json_emit_setup,
    .run = json_emit_indent_run, .teardown = json_emit_teardown)

/* ---- the driver -----------------------------------------------------------
 */

static double
now_ms(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* One iteration's cost: all CPU time, and the system part of it (page
 * faults, mostly) from getrusage(). */
struct sample {
	double cpu_ms, sys_ms;
};

static double
sys_ms(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)ru.ru_stime.tv_sec * 1e3 +
	    (double)ru.ru_stime.tv_usec / 1e3;
}

static int
cmp_sample(const void *a, const void *b)
{
	double x = ((const struct sample *)a)->cpu_ms;
	double y = ((const struct sample *)b)->cpu_ms;

	return x < y ? -1 : x > y;
}

/* The whole file, NUL-terminated; the caller frees it. */
static char *
read_file(size_t *len, const char *path, struct err *err)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[1 << 16];
	size_t n;

	if (f == NULL) {
		err_errno(err, errno, "open '%s'", path);
		return NULL;
	}
	buf_init(&b, BUF_MAX_DEFAULT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	(void)fclose(f); /* read-only: nothing to lose */
	if (buf_check(&b, err) == -1) {
		buf_release(&b);
		err_wrap(err, "read '%s'", path);
		return NULL;
	}
	return buf_detach(&b, len);
}

static const struct bench_case *
find_case(const char *name)
{
	for (size_t i = 0; i < ncases; i++)
		if (strcmp(cases[i]->name, name) == 0)
			return cases[i];
	return NULL;
}

/* Runs c iters times; fills the samples, fastest first, and the best
 * wall time. */
static int
measure(const struct bench_case *c, const struct bench_input *in, void *state,
    int iters, struct sample *smp, double *wall, size_t *bytes, size_t *count,
    struct err *err)
{
	*wall = 1e300;
	for (int i = 0; i < iters; i++) {
		double c0 = now_ms(CLOCK_PROCESS_CPUTIME_ID), s0 = sys_ms();
		double w0 = now_ms(CLOCK_MONOTONIC), w;

		if (c->run(state, in, bytes, count, err) == -1)
			return -1;
		w = now_ms(CLOCK_MONOTONIC) - w0;
		smp[i].cpu_ms = now_ms(CLOCK_PROCESS_CPUTIME_ID) - c0;
		smp[i].sys_ms = sys_ms() - s0;
		if (w < *wall)
			*wall = w;
	}
	qsort(smp, (size_t)iters, sizeof(*smp), cmp_sample);
	return 0;
}

static int
bench(const struct bench_case *c, const char *path, int iters, struct err *err)
{
	struct bench_input in = { .path = path };
	struct sample *smp = xcalloc((size_t)iters, sizeof(*smp));
	size_t bytes = 0, count = 0;
	void *state = NULL;
	struct rusage ru;
	char *data;
	double wall;
	int rv = -1;

	if ((data = read_file(&in.len, path, err)) == NULL)
		goto out_smp;
	in.data = data;
	if (c->setup != NULL && (state = c->setup(&in, err)) == NULL)
		goto out;
	if (measure(c, &in, state, iters, smp, &wall, &bytes, &count, err) ==
	    -1)
		goto out;
	getrusage(RUSAGE_SELF, &ru);
	printf("%s\t%zu\t%d\t%.2f\t%.2f\t%.2f\t%.1f\t%zu\t%ld\t%.2f\n", c->name,
	    bytes, iters, smp[0].cpu_ms, smp[iters / 2].cpu_ms, wall,
	    (double)bytes / 1e6 / (smp[0].cpu_ms / 1e3), count, ru.ru_maxrss,
	    smp[0].sys_ms);
	rv = 0;
out:
	if (state != NULL && c->teardown != NULL)
		c->teardown(state);
	free(data);
out_smp:
	free(smp);
	return rv;
}

int
main(int argc, char **argv)
{
	const struct bench_case *c;
	struct err err = ERR_INIT;
	int64_t iters = 10;

	/* FLINT_BENCH_DAEMON_HEAP=1 measures with the heap settings the
	 * daemons run with (see mem_keep_freed()). */
	if (getenv("FLINT_BENCH_DAEMON_HEAP") != NULL)
		mem_keep_freed(MEM_DAEMON_KEEP_FREED);
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < ncases; i++)
			printf("%s\t%s\t%s\n", cases[i]->name, cases[i]->input,
			    cases[i]->what);
		return 0;
	}
	if (argc < 3 || argc > 4 ||
	    (argc == 4 &&
	        (str_to_i64(&iters, argv[3], &err) == -1 || iters < 1 ||
	            iters > 10000))) {
		(void)fprintf(stderr,
		    "usage: doc_bench --list | doc_bench CASE "
		    "FILE [ITERATIONS]\n");
		return 2;
	}
	if ((c = find_case(argv[1])) == NULL) {
		(void)fprintf(stderr, "doc_bench: no case '%s'\n", argv[1]);
		return 2;
	}
	if (bench(c, argv[2], (int)iters, &err) == -1) {
		(void)fprintf(stderr, "doc_bench: %s: %s\n", c->name, err.msg);
		return 1;
	}
	return 0;
}
