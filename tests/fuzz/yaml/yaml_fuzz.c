/*
 * Fuzzes doc_parse_yaml() and checks what parses survives a round trip:
 * the emitted stream parses back to as many documents, each equal to its
 * original, and emitting those gives the same bytes again. Failures must
 * be ERR_INVALID or ERR_LIMIT and leave no document behind.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "doc/doc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			(void)fprintf(stderr, "%s:%d: %s\n", __FILE__, \
			    __LINE__, #cond);                          \
			abort();                                       \
		}                                                      \
	} while (0)

#define OUT_MAX ((size_t)16 << 20)

static const struct doc_limits lim = {
	.max_bytes = 1 << 20,
	.max_depth = 64,
	.max_nodes = 1 << 16,
};

/* Emits d; false when aliases made the text larger than OUT_MAX. */
static bool
emit(struct buf *out, const struct doc *d)
{
	struct err err = ERR_INIT;

	buf_init(out, OUT_MAX);
	if (doc_emit_yaml_stream(out, d, &err) == 0)
		return true;
	CHECK(err.code == ERR_LIMIT);
	buf_release(out);
	return false;
}

static void
round_trip(const struct doc *d)
{
	struct doc_limits big = lim;
	struct err err = ERR_INIT;
	struct doc *again = NULL;
	struct buf out, out2;

	if (!emit(&out, d))
		return;
	big.max_bytes = out.len + 1; /* expanded aliases may outgrow it */
	if (doc_parse_yaml(&again, out.data, out.len, &big, &err) == -1) {
		(void)fprintf(stderr, "re-parse: %s\n%s\n", err.msg, out.data);
		abort();
	}
	CHECK(doc_count(again) == doc_count(d));
	for (size_t i = 0; i < doc_count(d); i++)
		if (!doc_equal(doc_root(d, i), doc_root(again, i))) {
			(void)fprintf(stderr, "document %zu differs:\n%s\n", i,
			    out.data);
			abort();
		}
	CHECK(emit(&out2, again));
	CHECK(out2.len == out.len &&
	    (out.len == 0 || memcmp(out2.data, out.data, out.len) == 0));
	buf_release(&out2);
	buf_release(&out);
	doc_free(again);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	if (doc_parse_yaml(&d, (const char *)data, size, &lim, &err) == -1) {
		CHECK(err.code == ERR_INVALID || err.code == ERR_LIMIT);
		CHECK(d == NULL);
		return 0;
	}
	round_trip(d);
	doc_free(d);
	return 0;
}
