/*
 * The informer's cache: a chained hash table of entries by key, and two
 * inverted indexes (namespace, "label=value") whose buckets hold slots
 * that point back at the entry. Each entry remembers its slot in every
 * bucket, so replacing or removing an object costs O(labels), not a scan
 * of everything sharing its namespace or labels.
 */
#include "ctrl/ctrl_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define BUCKETS_MIN 64

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

void
cache_init(struct cache *c)
{
	memset(c, 0, sizeof(*c));
	c->nbuckets = BUCKETS_MIN;
	c->buckets = xcalloc(c->nbuckets, sizeof(*c->buckets));
	c->by_ns.nbuckets = BUCKETS_MIN;
	c->by_ns.buckets = xcalloc(BUCKETS_MIN, sizeof(*c->by_ns.buckets));
	c->by_label.nbuckets = BUCKETS_MIN;
	c->by_label.buckets = xcalloc(BUCKETS_MIN,
	    sizeof(*c->by_label.buckets));
}

static void
index_release(struct cache_index *x)
{
	for (size_t i = 0; i < x->nbuckets; i++) {
		struct cache_bucket *b = x->buckets[i], *next;

		for (; b != NULL; b = next) {
			next = b->next;
			free(b->value);
			free(b->slots);
			free(b);
		}
	}
	free(x->buckets);
}

void
cache_release(struct cache *c)
{
	for (size_t i = 0; i < c->nbuckets; i++) {
		struct cache_entry *e = c->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			cache_entry_free(e);
		}
	}
	free(c->buckets);
	index_release(&c->by_ns);
	index_release(&c->by_label);
	memset(c, 0, sizeof(*c));
}

char *
cache_key(const char *kind, const char *ns, const char *name)
{
	if (ns == NULL || ns[0] == '\0')
		return xasprintf("%s/%s", kind, name);
	return xasprintf("%s/%s/%s", kind, ns, name);
}

static const char *
str_or_empty(const struct doc_node *n)
{
	const char *s = doc_is_scalar(n) ? doc_str(n) : NULL;

	return s != NULL ? s : "";
}

/* Slots for the namespace and each string-valued label. */
static void
members_alloc(struct cache_entry *e)
{
	const struct doc_node *labels = doc_ptr_find(e->obj,
	    "/metadata/labels");

	e->nmembers = 1;
	if (labels != NULL && labels->kind == DOC_MAP)
		e->nmembers += labels->u.map.n;
	e->members = arena_calloc(e->arena, e->nmembers, sizeof(*e->members));
}

/* A deep copy of obj into a, without metadata.managedFields unless
 * flags keep them: they are most of a small object's size, and no
 * reconcile reads them from the cache (controller-runtime's
 * TransformStripManagedFields, which Flux's controllers use). */
static struct doc_node *
object_copy(struct arena *a, const struct doc_node *obj, unsigned flags)
{
	struct doc_node *top, *meta;
	const struct doc_node *m;

	if ((flags & CACHE_KEEP_MANAGED_FIELDS) != 0 || obj->kind != DOC_MAP ||
	    (m = doc_map_get(obj, "metadata")) == NULL || m->kind != DOC_MAP ||
	    doc_map_get(m, "managedFields") == NULL)
		return doc_copy(a, obj);
	top = doc_new_map(a);
	meta = doc_new_map(a);
	for (size_t i = 0; i < m->u.map.n; i++) {
		const char *k = doc_str(m->u.map.items[i].key);

		if (k != NULL && strcmp(k, "managedFields") != 0)
			doc_map_set(a, meta, k, strlen(k),
			    doc_copy(a, m->u.map.items[i].value));
	}
	for (size_t i = 0; i < obj->u.map.n; i++) {
		const char *k = doc_str(obj->u.map.items[i].key);

		if (k != NULL)
			doc_map_set(a, top, k, strlen(k),
			    strcmp(k, "metadata") == 0
			        ? meta
			        : doc_copy(a, obj->u.map.items[i].value));
	}
	return top;
}

/*
 * The bytes an entry's arena needs: a trial copy's, plus the key and the
 * index slots. A cache holds thousands of small objects, and an arena's
 * default 16 kB first block would make each cost that much.
 */
static size_t
copy_size(const struct doc_node *obj, const char *kind, unsigned flags)
{
	const struct doc_node *labels = doc_ptr_find(obj, "/metadata/labels");
	struct arena *trial = arena_new();
	size_t n;

	object_copy(trial, obj, flags);
	n = arena_used(trial) + strlen(kind) + 64 + sizeof(struct cache_member);
	if (labels != NULL && labels->kind == DOC_MAP)
		n += labels->u.map.n * sizeof(struct cache_member);
	arena_free(trial);
	return n + 256; /* the key's namespace and name, alignment */
}

int
cache_entry_new(struct cache_entry **out, const char *kind,
    const struct doc_node *obj, unsigned flags, struct err *err)
{
	const struct doc_node *meta = doc_map_get(obj, "metadata");
	const char *name = str_or_empty(doc_map_get(meta, "name"));
	struct cache_entry *e;
	char *key;

	if (name[0] == '\0')
		return err_set(err, ERR_INVALID, "%s without metadata.name",
		    kind);
	e = xcalloc(1, sizeof(*e));
	e->arena = arena_new_sized(copy_size(obj, kind, flags));
	e->obj = object_copy(e->arena, obj, flags);
	meta = doc_map_get(e->obj, "metadata");
	e->name = str_or_empty(doc_map_get(meta, "name"));
	e->ns = str_or_empty(doc_map_get(meta, "namespace"));
	e->rv = str_or_empty(doc_map_get(meta, "resourceVersion"));
	key = cache_key(kind, e->ns, e->name);
	e->key = arena_strdup(e->arena, key);
	free(key);
	e->hash = hash_str(e->key);
	members_alloc(e);
	*out = e;
	return 0;
}

void
cache_entry_free(struct cache_entry *e)
{
	if (e == NULL)
		return;
	arena_free(e->arena);
	free(e);
}

/* ---- the indexes ----------------------------------------------------------
 */

static void
index_grow(struct cache_index *x)
{
	size_t n = x->nbuckets * 2;
	struct cache_bucket **nb = xcalloc(n, sizeof(*nb));

	for (size_t i = 0; i < x->nbuckets; i++) {
		struct cache_bucket *b = x->buckets[i], *next;

		for (; b != NULL; b = next) {
			next = b->next;
			b->next = nb[b->hash & (n - 1)];
			nb[b->hash & (n - 1)] = b;
		}
	}
	free(x->buckets);
	x->buckets = nb;
	x->nbuckets = n;
}

static struct cache_bucket *
index_find(const struct cache_index *x, const char *value)
{
	uint64_t h = hash_str(value);
	struct cache_bucket *b = x->buckets[h & (x->nbuckets - 1)];

	for (; b != NULL; b = b->next)
		if (b->hash == h && strcmp(b->value, value) == 0)
			return b;
	return NULL;
}

static struct cache_bucket *
index_bucket(struct cache_index *x, const char *value)
{
	struct cache_bucket *b = index_find(x, value);

	if (b != NULL)
		return b;
	if (x->n >= x->nbuckets)
		index_grow(x);
	b = xcalloc(1, sizeof(*b));
	b->value = xstrdup(value);
	b->hash = hash_str(value);
	b->next = x->buckets[b->hash & (x->nbuckets - 1)];
	x->buckets[b->hash & (x->nbuckets - 1)] = b;
	x->n++;
	return b;
}

static void
index_add(struct cache_index *x, const char *value, struct cache_entry *e,
    size_t member)
{
	struct cache_bucket *b = index_bucket(x, value);

	if (b->n == b->cap) {
		b->cap = b->cap > 0 ? b->cap * 2 : 4;
		b->slots = xreallocarray(b->slots, b->cap, sizeof(*b->slots));
	}
	b->slots[b->n].entry = e;
	b->slots[b->n].member = member;
	e->members[member].bucket = b;
	e->members[member].pos = b->n++;
}

static void
bucket_unlink(struct cache_index *x, struct cache_bucket *b)
{
	struct cache_bucket **pp = &x->buckets[b->hash & (x->nbuckets - 1)];

	while (*pp != b)
		pp = &(*pp)->next;
	*pp = b->next;
	x->n--;
	free(b->value);
	free(b->slots);
	free(b);
}

/* Swap-removes the entry's slot; the moved slot's entry learns its new
 * position. An emptied bucket goes. */
static void
index_remove(struct cache_index *x, struct cache_member *m)
{
	struct cache_bucket *b = m->bucket;
	struct cache_slot last;

	if (b == NULL)
		return;
	last = b->slots[--b->n];
	if (m->pos < b->n) {
		b->slots[m->pos] = last;
		last.entry->members[last.member].pos = m->pos;
	}
	m->bucket = NULL;
	if (b->n == 0)
		bucket_unlink(x, b);
}

static void
entry_index(struct cache *c, struct cache_entry *e)
{
	const struct doc_node *labels = doc_ptr_find(e->obj,
	    "/metadata/labels");
	size_t m = 1;

	index_add(&c->by_ns, e->ns, e, 0);
	if (labels == NULL || labels->kind != DOC_MAP)
		return;
	for (size_t i = 0; i < labels->u.map.n; i++) {
		const char *k = doc_str(labels->u.map.items[i].key);
		const char *v = doc_str(labels->u.map.items[i].value);
		char *kv;

		if (k == NULL || v == NULL)
			continue;
		kv = xasprintf("%s=%s", k, v);
		index_add(&c->by_label, kv, e, m++);
		free(kv);
	}
}

static void
entry_unindex(struct cache *c, struct cache_entry *e)
{
	index_remove(&c->by_ns, &e->members[0]);
	for (size_t i = 1; i < e->nmembers; i++)
		index_remove(&c->by_label, &e->members[i]);
}

/* ---- the table ------------------------------------------------------------
 */

static void
table_grow(struct cache *c)
{
	size_t n = c->nbuckets * 2;
	struct cache_entry **nb = xcalloc(n, sizeof(*nb));

	for (size_t i = 0; i < c->nbuckets; i++) {
		struct cache_entry *e = c->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->next;
			e->next = nb[e->hash & (n - 1)];
			nb[e->hash & (n - 1)] = e;
		}
	}
	free(c->buckets);
	c->buckets = nb;
	c->nbuckets = n;
}

struct cache_entry *
cache_find(const struct cache *c, const char *key)
{
	uint64_t h = hash_str(key);
	struct cache_entry *e = c->buckets[h & (c->nbuckets - 1)];

	for (; e != NULL; e = e->next)
		if (e->hash == h && strcmp(e->key, key) == 0)
			return e;
	return NULL;
}

struct cache_entry *
cache_take(struct cache *c, const char *key)
{
	uint64_t h = hash_str(key);
	struct cache_entry **pp = &c->buckets[h & (c->nbuckets - 1)];
	struct cache_entry *e;

	for (; (e = *pp) != NULL; pp = &e->next) {
		if (e->hash != h || strcmp(e->key, key) != 0)
			continue;
		*pp = e->next;
		e->next = NULL;
		entry_unindex(c, e);
		c->n--;
		return e;
	}
	return NULL;
}

struct cache_entry *
cache_put(struct cache *c, struct cache_entry *e)
{
	struct cache_entry *old = cache_take(c, e->key);

	if (c->n >= c->nbuckets)
		table_grow(c);
	e->next = c->buckets[e->hash & (c->nbuckets - 1)];
	c->buckets[e->hash & (c->nbuckets - 1)] = e;
	c->n++;
	entry_index(c, e);
	return old;
}

/* ---- queries --------------------------------------------------------------
 */

static bool
visit(const struct cache_entry *e, const char *ns, const struct selector *sel,
    cache_visit_fn *fn, void *arg)
{
	if (ns != NULL && strcmp(e->ns, ns) != 0)
		return true;
	if (sel != NULL &&
	    !selector_matches(sel, doc_ptr_find(e->obj, "/metadata/labels")))
		return true;
	return fn(arg, e);
}

static void
visit_bucket(const struct cache_bucket *b, const char *ns,
    const struct selector *sel, cache_visit_fn *fn, void *arg)
{
	if (b == NULL)
		return;
	for (size_t i = 0; i < b->n; i++)
		if (!visit(b->slots[i].entry, ns, sel, fn, arg))
			return;
}

/* The first equality term, whose bucket holds every possible match. */
static const struct selector_req *
selector_eq(const struct selector *sel)
{
	for (size_t i = 0; sel != NULL && i < sel->n; i++)
		if (sel->reqs[i].op == SEL_EQ)
			return &sel->reqs[i];
	return NULL;
}

void
cache_each(const struct cache *c, const char *ns, const struct selector *sel,
    cache_visit_fn *fn, void *arg)
{
	const struct selector_req *eq = selector_eq(sel);

	if (eq != NULL) {
		char *kv = xasprintf("%s=%s", eq->key, eq->value);
		const struct cache_bucket *b = index_find(&c->by_label, kv);

		free(kv);
		visit_bucket(b, ns, sel, fn, arg);
		return;
	}
	if (ns != NULL) {
		visit_bucket(index_find(&c->by_ns, ns), ns, sel, fn, arg);
		return;
	}
	for (size_t i = 0; i < c->nbuckets; i++)
		for (const struct cache_entry *e = c->buckets[i]; e != NULL;
		     e = e->next)
			if (!visit(e, ns, sel, fn, arg))
				return;
}
