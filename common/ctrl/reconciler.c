/*
 * One reconcile's context: the private copy of the object, its status
 * as it was (to patch only the difference), the log identity with a
 * reconcileID, and the helpers a reconcile function ends with: events
 * carrying Flux's annotations and the Ready/Stalled/Reconciling summary.
 */
#include "ctrl/ctrl.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "ctrl/ctrl_int.h"
#include "ctrl/status.h"

#define EVENT_ANNOTATION_PREFIX "event.toolkit.fluxcd.io/"

/* A random (version 4) UUID, as controller-runtime's reconcileID. */
static void
uuid_format(char *dst, size_t size)
{
	uint64_t hi = ctrl_random(), lo = ctrl_random();

	(void)snprintf(dst, size, "%08x-%04x-4%03x-%04x-%012llx",
	    (unsigned)(hi >> 32), (unsigned)(hi >> 16) & 0xffff,
	    (unsigned)hi & 0xfff, (unsigned)(0x8000 | ((lo >> 48) & 0x3fff)),
	    (unsigned long long)(lo & 0xffffffffffffull));
}

static const char *
or_empty(const char *s)
{
	return s != NULL ? s : "";
}

static const char *
meta_str(const struct doc_node *node, const char *key)
{
	return or_empty(
	    doc_str(doc_map_get(doc_map_get(node, "metadata"), key)));
}

static void
object_fill(struct object *o, struct arena *a, const char *key,
    struct doc_node *node)
{
	struct err err = ERR_INIT;
	const struct doc_node *gen = doc_ptr_find(node, "/metadata/generation");

	o->key = arena_strdup(a, key);
	o->namespace = meta_str(node, "namespace");
	o->name = meta_str(node, "name");
	o->uid = meta_str(node, "uid");
	o->node = node;
	if (gen == NULL || doc_get_int(&o->generation, gen, &err) == -1)
		o->generation = 0;
}

void
reconciler_init(struct reconciler *r, struct ctrl *c, struct arena *a,
    const char *key, struct doc_node *node)
{
	const struct doc_node *status;

	memset(r, 0, sizeof(*r));
	r->c = c;
	r->a = a;
	r->started_ms = ctrl_now_ms();
	status_now(r->now, sizeof(r->now));
	uuid_format(r->reconcile_id, sizeof(r->reconcile_id));
	object_fill(&r->obj, a, key, node);
	status = doc_map_get(node, "status");
	r->status_before = status != NULL ? doc_copy(a, status) : NULL;
	r->log.controller = c->controller;
	r->log.group = c->group;
	r->log.kind = c->kind;
	r->log.name = r->obj.name;
	r->log.namespace = r->obj.namespace;
	r->log.reconcile_id = r->reconcile_id;
}

void
reconciler_release(struct reconciler *r)
{
	arena_free(r->a);
	r->a = NULL;
}

struct arena *
reconciler_arena(struct reconciler *r)
{
	return r->a;
}

struct k8s *
reconciler_k8s(struct reconciler *r)
{
	return r->c->k;
}

struct log_ctx *
reconciler_log(struct reconciler *r)
{
	return &r->log;
}

void *
reconciler_arg(struct reconciler *r)
{
	return r->c->arg;
}

const char *
reconciler_now(struct reconciler *r)
{
	return r->now;
}

struct doc_node *
reconciler_status(struct reconciler *r)
{
	struct doc_node *st = doc_map_get(r->obj.node, "status");

	if (st == NULL || st->kind != DOC_MAP) {
		st = doc_new_map(r->a);
		doc_map_set(r->a, r->obj.node, "status", strlen("status"), st);
	}
	return st;
}

int64_t
reconciler_interval_ms(struct reconciler *r)
{
	const char *s = doc_str(doc_ptr_find(r->obj.node, "/spec/interval"));
	struct err err = ERR_INIT;
	int64_t ms;

	if (s == NULL || str_parse_duration_ms(&ms, s, &err) == -1 || ms <= 0)
		return r->c->default_interval_ms;
	return ms;
}

int
reconciler_patch_status(struct reconciler *r, struct err *err)
{
	struct ctrl *c = r->c;
	struct k8s_ref ref = { c->api_version, c->kind, r->obj.namespace,
		r->obj.name };
	struct k8s_write_opts wo = { c->reporting_controller, false, false,
		"status" };
	const struct doc_node *now = doc_map_get(r->obj.node, "status");
	struct doc_node *diff, *patch;

	if (r->status_before == NULL && now != NULL && now->kind == DOC_MAP &&
	    now->u.map.n == 0)
		return 0; /* created empty by a look, nothing to say */
	diff = status_diff(r->a, r->status_before, now);
	if (diff == NULL)
		return 0;
	patch = doc_new_map(r->a);
	doc_map_set(r->a, patch, "status", strlen("status"), diff);
	if (k8s_patch(NULL, c->k, &ref, K8S_PATCH_MERGE, patch, &wo, err) == -1)
		return err_wrap(err, "patch status");
	return 0;
}

int
reconciler_flush_status(struct reconciler *r, struct err *err)
{
	const struct doc_node *now = doc_map_get(r->obj.node, "status");

	if (reconciler_patch_status(r, err) == -1)
		return -1;
	if (now != NULL)
		r->status_before = doc_copy(r->a, now);
	return 0;
}

/* ---- events
 * ------------------------------------------------------------------ */

static void
annotate(struct arena *a, struct doc_node *ann, const char *group,
    const char *key, const char *value)
{
	char *k;

	if (value == NULL)
		return;
	k = group[0] != '\0' ? arena_printf(a, "%s/%s", group, key)
	                     : arena_strdup(a, key);
	doc_map_set(a, ann, k, strlen(k), doc_new_str(a, value, strlen(value)));
}

/* The object's event.toolkit.fluxcd.io/ annotations, then ev's. */
static struct doc_node *
event_annotations(struct reconciler *r, const struct ctrl_event *ev)
{
	const struct doc_node *own = doc_ptr_find(r->obj.node,
	    "/metadata/annotations");
	struct doc_node *ann = doc_new_map(r->a);

	for (size_t i = 0;
	     own != NULL && own->kind == DOC_MAP && i < own->u.map.n; i++) {
		const char *k = doc_str(own->u.map.items[i].key);

		if (k != NULL && str_has_prefix(k, EVENT_ANNOTATION_PREFIX))
			doc_map_set(r->a, ann, k, strlen(k),
			    doc_copy(r->a, own->u.map.items[i].value));
	}
	annotate(r->a, ann, r->c->group, "revision", ev->revision);
	annotate(r->a, ann, r->c->group, "token", ev->token);
	if (ev->commit_status)
		annotate(r->a, ann, r->c->group, "commit_status", "update");
	return ann->u.map.n > 0 ? ann : NULL;
}

void
reconciler_event(struct reconciler *r, const struct ctrl_event *ev)
{
	struct k8s_event_info info;
	struct err err = ERR_INIT;

	memset(&info, 0, sizeof(info));
	info.regarding = r->obj.node;
	info.type = ev->type;
	info.reason = ev->reason;
	info.note = ev->message;
	info.action = "Reconcile";
	info.reporting_controller = r->c->reporting_controller;
	info.reporting_instance = r->c->reporting_instance;
	info.annotations = event_annotations(r, ev);
	if (k8s_event_create(r->c->k, &info, &err) == -1)
		log_error(&r->log, &err, "failed to record event");
}

/* ---- the usual ending -------------------------------------------------------
 */

/* Whether Ready already says this: no news to announce. Retries with
 * backoff would otherwise record one Event per attempt. */
static bool
ready_unchanged(struct reconciler *r, const char *status, const char *message)
{
	const struct doc_node *ready =
	    status_find_condition(doc_map_get(r->obj.node, "status"), "Ready");

	return ready != NULL &&
	    strcmp(or_empty(doc_str(doc_map_get(ready, "status"))), status) ==
	    0 &&
	    strcmp(or_empty(doc_str(doc_map_get(ready, "message"))),
	        or_empty(message)) == 0;
}

struct result
reconciler_finish(struct reconciler *r, const struct err *err,
    const char *reason, const char *message, const char *revision)
{
	struct doc_node *st = reconciler_status(r);
	struct ctrl_event ev = { "Normal", reason, message, revision, NULL,
		false };
	bool quiet;

	if (err == NULL || err->code == ERR_OK) {
		quiet = ready_unchanged(r, "True", message);
		status_mark_ready(r->a, st, reason, message, r->obj.generation,
		    r->now);
		if (!quiet)
			reconciler_event(r, &ev);
		return result_ready();
	}
	quiet = ready_unchanged(r, "False", err->msg);
	status_mark_failed(r->a, st, err, CTRL_REASON_FAILED, r->obj.generation,
	    r->now);
	log_error(&r->log, err, "Reconciler error");
	ev.type = "Warning";
	ev.reason = err->reason != NULL ? err->reason : CTRL_REASON_FAILED;
	ev.message = err->msg;
	if (!quiet)
		reconciler_event(r, &ev);
	return err_is_stalling(err->code) ? result_stalled() : result_retry();
}
