/*
 * The inventory of applied objects, in Flux's format, kept in
 * status.inventory of a Kustomization (and a HelmRelease):
 *
 *   inventory:
 *     entries:
 *     - id: default_app_apps_Deployment
 *       v: v1
 *
 * An id is "<namespace>_<name>_<group>_<kind>" with an empty namespace
 * for cluster-scoped objects and an empty group for the core group
 * ("_app__Namespace"); none of those parts may hold '_' in Kubernetes,
 * so ids split back unambiguously. The objects that left the set are
 * the old inventory minus the new one.
 *
 * Plain values in the caller's storage; not thread-safe.
 */
#ifndef FLINT_APPLY_INVENTORY_H
#define FLINT_APPLY_INVENTORY_H

#include <stdbool.h>
#include <stddef.h>

#include "apply/apply.h"
#include "core/arena.h"
#include "core/err.h"
#include "doc/doc.h"

struct inventory_entry {
	char *id; /* "default_app_apps_Deployment" */
	char *v;  /* "v1" */
};

struct inventory {
	struct inventory_entry *entries;
	size_t n, cap;
};

/* Frees the entries and zeroes inv. Accepts zeroed storage. */
void inventory_release(struct inventory *inv);

/* Appends an object (group "" for core) unless its id is already there. */
void inventory_add(struct inventory *inv, const char *ns, const char *name,
    const char *group, const char *kind, const char *version);

/* True when inv holds id. */
bool inventory_has(const struct inventory *inv, const char *id);

/* The inventory of a change set: every entry but deleted and skipped-
 * because-gone ones (which apply_set() does not produce). Appends to
 * out. */
void inventory_from_result(struct inventory *out, const struct apply_result *r);

/*
 * Reads status.inventory (the map holding "entries", or NULL for none)
 * into out (appending). ERR_INVALID when entries is not a sequence of
 * maps with string id and v, or an id does not have four parts.
 */
int inventory_decode(struct inventory *out, const struct doc_node *inventory,
    struct err *err);

/* The {entries: [...]} map for status.inventory, sorted by id as Flux
 * writes it, built in arena a. */
struct doc_node *inventory_encode(struct arena *a, const struct inventory *inv);

/* Appends to stale the entries of old that are not in cur. */
void inventory_diff(struct inventory *stale, const struct inventory *old,
    const struct inventory *cur);

/* The parts of an id: pointers into a copy the caller frees with
 * inventory_ref_release(). */
struct inventory_ref {
	char *buf;         /* owns the strings below */
	char *api_version; /* group/v or v */
	const char *namespace;
	const char *name;
	const char *group;
	const char *kind;
};

/* Splits e into its parts; ERR_INVALID unless the id has four parts
 * with a name and a kind. */
int inventory_ref_parse(struct inventory_ref *out,
    const struct inventory_entry *e, struct err *err);
void inventory_ref_release(struct inventory_ref *ref);

#endif /* FLINT_APPLY_INVENTORY_H */
