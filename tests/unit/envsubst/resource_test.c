/*
 * The post-build step on resources: opt-out marker, skipping without
 * variables, name checks, re-parsing the expanded YAML, and the errors as
 * kustomize-controller words them.
 */
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "doc/doc.h"
#include "envsubst/envsubst.h"
#include "t.h"

static struct doc *
yaml(const char *text)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	T_OK(doc_parse_yaml(&d, text, strlen(text), NULL, &err), &err);
	return d;
}

/* Whether the documents of d equal those of the YAML text want. */
static bool
same_docs(const struct doc *d, const char *want)
{
	struct doc *w = yaml(want);
	bool same = w != NULL && doc_count(w) == doc_count(d);
	size_t i;

	for (i = 0; same && i < doc_count(d); i++)
		same = doc_equal(doc_root(d, i), doc_root(w, i));
	doc_free(w);
	return same;
}

/* Runs envsubst_doc() over the YAML text with inline variables
 * (name, value, ..., NULL); the doc, with err set on failure. */
static struct doc *
post_build(const char *text, const struct envsubst_postbuild *base,
    const char *const *kv, struct err *err)
{
	struct envsubst_postbuild pb = *base;
	struct doc *d = yaml(text), *vars = doc_new();
	struct doc_node *m = doc_new_map(doc_arena(vars));

	for (; kv != NULL && kv[0] != NULL; kv += 2)
		doc_map_set(doc_arena(vars), m, kv[0], strlen(kv[0]),
		    doc_new_str(doc_arena(vars), kv[1], strlen(kv[1])));
	pb.substitute = m;
	if (d != NULL && envsubst_doc(d, &pb, err) == -1) {
		doc_free(d);
		d = NULL;
	}
	doc_free(vars);
	return d;
}

static const char cm[] = "apiVersion: v1\n"
                         "kind: ConfigMap\n"
                         "metadata:\n"
                         "  name: cm\n"
                         "data:\n"
                         "  a: ${a}\n";

T_TEST(test_variables_replace_text)
{
	static const char *const vars[] = { "a", "one", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	struct doc *d = post_build(cm, &pb, vars, &err);

	T_TRUE(d != NULL &&
	    same_docs(d,
	        "apiVersion: v1\nkind: ConfigMap\n"
	        "metadata: {name: cm}\n"
	        "data: {a: one}\n"));
	doc_free(d);
}

T_TEST(test_substitution_can_change_a_type)
{
	static const char *const vars[] = { "n", "3", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	struct doc *d = post_build(
	    "kind: Deployment\nspec:\n  replicas: ${n}\n", &pb, vars, &err);
	int64_t n = 0;

	T_TRUE(d != NULL);
	if (d != NULL)
		T_OK(doc_get_int(&n,
		         doc_ptr_find(doc_root(d, 0), "/spec/replicas"), &err),
		    &err);
	T_EQ(n, 3);
	doc_free(d);
}

T_TEST(test_opt_out_needs_exactly_disabled)
{
	static const char *const vars[] = { "a", "one", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	const char *annotated = "metadata:\n  annotations:\n"
	                        "    kustomize.toolkit.fluxcd.io/substitute: "
	                        "disabled\ndata: {a: '${a}'}\n";
	const char *labelled = "metadata:\n  labels:\n"
	                       "    kustomize.toolkit.fluxcd.io/substitute: "
	                       "disabled\ndata: {a: '${a}'}\n";
	const char *capital = "metadata:\n  labels:\n"
	                      "    kustomize.toolkit.fluxcd.io/substitute: "
	                      "Disabled\ndata: {a: '${a}'}\n";
	struct doc *d;

	d = post_build(annotated, &pb, vars, &err);
	T_TRUE(d != NULL && same_docs(d, annotated));
	doc_free(d);
	d = post_build(labelled, &pb, vars, &err);
	T_TRUE(d != NULL && same_docs(d, labelled));
	doc_free(d);
	d = post_build(capital, &pb, vars, &err);
	T_TRUE(d != NULL &&
	    strcmp(doc_str(doc_ptr_find(doc_root(d, 0), "/data/a")), "one") ==
	        0);
	doc_free(d);
}

T_TEST(test_non_string_label_voids_the_opt_out)
{
	struct doc *d = yaml("metadata:\n  labels:\n"
	                     "    kustomize.toolkit.fluxcd.io/substitute: "
	                     "disabled\n    n: 1\n");

	/* Flux reads labels as map[string]string: a number empties it */
	T_TRUE(!envsubst_is_disabled(doc_root(d, 0)));
	doc_free(d);
}

T_TEST(test_no_variables_leaves_resources_alone)
{
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	const char *text = "data:\n  a: ${undefined}\n  b: ${x:=dflt}\n";
	struct doc *d = post_build(text, &pb, NULL, &err);

	T_TRUE(d != NULL && same_docs(d, text));
	doc_free(d);
}

T_TEST(test_always_expands_without_variables)
{
	struct envsubst_postbuild pb = { .strict = true,
		.strategy = ENVSUBST_ALWAYS };
	struct err err = ERR_INIT;
	struct doc *d = post_build("data:\n  b: ${x:=dflt}\n", &pb, NULL, &err);

	T_TRUE(d != NULL && same_docs(d, "data: {b: dflt}\n"));
	doc_free(d);
	d = post_build(cm, &pb, NULL, &err);
	T_TRUE(d == NULL);
	T_STREQ(err.msg,
	    "post build failed for 'ConfigMap.v1.[noGrp]/cm': envsubst "
	    "error: variable substitution failed: variable not set (strict "
	    "mode): \"a\"");
}

T_TEST(test_bad_variable_name_fails_even_unused)
{
	static const char *const vars[] = { "my-var", "x", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	struct doc *d = post_build("apiVersion: apps/v1\nkind: Deployment\n"
	                           "metadata: {name: web}\n",
	    &pb, vars, &err);

	T_TRUE(d == NULL);
	T_EQ(err.code, ERR_INVALID);
	T_STREQ(err.msg,
	    "post build failed for 'Deployment.v1.apps/web': envsubst error: "
	    "'my-var' var name is invalid, must match "
	    "'^[_[:alpha:]][_[:alpha:][:digit:]]*$'");
}

T_TEST(test_parse_error_in_resource_fails_the_build)
{
	static const char *const vars[] = { "x", "1", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	struct doc *d = post_build("kind: ConfigMap\ndata: {a: '${unclosed'}\n",
	    &pb, vars, &err);

	T_TRUE(d == NULL);
	T_STREQ(err.msg,
	    "post build failed for 'ConfigMap.[noVer].[noGrp]/': envsubst "
	    "error: variable substitution failed: missing closing brace");
}

T_TEST(test_value_that_breaks_yaml_is_invalid)
{
	static const char *const vars[] = { "v", "a: b: c", NULL };
	struct envsubst_postbuild pb = { 0 };
	struct err err = ERR_INIT;
	struct doc *d = post_build("data:\n  k: ${v}\n", &pb, vars, &err);

	T_TRUE(d == NULL);
	T_EQ(err.code, ERR_INVALID);
	T_TRUE(strstr(err.msg, "envsubst error: YAMLToJSON: ") != NULL);
}

T_TEST(test_newlines_are_removed_from_values)
{
	static const char *const vars[] = { "v", "line1\nline2\n", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	struct doc *d = post_build("data:\n  k: ${v}\n", &pb, vars, &err);

	T_TRUE(d != NULL && same_docs(d, "data: {k: line1line2}\n"));
	doc_free(d);
}

T_TEST(test_variables_load_only_when_needed)
{
	struct envsubst_source absent = { "ConfigMap", "absent", false, false,
		NULL };
	struct envsubst_postbuild pb = { .from = &absent, .n_from = 1 };
	struct err err = ERR_INIT;
	const char *skipped = "metadata:\n  annotations:\n"
	                      "    kustomize.toolkit.fluxcd.io/substitute: "
	                      "disabled\n";
	struct doc *d = post_build(skipped, &pb, NULL, &err);

	T_TRUE(d != NULL); /* nothing to substitute: no lookup, no error */
	doc_free(d);
	d = post_build(cm, &pb, NULL, &err);
	T_TRUE(d == NULL);
	T_EQ(err.code, ERR_NOTFOUND);
	T_STREQ(err.msg,
	    "post build failed for 'ConfigMap.v1.[noGrp]/cm': substitute "
	    "from 'ConfigMap/absent' error: configmaps \"absent\" not found");
}

T_TEST(test_long_lines_survive_the_round_trip)
{
	static const char *const vars[] = { "v", "value", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	struct buf text, want;
	struct doc *d;
	int i;

	/* an emitter that folded long lines could split ${v} */
	buf_init(&text, BUF_MAX_DEFAULT);
	buf_init(&want, BUF_MAX_DEFAULT);
	buf_puts(&text, "data:\n  k: ");
	buf_puts(&want, "data:\n  k: ");
	for (i = 0; i < 40; i++) {
		buf_puts(&text, "word ${v} ");
		buf_puts(&want, "word value ");
	}
	buf_puts(&text, "end\n");
	buf_puts(&want, "end\n");
	d = post_build(text.data, &pb, vars, &err);
	T_TRUE(d != NULL && same_docs(d, want.data));
	doc_free(d);
	buf_release(&text);
	buf_release(&want);
}

/* Flux reads the expanded text with YAML 1.1 rules and takes every number
 * through a float64 (checked against kustomize-controller's libraries). */
T_TEST(test_values_read_as_flux_reads_them)
{
	static const char *const vars[] = { "yes", "yes", "oct", "0644", "f",
		"1.10", "one", "1.0", "big", "18446744073709551615", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	struct doc
	    *d = post_build("data:\n  a: ${yes}\n  b: ${oct}\n"
	                    "  c: ${f}\n  d: ${one}\n  e: 010\n"
	                    "  f: \"on\"\n  g: \"${yes}\"\n  h: ${big}\n",
	        &pb, vars, &err);

	T_TRUE(d != NULL);
	if (d == NULL)
		return;
	/* g too: printed again, "${yes}" needs no quotes, so none remain */
	T_TRUE(same_docs(d,
	    "data: {a: true, b: 420, c: 1.1, d: 1, e: 8, "
	    "f: 'on', g: true, h: 18446744073709552000}\n"));
	T_STREQ(doc_str(doc_ptr_find(doc_root(d, 0), "/data/h")),
	    "18446744073709552000");
	doc_free(d);
}

T_TEST(test_values_json_cannot_hold_fail)
{
	static const char *const inf[] = { "v", ".inf", NULL };
	static const char *const nul[] = { "v", "~", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;

	T_TRUE(post_build("kind: X\nn: ${v}\n", &pb, inf, &err) == NULL);
	T_STREQ(err.msg,
	    "post build failed for 'X.[noVer].[noGrp]/': envsubst error: "
	    "YAMLToJSON: json: unsupported value: +Inf");
	err_reset(&err);
	T_TRUE(post_build("kind: X\n${v}: x\n", &pb, nul, &err) == NULL);
	T_EQ(err.code, ERR_INVALID);
	T_TRUE(strstr(err.msg, "unsupported map key of type: <nil>") != NULL);
}

T_TEST(test_keys_become_strings)
{
	static const char *const vars[] = { "k", "10", "b", "on", NULL };
	struct envsubst_postbuild pb = { .strict = true };
	struct err err = ERR_INIT;
	struct doc *d = post_build("spec:\n  ${k}: x\n  ${b}: y\n  010: z\n",
	    &pb, vars, &err);
	const struct doc_node *spec = d != NULL
	    ? doc_map_get(doc_root(d, 0), "spec")
	    : NULL;

	T_TRUE(spec != NULL && spec->u.map.n == 3);
	if (spec == NULL || spec->u.map.n != 3)
		return;
	T_STREQ(doc_str(spec->u.map.items[0].key), "10");
	T_EQ(spec->u.map.items[0].key->kind, DOC_STR);
	T_STREQ(doc_str(spec->u.map.items[1].key), "true");
	T_STREQ(doc_str(spec->u.map.items[2].key), "8");
	doc_free(d);
}
