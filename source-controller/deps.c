/*
 * Which source objects use which others' artifacts (source.h): a small
 * list of (user, used) key pairs under one lock. Lookups scan it; it
 * holds only objects that use others, a handful in practice.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "source.h"

#define DEPS_KEY_MAX 512

struct dep {
	char *user; /* "<Kind>/<ns>/<name>" */
	char *used;
};

struct source_deps {
	pthread_mutex_t mu;
	struct dep *v;
	size_t n, cap;
};

struct source_deps *
source_deps_new(void)
{
	struct source_deps *d = xcalloc(1, sizeof(*d));

	pthread_mutex_init(&d->mu, NULL);
	return d;
}

void
source_deps_free(struct source_deps *d)
{
	if (d == NULL)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].user);
		free(d->v[i].used);
	}
	free(d->v);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

void
source_deps_set(struct source_ctx *ctx, const char *kind, const char *ns,
    const char *name, const char *const *uses, size_t n)
{
	struct source_deps *d = ctx->deps;
	char user[DEPS_KEY_MAX];
	size_t w = 0;

	if (d == NULL)
		return;
	(void)snprintf(user, sizeof(user), "%s/%s/%s", kind, ns, name);
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].user, user) == 0) {
			free(d->v[i].user);
			free(d->v[i].used);
		} else {
			d->v[w++] = d->v[i];
		}
	}
	d->n = w;
	for (size_t i = 0; i < n; i++) {
		if (d->n == d->cap) {
			d->cap = d->cap ? d->cap * 2 : 8;
			d->v = xreallocarray(d->v, d->cap, sizeof(*d->v));
		}
		d->v[d->n].user = xstrdup(user);
		d->v[d->n++].used = xstrdup(uses[i]);
	}
	pthread_mutex_unlock(&d->mu);
}

/* Splits "<Kind>/<ns>/<name>" in place; false when malformed. */
static bool
key_split(char *key, char **kind, char **ns, char **name)
{
	char *a = strchr(key, '/'), *b = a != NULL ? strchr(a + 1, '/') : NULL;

	if (b == NULL)
		return false;
	*a = *b = '\0';
	*kind = key;
	*ns = a + 1;
	*name = b + 1;
	return true;
}

void
source_deps_notify(struct source_ctx *ctx, const char *kind, const char *ns,
    const char *name)
{
	struct source_deps *d = ctx->deps;
	char used[DEPS_KEY_MAX];
	char **users = NULL;
	size_t n = 0;

	if (d == NULL || ctx->enqueue == NULL)
		return;
	(void)snprintf(used, sizeof(used), "%s/%s/%s", kind, ns, name);
	/* collect under the lock, queue outside it */
	pthread_mutex_lock(&d->mu);
	for (size_t i = 0; i < d->n; i++) {
		if (strcmp(d->v[i].used, used) != 0)
			continue;
		users = xreallocarray(users, n + 1, sizeof(*users));
		users[n++] = xstrdup(d->v[i].user);
	}
	pthread_mutex_unlock(&d->mu);
	for (size_t i = 0; i < n; i++) {
		char *k, *uns, *uname;

		if (key_split(users[i], &k, &uns, &uname))
			ctx->enqueue(ctx->enqueue_arg, k, uns, uname);
		free(users[i]);
	}
	free(users);
}
