/*
 * The transformers that rewrite metadata: namespace, name prefix and
 * suffix, labels (commonLabels and labels) and commonAnnotations, each
 * as kustomize's builtin of the same name, driven by the field specs of
 * the accumulated configuration.
 */
#include "kustomize/kz_int.h"

#include <string.h>

/* ---- setters --------------------------------------------------------- */

/* Replaces a scalar with a string, keeping the old node's quoting style
 * (kustomize's FieldSetter with a "!!str" tag). */
static int
set_string(void *arg, struct arena *a, struct doc_node **slot, struct err *err)
{
	const char *s = arg;
	struct doc_node *n;

	if (*slot != NULL && !doc_is_scalar(*slot))
		return err_set(err, ERR_INVALID,
		    "line %u: wrong node kind: expected a scalar",
		    (*slot)->line);
	n = doc_new_str(a, s, strlen(s));
	if (*slot != NULL)
		n->style = (*slot)->style;
	*slot = n;
	return 0;
}

struct affix {
	const char *prefix, *suffix;
};

/* Prefix + value + suffix, untagged: kustomize resolves the new text as
 * a plain scalar unless the old one was quoted. */
static int
set_affixed(void *arg, struct arena *a, struct doc_node **slot, struct err *err)
{
	const struct affix *x = arg;
	const char *old = *slot != NULL ? doc_str(*slot) : "";
	char *s;
	struct doc_node *n;

	if (*slot != NULL && !doc_is_scalar(*slot))
		return err_set(err, ERR_INVALID,
		    "line %u: wrong node kind: expected a scalar",
		    (*slot)->line);
	s = arena_printf(a, "%s%s%s", x->prefix, old != NULL ? old : "",
	    x->suffix);
	if (*slot == NULL || (*slot)->style == DOC_STYLE_PLAIN ||
	    (*slot)->style == DOC_STYLE_ANY)
		n = doc_new_plain(a, s, strlen(s));
	else
		n = doc_new_str(a, s, strlen(s));
	if (*slot != NULL)
		n->style = (*slot)->style;
	*slot = n;
	return 0;
}

struct pairs {
	const struct doc_node *map; /* key: value strings */
};

/* Sets every pair into the map at slot (kustomize's SetEntry per key). */
static int
set_pairs(void *arg, struct arena *a, struct doc_node **slot, struct err *err)
{
	const struct pairs *p = arg;
	struct doc_node *m = *slot;

	if (m == NULL || m->kind == DOC_NULL) {
		return 0;
	}
	if (m->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "line %u: wrong node kind: expected a map", m->line);
	for (size_t i = 0; i < p->map->u.map.n; i++) {
		const struct doc_pair *kv = &p->map->u.map.items[i];
		const char *k = doc_str(kv->key);
		const char *v = kz_scalar(kv->value);
		struct doc_node *old = doc_map_get(m, k);
		struct doc_node *n = doc_new_str(a, v != NULL ? v : "",
		    v != NULL ? strlen(v) : 0);

		if (old != NULL)
			n->style = old->style;
		doc_map_set(a, m, k, strlen(k), n);
	}
	return 0;
}

/* ---- namespace --------------------------------------------------------- */

static bool
is_binding(const char *kind)
{
	return strcmp(kind, "RoleBinding") == 0 ||
	    strcmp(kind, "ClusterRoleBinding") == 0;
}

/* Sets a scalar to the namespace, or with unset_only only an empty one
 * (kustomize's SetEntryIfEmpty). */
static int
set_ns(void *arg, struct arena *a, struct doc_node **slot, struct err *err)
{
	const struct kz_ns_opts *o = arg;

	if (o->unset_only && *slot != NULL && doc_is_scalar(*slot) &&
	    doc_str(*slot)[0] != '\0')
		return 0;
	return set_string(kz_unconst(o->ns), a, slot, err);
}

/* The subjects kustomize puts in the namespace: those named "default"
 * (defaultOnly), every ServiceAccount (allServiceAccounts), or none. */
static int
set_subjects(struct arena *a, struct doc_node *obj, const struct kz_ns_opts *o,
    struct err *err)
{
	struct doc_node *subjects = doc_map_get(obj, "subjects");

	for (size_t i = 0;
	     o->subjects != KZ_NS_SUBJECTS_NONE && subjects != NULL &&
	     subjects->kind == DOC_SEQ && i < subjects->u.seq.n;
	     i++) {
		struct doc_node *s = subjects->u.seq.items[i];
		const char *match = o->subjects == KZ_NS_SUBJECTS_DEFAULT
		    ? kz_get_str(s, "name")
		    : kz_get_str(s, "kind");
		const char *want = o->subjects == KZ_NS_SUBJECTS_DEFAULT
		    ? "default"
		    : "ServiceAccount";
		struct doc_node *cur;

		if (s->kind != DOC_MAP || match == NULL ||
		    strcmp(match, want) != 0)
			continue;
		if ((cur = doc_map_get(s, "namespace")) == NULL) {
			cur = doc_new_str(a, "", 0);
			doc_map_set(a, s, "namespace", 9, cur);
		}
		for (size_t j = 0; j < s->u.map.n; j++)
			if (strcmp(doc_str(s->u.map.items[j].key),
			        "namespace") == 0 &&
			    set_ns(kz_unconst(o), a, &s->u.map.items[j].value,
			        err) == -1)
				return -1;
	}
	return 0;
}

static bool
skip_ns_spec(const struct kz_fs *fs, const char *api, const char *kind)
{
	if (strcmp(fs->path, "metadata/namespace") == 0)
		return true;
	if (strcmp(api, "v1") != 0 && strcmp(fs->path, "metadata/name") == 0)
		return true;
	return is_binding(kind) && is_binding(fs->gvk.kind) &&
	    strcmp(fs->path, "subjects/namespace") == 0;
}

static int
namespace_one(struct arena *a, struct kz_res *r, const struct kz_ns_opts *o,
    const struct kz_fsv *fss, struct err *err)
{
	const char *api = kz_res_api(r), *kind = kz_res_kind(r);
	struct kz_fs meta;

	kz_res_store_prev(a, r);
	if (!kz_cluster_scoped(api, kind)) {
		kz_fs_init(&meta, a, NULL, NULL, NULL, "metadata/namespace",
		    true);
		if (kz_fs_apply(a, r->obj, &meta, KZ_CREATE_SCALAR, set_ns,
		        kz_unconst(o), err) == -1)
			return -1;
	}
	if (is_binding(kind) && set_subjects(a, r->obj, o, err) == -1)
		return -1;
	for (size_t i = 0; i < fss->n; i++) {
		if (skip_ns_spec(&fss->v[i], api, kind))
			continue;
		if (kz_fs_apply(a, r->obj, &fss->v[i], KZ_CREATE_SCALAR, set_ns,
		        kz_unconst(o), err) == -1)
			return err_wrap(err, "namespace transformation failed");
	}
	return 0;
}

int
kz_namespace_apply(struct kz_acc *acc, const struct kz_ns_opts *o,
    const struct kz_fsv *fss, struct err *err)
{
	struct arena *a = acc->arena;

	if (o->ns == NULL || o->ns[0] == '\0' || acc->rm.v.n == 0)
		return 0;
	for (size_t i = 0; i < acc->rm.v.n; i++) {
		struct kz_res *r = acc->rm.v.v[i];

		if (r->obj == NULL || r->obj->u.map.n == 0)
			continue;
		if (namespace_one(a, r, o, fss, err) == -1)
			return -1;
	}
	if (kz_resmap_check_unique(a, &acc->rm, err) == -1)
		return err_wrap(err,
		    "namespace transformation produces ID conflict");
	return 0;
}

/* ---- prefix and suffix -------------------------------------------------- */

static bool
skip_affix(const struct kz_id *org)
{
	static const struct kz_gvk skip[] = {
		{ "", "", "CustomResourceDefinition" },
		{ "apiregistration.k8s.io", "", "APIService" },
		{ "", "", "Namespace" },
	};

	for (size_t i = 0; i < sizeof(skip) / sizeof(skip[0]); i++)
		if (kz_gvk_selected(&org->gvk, &skip[i]))
			return true;
	return false;
}

static int
affix_one(struct arena *a, struct kz_res *r, const struct affix *x,
    const struct kz_fsv *fss, struct err *err)
{
	struct kz_id org;

	kz_res_orgid(&org, a, r);
	if (skip_affix(&org))
		return 0;
	for (size_t i = 0; i < fss->n; i++) {
		const struct kz_fs *fs = &fss->v[i];
		const char *v = x->prefix[0] != '\0' ? x->prefix : x->suffix;

		if (!kz_gvk_selected(&org.gvk, &fs->gvk))
			continue;
		if (strcmp(fs->path, "metadata/name") == 0 && v[0] != '\0') {
			kz_vec_push(a,
			    x->prefix[0] != '\0' ? &r->prefixes : &r->suffixes,
			    kz_unconst(v));
			kz_res_store_prev(a, r);
		}
		if (kz_fs_apply(a, r->obj, fs, KZ_CREATE_SCALAR, set_affixed,
		        kz_unconst(x), err) == -1)
			return -1;
	}
	return 0;
}

/* One of prefix and suffix is "" (they are separate transformers). */
int
kz_prefix_suffix_apply(struct kz_acc *acc, const char *prefix,
    const char *suffix, const struct kz_fsv *fss, struct err *err)
{
	struct affix x = { prefix != NULL ? prefix : "",
		suffix != NULL ? suffix : "" };

	for (size_t i = 0; i < acc->rm.v.n; i++)
		if (affix_one(acc->arena, acc->rm.v.v[i], &x, fss, err) == -1)
			return -1;
	return 0;
}

/* ---- labels and annotations -------------------------------------------- */

int
kz_map_apply(struct kz_acc *acc, const struct doc_node *pairs,
    const struct kz_fsv *fss, struct err *err)
{
	struct pairs p = { pairs };

	if (pairs == NULL || pairs->kind != DOC_MAP || pairs->u.map.n == 0)
		return 0;
	for (size_t i = 0; i < acc->rm.v.n; i++) {
		struct kz_res *r = acc->rm.v.v[i];

		for (size_t j = 0; j < fss->n; j++)
			if (kz_fs_apply(acc->arena, r->obj, &fss->v[j],
			        KZ_CREATE_MAP, set_pairs, &p, err) == -1)
				return -1;
	}
	return 0;
}

/* One "labels" entry: its own field specs, then selectors and templates
 * as its flags ask, else metadata labels only. */
static int
label_entry(struct kz_acc *acc, const struct doc_node *l, struct err *err)
{
	struct arena *a = acc->arena;
	const struct kz_tconfig *tc = acc->tc;
	struct kz_fsv fss = { 0 };
	struct kz_fs meta;

	if (kz_fsv_parse(&fss, a, doc_map_get(l, "fields"), err) == -1 ||
	    kz_fsv_merge_all(a, &fss, &tc->labels, err) == -1)
		return -1;
	if (kz_get_bool(l, "includeSelectors")) {
		if (kz_fsv_merge_all(a, &fss, &tc->clabels, err) == -1)
			return -1;
	} else {
		if (kz_get_bool(l, "includeTemplates") &&
		    kz_fsv_merge_all(a, &fss, &tc->tlabels, err) == -1)
			return -1;
		kz_fs_init(&meta, a, NULL, NULL, NULL, "metadata/labels", true);
		if (kz_fsv_merge_one(a, &fss, &meta, err) == -1)
			return -1;
	}
	return kz_map_apply(acc, doc_map_get(l, "pairs"), &fss, err);
}

static bool
nonempty(const struct doc_node *n)
{
	return n != NULL &&
	    ((n->kind == DOC_SEQ && n->u.seq.n > 0) ||
	        (n->kind == DOC_MAP && n->u.map.n > 0));
}

int
kz_labels_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *labels = doc_map_get(t->k, "labels");
	const struct doc_node *common = doc_map_get(t->k, "commonLabels");

	if (!nonempty(labels) && !nonempty(common))
		return 0;
	for (size_t i = 0;
	     labels != NULL && labels->kind == DOC_SEQ && i < labels->u.seq.n;
	     i++) {
		if (label_entry(acc, labels->u.seq.items[i], err) == -1)
			return err_wrap(err, "labels");
		kz_resmap_compact(&acc->rm);
		kz_mark_transformed(acc, t, "LabelTransformer");
	}
	if (kz_map_apply(acc, common, &acc->tc->clabels, err) == -1)
		return err_wrap(err, "commonLabels");
	kz_mark_transformed(acc, t, "LabelTransformer");
	return 0;
}

int
kz_annotations_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *an = doc_map_get(t->k, "commonAnnotations");

	if (!nonempty(an))
		return 0;
	if (kz_map_apply(acc, an, &acc->tc->annos, err) == -1)
		return err_wrap(err, "commonAnnotations");
	kz_mark_transformed(acc, t, "AnnotationsTransformer");
	return 0;
}
