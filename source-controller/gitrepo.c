/*
 * The GitRepository reconciler, as Flux's: fetch spec.url at spec.ref into
 * a per-object cache (kept between reconciles), skip everything when the
 * remote still points at the stored revision, else pack the tree (less
 * ignored files) into <commit>.tar.gz, record it in status.artifact with
 * Flux's conditions, announce it with a Kubernetes Event and an
 * ArtifactEvent on the bus, and garbage-collect older artifacts.
 *
 * spec.include copies other GitRepositories' artifacts into the tree
 * (gitinclude.c); a new artifact of an included repository queues this
 * one at once (source_deps_set()).
 *
 * Not supported yet, and said so with Stalled: recurseSubmodules,
 * verify, sparseCheckout, proxySecretRef and providers other than
 * generic.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "artifact/artifact.h"
#include "core/arena.h"
#include "core/str.h"
#include "ctrl/status.h"
#include "git.h"
#include "gitinclude.h"
#include "ignore.h"
#include "source.h"

#define KIND       "GitRepository"
#define KIND_LOWER "gitrepository"

#define REASON_GIT_FAILED   "GitOperationFailed"
#define REASON_NEW_ARTIFACT "NewArtifact"
#define REASON_UNSUPPORTED  "UnsupportedFeature"

/* One reconcile's working state. */
struct gitrepo {
	struct reconciler *r;
	struct source_ctx *ctx;
	const struct object *obj;
	struct arena *a;
	const struct doc_node *spec;
	struct doc_node *status;
	struct storage_key key;
	struct git_includes inc;
	bool rebuild; /* includes changed: check out and pack again */
};

static const char *
spec_str(const struct gitrepo *g, const char *ptr)
{
	const char *s = doc_str(doc_ptr_find(g->spec, ptr));

	return s != NULL && s[0] != '\0' ? s : NULL;
}

static bool
spec_true(const struct gitrepo *g, const char *ptr)
{
	const struct doc_node *n = doc_ptr_find(g->spec, ptr);
	struct err err = ERR_INIT;
	bool v = false;

	return n != NULL && doc_get_bool(&v, n, &err) == 0 && v;
}

/* Sets an abnormal-true condition (FetchFailed, ...) or removes it. */
static void
cond_set(struct gitrepo *g, const char *type, const char *status,
    const char *reason, const char *message)
{
	struct condition c = { type, status, reason, message };

	status_set_condition(g->a, g->status, &c, g->obj->generation,
	    reconciler_now(g->r));
}

/* What this version cannot do yet: ERR_UNSUPPORTED, which stalls. */
static int
check_supported(struct gitrepo *g, struct err *err)
{
	const struct doc_node *sparse = doc_ptr_find(g->spec,
	    "/sparseCheckout");
	const char *provider = spec_str(g, "/provider");
	const char *what = NULL;

	if (spec_true(g, "/recurseSubmodules"))
		what = "spec.recurseSubmodules";
	else if (doc_ptr_find(g->spec, "/verify") != NULL)
		what = "spec.verify";
	else if (sparse != NULL && sparse->kind == DOC_SEQ &&
	    sparse->u.seq.n > 0)
		what = "spec.sparseCheckout";
	else if (spec_str(g, "/proxySecretRef/name") != NULL)
		what = "spec.proxySecretRef";
	else if (provider != NULL && strcmp(provider, "generic") != 0)
		what = "spec.provider other than generic";
	if (what == NULL)
		return 0;
	err_set(err, ERR_UNSUPPORTED, "%s is not supported yet by flint", what);
	err_reason(err, REASON_UNSUPPORTED);
	return -1;
}

static int
check_url(struct gitrepo *g, const char **url, struct err *err)
{
	*url = spec_str(g, "/url");
	if (*url != NULL &&
	    (str_has_prefix(*url, "http://") ||
	        str_has_prefix(*url, "https://") ||
	        str_has_prefix(*url, "ssh://")))
		return 0;
	err_set(err, ERR_INVALID,
	    "invalid URL '%s': must start with http://, https:// or ssh://",
	    *url != NULL ? *url : "");
	err_reason(err, SOURCE_REASON_URL_INVALID);
	return -1;
}

/* spec.secretRef's keys into the checkout's auth, as Flux reads them;
 * *sec holds the values (the caller frees it, which wipes them). */
static int
auth_load(struct gitrepo *g, struct checkout_auth *auth,
    struct source_secret **sec, struct err *err)
{
	const char *name = spec_str(g, "/secretRef/name");
	struct {
		const char *key;
		const char **dst;
	} keys[] = {
		{ "username", &auth->username },
		{ "password", &auth->password },
		{ "bearerToken", &auth->bearer_token },
		{ "ca.crt", &auth->ca_pem },
		{ "caFile", &auth->ca_pem }, /* Flux's older name */
		{ "identity", &auth->identity },
		{ "password", &auth->passphrase },
		{ "known_hosts", &auth->known_hosts },
	};

	if (name == NULL)
		return 0;
	if (source_secret_get(sec, reconciler_k8s(g->r), g->obj->namespace,
	        name, err) == -1)
		return -1;
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v;

		if (*keys[i].dst != NULL)
			continue;
		v = source_secret_value(*sec, keys[i].key, NULL, err);
		if (v == NULL && err->code != ERR_OK) {
			err_wrap(err, "secret '%s/%s'", g->obj->namespace,
			    name);
			err->reason = SOURCE_REASON_AUTH_FAILED;
			return -1;
		}
		*keys[i].dst = v;
	}
	/* With an SSH identity, "password" is its passphrase; over HTTP
	 * it is the basic-auth password. */
	if (auth->identity == NULL)
		auth->passphrase = NULL;
	return 0;
}

static void
ref_load(struct gitrepo *g, struct checkout_ref *ref)
{
	ref->branch = spec_str(g, "/ref/branch");
	ref->tag = spec_str(g, "/ref/tag");
	ref->semver = spec_str(g, "/ref/semver");
	ref->name = spec_str(g, "/ref/name");
	ref->commit = spec_str(g, "/ref/commit");
}

/* The stored revision, when the artifact is still there and nothing in
 * the spec changed since it was made: a fetch may then stop early. */
static const char *
last_revision(struct gitrepo *g)
{
	const struct doc_node *art = doc_map_get(g->status, "artifact");
	const char *rev = doc_str(doc_map_get(art, "revision"));
	const char *path = doc_str(doc_map_get(art, "path"));
	const struct doc_node *og = doc_map_get(g->status,
	    "observedGeneration");
	struct err err = ERR_INIT;
	struct storage_key k = g->key;
	int64_t gen = -1;
	const char *file;

	if (rev == NULL || path == NULL || og == NULL ||
	    doc_get_int(&gen, og, &err) == -1 || gen != g->obj->generation)
		return NULL;
	file = strrchr(path, '/');
	k.file = file != NULL ? file + 1 : path;
	return storage_has(g->ctx->storage, &k) ? rev : NULL;
}

static int64_t
timeout_ms(struct gitrepo *g)
{
	const char *s = spec_str(g, "/timeout");
	struct err err = ERR_INIT;
	int64_t ms;

	if (s == NULL || str_parse_duration_ms(&ms, s, &err) == -1 || ms <= 0)
		return CHECKOUT_TIMEOUT_MS_DEFAULT;
	return ms;
}

/* A fresh, empty work directory under <cache-dir>/tmp (main() made
 * it); the caller removes it. */
static char *
work_dir_new(struct gitrepo *g, struct err *err)
{
	char *tmpl = arena_printf(g->a, "%s/tmp/%s-%s-XXXXXX",
	    g->ctx->flags.cache_dir, g->obj->namespace, g->obj->name);
	if (mkdtemp(tmpl) == NULL) {
		err_errno(err, errno, "mkdtemp %s", tmpl);
		return NULL;
	}
	return tmpl;
}

/* Fetches; on failure sets FetchFailed with the reason Flux gives. */
static int
fetch(struct gitrepo *g, struct checkout **co, const char *work,
    struct err *err)
{
	struct checkout_opts o = { 0 };
	struct source_secret *sec = NULL;
	int rv;

	if (check_url(g, &o.url, err) == -1 ||
	    auth_load(g, &o.auth, &sec, err) == -1)
		goto failed;
	ref_load(g, &o.ref);
	o.cache_dir = source_cache_dir(g->ctx, g->a, KIND_LOWER,
	    g->obj->namespace, g->obj->name, err);
	if (o.cache_dir == NULL)
		goto failed;
	o.work_dir = work;
	o.last_revision = g->rebuild ? NULL : last_revision(g);
	o.timeout_ms = timeout_ms(g);
	rv = checkout_fetch(co, &o, err);
	source_secret_free(sec);
	sec = NULL;
	if (rv == 0)
		return 0;
	if (err->code == ERR_AUTH) /* over checkout's GitOperationFailed */
		err->reason = SOURCE_REASON_AUTH_FAILED;
	else if (err->reason == NULL)
		err_reason(err, REASON_GIT_FAILED);
failed:
	source_secret_free(sec);
	cond_set(g, SOURCE_COND_FETCH_FAILED, "True",
	    err->reason != NULL ? err->reason : REASON_GIT_FAILED, err->msg);
	return -1;
}

/* Sets status.<key> to v, or removes it when v is NULL. */
static void
observed_set(struct gitrepo *g, const char *key, struct doc_node *v)
{
	if (v != NULL)
		doc_map_set(g->a, g->status, key, strlen(key), v);
	else
		doc_map_delete(g->status, key, strlen(key));
}

/* Reads spec.include (recording what this object uses) and decides
 * whether the tree must be built again although the commit may not
 * have moved: the included artifacts or the includes changed. */
static int
includes_load(struct gitrepo *g, struct err *err)
{
	const struct doc_node *old = doc_map_get(g->status,
	    "includedArtifacts");
	const struct doc_node *seen = doc_map_get(g->status, "observedInclude");
	int rv = git_includes_load(&g->inc, g->r, g->obj, g->spec, err);

	source_deps_set(g->ctx, KIND, g->obj->namespace, g->obj->name,
	    g->inc.uses, g->inc.n);
	if (rv == -1) {
		cond_set(g, SOURCE_COND_INCLUDE_UNAVAILABLE, "True",
		    err->reason != NULL ? err->reason : "NotFound", err->msg);
		return -1;
	}
	status_remove_condition(g->status, SOURCE_COND_INCLUDE_UNAVAILABLE);
	if (g->inc.n == 0)
		g->rebuild = old != NULL || seen != NULL;
	else
		g->rebuild = !doc_equal(old, g->inc.artifacts) ||
		    !doc_equal(seen, doc_map_get(g->spec, "include"));
	return 0;
}

/* Packs the tree and points status.artifact at it. */
static int
store(struct gitrepo *g, const struct checkout *co, const char *work,
    struct storage_artifact *art, struct err *err)
{
	const char *ign = doc_str(doc_ptr_find(g->spec, "/ignore"));
	struct ignore *ig = NULL;
	struct doc_node *m = doc_new_map(g->a);
	int rv;

	rv = ignore_new(&ig, work, ign, err);
	if (rv == 0)
		rv = storage_put_dir(art, g->ctx->storage, &g->key, work,
		    ignore_match, ig, err);
	ignore_free(ig);
	if (rv == -1) {
		err->reason = SOURCE_REASON_ARCHIVE_FAILED;
		cond_set(g, SOURCE_COND_STORAGE_FAILED, "True",
		    SOURCE_REASON_ARCHIVE_FAILED, err->msg);
		return -1;
	}
#define SET_STR(k, v) \
	doc_map_set(g->a, m, k, strlen(k), doc_new_str(g->a, v, strlen(v)))
	SET_STR("digest", art->digest);
	SET_STR("lastUpdateTime", reconciler_now(g->r));
	SET_STR("path", art->path);
	SET_STR("revision", checkout_revision(co));
	doc_map_set(g->a, m, "size", 4, doc_new_int(g->a, (int64_t)art->size));
	SET_STR("url", art->url);
#undef SET_STR
	doc_map_set(g->a, g->status, "artifact", 8, m);
	observed_set(g, "observedIgnore",
	    ign != NULL ? doc_new_str(g->a, ign, strlen(ign)) : NULL);
	observed_set(g, "includedArtifacts", g->inc.artifacts);
	observed_set(g, "observedInclude",
	    g->inc.n > 0 ? doc_copy(g->a, doc_map_get(g->spec, "include"))
	                 : NULL);
	return 0;
}

/* Keeps the newest artifacts as Flux does; a failure is only logged and
 * recorded, since the new artifact is in place. */
static void
collect_garbage(struct gitrepo *g)
{
	struct err err = ERR_INIT;
	int deleted = 0;

	if (storage_gc(&deleted, g->ctx->storage, &g->key,
	        g->ctx->flags.retention_records, g->ctx->flags.retention_ttl_ms,
	        &err) == 0) {
		if (deleted > 0)
			log_debug(reconciler_log(g->r),
			    "garbage collected %d artifacts", deleted);
		return;
	}
	log_error(reconciler_log(g->r), &err, "garbage collection failed");
	reconciler_event(g->r,
	    &(struct ctrl_event){ .type = "Warning",
	        .reason = SOURCE_REASON_GC_FAILED,
	        .message = err.msg });
}

/* A new artifact: Ready, then (once the API shows it) the ArtifactEvent
 * and the Kubernetes Event, so a consumer woken by either finds the
 * status; the bus first, since consumers wait on it. */
static struct result
announce(struct gitrepo *g, const struct checkout *co,
    const struct storage_artifact *art, const char *msg)
{
	struct bus_artifact ev = {
		.source_kind = KIND,
		.source_namespace = g->obj->namespace,
		.source_name = g->obj->name,
		.revision = checkout_revision(co),
		.digest = art->digest,
		.url = art->url,
		.size = (int64_t)art->size,
		.observed_generation = g->obj->generation,
	};
	struct err err = ERR_INIT;

	status_mark_ready(g->a, g->status, SOURCE_REASON_SUCCEEDED, msg,
	    g->obj->generation, reconciler_now(g->r));
	if (reconciler_flush_status(g->r, &err) == -1) {
		log_error(reconciler_log(g->r), &err, "Reconciler error");
		return result_retry();
	}
	if (source_publish_artifact(g->ctx, &ev, &err) == -1)
		log_error(reconciler_log(g->r), &err,
		    "failed to publish the ArtifactEvent");
	reconciler_event(g->r,
	    &(struct ctrl_event){ .type = "Normal",
	        .reason = REASON_NEW_ARTIFACT,
	        .message = arena_printf(g->a,
	            "stored artifact for commit '%.12s'", checkout_commit(co)),
	        .revision = checkout_revision(co) });
	return result_ready();
}

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What must hold before fetching: supported features, included
 * artifacts available. On failure, -1 and the result in *res. */
static int
prepare(struct gitrepo *g, struct result *res)
{
	struct err err = ERR_INIT;

	if (check_supported(g, &err) == 0 && includes_load(g, &err) == 0)
		return 0;
	*res = reconciler_finish(g->r, &err, SOURCE_REASON_SUCCEEDED, NULL,
	    NULL);
	/* waiting on another object: Flux's --requeue-dependency */
	if (err.code == ERR_NOTFOUND)
		*res = result_retry_after(g->ctx->flags.requeue_dependency_ms);
	return -1;
}

/* Fetch, then store and announce a new artifact, or confirm the stored
 * one; phase times go to the debug log. */
static struct result
reconcile_git(struct gitrepo *g, const char *work)
{
	struct err err = ERR_INIT;
	struct checkout *co = NULL;
	struct storage_artifact art;
	struct result res;
	const char *msg;
	int64_t t0 = mono_ms(), t1, t2;

	if (prepare(g, &res) == -1)
		return res;
	if (fetch(g, &co, work, &err) == -1)
		return reconciler_finish(g->r, &err, SOURCE_REASON_SUCCEEDED,
		    NULL, NULL);
	t1 = mono_ms();
	if (!checkout_unchanged(co) &&
	    git_includes_apply(&g->inc, g->ctx, g->a, g->obj->namespace, work,
	        &err) == -1) {
		cond_set(g, SOURCE_COND_INCLUDE_UNAVAILABLE, "True", err.reason,
		    err.msg);
		checkout_free(co);
		return reconciler_finish(g->r, &err, SOURCE_REASON_SUCCEEDED,
		    NULL, NULL);
	}
	status_remove_condition(g->status, SOURCE_COND_FETCH_FAILED);
	g->key.file = arena_printf(g->a, "%s.tar.gz", checkout_commit(co));
	msg = arena_printf(g->a, "stored artifact for revision '%s'",
	    checkout_revision(co));
	if (checkout_unchanged(co)) {
		res = reconciler_finish(g->r, NULL, SOURCE_REASON_SUCCEEDED,
		    msg, checkout_revision(co));
	} else if (store(g, co, work, &art, &err) == -1) {
		res = reconciler_finish(g->r, &err, SOURCE_REASON_SUCCEEDED,
		    NULL, NULL);
		checkout_free(co);
		return res;
	} else {
		status_remove_condition(g->status, SOURCE_COND_STORAGE_FAILED);
		status_remove_condition(g->status,
		    SOURCE_COND_ARTIFACT_OUTDATED);
		cond_set(g, SOURCE_COND_ARTIFACT_IN_STORAGE, "True",
		    SOURCE_REASON_SUCCEEDED, msg);
		t2 = mono_ms();
		res = announce(g, co, &art, msg);
		log_debug(reconciler_log(g->r),
		    "fetched in %lld ms, stored in %lld ms, announced in %lld ms",
		    (long long)(t1 - t0), (long long)(t2 - t1),
		    (long long)(mono_ms() - t2));
	}
	collect_garbage(g);
	checkout_free(co);
	return res;
}

static struct result
gitrepo_reconcile(struct reconciler *r, const struct object *obj)
{
	struct gitrepo g = { .r = r,
		.ctx = reconciler_arg(r),
		.obj = obj,
		.a = reconciler_arena(r),
		.spec = doc_map_get(obj->node, "spec"),
		.status = reconciler_status(r),
		.key = { KIND_LOWER, obj->namespace, obj->name, NULL } };
	struct err err = ERR_INIT;
	struct result res;
	char *work;

	if (spec_true(&g, "/suspend"))
		return result_suspended();
	if ((work = work_dir_new(&g, &err)) == NULL) {
		err_reason(&err, SOURCE_REASON_STORAGE_FAILED);
		return reconciler_finish(r, &err, SOURCE_REASON_SUCCEEDED, NULL,
		    NULL);
	}
	res = reconcile_git(&g, work);
	if (artifact_tree_remove(work, false, &err) == -1)
		log_error(reconciler_log(r), &err, "removing the work tree");
	return res;
}

/* On deletion: the object's artifacts and its git cache go. */
static struct result
gitrepo_finalize(struct reconciler *r, const struct object *obj)
{
	struct source_ctx *ctx = reconciler_arg(r);
	struct storage_key key = { KIND_LOWER, obj->namespace, obj->name,
		NULL };
	struct err err = ERR_INIT;
	char *cache = arena_printf(reconciler_arena(r), "%s/%s/%s/%s",
	    ctx->flags.cache_dir, KIND_LOWER, obj->namespace, obj->name);

	source_deps_set(ctx, KIND, obj->namespace, obj->name, NULL, 0);

	if (storage_remove(ctx->storage, &key, &err) == -1 ||
	    artifact_tree_remove(cache, false, &err) == -1) {
		log_error(reconciler_log(r), &err, "Reconciler error");
		return result_retry();
	}
	return result_ready();
}

struct ctrl_opts
gitrepo_ctrl_opts(struct source_ctx *ctx)
{
	struct ctrl_opts o = source_ctrl_opts(ctx, KIND_LOWER, KIND);

	o.reconcile = gitrepo_reconcile;
	o.finalize = gitrepo_finalize;
	return o;
}
