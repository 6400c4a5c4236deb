/*
 * The controller work queue: keyed, de-duplicated, with delayed adds and
 * per-key exponential backoff, drained by a pool of workers.
 *
 * A key ("GitRepository/flux-system/podinfo") is in the queue at most
 * once. A key being processed is never handed to a second worker; adding
 * it meanwhile marks it dirty, and it is queued again when its worker
 * calls queue_done(). All functions are thread-safe.
 */
#ifndef FLINT_CTRL_QUEUE_H
#define FLINT_CTRL_QUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct queue;

struct queue_backoff {
	int64_t base_ms; /* first retry delay (default 50 ms) */
	int64_t max_ms;  /* ceiling (default 1000 s, as controller-runtime) */
};

/* A new, empty queue; backoff may be NULL for the defaults. */
struct queue *queue_new(const struct queue_backoff *backoff);

/* Shuts down (if not already), waits for nothing, frees. Accepts NULL.
 * Workers must have been joined first. */
void queue_free(struct queue *q);

/* Queues key now, unless it is queued already. */
void queue_add(struct queue *q, const char *key);

/* Queues key once delay_ms have passed; an earlier pending time wins. */
void queue_add_after(struct queue *q, const char *key, int64_t delay_ms);

/* Queues key after its next backoff delay: base * 2^failures, capped;
 * returns the delay chosen. */
int64_t queue_add_backoff(struct queue *q, const char *key);

/* Resets key's failure count (after a successful reconcile). */
void queue_forget(struct queue *q, const char *key);

/*
 * Blocks until a key is ready and returns a copy the caller frees, or
 * NULL once the queue is shut down. The key stays "processing" until
 * queue_done().
 */
char *queue_get(struct queue *q);

/* Ends processing of key; requeues it if it was added meanwhile. */
void queue_done(struct queue *q, const char *key);

/* Wakes every queue_get() with NULL; later adds are ignored. */
void queue_shutdown(struct queue *q);

/* Keys ready now (not delayed, not processing): for tests and metrics. */
size_t queue_len(struct queue *q);

typedef void queue_work_fn(void *arg, const char *key);

struct queue_workers;

/* Starts n threads that loop queue_get() → fn(arg, key) → queue_done().
 * fn decides about queue_forget()/queue_add_backoff(). */
struct queue_workers *queue_workers_start(struct queue *q, int n,
    queue_work_fn *fn, void *arg);

/* Shuts the queue down, joins the workers and frees them. Accepts NULL. */
void queue_workers_stop(struct queue_workers *w);

#endif /* FLINT_CTRL_QUEUE_H */
