/*
 * Kubernetes Events (events.k8s.io/v1) about the objects controllers
 * reconcile; `kubectl events` and `kubectl describe` show them. Each
 * call records one new Event: deduplication and rate limits are the
 * caller's business.
 */
#include "k8s/k8s.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "k8s/k8s_int.h"

#define NOTE_MAX 1024 /* the API refuses longer notes */

static void
put(struct arena *a, struct doc_node *map, const char *key, const char *val)
{
	if (val != NULL)
		doc_map_set(a, map, key, strlen(key),
		    doc_new_str(a, val, strlen(val)));
}

/* The regarding reference, from the object's own fields. */
static struct doc_node *
regarding_ref(struct arena *a, const struct doc_node *obj)
{
	const struct doc_node *meta = doc_map_get(obj, "metadata");
	struct doc_node *ref = doc_new_map(a);

	put(a, ref, "apiVersion", k8s_str_at(obj, "apiVersion"));
	put(a, ref, "kind", k8s_str_at(obj, "kind"));
	put(a, ref, "namespace", k8s_str_at(meta, "namespace"));
	put(a, ref, "name", k8s_str_at(meta, "name"));
	put(a, ref, "uid", k8s_str_at(meta, "uid"));
	put(a, ref, "resourceVersion", k8s_str_at(meta, "resourceVersion"));
	return ref;
}

static int
event_check(const struct k8s_event_info *ev, struct err *err)
{
	if (ev->regarding == NULL ||
	    k8s_str_at(doc_map_get(ev->regarding, "metadata"), "name") == NULL)
		return err_set(err, ERR_INVALID, "an event needs an object");
	if (ev->reason == NULL || ev->action == NULL ||
	    ev->reporting_controller == NULL || ev->reporting_instance == NULL)
		return err_set(err, ERR_INVALID,
		    "an event needs a reason, an action and its reporter");
	if (ev->type == NULL ||
	    (strcmp(ev->type, "Normal") != 0 &&
	        strcmp(ev->type, "Warning") != 0))
		return err_set(err, ERR_INVALID,
		    "event type must be Normal or Warning");
	return 0;
}

/* The note, cut at NOTE_MAX bytes without splitting a UTF-8 sequence. */
static struct doc_node *
note_node(struct arena *a, const char *note)
{
	size_t n = strlen(note);

	if (n > NOTE_MAX) {
		n = NOTE_MAX;
		while (n > 0 && ((unsigned char)note[n] & 0xc0) == 0x80)
			n--;
	}
	return doc_new_str(a, note, n);
}

static struct doc_node *
event_build(struct arena *a, const struct k8s_event_info *ev, const char *ns)
{
	const char *name = k8s_str_at(doc_map_get(ev->regarding, "metadata"),
	    "name");
	struct doc_node *e = doc_new_map(a), *meta = doc_new_map(a);
	int64_t now = k8s_wall_us();
	char stamp[40];

	put(a, e, "apiVersion", "events.k8s.io/v1");
	put(a, e, "kind", "Event");
	/* client-go's naming: the object's name and a unique suffix. */
	put(a, meta, "name",
	    arena_printf(a, "%.200s.%llx", name,
	        (unsigned long long)now * 1000ull));
	put(a, meta, "namespace", ns);
	if (ev->annotations != NULL && ev->annotations->kind == DOC_MAP)
		doc_map_set(a, meta, "annotations", 11,
		    doc_copy(a, ev->annotations));
	doc_map_set(a, e, "metadata", 8, meta);
	put(a, e, "eventTime",
	    k8s_time_format(stamp, sizeof(stamp), now, true));
	put(a, e, "reportingController", ev->reporting_controller);
	put(a, e, "reportingInstance", ev->reporting_instance);
	put(a, e, "action", ev->action);
	put(a, e, "reason", ev->reason);
	put(a, e, "type", ev->type);
	if (ev->note != NULL)
		doc_map_set(a, e, "note", 4, note_node(a, ev->note));
	doc_map_set(a, e, "regarding", 9, regarding_ref(a, ev->regarding));
	return e;
}

int
k8s_event_create(struct k8s *k, const struct k8s_event_info *ev,
    struct err *err)
{
	const char *ns;
	struct arena *a;
	int rv;

	if (event_check(ev, err) == -1)
		return err_wrap(err, "record event");
	ns = k8s_str_at(doc_map_get(ev->regarding, "metadata"), "namespace");
	if (ns == NULL || ns[0] == '\0')
		ns = "default"; /* where events about cluster objects go */
	a = arena_new();
	rv = k8s_create(NULL, k, event_build(a, ev, ns), NULL, err);
	arena_free(a);
	if (rv == -1)
		return err_wrap(err, "record event '%s'", ev->reason);
	return 0;
}
