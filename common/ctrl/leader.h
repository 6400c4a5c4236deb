/*
 * Leader election on a coordination.k8s.io/v1 Lease, as client-go's
 * leaderelection (which controller-runtime and so Flux use) does it, so
 * flint and Flux replicas would take turns on the same Lease.
 *
 * A candidate takes the Lease when it is free or when its holder has not
 * renewed it for leaseDuration, judged by when this process last saw the
 * Lease change (never by comparing clocks). The leader renews every
 * retryPeriod and gives up when it could not renew within renewDeadline.
 * On a clean stop the leader releases the Lease (empty holder, 1 s
 * duration) so a successor need not wait.
 *
 * Callbacks run on the elector's own thread and must return promptly:
 * start workers there, do not run them there.
 */
#ifndef FLINT_CTRL_LEADER_H
#define FLINT_CTRL_LEADER_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "k8s/k8s.h"

typedef void leader_fn(void *arg);
typedef void leader_observe_fn(void *arg, const char *identity);

/* Zero fields take controller-runtime's defaults in brackets. */
struct leader_opts {
	const char *namespace;     /* the Lease's, e.g. RUNTIME_NAMESPACE */
	const char *name;          /* "source-controller-leader-election" */
	const char *identity;      /* [hostname_<random hex>] */
	int64_t lease_duration_ms; /* [15000] */
	int64_t renew_deadline_ms; /* [10000] */
	int64_t retry_period_ms;   /* [2000] */
	leader_fn *on_start;       /* this process became the leader */
	leader_fn *on_stop;        /* it stopped leading: lost or stopped */
	leader_observe_fn *on_new_leader; /* the holder changed (may be us) */
	void *arg;                        /* passed to the three callbacks */
	bool keep_on_stop; /* leader_stop() leaves the Lease held */
};

struct leader;

/*
 * Creates a stopped elector. It makes its own client from cfg, with a
 * request timeout within the renew deadline and no client-side rate
 * limit, so lease calls never queue behind the controllers' requests (as
 * controller-runtime gives leader election its own client). ERR_INVALID
 * for missing names or durations that break leaseDuration >
 * renewDeadline > 1.2 * retryPeriod > 0. The caller frees *out with
 * leader_free().
 */
int leader_new(struct leader **out, const struct k8s_config *cfg,
    const struct leader_opts *opts, struct err *err);

/* Starts campaigning on a thread. ERR_CONFLICT when already started. */
int leader_start(struct leader *l, struct err *err);

/*
 * Stops campaigning and joins the thread; a leader releases the Lease
 * (unless keep_on_stop) and then calls on_stop. Accepts a stopped one.
 */
void leader_stop(struct leader *l);

/* Stops, then frees. Accepts NULL. */
void leader_free(struct leader *l);

/* Whether this process leads now: it won the Lease and renewed it within
 * the renew deadline. Thread-safe. */
bool leader_is_leading(struct leader *l);

/* This candidate's identity (borrowed from l). */
const char *leader_identity(const struct leader *l);

#endif /* FLINT_CTRL_LEADER_H */
