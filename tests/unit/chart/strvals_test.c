/*
 * The --set family (Helm's strvals grammar) through chart_render(): each
 * row is one flag value and what Helm v4.1.4's `helm template` made of
 * it, as .Values | toJson or as the error after "Error: ".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart/chart.h"
#include "core/mem.h"
#include "t.h"

enum flag {
	F_SET,
	F_STRING,
	F_FILE,
	F_JSON,
	F_LITERAL
};

struct row {
	enum flag flag;
	const char *expr;
	bool fails;
	const char *want; /* the JSON of .Values, or the error */
};

static const struct row rows[] = {
	{ F_SET, "a=1,b=+5,c=007,d=-0,e=TRUE,f=Null,g=9223372036854775808",
	    false,
	    "{\"a\":1,\"b\":5,\"c\":\"007\",\"d\":0,\"e\":true,\"f\":"
	    "null,\"g\":\"9223372036854775808\"}" },
	{ F_SET, "a={},b={x,y},c=", false,
	    "{\"a\":[\"\"],\"b\":[\"x\",\"y\"],\"c\":\"\"}" },
	{ F_SET, "a[2]=1,b[0].k=v,b[0].j=w,c[0][1]=x", false,
	    "{\"a\":[null,null,1],\"b\":[{\"j\":\"w\",\"k\":\"v\"}],"
	    "\"c\":[[null,\"x\"]]}" },
	{ F_SET, "a[0", false, "{}" },
	{ F_SET, "a.", false, "{}" },
	{ F_SET, "a\\.b=x\\,y,c=x=y", false,
	    "{\"a.b\":\"x,y\",\"c\":\"x=y\"}" },
	{ F_SET, "a[1]={p,q}", false, "{\"a\":[null,[\"p\",\"q\"]]}" },
	{ F_SET, "a=1,a.b=2", true,
	    "failed parsing --set data: unable to parse key: interfac"
	    "e conversion: interface {} is int64, not map[string]inte"
	    "rface {}" },
	{ F_SET, "a,b=1", true,
	    "failed parsing --set data: key \"a\" has no value (canno"
	    "t end with ,)" },
	{ F_SET, "a[0]x=1", true,
	    "failed parsing --set data: unexpected data at end of arr"
	    "ay index: ['x']" },
	{ F_SET, "a[-1]=1", true,
	    "failed parsing --set data: negative -1 index not allowed" },
	{ F_SET, "a[x]=1", true,
	    "failed parsing --set data: error parsing index: strconv."
	    "Atoi: parsing \"x\": invalid syntax" },
	{ F_SET, "a[70000]=1", true,
	    "failed parsing --set data: index of 70000 is greater tha"
	    "n maximum supported index of 65536" },
	{ F_SET, "a={x", true,
	    "failed parsing --set data: list must terminate with '}'" },
	{ F_SET,
	    "a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.aa.b"
	    "b.cc.dd.ee=1",
	    false,
	    "{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":{\"h\":"
	    "{\"i\":{\"j\":{\"k\":{\"l\":{\"m\":{\"n\":{\"o\":{\"p\":"
	    "{\"q\":{\"r\":{\"s\":{\"t\":{\"u\":{\"v\":{\"w\":{\"x\":"
	    "{\"y\":{\"z\":{\"aa\":{\"bb\":{\"cc\":{\"dd\":{\"ee\":1}"
	    "}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}" },
	{ F_STRING, "a=1,b=true,c={x,1}", false,
	    "{\"a\":\"1\",\"b\":\"true\",\"c\":[\"x\",\"1\"]}" },
	{ F_LITERAL, "a.b=x=y,z", false, "{\"a\":{\"b\":\"x=y,z\"}}" },
	{ F_LITERAL, "a[0]=1,2", false, "{\"a\":[\"1,2\"]}" },
	{ F_JSON, "a=1,b=\"x\",c={\"k\":[1,true]},d=,e=null", false,
	    "{\"a\":1,\"b\":\"x\",\"c\":{\"k\":[1,true]},\"d\":null,"
	    "\"e\":null}" },
	{ F_JSON, "{\"a\":{\"b\":1}}", false, "{\"a\":{\"b\":1}}" },
	{ F_JSON, "a=x", true, "failed parsing --set-json data a=x" },
	{ F_JSON, " {\"a\":", true,
	    "failed parsing --set-json data JSON:  {\"a\":" },
};

/* Writes a chart printing its values into a new directory. */
static char *
make_chart(void)
{
	char *dir = xstrdup("/tmp/flint-strvals-XXXXXX");
	char *p;
	FILE *f;

	if (mkdtemp(dir) == NULL)
		t_fail(__FILE__, __LINE__, "mkdtemp failed");
	p = xasprintf("%s/templates", dir);
	(void)mkdir(p, 0700);
	free(p);
	p = xasprintf("%s/Chart.yaml", dir);
	if ((f = fopen(p, "w")) != NULL) {
		(void)fputs("apiVersion: v2\nname: c\nversion: 0.1.0\n", f);
		(void)fclose(f);
	}
	free(p);
	p = xasprintf("%s/templates/t.yaml", dir);
	if ((f = fopen(p, "w")) != NULL) {
		(void)fputs("v: {{ .Values | toJson }}\n", f);
		(void)fclose(f);
	}
	free(p);
	return dir;
}

static void
remove_chart(char *dir)
{
	static const char *const parts[] = { "templates/t.yaml", "Chart.yaml",
		"templates" };

	for (size_t i = 0; i < 3; i++) {
		char *p = xasprintf("%s/%s", dir, parts[i]);

		(void)remove(p);
		free(p);
	}
	(void)rmdir(dir);
	free(dir);
}

/* Renders with the one flag value; the "v: " line's JSON or NULL. */
static char *
render_with(const char *dir, enum flag flag, const char *expr, struct err *err)
{
	const char *one[] = { expr };
	struct chart_values v = { 0 };
	struct chart_opts o = { .release = "x", .namespace = "default" };
	struct chart *c = NULL;
	struct buf out;
	char *res = NULL, *line;

	switch (flag) {
	case F_SET:
		v.set = one, v.nset = 1;
		break;
	case F_STRING:
		v.set_string = one, v.nset_string = 1;
		break;
	case F_FILE:
		v.set_file = one, v.nset_file = 1;
		break;
	case F_JSON:
		v.set_json = one, v.nset_json = 1;
		break;
	default:
		v.set_literal = one, v.nset_literal = 1;
	}
	buf_init(&out, 1 << 20);
	if (chart_load_dir(&c, dir, NULL, err) == 0 &&
	    chart_render(&out, c, &v, &o, err) == 0 &&
	    (line = strstr(out.data, "\nv: ")) != NULL)
		res = xstrndup(line + 4, strcspn(line + 4, "\n"));
	chart_free(c);
	buf_release(&out);
	return res;
}

T_TEST(test_set_flags_parse_as_helm_does)
{
	char *dir = make_chart();

	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct err err = ERR_INIT;
		char *got = render_with(dir, rows[i].flag, rows[i].expr, &err);
		const char *have = rows[i].fails ? (got == NULL ? err.msg : "")
		                                 : got;

		if (!t_streq(have, rows[i].want))
			t_fail(__FILE__, __LINE__,
			    "%s:\n  got  [%s]\n  want [%s]", rows[i].expr,
			    have != NULL ? have : err.msg, rows[i].want);
		free(got);
	}
	remove_chart(dir);
}

T_TEST(test_set_file_reads_each_named_file)
{
	char path[] = "/tmp/flint-strvals-XXXXXX";
	char *dir = make_chart();
	int fd = mkstemp(path);
	struct err err = ERR_INIT;
	char *expr, *got;

	T_TRUE(fd != -1 && write(fd, "line1\n\"q\"", 9) == 9);
	close(fd);
	expr = xasprintf("a=%s,b={%s,%s}", path, path, path);
	got = render_with(dir, F_FILE, expr, &err);
	T_STREQ(got,
	    "{\"a\":\"line1\\n\\\"q\\\"\",\"b\":[\"line1\\n\\\"q\\\"\","
	    "\"line1\\n\\\"q\\\"\"]}");
	free(got);
	free(expr);
	unlink(path);
	remove_chart(dir);
}

T_TEST(test_set_file_of_a_missing_file_fails)
{
	char *dir = make_chart();
	struct err err = ERR_INIT;
	char *got = render_with(dir, F_FILE, "a=/nonexistent/flint", &err);

	T_TRUE(got == NULL);
	T_STREQ(err.msg,
	    "failed parsing --set-file data: open /nonexistent/flint: no "
	    "such file or directory");
	free(got);
	remove_chart(dir);
}
