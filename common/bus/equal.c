/*
 * Message equality: what the codec's round trip must preserve (the unit
 * tests and the fuzz target check it) and what a consumer can use to
 * recognise a duplicate.
 */
#include "bus/bus.h"

#include <string.h>

static bool
str_same(const char *a, const char *b)
{
	return strcmp(a != NULL ? a : "", b != NULL ? b : "") == 0;
}

static bool
artifact_equal(const struct bus_artifact *a, const struct bus_artifact *b)
{
	return str_same(a->source_kind, b->source_kind) &&
	    str_same(a->source_namespace, b->source_namespace) &&
	    str_same(a->source_name, b->source_name) &&
	    str_same(a->revision, b->revision) &&
	    str_same(a->digest, b->digest) && str_same(a->url, b->url) &&
	    a->size == b->size &&
	    a->observed_generation == b->observed_generation;
}

static bool
reconcile_equal(const struct bus_reconcile *a, const struct bus_reconcile *b)
{
	return str_same(a->kind, b->kind) &&
	    str_same(a->namespace, b->namespace) &&
	    str_same(a->name, b->name) &&
	    str_same(a->requested_at, b->requested_at) &&
	    str_same(a->reason, b->reason);
}

static bool
ref_equal(const struct bus_object_ref *a, const struct bus_object_ref *b)
{
	return str_same(a->kind, b->kind) &&
	    str_same(a->namespace, b->namespace) &&
	    str_same(a->name, b->name) && str_same(a->uid, b->uid) &&
	    str_same(a->api_version, b->api_version) &&
	    str_same(a->resource_version, b->resource_version);
}

static bool
metadata_equal(const struct bus_event *a, const struct bus_event *b)
{
	if (a->nmetadata != b->nmetadata)
		return false;
	for (size_t i = 0; i < a->nmetadata; i++)
		if (!str_same(a->metadata[i].key, b->metadata[i].key) ||
		    !str_same(a->metadata[i].value, b->metadata[i].value))
			return false;
	return true;
}

static bool
event_equal(const struct bus_event *a, const struct bus_event *b)
{
	return ref_equal(&a->involved_object, &b->involved_object) &&
	    str_same(a->severity, b->severity) &&
	    a->timestamp_ms == b->timestamp_ms &&
	    str_same(a->message, b->message) &&
	    str_same(a->reason, b->reason) && metadata_equal(a, b) &&
	    str_same(a->reporting_controller, b->reporting_controller) &&
	    str_same(a->reporting_instance, b->reporting_instance);
}

bool
bus_msg_equal(const struct bus_msg *a, const struct bus_msg *b)
{
	if (a->type != b->type || !str_same(a->sender, b->sender) ||
	    a->epoch != b->epoch || a->seq != b->seq ||
	    a->time_ns != b->time_ns)
		return false;
	switch (a->type) {
	case BUS_ARTIFACT:
		return artifact_equal(&a->artifact, &b->artifact);
	case BUS_RECONCILE:
		return reconcile_equal(&a->reconcile, &b->reconcile);
	case BUS_EVENT:
		return event_equal(&a->event, &b->event);
	}
	return true; /* unknown types carry no payload to compare */
}
