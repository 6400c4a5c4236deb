/*
 * Discovery and REST mapping: which resource serves a kind, and whether
 * it is namespaced. Each group/version is fetched (/api/v1,
 * /apis/<group>/<version>) the first time one of its kinds is used and
 * kept; a kind the cache lacks makes the client ask again, since CRDs
 * come and go while controllers run. Misses are remembered for a second
 * so a typo does not turn into a request storm.
 */
#include "k8s/k8s_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"

#define MISS_TTL_MS 1000

void
k8s_discovery_init(struct k8s_discovery *d)
{
	memset(d, 0, sizeof(*d));
	pthread_mutex_init(&d->mu, NULL);
}

static void
gv_clear(struct k8s_disc_gv *g)
{
	size_t i;

	for (i = 0; i < g->n; i++) {
		free(g->res[i].kind);
		free(g->res[i].name);
	}
	free(g->res);
	g->res = NULL;
	g->n = 0;
}

void
k8s_discovery_release(struct k8s_discovery *d)
{
	size_t i;

	for (i = 0; i < d->n; i++) {
		gv_clear(&d->gvs[i]);
		free(d->gvs[i].gv);
	}
	free(d->gvs);
	pthread_mutex_destroy(&d->mu);
}

/* The entry for gv, created empty when absent. Called locked. */
static struct k8s_disc_gv *
gv_slot(struct k8s_discovery *d, const char *gv)
{
	size_t i;

	for (i = 0; i < d->n; i++)
		if (strcmp(d->gvs[i].gv, gv) == 0)
			return &d->gvs[i];
	if (d->n == d->cap) {
		d->cap = d->cap == 0 ? 16 : d->cap * 2;
		d->gvs = xreallocarray(d->gvs, d->cap, sizeof(*d->gvs));
	}
	memset(&d->gvs[d->n], 0, sizeof(d->gvs[d->n]));
	d->gvs[d->n].gv = xstrdup(gv);
	return &d->gvs[d->n++];
}

/* Reads the top-level resources of an APIResourceList. */
static int
resources_read(struct k8s_disc_res **out, size_t *n_out,
    const struct doc_node *list, struct err *err)
{
	const struct doc_node *seq = doc_map_get(list, "resources"), *r, *ns;
	struct err ignore = ERR_INIT;
	struct k8s_disc_res *res;
	const char *name, *kind;
	size_t i, n = 0;
	bool namespaced;

	if (seq == NULL || seq->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID, "no resources in the answer");
	res = xcalloc(seq->u.seq.n + 1, sizeof(*res));
	for (i = 0; i < seq->u.seq.n; i++) {
		r = seq->u.seq.items[i];
		name = k8s_str_at(r, "name");
		kind = k8s_str_at(r, "kind");
		ns = doc_map_get(r, "namespaced");
		/* "deployments/status" and the like are subresources. */
		if (name == NULL || kind == NULL || strchr(name, '/') != NULL)
			continue;
		namespaced = false;
		if (ns != NULL && doc_get_bool(&namespaced, ns, &ignore) == -1)
			namespaced = false;
		res[n].name = xstrdup(name);
		res[n].kind = xstrdup(kind);
		res[n].namespaced = namespaced;
		n++;
	}
	*out = res;
	*n_out = n;
	return 0;
}

int
k8s_discovery_store(struct k8s_discovery *d, const char *gv,
    const struct doc_node *list, int64_t now_ms, struct err *err)
{
	struct k8s_disc_res *res = NULL;
	struct k8s_disc_gv *g;
	size_t n = 0;

	if (list != NULL && resources_read(&res, &n, list, err) == -1)
		return -1;
	pthread_mutex_lock(&d->mu);
	g = gv_slot(d, gv);
	gv_clear(g);
	g->res = res;
	g->n = n;
	g->missing = list == NULL;
	g->fetched_ms = now_ms;
	pthread_mutex_unlock(&d->mu);
	return 0;
}

/* Looks up kind in a cached group/version. Called locked. */
static int
gv_lookup(struct k8s_mapping *out, const struct k8s_disc_gv *g,
    const char *kind, int64_t now_ms)
{
	size_t i;

	for (i = 0; i < g->n && !g->missing; i++) {
		if (strcmp(g->res[i].kind, kind) != 0)
			continue;
		str_lcpy(out->resource, g->res[i].name, sizeof(out->resource));
		out->namespaced = g->res[i].namespaced;
		return 1;
	}
	return now_ms - g->fetched_ms < MISS_TTL_MS ? -1 : 0;
}

int
k8s_discovery_lookup(struct k8s_mapping *out, struct k8s_discovery *d,
    const char *group, const char *version, const char *kind, int64_t now_ms)
{
	char gv[sizeof(out->group) + sizeof(out->version) + 1];
	int rv = 0;
	size_t i;

	if (group[0] != '\0')
		(void)snprintf(gv, sizeof(gv), "%s/%s", group, version);
	else
		str_lcpy(gv, version, sizeof(gv));
	str_lcpy(out->group, group, sizeof(out->group));
	str_lcpy(out->version, version, sizeof(out->version));
	pthread_mutex_lock(&d->mu);
	for (i = 0; i < d->n; i++)
		if (strcmp(d->gvs[i].gv, gv) == 0)
			rv = gv_lookup(out, &d->gvs[i], kind, now_ms);
	pthread_mutex_unlock(&d->mu);
	return rv;
}

/* Fetches one group/version into the cache. */
static int
discover(struct k8s *k, const char *group, const char *version, struct err *err)
{
	struct k8s_req req = { "GET", NULL, NULL, NULL, 0, NULL };
	char path[400], gv[400];
	struct doc *d = NULL;
	int rv;

	if (group[0] == '\0') {
		(void)snprintf(path, sizeof(path), "/api/%s", version);
		str_lcpy(gv, version, sizeof(gv));
	} else {
		(void)snprintf(path, sizeof(path), "/apis/%s/%s", group,
		    version);
		(void)snprintf(gv, sizeof(gv), "%s/%s", group, version);
	}
	req.path = path;
	if (k8s_http_json(&d, k, &req, err) == -1) {
		if (err->code != ERR_NOTFOUND)
			return err_wrap(err, "discover '%s'", gv);
		err_reset(err);
		return k8s_discovery_store(&k->core->disc, gv, NULL,
		    k8s_now_ms(), err);
	}
	rv = k8s_discovery_store(&k->core->disc, gv, doc_root(d, 0),
	    k8s_now_ms(), err);
	doc_free(d);
	if (rv == -1)
		return err_wrap(err, "discover '%s'", gv);
	return 0;
}

/* Names must be safe in a path segment: the API allows no '/'. */
static int
name_check(const char *what, const char *s, struct err *err)
{
	if (s == NULL || s[0] == '\0' || strchr(s, '/') != NULL ||
	    strchr(s, '?') != NULL || strcmp(s, ".") == 0 ||
	    strcmp(s, "..") == 0)
		return err_set(err, ERR_INVALID, "invalid %s '%s'", what,
		    s != NULL ? s : "");
	return 0;
}

int
k8s_mapping_get(struct k8s_mapping *out, struct k8s *k, const char *api_version,
    const char *kind, struct err *err)
{
	struct k8s_mapping m;
	int rv;

	memset(&m, 0, sizeof(m));
	if (name_check("kind", kind, err) == -1 ||
	    k8s_split_api_version(m.group, sizeof(m.group), m.version,
	        sizeof(m.version), api_version, err) == -1 ||
	    name_check("apiVersion", m.version, err) == -1 ||
	    (m.group[0] != '\0' && name_check("group", m.group, err) == -1))
		return -1;
	rv = k8s_discovery_lookup(&m, &k->core->disc, m.group, m.version, kind,
	    k8s_now_ms());
	if (rv == 0) {
		if (discover(k, m.group, m.version, err) == -1)
			return -1;
		rv = k8s_discovery_lookup(&m, &k->core->disc, m.group,
		    m.version, kind, k8s_now_ms());
	}
	if (rv != 1) {
		err_set(err, ERR_NOTFOUND,
		    "no matches for kind '%s' in version '%s'", kind,
		    api_version);
		return err_reason(err, "NoKindMatch");
	}
	*out = m;
	return 0;
}

void
k8s_path_collection(struct buf *b, const struct k8s_mapping *m, const char *ns)
{
	if (m->group[0] == '\0')
		buf_printf(b, "/api/%s", m->version);
	else
		buf_printf(b, "/apis/%s/%s", m->group, m->version);
	if (m->namespaced && ns != NULL && ns[0] != '\0') {
		buf_puts(b, "/namespaces/");
		k8s_escape(b, ns, true);
	}
	buf_putc(b, '/');
	buf_puts(b, m->resource);
}

int
k8s_path_object(struct buf *b, const struct k8s_mapping *m, const char *ns,
    const char *name, const char *subresource, struct err *err)
{
	if (name_check("name", name, err) == -1 ||
	    (m->namespaced && name_check("namespace", ns, err) == -1) ||
	    (subresource != NULL &&
	        name_check("subresource", subresource, err) == -1))
		return -1;
	k8s_path_collection(b, m, ns);
	buf_putc(b, '/');
	k8s_escape(b, name, true);
	if (subresource != NULL) {
		buf_putc(b, '/');
		k8s_escape(b, subresource, true);
	}
	return 0;
}

int
k8s_ref_resolve(struct k8s_mapping *m, const char **ns_out, struct k8s *k,
    const struct k8s_ref *ref, struct err *err)
{
	if (k8s_mapping_get(m, k, ref->api_version, ref->kind, err) == -1)
		return -1;
	*ns_out = NULL;
	if (m->namespaced)
		*ns_out = ref->namespace != NULL && ref->namespace[0] != '\0'
		    ? ref->namespace
		    : k8s_namespace(k);
	return 0;
}

int
k8s_ref_from_obj(struct k8s_ref *out, const struct doc_node *obj,
    bool need_name, struct err *err)
{
	const struct doc_node *meta;

	if (obj == NULL || obj->kind != DOC_MAP)
		return err_set(err, ERR_INVALID, "object is not a map");
	meta = doc_map_get(obj, "metadata");
	out->api_version = k8s_str_at(obj, "apiVersion");
	out->kind = k8s_str_at(obj, "kind");
	out->name = k8s_str_at(meta, "name");
	out->namespace = k8s_str_at(meta, "namespace");
	if (out->api_version == NULL || out->kind == NULL)
		return err_set(err, ERR_INVALID,
		    "object has no apiVersion or kind");
	if (need_name && out->name == NULL)
		return err_set(err, ERR_INVALID, "%s has no metadata.name",
		    out->kind);
	return 0;
}
