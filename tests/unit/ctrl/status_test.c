/* Flux's condition summary: transitions, abnormal-true conditions. */
#include <string.h>

#include "ctrl/status.h"
#include "t.h"

static struct doc_node *
parse(struct doc **d, const char *json)
{
	struct err err = ERR_INIT;

	if (doc_parse_json(d, json, strlen(json), NULL, &err) == -1) {
		t_fail(__FILE__, __LINE__, "parse: %s", err.msg);
		return NULL;
	}
	return doc_root(*d, 0);
}

static const char *
field(const struct doc_node *status, const char *type, const char *key)
{
	const struct doc_node *c = status_find_condition(status, type);

	return c == NULL ? NULL : doc_str(doc_map_get(c, key));
}

T_TEST(test_transition_time_moves_only_when_status_changes)
{
	struct doc *d = NULL;
	struct doc_node *st = parse(&d, "{}");
	struct arena *a = doc_arena(d);
	struct condition c = { "Ready", "False", "Failed", "boom" };

	status_set_condition(a, st, &c, 1, "2026-01-01T00:00:00Z");
	c.message = "boom again";
	status_set_condition(a, st, &c, 2, "2026-01-01T00:01:00Z");
	T_STREQ(field(st, "Ready", "lastTransitionTime"),
	    "2026-01-01T00:00:00Z");
	T_STREQ(field(st, "Ready", "message"), "boom again");
	c.status = "True";
	status_set_condition(a, st, &c, 2, "2026-01-01T00:02:00Z");
	T_STREQ(field(st, "Ready", "lastTransitionTime"),
	    "2026-01-01T00:02:00Z");
	T_EQ(doc_map_get(st, "conditions")->u.seq.n, 1);
	doc_free(d);
}

T_TEST(test_ready_drops_reconciling_and_stalled)
{
	struct doc *d = NULL;
	struct doc_node *st = parse(&d, "{}");
	struct arena *a = doc_arena(d);
	int64_t og = 0;
	struct err err = ERR_INIT;

	status_mark_progressing(a, st, "Fetching", 3, "t0");
	T_STREQ(field(st, "Reconciling", "status"), "True");
	T_STREQ(field(st, "Ready", "status"), "Unknown");
	status_mark_ready(a, st, "Succeeded", "stored artifact", 3, "t1");
	T_TRUE(status_find_condition(st, "Reconciling") == NULL);
	T_TRUE(status_find_condition(st, "Stalled") == NULL);
	T_STREQ(field(st, "Ready", "reason"), "Succeeded");
	T_OK(doc_get_int(&og, doc_map_get(st, "observedGeneration"), &err),
	    &err);
	T_EQ(og, 3);
	doc_free(d);
}

T_TEST(test_invalid_input_stalls_and_network_error_retries)
{
	struct doc *d = NULL;
	struct doc_node *st = parse(&d, "{\"observedGeneration\": 1}");
	struct arena *a = doc_arena(d);
	struct err err = ERR_INIT;
	int64_t og = 0;

	err_set(&err, ERR_NETWORK, "connection refused");
	err_reason(&err, "GitOperationFailed");
	status_mark_failed(a, st, &err, "Failed", 2, "t0");
	T_STREQ(field(st, "Ready", "reason"), "GitOperationFailed");
	T_STREQ(field(st, "Reconciling", "reason"), "ProgressingWithRetry");
	T_TRUE(status_find_condition(st, "Stalled") == NULL);
	T_OK(doc_get_int(&og, doc_map_get(st, "observedGeneration"), &err),
	    &err);
	T_EQ(og, 1); /* a retry may still succeed at generation 2 */

	err_reset(&err);
	err_set(&err, ERR_INVALID, "invalid URL");
	status_mark_failed(a, st, &err, "URLInvalid", 2, "t1");
	T_STREQ(field(st, "Stalled", "reason"), "URLInvalid");
	T_STREQ(field(st, "Ready", "message"), "invalid URL");
	T_TRUE(status_find_condition(st, "Reconciling") == NULL);
	T_OK(doc_get_int(&og, doc_map_get(st, "observedGeneration"), &err),
	    &err);
	T_EQ(og, 2);
	doc_free(d);
}

T_TEST(test_requested_at_is_handled_once)
{
	struct doc *d = NULL, *o = NULL;
	struct doc_node *st = parse(&d, "{}");
	struct doc_node *obj = parse(&o,
	    "{\"metadata\":{\"annotations\":{\"reconcile.fluxcd.io/requestedAt\":\"2026-11-23T10:00:00Z\"}}}");
	struct arena *a = doc_arena(d);

	T_TRUE(status_handle_requested_at(a, st, obj));
	T_STREQ(doc_str(doc_map_get(st, "lastHandledReconcileAt")),
	    "2026-11-23T10:00:00Z");
	T_TRUE(!status_handle_requested_at(a, st, obj));
	doc_free(o);
	doc_free(d);
}
