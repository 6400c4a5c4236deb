/* Deep copy, structural equality and RFC 6901 JSON Pointers. */
#include <math.h>
#include <string.h>

#include "core/arena.h"
#include "doc/doc.h"
#include "doc/doc_int.h"
#include "t.h"

static struct doc_node *
plain(struct arena *a, const char *s)
{
	return doc_new_plain(a, s, strlen(s));
}

static struct doc_node *
str(struct arena *a, const char *s)
{
	return doc_new_str(a, s, strlen(s));
}

static void
set(struct arena *a, struct doc_node *map, const char *key, struct doc_node *v)
{
	doc_map_set(a, map, key, strlen(key), v);
}

/* {"spec": {"replicas": 3, "ports": [80, 443], "name": "web"}} */
static struct doc_node *
sample(struct arena *a)
{
	struct doc_node *root = doc_new_map(a), *spec = doc_new_map(a);
	struct doc_node *ports = doc_new_seq(a);

	doc_seq_append(a, ports, plain(a, "80"));
	doc_seq_append(a, ports, plain(a, "443"));
	set(a, spec, "replicas", plain(a, "3"));
	set(a, spec, "ports", ports);
	set(a, spec, "name", str(a, "web"));
	set(a, root, "spec", spec);
	return root;
}

T_TEST(test_copy_is_deep_and_outlives_the_source_arena)
{
	struct arena *src = arena_new(), *dst = arena_new();
	struct doc_node *orig = sample(src), *copy;
	struct doc_node *name = doc_ptr_find(orig, "/spec/name");

	name->tag = "!!str";
	name->style = DOC_STYLE_DOUBLE;
	name->line = 7;
	name->col = 9;
	copy = doc_copy(dst, orig);
	T_TRUE(copy != orig);
	T_TRUE(doc_equal(copy, orig));
	doc_map_set(src, doc_ptr_find(orig, "/spec"), "x", 1, str(src, "y"));
	T_TRUE(!doc_equal(copy, orig));
	arena_free(src);
	name = doc_ptr_find(copy, "/spec/name");
	T_STREQ(doc_str(name), "web");
	T_STREQ(name->tag, "!!str");
	T_EQ(name->style, DOC_STYLE_DOUBLE);
	T_EQ(name->line, 7);
	T_EQ(name->col, 9);
	T_STREQ(doc_str(doc_ptr_find(copy, "/spec/ports/1")), "443");
	T_TRUE(doc_ptr_find(copy, "/spec/x") == NULL);
	T_TRUE(doc_copy(dst, NULL) == NULL);
	arena_free(dst);
}

T_TEST(test_copy_of_empty_collections_can_grow)
{
	struct arena *a = arena_new();
	struct doc_node *seq = doc_copy(a, doc_new_seq(a));
	struct doc_node *map = doc_copy(a, doc_new_map(a));

	doc_seq_append(a, seq, str(a, "x"));
	set(a, map, "k", str(a, "v"));
	T_EQ(seq->u.seq.n, 1);
	T_STREQ(doc_str(doc_map_get(map, "k")), "v");
	arena_free(a);
}

static const struct {
	const char *x, *y;
	bool equal;
} scalar_cases[] = {
	{ "0x10", "16", true },
	{ "0o20", "16", true },
	{ "020", "16", true },
	{ "1_6", "16", true },
	{ "16", "17", false },
	{ "1", "1.0", false },
	{ "1.0", "1.00", true },
	{ "1e3", "1000.0", true },
	{ ".5", "0.5", true },
	{ ".inf", "+.Inf", true },
	{ ".nan", ".NaN", true },
	{ "0.1", "0.2", false },
	{ "~", "null", true },
	{ "", "NULL", true },
	{ "True", "true", true },
	{ "true", "false", false },
	{ "abc", "abc", true },
	{ "abc", "abd", false },
	{ "null", "false", false },
	{ "18446744073709551615", "18446744073709551615", true },
	{ "18446744073709551615", "18446744073709551614", false },
};

T_TEST(test_equal_compares_scalars_by_kind_and_value)
{
	struct arena *a = arena_new();

	for (size_t i = 0; i < sizeof(scalar_cases) / sizeof(scalar_cases[0]);
	     i++) {
		struct doc_node *x = plain(a, scalar_cases[i].x);
		struct doc_node *y = plain(a, scalar_cases[i].y);

		if (doc_equal(x, y) != scalar_cases[i].equal ||
		    doc_equal(y, x) != scalar_cases[i].equal)
			t_fail(__FILE__, __LINE__, "'%s' vs '%s': want %d",
			    scalar_cases[i].x, scalar_cases[i].y,
			    scalar_cases[i].equal);
	}
	T_TRUE(!doc_equal(str(a, "1"), plain(a, "1")));
	T_TRUE(doc_equal(str(a, "1"), doc_new_str(a, "1", 1)));
	T_TRUE(
	    !doc_equal(doc_new_str(a, "a\0b", 3), doc_new_str(a, "a\0c", 3)));
	T_TRUE(doc_equal(doc_new_float(a, NAN), doc_new_float(a, NAN)));
	T_TRUE(doc_equal(NULL, NULL));
	T_TRUE(!doc_equal(NULL, doc_new_null(a)));
	arena_free(a);
}

T_TEST(test_equal_json_compares_numbers_across_kinds)
{
	struct arena *a = arena_new();

	T_TRUE(doc_equal_json(plain(a, "1"), plain(a, "1.0")));
	T_TRUE(doc_equal_json(plain(a, "1e3"), plain(a, "1000")));
	T_TRUE(!doc_equal_json(plain(a, "1"), plain(a, "1.5")));
	T_TRUE(!doc_equal_json(plain(a, "1"), str(a, "1")));
	T_TRUE(!doc_equal(plain(a, "1"), plain(a, "1.0")));
	arena_free(a);
}

T_TEST(test_equal_maps_ignore_order_and_seqs_keep_it)
{
	struct arena *a = arena_new();
	struct doc_node *x = doc_new_map(a), *y = doc_new_map(a);
	struct doc_node *s1 = doc_new_seq(a), *s2 = doc_new_seq(a);

	set(a, x, "a", plain(a, "1"));
	set(a, x, "b", plain(a, "2"));
	set(a, y, "b", plain(a, "2"));
	T_TRUE(!doc_equal(x, y));
	set(a, y, "a", plain(a, "0x1"));
	T_TRUE(doc_equal(x, y));
	set(a, y, "a", plain(a, "3"));
	T_TRUE(!doc_equal(x, y));
	doc_map_delete(y, "a", 1);
	set(a, y, "c", plain(a, "1"));
	T_TRUE(!doc_equal(x, y));
	doc_seq_append(a, s1, x);
	doc_seq_append(a, s1, str(a, "z"));
	doc_seq_append(a, s2, str(a, "z"));
	doc_seq_append(a, s2, doc_copy(a, x));
	T_TRUE(!doc_equal(s1, s2));
	doc_seq_remove(s2, 0);
	doc_seq_append(a, s2, str(a, "z"));
	T_TRUE(doc_equal(s1, s2));
	T_TRUE(!doc_equal(s1, x));
	T_TRUE(doc_equal(doc_new_seq(a), doc_new_seq(a)));
	T_TRUE(!doc_equal(doc_new_seq(a), doc_new_map(a)));
	arena_free(a);
}

/* The example document of RFC 6901 section 5. */
static struct doc_node *
rfc6901_doc(struct arena *a)
{
	static const char *const keys[] = { "", "a/b", "c%d", "e^f", "g|h",
		"i\\j", "k\"l", " ", "m~n" };
	struct doc_node *root = doc_new_map(a), *foo = doc_new_seq(a);

	doc_seq_append(a, foo, str(a, "bar"));
	doc_seq_append(a, foo, str(a, "baz"));
	set(a, root, "foo", foo);
	for (int i = 0; i < 9; i++)
		set(a, root, keys[i], doc_new_int(a, i));
	return root;
}

T_TEST(test_ptr_find_rfc6901_examples)
{
	static const struct {
		const char *ptr, *want;
	} cases[] = {
		{ "/foo/0", "bar" },
		{ "/foo/1", "baz" },
		{ "/", "0" },
		{ "/a~1b", "1" },
		{ "/c%d", "2" },
		{ "/e^f", "3" },
		{ "/g|h", "4" },
		{ "/i\\j", "5" },
		{ "/k\"l", "6" },
		{ "/ ", "7" },
		{ "/m~0n", "8" },
	};
	struct arena *a = arena_new();
	struct doc_node *root = rfc6901_doc(a);

	T_TRUE(doc_ptr_find(root, "") == root);
	T_EQ(doc_ptr_find(root, "/foo")->kind, DOC_SEQ);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		T_STREQ(doc_str(doc_ptr_find(root, cases[i].ptr)),
		    cases[i].want);
	arena_free(a);
}

T_TEST(test_ptr_find_returns_null_for_missing_or_malformed)
{
	static const char *const ptrs[] = { "foo", "/foo/2", "/foo/-",
		"/foo/01", "/foo/+1", "/foo/", "/foo/0/x", "/m~n", "/a~2b",
		"/m~", "/a/b", "/nope", "/foo/99999999999999999999999" };
	struct arena *a = arena_new();
	struct doc_node *root = rfc6901_doc(a);

	for (size_t i = 0; i < sizeof(ptrs) / sizeof(ptrs[0]); i++) {
		if (doc_ptr_find(root, ptrs[i]) != NULL)
			t_fail(__FILE__, __LINE__, "'%s' found", ptrs[i]);
	}
	T_TRUE(doc_ptr_find(NULL, "") == NULL);
	arena_free(a);
}

T_TEST(test_ptr_set_creates_maps_and_appends)
{
	struct arena *a = arena_new();
	struct doc_node *root = NULL;
	struct err err = ERR_INIT;

	T_OK(doc_ptr_set(a, &root, "/metadata/labels/app", str(a, "web"), &err),
	    &err);
	T_STREQ(doc_str(doc_ptr_find(root, "/metadata/labels/app")), "web");
	T_OK(doc_ptr_set(a, &root, "/spec", doc_new_null(a), &err), &err);
	T_OK(doc_ptr_set(a, &root, "/spec/a~1b/m~0n", str(a, "x"), &err), &err);
	T_TRUE(doc_map_get(doc_map_get(doc_map_get(root, "spec"), "a/b"),
	           "m~n") != NULL);
	T_OK(doc_ptr_set(a, &root, "/spec/list", doc_new_seq(a), &err), &err);
	T_OK(doc_ptr_set(a, &root, "/spec/list/-", str(a, "0"), &err), &err);
	T_OK(doc_ptr_set(a, &root, "/spec/list/-", str(a, "1"), &err), &err);
	T_OK(doc_ptr_set(a, &root, "/spec/list/0", str(a, "zero"), &err), &err);
	T_OK(doc_ptr_set(a, &root, "/spec/list/-/name", str(a, "n"), &err),
	    &err);
	T_STREQ(doc_str(doc_ptr_find(root, "/spec/list/0")), "zero");
	T_STREQ(doc_str(doc_ptr_find(root, "/spec/list/1")), "1");
	T_STREQ(doc_str(doc_ptr_find(root, "/spec/list/2/name")), "n");
	T_EQ(doc_ptr_find(root, "/spec/list")->u.seq.n, 3);
	arena_free(a);
}

T_TEST(test_ptr_set_replaces_root_and_reports_bad_paths)
{
	struct arena *a = arena_new();
	struct doc_node *root = sample(a), *v = str(a, "v");
	struct err err = ERR_INIT;

	T_ERR(doc_ptr_set(a, &root, "/spec/name/x", v, &err), &err,
	    ERR_INVALID);
	T_ERR(doc_ptr_set(a, &root, "/spec/name/x/y", v, &err), &err,
	    ERR_INVALID);
	T_ERR(doc_ptr_set(a, &root, "/spec/ports/2", v, &err), &err,
	    ERR_NOTFOUND);
	T_ERR(doc_ptr_set(a, &root, "/spec/ports/5/x", v, &err), &err,
	    ERR_NOTFOUND);
	T_ERR(doc_ptr_set(a, &root, "/spec/ports/01", v, &err), &err,
	    ERR_INVALID);
	T_ERR(doc_ptr_set(a, &root, "/spec/ports/x", v, &err), &err,
	    ERR_INVALID);
	T_ERR(doc_ptr_set(a, &root, "spec", v, &err), &err, ERR_INVALID);
	T_ERR(doc_ptr_set(a, &root, "/spec/~", v, &err), &err, ERR_INVALID);
	T_EQ(doc_ptr_find(root, "/spec/ports")->u.seq.n, 2);
	T_OK(doc_ptr_set(a, &root, "", v, &err), &err);
	T_TRUE(root == v);
	arena_free(a);
}

T_TEST(test_ptr_delete_removes_and_keeps_order)
{
	struct arena *a = arena_new();
	struct doc_node *root = sample(a);
	struct err err = ERR_INIT;

	doc_seq_append(a, doc_ptr_find(root, "/spec/ports"), plain(a, "8080"));
	T_OK(doc_ptr_delete(root, "/spec/ports/0", &err), &err);
	T_STREQ(doc_str(doc_ptr_find(root, "/spec/ports/0")), "443");
	T_STREQ(doc_str(doc_ptr_find(root, "/spec/ports/1")), "8080");
	T_OK(doc_ptr_delete(root, "/spec/replicas", &err), &err);
	T_TRUE(doc_ptr_find(root, "/spec/replicas") == NULL);
	T_STREQ(doc_str(doc_ptr_find(root, "/spec")->u.map.items[0].key),
	    "ports");
	T_ERR(doc_ptr_delete(root, "/spec/replicas", &err), &err, ERR_NOTFOUND);
	T_ERR(doc_ptr_delete(root, "/spec/ports/2", &err), &err, ERR_NOTFOUND);
	T_ERR(doc_ptr_delete(root, "/spec/ports/-", &err), &err, ERR_NOTFOUND);
	T_ERR(doc_ptr_delete(root, "/spec/ports/00", &err), &err, ERR_INVALID);
	T_ERR(doc_ptr_delete(root, "/spec/name/x", &err), &err, ERR_INVALID);
	T_ERR(doc_ptr_delete(root, "/nope/x", &err), &err, ERR_NOTFOUND);
	T_ERR(doc_ptr_delete(root, "", &err), &err, ERR_INVALID);
	T_ERR(doc_ptr_delete(root, "spec", &err), &err, ERR_INVALID);
	T_EQ(doc_ptr_find(root, "/spec/ports")->u.seq.n, 2);
	arena_free(a);
}

T_TEST(test_ptr_delete_matches_escaped_keys)
{
	struct arena *a = arena_new();
	struct doc_node *root = rfc6901_doc(a);
	struct err err = ERR_INIT;

	T_OK(doc_ptr_delete(root, "/a~1b", &err), &err);
	T_OK(doc_ptr_delete(root, "/m~0n", &err), &err);
	T_OK(doc_ptr_delete(root, "/", &err), &err);
	T_TRUE(doc_map_get(root, "a/b") == NULL);
	T_TRUE(doc_map_get(root, "m~n") == NULL);
	T_TRUE(doc_map_get(root, "") == NULL);
	T_EQ(root->u.map.n, 7);
	arena_free(a);
}
