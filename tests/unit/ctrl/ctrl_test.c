/*
 * The parts of the skeleton that need no API server: status diffs,
 * finalizer lookups, results, and the option checks of controllers and
 * leader election.
 */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "ctrl/ctrl.h"
#include "ctrl/leader.h"
#include "ctrl/status.h"
#include "t.h"

static struct doc *
parse(const char *json)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	if (doc_parse_json(&d, json, strlen(json), NULL, &err) == -1)
		BUG("test JSON: %s", err.msg);
	return d;
}

/* The diff of two JSON texts as compact JSON, or "(equal)". */
static char *
diff_json(const char *old, const char *new_text)
{
	struct doc *o = old != NULL ? parse(old) : NULL;
	struct doc *n = parse(new_text);
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	struct doc_node *d = status_diff(a, o != NULL ? doc_root(o, 0) : NULL,
	    doc_root(n, 0));
	struct buf b;
	char *out;

	buf_init(&b, 1 << 16);
	if (d == NULL)
		buf_puts(&b, "(equal)");
	else if (doc_emit_json(&b, d, 0, &err) == -1)
		BUG("emit: %s", err.msg);
	out = buf_detach(&b, NULL);
	buf_release(&b);
	arena_free(a);
	doc_free(o);
	doc_free(n);
	return out;
}

static void
check_diff(const char *old, const char *new_text, const char *want)
{
	char *got = diff_json(old, new_text);

	T_STREQ(got, want);
	free(got);
}

T_TEST(test_status_diff_is_null_for_equal_trees)
{
	check_diff("{\"a\":1,\"b\":{\"c\":[1,2]}}",
	    "{\"b\":{\"c\":[1,2]},\"a\":1}", "(equal)");
}

T_TEST(test_status_diff_keeps_only_changed_keys)
{
	check_diff("{\"observedGeneration\":1,\"url\":\"x\"}",
	    "{\"observedGeneration\":2,\"url\":\"x\"}",
	    "{\"observedGeneration\":2}");
	check_diff("{\"a\":{\"b\":1,\"c\":2}}", "{\"a\":{\"b\":1,\"c\":3}}",
	    "{\"a\":{\"c\":3}}");
}

T_TEST(test_status_diff_nulls_removed_keys_and_replaces_lists)
{
	check_diff("{\"a\":1,\"gone\":true,\"l\":[1,2]}", "{\"a\":1,\"l\":[2]}",
	    "{\"l\":[2],\"gone\":null}");
}

T_TEST(test_status_diff_from_nothing_is_the_whole_status)
{
	check_diff(NULL, "{\"a\":{\"b\":1}}", "{\"a\":{\"b\":1}}");
	check_diff("{\"a\":\"x\"}", "{\"a\":{\"b\":1}}", "{\"a\":{\"b\":1}}");
}

T_TEST(test_finalizer_lookup_reads_metadata_finalizers)
{
	struct doc *d = parse("{\"metadata\":{\"finalizers\":"
	                      "[\"other\",\"finalizers.fluxcd.io\"]}}");
	struct doc *none = parse("{\"metadata\":{}}");

	T_TRUE(ctrl_has_finalizer(doc_root(d, 0), STATUS_FINALIZER));
	T_TRUE(ctrl_has_finalizer(doc_root(d, 0), "other"));
	T_TRUE(!ctrl_has_finalizer(doc_root(d, 0), "finalizers.fluxcd"));
	T_TRUE(!ctrl_has_finalizer(doc_root(none, 0), STATUS_FINALIZER));
	doc_free(d);
	doc_free(none);
}

T_TEST(test_results_say_what_they_are)
{
	T_EQ(result_ready().kind, RESULT_READY);
	T_EQ(result_retry().kind, RESULT_RETRY);
	T_EQ(result_retry().after_ms, 0);
	T_EQ(result_retry_after(1500).after_ms, 1500);
	T_EQ(result_retry_after(-1).after_ms, 0);
	T_EQ(result_stalled().kind, RESULT_STALLED);
	T_EQ(result_suspended().kind, RESULT_SUSPENDED);
}

static struct result
noop(struct reconciler *r, const struct object *obj)
{
	(void)r;
	(void)obj;
	return result_ready();
}

/* A configuration for a server nothing listens on: nothing is sent. */
static void
config_offline(struct k8s_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->server = xstrdup("https://127.0.0.1:1");
	cfg->namespace = xstrdup("default");
}

T_TEST(test_controller_needs_kind_reconcile_and_reporter)
{
	struct ctrl_opts o = { .api_version = "v1",
		.kind = "ConfigMap",
		.reporting_controller = "test-controller",
		.reconcile = noop };
	struct k8s_config cfg;
	struct err err = ERR_INIT;
	struct ctrl *c = NULL;
	struct k8s *k = NULL;

	config_offline(&cfg);
	T_OK(k8s_new(&k, &cfg, NULL, &err), &err);
	o.reconcile = NULL;
	T_ERR(ctrl_new(&c, k, &o, &err), &err, ERR_INVALID);
	o.reconcile = noop;
	o.reporting_controller = NULL;
	T_ERR(ctrl_new(&c, k, &o, &err), &err, ERR_INVALID);
	o.reporting_controller = "test-controller";
	o.kind = NULL;
	T_ERR(ctrl_new(&c, k, &o, &err), &err, ERR_INVALID);
	o.kind = "ConfigMap";
	T_OK(ctrl_new(&c, k, &o, &err), &err);
	T_TRUE(c != NULL && ctrl_informer(c) != NULL);
	T_EQ(c != NULL ? ctrl_reconciles(c) : 1, 0);
	ctrl_free(c);
	k8s_free(k);
	k8s_config_release(&cfg);
}

T_TEST(test_leader_durations_must_nest)
{
	struct leader_opts o = { .namespace = "flux-system", .name = "lease" };
	struct k8s_config cfg;
	struct err err = ERR_INIT;
	struct leader *l = NULL;

	config_offline(&cfg);
	o.lease_duration_ms = 10000; /* not above the 10 s renew default */
	T_ERR(leader_new(&l, &cfg, &o, &err), &err, ERR_INVALID);
	o.lease_duration_ms = 3000;
	o.renew_deadline_ms = 2000;
	o.retry_period_ms = 1700; /* 1.2 * 1700 > 2000 */
	T_ERR(leader_new(&l, &cfg, &o, &err), &err, ERR_INVALID);
	o.retry_period_ms = 1000;
	o.name = NULL;
	T_ERR(leader_new(&l, &cfg, &o, &err), &err, ERR_INVALID);
	o.name = "lease";
	T_OK(leader_new(&l, &cfg, &o, &err), &err);
	T_TRUE(l != NULL && !leader_is_leading(l));
	T_TRUE(l != NULL && strchr(leader_identity(l), '_') != NULL);
	leader_free(l);
	l = NULL;
	o.lease_duration_ms = 0;
	o.renew_deadline_ms = 0;
	o.retry_period_ms = 0;
	T_OK(leader_new(&l, &cfg, &o, &err), &err); /* 15/10/2 s nest */
	leader_free(l);
	k8s_config_release(&cfg);
}
