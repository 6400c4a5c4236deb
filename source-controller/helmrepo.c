/*
 * The HelmRepository reconciler, as Flux's: GET <url>/index.yaml with the
 * Secret's credentials, check it by streaming it through helmindex (the
 * index is never held in memory), and store it as index-<hex>.yaml with
 * an index.yaml alias; the revision is the digest of the stored bytes.
 * An unchanged index stores nothing and announces nothing. Type oci only
 * checks the URL and reports Ready, since charts are pulled directly.
 *
 * Flux re-marshals the index after sorting it before digesting; flint
 * stores and digests the bytes served, so the revision string differs
 * from Flux's for the same index (the format is the same).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/arena.h"
#include "core/str.h"
#include "ctrl/status.h"
#include "helmindex.h"
#include "srcobj.h"

#define KIND       "HelmRepository"
#define KIND_LOWER "helmrepository"

#define INDEX_MAX_BYTES      ((uint64_t)50 << 20) /* Flux's default */
#define REASON_FAILED        "Failed"
#define REASON_INDEXATION    "IndexationFailed"
#define MSG_OCI_READY        "Helm repository is Ready"
#define HELMREPO_INTERVAL_MS 60000

static int
check_url(struct srcobj *o, const char **url, bool oci, struct err *err)
{
	*url = srcobj_str(o, "/url");
	if (*url != NULL &&
	    (oci ? str_has_prefix(*url, "oci://")
	         : (str_has_prefix(*url, "http://") ||
	               str_has_prefix(*url, "https://"))))
		return 0;
	err_set(err, ERR_INVALID, "invalid Helm repository URL '%s': %s",
	    *url != NULL ? *url : "",
	    oci ? "must start with oci://"
	        : "must start with http:// or https://");
	return err_reason(err, SOURCE_REASON_URL_INVALID);
}

/* GETs the index into fd; sets FetchFailed on failure. */
static int
fetch_index(struct srcobj *o, const char *url, int fd, struct err *err)
{
	struct srcobj_auth auth;
	struct http_get_opts g = { 0 };
	size_t n = strlen(url);
	int rv;

	if (srcobj_auth_load(o, NULL, &auth, err) == -1)
		goto failed;
	g.url = arena_printf(o->a, "%.*s/index.yaml",
	    (int)(n > 0 && url[n - 1] == '/' ? n - 1 : n), url);
	g.auth = &auth.http;
	g.timeout_ms = srcobj_timeout_ms(o);
	g.max_bytes = INDEX_MAX_BYTES;
	rv = http_get(NULL, &g, fd, err);
	srcobj_auth_release(&auth);
	if (rv == 0)
		return 0;
	err_wrap(err, "failed to fetch Helm repository index");
	err_reason(err,
	    err->code == ERR_AUTH ? SOURCE_REASON_AUTH_FAILED : REASON_FAILED);
failed:
	srcobj_cond(o, SOURCE_COND_FETCH_FAILED, "True", err->reason, err->msg);
	return -1;
}

/* Streams the fetched index through the validator. */
static int
check_index(struct srcobj *o, int fd, struct err *err)
{
	struct helmindex_stats st;
	int dfd = dup(fd);
	FILE *f = dfd == -1 ? NULL : fdopen(dfd, "r");
	int rv;

	if (f == NULL) {
		if (dfd != -1)
			close(dfd);
		return err_errno(err, errno, "read the index");
	}
	rewind(f);
	rv = helmindex_validate(&st, f, err);
	(void)fclose(f); /* read only: nothing to flush */
	if (rv == 0) {
		log_debug(reconciler_log(o->r), "index has %llu charts",
		    (unsigned long long)st.charts);
		return 0;
	}
	/* A server may fix its index: retry rather than stall. */
	err->code = ERR_NETWORK;
	err_wrap(err, "failed to load Helm repository from index YAML");
	err_reason(err, REASON_INDEXATION);
	srcobj_cond(o, SOURCE_COND_FETCH_FAILED, "True", REASON_INDEXATION,
	    err->msg);
	return -1;
}

/* status.url: the index.yaml alias beside the stored file. */
static void
set_url(struct srcobj *o, const struct storage_artifact *art)
{
	size_t n = strlen(art->url) - strlen(o->key.file);
	char *u = arena_printf(o->a, "%.*sindex.yaml", (int)n, art->url);

	doc_map_set(o->a, o->status, "url", 3, doc_new_str(o->a, u, strlen(u)));
}

static struct result
reconcile_index(struct srcobj *o, int fd)
{
	char digest[ARTIFACT_DIGEST_MAX];
	struct storage_artifact art;
	struct err err = ERR_INIT;
	const char *url, *stored, *msg;

	if (check_url(o, &url, false, &err) == -1 ||
	    fetch_index(o, url, fd, &err) == -1 ||
	    check_index(o, fd, &err) == -1 ||
	    artifact_digest_fd(digest, fd, &err) == -1)
		return reconciler_finish(o->r, &err, REASON_FAILED, NULL, NULL);
	status_remove_condition(o->status, SOURCE_COND_FETCH_FAILED);
	o->key.file = arena_printf(o->a, "index-%s.yaml", digest + 7);
	msg = arena_printf(o->a, "stored artifact: revision '%s'", digest);
	stored = srcobj_stored_revision(o);
	if (stored != NULL && strcmp(stored, digest) == 0)
		return reconciler_finish(o->r, NULL, SOURCE_REASON_SUCCEEDED,
		    msg, NULL);
	if (srcobj_store(o, &art, fd, "index.yaml", digest, &err) == -1)
		return reconciler_finish(o->r, &err, REASON_FAILED, NULL, NULL);
	set_url(o, &art);
	return srcobj_announce(o, &art, digest, SOURCE_REASON_SUCCEEDED, msg,
	    arena_printf(o->a, "stored fetched index of size %llu from '%s'",
	        (unsigned long long)art.size, url));
}

/* Type oci: nothing to fetch; the URL is checked and the object Ready. */
static struct result
reconcile_oci(struct srcobj *o)
{
	struct err err = ERR_INIT;
	const char *url;

	if (check_url(o, &url, true, &err) == -1)
		return reconciler_finish(o->r, &err, REASON_FAILED, NULL, NULL);
	doc_map_delete(o->status, "artifact", 8);
	doc_map_delete(o->status, "url", 3);
	status_remove_condition(o->status, SOURCE_COND_FETCH_FAILED);
	status_remove_condition(o->status, SOURCE_COND_ARTIFACT_IN_STORAGE);
	return reconciler_finish(o->r, NULL, SOURCE_REASON_SUCCEEDED,
	    MSG_OCI_READY, NULL);
}

static struct result
helmrepo_reconcile(struct reconciler *r, const struct object *obj)
{
	struct err err = ERR_INIT;
	const char *type;
	struct srcobj o;
	struct result res;
	int fd;

	srcobj_init(&o, r, KIND, KIND_LOWER, obj);
	if (srcobj_true(&o, "/suspend"))
		return result_suspended();
	type = srcobj_str(&o, "/type");
	if (type != NULL && strcmp(type, "oci") == 0)
		return reconcile_oci(&o);
	if ((fd = srcobj_tmpfile(&o, &err)) == -1) {
		err_reason(&err, SOURCE_REASON_STORAGE_FAILED);
		return reconciler_finish(r, &err, REASON_FAILED, NULL, NULL);
	}
	res = reconcile_index(&o, fd);
	close(fd);
	return res;
}

static struct result
helmrepo_finalize(struct reconciler *r, const struct object *obj)
{
	return srcobj_finalize(r, KIND_LOWER, obj);
}

struct ctrl_opts
helmrepo_ctrl_opts(struct source_ctx *ctx)
{
	struct ctrl_opts o = source_ctrl_opts(ctx, KIND_LOWER, KIND);

	o.reconcile = helmrepo_reconcile;
	o.finalize = helmrepo_finalize;
	o.default_interval_ms = HELMREPO_INTERVAL_MS;
	return o;
}
