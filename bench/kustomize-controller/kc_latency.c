/*
 * Commit to cluster latency through source-controller and
 * kustomize-controller: for each round, run a shell command that writes
 * a new value into a ConfigMap manifest, commits and pushes it (not
 * timed: that is the user's part) and prints the value; then send a
 * ReconcileRequest for the GitRepository, as a push webhook does, and
 * time until a watch on the ConfigMap sees the value in the cluster.
 *
 *   kc_latency <kubeconfig> <bus-reconcile> <namespace> <gitrepository>
 *              <configmap> <rounds> <push command; prints the value>
 *
 * Prints one line per round, then min, p50, p99 and max in ms.
 */
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus/bus.h"
#include "core/mem.h"
#include "core/str.h"
#include "k8s/k8s.h"

#define ROUNDS_MAX 1000
#define WAIT_S     60
#define VALUE_MAX  64

extern char **environ;

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char value[VALUE_MAX]; /* data.value of the latest version seen */
	int64_t at_ns;
	struct k8s_watch *w;
} seen = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void *
watch_run(void *arg)
{
	struct k8s_watch_event ev;
	struct err err = ERR_INIT;

	(void)arg;
	while (k8s_watch_next(&ev, seen.w, &err) == 0 &&
	    ev.type != K8S_WATCH_STOPPED) {
		const char *v = doc_str(doc_ptr_find(ev.object, "/data/value"));

		if (ev.object == NULL || v == NULL)
			continue;
		pthread_mutex_lock(&seen.mu);
		str_lcpy(seen.value, v, sizeof(seen.value));
		seen.at_ns = now_ns();
		pthread_cond_broadcast(&seen.cv);
		pthread_mutex_unlock(&seen.mu);
	}
	if (err.code != ERR_OK)
		fprintf(stderr, "kc_latency: watch: %s\n", err.msg);
	return NULL;
}

/* Runs cmd with sh; its first output line into value. True on 0. */
static bool
push(const char *cmd, char value[VALUE_MAX])
{
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	posix_spawn_file_actions_t fa;
	int fds[2], status = -1;
	ssize_t n, got = 0;
	pid_t pid = -1;

	argv[2] = xstrdup(cmd);
	if (pipe(fds) == -1) {
		free(argv[2]);
		return false;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (got < VALUE_MAX - 1 &&
	    (n = read(fds[0], value + got, (size_t)(VALUE_MAX - 1 - got))) > 0)
		got += n;
	value[got] = '\0';
	value[strcspn(value, "\n")] = '\0';
	close(fds[0]);
	if (pid != -1)
		waitpid(pid, &status, 0);
	free(argv[2]);
	return status == 0 && value[0] != '\0';
}

/* When the watch saw value, or -1 after WAIT_S. */
static int64_t
wait_value(const char *value)
{
	struct timespec dl;
	int64_t at = -1;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += WAIT_S;
	pthread_mutex_lock(&seen.mu);
	while (strcmp(seen.value, value) != 0)
		if (pthread_cond_timedwait(&seen.cv, &seen.mu, &dl) != 0)
			break;
	if (strcmp(seen.value, value) == 0)
		at = seen.at_ns;
	pthread_mutex_unlock(&seen.mu);
	return at;
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static double
pct_ms(const int64_t *sorted, int n, int pct)
{
	int i = (n * pct + 99) / 100 - 1; /* nearest rank */

	return (double)sorted[i < 0 ? 0 : i] / 1e6;
}

static int
rounds_run(struct bus *pushq, const struct bus_msg *m, const char *cmd,
    int rounds)
{
	static int64_t lat[ROUNDS_MAX];
	struct err err = ERR_INIT;
	char value[VALUE_MAX];

	for (int i = 0; i < rounds; i++) {
		int64_t t0, at;

		if (!push(cmd, value)) {
			fprintf(stderr, "kc_latency: push failed\n");
			return 1;
		}
		t0 = now_ns();
		if (bus_send(pushq, m, &err) == -1) {
			fprintf(stderr, "kc_latency: %s\n", err.msg);
			return 1;
		}
		if ((at = wait_value(value)) == -1) {
			fprintf(stderr, "kc_latency: '%s' never applied\n",
			    value);
			return 1;
		}
		lat[i] = at - t0;
		printf("round %d: %.1f ms\n", i + 1, (double)lat[i] / 1e6);
	}
	qsort(lat, (size_t)rounds, sizeof(lat[0]), cmp_i64);
	printf("commit -> applied (ReconcileRequest), %d rounds: min %.1f ms, "
	       "p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
	    rounds, (double)lat[0] / 1e6, pct_ms(lat, rounds, 50),
	    pct_ms(lat, rounds, 99), (double)lat[rounds - 1] / 1e6);
	return 0;
}

static int
watch_start(pthread_t *t, struct k8s *k, const char *ns, const char *name,
    struct err *err)
{
	char *sel = xasprintf("metadata.name=%s", name);
	struct k8s_watch_opts o = { { "v1", "ConfigMap", ns, NULL, sel, 0 },
		NULL, 0 };
	int rv = k8s_watch_open(&seen.w, k, &o, err);

	free(sel);
	if (rv == -1)
		return -1;
	if (pthread_create(t, NULL, watch_run, NULL) != 0)
		return err_set(err, ERR_INTERNAL, "cannot start the watch");
	return 0;
}

int
main(int argc, char **argv)
{
	struct bus_opts po = { .sender = "kc-latency" };
	struct bus_msg m = { .type = BUS_RECONCILE };
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	struct bus *pushq = NULL;
	struct k8s *k = NULL;
	int64_t rounds = 0;
	pthread_t t;
	int rc = 1;

	if (argc != 8 || str_to_i64(&rounds, argv[6], &err) == -1 ||
	    rounds < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr,
		    "usage: kc_latency <kubeconfig> <bus-reconcile> <namespace> "
		    "<gitrepository> <configmap> <rounds 1..1000> <push command>\n");
		return 2;
	}
	m.reconcile.kind = "GitRepository";
	m.reconcile.namespace = argv[3];
	m.reconcile.name = argv[4];
	m.reconcile.reason = "bench";
	if (k8s_config_load(&cfg, argv[1], NULL, &err) == -1 ||
	    k8s_new(&k, &cfg, NULL, &err) == -1 ||
	    watch_start(&t, k, argv[3], argv[5], &err) == -1 ||
	    bus_open(&pushq, BUS_PUSH, argv[2], &po, &err) == -1 ||
	    bus_wait_peers(pushq, 1, WAIT_S * 1000, &err) == -1) {
		fprintf(stderr, "kc_latency: %s\n", err.msg);
		return 1;
	}
	rc = rounds_run(pushq, &m, argv[7], (int)rounds);
	k8s_watch_cancel(seen.w);
	pthread_join(t, NULL);
	k8s_watch_close(seen.w);
	bus_close(pushq);
	bus_shutdown();
	k8s_free(k);
	k8s_config_release(&cfg);
	return rc;
}
