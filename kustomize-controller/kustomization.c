/*
 * reconcile_kustomization: one Kustomization from source artifact to
 * cluster, in Flux's order: source → dependencies → download → build
 * (kustomize, decrypt, substitute) → server-side apply in stages →
 * prune what left the inventory → health → status, Events and a bus
 * Event. Each step fails with Flux's reason; reconciler_finish() writes
 * Ready/Stalled/Reconciling from it. Deletion prunes the inventory when
 * spec.prune says so.
 */
#include "kc.h"

#include <stdlib.h>
#include <string.h>

#include "apply/apply.h"
#include "apply/health.h"
#include "apply/inventory.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"
#include "ctrl/status.h"

/* What one reconcile holds; released under one label. */
struct run {
	struct reconciler *r;
	struct kc *kc;
	const struct object *obj;
	struct kc_spec spec;
	struct kc_artifact art;
	struct k8s *client; /* impersonating view, or NULL for the base */
	const char *root;   /* the unpacked artifact, shared */
	struct doc *objs;
	struct apply_result *applied;
	struct apply_result *pruned;
	struct inventory inv;
	bool checked_health;
};

static struct k8s *
run_client(struct run *run)
{
	return run->client != NULL ? run->client : reconciler_k8s(run->r);
}

/* The client of spec.serviceAccountName (or --default-service-account):
 * every write then happens with that account's rights. */
static int
client_open(struct run *run, struct err *err)
{
	const char *sa = run->spec.service_account;

	if (sa == NULL)
		sa = run->kc->opts.default_service_account;
	if (sa == NULL || sa[0] == '\0')
		return 0;
	return k8s_impersonate_sa(&run->client, reconciler_k8s(run->r),
	    run->obj->namespace, sa, err);
}

static int
fetch(struct run *run, struct err *err)
{
	return kc_cache_get(&run->root, run->kc, &run->art,
	    run->spec.decryption != NULL, err);
}

static void
status_set_str(struct run *run, const char *key, const char *v)
{
	struct arena *a = reconciler_arena(run->r);

	doc_map_set(a, reconciler_status(run->r), key, strlen(key),
	    doc_new_str(a, v, strlen(v)));
}

/* Records the change set as an Event, as Flux does when it is not
 * empty. */
static void
changes_event(struct run *run)
{
	struct ctrl_event ev = { "Normal", CTRL_REASON_PROGRESSING, NULL,
		run->art.revision, NULL, false };
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, (size_t)32 * 1024);
	if (apply_result_format(&b, run->applied, &err) == 0 &&
	    run->pruned != NULL)
		(void)apply_result_format(&b, run->pruned, &err);
	if (b.len > 0) {
		if (b.data[b.len - 1] == '\n')
			b.data[--b.len] = '\0';
		ev.message = b.data;
		reconciler_event(run->r, &ev);
		log_info(reconciler_log(run->r), "server-side apply completed");
	}
	buf_release(&b);
}

static int
prune(struct run *run, struct err *err)
{
	struct inventory old = { 0 }, stale = { 0 };
	struct apply_opts ao = { KC_MANAGER, KC_GROUP, run->obj->name,
		run->obj->namespace, false, false, 0 };
	int rv = 0;

	if (inventory_decode(&old,
	        doc_map_get(reconciler_status(run->r), "inventory"), err) == -1)
		return -1;
	inventory_diff(&stale, &old, &run->inv);
	if (run->spec.prune && stale.n > 0) {
		rv = apply_prune(&run->pruned, run_client(run), &stale, &ao,
		    err);
		/* An object that could not be deleted stays ours. */
		for (size_t i = 0; run->pruned != NULL && i < run->pruned->n;
		     i++)
			if (run->pruned->entries[i].action == APPLY_FAILED)
				inventory_add(&run->inv,
				    run->pruned->entries[i].namespace,
				    run->pruned->entries[i].name,
				    run->pruned->entries[i].group,
				    run->pruned->entries[i].kind,
				    run->pruned->entries[i].version);
	}
	inventory_release(&stale);
	inventory_release(&old);
	return rv;
}

static int
apply(struct run *run, struct err *err)
{
	struct apply_opts ao = { KC_MANAGER, KC_GROUP, run->obj->name,
		run->obj->namespace, run->spec.force, false, 0 };
	struct arena *a = reconciler_arena(run->r);
	int rv;

	ao.wait_timeout_ms = run->spec.timeout_ms;
	rv = apply_set(&run->applied, run_client(run), run->objs, &ao, err);
	if (run->applied != NULL)
		inventory_from_result(&run->inv, run->applied);
	if (rv == -1) {
		kc_fail(err, CTRL_REASON_RECONCILIATION_FAILED);
		return -1;
	}
	if ((rv = prune(run, err)) == -1)
		kc_fail(err, KC_REASON_PRUNE_FAILED);
	doc_map_set(a, reconciler_status(run->r), "inventory",
	    strlen("inventory"), inventory_encode(a, &run->inv));
	changes_event(run);
	return rv;
}

/* ---- health ---------------------------------------------------------------
 */

/* Kinds with no status at all: kstatus finds them Current as soon as
 * they exist, and apply_set() just made sure they do, so watching them
 * would only cost a list and a watch per reconcile. */
static bool
always_current(const struct apply_entry *e)
{
	static const char *const core[] = { "ConfigMap", "Secret",
		"ServiceAccount" };
	static const char *const rbac[] = { "Role", "RoleBinding",
		"ClusterRole", "ClusterRoleBinding" };
	bool is_core = strcmp(e->group, "") == 0;
	bool is_rbac = strcmp(e->group, "rbac.authorization.k8s.io") == 0;

	for (size_t i = 0; is_core && i < sizeof(core) / sizeof(core[0]); i++)
		if (strcmp(e->kind, core[i]) == 0)
			return true;
	for (size_t i = 0; is_rbac && i < sizeof(rbac) / sizeof(rbac[0]); i++)
		if (strcmp(e->kind, rbac[i]) == 0)
			return true;
	return false;
}

static size_t
refs_from_applied(struct k8s_ref *refs, const struct apply_result *res)
{
	size_t n = 0;

	for (size_t i = 0; res != NULL && i < res->n; i++) {
		const struct apply_entry *e = &res->entries[i];

		if (e->action == APPLY_SKIPPED || e->action == APPLY_DELETED ||
		    always_current(e))
			continue;
		refs[n++] = (struct k8s_ref){ e->api_version, e->kind,
			e->namespace, e->name };
	}
	return n;
}

static size_t
refs_from_spec(struct k8s_ref *refs, const struct doc_node *checks,
    const char *own_ns)
{
	size_t n = 0;

	for (size_t i = 0; checks != NULL && i < checks->u.seq.n; i++) {
		const struct doc_node *c = checks->u.seq.items[i];
		const char *ns = doc_str(doc_map_get(c, "namespace"));

		refs[n++] = (struct k8s_ref){
			doc_str(doc_map_get(c, "apiVersion")),
			doc_str(doc_map_get(c, "kind")),
			ns != NULL ? ns : own_ns,
			doc_str(doc_map_get(c, "name")),
		};
	}
	return n;
}

static int
health(struct run *run, struct err *err)
{
	size_t cap = run->spec.wait
	    ? (run->applied != NULL ? run->applied->n : 0)
	    : (run->spec.health_checks != NULL
	              ? run->spec.health_checks->u.seq.n
	              : 0);
	struct health_opts ho = { run->spec.timeout_ms, true };
	struct k8s_ref *refs;
	size_t n;
	int rv;

	if (!run->spec.wait && run->spec.health_checks == NULL)
		return 0;
	run->checked_health = true; /* even when nothing needs a watch */
	if (cap == 0)
		return 0;
	refs = xcalloc(cap, sizeof(*refs));
	n = run->spec.wait ? refs_from_applied(refs, run->applied)
	                   : refs_from_spec(refs, run->spec.health_checks,
	                         run->obj->namespace);
	rv = n > 0 ? health_wait(NULL, run_client(run), refs, n, &ho, err) : 0;
	free(refs);
	if (rv == -1)
		kc_fail(err, KC_REASON_HEALTH_FAILED);
	return rv;
}

/* Healthy follows the checks; without checks there is no condition. */
static void
healthy_mark(struct run *run, const struct err *err)
{
	struct doc_node *st = reconciler_status(run->r);
	struct condition c = { "Healthy", "True", CTRL_REASON_SUCCEEDED,
		"Health check passed" };

	if (!run->checked_health) {
		if (run->spec.wait || run->spec.health_checks != NULL)
			return; /* not reached: keep what it said */
		(void)status_remove_condition(st, "Healthy");
		return;
	}
	if (err->code != ERR_OK) {
		c.status = "False";
		c.reason = KC_REASON_HEALTH_FAILED;
		c.message = err->msg;
	}
	status_set_condition(reconciler_arena(run->r), st, &c,
	    run->obj->generation, reconciler_now(run->r));
}

/* ---- the reconcile -------------------------------------------------------
 */

static int
steps(struct run *run, struct err *err)
{
	struct reconciler *r = run->r;
	struct k8s *k = reconciler_k8s(r);

	if (kc_source_artifact(&run->art, run->kc, k, reconciler_arena(r),
	        run->obj->namespace, &run->spec, err) == -1)
		return -1;
	status_set_str(run, "lastAttemptedRevision", run->art.revision);
	if (kc_deps_check(run->kc, k, run->obj, &run->spec, run->art.revision,
	        err) == -1 ||
	    fetch(run, err) == -1 ||
	    kc_build(&run->objs, k, run->root, run->obj, &run->spec,
	        run->kc->opts.strict_substitutions, err) == -1 ||
	    client_open(run, err) == -1 || apply(run, err) == -1)
		return -1;
	if (health(run, err) == -1)
		return -1;
	status_set_str(run, "lastAppliedRevision", run->art.revision);
	return 0;
}

static void
run_release(struct run *run)
{
	kc_cache_release(run->kc, run->root);
	doc_free(run->objs);
	apply_result_free(run->applied);
	apply_result_free(run->pruned);
	inventory_release(&run->inv);
	k8s_free(run->client);
}

/* Flux's requeue: dependencies and missing artifacts after
 * --requeue-dependency, other failures after spec.retryInterval. */
static struct result
requeue(struct run *run, const struct err *err, struct result res)
{
	if (res.kind != RESULT_RETRY)
		return res;
	if (err->reason != NULL &&
	    (strcmp(err->reason, CTRL_REASON_DEPENDENCY_NOT_READY) == 0 ||
	        (strcmp(err->reason, KC_REASON_ARTIFACT_FAILED) == 0 &&
	            err->code == ERR_NOTFOUND)))
		return result_retry_after(run->kc->opts.requeue_dependency_ms);
	return result_retry_after(run->spec.retry_ms);
}

/* Ready's status and message, to tell whether a reconcile has news. */
static const char *
ready_summary(struct reconciler *r)
{
	const struct doc_node *ready = status_find_condition(reconciler_status(
	                                                         r),
	    "Ready");
	const char *st = doc_str(doc_map_get(ready, "status"));
	const char *msg = doc_str(doc_map_get(ready, "message"));

	return arena_printf(reconciler_arena(r), "%s/%s", st != NULL ? st : "",
	    msg != NULL ? msg : "");
}

struct result
kc_reconcile(struct reconciler *r, const struct object *obj)
{
	struct run run = { .r = r, .kc = reconciler_arg(r), .obj = obj };
	struct err err = ERR_INIT;
	const char *msg = NULL, *ready_before;
	struct result res;

	if (kc_spec_decode(&run.spec, obj->node, &err) == 0 && run.spec.suspend)
		return result_suspended();
	if (err.code == ERR_OK && steps(&run, &err) == 0)
		msg = arena_printf(reconciler_arena(r), "Applied revision: %s",
		    run.art.revision);
	healthy_mark(&run, &err);
	ready_before = ready_summary(r);
	res = reconciler_finish(r, &err, CTRL_REASON_RECONCILIATION_SUCCEEDED,
	    msg, run.art.revision);
	/* Like the Kubernetes Event: only news, not every interval's
	 * unchanged outcome. */
	if (strcmp(ready_before, ready_summary(r)) != 0)
		kc_msg_event(run.kc, obj, err.code == ERR_OK ? "info" : "error",
		    err.code == ERR_OK
		        ? CTRL_REASON_RECONCILIATION_SUCCEEDED
		        : (err.reason != NULL ? err.reason : "Failed"),
		    err.code == ERR_OK ? msg : err.msg, run.art.revision);
	res = requeue(&run, &err, res);
	run_release(&run);
	return res;
}

/* Deletion: prune the inventory when spec.prune (and not suspended), as
 * Flux's MirrorPrune policy does. */
struct result
kc_finalize(struct reconciler *r, const struct object *obj)
{
	struct run run = { .r = r, .kc = reconciler_arg(r), .obj = obj };
	struct apply_opts ao = { KC_MANAGER, KC_GROUP, obj->name,
		obj->namespace, false, false, 0 };
	struct inventory inv = { 0 };
	struct err err = ERR_INIT;
	struct result res = result_ready();

	if (kc_spec_decode(&run.spec, obj->node, &err) == -1 ||
	    !run.spec.prune || run.spec.suspend)
		return res;
	if (inventory_decode(&inv, doc_ptr_find(obj->node, "/status/inventory"),
	        &err) == -1 ||
	    client_open(&run, &err) == -1 ||
	    apply_prune(&run.pruned, run_client(&run), &inv, &ao, &err) == -1) {
		log_error(reconciler_log(r), &err, "prune on deletion");
		res = result_retry();
	}
	inventory_release(&inv);
	run_release(&run);
	return res;
}
