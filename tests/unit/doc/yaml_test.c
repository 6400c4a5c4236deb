/*
 * YAML parse and emit: streams, kinds, tags and styles, anchors and merge
 * keys, errors with positions, limits against hostile input, and output
 * exactly as kubectl kustomize prints it. The expected texts were taken
 * from kubectl kustomize (v5.5) and go-yaml v2, which it prints through;
 * the last test round-trips every expected output of the shared kustomize
 * conformance corpus byte for byte.
 */
#include "doc/doc.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "t.h"

static struct doc *
parse_n(const char *text, size_t len, const struct doc_limits *lim)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	T_OK(doc_parse_yaml(&d, text, len, lim, &err), &err);
	return d;
}

static struct doc *
parse(const char *text)
{
	return parse_n(text, strlen(text), NULL);
}

/* The parse must fail with code; returns the message for checks. */
static const char *
parse_fails(const char *text, const struct doc_limits *lim, enum err_code code)
{
	static struct err err;
	struct doc *d = NULL;

	err_reset(&err);
	if (doc_parse_yaml(&d, text, strlen(text), lim, &err) != -1 ||
	    err.code != code) {
		t_fail(__FILE__, __LINE__, "'%.60s': want %s, got %s (%s)",
		    text, err_code_name(code), err_code_name(err.code),
		    err.msg);
		doc_free(d);
	}
	T_TRUE(d == NULL);
	return err.msg;
}

/* Emits one node; the caller frees the text. */
static char *
emit(const struct doc_node *n)
{
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	T_OK(doc_emit_yaml(&b, n, &err), &err);
	return buf_detach(&b, NULL);
}

/* Parses text and emits the whole stream again; the caller frees. */
static char *
reemit(const char *text)
{
	struct err err = ERR_INIT;
	struct doc *d = parse(text);
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	if (d != NULL)
		T_OK(doc_emit_yaml_stream(&b, d, &err), &err);
	doc_free(d);
	return buf_detach(&b, NULL);
}

#define T_REEMIT(in, want)                 \
	do {                               \
		char *t_out_ = reemit(in); \
		T_STREQ(t_out_, want);     \
		free(t_out_);              \
	} while (0)

static struct doc_node *
get(const struct doc_node *map, const char *key)
{
	struct doc_node *n = doc_map_get(map, key);

	if (n == NULL)
		t_fail(__FILE__, __LINE__, "no key '%s'", key);
	return n;
}

/* ---- streams ------------------------------------------------------------ */

T_TEST(test_empty_stream_has_no_documents)
{
	struct doc *d = parse("");

	T_EQ(doc_count(d), 0);
	doc_free(d);
	d = parse("# only a comment\n");
	T_EQ(doc_count(d), 0);
	doc_free(d);
}

T_TEST(test_bare_document_marker_is_a_null_root)
{
	struct doc *d = parse("---\n");

	T_EQ(doc_count(d), 1);
	T_EQ(doc_root(d, 0)->kind, DOC_NULL);
	doc_free(d);
	d = parse("a: 1\n---\n");
	T_EQ(doc_count(d), 2);
	T_EQ(doc_root(d, 0)->kind, DOC_MAP);
	T_EQ(doc_root(d, 1)->kind, DOC_NULL);
	doc_free(d);
}

/* The first node of a stream has no sibling yet: the loader must close
 * an empty flow map without any children array. */
T_TEST(test_empty_flow_map_first_in_stream)
{
	struct doc *d = parse("{}\n");
	struct doc_node *root = doc_root(d, 0);

	T_EQ(doc_count(d), 1);
	T_TRUE(root != NULL && root->kind == DOC_MAP);
	T_EQ(root->u.map.n, 0);
	doc_free(d);
}

T_TEST(test_nested_empty_flow_maps_stay_empty)
{
	struct doc *d = parse("a: {}\nb: [{}, {x: {}}]\nc: []\n");
	struct doc_node *root = doc_root(d, 0);
	struct doc_node *b = doc_map_get(root, "b");

	T_EQ(root->u.map.n, 3);
	T_EQ(doc_map_get(root, "a")->kind, DOC_MAP);
	T_EQ(doc_map_get(root, "a")->u.map.n, 0);
	T_EQ(b->u.seq.n, 2);
	T_EQ(b->u.seq.items[0]->u.map.n, 0);
	T_EQ(doc_map_get(b->u.seq.items[1], "x")->u.map.n, 0);
	T_EQ(doc_map_get(root, "c")->u.seq.n, 0);
	doc_free(d);
}

T_TEST(test_documents_keep_their_order)
{
	struct doc *d = parse(
	    "a: 1\n---\n- x\n...\n---\nplain\n--- |\n  lit\n");

	T_EQ(doc_count(d), 4);
	T_EQ(doc_root(d, 0)->kind, DOC_MAP);
	T_EQ(doc_root(d, 1)->kind, DOC_SEQ);
	T_STREQ(doc_str(doc_root(d, 2)), "plain");
	T_STREQ(doc_str(doc_root(d, 3)), "lit\n");
	doc_free(d);
}

T_TEST(test_stream_emits_separators_between_documents)
{
	T_REEMIT("a: 1\n---\n- x\n...\n---\n", "a: 1\n---\n- x\n---\nnull\n");
	T_REEMIT("", "");
}

/* ---- scalars, tags and styles -------------------------------------------- */

T_TEST(test_plain_scalars_resolve_and_quoted_ones_are_strings)
{
	struct doc *d = parse("i: 1\nq: \"1\"\nb: true\nsb: 'true'\nn: ~\n"
	                      "e:\nf: 1.5\nh: 0x1F\ny: yes\ns: hello\n");
	struct doc_node *r = doc_root(d, 0);

	T_EQ(get(r, "i")->kind, DOC_INT);
	T_EQ(get(r, "q")->kind, DOC_STR);
	T_EQ(get(r, "b")->kind, DOC_BOOL);
	T_EQ(get(r, "sb")->kind, DOC_STR);
	T_EQ(get(r, "n")->kind, DOC_NULL);
	T_EQ(get(r, "e")->kind, DOC_NULL);
	T_EQ(get(r, "f")->kind, DOC_FLOAT);
	T_EQ(get(r, "h")->kind, DOC_INT);
	T_STREQ(doc_str(get(r, "h")), "0x1F");
	T_EQ(get(r, "y")->kind, DOC_STR); /* YAML 1.2: yes is a string */
	T_EQ(get(r, "s")->kind, DOC_STR);
	doc_free(d);
}

T_TEST(test_explicit_tags_decide_the_kind)
{
	struct doc *d = parse("s: !!str 123\ni: !!int \"12\"\nf: !!float 1\n"
	                      "b: !!bool \"true\"\nz: !!null ''\nc: !foo 7\n"
	                      "m: !!map {a: 1}\nt: ! 12\n");
	struct doc_node *r = doc_root(d, 0);

	T_EQ(get(r, "s")->kind, DOC_STR);
	T_STREQ(get(r, "s")->tag, "!!str");
	T_EQ(get(r, "i")->kind, DOC_INT);
	T_EQ(get(r, "f")->kind, DOC_FLOAT);
	T_EQ(get(r, "b")->kind, DOC_BOOL);
	T_EQ(get(r, "z")->kind, DOC_NULL);
	T_EQ(get(r, "c")->kind, DOC_STR); /* unknown tags keep the text */
	T_STREQ(get(r, "c")->tag, "!foo");
	T_EQ(get(r, "m")->kind, DOC_MAP);
	T_STREQ(get(r, "m")->tag, "!!map");
	T_EQ(get(r, "t")->kind, DOC_STR);
	doc_free(d);
}

T_TEST(test_tag_that_does_not_fit_is_invalid)
{
	T_TRUE(strstr(parse_fails("a: !!int abc\n", NULL, ERR_INVALID),
	           "line 1, column 4: cannot decode 'abc' as !!int") != NULL);
	parse_fails("a: !!bool 1\n", NULL, ERR_INVALID);
	parse_fails("a: !!map [x]\n", NULL, ERR_INVALID);
	parse_fails("a: !!seq x\n", NULL, ERR_INVALID);
}

T_TEST(test_styles_and_positions_are_kept)
{
	struct doc *d = parse("p: a\ns: 'b'\nd: \"c\"\nl: |\n  x\nf: >\n  y\n"
	                      "fl: [1]\nbl:\n- 1\n");
	struct doc_node *r = doc_root(d, 0);

	T_EQ(get(r, "p")->style, DOC_STYLE_PLAIN);
	T_EQ(get(r, "s")->style, DOC_STYLE_SINGLE);
	T_EQ(get(r, "d")->style, DOC_STYLE_DOUBLE);
	T_EQ(get(r, "l")->style, DOC_STYLE_LITERAL);
	T_EQ(get(r, "f")->style, DOC_STYLE_FOLDED);
	T_EQ(get(r, "fl")->style, DOC_STYLE_FLOW);
	T_EQ(get(r, "bl")->style, DOC_STYLE_ANY);
	T_EQ(get(r, "s")->line, 2);
	T_EQ(get(r, "s")->col, 4);
	T_EQ(r->u.map.items[1].key->line, 2);
	T_EQ(r->u.map.items[1].key->col, 1);
	doc_free(d);
}

/* ---- anchors and merge keys -------------------------------------------- */

T_TEST(test_alias_shares_the_anchored_node)
{
	struct doc *d = parse("a: &x {k: v}\nb: *x\nc: &s text\nd: *s\n");
	struct doc_node *r = doc_root(d, 0);

	T_TRUE(get(r, "a") == get(r, "b"));
	T_STREQ(doc_str(get(r, "d")), "text");
	doc_free(d);
}

T_TEST(test_anchors_are_scoped_to_their_document)
{
	parse_fails("a: &x 1\n---\nb: *x\n", NULL, ERR_INVALID);
}

T_TEST(test_unknown_or_self_containing_alias_is_invalid)
{
	T_STREQ(parse_fails("a: 1\nb: *nope\n", NULL, ERR_INVALID),
	    "line 2, column 4: unknown anchor 'nope' referenced");
	T_STREQ(parse_fails("a: &x [1, *x]\n", NULL, ERR_INVALID),
	    "line 1, column 11: self-containing anchor 'x' referenced");
}

T_TEST(test_merge_of_one_map_lets_explicit_keys_win)
{
	T_REEMIT("base: &b {x: 1, y: 2}\nm:\n  y: 3\n  <<: *b\n  z: 4\n",
	    "base:\n  x: 1\n  \"y\": 2\nm:\n  \"y\": 3\n  x: 1\n  z: 4\n");
}

T_TEST(test_merge_of_a_sequence_lets_earlier_maps_win)
{
	T_REEMIT("a: &a {x: 1, y: 2}\nm:\n  <<: [*a, {x: 9, w: 8}]\n  k: v\n",
	    "a:\n  x: 1\n  \"y\": 2\nm:\n  x: 1\n  \"y\": 2\n  w: 8\n  k: v\n");
}

T_TEST(test_merge_needs_maps_and_a_plain_key)
{
	T_STREQ(parse_fails("<<: 1\n", NULL, ERR_INVALID),
	    "line 1, column 5: map merge requires map or sequence of maps as the value");
	parse_fails("<<: [{a: 1}, 2]\n", NULL, ERR_INVALID);
	T_REEMIT("\"<<\": {a: 1}\n", "\"<<\":\n  a: 1\n");
}

T_TEST(test_duplicate_keys_are_invalid)
{
	char big[1024];
	size_t n = 0;

	T_STREQ(parse_fails("a: 1\nb: 2\na: 3\n", NULL, ERR_INVALID),
	    "line 3, column 1: mapping key 'a' already defined at line 1");
	for (int i = 0; i < 40; i++) /* past the pairwise scan */
		n += (size_t)snprintf(big + n, sizeof(big) - n, "k%d: %d\n", i,
		    i);
	(void)snprintf(big + n, sizeof(big) - n, "k7: again\n");
	T_STREQ(parse_fails(big, NULL, ERR_INVALID),
	    "line 41, column 1: mapping key 'k7' already defined at line 8");
}

T_TEST(test_collection_keys_are_invalid)
{
	T_STREQ(parse_fails("? [a]\n: 1\n", NULL, ERR_INVALID),
	    "line 1, column 3: mapping key must be a scalar");
	parse_fails("{{v}: 1}\n", NULL, ERR_INVALID);
}

T_TEST(test_keys_keep_their_text)
{
	T_REEMIT(
	    "True: 1\n~: 2\n!!float 1: 3\n0x10: 4\n? \n: 5\nv: [True, ~]\n",
	    "True: 1\n~: 2\n1: 3\n0x10: 4\n?\n: 5\nv:\n- true\n- null\n");
}

/* ---- errors and limits ------------------------------------------------- */

T_TEST(test_syntax_errors_carry_line_and_column)
{
	T_STREQ(parse_fails("a: b: c\n", NULL, ERR_INVALID),
	    "line 1, column 5: mapping values are not allowed in this context");
	T_TRUE(
	    strstr(parse_fails("a: [1, 2\n", NULL, ERR_INVALID),
	        "line 2, column 1: did not find expected ',' or ']'") != NULL);
	T_STREQ(parse_fails("a: 1\nc: \xff\n", NULL, ERR_INVALID),
	    "line 2, column 4: invalid leading UTF-8 octet");
}

T_TEST(test_input_over_max_bytes_is_a_limit)
{
	struct doc_limits lim = { .max_bytes = 8 };

	parse_fails("a: 123456789\n", &lim, ERR_LIMIT);
	lim.max_bytes = 64;
	doc_free(parse_n("a: 123456789\n", 13, &lim));
}

T_TEST(test_nesting_past_max_depth_is_a_limit)
{
	struct doc_limits lim = { .max_depth = 3 };
	char deep[2048];

	doc_free(parse_n("[[[1]]]", 7, &lim));
	parse_fails("[[[[1]]]]", &lim, ERR_LIMIT);
	memset(deep, '[', 300);
	memset(deep + 300, ']', 300);
	deep[600] = '\0';
	parse_fails(deep, NULL, ERR_LIMIT); /* the default is 256 */
}

T_TEST(test_alias_counts_its_height_against_max_depth)
{
	struct doc_limits lim = { .max_depth = 4 };

	doc_free(parse_n("a: &x [[1]]\nb: [*x]\n", 20, &lim));
	parse_fails("a: &x [[1]]\nb: [[[*x]]]\n", &lim, ERR_LIMIT);
}

T_TEST(test_nodes_past_max_nodes_are_a_limit)
{
	struct doc_limits lim = { .max_nodes = 5 };

	doc_free(parse_n("[1, 2, 3, 4]", 12, &lim));
	parse_fails("[1, 2, 3, 4, 5]", &lim, ERR_LIMIT);
	/* An alias counts its whole subtree: 1 + 3 + 3 nodes. */
	parse_fails("- &a [1, 2]\n- *a\n", &lim, ERR_LIMIT);
}

T_TEST(test_billion_laughs_fails_with_limit)
{
	static const char lol[] =
	    "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
	    "b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\n"
	    "c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
	    "d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n"
	    "e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]\n"
	    "f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]\n"
	    "g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]\n"
	    "h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]\n"
	    "i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]\n";

	T_TRUE(strstr(parse_fails(lol, NULL, ERR_LIMIT),
	           "more than 8388608 nodes") != NULL);
}

T_TEST(test_aliases_count_their_text_against_max_bytes)
{
	struct doc_limits lim = { .max_bytes = 64 };
	static const char ok[] = "a: &x 0123456789\nb: [*x, *x]\n";
	static const char big[] =
	    "a: &x 0123456789\nb: [*x, *x, *x, *x, *x, *x]\n";

	/* 12 bytes of text (keys too), 32 with the aliases: under 64 */
	doc_free(parse_n(ok, sizeof(ok) - 1, &lim));
	/* 72 at the sixth alias, though the input is 47 bytes */
	T_STREQ(parse_fails(big, &lim, ERR_LIMIT),
	    "line 2, column 25: aliases expand the text past 64 bytes");
}

/* ---- emitting -------------------------------------------------------------
 */

/* "k: <value>\n" for a string built in code. */
static char *
emit_str(const char *s, size_t n)
{
	struct arena *a = arena_new();
	struct doc_node *m = doc_new_map(a);
	char *out;

	doc_map_set(a, m, "k", 1, doc_new_str(a, s, n));
	out = emit(m);
	arena_free(a);
	return out;
}

#define T_EMIT_STR(s, want)                                \
	do {                                               \
		char *t_out_ = emit_str(s, sizeof(s) - 1); \
		T_STREQ(t_out_, "k: " want "\n");          \
		free(t_out_);                              \
	} while (0)

T_TEST(test_strings_that_would_read_as_other_types_are_double_quoted)
{
	T_EMIT_STR("true", "\"true\"");
	T_EMIT_STR("yes", "\"yes\"");
	T_EMIT_STR("Y", "\"Y\"");
	T_EMIT_STR("off", "\"off\"");
	T_EMIT_STR("null", "\"null\"");
	T_EMIT_STR("~", "\"~\"");
	T_EMIT_STR("", "\"\"");
	T_EMIT_STR("123", "\"123\"");
	T_EMIT_STR("0x1F", "\"0x1F\"");
	T_EMIT_STR("010", "\"010\"");
	T_EMIT_STR("1_000", "\"1_000\"");
	T_EMIT_STR("1e3", "\"1e3\"");
	T_EMIT_STR("1.0", "\"1.0\"");
	T_EMIT_STR(".inf", "\".inf\"");
	T_EMIT_STR("1:20", "\"1:20\"");
	T_EMIT_STR("2001-12-14", "\"2001-12-14\"");
	T_EMIT_STR("2001-12-14T21:59:43.10-05:00",
	    "\"2001-12-14T21:59:43.10-05:00\"");
}

T_TEST(test_strings_plain_where_they_read_back_the_same)
{
	T_EMIT_STR("hello world", "hello world");
	T_EMIT_STR("-a", "-a");
	T_EMIT_STR("a:b", "a:b");
	T_EMIT_STR("a#b", "a#b");
	T_EMIT_STR("it's", "it's");
	T_EMIT_STR("=", "=");
	T_EMIT_STR("<<", "<<");
	T_EMIT_STR("1e400", "1e400"); /* Go cannot read it as a float */
	T_EMIT_STR("2001-02-30", "2001-02-30"); /* no such day */
	T_EMIT_STR("\xc3\xa9 accent", "\xc3\xa9 accent");
	T_EMIT_STR("nbsp\xc2\xa0x", "nbsp\xc2\xa0x");
}

T_TEST(test_strings_with_indicators_are_single_quoted)
{
	T_EMIT_STR("- a", "'- a'");
	T_EMIT_STR("-", "'-'");
	T_EMIT_STR(": a", "': a'");
	T_EMIT_STR("a: b", "'a: b'");
	T_EMIT_STR("a #b", "'a #b'");
	T_EMIT_STR(" lead", "' lead'");
	T_EMIT_STR("trail ", "'trail '");
	T_EMIT_STR("*x", "'*x'");
	T_EMIT_STR("'x", "'''x'");
	T_EMIT_STR("\"x", "'\"x'");
	T_EMIT_STR("---", "'---'");
	T_EMIT_STR("@x", "'@x'");
}

T_TEST(test_strings_with_special_characters_are_escaped)
{
	T_EMIT_STR("tab\there", "\"tab\\there\"");
	T_EMIT_STR("ctl\x01x", "\"ctl\\x01x\"");
	T_EMIT_STR("emoji \xf0\x9f\x98\x80", "\"emoji \\U0001F600\"");
	T_EMIT_STR("a\rb", "\"a\\rb\"");
	T_EMIT_STR("a\xc2\x85"
	           "b",
	    "\"a\\Nb\"");
	T_EMIT_STR("trailing space \nx", "\"trailing space \\nx\"");
	/* go-yaml escapes all of a string that starts with a BOM */
	T_EMIT_STR("\xef\xbb\xbf"
	           "bom",
	    "\"\\uFEFF\\x62\\x6F\\x6D\"");
	T_EMIT_STR("a\0b", "\"a\\0b\"");
}

T_TEST(test_multiline_strings_are_literal_blocks)
{
	T_EMIT_STR("line1\nline2", "|-\n  line1\n  line2");
	T_EMIT_STR("line1\nline2\n", "|\n  line1\n  line2");
	T_EMIT_STR("line1\nline2\n\n", "|+\n  line1\n  line2\n");
	T_EMIT_STR("\n lead nl", "|2-\n\n   lead nl");
	T_EMIT_STR("\n", "|2+\n");
	T_EMIT_STR("a\n\n\nb\n", "|\n  a\n\n\n  b");
}

T_TEST(test_long_strings_fold_past_eighty_columns)
{
	T_EMIT_STR("Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
	           "Maecenas suscipit ex non molestie varius.",
	    "Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
	    "Maecenas suscipit ex non\n  molestie varius.");
	T_EMIT_STR("Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
	           "it's #1  sed do eiusmod tempor incididunt",
	    "'Lorem ipsum dolor sit amet, consectetur adipiscing elit. "
	    "it''s #1  sed do eiusmod\n  tempor incididunt'");
	T_EMIT_STR("\t Lorem ipsum dolor sit amet, consectetur adipiscing "
	           "elit, sed do eiusmod tempor  incididunt ut labore et "
	           "dolore magna aliqua",
	    "\"\\t Lorem ipsum dolor sit amet, consectetur adipiscing elit, "
	    "sed do eiusmod tempor\n  \\ incididunt ut labore et dolore "
	    "magna aliqua\"");
}

T_TEST(test_folding_counts_characters_not_bytes)
{
	char s[200], *out;
	size_t n = 0;

	for (int i = 0; i < 33; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "\xc3\xa9");
	n += (size_t)snprintf(s + n, sizeof(s) - n, " ");
	for (int i = 0; i < 30; i++)
		n += (size_t)snprintf(s + n, sizeof(s) - n, "\xc3\xa9");
	(void)snprintf(s + n, sizeof(s) - n, " x");
	out = emit_str(s, strlen(s));
	T_TRUE(strchr(out + 2, '\n') == out + strlen(out) - 1); /* one line */
	free(out);
}

T_TEST(test_layout_matches_kustomize)
{
	T_REEMIT("a: [[[c]], {a: [1, {b: 2}], c: {}}, '', ~, \"x\\ny\", [], "
	         "{}]\n",
	    "a:\n- - - c\n- a:\n  - 1\n  - b: 2\n  c: {}\n- \"\"\n- null\n"
	    "- |-\n  x\n  y\n- []\n- {}\n");
	T_REEMIT("{}", "{}\n");
	T_REEMIT("[]", "[]\n");
	T_REEMIT("- a: 1\n  b:\n    c: [x]\n",
	    "- a: 1\n  b:\n    c:\n    - x\n");
}

T_TEST(test_keys_are_quoted_like_values_and_long_keys_use_question_marks)
{
	char in[300], want[300];

	T_REEMIT("\"y\": 1\n'a: b': 2\n\"\": 3\n",
	    "\"y\": 1\n'a: b': 2\n\"\": 3\n");
	memset(in, 'q', 129);
	(void)snprintf(in + 129, sizeof(in) - 129, ": v\n");
	(void)snprintf(want, sizeof(want), "? %.129s\n: v\n", in);
	T_REEMIT(in, want);
	T_REEMIT(
	    "? \"multi\\nkey\"\n: {a: 1, b: [x, y]}\n? \"m2\\nk\"\n: [1, 2]\n",
	    "? |-\n  multi\n  key\n: a: 1\n  b:\n  - x\n  - \"y\"\n"
	    "? |-\n  m2\n  k\n: - 1\n  - 2\n");
}

T_TEST(test_typed_scalars_keep_their_text)
{
	T_REEMIT("a: 0x1F\nb: 1.0\nc: 010\nd: ~\ne:\nf: True\ng: !!float 1\n",
	    "a: 0x1F\nb: 1.0\nc: 010\nd: null\ne: null\nf: true\ng: 1.0\n");
}

T_TEST(test_built_nodes_emit_canonical_text)
{
	struct arena *a = arena_new();
	struct doc_node *s = doc_new_seq(a);
	char *out;

	doc_seq_append(a, s, doc_new_int(a, -42));
	doc_seq_append(a, s, doc_new_float(a, 2.0));
	doc_seq_append(a, s, doc_new_bool(a, false));
	doc_seq_append(a, s, doc_new_null(a));
	doc_seq_append(a, s, doc_new_plain(a, "yes", 3));
	doc_seq_append(a, s, doc_new_map(a));
	out = emit(s);
	T_STREQ(out, "- -42\n- 2.0\n- false\n- null\n- \"yes\"\n- {}\n");
	free(out);
	out = emit(NULL);
	T_STREQ(out, "null\n");
	free(out);
	arena_free(a);
}

T_TEST(test_aliases_and_merge_keys_print_expanded)
{
	T_REEMIT("a: &x {k: v}\nb: *x\n", "a:\n  k: v\nb:\n  k: v\n");
}

T_TEST(test_emit_past_buffer_cap_is_a_limit)
{
	struct doc *d = parse("a: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n");
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, 16);
	T_ERR(doc_emit_yaml(&b, doc_root(d, 0), &err), &err, ERR_LIMIT);
	buf_release(&b);
	doc_free(d);
}

T_TEST(test_emit_round_trips_through_parse)
{
	static const char in[] =
	    "s:\n- \"a\\u2028b\"\n- \"x\\u2028y\\nz\"\n- \" \\n \"\n"
	    "- '#'\n- \"\\U0001F600\"\n- |+\n  keep\n\n";
	char *once = reemit(in);
	char *twice = reemit(once);

	T_STREQ(twice, once);
	free(twice);
	free(once);
}

/* ---- the kustomize conformance corpus ------------------------------------ */

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct buf b;
	char chunk[8192];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, BUF_MAX_DEFAULT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	(void)fclose(f);
	return buf_detach(&b, len);
}

/* Parses one expected output and checks that emitting gives it back. */
static void
check_expected(const char *path)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct buf out;
	size_t len;
	char *text = read_file(path, &len);

	if (text == NULL)
		return;
	buf_init(&out, BUF_MAX_DEFAULT);
	if (doc_parse_yaml(&d, text, len, NULL, &err) == -1)
		t_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
	else if (doc_emit_yaml_stream(&out, d, &err) == -1)
		t_fail(__FILE__, __LINE__, "%s: %s", path, err.msg);
	else if (out.len != len ||
	    (len > 0 && memcmp(out.data, text, len) != 0))
		t_fail(__FILE__, __LINE__, "%s: emitted text differs:\n%s",
		    path, out.data);
	buf_release(&out);
	doc_free(d);
	free(text);
}

T_TEST(test_kustomize_expected_outputs_round_trip_byte_for_byte)
{
	const char *env = getenv("FLINT_CONFORMANCE_DIR");
	char *dir = env != NULL
	    ? xasprintf("%s/kustomize", env)
	    : xasprintf("%s/../shared/conformance/kustomize", FLINT_SOURCE_DIR);
	DIR *dp = opendir(dir);
	struct dirent *e;
	int checked = 0;

	if (dp == NULL) {
		(void)fprintf(stderr,
		    "  skip: no conformance corpus at %s "
		    "(set FLINT_CONFORMANCE_DIR)\n",
		    dir);
		free(dir);
		return;
	}
	while ((e = readdir(dp)) != NULL) {
		char *path = xasprintf("%s/%s/expected.yaml", dir, e->d_name);
		FILE *f = e->d_name[0] == '.' ? NULL : fopen(path, "rb");

		if (f != NULL) {
			(void)fclose(f);
			check_expected(path);
			checked++;
		}
		free(path);
	}
	(void)closedir(dp);
	T_TRUE(checked >= 100); /* the corpus holds 119 */
	free(dir);
}
