/*
 * kustomize's built-in transformer configuration: which fields of which
 * kinds carry names (and may refer to other objects by name), namespaces,
 * labels, selectors, annotations, images, replica counts and $(VAR)
 * references. These are facts about the Kubernetes API that kustomize v5
 * hard-codes; the tables below state them once, with the repetition
 * across workload kinds folded into macros.
 */
#include "kustomize/kz_int.h"

#include <string.h>

#include "core/mem.h"

struct row {
	const char *group, *version, *kind, *path;
	bool create;
};

#define ROWS_END                              \
	{                                     \
		NULL, NULL, NULL, NULL, false \
	}

/* ---- simple field-spec lists ------------------------------------------- */

static const struct row name_rows[] = {
	{ "", "", "", "metadata/name", false },
	ROWS_END,
};

/* Pod template labels, shared by commonLabels and templateLabels. */
#define METADATA_LABELS                                                      \
	{ "", "", "", "metadata/labels", true },                             \
	    { "", "v1", "ReplicationController",                             \
		    "spec/template/metadata/labels", true },                 \
	    { "", "", "Deployment", "spec/template/metadata/labels", true }, \
	    { "", "", "ReplicaSet", "spec/template/metadata/labels", true }, \
	    { "", "", "DaemonSet", "spec/template/metadata/labels", true },  \
	    { "apps", "", "StatefulSet", "spec/template/metadata/labels",    \
		    true },                                                  \
	    { "apps", "", "StatefulSet",                                     \
		    "spec/volumeClaimTemplates[]/metadata/labels", true },   \
	    { "batch", "", "Job", "spec/template/metadata/labels", true },   \
	    { "batch", "", "CronJob", "spec/jobTemplate/metadata/labels",    \
		    true },                                                  \
	{                                                                    \
		"batch", "", "CronJob",                                      \
		    "spec/jobTemplate/spec/template/metadata/labels", true   \
	}

#define AFFINITY(group, kind)                                          \
	{ group, "", kind,                                             \
		"spec/template/spec/affinity/podAffinity/"             \
		"preferredDuringSchedulingIgnoredDuringExecution/"     \
		"podAffinityTerm/labelSelector/matchLabels",           \
		false },                                               \
	    { group, "", kind,                                         \
		    "spec/template/spec/affinity/podAffinity/"         \
		    "requiredDuringSchedulingIgnoredDuringExecution/"  \
		    "labelSelector/matchLabels",                       \
		    false },                                           \
	    { group, "", kind,                                         \
		    "spec/template/spec/affinity/podAntiAffinity/"     \
		    "preferredDuringSchedulingIgnoredDuringExecution/" \
		    "podAffinityTerm/labelSelector/matchLabels",       \
		    false },                                           \
	    { group, "", kind,                                         \
		    "spec/template/spec/affinity/podAntiAffinity/"     \
		    "requiredDuringSchedulingIgnoredDuringExecution/"  \
		    "labelSelector/matchLabels",                       \
		    false },                                           \
	{                                                              \
		group, "", kind,                                       \
		    "spec/template/spec/topologySpreadConstraints/"    \
		    "labelSelector/matchLabels",                       \
		    false                                              \
	}

static const struct row common_label_rows[] = {
	{ "", "v1", "Service", "spec/selector", true },
	{ "", "v1", "ReplicationController", "spec/selector", true },
	{ "", "", "Deployment", "spec/selector/matchLabels", true },
	AFFINITY("apps", "Deployment"),
	{ "", "", "ReplicaSet", "spec/selector/matchLabels", true },
	{ "", "", "DaemonSet", "spec/selector/matchLabels", true },
	{ "apps", "", "StatefulSet", "spec/selector/matchLabels", true },
	AFFINITY("apps", "StatefulSet"),
	{ "batch", "", "Job", "spec/selector/matchLabels", false },
	{ "batch", "", "CronJob", "spec/jobTemplate/spec/selector/matchLabels",
	    false },
	{ "policy", "", "PodDisruptionBudget", "spec/selector/matchLabels",
	    false },
	{ "networking.k8s.io", "", "NetworkPolicy",
	    "spec/podSelector/matchLabels", false },
	{ "networking.k8s.io", "", "NetworkPolicy",
	    "spec/ingress/from/podSelector/matchLabels", false },
	{ "networking.k8s.io", "", "NetworkPolicy",
	    "spec/egress/to/podSelector/matchLabels", false },
	METADATA_LABELS,
	ROWS_END,
};

static const struct row template_label_rows[] = {
	METADATA_LABELS,
	ROWS_END,
};

static const struct row annotation_rows[] = {
	{ "", "", "", "metadata/annotations", true },
	{ "", "v1", "ReplicationController",
	    "spec/template/metadata/annotations", true },
	{ "", "", "Deployment", "spec/template/metadata/annotations", true },
	{ "", "", "ReplicaSet", "spec/template/metadata/annotations", true },
	{ "", "", "DaemonSet", "spec/template/metadata/annotations", true },
	{ "", "", "StatefulSet", "spec/template/metadata/annotations", true },
	{ "batch", "", "Job", "spec/template/metadata/annotations", true },
	{ "batch", "", "CronJob", "spec/jobTemplate/metadata/annotations",
	    true },
	{ "batch", "", "CronJob",
	    "spec/jobTemplate/spec/template/metadata/annotations", true },
	ROWS_END,
};

static const struct row namespace_rows[] = {
	{ "", "", "Namespace", "metadata/name", true },
	{ "apiregistration.k8s.io", "", "APIService", "spec/service/namespace",
	    true },
	{ "apiextensions.k8s.io", "", "CustomResourceDefinition",
	    "spec/conversion/webhook/clientConfig/service/namespace", false },
	ROWS_END,
};

static const struct row image_rows[] = {
	{ "", "", "", "spec/containers[]/image", true },
	{ "", "", "", "spec/initContainers[]/image", true },
	{ "", "", "", "spec/template/spec/containers[]/image", true },
	{ "", "", "", "spec/template/spec/initContainers[]/image", true },
	ROWS_END,
};

static const struct row replica_rows[] = {
	{ "", "", "Deployment", "spec/replicas", true },
	{ "", "", "ReplicationController", "spec/replicas", true },
	{ "", "", "ReplicaSet", "spec/replicas", true },
	{ "", "", "StatefulSet", "spec/replicas", true },
	ROWS_END,
};

/* $(VAR) may appear in container args, command, env values and mounts. */
#define VAR_CONTAINERS(kind, pre)                                              \
	{ "", "", kind, pre "/containers/args", false },                       \
	    { "", "", kind, pre "/containers/command", false },                \
	    { "", "", kind, pre "/containers/env/value", false },              \
	    { "", "", kind, pre "/containers/volumeMounts/mountPath", false }, \
	    { "", "", kind, pre "/initContainers/args", false },               \
	    { "", "", kind, pre "/initContainers/command", false },            \
	    { "", "", kind, pre "/initContainers/env/value", false },          \
	{                                                                      \
		"", "", kind, pre "/initContainers/volumeMounts/mountPath",    \
		    false                                                      \
	}

static const struct row varref_rows[] = {
	VAR_CONTAINERS("CronJob", "spec/jobTemplate/spec/template/spec"),
	{ "", "", "CronJob",
	    "spec/jobTemplate/spec/template/volumes/nfs/server", false },
	VAR_CONTAINERS("DaemonSet", "spec/template/spec"),
	{ "", "", "DaemonSet", "spec/template/spec/volumes/nfs/server", false },
	VAR_CONTAINERS("Deployment", "spec/template/spec"),
	{ "", "", "Deployment", "spec/template/spec/volumes/nfs/server",
	    false },
	{ "", "", "Deployment", "spec/template/metadata/annotations", false },
	{ "", "", "Ingress", "spec/rules/host", false },
	{ "", "", "Ingress", "spec/tls/hosts", false },
	{ "", "", "Ingress", "spec/tls/secretName", false },
	VAR_CONTAINERS("Job", "spec/template/spec"),
	{ "", "", "Job", "spec/template/spec/volumes/nfs/server", false },
	VAR_CONTAINERS("Pod", "spec"),
	{ "", "", "Pod", "spec/volumes/nfs/server", false },
	VAR_CONTAINERS("ReplicaSet", "spec/template/spec"),
	{ "", "", "ReplicaSet", "spec/template/spec/volumes/nfs/server",
	    false },
	{ "", "", "Service", "spec/ports/port", false },
	{ "", "", "Service", "spec/ports/targetPort", false },
	VAR_CONTAINERS("StatefulSet", "spec/template/spec"),
	{ "", "", "StatefulSet", "spec/volumeClaimTemplates/spec/nfs/server",
	    false },
	{ "", "", "PersistentVolume", "spec/nfs/server", false },
	{ "", "", "", "metadata/labels", false },
	{ "", "", "", "metadata/annotations", false },
	ROWS_END,
};

/* ---- name references ----------------------------------------------------- */

#define CM_REFS(v, kind, pre)                                                 \
	{ "", v, kind, pre "/volumes/configMap/name", false },                \
	    { "", v, kind,                                                    \
		    pre "/containers/env/valueFrom/configMapKeyRef/name",     \
		    false },                                                  \
	    { "", v, kind,                                                    \
		    pre "/initContainers/env/valueFrom/configMapKeyRef/name", \
		    false },                                                  \
	    { "", v, kind, pre "/containers/envFrom/configMapRef/name",       \
		    false },                                                  \
	    { "", v, kind, pre "/initContainers/envFrom/configMapRef/name",   \
		    false },                                                  \
	{                                                                     \
		"", v, kind, pre "/volumes/projected/sources/configMap/name", \
		    false                                                     \
	}

#define SECRET_REFS(v, kind, pre)                                             \
	{ "", v, kind, pre "/volumes/secret/secretName", false },             \
	    { "", v, kind, pre "/containers/env/valueFrom/secretKeyRef/name", \
		    false },                                                  \
	    { "", v, kind,                                                    \
		    pre "/initContainers/env/valueFrom/secretKeyRef/name",    \
		    false },                                                  \
	    { "", v, kind, pre "/containers/envFrom/secretRef/name", false }, \
	    { "", v, kind, pre "/initContainers/envFrom/secretRef/name",      \
		    false },                                                  \
	    { "", v, kind, pre "/imagePullSecrets/name", false },             \
	{                                                                     \
		"", v, kind, pre "/volumes/projected/sources/secret/name",    \
		    false                                                     \
	}

#define WORKLOADS(M)                                    \
	M("", "Deployment", "spec/template/spec"),      \
	    M("", "ReplicaSet", "spec/template/spec"),  \
	    M("", "DaemonSet", "spec/template/spec"),   \
	    M("", "StatefulSet", "spec/template/spec"), \
	    M("", "Job", "spec/template/spec"),         \
	    M("", "CronJob", "spec/jobTemplate/spec/template/spec")

static const struct row configmap_refs[] = {
	CM_REFS("v1", "Pod", "spec"),
	CM_REFS("", "PodTemplate", "template/spec"),
	WORKLOADS(CM_REFS),
	{ "", "", "Node", "spec/configSource/configMap", false },
	{ "", "", "Role", "rules/resourceNames", false },
	{ "", "", "ClusterRole", "rules/resourceNames", false },
	{ "", "", "Ingress",
	    "metadata/annotations/"
	    "nginx.ingress.kubernetes.io\\/fastcgi-params-configmap",
	    false },
	ROWS_END,
};

static const struct row secret_refs[] = {
	SECRET_REFS("v1", "Pod", "spec"),
	SECRET_REFS("", "PodTemplate", "template/spec"),
	WORKLOADS(SECRET_REFS),
	{ "", "", "Ingress", "spec/tls/secretName", false },
	{ "", "", "Ingress",
	    "metadata/annotations/ingress.kubernetes.io\\/auth-secret", false },
	{ "", "", "Ingress",
	    "metadata/annotations/nginx.ingress.kubernetes.io\\/auth-secret",
	    false },
	{ "", "", "Ingress",
	    "metadata/annotations/"
	    "nginx.ingress.kubernetes.io\\/auth-tls-secret",
	    false },
	{ "", "", "ServiceAccount", "imagePullSecrets/name", false },
	{ "", "", "StorageClass", "parameters/secretName", false },
	{ "", "", "StorageClass", "parameters/adminSecretName", false },
	{ "", "", "StorageClass", "parameters/userSecretName", false },
	{ "", "", "StorageClass", "parameters/secretRef", false },
	{ "", "", "Role", "rules/resourceNames", false },
	{ "", "", "ClusterRole", "rules/resourceNames", false },
	{ "serving.knative.dev", "v1", "Service",
	    "spec/template/spec/containers/env/valueFrom/secretKeyRef/name",
	    false },
	{ "", "", "PersistentVolume", "spec/azureFile/secretName", false },
	ROWS_END,
};

static const struct row service_refs[] = {
	{ "apps", "", "StatefulSet", "spec/serviceName", false },
	{ "", "", "Ingress", "spec/rules/http/paths/backend/serviceName",
	    false },
	{ "", "", "Ingress", "spec/backend/serviceName", false },
	{ "", "", "Ingress", "spec/rules/http/paths/backend/service/name",
	    false },
	{ "", "", "Ingress", "spec/defaultBackend/service/name", false },
	{ "apiregistration.k8s.io", "", "APIService", "spec/service/name",
	    false },
	{ "admissionregistration.k8s.io", "", "ValidatingWebhookConfiguration",
	    "webhooks/clientConfig/service", false },
	{ "admissionregistration.k8s.io", "", "MutatingWebhookConfiguration",
	    "webhooks/clientConfig/service", false },
	ROWS_END,
};

/* Pod-spec fields of the kinds that run pods, for a single field. */
#define POD_FIELD(field)                                                       \
	{ "", "", "Pod", "spec/" field, false },                               \
	    { "", "", "StatefulSet", "spec/template/spec/" field, false },     \
	    { "", "", "Deployment", "spec/template/spec/" field, false },      \
	    { "", "", "ReplicationController", "spec/template/spec/" field,    \
		    false },                                                   \
	    { "", "", "CronJob", "spec/jobTemplate/spec/template/spec/" field, \
		    false },                                                   \
	    { "", "", "Job", "spec/template/spec/" field, false },             \
	{                                                                      \
		"", "", "DaemonSet", "spec/template/spec/" field, false        \
	}

static const struct row sa_refs[] = {
	{ "rbac.authorization.k8s.io", "", "RoleBinding", "subjects", false },
	{ "rbac.authorization.k8s.io", "", "ClusterRoleBinding", "subjects",
	    false },
	POD_FIELD("serviceAccountName"),
	ROWS_END,
};

static const struct row pvc_refs[] = {
	POD_FIELD("volumes/persistentVolumeClaim/claimName"),
	ROWS_END,
};

static const struct row priorityclass_refs[] = {
	POD_FIELD("priorityClassName"),
	ROWS_END,
};

static const struct row pv_refs[] = {
	{ "", "", "PersistentVolumeClaim", "spec/volumeName", false },
	{ "", "", "ClusterRole", "rules/resourceNames", false },
	ROWS_END,
};

static const struct row storageclass_refs[] = {
	{ "", "", "PersistentVolume", "spec/storageClassName", false },
	{ "", "", "PersistentVolumeClaim", "spec/storageClassName", false },
	{ "", "", "StatefulSet",
	    "spec/volumeClaimTemplates/spec/storageClassName", false },
	ROWS_END,
};

static const struct row role_refs[] = {
	{ "rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name",
	    false },
	ROWS_END,
};

static const struct row clusterrole_refs[] = {
	{ "rbac.authorization.k8s.io", "", "RoleBinding", "roleRef/name",
	    false },
	{ "rbac.authorization.k8s.io", "", "ClusterRoleBinding", "roleRef/name",
	    false },
	ROWS_END,
};

static const struct row hpa_refs[] = {
	{ "", "", "HorizontalPodAutoscaler", "spec/scaleTargetRef/name",
	    false },
	ROWS_END,
};

static const struct row ingressclass_refs[] = {
	{ "", "", "Ingress", "spec/ingressClassName", false },
	ROWS_END,
};

static const struct row vap_refs[] = {
	{ "admissionregistration.k8s.io", "",
	    "ValidatingAdmissionPolicyBinding", "spec/policyName", false },
	ROWS_END,
};

struct nbr_row {
	const char *group, *version, *kind;
	const struct row *refs;
};

static const struct nbr_row nbr_rows[] = {
	{ "", "", "Deployment", hpa_refs },
	{ "", "", "ReplicationController", hpa_refs },
	{ "", "", "ReplicaSet", hpa_refs },
	{ "", "", "StatefulSet", hpa_refs },
	{ "", "v1", "ConfigMap", configmap_refs },
	{ "", "v1", "Secret", secret_refs },
	{ "", "v1", "Service", service_refs },
	{ "rbac.authorization.k8s.io", "", "Role", role_refs },
	{ "rbac.authorization.k8s.io", "", "ClusterRole", clusterrole_refs },
	{ "", "v1", "ServiceAccount", sa_refs },
	{ "", "v1", "PersistentVolumeClaim", pvc_refs },
	{ "", "v1", "PersistentVolume", pv_refs },
	{ "storage.k8s.io", "v1", "StorageClass", storageclass_refs },
	{ "scheduling.k8s.io", "v1", "PriorityClass", priorityclass_refs },
	/* sic: kustomize names the group with its version here */
	{ "networking.k8s.io/v1", "v1", "IngressClass", ingressclass_refs },
	{ "admissionregistration.k8s.io", "", "ValidatingAdmissionPolicy",
	    vap_refs },
	{ NULL, NULL, NULL, NULL },
};

/* ---- building the configuration ---------------------------------------- */

static int
add_rows(struct kz_fsv *s, struct arena *a, const struct row *rows,
    struct err *err)
{
	for (const struct row *r = rows; r->path != NULL; r++) {
		struct kz_fs fs;

		kz_fs_init(&fs, a, r->group, r->version, r->kind, r->path,
		    r->create);
		if (kz_fsv_merge_one(a, s, &fs, err) == -1)
			return -1;
	}
	return 0;
}

static int
add_nbr(struct kz_tconfig **tc, struct arena *a, const struct nbr_row *n,
    struct err *err)
{
	struct kz_tconfig *one = kz_tconfig_empty(a);
	struct kz_nbr *b;

	one->nbr = arena_calloc(a, 1, sizeof(*one->nbr));
	one->nnbr = one->nbrcap = 1;
	b = &one->nbr[0];
	b->gvk.group = n->group;
	b->gvk.version = n->version;
	b->gvk.kind = n->kind;
	if (add_rows(&b->refs, a, n->refs, err) == -1)
		return -1;
	return kz_tconfig_merge(tc, a, *tc, one, err);
}

struct kz_tconfig *
kz_tconfig_default(struct arena *a)
{
	struct kz_tconfig *tc = kz_tconfig_empty(a), *out = NULL;
	struct err err = ERR_INIT;

	if (add_rows(&tc->prefix, a, name_rows, &err) == -1 ||
	    add_rows(&tc->suffix, a, name_rows, &err) == -1 ||
	    add_rows(&tc->clabels, a, common_label_rows, &err) == -1 ||
	    add_rows(&tc->tlabels, a, template_label_rows, &err) == -1 ||
	    add_rows(&tc->annos, a, annotation_rows, &err) == -1 ||
	    add_rows(&tc->ns, a, namespace_rows, &err) == -1 ||
	    add_rows(&tc->varref, a, varref_rows, &err) == -1 ||
	    add_rows(&tc->images, a, image_rows, &err) == -1 ||
	    add_rows(&tc->replicas, a, replica_rows, &err) == -1)
		BUG("default field specs: %s", err.msg);
	for (const struct nbr_row *n = nbr_rows; n->kind != NULL; n++)
		if (add_nbr(&tc, a, n, &err) == -1)
			BUG("default name references: %s", err.msg);
	/* merging into an empty configuration sorts it as kustomize does */
	if (kz_tconfig_merge(&out, a, kz_tconfig_empty(a), tc, &err) == -1)
		BUG("default configuration: %s", err.msg);
	return out;
}
