/*
 * ctrl_run(): a daemon's controllers from start to clean stop, in
 * controller-runtime's order. Caches start at once so a standby replica
 * is warm; workers run only while leading; a lost Lease ends the run
 * (the process exits and is restarted) because workers cannot be told
 * to drop reconciles already under way.
 */
#include "ctrl/ctrl.h"

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/sig.h"
#include "ctrl/ctrl_int.h"

struct run {
	struct ctrl *const *ctrls;
	size_t n;
	const sigset_t *signals;
	pthread_mutex_t mu; /* workers start and stop under it */
	atomic_bool stopping;
	atomic_bool lost;
};

/* Starts every controller's workers unless the run is stopping: the
 * elector's thread may win the Lease just as main() stops. */
static void
workers_start(struct run *run)
{
	pthread_mutex_lock(&run->mu);
	for (size_t i = 0; i < run->n && !atomic_load(&run->stopping); i++)
		ctrl_start_workers(run->ctrls[i]);
	pthread_mutex_unlock(&run->mu);
}

static void
on_start_leading(void *arg)
{
	workers_start(arg);
}

/* Wakes the main thread's sigwait() with a process-directed signal it
 * waits for. */
static void
on_stop_leading(void *arg)
{
	struct run *run = arg;

	if (atomic_load(&run->stopping))
		return;
	atomic_store(&run->lost, true);
	for (int sig = 1; sig < NSIG; sig++) {
		if (sigismember(run->signals, sig) == 1) {
			kill(getpid(), sig);
			return;
		}
	}
}

/* A termination signal is pending (and is taken). */
static bool
signalled(const sigset_t *set)
{
	struct timespec zero = { 0, 0 };

	return sigtimedwait(set, NULL, &zero) > 0;
}

/* 0 when every cache synced, 1 on a signal, -1 past the timeout. */
static int
caches_sync(struct run *run, const struct ctrl_run_opts *o, struct err *err)
{
	int64_t deadline = o->sync_timeout_ms > 0
	    ? ctrl_now_ms() + o->sync_timeout_ms
	    : -1;

	for (size_t i = 0; i < run->n; i++) {
		struct informer *inf = ctrl_informer(run->ctrls[i]);

		while (!informer_wait_synced(inf, 1000)) {
			if (signalled(o->signals))
				return 1;
			if (deadline >= 0 && ctrl_now_ms() > deadline)
				return err_set(err, ERR_TIMEOUT,
				    "caches did not sync within %lld ms",
				    (long long)o->sync_timeout_ms);
		}
	}
	return 0;
}

static int
leader_begin(struct leader **out, struct run *run,
    const struct ctrl_run_opts *o, struct err *err)
{
	struct leader_opts lo = *o->leader;

	if (o->config == NULL)
		return err_set(err, ERR_INVALID,
		    "leader election needs a client configuration");
	lo.on_start = on_start_leading;
	lo.on_stop = on_stop_leading;
	lo.arg = run;
	lo.on_new_leader = NULL; /* its arg would be ours, not the caller's */
	if (leader_new(out, o->config, &lo, err) == -1)
		return -1;
	return leader_start(*out, err);
}

static void
stop_all(struct run *run, struct leader *l)
{
	pthread_mutex_lock(&run->mu);
	atomic_store(&run->stopping, true);
	for (size_t i = 0; i < run->n; i++)
		ctrl_stop_workers(run->ctrls[i]);
	pthread_mutex_unlock(&run->mu);
	leader_free(l); /* releases the Lease once no worker runs */
	for (size_t i = 0; i < run->n; i++)
		informer_stop(ctrl_informer(run->ctrls[i]));
}

int
ctrl_run(struct ctrl *const *ctrls, size_t n, const struct ctrl_run_opts *o,
    struct err *err)
{
	struct run run = { ctrls, n, o->signals, PTHREAD_MUTEX_INITIALIZER,
		false, false };
	struct leader *l = NULL;
	int rv = 0;

	for (size_t i = 0; i < n && rv == 0; i++)
		rv = ctrl_start(ctrls[i], err);
	if (rv == 0)
		rv = caches_sync(&run, o, err);
	if (rv == 0 && o->leader != NULL)
		rv = leader_begin(&l, &run, o, err);
	else if (rv == 0)
		workers_start(&run);
	if (rv == 0)
		sig_wait_term(o->signals);
	stop_all(&run, l);
	pthread_mutex_destroy(&run.mu);
	if (rv == -1)
		return -1;
	if (atomic_load(&run.lost))
		return err_set(err, ERR_INTERNAL, "leader election lost");
	return 0;
}
