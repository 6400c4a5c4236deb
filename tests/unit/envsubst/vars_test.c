/*
 * The variable table, and loading it from a Kustomization's postBuild the
 * way kustomize-controller does.
 */
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "doc/doc.h"
#include "envsubst/envsubst.h"
#include "envsubst/envsubst_int.h"
#include "t.h"

static const char *
find(const struct envsubst_vars *v, const char *name)
{
	return envsubst_vars_find(v, name, strlen(name), NULL);
}

static struct doc_node *
map_of(struct arena *a, const char *const *kv)
{
	struct doc_node *m = doc_new_map(a);

	for (; kv[0] != NULL; kv += 2)
		doc_map_set(a, m, kv[0], strlen(kv[0]),
		    doc_new_str(a, kv[1], strlen(kv[1])));
	return m;
}

T_TEST(test_set_replaces_and_find_misses)
{
	struct envsubst_vars *v = envsubst_vars_new();
	size_t len = 0;

	T_EQ(envsubst_vars_count(v), 0);
	T_STREQ(find(v, "a"), NULL);
	envsubst_vars_set(v, "a", 1, "one", 3);
	envsubst_vars_set(v, "b", 1, "", 0);
	envsubst_vars_set(v, "a", 1, "uno", 3);
	T_EQ(envsubst_vars_count(v), 2);
	T_STREQ(envsubst_vars_find(v, "a", 1, &len), "uno");
	T_EQ(len, 3);
	T_STREQ(find(v, "b"), "");
	T_STREQ(find(v, "A"), NULL);
	T_STREQ(envsubst_vars_find(v, "ab", 1, NULL), "uno"); /* by length */
	envsubst_vars_free(v);
	envsubst_vars_free(NULL);
	T_EQ(envsubst_vars_count(NULL), 0);
	T_STREQ(envsubst_vars_find(NULL, "a", 1, NULL), NULL);
}

T_TEST(test_table_grows_past_many_names)
{
	struct envsubst_vars *v = envsubst_vars_new();
	char name[16], want[16];
	int i;

	for (i = 0; i < 1000; i++) {
		(void)snprintf(name, sizeof(name), "v%d", i);
		(void)snprintf(want, sizeof(want), "%d", i * 7);
		envsubst_vars_set(v, name, strlen(name), want, strlen(want));
	}
	T_EQ(envsubst_vars_count(v), 1000);
	for (i = 0; i < 1000; i += 111) {
		(void)snprintf(name, sizeof(name), "v%d", i);
		(void)snprintf(want, sizeof(want), "%d", i * 7);
		T_STREQ(find(v, name), want);
	}
	envsubst_vars_free(v);
}

T_TEST(test_names_must_match_flux_pattern)
{
	static const char *const good[] = { "_private", "CamelCase_9", "x",
		"_" };
	static const char *const bad[] = { "my-var", "9lives", "", "a.b",
		"caf\xc3\xa9" };
	struct err err = ERR_INIT;
	size_t i;

	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		struct envsubst_vars *v = envsubst_vars_new();

		envsubst_vars_set(v, good[i], strlen(good[i]), "", 0);
		T_OK(envsubst_vars_check_names(v, &err), &err);
		envsubst_vars_free(v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct envsubst_vars *v = envsubst_vars_new();

		envsubst_vars_set(v, "ok", 2, "", 0);
		envsubst_vars_set(v, bad[i], strlen(bad[i]), "", 0);
		T_ERR(envsubst_vars_check_names(v, &err), &err, ERR_INVALID);
		envsubst_vars_free(v);
	}
	{
		struct envsubst_vars *v = envsubst_vars_new();

		envsubst_vars_set(v, "my-var", 6, "x", 1);
		T_EQ(envsubst_vars_check_names(v, &err), -1);
		T_STREQ(err.msg,
		    "'my-var' var name is invalid, must match "
		    "'^[_[:alpha:]][_[:alpha:][:digit:]]*$'");
		envsubst_vars_free(v);
	}
}

T_TEST(test_load_orders_sources_and_strips_newlines)
{
	static const char *const cm[] = { "a", "from-cm", "b", "cm\nb", NULL };
	static const char *const sec[] = { "b", "from\n-secret\n", "c", "s",
		NULL };
	static const char *const inl[] = { "c", "inline", NULL };
	struct arena *a = arena_new();
	struct envsubst_source from[] = {
		{ "ConfigMap", "vars", false, true, map_of(a, cm) },
		{ "Secret", "secret-vars", false, true, map_of(a, sec) },
		{ "ConfigMap", "gone", true, false, NULL },
		{ "Bucket", "ignored", false, false, NULL },
	};
	struct envsubst_postbuild pb = { .substitute = map_of(a, inl),
		.from = from,
		.n_from = 4 };
	struct envsubst_vars *v = NULL;
	struct err err = ERR_INIT;

	T_OK(envsubst_vars_load(&v, &pb, &err), &err);
	T_EQ(envsubst_vars_count(v), 3);
	T_STREQ(find(v, "a"), "from-cm");
	T_STREQ(find(v, "b"), "from-secret");
	T_STREQ(find(v, "c"), "inline");
	envsubst_vars_free(v);
	arena_free(a);
}

T_TEST(test_load_empty_sources_give_no_variables)
{
	static const char *const none[] = { NULL };
	struct arena *a = arena_new();
	struct envsubst_source from[] = {
		{ "ConfigMap", "empty", false, true, map_of(a, none) },
	};
	struct envsubst_postbuild pb = { .from = from, .n_from = 1 };
	struct envsubst_vars *v = NULL;
	struct err err = ERR_INIT;

	T_OK(envsubst_vars_load(&v, &pb, &err), &err);
	T_EQ(envsubst_vars_count(v), 0);
	envsubst_vars_free(v);
	arena_free(a);
}

T_TEST(test_load_missing_required_source_is_not_found)
{
	struct envsubst_source cm = { "ConfigMap", "absent", false, false,
		NULL };
	struct envsubst_source secret = { "Secret", "creds", false, false,
		NULL };
	struct envsubst_postbuild pb = { .from = &cm, .n_from = 1 };
	struct envsubst_vars *v = NULL;
	struct err err = ERR_INIT;

	T_EQ(envsubst_vars_load(&v, &pb, &err), -1);
	T_EQ(err.code, ERR_NOTFOUND);
	T_STREQ(err.msg,
	    "substitute from 'ConfigMap/absent' error: configmaps \"absent\" "
	    "not found");
	err_reset(&err);
	pb.from = &secret;
	T_EQ(envsubst_vars_load(&v, &pb, &err), -1);
	T_STREQ(err.msg,
	    "substitute from 'Secret/creds' error: secrets \"creds\" not found");
	T_TRUE(v == NULL);
}

T_TEST(test_load_rejects_nested_values)
{
	struct arena *a = arena_new();
	struct doc_node *m = doc_new_map(a);
	struct envsubst_postbuild pb = { .substitute = m };
	struct envsubst_vars *v = NULL;
	struct err err = ERR_INIT;

	doc_map_set(a, m, "k", 1, doc_new_seq(a));
	T_ERR(envsubst_vars_load(&v, &pb, &err), &err, ERR_INVALID);
	T_TRUE(v == NULL);
	arena_free(a);
}
