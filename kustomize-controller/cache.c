/*
 * Unpacked artifacts, shared between reconciles. Many Kustomizations
 * usually build from one artifact (a fleet repository), and Flux
 * downloads and unpacks it once per Kustomization and reconcile; here
 * each digest is fetched and unpacked once, and builds read the tree in
 * place (kustomize_opts.kustomization carries what Flux would write into
 * it). A tree is only ever read after its digest was checked, and is
 * removed once no reconcile holds it and newer ones have pushed it out.
 * An artifact without a digest is never shared, nor is the tree of a
 * Kustomization that decrypts: SOPS sources are decrypted in place.
 */
#include "kc.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "artifact/artifact.h"
#include "core/mem.h"

struct entry {
	char *digest; /* NULL: private to one reconcile */
	char *root;
	int refs;
	bool ready;  /* unpacked; false while one reconcile fetches it */
	bool failed; /* the fetch failed: waiters fetch again */
	uint64_t used;
};

struct kc_cache {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char *dir;
	size_t keep; /* unused trees kept */
	struct entry **v;
	size_t n, cap;
	uint64_t tick;
	uint64_t seq; /* names the directories */
};

int
kc_cache_new(struct kc_cache **out, const char *dir, size_t keep,
    struct err *err)
{
	struct kc_cache *c = xcalloc(1, sizeof(*c));

	c->dir = xasprintf("%s/kustomize-controller-XXXXXX", dir);
	if (mkdtemp(c->dir) == NULL) {
		err_errno(err, errno, "cache directory in '%s'", dir);
		free(c->dir);
		free(c);
		return -1;
	}
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	c->keep = keep;
	*out = c;
	return 0;
}

static void
entry_free(struct entry *e)
{
	struct err err = ERR_INIT;

	if (e->root != NULL)
		(void)artifact_tree_remove(e->root, false, &err);
	free(e->root);
	free(e->digest);
	free(e);
}

void
kc_cache_free(struct kc_cache *c)
{
	struct err err = ERR_INIT;

	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		entry_free(c->v[i]);
	free(c->v);
	(void)artifact_tree_remove(c->dir, false, &err);
	free(c->dir);
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
	free(c);
}

static void
drop(struct kc_cache *c, size_t i)
{
	entry_free(c->v[i]);
	c->v[i] = c->v[--c->n];
}

/* Removes the least recently used unheld trees past c->keep. Under mu. */
static void
evict(struct kc_cache *c)
{
	for (;;) {
		size_t idle = 0, oldest = SIZE_MAX;

		for (size_t i = 0; i < c->n; i++) {
			if (c->v[i]->refs > 0 || !c->v[i]->ready)
				continue;
			idle++;
			if (oldest == SIZE_MAX ||
			    c->v[i]->used < c->v[oldest]->used)
				oldest = i;
		}
		if (idle <= c->keep)
			return;
		drop(c, oldest);
	}
}

/* The entry for digest, waiting while another reconcile fetches it;
 * NULL when there is none (or its fetch failed). Under mu. */
static struct entry *
lookup(struct kc_cache *c, const char *digest)
{
	for (;;) {
		struct entry *e = NULL;

		for (size_t i = 0; digest != NULL && i < c->n; i++)
			if (c->v[i]->digest != NULL && !c->v[i]->failed &&
			    strcmp(c->v[i]->digest, digest) == 0)
				e = c->v[i];
		if (e == NULL || e->ready)
			return e;
		pthread_cond_wait(&c->cv, &c->mu);
	}
}

static struct entry *
entry_add(struct kc_cache *c, const char *digest)
{
	struct entry *e = xcalloc(1, sizeof(*e));

	e->digest = digest != NULL ? xstrdup(digest) : NULL;
	e->root = xasprintf("%s/%llu", c->dir, (unsigned long long)++c->seq);
	e->refs = 1;
	if (c->n == c->cap) {
		c->cap = c->cap != 0 ? c->cap * 2 : 8;
		c->v = xreallocarray(c->v, c->cap, sizeof(struct entry *));
	}
	c->v[c->n++] = e;
	return e;
}

static int
fetch_into(struct kc *kc, struct entry *e, const struct kc_artifact *art,
    struct err *err)
{
	if (mkdir(e->root, 0700) == -1)
		return err_errno(err, errno, "create '%s'", e->root);
	return kc_source_fetch(kc, art, e->root, err);
}

int
kc_cache_get(const char **root, struct kc *kc, const struct kc_artifact *art,
    bool private_copy, struct err *err)
{
	const char *digest = private_copy ? NULL : art->digest;
	struct kc_cache *c = kc->cache;
	struct entry *e;
	int rv;

	pthread_mutex_lock(&c->mu);
	if ((e = lookup(c, digest)) != NULL) {
		e->refs++;
		e->used = ++c->tick;
		pthread_mutex_unlock(&c->mu);
		*root = e->root;
		return 0;
	}
	e = entry_add(c, digest);
	pthread_mutex_unlock(&c->mu);
	rv = fetch_into(kc, e, art, err); /* outside the lock: slow */
	pthread_mutex_lock(&c->mu);
	e->ready = rv == 0;
	e->failed = rv == -1;
	e->used = ++c->tick;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
	if (rv == -1) {
		kc_cache_release(kc, e->root);
		return -1;
	}
	*root = e->root;
	return 0;
}

void
kc_cache_release(struct kc *kc, const char *root)
{
	struct kc_cache *c = kc->cache;

	if (root == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	for (size_t i = 0; i < c->n; i++) {
		struct entry *e = c->v[i];

		if (e->root != root)
			continue;
		e->refs--;
		if (e->refs == 0 && (e->failed || e->digest == NULL))
			drop(c, i);
		break;
	}
	evict(c);
	pthread_mutex_unlock(&c->mu);
}
