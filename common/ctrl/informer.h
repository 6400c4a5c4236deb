/*
 * The informer: a list-then-watch of one kind kept as an in-memory cache
 * of doc trees, with namespace and label indexes, that tells handlers
 * what changed.
 *
 * One thread per informer drives a k8s_watch: it lists, then watches
 * from the list's resourceVersion, resuming from the last version seen
 * (bookmarks keep it fresh) when a stream ends or the API server goes
 * away, with backoff. When the server has compacted that version away
 * (410 Gone) the watch lists again; the informer compares the new list
 * with its cache and reports what the gap hid as synthetic add, update
 * and delete events, so no change is lost. Each cached object lives in
 * its own arena, replaced whole on update.
 *
 * Handlers run on the informer's thread, one event at a time in the
 * order the server sent them, without the cache lock held (they may read
 * the cache); with a resync interval they are also called from the
 * resync thread, so a handler must be thread-safe (queue_add() is). Every
 * other function is thread-safe.
 */
#ifndef FLINT_CTRL_INFORMER_H
#define FLINT_CTRL_INFORMER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "doc/doc.h"
#include "k8s/k8s.h"

enum informer_event_type {
	INFORMER_ADD,
	INFORMER_UPDATE,
	INFORMER_DELETE,
	INFORMER_RESYNC, /* periodic: key only, object and old are NULL */
};

/* What a handler is told; every pointer is borrowed for the call. */
struct informer_event {
	enum informer_event_type type;
	const char *key;               /* "Kind/namespace/name", "Kind/name" */
	const struct doc_node *object; /* the new state; DELETE: the last */
	const struct doc_node *old;    /* UPDATE: the state before */
	bool synthetic; /* found by comparing a relist with the cache */
};

typedef void informer_handler_fn(void *arg, const struct informer_event *ev);

/* What to watch; strings are copied. Zero fields take the defaults. */
struct informer_opts {
	const char *api_version;    /* "v1", "source.toolkit.fluxcd.io/v1" */
	const char *kind;           /* "ConfigMap" */
	const char *namespace;      /* NULL or "": all namespaces */
	const char *label_selector; /* server-side filter, or NULL */
	int64_t resync_ms;          /* RESYNC every key this often [0: off] */
	unsigned watch_timeout_s;   /* one watch call [k8s's default] */
	bool keep_managed_fields;   /* else dropped from cached copies */
};

/* Counters for tests and metrics. */
struct informer_stats {
	uint64_t lists;  /* complete lists: the first one, then relists */
	uint64_t events; /* handler events delivered, RESYNC excluded */
	uint64_t errors; /* watch failures that needed a fresh watch */
	size_t objects;
	char resource_version[64]; /* the latest seen, "" before any */
};

struct informer;

/* Creates a stopped informer with an empty cache. k must outlive it. The
 * caller frees *out with informer_free(). ERR_INVALID without a kind. */
int informer_new(struct informer **out, struct k8s *k,
    const struct informer_opts *opts, struct err *err);

/* Stops the informer if it runs and frees it with its cache. Accepts
 * NULL. */
void informer_free(struct informer *inf);

/* Adds a handler; only before the first informer_start(). */
void informer_add_handler(struct informer *inf, informer_handler_fn *fn,
    void *arg);

/* A ready-made handler that queues ev->key on the struct queue in arg. */
void informer_enqueue(void *queue, const struct informer_event *ev);

/*
 * Starts the threads. The first start lists; a start after
 * informer_stop() resumes watching from the last version seen, with the
 * cache as it was (so what changed meanwhile arrives as events, or, if
 * the server forgot that version, as the synthetic events of a relist).
 * ERR_CONFLICT when already running.
 */
int informer_start(struct informer *inf, struct err *err);

/* Stops and joins the threads; keeps the cache. Accepts a stopped one. */
void informer_stop(struct informer *inf);

/* Waits up to timeout_ms (< 0: forever) until the cache has been filled
 * by a complete list; true when it has. */
bool informer_wait_synced(struct informer *inf, int64_t timeout_ms);

/* Whether a complete list has filled the cache. */
bool informer_synced(struct informer *inf);

/* The key informer events use for an object of this kind. Caller frees. */
char *informer_key(const struct informer *inf, const char *ns,
    const char *name);

/* Copies the cached object under key into arena a; ERR_NOTFOUND when the
 * cache has none. */
int informer_get(struct doc_node **out, struct arena *a, struct informer *inf,
    const char *key, struct err *err);

/*
 * Copies every cached object in namespace ns (NULL: any) matching the
 * label selector (NULL: all) into a new doc, one root per object, in no
 * particular order; the caller frees it. The selector takes Kubernetes'
 * equality-based syntax: "a=b,c==d,e!=f,g,!h". ERR_INVALID for a
 * malformed selector, ERR_UNSUPPORTED for set-based terms ("in").
 */
int informer_list(struct doc **out, struct informer *inf, const char *ns,
    const char *selector, struct err *err);

/* Objects in the cache. */
size_t informer_count(struct informer *inf);

void informer_stats(struct informer_stats *out, struct informer *inf);

#endif /* FLINT_CTRL_INFORMER_H */
