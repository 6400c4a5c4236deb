/*
 * Object identities as kustomize compares and prints them: group,
 * version, kind, name and namespace, the effective namespace rules, the
 * table of kinds kustomize knows to be cluster-scoped, and the legacy
 * order of kinds.
 */
#include "kustomize/kz_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void
kz_vec_push(struct arena *a, struct kz_vec *vec, void *p)
{
	if (vec->n == vec->cap) {
		size_t cap = vec->cap == 0 ? 8 : vec->cap * 2;
		void **v = arena_alloc(a, cap * sizeof(*v));

		if (vec->n > 0)
			memcpy(v, vec->v, vec->n * sizeof(*v));
		vec->v = v;
		vec->cap = cap;
	}
	vec->v[vec->n++] = p;
}

void
kz_gvk_from_api(struct kz_gvk *out, struct arena *a, const char *api,
    const char *kind)
{
	const char *slash = api != NULL ? strchr(api, '/') : NULL;

	if (api == NULL)
		api = "";
	if (slash == NULL) {
		out->group = "";
		out->version = api;
	} else {
		out->group = arena_strndup(a, api, (size_t)(slash - api));
		out->version = slash + 1;
	}
	out->kind = kind != NULL ? kind : "";
}

bool
kz_gvk_equal(const struct kz_gvk *x, const struct kz_gvk *y)
{
	return strcmp(x->group, y->group) == 0 &&
	    strcmp(x->version, y->version) == 0 &&
	    strcmp(x->kind, y->kind) == 0;
}

bool
kz_gvk_selected(const struct kz_gvk *x, const struct kz_gvk *sel)
{
	if (sel == NULL)
		return true;
	if (sel->group[0] != '\0' && strcmp(x->group, sel->group) != 0)
		return false;
	if (sel->version[0] != '\0' && strcmp(x->version, sel->version) != 0)
		return false;
	return sel->kind[0] == '\0' || strcmp(x->kind, sel->kind) == 0;
}

/* Kinds kustomize orders first and last; the rest sit in between. */
static const char *const order_first[] = { "Namespace", "ResourceQuota",
	"StorageClass", "CustomResourceDefinition", "ServiceAccount",
	"PodSecurityPolicy", "Role", "ClusterRole", "RoleBinding",
	"ClusterRoleBinding", "ConfigMap", "Secret", "Endpoints", "Service",
	"LimitRange", "PriorityClass", "PersistentVolume",
	"PersistentVolumeClaim", "Deployment", "StatefulSet", "CronJob",
	"PodDisruptionBudget" };
static const char *const order_last[] = { "MutatingWebhookConfiguration",
	"ValidatingWebhookConfiguration" };

int
kz_kind_rank(const struct kz_vec *first, const struct kz_vec *last,
    const char *kind)
{
	size_t nf = sizeof(order_first) / sizeof(order_first[0]);
	size_t nl = sizeof(order_last) / sizeof(order_last[0]);

	if (first != NULL)
		nf = first->n;
	if (last != NULL)
		nl = last->n;
	for (size_t i = 0; i < nf; i++) {
		const char *k = first != NULL ? first->v[i] : order_first[i];

		if (strcmp(kind, k) == 0)
			return (int)i - (int)nf;
	}
	for (size_t i = 0; i < nl; i++) {
		const char *k = last != NULL ? last->v[i] : order_last[i];

		if (strcmp(kind, k) == 0)
			return (int)i + 1;
	}
	return 0;
}

/* kustomize's sort key: "group_version_kind", "~G" etc. for empty parts. */
static void
gvk_sort_key(char *buf, size_t size, const struct kz_gvk *g)
{
	(void)snprintf(buf, size, "%s_%s_%s",
	    g->group[0] != '\0' ? g->group : "~G",
	    g->version[0] != '\0' ? g->version : "~V",
	    g->kind[0] != '\0' ? g->kind : "~K");
}

int
kz_gvk_keycmp(const struct kz_gvk *x, const struct kz_gvk *y)
{
	char xb[768], yb[768];

	gvk_sort_key(xb, sizeof(xb), x);
	gvk_sort_key(yb, sizeof(yb), y);
	return strcmp(xb, yb);
}

int
kz_gvk_cmp(const struct kz_gvk *x, const struct kz_gvk *y)
{
	int rx = kz_kind_rank(NULL, NULL, x->kind);
	int ry = kz_kind_rank(NULL, NULL, y->kind);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	return kz_gvk_keycmp(x, y);
}

/*
 * The types kustomize v5 knows for certain to be cluster-scoped (its
 * built-in Kubernetes v1.21 schema): matched on the exact apiVersion, as
 * kustomize does, so anything else counts as namespaced.
 */
static const char *const cluster_scoped[] = {
	"admissionregistration.k8s.io/v1 MutatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1 ValidatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1beta1 MutatingWebhookConfiguration",
	"admissionregistration.k8s.io/v1beta1 ValidatingWebhookConfiguration",
	"apiextensions.k8s.io/v1 CustomResourceDefinition",
	"apiextensions.k8s.io/v1beta1 CustomResourceDefinition",
	"apiregistration.k8s.io/v1 APIService",
	"apiregistration.k8s.io/v1beta1 APIService",
	"certificates.k8s.io/v1 CertificateSigningRequest",
	"certificates.k8s.io/v1beta1 CertificateSigningRequest",
	"flowcontrol.apiserver.k8s.io/v1beta1 FlowSchema",
	"flowcontrol.apiserver.k8s.io/v1beta1 PriorityLevelConfiguration",
	"networking.k8s.io/v1 IngressClass",
	"networking.k8s.io/v1beta1 IngressClass",
	"node.k8s.io/v1 RuntimeClass",
	"node.k8s.io/v1beta1 RuntimeClass",
	"policy/v1beta1 PodSecurityPolicy",
	"rbac.authorization.k8s.io/v1 ClusterRole",
	"rbac.authorization.k8s.io/v1 ClusterRoleBinding",
	"rbac.authorization.k8s.io/v1beta1 ClusterRole",
	"rbac.authorization.k8s.io/v1beta1 ClusterRoleBinding",
	"scheduling.k8s.io/v1 PriorityClass",
	"scheduling.k8s.io/v1beta1 PriorityClass",
	"storage.k8s.io/v1 CSIDriver",
	"storage.k8s.io/v1 CSINode",
	"storage.k8s.io/v1 StorageClass",
	"storage.k8s.io/v1 VolumeAttachment",
	"storage.k8s.io/v1beta1 CSIDriver",
	"storage.k8s.io/v1beta1 CSINode",
	"storage.k8s.io/v1beta1 StorageClass",
	"storage.k8s.io/v1beta1 VolumeAttachment",
	"v1 ComponentStatus",
	"v1 Namespace",
	"v1 Node",
	"v1 NodeProxyOptions",
	"v1 PersistentVolume",
};

bool
kz_cluster_scoped(const char *api_version, const char *kind)
{
	size_t al = strlen(api_version);

	for (size_t i = 0;
	     i < sizeof(cluster_scoped) / sizeof(cluster_scoped[0]); i++) {
		const char *e = cluster_scoped[i];

		if (strncmp(e, api_version, al) == 0 && e[al] == ' ' &&
		    strcmp(e + al + 1, kind) == 0)
			return true;
	}
	return false;
}

const char *
kz_id_effns(const struct kz_id *id)
{
	if (id->cluster)
		return "_non_namespaceable_";
	if (id->ns[0] == '\0' || strcmp(id->ns, "default") == 0)
		return "default";
	return id->ns;
}

bool
kz_id_equal(const struct kz_id *x, const struct kz_id *y)
{
	return strcmp(x->name, y->name) == 0 &&
	    kz_gvk_equal(&x->gvk, &y->gvk) &&
	    strcmp(kz_id_effns(x), kz_id_effns(y)) == 0;
}

char *
kz_id_string(struct arena *a, const struct kz_id *id)
{
	return arena_printf(a, "%s.%s.%s/%s.%s",
	    id->gvk.kind[0] != '\0' ? id->gvk.kind : "[noKind]",
	    id->gvk.version[0] != '\0' ? id->gvk.version : "[noVer]",
	    id->gvk.group[0] != '\0' ? id->gvk.group : "[noGrp]",
	    id->name[0] != '\0' ? id->name : "[noName]",
	    id->ns[0] != '\0' ? id->ns : "[noNs]");
}
