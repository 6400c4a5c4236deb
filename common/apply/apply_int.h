/*
 * Private to common/apply: helpers the apply, prune and health files
 * share.
 */
#ifndef FLINT_APPLY_INT_H
#define FLINT_APPLY_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "apply/apply.h"

#define APPLY_DEFAULT_MANAGER "kustomize-controller"
#define APPLY_DEFAULT_GROUP   "kustomize.toolkit.fluxcd.io"
#define APPLY_DEFAULT_WAIT_MS 60000

/* Appends an entry for the object (every string copied) and returns it. */
struct apply_entry *apply_result_add(struct apply_result *r,
    const char *api_version, const char *kind, const char *ns, const char *name,
    enum apply_action action);

/* "Kind/ns/name", or "Kind/name" when ns is NULL or "" (the caller
 * frees). */
char *apply_subject(const char *kind, const char *ns, const char *name);

/* The value of metadata.annotations[<group><suffix>] or NULL. */
const char *apply_annotation(const struct doc_node *obj, const char *group,
    const char *suffix);

/* The value of metadata.labels[<group><suffix>] or NULL. */
const char *apply_label(const struct doc_node *obj, const char *group,
    const char *suffix);

/* A string at a JSON pointer, or NULL. */
const char *apply_str_at(const struct doc_node *obj, const char *ptr);

/* Monotonic clock in milliseconds, and a sleep. */
int64_t apply_now_ms(void);
void apply_sleep_ms(int64_t ms);

/* The sort rank of a kind within its stage, Flux's (and kustomize's)
 * order: Namespace, ResourceQuota, StorageClass, CRD, ServiceAccount,
 * ..., webhooks last. */
int apply_kind_rank(const char *kind);

/*
 * Takes live over from kubectl (cleanup.c): drops the managedFields of
 * kubectl, before-first-apply and manager's Update operations, and the
 * last-applied-configuration annotation, with one JSON patch. *patched
 * says whether anything was removed.
 */
int apply_cleanup(bool *patched, struct k8s *k, const struct k8s_ref *ref,
    const struct doc_node *live, const char *manager, struct err *err);

/* Whether apply_cleanup() would change live. */
bool apply_cleanup_needed(const struct doc_node *live, const char *manager);

#endif /* FLINT_APPLY_INT_H */
