/*
 * Substitution variables: a hash table of name -> value, and how
 * kustomize-controller fills it from a Kustomization's postBuild
 * (substituteFrom objects in order, then the inline map on top, newlines
 * removed) and checks the names before expanding.
 */
#include "envsubst/envsubst.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "envsubst/envsubst_int.h"

struct var {
	char *name;
	size_t name_len;
	char *value;
	size_t value_len;
};

struct envsubst_vars {
	struct var *items; /* in insertion order */
	size_t n, cap;
	size_t *slots; /* open addressing: index + 1 into items, 0 empty */
	size_t nslots; /* a power of two, at least twice n */
};

/* The pattern Flux checks every name against (ASCII classes). */
#define NAME_PATTERN "^[_[:alpha:]][_[:alpha:][:digit:]]*$"

static size_t
hash(const char *p, size_t n)
{
	uint64_t h = 14695981039346656037u; /* FNV-1a */

	while (n-- > 0)
		h = (h ^ (unsigned char)*p++) * 1099511628211u;
	return (size_t)h;
}

/* The slot that holds name, or the empty slot where it would go. */
static size_t *
slot_find(const struct envsubst_vars *v, const char *name, size_t len)
{
	size_t mask = v->nslots - 1, i = hash(name, len) & mask;

	for (;; i = (i + 1) & mask) {
		const struct var *e;

		if (v->slots[i] == 0)
			return &v->slots[i];
		e = &v->items[v->slots[i] - 1];
		if (e->name_len == len && memcmp(e->name, name, len) == 0)
			return &v->slots[i];
	}
}

static void
rehash(struct envsubst_vars *v)
{
	size_t i;

	free(v->slots);
	v->nslots = v->nslots == 0 ? 16 : v->nslots * 2;
	v->slots = xcalloc(v->nslots, sizeof(*v->slots));
	for (i = 0; i < v->n; i++)
		*slot_find(v, v->items[i].name, v->items[i].name_len) = i + 1;
}

struct envsubst_vars *
envsubst_vars_new(void)
{
	return xcalloc(1, sizeof(struct envsubst_vars));
}

void
envsubst_vars_free(struct envsubst_vars *v)
{
	size_t i;

	if (v == NULL)
		return;
	for (i = 0; i < v->n; i++) {
		free(v->items[i].name);
		free_secret(v->items[i].value, v->items[i].value_len + 1);
	}
	free(v->items);
	free(v->slots);
	free(v);
}

void
envsubst_vars_set(struct envsubst_vars *v, const char *name, size_t name_len,
    const char *value, size_t value_len)
{
	struct var *e;
	size_t *slot;

	if (2 * (v->n + 1) > v->nslots)
		rehash(v);
	slot = slot_find(v, name, name_len);
	if (*slot != 0) {
		e = &v->items[*slot - 1];
		free_secret(e->value, e->value_len + 1);
	} else {
		if (v->n == v->cap) {
			v->cap = v->cap == 0 ? 8 : v->cap * 2;
			v->items = xreallocarray(v->items, v->cap,
			    sizeof(*v->items));
		}
		e = &v->items[v->n++];
		*slot = v->n;
		e->name = xstrndup(name, name_len);
		e->name_len = name_len;
	}
	e->value = xstrndup(value, value_len);
	e->value_len = value_len;
}

const char *
envsubst_vars_find(const struct envsubst_vars *v, const char *name,
    size_t name_len, size_t *value_len)
{
	size_t *slot;

	if (v == NULL || v->n == 0)
		return NULL;
	slot = slot_find(v, name, name_len);
	if (*slot == 0)
		return NULL;
	if (value_len != NULL)
		*value_len = v->items[*slot - 1].value_len;
	return v->items[*slot - 1].value;
}

size_t
envsubst_vars_count(const struct envsubst_vars *v)
{
	return v == NULL ? 0 : v->n;
}

static bool
name_valid(const char *p, size_t n)
{
	size_t i;

	if (n == 0 ||
	    !(p[0] == '_' || (p[0] >= 'a' && p[0] <= 'z') ||
	        (p[0] >= 'A' && p[0] <= 'Z')))
		return false;
	for (i = 1; i < n; i++)
		if (!(p[i] == '_' || (p[i] >= 'a' && p[i] <= 'z') ||
		        (p[i] >= 'A' && p[i] <= 'Z') ||
		        (p[i] >= '0' && p[i] <= '9')))
			return false;
	return true;
}

int
envsubst_vars_check_names(const struct envsubst_vars *v, struct err *err)
{
	size_t i;

	for (i = 0; i < envsubst_vars_count(v); i++) {
		const struct var *e = &v->items[i];

		if (!name_valid(e->name, e->name_len))
			return err_set(err, ERR_INVALID,
			    "'%.*s' var name is invalid, must match '%s'",
			    (int)(e->name_len > 256 ? 256 : e->name_len),
			    e->name, NAME_PATTERN);
	}
	return 0;
}

/* ---- loading from postBuild ---------------------------------------------- */

/* Sets name to value with every '\n' removed, as Flux does. */
static void
set_stripped(struct envsubst_vars *v, const struct doc_node *key,
    const char *value, size_t len)
{
	char *clean = xmalloc(len + 1);
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (value[i] != '\n')
			clean[n++] = value[i];
	envsubst_vars_set(v, key->u.str.ptr, key->u.str.len, clean, n);
	free_secret(clean, len + 1);
}

/* Adds the scalars of a map node; a null value is "" (as the API server
 * stores it). */
static int
add_map(struct envsubst_vars *v, const struct doc_node *map, struct err *err)
{
	size_t i;

	if (map == NULL || map->kind == DOC_NULL)
		return 0;
	if (map->kind != DOC_MAP)
		return err_set(err, ERR_INVALID, "expected a map of strings");
	for (i = 0; i < map->u.map.n; i++) {
		const struct doc_node *k = map->u.map.items[i].key;
		const struct doc_node *val = map->u.map.items[i].value;

		if (k->kind == DOC_SEQ || k->kind == DOC_MAP ||
		    val->kind == DOC_SEQ || val->kind == DOC_MAP)
			return err_set(err, ERR_INVALID,
			    "expected a map of strings");
		if (val->kind == DOC_NULL)
			set_stripped(v, k, "", 0);
		else
			set_stripped(v, k, val->u.str.ptr, val->u.str.len);
	}
	return 0;
}

static int
add_source(struct envsubst_vars *v, const struct envsubst_source *src,
    struct err *err)
{
	bool cm = strcmp(src->kind, "ConfigMap") == 0;

	if (!cm && strcmp(src->kind, "Secret") != 0)
		return 0; /* Flux skips kinds it does not know */
	if (!src->present && src->optional)
		return 0;
	if (!src->present)
		err_set(err, ERR_NOTFOUND, "%s \"%s\" not found",
		    cm ? "configmaps" : "secrets", src->name);
	else if (add_map(v, src->data, err) == 0)
		return 0;
	return err_wrap(err, "substitute from '%s/%s' error", src->kind,
	    src->name);
}

int
envsubst_vars_load(struct envsubst_vars **out,
    const struct envsubst_postbuild *pb, struct err *err)
{
	struct envsubst_vars *v = envsubst_vars_new();
	size_t i;

	for (i = 0; i < pb->n_from; i++)
		if (add_source(v, &pb->from[i], err) == -1)
			goto fail;
	if (add_map(v, pb->substitute, err) == -1) {
		err_wrap(err, "postBuild.substitute");
		goto fail;
	}
	*out = v;
	return 0;
fail:
	envsubst_vars_free(v);
	return -1;
}
