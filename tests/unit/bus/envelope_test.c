/* The envelope codec: round trips, what it rejects and why. */
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "t.h"

static const struct bus_kv sample_metadata[] = {
	{ "revision", "main@sha1:0123456789abcdef" },
	{ "summary", "cluster: prod-eu \xc3\xa9\xe2\x82\xac\xf0\x9d\x84\x9e" },
	{ "", "" },
};

static struct bus_msg
sample_artifact(void)
{
	return (struct bus_msg){ .type = BUS_ARTIFACT,
		.sender = "source-controller",
		.epoch = 1700000000123456789ull,
		.seq = 42,
		.time_ns = 1700000001000000000ll,
		.artifact = { .source_kind = "GitRepository",
		    .source_namespace = "flux-system",
		    .source_name = "podinfo",
		    .revision = "main@sha1:0123456789abcdef",
		    .digest = "sha256:feedface",
		    .url = "http://source-controller/gitrepository/x.tar.gz",
		    .size = 123456789012ll,
		    .observed_generation = 7 } };
}

static struct bus_msg
sample_reconcile(void)
{
	return (struct bus_msg){ .type = BUS_RECONCILE,
		.sender = "notification-controller",
		.epoch = 3,
		.seq = 1,
		.time_ns = -5,
		.reconcile = { .kind = "Kustomization",
		    .namespace = "flux-system",
		    .name = "apps",
		    .requested_at = "2024-05-01T10:00:00.123456789Z",
		    .reason = "Receiver/flux-system/github" } };
}

static struct bus_msg
sample_event(void)
{
	return (struct bus_msg){ .type = BUS_EVENT,
		.sender = "kustomize-controller",
		.epoch = 9,
		.seq = UINT64_MAX,
		.time_ns = 1,
		.event = { .involved_object = { .kind = "Kustomization",
		               .namespace = "flux-system",
		               .name = "apps",
		               .uid = "0b7c4d2e-1111-2222-3333-444455556666",
		               .api_version = "kustomize.toolkit.fluxcd.io/v1",
		               .resource_version = "12345" },
		    .severity = "error",
		    .timestamp_ms = 1714557600000ll,
		    .message = "Deployment/default/podinfo dry-run failed",
		    .reason = "ReconciliationFailed",
		    .metadata = sample_metadata,
		    .nmetadata = 3,
		    .reporting_controller = "kustomize-controller",
		    .reporting_instance = "kustomize-controller-7d9f-abcde" } };
}

/* Encodes, decodes and compares; returns the encoded length. */
static size_t
round_trip(const struct bus_msg *in)
{
	struct err err = ERR_INIT;
	struct arena *a = arena_new();
	struct bus_msg out;
	uint8_t *data = NULL;
	size_t len = 0;

	T_OK(bus_msg_encode(&data, &len, in, BUS_MSG_MAX, &err), &err);
	T_OK(bus_msg_decode(&out, a, data, len, BUS_MSG_MAX, &err), &err);
	T_TRUE(bus_msg_equal(in, &out));
	free(data);
	arena_free(a);
	return len;
}

T_TEST(test_artifact_round_trips)
{
	struct bus_msg in = sample_artifact();

	T_TRUE(round_trip(&in) > 0);
}

T_TEST(test_reconcile_round_trips)
{
	struct bus_msg in = sample_reconcile();

	T_TRUE(round_trip(&in) > 0);
}

T_TEST(test_event_round_trips_with_metadata_in_order)
{
	struct bus_msg in = sample_event();
	struct err err = ERR_INIT;
	struct arena *a = arena_new();
	struct bus_msg out;
	uint8_t *data = NULL;
	size_t len = 0;

	T_TRUE(round_trip(&in) > 0);
	T_OK(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err);
	T_OK(bus_msg_decode(&out, a, data, len, BUS_MSG_MAX, &err), &err);
	T_EQ(out.type, BUS_EVENT);
	T_EQ(out.event.nmetadata, 3);
	T_STREQ(out.event.metadata[1].key, "summary");
	T_STREQ(out.event.metadata[1].value, sample_metadata[1].value);
	T_STREQ(out.event.involved_object.uid,
	    "0b7c4d2e-1111-2222-3333-444455556666");
	T_EQ(out.seq == UINT64_MAX, 1);
	free(data);
	arena_free(a);
}

T_TEST(test_null_strings_decode_as_empty)
{
	struct bus_msg in = { .type = BUS_RECONCILE,
		.sender = "n",
		.seq = 1,
		.reconcile = { .kind = "HelmRelease", .name = "x" } };
	struct err err = ERR_INIT;
	struct arena *a = arena_new();
	struct bus_msg out;
	uint8_t *data = NULL;
	size_t len = 0;

	T_OK(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err);
	T_OK(bus_msg_decode(&out, a, data, len, BUS_MSG_MAX, &err), &err);
	T_STREQ(out.reconcile.namespace, "");
	T_STREQ(out.reconcile.reason, "");
	T_TRUE(bus_msg_equal(&in, &out));
	free(data);
	arena_free(a);
}

T_TEST(test_equal_sees_each_difference)
{
	struct bus_msg a = sample_event(), b = sample_event();
	struct bus_kv md[3];

	T_TRUE(bus_msg_equal(&a, &b));
	b.seq--;
	T_TRUE(!bus_msg_equal(&a, &b));
	b = sample_event();
	b.event.involved_object.resource_version = "12346";
	T_TRUE(!bus_msg_equal(&a, &b));
	b = sample_event();
	memcpy(md, sample_metadata, sizeof(md));
	md[2].value = "x";
	b.event.metadata = md;
	T_TRUE(!bus_msg_equal(&a, &b));
	b = sample_event();
	b.event.nmetadata = 2;
	T_TRUE(!bus_msg_equal(&a, &b));
	a = sample_artifact();
	b = sample_artifact();
	b.artifact.size++;
	T_TRUE(!bus_msg_equal(&a, &b));
	b = sample_reconcile();
	T_TRUE(!bus_msg_equal(&a, &b));
}

T_TEST(test_every_truncation_is_invalid)
{
	struct bus_msg in = sample_event();
	struct err err = ERR_INIT;
	uint8_t *data = NULL;
	size_t len = 0;
	int accepted = 0;

	T_OK(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err);
	for (size_t cut = 0; cut < len; cut++) {
		struct arena *a = arena_new();
		struct bus_msg out;

		if (bus_msg_decode(&out, a, data, cut, BUS_MSG_MAX, &err) == 0)
			accepted++;
		else if (err.code != ERR_INVALID)
			t_fail(__FILE__, __LINE__, "cut %zu: %s", cut,
			    err_code_name(err.code));
		err_reset(&err);
		arena_free(a);
	}
	T_EQ(accepted, 0);
	free(data);
}

T_TEST(test_garbage_is_invalid)
{
	static const char *const junk[] = {
		"\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff",
		"not a protobuf at all",
		"\x0a\x7f", /* sender: length past the end */
	};
	struct err err = ERR_INIT;
	struct bus_msg out;

	for (size_t i = 0; i < sizeof(junk) / sizeof(junk[0]); i++) {
		struct arena *a = arena_new();

		T_ERR(bus_msg_decode(&out, a, junk[i], strlen(junk[i]),
		          BUS_MSG_MAX, &err),
		    &err, ERR_INVALID);
		arena_free(a);
	}
}

/* Decodes a hand-made envelope of n bytes; returns the error code. */
static enum err_code
decode_code(const void *data, size_t n)
{
	struct err err = ERR_INIT;
	struct arena *a = arena_new();
	struct bus_msg out;

	bus_msg_decode(&out, a, data, n, BUS_MSG_MAX, &err);
	arena_free(a);
	return err.code;
}

T_TEST(test_type_must_match_payload)
{
	struct bus_msg in = sample_artifact();
	struct err err = ERR_INIT;
	uint8_t *data = NULL;
	size_t len = 0;

	T_OK(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err);
	/* Field 1 (type) is packed first: 0x08, then the value. */
	T_EQ(data[0], 0x08);
	T_EQ(data[1], 1);
	T_EQ(decode_code(data, len), ERR_OK);
	data[1] = 2; /* says reconcile, carries an artifact */
	T_EQ(decode_code(data, len), ERR_INVALID);
	data[1] = 0; /* unspecified */
	T_EQ(decode_code(data, len), ERR_INVALID);
	data[1] = 9; /* a type from a newer peer */
	T_EQ(decode_code(data, len), ERR_UNSUPPORTED);
	free(data);
}

T_TEST(test_envelope_without_sender_or_seq_is_invalid)
{
	/* type=artifact, seq=1, empty artifact payload (field 16). */
	static const uint8_t no_sender[] = { 0x08, 0x01, 0x20, 0x01, 0x82, 0x01,
		0x00 };
	/* type=artifact, sender="s", artifact with its three required
	 * fields, but no seq. */
	static const uint8_t no_seq[] = { 0x08, 0x01, 0x12, 0x01, 's', 0x82,
		0x01, 0x09, 0x0a, 0x01, 'K', 0x1a, 0x01, 'n', 0x22, 0x01, 'r' };
	uint8_t with_seq[sizeof(no_seq) + 2];

	T_EQ(decode_code(no_sender, sizeof(no_sender)), ERR_INVALID);
	T_EQ(decode_code(no_seq, sizeof(no_seq)), ERR_INVALID);
	/* The same with seq=5 added after the sender decodes. */
	memcpy(with_seq, no_seq, 5);
	with_seq[5] = 0x20;
	with_seq[6] = 0x05;
	memcpy(with_seq + 7, no_seq + 5, sizeof(no_seq) - 5);
	T_EQ(decode_code(with_seq, sizeof(with_seq)), ERR_OK);
}

T_TEST(test_unknown_fields_from_newer_peers_are_ignored)
{
	struct bus_msg in = sample_reconcile();
	struct err err = ERR_INIT;
	struct arena *a = arena_new();
	struct bus_msg out;
	uint8_t *data = NULL, *more;
	size_t len = 0;

	T_OK(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err);
	more = malloc(len + 2);
	memcpy(more, data, len);
	more[len] = 0x78; /* field 15, varint */
	more[len + 1] = 0x05;
	T_OK(bus_msg_decode(&out, a, more, len + 2, BUS_MSG_MAX, &err), &err);
	T_TRUE(bus_msg_equal(&in, &out));
	free(more);
	free(data);
	arena_free(a);
}

T_TEST(test_size_cap_applies_both_ways)
{
	struct bus_msg in = sample_artifact();
	struct err err = ERR_INIT;
	struct arena *a = arena_new();
	struct bus_msg out;
	uint8_t *data = NULL;
	size_t len = 0;
	char *big = malloc(BUS_MSG_MAX + 1);

	T_OK(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err);
	T_OK(bus_msg_decode(&out, a, data, len, len, &err), &err);
	T_ERR(bus_msg_decode(&out, a, data, len, len - 1, &err), &err,
	    ERR_LIMIT);
	free(data);
	data = NULL;
	T_ERR(bus_msg_encode(&data, &len, &in, len - 1, &err), &err, ERR_LIMIT);
	T_TRUE(data == NULL);
	memset(big, 'x', BUS_MSG_MAX);
	big[BUS_MSG_MAX] = '\0';
	in.artifact.url = big;
	T_ERR(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err,
	    ERR_LIMIT);
	free(big);
	arena_free(a);
}

T_TEST(test_metadata_count_past_the_cap_is_refused_early)
{
	struct bus_msg in = sample_event();
	struct bus_kv *md = calloc(BUS_MSG_MAX, sizeof(*md));
	struct err err = ERR_INIT;
	uint8_t *data = NULL;
	size_t len = 0;

	in.event.metadata = md;
	in.event.nmetadata = BUS_MSG_MAX;
	T_ERR(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err,
	    ERR_LIMIT);
	in.event.nmetadata = 1000; /* empty entries: 2 bytes each, fits */
	T_OK(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err);
	T_TRUE(len > 2000);
	free(data);
	free(md);
}

T_TEST(test_encode_checks_what_decode_would_refuse)
{
	struct bus_msg in = sample_artifact();
	struct err err = ERR_INIT;
	uint8_t *data = NULL;
	size_t len = 0;
	char longname[BUS_SENDER_MAX + 2];

	in.seq = 0;
	T_ERR(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err,
	    ERR_INVALID);
	in = sample_artifact();
	in.sender = "";
	T_ERR(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err,
	    ERR_INVALID);
	memset(longname, 'a', sizeof(longname) - 1);
	longname[sizeof(longname) - 1] = '\0';
	in.sender = longname;
	T_ERR(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err,
	    ERR_INVALID);
	in = sample_artifact();
	in.artifact.revision = NULL;
	T_TRUE(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err) == -1);
	T_TRUE(strstr(err.msg, "'revision' is empty") != NULL);
	err_reset(&err);
	in = sample_event();
	in.event.involved_object.name = "";
	T_ERR(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err,
	    ERR_INVALID);
	in = sample_artifact();
	in.type = (enum bus_type)7;
	T_ERR(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err,
	    ERR_INVALID);
	T_TRUE(data == NULL);
}

T_TEST(test_strings_must_be_utf8)
{
	static const char *const bad[] = {
		"\xc3\x28",         /* bad continuation */
		"\xc0\xaf",         /* overlong '/' */
		"\xe0\x80\xaf",     /* overlong, three bytes */
		"\xed\xa0\x80",     /* surrogate */
		"\xf4\x90\x80\x80", /* past U+10FFFF */
		"ok\xe2\x82",       /* cut short */
		"\x80",
	};
	static const char *const good[] = { "plain", "\xc3\xa9", "\xe2\x82\xac",
		"\xf0\x9d\x84\x9e", "\xf4\x8f\xbf\xbf", "\xed\x9f\xbf" };
	struct bus_msg in = sample_reconcile();
	struct err err = ERR_INIT;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		uint8_t *data = NULL;
		size_t len = 0;

		in.reconcile.reason = bad[i];
		T_ERR(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err,
		    ERR_INVALID);
	}
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		in.reconcile.reason = good[i];
		T_TRUE(round_trip(&in) > 0);
	}
}

T_TEST(test_non_utf8_on_the_wire_is_invalid)
{
	struct bus_msg in = sample_reconcile();
	struct err err = ERR_INIT;
	uint8_t *data = NULL, *p;
	size_t len = 0;

	in.reconcile.reason = "@@";
	T_OK(bus_msg_encode(&data, &len, &in, BUS_MSG_MAX, &err), &err);
	p = memchr(data, '@', len);
	T_TRUE(p != NULL && p[1] == '@');
	if (p != NULL) {
		p[0] = 0xc3;
		p[1] = 0x28;
		T_EQ(decode_code(data, len), ERR_INVALID);
	}
	free(data);
}

T_TEST(test_type_names)
{
	T_STREQ(bus_type_name(BUS_ARTIFACT), "artifact");
	T_STREQ(bus_type_name(BUS_RECONCILE), "reconcile");
	T_STREQ(bus_type_name(BUS_EVENT), "event");
	T_STREQ(bus_type_name((enum bus_type)0), "unknown");
}
