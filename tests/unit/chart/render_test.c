/*
 * chart_load_dir() and chart_render() on small charts written to a
 * temporary directory; the expected streams are what Helm v4.1.4's
 * `helm template` printed for the same charts.
 */
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart/chart.h"
#include "core/mem.h"
#include "t.h"

struct file {
	const char *path;
	const char *data;
};

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

/* Writes files under a new temporary directory; returns it. */
static char *
write_chart(const struct file *files, size_t n)
{
	char *dir = xstrdup("/tmp/flint-chart-XXXXXX");

	if (mkdtemp(dir) == NULL) {
		free(dir);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		char *path = xasprintf("%s/%s", dir, files[i].path);
		FILE *f;

		for (char *s = strchr(path + strlen(dir) + 1, '/'); s != NULL;
		     s = strchr(s + 1, '/')) {
			*s = '\0';
			mkdir(path, 0700);
			*s = '/';
		}
		if ((f = fopen(path, "w")) != NULL) {
			fputs(files[i].data, f);
			fclose(f);
		}
		free(path);
	}
	return dir;
}

/* Renders the chart in files with values and opts; the stream or NULL. */
static char *
render(const struct file *files, size_t n, const struct chart_values *v,
    const struct chart_opts *o, struct err *err)
{
	char *dir = write_chart(files, n);
	struct chart *c = NULL;
	struct buf out;
	char *res = NULL;

	buf_init(&out, 1 << 20);
	if (dir == NULL)
		err_set(err, ERR_IO, "mkdtemp failed");
	else if (chart_load_dir(&c, dir, NULL, err) == 0 &&
	    chart_render(&out, c, v, o, err) == 0)
		res = buf_detach(&out, NULL);
	chart_free(c);
	buf_release(&out);
	if (dir != NULL)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return res;
}

#define CHART_YAML "apiVersion: v2\nname: t\nversion: 0.1.0\n"

static const struct chart_opts opts = { .release = "rel",
	.namespace = "ns",
	.kube_version = "1.32.0" };

T_TEST(test_output_in_install_order_with_hooks_last)
{
	static const struct file files[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "templates/a.yaml",
		    "kind: Deployment\nmetadata:\n  name: d\n---\n"
		    "kind: Job\nmetadata:\n  name: h\n  annotations:\n"
		    "    helm.sh/hook: pre-install\n" },
		{ "templates/b.yaml", "kind: Service\nmetadata:\n  name: s\n" },
		{ "templates/_p.tpl", "kind: Nope\n" },
		{ "templates/NOTES.txt", "hello {{ .Release.Name }}" },
	};
	struct err err = ERR_INIT;
	char *got = render(files, 5, NULL, &opts, &err);

	T_STREQ(got,
	    "---\n# Source: t/templates/b.yaml\nkind: Service\nmetadata:\n"
	    "  name: s\n---\n# Source: t/templates/a.yaml\nkind: Deployment\n"
	    "metadata:\n  name: d\n---\n# Source: t/templates/a.yaml\n"
	    "kind: Job\nmetadata:\n  name: h\n  annotations:\n"
	    "    helm.sh/hook: pre-install\n");
	if (got == NULL)
		t_fail(__FILE__, __LINE__, "%s", err.msg);
	free(got);
}

T_TEST(test_values_files_merge_in_order_and_null_deletes)
{
	static const struct file files[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "values.yaml", "a: {x: 1, y: 2}\nb: keep\nc: 3\n" },
		{ "templates/t.yaml", "out: {{ .Values | toJson }}\n" },
		{ "v1.yaml", "a: {x: 9}\nb: over\n" },
		{ "v2.yaml", "a: {y: null}\nc: null\n" },
	};
	char *dir = write_chart(files, 5);
	char *v1 = xasprintf("%s/v1.yaml", dir),
	     *v2 = xasprintf("%s/v2.yaml", dir);
	const char *list[] = { v1, v2 };
	struct chart_values v = { .files = list, .nfiles = 2 };
	struct chart *c = NULL;
	struct err err = ERR_INIT;
	struct buf out;

	buf_init(&out, 1 << 20);
	T_OK(chart_load_dir(&c, dir, NULL, &err), &err);
	T_OK(chart_render(&out, c, &v, &opts, &err), &err);
	T_STREQ(out.data,
	    "---\n# Source: t/templates/t.yaml\n"
	    "out: {\"a\":{\"x\":9},\"b\":\"over\"}\n");
	chart_free(c);
	buf_release(&out);
	nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(v1);
	free(v2);
	free(dir);
}

T_TEST(test_set_values_are_typed_like_helm)
{
	static const struct file files[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "templates/t.yaml",
		    "out: {{ .Values | toJson }}\nt: {{ printf \"%T %T\" "
		    ".Values.n .Values.s }}\n" },
	};
	const char *set[] = { "a.b=1,l={x,y}", "n=5", "t=true", "z=null",
		"i[1].k=v" };
	const char *set_string[] = { "s=5" };
	struct chart_values v = { .set = set,
		.nset = 5,
		.set_string = set_string,
		.nset_string = 1 };
	struct err err = ERR_INIT;
	char *got = render(files, 2, &v, &opts, &err);

	T_STREQ(got,
	    "---\n# Source: t/templates/t.yaml\nout: "
	    "{\"a\":{\"b\":1},\"i\":[null,{\"k\":\"v\"}],\"l\":[\"x\",\"y\"],"
	    "\"n\":5,\"s\":\"5\",\"t\":true,\"z\":null}\nt: int64 string\n");
	free(got);
}

T_TEST(test_subcharts_alias_condition_and_globals)
{
	static const struct file files[] = {
		{ "Chart.yaml",
		    CHART_YAML "dependencies:\n- name: sub\n  version: 0.1.0\n"
		               "  alias: one\n- name: sub\n  version: 0.1.0\n"
		               "  alias: two\n  condition: two.enabled\n" },
		{ "values.yaml",
		    "global: {g: 1}\none: {x: a}\ntwo: {enabled: false}\n" },
		{ "templates/t.yaml", "kind: A\n" },
		{ "charts/sub/Chart.yaml",
		    "apiVersion: v2\nname: sub\nversion: 0.1.0\n" },
		{ "charts/sub/values.yaml", "x: default\n" },
		{ "charts/sub/templates/s.yaml",
		    "kind: B\nname: {{ .Chart.Name }}\nx: {{ .Values.x }}\n"
		    "g: {{ .Values.global.g }}\n" },
	};
	struct err err = ERR_INIT;
	char *got = render(files, 6, NULL, &opts, &err);

	/* kinds Helm does not know sort by name, A before B */
	T_STREQ(got,
	    "---\n# Source: t/templates/t.yaml\nkind: A\n---\n# Source: "
	    "t/charts/one/templates/s.yaml\nkind: B\nname: one\nx: a\ng: 1\n");
	if (got == NULL)
		t_fail(__FILE__, __LINE__, "%s", err.msg);
	free(got);
}

T_TEST(test_helmignore_and_files)
{
	static const struct file files[] = {
		{ "Chart.yaml", CHART_YAML },
		{ ".helmignore", "*.bak\nsecret/\n" },
		{ "conf/a.txt", "A\n" },
		{ "conf/b.bak", "B\n" },
		{ "secret/k", "K\n" },
		{ "templates/t.yaml",
		    "a: {{ .Files.Get \"conf/a.txt\" | quote }}\n"
		    "b: {{ .Files.Get \"conf/b.bak\" | quote }}\n"
		    "k: {{ .Files.Get \"secret/k\" | quote }}\n"
		    "g: {{ .Files.Glob \"conf/*\" | len }}\n" },
	};
	struct err err = ERR_INIT;
	char *got = render(files, 6, NULL, &opts, &err);

	T_STREQ(got,
	    "---\n# Source: t/templates/t.yaml\na: \"A\\n\"\nb: \"\"\n"
	    "k: \"\"\ng: 1\n");
	free(got);
}

T_TEST(test_bad_charts_are_refused)
{
	static const struct file no_chart_yaml[] = {
		{ "values.yaml", "a: 1\n" },
	};
	static const struct file bad_template[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "templates/t.yaml", "a: 1\n{{ end }}\n" },
	};
	static const struct file not_a_map[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "templates/t.yaml", "- a\n- b\n" },
	};
	static const struct file no_kube[] = {
		{ "Chart.yaml", CHART_YAML "kubeVersion: \">=1.40.0\"\n" },
	};
	struct chart *c = NULL;
	struct err err = ERR_INIT;
	char *got;

	T_ERR(chart_load_dir(&c, "/nonexistent/flint-chart", NULL, &err), &err,
	    ERR_NOTFOUND);
	got = render(no_chart_yaml, 1, NULL, &opts, &err);
	T_TRUE(got == NULL && strstr(err.msg, "Chart.yaml file is missing"));
	err_reset(&err);
	got = render(bad_template, 2, NULL, &opts, &err);
	T_TRUE(got == NULL &&
	    strstr(err.msg,
	        "parse error at (t/templates/t.yaml:2): "
	        "unexpected {{end}}"));
	err_reset(&err);
	got = render(not_a_map, 2, NULL, &opts, &err);
	T_TRUE(got == NULL && strstr(err.msg, "YAML parse error on t/"));
	err_reset(&err);
	got = render(no_kube, 1, NULL, &opts, &err);
	T_TRUE(got == NULL && strstr(err.msg, "chart requires kubeVersion"));
}
