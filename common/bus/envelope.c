/*
 * The envelope codec: struct bus_msg to and from flint.v1.Envelope
 * (protobuf-c), and the checks both directions share, so a daemon never
 * sends what its peers would drop. The generated types stop in this file.
 */
#include "bus/bus.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <protobuf-c/protobuf-c.h>

#include "bus/bus_int.h"
#include "core/mem.h"
#include "flint/v1/bus.pb-c.h"

#define NITEMS(a) (sizeof(a) / sizeof((a)[0]))

/* The protobuf structs of one message, pointing into a struct bus_msg. */
struct wire {
	Flint__V1__Envelope env;
	Flint__V1__ArtifactEvent artifact;
	Flint__V1__ReconcileRequest reconcile;
	Flint__V1__Event event;
	Flint__V1__ObjectReference ref;
	Flint__V1__Event__MetadataEntry *entries;
	Flint__V1__Event__MetadataEntry **entry_ptrs;
};

/* A string field to check: required ones must not be empty. */
struct field {
	const char *name;
	const char *value;
	bool required;
};

static bool
utf8_cont(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/* Length of the UTF-8 sequence at p, or 0 when it is not valid UTF-8.
 * The bounds of the second byte rule out overlong forms, surrogates and
 * code points past U+10FFFF. */
static size_t
utf8_seq_len(const unsigned char *p)
{
	unsigned char c = p[0], lo = 0x80, hi = 0xbf;
	size_t n;

	if (c < 0x80)
		return 1;
	if (c < 0xc2 || c > 0xf4)
		return 0;
	n = c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;
	if (c == 0xe0)
		lo = 0xa0;
	else if (c == 0xed)
		hi = 0x9f;
	else if (c == 0xf0)
		lo = 0x90;
	else if (c == 0xf4)
		hi = 0x8f;
	if (p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if (!utf8_cont(p[i]))
			return 0;
	return n;
}

static bool
utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n;

	while (*p != '\0') {
		if ((n = utf8_seq_len(p)) == 0)
			return false;
		p += n;
	}
	return true;
}

static bool
str_empty(const char *s)
{
	return s == NULL || s[0] == '\0';
}

static int
fields_check(const struct field *f, size_t n, struct err *err)
{
	for (size_t i = 0; i < n; i++) {
		if (f[i].required && str_empty(f[i].value))
			return err_set(err, ERR_INVALID, "'%s' is empty",
			    f[i].name);
		if (f[i].value != NULL && !utf8_valid(f[i].value))
			return err_set(err, ERR_INVALID, "'%s' is not UTF-8",
			    f[i].name);
	}
	return 0;
}

static int
artifact_check(const struct bus_artifact *a, struct err *err)
{
	const struct field f[] = {
		{ "sourceKind", a->source_kind, true },
		{ "sourceNamespace", a->source_namespace, false },
		{ "sourceName", a->source_name, true },
		{ "revision", a->revision, true },
		{ "digest", a->digest, false },
		{ "url", a->url, false },
	};

	return fields_check(f, NITEMS(f), err);
}

static int
reconcile_check(const struct bus_reconcile *r, struct err *err)
{
	const struct field f[] = {
		{ "kind", r->kind, true },
		{ "namespace", r->namespace, false },
		{ "name", r->name, true },
		{ "requestedAt", r->requested_at, false },
		{ "reason", r->reason, false },
	};

	return fields_check(f, NITEMS(f), err);
}

static int
event_check(const struct bus_event *e, struct err *err)
{
	const struct bus_object_ref *o = &e->involved_object;
	const struct field f[] = {
		{ "involvedObject.kind", o->kind, true },
		{ "involvedObject.namespace", o->namespace, false },
		{ "involvedObject.name", o->name, true },
		{ "involvedObject.uid", o->uid, false },
		{ "involvedObject.apiVersion", o->api_version, false },
		{ "involvedObject.resourceVersion", o->resource_version,
		    false },
		{ "severity", e->severity, false },
		{ "message", e->message, false },
		{ "reason", e->reason, false },
		{ "reportingController", e->reporting_controller, false },
		{ "reportingInstance", e->reporting_instance, false },
	};

	if (fields_check(f, NITEMS(f), err) == -1)
		return -1;
	if (e->nmetadata > 0 && e->metadata == NULL)
		return err_set(err, ERR_INVALID, "metadata missing");
	for (size_t i = 0; i < e->nmetadata; i++) {
		const struct field kv[] = {
			{ "metadata key", e->metadata[i].key, false },
			{ "metadata value", e->metadata[i].value, false },
		};

		if (fields_check(kv, NITEMS(kv), err) == -1)
			return -1;
	}
	return 0;
}

static int
payload_check(const struct bus_msg *msg, struct err *err)
{
	switch (msg->type) {
	case BUS_ARTIFACT:
		return artifact_check(&msg->artifact, err);
	case BUS_RECONCILE:
		return reconcile_check(&msg->reconcile, err);
	case BUS_EVENT:
		return event_check(&msg->event, err);
	}
	return err_set(err, ERR_INVALID, "unknown message type %d",
	    (int)msg->type);
}

int
envelope_check(const struct bus_msg *msg, struct err *err)
{
	if (str_empty(msg->sender))
		return err_set(err, ERR_INVALID, "empty sender");
	if (strlen(msg->sender) > BUS_SENDER_MAX)
		return err_set(err, ERR_INVALID,
		    "sender name longer than %d bytes", BUS_SENDER_MAX);
	if (!utf8_valid(msg->sender))
		return err_set(err, ERR_INVALID, "sender is not UTF-8");
	if (msg->seq == 0)
		return err_set(err, ERR_INVALID, "sequence number 0");
	if (payload_check(msg, err) == -1)
		return err_wrap(err, "%s message", bus_type_name(msg->type));
	return 0;
}

/* protobuf-c declares string fields char *, but packing only reads them. */
static char *
wire_str(const char *s)
{
	return (char *)(uintptr_t)(s != NULL ? s : "");
}

static void
wire_artifact(struct wire *w, const struct bus_artifact *a)
{
	flint__v1__artifact_event__init(&w->artifact);
	w->artifact.source_kind = wire_str(a->source_kind);
	w->artifact.source_namespace = wire_str(a->source_namespace);
	w->artifact.source_name = wire_str(a->source_name);
	w->artifact.revision = wire_str(a->revision);
	w->artifact.digest = wire_str(a->digest);
	w->artifact.url = wire_str(a->url);
	w->artifact.size = a->size;
	w->artifact.observed_generation = a->observed_generation;
	w->env.type = FLINT__V1__MESSAGE_TYPE__MESSAGE_TYPE_ARTIFACT;
	w->env.payload_case = FLINT__V1__ENVELOPE__PAYLOAD_ARTIFACT;
	w->env.artifact = &w->artifact;
}

static void
wire_reconcile(struct wire *w, const struct bus_reconcile *r)
{
	flint__v1__reconcile_request__init(&w->reconcile);
	w->reconcile.kind = wire_str(r->kind);
	w->reconcile.namespace_ = wire_str(r->namespace);
	w->reconcile.name = wire_str(r->name);
	w->reconcile.requested_at = wire_str(r->requested_at);
	w->reconcile.reason = wire_str(r->reason);
	w->env.type = FLINT__V1__MESSAGE_TYPE__MESSAGE_TYPE_RECONCILE;
	w->env.payload_case = FLINT__V1__ENVELOPE__PAYLOAD_RECONCILE;
	w->env.reconcile = &w->reconcile;
}

static void
wire_ref(Flint__V1__ObjectReference *w, const struct bus_object_ref *o)
{
	flint__v1__object_reference__init(w);
	w->kind = wire_str(o->kind);
	w->namespace_ = wire_str(o->namespace);
	w->name = wire_str(o->name);
	w->uid = wire_str(o->uid);
	w->api_version = wire_str(o->api_version);
	w->resource_version = wire_str(o->resource_version);
}

static void
wire_metadata(struct wire *w, const struct bus_event *e)
{
	size_t n = e->nmetadata;

	if (n == 0)
		return;
	w->entries = xreallocarray(NULL, n, sizeof(*w->entries));
	w->entry_ptrs = xreallocarray(NULL, n,
	    sizeof(Flint__V1__Event__MetadataEntry *));
	for (size_t i = 0; i < n; i++) {
		flint__v1__event__metadata_entry__init(&w->entries[i]);
		w->entries[i].key = wire_str(e->metadata[i].key);
		w->entries[i].value = wire_str(e->metadata[i].value);
		w->entry_ptrs[i] = &w->entries[i];
	}
	w->event.n_metadata = n;
	w->event.metadata = w->entry_ptrs;
}

static void
wire_event(struct wire *w, const struct bus_event *e)
{
	flint__v1__event__init(&w->event);
	wire_ref(&w->ref, &e->involved_object);
	w->event.involved_object = &w->ref;
	w->event.severity = wire_str(e->severity);
	w->event.timestamp_unix_ms = e->timestamp_ms;
	w->event.message = wire_str(e->message);
	w->event.reason = wire_str(e->reason);
	wire_metadata(w, e);
	w->event.reporting_controller = wire_str(e->reporting_controller);
	w->event.reporting_instance = wire_str(e->reporting_instance);
	w->env.type = FLINT__V1__MESSAGE_TYPE__MESSAGE_TYPE_EVENT;
	w->env.payload_case = FLINT__V1__ENVELOPE__PAYLOAD_EVENT;
	w->env.event = &w->event;
}

/* msg has passed envelope_check(), so its type is known. */
static void
wire_build(struct wire *w, const struct bus_msg *msg)
{
	memset(w, 0, sizeof(*w));
	flint__v1__envelope__init(&w->env);
	w->env.sender = wire_str(msg->sender);
	w->env.epoch = msg->epoch;
	w->env.seq = msg->seq;
	w->env.time_unix_ns = msg->time_ns;
	switch (msg->type) {
	case BUS_ARTIFACT:
		wire_artifact(w, &msg->artifact);
		break;
	case BUS_RECONCILE:
		wire_reconcile(w, &msg->reconcile);
		break;
	case BUS_EVENT:
		wire_event(w, &msg->event);
		break;
	}
}

static void
wire_release(struct wire *w)
{
	free(w->entries);
	free(w->entry_ptrs);
}

int
envelope_pack(const struct bus_msg *msg, size_t max, bus_alloc_fn *alloc,
    void *arg, struct err *err)
{
	struct wire w;
	size_t size;
	void *out;
	int rv = -1;

	if (envelope_check(msg, err) == -1)
		return -1;
	/* Each metadata entry takes two bytes or more: refuse early what
	 * cannot fit rather than build it. */
	if (msg->type == BUS_EVENT && msg->event.nmetadata > max / 2)
		return err_set(err, ERR_LIMIT,
		    "%zu metadata entries cannot fit in %zu bytes",
		    msg->event.nmetadata, max);
	wire_build(&w, msg);
	size = flint__v1__envelope__get_packed_size(&w.env);
	if (size > max) {
		err_set(err, ERR_LIMIT,
		    "%s message of %zu bytes is over the limit of %zu",
		    bus_type_name(msg->type), size, max);
		goto out;
	}
	if ((out = alloc(arg, size)) == NULL) {
		err_set(err, ERR_LIMIT, "cannot allocate %zu bytes", size);
		goto out;
	}
	flint__v1__envelope__pack(&w.env, out);
	rv = 0;
out:
	wire_release(&w);
	return rv;
}

struct packed {
	uint8_t *data;
	size_t len;
};

static void *
packed_alloc(void *arg, size_t size)
{
	struct packed *p = arg;

	p->data = xmalloc(size);
	p->len = size;
	return p->data;
}

int
bus_msg_encode(uint8_t **out, size_t *len_out, const struct bus_msg *msg,
    size_t max, struct err *err)
{
	struct packed p = { NULL, 0 };

	if (envelope_pack(msg, max, packed_alloc, &p, err) == -1)
		return -1;
	*out = p.data;
	*len_out = p.len;
	return 0;
}

/* protobuf-c allocates from the caller's arena, which frees it whole. */
static void *
arena_pb_alloc(void *arena, size_t size)
{
	return arena_alloc(arena, size);
}

static void
arena_pb_free(void *arena, void *p)
{
	(void)arena;
	(void)p;
}

static void
extract_artifact(struct bus_artifact *out, const Flint__V1__ArtifactEvent *w)
{
	out->source_kind = w->source_kind;
	out->source_namespace = w->source_namespace;
	out->source_name = w->source_name;
	out->revision = w->revision;
	out->digest = w->digest;
	out->url = w->url;
	out->size = w->size;
	out->observed_generation = w->observed_generation;
}

static void
extract_reconcile(struct bus_reconcile *out,
    const Flint__V1__ReconcileRequest *w)
{
	out->kind = w->kind;
	out->namespace = w->namespace_;
	out->name = w->name;
	out->requested_at = w->requested_at;
	out->reason = w->reason;
}

static void
extract_ref(struct bus_object_ref *out, const Flint__V1__ObjectReference *w)
{
	if (w == NULL)
		return; /* the check reports the empty kind */
	out->kind = w->kind;
	out->namespace = w->namespace_;
	out->name = w->name;
	out->uid = w->uid;
	out->api_version = w->api_version;
	out->resource_version = w->resource_version;
}

static void
extract_event(struct bus_event *out, const Flint__V1__Event *w, struct arena *a)
{
	struct bus_kv *kv = NULL;

	extract_ref(&out->involved_object, w->involved_object);
	out->severity = w->severity;
	out->timestamp_ms = w->timestamp_unix_ms;
	out->message = w->message;
	out->reason = w->reason;
	if (w->n_metadata > 0)
		kv = arena_calloc(a, w->n_metadata, sizeof(*kv));
	for (size_t i = 0; i < w->n_metadata; i++) {
		kv[i].key = w->metadata[i]->key;
		kv[i].value = w->metadata[i]->value;
	}
	out->metadata = kv;
	out->nmetadata = w->n_metadata;
	out->reporting_controller = w->reporting_controller;
	out->reporting_instance = w->reporting_instance;
}

/* Which bus type an envelope says it carries, and whether it does. */
static int
extract_type(enum bus_type *out, const Flint__V1__Envelope *env,
    struct err *err)
{
	static const struct {
		Flint__V1__MessageType wire;
		Flint__V1__Envelope__PayloadCase payload;
		enum bus_type type;
	} map[] = {
		{ FLINT__V1__MESSAGE_TYPE__MESSAGE_TYPE_ARTIFACT,
		    FLINT__V1__ENVELOPE__PAYLOAD_ARTIFACT, BUS_ARTIFACT },
		{ FLINT__V1__MESSAGE_TYPE__MESSAGE_TYPE_RECONCILE,
		    FLINT__V1__ENVELOPE__PAYLOAD_RECONCILE, BUS_RECONCILE },
		{ FLINT__V1__MESSAGE_TYPE__MESSAGE_TYPE_EVENT,
		    FLINT__V1__ENVELOPE__PAYLOAD_EVENT, BUS_EVENT },
	};

	if (env->type == FLINT__V1__MESSAGE_TYPE__MESSAGE_TYPE_UNSPECIFIED)
		return err_set(err, ERR_INVALID, "message type not set");
	for (size_t i = 0; i < NITEMS(map); i++) {
		if (env->type != map[i].wire)
			continue;
		if (env->payload_case != map[i].payload)
			return err_set(err, ERR_INVALID,
			    "%s message without its payload",
			    bus_type_name(map[i].type));
		*out = map[i].type;
		return 0;
	}
	return err_set(err, ERR_UNSUPPORTED,
	    "message type %d is unknown to this version", (int)env->type);
}

static int
extract(struct bus_msg *out, const Flint__V1__Envelope *env, struct arena *a,
    struct err *err)
{
	memset(out, 0, sizeof(*out));
	if (extract_type(&out->type, env, err) == -1)
		return -1;
	out->sender = env->sender;
	out->epoch = env->epoch;
	out->seq = env->seq;
	out->time_ns = env->time_unix_ns;
	switch (out->type) {
	case BUS_ARTIFACT:
		extract_artifact(&out->artifact, env->artifact);
		break;
	case BUS_RECONCILE:
		extract_reconcile(&out->reconcile, env->reconcile);
		break;
	case BUS_EVENT:
		extract_event(&out->event, env->event, a);
		break;
	}
	return 0;
}

int
bus_msg_decode(struct bus_msg *out, struct arena *a, const void *data,
    size_t len, size_t max, struct err *err)
{
	ProtobufCAllocator alloc = { arena_pb_alloc, arena_pb_free, a };
	Flint__V1__Envelope *env;
	struct bus_msg msg;

	if (len > max)
		return err_set(err, ERR_LIMIT,
		    "envelope of %zu bytes is over the limit of %zu", len, max);
	env = flint__v1__envelope__unpack(&alloc, len, data);
	if (env == NULL)
		return err_set(err, ERR_INVALID, "undecodable envelope");
	if (extract(&msg, env, a, err) == -1 || envelope_check(&msg, err) == -1)
		return -1;
	*out = msg;
	return 0;
}

const char *
bus_type_name(enum bus_type type)
{
	switch (type) {
	case BUS_ARTIFACT:
		return "artifact";
	case BUS_RECONCILE:
		return "reconcile";
	case BUS_EVENT:
		return "event";
	}
	return "unknown";
}
