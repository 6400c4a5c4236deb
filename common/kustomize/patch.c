/*
 * The patch transformers: patchesStrategicMerge (each patch finds its
 * object by ID), patches (strategic merge or JSON 6902, inline or from a
 * file, with an optional target selector) and patchesJson6902, each with
 * kustomize's rules for what the patch may change (name and kind stay
 * unless allowed; the namespace always stays).
 */
#include "kustomize/kz_int.h"

#include <ctype.h>
#include <string.h>

/* ---- strategic merge ---------------------------------------------------- */

/* kustomize's Resource.ApplySmPatch. */
static int
smp_resource(struct kz_build *b, struct kz_res *r, struct doc_node *patch,
    bool allow_name, bool allow_kind, struct err *err)
{
	struct arena *a = b->a;
	const char *name = kz_res_name(r), *ns = kz_res_ns(r);
	const char *kind = kz_res_kind(r);
	const struct kz_schema *schema;

	if (kz_build_schema(&schema, b, err) == -1)
		return -1;
	if (allow_name || allow_kind)
		kz_res_store_prev(a, r);
	if (kz_smp_apply(a, schema, &r->obj, patch, err) == -1)
		return -1;
	if (r->obj == NULL || r->obj->kind != DOC_MAP || r->obj->u.map.n == 0) {
		r->obj = NULL;
		return 0;
	}
	if (!allow_kind)
		kz_res_set_kind(a, r, kind);
	if (!allow_name)
		kz_res_set_name(a, r, name);
	kz_res_set_ns(a, r, ns);
	return 0;
}

/* kustomize's ResMap.ApplySmPatch: a copy of the patch per target, with
 * the target's apiVersion, then an ID check over the result. */
static int
smp_targets(struct kz_acc *acc, struct kz_build *b, const struct kz_vec *sel,
    const struct kz_res *patch, struct err *err)
{
	struct arena *a = b->a;

	for (size_t i = 0; i < sel->n; i++) {
		struct kz_res *r = sel->v[i];
		struct doc_node *copy = doc_copy(a, patch->obj);
		const char *api = kz_res_api(r);

		doc_map_set(a, copy, "apiVersion", 10,
		    doc_new_plain(a, api, strlen(api)));
		if (smp_resource(b, r, copy, patch->allow_name_change,
		        patch->allow_kind_change, err) == -1)
			return -1;
	}
	kz_resmap_compact(&acc->rm);
	return kz_resmap_check_unique(a, &acc->rm, err);
}

/* The one object whose ID (any of its IDs) is the patch's. */
static int
find_by_id(struct kz_res **out, struct kz_acc *acc, const struct kz_res *patch,
    struct err *err)
{
	struct kz_vec hits = { 0 };
	struct kz_id id;

	kz_res_curid(&id, acc->arena, patch);
	kz_resmap_match_any(&hits, acc->arena, &acc->rm, &id);
	if (hits.n == 1) {
		*out = hits.v[0];
		return 0;
	}
	return err_set(err, ERR_INVALID,
	    "%s matches for Id %s; failed to find unique target for patch %s",
	    hits.n == 0 ? "no" : "multiple", kz_id_string(acc->arena, &id),
	    kz_id_string(acc->arena, &id));
}

/* ---- loading patches ---------------------------------------------------- */

static const char *
trim(struct arena *a, const char *s)
{
	size_t n;

	while (isspace((unsigned char)*s))
		s++;
	n = strlen(s);
	while (n > 0 && isspace((unsigned char)s[n - 1]))
		n--;
	return arena_strndup(a, s, n);
}

struct patch_src {
	const char *text;
	size_t len;
	const char *what; /* for errors: the path or "inline patch" */
};

static int
patch_text(struct patch_src *p, struct kz_target *t, const struct doc_node *e,
    const char *inline_key, struct err *err)
{
	const char *inline_patch = kz_get_str(e, inline_key);
	const char *path = kz_get_str(e, "path");
	char *text;
	size_t len;

	if (inline_patch != NULL && inline_patch[0] != '\0')
		inline_patch = trim(t->b->a, inline_patch);
	if (inline_patch != NULL && inline_patch[0] == '\0')
		inline_patch = NULL;
	if (path != NULL && path[0] == '\0')
		path = NULL;
	if (inline_patch == NULL && path == NULL)
		return err_set(err, ERR_INVALID,
		    "line %u: must specify one of patch and path", e->line);
	if (inline_patch != NULL && path != NULL)
		return err_set(err, ERR_INVALID,
		    "line %u: patch and path can't be set at the same time",
		    e->line);
	if (inline_patch != NULL) {
		p->text = inline_patch;
		p->len = strlen(inline_patch);
		p->what = "inline patch";
		return 0;
	}
	if (kz_load_file(&text, &len, t, path, err) == -1)
		return err_wrap(err,
		    "failed to get the patch file from path "
		    "'%s'",
		    path);
	p->text = text;
	p->len = len;
	p->what = path;
	return 0;
}

/* A JSON 6902 patch is a list of operations (in JSON or YAML). */
static bool
is_json_patch(const struct kz_vec *docs)
{
	for (size_t i = 0; i < docs->n; i++) {
		const struct doc_node *d = docs->v[i];

		if (d == NULL || d->kind == DOC_NULL)
			continue;
		return d->kind == DOC_SEQ;
	}
	return false;
}

static int
json_ops(const struct doc_node **out, struct kz_build *b,
    const struct patch_src *p, struct err *err)
{
	struct kz_vec docs = { 0 };

	if (kz_parse_docs(&docs, b, p->text, p->len, p->what, err) == -1)
		return -1;
	for (size_t i = 0; i < docs.n; i++) {
		const struct doc_node *d = docs.v[i];

		if (d != NULL && d->kind == DOC_SEQ) {
			*out = d;
			return 0;
		}
	}
	return err_set(err, ERR_INVALID, "'%s': empty json patch operations",
	    p->what);
}

static int
json_apply(struct arena *a, struct kz_res *r, const struct doc_node *ops,
    const char *what, struct err *err)
{
	if (doc_json_patch(a, &r->obj, ops, err) == -1) {
		struct kz_id id;

		kz_res_curid(&id, a, r);
		return err_wrap(err, "applying JSON patch '%s' to %s", what,
		    kz_id_string(a, &id));
	}
	return 0;
}

/* ---- patches ------------------------------------------------------------ */

static int
patch_smp(struct kz_acc *acc, struct kz_target *t, const struct doc_node *e,
    const struct patch_src *p, struct kz_vec *patches, struct err *err)
{
	const struct doc_node *target = doc_map_get(e, "target");
	const struct doc_node *opts = doc_map_get(e, "options");
	struct kz_selector sel;
	struct kz_vec hits = { 0 };

	for (size_t i = 0; i < patches->n; i++) {
		struct kz_res *pr = patches->v[i];

		pr->allow_name_change = kz_get_bool(opts, "allowNameChange");
		pr->allow_kind_change = kz_get_bool(opts, "allowKindChange");
	}
	if (target == NULL || target->kind == DOC_NULL) {
		for (size_t i = 0; i < patches->n; i++) {
			struct kz_res *pr = patches->v[i], *r;

			if (find_by_id(&r, acc, pr, err) == -1 ||
			    smp_resource(t->b, r, doc_copy(acc->arena, pr->obj),
			        pr->allow_name_change, pr->allow_kind_change,
			        err) == -1)
				return err_wrap(err, "patch '%s'", p->what);
		}
		kz_resmap_compact(&acc->rm);
		return 0;
	}
	if (patches->n > 1)
		return err_set(err, ERR_INVALID,
		    "Multiple Strategic-Merge Patches in one `patches` entry "
		    "is not allowed to set `patches.target` field: '%s'",
		    p->what);
	if (kz_selector_parse(&sel, target, err) == -1 ||
	    kz_select(&hits, acc->arena, &acc->rm, &sel, err) == -1 ||
	    smp_targets(acc, t->b, &hits, patches->v[0], err) == -1)
		return err_wrap(err, "patch '%s'", p->what);
	return 0;
}

static int
patch_json(struct kz_acc *acc, const struct doc_node *e,
    const struct doc_node *ops, const struct patch_src *p, bool store_prev,
    struct err *err)
{
	const struct doc_node *target = doc_map_get(e, "target");
	struct kz_selector sel;
	struct kz_vec hits = { 0 };

	if (target == NULL || target->kind == DOC_NULL)
		return err_set(err, ERR_INVALID,
		    "must specify a target for JSON patch '%s'", p->what);
	if (kz_selector_parse(&sel, target, err) == -1 ||
	    kz_select(&hits, acc->arena, &acc->rm, &sel, err) == -1)
		return -1;
	for (size_t i = 0; i < hits.n; i++) {
		struct kz_res *r = hits.v[i];

		if (store_prev)
			kz_res_store_prev(acc->arena, r);
		if (json_apply(acc->arena, r, ops, p->what, err) == -1)
			return -1;
	}
	return 0;
}

/* One entry of "patches" (or a PatchTransformer's configuration). */
int
kz_patch_entry(struct kz_acc *acc, struct kz_target *t,
    const struct doc_node *e, struct err *err)
{
	struct kz_vec docs = { 0 }, patches = { 0 };
	const struct doc_node *ops;
	struct patch_src p;

	if (patch_text(&p, t, e, "patch", err) == -1)
		return -1;
	if (kz_parse_docs(&docs, t->b, p.text, p.len, p.what, err) == -1)
		return err_wrap(err, "unable to parse SM or JSON patch");
	if (is_json_patch(&docs)) {
		if (json_ops(&ops, t->b, &p, err) == -1)
			return -1;
		return patch_json(acc, e, ops, &p, true, err);
	}
	if (kz_parse_resources(&patches, t->b, p.text, p.len, p.what, err) ==
	    -1)
		return err_wrap(err, "unable to parse SM or JSON patch");
	if (patches.n == 0)
		return err_set(err, ERR_INVALID,
		    "unable to parse SM or JSON patch from '%s'", p.what);
	return patch_smp(acc, t, e, &p, &patches, err);
}

int
kz_patches_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "patches");

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		const struct doc_node *e = seq->u.seq.items[i];

		if (e->kind != DOC_MAP)
			continue;
		if (kz_patch_entry(acc, t, e, err) == -1)
			return err_wrap(err, "patches[%zu]", i);
		kz_resmap_compact(&acc->rm);
		kz_mark_transformed(acc, t, "PatchTransformer");
	}
	return 0;
}

/* ---- legacy fields ------------------------------------------------------ */

/* An entry of patchesStrategicMerge is a patch when it parses as one,
 * else the path of a file holding patches. */
static int
smp_entry_patches(struct kz_vec *out, struct kz_target *t, const char *entry,
    struct err *err)
{
	struct kz_vec got = { 0 };
	char *text;
	size_t len;

	if (kz_parse_resources(&got, t->b, entry, strlen(entry), "inline patch",
	        err) == -1 ||
	    got.n == 0) {
		err_reset(err);
		got.n = 0;
		if (kz_load_file(&text, &len, t, entry, err) == -1 ||
		    kz_parse_resources(&got, t->b, text, len, entry, err) == -1)
			return -1;
	}
	for (size_t i = 0; i < got.n; i++)
		kz_vec_push(t->b->a, out, got.v[i]);
	return 0;
}

static int
apply_smp_list(struct kz_acc *acc, struct kz_target *t,
    const struct kz_vec *patches, struct err *err)
{
	for (size_t i = 0; i < patches->n; i++) {
		struct kz_res *pr = patches->v[i], *r;
		struct kz_vec one = { 0 };

		if (find_by_id(&r, acc, pr, err) == -1)
			return -1;
		kz_vec_push(acc->arena, &one, r);
		if (smp_targets(acc, t->b, &one, pr, err) == -1)
			return -1;
	}
	return 0;
}

int
kz_patches_smp_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "patchesStrategicMerge");
	struct kz_vec patches = { 0 };

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		const char *entry = kz_scalar(seq->u.seq.items[i]);

		if (entry != NULL &&
		    smp_entry_patches(&patches, t, entry, err) == -1)
			return err_wrap(err, "patchesStrategicMerge");
	}
	if (apply_smp_list(acc, t, &patches, err) == -1)
		return err_wrap(err, "patchesStrategicMerge");
	if (patches.n > 0)
		kz_mark_transformed(acc, t, "PatchStrategicMergeTransformer");
	return 0;
}

/* One entry of patchesJson6902 (or a PatchJson6902Transformer's
 * configuration, whose inline patch is "jsonOp"). */
int
kz_patch_json6902_entry(struct kz_acc *acc, struct kz_target *t,
    const struct doc_node *e, const char *inline_key, struct err *err)
{
	const struct doc_node *ops;
	struct patch_src p;

	if (kz_get_str(doc_map_get(e, "target"), "name") == NULL)
		return err_set(err, ERR_INVALID,
		    "must specify the target name");
	if (patch_text(&p, t, e, inline_key, err) == -1 ||
	    json_ops(&ops, t->b, &p, err) == -1)
		return -1;
	return patch_json(acc, e, ops, &p, false, err);
}

int
kz_patches_json_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "patchesJson6902");

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		const struct doc_node *e = seq->u.seq.items[i];

		if (e->kind != DOC_MAP)
			continue;
		if (kz_patch_json6902_entry(acc, t, e, "patch", err) == -1)
			return err_wrap(err, "patchesJson6902[%zu]", i);
		kz_mark_transformed(acc, t, "PatchJson6902Transformer");
	}
	return 0;
}

/* A PatchStrategicMergeTransformer's configuration: "paths" (each a
 * patch or a file of patches) and "patches" (inline). */
int
kz_patch_smp_config(struct kz_acc *acc, struct kz_target *t,
    const struct doc_node *c, struct err *err)
{
	const struct doc_node *paths = doc_map_get(c, "paths");
	const char *inline_patches = kz_get_str(c, "patches");
	struct kz_vec patches = { 0 };

	for (size_t i = 0;
	     paths != NULL && paths->kind == DOC_SEQ && i < paths->u.seq.n;
	     i++) {
		const char *entry = kz_scalar(paths->u.seq.items[i]);

		if (entry != NULL &&
		    smp_entry_patches(&patches, t, entry, err) == -1)
			return -1;
	}
	if (inline_patches != NULL &&
	    kz_parse_resources(&patches, t->b, inline_patches,
	        strlen(inline_patches), "inline patches", err) == -1)
		return -1;
	if (patches.n == 0)
		return err_set(err, ERR_INVALID, "patch appears to be empty");
	return apply_smp_list(acc, t, &patches, err);
}
