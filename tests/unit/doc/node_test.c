/*
 * Node constructors, editing and scalar reading. The resolution table is
 * go-yaml v3's behaviour (what kustomize sees), checked against
 * `kubectl kustomize`.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "core/arena.h"
#include "doc/doc.h"
#include "t.h"

static const struct {
	const char *text;
	enum doc_kind kind;
} resolve_cases[] = {
	{ "", DOC_NULL },
	{ "~", DOC_NULL },
	{ "null", DOC_NULL },
	{ "Null", DOC_NULL },
	{ "NULL", DOC_NULL },
	{ "nULL", DOC_STR },
	{ "nil", DOC_STR },
	{ "true", DOC_BOOL },
	{ "True", DOC_BOOL },
	{ "TRUE", DOC_BOOL },
	{ "false", DOC_BOOL },
	{ "False", DOC_BOOL },
	{ "FALSE", DOC_BOOL },
	{ "tRUE", DOC_STR },
	{ "yes", DOC_STR },
	{ "Yes", DOC_STR },
	{ "no", DOC_STR },
	{ "on", DOC_STR },
	{ "off", DOC_STR },
	{ "y", DOC_STR },
	{ "n", DOC_STR },
	{ "0", DOC_INT },
	{ "-0", DOC_INT },
	{ "+0", DOC_INT },
	{ "42", DOC_INT },
	{ "-42", DOC_INT },
	{ "+42", DOC_INT },
	{ "010", DOC_INT },
	{ "00", DOC_INT },
	{ "08", DOC_FLOAT },
	{ "09.5", DOC_FLOAT },
	{ "0x1F", DOC_INT },
	{ "0X1f", DOC_INT },
	{ "-0x1F", DOC_INT },
	{ "0x", DOC_STR },
	{ "0xG", DOC_STR },
	{ "0o17", DOC_INT },
	{ "0O17", DOC_INT },
	{ "0o18", DOC_STR },
	{ "0b101", DOC_INT },
	{ "-0b101", DOC_INT },
	{ "1_000", DOC_INT },
	{ "1__0", DOC_INT },
	{ "1_", DOC_INT },
	{ "0_x1F", DOC_INT },
	{ "_1", DOC_STR },
	{ "9223372036854775807", DOC_INT },
	{ "9223372036854775808", DOC_INT },
	{ "18446744073709551615", DOC_INT },
	{ "18446744073709551616", DOC_FLOAT },
	{ "-9223372036854775808", DOC_INT },
	{ "-9223372036854775809", DOC_FLOAT },
	{ "+9223372036854775808", DOC_FLOAT },
	{ "0x10000000000000000", DOC_STR },
	{ "1.5", DOC_FLOAT },
	{ "-1.5", DOC_FLOAT },
	{ "1.", DOC_FLOAT },
	{ "1.e5", DOC_FLOAT },
	{ "1e3", DOC_FLOAT },
	{ "1E3", DOC_FLOAT },
	{ "1e+3", DOC_FLOAT },
	{ "1e-3", DOC_FLOAT },
	{ "1e", DOC_STR },
	{ "1e400", DOC_STR },
	{ "1e-400", DOC_FLOAT },
	{ "1_0.5", DOC_FLOAT },
	{ "-.5", DOC_FLOAT },
	{ "+.5", DOC_FLOAT },
	{ ".5", DOC_FLOAT },
	{ ".5e3", DOC_FLOAT },
	{ ".5_5", DOC_FLOAT },
	{ "._5", DOC_STR },
	{ ".5_", DOC_STR },
	{ ".e3", DOC_STR },
	{ ".", DOC_STR },
	{ ".5e400", DOC_STR },
	{ ".inf", DOC_FLOAT },
	{ ".Inf", DOC_FLOAT },
	{ ".INF", DOC_FLOAT },
	{ "+.inf", DOC_FLOAT },
	{ "-.inf", DOC_FLOAT },
	{ "-.INF", DOC_FLOAT },
	{ ".iNf", DOC_STR },
	{ "inf", DOC_STR },
	{ ".nan", DOC_FLOAT },
	{ ".NaN", DOC_FLOAT },
	{ ".NAN", DOC_FLOAT },
	{ ".Nan", DOC_STR },
	{ "-.nan", DOC_STR },
	{ "nan", DOC_STR },
	{ "0x1p3", DOC_STR },
	{ "1:20", DOC_STR },
	{ "2001-12-14", DOC_STR },
	{ "1.2.3", DOC_STR },
	{ "-", DOC_STR },
	{ "+", DOC_STR },
	{ "<<", DOC_STR },
	{ "hello", DOC_STR },
	{ "12abc", DOC_STR },
};

T_TEST(test_resolve_plain_follows_go_yaml_v3)
{
	for (size_t i = 0; i < sizeof(resolve_cases) / sizeof(resolve_cases[0]);
	     i++) {
		const char *s = resolve_cases[i].text;
		enum doc_kind got = doc_resolve_plain(s, strlen(s));

		if (got != resolve_cases[i].kind)
			t_fail(__FILE__, __LINE__, "'%s': kind %d, want %d", s,
			    got, resolve_cases[i].kind);
	}
}

T_TEST(test_resolve_plain_uses_length_not_nul)
{
	T_EQ(doc_resolve_plain("12abc", 2), DOC_INT);
	T_EQ(doc_resolve_plain("nullx", 4), DOC_NULL);
	T_EQ(doc_resolve_plain("true", 0), DOC_NULL);
}

T_TEST(test_resolve_long_numbers)
{
	char text[300];

	memset(text, '0', sizeof(text) - 2);
	text[sizeof(text) - 2] = '7';
	text[sizeof(text) - 1] = '\0';
	T_EQ(doc_resolve_plain(text, strlen(text)), DOC_INT);
	text[0] = '1';
	T_EQ(doc_resolve_plain(text, strlen(text)), DOC_FLOAT);
	text[5] = 'x';
	T_EQ(doc_resolve_plain(text, strlen(text)), DOC_STR);
}

static const struct {
	const char *text;
	int64_t value;
} int_cases[] = {
	{ "0", 0 },
	{ "42", 42 },
	{ "-42", -42 },
	{ "+42", 42 },
	{ "010", 8 },
	{ "0x1F", 31 },
	{ "-0x10", -16 },
	{ "0o17", 15 },
	{ "0b101", 5 },
	{ "1_000", 1000 },
	{ "9223372036854775807", INT64_MAX },
	{ "-9223372036854775808", INT64_MIN },
};

T_TEST(test_get_int_reads_every_int_form)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;

	for (size_t i = 0; i < sizeof(int_cases) / sizeof(int_cases[0]); i++) {
		const char *s = int_cases[i].text;
		struct doc_node *n = doc_new_plain(a, s, strlen(s));
		int64_t v = -1;

		T_EQ(n->kind, DOC_INT);
		T_OK(doc_get_int(&v, n, &err), &err);
		if (v != int_cases[i].value)
			t_fail(__FILE__, __LINE__, "'%s': %lld", s,
			    (long long)v);
	}
	arena_free(a);
}

T_TEST(test_get_int_rejects_overflow_and_other_kinds)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	int64_t v = 7;

	T_ERR(doc_get_int(&v, doc_new_plain(a, "9223372036854775808", 19),
	          &err),
	    &err, ERR_INVALID);
	T_ERR(doc_get_int(&v, doc_new_str(a, "1", 1), &err), &err, ERR_INVALID);
	T_ERR(doc_get_int(&v, doc_new_float(a, 1.0), &err), &err, ERR_INVALID);
	T_ERR(doc_get_int(&v, NULL, &err), &err, ERR_INVALID);
	T_EQ(v, 7);
	T_OK(doc_get_int(&v, doc_new_int(a, INT64_MIN), &err), &err);
	T_EQ(v, INT64_MIN);
	arena_free(a);
}

T_TEST(test_get_float_reads_floats_ints_and_words)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	double v = 0;

	T_OK(doc_get_float(&v, doc_new_plain(a, "1_0.5", 5), &err), &err);
	T_TRUE(v == 10.5);
	T_OK(doc_get_float(&v, doc_new_plain(a, ".5e1", 4), &err), &err);
	T_TRUE(v == 5.0);
	T_OK(doc_get_float(&v, doc_new_plain(a, "0x10", 4), &err), &err);
	T_TRUE(v == 16.0);
	T_OK(doc_get_float(&v, doc_new_plain(a, "-.Inf", 5), &err), &err);
	T_TRUE(isinf(v) && v < 0);
	T_OK(doc_get_float(&v, doc_new_plain(a, ".NaN", 4), &err), &err);
	T_TRUE(isnan(v));
	v = 3;
	T_ERR(doc_get_float(&v, doc_new_str(a, "1.5", 3), &err), &err,
	    ERR_INVALID);
	T_ERR(doc_get_float(&v, doc_new_seq(a), &err), &err, ERR_INVALID);
	T_TRUE(v == 3);
	arena_free(a);
}

T_TEST(test_get_bool_reads_only_bools)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	bool v = false;

	T_OK(doc_get_bool(&v, doc_new_plain(a, "TRUE", 4), &err), &err);
	T_TRUE(v);
	T_OK(doc_get_bool(&v, doc_new_bool(a, false), &err), &err);
	T_TRUE(!v);
	T_ERR(doc_get_bool(&v, doc_new_plain(a, "yes", 3), &err), &err,
	    ERR_INVALID);
	T_ERR(doc_get_bool(&v, doc_new_null(a), &err), &err, ERR_INVALID);
	arena_free(a);
}

T_TEST(test_constructors_set_kind_and_text)
{
	struct arena *a = arena_new();

	T_STREQ(doc_str(doc_new_null(a)), "null");
	T_STREQ(doc_str(doc_new_bool(a, true)), "true");
	T_STREQ(doc_str(doc_new_int(a, -12)), "-12");
	T_STREQ(doc_str(doc_new_str(a, "abc", 2)), "ab");
	T_EQ(doc_new_str(a, "abc", 2)->u.str.len, 2);
	T_EQ(doc_new_str(a, "1", 1)->kind, DOC_STR);
	T_EQ(doc_new_plain(a, "1", 1)->kind, DOC_INT);
	T_EQ(doc_new_seq(a)->kind, DOC_SEQ);
	T_EQ(doc_new_map(a)->kind, DOC_MAP);
	T_TRUE(doc_str(doc_new_map(a)) == NULL);
	T_TRUE(!doc_is_scalar(doc_new_seq(a)));
	T_TRUE(doc_is_scalar(doc_new_null(a)));
	T_TRUE(!doc_is_scalar(NULL));
	arena_free(a);
}

static const struct {
	double value;
	const char *text;
} float_cases[] = {
	{ 1.0, "1.0" },
	{ 0.5, "0.5" },
	{ -2.25, "-2.25" },
	{ 0.1, "0.1" },
	{ 1e21, "1e+21" },
	{ 1.0 / 3.0, "0.3333333333333333" },
	{ INFINITY, ".inf" },
	{ -INFINITY, "-.inf" },
};

T_TEST(test_new_float_text_is_shortest_and_stays_a_float)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;

	for (size_t i = 0; i < sizeof(float_cases) / sizeof(float_cases[0]);
	     i++) {
		struct doc_node *n = doc_new_float(a, float_cases[i].value);
		double back = 0;

		T_STREQ(doc_str(n), float_cases[i].text);
		T_EQ(doc_resolve_plain(n->u.str.ptr, n->u.str.len), DOC_FLOAT);
		T_OK(doc_get_float(&back, n, &err), &err);
		T_TRUE(back == float_cases[i].value);
	}
	T_STREQ(doc_str(doc_new_float(a, NAN)), ".nan");
	arena_free(a);
}

T_TEST(test_seq_append_insert_remove_keep_order)
{
	struct arena *a = arena_new();
	struct doc_node *seq = doc_new_seq(a);
	int64_t v = 0;
	struct err err = ERR_INIT;

	for (int i = 0; i < 100; i++)
		doc_seq_append(a, seq, doc_new_int(a, i));
	T_EQ(seq->u.seq.n, 100);
	T_TRUE(seq->u.seq.cap >= 100 && seq->u.seq.cap <= 200);
	T_EQ(doc_seq_insert(a, seq, 0, doc_new_int(a, -1)), 0);
	T_EQ(doc_seq_insert(a, seq, 101, doc_new_int(a, 100)), 0);
	T_EQ(doc_seq_insert(a, seq, 103, doc_new_int(a, 0)), -1);
	T_EQ(seq->u.seq.n, 102);
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		T_OK(doc_get_int(&v, seq->u.seq.items[i], &err), &err);
		T_EQ(v, (int64_t)i - 1);
	}
	T_EQ(doc_seq_remove(seq, 0), 0);
	T_EQ(doc_seq_remove(seq, 101), -1);
	T_EQ(doc_seq_remove(seq, 100), 0);
	T_EQ(seq->u.seq.n, 100);
	T_STREQ(doc_str(seq->u.seq.items[0]), "0");
	T_STREQ(doc_str(seq->u.seq.items[99]), "99");
	T_EQ(doc_seq_insert(a, doc_new_map(a), 0, seq), -1);
	arena_free(a);
}

T_TEST(test_map_set_replaces_or_appends_and_delete_keeps_order)
{
	struct arena *a = arena_new();
	struct doc_node *map = doc_new_map(a);
	struct doc_node *one = doc_new_int(a, 1);

	doc_map_set(a, map, "a", 1, doc_new_int(a, 0));
	doc_map_set(a, map, "b", 1, doc_new_int(a, 2));
	doc_map_set(a, map, "c", 1, doc_new_int(a, 3));
	doc_map_set(a, map, "a", 1, one);
	T_EQ(map->u.map.n, 3);
	T_TRUE(doc_map_get(map, "a") == one);
	T_STREQ(doc_str(map->u.map.items[0].key), "a");
	T_STREQ(doc_str(doc_map_find(map, "bx", 1)), "2");
	T_TRUE(doc_map_get(map, "d") == NULL);
	T_TRUE(doc_map_get(NULL, "a") == NULL);
	T_TRUE(doc_map_get(one, "a") == NULL);
	T_TRUE(doc_map_delete(map, "b", 1));
	T_TRUE(!doc_map_delete(map, "b", 1));
	T_EQ(map->u.map.n, 2);
	T_STREQ(doc_str(map->u.map.items[0].key), "a");
	T_STREQ(doc_str(map->u.map.items[1].key), "c");
	for (int i = 0; i < 50; i++) {
		char key[8];
		int len = snprintf(key, sizeof(key), "k%d", i);

		doc_map_set(a, map, key, (size_t)len, doc_new_int(a, i));
	}
	T_EQ(map->u.map.n, 52);
	T_STREQ(doc_str(doc_map_get(map, "k49")), "49");
	arena_free(a);
}

T_TEST(test_map_keys_match_by_text_whatever_their_kind)
{
	struct arena *a = arena_new();
	struct doc_node *map = doc_new_map(a);
	struct doc_node *v = doc_new_str(a, "x", 1);

	doc_map_set(a, map, "1", 1, v);
	map->u.map.items[0].key = doc_new_plain(a, "1", 1);
	T_TRUE(doc_map_get(map, "1") == v);
	T_TRUE(doc_map_find(map, "1\0", 2) == NULL);
	arena_free(a);
}
