/*
 * apply_set(): server-side apply of a set of objects in stages, with a
 * dry run first to tell created, configured and unchanged apart, as
 * Flux's ssa manager does (its ApplyAllStaged and Apply).
 */
#include "apply/apply.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "apply/apply_int.h"
#include "core/mem.h"
#include "core/str.h"

#define DELETE_POLL_MS  100
#define CRD_POLL_MS     50
#define RESOLVE_POLL_MS 250 /* past discovery's 1 s negative cache */
#define APPLY_WORKERS   4   /* Flux's --concurrent-ssa */

/* One object of the set, ready to apply. */
struct item {
	struct doc_node *obj; /* a copy in the set's arena, labels added */
	const char *api_version, *kind, *name;
	const char *ns; /* "" until the mapping says it is namespaced */
	int stage, rank;
	size_t index;          /* input order, the last tie-breaker */
	enum apply_action act; /* the outcome, written by one worker */
	bool write, take_over; /* what the second phase does */
	int rv;
	struct err err;
};

/* Settings after defaults. */
struct ctx {
	struct k8s *k;
	const struct apply_opts *opts;
	const char *manager, *group;
	int64_t wait_ms;
	unsigned workers;
	bool crds; /* the set holds CRDs: new kinds may map late */
};

int
apply_stage(const char *api_version, const char *kind)
{
	if ((strcmp(kind, "CustomResourceDefinition") == 0 &&
	        str_has_prefix(api_version, "apiextensions.k8s.io/")) ||
	    (strcmp(kind, "Namespace") == 0 &&
	        strcmp(api_version, "v1") == 0) ||
	    (strcmp(kind, "ClusterRole") == 0 &&
	        str_has_prefix(api_version, "rbac.authorization.k8s.io/")))
		return 0;
	if (str_has_suffix(kind, "Class"))
		return 1;
	return 2;
}

static int
item_cmp(const void *a, const void *b)
{
	const struct item *x = a, *y = b;
	int c;

	if (x->stage != y->stage)
		return x->stage < y->stage ? -1 : 1;
	if (x->rank != y->rank)
		return x->rank < y->rank ? -1 : 1;
	if ((c = strcmp(x->kind, y->kind)) != 0 ||
	    (c = strcmp(x->ns, y->ns)) != 0 ||
	    (c = strcmp(x->name, y->name)) != 0)
		return c;
	return x->index < y->index ? -1 : x->index > y->index;
}

/* Sets metadata.labels[key] = value on obj, creating maps on the way. */
static void
label_set(struct arena *a, struct doc_node *obj, const char *group,
    const char *suffix, const char *value)
{
	struct doc_node *meta = doc_map_get(obj, "metadata"), *labels;
	char *key = arena_printf(a, "%s%s", group, suffix);

	labels = doc_map_get(meta, "labels");
	if (labels == NULL || labels->kind != DOC_MAP) {
		labels = doc_new_map(a);
		doc_map_set(a, meta, "labels", 6, labels);
	}
	doc_map_set(a, labels, key, strlen(key),
	    doc_new_str(a, value, strlen(value)));
}

/* Copies root into a as an item; ERR_INVALID when it is no object. */
static int
item_make(struct item *it, struct arena *a, const struct doc_node *root,
    size_t index, const struct ctx *c, struct err *err)
{
	const struct doc_node *meta = doc_map_get(root, "metadata");
	const char *ns;

	memset(it, 0, sizeof(*it));
	it->api_version = doc_str(doc_map_get(root, "apiVersion"));
	it->kind = doc_str(doc_map_get(root, "kind"));
	it->name = doc_str(doc_map_get(meta, "name"));
	if (root->kind != DOC_MAP || meta == NULL || meta->kind != DOC_MAP ||
	    it->api_version == NULL || it->kind == NULL || it->name == NULL ||
	    it->api_version[0] == '\0' || it->kind[0] == '\0' ||
	    it->name[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "object %zu: apiVersion, kind and metadata.name are "
		    "required",
		    index);
	it->obj = doc_copy(a, root);
	ns = doc_str(doc_map_get(meta, "namespace"));
	it->ns = ns != NULL ? ns : "";
	it->stage = apply_stage(it->api_version, it->kind);
	it->rank = apply_kind_rank(it->kind);
	it->index = index;
	if (c->opts->owner_name != NULL) {
		label_set(a, it->obj, c->group, "/name", c->opts->owner_name);
		label_set(a, it->obj, c->group, "/namespace",
		    c->opts->owner_namespace != NULL ? c->opts->owner_namespace
		                                     : "");
	}
	return 0;
}

/* Gives a namespaced object the client's default namespace, and takes
 * it from a cluster-scoped one, so entries and ids name it rightly. */
static int
item_resolve(struct item *it, struct arena *a, struct k8s *k, struct err *err)
{
	struct k8s_mapping m;
	struct doc_node *meta = doc_map_get(it->obj, "metadata");

	if (k8s_mapping_get(&m, k, it->api_version, it->kind, err) == -1)
		return err_wrap(err, "%s/%s", it->kind, it->name);
	if (!m.namespaced) {
		it->ns = "";
		doc_map_delete(meta, "namespace", 9);
	} else if (it->ns[0] == '\0') {
		it->ns = arena_strdup(a, k8s_namespace(k));
		doc_map_set(a, meta, "namespace", 9,
		    doc_new_str(a, it->ns, strlen(it->ns)));
	}
	return 0;
}

/* Equal but for what the server changes on its own: managedFields,
 * resourceVersion, generation and status. */
static bool
drifted(const struct doc_node *live, const struct doc_node *dry)
{
	static const char *const meta_skip[] = { "managedFields",
		"resourceVersion", "generation" };
	const struct doc_node *lm = doc_map_get(live, "metadata");
	const struct doc_node *dm = doc_map_get(dry, "metadata");

	if (live->kind != DOC_MAP || dry->kind != DOC_MAP || lm == NULL ||
	    dm == NULL || lm->kind != DOC_MAP || dm->kind != DOC_MAP)
		return true;
	for (size_t i = 0; i < dry->u.map.n; i++) {
		const char *key = doc_str(dry->u.map.items[i].key);

		if (strcmp(key, "status") == 0 || strcmp(key, "metadata") == 0)
			continue;
		if (!doc_equal(dry->u.map.items[i].value,
		        doc_map_get(live, key)))
			return true;
	}
	for (size_t i = 0; i < live->u.map.n; i++) {
		const char *key = doc_str(live->u.map.items[i].key);

		if (strcmp(key, "status") != 0 &&
		    strcmp(key, "metadata") != 0 &&
		    doc_map_get(dry, key) == NULL)
			return true;
	}
	for (size_t i = 0; i < dm->u.map.n; i++) {
		const char *key = doc_str(dm->u.map.items[i].key);
		bool skip = false;

		for (size_t j = 0; j < 3; j++)
			skip = skip || strcmp(key, meta_skip[j]) == 0;
		if (!skip &&
		    !doc_equal(dm->u.map.items[i].value, doc_map_get(lm, key)))
			return true;
	}
	return false;
}

static bool
is_value(const char *v, const char *want)
{
	return v != NULL && strcasecmp(v, want) == 0;
}

/* Ignore and reconcile: disabled on the desired or the live object, and
 * IfNotPresent for an object that exists, skip it. */
static bool
skip_apply(const struct ctx *c, const struct doc_node *obj,
    const struct doc_node *live)
{
	const char *ssa = apply_annotation(obj, c->group, APPLY_ANN_SSA);

	if (is_value(ssa, "Ignore") ||
	    is_value(apply_annotation(obj, c->group, APPLY_ANN_RECONCILE),
	        "disabled"))
		return true;
	if (live == NULL)
		return false;
	if (is_value(ssa, "IfNotPresent"))
		return true;
	return is_value(apply_annotation(live, c->group, APPLY_ANN_SSA),
	           "Ignore") ||
	    is_value(apply_annotation(live, c->group, APPLY_ANN_RECONCILE),
	        "disabled");
}

/* Immutable-field errors, as Flux (and kubectl) detect them: the
 * server's Invalid or Conflict answer to the dry run. */
static bool
want_recreate(const struct ctx *c, const struct item *it, const struct err *e)
{
	if (e->code != ERR_INVALID && e->code != ERR_CONFLICT)
		return false;
	return c->opts->force ||
	    is_value(apply_annotation(it->obj, c->group, APPLY_ANN_FORCE),
	        "enabled");
}

/* Deletes the live object and waits until it is gone. */
static int
recreate_delete(const struct ctx *c, const struct item *it, struct err *err)
{
	struct k8s_ref ref = { it->api_version, it->kind, it->ns, it->name };
	struct k8s_delete_opts del = { K8S_PROPAGATION_BACKGROUND, NULL, NULL,
		false };
	int64_t deadline = apply_now_ms() + c->wait_ms;
	struct doc *live = NULL;

	if (k8s_delete(c->k, &ref, &del, err) == -1 &&
	    err->code != ERR_NOTFOUND)
		return -1;
	err_reset(err);
	while (k8s_get(&live, c->k, &ref, err) == 0) {
		doc_free(live);
		live = NULL;
		if (apply_now_ms() > deadline)
			return err_set(err, ERR_TIMEOUT,
			    "still terminating after %lld ms",
			    (long long)c->wait_ms);
		apply_sleep_ms(DELETE_POLL_MS);
	}
	if (err->code != ERR_NOTFOUND)
		return -1;
	err_reset(err);
	return 0;
}

/* Reads the live object into *live (NULL when there is none). */
static int
live_get(struct doc **live, const struct ctx *c, const struct item *it,
    struct err *err)
{
	struct k8s_ref ref = { it->api_version, it->kind, it->ns, it->name };

	*live = NULL;
	if (k8s_get(live, c->k, &ref, err) == 0)
		return 0;
	if (err->code != ERR_NOTFOUND)
		return -1;
	err_reset(err);
	return 0;
}

/* Dry-runs it against live; on an immutable-field error with force,
 * deletes live (and frees it: *live becomes NULL) and runs again. */
static int
dry_run(struct doc **dry, struct doc **live, const struct ctx *c,
    const struct item *it, struct err *err)
{
	struct k8s_write_opts w = { c->manager, true, true, NULL };
	char *subject;

	if (k8s_apply(dry, c->k, it->obj, &w, err) == 0)
		return 0;
	if (*live != NULL && !c->opts->dry_run && want_recreate(c, it, err)) {
		err_reset(err);
		doc_free(*live);
		*live = NULL;
		if (recreate_delete(c, it, err) == 0)
			return k8s_apply(dry, c->k, it->obj, &w, err);
		subject = apply_subject(it->kind, it->ns, it->name);
		err_wrap(err,
		    "%s immutable field detected, failed to delete "
		    "object",
		    subject);
		free(subject);
		return -1;
	}
	subject = apply_subject(it->kind, it->ns, it->name);
	err_wrap(err, "%s dry-run failed (%s)", subject,
	    err->reason != NULL ? err->reason : err_code_name(err->code));
	free(subject);
	return -1;
}

/* Whether live needs Flux's cleanup (kubectl's managers and annotation
 * removed); objects marked ssa: Merge keep them. */
static bool
want_take_over(const struct ctx *c, const struct item *it,
    const struct doc *live)
{
	return live != NULL &&
	    !is_value(apply_annotation(it->obj, c->group, APPLY_ANN_SSA),
	        "Merge") &&
	    apply_cleanup_needed(doc_root(live, 0), c->manager);
}

/*
 * The real apply, then the cleanup on what it returned. Flux cleans up
 * first; after the apply our own managedFields entry is there, so the
 * cleanup never empties the list, which would make the server hand every
 * field to "before-first-apply" and the next run clean up again.
 */
static int
apply_write(const struct ctx *c, const struct item *it, bool take_over,
    struct err *err)
{
	struct k8s_write_opts w = { c->manager, true, false, NULL };
	struct k8s_ref ref = { it->api_version, it->kind, it->ns, it->name };
	struct doc *applied = NULL;
	const char *what = "apply";
	bool patched;
	char *subject;
	int rv;

	rv = k8s_apply(&applied, c->k, it->obj, &w, err);
	if (rv == 0 && take_over) {
		what = "metadata.managedFields cleanup";
		rv = apply_cleanup(&patched, c->k, &ref, doc_root(applied, 0),
		    c->manager, err);
	}
	doc_free(applied);
	if (rv == 0)
		return 0;
	subject = apply_subject(it->kind, it->ns, it->name);
	err_wrap(err, "%s %s failed", subject, what);
	free(subject);
	return -1;
}

/* The first phase for one object: reads it, dry-runs it (recreating it
 * when forced and immutable), and decides what the second phase does. */
static void
plan_one(const struct ctx *c, struct item *it)
{
	struct doc *live = NULL, *dry = NULL;
	struct err *err = &it->err;

	it->rv = -1;
	it->act = APPLY_SKIPPED;
	if (live_get(&live, c, it, err) == -1)
		goto out;
	if (skip_apply(c, it->obj, live != NULL ? doc_root(live, 0) : NULL))
		goto done;
	if (dry_run(&dry, &live, c, it, err) == -1)
		goto out;
	it->take_over = want_take_over(c, it, live);
	it->act = APPLY_UNCHANGED;
	if (live != NULL && !it->take_over &&
	    !drifted(doc_root(live, 0), doc_root(dry, 0)))
		goto done;
	it->act = live == NULL ? APPLY_CREATED : APPLY_CONFIGURED;
	it->write = !c->opts->dry_run;
done:
	it->rv = 0;
out:
	doc_free(dry);
	doc_free(live);
}

/* The second phase for one object: the real apply, when planned. */
static void
write_one(const struct ctx *c, struct item *it)
{
	if (it->write)
		it->rv = apply_write(c, it, it->take_over, &it->err);
}

typedef void item_fn(const struct ctx *c, struct item *it);

/* A stage's objects and the next one a worker takes. */
struct pool {
	const struct ctx *c;
	item_fn *fn;
	struct item *items;
	size_t n, next;
	pthread_mutex_t mu;
};

static void *
pool_run(void *arg)
{
	struct pool *p = arg;

	for (;;) {
		size_t i;

		pthread_mutex_lock(&p->mu);
		i = p->next++;
		pthread_mutex_unlock(&p->mu);
		if (i >= p->n)
			return NULL;
		p->fn(p->c, &p->items[i]);
	}
}

/* Runs fn on one stage's objects, c->workers (at most APPLY_WORKERS) at
 * a time; the caller's thread is one of them. */
static void
stage_run(const struct ctx *c, item_fn *fn, struct item *items, size_t n)
{
	struct pool p = { c, fn, items, n, 0, PTHREAD_MUTEX_INITIALIZER };
	pthread_t th[APPLY_WORKERS];
	size_t nth = 0;

	while (nth + 1 < c->workers && nth + 1 < APPLY_WORKERS && nth + 1 < n &&
	    pthread_create(&th[nth], NULL, pool_run, &p) == 0)
		nth++;
	pool_run(&p);
	for (size_t i = 0; i < nth; i++)
		pthread_join(th[i], NULL);
	pthread_mutex_destroy(&p.mu);
}

static bool
crd_established(const struct doc_node *crd)
{
	const struct doc_node *conds = doc_ptr_find(crd, "/status/conditions");

	if (conds == NULL || conds->kind != DOC_SEQ)
		return false;
	for (size_t i = 0; i < conds->u.seq.n; i++) {
		const struct doc_node *cd = conds->u.seq.items[i];
		const char *type = doc_str(doc_map_get(cd, "type"));
		const char *st = doc_str(doc_map_get(cd, "status"));

		if (type != NULL && strcmp(type, "Established") == 0)
			return st != NULL && strcmp(st, "True") == 0;
	}
	return false;
}

/* Waits until the CRDs among items are Established, so that the next
 * stage's custom resources map. */
static int
crds_wait(const struct ctx *c, const struct item *items, size_t n,
    struct err *err)
{
	int64_t deadline = apply_now_ms() + c->wait_ms;

	for (size_t i = 0; i < n; i++) {
		const struct item *it = &items[i];
		struct k8s_ref ref = { it->api_version, it->kind, "",
			it->name };

		if (strcmp(it->kind, "CustomResourceDefinition") != 0)
			continue;
		for (;;) {
			struct doc *d = NULL;
			bool ok;

			if (k8s_get(&d, c->k, &ref, err) == -1)
				return -1;
			ok = crd_established(doc_root(d, 0));
			doc_free(d);
			if (ok)
				break;
			if (apply_now_ms() > deadline)
				return err_set(err, ERR_TIMEOUT,
				    "CustomResourceDefinition/%s not "
				    "established after %lld ms",
				    it->name, (long long)c->wait_ms);
			apply_sleep_ms(CRD_POLL_MS);
		}
	}
	return 0;
}

static void
ctx_init(struct ctx *c, struct k8s *k, const struct apply_opts *opts)
{
	memset(c, 0, sizeof(*c));
	c->k = k;
	c->opts = opts;
	c->manager = opts->field_manager != NULL ? opts->field_manager
	                                         : APPLY_DEFAULT_MANAGER;
	c->group = opts->owner_group != NULL ? opts->owner_group
	                                     : APPLY_DEFAULT_GROUP;
	c->wait_ms = opts->wait_timeout_ms > 0 ? opts->wait_timeout_ms
	                                       : APPLY_DEFAULT_WAIT_MS;
	c->workers = APPLY_WORKERS;
}

/*
 * Resolves it; when the set brought CRDs, a kind that does not map yet
 * is asked for again until wait_ms: the API server may answer discovery
 * without a new group for a moment after its CRD is Established. A dry
 * run creates no CRD, so it does not wait.
 */
static int
resolve_retry(struct item *it, struct arena *a, const struct ctx *c,
    struct err *err)
{
	int64_t deadline = apply_now_ms() + c->wait_ms;

	while (item_resolve(it, a, c->k, err) == -1) {
		if (!c->crds || c->opts->dry_run || err->code != ERR_NOTFOUND ||
		    apply_now_ms() > deadline)
			return -1;
		err_reset(err);
		apply_sleep_ms(RESOLVE_POLL_MS);
	}
	return 0;
}

/* The first failure among items, in apply order. */
static int
stage_check(const struct item *items, size_t n, struct err *err)
{
	for (size_t i = 0; i < n; i++)
		if (items[i].rv == -1) {
			*err = items[i].err;
			return -1;
		}
	return 0;
}

/*
 * Applies the n objects of one stage as Flux's ApplyAll does: all are
 * dry-run first, so that one invalid object stops the stage before any
 * of it is written; then the changed ones are applied. Namespaces are
 * resolved here, on the thread that owns the arena; entries are added
 * in apply order.
 */
static int
stage_apply(struct apply_result *r, const struct ctx *c, struct item *items,
    size_t n, struct arena *a, struct err *err)
{
	for (size_t i = 0; i < n; i++)
		if (resolve_retry(&items[i], a, c, err) == -1)
			return -1;
	stage_run(c, plan_one, items, n);
	if (stage_check(items, n, err) == -1)
		return -1;
	stage_run(c, write_one, items, n);
	if (stage_check(items, n, err) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		apply_result_add(r, items[i].api_version, items[i].kind,
		    items[i].ns, items[i].name, items[i].act);
	if (n > 0 && items[0].stage == 0 && !c->opts->dry_run)
		return crds_wait(c, items, n, err);
	return 0;
}

/* Applies items[0..n) (sorted) stage by stage. */
static int
apply_items(struct apply_result *r, const struct ctx *c, struct item *items,
    size_t n, struct arena *a, struct err *err)
{
	size_t start = 0;

	for (size_t i = 0; i < n; i++) {
		if (i + 1 < n && items[i + 1].stage == items[i].stage)
			continue;
		if (stage_apply(r, c, items + start, i + 1 - start, a, err) ==
		    -1)
			return -1;
		start = i + 1;
	}
	return 0;
}

int
apply_set(struct apply_result **out, struct k8s *k, const struct doc *objects,
    const struct apply_opts *opts, struct err *err)
{
	struct apply_result *r = xcalloc(1, sizeof(*r));
	size_t n = doc_count(objects), m = 0;
	struct item *items = xcalloc(n ? n : 1, sizeof(*items));
	struct arena *a = arena_new();
	struct ctx c;
	int rv = -1;

	ctx_init(&c, k, opts);
	for (size_t i = 0; i < n; i++) {
		const struct doc_node *root = doc_root(objects, i);

		if (root == NULL || root->kind == DOC_NULL)
			continue; /* an empty document between "---" lines */
		if (item_make(&items[m++], a, root, i, &c, err) == -1)
			goto out;
	}
	for (size_t i = 0; i < m; i++)
		c.crds = c.crds ||
		    strcmp(items[i].kind, "CustomResourceDefinition") == 0;
	qsort(items, m, sizeof(*items), item_cmp);
	if (apply_items(r, &c, items, m, a, err) == -1)
		goto out;
	*out = r;
	r = NULL;
	rv = 0;
out:
	apply_result_free(r);
	free(items);
	arena_free(a);
	return rv;
}
