/*
 * replacements: copy a field of one object (the source, found by exact
 * IDs) into fields of others (targets selected by IDs, labels and
 * annotations, minus rejects), optionally one delimited part of it, as
 * kustomize's replacement filter does. Replacements come inline or from
 * files ("path:"), holding one replacement or a list.
 */
#include "kustomize/kz_int.h"

#include <inttypes.h>
#include <string.h>

struct rsel { /* exact IDs, as kustomize's ResId.IsSelectedBy */
	struct kz_gvk gvk;
	const char *name, *ns;
	const char *labels, *annotations;
};

static const char *
str_or_empty(const struct doc_node *m, const char *k)
{
	const char *s = kz_get_str(m, k);

	return s != NULL ? s : "";
}

static void
rsel_parse(struct rsel *s, const struct doc_node *n)
{
	s->gvk.group = str_or_empty(n, "group");
	s->gvk.version = str_or_empty(n, "version");
	s->gvk.kind = str_or_empty(n, "kind");
	s->name = str_or_empty(n, "name");
	s->ns = str_or_empty(n, "namespace");
	s->labels = kz_get_str(n, "labelSelector");
	s->annotations = kz_get_str(n, "annotationSelector");
}

static bool
id_selected(const struct kz_id *id, const struct rsel *s)
{
	struct kz_id sid = { s->gvk, s->name, s->ns, false };

	return (s->name[0] == '\0' || strcmp(s->name, id->name) == 0) &&
	    (s->ns[0] == '\0' ||
	        strcmp(kz_id_effns(&sid), kz_id_effns(id)) == 0) &&
	    kz_gvk_selected(&id->gvk, &s->gvk);
}

/* Any of the object's IDs (current first, never cluster-scoped here). */
static bool
res_selected(struct arena *a, const struct kz_res *r, const struct rsel *s)
{
	struct kz_id id;

	kz_res_curid(&id, a, r);
	id.cluster = false;
	if (id_selected(&id, s))
		return true;
	for (size_t i = 0; i < r->nprev; i++) {
		kz_res_previd(&id, a, r, i);
		if (id_selected(&id, s))
			return true;
	}
	return false;
}

static bool
rsel_empty_id(const struct rsel *s)
{
	return s->gvk.group[0] == '\0' && s->gvk.version[0] == '\0' &&
	    s->gvk.kind[0] == '\0' && s->name[0] == '\0' && s->ns[0] == '\0';
}

/* ---- the source value ---------------------------------------------------- */

/* The index-th part of v's text split at delim, as a copy of v. */
static int
refine(const struct doc_node **out, struct arena *a, const struct doc_node *v,
    const struct doc_node *opts, const char *delim, struct err *err)
{
	int64_t index = 0;
	const char *p = doc_str(v), *end;
	struct doc_node *c;

	if (!doc_is_scalar(v))
		return err_set(err, ERR_INVALID,
		    "delimiter option can only be used with scalar nodes");
	if (doc_map_get(opts, "index") != NULL &&
	    doc_get_int(&index, doc_map_get(opts, "index"), err) == -1)
		return -1;
	for (int64_t k = 0; p != NULL && k < index; k++) {
		p = strstr(p, delim);
		p = p != NULL ? p + strlen(delim) : NULL;
	}
	if (index < 0 || p == NULL)
		return err_set(err, ERR_INVALID,
		    "options.index %" PRId64 " is out of bounds for value %s",
		    index, doc_str(v));
	end = strstr(p, delim);
	c = doc_copy(a, v);
	c->u.str.ptr = arena_strndup(a, p,
	    end != NULL ? (size_t)(end - p) : strlen(p));
	c->u.str.len = strlen(c->u.str.ptr);
	*out = c;
	return 0;
}

/* The one object the source selects. */
static int
source_object(struct kz_res **out, struct kz_acc *acc, const struct rsel *s,
    struct err *err)
{
	*out = NULL;
	for (size_t i = 0; i < acc->rm.v.n; i++) {
		if (!res_selected(acc->arena, acc->rm.v.v[i], s))
			continue;
		if (*out != NULL)
			return err_set(err, ERR_INVALID,
			    "multiple matches for the replacement source");
		*out = acc->rm.v.v[i];
	}
	if (*out == NULL)
		return err_set(err, ERR_INVALID,
		    "nothing selected by the replacement source");
	return 0;
}

static bool
empty_node(const struct doc_node *v)
{
	return v == NULL || v->kind == DOC_NULL ||
	    (v->kind == DOC_MAP && v->u.map.n == 0) ||
	    (v->kind == DOC_SEQ && v->u.seq.n == 0);
}

static int
source_value(const struct doc_node **out, struct kz_acc *acc,
    const struct doc_node *src, struct err *err)
{
	struct arena *a = acc->arena;
	const char *fp = kz_get_str(src, "fieldPath");
	const struct doc_node *opts = doc_map_get(src, "options");
	const char *delim = kz_get_str(opts, "delimiter");
	struct kz_res *hit;
	struct doc_node *v;
	const char **parts;
	struct rsel s;
	size_t n;

	rsel_parse(&s, src);
	if (source_object(&hit, acc, &s, err) == -1)
		return -1;
	if (fp == NULL || fp[0] == '\0')
		fp = "metadata.name";
	n = kz_kpath_split(&parts, a, fp, false);
	v = kz_kpath_lookup(hit->obj, parts, n, a);
	if (empty_node(v))
		return err_set(err, ERR_INVALID,
		    "fieldPath `%s` is missing for replacement source", fp);
	if (delim != NULL && delim[0] != '\0')
		return refine(out, a, v, opts, delim, err);
	*out = v;
	return 0;
}

/* ---- writing targets ---------------------------------------------------- */

/* The target's parts split at delim, with value put at index (or before
 * or after them all). */
static char *
delimited(struct arena *a, const char *target, const char *delim, int64_t index,
    const char *value)
{
	struct kz_vec parts = { 0 };
	const char *p = target, *q;
	char *out = NULL;

	while ((q = strstr(p, delim)) != NULL) {
		kz_vec_push(a, &parts, arena_strndup(a, p, (size_t)(q - p)));
		p = q + strlen(delim);
	}
	kz_vec_push(a, &parts, arena_strdup(a, p));
	if (index < 0)
		out = arena_printf(a, "%s%s%s", value, delim, target);
	else if ((size_t)index >= parts.n)
		out = arena_printf(a, "%s%s%s", target, delim, value);
	else
		parts.v[index] = kz_unconst(value);
	if (out != NULL)
		return out;
	out = parts.v[0];
	for (size_t i = 1; i < parts.n; i++)
		out = arena_printf(a, "%s%s%s", out, delim, (char *)parts.v[i]);
	return out;
}

static int
set_target(struct arena *a, struct doc_node **slot, const struct doc_node *v,
    const struct doc_node *opts, struct err *err)
{
	const char *delim = kz_get_str(opts, "delimiter");
	struct doc_node *t = *slot;
	const char *text = doc_is_scalar(v) ? doc_str(v) : NULL;

	if (delim != NULL && delim[0] != '\0') {
		int64_t index = 0;

		if (!doc_is_scalar(t))
			return err_set(err, ERR_INVALID,
			    "delimiter option can only be used with scalar nodes");
		if (doc_map_get(opts, "index") != NULL &&
		    doc_get_int(&index, doc_map_get(opts, "index"), err) == -1)
			return -1;
		text = delimited(a, doc_str(t), delim, index,
		    text != NULL ? text : "");
	}
	if (doc_is_scalar(t) && t->kind != DOC_NULL && text != NULL) {
		/* kustomize replaces the text only: the target keeps its type
		 */
		t->u.str.ptr = arena_strdup(a, text);
		t->u.str.len = strlen(text);
		return 0;
	}
	if (text != NULL) {
		/* a created (untagged) field reads its text as YAML would */
		*slot = doc_new_plain(a, text, strlen(text));
		return 0;
	}
	*slot = doc_copy(a, v);
	return 0;
}

static enum kz_create
create_kind(const struct doc_node *v)
{
	if (v->kind == DOC_MAP)
		return KZ_CREATE_MAP;
	if (v->kind == DOC_SEQ)
		return KZ_CREATE_SEQ;
	return KZ_CREATE_SCALAR;
}

static int
copy_to(struct arena *a, struct kz_res *r, const struct doc_node *v,
    const struct doc_node *target, struct err *err)
{
	const struct doc_node *fps = doc_map_get(target, "fieldPaths");
	const struct doc_node *opts = doc_map_get(target, "options");
	enum kz_create ck = kz_get_bool(opts, "create") ? create_kind(v)
	                                                : KZ_CREATE_NONE;
	size_t nfp = fps != NULL && fps->kind == DOC_SEQ ? fps->u.seq.n : 0;

	for (size_t i = 0; i < (nfp > 0 ? nfp : 1); i++) {
		const char *fp = nfp > 0 ? kz_scalar(fps->u.seq.items[i])
		                         : "metadata.name";
		struct kz_vec slots = { 0 };
		const char **parts;
		size_t n = kz_kpath_split(&parts, a, fp != NULL ? fp : "",
		    false);

		if (kz_kpath_match(&slots, a, &r->obj, parts, n, ck, err) == -1)
			return err_wrap(err,
			    "unable to find field \"%s\" in "
			    "replacement target",
			    fp);
		if (slots.n == 0)
			return err_set(err, ERR_INVALID,
			    "unable to find field \"%s\" in replacement target",
			    fp);
		for (size_t j = 0; j < slots.n; j++)
			if (set_target(a, slots.v[j], v, opts, err) == -1)
				return -1;
	}
	return 0;
}

static int
labels_match(bool *out, const struct kz_res *r, const struct rsel *s,
    struct err *err)
{
	bool l = true, an = true;

	if (kz_res_match_selector(&an, r, "annotations", s->annotations, err) ==
	        -1 ||
	    kz_res_match_selector(&l, r, "labels", s->labels, err) == -1)
		return -1;
	*out = an && l;
	return 0;
}

/* kustomize's target choice: select by labels and IDs, minus rejects
 * (by labels, or by IDs when the reject names any). */
static int
is_target(bool *out, struct arena *a, const struct kz_res *r,
    const struct doc_node *target, struct err *err)
{
	const struct doc_node *rejects = doc_map_get(target, "reject");
	struct rsel sel;
	bool ok;

	*out = false;
	rsel_parse(&sel, doc_map_get(target, "select"));
	if (labels_match(&ok, r, &sel, err) == -1 || !ok)
		return err->code == ERR_OK ? 0 : -1;
	for (size_t i = 0; rejects != NULL && rejects->kind == DOC_SEQ &&
	     i < rejects->u.seq.n;
	     i++) {
		struct rsel rj;

		rsel_parse(&rj, rejects->u.seq.items[i]);
		if (rj.labels == NULL && rj.annotations == NULL)
			continue;
		if (labels_match(&ok, r, &rj, err) == -1)
			return -1;
		if (ok)
			return 0;
	}
	if (!res_selected(a, r, &sel))
		return 0;
	for (size_t i = 0; rejects != NULL && rejects->kind == DOC_SEQ &&
	     i < rejects->u.seq.n;
	     i++) {
		struct rsel rj;

		rsel_parse(&rj, rejects->u.seq.items[i]);
		if (!rsel_empty_id(&rj) && res_selected(a, r, &rj))
			return 0;
	}
	*out = true;
	return 0;
}

static int
apply_one(struct kz_acc *acc, const struct doc_node *repl, struct err *err)
{
	const struct doc_node *src = doc_map_get(repl, "source");
	const struct doc_node *targets = doc_map_get(repl, "targets");
	const struct doc_node *v = NULL;

	if (src == NULL || targets == NULL || targets->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID,
		    "replacements must specify a source and at least one "
		    "target");
	if (source_value(&v, acc, src, err) == -1)
		return -1;
	for (size_t i = 0; i < targets->u.seq.n; i++) {
		const struct doc_node *t = targets->u.seq.items[i];

		if (doc_map_get(t, "select") == NULL)
			return err_set(err, ERR_INVALID,
			    "target must specify resources to select");
		for (size_t j = 0; j < acc->rm.v.n; j++) {
			struct kz_res *r = acc->rm.v.v[j];
			bool hit;

			if (is_target(&hit, acc->arena, r, t, err) == -1)
				return -1;
			if (hit && copy_to(acc->arena, r, v, t, err) == -1)
				return -1;
		}
	}
	return 0;
}

/* A "path:" entry: the file holds one replacement or a list of them. */
static int
from_file(struct kz_acc *acc, struct kz_target *t, const char *path,
    struct err *err)
{
	struct kz_vec roots = { 0 };
	char *text;
	size_t len;

	if (kz_load_file(&text, &len, t, path, err) == -1 ||
	    kz_parse_docs(&roots, t->b, text, len, path, err) == -1)
		return -1;
	if (roots.n == 0)
		return 0;
	if (((struct doc_node *)roots.v[0])->kind == DOC_MAP)
		return apply_one(acc, roots.v[0], err);
	if (((struct doc_node *)roots.v[0])->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID,
		    "'%s': unsupported replacement type", path);
	for (size_t i = 0; i < ((struct doc_node *)roots.v[0])->u.seq.n; i++)
		if (apply_one(acc,
		        ((struct doc_node *)roots.v[0])->u.seq.items[i],
		        err) == -1)
			return err_wrap(err, "'%s'", path);
	return 0;
}

int
kz_replacements_apply(struct kz_acc *acc, struct kz_target *t,
    const struct doc_node *seq, struct err *err)
{
	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		const struct doc_node *e = seq->u.seq.items[i];
		const char *path = kz_get_str(e, "path");
		int rv;

		if (path != NULL && path[0] != '\0' &&
		    (doc_map_get(e, "source") != NULL ||
		        doc_map_get(e, "targets") != NULL))
			return err_set(err, ERR_INVALID,
			    "cannot specify both path and inline replacement");
		rv = path != NULL && path[0] != '\0'
		    ? from_file(acc, t, path, err)
		    : apply_one(acc, e, err);
		if (rv == -1)
			return err_wrap(err, "replacements[%zu]", i);
	}
	return 0;
}

int
kz_replacements_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "replacements");

	if (seq == NULL || seq->kind != DOC_SEQ || seq->u.seq.n == 0)
		return 0;
	if (kz_replacements_apply(acc, t, seq, err) == -1)
		return -1;
	kz_mark_transformed(acc, t, "ReplacementTransformer");
	return 0;
}
