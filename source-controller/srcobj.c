/*
 * Helpers shared by the source kinds whose artifact is one fetched file.
 * They mirror what gitrepo.c does for trees, so the kinds read alike and
 * write the same status fields, Events and ArtifactEvents.
 */
#include "srcobj.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/arena.h"
#include "core/str.h"
#include "ctrl/status.h"

#define REASON_NEW_ARTIFACT "NewArtifact"

/* A non-empty string at ptr in spec, or NULL. */
static const char *
spec_str(const struct doc_node *spec, const char *ptr)
{
	const char *s = doc_str(doc_ptr_find(spec, ptr));

	return s != NULL && s[0] != '\0' ? s : NULL;
}

void
srcobj_init(struct srcobj *o, struct reconciler *r, const char *kind,
    const char *kind_lower, const struct object *obj)
{
	memset(o, 0, sizeof(*o));
	o->r = r;
	o->ctx = reconciler_arg(r);
	o->obj = obj;
	o->a = reconciler_arena(r);
	o->kind = kind;
	o->spec = doc_map_get(obj->node, "spec");
	o->status = reconciler_status(r);
	o->key = (struct storage_key){ kind_lower, obj->namespace, obj->name,
		NULL };
}

const char *
srcobj_str(const struct srcobj *o, const char *ptr)
{
	return spec_str(o->spec, ptr);
}

bool
srcobj_true(const struct srcobj *o, const char *ptr)
{
	const struct doc_node *n = doc_ptr_find(o->spec, ptr);
	struct err err = ERR_INIT;
	bool v = false;

	return n != NULL && doc_get_bool(&v, n, &err) == 0 && v;
}

int64_t
srcobj_timeout_ms(const struct srcobj *o)
{
	const char *s = srcobj_str(o, "/timeout");
	struct err err = ERR_INIT;
	int64_t ms;

	if (s == NULL || str_parse_duration_ms(&ms, s, &err) == -1 || ms <= 0)
		return HTTP_GET_TIMEOUT_MS_DEFAULT;
	return ms;
}

void
srcobj_cond(struct srcobj *o, const char *type, const char *status,
    const char *reason, const char *message)
{
	struct condition c = { type, status, reason, message };

	status_set_condition(o->a, o->status, &c, o->obj->generation,
	    reconciler_now(o->r));
}

/* Fills the unset *dst from key in s; ERR_INVALID for bad base64. */
static int
secret_keys(struct source_secret *s, const char *const *keys,
    const char **const *dsts, size_t n, struct err *err)
{
	for (size_t i = 0; i < n; i++) {
		const char *v;

		if (*dsts[i] != NULL)
			continue;
		v = source_secret_value(s, keys[i], NULL, err);
		if (v == NULL && err->code != ERR_OK)
			return -1;
		*dsts[i] = v;
	}
	return 0;
}

static int
load_secret_ref(struct srcobj *o, const struct doc_node *spec,
    struct srcobj_auth *a, struct err *err)
{
	const char *name = spec_str(spec, "/secretRef/name");
	struct http_auth *h = &a->http;
	const char *const keys[] = { "username", "password", "certFile",
		"keyFile", "caFile", "tls.crt", "tls.key", "ca.crt" };
	const char **const dsts[] = { &h->username, &h->password, &h->cert_pem,
		&h->key_pem, &h->ca_pem, &h->cert_pem, &h->key_pem,
		&h->ca_pem };

	if (name == NULL)
		return 0;
	if (source_secret_get(&a->secret, reconciler_k8s(o->r),
	        o->obj->namespace, name, err) == -1 ||
	    secret_keys(a->secret, keys, dsts, 8, err) == -1)
		return err_wrap(err, "secret '%s/%s'", o->obj->namespace, name);
	return 0;
}

static int
load_cert_secret_ref(struct srcobj *o, const struct doc_node *spec,
    struct srcobj_auth *a, struct err *err)
{
	const char *name = spec_str(spec, "/certSecretRef/name");
	struct http_auth *h = &a->http;
	const char *const keys[] = { "ca.crt", "tls.crt", "tls.key" };
	const char **const dsts[] = { &h->ca_pem, &h->cert_pem, &h->key_pem };

	if (name == NULL)
		return 0;
	if (source_secret_get(&a->cert_secret, reconciler_k8s(o->r),
	        o->obj->namespace, name, err) == -1 ||
	    secret_keys(a->cert_secret, keys, dsts, 3, err) == -1)
		return err_wrap(err, "secret '%s/%s'", o->obj->namespace, name);
	return 0;
}

int
srcobj_auth_load(struct srcobj *o, const struct doc_node *spec,
    struct srcobj_auth *a, struct err *err)
{
	const struct doc_node *ins;
	struct err ignored = ERR_INIT;

	memset(a, 0, sizeof(*a));
	spec = spec != NULL ? spec : o->spec;
	ins = doc_ptr_find(spec, "/insecure");
	if (ins != NULL)
		(void)doc_get_bool(&a->http.insecure, ins, &ignored);
	/* certSecretRef first: its TLS keys win over secretRef's. */
	if (load_cert_secret_ref(o, spec, a, err) == -1 ||
	    load_secret_ref(o, spec, a, err) == -1) {
		srcobj_auth_release(a);
		err->reason = SOURCE_REASON_AUTH_FAILED;
		return -1;
	}
	if ((a->http.username == NULL) != (a->http.password == NULL)) {
		srcobj_auth_release(a);
		err_set(err, ERR_INVALID,
		    "secret '%s/%s': username and password must be set together",
		    o->obj->namespace, spec_str(spec, "/secretRef/name"));
		return err_reason(err, SOURCE_REASON_AUTH_FAILED);
	}
	return 0;
}

void
srcobj_auth_release(struct srcobj_auth *a)
{
	source_secret_free(a->secret);
	source_secret_free(a->cert_secret);
	memset(a, 0, sizeof(*a));
}

int
srcobj_tmpfile(struct srcobj *o, struct err *err)
{
	char *path = arena_printf(o->a, "%s/tmp/%s-XXXXXX",
	    o->ctx->flags.cache_dir, o->key.kind);
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd == -1)
		return err_errno(err, errno, "create scratch file '%s'", path);
	(void)unlink(path); /* gone with the last close, even on a crash */
	return fd;
}

const char *
srcobj_stored_revision(const struct srcobj *o)
{
	const struct doc_node *art = doc_map_get(o->status, "artifact");
	const char *rev = doc_str(doc_map_get(art, "revision"));
	const char *path = doc_str(doc_map_get(art, "path"));
	struct storage_key k = o->key;
	const char *file;

	if (rev == NULL || path == NULL)
		return NULL;
	file = strrchr(path, '/');
	k.file = file != NULL ? file + 1 : path;
	return storage_has(o->ctx->storage, &k) ? rev : NULL;
}

static void
set_str(struct srcobj *o, struct doc_node *m, const char *k, const char *v)
{
	doc_map_set(o->a, m, k, strlen(k), doc_new_str(o->a, v, strlen(v)));
}

int
srcobj_store(struct srcobj *o, struct storage_artifact *art, int fd,
    const char *alias, const char *revision, struct err *err)
{
	struct doc_node *m;

	if (storage_put_fd(art, o->ctx->storage, &o->key, fd, alias, err) ==
	    -1) {
		err_reason(err, SOURCE_REASON_STORAGE_FAILED);
		srcobj_cond(o, SOURCE_COND_STORAGE_FAILED, "True",
		    SOURCE_REASON_STORAGE_FAILED, err->msg);
		return -1;
	}
	status_remove_condition(o->status, SOURCE_COND_STORAGE_FAILED);
	m = doc_new_map(o->a);
	set_str(o, m, "digest", art->digest);
	set_str(o, m, "lastUpdateTime", reconciler_now(o->r));
	set_str(o, m, "path", art->path);
	set_str(o, m, "revision", revision);
	doc_map_set(o->a, m, "size", 4, doc_new_int(o->a, (int64_t)art->size));
	set_str(o, m, "url", art->url);
	doc_map_set(o->a, o->status, "artifact", 8, m);
	return 0;
}

struct result
srcobj_announce(struct srcobj *o, const struct storage_artifact *art,
    const char *revision, const char *reason, const char *message,
    const char *event_msg)
{
	struct bus_artifact ev = {
		.source_kind = o->kind,
		.source_namespace = o->obj->namespace,
		.source_name = o->obj->name,
		.revision = revision,
		.digest = art->digest,
		.url = art->url,
		.size = (int64_t)art->size,
		.observed_generation = o->obj->generation,
	};
	struct err err = ERR_INIT;

	status_remove_condition(o->status, SOURCE_COND_ARTIFACT_OUTDATED);
	srcobj_cond(o, SOURCE_COND_ARTIFACT_IN_STORAGE, "True", reason,
	    message);
	status_mark_ready(o->a, o->status, reason, message, o->obj->generation,
	    reconciler_now(o->r));
	if (reconciler_flush_status(o->r, &err) == -1) {
		log_error(reconciler_log(o->r), &err, "Reconciler error");
		return result_retry();
	}
	reconciler_event(o->r,
	    &(struct ctrl_event){ .type = "Normal",
	        .reason = REASON_NEW_ARTIFACT,
	        .message = event_msg,
	        .revision = revision });
	if (source_publish_artifact(o->ctx, &ev, &err) == -1)
		log_error(reconciler_log(o->r), &err,
		    "failed to publish the ArtifactEvent");
	srcobj_gc(o);
	return result_ready();
}

void
srcobj_gc(struct srcobj *o)
{
	struct err err = ERR_INIT;
	int deleted = 0;

	if (storage_gc(&deleted, o->ctx->storage, &o->key,
	        o->ctx->flags.retention_records, o->ctx->flags.retention_ttl_ms,
	        &err) == 0)
		return;
	log_error(reconciler_log(o->r), &err, "garbage collection failed");
	reconciler_event(o->r,
	    &(struct ctrl_event){ .type = "Warning",
	        .reason = SOURCE_REASON_GC_FAILED,
	        .message = err.msg });
}

struct result
srcobj_finalize(struct reconciler *r, const char *kind_lower,
    const struct object *obj)
{
	struct source_ctx *ctx = reconciler_arg(r);
	struct storage_key key = { kind_lower, obj->namespace, obj->name,
		NULL };
	struct err err = ERR_INIT;

	if (storage_remove(ctx->storage, &key, &err) == -1) {
		log_error(reconciler_log(r), &err, "Reconciler error");
		return result_retry();
	}
	return result_ready();
}
