/*
 * One kind's controller: the informer's events become queue keys (only
 * for changes a reconcile cares about), workers turn a key into a
 * reconcile of the cached object, and the result decides when the key
 * comes back.
 */
#include "ctrl/ctrl.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"
#include "ctrl/ctrl_int.h"
#include "ctrl/status.h"

#define JITTER_PERCENT_DEFAULT 5

struct result
result_ready(void)
{
	return (struct result){ RESULT_READY, 0 };
}

struct result
result_retry_after(int64_t ms)
{
	return (struct result){ RESULT_RETRY, ms > 0 ? ms : 0 };
}

struct result
result_retry(void)
{
	return (struct result){ RESULT_RETRY, 0 };
}

struct result
result_stalled(void)
{
	return (struct result){ RESULT_STALLED, 0 };
}

struct result
result_suspended(void)
{
	return (struct result){ RESULT_SUSPENDED, 0 };
}

int64_t
ctrl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t
ctrl_random(void)
{
	static _Thread_local uint64_t s; /* xorshift: spread, not secrecy */

	if (s == 0 && getrandom(&s, sizeof(s), 0) != (ssize_t)sizeof(s))
		s = (uint64_t)ctrl_now_ms() ^ (uint64_t)getpid();
	s |= 1;
	s ^= s << 13;
	s ^= s >> 7;
	s ^= s << 17;
	return s;
}

/* ---- what triggers a reconcile ------------------------------------------ */

static const char *
str_at(const struct doc_node *obj, const char *ptr)
{
	return doc_str(doc_ptr_find(obj, ptr));
}

static bool
same_str(const char *a, const char *b)
{
	return a == b || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

/* Flux's GenerationChanged | ReconcileRequested, plus the start of a
 * deletion: status-only updates (our own patches) do not count. */
static bool
update_matters(const struct doc_node *old, const struct doc_node *obj)
{
	static const char requested[] =
	    "/metadata/annotations/reconcile.fluxcd.io~1requestedAt";

	return !same_str(str_at(old, "/metadata/generation"),
	           str_at(obj, "/metadata/generation")) ||
	    !same_str(str_at(old, requested), str_at(obj, requested)) ||
	    (doc_ptr_find(old, "/metadata/deletionTimestamp") == NULL) !=
	    (doc_ptr_find(obj, "/metadata/deletionTimestamp") == NULL);
}

static void
on_event(void *arg, const struct informer_event *ev)
{
	struct ctrl *c = arg;

	if (ev->type == INFORMER_DELETE)
		return; /* gone: a queued key finds nothing and is forgotten */
	if (ev->type == INFORMER_UPDATE && !update_matters(ev->old, ev->object))
		return;
	queue_add(c->q, ev->key);
}

/* ---- the worker ------------------------------------------------------------
 */

static struct result
finalize(struct ctrl *c, struct reconciler *r)
{
	struct err err = ERR_INIT;
	struct result res;

	if (!ctrl_has_finalizer(r->obj.node, STATUS_FINALIZER)) {
		r->finished = true;
		return result_stalled();
	}
	if (c->finalize != NULL) {
		res = c->finalize(r, &r->obj);
		if (res.kind == RESULT_RETRY) {
			if (reconciler_patch_status(r, &err) == -1)
				log_error(&r->log, &err, "status patch failed");
			return res;
		}
	}
	if (ctrl_finalizer_remove(c->k, r->obj.node, STATUS_FINALIZER, &err) ==
	        -1 &&
	    err.code != ERR_NOTFOUND) {
		log_error(&r->log, &err, "Reconciler error");
		return result_retry();
	}
	r->finished = true;
	return result_stalled();
}

static struct result
reconcile_one(struct ctrl *c, struct reconciler *r)
{
	struct err err = ERR_INIT;
	struct result res;

	if (doc_ptr_find(r->obj.node, "/metadata/deletionTimestamp") != NULL)
		return finalize(c, r);
	if (c->finalizer &&
	    ctrl_finalizer_add(c->k, r->obj.node, STATUS_FINALIZER, &err) ==
	        -1) {
		log_error(&r->log, &err, "Reconciler error");
		return result_retry();
	}
	status_handle_requested_at(r->a, reconciler_status(r), r->obj.node);
	res = c->reconcile(r, &r->obj);
	if (reconciler_patch_status(r, &err) == -1) {
		if (err.code == ERR_NOTFOUND)
			return result_stalled(); /* deleted meanwhile */
		log_error(&r->log, &err, "Reconciler error");
		return result_retry();
	}
	return res;
}

/* interval ± jitter_percent, as Flux's jitter.JitteredIntervalDuration. */
static int64_t
jittered(const struct ctrl *c, int64_t interval_ms)
{
	int64_t spread = interval_ms * (int64_t)c->jitter_percent / 100;

	if (spread <= 0)
		return interval_ms;
	return interval_ms - spread +
	    (int64_t)(ctrl_random() % (uint64_t)(2 * spread + 1));
}

static void
log_finished(struct reconciler *r, int64_t interval_ms)
{
	char took[32], next[32];

	str_format_duration(took, sizeof(took), ctrl_now_ms() - r->started_ms);
	if (interval_ms <= 0) {
		log_info(&r->log, "Reconciliation finished in %s", took);
		return;
	}
	str_format_duration(next, sizeof(next), interval_ms);
	log_info(&r->log, "Reconciliation finished in %s, next run in %s", took,
	    next);
}

static void
requeue(struct ctrl *c, struct reconciler *r, struct result res)
{
	const char *key = r->obj.key;
	int64_t interval;

	switch (res.kind) {
	case RESULT_READY:
		queue_forget(c->q, key);
		interval = reconciler_interval_ms(r);
		if (interval > 0)
			queue_add_after(c->q, key, jittered(c, interval));
		log_finished(r, interval);
		break;
	case RESULT_RETRY:
		if (res.after_ms > 0) {
			queue_forget(c->q, key);
			queue_add_after(c->q, key, res.after_ms);
		} else {
			queue_add_backoff(c->q, key);
		}
		break;
	case RESULT_SUSPENDED:
		log_info(&r->log,
		    "Reconciliation is suspended for this object");
		queue_forget(c->q, key);
		break;
	case RESULT_STALLED:
		queue_forget(c->q, key);
		break;
	}
}

static void
work(void *arg, const char *key)
{
	struct ctrl *c = arg;
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	struct doc_node *node = NULL;
	struct reconciler r;

	if (informer_get(&node, a, c->inf, key, &err) == -1) {
		queue_forget(c->q, key); /* deleted: nothing left to do */
		arena_free(a);
		return;
	}
	reconciler_init(&r, c, a, key, node);
	requeue(c, &r, reconcile_one(c, &r));
	atomic_fetch_add(&c->reconciles, 1);
	reconciler_release(&r);
}

/* ---- lifecycle -------------------------------------------------------------
 */

static int
opts_check(const struct ctrl_opts *o, struct err *err)
{
	if (o->api_version == NULL || o->kind == NULL || o->reconcile == NULL)
		return err_set(err, ERR_INVALID,
		    "a controller needs a kind and a reconcile function");
	if (o->reporting_controller == NULL)
		return err_set(err, ERR_INVALID,
		    "a controller needs a reporting controller name");
	if (o->concurrent < 0)
		return err_set(err, ERR_INVALID, "negative concurrency");
	return 0;
}

/* "source.toolkit.fluxcd.io/v1" → "source.toolkit.fluxcd.io"; "" for
 * the core group. */
static char *
group_of(const char *api_version)
{
	const char *slash = strrchr(api_version, '/');

	return slash != NULL
	    ? xstrndup(api_version, (size_t)(slash - api_version))
	    : xstrdup("");
}

static char *
hostname_dup(void)
{
	char host[256];

	if (gethostname(host, sizeof(host)) != 0)
		return xstrdup("flint");
	host[sizeof(host) - 1] = '\0';
	return xstrdup(host);
}

static int
informer_make(struct ctrl *c, const struct ctrl_opts *o, struct err *err)
{
	struct informer_opts io;

	memset(&io, 0, sizeof(io));
	io.api_version = o->api_version;
	io.kind = o->kind;
	io.namespace = o->namespace;
	io.label_selector = o->label_selector;
	io.resync_ms = o->resync_ms;
	if (informer_new(&c->inf, c->k, &io, err) == -1)
		return -1;
	informer_add_handler(c->inf, on_event, c);
	return 0;
}

int
ctrl_new(struct ctrl **out, struct k8s *k, const struct ctrl_opts *opts,
    struct err *err)
{
	struct ctrl *c;

	if (opts_check(opts, err) == -1)
		return err_wrap(err, "controller");
	c = xcalloc(1, sizeof(*c));
	c->k = k;
	c->controller = xstrdup(
	    opts->controller != NULL ? opts->controller : opts->kind);
	c->api_version = xstrdup(opts->api_version);
	c->kind = xstrdup(opts->kind);
	c->group = group_of(opts->api_version);
	c->reporting_controller = xstrdup(opts->reporting_controller);
	c->reporting_instance = opts->reporting_instance != NULL
	    ? xstrdup(opts->reporting_instance)
	    : hostname_dup();
	c->concurrent = opts->concurrent > 0 ? opts->concurrent : 1;
	c->default_interval_ms = opts->default_interval_ms;
	c->jitter_percent = opts->jitter_percent > 0 ? opts->jitter_percent
	                                             : JITTER_PERCENT_DEFAULT;
	c->finalizer = opts->finalizer;
	c->reconcile = opts->reconcile;
	c->finalize = opts->finalize;
	c->arg = opts->arg;
	c->q = queue_new(&opts->backoff);
	if (informer_make(c, opts, err) == -1) {
		ctrl_free(c);
		return err_wrap(err, "controller");
	}
	*out = c;
	return 0;
}

void
ctrl_free(struct ctrl *c)
{
	if (c == NULL)
		return;
	ctrl_stop(c);
	informer_free(c->inf);
	queue_free(c->q);
	free(c->controller);
	free(c->api_version);
	free(c->kind);
	free(c->group);
	free(c->reporting_controller);
	free(c->reporting_instance);
	free(c);
}

int
ctrl_start(struct ctrl *c, struct err *err)
{
	return informer_start(c->inf, err);
}

void
ctrl_start_workers(struct ctrl *c)
{
	if (c->workers == NULL)
		c->workers = queue_workers_start(c->q, c->concurrent, work, c);
}

void
ctrl_stop_workers(struct ctrl *c)
{
	queue_workers_stop(c->workers);
	c->workers = NULL;
}

void
ctrl_stop(struct ctrl *c)
{
	ctrl_stop_workers(c);
	informer_stop(c->inf);
}

void
ctrl_enqueue(struct ctrl *c, const char *ns, const char *name)
{
	char *key = informer_key(c->inf, ns, name);

	queue_add(c->q, key);
	free(key);
}

struct informer *
ctrl_informer(struct ctrl *c)
{
	return c->inf;
}

uint64_t
ctrl_reconciles(struct ctrl *c)
{
	return atomic_load(&c->reconciles);
}
