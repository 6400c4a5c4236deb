/* Tests of the client's helpers: base64, escaping, times, backoff,
 * Retry-After, the token bucket and API version splitting. */
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "k8s/k8s_int.h"
#include "t.h"

T_TEST(test_base64_decodes_with_and_without_padding)
{
	struct err err = ERR_INIT;
	char *out = NULL;
	size_t len = 0;

	T_OK(k8s_b64_decode(&out, &len, "aGVsbG8=", 8, &err), &err);
	T_STREQ(out, "hello");
	T_EQ(len, 5);
	free(out);
	T_OK(k8s_b64_decode(&out, &len, "aGVsbG8\n", 8, &err), &err);
	T_STREQ(out, "hello");
	free(out);
	T_OK(k8s_b64_decode(&out, &len, "", 0, &err), &err);
	T_EQ(len, 0);
	free(out);
}

T_TEST(test_base64_rejects_junk_and_truncation)
{
	struct err err = ERR_INIT;
	char *out = NULL;
	size_t len = 0;

	T_ERR(k8s_b64_decode(&out, &len, "aGV*bG8=", 8, &err), &err,
	    ERR_INVALID);
	T_ERR(k8s_b64_decode(&out, &len, "aGVsb", 5, &err), &err, ERR_INVALID);
	T_ERR(k8s_b64_decode(&out, &len, "aG=Vs", 5, &err), &err, ERR_INVALID);
	T_STREQ(out, NULL);
}

T_TEST(test_escape_keeps_unreserved_and_escapes_the_rest)
{
	struct buf b;

	buf_init(&b, 1024);
	k8s_escape(&b, "app in (a,b)&x=1", false);
	T_STREQ(b.data, "app%20in%20%28a%2Cb%29%26x%3D1");
	buf_reset(&b);
	k8s_escape(&b, "system:node@x", true);
	T_STREQ(b.data, "system:node@x");
	buf_reset(&b);
	k8s_escape(&b, "system:node", false);
	T_STREQ(b.data, "system%3Anode");
	buf_release(&b);
}

T_TEST(test_api_version_splits_group_and_version)
{
	struct err err = ERR_INIT;
	char g[64], v[16];

	T_OK(k8s_split_api_version(g, sizeof(g), v, sizeof(v), "apps/v1", &err),
	    &err);
	T_STREQ(g, "apps");
	T_STREQ(v, "v1");
	T_OK(k8s_split_api_version(g, sizeof(g), v, sizeof(v), "v1", &err),
	    &err);
	T_STREQ(g, "");
	T_STREQ(v, "v1");
	T_ERR(k8s_split_api_version(g, sizeof(g), v, sizeof(v), "a/b/c", &err),
	    &err, ERR_INVALID);
	T_ERR(k8s_split_api_version(g, sizeof(g), v, sizeof(v), "/v1", &err),
	    &err, ERR_INVALID);
	T_ERR(k8s_split_api_version(g, sizeof(g), v, sizeof(v), "", &err), &err,
	    ERR_INVALID);
}

T_TEST(test_time_parses_rfc3339_forms)
{
	struct err err = ERR_INIT;
	int64_t us = 0;

	T_OK(k8s_time_parse(&us, "1970-01-01T00:00:10Z", &err), &err);
	T_EQ(us, 10000000);
	T_OK(k8s_time_parse(&us, "2026-03-01T12:00:00.25Z", &err), &err);
	T_EQ(us % 1000000, 250000);
	T_OK(k8s_time_parse(&us, "1970-01-01T01:00:00+01:00", &err), &err);
	T_EQ(us, 0);
	T_ERR(k8s_time_parse(&us, "1970-01-01 00:00:00Z", &err), &err,
	    ERR_INVALID);
	T_ERR(k8s_time_parse(&us, "1970-13-01T00:00:00Z", &err), &err,
	    ERR_INVALID);
	T_ERR(k8s_time_parse(&us, "1970-01-01T00:00:00", &err), &err,
	    ERR_INVALID);
}

T_TEST(test_time_format_round_trips)
{
	struct err err = ERR_INIT;
	int64_t us = 1767225600123456LL, back = 0;
	char s[40];

	T_STREQ(k8s_time_format(s, sizeof(s), us, true),
	    "2026-01-01T00:00:00.123456Z");
	T_OK(k8s_time_parse(&back, s, &err), &err);
	T_EQ(back, us);
	T_STREQ(k8s_time_format(s, sizeof(s), us, false),
	    "2026-01-01T00:00:00Z");
}

T_TEST(test_backoff_grows_and_stays_capped)
{
	int64_t d;
	unsigned i;

	for (i = 0; i < 40; i++) {
		d = k8s_backoff_ms(i, 200, 30000);
		T_TRUE(d >= 100);
		T_TRUE(d <= 30000);
	}
	T_TRUE(k8s_backoff_ms(8, 200, 30000) >= 15000);
	T_TRUE(k8s_backoff_ms(0, 200, 30000) <= 200);
}

T_TEST(test_retry_after_reads_seconds_only)
{
	T_EQ(k8s_retry_after_parse(" 2\r\n", 4), 2000);
	T_EQ(k8s_retry_after_parse("0", 1), 0);
	T_EQ(k8s_retry_after_parse("Wed, 21 Oct 2015 07:28:00 GMT", 29), -1);
	T_EQ(k8s_retry_after_parse("99999999999", 11), K8S_RETRY_AFTER_MAX_MS);
	T_EQ(k8s_retry_after_parse("", 0), -1);
}

T_TEST(test_token_bucket_allows_burst_then_spaces_requests)
{
	struct k8s_ratelimit rl;

	k8s_ratelimit_init(&rl, 10, 2);
	T_EQ(k8s_ratelimit_reserve(&rl, 1000), 0);
	T_EQ(k8s_ratelimit_reserve(&rl, 1000), 0);
	T_EQ(k8s_ratelimit_reserve(&rl, 1000), 100);
	T_EQ(k8s_ratelimit_reserve(&rl, 1000), 200);
	/* A long pause refills the bucket, but only to the burst. */
	T_EQ(k8s_ratelimit_reserve(&rl, 10000), 0);
	T_EQ(k8s_ratelimit_reserve(&rl, 10000), 0);
	T_EQ(k8s_ratelimit_reserve(&rl, 10000), 100);
	k8s_ratelimit_release(&rl);
}

T_TEST(test_token_bucket_off_when_qps_negative)
{
	struct k8s_ratelimit rl;
	int i;

	k8s_ratelimit_init(&rl, -1, 1);
	for (i = 0; i < 100; i++)
		T_EQ(k8s_ratelimit_reserve(&rl, 0), 0);
	k8s_ratelimit_release(&rl);
}
