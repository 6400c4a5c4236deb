/*
 * Patches on doc trees: RFC 7386 JSON merge patch and RFC 6902 JSON
 * patch, as kustomize applies them to resources.
 *
 * A JSON patch runs on a copy of the tree and replaces the root only when
 * every operation succeeded, so a failed patch leaves the caller's tree
 * untouched. Values taken from a patch are copied into the target's arena:
 * a patch usually comes from another file, parsed into another arena that
 * may be freed before the target.
 */
#include "doc/doc.h"

#include <string.h>

#include "doc/doc_int.h"

/* ---- RFC 7386 merge patch ----------------------------------------------- */

void
doc_merge_patch(struct arena *a, struct doc_node **target,
    const struct doc_node *patch)
{
	struct doc_node *map;

	if (patch == NULL)
		return;
	if (patch->kind != DOC_MAP) {
		*target = doc_copy(a, patch);
		return;
	}
	if (*target == NULL || (*target)->kind != DOC_MAP)
		*target = doc_new_map(a);
	map = *target;
	for (size_t i = 0; i < patch->u.map.n; i++) {
		const struct doc_node *key = patch->u.map.items[i].key;
		const struct doc_node *value = patch->u.map.items[i].value;
		struct doc_node *child;

		if (!doc_is_scalar(key))
			continue; /* JSON has only string keys */
		if (value->kind == DOC_NULL) {
			doc_map_delete(map, key->u.str.ptr, key->u.str.len);
			continue;
		}
		child = doc_map_find(map, key->u.str.ptr, key->u.str.len);
		doc_merge_patch(a, &child, value);
		doc_map_set(a, map, key->u.str.ptr, key->u.str.len, child);
	}
}

/* ---- RFC 6902 JSON patch ------------------------------------------------ */

struct op {
	const char *name; /* "add", "remove", ... */
	const char *path;
	const char *from;             /* NULL when absent */
	const struct doc_node *value; /* NULL when absent */
};

/* A string member, or NULL when absent; ERR_INVALID when not a string. */
static int
op_string(const char **out, const struct doc_node *op, const char *name,
    struct err *err)
{
	const struct doc_node *n = doc_map_get(op, name);

	*out = NULL;
	if (n == NULL)
		return 0;
	if (n->kind != DOC_STR || strlen(n->u.str.ptr) != n->u.str.len)
		return err_set(err, ERR_INVALID, "'%s' is not a string", name);
	*out = n->u.str.ptr;
	return 0;
}

static int
op_decode(struct op *o, const struct doc_node *n, struct err *err)
{
	if (n == NULL || n->kind != DOC_MAP)
		return err_set(err, ERR_INVALID, "not a map");
	if (op_string(&o->name, n, "op", err) == -1 ||
	    op_string(&o->path, n, "path", err) == -1 ||
	    op_string(&o->from, n, "from", err) == -1)
		return -1;
	if (o->name == NULL)
		return err_set(err, ERR_INVALID, "missing 'op'");
	if (o->path == NULL)
		return err_set(err, ERR_INVALID, "missing 'path'");
	o->value = doc_map_get(n, "value");
	return 0;
}

/* The node at path; unlike doc_ptr_find() it tells a malformed pointer
 * (ERR_INVALID) from a missing node (ERR_NOTFOUND). */
static int
op_find(struct doc_node **out, struct doc_node *root, const char *path,
    struct err *err)
{
	struct doc_node *parent;
	const char *tok;
	size_t len, i;

	if (path[0] == '\0' && root != NULL) {
		*out = root;
		return 0;
	}
	if (doc_ptr_parent(&parent, &tok, &len, root, path, err) == -1)
		return -1;
	if (parent->kind == DOC_SEQ &&
	    doc_ptr_index(&i, tok, len, parent->u.seq.n, false, err) == -1)
		return -1;
	if ((*out = doc_ptr_find(root, path)) == NULL)
		return err_set(err, ERR_NOTFOUND, "'%s' not found", path);
	return 0;
}

/* "add": the parent must exist; into a sequence it inserts, "-" appends. */
static int
patch_add(struct arena *a, struct doc_node **root, const char *path,
    struct doc_node *value, struct err *err)
{
	struct doc_node *parent;
	const char *tok;
	size_t len, i;

	if (path[0] == '\0') {
		*root = value;
		return 0;
	}
	if (doc_ptr_parent(&parent, &tok, &len, *root, path, err) == -1)
		return -1;
	if (parent->kind == DOC_MAP)
		return doc_ptr_set(a, root, path, value, err);
	if (doc_ptr_index(&i, tok, len, parent->u.seq.n, true, err) == -1)
		return -1;
	return doc_seq_insert(a, parent, i, value);
}

static int
patch_replace(struct arena *a, struct doc_node **root, const struct op *o,
    struct err *err)
{
	struct doc_node *old;

	if (op_find(&old, *root, o->path, err) == -1)
		return -1;
	return doc_ptr_set(a, root, o->path, doc_copy(a, o->value), err);
}

/* A location cannot move into one of its own children. */
static int
patch_move(struct arena *a, struct doc_node **root, const struct op *o,
    struct err *err)
{
	size_t fromlen = strlen(o->from);
	struct doc_node *node;

	if (strncmp(o->path, o->from, fromlen) == 0 && o->path[fromlen] == '/')
		return err_set(err, ERR_INVALID, "cannot move '%s' into itself",
		    o->from);
	if (op_find(&node, *root, o->from, err) == -1)
		return -1;
	if (strcmp(o->from, o->path) == 0)
		return 0;
	if (doc_ptr_delete(*root, o->from, err) == -1)
		return -1;
	return patch_add(a, root, o->path, node, err);
}

static int
patch_copy(struct arena *a, struct doc_node **root, const struct op *o,
    struct err *err)
{
	struct doc_node *node;

	if (op_find(&node, *root, o->from, err) == -1)
		return -1;
	return patch_add(a, root, o->path, doc_copy(a, node), err);
}

static int
patch_test(struct doc_node *root, const struct op *o, struct err *err)
{
	struct doc_node *node;

	if (op_find(&node, root, o->path, err) == -1)
		return -1;
	if (!doc_equal_json(node, o->value))
		return err_set(err, ERR_CONFLICT, "test failed: value differs");
	return 0;
}

/* Checks the members an op needs, then dispatches on its name. */
static int
patch_apply(struct arena *a, struct doc_node **root, const struct op *o,
    struct err *err)
{
	bool needs_value = strcmp(o->name, "add") == 0 ||
	    strcmp(o->name, "replace") == 0 || strcmp(o->name, "test") == 0;
	bool needs_from = strcmp(o->name, "move") == 0 ||
	    strcmp(o->name, "copy") == 0;

	if (needs_value && o->value == NULL)
		return err_set(err, ERR_INVALID, "missing 'value'");
	if (needs_from && o->from == NULL)
		return err_set(err, ERR_INVALID, "missing 'from'");
	if (strcmp(o->name, "add") == 0)
		return patch_add(a, root, o->path, doc_copy(a, o->value), err);
	if (strcmp(o->name, "remove") == 0)
		return doc_ptr_delete(*root, o->path, err);
	if (strcmp(o->name, "replace") == 0)
		return patch_replace(a, root, o, err);
	if (strcmp(o->name, "move") == 0)
		return patch_move(a, root, o, err);
	if (strcmp(o->name, "copy") == 0)
		return patch_copy(a, root, o, err);
	if (strcmp(o->name, "test") == 0)
		return patch_test(*root, o, err);
	return err_set(err, ERR_INVALID, "unknown op '%s'", o->name);
}

int
doc_json_patch(struct arena *a, struct doc_node **root,
    const struct doc_node *ops, struct err *err)
{
	struct doc_node *work;
	struct op o;

	if (ops == NULL || ops->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID,
		    "JSON patch is not a sequence of operations");
	work = doc_copy(a, *root);
	for (size_t i = 0; i < ops->u.seq.n; i++) {
		if (op_decode(&o, ops->u.seq.items[i], err) == -1)
			return err_wrap(err, "JSON patch operation %zu", i);
		if (patch_apply(a, &work, &o, err) == -1)
			return err_wrap(err,
			    "JSON patch operation %zu (%s '%s')", i, o.name,
			    o.path);
	}
	*root = work;
	return 0;
}
