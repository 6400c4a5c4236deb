/* Flag tables: types, ranges, positional arguments, --help. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/flags.h"
#include "t.h"

struct opts {
	int concurrent;
	const char *path;
	bool watch_all;
	int64_t interval_ms;
};

static struct opts o;

static const struct flag table[] = {
	FLAG_INT("concurrent", &o.concurrent, 1, 256, "Workers."),
	FLAG_STR("storage-path", &o.path, "Where artifacts live."),
	FLAG_BOOL("watch-all-namespaces", &o.watch_all, "Watch everything."),
	FLAG_DURATION("requeue-dependency", &o.interval_ms, "Requeue delay."),
};

#define N (sizeof(table) / sizeof(table[0]))

static int
parse(int argc, char **argv, int *rest, struct err *err)
{
	o = (struct opts){ 4, "/data", true, 30000 };
	return flags_parse(rest, table, N, argc, argv, err);
}

T_TEST(test_both_value_forms_and_positional_rest)
{
	char *argv[] = { "x", "--concurrent=8", "--storage-path", "/tmp/s",
		"--watch-all-namespaces=false", "--requeue-dependency=5s",
		"build", "--not-a-flag", NULL };
	struct err err = ERR_INIT;
	int rest = 0;

	T_OK(parse(8, argv, &rest, &err), &err);
	T_EQ(o.concurrent, 8);
	T_STREQ(o.path, "/tmp/s");
	T_TRUE(!o.watch_all);
	T_EQ(o.interval_ms, 5000);
	T_EQ(rest, 6);
}

T_TEST(test_bad_flags_are_invalid_with_the_name)
{
	char *range[] = { "x", "--concurrent=0", NULL };
	char *unknown[] = { "x", "--nope", NULL };
	char *missing[] = { "x", "--storage-path", NULL };
	char *badbool[] = { "x", "--watch-all-namespaces=maybe", NULL };
	struct err err = ERR_INIT;
	int rest;

	T_EQ(parse(2, range, &rest, &err), -1);
	T_STREQ(err.msg, "flag --concurrent: 0 is outside [1, 256]");
	err_reset(&err);
	T_ERR(parse(2, unknown, &rest, &err), &err, ERR_INVALID);
	T_ERR(parse(2, missing, &rest, &err), &err, ERR_INVALID);
	T_ERR(parse(2, badbool, &rest, &err), &err, ERR_INVALID);
}

T_TEST(test_help_lists_flags_with_defaults)
{
	char *argv[] = { "x", "--help", NULL };
	struct err err = ERR_INIT;
	char *text = NULL;
	size_t len = 0;
	FILE *f;
	int rest;

	T_EQ(parse(2, argv, &rest, &err), FLAGS_HELP);
	f = open_memstream(&text, &len);
	flags_usage(f, "source-controller", table, N);
	fclose(f);
	T_TRUE(strstr(text, "--concurrent int") != NULL);
	T_TRUE(strstr(text, "(default 4)") != NULL);
	T_TRUE(strstr(text, "(default \"/data\")") != NULL);
	T_TRUE(strstr(text, "(default 30s)") != NULL);
	free(text);
}
