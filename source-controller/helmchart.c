/*
 * The HelmChart reconciler for charts from a HelmRepository, as Flux's:
 * look the chart's best version up in the repository's stored index (a
 * stream, never the whole index in memory), download the .tgz with the
 * repository's credentials (to other hosts only with passCredentials),
 * check that it loads as a chart (safe extraction rules), and store it
 * as <chart>-<version>.tgz; the revision is the chart version. Nothing is
 * downloaded when that version is already stored.
 *
 * From a GitRepository: its artifact (digest checked) is extracted, the
 * chart at spec.chart is packaged with its charts/ and valuesFiles
 * merged in (chartpkg), and stored as <name>-<version>.tgz; the revision
 * is the chart version, with "+<12 hex of the commit>" under
 * reconcileStrategy Revision. A new source revision repackages; the
 * same version is not stored twice.
 *
 * Not supported yet, and said so with Stalled: Bucket sources,
 * valuesFiles with a HelmRepository, verify and HelmRepositories of
 * type oci.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "chart/chart.h"
#include "chartpkg.h"
#include "core/arena.h"
#include "core/mem.h"
#include "core/str.h"
#include "ctrl/status.h"
#include "helmindex.h"
#include "srcobj.h"

#define KIND       "HelmChart"
#define KIND_LOWER "helmchart"

#define CHART_MAX_BYTES      ((uint64_t)10 << 20) /* Flux's default */
#define REASON_PULL_OK       "ChartPullSucceeded"
#define REASON_REFERENCE     "InvalidChartReference"
#define REASON_PULL_ERROR    "ChartPullError"
#define REASON_SOURCE_MISS   "SourceUnavailable"
#define REASON_UNSUPPORTED   "UnsupportedFeature"
#define REASON_FAILED        "Failed"
#define REASON_PACKAGE_OK    "ChartPackageSucceeded"
#define REASON_PACKAGE_ERROR "ChartPackageError"

/* One reconcile: the object and the HelmRepository it pulls from. */
struct helmchart {
	struct srcobj o;
	const char *chart;
	const char *version; /* constraint */
	const char *kind;    /* of the source */
	bool git;
	struct doc *repo_doc;
	const struct doc_node *repo; /* its root */
	const char *repo_url;
	const char *src_path, *src_rev, *src_digest; /* a GitRepository's */
};

static int
unsupported(struct err *err, const char *what)
{
	err_set(err, ERR_UNSUPPORTED, "%s is not supported yet by flint", what);
	return err_reason(err, REASON_UNSUPPORTED);
}

static int
check_spec(struct helmchart *h, struct err *err)
{
	const char *kind = srcobj_str(&h->o, "/sourceRef/kind");
	const struct doc_node *vf = doc_ptr_find(h->o.spec, "/valuesFiles");

	h->chart = srcobj_str(&h->o, "/chart");
	h->version = srcobj_str(&h->o, "/version");
	if (h->version == NULL)
		h->version = "*";
	if (h->chart == NULL || srcobj_str(&h->o, "/sourceRef/name") == NULL) {
		err_set(err, ERR_INVALID,
		    "spec.chart and spec.sourceRef.name are required");
		return err_reason(err, REASON_REFERENCE);
	}
	h->kind = kind != NULL ? kind : "";
	h->git = strcmp(h->kind, "GitRepository") == 0;
	if (!h->git && strcmp(h->kind, "HelmRepository") != 0)
		return unsupported(err,
		    arena_printf(h->o.a, "sourceRef kind '%s'", h->kind));
	if (!h->git && vf != NULL && vf->kind == DOC_SEQ && vf->u.seq.n > 0)
		return unsupported(err,
		    "spec.valuesFiles with a HelmRepository");
	if (doc_ptr_find(h->o.spec, "/verify") != NULL)
		return unsupported(err, "spec.verify");
	return 0;
}

/* Reads the HelmRepository; missing or without an artifact is a
 * dependency not ready: SourceUnavailable, retried. */
static int
source_get(struct helmchart *h, struct err *err)
{
	const char *name = srcobj_str(&h->o, "/sourceRef/name");
	struct k8s_ref ref = { SOURCE_API_VERSION, "HelmRepository",
		h->o.obj->namespace, name };
	const char *type;

	if (k8s_get(&h->repo_doc, reconciler_k8s(h->o.r), &ref, err) == -1) {
		err_wrap(err, "failed to get source: HelmRepository '%s'",
		    name);
		err->reason = REASON_SOURCE_MISS; /* over the API's NotFound */
		return -1;
	}
	h->repo = doc_root(h->repo_doc, 0);
	h->repo_url = doc_str(doc_ptr_find(h->repo, "/spec/url"));
	type = doc_str(doc_ptr_find(h->repo, "/spec/type"));
	if (type != NULL && strcmp(type, "oci") == 0)
		return unsupported(err, "a HelmRepository of type oci");
	if (h->repo_url == NULL ||
	    doc_ptr_find(h->repo, "/status/artifact/path") == NULL) {
		err_set(err, ERR_NOTFOUND,
		    "HelmRepository '%s' is not ready: no artifact", name);
		return err_reason(err, REASON_SOURCE_MISS);
	}
	return 0;
}

/* The chart's version in the repository's stored index. */
static int
index_lookup(struct helmchart *h, struct helmindex_entry *e, struct err *err)
{
	const char *path = doc_str(
	    doc_ptr_find(h->repo, "/status/artifact/path"));
	FILE *f = NULL;
	int fd = -1, rv;

	if (storage_open(&fd, h->o.ctx->storage, path, err) == -1) {
		err_reason(err, REASON_SOURCE_MISS);
		return -1;
	}
	if ((f = fdopen(fd, "r")) == NULL) {
		close(fd);
		return err_errno(err, errno, "read index '%s'", path);
	}
	rv = helmindex_find(e, f, h->chart, h->version, err);
	(void)fclose(f); /* read only: nothing to flush */
	if (rv == -1) {
		err_wrap(err,
		    "invalid chart reference: failed to get chart version for remote reference");
		err->reason = REASON_REFERENCE;
	}
	return rv;
}

/* GETs the chart into fd with the repository's credentials. */
static int
download(struct helmchart *h, const struct helmindex_entry *e, int fd,
    struct err *err)
{
	char *base = arena_printf(h->o.a, "%s/", h->repo_url);
	char *url = http_url_resolve(base, e->url);
	struct http_get_opts g = { 0 };
	struct srcobj_auth auth;
	const struct doc_node *pc = doc_ptr_find(h->repo,
	    "/spec/passCredentials");
	struct err ignored = ERR_INIT;
	bool pass = false;
	int rv;

	if (url == NULL)
		return err_set(err, ERR_INVALID, "invalid chart URL '%s'",
		    e->url);
	if (pc != NULL)
		(void)doc_get_bool(&pass, pc, &ignored);
	if ((rv = srcobj_auth_load(&h->o, doc_map_get(h->repo, "spec"), &auth,
	         err)) == 0) {
		if (!pass && !http_url_same_origin(base, url))
			auth.http.username = auth.http.password = NULL;
		g.url = url;
		g.auth = &auth.http;
		g.timeout_ms = srcobj_timeout_ms(&h->o);
		g.max_bytes = CHART_MAX_BYTES;
		rv = http_get(NULL, &g, fd, err);
		srcobj_auth_release(&auth);
	}
	free(url);
	if (rv == -1) {
		err_wrap(err,
		    "chart pull error: failed to download chart for remote reference");
		err->reason = err->code == ERR_AUTH ? SOURCE_REASON_AUTH_FAILED
		                                    : REASON_PULL_ERROR;
	}
	return rv;
}

/* Loads the downloaded bytes as a chart: a path escape, a bomb or a
 * malformed chart is refused here, before anything is stored. */
static int
verify_chart(struct helmchart *h, int fd, struct err *err)
{
	struct chart *c = NULL;
	off_t size = lseek(fd, 0, SEEK_END);
	unsigned char *data;
	ssize_t n;
	int rv;

	if (size < 0 || (uint64_t)size > CHART_MAX_BYTES)
		return err_errno(err, errno, "size of the downloaded chart");
	data = xmalloc((size_t)size + 1);
	n = pread(fd, data, (size_t)size, 0);
	if (n != size) {
		free(data);
		return err_errno(err, errno, "read the downloaded chart");
	}
	rv = chart_load_archive(&c, data, (size_t)size, NULL, err);
	free(data);
	if (rv == -1) {
		err_wrap(err, "chart pull error: failed to load chart '%s'",
		    h->chart);
		err->reason = REASON_PULL_ERROR;
		return -1;
	}
	chart_free(c);
	return 0;
}

/* status.observed* and status.url once the artifact is in place;
 * name is the chart's (from Chart.yaml). */
static void
set_observed(struct helmchart *h, const char *name, const char *url)
{
	struct srcobj *o = &h->o;
	const char *rev = doc_str(
	    doc_ptr_find(h->repo, "/status/artifact/revision"));

	doc_map_set(o->a, o->status, "observedChartName", 17,
	    doc_new_str(o->a, name, strlen(name)));
	if (rev != NULL)
		doc_map_set(o->a, o->status, "observedSourceArtifactRevision",
		    30, doc_new_str(o->a, rev, strlen(rev)));
	if (url != NULL)
		doc_map_set(o->a, o->status, "url", 3,
		    doc_new_str(o->a, url, strlen(url)));
}

/* The stored artifact is this version of this chart already. */
static bool
unchanged(struct helmchart *h, const char *version)
{
	const char *stored = srcobj_stored_revision(&h->o);
	const char *name = doc_str(
	    doc_map_get(h->o.status, "observedChartName"));

	return stored != NULL && strcmp(stored, version) == 0 && name != NULL &&
	    strcmp(name, h->chart) == 0;
}

static struct result
pull(struct helmchart *h, const struct helmindex_entry *e, int fd)
{
	struct srcobj *o = &h->o;
	struct storage_artifact art;
	struct err err = ERR_INIT;
	const char *msg = arena_printf(o->a,
	    "pulled '%s' chart with version '%s'", h->chart, e->version);
	size_t n;

	o->key.file = arena_printf(o->a, "%s-%s.tgz", h->chart, e->version);
	if (unchanged(h, e->version)) {
		set_observed(h, h->chart, NULL);
		return reconciler_finish(o->r, NULL, REASON_PULL_OK, msg, NULL);
	}
	if (download(h, e, fd, &err) == -1 || verify_chart(h, fd, &err) == -1) {
		srcobj_cond(o, SOURCE_COND_FETCH_FAILED, "True", err.reason,
		    err.msg);
		return reconciler_finish(o->r, &err, REASON_FAILED, NULL, NULL);
	}
	status_remove_condition(o->status, SOURCE_COND_FETCH_FAILED);
	if (srcobj_store(o, &art, fd, NULL, e->version, &err) == -1)
		return reconciler_finish(o->r, &err, REASON_FAILED, NULL, NULL);
	n = strlen(art.url) - strlen(o->key.file);
	set_observed(h, h->chart,
	    arena_printf(o->a, "%.*slatest.tar.gz", (int)n, art.url));
	return srcobj_announce(o, &art, e->version, REASON_PULL_OK, msg, msg);
}

/* A failure before anything was fetched: FetchFailed, and a missing
 * source is waited for as Flux does (--requeue-dependency). */
static struct result
fail_early(struct helmchart *h, struct err *err)
{
	struct result res;

	srcobj_cond(&h->o, SOURCE_COND_FETCH_FAILED, "True",
	    err->reason != NULL ? err->reason : REASON_FAILED, err->msg);
	res = reconciler_finish(h->o.r, err, REASON_FAILED, NULL, NULL);
	if (err->reason != NULL && strcmp(err->reason, REASON_SOURCE_MISS) == 0)
		res = result_retry_after(h->o.ctx->flags.requeue_dependency_ms);
	return res;
}

/* ---- charts packaged from a GitRepository ------------------------------ */

/* Reads the GitRepository and its artifact's path, revision, digest. */
static int
git_source_get(struct helmchart *h, struct err *err)
{
	const char *name = srcobj_str(&h->o, "/sourceRef/name");
	struct k8s_ref ref = { SOURCE_API_VERSION, "GitRepository",
		h->o.obj->namespace, name };

	if (k8s_get(&h->repo_doc, reconciler_k8s(h->o.r), &ref, err) == -1) {
		err_wrap(err, "failed to get source: GitRepository '%s'", name);
		err->reason = REASON_SOURCE_MISS;
		return -1;
	}
	h->repo = doc_root(h->repo_doc, 0);
	h->src_path = doc_str(doc_ptr_find(h->repo, "/status/artifact/path"));
	h->src_rev = doc_str(
	    doc_ptr_find(h->repo, "/status/artifact/revision"));
	h->src_digest = doc_str(
	    doc_ptr_find(h->repo, "/status/artifact/digest"));
	if (h->src_path == NULL || h->src_rev == NULL) {
		err_set(err, ERR_NOTFOUND,
		    "GitRepository '%s' is not ready: no artifact", name);
		return err_reason(err, REASON_SOURCE_MISS);
	}
	return 0;
}

/* Extracts the source artifact (digest checked) into dir. */
static int
git_extract(struct helmchart *h, const char *dir, struct err *err)
{
	int fd = -1, rv;

	if (storage_open(&fd, h->o.ctx->storage, h->src_path, err) == -1)
		rv = -1;
	else
		rv = artifact_extract(dir, fd, h->src_digest, NULL, err);
	if (fd != -1)
		close(fd);
	if (rv == -1) {
		err_wrap(err, "failed to extract source artifact '%s'",
		    h->src_path);
		err->reason = SOURCE_REASON_STORAGE_FAILED;
	}
	return rv;
}

/* Build metadata for reconcileStrategy Revision: the first 12 hex
 * digits of the commit (the revision's hash after its last ':'). */
static const char *
git_version_meta(struct helmchart *h)
{
	const char *s = srcobj_str(&h->o, "/reconcileStrategy");
	const char *hash = strrchr(h->src_rev, ':');

	if (s == NULL || strcmp(s, "Revision") != 0)
		return NULL;
	hash = hash != NULL ? hash + 1 : h->src_rev;
	return arena_printf(h->o.a, "%.12s", hash);
}

/* spec.valuesFiles as a string array in the arena. */
static const char **
values_files(struct helmchart *h, size_t *n)
{
	const struct doc_node *vf = doc_ptr_find(h->o.spec, "/valuesFiles");
	const char **v;

	*n = 0;
	if (vf == NULL || vf->kind != DOC_SEQ || vf->u.seq.n == 0)
		return NULL;
	v = arena_alloc(h->o.a, vf->u.seq.n * sizeof(*v));
	for (size_t i = 0; i < vf->u.seq.n; i++)
		if (doc_str(vf->u.seq.items[i]) != NULL)
			v[(*n)++] = doc_str(vf->u.seq.items[i]);
	return v;
}

/* Nothing changed since the stored package: same source revision,
 * chart path and generation, and the file still there. */
static bool
git_unchanged(struct helmchart *h)
{
	const char *seen = doc_str(
	    doc_map_get(h->o.status, "observedSourceArtifactRevision"));
	const char *name = doc_str(
	    doc_map_get(h->o.status, "observedChartName"));
	const struct doc_node *og = doc_map_get(h->o.status,
	    "observedGeneration");
	struct err err = ERR_INIT;
	int64_t gen = -1;

	return seen != NULL && strcmp(seen, h->src_rev) == 0 && name != NULL &&
	    og != NULL && doc_get_int(&gen, og, &err) == 0 &&
	    gen == h->o.obj->generation &&
	    srcobj_stored_revision(&h->o) != NULL;
}

/* Packages the chart of the extracted tree at work/src into fd. */
static int
git_package(struct helmchart *h, struct chartpkg_result *pkg, const char *work,
    int fd, struct err *err)
{
	char *src = arena_printf(h->o.a, "%s/src", work);
	char *lay = arena_printf(h->o.a, "%s/pkg", work);
	struct chartpkg_opts po = { .src_root = src,
		.chart_path = h->chart,
		.ignore_missing_values = srcobj_true(&h->o,
		    "/ignoreMissingValuesFiles"),
		.version_meta = git_version_meta(h) };

	po.values_files = values_files(h, &po.nvalues_files);
	if (mkdir(src, 0700) == -1 || mkdir(lay, 0700) == -1)
		return err_errno(err, errno, "make work directories in '%s'",
		    work);
	if (git_extract(h, src, err) == -1)
		return -1;
	if (chartpkg_pack(pkg, fd, lay, &po, err) == -1) {
		err_wrap(err, "chart package error");
		err->reason = REASON_PACKAGE_ERROR;
		return -1;
	}
	return 0;
}

/* Stores the package unless that version is stored already. */
static struct result
git_store(struct helmchart *h, const struct chartpkg_result *pkg, int fd)
{
	struct srcobj *o = &h->o;
	const char *stored = srcobj_stored_revision(o);
	const char *msg = arena_printf(o->a,
	    "packaged '%s' chart with version '%s'", pkg->name, pkg->version);
	struct storage_artifact art;
	struct err err = ERR_INIT;
	size_t n;

	o->key.file = arena_printf(o->a, "%s-%s.tgz", pkg->name, pkg->version);
	if (stored != NULL && strcmp(stored, pkg->version) == 0) {
		set_observed(h, pkg->name, NULL);
		return reconciler_finish(o->r, NULL, REASON_PACKAGE_OK, msg,
		    NULL);
	}
	if (srcobj_store(o, &art, fd, NULL, pkg->version, &err) == -1)
		return reconciler_finish(o->r, &err, REASON_FAILED, NULL, NULL);
	n = strlen(art.url) - strlen(o->key.file);
	set_observed(h, pkg->name,
	    arena_printf(o->a, "%.*slatest.tar.gz", (int)n, art.url));
	return srcobj_announce(o, &art, pkg->version, REASON_PACKAGE_OK, msg,
	    msg);
}

static struct result
gitchart_reconcile(struct helmchart *h, int fd)
{
	struct chartpkg_result pkg = { 0 };
	struct err err = ERR_INIT;
	struct result res;
	char *work;

	if (git_source_get(h, &err) == -1)
		return fail_early(h, &err);
	if (git_unchanged(h))
		return reconciler_finish(h->o.r, NULL, REASON_PACKAGE_OK,
		    arena_printf(h->o.a,
		        "packaged '%s' chart with version '%s'",
		        doc_str(doc_map_get(h->o.status, "observedChartName")),
		        srcobj_stored_revision(&h->o)),
		    NULL);
	work = arena_printf(h->o.a, "%s/tmp/helmchart-XXXXXX",
	    h->o.ctx->flags.cache_dir);
	if (mkdtemp(work) == NULL) {
		err_errno(&err, errno, "mkdtemp '%s'", work);
		err.reason = SOURCE_REASON_STORAGE_FAILED;
		return reconciler_finish(h->o.r, &err, REASON_FAILED, NULL,
		    NULL);
	}
	if (git_package(h, &pkg, work, fd, &err) == -1) {
		srcobj_cond(&h->o, SOURCE_COND_FETCH_FAILED, "True", err.reason,
		    err.msg);
		res = reconciler_finish(h->o.r, &err, REASON_FAILED, NULL,
		    NULL);
	} else {
		status_remove_condition(h->o.status, SOURCE_COND_FETCH_FAILED);
		res = git_store(h, &pkg, fd);
	}
	chartpkg_result_release(&pkg);
	if (artifact_tree_remove(work, false, &err) == -1)
		log_error(reconciler_log(h->o.r), &err, "removing '%s'", work);
	return res;
}

static struct result
reconcile_chart(struct helmchart *h, int fd)
{
	struct helmindex_entry e = { 0 };
	struct err err = ERR_INIT;
	struct result res;

	if (check_spec(h, &err) == -1)
		return fail_early(h, &err);
	if (h->git)
		return gitchart_reconcile(h, fd);
	if (source_get(h, &err) == -1 || index_lookup(h, &e, &err) == -1)
		return fail_early(h, &err);
	res = pull(h, &e, fd);
	helmindex_entry_release(&e);
	return res;
}

static struct result
helmchart_reconcile(struct reconciler *r, const struct object *obj)
{
	struct helmchart h = { 0 };
	struct err err = ERR_INIT;
	struct result res;
	int fd;

	srcobj_init(&h.o, r, KIND, KIND_LOWER, obj);
	if (srcobj_true(&h.o, "/suspend"))
		return result_suspended();
	if ((fd = srcobj_tmpfile(&h.o, &err)) == -1) {
		err_reason(&err, SOURCE_REASON_STORAGE_FAILED);
		return reconciler_finish(r, &err, REASON_FAILED, NULL, NULL);
	}
	res = reconcile_chart(&h, fd);
	close(fd);
	doc_free(h.repo_doc);
	return res;
}

static struct result
helmchart_finalize(struct reconciler *r, const struct object *obj)
{
	return srcobj_finalize(r, KIND_LOWER, obj);
}

struct ctrl_opts
helmchart_ctrl_opts(struct source_ctx *ctx)
{
	struct ctrl_opts o = source_ctrl_opts(ctx, KIND_LOWER, KIND);

	o.reconcile = helmchart_reconcile;
	o.finalize = helmchart_finalize;
	return o;
}
