/*
 * What every source kind of source-controller shares: the daemon's flags,
 * the artifact storage, the ArtifactEvent publisher and the artifact
 * server, gathered in one struct source_ctx that main() fills once and
 * hands to each kind's ctrl_opts function as the reconcilers' arg.
 *
 * Adding a kind is one function returning its struct ctrl_opts (see
 * gitrepo_ctrl_opts()) and one line in main.c's kind table; the bus's
 * ReconcileRequests reach the kind by its name in that table.
 *
 * Thread-safe: the context is immutable once main() starts the
 * controllers; the storage, the bus and the dependency index (which
 * has its own lock) are thread-safe themselves.
 */
#ifndef FLINT_SOURCE_SOURCE_H
#define FLINT_SOURCE_SOURCE_H

#include <stdbool.h>
#include <stdint.h>

#include "bus/bus.h"
#include "core/err.h"
#include "core/log.h"
#include "ctrl/ctrl.h"
#include "storage.h"

#define SOURCE_GROUP              "source.toolkit.fluxcd.io"
#define SOURCE_API_VERSION        SOURCE_GROUP "/v1"
#define SOURCE_CONTROLLER         "source-controller"
#define SOURCE_CONCURRENT_DEFAULT 2

/* Flux's reasons and condition types shared by the source kinds
 * (source-controller api/v1/condition_types.go). */
#define SOURCE_COND_ARTIFACT_IN_STORAGE "ArtifactInStorage"
#define SOURCE_COND_ARTIFACT_OUTDATED   "ArtifactOutdated"
#define SOURCE_COND_FETCH_FAILED        "FetchFailed"
#define SOURCE_COND_STORAGE_FAILED      "StorageOperationFailed"
#define SOURCE_COND_INCLUDE_UNAVAILABLE "IncludeUnavailable"
#define SOURCE_REASON_SUCCEEDED         "Succeeded"
#define SOURCE_REASON_NEW_REVISION      "NewRevision"
#define SOURCE_REASON_AUTH_FAILED       "AuthenticationFailed"
#define SOURCE_REASON_URL_INVALID       "URLInvalid"
#define SOURCE_REASON_STORAGE_FAILED    "StorageOperationFailed"
#define SOURCE_REASON_ARCHIVE_FAILED    "ArchiveOperationFailed"
#define SOURCE_REASON_GC_FAILED         "GarbageCollectionFailed"

/* The daemon's flags, with Flux's names; main() owns the strings. */
struct source_flags {
	const char *storage_path;      /* --storage-path ["/data"] */
	const char *storage_addr;      /* --storage-addr [":9090"] */
	const char *storage_adv_addr;  /* --storage-adv-addr [host:port] */
	const char *cache_dir;         /* --cache-dir [<storage>/../cache] */
	int concurrent;                /* --concurrent [2] */
	const char *namespace;         /* watched; NULL: all namespaces */
	const char *label_selector;    /* --watch-label-selector */
	int64_t requeue_dependency_ms; /* --requeue-dependency [30s] */
	int retention_records;         /* --artifact-retention-records [2] */
	int64_t retention_ttl_ms;      /* --artifact-retention-ttl [60s] */
};

struct source_server;
struct source_deps;

/* Queues a reconcile of kind ns/name now (main's, via the kind table). */
typedef void source_enqueue_fn(void *arg, const char *kind, const char *ns,
    const char *name);

struct source_ctx {
	struct source_flags flags;
	struct storage *storage;
	struct bus *artifacts; /* PUB on --bus-artifacts; NULL: none */
	struct source_server *server;
	struct log_ctx log;         /* the daemon's, no object named */
	const char *hostname;       /* reporting instance */
	struct source_deps *deps;   /* who uses whose artifact; may be NULL */
	source_enqueue_fn *enqueue; /* may be NULL */
	void *enqueue_arg;
};

/* Publishes one ArtifactEvent (after a NEW artifact only, in order per
 * object) and queues the objects that use this one's artifact (see
 * source_deps_set()). Without a publisher it only queues. Errors:
 * bus_send()'s. */
int source_publish_artifact(struct source_ctx *ctx,
    const struct bus_artifact *ev, struct err *err);

/*
 * The options every source kind shares: reporting controller,
 * finalizer, workers, namespace and label selector from the flags,
 * arg = ctx. The caller adds reconcile and finalize. controller is the
 * logs' name ("gitrepository"), kind the API's ("GitRepository").
 */
struct ctrl_opts source_ctrl_opts(struct source_ctx *ctx,
    const char *controller, const char *kind);

/* mkdir -p path (mode 0750); path is restored before returning.
 * Errors: ERR_IO. */
int source_mkdirs(char *path, struct err *err);

/* The per-object directory for caches kept between reconciles (a git
 * repository): <cache-dir>/<kind>/<ns>/<name>, made if missing. */
char *source_cache_dir(struct source_ctx *ctx, struct arena *a,
    const char *kind_lower, const char *ns, const char *name, struct err *err);

/* A Secret read for one reconcile; its values are wiped when freed. */
struct source_secret;

/*
 * Reads Secret ns/name (spec.secretRef). ERR_NOTFOUND (reason
 * AuthenticationFailed, as Flux) when it does not exist; the API's
 * errors otherwise. Free with source_secret_free().
 */
int source_secret_get(struct source_secret **out, struct k8s *k, const char *ns,
    const char *name, struct err *err);

/* The value of key in the Secret's stringData or (base64) data, decoded
 * and NUL-terminated, owned by s, with its length in *len (may be NULL).
 * NULL when the key is absent (err untouched) or, with ERR_INVALID, not
 * valid base64. */
const char *source_secret_value(struct source_secret *s, const char *key,
    size_t *len, struct err *err);

/* Wipes every value read and the Secret's data, then frees. Accepts
 * NULL. */
void source_secret_free(struct source_secret *s);

/* ---- dependencies between sources ----------------------------------------
 *
 * An object whose artifact is made from others' (a GitRepository's
 * spec.include, a HelmChart's source) records what it uses on each
 * reconcile; a new artifact of one of those then queues it at once,
 * rather than at its next interval. In memory only: after a restart
 * every object is reconciled anyway and records its uses again.
 */

struct source_deps *source_deps_new(void);
void source_deps_free(struct source_deps *d);

/* Replaces what kind ns/name uses with the n objects in uses, each
 * named "<Kind>/<namespace>/<name>" (copied). n 0 forgets it. */
void source_deps_set(struct source_ctx *ctx, const char *kind, const char *ns,
    const char *name, const char *const *uses, size_t n);

/* Queues every object that uses kind ns/name. */
void source_deps_notify(struct source_ctx *ctx, const char *kind,
    const char *ns, const char *name);

/* ---- the kinds ----------------------------------------------------------
 */

struct ctrl_opts gitrepo_ctrl_opts(struct source_ctx *ctx);
struct ctrl_opts helmrepo_ctrl_opts(struct source_ctx *ctx);
struct ctrl_opts helmchart_ctrl_opts(struct source_ctx *ctx);
struct ctrl_opts ocirepo_ctrl_opts(struct source_ctx *ctx);

#endif /* FLINT_SOURCE_SOURCE_H */
