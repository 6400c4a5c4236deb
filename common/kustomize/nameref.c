/*
 * Name references: after prefixes, suffixes, namespaces and hashes have
 * renamed objects, every field that names another object (a ConfigMap in
 * a volume, a ServiceAccount in a binding's subjects, ...) is pointed at
 * the new name. Candidates are sieved exactly as kustomize's nameref
 * filter does (previous name, kind, roleRef kind, namespace, prefix and
 * suffix context); an index of previous names keeps it linear.
 */
#include "kustomize/kz_int.h"

#include <string.h>

struct item {
	struct kz_res *r;
	struct kz_id cur;
	struct kz_id *prev; /* previous IDs, oldest first */
	size_t nprev;
	const char *effns;
};

struct nr {
	struct arena *a;
	struct item *items;
	size_t n;
	struct kz_strmap by_prev_name; /* name -> struct kz_vec of items */
};

/* One field spec applied to one referrer. */
struct ref {
	struct nr *nr;
	struct item *referrer;
	const struct kz_gvk *target;
	const struct kz_fs *fs;
	bool roleref; /* the field is a roleRef/name */
	struct kz_gvk roleref_gvk;
	struct kz_vec rb_ns; /* namespaces of a RoleBinding's SA subjects */
};

/* ---- the index ------------------------------------------------------- */

static void
index_items(struct nr *nr, const struct kz_resmap *m)
{
	struct arena *a = nr->a;

	nr->n = m->v.n;
	nr->items = arena_calloc(a, nr->n > 0 ? nr->n : 1, sizeof(*nr->items));
	for (size_t i = 0; i < nr->n; i++) {
		struct item *it = &nr->items[i];

		it->r = m->v.v[i];
		kz_res_curid(&it->cur, a, it->r);
		it->effns = kz_id_effns(&it->cur);
		it->nprev = it->r->nprev;
		it->prev = arena_calloc(a, it->nprev > 0 ? it->nprev : 1,
		    sizeof(*it->prev));
		for (size_t j = 0; j < it->nprev; j++) {
			struct kz_vec *v;
			bool dup = false;

			kz_res_previd(&it->prev[j], a, it->r, j);
			for (size_t k = 0; k < j && !dup; k++)
				dup = strcmp(it->prev[k].name,
				          it->prev[j].name) == 0;
			if (dup)
				continue;
			v = kz_strmap_get(&nr->by_prev_name, it->prev[j].name);
			if (v == NULL) {
				v = arena_calloc(a, 1, sizeof(*v));
				kz_strmap_put(&nr->by_prev_name,
				    it->prev[j].name, v);
			}
			kz_vec_push(a, v, it);
		}
	}
}

/* ---- candidates -------------------------------------------------------- */

/* kustomize's SubsetThatCouldBeReferencedByResource, for one target. */
static bool
could_refer(const struct ref *f, const struct item *t)
{
	const struct item *r = f->referrer;

	if (r->cur.cluster || t->cur.cluster || strcmp(r->effns, t->effns) == 0)
		return true;
	for (size_t i = 0; i < f->rb_ns.n; i++)
		if (strcmp(f->rb_ns.v[i], t->cur.ns) == 0)
			return true;
	return false;
}

static bool
prev_selected(const struct item *t, const struct kz_gvk *gvk)
{
	for (size_t i = 0; i < t->nprev; i++)
		if (kz_gvk_selected(&t->prev[i].gvk, gvk))
			return true;
	return false;
}

static bool
prev_named(const struct item *t, const char *name)
{
	for (size_t i = 0; i < t->nprev; i++)
		if (strcmp(t->prev[i].name, name) == 0)
			return true;
	return false;
}

static bool
same_ending(const struct kz_vec *x, const struct kz_vec *y)
{
	const struct kz_vec *s = x->n <= y->n ? x : y;
	const struct kz_vec *l = x->n <= y->n ? y : x;
	size_t diff = l->n - s->n;

	if (s->n == 0)
		return diff == 0;
	for (size_t i = s->n; i-- > 0;)
		if (strcmp(l->v[i + diff], s->v[i]) != 0)
			return false;
	return true;
}

static bool
affixes_equal(const struct kz_res *r, const struct kz_res *o, bool allow_empty)
{
	bool pe = r->prefixes.n == 0 || o->prefixes.n == 0;
	bool se = r->suffixes.n == 0 || o->suffixes.n == 0;

	if (!allow_empty)
		return same_ending(&r->prefixes, &o->prefixes) &&
		    same_ending(&r->suffixes, &o->suffixes);
	return (pe || same_ending(&r->prefixes, &o->prefixes)) &&
	    (se || same_ending(&r->suffixes, &o->suffixes));
}

/* The first sieves of selectReferral: name, kind, roleRef, namespace. */
static bool
passes(const struct ref *f, const struct item *t, const char *old)
{
	const struct item *r = f->referrer;

	if (!prev_named(t, old) || !prev_selected(t, f->target))
		return false;
	if (f->roleref && !prev_selected(t, &f->roleref_gvk))
		return false;
	if (r->cur.cluster || t->cur.cluster ||
	    strcmp(t->cur.gvk.kind, "ServiceAccount") == 0)
		return true;
	return strcmp(r->effns, t->effns) == 0;
}

static void
sieve_affixes(struct kz_vec *c, const struct kz_res *referrer, bool allow_empty)
{
	size_t j = 0;

	for (size_t i = 0; i < c->n; i++) {
		const struct item *t = c->v[i];

		if (affixes_equal(t->r, referrer, allow_empty))
			c->v[j++] = c->v[i];
	}
	c->n = j;
}

static bool
all_same(const struct kz_vec *c, bool with_ns)
{
	const struct item *first = c->v[0];

	for (size_t i = 1; i < c->n; i++) {
		const struct item *t = c->v[i];

		if (strcmp(t->cur.name, first->cur.name) != 0)
			return false;
		if (with_ns && strcmp(t->cur.ns, first->cur.ns) != 0)
			return false;
	}
	return true;
}

static int
too_many(const struct ref *f, const struct kz_vec *c, struct err *err)
{
	struct arena *a = f->nr->a;
	char *ids = "";

	for (size_t i = 0; i < c->n; i++) {
		const struct item *t = c->v[i];

		ids = arena_printf(a, "%s%s%s", ids, i > 0 ? ", " : "",
		    kz_id_string(a, &t->cur));
	}
	return err_set(err, ERR_INVALID,
	    "found multiple possible referrals: %s", ids);
}

/* kustomize's selectReferral over the given candidates. */
static int
select_referral(struct item **out, const struct ref *f, const struct kz_vec *in,
    const char *old, bool with_ns, struct err *err)
{
	struct kz_vec c = { 0 };

	*out = NULL;
	for (size_t i = 0; i < in->n; i++)
		if (passes(f, in->v[i], old))
			kz_vec_push(f->nr->a, &c, in->v[i]);
	if (c.n != 1) {
		sieve_affixes(&c, f->referrer->r, true);
		if (c.n > 1)
			sieve_affixes(&c, f->referrer->r, false);
	}
	if (c.n == 0)
		return 0;
	if (c.n > 1 && !all_same(&c, with_ns))
		return too_many(f, &c, err);
	*out = c.v[0];
	return 0;
}

/* The candidates for a name: indexed by previous name, then narrowed to
 * what the referrer could refer to, in resource order. */
static void
candidates_named(struct kz_vec *out, const struct ref *f, const char *name)
{
	const struct kz_vec *v = kz_strmap_get(&f->nr->by_prev_name, name);

	for (size_t i = 0; v != NULL && i < v->n; i++)
		if (could_refer(f, v->v[i]))
			kz_vec_push(f->nr->a, out, v->v[i]);
}

/* ---- rewriting ---------------------------------------------------------- */

static int
set_scalar(struct ref *f, struct doc_node **slot, struct err *err)
{
	const char *old = doc_str(*slot);
	struct kz_vec c = { 0 };
	struct item *t;
	struct doc_node *n;

	candidates_named(&c, f, old);
	if (select_referral(&t, f, &c, old, false, err) == -1)
		return -1;
	if (t == NULL || strcmp(t->cur.name, old) == 0)
		return 0;
	n = (*slot)->style == DOC_STYLE_PLAIN || (*slot)->style == DOC_STYLE_ANY
	    ? doc_new_plain(f->nr->a, t->cur.name, strlen(t->cur.name))
	    : doc_new_str(f->nr->a, t->cur.name, strlen(t->cur.name));
	n->style = (*slot)->style;
	*slot = n;
	return 0;
}

/* kustomize's filterMapCandidatesByNamespace: by original namespace when
 * any candidate had it, else by current namespace. */
static void
candidates_in_ns(struct kz_vec *out, const struct ref *f, const char *ns)
{
	bool by_org = false;

	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < f->nr->n; i++) {
			const struct item *t = &f->nr->items[i];
			struct kz_id org = t->nprev > 0 ? t->prev[0] : t->cur;
			const char *effns = pass == 0 || by_org
			    ? kz_id_effns(&org)
			    : t->effns;

			if (!could_refer(f, t) ||
			    strcmp(effns, "_non_namespaceable_") == 0 ||
			    strcmp(effns, ns) != 0)
				continue;
			if (pass == 0) {
				by_org = true;
				break;
			}
			kz_vec_push(f->nr->a, out, kz_unconst(t));
		}
	}
}

static int
set_mapping(struct ref *f, struct doc_node *map, struct err *err)
{
	struct arena *a = f->nr->a;
	const struct doc_node *name = doc_map_get(map, "name");
	const struct doc_node *nsn = doc_map_get(map, "namespace");
	const char *old;
	struct kz_vec c = { 0 };
	struct item *t;

	if (name == NULL)
		return err_set(err, ERR_INVALID,
		    "path config error; no 'name' field in node");
	old = doc_str(name) != NULL ? doc_str(name) : "";
	if (nsn != NULL)
		candidates_in_ns(&c, f,
		    doc_str(nsn) != NULL ? doc_str(nsn) : "");
	else
		candidates_named(&c, f, old);
	if (select_referral(&t, f, &c, old, true, err) == -1)
		return -1;
	if (t == NULL ||
	    (strcmp(t->cur.name, old) == 0 && t->cur.ns[0] == '\0'))
		return 0;
	doc_map_set(a, map, "name", 4,
	    doc_new_plain(a, t->cur.name, strlen(t->cur.name)));
	if (t->cur.ns[0] != '\0')
		doc_map_set(a, map, "namespace", 9,
		    doc_new_plain(a, t->cur.ns, strlen(t->cur.ns)));
	return 0;
}

static int
set_one(struct ref *f, struct doc_node **slot, struct err *err)
{
	struct doc_node *n = *slot;

	if (n->kind == DOC_MAP)
		return set_mapping(f, n, err);
	if (doc_is_scalar(n))
		return n->kind == DOC_NULL ? 0 : set_scalar(f, slot, err);
	return err_set(err, ERR_INVALID,
	    "line %u: a name reference must be a string or a map", n->line);
}

static int
set_ref(void *arg, struct arena *a, struct doc_node **slot, struct err *err)
{
	struct ref *f = arg;
	struct doc_node *n = *slot;

	(void)a;
	if (n == NULL || n->kind == DOC_NULL)
		return 0;
	if (n->kind != DOC_SEQ)
		return set_one(f, slot, err);
	for (size_t i = 0; i < n->u.seq.n; i++)
		if (n->u.seq.items[i]->kind != DOC_NULL &&
		    set_one(f, &n->u.seq.items[i], err) == -1)
			return -1;
	return 0;
}

/* ---- per referrer ------------------------------------------------------ */

static int
rolebinding_namespaces(struct ref *f, struct err *err)
{
	const struct doc_node *subjects;

	if (strcmp(f->referrer->cur.gvk.kind, "RoleBinding") != 0)
		return 0;
	subjects = doc_map_get(f->referrer->r->obj, "subjects");
	for (size_t i = 0; subjects != NULL && subjects->kind == DOC_SEQ &&
	     i < subjects->u.seq.n;
	     i++) {
		const struct doc_node *s = subjects->u.seq.items[i];
		const struct doc_node *ns = doc_map_get(s, "namespace");
		const char *kind = kz_get_str(s, "kind");

		if (ns == NULL || kind == NULL ||
		    strcmp(kind, "ServiceAccount") != 0)
			continue;
		if (ns->kind != DOC_STR)
			return err_set(err, ERR_INVALID,
			    "Invalid Input: namespace is blank for resource "
			    "'%s'",
			    kz_id_string(f->nr->a, &f->referrer->cur));
		kz_vec_push(f->nr->a, &f->rb_ns, kz_unconst(doc_str(ns)));
	}
	return 0;
}

static void
roleref_gvk(struct ref *f)
{
	const struct doc_node *rr = doc_map_get(f->referrer->r->obj, "roleRef");
	const char *group = kz_get_str(rr, "apiGroup");
	const char *kind = kz_get_str(rr, "kind");
	size_t n = strlen(f->fs->path);

	f->roleref = n >= 12 &&
	    strcmp(f->fs->path + n - 12, "roleRef/name") == 0 &&
	    group != NULL && kind != NULL;
	f->roleref_gvk.group = group != NULL ? group : "";
	f->roleref_gvk.version = "";
	f->roleref_gvk.kind = kind != NULL ? kind : "";
}

static int
apply_ref(struct nr *nr, struct item *it, const struct kz_nbr *b,
    const struct kz_fs *fs, struct err *err)
{
	struct ref f;
	struct kz_fs own = *fs;

	memset(&f, 0, sizeof(f));
	f.nr = nr;
	f.referrer = it;
	f.target = &b->gvk;
	f.fs = fs;
	roleref_gvk(&f);
	if (rolebinding_namespaces(&f, err) == -1)
		return -1;
	/* kustomize matches the spec against the referrer's own GVK */
	own.gvk.group = "";
	own.gvk.version = "";
	own.gvk.kind = "";
	if (kz_fs_apply(nr->a, it->r->obj, &own, KZ_CREATE_NONE, set_ref, &f,
	        err) == -1)
		return err_wrap(err,
		    "updating name reference in '%s' field of "
		    "'%s'",
		    fs->path, kz_id_string(nr->a, &it->cur));
	return 0;
}

int
kz_nameref_fix(struct kz_acc *acc, struct err *err)
{
	const struct kz_tconfig *tc = acc->tc;
	struct nr nr;
	int rv = 0;

	memset(&nr, 0, sizeof(nr));
	nr.a = acc->arena;
	index_items(&nr, &acc->rm);
	for (size_t i = 0; i < nr.n && rv == 0; i++) {
		struct item *it = &nr.items[i];
		struct kz_id org = it->nprev > 0 ? it->prev[0] : it->cur;

		for (size_t j = 0; j < tc->nnbr && rv == 0; j++) {
			const struct kz_nbr *b = &tc->nbr[j];

			for (size_t k = 0; k < b->refs.n && rv == 0; k++)
				if (kz_gvk_selected(&org.gvk,
				        &b->refs.v[k].gvk))
					rv = apply_ref(&nr, it, b,
					    &b->refs.v[k], err);
		}
	}
	kz_strmap_release(&nr.by_prev_name);
	return rv;
}
