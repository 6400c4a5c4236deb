/*
 * health_compute(): kstatus's rules (cli-utils, as Flux vendors it) for
 * the built-in workload kinds, PVCs, Pods, Services and CRDs, and its
 * generic rule for every other kind, Flux's own included.
 */
#include "apply/health.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "apply/apply_int.h"

/* Rule results carry a message; this keeps the rules one-liners. */
struct verdict {
	enum health_status status;
	char *msg;
	size_t len;
};

static enum health_status say(struct verdict *v, enum health_status s,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static enum health_status
say(struct verdict *v, enum health_status s, const char *fmt, ...)
{
	va_list ap;

	v->status = s;
	if (v->msg != NULL && v->len > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(v->msg, v->len, fmt, ap);
		va_end(ap);
	}
	return s;
}

/* An integer field, or def when missing or not an integer. */
static int64_t
int_at(const struct doc_node *obj, const char *ptr, int64_t def)
{
	const struct doc_node *n = doc_ptr_find(obj, ptr);
	struct err err = ERR_INIT;
	int64_t v;

	if (n == NULL || n->kind != DOC_INT || doc_get_int(&v, n, &err) == -1)
		return def;
	return v;
}

/* The condition of that type in status.conditions, or NULL. */
static const struct doc_node *
condition(const struct doc_node *obj, const char *type)
{
	const struct doc_node *conds = doc_ptr_find(obj, "/status/conditions");

	if (conds == NULL || conds->kind != DOC_SEQ)
		return NULL;
	for (size_t i = 0; i < conds->u.seq.n; i++) {
		const char *t = doc_str(
		    doc_map_get(conds->u.seq.items[i], "type"));

		if (t != NULL && strcmp(t, type) == 0)
			return conds->u.seq.items[i];
	}
	return NULL;
}

static bool
cond_is(const struct doc_node *obj, const char *type, const char *status)
{
	const char *s = doc_str(doc_map_get(condition(obj, type), "status"));

	return s != NULL && strcmp(s, status) == 0;
}

static const char *
cond_field(const struct doc_node *obj, const char *type, const char *field)
{
	const char *s = doc_str(doc_map_get(condition(obj, type), field));

	return s != NULL ? s : "";
}

static enum health_status
deployment(const struct doc_node *o, struct verdict *v)
{
	int64_t spec = int_at(o, "/spec/replicas", 1);
	int64_t st = int_at(o, "/status/replicas", 0);
	int64_t upd = int_at(o, "/status/updatedReplicas", 0);
	int64_t ready = int_at(o, "/status/readyReplicas", 0);
	int64_t avail = int_at(o, "/status/availableReplicas", 0);

	if (strcmp(cond_field(o, "Progressing", "reason"),
	        "ProgressDeadlineExceeded") == 0)
		return say(v, HEALTH_FAILED, "Progress deadline exceeded");
	if (spec > st)
		return say(v, HEALTH_IN_PROGRESS, "Replicas: %lld/%lld",
		    (long long)st, (long long)spec);
	if (spec > upd)
		return say(v, HEALTH_IN_PROGRESS, "Updated: %lld/%lld",
		    (long long)upd, (long long)spec);
	if (st > spec)
		return say(v, HEALTH_IN_PROGRESS, "Pending termination: %lld",
		    (long long)(st - spec));
	if (upd > avail)
		return say(v, HEALTH_IN_PROGRESS, "Available: %lld/%lld",
		    (long long)avail, (long long)upd);
	if (spec > ready)
		return say(v, HEALTH_IN_PROGRESS, "Ready: %lld/%lld",
		    (long long)ready, (long long)spec);
	if (!cond_is(o, "Progressing", "True") ||
	    strcmp(cond_field(o, "Progressing", "reason"),
	        "NewReplicaSetAvailable") != 0)
		return say(v, HEALTH_IN_PROGRESS, "ReplicaSet not Available");
	if (!cond_is(o, "Available", "True"))
		return say(v, HEALTH_IN_PROGRESS, "Deployment not Available");
	return say(v, HEALTH_CURRENT, "Deployment is available. Replicas: %lld",
	    (long long)st);
}

static enum health_status
statefulset(const struct doc_node *o, struct verdict *v)
{
	int64_t spec = int_at(o, "/spec/replicas", 1);
	int64_t st = int_at(o, "/status/replicas", 0);
	int64_t ready = int_at(o, "/status/readyReplicas", 0);
	int64_t cur = int_at(o, "/status/currentReplicas", 0);
	int64_t upd = int_at(o, "/status/updatedReplicas", 0);
	int64_t part = int_at(o, "/spec/updateStrategy/rollingUpdate/partition",
	    -1);
	const char *strategy = apply_str_at(o, "/spec/updateStrategy/type");
	const char *crev = apply_str_at(o, "/status/currentRevision");
	const char *urev = apply_str_at(o, "/status/updateRevision");

	if (strategy != NULL && strcmp(strategy, "OnDelete") == 0)
		return say(v, HEALTH_CURRENT,
		    "StatefulSet is using the OnDelete update strategy");
	if (spec > st)
		return say(v, HEALTH_IN_PROGRESS, "Replicas: %lld/%lld",
		    (long long)st, (long long)spec);
	if (spec > ready)
		return say(v, HEALTH_IN_PROGRESS, "Ready: %lld/%lld",
		    (long long)ready, (long long)spec);
	if (part > 0) {
		if (upd < spec - part)
			return say(v, HEALTH_IN_PROGRESS, "updated: %lld/%lld",
			    (long long)upd, (long long)(spec - part));
		return say(v, HEALTH_CURRENT,
		    "Partitioned roll out complete. updated: %lld/%lld",
		    (long long)upd, (long long)(spec - part));
	}
	if (spec > cur)
		return say(v, HEALTH_IN_PROGRESS, "current: %lld/%lld",
		    (long long)cur, (long long)spec);
	if (crev != NULL && urev != NULL && strcmp(crev, urev) != 0)
		return say(v, HEALTH_IN_PROGRESS,
		    "Waiting for updated revision %s", urev);
	return say(v, HEALTH_CURRENT,
	    "All replicas scheduled as expected. Replicas: %lld",
	    (long long)st);
}

static enum health_status
daemonset(const struct doc_node *o, struct verdict *v)
{
	int64_t want = int_at(o, "/status/desiredNumberScheduled", -1);
	int64_t cur = int_at(o, "/status/currentNumberScheduled", 0);
	int64_t upd = int_at(o, "/status/updatedNumberScheduled", 0);
	int64_t avail = int_at(o, "/status/numberAvailable", 0);
	int64_t ready = int_at(o, "/status/numberReady", 0);

	if (want < 0)
		return say(v, HEALTH_IN_PROGRESS,
		    "Missing .status.desiredNumberScheduled");
	if (want > cur)
		return say(v, HEALTH_IN_PROGRESS, "Current: %lld/%lld",
		    (long long)cur, (long long)want);
	if (want > upd)
		return say(v, HEALTH_IN_PROGRESS, "Updated: %lld/%lld",
		    (long long)upd, (long long)want);
	if (want > avail)
		return say(v, HEALTH_IN_PROGRESS, "Available: %lld/%lld",
		    (long long)avail, (long long)want);
	if (want > ready)
		return say(v, HEALTH_IN_PROGRESS, "Ready: %lld/%lld",
		    (long long)ready, (long long)want);
	return say(v, HEALTH_CURRENT,
	    "All replicas scheduled as expected. Replicas: %lld",
	    (long long)want);
}

static enum health_status
replicaset(const struct doc_node *o, struct verdict *v)
{
	int64_t spec = int_at(o, "/spec/replicas", 1);
	int64_t st = int_at(o, "/status/replicas", 0);
	int64_t lab = int_at(o, "/status/fullyLabeledReplicas", 0);
	int64_t avail = int_at(o, "/status/availableReplicas", 0);
	int64_t ready = int_at(o, "/status/readyReplicas", 0);

	if (cond_is(o, "ReplicaFailure", "True"))
		return say(v, HEALTH_IN_PROGRESS, "Replica Failure");
	if (spec > lab)
		return say(v, HEALTH_IN_PROGRESS, "Labelled: %lld/%lld",
		    (long long)lab, (long long)spec);
	if (spec > avail)
		return say(v, HEALTH_IN_PROGRESS, "Available: %lld/%lld",
		    (long long)avail, (long long)spec);
	if (spec > ready)
		return say(v, HEALTH_IN_PROGRESS, "Ready: %lld/%lld",
		    (long long)ready, (long long)spec);
	if (st > spec)
		return say(v, HEALTH_IN_PROGRESS, "Pending termination: %lld",
		    (long long)(st - spec));
	return say(v, HEALTH_CURRENT, "ReplicaSet is available. Replicas: %lld",
	    (long long)st);
}

static enum health_status
job(const struct doc_node *o, struct verdict *v)
{
	int64_t compl = int_at(o, "/spec/completions", 1);
	int64_t ok = int_at(o, "/status/succeeded", 0);
	int64_t failed = int_at(o, "/status/failed", 0);
	int64_t active = int_at(o, "/status/active", 0);

	if (cond_is(o, "Failed", "True"))
		return say(v, HEALTH_FAILED, "Job Failed. failed: %lld/%lld",
		    (long long)failed, (long long)compl );
	if (cond_is(o, "Complete", "True"))
		return say(v, HEALTH_CURRENT,
		    "Job Completed. succeeded: %lld/%lld", (long long)ok,
		    (long long)compl );
	if (doc_ptr_find(o, "/status/startTime") == NULL)
		return say(v, HEALTH_IN_PROGRESS, "Job not started");
	return say(v, HEALTH_IN_PROGRESS,
	    "Job in progress. success:%lld, active: %lld, failed: %lld",
	    (long long)ok, (long long)active, (long long)failed);
}

static enum health_status
pvc(const struct doc_node *o, struct verdict *v)
{
	const char *phase = apply_str_at(o, "/status/phase");

	if (phase == NULL || strcmp(phase, "Bound") != 0)
		return say(v, HEALTH_IN_PROGRESS, "PVC is not Bound. phase: %s",
		    phase != NULL ? phase : "");
	return say(v, HEALTH_CURRENT, "PVC is Bound");
}

static enum health_status
pod(const struct doc_node *o, struct verdict *v)
{
	const char *phase = apply_str_at(o, "/status/phase");

	if (phase != NULL && strcmp(phase, "Succeeded") == 0)
		return say(v, HEALTH_CURRENT, "Pod has completed successfully");
	if (phase != NULL && strcmp(phase, "Failed") == 0)
		return say(v, HEALTH_FAILED,
		    "Pod has completed, but not successfully");
	if (cond_is(o, "Ready", "True"))
		return say(v, HEALTH_CURRENT, "Pod is Ready");
	if (strcmp(cond_field(o, "PodScheduled", "reason"), "Unschedulable") ==
	    0)
		return say(v, HEALTH_IN_PROGRESS,
		    "Pod could not be scheduled: %s",
		    cond_field(o, "PodScheduled", "message"));
	return say(v, HEALTH_IN_PROGRESS, "Pod phase: %s",
	    phase != NULL ? phase : "Pending");
}

static enum health_status
service(const struct doc_node *o, struct verdict *v)
{
	const char *type = apply_str_at(o, "/spec/type");
	const struct doc_node *ing;

	if (type == NULL || strcmp(type, "LoadBalancer") != 0)
		return say(v, HEALTH_CURRENT, "Service is ready");
	ing = doc_ptr_find(o, "/status/loadBalancer/ingress");
	if (ing == NULL || ing->kind != DOC_SEQ || ing->u.seq.n == 0)
		return say(v, HEALTH_IN_PROGRESS, "Pending external IP");
	return say(v, HEALTH_CURRENT, "Service is ready");
}

static enum health_status
crd(const struct doc_node *o, struct verdict *v)
{
	if (cond_is(o, "NamesAccepted", "False"))
		return say(v, HEALTH_FAILED, "CRD is not accepted: %s",
		    cond_field(o, "NamesAccepted", "message"));
	if (!cond_is(o, "Established", "True"))
		return say(v, HEALTH_IN_PROGRESS, "CRD is not established");
	return say(v, HEALTH_CURRENT, "CRD is established");
}

/* kstatus's rule for kinds it does not know: the Ready condition when
 * there is one, else Current. */
static enum health_status
generic(const struct doc_node *o, struct verdict *v)
{
	if (condition(o, "Ready") == NULL || cond_is(o, "Ready", "True"))
		return say(v, HEALTH_CURRENT, "Resource is current");
	return say(v, HEALTH_IN_PROGRESS, "Ready: %s: %s: %s",
	    cond_field(o, "Ready", "status"), cond_field(o, "Ready", "reason"),
	    cond_field(o, "Ready", "message"));
}

typedef enum health_status rule_fn(const struct doc_node *o, struct verdict *v);

static const struct {
	const char *group, *kind;
	rule_fn *fn;
} rules[] = {
	{ "apps", "Deployment", deployment },
	{ "apps", "StatefulSet", statefulset },
	{ "apps", "DaemonSet", daemonset },
	{ "apps", "ReplicaSet", replicaset },
	{ "batch", "Job", job },
	{ "", "PersistentVolumeClaim", pvc },
	{ "", "Pod", pod },
	{ "", "Service", service },
	{ "apiextensions.k8s.io", "CustomResourceDefinition", crd },
};

static rule_fn *
rule_find(const char *api_version, const char *kind)
{
	const char *slash = strchr(api_version, '/');
	size_t glen = slash != NULL ? (size_t)(slash - api_version) : 0;

	for (size_t i = 0; i < sizeof(rules) / sizeof(rules[0]); i++)
		if (strcmp(rules[i].kind, kind) == 0 &&
		    strlen(rules[i].group) == glen &&
		    strncmp(rules[i].group, api_version, glen) == 0)
			return rules[i].fn;
	return generic;
}

/* What every kind shares: deletion, observedGeneration, Reconciling and
 * Stalled. Returns false when these settle nothing. */
static bool
common_rules(const struct doc_node *o, struct verdict *v)
{
	int64_t gen = int_at(o, "/metadata/generation", -1);
	int64_t seen = int_at(o, "/status/observedGeneration", -1);
	const char *kind = apply_str_at(o, "/kind");

	if (doc_ptr_find(o, "/metadata/deletionTimestamp") != NULL) {
		say(v, HEALTH_TERMINATING, "Resource scheduled for deletion");
		return true;
	}
	if (seen >= 0 && gen >= 0 && seen < gen) {
		say(v, HEALTH_IN_PROGRESS,
		    "%s generation is %lld, but latest observed generation "
		    "is %lld",
		    kind != NULL ? kind : "Resource", (long long)gen,
		    (long long)seen);
		return true;
	}
	if (cond_is(o, "Reconciling", "True")) {
		say(v, HEALTH_IN_PROGRESS, "%s",
		    cond_field(o, "Reconciling", "message"));
		return true;
	}
	if (cond_is(o, "Stalled", "True")) {
		say(v, HEALTH_FAILED, "%s",
		    cond_field(o, "Stalled", "message"));
		return true;
	}
	return false;
}

enum health_status
health_compute(const struct doc_node *obj, char *msg, size_t msg_len)
{
	struct verdict v = { HEALTH_UNKNOWN, msg, msg_len };
	const char *api_version = apply_str_at(obj, "/apiVersion");
	const char *kind = apply_str_at(obj, "/kind");

	if (msg != NULL && msg_len > 0)
		msg[0] = '\0';
	if (obj == NULL || obj->kind != DOC_MAP || api_version == NULL ||
	    kind == NULL)
		return say(&v, HEALTH_UNKNOWN, "not a Kubernetes object");
	if (common_rules(obj, &v))
		return v.status;
	return rule_find(api_version, kind)(obj, &v);
}
