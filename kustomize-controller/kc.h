/*
 * kustomize-controller's private interface: the daemon's shared state,
 * a Kustomization's decoded spec, and the steps one reconcile runs
 * (dependencies, source artifact, build, apply), one file each.
 */
#ifndef FLINT_KC_H
#define FLINT_KC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bus/bus.h"
#include "core/arena.h"
#include "core/err.h"
#include "ctrl/ctrl.h"
#include "doc/doc.h"
#include "k8s/k8s.h"

#define KC_GROUP       "kustomize.toolkit.fluxcd.io"
#define KC_API_VERSION KC_GROUP "/v1"
#define KC_KIND        "Kustomization"
#define KC_MANAGER     "kustomize-controller"
#define KC_LABEL_NAME  KC_GROUP "/name"
#define KC_LABEL_NS    KC_GROUP "/namespace"

/* Flux's Kustomization reasons beyond the common ones. */
#define KC_REASON_ARTIFACT_FAILED "ArtifactFailed"
#define KC_REASON_BUILD_FAILED    "BuildFailed"
#define KC_REASON_HEALTH_FAILED   "HealthCheckFailed"
#define KC_REASON_PRUNE_FAILED    "PruneFailed"
#define KC_REASON_ACCESS_DENIED   "AccessDenied"

/* Source kinds a sourceRef may name, in the order main() watches them. */
enum kc_source_kind {
	KC_SOURCE_GIT,
	KC_SOURCE_OCI,
	KC_SOURCE_BUCKET,
	KC_SOURCE_KINDS,
};

/* The daemon's flags. */
struct kc_opts {
	bool no_cross_namespace_refs;
	const char *default_service_account; /* "" or NULL: none */
	int64_t requeue_dependency_ms;
	int64_t http_timeout_ms;
	int64_t max_artifact_bytes;
	const char *source_localhost; /* SOURCE_CONTROLLER_LOCALHOST */
	const char *tmp_dir;          /* where artifacts are unpacked */
	bool strict_substitutions;    /* StrictPostBuildSubstitutions gate */
};

struct kc_cache;

/* What every reconcile shares; lives as long as main(). */
struct kc {
	struct kc_opts opts;
	struct kc_cache *cache;                    /* unpacked artifacts */
	struct ctrl *ctrl;                         /* Kustomization */
	struct informer *sources[KC_SOURCE_KINDS]; /* may be NULL */
	struct bus *events;                        /* PUSH, or NULL */
	const struct log_ctx *log;
};

/* A reference to another object, its strings borrowed. */
struct kc_ref {
	const char *api_version;
	const char *kind;
	const char *namespace;
	const char *name;
};

/* A Kustomization's spec, decoded; strings and nodes borrow from it. */
struct kc_spec {
	struct kc_ref source;
	const char *path; /* "" for the artifact root */
	bool prune;
	bool suspend;
	bool wait;
	bool force;
	int64_t interval_ms;
	int64_t retry_ms;
	int64_t timeout_ms;
	const char *target_namespace;
	const char *service_account;
	const char *name_prefix;
	const char *name_suffix;
	const struct doc_node *depends_on;    /* seq or NULL */
	const struct doc_node *health_checks; /* seq or NULL */
	const struct doc_node *patches;
	const struct doc_node *images;
	const struct doc_node *components;
	const struct doc_node *common_metadata;
	const struct doc_node *post_build;
	const struct doc_node *decryption;
};

/* spec.c: decodes obj's spec. ERR_INVALID for a bad field. */
int kc_spec_decode(struct kc_spec *out, const struct doc_node *obj,
    struct err *err);

/* spec.c: sets err's Flux reason, replacing one a lower layer chose
 * (an API Status reason is no Kustomization reason). Returns -1. */
int kc_fail(struct err *err, const char *reason);

/* spec.c: the informer index of a source kind, or -1 when not one. */
int kc_source_kind(const char *kind);

/* An artifact as the source's status names it. */
struct kc_artifact {
	const char *url;
	const char *digest;
	const char *revision;
};

/*
 * source.c: reads the source's status.artifact into *out (strings in a).
 * ERR_NOTFOUND, reason ArtifactFailed, when the source or its artifact
 * is missing; ERR_AUTH, reason AccessDenied, for a cross-namespace ref
 * that --no-cross-namespace-refs forbids.
 */
int kc_source_artifact(struct kc_artifact *out, struct kc *kc, struct k8s *k,
    struct arena *a, const char *ns, const struct kc_spec *spec,
    struct err *err);

/*
 * source.c: downloads art (digest checked) and unpacks it into dir, an
 * existing empty directory. ERR_NOTFOUND for a 404, ERR_LIMIT past
 * --max-artifact-size, ERR_CONFLICT for a digest mismatch, ERR_NETWORK.
 */
int kc_source_fetch(struct kc *kc, const struct kc_artifact *art,
    const char *dir, struct err *err);

/*
 * cache.c: a cache of unpacked artifacts in a new directory below dir,
 * keeping up to keep trees that no reconcile holds. Thread-safe.
 */
int kc_cache_new(struct kc_cache **out, const char *dir, size_t keep,
    struct err *err);
/* Removes every tree and the directory. Accepts NULL. */
void kc_cache_free(struct kc_cache *c);

/* cache.c: the unpacked tree of art in *root (read-only: shared with
 * other reconciles), fetched with kc_source_fetch() unless cached; with
 * private_copy a tree of the caller's own, which it may change. The
 * caller returns it with kc_cache_release(). Errors as the fetch's. */
int kc_cache_get(const char **root, struct kc *kc,
    const struct kc_artifact *art, bool private_copy, struct err *err);
void kc_cache_release(struct kc *kc, const char *root);

/*
 * build.c: builds spec.path below root as Flux does (root is read-only
 * unless spec.decryption: then SOPS sources are decrypted in it), with the
 * spec's kustomize fields written into the kustomization, substitutes postBuild
 * variables (ConfigMaps and Secrets read with k) and stamps
 * commonMetadata and the owner labels. The caller frees *out.
 * ERR_INVALID/ERR_NOTFOUND with reason BuildFailed.
 */
int kc_build(struct doc **out, struct k8s *k, const char *root,
    const struct object *obj, const struct kc_spec *spec, bool strict,
    struct err *err);

/*
 * deps.c: checks spec.dependsOn with the informer cache of Kustomizations
 * and k; a dependency on the same source must have applied revision.
 * ERR_INVALID (Stalled) naming a cycle through obj; ERR_NOTFOUND with
 * reason DependencyNotReady when one is missing or not ready.
 */
int kc_deps_check(struct kc *kc, struct k8s *k, const struct object *obj,
    const struct kc_spec *spec, const char *revision, struct err *err);

/* msg.c: pushes Flux's event about obj to notification-controller. Best
 * effort: a failure is logged. */
void kc_msg_event(struct kc *kc, const struct object *obj, const char *severity,
    const char *reason, const char *message, const char *revision);

/* msg.c: the SUB callback: queues every Kustomization whose sourceRef
 * names the artifact's source. */
void kc_msg_artifact(void *arg, const struct bus_msg *msg);

/* msg.c: queues the Kustomizations that use the source ns/name of kind.
 * Thread-safe. */
void kc_enqueue_users(struct kc *kc, const char *kind, const char *ns,
    const char *name);

/* msg.c: an informer handler on Kustomizations: when one's Ready
 * status, applied revision or observed generation changes, queues the
 * Kustomizations whose dependsOn names it. */
void kc_on_kustomization(void *arg, const struct informer_event *ev);

/* The reconcile and finalize functions for struct ctrl_opts. */
struct result kc_reconcile(struct reconciler *r, const struct object *obj);
struct result kc_finalize(struct reconciler *r, const struct object *obj);

#endif /* FLINT_KC_H */
