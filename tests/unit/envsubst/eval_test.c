/*
 * envsubst_eval(): every operator and every error, with the exact strings
 * Flux's Eval gives for the same input (checked against fluxcd/pkg's
 * envsubst built from source).
 */
#include <stdlib.h>
#include <string.h>

#include "envsubst/envsubst.h"
#include "t.h"

static struct envsubst_vars *
fixture(void)
{
	static const char *const pairs[][2] = {
		{ "s", "abcABCabc" },
		{ "f", "archive.tar.gz" },
		{ "p", "/home/user/file" },
		{ "u", "h\xc3\xa9llo" }, /* héllo: 5 runes, 6 bytes */
		{ "e", "" },
		{ "n", "2" },
		{ "neg", "-4" },
		{ "x", "X" },
		{ "ref", "${x}" },
		{ "slashy", "a/b/c" },
		{ "bad",
		    "\xff"
		    "ab" },
		{ "caf\xc3\xa9", "coffee" },
	};
	struct envsubst_vars *v = envsubst_vars_new();
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		envsubst_vars_set(v, pairs[i][0], strlen(pairs[i][0]),
		    pairs[i][1], strlen(pairs[i][1]));
	return v;
}

/* Expands text with the fixture; the output, or NULL with err set. */
static char *
expand(const char *text, bool strict, struct err *err)
{
	struct envsubst_vars *v = fixture();
	struct envsubst_opts opts = { .strict = strict };
	char *out = NULL;

	envsubst_eval(&out, NULL, text, strlen(text), v, &opts, err);
	envsubst_vars_free(v);
	return out;
}

/* The output must be want, in both modes unless only_lax. */
static void
check(const char *file, int line, const char *text, const char *want,
    bool only_lax)
{
	struct err err = ERR_INIT;
	int strict;

	for (strict = 0; strict <= (only_lax ? 0 : 1); strict++) {
		char *got = expand(text, strict != 0, &err);

		if (got == NULL || strcmp(got, want) != 0)
			t_fail(file, line,
			    "%s (strict %d):\n  got  [%s]\n  want [%s]", text,
			    strict, got != NULL ? got : err.msg, want);
		free(got);
		err_reset(&err);
	}
}

static void
check_err(const char *file, int line, const char *text, bool strict,
    enum err_code code, const char *msg)
{
	struct err err = ERR_INIT;
	char *got = expand(text, strict, &err);

	if (got != NULL || err.code != code || strcmp(err.msg, msg) != 0)
		t_fail(file, line, "%s: want error %s [%s], got [%s] %s [%s]",
		    text, err_code_name(code), msg,
		    got != NULL ? got : "(null)", err_code_name(err.code),
		    err.msg);
	free(got);
}

#define EXPECT(text, want)     check(__FILE__, __LINE__, text, want, false)
#define EXPECT_LAX(text, want) check(__FILE__, __LINE__, text, want, true)
#define EXPECT_ERR(text, strict, msg) \
	check_err(__FILE__, __LINE__, text, strict, ERR_INVALID, msg)

T_TEST(test_braced_variables_expand)
{
	EXPECT("image: app:${x}", "image: app:X");
	EXPECT("${x}${x}-${n}", "XX-2");
	EXPECT("${caf\xc3\xa9}", "coffee"); /* Unicode letters make names */
	EXPECT("", "");
}

T_TEST(test_only_braces_open_an_expression)
{
	EXPECT("echo $x $HOME ${x}", "echo $x $HOME X");
	EXPECT("cost: 5$ and {x} and $ {x} and }",
	    "cost: 5$ and {x} and $ {x} and }");
	EXPECT("$", "$");
}

T_TEST(test_double_dollar_is_one_dollar)
{
	EXPECT("$${x} ${x}", "${x} X");
	EXPECT("$${undefined}", "${undefined}"); /* no lookup, even strict */
	EXPECT("$$x $$$ $$$${x}", "$x $$ $${x}");
	EXPECT("$$$${x}", "$${x}");
	EXPECT("$$$${x}", "$${x}");
	EXPECT("$$${x}", "$X");
}

T_TEST(test_backslash_does_not_escape_text)
{
	EXPECT("a: \\${x} \\\\${x}", "a: \\X \\\\X");
}

T_TEST(test_values_are_not_expanded_again)
{
	EXPECT("${ref}", "${x}");
	EXPECT("${unset:=${ref}}", "${x}");
}

T_TEST(test_unset_is_empty_unless_strict)
{
	EXPECT_LAX("a-${nope}-b ${X}", "a--b ");
	EXPECT_ERR("name: a-${nope}-b", true,
	    "variable not set (strict mode): \"nope\"");
	EXPECT("${e}|", "|"); /* set but empty is fine when strict */
}

T_TEST(test_strict_applies_to_every_reading_operator)
{
	static const char *const texts[] = { "${nope#x}", "${#nope}",
		"${nope^^}", "${nope,}", "${nope:1}", "${nope//x/y}",
		"${nope%x}", "${nope^,}" };
	size_t i;

	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		EXPECT_ERR(texts[i], true,
		    "variable not set (strict mode): \"nope\"");
}

T_TEST(test_defaults_replace_unset_and_empty)
{
	EXPECT("${nope:=d} ${e:=d} ${x:=d}", "d d X");
	EXPECT("${nope=d} ${e=d} ${x=d}", "d d X");
	EXPECT("${nope:-d} ${e:-d} ${x:-d}", "d d X");
	/* Flux treats :+ and :? as defaults too, and never fails on :? */
	EXPECT("${nope:+d} ${e:+d} ${x:+d}", "d d X");
	EXPECT("${nope:?d} ${e:?d} ${x:?d}", "d d X");
}

T_TEST(test_default_text_runs_to_the_first_brace)
{
	EXPECT("a: ${nope:=hello world: 1} b: ${nope:=}",
	    "a: hello world: 1 b: ");
	EXPECT("${nope:=x}y}", "xy}");
	EXPECT("${nope:=pre-${x}-post}", "pre-X-post");
	EXPECT("${nope:=${alsonope:=${x}}}", "X");
	EXPECT("${nope==x}", "=x");
	EXPECT("${nope:=$${x}}", "$X"); /* no escapes inside a default */
}

T_TEST(test_default_evaluates_its_argument_first)
{
	EXPECT_ERR("${x:=${missing}}", true,
	    "variable not set (strict mode): \"missing\"");
	EXPECT_LAX("${x:=${missing}}", "X");
}

T_TEST(test_length_counts_bytes)
{
	EXPECT("${#s} ${#u} ${#e}", "9 6 0");
}

T_TEST(test_substring_slices_bytes)
{
	EXPECT("${p:6} ${p:6:4} ${p:100} ${p:2:100} ${p:0:0}",
	    "user/file user  ome/user/file ");
	EXPECT("${p:${n}:${n}}", "om");
	EXPECT("${p:${neg}}",
	    "file"); /* a negative offset counts from the end */
	EXPECT("${p:-4}", "/home/user/file"); /* that is :- (default) */
	EXPECT("${p: -4} ${p:x} ${p:1:y}",
	    "/home/user/file /home/user/file /home/user/file");
	EXPECT("${p:+1}", "/home/user/file");
	EXPECT("${p:99999999999999999999}", "/home/user/file"); /* overflow */
	EXPECT("${u:1:2}", "\xc3\xa9");
}

T_TEST(test_substring_flux_cannot_slice_is_an_error)
{
	EXPECT_ERR("${p:3:-1}", false, "slice bounds out of range [3:2]");
	EXPECT_ERR("${p:20:-10}", false, "slice bounds out of range [20:10]");
}

T_TEST(test_replace_forms)
{
	EXPECT("${s/abc/X} ${s//abc/X} ${s/#abc/X} ${s/%abc/X}",
	    "XABCabc XABCX XABCabc abcABCX");
	EXPECT("${s/abc/} ${s//abc/} ${s/#ABC/X} ${s/%ABC/X}",
	    "ABCabc ABC abcABCabc abcABCabc");
	EXPECT("${s/#abc/} ${s/%abc/}", "abcABCabc abcABCabc"); /* need both */
	EXPECT("${s/zzz/X} ${s/abc/X/Y}", "abcABCabc X/YABCabc");
	EXPECT("${s/abc//X}", "XABCabc"); /* a run of slashes delimits */
	EXPECT("${s/${x}/Y}", "abcABCabc");
	EXPECT("${s/b/${x}}", "aXcABCabc");
}

T_TEST(test_replace_escapes)
{
	EXPECT("a: ${slashy/\\//-} b: ${slashy//\\//-}", "a: a-b/c b: a-b-c");
	EXPECT("${x/X/\\\\}", "\\");
	EXPECT("${x/X/$$}", "$");
}

T_TEST(test_replace_with_empty_pattern_inserts)
{
	EXPECT("${x/${e}/-}", "-X");
	EXPECT("${u//${e}/-}", "-h-\xc3\xa9-l-l-o-");
	EXPECT("${e//${e}/-}", "-");
}

T_TEST(test_trims_use_globs)
{
	EXPECT("${f#*.} ${f##*.} ${f%.*} ${f%%.*} ${f#nomatch}",
	    "tar.gz gz archive.tar archive archive.tar.gz");
	EXPECT("${f#?r} ${f#[a-c]} ${f#[^a]} ${f%g?} ${f#*}",
	    "chive.tar.gz rchive.tar.gz archive.tar.gz archive.tar. "
	    "rchive.tar.gz");
	EXPECT("${p#*/} ${p##*/}", "home/user/file file"); /* '*' spans '/' */
	EXPECT("${f#\\a} ${f#a\\}", "rchive.tar.gz archive.tar.gz");
	EXPECT("${f#[} ${f%[a-}", "archive.tar.gz archive.tar.gz"); /* bad */
}

T_TEST(test_case_operators)
{
	EXPECT("${s^} ${s^^} ${s,} ${s,,}",
	    "AbcABCabc ABCABCABC abcABCabc abcabcabc");
	EXPECT("${u^^}", "H\xc3\x89LLO");
	EXPECT("${caf\xc3\xa9^^}", "COFFEE");
	EXPECT("${x,}${x,,}", "xx");
	EXPECT("${s^,}", "abcABCabc"); /* unknown: the plain value */
}

T_TEST(test_case_operators_replace_bad_bytes)
{
	EXPECT("${bad^^}",
	    "\xef\xbf\xbd"
	    "AB");
	EXPECT("${bad^}",
	    "\xef\xbf\xbd"
	    "ab");
}

T_TEST(test_parse_errors_name_flux_messages)
{
	EXPECT_ERR("a: ${x", false, "missing closing brace");
	EXPECT_ERR("a: ${my.var}", false, "missing closing brace");
	EXPECT_ERR("a: ${my-var}", false, "missing closing brace");
	EXPECT_ERR("a: ${x+alt}", false, "missing closing brace");
	EXPECT_ERR("a: ${x-alt}", false, "missing closing brace");
	EXPECT_ERR("a: ${}", false, "unable to parse variable name");
	EXPECT_ERR("a: ${", false, "unable to parse variable name");
	EXPECT_ERR("a: ${#}", false, "bad substitution");
	EXPECT_ERR("a: ${s//abc}", false, "bad substitution");
	EXPECT_ERR("a: ${s:1:2x${x}}", false, "bad substitution");
	EXPECT_ERR("a: ${s:}", false,
	    "unable to parse substitution within function");
	EXPECT_ERR("a: ${s:=abc", false,
	    "unable to parse substitution within function");
	EXPECT_ERR("a: ${s#}", false,
	    "unable to parse substitution within function");
	/* Go steps back wrongly over ':' before a multi-byte rune */
	EXPECT_ERR("a: ${s:\xc3\xa9}", false, "bad substitution");
}

T_TEST(test_parse_error_wins_over_strict_error)
{
	EXPECT_ERR("${nope} ${x", true, "missing closing brace");
}

T_TEST(test_error_leaves_output_untouched)
{
	struct err err = ERR_INIT;
	char *out = NULL;
	size_t len = 7;

	T_ERR(envsubst_eval(&out, &len, "${x", 3, NULL, NULL, &err), &err,
	    ERR_INVALID);
	T_STREQ(out, NULL);
	T_EQ(len, 7);
}

T_TEST(test_null_vars_and_opts_mean_none_and_lax)
{
	struct err err = ERR_INIT;
	char *out = NULL;
	size_t len = 0;

	T_OK(envsubst_eval(&out, &len, "[${a}]", 6, NULL, NULL, &err), &err);
	T_STREQ(out, "[]");
	T_EQ(len, 2);
	free(out);
}

T_TEST(test_nul_bytes_are_ordinary_text)
{
	struct envsubst_vars *v = fixture();
	struct err err = ERR_INIT;
	char *out = NULL;
	size_t len = 0;

	/* Flux's scanner stops at a NUL (its end marker); flint keeps it. */
	T_OK(envsubst_eval(&out, &len, "a\0${x}", 6, v, NULL, &err), &err);
	T_EQ(len, 3);
	T_TRUE(out != NULL && memcmp(out, "a\0X", 3) == 0);
	free(out);
	envsubst_vars_free(v);
}

T_TEST(test_output_past_max_bytes_is_a_limit)
{
	struct envsubst_vars *v = fixture();
	struct envsubst_opts opts = { .max_bytes = 8 };
	struct err err = ERR_INIT;
	char *out = NULL;

	/* the 9 bytes of s do not fit in 8 */
	T_EQ(envsubst_eval(&out, NULL, "${s}", 4, v, &opts, &err), -1);
	T_EQ(err.code, ERR_LIMIT);
	T_STREQ(err.msg, "expanded text exceeds 8 bytes");
	T_STREQ(out, NULL);
	err_reset(&err);
	T_ERR(envsubst_eval(&out, NULL, "123456789", 9, v, &opts, &err), &err,
	    ERR_LIMIT);
	envsubst_vars_free(v);
}

T_TEST(test_deep_nesting_is_a_limit)
{
	struct envsubst_opts opts = { .max_depth = 3 };
	struct err err = ERR_INIT;
	const char *ok = "${a:=${b:=${c:=x}}}",
	           *deep = "${a:=${b:=${c:=${d}}}}";
	char *out = NULL;

	T_OK(envsubst_eval(&out, NULL, ok, strlen(ok), NULL, &opts, &err),
	    &err);
	T_STREQ(out, "x");
	free(out);
	out = NULL;
	T_ERR(envsubst_eval(&out, NULL, deep, strlen(deep), NULL, &opts, &err),
	    &err, ERR_LIMIT);
	T_STREQ(out, NULL);
}

T_TEST(test_glob_work_is_bounded)
{
	struct envsubst_vars *v = envsubst_vars_new();
	struct envsubst_opts opts = { .max_steps = 100000 };
	struct err err = ERR_INIT;
	const char *text = "${v#*b}"; /* every prefix, each in linear time */
	char *value = malloc(4096), *out = NULL;

	memset(value, 'a', 4096);
	envsubst_vars_set(v, "v", 1, value, 4096);
	T_ERR(envsubst_eval(&out, NULL, text, strlen(text), v, &opts, &err),
	    &err, ERR_LIMIT);
	T_STREQ(out, NULL);
	free(out);
	free(value);
	envsubst_vars_free(v);
}
