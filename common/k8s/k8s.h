/*
 * The Kubernetes API client.
 *
 * Configuration comes from a kubeconfig (an explicit path, KUBECONFIG, or
 * ~/.kube/config) or from the in-cluster service account. A struct k8s
 * talks to one API server over libcurl (HTTP/2 where the server offers
 * it, connections shared between threads), with a client-side QPS/burst
 * limit and retries on 429 and 5xx that honour Retry-After.
 *
 * Objects go in and come out as doc trees (common/doc): what a call
 * returns through struct doc **out is the caller's, freed with
 * doc_free(). Kinds are named as in manifests, by apiVersion and kind;
 * discovery maps them to REST resources and caches the answer, asking
 * the server again on a miss (CRDs appear at run time).
 *
 * API failures keep the server's Status: err.reason is its reason
 * ("NotFound", "AlreadyExists", "Conflict", "Invalid", "Forbidden", ...)
 * and err.msg its message. Codes: NotFound -> ERR_NOTFOUND; Conflict and
 * AlreadyExists -> ERR_CONFLICT; Invalid and BadRequest -> ERR_INVALID
 * (the message names the field paths); Forbidden and Unauthorized ->
 * ERR_AUTH; timeouts -> ERR_TIMEOUT; Gone/Expired -> ERR_CONFLICT;
 * 429, 5xx and transport failures -> ERR_NETWORK.
 *
 * Thread safety: a struct k8s is shared by every worker thread; all calls
 * on it are thread-safe. A struct k8s_watch has one owner thread, except
 * for k8s_watch_cancel(). Secrets (tokens, keys) are wiped when freed and
 * never appear in error messages.
 */
#ifndef FLINT_K8S_H
#define FLINT_K8S_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "doc/doc.h"

/* ---- configuration ------------------------------------------------------ */

/* A client.authentication.k8s.io exec credential plugin. */
struct k8s_exec {
	char *command; /* as written; resolved against dir, then PATH */
	char *dir;     /* directory of the kubeconfig that named it */
	char **args;   /* nargs strings */
	size_t nargs;
	char **env; /* nenv "NAME=value" strings, added to ours */
	size_t nenv;
	char *api_version; /* "client.authentication.k8s.io/v1" */
	bool provide_cluster_info;
};

/*
 * Resolved connection settings: one cluster, one user, one namespace.
 * Plain value in the caller's storage; every string is heap-owned and
 * freed by k8s_config_release(). Files are read when used, not when the
 * kubeconfig is parsed; *_pem fields hold decoded "-data" values.
 */
struct k8s_config {
	char *context;         /* the context chosen, NULL in-cluster */
	char *server;          /* "https://127.0.0.1:6443" */
	char *tls_server_name; /* SNI and certificate name, or NULL */
	bool insecure;         /* insecure-skip-tls-verify */
	char *ca_file;
	char *ca_pem;
	size_t ca_pem_len;
	char *cert_file;
	char *key_file;
	char *cert_pem;
	size_t cert_pem_len;
	char *key_pem; /* secret */
	size_t key_pem_len;
	char *token;      /* secret */
	char *token_file; /* re-read now and then: bound tokens rotate */
	struct k8s_exec *exec;
	char *namespace; /* the context's; "default" when unset */
};

/*
 * Parses kubeconfig text and resolves one context (NULL: its
 * current-context) into *out; relative file paths are taken against dir.
 * Reads no files. ERR_INVALID for malformed YAML or a missing context,
 * cluster or user; ERR_UNSUPPORTED for auth-provider and basic auth.
 */
int k8s_config_parse(struct k8s_config *out, const char *text, size_t len,
    const char *dir, const char *context, struct err *err);

/*
 * Loads the configuration in the order controller-runtime (and so Flux)
 * uses: path when not NULL (--kubeconfig); else the files in KUBECONFIG
 * (colon-separated, missing ones skipped; the first file naming a
 * context, cluster or user wins, and current-context comes from the
 * first file that sets it); else the in-cluster service account when
 * KUBERNETES_SERVICE_HOST is set; else ~/.kube/config. context NULL
 * means current-context. ERR_NOTFOUND when nothing is found.
 */
int k8s_config_load(struct k8s_config *out, const char *path,
    const char *context, struct err *err);

/*
 * The in-cluster configuration: server from KUBERNETES_SERVICE_HOST and
 * KUBERNETES_SERVICE_PORT, token file, CA and namespace from dir (NULL:
 * /var/run/secrets/kubernetes.io/serviceaccount). ERR_NOTFOUND outside
 * a pod.
 */
int k8s_config_in_cluster(struct k8s_config *out, const char *dir,
    struct err *err);

/* Frees every string, wiping secrets, and zeroes *cfg. Accepts zeroed
 * storage. */
void k8s_config_release(struct k8s_config *cfg);

/* ---- the client ---------------------------------------------------------- */

/* Client tuning; zero fields take the defaults in brackets. */
struct k8s_options {
	double qps;           /* sustained requests per second [50]; < 0: off */
	unsigned burst;       /* bucket size [300] */
	int64_t timeout_ms;   /* one attempt of one request [30000] */
	unsigned max_retries; /* on 429/5xx/connect failures [5] */
	const char *user_agent; /* ["flint/<version>"] */
};

struct k8s;

/*
 * Creates a client for cfg (copied; the caller keeps cfg). Contacts no
 * server. The caller owns *out and frees it with k8s_free().
 */
int k8s_new(struct k8s **out, const struct k8s_config *cfg,
    const struct k8s_options *opts, struct err *err);

/* Frees a client (a base after all its impersonating views). Accepts
 * NULL. */
void k8s_free(struct k8s *k);

/*
 * A view of base that sends every request as user (and groups, a NULL-
 * terminated list or NULL) through Impersonate-User/Impersonate-Group
 * headers. It shares base's connections, rate limit and discovery cache,
 * so base must outlive it; free it with k8s_free().
 */
int k8s_impersonate(struct k8s **out, struct k8s *base, const char *user,
    const char *const *groups, struct err *err);

/* Like k8s_impersonate() as "system:serviceaccount:<ns>:<name>", as Flux
 * does for spec.serviceAccountName. */
int k8s_impersonate_sa(struct k8s **out, struct k8s *base, const char *ns,
    const char *name, struct err *err);

/* The configuration's default namespace (borrowed from k). */
const char *k8s_namespace(const struct k8s *k);

/* ---- discovery ------------------------------------------------------------
 */

/* Where a kind lives in the REST API. */
struct k8s_mapping {
	char group[254];    /* "" for the core group */
	char version[64];   /* "v1" */
	char resource[254]; /* plural: "configmaps" */
	bool namespaced;
};

/*
 * Maps apiVersion ("v1", "apps/v1") and kind to a resource, from the
 * cache or by asking the server (again when the cache misses).
 * ERR_NOTFOUND with reason "NoKindMatch" for an unknown kind or group.
 */
int k8s_mapping_get(struct k8s_mapping *out, struct k8s *k,
    const char *api_version, const char *kind, struct err *err);

/* ---- objects ---------------------------------------------------------------
 */

/* Names one object. namespace NULL or "" means the client's default for
 * namespaced kinds; it is ignored for cluster-scoped ones. */
struct k8s_ref {
	const char *api_version;
	const char *kind;
	const char *namespace;
	const char *name;
};

/* Options for writes; every field may be zero. */
struct k8s_write_opts {
	const char *field_manager; /* required for apply */
	bool force;                /* apply: take ownership of conflicts */
	bool dry_run;              /* dryRun=All: validate, persist nothing */
	const char *subresource;   /* "status", or NULL for the object */
};

enum k8s_patch_type {
	K8S_PATCH_MERGE,     /* RFC 7386 application/merge-patch+json */
	K8S_PATCH_JSON,      /* RFC 6902 application/json-patch+json */
	K8S_PATCH_STRATEGIC, /* built-in kinds only */
	K8S_PATCH_APPLY,     /* server-side apply */
};

enum k8s_propagation {
	K8S_PROPAGATION_DEFAULT = 0, /* the server's choice for the kind */
	K8S_PROPAGATION_BACKGROUND,
	K8S_PROPAGATION_FOREGROUND,
	K8S_PROPAGATION_ORPHAN,
};

struct k8s_delete_opts {
	enum k8s_propagation propagation;
	const char *uid;              /* precondition, or NULL */
	const char *resource_version; /* precondition, or NULL */
	bool dry_run;
};

/* Reads one object; ERR_NOTFOUND when it does not exist. */
int k8s_get(struct doc **out, struct k8s *k, const struct k8s_ref *ref,
    struct err *err);

/* Creates obj (apiVersion, kind, metadata.namespace from obj); out may be
 * NULL. ERR_CONFLICT with reason "AlreadyExists". */
int k8s_create(struct doc **out, struct k8s *k, const struct doc_node *obj,
    const struct k8s_write_opts *opts, struct err *err);

/* Replaces obj (PUT), or its status with subresource "status"; a stale
 * metadata.resourceVersion fails with ERR_CONFLICT, reason "Conflict". */
int k8s_update(struct doc **out, struct k8s *k, const struct doc_node *obj,
    const struct k8s_write_opts *opts, struct err *err);

/* Patches the object ref names with patch of the given type; out may be
 * NULL. */
int k8s_patch(struct doc **out, struct k8s *k, const struct k8s_ref *ref,
    enum k8s_patch_type type, const struct doc_node *patch,
    const struct k8s_write_opts *opts, struct err *err);

/*
 * Server-side apply of obj (it names itself) with opts->field_manager;
 * a field owned by another manager fails with ERR_CONFLICT (reason
 * "Conflict", the message names managers and fields) unless opts->force.
 * With subresource "status", applies the status.
 */
int k8s_apply(struct doc **out, struct k8s *k, const struct doc_node *obj,
    const struct k8s_write_opts *opts, struct err *err);

/* Deletes the object (opts may be NULL); ERR_NOTFOUND when gone. */
int k8s_delete(struct k8s *k, const struct k8s_ref *ref,
    const struct k8s_delete_opts *opts, struct err *err);

/* ---- list and watch -------------------------------------------------------
 */

struct k8s_list_opts {
	const char *api_version;
	const char *kind;
	const char *namespace; /* NULL or "": all namespaces */
	const char *label_selector;
	const char *field_selector;
	unsigned page_size; /* limit per request [500] */
};

/*
 * Lists every object, following "continue" page by page, into one
 * <Kind>List whose metadata.resourceVersion is the first page's (the
 * snapshot the pages belong to). A continue token that expired midway
 * fails with ERR_CONFLICT, reason "Expired".
 */
int k8s_list(struct doc **out, struct k8s *k, const struct k8s_list_opts *opts,
    struct err *err);

/* Called once per page with the page's List object (borrowed). Return -1
 * with err set to stop. */
typedef int k8s_page_fn(void *arg, const struct doc_node *list,
    struct err *err);

/* Like k8s_list() without gathering: hands over each page as it comes. */
int k8s_list_pages(struct k8s *k, const struct k8s_list_opts *opts,
    k8s_page_fn *fn, void *arg, struct err *err);

enum k8s_watch_type {
	K8S_WATCH_ADDED,
	K8S_WATCH_MODIFIED,
	K8S_WATCH_DELETED,
	K8S_WATCH_BOOKMARK, /* only resource_version is news */
	K8S_WATCH_RELIST,   /* a full list follows as ADDED; forget the past */
	K8S_WATCH_SYNCED,   /* the list is complete: what it lacked is gone */
	K8S_WATCH_STOPPED,  /* k8s_watch_cancel() was called */
};

struct k8s_watch_event {
	enum k8s_watch_type type;
	const struct doc_node *object; /* NULL for RELIST, SYNCED, STOPPED */
	const char *resource_version;  /* the latest seen, or "" */
};

struct k8s_watch_opts {
	struct k8s_list_opts list;
	/* Start watching from here; NULL or "": list first (RELIST ...
	 * SYNCED), then watch from the list's version. */
	const char *resource_version;
	unsigned timeout_s; /* server-side length of one watch call [300] */
};

struct k8s_watch;

/*
 * Starts a list-then-watch of one kind. Nothing is fetched until the
 * first k8s_watch_next(). The watch belongs to the caller
 * (k8s_watch_close()) and must not outlive k.
 */
int k8s_watch_open(struct k8s_watch **out, struct k8s *k,
    const struct k8s_watch_opts *opts, struct err *err);

/*
 * Blocks until the next event. Ended streams and network failures are
 * retried inside with backoff, from the last resourceVersion seen
 * (bookmarks keep it fresh). When the server answers 410 Gone (the
 * version was compacted away), the watch lists again and says so with
 * RELIST ... SYNCED. The event's pointers are borrowed until the next
 * call. Returns -1 only for what retrying cannot fix: ERR_AUTH,
 * ERR_NOTFOUND (no such kind), ERR_INVALID.
 */
int k8s_watch_next(struct k8s_watch_event *ev, struct k8s_watch *w,
    struct err *err);

/* Makes the owner's k8s_watch_next() return STOPPED soon. Thread-safe
 * and async-signal-unsafe. */
void k8s_watch_cancel(struct k8s_watch *w);

/* Ends the watch and frees it. Accepts NULL. */
void k8s_watch_close(struct k8s_watch *w);

/* ---- events and leases -----------------------------------------------------
 */

/* A Kubernetes Event about one object; every string is borrowed. */
struct k8s_event_info {
	const struct doc_node *regarding; /* the object: kind, metadata, ... */
	const char *type;                 /* "Normal" or "Warning" */
	const char *reason;               /* "ReconciliationSucceeded" */
	const char *note;                 /* human-readable, cut at 1 kB */
	const char *action;               /* "Reconcile" */
	const char *reporting_controller; /* "kustomize-controller" */
	const char *reporting_instance;   /* pod name */
	const struct doc_node *annotations; /* a map, or NULL */
};

/* Records an events.k8s.io/v1 Event in the object's namespace. */
int k8s_event_create(struct k8s *k, const struct k8s_event_info *ev,
    struct err *err);

/* A coordination.k8s.io/v1 Lease's spec, and the version it was read at. */
struct k8s_lease {
	char holder[254]; /* holderIdentity, "" when free */
	int64_t duration_s;
	int64_t acquire_us; /* acquireTime, microseconds since the epoch */
	int64_t renew_us;   /* renewTime */
	int64_t transitions;
	char resource_version[64]; /* "" before the first create */
};

/* Reads a Lease; ERR_NOTFOUND when there is none. */
int k8s_lease_get(struct k8s_lease *out, struct k8s *k, const char *ns,
    const char *name, struct err *err);

/* Creates the Lease; ERR_CONFLICT when another process was first. On
 * success l->resource_version is the new version. */
int k8s_lease_create(struct k8s *k, const char *ns, const char *name,
    struct k8s_lease *l, struct err *err);

/* Replaces the Lease if it is still at l->resource_version (else
 * ERR_CONFLICT); on success l->resource_version is updated. */
int k8s_lease_update(struct k8s *k, const char *ns, const char *name,
    struct k8s_lease *l, struct err *err);

/* ---- raw -------------------------------------------------------------------
 */

/* GETs an API path ("/version", "/apis") and parses the JSON answer. */
int k8s_get_path(struct doc **out, struct k8s *k, const char *path,
    struct err *err);

/*
 * Decodes standard base64 as a Secret's data holds it (padding optional,
 * whitespace skipped) into a new NUL-terminated buffer the caller frees
 * (free_secret() for secret values). ERR_INVALID on junk.
 */
int k8s_b64_decode(char **out, size_t *len_out, const char *s, size_t n,
    struct err *err);

#endif /* FLINT_K8S_H */
