/*
 * Private to common/ctrl: the informer's object cache with its
 * namespace and label indexes, and label selectors.
 *
 * The cache is not locked here; the informer guards it with a rwlock.
 * Only the informer's thread writes, so that thread reads without it.
 */
#ifndef FLINT_CTRL_INT_H
#define FLINT_CTRL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
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

/*
 * A new entry holding a copy of obj in its own arena, keyed
 * "<kind>/<ns>/<name>" ("<kind>/<name>" without a namespace). ERR_INVALID
 * when obj has no metadata.name. The caller owns it until cache_put().
 */
int cache_entry_new(struct cache_entry **out, const char *kind,
    const struct doc_node *obj, struct err *err);
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

#endif /* FLINT_CTRL_INT_H */
