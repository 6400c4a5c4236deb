/*
 * Chart packaging from a source tree: the archive has one top directory
 * named after the chart and loads as a chart; valuesFiles replace
 * values.yaml merged in order; version metadata reaches Chart.yaml and
 * the result; paths leaving the tree and missing values files fail.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "chart/chart.h"
#include "chartpkg.h"
#include "core/mem.h"
#include "t.h"

struct tree {
	char *root, *src, *work, *out;
};

static void
put(const char *dir, const char *rel, const char *text)
{
	char *p = xasprintf("%s/%s", dir, rel);
	char *slash = strrchr(p, '/');
	FILE *f;

	for (char *s = p + strlen(dir) + 1; s < slash; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		(void)mkdir(p, 0700);
		*s = '/';
	}
	*slash = '\0';
	(void)mkdir(p, 0700);
	*slash = '/';
	f = fopen(p, "w");
	T_TRUE(f != NULL);
	if (f != NULL) {
		(void)fputs(text, f);
		(void)fclose(f);
	}
	free(p);
}

static char *
get(const char *dir, const char *rel)
{
	char *p = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(p, "r");
	char buf[4096];
	size_t n;

	free(p);
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

static void
tree_init(struct tree *t)
{
	t->root = xstrdup("/tmp/flint-chartpkg-XXXXXX");
	if (mkdtemp(t->root) == NULL)
		abort();
	t->src = xasprintf("%s/src", t->root);
	t->work = xasprintf("%s/work", t->root);
	t->out = xasprintf("%s/out", t->root);
	(void)mkdir(t->src, 0700);
	(void)mkdir(t->work, 0700);
	(void)mkdir(t->out, 0700);
	put(t->src, "charts/app/Chart.yaml",
	    "apiVersion: v2\nname: web\nversion: 1.2.3\n");
	put(t->src, "charts/app/values.yaml",
	    "replicas: 1\nimage:\n  tag: a\n");
	put(t->src, "charts/app/templates/cm.yaml", "kind: ConfigMap\n");
	put(t->src, "charts/app/charts/dep/Chart.yaml",
	    "apiVersion: v2\nname: dep\nversion: 0.1.0\n");
	put(t->src, "env/prod.yaml", "replicas: 3\nimage:\n  pull: Always\n");
}

static void
tree_release(struct tree *t)
{
	struct err err = ERR_INIT;

	T_OK(artifact_tree_remove(t->root, false, &err), &err);
	free(t->root);
	free(t->src);
	free(t->work);
	free(t->out);
}

/* Packs with o into a temporary file, extracts it into t->out. */
static int
pack(struct tree *t, struct chartpkg_opts *o, struct chartpkg_result *r,
    struct err *err)
{
	char path[] = "/tmp/flint-chartpkg-tgz-XXXXXX";
	int fd = mkstemp(path), rv;

	T_TRUE(fd != -1);
	(void)unlink(path);
	o->src_root = t->src;
	rv = chartpkg_pack(r, fd, t->work, o, err);
	if (rv == 0) {
		struct chart *c = NULL;
		off_t n = lseek(fd, 0, SEEK_END);
		char *data = xmalloc((size_t)n);

		T_EQ(pread(fd, data, (size_t)n, 0), n);
		T_OK(chart_load_archive(&c, data, (size_t)n, NULL, err), err);
		T_STREQ(c != NULL ? chart_version(c) : NULL, r->version);
		chart_free(c);
		T_OK(artifact_extract_mem(t->out, data, (size_t)n, NULL, NULL,
		         err),
		    err);
		free(data);
	}
	close(fd);
	return rv;
}

T_TEST(test_chart_is_packed_under_its_name_with_values_merged)
{
	const char *files[] = { "charts/app/values.yaml", "env/prod.yaml" };
	struct chartpkg_opts o = { .chart_path = "charts/app",
		.values_files = files,
		.nvalues_files = 2 };
	struct chartpkg_result r = { 0 };
	struct err err = ERR_INIT;
	struct tree t;
	char *v, *dep;

	tree_init(&t);
	T_OK(pack(&t, &o, &r, &err), &err);
	T_STREQ(r.name, "web");
	T_STREQ(r.version, "1.2.3");
	v = get(t.out, "web/values.yaml");
	dep = get(t.out, "web/charts/dep/Chart.yaml");
	T_TRUE(v != NULL && strstr(v, "replicas: 3") != NULL);
	T_TRUE(v != NULL && strstr(v, "tag: a") != NULL);
	T_TRUE(v != NULL && strstr(v, "pull: Always") != NULL);
	T_TRUE(dep != NULL);
	free(v);
	free(dep);
	chartpkg_result_release(&r);
	tree_release(&t);
}

T_TEST(test_only_listed_values_files_count)
{
	const char *files[] = { "env/prod.yaml" };
	struct chartpkg_opts o = { .chart_path = "charts/app",
		.values_files = files,
		.nvalues_files = 1 };
	struct chartpkg_result r = { 0 };
	struct err err = ERR_INIT;
	struct tree t;
	char *v;

	tree_init(&t);
	T_OK(pack(&t, &o, &r, &err), &err);
	v = get(t.out, "web/values.yaml");
	T_TRUE(v != NULL && strstr(v, "tag: a") == NULL);
	T_TRUE(v != NULL && strstr(v, "replicas: 3") != NULL);
	free(v);
	chartpkg_result_release(&r);
	tree_release(&t);
}

T_TEST(test_version_metadata_reaches_chart_yaml)
{
	struct chartpkg_opts o = { .chart_path = "charts/app",
		.version_meta = "0123456789ab" };
	struct chartpkg_result r = { 0 };
	struct err err = ERR_INIT;
	struct tree t;
	char *c, *v;

	tree_init(&t);
	T_OK(pack(&t, &o, &r, &err), &err);
	T_STREQ(r.version, "1.2.3+0123456789ab");
	c = get(t.out, "web/Chart.yaml");
	T_TRUE(c != NULL && strstr(c, "1.2.3+0123456789ab") != NULL);
	v = get(t.out, "web/values.yaml"); /* untouched without valuesFiles */
	T_STREQ(v, "replicas: 1\nimage:\n  tag: a\n");
	free(c);
	free(v);
	chartpkg_result_release(&r);
	tree_release(&t);
}

T_TEST(test_bad_paths_and_missing_files_fail)
{
	const char *escape[] = { "../x.yaml" };
	const char *missing[] = { "env/absent.yaml" };
	struct chartpkg_opts o = { .chart_path = "../src/charts/app" };
	struct chartpkg_result r = { 0 };
	struct err err = ERR_INIT;
	struct tree t;

	tree_init(&t);
	T_ERR(pack(&t, &o, &r, &err), &err, ERR_INVALID);
	o.chart_path = "/etc";
	T_ERR(pack(&t, &o, &r, &err), &err, ERR_INVALID);
	o.chart_path = "charts/none";
	T_ERR(pack(&t, &o, &r, &err), &err, ERR_NOTFOUND);
	o.chart_path = "charts/app";
	o.values_files = escape;
	o.nvalues_files = 1;
	T_ERR(pack(&t, &o, &r, &err), &err, ERR_INVALID);
	o.values_files = missing;
	T_ERR(pack(&t, &o, &r, &err), &err, ERR_NOTFOUND);
	o.ignore_missing_values = true;
	T_OK(pack(&t, &o, &r, &err), &err);
	T_STREQ(r.name, "web");
	chartpkg_result_release(&r);
	tree_release(&t);
}
