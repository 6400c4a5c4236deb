/*
 * One reconcile of a source object whose artifact is a fetched file
 * (HelmRepository, HelmChart, OCIRepository): spec access, conditions,
 * credentials from secretRef/certSecretRef, a scratch file, and the
 * end of a reconcile that stored a new artifact (status.artifact,
 * Ready, the Event, the ArtifactEvent, garbage collection).
 *
 * Not thread-safe by itself: one struct per reconcile, on its stack.
 */
#ifndef FLINT_SOURCE_SRCOBJ_H
#define FLINT_SOURCE_SRCOBJ_H

#include <stdbool.h>
#include <stdint.h>

#include "http_get.h"
#include "source.h"

struct srcobj {
	struct reconciler *r;
	struct source_ctx *ctx;
	const struct object *obj;
	struct arena *a;
	const char *kind; /* "HelmRepository" */
	const struct doc_node *spec;
	struct doc_node *status;
	struct storage_key key; /* file set once known */
};

/* Credentials read for one reconcile; wiped by srcobj_auth_release. */
struct srcobj_auth {
	struct http_auth http;
	struct source_secret *secret, *cert_secret;
};

void srcobj_init(struct srcobj *o, struct reconciler *r, const char *kind,
    const char *kind_lower, const struct object *obj);

/* A non-empty string at the JSON pointer in spec, or NULL. */
const char *srcobj_str(const struct srcobj *o, const char *ptr);

/* True when the boolean at ptr in spec is true. */
bool srcobj_true(const struct srcobj *o, const char *ptr);

/* spec.timeout in ms (Flux's default 60s when unset or bad). */
int64_t srcobj_timeout_ms(const struct srcobj *o);

/* Sets the condition (generation and time from the reconcile). */
void srcobj_cond(struct srcobj *o, const char *type, const char *status,
    const char *reason, const char *message);

/*
 * Loads spec.secretRef (username/password; certFile/keyFile/caFile and
 * the tls.* keys, deprecated there) and spec.certSecretRef (ca.crt,
 * tls.crt, tls.key) and spec.insecure into a, from spec (another
 * object's, as a HelmChart uses its HelmRepository's; NULL: o's own).
 * Errors: reason AuthenticationFailed, ERR_NOTFOUND for a missing
 * Secret.
 */
int srcobj_auth_load(struct srcobj *o, const struct doc_node *spec,
    struct srcobj_auth *a, struct err *err);

void srcobj_auth_release(struct srcobj_auth *a);

/* An unlinked scratch file under <cache-dir>/tmp, open read-write;
 * -1 with err (ERR_IO) on failure. The caller closes it. */
int srcobj_tmpfile(struct srcobj *o, struct err *err);

/* The stored revision when the artifact at status.artifact.path is
 * still there, else NULL. */
const char *srcobj_stored_revision(const struct srcobj *o);

/* Stores the file open at fd as o->key (alias as storage_put_fd), and
 * writes status.artifact with revision. On failure sets
 * StorageOperationFailed. */
int srcobj_store(struct srcobj *o, struct storage_artifact *art, int fd,
    const char *alias, const char *revision, struct err *err);

/*
 * Ends a reconcile that stored a new artifact: ArtifactInStorage and
 * Ready True (reason, message), status flushed, then a Normal Event
 * (event_reason "NewArtifact", event_msg) and the ArtifactEvent, then
 * garbage collection.
 */
struct result srcobj_announce(struct srcobj *o,
    const struct storage_artifact *art, const char *revision,
    const char *reason, const char *message, const char *event_msg);

/* Garbage-collects the object's old artifacts (keeping o->key.file). */
void srcobj_gc(struct srcobj *o);

/* On deletion: removes the object's storage directory. */
struct result srcobj_finalize(struct reconciler *r, const char *kind_lower,
    const struct object *obj);

#endif /* FLINT_SOURCE_SRCOBJ_H */
