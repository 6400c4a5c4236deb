/*
 * The inventory in Flux's format: ids "<ns>_<name>_<group>_<kind>" with
 * versions, decoded from and encoded to status.inventory, and the
 * difference between two of them (the objects to prune).
 */
#include "apply/inventory.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void
inventory_release(struct inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++) {
		free(inv->entries[i].id);
		free(inv->entries[i].v);
	}
	free(inv->entries);
	memset(inv, 0, sizeof(*inv));
}

bool
inventory_has(const struct inventory *inv, const char *id)
{
	for (size_t i = 0; i < inv->n; i++)
		if (strcmp(inv->entries[i].id, id) == 0)
			return true;
	return false;
}

/* Appends id (taken) and a copy of v unless id is there already. */
static void
push(struct inventory *inv, char *id, const char *v)
{
	if (inventory_has(inv, id)) {
		free(id);
		return;
	}
	if (inv->n == inv->cap) {
		inv->cap = inv->cap ? inv->cap * 2 : 16;
		inv->entries = xreallocarray(inv->entries, inv->cap,
		    sizeof(*inv->entries));
	}
	inv->entries[inv->n].id = id;
	inv->entries[inv->n].v = xstrdup(v);
	inv->n++;
}

void
inventory_add(struct inventory *inv, const char *ns, const char *name,
    const char *group, const char *kind, const char *version)
{
	push(inv, xasprintf("%s_%s_%s_%s", ns, name, group, kind), version);
}

void
inventory_from_result(struct inventory *out, const struct apply_result *r)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct apply_entry *e = &r->entries[i];

		if (e->action == APPLY_DELETED || e->action == APPLY_FAILED)
			continue;
		inventory_add(out, e->namespace, e->name, e->group, e->kind,
		    e->version);
	}
}

/* Four '_'-separated parts, name and kind not empty. */
static bool
id_valid(const char *id)
{
	const char *p[4];
	size_t n = 0;

	for (const char *c = id; n < 4; c++) {
		if (*c == '_' || *c == '\0')
			p[n++] = c;
		if (*c == '\0')
			break;
	}
	/* p[i] is where part i ends: name is p[0]+1 .. p[1], kind after p[2] */
	return n == 4 && p[3][0] == '\0' && p[1] > p[0] + 1 && p[3] > p[2] + 1;
}

static int
decode_entry(struct inventory *out, const struct doc_node *e, size_t i,
    struct err *err)
{
	const char *id = doc_str(doc_map_get(e, "id"));
	const char *v = doc_str(doc_map_get(e, "v"));

	if (e->kind != DOC_MAP || id == NULL || v == NULL)
		return err_set(err, ERR_INVALID,
		    "inventory entry %zu: want a map with id and v", i);
	if (!id_valid(id))
		return err_set(err, ERR_INVALID,
		    "inventory entry %zu: malformed id '%s'", i, id);
	push(out, xstrdup(id), v);
	return 0;
}

int
inventory_decode(struct inventory *out, const struct doc_node *inventory,
    struct err *err)
{
	const struct doc_node *entries;

	if (inventory == NULL || inventory->kind == DOC_NULL)
		return 0;
	if (inventory->kind != DOC_MAP)
		return err_set(err, ERR_INVALID, "inventory: want a map");
	entries = doc_map_get(inventory, "entries");
	if (entries == NULL || entries->kind == DOC_NULL)
		return 0;
	if (entries->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID,
		    "inventory entries: want a list");
	for (size_t i = 0; i < entries->u.seq.n; i++)
		if (decode_entry(out, entries->u.seq.items[i], i, err) == -1)
			return -1;
	return 0;
}

static int
entry_cmp(const void *a, const void *b)
{
	const struct inventory_entry *const *x = a, *const *y = b;

	return strcmp((*x)->id, (*y)->id);
}

struct doc_node *
inventory_encode(struct arena *a, const struct inventory *inv)
{
	struct doc_node *map = doc_new_map(a), *seq = doc_new_seq(a);
	const struct inventory_entry **sorted;

	sorted = xreallocarray(NULL, inv->n ? inv->n : 1,
	    sizeof(const struct inventory_entry *));
	for (size_t i = 0; i < inv->n; i++)
		sorted[i] = &inv->entries[i];
	qsort(sorted, inv->n, sizeof(const struct inventory_entry *),
	    entry_cmp);
	for (size_t i = 0; i < inv->n; i++) {
		struct doc_node *e = doc_new_map(a);
		const char *id = sorted[i]->id, *v = sorted[i]->v;

		doc_map_set(a, e, "id", 2, doc_new_str(a, id, strlen(id)));
		doc_map_set(a, e, "v", 1, doc_new_str(a, v, strlen(v)));
		doc_seq_append(a, seq, e);
	}
	free(sorted);
	doc_map_set(a, map, "entries", 7, seq);
	return map;
}

void
inventory_diff(struct inventory *stale, const struct inventory *old,
    const struct inventory *cur)
{
	for (size_t i = 0; i < old->n; i++)
		if (!inventory_has(cur, old->entries[i].id))
			push(stale, xstrdup(old->entries[i].id),
			    old->entries[i].v);
}

int
inventory_ref_parse(struct inventory_ref *out, const struct inventory_entry *e,
    struct err *err)
{
	char *parts[4];
	char *c;
	size_t n = 1;

	memset(out, 0, sizeof(*out));
	if (!id_valid(e->id))
		return err_set(err, ERR_INVALID, "malformed inventory id '%s'",
		    e->id);
	out->buf = xstrdup(e->id);
	parts[0] = out->buf;
	for (c = out->buf; *c != '\0'; c++)
		if (*c == '_') {
			*c = '\0';
			parts[n++] = c + 1;
		}
	out->namespace = parts[0];
	out->name = parts[1];
	out->group = parts[2];
	out->kind = parts[3];
	out->api_version = parts[2][0] != '\0'
	    ? xasprintf("%s/%s", parts[2], e->v)
	    : xstrdup(e->v);
	return 0;
}

void
inventory_ref_release(struct inventory_ref *ref)
{
	free(ref->buf);
	free(ref->api_version);
	memset(ref, 0, sizeof(*ref));
}
