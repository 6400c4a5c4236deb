/*
 * Chart packaging for Git-sourced HelmCharts: load to check, merge
 * values files with JSON merge patch semantics (later files win, maps
 * merge, null deletes, as Helm's coalescing does for overrides), rewrite
 * Chart.yaml's version when asked, then pack <work>/<name>/ with the
 * artifact packer (fixed modes and times, symlinks dropped).
 */
#include "chartpkg.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "chart/chart.h"
#include "core/buf.h"
#include "core/mem.h"
#include "doc/doc.h"

#define VALUES_MAX_BYTES ((size_t)5 << 20) /* Helm's per-file limit */

/* A relative path that stays inside its root. */
static bool
path_safe(const char *p)
{
	const char *s = p;

	if (p == NULL || p[0] == '/' || p[0] == '\0')
		return false;
	while (*s != '\0') {
		size_t n = strcspn(s, "/");

		if (n == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s += n;
		s += *s == '/' ? 1 : 0;
	}
	return true;
}

/* Reads a whole file of at most VALUES_MAX_BYTES; malloc'd. */
static char *
file_read(const char *path, size_t *len, struct err *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	struct buf b;
	char chunk[8192];
	ssize_t n;

	if (fd == -1) {
		err_errno(err, errno, "open '%s'", path);
		return NULL;
	}
	buf_init(&b, VALUES_MAX_BYTES);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	if (n == -1 || buf_check(&b, err) == -1) {
		if (n == -1)
			err_errno(err, errno, "read '%s'", path);
		buf_release(&b);
		return NULL;
	}
	return buf_detach(&b, len);
}

static int
file_write(const char *path, const char *p, size_t n, struct err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	bool ok;

	if (fd == -1)
		return err_errno(err, errno, "create '%s'", path);
	ok = write(fd, p, n) == (ssize_t)n;
	if (close(fd) == -1 || !ok)
		return err_errno(err, errno, "write '%s'", path);
	return 0;
}

/* Parses one YAML file into d; a missing file leaves *d NULL when
 * missing_ok. */
static int
yaml_load(struct doc **d, const char *path, bool missing_ok, struct err *err)
{
	size_t n = 0;
	char *text = file_read(path, &n, err);
	int rv;

	*d = NULL;
	if (text == NULL) {
		if (missing_ok && err->code == ERR_NOTFOUND) {
			err_reset(err);
			return 0;
		}
		return -1;
	}
	rv = doc_parse_yaml(d, text, n, NULL, err);
	free(text);
	if (rv == -1)
		return err_wrap(err, "values file '%s'", path);
	return 0;
}

/* Merges one values file into *values (a map in a). */
static int
values_merge_one(struct arena *a, struct doc_node **values, const char *root,
    const char *rel, bool ignore_missing, struct err *err)
{
	char *path = xasprintf("%s/%s", root, rel);
	struct doc *d = NULL;
	const struct doc_node *top;
	int rv = -1;

	if (!path_safe(rel))
		err_set(err, ERR_INVALID,
		    "values file path '%s' leaves the source", rel);
	else if (yaml_load(&d, path, ignore_missing, err) == 0)
		rv = 0;
	free(path);
	if (rv == -1 || d == NULL)
		return rv;
	top = doc_root(d, 0);
	if (top != NULL && top->kind == DOC_MAP)
		doc_merge_patch(a, values, top);
	else if (top != NULL && top->kind != DOC_NULL)
		rv = err_set(err, ERR_INVALID,
		    "values file '%s' is not a mapping", rel);
	doc_free(d);
	return rv;
}

/* The values files merged in order replace chart_dir/values.yaml, as
 * Flux does: the chart's own values count only when listed. */
static int
values_merge(const char *chart_dir, const struct chartpkg_opts *o,
    struct err *err)
{
	char *path = xasprintf("%s/values.yaml", chart_dir);
	struct doc *out = doc_new();
	struct arena *a = doc_arena(out);
	struct doc_node *values = doc_new_map(a);
	struct buf b;
	int rv = 0;

	for (size_t i = 0; rv == 0 && i < o->nvalues_files; i++)
		rv = values_merge_one(a, &values, o->src_root,
		    o->values_files[i], o->ignore_missing_values, err);
	buf_init(&b, BUF_MAX_DEFAULT);
	if (rv == 0 && (rv = doc_emit_yaml(&b, values, err)) == 0)
		rv = file_write(path, b.data != NULL ? b.data : "", b.len, err);
	buf_release(&b);
	doc_free(out);
	free(path);
	return rv;
}

/* Chart.yaml's version becomes version (with the build metadata). */
static int
version_rewrite(const char *chart_dir, const char *version, struct err *err)
{
	char *path = xasprintf("%s/Chart.yaml", chart_dir);
	struct doc *d = NULL;
	struct doc_node *top;
	struct buf b;
	int rv = yaml_load(&d, path, false, err);

	buf_init(&b, BUF_MAX_DEFAULT);
	if (rv == 0 && ((top = doc_root(d, 0)) == NULL || top->kind != DOC_MAP))
		rv = err_set(err, ERR_INVALID, "Chart.yaml is not a mapping");
	if (rv == 0) {
		doc_map_set(doc_arena(d), top, "version", 7,
		    doc_new_str(doc_arena(d), version, strlen(version)));
		rv = doc_emit_yaml(&b, top, err);
	}
	if (rv == 0)
		rv = file_write(path, b.data, b.len, err);
	buf_release(&b);
	doc_free(d);
	free(path);
	return rv;
}

/* Loads the chart at dir to check it and learn its name and version. */
static int
chart_check(struct chartpkg_result *out, const char *dir, struct err *err)
{
	struct chart *c = NULL;

	if (chart_load_dir(&c, dir, NULL, err) == -1)
		return -1;
	out->name = xstrdup(chart_name(c));
	out->version = xstrdup(chart_version(c));
	chart_free(c);
	if (strchr(out->name, '/') != NULL || out->name[0] == '.' ||
	    strchr(out->version, '/') != NULL)
		return err_set(err, ERR_INVALID,
		    "chart name '%s' or version '%s' is not a file name",
		    out->name, out->version);
	return 0;
}

/* Moves the chart to <work>/<name>, edits it, packs <work>. */
static int
lay_out_and_pack(struct chartpkg_result *r, int fd, const char *work_dir,
    const char *chart_dir, const struct chartpkg_opts *o, struct err *err)
{
	char *dst = xasprintf("%s/%s", work_dir, r->name);
	struct artifact_info info;
	int rv = 0;

	if (o->nvalues_files > 0)
		rv = values_merge(chart_dir, o, err);
	if (rv == 0 && o->version_meta != NULL) {
		char *v = xasprintf("%s+%s", r->version, o->version_meta);

		free(r->version);
		r->version = v;
		rv = version_rewrite(chart_dir, v, err);
	}
	if (rv == 0 && rename(chart_dir, dst) == -1)
		rv = err_errno(err, errno, "move chart to '%s'", dst);
	if (rv == 0)
		rv = artifact_pack(&info, fd, work_dir, NULL, NULL, err);
	free(dst);
	return rv;
}

int
chartpkg_pack(struct chartpkg_result *out, int fd, const char *work_dir,
    const struct chartpkg_opts *o, struct err *err)
{
	struct chartpkg_result r = { 0 };
	char *dir;
	int rv;

	if (!path_safe(o->chart_path))
		return err_set(err, ERR_INVALID,
		    "chart path '%s' is not inside the source", o->chart_path);
	dir = xasprintf("%s/%s", o->src_root, o->chart_path);
	rv = chart_check(&r, dir, err);
	if (rv == 0)
		rv = lay_out_and_pack(&r, fd, work_dir, dir, o, err);
	free(dir);
	if (rv == -1) {
		chartpkg_result_release(&r);
		return -1;
	}
	*out = r;
	return 0;
}

void
chartpkg_result_release(struct chartpkg_result *r)
{
	if (r == NULL)
		return;
	free(r->name);
	free(r->version);
	memset(r, 0, sizeof(*r));
}
