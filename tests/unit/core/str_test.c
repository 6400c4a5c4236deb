/* String helpers, integers and Go durations. */
#include "core/str.h"
#include "t.h"

T_TEST(test_lcpy_truncates_and_reports_length)
{
	char d[4];

	T_EQ(str_lcpy(d, "hello", sizeof(d)), 5);
	T_STREQ(d, "hel");
	T_EQ(str_lcat(d, "x", sizeof(d)), 4);
	T_STREQ(d, "hel");
	str_lcpy(d, "a", sizeof(d));
	str_lcat(d, "b", sizeof(d));
	T_STREQ(d, "ab");
}

T_TEST(test_prefix_suffix)
{
	T_TRUE(str_has_prefix("refs/heads/main", "refs/"));
	T_TRUE(!str_has_prefix("ref", "refs/"));
	T_TRUE(str_has_suffix("x.tar.gz", ".tar.gz"));
	T_TRUE(!str_has_suffix("gz", ".tar.gz"));
	T_TRUE(str_eq_n("abc", 2, "ab"));
	T_TRUE(!str_eq_n("abc", 3, "ab"));
}

T_TEST(test_integers_reject_junk)
{
	struct err err = ERR_INIT;
	int64_t v = 0;

	T_OK(str_to_i64(&v, "-42", &err), &err);
	T_EQ(v, -42);
	T_ERR(str_to_i64(&v, "12x", &err), &err, ERR_INVALID);
	T_ERR(str_to_i64(&v, "", &err), &err, ERR_INVALID);
	T_ERR(str_to_i64(&v, " 1", &err), &err, ERR_INVALID);
	T_ERR(str_to_i64(&v, "99999999999999999999", &err), &err, ERR_INVALID);
}

T_TEST(test_go_durations_parse)
{
	struct err err = ERR_INIT;
	int64_t ms = 0;

	T_OK(str_parse_duration_ms(&ms, "1m30s", &err), &err);
	T_EQ(ms, 90000);
	T_OK(str_parse_duration_ms(&ms, "1h", &err), &err);
	T_EQ(ms, 3600000);
	T_OK(str_parse_duration_ms(&ms, "1.5s", &err), &err);
	T_EQ(ms, 1500);
	T_OK(str_parse_duration_ms(&ms, "300ms", &err), &err);
	T_EQ(ms, 300);
	T_OK(str_parse_duration_ms(&ms, "0", &err), &err);
	T_EQ(ms, 0);
	T_ERR(str_parse_duration_ms(&ms, "5", &err), &err, ERR_INVALID);
	T_ERR(str_parse_duration_ms(&ms, "-5s", &err), &err, ERR_INVALID);
	T_ERR(str_parse_duration_ms(&ms, "5x", &err), &err, ERR_INVALID);
	T_ERR(str_parse_duration_ms(&ms, "", &err), &err, ERR_INVALID);
}

T_TEST(test_go_durations_format_like_go)
{
	char b[32];

	T_STREQ(str_format_duration(b, sizeof(b), 300000), "5m0s");
	T_STREQ(str_format_duration(b, sizeof(b), 1500), "1.5s");
	T_STREQ(str_format_duration(b, sizeof(b), 3600000), "1h0m0s");
	T_STREQ(str_format_duration(b, sizeof(b), 3723250), "1h2m3.25s");
	T_STREQ(str_format_duration(b, sizeof(b), 250), "250ms");
	T_STREQ(str_format_duration(b, sizeof(b), 0), "0s");
}
