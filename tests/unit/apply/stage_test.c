/*
 * Staging and ordering of kinds, as Flux's ssa manager applies them, and
 * the change-set lines Flux prints.
 */
#include <stdlib.h>

#include "apply/apply.h"
#include "apply/apply_int.h"
#include "t.h"

T_TEST(test_stage_definitions_first)
{
	T_EQ(apply_stage("apiextensions.k8s.io/v1", "CustomResourceDefinition"),
	    0);
	T_EQ(apply_stage("v1", "Namespace"), 0);
	T_EQ(apply_stage("rbac.authorization.k8s.io/v1", "ClusterRole"), 0);
	/* the group matters, not only the kind */
	T_EQ(apply_stage("example.com/v1", "Namespace"), 2);
	T_EQ(apply_stage("example.com/v1", "CustomResourceDefinition"), 2);
	T_EQ(apply_stage("storage.k8s.io/v1", "StorageClass"), 1);
	T_EQ(apply_stage("networking.k8s.io/v1", "IngressClass"), 1);
	T_EQ(apply_stage("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"),
	    2);
	T_EQ(apply_stage("apps/v1", "Deployment"), 2);
	T_EQ(apply_stage("kustomize.toolkit.fluxcd.io/v1", "Kustomization"), 2);
}

T_TEST(test_kind_rank_follows_kustomize_order)
{
	T_TRUE(
	    apply_kind_rank("Namespace") < apply_kind_rank("ServiceAccount"));
	T_TRUE(
	    apply_kind_rank("ServiceAccount") < apply_kind_rank("ConfigMap"));
	T_TRUE(apply_kind_rank("ConfigMap") < apply_kind_rank("Service"));
	T_TRUE(apply_kind_rank("Service") < apply_kind_rank("Deployment"));
	T_TRUE(apply_kind_rank("Deployment") < apply_kind_rank("Ingress"));
	T_EQ(apply_kind_rank("Ingress"), apply_kind_rank("Kustomization"));
	T_TRUE(apply_kind_rank("Ingress") <
	    apply_kind_rank("ValidatingWebhookConfiguration"));
}

T_TEST(test_result_lines_as_flux_prints_them)
{
	struct apply_result *r = calloc(1, sizeof(*r));
	struct err err = ERR_INIT;
	struct buf out;

	apply_result_add(r, "v1", "Namespace", "", "app", APPLY_CREATED);
	apply_result_add(r, "apps/v1", "Deployment", "app", "web",
	    APPLY_CONFIGURED);
	apply_result_add(r, "v1", "ConfigMap", "app", "same", APPLY_UNCHANGED);
	apply_result_add(r, "v1", "Secret", "app", "old", APPLY_DELETED);
	T_STREQ(r->entries[1].group, "apps");
	T_STREQ(r->entries[1].version, "v1");
	T_STREQ(r->entries[0].group, "");
	buf_init(&out, 1 << 12);
	T_OK(apply_result_format(&out, r, &err), &err);
	T_STREQ(out.data,
	    "Namespace/app created\n"
	    "Deployment/app/web configured\n"
	    "Secret/app/old deleted\n");
	buf_release(&out);
	apply_result_free(r);
}
