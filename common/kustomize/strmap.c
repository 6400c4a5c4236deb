/*
 * A string-keyed hash map for the build's indexes (names to objects),
 * so that lookups over thousands of objects stay linear overall. Keys
 * are borrowed and must outlive the map.
 */
#include "kustomize/kz_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static uint64_t
hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;

	for (; *s != '\0'; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return h;
}

static size_t
slot_of(const struct kz_strmap *m, const char *key)
{
	size_t i = hash(key) & (m->cap - 1);

	while (m->keys[i] != NULL && strcmp(m->keys[i], key) != 0)
		i = (i + 1) & (m->cap - 1);
	return i;
}

static void
grow(struct kz_strmap *m)
{
	struct kz_strmap old = *m;

	m->cap = old.cap == 0 ? 64 : old.cap * 2;
	m->keys = xcalloc(m->cap, sizeof(*m->keys));
	m->vals = xcalloc(m->cap, sizeof(*m->vals));
	m->n = 0;
	for (size_t i = 0; i < old.cap; i++)
		if (old.keys[i] != NULL)
			kz_strmap_put(m, old.keys[i], old.vals[i]);
	free(old.keys);
	free(old.vals);
}

void *
kz_strmap_get(const struct kz_strmap *m, const char *key)
{
	size_t i;

	if (m->cap == 0)
		return NULL;
	i = slot_of(m, key);
	return m->keys[i] != NULL ? m->vals[i] : NULL;
}

void
kz_strmap_put(struct kz_strmap *m, const char *key, void *val)
{
	size_t i;

	if ((m->n + 1) * 2 > m->cap)
		grow(m);
	i = slot_of(m, key);
	if (m->keys[i] == NULL) {
		m->keys[i] = key;
		m->n++;
	}
	m->vals[i] = val;
}

void
kz_strmap_release(struct kz_strmap *m)
{
	free(m->keys);
	free(m->vals);
	memset(m, 0, sizeof(*m));
}
