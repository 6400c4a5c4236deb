/*
 * The HelmChart reconciler for charts from a HelmRepository, as Flux's:
 * look the chart's best version up in the repository's stored index (a
 * stream, never the whole index in memory), download the .tgz with the
 * repository's credentials (to other hosts only with passCredentials),
 * check that it loads as a chart (safe extraction rules), and store it
 * as <chart>-<version>.tgz; the revision is the chart version. Nothing is
 * downloaded when that version is already stored.
 *
 * Not supported yet, and said so with Stalled: GitRepository and Bucket
 * sources, valuesFiles, verify and HelmRepositories of type oci.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "chart/chart.h"
#include "core/arena.h"
#include "core/mem.h"
#include "core/str.h"
#include "ctrl/status.h"
#include "helmindex.h"
#include "srcobj.h"

#define KIND       "HelmChart"
#define KIND_LOWER "helmchart"

#define CHART_MAX_BYTES    ((uint64_t)10 << 20) /* Flux's default */
#define REASON_PULL_OK     "ChartPullSucceeded"
#define REASON_REFERENCE   "InvalidChartReference"
#define REASON_PULL_ERROR  "ChartPullError"
#define REASON_SOURCE_MISS "SourceUnavailable"
#define REASON_UNSUPPORTED "UnsupportedFeature"
#define REASON_FAILED      "Failed"

/* One reconcile: the object and the HelmRepository it pulls from. */
struct helmchart {
	struct srcobj o;
	const char *chart;
	const char *version; /* constraint */
	struct doc *repo_doc;
	const struct doc_node *repo; /* its root */
	const char *repo_url;
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
	if (kind == NULL || strcmp(kind, "HelmRepository") != 0)
		return unsupported(err,
		    arena_printf(h->o.a, "sourceRef kind '%s'",
		        kind != NULL ? kind : ""));
	if (vf != NULL && vf->kind == DOC_SEQ && vf->u.seq.n > 0)
		return unsupported(err, "spec.valuesFiles");
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
	fclose(f);
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

/* status.observed* and status.url once the artifact is in place. */
static void
set_observed(struct helmchart *h, const char *url)
{
	struct srcobj *o = &h->o;
	const char *rev = doc_str(
	    doc_ptr_find(h->repo, "/status/artifact/revision"));

	doc_map_set(o->a, o->status, "observedChartName", 17,
	    doc_new_str(o->a, h->chart, strlen(h->chart)));
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
		set_observed(h, NULL);
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
	set_observed(h,
	    arena_printf(o->a, "%.*slatest.tar.gz", (int)n, art.url));
	return srcobj_announce(o, &art, e->version, REASON_PULL_OK, msg, msg);
}

static struct result
reconcile_chart(struct helmchart *h, int fd)
{
	struct helmindex_entry e = { 0 };
	struct err err = ERR_INIT;
	struct result res;

	if (check_spec(h, &err) == -1 || source_get(h, &err) == -1 ||
	    index_lookup(h, &e, &err) == -1) {
		srcobj_cond(&h->o, SOURCE_COND_FETCH_FAILED, "True",
		    err.reason != NULL ? err.reason : REASON_FAILED, err.msg);
		res = reconciler_finish(h->o.r, &err, REASON_FAILED, NULL,
		    NULL);
		if (err.reason != NULL &&
		    strcmp(err.reason, REASON_SOURCE_MISS) == 0)
			res = result_retry_after(
			    h->o.ctx->flags.requeue_dependency_ms);
		return res;
	}
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
