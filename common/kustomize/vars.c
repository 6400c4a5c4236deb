/*
 * Legacy vars: each kustomization's vars name an object and a field;
 * after the whole build (names final, references fixed), every $(NAME)
 * in the varReference fields is replaced by that field's value. A field
 * that is exactly "$(NAME)" takes the value's type, as in kustomize.
 */
#include "kustomize/kz_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct value {
	const char *name;
	const struct doc_node *v; /* NULL: not a primitive, left as is */
	int used;
};

struct replacer {
	struct arena *a;
	struct value *vals;
	size_t n;
};

/* ---- merging (per kustomization) ---------------------------------------- */

static int
parse_var(struct kz_var **out, struct arena *a, const struct doc_node *n,
    struct err *err)
{
	const struct doc_node *ref = doc_map_get(n, "objref");
	struct kz_var *v = arena_calloc(a, 1, sizeof(*v));
	const char *api = kz_get_str(ref, "apiVersion");
	const char *slash = api != NULL ? strchr(api, '/') : NULL;

	v->name = kz_get_str(n, "name");
	if (v->name == NULL)
		return err_set(err, ERR_INVALID, "line %u: a var needs a name",
		    n->line);
	v->gvk.group = kz_get_str(ref, "group");
	v->gvk.version = kz_get_str(ref, "version");
	v->gvk.kind = kz_get_str(ref, "kind");
	if (api != NULL && slash != NULL) {
		v->gvk.group = arena_strndup(a, api, (size_t)(slash - api));
		v->gvk.version = slash + 1;
	} else if (api != NULL) {
		v->gvk.version = api;
	}
	v->gvk.group = v->gvk.group != NULL ? v->gvk.group : "";
	v->gvk.version = v->gvk.version != NULL ? v->gvk.version : "";
	v->gvk.kind = v->gvk.kind != NULL ? v->gvk.kind : "";
	v->objname = kz_get_str(ref, "name");
	v->objns = kz_get_str(ref, "namespace");
	v->objname = v->objname != NULL ? v->objname : "";
	v->objns = v->objns != NULL ? v->objns : "";
	v->fieldpath = kz_get_str(doc_map_get(n, "fieldref"), "fieldPath");
	if (v->fieldpath == NULL || v->fieldpath[0] == '\0')
		v->fieldpath = "metadata.name";
	*out = v;
	return 0;
}

/* kustomize's MergeVars: the var's object (by any of its IDs, namespace
 * only when the var gives one) learns the var's name. */
static int
mark_object(struct kz_acc *acc, const struct kz_var *v, struct err *err)
{
	struct kz_id want = { v->gvk, v->objname, v->objns, false };
	struct kz_res *hit = NULL;
	size_t hits = 0;

	for (size_t i = 0; i < acc->rm.v.n; i++) {
		struct kz_res *r = acc->rm.v.v[i];
		bool match = false;

		for (size_t j = 0; j <= r->nprev && !match; j++) {
			struct kz_id id;

			if (j < r->nprev)
				kz_res_previd(&id, acc->arena, r, j);
			else
				kz_res_curid(&id, acc->arena, r);
			match = strcmp(id.name, want.name) == 0 &&
			    kz_gvk_equal(&id.gvk, &want.gvk) &&
			    (v->objns[0] == '\0' ||
			        strcmp(kz_id_effns(&id), kz_id_effns(&want)) ==
			            0);
		}
		if (match) {
			hit = r;
			hits++;
		}
	}
	if (hits > 1)
		return err_set(err, ERR_INVALID,
		    "found %zu resId matches for var %s (unable to "
		    "disambiguate)",
		    hits, v->name);
	if (hit != NULL)
		kz_vec_push(acc->arena, &hit->refvars, kz_unconst(v->name));
	return 0;
}

int
kz_vars_merge(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "vars");

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		struct kz_var *v = NULL;

		if (parse_var(&v, acc->arena, seq->u.seq.items[i], err) == -1 ||
		    mark_object(acc, v, err) == -1)
			return err_wrap(err, "vars");
		for (size_t j = 0; j < acc->vars.n; j++)
			if (strcmp(((struct kz_var *)acc->vars.v[j])->name,
			        v->name) == 0)
				return err_set(err, ERR_INVALID,
				    "var '%s' already encountered", v->name);
		kz_vec_push(acc->arena, &acc->vars, v);
	}
	return 0;
}

/* ---- resolving (once, at the end) ---------------------------------------- */

static int
var_value(struct value *out, struct kz_acc *acc, const struct kz_var *v,
    struct err *err)
{
	for (size_t i = 0; i < acc->rm.v.n; i++) {
		struct kz_res *r = acc->rm.v.v[i];
		const char **parts;
		size_t n;

		for (size_t j = 0; j < r->refvars.n; j++) {
			const struct doc_node *f;

			if (strcmp(r->refvars.v[j], v->name) != 0)
				continue;
			n = kz_kpath_split(&parts, acc->arena, v->fieldpath,
			    true);
			f = kz_kpath_lookup(r->obj, parts, n, acc->arena);
			if (f == NULL)
				return err_set(err, ERR_INVALID,
				    "field specified in var '%s' not found in "
				    "corresponding resource",
				    v->name);
			out->name = v->name;
			out->v = doc_is_scalar(f) ? f : NULL;
			return 0;
		}
	}
	return err_set(err, ERR_INVALID,
	    "var '%s' cannot be mapped to a field in the set of known "
	    "resources",
	    v->name);
}

static const struct value *
lookup(struct replacer *rp, const char *name, size_t len)
{
	for (size_t i = 0; i < rp->n; i++)
		if (strlen(rp->vals[i].name) == len &&
		    strncmp(rp->vals[i].name, name, len) == 0)
			return &rp->vals[i];
	return NULL;
}

/* kustomize's DoReplacements; *whole is the var when text is just it. */
static char *
expand(struct replacer *rp, const char *s, const struct value **whole)
{
	size_t n = strlen(s), i = 0;
	char *out = arena_strdup(rp->a, "");

	*whole = NULL;
	while (i < n) {
		const char *close;
		const struct value *v;

		if (s[i] != '$' || i + 1 >= n) {
			out = arena_printf(rp->a, "%s%c", out, s[i++]);
			continue;
		}
		if (s[i + 1] == '$') {
			out = arena_printf(rp->a, "%s$", out);
			i += 2;
			continue;
		}
		if (s[i + 1] != '(' ||
		    (close = memchr(s + i + 2, ')', n - i - 2)) == NULL) {
			out = arena_printf(rp->a, "%s$%c", out, s[i + 1]);
			i += 2;
			continue;
		}
		v = lookup(rp, s + i + 2, (size_t)(close - s - i - 2));
		if (v != NULL && v->v != NULL) {
			((struct value *)kz_unconst(v))->used++;
			if (i == 0 && (size_t)(close - s) == n - 1)
				*whole = v;
			out = arena_printf(rp->a, "%s%s", out, doc_str(v->v));
		} else {
			out = arena_printf(rp->a, "%s%.*s", out,
			    (int)(close - s - i + 1), s + i);
		}
		i = (size_t)(close - s) + 1;
	}
	return out;
}

static bool
is_string(const struct doc_node *n)
{
	return n->kind == DOC_STR;
}

static void
replace_scalar(struct replacer *rp, struct doc_node **slot)
{
	const struct value *whole;
	char *s = expand(rp, doc_str(*slot), &whole);

	if (whole != NULL)
		*slot = doc_copy(rp->a, whole->v);
	else
		*slot = doc_new_str(rp->a, s, strlen(s));
	(*slot)->style = DOC_STYLE_ANY;
}

static int
set_vars(void *arg, struct arena *a, struct doc_node **slot, struct err *err)
{
	struct replacer *rp = arg;
	struct doc_node *n = *slot;

	(void)a;
	if (n == NULL || n->kind == DOC_NULL)
		return 0;
	if (doc_is_scalar(n)) {
		if (is_string(n))
			replace_scalar(rp, slot);
		return 0;
	}
	if (n->kind == DOC_MAP) {
		for (size_t i = 0; i < n->u.map.n; i++)
			if (is_string(n->u.map.items[i].value))
				replace_scalar(rp, &n->u.map.items[i].value);
		return 0;
	}
	for (size_t i = 0; i < n->u.seq.n; i++) {
		if (!is_string(n->u.seq.items[i]))
			return err_set(err, ERR_INVALID,
			    "invalid value type expect a string");
		replace_scalar(rp, &n->u.seq.items[i]);
	}
	return 0;
}

int
kz_vars_resolve(struct kz_acc *acc, struct err *err)
{
	struct replacer rp = { acc->arena, NULL, acc->vars.n };

	if (acc->vars.n == 0)
		return 0;
	rp.vals = arena_calloc(acc->arena, acc->vars.n, sizeof(*rp.vals));
	for (size_t i = 0; i < acc->vars.n; i++)
		if (var_value(&rp.vals[i], acc, acc->vars.v[i], err) == -1)
			return -1;
	for (size_t i = 0; i < acc->rm.v.n; i++) {
		struct kz_res *r = acc->rm.v.v[i];

		for (size_t j = 0; j < acc->tc->varref.n; j++)
			if (kz_fs_apply(acc->arena, r->obj,
			        &acc->tc->varref.v[j], KZ_CREATE_NONE, set_vars,
			        &rp, err) == -1)
				return -1;
	}
	return 0;
}
