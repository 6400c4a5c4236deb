/*
 * One case per process, so peak RSS is the case's own: "stream" looks
 * one chart's best version up in the index with helmindex_find(),
 * "validate" runs helmindex_validate(), "tree" parses the whole index
 * with doc_parse_yaml() and looks the chart up in the tree, which is
 * what a loader that holds the index does. Prints
 * "<case> <ms> <peak RSS KiB> <result>".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/buf.h"
#include "doc/doc.h"
#include "helmindex.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static long
peak_kib(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static int
run_stream(FILE *f, const char *chart, char *res, size_t n, struct err *err)
{
	struct helmindex_entry e = { 0 };

	if (helmindex_find(&e, f, chart, "*", err) == -1)
		return -1;
	(void)snprintf(res, n, "%s", e.version);
	helmindex_entry_release(&e);
	return 0;
}

static int
run_validate(FILE *f, char *res, size_t n, struct err *err)
{
	struct helmindex_stats st;

	if (helmindex_validate(&st, f, err) == -1)
		return -1;
	(void)snprintf(res, n, "%llu", (unsigned long long)st.versions);
	return 0;
}

static int
run_tree(FILE *f, const char *chart, char *res, size_t n, struct err *err)
{
	struct doc_limits lim = { .max_bytes = (size_t)1 << 31 };
	struct doc *d = NULL;
	struct buf b;
	char chunk[65536];
	size_t got;
	const struct doc_node *v;

	buf_init(&b, (size_t)1 << 31);
	while ((got = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, got);
	if (doc_parse_yaml(&d, b.data, b.len, &lim, err) == -1) {
		buf_release(&b);
		return -1;
	}
	buf_release(&b);
	v = doc_map_get(doc_map_get(doc_root(d, 0), "entries"), chart);
	(void)snprintf(res, n, "%zu versions",
	    v != NULL && v->kind == DOC_SEQ ? v->u.seq.n : 0);
	doc_free(d);
	return 0;
}

int
main(int argc, char **argv)
{
	struct err err = ERR_INIT;
	char res[128] = "";
	double t0;
	FILE *f;
	int rv;

	if (argc != 4 || (f = fopen(argv[2], "r")) == NULL) {
		(void)fprintf(stderr,
		    "usage: helmindex_bench stream|validate|tree <index> <chart>\n");
		return 2;
	}
	t0 = now_ms();
	if (strcmp(argv[1], "stream") == 0)
		rv = run_stream(f, argv[3], res, sizeof(res), &err);
	else if (strcmp(argv[1], "validate") == 0)
		rv = run_validate(f, res, sizeof(res), &err);
	else
		rv = run_tree(f, argv[3], res, sizeof(res), &err);
	(void)fclose(f);
	if (rv == -1) {
		(void)fprintf(stderr, "%s: %s\n", argv[1], err.msg);
		return 1;
	}
	printf("%-9s %8.0f ms %8ld KiB  %s\n", argv[1], now_ms() - t0,
	    peak_kib(), res);
	return 0;
}
