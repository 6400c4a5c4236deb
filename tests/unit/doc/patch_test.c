/*
 * RFC 7386 merge patch and RFC 6902 JSON patch, with both RFCs' appendix
 * examples verbatim (documents written as JSON and parsed).
 */
#include <string.h>

#include "core/arena.h"
#include "doc/doc.h"
#include "t.h"

/* Parses JSON text into a tree that lives in the returned doc. */
static struct doc_node *
json(struct doc **keep, const char *text)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	if (doc_parse_json(&d, text, strlen(text), NULL, &err) == -1) {
		t_fail(__FILE__, __LINE__, "parse '%s': %s", text, err.msg);
		return NULL;
	}
	*keep = d;
	return doc_root(d, 0);
}

static const struct {
	const char *target, *patch, *want;
} merge_cases[] = {
	/* RFC 7386 appendix A */
	{ "{\"a\":\"b\"}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
	{ "{\"a\":\"b\"}", "{\"b\":\"c\"}", "{\"a\":\"b\",\"b\":\"c\"}" },
	{ "{\"a\":\"b\"}", "{\"a\":null}", "{}" },
	{ "{\"a\":\"b\",\"b\":\"c\"}", "{\"a\":null}", "{\"b\":\"c\"}" },
	{ "{\"a\":[\"b\"]}", "{\"a\":\"c\"}", "{\"a\":\"c\"}" },
	{ "{\"a\":\"c\"}", "{\"a\":[\"b\"]}", "{\"a\":[\"b\"]}" },
	{ "{\"a\":{\"b\":\"c\"}}", "{\"a\":{\"b\":\"d\",\"c\":null}}",
	    "{\"a\":{\"b\":\"d\"}}" },
	{ "{\"a\":[{\"b\":\"c\"}]}", "{\"a\":[1]}", "{\"a\":[1]}" },
	{ "[\"a\",\"b\"]", "[\"c\",\"d\"]", "[\"c\",\"d\"]" },
	{ "{\"a\":\"b\"}", "[\"c\"]", "[\"c\"]" },
	{ "{\"a\":\"foo\"}", "null", "null" },
	{ "{\"a\":\"foo\"}", "\"bar\"", "\"bar\"" },
	{ "{\"e\":null}", "{\"a\":1}", "{\"e\":null,\"a\":1}" },
	{ "[1,2]", "{\"a\":\"b\",\"c\":null}", "{\"a\":\"b\"}" },
	{ "{}", "{\"a\":{\"bb\":{\"ccc\":null}}}", "{\"a\":{\"bb\":{}}}" },
	/* RFC 7386 section 3 */
	{ "{\"title\":\"Goodbye!\",\"author\":{\"givenName\":\"John\","
	  "\"familyName\":\"Doe\"},\"tags\":[\"example\",\"sample\"],"
	  "\"content\":\"This will be unchanged\"}",
	    "{\"title\":\"Hello!\",\"phoneNumber\":\"+01-123-456-7890\","
	    "\"author\":{\"familyName\":null},\"tags\":[\"example\"]}",
	    "{\"title\":\"Hello!\",\"author\":{\"givenName\":\"John\"},"
	    "\"tags\":[\"example\"],\"content\":\"This will be unchanged\","
	    "\"phoneNumber\":\"+01-123-456-7890\"}" },
};

T_TEST(test_merge_patch_rfc7386_examples)
{
	for (size_t i = 0; i < sizeof(merge_cases) / sizeof(merge_cases[0]);
	     i++) {
		struct doc *dt = NULL, *dp = NULL, *dw = NULL;
		struct doc_node *target = json(&dt, merge_cases[i].target);
		const struct doc_node *patch = json(&dp, merge_cases[i].patch);
		const struct doc_node *want = json(&dw, merge_cases[i].want);

		doc_merge_patch(doc_arena(dt), &target, patch);
		doc_free(dp); /* the result must not point into the patch */
		if (!doc_equal(target, want))
			t_fail(__FILE__, __LINE__, "case %zu: %s + %s", i,
			    merge_cases[i].target, merge_cases[i].patch);
		doc_free(dt);
		doc_free(dw);
	}
}

T_TEST(test_merge_patch_keeps_key_order_and_appends_new_keys)
{
	struct doc *dt = NULL, *dp = NULL;
	struct doc_node *target = json(&dt, "{\"b\":1,\"a\":2,\"c\":3}");
	const struct doc_node *patch = json(&dp,
	    "{\"d\":4,\"a\":5,\"b\":null}");

	doc_merge_patch(doc_arena(dt), &target, patch);
	T_EQ(target->u.map.n, 3);
	T_STREQ(doc_str(target->u.map.items[0].key), "a");
	T_STREQ(doc_str(target->u.map.items[0].value), "5");
	T_STREQ(doc_str(target->u.map.items[1].key), "c");
	T_STREQ(doc_str(target->u.map.items[2].key), "d");
	doc_free(dp);
	doc_free(dt);
}

enum {
	OK = -1
}; /* a case that must succeed; otherwise an err code */

static const struct {
	const char *name, *doc, *ops, *want;
	int code;
} patch_cases[] = {
	/* RFC 6902 appendix A */
	{ "A.1", "{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\"}]",
	    "{\"baz\":\"qux\",\"foo\":\"bar\"}", OK },
	{ "A.2", "{\"foo\":[\"bar\",\"baz\"]}",
	    "[{\"op\":\"add\",\"path\":\"/foo/1\",\"value\":\"qux\"}]",
	    "{\"foo\":[\"bar\",\"qux\",\"baz\"]}", OK },
	{ "A.3", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	    "[{\"op\":\"remove\",\"path\":\"/baz\"}]", "{\"foo\":\"bar\"}",
	    OK },
	{ "A.4", "{\"foo\":[\"bar\",\"qux\",\"baz\"]}",
	    "[{\"op\":\"remove\",\"path\":\"/foo/1\"}]",
	    "{\"foo\":[\"bar\",\"baz\"]}", OK },
	{ "A.5", "{\"baz\":\"qux\",\"foo\":\"bar\"}",
	    "[{\"op\":\"replace\",\"path\":\"/baz\",\"value\":\"boo\"}]",
	    "{\"baz\":\"boo\",\"foo\":\"bar\"}", OK },
	{ "A.6",
	    "{\"foo\":{\"bar\":\"baz\",\"waldo\":\"fred\"},"
	    "\"qux\":{\"corge\":\"grault\"}}",
	    "[{\"op\":\"move\",\"from\":\"/foo/waldo\","
	    "\"path\":\"/qux/thud\"}]",
	    "{\"foo\":{\"bar\":\"baz\"},"
	    "\"qux\":{\"corge\":\"grault\",\"thud\":\"fred\"}}",
	    OK },
	{ "A.7", "{\"foo\":[\"all\",\"grass\",\"cows\",\"eat\"]}",
	    "[{\"op\":\"move\",\"from\":\"/foo/1\",\"path\":\"/foo/3\"}]",
	    "{\"foo\":[\"all\",\"cows\",\"eat\",\"grass\"]}", OK },
	{ "A.8", "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}",
	    "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"qux\"},"
	    "{\"op\":\"test\",\"path\":\"/foo/1\",\"value\":2}]",
	    "{\"baz\":\"qux\",\"foo\":[\"a\",2,\"c\"]}", OK },
	{ "A.9", "{\"baz\":\"qux\"}",
	    "[{\"op\":\"test\",\"path\":\"/baz\",\"value\":\"bar\"}]", NULL,
	    ERR_CONFLICT },
	{ "A.10", "{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/child\","
	    "\"value\":{\"grandchild\":{}}}]",
	    "{\"foo\":\"bar\",\"child\":{\"grandchild\":{}}}", OK },
	{ "A.11", "{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\","
	    "\"xyz\":123}]",
	    "{\"foo\":\"bar\",\"baz\":\"qux\"}", OK },
	{ "A.12", "{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/baz/bat\",\"value\":\"qux\"}]", NULL,
	    ERR_NOTFOUND },
	/* A.13: the parser keeps the last of duplicate members, as Go's
	 * encoding/json does for kustomize, so "op" is "remove" and the
	 * patch fails on the missing member. */
	{ "A.13", "{\"foo\":\"bar\"}",
	    "[{\"op\":\"add\",\"path\":\"/baz\",\"value\":\"qux\","
	    "\"op\":\"remove\"}]",
	    NULL, ERR_NOTFOUND },
	{ "A.14", "{\"/\":9,\"~1\":10}",
	    "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":10}]",
	    "{\"/\":9,\"~1\":10}", OK },
	{ "A.15", "{\"/\":9,\"~1\":10}",
	    "[{\"op\":\"test\",\"path\":\"/~01\",\"value\":\"10\"}]", NULL,
	    ERR_CONFLICT },
	{ "A.16", "{\"foo\":[\"bar\"]}",
	    "[{\"op\":\"add\",\"path\":\"/foo/-\",\"value\":[\"abc\",\"def\"]}]",
	    "{\"foo\":[\"bar\",[\"abc\",\"def\"]]}", OK },
	/* array index rules */
	{ "add at end", "[1,2]",
	    "[{\"op\":\"add\",\"path\":\"/2\",\"value\":3}]", "[1,2,3]", OK },
	{ "add past end", "[1,2]",
	    "[{\"op\":\"add\",\"path\":\"/3\",\"value\":3}]", NULL,
	    ERR_NOTFOUND },
	{ "add leading zero", "[1,2]",
	    "[{\"op\":\"add\",\"path\":\"/01\",\"value\":3}]", NULL,
	    ERR_INVALID },
	{ "add not an index", "[1,2]",
	    "[{\"op\":\"add\",\"path\":\"/x\",\"value\":3}]", NULL,
	    ERR_INVALID },
	{ "remove dash", "[1,2]", "[{\"op\":\"remove\",\"path\":\"/-\"}]", NULL,
	    ERR_NOTFOUND },
	{ "replace dash", "[1,2]",
	    "[{\"op\":\"replace\",\"path\":\"/-\",\"value\":3}]", NULL,
	    ERR_NOTFOUND },
	{ "replace past end", "[1,2]",
	    "[{\"op\":\"replace\",\"path\":\"/2\",\"value\":3}]", NULL,
	    ERR_NOTFOUND },
	{ "replace index", "[1,2]",
	    "[{\"op\":\"replace\",\"path\":\"/1\",\"value\":3}]", "[1,3]", OK },
	/* missing targets */
	{ "remove missing", "{\"a\":1}",
	    "[{\"op\":\"remove\",\"path\":\"/b\"}]", NULL, ERR_NOTFOUND },
	{ "replace missing", "{\"a\":1}",
	    "[{\"op\":\"replace\",\"path\":\"/b\",\"value\":2}]", NULL,
	    ERR_NOTFOUND },
	{ "test missing", "{\"a\":1}",
	    "[{\"op\":\"test\",\"path\":\"/b\",\"value\":1}]", NULL,
	    ERR_NOTFOUND },
	{ "move missing", "{\"a\":1}",
	    "[{\"op\":\"move\",\"from\":\"/b\",\"path\":\"/c\"}]", NULL,
	    ERR_NOTFOUND },
	{ "copy missing", "{\"a\":1}",
	    "[{\"op\":\"copy\",\"from\":\"/b\",\"path\":\"/c\"}]", NULL,
	    ERR_NOTFOUND },
	{ "remove through scalar", "{\"a\":1}",
	    "[{\"op\":\"remove\",\"path\":\"/a/b\"}]", NULL, ERR_INVALID },
	/* move and copy */
	{ "move into own child", "{\"a\":{\"b\":1}}",
	    "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a/c\"}]", NULL,
	    ERR_INVALID },
	{ "move root into child", "{\"a\":1}",
	    "[{\"op\":\"move\",\"from\":\"\",\"path\":\"/b\"}]", NULL,
	    ERR_INVALID },
	{ "move to sibling prefix", "{\"a\":1}",
	    "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/ab\"}]",
	    "{\"ab\":1}", OK },
	{ "move onto itself", "{\"a\":{\"b\":1}}",
	    "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/a\"}]",
	    "{\"a\":{\"b\":1}}", OK },
	{ "move replaces", "{\"a\":1,\"b\":2}",
	    "[{\"op\":\"move\",\"from\":\"/a\",\"path\":\"/b\"}]", "{\"b\":1}",
	    OK },
	{ "copy", "{\"a\":{\"x\":[1]}}",
	    "[{\"op\":\"copy\",\"from\":\"/a\",\"path\":\"/b\"},"
	    "{\"op\":\"add\",\"path\":\"/b/x/-\",\"value\":2}]",
	    "{\"a\":{\"x\":[1]},\"b\":{\"x\":[1,2]}}", OK },
	{ "copy into array", "{\"a\":[1,2]}",
	    "[{\"op\":\"copy\",\"from\":\"/a/1\",\"path\":\"/a/0\"}]",
	    "{\"a\":[2,1,2]}", OK },
	/* root */
	{ "replace root", "{\"a\":1}",
	    "[{\"op\":\"replace\",\"path\":\"\",\"value\":[1]}]", "[1]", OK },
	{ "add root", "{\"a\":1}",
	    "[{\"op\":\"add\",\"path\":\"\",\"value\":{\"b\":2}}]", "{\"b\":2}",
	    OK },
	{ "test root", "{\"a\":[1,{\"b\":null}]}",
	    "[{\"op\":\"test\",\"path\":\"\","
	    "\"value\":{\"a\":[1,{\"b\":null}]}}]",
	    "{\"a\":[1,{\"b\":null}]}", OK },
	/* test equality */
	{ "test number kinds", "{\"a\":1}",
	    "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1.0}]", "{\"a\":1}",
	    OK },
	{ "test map order", "{\"a\":{\"x\":1,\"y\":2}}",
	    "[{\"op\":\"test\",\"path\":\"/a\",\"value\":{\"y\":2,\"x\":1}}]",
	    "{\"a\":{\"x\":1,\"y\":2}}", OK },
	{ "test array order", "{\"a\":[1,2]}",
	    "[{\"op\":\"test\",\"path\":\"/a\",\"value\":[2,1]}]", NULL,
	    ERR_CONFLICT },
	{ "test null", "{\"a\":null}",
	    "[{\"op\":\"test\",\"path\":\"/a\",\"value\":null}]",
	    "{\"a\":null}", OK },
	{ "test null vs false", "{\"a\":null}",
	    "[{\"op\":\"test\",\"path\":\"/a\",\"value\":false}]", NULL,
	    ERR_CONFLICT },
	/* malformed operations */
	{ "ops not an array", "{}", "{\"op\":\"remove\",\"path\":\"/a\"}", NULL,
	    ERR_INVALID },
	{ "op not an object", "{}", "[\"remove\"]", NULL, ERR_INVALID },
	{ "missing op", "{}", "[{\"path\":\"/a\",\"value\":1}]", NULL,
	    ERR_INVALID },
	{ "unknown op", "{}", "[{\"op\":\"merge\",\"path\":\"/a\"}]", NULL,
	    ERR_INVALID },
	{ "missing path", "{}", "[{\"op\":\"add\",\"value\":1}]", NULL,
	    ERR_INVALID },
	{ "path not a string", "{}",
	    "[{\"op\":\"add\",\"path\":1,\"value\":1}]", NULL, ERR_INVALID },
	{ "missing value", "{}", "[{\"op\":\"add\",\"path\":\"/a\"}]", NULL,
	    ERR_INVALID },
	{ "missing from", "{\"a\":1}", "[{\"op\":\"move\",\"path\":\"/b\"}]",
	    NULL, ERR_INVALID },
	{ "bad pointer", "{\"a\":1}", "[{\"op\":\"remove\",\"path\":\"a\"}]",
	    NULL, ERR_INVALID },
	{ "bad escape", "{\"a\":1}",
	    "[{\"op\":\"add\",\"path\":\"/~2\",\"value\":1}]", NULL,
	    ERR_INVALID },
	{ "no ops", "{\"a\":1}", "[]", "{\"a\":1}", OK },
};

static void
check_patch_case(size_t i)
{
	struct doc *dd = NULL, *dops = NULL, *dw = NULL;
	struct doc_node *root = json(&dd, patch_cases[i].doc);
	struct doc_node *orig = root, *before;
	const struct doc_node *ops = json(&dops, patch_cases[i].ops);
	struct err err = ERR_INIT;
	int rv;

	before = doc_copy(doc_arena(dd), root);
	rv = doc_json_patch(doc_arena(dd), &root, ops, &err);
	doc_free(dops); /* the result must not point into the patch */
	if (patch_cases[i].code != OK) {
		if (rv != -1 || err.code != (enum err_code)patch_cases[i].code)
			t_fail(__FILE__, __LINE__, "%s: want %s, got rv %d %s",
			    patch_cases[i].name,
			    err_code_name(patch_cases[i].code), rv, err.msg);
		if (root != orig || !doc_equal(root, before))
			t_fail(__FILE__, __LINE__, "%s: doc changed on failure",
			    patch_cases[i].name);
	} else if (rv != 0) {
		t_fail(__FILE__, __LINE__, "%s: %s", patch_cases[i].name,
		    err.msg);
	} else if (!doc_equal(root, json(&dw, patch_cases[i].want))) {
		t_fail(__FILE__, __LINE__, "%s: wrong result",
		    patch_cases[i].name);
	}
	doc_free(dw);
	doc_free(dd);
}

T_TEST(test_json_patch_rfc6902_examples_and_rules)
{
	for (size_t i = 0; i < sizeof(patch_cases) / sizeof(patch_cases[0]);
	     i++)
		check_patch_case(i);
}

T_TEST(test_json_patch_is_all_or_nothing)
{
	struct doc *dd = NULL, *dops = NULL;
	struct doc_node *root = json(&dd, "{\"a\":[1,2],\"b\":{\"c\":1}}");
	struct doc_node *orig = root, *before = doc_copy(doc_arena(dd), root);
	const struct doc_node *ops = json(&dops,
	    "[{\"op\":\"remove\",\"path\":\"/a/0\"},"
	    "{\"op\":\"add\",\"path\":\"/b/d\",\"value\":2},"
	    "{\"op\":\"replace\",\"path\":\"/b/c\",\"value\":3},"
	    "{\"op\":\"test\",\"path\":\"/b/c\",\"value\":4}]");
	struct err err = ERR_INIT;

	T_ERR(doc_json_patch(doc_arena(dd), &root, ops, &err), &err,
	    ERR_CONFLICT);
	T_TRUE(root == orig);
	T_TRUE(doc_equal(root, before));
	T_EQ(doc_ptr_find(root, "/a")->u.seq.n, 2);
	T_TRUE(doc_ptr_find(root, "/b/d") == NULL);
	doc_free(dops);
	doc_free(dd);
}

T_TEST(test_json_patch_error_names_the_operation)
{
	struct doc *dd = NULL, *dops = NULL;
	struct doc_node *root = json(&dd, "{\"a\":1}");
	const struct doc_node *ops = json(&dops,
	    "[{\"op\":\"test\",\"path\":\"/a\",\"value\":1},"
	    "{\"op\":\"remove\",\"path\":\"/b\"}]");
	struct err err = ERR_INIT;

	T_EQ(doc_json_patch(doc_arena(dd), &root, ops, &err), -1);
	T_STREQ(err.msg,
	    "JSON patch operation 1 (remove '/b'): '/b' not found");
	doc_free(dops);
	doc_free(dd);
}
