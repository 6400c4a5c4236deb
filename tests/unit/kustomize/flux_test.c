/*
 * kustomize_generate(): Flux's kustomization for a plain directory.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "kustomize/kustomize.h"
#include "t.h"
#include "tree.h"

static const char cm[] =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";

T_TEST(test_generate_lists_manifests_and_kustomized_dirs)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out = NULL;

	tree_put(root, "b.yaml", cm);
	tree_put(root, "a.yml", cm);
	tree_put(root, "notes.txt", "not yaml");
	tree_put(root, "sub/c.yaml", cm);
	tree_put(root, "app/kustomization.yaml", "resources: [x.yaml]\n");
	tree_put(root, "app/x.yaml", cm);
	T_OK(kustomize_generate(&out, root, &err), &err);
	T_STREQ(out,
	    "apiVersion: kustomize.config.k8s.io/v1beta1\n"
	    "kind: Kustomization\n"
	    "resources:\n"
	    "- ./a.yml\n"
	    "- ./app\n"
	    "- ./b.yaml\n"
	    "- ./sub/c.yaml\n");
	free(out);
	tree_free(root);
}

T_TEST(test_generate_refuses_a_directory_with_a_kustomization)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out = NULL;

	tree_put(root, "kustomization.yaml", "resources: []\n");
	T_ERR(kustomize_generate(&out, root, &err), &err, ERR_CONFLICT);
	T_STREQ(out, NULL);
	tree_free(root);
}

T_TEST(test_generate_refuses_a_file_that_is_not_kubernetes_yaml)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out = NULL;

	tree_put(root, "values.yaml", "replicas: 3\n");
	T_ERR(kustomize_generate(&out, root, &err), &err, ERR_INVALID);
	T_STREQ(out, NULL);
	tree_free(root);
}

/* What it writes builds. */
T_TEST(test_generated_kustomization_builds)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *text = NULL, *out;

	tree_put(root, "sub/c.yaml", cm);
	T_OK(kustomize_generate(&text, root, &err), &err);
	tree_put(root, "kustomization.yaml", text != NULL ? text : "");
	out = tree_build(root, ".", &err);
	T_STREQ(out, cm);
	free(out);
	free(text);
	tree_free(root);
}

T_TEST(test_build_reads_the_given_kustomization_in_place_of_the_file)
{
	static const char over[] = "resources: [c.yaml]\nnamePrefix: b-\n";
	struct kustomize_opts o = { .kustomization = over,
		.kustomization_len = sizeof(over) - 1 };
	struct err err = ERR_INIT;
	char *root = tree_new();
	struct doc *d = NULL;

	tree_put(root, "c.yaml", cm);
	tree_put(root, "kustomization.yaml",
	    "resources: [c.yaml]\nnamePrefix: a-\n");
	T_OK(kustomize_build(&d, root, &o, &err), &err);
	T_EQ(doc_count(d), 1);
	T_STREQ(doc_str(doc_ptr_find(doc_root(d, 0), "/metadata/name")), "b-c");
	doc_free(d);
	d = NULL;
	tree_free(root);
}

T_TEST(test_build_of_a_plain_directory_reads_the_given_kustomization)
{
	static const char over[] = "resources: [c.yaml]\nnameSuffix: -s\n";
	struct kustomize_opts o = { .kustomization = over,
		.kustomization_len = sizeof(over) - 1 };
	struct err err = ERR_INIT;
	char *root = tree_new();
	struct doc *d = NULL;

	tree_put(root, "c.yaml", cm);
	T_ERR(kustomize_build(&d, root, NULL, &err), &err, ERR_NOTFOUND);
	err_reset(&err);
	T_OK(kustomize_build(&d, root, &o, &err), &err);
	T_EQ(doc_count(d), 1);
	T_STREQ(doc_str(doc_ptr_find(doc_root(d, 0), "/metadata/name")), "c-s");
	doc_free(d);
	tree_free(root);
}
