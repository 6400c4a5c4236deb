/*
 * Flux status conventions on a doc tree: metav1.Condition entries in
 * status.conditions, the Ready/Reconciling/Stalled summary every Flux kind
 * shows (and kstatus reads), observedGeneration, and
 * lastHandledReconcileAt for the reconcile.fluxcd.io/requestedAt
 * annotation. Pure functions over nodes; the caller owns the arena and
 * patches the result to the API.
 */
#ifndef FLINT_CTRL_STATUS_H
#define FLINT_CTRL_STATUS_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "doc/doc.h"

#define STATUS_ANNOTATION_REQUESTED_AT "reconcile.fluxcd.io/requestedAt"
#define STATUS_FINALIZER               "finalizers.fluxcd.io"

struct condition {
	const char *type;   /* "Ready" */
	const char *status; /* "True", "False", "Unknown" */
	const char *reason; /* "Succeeded" */
	const char *message;
};

/* The condition of that type in status (a map), or NULL. */
struct doc_node *status_find_condition(const struct doc_node *status,
    const char *type);

/*
 * Sets a condition in status.conditions (created when missing), as
 * apimachinery's meta.SetStatusCondition does: lastTransitionTime (now,
 * RFC 3339) changes only when the status changes; reason, message and
 * observedGeneration always follow. New types are appended.
 */
void status_set_condition(struct arena *a, struct doc_node *status,
    const struct condition *c, int64_t generation, const char *now);

/* Removes the condition of that type; true if it was there. */
bool status_remove_condition(struct doc_node *status, const char *type);

/* Ready=Unknown and Reconciling=True, reason Progressing, with the
 * message, as Flux sets at the start of each phase. */
void status_mark_progressing(struct arena *a, struct doc_node *status,
    const char *message, int64_t generation, const char *now);

/* Ready=True with reason and message; Reconciling and Stalled removed;
 * observedGeneration set. */
void status_mark_ready(struct arena *a, struct doc_node *status,
    const char *reason, const char *message, int64_t generation,
    const char *now);

/*
 * Ready=False with err's reason (or fallback_reason) and message. A
 * stalling error (ERR_INVALID, ERR_UNSUPPORTED) sets Stalled=True and
 * drops Reconciling; any other sets Reconciling=True with reason
 * ProgressingWithRetry and drops Stalled. observedGeneration is set for
 * stalled objects only, since a retry may still succeed at this
 * generation.
 */
void status_mark_failed(struct arena *a, struct doc_node *status,
    const struct err *err, const char *fallback_reason, int64_t generation,
    const char *now);

/* Copies metadata.annotations[requestedAt] of obj into
 * status.lastHandledReconcileAt; returns true when it changed. */
bool status_handle_requested_at(struct arena *a, struct doc_node *status,
    const struct doc_node *obj);

/*
 * The RFC 7386 merge patch that turns old into new: maps are compared key
 * by key (a key gone from new becomes null), anything else is replaced
 * whole. NULL when the two are equal. Built in arena a; old may be NULL.
 */
struct doc_node *status_diff(struct arena *a, const struct doc_node *old,
    const struct doc_node *new_node);

/* Formats the current UTC time as RFC 3339 seconds ("...T12:00:00Z"),
 * the precision metav1.Time keeps, into dst (at least 21 bytes). */
char *status_now(char *dst, size_t size);

#endif /* FLINT_CTRL_STATUS_H */
