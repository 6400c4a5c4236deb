/*
 * Bad input: each a clear error (the right code, the file named), never
 * a crash.
 */
#include <stdlib.h>
#include <string.h>

#include "kustomize/kustomize.h"
#include "t.h"
#include "tree.h"

static const char cm[] =
    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: c\n";

/* Builds and checks the error code and that msg names what it must. */
static void
expect_error(const char *root, const char *rel, enum err_code code,
    const char *mentions)
{
	struct err err = ERR_INIT;
	char *out = tree_build(root, rel, &err);

	T_STREQ(out, NULL);
	T_EQ(err.code, code);
	if (strstr(err.msg, mentions) == NULL)
		t_fail(__FILE__, __LINE__, "'%s' not in '%s'", mentions,
		    err.msg);
	free(out);
}

T_TEST(test_missing_resource_names_the_file)
{
	char *root = tree_new();

	tree_put(root, "kustomization.yaml", "resources: [gone.yaml]\n");
	expect_error(root, ".", ERR_NOTFOUND, "gone.yaml");
	tree_free(root);
}

T_TEST(test_directory_without_kustomization_is_an_error)
{
	char *root = tree_new();

	tree_put(root, "cm.yaml", cm);
	expect_error(root, ".", ERR_NOTFOUND, "unable to find one of");
	tree_free(root);
}

T_TEST(test_kustomization_including_itself_is_a_cycle)
{
	char *root = tree_new();

	tree_put(root, "a/kustomization.yaml", "resources: [../b]\n");
	tree_put(root, "b/kustomization.yaml", "resources: [../a]\n");
	expect_error(root, "a", ERR_INVALID, "cycle detected");
	tree_free(root);
}

T_TEST(test_invalid_yaml_names_file_and_line)
{
	char *root = tree_new();

	tree_put(root, "kustomization.yaml", "resources: [bad.yaml]\n");
	tree_put(root, "bad.yaml", "apiVersion: v1\nkind: [unclosed\n");
	expect_error(root, ".", ERR_INVALID, "bad.yaml");
	expect_error(root, ".", ERR_INVALID, "line");
	tree_free(root);
}

T_TEST(test_duplicate_resource_ids_are_refused)
{
	char *root = tree_new();

	tree_put(root, "kustomization.yaml", "resources: [a.yaml, b.yaml]\n");
	tree_put(root, "a.yaml", cm);
	tree_put(root, "b.yaml", cm);
	expect_error(root, ".", ERR_INVALID, "already registered id");
	tree_free(root);
}

T_TEST(test_patch_matching_nothing_is_an_error)
{
	char *root = tree_new();

	tree_put(root, "kustomization.yaml",
	    "resources: [cm.yaml]\npatches:\n- patch: |\n"
	    "    apiVersion: v1\n    kind: ConfigMap\n"
	    "    metadata: {name: other}\n    data: {a: b}\n");
	tree_put(root, "cm.yaml", cm);
	expect_error(root, ".", ERR_INVALID, "no matches");
	tree_free(root);
}

T_TEST(test_generator_file_outside_the_root_is_refused)
{
	char *root = tree_new();

	tree_put(root, "secret.env", "A=1\n");
	tree_put(root, "app/kustomization.yaml",
	    "configMapGenerator:\n- name: c\n  envs: [../secret.env]\n");
	expect_error(root, "app", ERR_INVALID, "security");
	tree_free(root);
}

T_TEST(test_unknown_kustomization_field_is_refused)
{
	char *root = tree_new();

	tree_put(root, "kustomization.yaml",
	    "resources: [cm.yaml]\nnamePrefx: a-\n");
	tree_put(root, "cm.yaml", cm);
	expect_error(root, ".", ERR_INVALID, "namePrefx");
	tree_free(root);
}

T_TEST(test_object_without_a_name_is_refused)
{
	char *root = tree_new();

	tree_put(root, "kustomization.yaml", "resources: [cm.yaml]\n");
	tree_put(root, "cm.yaml", "apiVersion: v1\nkind: ConfigMap\n");
	expect_error(root, ".", ERR_INVALID, "missing metadata.name");
	tree_free(root);
}

T_TEST(test_remote_resources_are_unsupported)
{
	char *root = tree_new();

	tree_put(root, "kustomization.yaml",
	    "resources:\n- https://github.com/org/repo//deploy?ref=v1\n");
	expect_error(root, ".", ERR_UNSUPPORTED, "remote");
	tree_free(root);
}
