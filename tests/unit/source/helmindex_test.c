/*
 * The streaming Helm index reader: validation of good and bad indexes,
 * and version lookup with Helm's rules (exact match first, highest
 * matching semver, prereleases only when asked, bad versions skipped).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "helmindex.h"
#include "http_get.h"
#include "t.h"

static const char index_yaml[] =
    "apiVersion: v1\n"
    "entries:\n"
    "  podinfo:\n"
    "  - apiVersion: v2\n"
    "    name: podinfo\n"
    "    version: 6.1.0\n"
    "    urls: [podinfo-6.1.0.tgz]\n"
    "    digest: aaa\n"
    "    maintainers: [{name: a, email: b}]\n"
    "  - name: podinfo\n"
    "    version: 6.2.0-rc.1\n"
    "    urls: [podinfo-6.2.0-rc.1.tgz]\n"
    "  - name: podinfo\n"
    "    version: 5.9.9\n"
    "    urls:\n"
    "    - https://charts.example.com/podinfo-5.9.9.tgz\n"
    "    - https://mirror.example.com/podinfo-5.9.9.tgz\n"
    "    digest: ccc\n"
    "  - name: podinfo\n"
    "    version: not-a-version\n"
    "    urls: [bad.tgz]\n"
    "  - name: podinfo\n"
    "    version: 6.0.3\n"
    "    annotations: {x: {y: [1, 2, {z: 3}]}}\n"
    "    urls: [podinfo-6.0.3.tgz]\n"
    "  redis:\n"
    "  - name: redis\n"
    "    version: 1.0.0\n"
    "    urls: [redis-1.0.0.tgz]\n"
    "  empty:\n"
    "generated: \"2026-01-01T00:00:00Z\"\n";

static FILE *
open_str(const char *s)
{
	return fmemopen((void *)(uintptr_t)s, strlen(s), "r");
}

static int
find(struct helmindex_entry *e, const char *name, const char *c,
    struct err *err)
{
	FILE *f = open_str(index_yaml);
	int rv = helmindex_find(e, f, name, c, err);

	fclose(f);
	return rv;
}

T_TEST(test_valid_index_counts_charts_and_versions)
{
	struct helmindex_stats st = { 0 };
	struct err err = ERR_INIT;
	FILE *f = open_str(index_yaml);

	T_OK(helmindex_validate(&st, f, &err), &err);
	T_EQ(st.charts, 3);
	T_EQ(st.versions, 6);
	fclose(f);
}

T_TEST(test_json_index_is_valid)
{
	static const char js[] =
	    "{\"apiVersion\":\"v1\",\"entries\":{\"a\":"
	    "[{\"version\":\"1.0.0\",\"urls\":[\"a.tgz\"]}]}}";
	struct helmindex_stats st = { 0 };
	struct err err = ERR_INIT;
	FILE *f = open_str(js);

	T_OK(helmindex_validate(&st, f, &err), &err);
	T_EQ(st.versions, 1);
	fclose(f);
}

static void
check_invalid(const char *text, const char *want_msg)
{
	struct helmindex_stats st = { 0 };
	struct err err = ERR_INIT;
	FILE *f = open_str(text);

	T_EQ(helmindex_validate(&st, f, &err), -1);
	T_EQ(err.code, ERR_INVALID);
	T_TRUE(strstr(err.msg, want_msg) != NULL);
	fclose(f);
}

T_TEST(test_malformed_indexes_are_invalid)
{
	check_invalid("entries: {}\n", "no API version specified");
	check_invalid("- a\n- b\n", "expected a mapping");
	check_invalid("apiVersion: v1\nentries: [1]\n", "not a mapping");
	check_invalid("apiVersion: v1\nentries:\n  a: 3\n", "is not a list");
	check_invalid("apiVersion: v1\nentries:\n  a: [3]\n",
	    "is not a mapping");
	check_invalid("apiVersion: v1\nentries: {a: [\n", "YAML error");
	check_invalid("apiVersion: v1\n---\napiVersion: v1\n", "one document");
	check_invalid("<html>502 Bad Gateway</html>\n", "expected a mapping");
}

T_TEST(test_star_picks_highest_release_not_prerelease)
{
	struct helmindex_entry e = { 0 };
	struct err err = ERR_INIT;

	T_OK(find(&e, "podinfo", NULL, &err), &err);
	T_STREQ(e.version, "6.1.0");
	T_STREQ(e.url, "podinfo-6.1.0.tgz");
	T_STREQ(e.digest, "aaa");
	T_STREQ(e.name, "podinfo");
	helmindex_entry_release(&e);
}

T_TEST(test_range_picks_highest_match_and_first_url)
{
	struct helmindex_entry e = { 0 };
	struct err err = ERR_INIT;

	T_OK(find(&e, "podinfo", "<6.0.0", &err), &err);
	T_STREQ(e.version, "5.9.9");
	T_STREQ(e.url, "https://charts.example.com/podinfo-5.9.9.tgz");
	helmindex_entry_release(&e);
	T_OK(find(&e, "podinfo", "~6.0", &err), &err);
	T_STREQ(e.version, "6.0.3");
	T_STREQ(e.digest, NULL);
	helmindex_entry_release(&e);
}

T_TEST(test_exact_version_wins_even_prerelease)
{
	struct helmindex_entry e = { 0 };
	struct err err = ERR_INIT;

	T_OK(find(&e, "podinfo", "6.2.0-rc.1", &err), &err);
	T_STREQ(e.version, "6.2.0-rc.1");
	helmindex_entry_release(&e);
	T_OK(find(&e, "podinfo", ">=6.2.0-0", &err), &err);
	T_STREQ(e.version, "6.2.0-rc.1");
	helmindex_entry_release(&e);
}

T_TEST(test_missing_chart_or_version_is_not_found)
{
	struct helmindex_entry e = { 0 };
	struct err err = ERR_INIT;

	T_EQ(find(&e, "nginx", "*", &err), -1);
	T_EQ(err.code, ERR_NOTFOUND);
	T_TRUE(strstr(err.msg, "no chart name found") != NULL);
	err_reset(&err);
	T_EQ(find(&e, "podinfo", "9.x", &err), -1);
	T_EQ(err.code, ERR_NOTFOUND);
	T_STREQ(err.msg,
	    "no 'podinfo' chart with version matching '9.x' found");
	err_reset(&err);
	T_ERR(find(&e, "empty", "*", &err), &err, ERR_NOTFOUND);
	err_reset(&err);
	T_ERR(find(&e, "podinfo", "><", &err), &err, ERR_INVALID);
	T_STREQ(e.version, NULL);
}

T_TEST(test_url_resolves_against_repository)
{
	char *u = http_url_resolve("http://h:8080/charts/", "a-1.0.0.tgz");

	T_STREQ(u, "http://h:8080/charts/a-1.0.0.tgz");
	free(u);
	u = http_url_resolve("http://h/charts/", "/other/a.tgz");
	T_STREQ(u, "http://h/other/a.tgz");
	free(u);
	u = http_url_resolve("http://h/charts/", "https://x.example/a.tgz");
	T_STREQ(u, "https://x.example/a.tgz");
	free(u);
}

T_TEST(test_same_origin_compares_scheme_host_and_port)
{
	T_TRUE(
	    http_url_same_origin("http://h/a/index.yaml", "http://h:80/b.tgz"));
	T_TRUE(!http_url_same_origin("http://h/a", "https://h/a"));
	T_TRUE(!http_url_same_origin("http://h/a", "http://h:8080/a"));
	T_TRUE(!http_url_same_origin("http://h/a", "http://evil/a"));
	T_TRUE(!http_url_same_origin("not a url", "http://h/"));
}
