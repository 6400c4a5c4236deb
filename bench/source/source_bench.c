/*
 * Commit to ArtifactEvent latency through a running source-controller:
 * for each round, run a shell command that commits and pushes to the
 * repository a GitRepository tracks (not timed: that is the user's
 * part), then send a ReconcileRequest for it and time until the
 * ArtifactEvent with the new revision arrives on the bus.
 *
 *   source_bench <bus-artifacts> <bus-reconcile> <namespace> <name>
 *                <rounds> <push command; prints the new commit id>
 *
 * Prints one line per round and min, median, p95 and max in ms.
 */
#include <inttypes.h>
#include <pthread.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus/bus.h"
#include "core/str.h"

#define ROUNDS_MAX 1000
#define WAIT_MS    30000

extern char **environ;

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	const char *name;
	char revision[128]; /* the latest seen for name */
	int64_t at_ns;
} seen = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void
on_artifact(void *arg, const struct bus_msg *m)
{
	(void)arg;
	if (m->type != BUS_ARTIFACT ||
	    strcmp(m->artifact.source_name, seen.name) != 0)
		return;
	pthread_mutex_lock(&seen.mu);
	str_lcpy(seen.revision, m->artifact.revision, sizeof(seen.revision));
	seen.at_ns = now_ns();
	pthread_cond_broadcast(&seen.cv);
	pthread_mutex_unlock(&seen.mu);
}

/* Runs cmd with sh, its stdout's first 40 bytes into sha; true on 0. */
static bool
push(const char *cmd, char sha[41])
{
	int fds[2];
	posix_spawn_file_actions_t fa;
	char *argv[] = { "/bin/sh", "-c", NULL, NULL };
	pid_t pid;
	int status = -1;
	ssize_t n, got = 0;
	char *dup = strdup(cmd);

	argv[2] = dup;
	if (dup == NULL || pipe(fds) == -1) {
		free(dup);
		return false;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addclose(&fa, fds[0]);
	if (posix_spawn(&pid, argv[0], &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	while (got < 40 && (n = read(fds[0], sha + got, 40 - got)) > 0)
		got += n;
	sha[got] = '\0';
	close(fds[0]);
	if (pid != -1)
		waitpid(pid, &status, 0);
	free(dup);
	return status == 0 && got == 40;
}

/* Waits for an ArtifactEvent whose revision ends in sha; its time or
 * -1. */
static int64_t
wait_revision(const char *sha)
{
	struct timespec dl;
	int64_t at = -1;

	clock_gettime(CLOCK_REALTIME, &dl);
	dl.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&seen.mu);
	while (!str_has_suffix(seen.revision, sha))
		if (pthread_cond_timedwait(&seen.cv, &seen.mu, &dl) != 0)
			break;
	if (str_has_suffix(seen.revision, sha))
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

static int
bench(struct bus *pushq, const char *ns, const char *cmd, int rounds)
{
	static int64_t lat[ROUNDS_MAX];
	struct bus_msg m = { .type = BUS_RECONCILE };
	struct err err = ERR_INIT;
	char sha[41];

	m.reconcile.kind = "GitRepository";
	m.reconcile.namespace = ns;
	m.reconcile.name = seen.name;
	m.reconcile.reason = "bench";
	for (int i = 0; i < rounds; i++) {
		int64_t t0, at;

		if (!push(cmd, sha)) {
			fprintf(stderr, "source_bench: push failed\n");
			return 1;
		}
		t0 = now_ns();
		if (bus_send(pushq, &m, &err) == -1) {
			fprintf(stderr, "source_bench: %s\n", err.msg);
			return 1;
		}
		if ((at = wait_revision(sha)) == -1) {
			fprintf(stderr, "source_bench: no event for %s\n", sha);
			return 1;
		}
		lat[i] = at - t0;
		printf("round %d: %.1f ms\n", i + 1, (double)lat[i] / 1e6);
	}
	qsort(lat, (size_t)rounds, sizeof(lat[0]), cmp_i64);
	printf("commit -> ArtifactEvent (ReconcileRequest), %d rounds: "
	       "min %.1f ms, median %.1f ms, p95 %.1f ms, max %.1f ms\n",
	    rounds, (double)lat[0] / 1e6, (double)lat[rounds / 2] / 1e6,
	    (double)lat[(rounds * 95) / 100 < rounds ? (rounds * 95) / 100
	                                             : rounds - 1] /
	        1e6,
	    (double)lat[rounds - 1] / 1e6);
	return 0;
}

int
main(int argc, char **argv)
{
	struct bus_opts so = { .recv = on_artifact };
	struct bus_opts po = { .sender = "source-bench" };
	struct bus *sub = NULL, *pushq = NULL;
	struct err err = ERR_INIT;
	int64_t rounds = 0;
	int rc = 1;

	if (argc != 7 || str_to_i64(&rounds, argv[5], &err) == -1 ||
	    rounds < 1 || rounds > ROUNDS_MAX) {
		fprintf(stderr,
		    "usage: source_bench <bus-artifacts> <bus-reconcile> "
		    "<namespace> <name> <rounds 1..1000> <push command>\n");
		return 2;
	}
	seen.name = argv[4];
	if (bus_open(&sub, BUS_SUB, argv[1], &so, &err) == -1 ||
	    bus_open(&pushq, BUS_PUSH, argv[2], &po, &err) == -1 ||
	    bus_wait_peers(sub, 1, WAIT_MS, &err) == -1 ||
	    bus_wait_peers(pushq, 1, WAIT_MS, &err) == -1)
		fprintf(stderr, "source_bench: %s\n", err.msg);
	else
		rc = bench(pushq, argv[3], argv[6], (int)rounds);
	bus_close(pushq);
	bus_close(sub);
	bus_shutdown();
	return rc;
}
