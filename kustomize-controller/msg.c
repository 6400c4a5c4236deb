/*
 * The daemon's fast paths in and out: an ArtifactEvent on the bus (or a
 * source whose status names a new artifact revision, seen by a watch)
 * queues every Kustomization that uses that source; each reconcile's
 * outcome goes to notification-controller as Flux's Event. Beyond Flux,
 * a Kustomization that becomes Ready or applies a new revision queues
 * the ones that depend on it at once, instead of leaving them to poll
 * every --requeue-dependency. The bus is
 * only the fast path: a lost message costs a watch event or an interval.
 */
#include "kc.h"

#include <string.h>
#include <time.h>

#include "core/str.h"
#include "ctrl/status.h"

static bool
ref_names(const struct doc_node *ks, const char *kind, const char *ns,
    const char *name)
{
	const struct doc_node *ref = doc_ptr_find(ks, "/spec/sourceRef");
	const char *rk = doc_str(doc_map_get(ref, "kind"));
	const char *rn = doc_str(doc_map_get(ref, "name"));
	const char *rns = doc_str(doc_map_get(ref, "namespace"));

	if (rns == NULL || rns[0] == '\0')
		rns = doc_str(doc_ptr_find(ks, "/metadata/namespace"));
	return rk != NULL && rn != NULL && rns != NULL &&
	    strcmp(rk, kind) == 0 && strcmp(rn, name) == 0 &&
	    strcmp(rns, ns != NULL ? ns : "") == 0;
}

void
kc_enqueue_users(struct kc *kc, const char *kind, const char *ns,
    const char *name)
{
	struct err err = ERR_INIT;
	struct doc *all = NULL;

	/* A scan of the cache: cheap next to a reconcile, and always in step
	 * with it, unlike an index that would need its own updates. */
	if (informer_list(&all, ctrl_informer(kc->ctrl), NULL, NULL, &err) ==
	    -1) {
		log_error(kc->log, &err, "list Kustomizations");
		return;
	}
	for (size_t i = 0; i < doc_count(all); i++) {
		const struct doc_node *ks = doc_root(all, i);

		if (ref_names(ks, kind, ns, name))
			ctrl_enqueue(kc->ctrl,
			    doc_str(doc_ptr_find(ks, "/metadata/namespace")),
			    doc_str(doc_ptr_find(ks, "/metadata/name")));
	}
	doc_free(all);
}

static bool
dep_names(const struct doc_node *ks, const char *ns, const char *name)
{
	const struct doc_node *deps = doc_ptr_find(ks, "/spec/dependsOn");
	const char *own = doc_str(doc_ptr_find(ks, "/metadata/namespace"));

	for (size_t i = 0;
	     deps != NULL && deps->kind == DOC_SEQ && i < deps->u.seq.n; i++) {
		const struct doc_node *d = deps->u.seq.items[i];
		const char *dn = doc_str(doc_map_get(d, "name"));
		const char *dns = doc_str(doc_map_get(d, "namespace"));

		if (dns == NULL || dns[0] == '\0')
			dns = own;
		if (dn != NULL && dns != NULL && strcmp(dn, name) == 0 &&
		    strcmp(dns, ns) == 0)
			return true;
	}
	return false;
}

/* Ready's status and the applied revision: what dependents wait for. */
static bool
progress_changed(const struct doc_node *now, const struct doc_node *before)
{
	static const char *const ptrs[] = { "/status/lastAppliedRevision",
		"/status/observedGeneration" };
	const struct doc_node *rn = status_find_condition(doc_map_get(now,
	                                                      "status"),
	    "Ready");
	const struct doc_node *rb = status_find_condition(doc_map_get(before,
	                                                      "status"),
	    "Ready");

	if (!doc_equal(doc_map_get(rn, "status"), doc_map_get(rb, "status")))
		return true;
	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++)
		if (!doc_equal(doc_ptr_find(now, ptrs[i]),
		        doc_ptr_find(before, ptrs[i])))
			return true;
	return false;
}

void
kc_on_kustomization(void *arg, const struct informer_event *ev)
{
	struct kc *kc = arg;
	const char *ns, *name;
	struct err err = ERR_INIT;
	struct doc *all = NULL;

	if (ev->type != INFORMER_UPDATE ||
	    !progress_changed(ev->object, ev->old))
		return;
	ns = doc_str(doc_ptr_find(ev->object, "/metadata/namespace"));
	name = doc_str(doc_ptr_find(ev->object, "/metadata/name"));
	if (ns == NULL || name == NULL)
		return;
	if (informer_list(&all, ctrl_informer(kc->ctrl), NULL, NULL, &err) ==
	    -1) {
		log_error(kc->log, &err, "list Kustomizations");
		return;
	}
	for (size_t i = 0; i < doc_count(all); i++) {
		const struct doc_node *ks = doc_root(all, i);

		if (dep_names(ks, ns, name))
			ctrl_enqueue(kc->ctrl,
			    doc_str(doc_ptr_find(ks, "/metadata/namespace")),
			    doc_str(doc_ptr_find(ks, "/metadata/name")));
	}
	doc_free(all);
}

void
kc_msg_artifact(void *arg, const struct bus_msg *msg)
{
	struct kc *kc = arg;
	const struct bus_artifact *a = &msg->artifact;

	if (msg->type != BUS_ARTIFACT || kc_source_kind(a->source_kind) < 0)
		return;
	log_debug(kc->log, "artifact event for %s/%s/%s revision '%s'",
	    a->source_kind,
	    a->source_namespace != NULL ? a->source_namespace : "",
	    a->source_name, a->revision);
	kc_enqueue_users(kc, a->source_kind, a->source_namespace,
	    a->source_name);
}

void
kc_msg_event(struct kc *kc, const struct object *obj, const char *severity,
    const char *reason, const char *message, const char *revision)
{
	struct bus_kv meta[1] = { { KC_GROUP "/revision", revision } };
	struct bus_msg m;
	struct timespec ts;
	struct err err = ERR_INIT;

	if (kc->events == NULL)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	memset(&m, 0, sizeof(m));
	m.type = BUS_EVENT;
	m.event.involved_object = (struct bus_object_ref){ KC_KIND,
		obj->namespace, obj->name, obj->uid, KC_API_VERSION, NULL };
	m.event.severity = severity;
	m.event.timestamp_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	m.event.message = message != NULL ? message : "";
	m.event.reason = reason;
	m.event.metadata = revision != NULL ? meta : NULL;
	m.event.nmetadata = revision != NULL ? 1 : 0;
	m.event.reporting_controller = KC_MANAGER;
	if (bus_send(kc->events, &m, &err) == -1)
		log_error(kc->log, &err, "event to notification-controller");
}
