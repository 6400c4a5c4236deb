/*
 * Sprig's and Helm's functions, row by row, on one values fixture. Every
 * expected string is what Helm v4.1.4 printed for the same template
 * (each row rendered through `include ... | b64enc` in one chart, so
 * Helm's "<no value>" is kept, as tmpl_exec_run() keeps it).
 */
#include <stdlib.h>
#include <string.h>

#include "t.h"
#include "template/template.h"

struct row {
	const char *tmpl;
	const char *want;
};

static const char fixture[] =
    "s: hello\n"
    "n: 42\n"
    "f: 1.5\n"
    "b: true\n"
    "l: [a, b, c]\n"
    "nums: [3, 1, 2]\n"
    "m: {a: 1, b: {c: two}}\n"
    "empty: \"\"\n"
    "nl: null\n"
    "big: 1234567\n"
    "text: \"line1\\nline2\\n\"\n"
    "url: \"https://user:pw@example.com:8443/p/a?x=1&y=2#frag\"\n";

/* Renders text with .Values from the fixture; NULL with err set. */
static char *
render(const char *text, struct err *err)
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
	if (tmpl_values_parse(&vals, fixture, sizeof(fixture) - 1,
	        tmpl_exec_arena(x), err) == -1)
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
		char *got = render(rows[i].tmpl, &err);

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

T_TEST(test_sprig_strings)
{
	static const struct row rows[] = {
		{ "{{ upper .Values.s }} {{ lower \"\xc3\x80"
		  "BC\" }} {{ title \"hello wide_world\" }} {{ untitle \"Hello World\" }}",
		    "HELLO \xc3\xa0"
		    "bc Hello Wide_world hello world" },
		{ "{{ trim \"  x  \" }}|{{ trimAll \"$\" \"$$x$\" }}|{{ trimPrefix \"he\" .Values.s }}|{{ trimSuffix \"lo\" .Values.s }}",
		    "x|x|llo|hel" },
		{ "{{ trunc 3 .Values.s }}|{{ trunc -3 .Values.s }}|{{ trunc 10 .Values.s }}|{{ substr 1 3 .Values.s }}|{{ substr -1 2 .Values.s }}|{{ substr 2 99 .Values.s }}",
		    "hel|llo|hello|el|he|llo" },
		{ "{{ repeat 3 \"ab\" }}|{{ nospace \" a b\tc \" }}|{{ initials \"First Middle last\" }}|{{ abbrev 5 \"hello world\" }}|{{ abbrevboth 5 10 \"1234 5678 9123\" }}",
		    "ababab|abc|FMl|he...|...5678..." },
		{ "{{ contains \"ell\" .Values.s }} {{ hasPrefix \"he\" .Values.s }} {{ hasSuffix \"x\" .Values.s }}",
		    "true true false" },
		{ "{{ quote .Values.s 1 nil \"a\\\"b\" }}|{{ squote .Values.s 2 }}|{{ cat \"a\" 1 nil true }}",
		    "\"hello\" \"1\" \"a\\\"b\"|'hello' '2'|a 1 true" },
		{ "{{ replace \"l\" \"L\" .Values.s }}|{{ replace \"\" \"-\" \"abc\" }}|{{ plural \"one\" \"many\" 1 }} {{ plural \"one\" \"many\" 2 }}",
		    "heLLo|-a-b-c-|one many" },
		{ "[{{ indent 2 .Values.text }}]|[{{ nindent 2 \"x\" }}]",
		    "[  line1\n  line2\n  ]|[\n  x]" },
		{ "{{ wrap 6 \"the quick brown fox\" }}|{{ wrapWith 4 \"-\" \"abcdefgh ij\" }}",
		    "the\nquick\nbrown\nfox|abcd-efgh-ij" },
		{ "{{ snakecase \"FirstName\" }} {{ kebabcase \"HTTPServer\" }} {{ camelcase \"http_server-name\" }} {{ swapcase \"aBc\" }}",
		    "first_name http-server HttpServerName AbC" },
		{ "{{ splitList \",\" \"a,b,,c\" }} {{ join \"-\" .Values.l }} {{ join \"+\" (list 1 2.5 true nil) }}",
		    "[a b  c] a-b-c 1+2.5+true" },
		{ "{{ $p := split \".\" \"a.b.c\" }}{{ $p._0 }}{{ $p._2 }} {{ $q := splitn \".\" 2 \"a.b.c\" }}{{ $q._1 }}",
		    "ac b.c" },
		{ "{{ toString 1.0 }} {{ toString .Values.n }} {{ toStrings (list 1 \"a\" nil 2.5) }} {{ typeOf (toStrings .Values.l) }}",
		    "1 <nil> [1 a 2.5] []string" },
		{ "{{ printf \"%s-%d-%v-%.1f\" .Values.s 7 .Values.l .Values.f }}",
		    "hello-7-[a b c]-1.5" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_sprig_lists)
{
	static const struct row rows[] = {
		{ "{{ list 1 \"a\" .Values.f }} {{ len .Values.l }} {{ first .Values.l }} {{ last .Values.l }} {{ rest .Values.l }} {{ initial .Values.l }}",
		    "[1 a 1.5] 3 a c [b c] [a b]" },
		{ "{{ append .Values.l \"d\" }} {{ prepend .Values.l \"z\" }} {{ .Values.l }} {{ reverse .Values.l }}",
		    "[a b c d] [z a b c] [a b c] [c b a]" },
		{ "{{ uniq (list 1 1 \"a\" \"a\" 2) }} {{ without .Values.l \"b\" }} {{ has \"a\" .Values.l }} {{ has \"q\" .Values.l }} {{ has 1 nil }}",
		    "[1 a 2] [a c] true false false" },
		{ "{{ compact (list 0 1 \"\" \"x\" nil false (list) (dict)) }} {{ concat .Values.l (list 1) (list) }}",
		    "[1 x] [a b c 1]" },
		{ "{{ chunk 2 .Values.l }} {{ slice .Values.l 1 }} {{ slice .Values.l 0 2 }} {{ sortAlpha .Values.nums }}",
		    "[[a b] [c]] [b c] [a b] [1 2 3]" },
		{ "{{ until 3 }} {{ untilStep 2 11 4 }} {{ untilStep 5 0 -2 }} {{ seq 4 }} {{ seq 2 5 }} {{ seq 6 -2 1 }}",
		    "[0 1 2] [2 6 10] [5 3 1] 1 2 3 4 2 3 4 5 6 4 2" },
		{ "{{ first (list) }}|{{ rest (list) }}|{{ last (list) }}",
		    "<no value>|[]|<no value>" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_sprig_dicts_and_mergo)
{
	static const struct row rows[] = {
		{ "{{ $d := dict \"b\" 2 \"a\" 1 }}{{ $d }} {{ keys $d | sortAlpha }} {{ values $d | sortAlpha }} {{ get $d \"a\" }} [{{ get $d \"z\" }}]",
		    "map[a:1 b:2] [a b] [1 2] 1 []" },
		{ "{{ $d := dict \"a\" 1 }}{{ set $d \"b\" 2 }} {{ unset $d \"a\" }} {{ hasKey $d \"b\" }} {{ $d }}",
		    "map[a:1 b:2] map[b:2] true map[b:2]" },
		{ "{{ pluck \"a\" .Values.m (dict \"a\" 9) (dict) }} {{ dig \"b\" \"c\" \"def\" .Values.m }} {{ dig \"b\" \"x\" \"def\" .Values.m }}",
		    "[1 9] two def" },
		{ "{{ pick .Values.m \"a\" \"zz\" }} {{ omit .Values.m \"a\" }} {{ dict \"k\" }} {{ dict 1 2 true 3 }}",
		    "map[a:1] map[b:map[c:two]] map[k:] map[1:2 true:3]" },
		{ "{{ $a := dict \"x\" (dict \"y\" 1) \"l\" (list 1) \"e\" \"\" }}{{ merge $a (dict \"x\" (dict \"y\" 2 \"z\" 3) \"l\" (list 2) \"e\" \"filled\" \"n\" 4) | toJson }}",
		    "{\"e\":\"filled\",\"l\":[1],\"n\":4,\"x\":{\"y\":1,\"z\":3}}" },
		{ "{{ $a := dict \"x\" (dict \"y\" 1) \"k\" \"v\" }}{{ mergeOverwrite $a (dict \"x\" (dict \"y\" 2) \"k\" \"\") (dict \"k\" \"last\") | toJson }}",
		    "{\"k\":\"last\",\"x\":{\"y\":2}}" },
		{ "{{ $c := deepCopy .Values.m }}{{ $_ := set $c \"a\" 99 }}{{ .Values.m.a }} {{ $c.a }}",
		    "1 99" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_sprig_defaults)
{
	static const struct row rows[] = {
		{ "{{ default \"d\" .Values.empty }} {{ default \"d\" .Values.s }} {{ default \"d\" .Values.nl }} {{ default 5 0 }} {{ default \"x\" false }}",
		    "d hello d 5 x" },
		{ "{{ empty \"\" }} {{ empty 0 }} {{ empty .Values.l }} {{ empty (dict) }} {{ empty .Values.m }} {{ empty nil }} {{ empty false }}",
		    "true true false true false true true" },
		{ "{{ coalesce \"\" .Values.nl 0 .Values.s }} {{ ternary \"y\" \"n\" .Values.b }} {{ all 1 \"a\" }} {{ all 1 \"\" }} {{ any 0 \"\" }} {{ any 0 1 }}",
		    "hello y true false false true" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_sprig_math_and_conversions)
{
	static const struct row rows[] = {
		{ "{{ add 1 2 3 }} {{ add1 .Values.n }} {{ sub 10 3 }} {{ mul 2 3 4 }} {{ div 7 2 }} {{ div -7 2 }} {{ mod -7 3 }}",
		    "6 1 7 24 3 -3 -1" },
		{ "{{ max 1 5 3 }} {{ min 4 2 6 }} {{ biggest 1 9 }} {{ maxf 1.5 2 }} {{ minf 1.5 2 }} {{ typeOf (add 1 1) }} {{ typeOf (maxf 1 2) }}",
		    "5 2 9 2 1.5 int64 float64" },
		{ "{{ floor 1.7 }} {{ ceil 1.2 }} {{ round 2.345 2 }} {{ round 2.5 0 }} {{ round 1.24 1 0.4 }}",
		    "1 2 2.35 3 1.3" },
		{ "{{ int \"42\" }} {{ int \"4.0\" }} {{ int 3.9 }} {{ int -3.9 }} {{ int \"0x1F\" }} {{ int true }} {{ int nil }} {{ int \"x\" }}",
		    "42 4 3 -3 31 1 0 0" },
		{ "{{ int64 .Values.big }} {{ float64 \"1.5\" }} {{ float64 3 }} {{ atoi \"12\" }} {{ atoi \" 1\" }} {{ toDecimal \"0777\" }} {{ toDecimal 10 }}",
		    "1234567 1.5 3 12 0 511 8" },
		{ "{{ addf 0.1 0.2 }} {{ subf 1.5 0.25 }} {{ mulf 1.1 3 }} {{ divf 1 4 }} {{ add1f 0.5 }}",
		    "0.3 1.25 3.3 0.25 1.5" },
		{ "{{ .Values.n }} {{ .Values.big }} {{ .Values.f }} {{ mul .Values.f 2 }} {{ 1e21 }} {{ 0.000001 }} {{ 100000.0 }}",
		    "<no value> 1.234567e+06 1.5 2 1e+21 1e-06 100000" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_encodings_digests_yaml_json)
{
	static const struct row rows[] = {
		{ "{{ b64enc \"hello!\" }} {{ b64dec \"aGVsbG8h\" }} {{ b64dec \"aGk=\" }} {{ b64dec \"**\" }}",
		    "aGVsbG8h hello! hi illegal base64 data at input byte 0" },
		{ "{{ b32enc \"hello!\" }} {{ b32dec \"NBSWY3DPEE======\" }}",
		    "NBSWY3DPEE====== hello!" },
		{ "{{ sha1sum \"\" }} {{ sha256sum \"abc\" }} {{ adler32sum \"Wikipedia\" }}",
		    "da39a3ee5e6b4b0d3255bfef95601890afd80709 ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad 300286872" },
		{ "{{ derivePassword 1 \"long\" \"password\" \"user\" \"example.com\" }} {{ derivePassword 4294967296 \"pin\" \"p\" \"u\" \"s\" }} {{ derivePassword 3 \"nope\" \"p\" \"u\" \"s\" }}",
		    "ZedaFaxcZaso9* 9426 cannot find password template nope" },
		{ "{{ sha256sum (repeat 64 \"a\") }} {{ sha256sum (repeat 55 \"a\") }} {{ sha512sum (repeat 112 \"b\") | trunc 16 }}",
		    "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb 9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318 fd29e3caf85c0e46" },
		{ "{{ toJson .Values.m }} {{ toJson \"<&>\" }} {{ toRawJson \"<&>\" }} {{ toJson 1.5 }} {{ toJson .Values.big }} {{ toJson nil }}",
		    "{\"a\":1,\"b\":{\"c\":\"two\"}} \"\\u003c\\u0026\\u003e\" \"<&>\" 1.5 1234567 null" },
		{ "{{ toPrettyJson (dict \"a\" (list 1 2) \"b\" (dict)) }}",
		    "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {}\n}" },
		{ "{{ toYaml .Values.m }}|{{ toYaml (list \"a\" 1 (dict \"k\" \"v\")) }}|{{ toYaml \"yes\" }}|{{ toYaml \"1.0\" }}",
		    "a: 1\nb:\n  c: two|- a\n- 1\n- k: v|\"yes\"|\"1.0\"" },
		{ "{{ $y := fromYaml \"a: 1\\nb: [x, yes]\\nc: ~\" }}{{ $y.a }} {{ $y.b }} {{ $y.c }} {{ typeOf $y.a }}",
		    "1 [x true] <no value> float64" },
		{ "{{ (fromYaml \"- a\").Error }}|{{ fromYamlArray \"[1, two]\" }}|{{ fromJsonArray \"{}\" }}",
		    "error unmarshaling JSON: while decoding JSON: json: cannot unmarshal array into Go value of type map[string]interface {}|[1 two]|[json: cannot unmarshal object into Go value of type []interface {}]" },
		{ "{{ (fromJson \"{\\\"a\\\": [1, 2.5, \\\"x\\\", true, null]}\").a }} {{ (fromJson \"{\").Error }}",
		    "[1 2.5 x true <nil>] unexpected end of JSON input" },
		{ "{{ toToml (dict \"a\" 1 \"b\" \"x\" \"t\" (dict \"c\" true)) }}",
		    "a = 1\nb = \"x\"\n\n[t]\n  c = true\n" },
		{ "{{ toYamlPretty (dict \"a\" (list 1 (dict \"b\" (list \"x\" (list 2 3)))) \"n\" 1000000.0 \"e\" (list) \"s\" (repeat 30 \"ab \")) }}",
		    "a:\n  - 1\n  - b:\n      - x\n      - - 2\n        - 3\ne: []\n\"n\": 1e+06\ns: 'ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab ab '" },
		{ "{{ toYamlPretty (list \"yes\" \"multi\\nline\" 0.5) }}",
		    "- \"yes\"\n- |-\n  multi\n  line\n- 0.5" },
		{ "{{ toToml (dict \"x\" (dict \"y\" (list (dict \"z\" 1.0) (dict))) \"q\" \"a\\\"\\u00e9\\x01\" \"l\" (list 1 \"s\" (dict \"k\" (list))) \"n\" nil \"f\" 3.0) }}",
		    "f = 3.0\nl = [1, \"s\", {k = []}]\nq = \"a\\\"\xc3\xa9"
		    "\\u0001\"\n\n[x]\n\n  [[x.y]]\n    z = 1.0\n\n  [[x.y]]\n" },
		{ "{{ toToml (list 1 2) }}|{{ toToml (list (dict)) }}|{{ toToml (dict \"a\" (list 1 nil)) }}",
		    "[1, 2]|toml: top-level values must be Go maps or structs|toml: cannot encode array with nil element" },
		{ "{{ lookup \"v1\" \"Pod\" \"ns\" \"x\" | toJson }} {{ if lookup \"v1\" \"Secret\" \"\" \"\" }}y{{ else }}n{{ end }} {{ kindOf (lookup \"v1\" \"Pod\" \"\" \"\") }}",
		    "{} n map" },
	};

	CHECK_ROWS(rows);
}

/* Deeply nested values fail with a limit instead of overflowing the
 * stack (Go's stack grows; ours does not). */
T_TEST(test_to_toml_deep_nesting_is_a_limit)
{
	static const char deep[] =
	    "{{ $x := list }}{{ range until 600 }}{{ $x = list $x }}{{ end }}"
	    "{{ toToml (dict \"a\" $x) }}";
	static const char ok[] =
	    "{{ $x := list }}{{ range until 3 }}{{ $x = list $x }}{{ end }}"
	    "{{ toToml (dict \"a\" $x) }}";
	struct err err = ERR_INIT;
	char *got = render(deep, &err);

	T_TRUE(got == NULL);
	T_EQ(err.code, ERR_LIMIT);
	free(got);
	err_reset(&err);
	got = render(ok, &err);
	T_STREQ(got, "a = [[[[]]]]\n");
	free(got);
}

T_TEST(test_regex_like_go)
{
	static const struct row rows[] = {
		{ "{{ regexMatch \"^h.*o$\" .Values.s }} {{ regexFind \"l+\" .Values.s }} {{ regexFindAll \"[aeiou]\" \"education\" -1 }} {{ regexFindAll \"[aeiou]\" \"education\" 2 }}",
		    "true ll [e u a i o] [e u]" },
		{ "{{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"${1}W\" }} {{ regexReplaceAll \"a(x*)b\" \"-ab-axxb-\" \"$1W\" }} {{ regexReplaceAllLiteral \"a(x*)b\" \"-ab-axxb-\" \"${1}\" }}",
		    "-W-xxW- --- -${1}-${1}-" },
		{ "{{ regexSplit \"z+\" \"pizza\" -1 }} {{ regexSplit \"z+\" \"pizza\" 1 }} {{ regexSplit \"\" \"abc\" -1 }} {{ regexFindAll \"a*\" \"baaab\" -1 }}",
		    "[pi a] [pizza] [a b c] [ aaa ]" },
		{ "{{ regexReplaceAll \"x*\" \"abc\" \"-\" }} {{ regexQuoteMeta \"a.b*c[d]\" }} {{ regexMatch \"(?i)HELLO\" .Values.s }}",
		    "-a-b-c- a\\.b\\*c\\[d\\] true" },
	};

	CHECK_ROWS(rows);
}

T_TEST(test_paths_urls_types_semver_dates)
{
	static const struct row rows[] = {
		{ "{{ base \"a/b/c.tar.gz\" }} {{ dir \"a/b/c\" }} {{ ext \"c.tar.gz\" }} {{ clean \"a//b/./../c/\" }} {{ isAbs \"/a\" }} {{ base \"\" }} {{ dir \"\" }} {{ clean \"\" }}",
		    "c.tar.gz a/b .gz a/c true . . ." },
		{ "{{ $u := urlParse .Values.url }}{{ $u.scheme }} {{ $u.host }} {{ $u.hostname }} {{ $u.path }} {{ $u.query }} {{ $u.fragment }} {{ $u.userinfo }}",
		    "https example.com:8443 example.com /p/a x=1&y=2 frag user:pw" },
		{ "{{ urlJoin (dict \"scheme\" \"https\" \"host\" \"h.io\" \"path\" \"/a b\" \"query\" \"x=1\") }}",
		    "https://h.io/a%20b?x=1" },
		{ "{{ typeOf .Values.n }} {{ typeOf .Values.l }} {{ typeOf .Values.m }} {{ kindOf .Values.s }} {{ kindIs \"slice\" .Values.l }} {{ typeIsLike \"string\" .Values.s }} {{ deepEqual .Values.l (list \"a\" \"b\" \"c\") }}",
		    "<nil> []interface {} map[string]interface {} string true true true" },
		{ "{{ semverCompare \"^1.2.0\" \"1.5.0\" }} {{ semverCompare \"~1.2.0\" \"1.3.0\" }} {{ semverCompare \">=1.20.0-0\" \"v1.32.0-gke.1\" }} {{ semverCompare \">1.0 <2.0 || 3.x\" \"3.1.4\" }} {{ semverCompare \"1.2 - 1.4\" \"1.4.9\" }}",
		    "true false true true true" },
		{ "{{ $v := semver \"v1.2.3-beta.1+m\" }}{{ $v.Major }}.{{ $v.Minor }}.{{ $v.Patch }} {{ $v.Prerelease }} {{ $v.Metadata }} {{ $v }} {{ $v.Original }}",
		    "1.2.3 beta.1 m 1.2.3-beta.1+m v1.2.3-beta.1+m" },
		{ "{{ htmlDate 0 }} {{ dateInZone \"2006-01-02T15:04:05Z07:00 Mon Jan 2\" 86400 \"UTC\" }} {{ duration 95 }} {{ duration \"3661\" }}",
		    "1970-01-01 1970-01-02T00:00:00Z Fri Jan 2 0s 1h1m1s" },
		{ "{{ len (randAlphaNum 12) }} {{ len (randAlpha 3) }} {{ regexMatch \"^[0-9]{5}$\" (randNumeric 5) }} {{ len uuidv4 }} {{ len (shuffle \"abc\") }}",
		    "12 3 true 36 3" },
		{ "{{ html \"<a href=\\\"x\\\">&'\" }} {{ js \"it's <b>\" }} {{ urlquery \"a b&c=d\" }} {{ print 1 2 \"a\" nil }} {{ println 1 }}",
		    "&lt;a href=&#34;x&#34;&gt;&amp;&#39; it\\'s \\u003Cb\\u003E a+b%26c%3Dd 1 2a<nil> 1\n" },
	};

	CHECK_ROWS(rows);
}
