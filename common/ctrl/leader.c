/*
 * The elector: one thread that campaigns for a Lease, then renews it,
 * then (lost or stopped) reports the end and campaigns again unless told
 * to stop. Validity is judged by local observation time: a holder's
 * lease lapses leaseDuration after we last saw its resourceVersion move.
 */
#include "ctrl/leader.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"

#define DEFAULT_LEASE_MS    15000
#define DEFAULT_RENEW_MS    10000
#define DEFAULT_RETRY_MS    2000
#define JITTER_FACTOR       1.2 /* client-go's wait.JitterUntil factor */
#define RELEASED_DURATION_S 1

struct leader {
	struct k8s *k; /* our own client */
	char *ns, *name, *identity;
	int64_t lease_ms, renew_ms, retry_ms;
	leader_fn *on_start, *on_stop;
	leader_observe_fn *on_new_leader;
	void *arg;
	bool keep_on_stop;
	struct log_ctx log;

	pthread_mutex_t mu; /* guards what follows */
	pthread_cond_t cv;
	bool running, stopping, leading;
	int64_t renewed_ms; /* last successful renewal, monotonic */
	pthread_t thread;

	/* the elector thread's own */
	struct k8s_lease seen; /* the Lease as last read or written */
	int64_t seen_ms;       /* when its resourceVersion last moved */
	uint64_t seed;
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t
wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static uint64_t
random_u64(void)
{
	uint64_t v = 0;

	if (getrandom(&v, sizeof(v), 0) != (ssize_t)sizeof(v))
		v = (uint64_t)wall_us() ^ ((uint64_t)getpid() << 32);
	return v | 1;
}

/* controller-runtime's identity: the hostname and a random suffix. */
static char *
identity_default(void)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		str_lcpy(host, "flint", sizeof(host));
	host[sizeof(host) - 1] = '\0';
	return xasprintf("%s_%016llx", host, (unsigned long long)random_u64());
}

static int
opts_check(const struct leader_opts *o, int64_t lease, int64_t renew,
    int64_t retry, struct err *err)
{
	if (o->namespace == NULL || o->namespace[0] == '\0' ||
	    o->name == NULL || o->name[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "leader election needs a lease namespace and name");
	if (lease <= renew)
		return err_set(err, ERR_INVALID,
		    "lease duration must be greater than the renew deadline");
	if (retry <= 0 || (double)renew <= JITTER_FACTOR * (double)retry)
		return err_set(err, ERR_INVALID,
		    "renew deadline must be greater than 1.2 times the retry period");
	if (o->identity != NULL && strlen(o->identity) >= 254)
		return err_set(err, ERR_INVALID, "identity too long");
	return 0;
}

static int64_t
or_default(int64_t v, int64_t def)
{
	return v > 0 ? v : def;
}

/* A client that answers (or fails) within the renew deadline. */
static int
client_new(struct k8s **out, const struct k8s_config *cfg, int64_t renew_ms,
    struct err *err)
{
	struct k8s_options o;

	memset(&o, 0, sizeof(o));
	o.qps = -1;
	o.timeout_ms = renew_ms / 2 > 1000 ? renew_ms / 2 : 1000;
	o.max_retries = 1;
	return k8s_new(out, cfg, &o, err);
}

int
leader_new(struct leader **out, const struct k8s_config *cfg,
    const struct leader_opts *opts, struct err *err)
{
	int64_t lease = or_default(opts->lease_duration_ms, DEFAULT_LEASE_MS);
	int64_t renew = or_default(opts->renew_deadline_ms, DEFAULT_RENEW_MS);
	int64_t retry = or_default(opts->retry_period_ms, DEFAULT_RETRY_MS);
	struct leader *l;
	pthread_condattr_t ca;

	if (opts_check(opts, lease, renew, retry, err) == -1)
		return err_wrap(err, "leader election");
	l = xcalloc(1, sizeof(*l));
	if (client_new(&l->k, cfg, renew, err) == -1) {
		free(l);
		return err_wrap(err, "leader election");
	}
	l->ns = xstrdup(opts->namespace);
	l->name = xstrdup(opts->name);
	l->identity = opts->identity != NULL ? xstrdup(opts->identity)
	                                     : identity_default();
	l->lease_ms = lease;
	l->renew_ms = renew;
	l->retry_ms = retry;
	l->on_start = opts->on_start;
	l->on_stop = opts->on_stop;
	l->on_new_leader = opts->on_new_leader;
	l->arg = opts->arg;
	l->keep_on_stop = opts->keep_on_stop;
	l->seed = random_u64();
	pthread_mutex_init(&l->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&l->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = l;
	return 0;
}

void
leader_free(struct leader *l)
{
	if (l == NULL)
		return;
	leader_stop(l);
	k8s_free(l->k);
	pthread_cond_destroy(&l->cv);
	pthread_mutex_destroy(&l->mu);
	free(l->ns);
	free(l->name);
	free(l->identity);
	free(l);
}

const char *
leader_identity(const struct leader *l)
{
	return l->identity;
}

bool
leader_is_leading(struct leader *l)
{
	bool leading;

	pthread_mutex_lock(&l->mu);
	leading = l->leading && mono_ms() - l->renewed_ms < l->renew_ms;
	pthread_mutex_unlock(&l->mu);
	return leading;
}

/* Sleeps ms unless stopping; false if stopping. */
static bool
nap(struct leader *l, int64_t ms)
{
	int64_t deadline = mono_ms() + ms;
	struct timespec ts;
	bool stopping;

	ts.tv_sec = deadline / 1000;
	ts.tv_nsec = (deadline % 1000) * 1000000;
	pthread_mutex_lock(&l->mu);
	while (!l->stopping && mono_ms() < deadline)
		pthread_cond_timedwait(&l->cv, &l->mu, &ts);
	stopping = l->stopping;
	pthread_mutex_unlock(&l->mu);
	return !stopping;
}

/* retryPeriod plus up to 1.2 times it, so candidates spread out. */
static int64_t
jittered(struct leader *l, int64_t ms)
{
	l->seed ^= l->seed << 13;
	l->seed ^= l->seed >> 7;
	l->seed ^= l->seed << 17;
	return ms +
	    (int64_t)((double)(l->seed % 1000) / 1000.0 * JITTER_FACTOR *
	        (double)ms);
}

/* ---- one attempt -------------------------------------------------------- */

/* Notes the Lease as read or written: a moved version restarts the
 * holder's lease in our eyes; a new holder is announced. */
static void
observe(struct leader *l, const struct k8s_lease *cur)
{
	bool moved = strcmp(cur->resource_version, l->seen.resource_version) !=
	    0;
	bool new_holder = strcmp(cur->holder, l->seen.holder) != 0;

	if (moved)
		l->seen_ms = mono_ms();
	l->seen = *cur;
	if (new_holder && cur->holder[0] != '\0' && l->on_new_leader != NULL)
		l->on_new_leader(l->arg, cur->holder);
}

static void
lease_claim(struct leader *l, struct k8s_lease *next,
    const struct k8s_lease *cur)
{
	int64_t now = wall_us();

	*next = *cur;
	if (strcmp(cur->holder, l->identity) != 0) {
		next->acquire_us = now;
		next->transitions = cur->transitions + 1;
	}
	str_lcpy(next->holder, l->identity, sizeof(next->holder));
	next->duration_s = (l->lease_ms + 999) / 1000;
	next->renew_us = now;
}

static int
lease_create(struct leader *l, struct err *err)
{
	struct k8s_lease next;

	memset(&next, 0, sizeof(next));
	lease_claim(l, &next, &next);
	next.transitions = 0;
	if (k8s_lease_create(l->k, l->ns, l->name, &next, err) == -1)
		return -1;
	observe(l, &next);
	return 1;
}

/* 1: we hold the Lease now; 0: another holder's is still valid; -1:
 * the API failed or another candidate was faster (ERR_CONFLICT). */
static int
try_acquire_or_renew(struct leader *l, struct err *err)
{
	struct k8s_lease cur, next;

	if (k8s_lease_get(&cur, l->k, l->ns, l->name, err) == -1) {
		if (err->code != ERR_NOTFOUND)
			return -1;
		err_reset(err);
		return lease_create(l, err);
	}
	observe(l, &cur);
	if (cur.holder[0] != '\0' && strcmp(cur.holder, l->identity) != 0 &&
	    mono_ms() < l->seen_ms + l->lease_ms)
		return 0;
	lease_claim(l, &next, &cur);
	if (k8s_lease_update(l->k, l->ns, l->name, &next, err) == -1)
		return -1;
	observe(l, &next);
	return 1;
}

/* Hands the Lease back so a successor takes it at once. */
static void
release(struct leader *l)
{
	struct err err = ERR_INIT;
	struct k8s_lease next = l->seen;
	int64_t now = wall_us();

	if (strcmp(next.holder, l->identity) != 0)
		return;
	next.holder[0] = '\0';
	next.duration_s = RELEASED_DURATION_S;
	next.acquire_us = now;
	next.renew_us = now;
	if (k8s_lease_update(l->k, l->ns, l->name, &next, &err) == -1)
		log_error(&l->log, &err, "failed to release lease %s/%s", l->ns,
		    l->name);
	else
		observe(l, &next);
}

/* ---- the elector thread ----------------------------------------------- */

static void
leading_set(struct leader *l, bool leading)
{
	pthread_mutex_lock(&l->mu);
	l->leading = leading;
	l->renewed_ms = mono_ms();
	pthread_mutex_unlock(&l->mu);
}

/* Campaigns until the Lease is ours (true) or we are stopped (false). */
static bool
acquire(struct leader *l)
{
	log_info(&l->log, "attempting to acquire leader lease %s/%s...", l->ns,
	    l->name);
	for (;;) {
		struct err err = ERR_INIT;
		int rc = try_acquire_or_renew(l, &err);

		if (rc == 1)
			return true;
		if (rc == -1 && err.code != ERR_CONFLICT)
			log_error(&l->log, &err, "error retrieving lease %s/%s",
			    l->ns, l->name);
		if (!nap(l, jittered(l, l->retry_ms)))
			return false;
	}
}

/* Renews until a renewal misses the deadline or we are stopped. */
static void
renew(struct leader *l)
{
	int64_t last = mono_ms();

	while (nap(l, l->retry_ms)) {
		struct err err = ERR_INIT;

		if (try_acquire_or_renew(l, &err) == 1) {
			last = mono_ms();
			leading_set(l, true);
			continue;
		}
		if (err.code != ERR_OK)
			log_error(&l->log, &err, "failed to renew lease %s/%s",
			    l->ns, l->name);
		if (mono_ms() - last >= l->renew_ms) {
			log_info(&l->log, "leader election lost");
			return;
		}
	}
}

static bool
stopping(struct leader *l)
{
	bool s;

	pthread_mutex_lock(&l->mu);
	s = l->stopping;
	pthread_mutex_unlock(&l->mu);
	return s;
}

static void *
elector_main(void *arg)
{
	struct leader *l = arg;

	while (acquire(l)) {
		leading_set(l, true);
		log_info(&l->log, "successfully acquired lease %s/%s", l->ns,
		    l->name);
		if (l->on_start != NULL)
			l->on_start(l->arg);
		renew(l);
		leading_set(l, false);
		if (stopping(l) && !l->keep_on_stop)
			release(l);
		if (l->on_stop != NULL)
			l->on_stop(l->arg);
		if (stopping(l))
			break;
	}
	return NULL;
}

int
leader_start(struct leader *l, struct err *err)
{
	pthread_mutex_lock(&l->mu);
	if (l->running) {
		pthread_mutex_unlock(&l->mu);
		return err_set(err, ERR_CONFLICT,
		    "leader election already runs");
	}
	l->running = true;
	pthread_mutex_unlock(&l->mu);
	if (pthread_create(&l->thread, NULL, elector_main, l) != 0)
		BUG("cannot start the leader election thread");
	return 0;
}

void
leader_stop(struct leader *l)
{
	pthread_mutex_lock(&l->mu);
	if (!l->running) {
		pthread_mutex_unlock(&l->mu);
		return;
	}
	l->stopping = true;
	pthread_cond_broadcast(&l->cv);
	pthread_mutex_unlock(&l->mu);
	pthread_join(l->thread, NULL);
	pthread_mutex_lock(&l->mu);
	l->running = false;
	l->stopping = false;
	pthread_mutex_unlock(&l->mu);
}
