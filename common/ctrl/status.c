/*
 * Flux's condition summary on doc trees. The rules follow fluxcd/pkg's
 * runtime: Reconciling and Stalled are "abnormal-true" conditions present
 * only while True, and Ready summarises the outcome.
 */
#include "ctrl/status.h"

#include <string.h>
#include <time.h>

static struct doc_node *
conditions(struct arena *a, struct doc_node *status, bool create)
{
	struct doc_node *c = doc_map_get(status, "conditions");

	if ((c == NULL || c->kind != DOC_SEQ) && create) {
		c = doc_new_seq(a);
		doc_map_set(a, status, "conditions", strlen("conditions"), c);
	}
	return c != NULL && c->kind == DOC_SEQ ? c : NULL;
}

static bool
is_type(const struct doc_node *cond, const char *type)
{
	const char *t;

	if (cond->kind != DOC_MAP)
		return false;
	t = doc_str(doc_map_get(cond, "type"));
	return t != NULL && strcmp(t, type) == 0;
}

struct doc_node *
status_find_condition(const struct doc_node *status, const char *type)
{
	const struct doc_node *c = doc_map_get(status, "conditions");

	if (c == NULL || c->kind != DOC_SEQ)
		return NULL;
	for (size_t i = 0; i < c->u.seq.n; i++)
		if (is_type(c->u.seq.items[i], type))
			return c->u.seq.items[i];
	return NULL;
}

static void
set_str(struct arena *a, struct doc_node *map, const char *key,
    const char *value)
{
	doc_map_set(a, map, key, strlen(key),
	    doc_new_str(a, value, strlen(value)));
}

void
status_set_condition(struct arena *a, struct doc_node *status,
    const struct condition *c, int64_t generation, const char *now)
{
	struct doc_node *cond = status_find_condition(status, c->type);
	const char *old;

	if (cond == NULL) {
		cond = doc_new_map(a);
		set_str(a, cond, "type", c->type);
		doc_seq_append(a, conditions(a, status, true), cond);
	}
	old = doc_str(doc_map_get(cond, "status"));
	set_str(a, cond, "status", c->status);
	doc_map_set(a, cond, "observedGeneration", strlen("observedGeneration"),
	    doc_new_int(a, generation));
	if (old == NULL || strcmp(old, c->status) != 0 ||
	    doc_map_get(cond, "lastTransitionTime") == NULL)
		set_str(a, cond, "lastTransitionTime", now);
	set_str(a, cond, "reason", c->reason);
	set_str(a, cond, "message", c->message != NULL ? c->message : "");
}

bool
status_remove_condition(struct doc_node *status, const char *type)
{
	struct doc_node *c = conditions(NULL, status, false);

	if (c == NULL)
		return false;
	for (size_t i = 0; i < c->u.seq.n; i++)
		if (is_type(c->u.seq.items[i], type))
			return doc_seq_remove(c, i) == 0;
	return false;
}

void
status_mark_progressing(struct arena *a, struct doc_node *status,
    const char *message, int64_t generation, const char *now)
{
	struct condition rec = { "Reconciling", "True", "Progressing",
		message };
	struct condition ready = { "Ready", "Unknown", "Progressing", message };

	status_set_condition(a, status, &rec, generation, now);
	status_set_condition(a, status, &ready, generation, now);
}

static void
set_observed(struct arena *a, struct doc_node *status, int64_t generation)
{
	doc_map_set(a, status, "observedGeneration",
	    strlen("observedGeneration"), doc_new_int(a, generation));
}

void
status_mark_ready(struct arena *a, struct doc_node *status, const char *reason,
    const char *message, int64_t generation, const char *now)
{
	struct condition ready = { "Ready", "True", reason, message };

	status_set_condition(a, status, &ready, generation, now);
	status_remove_condition(status, "Reconciling");
	status_remove_condition(status, "Stalled");
	set_observed(a, status, generation);
}

void
status_mark_failed(struct arena *a, struct doc_node *status,
    const struct err *err, const char *fallback_reason, int64_t generation,
    const char *now)
{
	const char *reason = err->reason != NULL ? err->reason
	                                         : fallback_reason;
	struct condition ready = { "Ready", "False", reason, err->msg };
	struct condition other = { "Reconciling", "True",
		"ProgressingWithRetry", err->msg };

	status_set_condition(a, status, &ready, generation, now);
	if (!err_is_stalling(err->code)) {
		status_set_condition(a, status, &other, generation, now);
		status_remove_condition(status, "Stalled");
		return;
	}
	other.type = "Stalled";
	other.reason = reason;
	status_set_condition(a, status, &other, generation, now);
	status_remove_condition(status, "Reconciling");
	set_observed(a, status, generation);
}

bool
status_handle_requested_at(struct arena *a, struct doc_node *status,
    const struct doc_node *obj)
{
	const struct doc_node *ann = doc_ptr_find(obj, "/metadata/annotations");
	const char *req, *seen;

	if (ann == NULL ||
	    (req = doc_str(doc_map_get(ann, STATUS_ANNOTATION_REQUESTED_AT))) ==
	        NULL)
		return false;
	seen = doc_str(doc_map_get(status, "lastHandledReconcileAt"));
	if (seen != NULL && strcmp(seen, req) == 0)
		return false;
	set_str(a, status, "lastHandledReconcileAt", req);
	return true;
}

static bool
is_map(const struct doc_node *n)
{
	return n != NULL && n->kind == DOC_MAP;
}

struct doc_node *
status_diff(struct arena *a, const struct doc_node *old,
    const struct doc_node *new_node)
{
	struct doc_node *patch;

	if (!is_map(old) || !is_map(new_node))
		return doc_equal(old, new_node) ? NULL : doc_copy(a, new_node);
	patch = doc_new_map(a);
	for (size_t i = 0; i < new_node->u.map.n; i++) {
		const struct doc_pair *p = &new_node->u.map.items[i];
		const char *key = doc_str(p->key);
		struct doc_node *d;

		if (key == NULL)
			continue;
		d = status_diff(a, doc_map_get(old, key), p->value);
		if (d != NULL)
			doc_map_set(a, patch, key, strlen(key), d);
	}
	for (size_t i = 0; i < old->u.map.n; i++) {
		const char *key = doc_str(old->u.map.items[i].key);

		if (key != NULL && doc_map_get(new_node, key) == NULL)
			doc_map_set(a, patch, key, strlen(key),
			    doc_new_null(a));
	}
	return patch->u.map.n > 0 ? patch : NULL;
}

char *
status_now(char *dst, size_t size)
{
	time_t t = time(NULL);
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(dst, size, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return dst;
}
