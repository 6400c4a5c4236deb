/*
 * Work queue: a hash of key states, a FIFO of ready keys and a min-heap of
 * delayed ones, under one mutex. A key's state is dropped as soon as it is
 * idle with no failures, so memory follows the live keys, not history.
 */
#include "ctrl/queue.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"

#define DEFAULT_BASE_MS 50
#define DEFAULT_MAX_MS  (1000 * 1000)

struct entry {
	struct entry *hnext;      /* hash chain */
	struct entry *ready_next; /* FIFO link while queued */
	char *key;
	int64_t due_ms; /* earliest pending delayed add, 0 = none */
	int heap_refs;  /* heap slots pointing here, stale ones too */
	int failures;
	bool queued, processing, dirty;
};

struct slot {
	int64_t due_ms;
	struct entry *e;
};

struct queue {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct entry **buckets;
	size_t nbuckets, nentries;
	struct entry *ready_head, *ready_tail;
	size_t nready;
	struct slot *heap;
	size_t nheap, heapcap;
	struct queue_backoff backoff;
	bool shutdown;
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t
hash_key(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

struct queue *
queue_new(const struct queue_backoff *backoff)
{
	struct queue *q = xcalloc(1, sizeof(*q));
	pthread_condattr_t ca;

	pthread_mutex_init(&q->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&q->cv, &ca);
	pthread_condattr_destroy(&ca);
	q->nbuckets = 64;
	q->buckets = xcalloc(q->nbuckets, sizeof(*q->buckets));
	q->backoff.base_ms = DEFAULT_BASE_MS;
	q->backoff.max_ms = DEFAULT_MAX_MS;
	if (backoff != NULL && backoff->base_ms > 0)
		q->backoff.base_ms = backoff->base_ms;
	if (backoff != NULL && backoff->max_ms > 0)
		q->backoff.max_ms = backoff->max_ms;
	return q;
}

void
queue_free(struct queue *q)
{
	if (q == NULL)
		return;
	for (size_t i = 0; i < q->nbuckets; i++) {
		struct entry *e = q->buckets[i], *next;

		for (; e != NULL; e = next) {
			next = e->hnext;
			free(e->key);
			free(e);
		}
	}
	free(q->buckets);
	free(q->heap);
	pthread_cond_destroy(&q->cv);
	pthread_mutex_destroy(&q->mu);
	free(q);
}

static void
rehash(struct queue *q)
{
	size_t n = q->nbuckets * 2;
	struct entry **b = xcalloc(n, sizeof(*b));

	for (size_t i = 0; i < q->nbuckets; i++) {
		struct entry *e = q->buckets[i], *next;

		for (; e != NULL; e = next) {
			size_t j = hash_key(e->key) & (n - 1);

			next = e->hnext;
			e->hnext = b[j];
			b[j] = e;
		}
	}
	free(q->buckets);
	q->buckets = b;
	q->nbuckets = n;
}

static struct entry *
lookup(struct queue *q, const char *key, bool create)
{
	size_t i = hash_key(key) & (q->nbuckets - 1);
	struct entry *e;

	for (e = q->buckets[i]; e != NULL; e = e->hnext)
		if (strcmp(e->key, key) == 0)
			return e;
	if (!create)
		return NULL;
	e = xcalloc(1, sizeof(*e));
	e->key = xstrdup(key);
	e->hnext = q->buckets[i];
	q->buckets[i] = e;
	if (++q->nentries > q->nbuckets)
		rehash(q);
	return e;
}

/* Drops an entry nobody needs any more. */
static void
maybe_drop(struct queue *q, struct entry *e)
{
	struct entry **pp;

	if (e->queued || e->processing || e->heap_refs > 0 || e->failures > 0)
		return;
	pp = &q->buckets[hash_key(e->key) & (q->nbuckets - 1)];
	while (*pp != e)
		pp = &(*pp)->hnext;
	*pp = e->hnext;
	q->nentries--;
	free(e->key);
	free(e);
}

static void
push_ready(struct queue *q, struct entry *e)
{
	e->queued = true;
	e->ready_next = NULL;
	if (q->ready_tail != NULL)
		q->ready_tail->ready_next = e;
	else
		q->ready_head = e;
	q->ready_tail = e;
	q->nready++;
	pthread_cond_signal(&q->cv);
}

static struct entry *
pop_ready(struct queue *q)
{
	struct entry *e = q->ready_head;

	q->ready_head = e->ready_next;
	if (q->ready_head == NULL)
		q->ready_tail = NULL;
	q->nready--;
	e->queued = false;
	return e;
}

/* Marks e wanted now: queued, or dirty while a worker holds it. */
static void
want(struct queue *q, struct entry *e)
{
	if (e->processing)
		e->dirty = true;
	else if (!e->queued)
		push_ready(q, e);
}

static void
heap_push(struct queue *q, int64_t due_ms, struct entry *e)
{
	size_t i;

	if (q->nheap == q->heapcap) {
		q->heapcap = q->heapcap == 0 ? 16 : q->heapcap * 2;
		q->heap = xreallocarray(q->heap, q->heapcap, sizeof(*q->heap));
	}
	i = q->nheap++;
	while (i > 0 && q->heap[(i - 1) / 2].due_ms > due_ms) {
		q->heap[i] = q->heap[(i - 1) / 2];
		i = (i - 1) / 2;
	}
	q->heap[i].due_ms = due_ms;
	q->heap[i].e = e;
	e->heap_refs++;
}

static struct slot
heap_pop(struct queue *q)
{
	struct slot top = q->heap[0], last = q->heap[--q->nheap];
	size_t i = 0;

	for (;;) {
		size_t c = 2 * i + 1;

		if (c >= q->nheap)
			break;
		if (c + 1 < q->nheap &&
		    q->heap[c + 1].due_ms < q->heap[c].due_ms)
			c++;
		if (q->heap[c].due_ms >= last.due_ms)
			break;
		q->heap[i] = q->heap[c];
		i = c;
	}
	if (q->nheap > 0)
		q->heap[i] = last;
	top.e->heap_refs--;
	return top;
}

/* Moves every delayed key whose time has come to the ready list. */
static void
promote_due(struct queue *q, int64_t now)
{
	while (q->nheap > 0 && q->heap[0].due_ms <= now) {
		struct slot s = heap_pop(q);

		if (s.e->due_ms == s.due_ms) { /* not a stale slot */
			s.e->due_ms = 0;
			want(q, s.e);
		}
		maybe_drop(q, s.e);
	}
}

void
queue_add(struct queue *q, const char *key)
{
	pthread_mutex_lock(&q->mu);
	if (!q->shutdown)
		want(q, lookup(q, key, true));
	pthread_mutex_unlock(&q->mu);
}

void
queue_add_after(struct queue *q, const char *key, int64_t delay_ms)
{
	struct entry *e;
	int64_t due;

	if (delay_ms <= 0) {
		queue_add(q, key);
		return;
	}
	pthread_mutex_lock(&q->mu);
	if (!q->shutdown) {
		e = lookup(q, key, true);
		due = now_ms() + delay_ms;
		if (e->due_ms == 0 || due < e->due_ms) {
			e->due_ms = due;
			heap_push(q, due, e);
			pthread_cond_signal(
			    &q->cv); /* may be the new earliest */
		}
	}
	pthread_mutex_unlock(&q->mu);
}

static int64_t
backoff_delay(const struct queue_backoff *b, int failures)
{
	int64_t d = b->base_ms;

	for (int i = 0; i < failures && d < b->max_ms; i++)
		d *= 2;
	return d < b->max_ms ? d : b->max_ms;
}

int64_t
queue_add_backoff(struct queue *q, const char *key)
{
	int64_t delay;

	pthread_mutex_lock(&q->mu);
	delay = backoff_delay(&q->backoff, lookup(q, key, true)->failures++);
	pthread_mutex_unlock(&q->mu);
	queue_add_after(q, key, delay);
	return delay;
}

void
queue_forget(struct queue *q, const char *key)
{
	struct entry *e;

	pthread_mutex_lock(&q->mu);
	if ((e = lookup(q, key, false)) != NULL) {
		e->failures = 0;
		maybe_drop(q, e);
	}
	pthread_mutex_unlock(&q->mu);
}

static void
wait_until(struct queue *q, int64_t due_ms)
{
	struct timespec ts = { .tv_sec = due_ms / 1000,
		.tv_nsec = (due_ms % 1000) * 1000000 };

	pthread_cond_timedwait(&q->cv, &q->mu, &ts);
}

char *
queue_get(struct queue *q)
{
	struct entry *e;
	char *key = NULL;

	pthread_mutex_lock(&q->mu);
	for (;;) {
		promote_due(q, now_ms());
		if (q->shutdown)
			break;
		if (q->nready > 0) {
			e = pop_ready(q);
			e->processing = true;
			key = xstrdup(e->key);
			break;
		}
		if (q->nheap > 0)
			wait_until(q, q->heap[0].due_ms);
		else
			pthread_cond_wait(&q->cv, &q->mu);
	}
	pthread_mutex_unlock(&q->mu);
	return key;
}

void
queue_done(struct queue *q, const char *key)
{
	struct entry *e;

	pthread_mutex_lock(&q->mu);
	if ((e = lookup(q, key, false)) != NULL) {
		e->processing = false;
		if (e->dirty && !q->shutdown) {
			e->dirty = false;
			push_ready(q, e);
		}
		maybe_drop(q, e);
	}
	pthread_mutex_unlock(&q->mu);
}

void
queue_shutdown(struct queue *q)
{
	pthread_mutex_lock(&q->mu);
	q->shutdown = true;
	pthread_cond_broadcast(&q->cv);
	pthread_mutex_unlock(&q->mu);
}

size_t
queue_len(struct queue *q)
{
	size_t n;

	pthread_mutex_lock(&q->mu);
	promote_due(q, now_ms());
	n = q->nready;
	pthread_mutex_unlock(&q->mu);
	return n;
}

struct queue_workers {
	struct queue *q;
	queue_work_fn *fn;
	void *arg;
	pthread_t *threads;
	int n;
};

static void *
worker_main(void *arg)
{
	struct queue_workers *w = arg;
	char *key;

	while ((key = queue_get(w->q)) != NULL) {
		w->fn(w->arg, key);
		queue_done(w->q, key);
		free(key);
	}
	return NULL;
}

struct queue_workers *
queue_workers_start(struct queue *q, int n, queue_work_fn *fn, void *arg)
{
	struct queue_workers *w = xcalloc(1, sizeof(*w));

	w->q = q;
	w->fn = fn;
	w->arg = arg;
	w->threads = xcalloc((size_t)n, sizeof(*w->threads));
	for (int i = 0; i < n; i++) {
		if (pthread_create(&w->threads[i], NULL, worker_main, w) != 0)
			BUG("cannot start worker thread %d", i);
		w->n++;
	}
	return w;
}

void
queue_workers_stop(struct queue_workers *w)
{
	if (w == NULL)
		return;
	queue_shutdown(w->q);
	for (int i = 0; i < w->n; i++)
		pthread_join(w->threads[i], NULL);
	free(w->threads);
	free(w);
}
