/*
 * One kustomization's accumulation, in kustomize's order: resources
 * (files and nested kustomizations), configurations and CRDs, generators,
 * components (which act on this accumulator in place), transformers, and
 * vars.
 */
#include "kustomize/kz_int.h"

#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "core/str.h"

static bool
is_remote(const char *path)
{
	return strstr(path, "://") != NULL ||
	    str_has_prefix(path, "github.com/") ||
	    str_has_prefix(path, "git@") ||
	    str_has_prefix(path, "gitlab.com/") ||
	    str_has_prefix(path, "bitbucket.org/");
}

static void
acc_init(struct kz_acc *acc, struct arena *a)
{
	memset(acc, 0, sizeof(*acc));
	acc->arena = a;
	acc->tc = kz_tconfig_empty(a);
}

/* kustomize's MergeAccumulator: other's objects appended, its
 * configuration and vars merged. */
static int
acc_merge(struct kz_acc *acc, struct arena *a, const struct kz_acc *other,
    struct err *err)
{
	if (kz_resmap_append_all(a, &acc->rm, &other->rm, err) == -1 ||
	    kz_tconfig_merge(&acc->tc, a, acc->tc, other->tc, err) == -1)
		return -1;
	for (size_t i = 0; i < other->vars.n; i++) {
		const struct kz_var *v = other->vars.v[i];
		bool dup = false;

		for (size_t j = 0; j < acc->vars.n && !dup; j++)
			dup = strcmp(((struct kz_var *)acc->vars.v[j])->name,
			          v->name) == 0;
		if (dup)
			return err_set(err, ERR_INVALID,
			    "var '%s' already encountered", v->name);
		kz_vec_push(a, &acc->vars, kz_unconst(v));
	}
	return 0;
}

static int
accumulate_file(struct kz_acc *acc, struct kz_target *t, const char *path,
    struct err *err)
{
	const char *full = path[0] == '/'
	    ? path
	    : arena_printf(t->b->a, "%s/%s", t->root, path);
	struct kz_resmap rm = { 0 };
	char *text;
	size_t len;

	if (kz_load_file(&text, &len, t, path, err) == -1 ||
	    kz_parse_resources(&rm.v, t->b, text, len, full, err) == -1)
		return -1;
	if (t->b->track_origin)
		kz_origin_annotate(t, &rm, path);
	if (kz_resmap_append_all(t->b->a, &acc->rm, &rm, err) == -1)
		return err_wrap(err, "merging resources from '%s'", path);
	return 0;
}

/* A nested kustomization (or a component, which works on acc itself). */
static int
accumulate_dir(struct kz_acc *acc, struct kz_target *t, const char *path,
    bool component, struct err *err)
{
	struct kz_build *b = t->b;
	char *dir = path[0] == '/' ? arena_strdup(b->a, path)
	                           : arena_printf(b->a, "%s/%s", t->root, path);
	struct kz_target sub;
	struct kz_acc subacc;
	int rv;

	if (kz_target_load(&sub, b, dir, t, err) == -1)
		return err_wrap(err, "couldn't make target for path '%s'", dir);
	sub.origin_path = kz_origin_join(b->a, t->origin_path, path);
	if (component && !sub.component)
		return err_set(err, ERR_INVALID,
		    "expected kind 'Component' for path '%s' but got "
		    "'Kustomization'",
		    sub.root);
	if (!component && sub.component)
		return err_set(err, ERR_INVALID,
		    "expected kind != 'Component' for path '%s'", sub.root);
	b->depth++;
	if (component) {
		rv = kz_target_accumulate(acc, &sub, err);
	} else {
		acc_init(&subacc, b->a);
		rv = kz_target_accumulate(&subacc, &sub, err);
		if (rv == 0 && acc_merge(acc, b->a, &subacc, err) == -1)
			rv = err_wrap(err, "recursed merging from path '%s'",
			    sub.root);
	}
	b->depth--;
	if (rv == -1)
		return err_wrap(err, "recursed accumulation of path '%s'",
		    sub.root);
	return 0;
}

int
kz_accumulate_path(struct kz_acc *acc, struct kz_target *t, const char *path,
    struct err *err)
{
	const char *full;
	struct stat st;

	if (is_remote(path))
		return err_set(err, ERR_UNSUPPORTED,
		    "remote resource '%s': flint builds local trees only",
		    path);
	full = path[0] == '/' ? path
	                      : arena_printf(t->b->a, "%s/%s", t->root, path);
	if (stat(full, &st) == -1)
		return err_errno(err, errno, "'%s'", full);
	if (S_ISDIR(st.st_mode))
		return accumulate_dir(acc, t, path, false, err);
	return accumulate_file(acc, t, path, err);
}

static int
accumulate_list(struct kz_acc *acc, struct kz_target *t, const char *field,
    struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, field);

	if (seq == NULL || seq->kind != DOC_SEQ)
		return 0;
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		const char *path = kz_scalar(seq->u.seq.items[i]);

		if (path == NULL || path[0] == '\0')
			continue;
		if (kz_accumulate_path(acc, t, path, err) == -1)
			return -1;
	}
	return 0;
}

static int
accumulate_components(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "components");

	if (seq == NULL || seq->kind != DOC_SEQ)
		return 0;
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		const char *path = kz_scalar(seq->u.seq.items[i]);

		if (path == NULL || path[0] == '\0')
			continue;
		if (is_remote(path))
			return err_set(err, ERR_UNSUPPORTED,
			    "remote component '%s': flint builds local trees "
			    "only",
			    path);
		if (accumulate_dir(acc, t, path, true, err) == -1)
			return err_wrap(err, "accumulating components");
	}
	return 0;
}

/* The kustomization's "configurations" files, merged over the defaults. */
static int
merge_configurations(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "configurations");
	struct kz_tconfig *tc = kz_unconst(t->b->defaults);
	struct arena *a = t->b->a;

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		const char *path = kz_scalar(seq->u.seq.items[i]);
		struct kz_vec roots = { 0 };
		struct kz_tconfig *more;
		char *text;
		size_t len;

		if (path == NULL)
			continue;
		if (kz_load_file(&text, &len, t, path, err) == -1 ||
		    kz_parse_docs(&roots, t->b, text, len, path, err) == -1)
			return -1;
		/* kustomize reads the first document only */
		if (roots.n > 0 &&
		    (kz_tconfig_parse(&more, a, roots.v[0], err) == -1 ||
		        kz_tconfig_merge(&tc, a, tc, more, err) == -1))
			return err_wrap(err, "'%s'", path);
	}
	return kz_tconfig_merge(&acc->tc, a, acc->tc, tc, err);
}

int
kz_target_accumulate(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	if (acc->tc == NULL)
		acc->tc = kz_tconfig_empty(t->b->a);
	if (accumulate_list(acc, t, "resources", err) == -1 ||
	    accumulate_list(acc, t, "bases", err) == -1)
		return err_wrap(err, "accumulating resources");
	if (merge_configurations(acc, t, err) == -1 ||
	    kz_crds_merge(acc, t, err) == -1 ||
	    kz_run_generators(acc, t, err) == -1 ||
	    accumulate_components(acc, t, err) == -1 ||
	    kz_run_transformers(acc, t, err) == -1 ||
	    kz_validators_run(acc, t, err) == -1 ||
	    kz_vars_merge(acc, t, err) == -1)
		return -1;
	return 0;
}

void
kz_acc_init(struct kz_acc *acc, struct arena *a)
{
	acc_init(acc, a);
}
