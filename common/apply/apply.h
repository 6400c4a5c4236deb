/*
 * Server-side apply of a set of objects, in stages, as Flux's ssa
 * manager does for kustomize-controller and helm-controller.
 *
 * apply_set() applies what a build produced: cluster-wide "definition"
 * kinds first (CustomResourceDefinitions, Namespaces, ClusterRoles), then
 * waits until the CRDs are Established so their custom resources map;
 * then class kinds (StorageClass, IngressClass, ...); then everything
 * else. Each object is dry-run applied first and only really applied when
 * the dry run shows a change, so the result says, per object, what
 * happened in Flux's words: "Deployment/default/app configured".
 *
 * apply_prune() deletes objects that left the set (see inventory.h for
 * how stale objects are found), and health.h waits for what was applied.
 *
 * Thread safety: functions here keep no state; calls on different sets
 * may run in parallel on one struct k8s.
 */
#ifndef FLINT_APPLY_H
#define FLINT_APPLY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "doc/doc.h"
#include "k8s/k8s.h"

/* The annotations Flux reads on applied objects, after the owner's API
 * group (kustomize.toolkit.fluxcd.io): ssa is Override, Merge,
 * IfNotPresent or Ignore; force Enabled recreates on immutable-field
 * errors; prune disabled never deletes; reconcile disabled neither
 * applies nor prunes. Values compare without regard to case. */
#define APPLY_ANN_SSA       "/ssa"
#define APPLY_ANN_FORCE     "/force"
#define APPLY_ANN_PRUNE     "/prune"
#define APPLY_ANN_RECONCILE "/reconcile"

/* What happened to one object; the words are Flux's change-set actions. */
enum apply_action {
	APPLY_CREATED,
	APPLY_CONFIGURED,
	APPLY_UNCHANGED,
	APPLY_DELETED,
	APPLY_SKIPPED,
	APPLY_FAILED, /* prune only: the deletion failed; see entry error */
};

/* "created", "configured", "unchanged", "deleted", "skipped", "failed". */
const char *apply_action_name(enum apply_action a);

/* One object of a result. Strings are owned by the result. */
struct apply_entry {
	char *api_version; /* "apps/v1" */
	char *group;       /* "apps", "" for core */
	char *version;     /* "v1" */
	char *kind;
	char *namespace; /* "" for cluster-scoped objects */
	char *name;
	char *subject; /* "Deployment/default/app", "Namespace/app" */
	enum apply_action action;
	char *error; /* APPLY_FAILED only: why, else NULL */
};

/* The change set, in apply order (prune: in deletion order). */
struct apply_result {
	struct apply_entry *entries;
	size_t n, cap;
};

/* Frees a result. Accepts NULL. */
void apply_result_free(struct apply_result *r);

/*
 * The change set as Flux prints it in events and logs: one line per
 * object that is not unchanged, "Deployment/default/app configured\n".
 * Appends to out; an empty string when nothing changed.
 */
int apply_result_format(struct buf *out, const struct apply_result *r,
    struct err *err);

/* Options of apply_set() and apply_prune(); zero fields take the
 * defaults in brackets. */
struct apply_opts {
	const char *field_manager; /* ["kustomize-controller"] */
	/* Owner labels <owner_group>/name and <owner_group>/namespace are
	 * set on every applied object when owner_name is not NULL, and
	 * apply_prune() deletes only objects that carry them. */
	const char *owner_group; /* ["kustomize.toolkit.fluxcd.io"] */
	const char *owner_name;
	const char *owner_namespace;
	/* Recreate objects whose immutable fields changed (spec.force);
	 * the per-object annotation <owner_group>/force: Enabled does the
	 * same for one object. */
	bool force;
	/* Only compute the change set: dry-run every object, write
	 * nothing (flint diff). */
	bool dry_run;
	/* Bound on waiting for CRDs between stages [60000]. */
	int64_t wait_timeout_ms;
};

/*
 * Applies every document of objects (each a Kubernetes object map with
 * apiVersion, kind, metadata.name) in stages, as described above; the
 * objects of one stage go four at a time, as Flux's --concurrent-ssa.
 * Within a stage every object is dry-run before any is written, so an
 * invalid object stops its stage with nothing of it changed (earlier
 * stages stay applied), as in Flux.
 * objects is not changed; the owner labels go on copies. An object whose
 * namespace is empty gets the client's default namespace when its kind is
 * namespaced. Annotation <owner_group>/ssa decides per object: Override
 * (default) applies with force-conflicts and takes the object over from
 * kubectl as Flux does (the managedFields of kubectl, before-first-apply
 * and the field manager's Update operations, and the
 * last-applied-configuration annotation, are removed; "configured");
 * Merge applies but leaves those to their owners; IfNotPresent creates
 * the object only when missing ("skipped" otherwise); Ignore skips it;
 * <owner_group>/reconcile: disabled skips it too; Ignore and reconcile:
 * disabled on the live object skip it as well.
 *
 * On success *out is the change set (the caller's, apply_result_free()).
 * Errors: ERR_INVALID for an object without apiVersion, kind or name, or
 * one the server rejects (an immutable field changed without force: the
 * message is the server's, prefixed with "<subject> dry-run failed
 * (<reason>)"); ERR_NOTFOUND (reason "NoKindMatch") for an unknown kind,
 * after waiting up to wait_timeout_ms for kinds the set's own CRDs bring;
 * ERR_TIMEOUT when CRDs do not become Established in time; client errors
 * otherwise. Earlier stages stay applied after a failure, and so do
 * objects written before a write (not dry-run) failure; with force, an
 * object is deleted for recreation during the dry-run phase, as in Flux.
 */
int apply_set(struct apply_result **out, struct k8s *k,
    const struct doc *objects, const struct apply_opts *opts, struct err *err);

/*
 * The stage an object belongs to: 0 for CRDs, Namespaces and
 * ClusterRoles (the cluster definitions Flux applies first), 1 for kinds
 * whose name ends in "Class" (StorageClass, IngressClass, PriorityClass,
 * ...), 2 for the rest. Exposed for tests; prune deletes in reverse.
 */
int apply_stage(const char *api_version, const char *kind);

struct inventory; /* inventory.h */

/*
 * Deletes the objects of stale (inventory_diff() of the old and new
 * inventories) with background propagation, in reverse stage order:
 * Namespaces and CRDs last. Objects already gone count as "deleted", as
 * in Flux. Skipped ("skipped"): objects annotated <owner_group>/prune:
 * disabled, reconcile: disabled or ssa: Ignore, and, when
 * opts->owner_name is set, objects whose owner labels name another
 * owner. A deletion that fails does not stop the others: its entry is
 * APPLY_FAILED with the reason; ERR_INVALID for a malformed id stops
 * before anything is deleted.
 *
 * *out is set whether or not a deletion failed (the caller keeps failed
 * objects in its inventory); returns -1 with reason "PruneFailed" and the
 * first failure's message when any failed, 0 otherwise.
 */
int apply_prune(struct apply_result **out, struct k8s *k,
    const struct inventory *stale, const struct apply_opts *opts,
    struct err *err);

#endif /* FLINT_APPLY_H */
