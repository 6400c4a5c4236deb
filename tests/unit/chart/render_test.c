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

/* Like render(), into *rel with the hooks apart; 0 or -1. */
static int
render_release(struct chart_release *rel, const struct file *files, size_t n,
    const struct chart_opts *o, struct err *err)
{
	char *dir = write_chart(files, n);
	struct chart *c = NULL;
	int rv = -1;

	*rel = (struct chart_release){ 0 };
	if (dir == NULL)
		err_set(err, ERR_IO, "mkdtemp failed");
	else if (chart_load_dir(&c, dir, NULL, err) == 0)
		rv = chart_render_release(rel, c, NULL, o, err);
	chart_free(c);
	if (dir != NULL)
		nftw(dir, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(dir);
	return rv;
}

#define HOOK(kind, name, events, weight, policy)               \
	"---\nkind: " kind "\nmetadata:\n  name: " name        \
	"\n  annotations:\n    helm.sh/hook: \"" events "\"\n" \
	"    helm.sh/hook-weight: \"" weight "\"\n"            \
	"    helm.sh/hook-delete-policy: \"" policy "\"\n"

/* Helm's SortManifests as helm template showed it for the same chart:
 * objects apart, hooks by kind then as rendered, events with unknown or
 * empty parts dropped, weights by strconv.Atoi. */
T_TEST(test_release_sets_hooks_apart_with_events_weights_policies)
{
	static const struct file files[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "templates/a.yaml",
		    HOOK("Job", "j", "pre-install,post-upgrade", "-5",
		        "before-hook-creation,Hook-Succeeded") HOOK("ConfigMap",
		        "c", "pre-install", "10", "") HOOK("Pod", "t",
		        " Test-Success ", " 3", "bogus") HOOK("Secret", "u",
		        "pre-install,", "1", "") HOOK("Secret", "e", "", "1",
		        "") HOOK("Job", "d", " PRE-DELETE , post-delete ", "+2",
		        " hook-failed , hook-succeeded ") "---\nkind: Service\nmetadata:\n"
		                                          "  name: s\n" },
	};
	struct err err = ERR_INIT;
	struct chart_release rel;
	const struct chart_hook *h = NULL;

	T_OK(render_release(&rel, files, 2, &opts, &err), &err);
	T_STREQ(rel.manifest,
	    "---\n# Source: t/templates/a.yaml\nkind: Service\nmetadata:\n"
	    "  name: s\n");
	T_EQ(rel.manifest_len, strlen(rel.manifest));
	T_EQ(rel.nhooks, 4);
	if (rel.nhooks == 4)
		h = rel.hooks;
	if (h != NULL) {
		T_STREQ(h[0].name, "c");
		T_STREQ(h[0].kind, "ConfigMap");
		T_STREQ(h[0].path, "t/templates/a.yaml");
		T_EQ(h[0].events, CHART_HOOK_PRE_INSTALL);
		T_EQ(h[0].weight, 10);
		T_EQ(h[0].delete_policies, 0);
		T_STREQ(h[1].name, "t");
		T_EQ(h[1].events, CHART_HOOK_TEST);
		T_EQ(h[1].weight, 0);
		T_EQ(h[1].delete_policies, 0);
		T_STREQ(h[2].name, "j");
		T_EQ(h[2].events,
		    CHART_HOOK_PRE_INSTALL | CHART_HOOK_POST_UPGRADE);
		T_EQ(h[2].weight, -5);
		T_EQ(h[2].delete_policies,
		    CHART_HOOK_DELETE_BEFORE_CREATION |
		        CHART_HOOK_DELETE_SUCCEEDED);
		T_TRUE(strncmp(h[2].manifest, "kind: Job\nmetadata:\n  name: j",
		           29) == 0);
		T_EQ(h[2].manifest_len, strlen(h[2].manifest));
		T_STREQ(h[3].name, "d");
		T_EQ(h[3].events,
		    CHART_HOOK_PRE_DELETE | CHART_HOOK_POST_DELETE);
		T_EQ(h[3].weight, 2);
		T_EQ(h[3].delete_policies,
		    CHART_HOOK_DELETE_FAILED | CHART_HOOK_DELETE_SUCCEEDED);
	}
	chart_release_free(&rel);
}

T_TEST(test_release_skips_test_hooks_when_asked)
{
	static const struct file files[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "templates/a.yaml",
		    HOOK("Pod", "t", "test", "0", "")
		        HOOK("Job", "j", "post-install", "0", "") },
	};
	struct chart_opts o = opts;
	struct err err = ERR_INIT;
	struct chart_release rel;

	o.skip_tests = true;
	T_OK(render_release(&rel, files, 2, &o, &err), &err);
	T_STREQ(rel.manifest, "");
	T_EQ(rel.nhooks, 1);
	T_STREQ(rel.nhooks == 1 ? rel.hooks[0].name : "", "j");
	chart_release_free(&rel);
}

T_TEST(test_release_errors_like_render)
{
	static const struct file files[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "templates/a.yaml", "{{ fail \"no\" }}" },
	};
	struct err err = ERR_INIT;
	struct chart_release rel;

	T_EQ(render_release(&rel, files, 2, &opts, &err), -1);
	T_EQ(err.code, ERR_INVALID);
	T_STREQ(err.msg, "execution error at (t/templates/a.yaml:1:3): no");
	chart_release_free(&rel);
}

/* "-f -" reads standard input once: a second "-" reads it drained. */
T_TEST(test_values_file_dash_reads_stdin_once)
{
	static const struct file files[] = {
		{ "Chart.yaml", CHART_YAML },
		{ "values.yaml", "a: default\nb: default\n" },
		{ "templates/a.yaml",
		    "a: {{ .Values.a }}\nb: {{ .Values.b }}\n" },
	};
	static const char *const dash[] = { " - ", "-" };
	static const char in[] = "a: stdin\nb: stdin\n";
	struct chart_values v = { .files = dash,
		.nfiles = 2,
		.stdin_data = in,
		.stdin_len = sizeof(in) - 1 };
	struct err err = ERR_INIT;
	char *got = render(files, 3, &v, &opts, &err);

	T_STREQ(got, "---\n# Source: t/templates/a.yaml\na: stdin\nb: stdin\n");
	free(got);
	v.stdin_len = 5; /* "a: st" then junk would fail: check it is read */
	got = render(files, 3, &v, &opts, &err);
	T_STREQ(got, "---\n# Source: t/templates/a.yaml\na: st\nb: default\n");
	free(got);
}
