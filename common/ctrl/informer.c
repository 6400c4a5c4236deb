/*
 * The informer's threads. The watch thread turns k8s_watch events into
 * cache changes and handler calls; during a relist (RELIST ... SYNCED)
 * it marks what the list still has and, at SYNCED, deletes the rest, so
 * the cache never forgets a change the server's compaction hid. The
 * resync thread replays every key at an interval. Only the watch thread
 * writes the cache, so it reads it without the lock.
 */
#include "ctrl/informer.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/log.h"
#include "core/mem.h"
#include "core/str.h"
#include "ctrl/ctrl_int.h"
#include "ctrl/queue.h"

#define HANDLERS_MAX  8
#define RETRY_BASE_MS 500
#define RETRY_MAX_MS  30000
#define RV_MAX        64

struct handler {
	informer_handler_fn *fn;
	void *arg;
};

struct informer {
	struct k8s *k;
	char *api_version, *kind, *ns, *selector;
	int64_t resync_ms;
	unsigned watch_timeout_s;
	unsigned cache_flags;
	struct handler handlers[HANDLERS_MAX];
	size_t nhandlers;
	struct log_ctx log;

	pthread_rwlock_t lock; /* the cache */
	struct cache cache;

	pthread_mutex_t mu; /* guards what follows */
	pthread_cond_t cv;
	struct k8s_watch *watch; /* the watch thread's current one */
	bool started, running, stopping, synced;
	char rv[RV_MAX]; /* latest resourceVersion seen */
	struct informer_stats stats;
	pthread_t watch_thread, resync_thread;

	bool relisting; /* the watch thread's: between RELIST and SYNCED */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
dup_or_null(const char *s)
{
	return s != NULL && s[0] != '\0' ? xstrdup(s) : NULL;
}

int
informer_new(struct informer **out, struct k8s *k,
    const struct informer_opts *opts, struct err *err)
{
	struct informer *inf;
	pthread_condattr_t ca;

	if (opts->api_version == NULL || opts->kind == NULL)
		return err_set(err, ERR_INVALID, "an informer needs a kind");
	inf = xcalloc(1, sizeof(*inf));
	inf->k = k;
	inf->api_version = xstrdup(opts->api_version);
	inf->kind = xstrdup(opts->kind);
	inf->ns = dup_or_null(opts->namespace);
	inf->selector = dup_or_null(opts->label_selector);
	inf->resync_ms = opts->resync_ms > 0 ? opts->resync_ms : 0;
	inf->watch_timeout_s = opts->watch_timeout_s;
	if (opts->keep_managed_fields)
		inf->cache_flags |= CACHE_KEEP_MANAGED_FIELDS;
	inf->log.kind = inf->kind;
	pthread_rwlock_init(&inf->lock, NULL);
	cache_init(&inf->cache);
	pthread_mutex_init(&inf->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&inf->cv, &ca);
	pthread_condattr_destroy(&ca);
	*out = inf;
	return 0;
}

void
informer_free(struct informer *inf)
{
	if (inf == NULL)
		return;
	informer_stop(inf);
	cache_release(&inf->cache);
	pthread_rwlock_destroy(&inf->lock);
	pthread_cond_destroy(&inf->cv);
	pthread_mutex_destroy(&inf->mu);
	free(inf->api_version);
	free(inf->kind);
	free(inf->ns);
	free(inf->selector);
	free(inf);
}

void
informer_add_handler(struct informer *inf, informer_handler_fn *fn, void *arg)
{
	if (inf->started || inf->nhandlers == HANDLERS_MAX)
		BUG("informer handler added late or beyond %d", HANDLERS_MAX);
	inf->handlers[inf->nhandlers].fn = fn;
	inf->handlers[inf->nhandlers++].arg = arg;
}

void
informer_enqueue(void *queue, const struct informer_event *ev)
{
	queue_add(queue, ev->key);
}

/* ---- waiting ------------------------------------------------------------ */

/* Waits on inf->cv (mu held) until deadline_ms; false once it passed. */
static bool
wait_until(struct informer *inf, int64_t deadline_ms)
{
	struct timespec ts;

	if (deadline_ms < 0) {
		pthread_cond_wait(&inf->cv, &inf->mu);
		return true;
	}
	if (mono_ms() >= deadline_ms)
		return false;
	ts.tv_sec = deadline_ms / 1000;
	ts.tv_nsec = (deadline_ms % 1000) * 1000000;
	pthread_cond_timedwait(&inf->cv, &inf->mu, &ts);
	return true;
}

/* Sleeps ms unless the informer is being stopped; false if it is. */
static bool
nap(struct informer *inf, int64_t ms)
{
	int64_t deadline = mono_ms() + ms;
	bool stopping;

	pthread_mutex_lock(&inf->mu);
	while (!inf->stopping && wait_until(inf, deadline))
		;
	stopping = inf->stopping;
	pthread_mutex_unlock(&inf->mu);
	return !stopping;
}

bool
informer_wait_synced(struct informer *inf, int64_t timeout_ms)
{
	int64_t deadline = timeout_ms < 0 ? -1 : mono_ms() + timeout_ms;
	bool synced;

	pthread_mutex_lock(&inf->mu);
	while (!inf->synced && wait_until(inf, deadline))
		;
	synced = inf->synced;
	pthread_mutex_unlock(&inf->mu);
	return synced;
}

bool
informer_synced(struct informer *inf)
{
	return informer_wait_synced(inf, 0);
}

/* ---- events ---------------------------------------------------------------
 */

static void
emit(struct informer *inf, const struct informer_event *ev)
{
	for (size_t i = 0; i < inf->nhandlers; i++)
		inf->handlers[i].fn(inf->handlers[i].arg, ev);
	if (ev->type == INFORMER_RESYNC)
		return;
	pthread_mutex_lock(&inf->mu);
	inf->stats.events++;
	pthread_mutex_unlock(&inf->mu);
}

/* Events found by comparing a relist with the cache are synthetic; the
 * very first list's are not. */
static bool
synthetic(struct informer *inf)
{
	bool listed_before;

	pthread_mutex_lock(&inf->mu);
	listed_before = inf->stats.lists > 0;
	pthread_mutex_unlock(&inf->mu);
	return inf->relisting && listed_before;
}

static void
upsert(struct informer *inf, const struct doc_node *obj)
{
	struct informer_event ev = { INFORMER_ADD, NULL, NULL, NULL, false };
	struct err err = ERR_INIT;
	struct cache_entry *e, *old;

	if (cache_entry_new(&e, inf->kind, obj, inf->cache_flags, &err) == -1) {
		log_error(&inf->log, &err, "ignored a watch event");
		return;
	}
	old = cache_find(&inf->cache, e->key);
	if (old != NULL && e->rv[0] != '\0' && strcmp(old->rv, e->rv) == 0) {
		old->seen = true; /* a relist met it unchanged */
		cache_entry_free(e);
		return;
	}
	e->seen = true;
	pthread_rwlock_wrlock(&inf->lock);
	old = cache_put(&inf->cache, e);
	pthread_rwlock_unlock(&inf->lock);
	ev.type = old != NULL ? INFORMER_UPDATE : INFORMER_ADD;
	ev.key = e->key;
	ev.object = e->obj;
	ev.old = old != NULL ? old->obj : NULL;
	ev.synthetic = synthetic(inf);
	emit(inf, &ev);
	cache_entry_free(old);
}

/* Drops key from the cache and reports it gone, with obj (or the cached
 * state when obj is NULL) as the last state. */
static void
drop(struct informer *inf, const char *key, const struct doc_node *obj,
    bool synth)
{
	struct informer_event ev = { INFORMER_DELETE, NULL, NULL, NULL, synth };
	struct cache_entry *old;

	pthread_rwlock_wrlock(&inf->lock);
	old = cache_take(&inf->cache, key);
	pthread_rwlock_unlock(&inf->lock);
	if (old == NULL)
		return;
	ev.key = old->key;
	ev.object = obj != NULL ? obj : old->obj;
	emit(inf, &ev);
	cache_entry_free(old);
}

static void
remove_obj(struct informer *inf, const struct doc_node *obj)
{
	const struct doc_node *meta = doc_map_get(obj, "metadata");
	const char *ns = doc_str(doc_map_get(meta, "namespace"));
	const char *name = doc_str(doc_map_get(meta, "name"));
	char *key;

	if (name == NULL)
		return;
	key = cache_key(inf->kind, ns, name);
	drop(inf, key, obj, false);
	free(key);
}

static void
relist_begin(struct informer *inf)
{
	inf->relisting = true;
	for (size_t i = 0; i < inf->cache.nbuckets; i++)
		for (struct cache_entry *e = inf->cache.buckets[i]; e != NULL;
		     e = e->next)
			e->seen = false;
}

/* Every key of the cache (or only those the relist did not see); the
 * caller frees the array and each string. */
static char **
keys_collect(struct cache *c, bool unseen_only, size_t *n_out)
{
	char **keys = xcalloc(c->n + 1, sizeof(*keys));
	size_t n = 0;

	for (size_t i = 0; i < c->nbuckets; i++)
		for (struct cache_entry *e = c->buckets[i]; e != NULL;
		     e = e->next)
			if (!unseen_only || !e->seen)
				keys[n++] = xstrdup(e->key);
	*n_out = n;
	return keys;
}

static void
keys_free(char **keys, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(keys[i]);
	free(keys);
}

/* The list is complete: what it lacked was deleted during the gap. */
static void
relist_end(struct informer *inf)
{
	bool synth = synthetic(inf);
	size_t n;
	char **gone = keys_collect(&inf->cache, true, &n);

	for (size_t i = 0; i < n; i++)
		drop(inf, gone[i], NULL, synth);
	keys_free(gone, n);
	inf->relisting = false;
	pthread_mutex_lock(&inf->mu);
	inf->stats.lists++;
	inf->synced = true;
	pthread_cond_broadcast(&inf->cv);
	pthread_mutex_unlock(&inf->mu);
	log_debug(&inf->log, "listed %zu %s objects (%zu deleted meanwhile)",
	    inf->cache.n, inf->kind, n);
}

static void
on_event(struct informer *inf, const struct k8s_watch_event *ev)
{
	switch (ev->type) {
	case K8S_WATCH_RELIST:
		relist_begin(inf);
		break;
	case K8S_WATCH_ADDED:
	case K8S_WATCH_MODIFIED:
		upsert(inf, ev->object);
		break;
	case K8S_WATCH_DELETED:
		remove_obj(inf, ev->object);
		break;
	case K8S_WATCH_SYNCED:
		relist_end(inf);
		break;
	case K8S_WATCH_BOOKMARK:
	case K8S_WATCH_STOPPED:
		break;
	}
}

/* ---- the watch thread -----------------------------------------------------
 */

/* Makes w the watch informer_stop() cancels; false if stopping. */
static bool
watch_publish(struct informer *inf, struct k8s_watch *w)
{
	bool ok;

	pthread_mutex_lock(&inf->mu);
	ok = w == NULL || !inf->stopping;
	inf->watch = ok ? w : NULL;
	pthread_mutex_unlock(&inf->mu);
	return ok;
}

static void
rv_note(struct informer *inf, const char *rv)
{
	pthread_mutex_lock(&inf->mu);
	str_lcpy(inf->rv, rv, sizeof(inf->rv));
	pthread_mutex_unlock(&inf->mu);
}

/* Events until the watch stops (0) or fails for good (-1). */
static int
watch_loop(struct informer *inf, struct k8s_watch *w, bool *progress,
    struct err *err)
{
	struct k8s_watch_event ev;

	for (;;) {
		if (k8s_watch_next(&ev, w, err) == -1)
			return -1;
		if (ev.type == K8S_WATCH_STOPPED)
			return 0;
		on_event(inf, &ev);
		rv_note(inf, ev.resource_version);
		*progress = true;
	}
}

/*
 * One watch from the last version seen, or from a fresh list at first
 * and when a relist was cut short (resuming then would skip the deletes
 * only the end of the list reveals).
 */
static int
watch_run(struct informer *inf, bool *progress, struct err *err)
{
	struct k8s_watch_opts o;
	struct k8s_watch *w;
	char rv[RV_MAX];
	int rc;

	memset(&o, 0, sizeof(o));
	o.list.api_version = inf->api_version;
	o.list.kind = inf->kind;
	o.list.namespace = inf->ns;
	o.list.label_selector = inf->selector;
	o.timeout_s = inf->watch_timeout_s;
	pthread_mutex_lock(&inf->mu);
	str_lcpy(rv, inf->rv, sizeof(rv));
	pthread_mutex_unlock(&inf->mu);
	o.resource_version = inf->relisting ? NULL : rv;
	if (k8s_watch_open(&w, inf->k, &o, err) == -1)
		return -1;
	if (!watch_publish(inf, w)) {
		k8s_watch_close(w);
		return 0;
	}
	rc = watch_loop(inf, w, progress, err);
	watch_publish(inf, NULL);
	k8s_watch_close(w);
	return rc;
}

static int64_t
retry_ms(unsigned failures)
{
	int64_t ms = RETRY_BASE_MS;

	while (failures-- > 0 && ms < RETRY_MAX_MS)
		ms *= 2;
	return ms < RETRY_MAX_MS ? ms : RETRY_MAX_MS;
}

/* What retrying inside the watch cannot fix (a kind not served yet, lost
 * permissions) is retried here, more slowly, keeping the cache. */
static void *
watch_main(void *arg)
{
	struct informer *inf = arg;
	unsigned failures = 0;

	for (;;) {
		struct err err = ERR_INIT;
		bool progress = false;

		if (watch_run(inf, &progress, &err) == 0)
			return NULL;
		if (progress)
			failures = 0;
		pthread_mutex_lock(&inf->mu);
		inf->stats.errors++;
		pthread_mutex_unlock(&inf->mu);
		log_error(&inf->log, &err, "watch failed; retrying");
		if (!nap(inf, retry_ms(failures++)))
			return NULL;
	}
}

/* ---- resync ---------------------------------------------------------------
 */

static void
resync_all(struct informer *inf)
{
	struct informer_event ev = { INFORMER_RESYNC, NULL, NULL, NULL, false };
	size_t n;
	char **keys;

	pthread_rwlock_rdlock(&inf->lock);
	keys = keys_collect(&inf->cache, false, &n);
	pthread_rwlock_unlock(&inf->lock);
	for (size_t i = 0; i < n; i++) {
		ev.key = keys[i];
		emit(inf, &ev);
	}
	keys_free(keys, n);
}

static void *
resync_main(void *arg)
{
	struct informer *inf = arg;

	while (nap(inf, inf->resync_ms))
		if (informer_synced(inf))
			resync_all(inf);
	return NULL;
}

/* ---- starting and stopping ------------------------------------------------
 */

int
informer_start(struct informer *inf, struct err *err)
{
	pthread_mutex_lock(&inf->mu);
	if (inf->running) {
		pthread_mutex_unlock(&inf->mu);
		return err_set(err, ERR_CONFLICT,
		    "informer for %s already runs", inf->kind);
	}
	inf->running = true;
	inf->started = true;
	pthread_mutex_unlock(&inf->mu);
	if (pthread_create(&inf->watch_thread, NULL, watch_main, inf) != 0)
		BUG("cannot start the informer thread");
	if (inf->resync_ms > 0 &&
	    pthread_create(&inf->resync_thread, NULL, resync_main, inf) != 0)
		BUG("cannot start the resync thread");
	return 0;
}

void
informer_stop(struct informer *inf)
{
	pthread_mutex_lock(&inf->mu);
	if (!inf->running) {
		pthread_mutex_unlock(&inf->mu);
		return;
	}
	inf->stopping = true;
	if (inf->watch != NULL)
		k8s_watch_cancel(inf->watch);
	pthread_cond_broadcast(&inf->cv);
	pthread_mutex_unlock(&inf->mu);
	pthread_join(inf->watch_thread, NULL);
	if (inf->resync_ms > 0)
		pthread_join(inf->resync_thread, NULL);
	pthread_mutex_lock(&inf->mu);
	inf->running = false;
	inf->stopping = false;
	pthread_mutex_unlock(&inf->mu);
}

/* ---- reading the cache ----------------------------------------------------
 */

char *
informer_key(const struct informer *inf, const char *ns, const char *name)
{
	return cache_key(inf->kind, ns, name);
}

int
informer_get(struct doc_node **out, struct arena *a, struct informer *inf,
    const char *key, struct err *err)
{
	const struct cache_entry *e;

	pthread_rwlock_rdlock(&inf->lock);
	e = cache_find(&inf->cache, key);
	if (e != NULL)
		*out = doc_copy(a, e->obj);
	pthread_rwlock_unlock(&inf->lock);
	if (e == NULL)
		return err_set(err, ERR_NOTFOUND, "'%s' not in the cache", key);
	return 0;
}

static bool
list_add(void *arg, const struct cache_entry *e)
{
	struct doc *d = arg;

	doc_add_root(d, doc_copy(doc_arena(d), e->obj));
	return true;
}

int
informer_list(struct doc **out, struct informer *inf, const char *ns,
    const char *selector, struct err *err)
{
	struct arena *a = arena_new();
	struct selector sel;
	struct doc *d;

	if (selector_parse(&sel, a, selector, err) == -1) {
		arena_free(a);
		return -1;
	}
	d = doc_new();
	pthread_rwlock_rdlock(&inf->lock);
	cache_each(&inf->cache, ns, &sel, list_add, d);
	pthread_rwlock_unlock(&inf->lock);
	arena_free(a);
	*out = d;
	return 0;
}

size_t
informer_count(struct informer *inf)
{
	size_t n;

	pthread_rwlock_rdlock(&inf->lock);
	n = inf->cache.n;
	pthread_rwlock_unlock(&inf->lock);
	return n;
}

void
informer_stats(struct informer_stats *out, struct informer *inf)
{
	size_t n = informer_count(inf);

	pthread_mutex_lock(&inf->mu);
	*out = inf->stats;
	str_lcpy(out->resource_version, inf->rv, sizeof(out->resource_version));
	pthread_mutex_unlock(&inf->mu);
	out->objects = n;
}
