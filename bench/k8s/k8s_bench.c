/*
 * The Kubernetes client under load, for bench/k8s/run.sh to time beside
 * kubectl on the same control plane (the kubeconfig comes from
 * KUBECONFIG):
 *
 *   k8s_bench gen N                 print N ConfigMaps as a YAML stream
 *   k8s_bench seed NS N             create N ConfigMaps in NS (8 threads)
 *   k8s_bench list NS [stream]      list every ConfigMap in NS and print
 *                                   the List as `kubectl get -o json` does
 *                                   (stream: page by page, never whole)
 *   k8s_bench apply NS FILE [W [nolimit]]
 *                                   server-side apply every document of
 *                                   FILE into NS, with W workers [1] and
 *                                   the default QPS limit, or none
 *
 * Not a test: nothing here checks results beyond counting them.
 */
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"
#include "k8s/k8s_int.h"

#define SEED_THREADS 8

static struct k8s *
client(double qps)
{
	struct k8s_options opts = { qps, 0, 0, 0, "flint-bench" };
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	struct k8s *k = NULL;

	if (k8s_config_load(&cfg, NULL, NULL, &err) == -1 ||
	    k8s_new(&k, &cfg, &opts, &err) == -1) {
		(void)fprintf(stderr, "k8s_bench: %s\n", err.msg);
		exit(1);
	}
	k8s_config_release(&cfg);
	return k;
}

/* One ConfigMap of about 1 kB, the same for gen and seed. */
static void
configmap_yaml(struct buf *b, const char *ns, long i)
{
	buf_printf(b,
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
	    "  name: bench-%05ld\n",
	    i);
	if (ns != NULL)
		buf_printf(b, "  namespace: %s\n", ns);
	buf_printf(b,
	    "  labels: {app.kubernetes.io/name: bench, shard: 's%ld'}\n"
	    "  annotations: {flint.example/owner: 'team-%ld'}\n"
	    "data:\n"
	    "  index: '%ld'\n"
	    "  settings.yaml: |\n"
	    "    replicas: %ld\n"
	    "    image: registry.example/app:v1.%ld.0\n"
	    "    resources: {cpu: 100m, memory: 128Mi}\n"
	    "    features: [alpha, beta, gamma, delta]\n"
	    "  motd: 'Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
	    "sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. "
	    "Ut enim ad minim veniam, quis nostrud exercitation ullamco laboris "
	    "nisi ut aliquip ex ea commodo consequat.'\n",
	    i % 16, i % 7, i, i % 5 + 1, i % 40);
}

static int
cmd_gen(long n)
{
	struct buf b;
	long i;

	buf_init(&b, BUF_MAX_DEFAULT);
	for (i = 0; i < n; i++) {
		if (i > 0)
			buf_puts(&b, "---\n");
		configmap_yaml(&b, NULL, i);
	}
	(void)fwrite(b.data, 1, b.len, stdout);
	buf_release(&b);
	return 0;
}

struct seed {
	struct k8s *k;
	const char *ns;
	long n;
	atomic_long next;
	atomic_long failed;
};

static void *
seed_worker(void *arg)
{
	struct seed *s = arg;
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct buf b;
	long i;

	buf_init(&b, 1 << 20);
	while ((i = atomic_fetch_add(&s->next, 1)) < s->n) {
		buf_reset(&b);
		configmap_yaml(&b, s->ns, i);
		if (doc_parse_yaml(&d, b.data, b.len, NULL, &err) == -1 ||
		    k8s_create(NULL, s->k, doc_root(d, 0), NULL, &err) == -1) {
			if (err.code != ERR_CONFLICT) {
				(void)fprintf(stderr, "k8s_bench: %s\n",
				    err.msg);
				atomic_fetch_add(&s->failed, 1);
			}
			err_reset(&err);
		}
		doc_free(d);
		d = NULL;
	}
	buf_release(&b);
	return NULL;
}

static int
cmd_seed(const char *ns, long n)
{
	struct seed s = { client(-1), ns, n, 0, 0 };
	pthread_t t[SEED_THREADS];
	int i;

	for (i = 0; i < SEED_THREADS; i++)
		pthread_create(&t[i], NULL, seed_worker, &s);
	for (i = 0; i < SEED_THREADS; i++)
		pthread_join(t[i], NULL);
	k8s_free(s.k);
	return atomic_load(&s.failed) == 0 ? 0 : 1;
}

/* Prints pages as they come, as items of one List, without ever holding
 * more than a page. */
struct stream {
	struct buf out;
	long items;
};

static int
stream_page(void *arg, const struct doc_node *page, struct err *err)
{
	const struct doc_node *items = doc_map_get(page, "items");
	struct stream *s = arg;
	size_t i;

	for (i = 0; items != NULL && i < items->u.seq.n; i++) {
		buf_reset(&s->out);
		buf_puts(&s->out, s->items++ == 0 ? "\n" : ",\n");
		if (doc_emit_json(&s->out, items->u.seq.items[i],
		        DOC_JSON_INDENT, err) == -1)
			return -1;
		(void)fwrite(s->out.data, 1, s->out.len, stdout);
	}
	return 0;
}

static int
cmd_list(const char *ns, bool streaming)
{
	struct k8s_list_opts o = { "v1", "ConfigMap", ns, NULL, NULL, 0 };
	struct stream s = { { 0 }, 0 };
	struct k8s *k = client(0);
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct buf out;
	int rv;

	if (streaming) {
		buf_init(&s.out, BUF_MAX_DEFAULT);
		(void)fputs("{\n  \"apiVersion\": \"v1\",\n  \"items\": [",
		    stdout);
		rv = k8s_list_pages(k, &o, stream_page, &s, &err);
		(void)fputs("\n  ],\n  \"kind\": \"List\"\n}\n", stdout);
		buf_release(&s.out);
	} else {
		buf_init(&out, BUF_MAX_DEFAULT);
		rv = k8s_list(&d, k, &o, &err);
		if (rv == 0)
			rv = doc_emit_json(&out, doc_root(d, 0),
			    DOC_JSON_INDENT, &err);
		(void)fwrite(out.data, 1, out.len, stdout);
		buf_release(&out);
		doc_free(d);
	}
	if (rv == -1)
		(void)fprintf(stderr, "k8s_bench: %s\n", err.msg);
	k8s_free(k);
	return rv == 0 ? 0 : 1;
}

struct apply {
	struct k8s *k;
	struct doc *docs;
	const char *ns;
	atomic_size_t next;
	atomic_long failed;
};

static void *
apply_worker(void *arg)
{
	struct k8s_write_opts o = { "flint-bench", false, false, NULL };
	struct apply *a = arg;
	struct err err = ERR_INIT;
	size_t i;

	while ((i = atomic_fetch_add(&a->next, 1)) < doc_count(a->docs)) {
		if (k8s_apply(NULL, a->k, doc_root(a->docs, i), &o, &err) ==
		    -1) {
			(void)fprintf(stderr, "k8s_bench: %s\n", err.msg);
			atomic_fetch_add(&a->failed, 1);
			err_reset(&err);
		}
	}
	return NULL;
}

/* Reads FILE, puts every object in NS (before the workers start: an
 * arena is not thread-safe) and applies them. */
static int
cmd_apply(const char *ns, const char *file, int workers, bool nolimit)
{
	struct apply a = { client(nolimit ? -1 : 0), NULL, ns, 0, 0 };
	struct err err = ERR_INIT;
	pthread_t *t;
	char *text = NULL;
	size_t len = 0, i;
	struct doc_node *obj;
	int w;

	if (k8s_read_file(&text, &len, file, (size_t)1 << 30, &err) == -1 ||
	    doc_parse_yaml(&a.docs, text, len, NULL, &err) == -1) {
		(void)fprintf(stderr, "k8s_bench: %s\n", err.msg);
		return 1;
	}
	free(text);
	for (i = 0; i < doc_count(a.docs); i++) {
		obj = doc_root(a.docs, i);
		doc_ptr_set(doc_arena(a.docs), &obj, "/metadata/namespace",
		    doc_new_str(doc_arena(a.docs), ns, strlen(ns)), &err);
	}
	t = xcalloc((size_t)workers, sizeof(*t));
	for (w = 0; w < workers; w++)
		pthread_create(&t[w], NULL, apply_worker, &a);
	for (w = 0; w < workers; w++)
		pthread_join(t[w], NULL);
	free(t);
	(void)fprintf(stderr, "k8s_bench: applied %zu objects, %ld failed\n",
	    doc_count(a.docs), atomic_load(&a.failed));
	doc_free(a.docs);
	k8s_free(a.k);
	return atomic_load(&a.failed) == 0 ? 0 : 1;
}

static long
number(const char *s)
{
	struct err err = ERR_INIT;
	int64_t v;

	if (str_to_i64(&v, s, &err) == -1 || v < 1 || v > 10000000) {
		(void)fprintf(stderr, "k8s_bench: bad number '%s'\n", s);
		exit(2);
	}
	return (long)v;
}

int
main(int argc, char **argv)
{
	if (argc == 3 && strcmp(argv[1], "gen") == 0)
		return cmd_gen(number(argv[2]));
	if (argc == 4 && strcmp(argv[1], "seed") == 0)
		return cmd_seed(argv[2], number(argv[3]));
	if ((argc == 3 || argc == 4) && strcmp(argv[1], "list") == 0)
		return cmd_list(argv[2],
		    argc == 4 && strcmp(argv[3], "stream") == 0);
	if (argc >= 4 && argc <= 6 && strcmp(argv[1], "apply") == 0)
		return cmd_apply(argv[2], argv[3],
		    argc >= 5 ? (int)number(argv[4]) : 1,
		    argc == 6 && strcmp(argv[5], "nolimit") == 0);
	(void)fprintf(stderr,
	    "usage: k8s_bench gen N | seed NS N | list NS [stream] |"
	    " apply NS FILE [WORKERS [nolimit]]\n");
	return 2;
}
