/*
 * The "generators" and "transformers" fields: configurations of
 * kustomize's builtin plugins ("apiVersion: builtin"), given inline or as
 * files and kustomizations whose output they are. Each is run by the same
 * code as the kustomization field it mirrors. flint runs no other
 * plugins, as kustomize when plugins are disabled (kubectl's default).
 */
#include "kustomize/kz_int.h"

#include <string.h>

/* kustomize reads inline configurations first, then the listed paths,
 * whatever their order. */
static int
load_configs(struct kz_acc *cfg, struct kz_target *t, const char *field,
    struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, field);
	struct kz_build *b = t->b;
	struct kz_vec paths = { 0 };
	struct kz_resmap inl = { 0 };

	kz_acc_init(cfg, b->a);
	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		const char *s = kz_scalar(seq->u.seq.items[i]);
		struct kz_vec got = { 0 };

		if (s == NULL)
			continue;
		if (kz_parse_resources(&got, b, s, strlen(s), "inline plugin",
		        err) == 0 &&
		    got.n > 0) {
			for (size_t j = 0; j < got.n; j++)
				kz_vec_push(b->a, &inl.v, got.v[j]);
			continue;
		}
		err_reset(err);
		kz_vec_push(b->a, &paths, kz_unconst(s));
	}
	if (b->track_origin)
		kz_origin_annotate(t, &inl, t->kname);
	if (kz_resmap_append_all(b->a, &cfg->rm, &inl, err) == -1)
		return -1;
	for (size_t i = 0; i < paths.n; i++)
		if (kz_accumulate_path(cfg, t, paths.v[i], err) == -1)
			return err_wrap(err, "'%s'", field);
	return 0;
}

static bool
is_builtin(const struct kz_res *r, const char *kind)
{
	return strcmp(kz_res_api(r), "builtin") == 0 &&
	    strcmp(kz_res_kind(r), kind) == 0;
}

static int
fieldspecs(struct kz_fsv *out, struct arena *a, const struct kz_res *c,
    struct err *err)
{
	memset(out, 0, sizeof(*out));
	return kz_fsv_parse(out, a, doc_map_get(c->obj, "fieldSpecs"), err);
}

static int
run_prefix_suffix(struct kz_acc *acc, const struct kz_res *c, bool prefix,
    bool suffix, struct err *err)
{
	const char *p = kz_get_str(c->obj, "prefix");
	const char *s = kz_get_str(c->obj, "suffix");
	struct kz_fsv fss;

	if (fieldspecs(&fss, acc->arena, c, err) == -1)
		return -1;
	if ((prefix && doc_map_get(c->obj, "fieldSpecs") == NULL) ||
	    (suffix && doc_map_get(c->obj, "fieldSpecs") == NULL))
		return err_set(err, ERR_INVALID,
		    "fieldSpecs is not expected to be nil");
	if (prefix && p != NULL && p[0] != '\0' &&
	    kz_prefix_suffix_apply(acc, p, "", &fss, err) == -1)
		return -1;
	if (suffix && s != NULL && s[0] != '\0' &&
	    kz_prefix_suffix_apply(acc, "", s, &fss, err) == -1)
		return -1;
	return 0;
}

static int
run_map(struct kz_acc *acc, const struct kz_res *c, const char *field,
    struct err *err)
{
	struct kz_fsv fss;

	if (fieldspecs(&fss, acc->arena, c, err) == -1)
		return -1;
	return kz_map_apply(acc, doc_map_get(c->obj, field), &fss, err);
}

static int
run_namespace(struct kz_acc *acc, const struct kz_res *c, struct err *err)
{
	struct kz_fsv fss;

	const char *mode = kz_get_str(c->obj, "setRoleBindingSubjects");
	struct kz_ns_opts o = { kz_res_ns(c), kz_get_bool(c->obj, "unsetOnly"),
		KZ_NS_SUBJECTS_DEFAULT };

	if (mode != NULL && strcmp(mode, "allServiceAccounts") == 0)
		o.subjects = KZ_NS_SUBJECTS_ALL_SA;
	else if (mode != NULL && strcmp(mode, "none") == 0)
		o.subjects = KZ_NS_SUBJECTS_NONE;
	else if (mode != NULL && mode[0] != '\0' &&
	    strcmp(mode, "defaultOnly") != 0)
		return err_set(err, ERR_INVALID,
		    "invalid value \"%s\" for setRoleBindingSubjects: must be "
		    "one of \"defaultOnly\", \"none\" or "
		    "\"allServiceAccounts\"",
		    mode);
	if (fieldspecs(&fss, acc->arena, c, err) == -1)
		return -1;
	return kz_namespace_apply(acc, &o, &fss, err);
}

static int
run_image(struct kz_acc *acc, const struct kz_res *c, struct err *err)
{
	const struct doc_node *it = doc_map_get(c->obj, "imageTag");
	struct kz_fsv fss;

	if (fieldspecs(&fss, acc->arena, c, err) == -1)
		return -1;
	if (it == NULL || it->kind != DOC_MAP)
		return 0;
	return kz_image_apply(acc, it, &fss, err);
}

static int
run_replicas(struct kz_acc *acc, const struct kz_res *c, struct err *err)
{
	const struct doc_node *rep = doc_map_get(c->obj, "replica");
	struct kz_fsv fss;

	if (fieldspecs(&fss, acc->arena, c, err) == -1)
		return -1;
	if (rep == NULL || rep->kind != DOC_MAP)
		return 0;
	return kz_replica_apply(acc, rep, &fss, err);
}

/* One builtin transformer, configured by c. */
static int
transform(struct kz_acc *acc, struct kz_target *t, const struct kz_res *c,
    struct err *err)
{
	if (is_builtin(c, "PatchTransformer"))
		return kz_patch_entry(acc, t, c->obj, err);
	if (is_builtin(c, "PatchJson6902Transformer"))
		return kz_patch_json6902_entry(acc, t, c->obj, "jsonOp", err);
	if (is_builtin(c, "PatchStrategicMergeTransformer"))
		return kz_patch_smp_config(acc, t, c->obj, err);
	if (is_builtin(c, "LabelTransformer"))
		return run_map(acc, c, "labels", err);
	if (is_builtin(c, "AnnotationsTransformer"))
		return run_map(acc, c, "annotations", err);
	if (is_builtin(c, "NamespaceTransformer"))
		return run_namespace(acc, c, err);
	if (is_builtin(c, "PrefixSuffixTransformer"))
		return run_prefix_suffix(acc, c, true, true, err);
	if (is_builtin(c, "PrefixTransformer"))
		return run_prefix_suffix(acc, c, true, false, err);
	if (is_builtin(c, "SuffixTransformer"))
		return run_prefix_suffix(acc, c, false, true, err);
	if (is_builtin(c, "ImageTagTransformer"))
		return run_image(acc, c, err);
	if (is_builtin(c, "ReplicaCountTransformer"))
		return run_replicas(acc, c, err);
	if (is_builtin(c, "ReplacementTransformer"))
		return kz_replacements_apply(acc, t,
		    doc_map_get(c->obj, "replacements"), err);
	return err_set(err, ERR_UNSUPPORTED,
	    "plugin '%s' of kind '%s': only builtin plugins are supported",
	    kz_res_name(c), kz_res_kind(c));
}

int
kz_plugins_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	struct kz_acc cfg;

	if (load_configs(&cfg, t, "transformers", err) == -1)
		return -1;
	for (size_t i = 0; i < cfg.rm.v.n; i++) {
		struct kz_origin o;

		if (transform(acc, t, cfg.rm.v.v[i], err) == -1)
			return err_wrap(err, "transformer '%s'",
			    kz_res_name(cfg.rm.v.v[i]));
		kz_resmap_compact(&acc->rm);
		if (kz_origin_plugin(&o, acc->arena, cfg.rm.v.v[i]))
			kz_origin_transformed(acc, t, &o);
	}
	return 0;
}

/* ---- generators ------------------------------------------------------- */

static const char *
field_str(const struct doc_node *m, const char *a, const char *b)
{
	const char *s = kz_get_str(doc_map_get(m, a), b);

	return s != NULL ? s : "";
}

/* IAMPolicyGenerator (GKE): a ServiceAccount bound to a Google one. */
static int
iam_policy(struct kz_res **out, struct arena *a, const struct kz_res *c,
    struct err *err)
{
	const char *cloud = kz_get_str(c->obj, "cloud");
	const char *ns = field_str(c->obj, "kubernetesService", "namespace");
	const char *name = field_str(c->obj, "kubernetesService", "name");
	const char *gsa = arena_printf(a, "%s@%s.iam.gserviceaccount.com",
	    field_str(c->obj, "serviceAccount", "name"),
	    field_str(c->obj, "serviceAccount", "projectId"));
	struct doc_node *obj = doc_new_map(a), *meta = doc_new_map(a);
	struct doc_node *an = doc_new_map(a);

	if (cloud == NULL || strcmp(cloud, "gke") != 0)
		return err_set(err, ERR_UNSUPPORTED,
		    "cloud provider %s not supported yet",
		    cloud != NULL ? cloud : "");
	doc_map_set(a, obj, "apiVersion", 10, doc_new_str(a, "v1", 2));
	doc_map_set(a, obj, "kind", 4, doc_new_str(a, "ServiceAccount", 14));
	doc_map_set(a, obj, "metadata", 8, meta);
	doc_map_set(a, meta, "annotations", 11, an);
	doc_map_set(a, an, "iam.gke.io/gcp-service-account", 30,
	    doc_new_str(a, gsa, strlen(gsa)));
	doc_map_set(a, meta, "name", 4, doc_new_plain(a, name, strlen(name)));
	if (ns[0] != '\0')
		doc_map_set(a, meta, "namespace", 9,
		    doc_new_plain(a, ns, strlen(ns)));
	*out = kz_res_new(a, obj);
	return 0;
}

static int
generate(struct kz_res **out, struct kz_target *t, const struct kz_res *c,
    struct err *err)
{
	if (is_builtin(c, "ConfigMapGenerator"))
		return kz_generate(out, t, c->obj, false, true, err);
	if (is_builtin(c, "SecretGenerator"))
		return kz_generate(out, t, c->obj, true, true, err);
	if (is_builtin(c, "IAMPolicyGenerator"))
		return iam_policy(out, t->b->a, c, err);
	return err_set(err, ERR_UNSUPPORTED,
	    "plugin '%s' of kind '%s': only builtin plugins are supported",
	    kz_res_name(c), kz_res_kind(c));
}

int
kz_plugins_generate(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	struct kz_acc cfg;

	if (load_configs(&cfg, t, "generators", err) == -1)
		return -1;
	for (size_t i = 0; i < cfg.rm.v.n; i++) {
		struct kz_res *r;

		struct kz_origin o;

		if (generate(&r, t, cfg.rm.v.v[i], err) == -1)
			return err_wrap(err, "generator '%s'",
			    kz_res_name(cfg.rm.v.v[i]));
		if (kz_origin_plugin(&o, t->b->a, cfg.rm.v.v[i]))
			kz_origin_generated(t, r, &o);
		if (kz_resmap_absorb(t->b->a, &acc->rm, r, err) == -1)
			return err_wrap(err, "generator '%s'",
			    kz_res_name(cfg.rm.v.v[i]));
	}
	return 0;
}

/* kustomize's validators are plugins only; no builtin one exists. */
int
kz_validators_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *v = doc_map_get(t->k, "validators");

	(void)acc;
	if (v == NULL || v->kind != DOC_SEQ || v->u.seq.n == 0)
		return 0;
	return err_set(err, ERR_UNSUPPORTED,
	    "validators: only builtin plugins are supported, and kustomize "
	    "has no builtin validator");
}
