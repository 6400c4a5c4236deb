/*
 * The controller skeleton: one struct ctrl per kind wires an informer to
 * a work queue and a pool of workers that call the kind's reconcile
 * function, then write what it decided back to the API the way Flux's
 * controllers do:
 *
 *   informer event ─► queue (Kind/namespace/name) ─► worker:
 *     deleted? ─► finalize, drop finalizers.fluxcd.io
 *     add the finalizer, note reconcile.fluxcd.io/requestedAt
 *     reconcile(r, obj) ─► struct result
 *     patch what changed in .status (status subresource)
 *     requeue: spec.interval ± jitter, retry-after, backoff, or not at all
 *
 * Updates that change neither metadata.generation nor the requestedAt
 * annotation (our own status patches, for one) do not trigger a
 * reconcile, as Flux's GenerationChanged|ReconcileRequested predicate.
 *
 * ctrl_run() is what a daemon's main() calls: it starts every kind's
 * informer, waits for the caches, takes part in leader election if
 * asked, runs the workers while leading and stops cleanly on SIGTERM.
 */
#ifndef FLINT_CTRL_CTRL_H
#define FLINT_CTRL_CTRL_H

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "core/log.h"
#include "ctrl/informer.h"
#include "ctrl/leader.h"
#include "ctrl/queue.h"
#include "doc/doc.h"
#include "k8s/k8s.h"

/* Reasons from fluxcd/pkg/apis/meta, for conditions and events. */
#define CTRL_REASON_SUCCEEDED                "Succeeded"
#define CTRL_REASON_FAILED                   "Failed"
#define CTRL_REASON_PROGRESSING              "Progressing"
#define CTRL_REASON_RECONCILIATION_SUCCEEDED "ReconciliationSucceeded"
#define CTRL_REASON_RECONCILIATION_FAILED    "ReconciliationFailed"
#define CTRL_REASON_DEPENDENCY_NOT_READY     "DependencyNotReady"

/* ---- what a reconcile returns ------------------------------------------- */

enum result_kind {
	RESULT_READY,     /* done: run again at spec.interval (jittered) */
	RESULT_RETRY,     /* failed or waiting: after after_ms, else backoff */
	RESULT_STALLED,   /* cannot progress until the object changes */
	RESULT_SUSPENDED, /* spec.suspend: leave it alone */
};

struct result {
	enum result_kind kind;
	int64_t after_ms; /* RESULT_RETRY: 0 means exponential backoff */
};

struct result result_ready(void);
/* Requeue after ms, resetting the backoff (Flux's RequeueAfter). */
struct result result_retry_after(int64_t ms);
/* Requeue after the key's next backoff delay. */
struct result result_retry(void);
struct result result_stalled(void);
struct result result_suspended(void);

/* ---- one reconcile ---------------------------------------------------------
 */

/* The object a reconcile works on: a private copy of the cached one. */
struct object {
	const char *key; /* "GitRepository/flux-system/podinfo" */
	const char *namespace;
	const char *name;
	const char *uid;
	int64_t generation;
	struct doc_node *node; /* the whole object, in the reconciler's arena */
};

/* One reconcile's context, valid during the call only. */
struct reconciler;

typedef struct result ctrl_reconcile_fn(struct reconciler *r,
    const struct object *obj);

/* The arena everything of this reconcile lives in; freed after it. */
struct arena *reconciler_arena(struct reconciler *r);
struct k8s *reconciler_k8s(struct reconciler *r);
/* The log context, naming the object and this reconcileID. */
struct log_ctx *reconciler_log(struct reconciler *r);
/* The arg of struct ctrl_opts. */
void *reconciler_arg(struct reconciler *r);
/* The object's .status map (created when missing) to edit; what changed
 * in it is patched to the status subresource after the reconcile. */
struct doc_node *reconciler_status(struct reconciler *r);
/* This reconcile's start as RFC 3339, for condition times. */
const char *reconciler_now(struct reconciler *r);
/* spec.interval in ms, or the controller's default. */
int64_t reconciler_interval_ms(struct reconciler *r);

/*
 * Patches what changed in .status so far, now rather than after the
 * reconcile, for a reconcile that must announce its result elsewhere
 * (the bus) only once the API shows it. Later changes are patched at
 * the end as usual. Errors: k8s_patch()'s.
 */
int reconciler_flush_status(struct reconciler *r, struct err *err);

/* A Kubernetes Event with the annotations Flux puts on its events. */
struct ctrl_event {
	const char *type;   /* "Normal" or "Warning" */
	const char *reason; /* "ReconciliationSucceeded" */
	const char *message;
	const char *revision; /* "<group>/revision", or NULL */
	const char *token;    /* "<group>/token", or NULL */
	bool commit_status;   /* "<group>/commit_status": "update" */
};

/* Records ev about the object; the object's event.toolkit.fluxcd.io/
 * annotations are added. Best effort: a failure is logged, not
 * returned (the object's status says the same). */
void reconciler_event(struct reconciler *r, const struct ctrl_event *ev);

/*
 * Ends a reconcile the common way: without an error (err NULL or
 * ERR_OK), Ready=True with reason and message and result_ready(); with
 * one, Ready=False (Stalled for ERR_INVALID and ERR_UNSUPPORTED, else
 * Reconciling), the error logged, and result_stalled() or
 * result_retry(). An event (Normal, or Warning with err's reason) is
 * recorded when Ready did not already say the same; revision, when not
 * NULL, annotates it.
 */
struct result reconciler_finish(struct reconciler *r, const struct err *err,
    const char *reason, const char *message, const char *revision);

/* ---- finalizers ---------------------------------------------------------- */

/* Whether obj's metadata.finalizers lists finalizer. */
bool ctrl_has_finalizer(const struct doc_node *obj, const char *finalizer);

/*
 * Adds (or removes) finalizer on the object obj names, with a merge
 * patch conditioned on obj's resourceVersion: ERR_CONFLICT when the
 * object changed since. Nothing is sent when already so.
 */
int ctrl_finalizer_add(struct k8s *k, const struct doc_node *obj,
    const char *finalizer, struct err *err);
int ctrl_finalizer_remove(struct k8s *k, const struct doc_node *obj,
    const char *finalizer, struct err *err);

/* ---- a controller
 * ------------------------------------------------------------ */

/* Zero fields take the defaults in brackets; strings are copied. */
struct ctrl_opts {
	const char *controller;     /* "gitrepository", the logs' controller */
	const char *api_version;    /* "source.toolkit.fluxcd.io/v1" */
	const char *kind;           /* "GitRepository" */
	const char *namespace;      /* watch one namespace [all] */
	const char *label_selector; /* --watch-label-selector */
	const char *reporting_controller; /* events and field manager */
	const char *reporting_instance;   /* [hostname] */
	int concurrent;                   /* workers [1] */
	int64_t resync_ms;                /* informer resync [off] */
	int64_t default_interval_ms; /* without spec.interval [no requeue] */
	unsigned jitter_percent;     /* ± on intervals [5, Flux's default] */
	struct queue_backoff backoff;
	bool finalizer; /* keep finalizers.fluxcd.io */
	ctrl_reconcile_fn *reconcile;
	ctrl_reconcile_fn *finalize; /* on deletion [just drop finalizer] */
	void *arg;
};

struct ctrl;

/* A stopped controller. k must outlive it. ERR_INVALID without a kind,
 * a reconcile function or a reporting controller. */
int ctrl_new(struct ctrl **out, struct k8s *k, const struct ctrl_opts *opts,
    struct err *err);

/* Stops what runs, then frees. Accepts NULL. */
void ctrl_free(struct ctrl *c);

/* Starts the informer; events queue keys from now on. */
int ctrl_start(struct ctrl *c, struct err *err);

/* Starts the workers (after the cache synced; only once per ctrl). */
void ctrl_start_workers(struct ctrl *c);

/* Stops the workers (waiting for reconciles under way), then the
 * informer. */
void ctrl_stop(struct ctrl *c);

/* Queues a reconcile of namespace/name now (a bus message, a webhook). */
void ctrl_enqueue(struct ctrl *c, const char *ns, const char *name);

/* The controller's informer, for lookups in its cache. */
struct informer *ctrl_informer(struct ctrl *c);

/* Reconciles finished, for tests and metrics. */
uint64_t ctrl_reconciles(struct ctrl *c);

/* What ctrl_run() needs besides the controllers. */
struct ctrl_run_opts {
	const sigset_t *signals; /* blocked by sig_block_term() */
	/* Leader election: both NULL to run without. on_start and on_stop
	 * are the run's own; on_new_leader and arg are kept. */
	const struct k8s_config *config;
	const struct leader_opts *leader;
	int64_t sync_timeout_ms; /* for the caches [no limit] */
};

/*
 * Runs n controllers until a signal in o->signals arrives: informers,
 * cache sync, then workers (right away, or once this process leads),
 * then a clean stop: workers, Lease released, informers. Returns 0 after
 * a signal; -1 with ERR_TIMEOUT when the caches did not sync in time and
 * ERR_INTERNAL when leadership was lost (the daemon exits non-zero and
 * is restarted, as controller-runtime's managers do).
 */
int ctrl_run(struct ctrl *const *ctrls, size_t n, const struct ctrl_run_opts *o,
    struct err *err);

#endif /* FLINT_CTRL_CTRL_H */
