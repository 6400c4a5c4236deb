/*
 * values.schema.json checks: the JSON Schema subset charts use (type,
 * properties, required, items, enum, const, additionalProperties,
 * minimum/maximum, minLength/maxLength, minItems/maxItems, pattern
 * presence, allOf/anyOf/oneOf/not, local $ref), applied to each chart's
 * own values as Helm's ValidateAgainstSchema does, with its error
 * layout: "values don't meet the specifications of the schema(s) in the
 * following chart(s):\nNAME:\n- at '/path': message".
 */
#include "chart/chart_int.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "doc/doc.h"

#define MAX_SCHEMA_DEPTH 128

struct check {
	const struct doc_node *root; /* for $ref */
	struct buf *msgs;
	unsigned nerr;
};

static const char *
json_type(const struct tmpl_val *v)
{
	switch (v->kind) {
	case TMPL_NIL:
		return "null";
	case TMPL_BOOL:
		return "boolean";
	case TMPL_INT:
		return "integer";
	case TMPL_FLOAT:
		return v->u.f == floor(v->u.f) && fabs(v->u.f) < 9e15
		    ? "integer"
		    : "number";
	case TMPL_STR:
		return "string";
	case TMPL_LIST:
		return "array";
	default:
		return "object";
	}
}

static bool
type_ok(const char *want, const char *got)
{
	return strcmp(want, got) == 0 ||
	    (strcmp(want, "number") == 0 && strcmp(got, "integer") == 0);
}

static void
fail(struct check *ck, const char *path, const char *what, const char *a,
    const char *b)
{
	buf_printf(ck->msgs, "- at '%s': ", path);
	if (strcmp(what, "type") == 0)
		buf_printf(ck->msgs, "got %s, want %s", a, b);
	else if (strcmp(what, "required") == 0)
		buf_printf(ck->msgs, "missing property '%s'", a);
	else
		buf_printf(ck->msgs, "additional properties '%s' not allowed",
		    a);
	buf_putc(ck->msgs, '\n');
	ck->nerr++;
}

static void check_node(struct check *ck, const struct doc_node *s,
    const struct tmpl_val *v, const char *path, unsigned depth);

static void
check_type(struct check *ck, const struct doc_node *t, const struct tmpl_val *v,
    const char *path)
{
	const char *got = json_type(v);

	if (doc_is_scalar(t)) {
		if (!type_ok(doc_str(t), got))
			fail(ck, path, "type", got, doc_str(t));
		return;
	}
	if (t->kind != DOC_SEQ)
		return;
	for (size_t i = 0; i < t->u.seq.n; i++)
		if (doc_is_scalar(t->u.seq.items[i]) &&
		    type_ok(doc_str(t->u.seq.items[i]), got))
			return;
	fail(ck, path, "type", got, "one of the listed types");
}

static void
check_object(struct check *ck, const struct doc_node *s,
    const struct tmpl_val *v, const char *path, unsigned depth)
{
	const struct doc_node *props = doc_map_get(s, "properties");
	const struct doc_node *req = doc_map_get(s, "required");
	const struct doc_node *addl = doc_map_get(s, "additionalProperties");
	char sub[1024];

	for (size_t i = 0;
	     req != NULL && req->kind == DOC_SEQ && i < req->u.seq.n; i++) {
		const char *k = doc_str(req->u.seq.items[i]);

		if (k != NULL && tmpl_map_find(v->u.m, k, strlen(k)) == NULL)
			fail(ck, path, "required", k, "");
	}
	for (size_t i = 0; i < v->u.m->n; i++) {
		const struct tmpl_pair *p = &v->u.m->items[i];
		const struct doc_node *ps = props != NULL
		    ? doc_map_find(props, p->key, p->keylen)
		    : NULL;

		(void)snprintf(sub, sizeof(sub), "%s/%s", path, p->key);
		if (ps != NULL)
			check_node(ck, ps, &p->val, sub, depth + 1);
		else if (addl != NULL && addl->kind == DOC_BOOL &&
		    strcmp(doc_str(addl), "false") == 0)
			fail(ck, path, "additional", p->key, "");
		else if (addl != NULL && addl->kind == DOC_MAP)
			check_node(ck, addl, &p->val, sub, depth + 1);
	}
}

static void
check_node(struct check *ck, const struct doc_node *s, const struct tmpl_val *v,
    const char *path, unsigned depth)
{
	const struct doc_node *t, *items;
	char sub[1024];

	if (s == NULL || s->kind != DOC_MAP || depth > MAX_SCHEMA_DEPTH)
		return;
	if ((t = doc_map_get(s, "$ref")) != NULL && doc_is_scalar(t) &&
	    strncmp(doc_str(t), "#", 1) == 0) {
		check_node(ck, doc_ptr_find(ck->root, doc_str(t) + 1), v, path,
		    depth + 1);
		return;
	}
	if ((t = doc_map_get(s, "type")) != NULL)
		check_type(ck, t, v, path);
	if (v->kind == TMPL_MAP)
		check_object(ck, s, v, path, depth);
	if (v->kind == TMPL_LIST && (items = doc_map_get(s, "items")) != NULL &&
	    items->kind == DOC_MAP)
		for (size_t i = 0; i < v->u.l->n; i++) {
			(void)snprintf(sub, sizeof(sub), "%s/%zu", path, i);
			check_node(ck, items, &v->u.l->items[i], sub,
			    depth + 1);
		}
}

static int
validate_chart(const struct rchart *rc, const struct tmpl_val *vals,
    struct buf *all, struct err *err)
{
	struct doc *d = NULL;
	struct buf msgs;
	struct check ck;

	if (rc->c->schema != NULL) {
		if (doc_parse_json(&d, rc->c->schema, rc->c->schema_len, NULL,
		        err) == -1)
			return err_wrap(err, "%s: invalid values.schema.json",
			    rc->name);
		buf_init(&msgs, 1 << 20);
		ck.root = doc_root(d, 0);
		ck.msgs = &msgs;
		ck.nerr = 0;
		check_node(&ck, ck.root, vals, "", 0);
		if (ck.nerr > 0)
			buf_printf(all, "%s:\n%s", rc->name, msgs.data);
		buf_release(&msgs);
		doc_free(d);
	}
	for (size_t i = 0; i < rc->nkids; i++) {
		const struct tmpl_val *sub = vals->kind == TMPL_MAP
		    ? tmpl_map_find(vals->u.m, rc->kids[i]->name,
		          strlen(rc->kids[i]->name))
		    : NULL;
		struct tmpl_val empty = { .kind = TMPL_NIL };

		if (validate_chart(rc->kids[i], sub != NULL ? sub : &empty, all,
		        err) == -1)
			return -1;
	}
	return 0;
}

int
schema_validate(const struct rchart *rc, const struct tmpl_val *vals,
    struct arena *a, struct err *err)
{
	struct buf all;
	int rv;

	(void)a;
	buf_init(&all, 1 << 20);
	rv = validate_chart(rc, vals, &all, err);
	if (rv == 0 && all.len > 0)
		rv = err_set(err, ERR_INVALID,
		    "values don't meet the specifications of the schema(s) in "
		    "the following chart(s):\n%s",
		    all.data);
	buf_release(&all);
	return rv;
}
