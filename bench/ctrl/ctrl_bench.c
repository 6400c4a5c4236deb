/*
 * The informer under load, for bench/ctrl/run.sh:
 *
 *   ctrl_bench sync NS        list+watch every ConfigMap of NS into the
 *                             cache; print how long until synced
 *   ctrl_bench churn NS N W   with the informer synced on NS, create N
 *                             ConfigMaps from W threads (no client rate
 *                             limit) and time until every ADD reached a
 *                             handler
 *
 * The kubeconfig comes from KUBECONFIG. Times are wall clock
 * (CLOCK_MONOTONIC); run.sh adds CPU and peak RSS from /usr/bin/time.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"
#include "core/str.h"
#include "ctrl/informer.h"
#include "k8s/k8s.h"

#define MAX_THREADS 64

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct k8s *
client(double qps)
{
	struct k8s_options opts = { .qps = qps };
	struct k8s_config cfg;
	struct err err = ERR_INIT;
	struct k8s *k = NULL;

	memset(&cfg, 0, sizeof(cfg));
	if (k8s_config_load(&cfg, NULL, NULL, &err) == -1 ||
	    k8s_new(&k, &cfg, &opts, &err) == -1) {
		fprintf(stderr, "ctrl_bench: %s\n", err.msg);
		exit(1);
	}
	k8s_config_release(&cfg);
	return k;
}

static long
number(const char *s)
{
	struct err err = ERR_INIT;
	int64_t v;

	if (str_to_i64(&v, s, &err) == -1 || v < 0) {
		fprintf(stderr, "ctrl_bench: '%s': not a count\n", s);
		exit(2);
	}
	return (long)v;
}

struct adds {
	atomic_long n;
};

static void
count_adds(void *arg, const struct informer_event *ev)
{
	struct adds *a = arg;

	if (ev->type == INFORMER_ADD)
		atomic_fetch_add(&a->n, 1);
}

static struct informer *
informer_on(struct k8s *k, const char *ns, struct adds *adds)
{
	struct informer_opts o = { .api_version = "v1",
		.kind = "ConfigMap",
		.namespace = ns };
	struct err err = ERR_INIT;
	struct informer *inf = NULL;

	if (informer_new(&inf, k, &o, &err) == -1) {
		fprintf(stderr, "ctrl_bench: %s\n", err.msg);
		exit(1);
	}
	informer_add_handler(inf, count_adds, adds);
	if (informer_start(inf, &err) == -1 ||
	    !informer_wait_synced(inf, 600 * 1000)) {
		fprintf(stderr, "ctrl_bench: informer did not sync: %s\n",
		    err.msg);
		exit(1);
	}
	return inf;
}

static int
cmd_sync(const char *ns)
{
	struct k8s *k = client(0);
	struct adds adds = { 0 };
	int64_t t0 = now_ms();
	struct informer *inf = informer_on(k, ns, &adds);
	int64_t t1 = now_ms();
	struct err err = ERR_INIT;
	struct doc *sel = NULL;

	/* A label-index lookup, to show what the cache answers. */
	if (informer_list(&sel, inf, ns, "shard=s3", &err) == -1)
		fprintf(stderr, "ctrl_bench: %s\n", err.msg);
	printf("synced %zu objects in %lld ms; %zu labelled shard=s3\n",
	    informer_count(inf), (long long)(t1 - t0),
	    sel != NULL ? doc_count(sel) : 0);
	doc_free(sel);
	informer_free(inf);
	k8s_free(k);
	return 0;
}

struct churn {
	struct k8s *k;
	const char *ns;
	long n;
	atomic_long next;
};

static void *
churn_worker(void *arg)
{
	struct churn *c = arg;
	struct arena *a = arena_new();
	long i;

	while ((i = atomic_fetch_add(&c->next, 1)) < c->n) {
		struct err err = ERR_INIT;
		struct doc_node *o = doc_new_map(a), *meta = doc_new_map(a);
		char *name = arena_printf(a, "churn-%06ld", i);

		doc_map_set(a, o, "apiVersion", 10, doc_new_str(a, "v1", 2));
		doc_map_set(a, o, "kind", 4, doc_new_str(a, "ConfigMap", 9));
		doc_map_set(a, meta, "name", 4,
		    doc_new_str(a, name, strlen(name)));
		doc_map_set(a, meta, "namespace", 9,
		    doc_new_str(a, c->ns, strlen(c->ns)));
		doc_map_set(a, o, "metadata", 8, meta);
		if (k8s_create(NULL, c->k, o, NULL, &err) == -1)
			fprintf(stderr, "ctrl_bench: %s\n", err.msg);
	}
	arena_free(a);
	return NULL;
}

static int
cmd_churn(const char *ns, long n, long w)
{
	struct churn c = { client(-1), ns, n, 0 };
	struct adds adds = { 0 };
	struct informer *inf = informer_on(c.k, ns, &adds);
	long before = atomic_load(&adds.n);
	pthread_t t[MAX_THREADS];
	int64_t t0, t1, deadline;

	w = w < 1 ? 1 : w > MAX_THREADS ? MAX_THREADS : w;
	t0 = now_ms();
	for (long i = 0; i < w; i++)
		pthread_create(&t[i], NULL, churn_worker, &c);
	for (long i = 0; i < w; i++)
		pthread_join(t[i], NULL);
	t1 = now_ms();
	deadline = t1 + 120 * 1000;
	while (atomic_load(&adds.n) - before < n && now_ms() < deadline) {
		struct timespec ts = { 0, 1000000 };

		nanosleep(&ts, NULL);
	}
	printf("created %ld in %lld ms; %ld ADD events seen %lld ms after "
	       "the first create\n",
	    n, (long long)(t1 - t0), atomic_load(&adds.n) - before,
	    (long long)(now_ms() - t0));
	informer_free(inf);
	k8s_free(c.k);
	return atomic_load(&adds.n) - before == n ? 0 : 1;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "sync") == 0)
		return cmd_sync(argv[2]);
	if (argc == 5 && strcmp(argv[1], "churn") == 0)
		return cmd_churn(argv[2], number(argv[3]), number(argv[4]));
	fprintf(stderr, "usage: ctrl_bench sync NS | churn NS N THREADS\n");
	return 2;
}
