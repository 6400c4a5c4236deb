/*
 * spec.dependsOn: a Kustomization waits until every dependency exists,
 * has observed its latest generation and is Ready, and, when both use
 * the same source, has applied the revision this one is about to apply
 * (Flux's rule). Beyond Flux, a cycle through this object is found by a
 * walk of the informer cache and reported as Stalled, naming the cycle,
 * instead of every member waiting on the next forever.
 */
#include "kc.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "ctrl/status.h"

#define DEPS_MAX_DEPTH 64

struct walk {
	struct kc *kc;
	struct arena *a;
	const char *start_ns;
	const char *start_name;
	const char *path[DEPS_MAX_DEPTH + 1]; /* "ns/name" */
	int depth;
};

static const char *
dep_ns(const struct doc_node *dep, const char *own_ns)
{
	const char *ns = doc_str(doc_map_get(dep, "namespace"));

	return ns != NULL && ns[0] != '\0' ? ns : own_ns;
}

/* The cycle as "a -> b -> a", from the walk's path. */
static int
cycle_error(const struct walk *w, struct err *err)
{
	struct buf b;

	buf_init(&b, 900);
	(void)buf_printf(&b, "'%s/%s'", w->start_ns, w->start_name);
	for (int i = 0; i < w->depth; i++)
		(void)buf_printf(&b, " -> '%s'", w->path[i]);
	err_set(err, ERR_INVALID, "circular dependency detected: %s",
	    b.data != NULL ? b.data : "");
	buf_release(&b);
	return kc_fail(err, CTRL_REASON_DEPENDENCY_NOT_READY);
}

/* Depth-first over dependsOn edges from node; -1 on a cycle back to the
 * start. Objects missing from the cache end the walk there. */
static int
walk_from(struct walk *w, const struct doc_node *node, const char *ns,
    struct err *err)
{
	const struct doc_node *deps = doc_ptr_find(node, "/spec/dependsOn");
	struct informer *inf = ctrl_informer(w->kc->ctrl);

	if (w->depth >= DEPS_MAX_DEPTH)
		return 0;
	for (size_t i = 0;
	     deps != NULL && deps->kind == DOC_SEQ && i < deps->u.seq.n; i++) {
		const struct doc_node *d = deps->u.seq.items[i];
		const char *name = doc_str(doc_map_get(d, "name"));
		const char *dns = dep_ns(d, ns);
		struct err e = ERR_INIT;
		struct doc_node *next = NULL;
		char *key;
		int rv;

		if (name == NULL)
			continue;
		w->path[w->depth] = arena_printf(w->a, "%s/%s", dns, name);
		if (strcmp(dns, w->start_ns) == 0 &&
		    strcmp(name, w->start_name) == 0) {
			w->depth++;
			return cycle_error(w, err);
		}
		key = informer_key(inf, dns, name);
		rv = informer_get(&next, w->a, inf, key, &e);
		free(key);
		if (rv == -1)
			continue;
		w->depth++;
		if (walk_from(w, next, dns, err) == -1)
			return -1;
		w->depth--;
	}
	return 0;
}

static bool
dep_ready(const struct doc_node *dep, const struct kc_spec *spec,
    const char *revision)
{
	const struct doc_node *st = doc_map_get(dep, "status");
	const struct doc_node *ready = status_find_condition(st, "Ready");
	const char *rs = doc_str(doc_map_get(ready, "status"));
	const char *applied = doc_str(doc_map_get(st, "lastAppliedRevision"));
	const char *sk = doc_str(doc_ptr_find(dep, "/spec/sourceRef/kind"));
	const char *sn = doc_str(doc_ptr_find(dep, "/spec/sourceRef/name"));
	const char *sns = doc_str(
	    doc_ptr_find(dep, "/spec/sourceRef/namespace"));
	const char *dns = doc_str(doc_ptr_find(dep, "/metadata/namespace"));
	int64_t gen = -1, observed = -2;
	struct err e = ERR_INIT;

	(void)doc_get_int(&gen, doc_ptr_find(dep, "/metadata/generation"), &e);
	(void)doc_get_int(&observed, doc_map_get(st, "observedGeneration"), &e);
	if (gen != observed || rs == NULL || strcmp(rs, "True") != 0)
		return false;
	if (sns == NULL || sns[0] == '\0')
		sns = dns;
	/* Same source: it must have applied the revision we are about to. */
	if (sk != NULL && sn != NULL && sns != NULL && revision != NULL &&
	    strcmp(sk, spec->source.kind) == 0 &&
	    strcmp(sn, spec->source.name) == 0 &&
	    strcmp(sns, spec->source.namespace) == 0)
		return applied != NULL && strcmp(applied, revision) == 0;
	return true;
}

static int
dep_check(struct k8s *k, const struct object *obj, const struct kc_spec *spec,
    const struct doc_node *d, const char *revision, struct err *err)
{
	const char *name = doc_str(doc_map_get(d, "name"));
	struct k8s_ref ref = { KC_API_VERSION, KC_KIND,
		dep_ns(d, obj->namespace), name };
	struct doc *dep = NULL;
	bool ok;

	if (name == NULL)
		return 0;
	/* Read past the cache, as Flux does: a stale copy would wait an
	 * extra round. */
	if (k8s_get(&dep, k, &ref, err) == -1) {
		err_wrap(err, "dependency '%s/%s' not found", ref.namespace,
		    name);
		return kc_fail(err, CTRL_REASON_DEPENDENCY_NOT_READY);
	}
	ok = dep_ready(doc_root(dep, 0), spec, revision);
	doc_free(dep);
	if (!ok) {
		err_set(err, ERR_NOTFOUND, "dependency '%s/%s' is not ready",
		    ref.namespace, name);
		return kc_fail(err, CTRL_REASON_DEPENDENCY_NOT_READY);
	}
	return 0;
}

int
kc_deps_check(struct kc *kc, struct k8s *k, const struct object *obj,
    const struct kc_spec *spec, const char *revision, struct err *err)
{
	struct walk w;
	int rv = 0;

	if (spec->depends_on == NULL)
		return 0;
	memset(&w, 0, sizeof(w));
	w.kc = kc;
	w.a = arena_new();
	w.start_ns = obj->namespace;
	w.start_name = obj->name;
	if (walk_from(&w, obj->node, obj->namespace, err) == -1)
		rv = -1;
	arena_free(w.a);
	for (size_t i = 0; rv == 0 && i < spec->depends_on->u.seq.n; i++)
		rv = dep_check(k, obj, spec, spec->depends_on->u.seq.items[i],
		    revision, err);
	return rv;
}
