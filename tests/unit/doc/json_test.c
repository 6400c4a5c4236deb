/*
 * JSON parse and emit: RFC 8259 strictness, Go's choices where the RFC
 * leaves room (U+FFFD for bad UTF-8 and surrogates, last duplicate key
 * wins, Go's escaping and float spelling), limits, and round trips.
 */
#include "doc/doc.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "t.h"

#define FFFD "\xEF\xBF\xBD"

static struct doc *
parse_n(const char *text, size_t len)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	T_OK(doc_parse_json(&d, text, len, NULL, &err), &err);
	return d;
}

static struct doc *
parse(const char *text)
{
	return parse_n(text, strlen(text));
}

/* The parse must fail with code; returns the message for checks. */
static const char *
parse_fails(const char *text, size_t len, const struct doc_limits *lim,
    enum err_code code)
{
	static struct err err;
	struct doc *d = NULL;

	err_reset(&err);
	if (doc_parse_json(&d, text, len, lim, &err) != -1 ||
	    err.code != code) {
		t_fail(__FILE__, __LINE__, "'%.*s': want %s, got %s (%s)",
		    (int)len, text, err_code_name(code),
		    err_code_name(err.code), err.msg);
		doc_free(d);
	}
	T_TRUE(d == NULL);
	return err.msg;
}

/* The node as JSON, or NULL when emitting failed; the caller frees. */
static char *
emit(const struct doc_node *n, unsigned flags)
{
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	if (doc_emit_json(&b, n, flags, &err) == -1) {
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, NULL);
}

/* Parses text and checks the root string's bytes. */
static void
check_string(const char *json, const char *want, size_t want_len)
{
	struct doc *d = parse(json);
	struct doc_node *n = d != NULL ? doc_root(d, 0) : NULL;

	T_TRUE(n != NULL && n->kind == DOC_STR);
	if (n != NULL && n->kind == DOC_STR) {
		T_EQ(n->u.str.len, want_len);
		T_TRUE(memcmp(n->u.str.ptr, want, want_len) == 0);
		T_EQ(n->u.str.ptr[n->u.str.len], '\0');
	}
	doc_free(d);
}

/* ---- parsing ------------------------------------------------------------ */

T_TEST(test_objects_keep_member_order_and_kinds)
{
	struct doc *d = parse(" {\"z\": 1, \"a\": [true, false, null, 2.5, "
	                      "\"s\"], \"m\": {}, \"e\": []} ");
	struct doc_node *root, *a;

	if (d == NULL)
		return;
	root = doc_root(d, 0);
	T_EQ(doc_count(d), 1);
	T_EQ(root->kind, DOC_MAP);
	T_EQ(root->u.map.n, 4);
	T_STREQ(root->u.map.items[0].key->u.str.ptr, "z");
	T_STREQ(root->u.map.items[1].key->u.str.ptr, "a");
	T_STREQ(root->u.map.items[2].key->u.str.ptr, "m");
	T_STREQ(root->u.map.items[3].key->u.str.ptr, "e");
	T_EQ(doc_map_get(root, "z")->kind, DOC_INT);
	a = doc_map_get(root, "a");
	T_EQ(a->kind, DOC_SEQ);
	T_EQ(a->u.seq.n, 5);
	T_EQ(a->u.seq.items[0]->kind, DOC_BOOL);
	T_STREQ(a->u.seq.items[0]->u.str.ptr, "true");
	T_EQ(a->u.seq.items[1]->kind, DOC_BOOL);
	T_STREQ(a->u.seq.items[1]->u.str.ptr, "false");
	T_EQ(a->u.seq.items[2]->kind, DOC_NULL);
	T_EQ(a->u.seq.items[3]->kind, DOC_FLOAT);
	T_EQ(a->u.seq.items[4]->kind, DOC_STR);
	T_EQ(doc_map_get(root, "m")->kind, DOC_MAP);
	T_EQ(doc_map_get(root, "m")->u.map.n, 0);
	T_EQ(doc_map_get(root, "e")->kind, DOC_SEQ);
	T_EQ(doc_map_get(root, "e")->u.seq.n, 0);
	doc_free(d);
}

T_TEST(test_numbers_keep_their_exact_text)
{
	static const struct {
		const char *text;
		enum doc_kind kind;
	} cases[] = {
		{ "0", DOC_INT },
		{ "-0", DOC_INT },
		{ "12345678901234567890123", DOC_INT },
		{ "1.0", DOC_FLOAT },
		{ "-0.50", DOC_FLOAT },
		{ "1E+2", DOC_FLOAT },
		{ "1e-7", DOC_FLOAT },
		{ "2e400", DOC_FLOAT },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct doc *d = parse(cases[i].text);

		if (d == NULL)
			continue;
		T_EQ(doc_root(d, 0)->kind, cases[i].kind);
		T_STREQ(doc_root(d, 0)->u.str.ptr, cases[i].text);
		T_EQ(doc_root(d, 0)->u.str.len, strlen(cases[i].text));
		doc_free(d);
	}
}

T_TEST(test_escapes_decode_to_utf8)
{
	check_string("\"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\"",
	    "a\"b\\c/d\b\f\n\r\t", 12);
	check_string("\"\\u00e9\\u20AC\"", "\xC3\xA9\xE2\x82\xAC", 5);
	check_string("\"\\ud83d\\ude00!\"", "\xF0\x9F\x98\x80!", 5);
	check_string("\"a\\u0000b\"", "a\0b", 3);
	check_string("\"\"", "", 0);
	check_string("\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"",
	    "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 14);
}

/* Each case is what Go's json.Unmarshal produces for the same input. */
T_TEST(test_bad_surrogates_become_replacement_chars_as_in_go)
{
	check_string("\"\\ud800\"", FFFD, 3);
	check_string("\"\\udc00\"", FFFD, 3);
	check_string("\"\\ud800\\u0041\"", FFFD "A", 4);
	check_string("\"\\udc00\\ud83d\\ude00\"", FFFD "\xF0\x9F\x98\x80", 7);
	check_string("\"\\ud800\\ud83d\\ude00\"", FFFD "\xF0\x9F\x98\x80", 7);
	check_string("\"\\ud800x\"", FFFD "x", 4);
}

T_TEST(test_invalid_utf8_bytes_each_become_a_replacement_char)
{
	check_string("\"a\xFF"
	             "b\"",
	    "a" FFFD "b", 5);
	check_string("\"\xED\xA0\x80\"", FFFD FFFD FFFD, 9);
	check_string("\"\xE2\x82"
	             "A\"",
	    FFFD FFFD "A", 7);
	check_string("\"\xF4\x90\x80\x80\"", FFFD FFFD FFFD FFFD, 12);
	check_string("\"\xC0\x80\"", FFFD FFFD, 6);
	/* growth after in-place unescaping already shifted the text */
	check_string("\"ab\\u00e9cd\xFF"
	             "ef\\n\xFE\"",
	    "ab\xC3\xA9"
	    "cd" FFFD "ef\n" FFFD,
	    15);
}

T_TEST(test_duplicate_keys_keep_first_position_and_last_value)
{
	struct doc *d = parse("{\"a\":1,\"b\":2,\"a\":3,\"a\":4}");
	struct doc_node *root;
	char big[4096];
	size_t o = 0;

	if (d == NULL)
		return;
	root = doc_root(d, 0);
	T_EQ(root->u.map.n, 2);
	T_STREQ(root->u.map.items[0].key->u.str.ptr, "a");
	T_STREQ(root->u.map.items[0].value->u.str.ptr, "4");
	T_STREQ(root->u.map.items[1].key->u.str.ptr, "b");
	doc_free(d);

	/* past the small-map scan: k0..k39, then k5 and k39 again */
	o += (size_t)snprintf(big + o, sizeof(big) - o, "{");
	for (int i = 0; i < 40; i++)
		o += (size_t)snprintf(big + o, sizeof(big) - o, "\"k%d\":%d,",
		    i, i);
	(void)snprintf(big + o, sizeof(big) - o, "\"k5\":-5,\"k39\":-39}");
	if ((d = parse(big)) == NULL)
		return;
	root = doc_root(d, 0);
	T_EQ(root->u.map.n, 40);
	T_STREQ(root->u.map.items[5].key->u.str.ptr, "k5");
	T_STREQ(root->u.map.items[5].value->u.str.ptr, "-5");
	T_STREQ(root->u.map.items[39].value->u.str.ptr, "-39");
	T_STREQ(root->u.map.items[6].value->u.str.ptr, "6");
	doc_free(d);
}

T_TEST(test_nodes_record_line_and_column)
{
	struct doc *d = parse("{\n  \"a\": [\n    1,\n\t\"x\"\n  ]\n}");
	struct doc_node *root, *a;

	if (d == NULL)
		return;
	root = doc_root(d, 0);
	a = doc_map_get(root, "a");
	T_EQ(root->line, 1);
	T_EQ(root->col, 1);
	T_EQ(root->u.map.items[0].key->line, 2);
	T_EQ(root->u.map.items[0].key->col, 3);
	T_EQ(a->line, 2);
	T_EQ(a->col, 8);
	T_EQ(a->u.seq.items[0]->line, 3);
	T_EQ(a->u.seq.items[0]->col, 5);
	T_EQ(a->u.seq.items[1]->line, 4);
	T_EQ(a->u.seq.items[1]->col, 2);
	doc_free(d);
}

/* What RFC 8259 forbids, with Go's words for why. */
T_TEST(test_invalid_json_is_rejected_with_go_wording)
{
	static const struct {
		const char *text, *msg;
	} cases[] = {
		{ "[1,]",
		    "column 4: invalid character ']' looking for "
		    "beginning of value" },
		{ "{\"a\":1,}",
		    "column 8: invalid character '}' looking for "
		    "beginning of object key string" },
		{ "01",
		    "column 2: invalid character '1' after top-level "
		    "value" },
		{ "-", "unexpected end of JSON input" },
		{ "-a", "invalid character 'a' in numeric literal" },
		{ "1.", "unexpected end of JSON input" },
		{ "1.x", "invalid character 'x' after decimal point" },
		{ "1ex", "invalid character 'x' in exponent" },
		{ ".5", "invalid character '.' looking for beginning" },
		{ "+1", "invalid character '+' looking for beginning" },
		{ "0x10", "invalid character 'x' after top-level value" },
		{ "\xEF\xBB\xBF{}", "invalid character 0xef looking for" },
		{ "", "line 1, column 1: unexpected end of JSON input" },
		{ " \n ", "line 2, column 2: unexpected end of JSON input" },
		{ "\"\\u00\"", "invalid character '\"' in \\u hexadecimal" },
		{ "\"a\x01\"", "invalid character 0x01 in string literal" },
		{ "\"a\tb\"", "invalid character 0x09 in string literal" },
		{ "\"\\q\"", "invalid character 'q' in string escape code" },
		{ "\"abc", "unexpected end of JSON input" },
		{ "\"abc\\", "unexpected end of JSON input" },
		{ "[1 2]", "invalid character '2' after array element" },
		{ "{\"a\" 1}", "invalid character '1' after object key" },
		{ "{\"a\":1 \"b\":2}", "after object key:value pair" },
		{ "{1:2}", "looking for beginning of object key string" },
		{ "nul", "unexpected end of JSON input" },
		{ "nulL",
		    "invalid character 'L' in literal null (expecting "
		    "'l')" },
		{ "tru", "unexpected end of JSON input" },
		{ "fals3", "in literal false (expecting 'e')" },
		{ "truex", "invalid character 'x' after top-level value" },
		{ "[1]x", "invalid character 'x' after top-level value" },
		{ "1 2", "invalid character '2' after top-level value" },
		{ "/*c*/1", "invalid character '/' looking for beginning" },
		{ "'a'", "invalid character ''' looking for beginning" },
		{ "NaN", "invalid character 'N' looking for beginning" },
		{ "[", "unexpected end of JSON input" },
		{ "{\"a\":[1,{\"b\":", "unexpected end of JSON input" },
		{ "[1,\n 2,\n x]", "line 3, column 2: invalid character 'x'" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const char *msg = parse_fails(cases[i].text,
		    strlen(cases[i].text), NULL, ERR_INVALID);

		if (strstr(msg, cases[i].msg) == NULL)
			t_fail(__FILE__, __LINE__, "'%s': [%s] lacks [%s]",
			    cases[i].text, msg, cases[i].msg);
	}
}

T_TEST(test_nul_bytes_outside_strings_are_invalid)
{
	const char *msg = parse_fails("[1]\0", 4, NULL, ERR_INVALID);

	T_TRUE(strstr(msg, "invalid character 0x00 after top-level") != NULL);
	msg = parse_fails("\"a\0b\"", 5, NULL, ERR_INVALID);
	T_TRUE(strstr(msg, "0x00 in string literal") != NULL);
}

T_TEST(test_empty_input_may_be_null)
{
	const char *msg = parse_fails(NULL, 0, NULL, ERR_INVALID);

	T_TRUE(strstr(msg, "unexpected end of JSON input") != NULL);
}

T_TEST(test_limits_are_err_limit)
{
	struct doc_limits bytes = { .max_bytes = 4 };
	struct doc_limits depth = { .max_depth = 3 };
	struct doc_limits nodes = { .max_nodes = 5 };
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	parse_fails("[1, 2]", 6, &bytes, ERR_LIMIT);
	T_OK(doc_parse_json(&d, "[[[]]]", 6, &depth, &err), &err);
	doc_free(d);
	parse_fails("[[[[]]]]", 8, &depth, ERR_LIMIT);
	parse_fails("{\"a\":{\"b\":{\"c\":{}}}}", 20, &depth, ERR_LIMIT);
	d = NULL;
	T_OK(doc_parse_json(&d, "[1,2,3,4]", 9, &nodes, &err), &err);
	doc_free(d);
	parse_fails("[1,2,3,4,5]", 11, &nodes, ERR_LIMIT);
	parse_fails("{\"a\":1,\"b\":2,\"c\":3}", 19, &nodes, ERR_LIMIT);
}

T_TEST(test_default_depth_limit_stops_deep_nesting)
{
	size_t n = 100000;
	char *deep = malloc(2 * n);

	memset(deep, '[', n);
	memset(deep + n, ']', n);
	parse_fails(deep, 2 * n, NULL, ERR_LIMIT);
	free(deep);
}

T_TEST(test_large_arrays_and_long_strings_parse)
{
	size_t n = 50000, len = 1 << 20;
	struct buf b;
	struct doc *d;

	buf_init(&b, BUF_MAX_DEFAULT);
	buf_putc(&b, '[');
	for (size_t i = 0; i < n; i++)
		buf_printf(&b, "%s{\"i\":%zu}", i ? "," : "", i);
	buf_puts(&b, ",\"");
	for (size_t i = 0; i < len; i++)
		buf_putc(&b, (char)('a' + i % 26));
	buf_puts(&b, "\"]");
	if ((d = parse_n(b.data, b.len)) != NULL) {
		struct doc_node *root = doc_root(d, 0);

		T_EQ(root->u.seq.n, n + 1);
		T_STREQ(doc_map_get(root->u.seq.items[n - 1], "i")->u.str.ptr,
		    "49999");
		T_EQ(root->u.seq.items[n]->u.str.len, len);
		T_EQ(root->u.seq.items[n]->u.str.ptr[len - 1],
		    'a' + (len - 1) % 26);
	}
	doc_free(d);
	buf_release(&b);
}

/* ---- emitting ----------------------------------------------------------- */

/* Go's json.MarshalIndent(v, "", "  ") output for the same value. */
T_TEST(test_indented_output_matches_go_marshal_indent)
{
	const char *in = "{\"a\":[],\"b\":{},\"c\":[1,{\"x\":null}],"
	                 "\"d\":\"s\"}";
	struct doc *d = parse(in);
	char *out;

	if (d == NULL)
		return;
	out = emit(doc_root(d, 0), DOC_JSON_INDENT);
	T_STREQ(out,
	    "{\n  \"a\": [],\n  \"b\": {},\n  \"c\": [\n    1,\n    "
	    "{\n      \"x\": null\n    }\n  ],\n  \"d\": \"s\"\n}");
	free(out);
	out = emit(doc_root(d, 0), 0);
	T_STREQ(out, in);
	free(out);
	doc_free(d);
}

T_TEST(test_scalar_roots_emit_alone)
{
	static const char *const texts[] = { "1", "-2.50", "\"x\"", "true",
		"false", "null", "[]", "{}" };

	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct doc *d = parse(texts[i]);
		char *out;

		if (d == NULL)
			continue;
		out = emit(doc_root(d, 0), DOC_JSON_INDENT);
		T_STREQ(out, texts[i]);
		free(out);
		doc_free(d);
	}
}

/* Escapes as Go's json.Marshal (and kubectl -o json) write them. */
T_TEST(test_strings_escape_as_go_does)
{
	struct arena *a = arena_new();
	static const char raw[] = "<&>\xE2\x80\xA8\xE2\x80\xA9\b\f\x01\x1F\x7F"
	                          "\"\\/\n\r\t\xC3\xA9\xFF\xED\xA0\x80";
	struct doc_node *n = doc_new_str(a, raw, sizeof(raw) - 1);
	char *out = emit(n, 0);

	T_STREQ(out,
	    "\"\\u003c\\u0026\\u003e\\u2028\\u2029\\b\\f\\u0001"
	    "\\u001f\x7F\\\"\\\\/\\n\\r\\t\xC3\xA9\\ufffd\\ufffd"
	    "\\ufffd\\ufffd\"");
	free(out);
	n = doc_new_str(a, "a\0b", 3);
	out = emit(n, 0);
	T_STREQ(out, "\"a\\u0000b\"");
	free(out);
	arena_free(a);
}

/* A number node's text is kept when it is JSON; YAML spellings print as
 * Go prints the value (checked against Go's encoding/json). */
T_TEST(test_numbers_from_yaml_are_normalised)
{
	static const struct {
		enum doc_kind kind;
		const char *text, *want;
	} cases[] = {
		{ DOC_INT, "0x1F", "31" },
		{ DOC_INT, "0o17", "15" },
		{ DOC_INT, "+12", "12" },
		{ DOC_INT, "-0", "-0" },
		{ DOC_INT, "98765432109876543210", "98765432109876543210" },
		{ DOC_FLOAT, "1e3", "1e3" },
		{ DOC_FLOAT, "1.0", "1.0" },
		{ DOC_FLOAT, "1.", "1" },
		{ DOC_FLOAT, ".5", "0.5" },
		{ DOC_FLOAT, "+.25e1", "2.5" },
		{ DOC_FLOAT, "-.000001", "-0.000001" },
		{ DOC_FLOAT, "+0.0000001", "1e-7" },
		{ DOC_FLOAT, "1.5e-10", "1.5e-10" },
		{ DOC_FLOAT, "1.E21", "1e+21" },
		{ DOC_FLOAT, "+1.25E20", "125000000000000000000" },
		{ DOC_FLOAT, "+123456789.", "123456789" },
		{ DOC_FLOAT, "+1.7976931348623157e308",
		    "1.7976931348623157e+308" },
		{ DOC_FLOAT, "-0.", "-0" },
		{ DOC_FLOAT, "+0.1", "0.1" },
	};
	struct arena *a = arena_new();

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct doc_node *n = doc_new_str(a, cases[i].text,
		    strlen(cases[i].text));
		char *out;

		n->kind = (uint8_t)cases[i].kind;
		out = emit(n, 0);
		T_STREQ(out, cases[i].want);
		free(out);
	}
	arena_free(a);
}

T_TEST(test_non_finite_and_unreadable_numbers_are_invalid)
{
	static const char *const floats[] = { ".inf", "-.Inf", ".nan", "abc" };
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < sizeof(floats) / sizeof(floats[0]); i++) {
		struct doc_node *n = doc_new_str(a, floats[i],
		    strlen(floats[i]));

		n->kind = DOC_FLOAT;
		T_ERR(doc_emit_json(&b, n, 0, &err), &err, ERR_INVALID);
	}
	T_ERR(doc_emit_json(&b, doc_new_float(a, INFINITY), 0, &err), &err,
	    ERR_INVALID);
	T_EQ(b.len, 0);
	buf_release(&b);
	arena_free(a);
}

T_TEST(test_built_scalars_and_keys_emit_as_json)
{
	struct arena *a = arena_new();
	struct doc_node *m = doc_new_map(a);
	struct doc_node *seq = doc_new_seq(a);
	char *out;

	doc_seq_append(a, seq, doc_new_bool(a, true));
	doc_seq_append(a, seq, doc_new_null(a));
	doc_seq_append(a, seq, doc_new_int(a, -42));
	doc_seq_append(a, seq, doc_new_float(a, 0.1));
	doc_seq_append(a, seq, doc_new_plain(a, "TRUE", 4));
	doc_map_set(a, m, "list", 4, seq);
	out = emit(m, 0);
	T_STREQ(out, "{\"list\":[true,null,-42,0.1,true]}");
	free(out);

	/* a YAML key like 7: or false: becomes a JSON string */
	m = doc_new_map(a);
	m->u.map.items = arena_calloc(a, 2, sizeof(*m->u.map.items));
	m->u.map.n = m->u.map.cap = 2;
	m->u.map.items[0] = (struct doc_pair){ doc_new_int(a, 7),
		doc_new_str(a, "x", 1) };
	m->u.map.items[1] = (struct doc_pair){ doc_new_bool(a, false),
		doc_new_plain(a, "0x10", 4) };
	out = emit(m, DOC_JSON_INDENT);
	T_STREQ(out, "{\n  \"7\": \"x\",\n  \"false\": 16\n}");
	free(out);
	arena_free(a);
}

T_TEST(test_failed_emit_leaves_the_buffer_as_it_was)
{
	struct arena *a = arena_new();
	struct doc_node *m = doc_new_map(a);
	struct err err = ERR_INIT;
	struct buf b;

	m->u.map.items = arena_calloc(a, 1, sizeof(*m->u.map.items));
	m->u.map.n = m->u.map.cap = 1;
	m->u.map.items[0] = (struct doc_pair){ doc_new_seq(a),
		doc_new_null(a) };
	buf_init(&b, BUF_MAX_DEFAULT);
	buf_puts(&b, "keep");
	T_ERR(doc_emit_json(&b, m, 0, &err), &err, ERR_INVALID);
	T_STREQ(b.data, "keep");
	buf_release(&b);

	buf_init(&b, 8);
	T_ERR(doc_emit_json(&b, doc_new_str(a, "0123456789", 10), 0, &err),
	    &err, ERR_LIMIT);
	buf_release(&b);
	arena_free(a);
}

/* Indented output parses back and re-emits to the very same bytes. */
T_TEST(test_emit_parse_emit_is_stable)
{
	const char *in =
	    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\",\"metadata\":"
	    "{\"name\":\"web\",\"labels\":{\"app\":\"w\\u00e9b\"},"
	    "\"annotations\":{\"note\":\"a<b && \\\"c\\\"\\n\"}},"
	    "\"spec\":{\"replicas\":3,\"ratio\":0.5,\"paused\":false,"
	    "\"ports\":[{\"containerPort\":8080}],\"x\":null,\"e\":[]}}";
	struct doc *d = parse(in), *d2;
	char *pretty, *again, *compact;

	if (d == NULL)
		return;
	pretty = emit(doc_root(d, 0), DOC_JSON_INDENT);
	if ((d2 = parse(pretty)) != NULL) {
		again = emit(doc_root(d2, 0), DOC_JSON_INDENT);
		T_STREQ(again, pretty);
		compact = emit(doc_root(d2, 0), 0);
		T_STREQ(compact,
		    "{\"apiVersion\":\"apps/v1\",\"kind\":\"Deployment\","
		    "\"metadata\":{\"name\":\"web\",\"labels\":{\"app\":"
		    "\"w\xC3\xA9"
		    "b\"},\"annotations\":{\"note\":\"a\\u003cb \\u0026\\u0026 "
		    "\\\"c\\\"\\n\"}},\"spec\":{\"replicas\":3,\"ratio\":0.5,"
		    "\"paused\":false,\"ports\":[{\"containerPort\":8080}],"
		    "\"x\":null,\"e\":[]}}");
		free(again);
		free(compact);
		doc_free(d2);
	}
	free(pretty);
	doc_free(d);
}

/* YAML's scalars come out as Go's yaml-to-JSON conversion prints them. */
T_TEST(test_yaml_documents_emit_as_json)
{
	const char *yaml = "apiVersion: v1\n"
	                   "kind: ConfigMap\n"
	                   "data:\n"
	                   "  hex: 0x1F\n"
	                   "  octal: 0o17\n"
	                   "  float: 1e3\n"
	                   "  half: .5\n"
	                   "  quoted: \"0x1F\"\n"
	                   "  yes: yes\n"
	                   "  on: true\n"
	                   "  none: ~\n"
	                   "  text: |\n"
	                   "    a <b> & c\n"
	                   "list: [1, two, 3.0]\n";
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	char *out;

	T_OK(doc_parse_yaml(&d, yaml, strlen(yaml), NULL, &err), &err);
	if (d == NULL)
		return;
	out = emit(doc_root(d, 0), 0);
	T_STREQ(out,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"data\":{"
	    "\"hex\":31,\"octal\":15,\"float\":1e3,\"half\":0.5,"
	    "\"quoted\":\"0x1F\",\"yes\":\"yes\",\"on\":true,"
	    "\"none\":null,\"text\":\"a \\u003cb\\u003e \\u0026 c\\n\"},"
	    "\"list\":[1,\"two\",3.0]}");
	free(out);
	doc_free(d);

	yaml = "a: .inf\n";
	T_OK(doc_parse_yaml(&d, yaml, strlen(yaml), NULL, &err), &err);
	if (d == NULL)
		return;
	T_TRUE(emit(doc_root(d, 0), 0) == NULL);
	doc_free(d);
}
