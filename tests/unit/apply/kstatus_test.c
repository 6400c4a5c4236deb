/*
 * kstatus rules on object fixtures: each kind's Current, InProgress and
 * Failed cases, the generic rule for custom resources and Flux's kinds.
 */
#include <string.h>

#include "apply/health.h"
#include "t.h"

/* The status of one YAML object; msg gets the reason. */
static enum health_status
status_of(const char *text, char *msg)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	enum health_status s = HEALTH_UNKNOWN;

	T_OK(doc_parse_yaml(&d, text, strlen(text), NULL, &err), &err);
	if (d != NULL)
		s = health_compute(doc_root(d, 0), msg, HEALTH_MSG_MAX);
	doc_free(d);
	return s;
}

#define DEPLOY                                    \
	"apiVersion: apps/v1\nkind: Deployment\n" \
	"metadata: {name: a, generation: 2}\nspec: {replicas: 2}\n"

T_TEST(test_kstatus_deployment)
{
	char msg[HEALTH_MSG_MAX];

	T_EQ(status_of(DEPLOY "status: {observedGeneration: 1}\n", msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg,
	    "Deployment generation is 2, but latest observed "
	    "generation is 1");
	T_EQ(status_of(DEPLOY "status: {observedGeneration: 2, replicas: 2, "
	                      "updatedReplicas: 2, readyReplicas: 2, "
	                      "availableReplicas: 0}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg, "Available: 0/2");
	T_EQ(status_of(DEPLOY "status: {observedGeneration: 2, replicas: 1}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg, "Replicas: 1/2");
	T_EQ(status_of(DEPLOY
	         "status:\n  observedGeneration: 2\n  replicas: 2\n"
	         "  updatedReplicas: 2\n  readyReplicas: 2\n"
	         "  availableReplicas: 2\n  conditions:\n"
	         "  - {type: Progressing, status: 'True', reason: "
	         "NewReplicaSetAvailable}\n"
	         "  - {type: Available, status: 'True'}\n",
	         msg),
	    HEALTH_CURRENT);
	T_STREQ(msg, "Deployment is available. Replicas: 2");
	T_EQ(status_of(DEPLOY "status:\n  observedGeneration: 2\n"
	                      "  conditions:\n  - {type: Progressing, status: "
	                      "'False', reason: ProgressDeadlineExceeded}\n",
	         msg),
	    HEALTH_FAILED);
}

T_TEST(test_kstatus_terminating)
{
	T_EQ(status_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: a, "
	               "deletionTimestamp: '2026-01-01T00:00:00Z'}\n",
	         NULL),
	    HEALTH_TERMINATING);
}

T_TEST(test_kstatus_statefulset_daemonset_replicaset)
{
	char msg[HEALTH_MSG_MAX];

	T_EQ(status_of("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: "
	               "{name: s}\nspec: {replicas: 3}\nstatus: {replicas: 3, "
	               "readyReplicas: 3, currentReplicas: 3, "
	               "currentRevision: r1, updateRevision: r2}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg, "Waiting for updated revision r2");
	T_EQ(status_of("apiVersion: apps/v1\nkind: StatefulSet\nmetadata: "
	               "{name: s}\nspec: {replicas: 3}\nstatus: {replicas: 3, "
	               "readyReplicas: 3, currentReplicas: 3, "
	               "currentRevision: r2, updateRevision: r2}\n",
	         msg),
	    HEALTH_CURRENT);
	T_EQ(status_of("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: "
	               "{name: d}\nstatus: {desiredNumberScheduled: 2, "
	               "currentNumberScheduled: 2, updatedNumberScheduled: 2, "
	               "numberAvailable: 1, numberReady: 2}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg, "Available: 1/2");
	T_EQ(status_of("apiVersion: apps/v1\nkind: DaemonSet\nmetadata: "
	               "{name: d}\nstatus: {desiredNumberScheduled: 2, "
	               "currentNumberScheduled: 2, updatedNumberScheduled: 2, "
	               "numberAvailable: 2, numberReady: 2}\n",
	         msg),
	    HEALTH_CURRENT);
	T_EQ(status_of("apiVersion: apps/v1\nkind: ReplicaSet\nmetadata: "
	               "{name: r}\nspec: {replicas: 1}\nstatus: {replicas: 1, "
	               "fullyLabeledReplicas: 1, availableReplicas: 1, "
	               "readyReplicas: 1}\n",
	         msg),
	    HEALTH_CURRENT);
}

T_TEST(test_kstatus_job_pvc_pod_service)
{
	char msg[HEALTH_MSG_MAX];

	T_EQ(status_of("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n"
	               "status: {succeeded: 1, conditions: [{type: Complete, "
	               "status: 'True'}]}\n",
	         msg),
	    HEALTH_CURRENT);
	T_EQ(status_of("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n"
	               "status: {failed: 2, conditions: [{type: Failed, "
	               "status: 'True'}]}\n",
	         msg),
	    HEALTH_FAILED);
	T_EQ(status_of("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\n"
	               "status: {}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg, "Job not started");
	T_EQ(status_of("apiVersion: v1\nkind: PersistentVolumeClaim\n"
	               "metadata: {name: p}\nstatus: {phase: Pending}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_EQ(status_of("apiVersion: v1\nkind: PersistentVolumeClaim\n"
	               "metadata: {name: p}\nstatus: {phase: Bound}\n",
	         msg),
	    HEALTH_CURRENT);
	T_EQ(status_of("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	               "status: {phase: Running, conditions: [{type: Ready, "
	               "status: 'True'}]}\n",
	         msg),
	    HEALTH_CURRENT);
	T_EQ(status_of("apiVersion: v1\nkind: Pod\nmetadata: {name: p}\n"
	               "status: {phase: Failed}\n",
	         msg),
	    HEALTH_FAILED);
	T_EQ(status_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
	               "spec: {type: LoadBalancer}\nstatus: {}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_EQ(status_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
	               "spec: {type: LoadBalancer}\nstatus: {loadBalancer: "
	               "{ingress: [{ip: 10.0.0.1}]}}\n",
	         msg),
	    HEALTH_CURRENT);
	T_EQ(status_of("apiVersion: v1\nkind: Service\nmetadata: {name: s}\n"
	               "spec: {type: ClusterIP}\n",
	         msg),
	    HEALTH_CURRENT);
}

#define KS                                             \
	"apiVersion: kustomize.toolkit.fluxcd.io/v1\n" \
	"kind: Kustomization\nmetadata: {name: k, generation: 3}\n"

T_TEST(test_kstatus_custom_resources_and_flux_kinds)
{
	char msg[HEALTH_MSG_MAX];

	T_EQ(status_of(KS "status: {observedGeneration: 2, conditions: "
	                  "[{type: Ready, status: 'True'}]}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_EQ(status_of(KS "status: {observedGeneration: 3, conditions: "
	                  "[{type: Ready, status: 'True'}]}\n",
	         msg),
	    HEALTH_CURRENT);
	T_EQ(status_of(KS "status: {observedGeneration: 3, conditions: "
	                  "[{type: Ready, status: 'False', reason: "
	                  "BuildFailed, message: boom}]}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg, "Ready: False: BuildFailed: boom");
	T_EQ(status_of(KS "status: {observedGeneration: 3, conditions: "
	                  "[{type: Ready, status: 'False'}, {type: Stalled, "
	                  "status: 'True', message: stuck}]}\n",
	         msg),
	    HEALTH_FAILED);
	T_STREQ(msg, "stuck");
	T_EQ(status_of(KS "status: {observedGeneration: 3, conditions: "
	                  "[{type: Reconciling, status: 'True', message: "
	                  "working}, {type: Ready, status: 'Unknown'}]}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg, "working");
	/* no conditions at all: nothing to wait for */
	T_EQ(status_of("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n",
	         msg),
	    HEALTH_CURRENT);
	T_EQ(status_of("- not an object\n", msg), HEALTH_UNKNOWN);
}

T_TEST(test_health_status_names)
{
	T_STREQ(health_status_name(HEALTH_CURRENT), "Current");
	T_STREQ(health_status_name(HEALTH_IN_PROGRESS), "InProgress");
	T_STREQ(health_status_name(HEALTH_FAILED), "Failed");
	T_STREQ(health_status_name(HEALTH_TERMINATING), "Terminating");
	T_STREQ(health_status_name(HEALTH_NOT_FOUND), "NotFound");
}

T_TEST(test_kstatus_survives_malformed_status)
{
	char msg[HEALTH_MSG_MAX];

	/* wrong types read as missing: nothing observed yet */
	T_EQ(status_of("apiVersion: apps/v1\nkind: Deployment\nmetadata: "
	               "{name: a}\nspec: {replicas: two}\nstatus: {replicas: "
	               "[1], conditions: {type: Available}}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_STREQ(msg, "Replicas: 0/1");
	T_EQ(status_of("apiVersion: example.com/v1\nkind: Thing\nmetadata: "
	               "{name: a}\nstatus: {conditions: [x, [y], {type: 3}, "
	               "{type: Ready, status: [True]}]}\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_EQ(status_of("apiVersion: batch/v1\nkind: Job\nmetadata: {name: j, "
	               "generation: x}\nstatus: 7\n",
	         msg),
	    HEALTH_IN_PROGRESS);
	T_EQ(status_of("kind: Pod\nmetadata: {name: p}\n", msg),
	    HEALTH_UNKNOWN);
	/* a long condition message is cut, not overrun */
	T_EQ(
	    status_of(
	        "apiVersion: example.com/v1\nkind: Thing\nmetadata: "
	        "{name: a}\nstatus: {conditions: [{type: Stalled, "
	        "status: 'True', message: "
	        "'"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	        "'}]}\n",
	        msg),
	    HEALTH_FAILED);
	T_EQ(strlen(msg), HEALTH_MSG_MAX - 1);
}
