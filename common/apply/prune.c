/*
 * apply_prune(): deletes the objects that left the set, in reverse apply
 * order, honouring the annotations and owner labels that protect an
 * object from it, as Flux's ssa DeleteAll does.
 */
#include "apply/apply.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apply/apply_int.h"
#include "apply/inventory.h"
#include "core/mem.h"

struct victim {
	struct inventory_ref ref;
	int stage, rank;
	size_t index;
};

/* Reverse apply order: later stages and later kinds first. */
static int
victim_cmp(const void *a, const void *b)
{
	const struct victim *x = a, *y = b;

	if (x->stage != y->stage)
		return x->stage > y->stage ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank > y->rank ? -1 : 1;
	return x->index < y->index ? -1 : x->index > y->index;
}

static bool
is_value(const char *v, const char *want)
{
	return v != NULL && strcasecmp(v, want) == 0;
}

/* Whether live must be kept: excluded by annotation, or owned by
 * another object than ours. */
static bool
keep(const struct doc_node *live, const struct apply_opts *opts,
    const char *group)
{
	const char *name, *ns;

	if (is_value(apply_annotation(live, group, APPLY_ANN_PRUNE),
	        "disabled") ||
	    is_value(apply_annotation(live, group, APPLY_ANN_RECONCILE),
	        "disabled") ||
	    is_value(apply_annotation(live, group, APPLY_ANN_SSA), "Ignore"))
		return true;
	if (opts->owner_name == NULL)
		return false;
	name = apply_label(live, group, "/name");
	ns = apply_label(live, group, "/namespace");
	return name == NULL || ns == NULL ||
	    strcmp(name, opts->owner_name) != 0 ||
	    strcmp(ns,
	        opts->owner_namespace != NULL ? opts->owner_namespace : "") !=
	    0;
}

/* Deletes one object; its outcome goes into r (failures too). */
static int
prune_one(struct apply_result *r, struct k8s *k, const struct victim *v,
    const struct apply_opts *opts, const char *group, struct err *err)
{
	const struct inventory_ref *ir = &v->ref;
	struct k8s_ref ref = { ir->api_version, ir->kind, ir->namespace,
		ir->name };
	struct k8s_delete_opts del = { K8S_PROPAGATION_BACKGROUND, NULL, NULL,
		false };
	enum apply_action act = APPLY_DELETED;
	struct apply_entry *e;
	struct doc *live = NULL;

	if (k8s_get(&live, k, &ref, err) == 0) {
		if (keep(doc_root(live, 0), opts, group))
			act = APPLY_SKIPPED;
		else if (k8s_delete(k, &ref, &del, err) == -1 &&
		    err->code != ERR_NOTFOUND)
			act = APPLY_FAILED;
	} else if (err->code != ERR_NOTFOUND) {
		act = APPLY_FAILED; /* gone already counts as deleted */
	}
	doc_free(live);
	e = apply_result_add(r, ir->api_version, ir->kind, ir->namespace,
	    ir->name, act);
	if (act != APPLY_FAILED) {
		err_reset(err);
		return 0;
	}
	err_wrap(err, "%s delete failed", e->subject);
	e->error = xstrdup(err->msg);
	return -1;
}

int
apply_prune(struct apply_result **out, struct k8s *k,
    const struct inventory *stale, const struct apply_opts *opts,
    struct err *err)
{
	const char *group = opts->owner_group != NULL ? opts->owner_group
	                                              : APPLY_DEFAULT_GROUP;
	struct victim *v = xcalloc(stale->n ? stale->n : 1, sizeof(*v));
	struct apply_result *r = NULL;
	struct err first = ERR_INIT;
	size_t n = 0;
	int rv = -1;

	for (; n < stale->n; n++) {
		if (inventory_ref_parse(&v[n].ref, &stale->entries[n], err) ==
		    -1)
			goto out;
		v[n].stage = apply_stage(v[n].ref.api_version, v[n].ref.kind);
		v[n].rank = apply_kind_rank(v[n].ref.kind);
		v[n].index = n;
	}
	qsort(v, n, sizeof(*v), victim_cmp);
	r = xcalloc(1, sizeof(*r));
	for (size_t i = 0; i < n; i++) {
		if (prune_one(r, k, &v[i], opts, group, err) == -1 &&
		    first.code == ERR_OK)
			first = *err;
		err_reset(err);
	}
	*out = r;
	rv = 0;
	if (first.code != ERR_OK) {
		*err = first;
		err_reason(err, "PruneFailed");
		rv = -1;
	}
out:
	for (size_t i = 0; i < n; i++)
		inventory_ref_release(&v[i].ref);
	free(v);
	return rv;
}
