/*
 * Health of applied objects with kstatus rules, as Flux's health checks
 * compute them: Deployments, StatefulSets, DaemonSets and ReplicaSets
 * must have rolled out (observedGeneration current, replicas updated and
 * available), Jobs complete, PVCs Bound, Pods Ready or Succeeded,
 * LoadBalancer Services an ingress, CRDs Established; any other object
 * follows the generic rule (observedGeneration behind generation or
 * Reconciling=True: InProgress; Stalled=True: Failed; Ready=True or no
 * conditions at all: Current), which is how Flux's own kinds are judged.
 *
 * health_wait() WATCHES the objects instead of polling every 5 s as
 * Flux does, so it returns as soon as the last object becomes Current.
 *
 * health_compute() is pure; health_wait() starts and joins threads of
 * its own (one watch per kind and namespace) and may run in parallel
 * with other calls on the same struct k8s.
 */
#ifndef FLINT_APPLY_HEALTH_H
#define FLINT_APPLY_HEALTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "doc/doc.h"
#include "k8s/k8s.h"

/* kstatus's statuses; health_status_name() spells them as Flux prints
 * them: Current, InProgress, Failed, Terminating, NotFound, Unknown. */
enum health_status {
	HEALTH_CURRENT,
	HEALTH_IN_PROGRESS,
	HEALTH_FAILED,
	HEALTH_TERMINATING,
	HEALTH_NOT_FOUND,
	HEALTH_UNKNOWN,
};

const char *health_status_name(enum health_status s);

#define HEALTH_MSG_MAX 256

/*
 * The kstatus of obj (a live object with status); msg (HEALTH_MSG_MAX
 * bytes, or NULL) receives kstatus's reason in words ("Deployment does
 * not have minimum availability", "Ready: False: <message>").
 */
enum health_status health_compute(const struct doc_node *obj, char *msg,
    size_t msg_len);

/* One object's last known health. Strings are owned by the report. */
struct health_object {
	char *subject; /* "Deployment/default/app" */
	enum health_status status;
	char message[HEALTH_MSG_MAX];
};

struct health_report {
	struct health_object *objects; /* in the order of refs */
	size_t n;
};

void health_report_free(struct health_report *r);

struct health_opts {
	int64_t timeout_ms; /* required: give up after this long */
	/* Stop as soon as an object is Failed, as Flux's FailFast does. */
	bool fail_fast;
};

/*
 * Waits until each of the n objects of refs (namespace "" means the
 * client's default for namespaced kinds) is Current. Returns 0 then.
 * Otherwise -1 with reason "HealthCheckFailed" and Flux's message:
 * ERR_TIMEOUT "timeout waiting for: [Deployment/default/app status:
 * 'InProgress']" or, with fail_fast, ERR_INVALID "failed early due to
 * stalled resources: [... status: 'Failed']"; client errors (ERR_AUTH,
 * ERR_NOTFOUND for an unknown kind) as they come. When out is not NULL
 * the report is stored there whether or not the wait succeeded (the
 * caller's, health_report_free()).
 */
int health_wait(struct health_report **out, struct k8s *k,
    const struct k8s_ref *refs, size_t n, const struct health_opts *opts,
    struct err *err);

#endif /* FLINT_APPLY_HEALTH_H */
