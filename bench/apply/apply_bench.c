/*
 * apply_bench FILE [QPS]: applies the objects of FILE (a YAML stream) with
 * apply_set() as kustomize-controller does into a cluster that lacks
 * them (created), waits with health_wait() until all are Current, then
 * applies them again (unchanged: dry runs only). Prints each phase's
 * wall time in milliseconds and the change-set counts. QPS is the
 * client's rate limit (the k8s default when absent, 0 for none). Run by
 * run.sh.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply/apply.h"
#include "apply/health.h"
#include "core/mem.h"
#include "core/str.h"

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static struct doc *
load(const char *path)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	char *text;
	long n;
	FILE *f = fopen(path, "rbe");

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0)
		BUG("cannot read '%s'", path);
	text = xmalloc((size_t)n + 1);
	if (fseek(f, 0, SEEK_SET) != 0 ||
	    fread(text, 1, (size_t)n, f) != (size_t)n)
		BUG("short read of '%s'", path);
	(void)fclose(f);
	if (doc_parse_yaml(&d, text, (size_t)n, NULL, &err) == -1)
		BUG("%s: %s", path, err.msg);
	free(text);
	return d;
}

static struct k8s *
client(double qps)
{
	struct k8s_options o = { qps == 0 ? -1 : qps, 0, 0, 0, NULL };
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	struct k8s *k = NULL;

	if (k8s_config_load(&cfg, NULL, NULL, &err) == -1 ||
	    k8s_new(&k, &cfg, qps < 0 ? NULL : &o, &err) == -1)
		BUG("client: %s", err.msg);
	k8s_config_release(&cfg);
	return k;
}

/* Applies d once; prints the phase's time and its action counts. */
static struct apply_result *
phase(const char *name, struct k8s *k, const struct doc *d)
{
	static const struct apply_opts o = { NULL, NULL, "bench", "flux-system",
		false, false, 0 };
	struct apply_result *r = NULL;
	struct err err = ERR_INIT;
	size_t count[APPLY_FAILED + 1] = { 0 };
	double t0 = now_ms();

	if (apply_set(&r, k, d, &o, &err) == -1)
		BUG("%s: %s", name, err.msg);
	for (size_t i = 0; i < r->n; i++)
		count[r->entries[i].action]++;
	printf("%-10s %8.0f ms  created %zu configured %zu unchanged %zu\n",
	    name, now_ms() - t0, count[APPLY_CREATED], count[APPLY_CONFIGURED],
	    count[APPLY_UNCHANGED]);
	return r;
}

static void
health(struct k8s *k, const struct apply_result *r)
{
	struct k8s_ref *refs = xcalloc(r->n, sizeof(*refs));
	struct health_opts ho = { 300000, true };
	struct err err = ERR_INIT;
	double t0 = now_ms();

	for (size_t i = 0; i < r->n; i++) {
		refs[i].api_version = r->entries[i].api_version;
		refs[i].kind = r->entries[i].kind;
		refs[i].namespace = r->entries[i].namespace;
		refs[i].name = r->entries[i].name;
	}
	if (health_wait(NULL, k, refs, r->n, &ho, &err) == -1)
		BUG("health: %s", err.msg);
	printf("%-10s %8.0f ms  %zu objects Current\n", "health", now_ms() - t0,
	    r->n);
	free(refs);
}

int
main(int argc, char **argv)
{
	struct doc *d;
	struct k8s *k;
	struct apply_result *r;
	double qps = -1;
	int64_t q;
	struct err err = ERR_INIT;

	if (argc < 2 || argc > 3) {
		(void)fprintf(stderr, "usage: apply_bench FILE [QPS]\n");
		return 2;
	}
	if (argc == 3) {
		if (str_to_i64(&q, argv[2], &err) == -1 || q < 0)
			BUG("QPS: %s", argv[2]);
		qps = (double)q;
	}
	d = load(argv[1]);
	k = client(qps);
	r = phase("create", k, d);
	health(k, r);
	apply_result_free(r);
	r = phase("reapply", k, d);
	apply_result_free(r);
	k8s_free(k);
	doc_free(d);
	return 0;
}
