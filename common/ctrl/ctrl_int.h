/*
 * Private to common/ctrl: the informer's object cache with its
 * namespace and label indexes, label selectors, and the controller and
 * reconciler structs that ctrl.c, reconciler.c and run.c share.
 *
 * The cache is not locked here; the informer guards it with a rwlock.
 * Only the informer's thread writes, so that thread reads without it.
 */
#ifndef FLINT_CTRL_INT_H
#define FLINT_CTRL_INT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"
#include "ctrl/ctrl.h"
#include "doc/doc.h"

struct cache_bucket;

/* Where an entry sits in one index bucket, so removal is O(1). */
struct cache_member {
	struct cache_bucket *bucket;
	size_t pos;
};

/* One cached object; everything it points to lives in its arena. */
struct cache_entry {
	struct cache_entry *next; /* hash chain */
	uint64_t hash;
	struct arena *arena;
	const char *key;
	const char *ns; /* "" for cluster-scoped objects */
	const char *name;
	const char *rv; /* metadata.resourceVersion, "" if none */
	struct doc_node *obj;
	struct cache_member *members; /* [0] namespace, then one per label */
	size_t nmembers;
	bool seen; /* listed by the relist under way */
};

struct cache_slot {
	struct cache_entry *entry;
	size_t member; /* index into entry->members */
};

/* All entries sharing one value ("flux-system", "app=podinfo"). */
struct cache_bucket {
	struct cache_bucket *next;
	uint64_t hash;
	char *value;
	struct cache_slot *slots;
	size_t n, cap;
};

struct cache_index {
	struct cache_bucket **buckets;
	size_t nbuckets, n;
};

struct cache {
	struct cache_entry **buckets;
	size_t nbuckets, n;
	struct cache_index by_ns;
	struct cache_index by_label; /* "key=value" */
};

void cache_init(struct cache *c);
/* Frees every entry and index. Accepts zeroed storage. */
void cache_release(struct cache *c);

enum cache_flags {
	/* keep metadata.managedFields, which the copy otherwise drops */
	CACHE_KEEP_MANAGED_FIELDS = 1 << 0,
};

/*
 * A new entry holding a copy of obj in its own arena, keyed
 * "<kind>/<ns>/<name>" ("<kind>/<name>" without a namespace). ERR_INVALID
 * when obj has no metadata.name. The caller owns it until cache_put().
 */
int cache_entry_new(struct cache_entry **out, const char *kind,
    const struct doc_node *obj, unsigned flags, struct err *err);
void cache_entry_free(struct cache_entry *e);

/* The key an object of kind would have (caller frees). */
char *cache_key(const char *kind, const char *ns, const char *name);

struct cache_entry *cache_find(const struct cache *c, const char *key);

/* Inserts e (the cache owns it) and returns the entry it replaced, now
 * the caller's, or NULL. */
struct cache_entry *cache_put(struct cache *c, struct cache_entry *e);

/* Unlinks the entry under key and returns it (now the caller's), or
 * NULL. */
struct cache_entry *cache_take(struct cache *c, const char *key);

/* ---- label selectors ----------------------------------------------------- */

enum selector_op {
	SEL_EQ,     /* a=b, a==b */
	SEL_NE,     /* a!=b: also true when a is absent */
	SEL_EXISTS, /* a */
	SEL_ABSENT, /* !a */
};

struct selector_req {
	enum selector_op op;
	const char *key;
	const char *value; /* SEL_EQ, SEL_NE */
};

struct selector {
	struct selector_req *reqs;
	size_t n;
};

/* Parses s (NULL or "": matches everything) into arena a. ERR_INVALID
 * for malformed terms, ERR_UNSUPPORTED for set-based ones. */
int selector_parse(struct selector *out, struct arena *a, const char *s,
    struct err *err);

/* Whether a metadata.labels map (or NULL) satisfies every requirement. */
bool selector_matches(const struct selector *sel,
    const struct doc_node *labels);

/* Calls fn for each entry in namespace ns (NULL: any) that sel matches,
 * through an index where one helps; fn returns false to stop. */
typedef bool cache_visit_fn(void *arg, const struct cache_entry *e);
void cache_each(const struct cache *c, const char *ns,
    const struct selector *sel, cache_visit_fn *fn, void *arg);

/* ---- controllers ------------------------------------------------------- */

struct ctrl {
	struct k8s *k;
	char *controller, *api_version, *kind, *group;
	char *reporting_controller, *reporting_instance;
	int concurrent;
	int64_t default_interval_ms;
	unsigned jitter_percent;
	bool finalizer;
	ctrl_reconcile_fn *reconcile, *finalize;
	void *arg;
	struct informer *inf;
	struct queue *q;
	struct queue_workers *workers; /* NULL until started */
	_Atomic uint64_t reconciles;
};

struct reconciler {
	struct ctrl *c;
	struct arena *a;
	struct log_ctx log;
	char reconcile_id[40];
	char now[32];
	int64_t started_ms;
	struct object obj;
	struct doc_node *status_before; /* a copy, NULL when there was none */
	bool finished; /* deleted and finalized: nothing to requeue */
};

/* Prepares r for the object node under key; r takes arena a, which
 * node lives in. */
void reconciler_init(struct reconciler *r, struct ctrl *c, struct arena *a,
    const char *key, struct doc_node *node);
void reconciler_release(struct reconciler *r);

/* Patches what the reconcile changed in .status; 0 when nothing did. */
int reconciler_patch_status(struct reconciler *r, struct err *err);

/* Stops the workers only (waiting for reconciles under way). */
void ctrl_stop_workers(struct ctrl *c);

/* Monotonic milliseconds and a per-thread random number. */
int64_t ctrl_now_ms(void);
uint64_t ctrl_random(void);

#endif /* FLINT_CTRL_INT_H */
