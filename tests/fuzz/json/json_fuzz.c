/*
 * Fuzzes doc_parse_json() and checks what parses survives a round trip:
 * compact and indented output both parse back to an equal tree, and
 * emitting that tree gives the same bytes again.
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

static const struct doc_limits lim = {
	.max_bytes = 1 << 20,
	.max_depth = 64,
	.max_nodes = 1 << 16,
};

/* Emits n, parses the text back and checks both steps agree. */
static void
round_trip(const struct doc_node *n, unsigned flags)
{
	struct doc_limits big = lim;
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct buf out, again;

	buf_init(&out, BUF_MAX_DEFAULT);
	buf_init(&again, BUF_MAX_DEFAULT);
	CHECK(doc_emit_json(&out, n, flags, &err) == 0);
	big.max_bytes = out.len + 1; /* indenting may outgrow the input */
	if (doc_parse_json(&d, out.data, out.len, &big, &err) == -1) {
		(void)fprintf(stderr, "re-parse: %s\n%s\n", err.msg, out.data);
		abort();
	}
	CHECK(doc_equal(n, doc_root(d, 0)));
	CHECK(doc_emit_json(&again, doc_root(d, 0), flags, &err) == 0);
	CHECK(
	    again.len == out.len && memcmp(again.data, out.data, out.len) == 0);
	doc_free(d);
	buf_release(&again);
	buf_release(&out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	if (doc_parse_json(&d, (const char *)data, size, &lim, &err) == -1) {
		CHECK(err.code == ERR_INVALID || err.code == ERR_LIMIT);
		CHECK(d == NULL);
		return 0;
	}
	CHECK(doc_count(d) == 1);
	round_trip(doc_root(d, 0), 0);
	round_trip(doc_root(d, 0), DOC_JSON_INDENT);
	doc_free(d);
	return 0;
}
