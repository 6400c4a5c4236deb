/*
 * The OCIRepository reconciler, as Flux's: resolve spec.ref (digest >
 * semver > tag, default "latest") against the registry, fetch the
 * manifest, pick the layer (layerSelector.mediaType, else the first),
 * pull its blob (digest checked) and either extract it and store the
 * tree as a reproducible <manifest hex>.tar.gz (operation extract, the
 * default) or store the blob as is (copy). The revision is
 * "<tag>@sha256:<manifest digest>", or the digest when pinned by one;
 * the manifest's annotations become status.artifact.metadata. An
 * unchanged manifest digest stores nothing.
 *
 * Not supported yet, and said so with Stalled: verify, providers other
 * than generic, serviceAccountName, proxySecretRef and semverFilter.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/arena.h"
#include "core/mem.h"
#include "core/str.h"
#include "ctrl/status.h"
#include "oci.h"
#include "semver/semver.h"
#include "srcobj.h"

#define KIND       "OCIRepository"
#define KIND_LOWER "ocirepository"

#define BLOB_MAX_BYTES      ((uint64_t)1 << 30)
#define REASON_PULL_FAILED  "OCIArtifactPullFailed"
#define REASON_LAYER_FAILED "OCIArtifactLayerOperationFailed"
#define REASON_UNSUPPORTED  "UnsupportedFeature"
#define REASON_FAILED       "Failed"
#define SECRET_DOCKERCONFIG ".dockerconfigjson"

struct ocirepo {
	struct srcobj o;
	struct oci *cli;
	const char *url;
	const char *tag; /* resolved tag, NULL when pinned by digest */
	const char *ref; /* what the manifest is fetched by */
	char digest[80]; /* the manifest's */
	struct doc *manifest;
	struct source_secret *secret;
	struct srcobj_auth tls; /* the client borrows its strings */
	char *user, *pass;
};

/* Wipes and frees a NUL-terminated secret (NULL is fine). */
static void
str_free_secret(char *s)
{
	if (s != NULL)
		free_secret(s, strlen(s));
}

static int
unsupported(struct ocirepo *r, struct err *err)
{
	const char *provider = srcobj_str(&r->o, "/provider");
	const char *what = NULL;

	if (doc_ptr_find(r->o.spec, "/verify") != NULL)
		what = "spec.verify";
	else if (provider != NULL && strcmp(provider, "generic") != 0)
		what = "spec.provider other than generic";
	else if (srcobj_str(&r->o, "/serviceAccountName") != NULL)
		what = "spec.serviceAccountName";
	else if (srcobj_str(&r->o, "/proxySecretRef/name") != NULL)
		what = "spec.proxySecretRef";
	else if (srcobj_str(&r->o, "/ref/semverFilter") != NULL)
		what = "spec.ref.semverFilter";
	if (what == NULL)
		return 0;
	err_set(err, ERR_UNSUPPORTED, "%s is not supported yet by flint", what);
	return err_reason(err, REASON_UNSUPPORTED);
}

/* user:pass for the registry host from a dockerconfigjson Secret. */
static int
docker_auth(struct ocirepo *r, const char *host, struct err *err)
{
	const char *name = srcobj_str(&r->o, "/secretRef/name");
	const char *json;
	const struct doc_node *e;
	struct doc *d = NULL;
	size_t n = 0;

	if (name == NULL)
		return 0;
	if (source_secret_get(&r->secret, reconciler_k8s(r->o.r),
	        r->o.obj->namespace, name, err) == -1)
		return -1;
	json = source_secret_value(r->secret, SECRET_DOCKERCONFIG, &n, err);
	if (json == NULL || doc_parse_json(&d, json, n, NULL, err) == -1) {
		if (err->code == ERR_OK)
			err_set(err, ERR_INVALID, "secret '%s' has no %s", name,
			    SECRET_DOCKERCONFIG);
		return err_reason(err, SOURCE_REASON_AUTH_FAILED);
	}
	e = doc_map_get(doc_map_get(doc_root(d, 0), "auths"), host);
	if (e != NULL) {
		const char *u = doc_str(doc_map_get(e, "username"));
		const char *p = doc_str(doc_map_get(e, "password"));

		r->user = u != NULL ? xstrdup(u) : NULL;
		r->pass = p != NULL ? xstrdup(p) : NULL;
	}
	doc_free(d);
	return 0;
}

static int
client_open(struct ocirepo *r, struct err *err)
{
	struct http_auth a;
	const char *host;
	char *h;

	r->url = srcobj_str(&r->o, "/url");
	if (r->url == NULL || !str_has_prefix(r->url, "oci://")) {
		err_set(err, ERR_INVALID, "URL '%s' must start with oci://",
		    r->url != NULL ? r->url : "");
		return err_reason(err, SOURCE_REASON_URL_INVALID);
	}
	host = r->url + 6;
	h = arena_printf(r->o.a, "%.*s", (int)strcspn(host, "/"), host);
	if (docker_auth(r, h, err) == -1)
		return -1;
	/* certSecretRef only: secretRef is a dockerconfigjson here. */
	if (srcobj_auth_load(&r->o, NULL, &r->tls, err) == -1)
		return -1;
	a = r->tls.http;
	a.username = r->user;
	a.password = r->pass;
	return oci_new(&r->cli, r->url, &a, srcobj_true(&r->o, "/insecure"),
	    srcobj_timeout_ms(&r->o), err);
}

/* The highest tag that satisfies spec.ref.semver. */
static int
resolve_semver(struct ocirepo *r, const char *range, struct err *err)
{
	struct semver_constraint *c = NULL;
	struct semver best = { 0 }, v;
	struct err ignored = ERR_INIT;
	char **tags = NULL;
	size_t n = 0;
	int rv = -1;

	if (semver_constraint_parse(&c, range, err) == -1)
		return err_wrap(err, "invalid semver range '%s'", range);
	if (oci_tags(&tags, &n, r->cli, err) == 0) {
		for (size_t i = 0; i < n; i++) {
			memset(&v, 0, sizeof(v));
			if (semver_parse(&v, tags[i], 0, &ignored) == -1)
				continue;
			if (semver_constraint_check(c, &v) &&
			    (best.original == NULL ||
			        semver_compare(&v, &best) > 0)) {
				semver_release(&best);
				best = v;
				r->tag = arena_strdup(r->o.a, tags[i]);
			} else {
				semver_release(&v);
			}
			err_reset(&ignored);
		}
		rv = r->tag != NULL
		    ? 0
		    : err_set(err, ERR_NOTFOUND,
		          "no match found for semver: %s", range);
	}
	semver_release(&best);
	semver_constraint_free(c);
	oci_tags_free(tags, n);
	return rv;
}

/* spec.ref into r->tag and r->ref: digest > semver > tag > latest. */
static int
resolve_ref(struct ocirepo *r, struct err *err)
{
	const char *dig = srcobj_str(&r->o, "/ref/digest");
	const char *range = srcobj_str(&r->o, "/ref/semver");

	if (dig != NULL) {
		r->ref = dig;
		return 0;
	}
	if (range != NULL && resolve_semver(r, range, err) == -1)
		return -1;
	if (r->tag == NULL)
		r->tag = srcobj_str(&r->o, "/ref/tag");
	if (r->tag == NULL)
		r->tag = "latest";
	r->ref = r->tag;
	return 0;
}

static int
manifest_get(struct ocirepo *r, struct err *err)
{
	char *body = NULL;
	size_t n = 0;
	int rv;

	if (oci_manifest(&body, &n, r->digest, r->cli, r->ref, err) == -1)
		return -1;
	rv = doc_parse_json(&r->manifest, body, n, NULL, err);
	free(body);
	if (rv == -1 ||
	    doc_map_get(doc_root(r->manifest, 0), "layers") == NULL) {
		if (rv == 0)
			err_set(err, ERR_INVALID, "manifest has no layers");
		return err_wrap(err, "manifest '%s'", r->ref);
	}
	return 0;
}

/* The layer that layerSelector.mediaType names, else the first. */
static const struct doc_node *
layer_pick(struct ocirepo *r, struct err *err)
{
	const struct doc_node *ls = doc_map_get(doc_root(r->manifest, 0),
	    "layers");
	const char *mt = srcobj_str(&r->o, "/layerSelector/mediaType");

	for (size_t i = 0; ls->kind == DOC_SEQ && i < ls->u.seq.n; i++) {
		const struct doc_node *l = ls->u.seq.items[i];
		const char *t = doc_str(doc_map_get(l, "mediaType"));

		if (doc_str(doc_map_get(l, "digest")) == NULL)
			continue;
		if (mt == NULL || (t != NULL && strcmp(t, mt) == 0))
			return l;
	}
	err_set(err, ERR_NOTFOUND, "no layer%s%s found in artifact",
	    mt != NULL ? " with media type " : "", mt != NULL ? mt : "");
	return NULL;
}

static const char *
revision(struct ocirepo *r)
{
	if (r->tag == NULL)
		return r->digest;
	return arena_printf(r->o.a, "%s@%s", r->tag, r->digest);
}

/* Extracts the blob in fd into a work tree and packs it into out_fd. */
static int
layer_extract(struct ocirepo *r, int fd, int out_fd, struct err *err)
{
	char *work = arena_printf(r->o.a, "%s/tmp/oci-XXXXXX",
	    r->o.ctx->flags.cache_dir);
	struct artifact_info info;
	struct err cleanup = ERR_INIT;
	int rv;

	if (mkdtemp(work) == NULL)
		return err_errno(err, errno, "mkdtemp '%s'", work);
	rv = artifact_extract(work, fd, NULL, NULL, err);
	if (rv == 0)
		rv = artifact_pack(&info, out_fd, work, NULL, NULL, err);
	if (artifact_tree_remove(work, false, &cleanup) == -1)
		log_error(reconciler_log(r->o.r), &cleanup, "removing '%s'",
		    work);
	return rv;
}

/* Pulls the layer into fd, the file to store (extracted or copied). */
static int
layer_pull(struct ocirepo *r, const struct doc_node *layer, int fd,
    struct err *err)
{
	const char *op = srcobj_str(&r->o, "/layerSelector/operation");
	const char *dig = doc_str(doc_map_get(layer, "digest"));
	bool copy = op != NULL && strcmp(op, "copy") == 0;
	int blob = copy ? fd : srcobj_tmpfile(&r->o, err);
	int rv = -1;

	if (op != NULL && !copy && strcmp(op, "extract") != 0)
		return err_set(err, ERR_INVALID,
		    "unsupported layer operation '%s'", op);
	if (blob == -1)
		return -1;
	if (oci_blob(r->cli, dig, blob, BLOB_MAX_BYTES, err) == -1) {
		err->reason = REASON_PULL_FAILED; /* a 401 too, as Flux */
	} else if (!copy && layer_extract(r, blob, fd, err) == -1) {
		err_wrap(err, "failed to extract layer contents from artifact");
		err->reason = REASON_LAYER_FAILED;
	} else {
		rv = 0;
	}
	if (!copy)
		close(blob);
	return rv;
}

/* status.artifact.metadata (the manifest's annotations), status.url
 * and status.observedLayerSelector. */
static void
status_extras(struct ocirepo *r, const struct storage_artifact *art)
{
	struct srcobj *o = &r->o;
	const struct doc_node *ann = doc_map_get(doc_root(r->manifest, 0),
	    "annotations");
	const struct doc_node *ls = doc_map_get(o->spec, "layerSelector");
	struct doc_node *a = doc_map_get(o->status, "artifact");
	size_t n = strlen(art->url) - strlen(o->key.file);
	char *url = arena_printf(o->a, "%.*slatest.tar.gz", (int)n, art->url);

	if (ann != NULL && ann->kind == DOC_MAP && a != NULL)
		doc_map_set(o->a, a, "metadata", 8, doc_copy(o->a, ann));
	doc_map_set(o->a, o->status, "url", 3,
	    doc_new_str(o->a, url, strlen(url)));
	if (ls != NULL)
		doc_map_set(o->a, o->status, "observedLayerSelector", 21,
		    doc_copy(o->a, ls));
	else
		doc_map_delete(o->status, "observedLayerSelector", 21);
}

static struct result
fail(struct ocirepo *r, struct err *err, const char *cond)
{
	if (err->reason == NULL)
		err->reason = REASON_PULL_FAILED;
	if (cond != NULL)
		srcobj_cond(&r->o, cond, "True", err->reason, err->msg);
	return reconciler_finish(r->o.r, err, REASON_FAILED, NULL, NULL);
}

static struct result
reconcile_oci(struct ocirepo *r, int fd)
{
	struct storage_artifact art;
	const struct doc_node *layer;
	struct err err = ERR_INIT;
	const char *rev, *msg, *stored;

	if (unsupported(r, &err) == -1)
		return fail(r, &err, NULL);
	if (client_open(r, &err) == -1 || resolve_ref(r, &err) == -1 ||
	    manifest_get(r, &err) == -1) {
		err_wrap(&err, "failed to pull artifact from '%s'",
		    r->url != NULL ? r->url : "");
		return fail(r, &err, SOURCE_COND_FETCH_FAILED);
	}
	rev = revision(r);
	msg = arena_printf(r->o.a, "stored artifact for digest '%s'", rev);
	r->o.key.file = arena_printf(r->o.a, "%s.tar.gz", r->digest + 7);
	stored = srcobj_stored_revision(&r->o);
	if (stored != NULL && strcmp(stored, rev) == 0) {
		status_remove_condition(r->o.status, SOURCE_COND_FETCH_FAILED);
		return reconciler_finish(r->o.r, NULL, SOURCE_REASON_SUCCEEDED,
		    msg, NULL);
	}
	if ((layer = layer_pick(r, &err)) == NULL ||
	    layer_pull(r, layer, fd, &err) == -1)
		return fail(r, &err, SOURCE_COND_FETCH_FAILED);
	status_remove_condition(r->o.status, SOURCE_COND_FETCH_FAILED);
	if (srcobj_store(&r->o, &art, fd, NULL, rev, &err) == -1)
		return fail(r, &err, NULL);
	status_extras(r, &art);
	return srcobj_announce(&r->o, &art, rev, SOURCE_REASON_SUCCEEDED, msg,
	    msg);
}

static struct result
ocirepo_reconcile(struct reconciler *rc, const struct object *obj)
{
	struct ocirepo r = { 0 };
	struct err err = ERR_INIT;
	struct result res;
	int fd;

	srcobj_init(&r.o, rc, KIND, KIND_LOWER, obj);
	if (srcobj_true(&r.o, "/suspend"))
		return result_suspended();
	if ((fd = srcobj_tmpfile(&r.o, &err)) == -1) {
		err.reason = SOURCE_REASON_STORAGE_FAILED;
		return reconciler_finish(rc, &err, REASON_FAILED, NULL, NULL);
	}
	res = reconcile_oci(&r, fd);
	close(fd);
	oci_free(r.cli);
	doc_free(r.manifest);
	srcobj_auth_release(&r.tls);
	source_secret_free(r.secret);
	str_free_secret(r.user);
	str_free_secret(r.pass);
	return res;
}

static struct result
ocirepo_finalize(struct reconciler *r, const struct object *obj)
{
	return srcobj_finalize(r, KIND_LOWER, obj);
}

struct ctrl_opts
ocirepo_ctrl_opts(struct source_ctx *ctx)
{
	struct ctrl_opts o = source_ctrl_opts(ctx, KIND_LOWER, KIND);

	o.reconcile = ocirepo_reconcile;
	o.finalize = ocirepo_finalize;
	return o;
}
