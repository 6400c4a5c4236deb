/*
 * The template engine against Go's text/template and Sprig: each row is
 * a template, the values it runs on (as .Values), and what Helm v4.1.4
 * printed for it (checked by rendering the same rows as a chart with
 * the real Helm binary). Errors are checked by code and by the part of
 * Go's message that names the cause.
 */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "template/template.h"

struct row {
	const char *tmpl;
	const char *values;
	const char *want;
};

/* Renders text as template "t" with .Values from values (YAML); the
 * output with Helm's "<no value>" left in, or NULL with err set. */
static char *
render(const char *text, const char *values, struct err *err)
{
	struct tmpl_set *s = tmpl_set_new();
	struct tmpl_opts o = { .now_unix_ns = 1700000000LL * 1000000000 };
	struct tmpl_exec *x = NULL;
	struct tmpl_val vals, dot;
	struct buf out;
	char *res = NULL;

	buf_init(&out, 1 << 20);
	if (tmpl_set_parse(s, "t", text, strlen(text), err) == -1)
		goto out;
	x = tmpl_exec_new(s, &o);
	if (tmpl_values_parse(&vals, values, strlen(values), tmpl_exec_arena(x),
	        err) == -1)
		goto out;
	dot = tmpl_map_new(tmpl_exec_arena(x), 1);
	tmpl_map_set(tmpl_exec_arena(x), dot.u.m, "Values", 6, vals);
	if (tmpl_exec_run(x, &out, "t", &dot, err) == -1)
		goto out;
	res = buf_detach(&out, NULL);
out:
	buf_release(&out);
	tmpl_exec_free(x);
	tmpl_set_free(s);
	return res;
}

static void
check_rows(const struct row *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct err err = ERR_INIT;
		char *got = render(rows[i].tmpl, rows[i].values, &err);

		if (got == NULL)
			t_fail(__FILE__, __LINE__, "%s: %s", rows[i].tmpl,
			    err.msg);
		else if (strcmp(got, rows[i].want) != 0)
			t_fail(__FILE__, __LINE__,
			    "%s:\n  got  [%s]\n  want [%s]", rows[i].tmpl, got,
			    rows[i].want);
		free(got);
	}
}

#define CHECK_ROWS(rows) check_rows(rows, sizeof(rows) / sizeof(rows[0]))

T_TEST(test_trim_markers_and_comments)
{
	static const struct row rows[] = {
		{ "a  {{- \"b\" -}}  c", "", "abc" },
		{ "a {{/* gone */}} b", "", "a  b" },
		{ "a\n{{- /* gone */ -}}\nb", "", "ab" },
		{ "{{-3}}", "", "-3" },
		{ "x{{ 1 }}\n  {{- 2 }}", "", "x12" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_literals_print_as_go)
{
	static const struct row rows[] = {
		{ "{{ 1e3 }} {{ 0x1F }} {{ 1_000 }} {{ 'a' }}", "",
		    "1000 31 1000 97" },
		{ "{{ `raw\\n` }}|{{ \"esc\\tx\" }}", "", "raw\\n|esc\tx" },
		{ "{{ 1.5 }} {{ -0.25 }} {{ true }}", "", "1.5 -0.25 true" },
		{ "{{ print 1 2 \"a\" 3 }}", "", "1 2a3" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_values_numbers_are_float64)
{
	static const struct row rows[] = {
		{ "{{ .Values.a }} {{ .Values.b }} {{ .Values.c }}",
		    "a: 1234567\nb: 999999\nc: 2.50",
		    "1.234567e+06 999999 2.5" },
		{ "{{ printf \"%T %T %T\" .Values.a .Values.s .Values.yv }}",
		    "a: 1\ns: \"1\"\nyv: yes", "float64 string bool" },
		{ "{{ .Values.a | int }} {{ .Values.a | int64 }}",
		    "a: 20000000", "20000000 20000000" },
		{ "{{ keys .Values | sortAlpha }}", "y: 1\nn: 2\non: 3\nx: 4",
		    "[false true x]" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_control_structures)
{
	static const struct row rows[] = {
		{ "{{ if .Values.a }}A{{ else if .Values.b }}B{{ else }}C{{ end }}",
		    "b: 1", "B" },
		{ "{{ with .Values.m }}{{ .x }}{{ else }}none{{ end }}",
		    "m: {x: 7}", "7" },
		{ "{{ with .Values.z }}{{ . }}{{ else with .Values.m }}{{ .x }}"
		  "{{ end }}",
		    "m: {x: 8}", "8" },
		{ "{{ range $k, $v := .Values.m }}{{ $k }}={{ $v }};{{ end }}",
		    "m: {c: 3, a: 1, b: 2}", "a=1;b=2;c=3;" },
		{ "{{ range $i, $v := .Values.l }}{{ $i }}{{ $v }}{{ end }}",
		    "l: [x, z]", "0x1z" },
		{ "{{ range 5 }}{{ if eq . 1 }}{{ continue }}{{ end }}"
		  "{{ if eq . 3 }}{{ break }}{{ end }}{{ . }}{{ end }}",
		    "", "02" },
		{ "{{ range .Values.none }}x{{ else }}empty{{ end }}", "",
		    "empty" },
		{ "{{ $x := 1 }}{{ range list 1 2 }}{{ $x = . }}{{ end }}{{ $x }}",
		    "", "2" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_and_or_return_operands_and_short_circuit)
{
	static const struct row rows[] = {
		{ "{{ or 0 \"\" \"x\" }} {{ and 1 \"y\" }} {{ and 1 0 2 }}", "",
		    "x y 0" },
		{ "{{ or true (fail \"no\") }} {{ and false (fail \"no\") }}",
		    "", "true false" },
		{ "{{ if and .Values.a .Values.a.b }}y{{ else }}n{{ end }}",
		    "a: null", "n" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_define_template_block_include)
{
	static const struct row rows[] = {
		{ "{{ define \"x\" }}X{{ . }}{{ end }}{{ template \"x\" 1 }}",
		    "", "X1" },
		{ "{{ block \"b\" 2 }}B{{ . }}{{ end }}", "", "B2" },
		{ "{{ define \"n\" }}{{ . }}{{ if gt . 0 }}{{ include \"n\" (sub . "
		  "1) }}{{ end }}{{ end }}{{ include \"n\" 3 }}",
		    "", "3210" },
		{ "{{ define \"u\" }}[{{ .a }}]{{ end }}{{ include \"u\" (dict "
		  "\"a\" 1) | upper }}",
		    "", "[1]" },
		{ "{{ tpl \"{{ .x }}-{{ define \\\"i\\\" }}I{{ end }}{{ include "
		  "\\\"i\\\" . }}\" (dict \"x\" 5) }}",
		    "", "5-I" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_printf_and_go_formatting)
{
	static const struct row rows[] = {
		{ "{{ printf \"%d|%5d|%-5d|%05d\" 7 7 7 7 }}", "",
		    "7|    7|7    |00007" },
		{ "{{ printf \"%x|%X|%o|%b|%c|%U\" 255 255 8 5 65 65 }}", "",
		    "ff|FF|10|101|A|U+0041" },
		{ "{{ printf \"%.2f|%8.3f|%e|%g\" 3.14159 2.5 1234.5 0.000012 }}",
		    "", "3.14|   2.500|1.234500e+03|1.2e-05" },
		{ "{{ printf \"%q|%v|%s\" \"a\\\"b\" (list 1 \"x\") (dict \"k\" "
		  "1) }}",
		    "", "\"a\\\"b\"|[1 x]|map[k:%!s(int=1)]" },
		{ "{{ printf \"%d %s\" \"x\" }}", "",
		    "%!d(string=x) %!s(MISSING)" },
		{ "{{ printf \"%d\" 1 2 }}", "", "1%!(EXTRA int=2)" },
		{ "{{ printf \"%T %T %T\" 1 1.5 (list) }}", "",
		    "int float64 []interface {}" },
		{ "{{ dict \"b\" (list 1 (dict \"c\" nil)) \"a\" true }}", "",
		    "map[a:true b:[1 map[c:<nil>]]]" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_comparisons)
{
	static const struct row rows[] = {
		{ "{{ eq 1 1 }} {{ eq \"a\" \"b\" \"a\" }} {{ ne 1 2 }}", "",
		    "true true true" },
		{ "{{ lt 1 2 }} {{ le \"a\" \"a\" }} {{ gt 2.5 1.5 }} {{ ge 1 2 "
		  "}}",
		    "", "true true true false" },
		{ "{{ eq .Values.missing \"x\" }} {{ eq nil nil }}", "",
		    "false true" },
		{ "{{ eq (int .Values.num) 1 }} {{ eq .Values.num 1.0 }}",
		    "num: 1", "true true" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_missing_values_print_no_value)
{
	static const struct row rows[] = {
		{ "[{{ .Values.x }}]", "", "[<no value>]" },
		{ "[{{ .Values.x | toString }}]", "", "[<nil>]" },
		{ "[{{ $x := .Values.x }}{{ $x.y }}]", "", "[<no value>]" },
		{ "[{{ index .Values.m \"zz\" }}]", "m: {a: 1}",
		    "[<no value>]" },
	};

	CHECK_ROWS(rows);
}

struct erow {
	const char *tmpl;
	const char *values;
	enum err_code code;
	const char *msg; /* a part of the message */
};

static void
check_errors(const struct erow *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		struct err err = ERR_INIT;
		char *got = render(rows[i].tmpl, rows[i].values, &err);

		if (got != NULL)
			t_fail(__FILE__, __LINE__, "%s: rendered [%s]",
			    rows[i].tmpl, got);
		else if (err.code != rows[i].code ||
		    strstr(err.msg, rows[i].msg) == NULL)
			t_fail(__FILE__, __LINE__,
			    "%s: want %s containing [%s], got %s [%s]",
			    rows[i].tmpl, err_code_name(rows[i].code),
			    rows[i].msg, err_code_name(err.code), err.msg);
		free(got);
	}
}

T_TEST(test_errors_name_template_and_cause)
{
	static const struct erow rows[] = {
		{ "a\n{{ end }}", "", ERR_INVALID,
		    "template: t:2: unexpected {{end}}" },
		{ "{{ env \"HOME\" }}", "", ERR_INVALID,
		    "function \"env\" not defined" },
		{ "{{ $nope }}", "", ERR_INVALID,
		    "undefined variable \"$nope\"" },
		{ "{{ if }}", "", ERR_INVALID, "missing value for if" },
		{ "{{ break }}", "", ERR_INVALID,
		    "{{break}} outside {{range}}" },
		{ "{{ \"x\" ", "", ERR_INVALID, "unclosed action" },
		{ "  {{ eq .Values.num 1 }}", "num: 1", ERR_INVALID,
		    "t:1:5: executing \"t\" at <eq .Values.num 1>: error calling "
		    "eq: incompatible types for comparison" },
		{ "{{ .Values.a.b.c }}", "", ERR_INVALID,
		    "nil pointer evaluating interface {}.b" },
		{ "{{ .Values.s.x }}", "s: str", ERR_INVALID,
		    "can't evaluate field x in type interface {}" },
		{ "{{ nil }}", "", ERR_INVALID, "nil is not a command" },
		{ "{{ and }}", "", ERR_INVALID,
		    "wrong number of args for and: want at least 1 got 0" },
		{ "{{ template \"nope\" }}", "", ERR_INVALID,
		    "template \"nope\" not defined" },
		{ "{{ index .Values.l 5 }}", "l: [a]", ERR_INVALID,
		    "index out of range: 5" },
		{ "{{ upper .Values.missing }}", "", ERR_INVALID,
		    "invalid value; expected string" },
		{ "{{ derivePassword -1 \"pin\" \"p\" \"u\" \"s\" }}", "",
		    ERR_INVALID, "expected unsigned integer; found -1" },
		{ "{{ $c := 1 }}{{ derivePassword $c \"pin\" \"p\" \"u\" "
		  "\"s\" }}",
		    "", ERR_INVALID,
		    "wrong type for value; expected uint32; got int" },
		{ "x\n  {{ fail \"boom\" }}", "", ERR_INVALID,
		    "execution error at (t:2:5): boom" },
		{ "{{ required \"need x\" .Values.x }}", "", ERR_INVALID,
		    "execution error at (t:1:3): need x" },
		{ "{{ define \"r\" }}{{ include \"r\" . }}{{ end }}{{ include "
		  "\"r\" . }}",
		    "", ERR_LIMIT, "" },
	};

	check_errors(rows, sizeof(rows) / sizeof(rows[0]));
}

T_TEST(test_parse_failure_leaves_set_unchanged)
{
	struct tmpl_set *s = tmpl_set_new();
	struct err err = ERR_INIT;
	const char *good = "{{ define \"a\" }}A{{ end }}";
	const char *bad = "{{ define \"b\" }}B{{ end }}{{ if }}";

	T_OK(tmpl_set_parse(s, "good", good, strlen(good), &err), &err);
	T_ERR(tmpl_set_parse(s, "bad", bad, strlen(bad), &err), &err,
	    ERR_INVALID);
	T_TRUE(tmpl_set_has(s, "a"));
	T_TRUE(tmpl_set_has(s, "good"));
	T_TRUE(!tmpl_set_has(s, "b"));
	T_TRUE(!tmpl_set_has(s, "bad"));
	T_EQ(tmpl_set_count(s), 2);
	tmpl_set_free(s);
}

T_TEST(test_later_define_wins_unless_empty)
{
	struct tmpl_set *s = tmpl_set_new();
	struct tmpl_exec *x;
	struct err err = ERR_INIT;
	struct buf out;
	struct tmpl_val nil = tmpl_nil();
	const char *f1 = "{{ define \"d\" }}one{{ end }}";
	const char *f2 = "{{ define \"d\" }}two{{ end }}";
	const char *f3 = "{{ define \"d\" }} {{ end }}";
	const char *use = "{{ template \"d\" }}";

	buf_init(&out, 1024);
	T_OK(tmpl_set_parse(s, "f1", f1, strlen(f1), &err), &err);
	T_OK(tmpl_set_parse(s, "f2", f2, strlen(f2), &err), &err);
	T_OK(tmpl_set_parse(s, "f3", f3, strlen(f3), &err), &err);
	T_OK(tmpl_set_parse(s, "use", use, strlen(use), &err), &err);
	x = tmpl_exec_new(s, NULL);
	T_OK(tmpl_exec_run(x, &out, "use", &nil, &err), &err);
	T_STREQ(out.data, "two");
	tmpl_exec_free(x);
	tmpl_set_free(s);
	buf_release(&out);
}

T_TEST(test_output_limit_is_enforced)
{
	struct tmpl_set *s = tmpl_set_new();
	struct tmpl_opts o = { .max_output = 64 };
	struct tmpl_exec *x;
	struct err err = ERR_INIT;
	struct buf out;
	struct tmpl_val nil = tmpl_nil();
	const char *t = "{{ range until 1000 }}xxxxxxxx{{ end }}";
	const char *inc = "{{ define \"i\" }}{{ range until 1000 }}xxxxxxxx"
	                  "{{ end }}{{ end }}{{ include \"i\" . | len }}";

	/* the caller's buffer caps the top level, max_output includes */
	buf_init(&out, 64);
	T_OK(tmpl_set_parse(s, "t", t, strlen(t), &err), &err);
	T_OK(tmpl_set_parse(s, "inc", inc, strlen(inc), &err), &err);
	x = tmpl_exec_new(s, &o);
	T_ERR(tmpl_exec_run(x, &out, "t", &nil, &err), &err, ERR_LIMIT);
	buf_reset(&out);
	T_ERR(tmpl_exec_run(x, &out, "inc", &nil, &err), &err, ERR_LIMIT);
	tmpl_exec_free(x);
	tmpl_set_free(s);
	buf_release(&out);
}

T_TEST(test_dear_functions_count_against_the_step_budget)
{
	struct tmpl_set *s = tmpl_set_new();
	struct tmpl_opts o = { .max_steps = 2500000 };
	struct tmpl_exec *x;
	struct err err = ERR_INIT;
	struct buf out;
	struct tmpl_val nil = tmpl_nil();
	const char *t = "{{ range until 5 }}{{ derivePassword 1 \"pin\" \"p\" "
	                "\"u\" \"s\" }}{{ end }}";

	/* two scrypt runs fit the budget, the third does not */
	buf_init(&out, 1 << 16);
	T_OK(tmpl_set_parse(s, "t", t, strlen(t), &err), &err);
	x = tmpl_exec_new(s, &o);
	T_ERR(tmpl_exec_run(x, &out, "t", &nil, &err), &err, ERR_LIMIT);
	T_EQ(out.len, 8);
	tmpl_exec_free(x);
	tmpl_set_free(s);
	buf_release(&out);
}
