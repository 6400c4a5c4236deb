/*
 * The order kustomize runs a kustomization's builtin transformers in,
 * with empty objects dropped after each, as kustomize's multi-transformer
 * does; then the plugin configurations listed under "transformers".
 */
#include "kustomize/kz_int.h"

#include <string.h>

static int
run_namespace(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	struct kz_ns_opts o = { kz_get_str(t->k, "namespace"), false,
		KZ_NS_SUBJECTS_DEFAULT };

	if (o.ns == NULL || o.ns[0] == '\0')
		return 0;
	if (kz_namespace_apply(acc, &o, &acc->tc->ns, err) == -1)
		return -1;
	kz_mark_transformed(acc, t, "NamespaceTransformer");
	return 0;
}

static int
run_prefix(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const char *p = kz_get_str(t->k, "namePrefix");

	if (p == NULL || p[0] == '\0')
		return 0;
	if (kz_prefix_suffix_apply(acc, p, "", &acc->tc->prefix, err) == -1)
		return -1;
	kz_mark_transformed(acc, t, "PrefixTransformer");
	return 0;
}

static int
run_suffix(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const char *s = kz_get_str(t->k, "nameSuffix");

	if (s == NULL || s[0] == '\0')
		return 0;
	if (kz_prefix_suffix_apply(acc, "", s, &acc->tc->suffix, err) == -1)
		return -1;
	kz_mark_transformed(acc, t, "SuffixTransformer");
	return 0;
}

typedef int step_fn(struct kz_acc *acc, struct kz_target *t, struct err *err);

int
kz_run_transformers(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	static step_fn *const steps[] = {
		kz_patches_smp_run, /* patchesStrategicMerge */
		kz_patches_run,     /* patches */
		run_namespace, run_prefix, run_suffix, kz_labels_run,
		kz_annotations_run, kz_patches_json_run, /* patchesJson6902 */
		kz_replicas_run, kz_images_run, kz_replacements_run,
		kz_plugins_run, /* the "transformers" field */
	};

	for (size_t i = 0; i < sizeof(steps) / sizeof(steps[0]); i++) {
		if (steps[i](acc, t, err) == -1)
			return err_wrap(err, "'%s'", t->kpath);
		kz_resmap_compact(&acc->rm);
	}
	return 0;
}
