/*
 * coordination.k8s.io/v1 Leases: read, create and compare-and-swap
 * update, the three calls leader election is built from. The election
 * itself (when to take over, how often to renew) is the controller
 * skeleton's.
 */
#include "k8s/k8s.h"

#include <stdio.h>
#include <string.h>

#include "core/str.h"
#include "k8s/k8s_int.h"

static const char lease_api[] = "coordination.k8s.io/v1";

static void
put_time(struct arena *a, struct doc_node *spec, const char *key, int64_t us)
{
	char stamp[40];

	if (us <= 0)
		return;
	k8s_time_format(stamp, sizeof(stamp), us, true);
	doc_map_set(a, spec, key, strlen(key),
	    doc_new_str(a, stamp, strlen(stamp)));
}

static struct doc_node *
lease_build(struct arena *a, const char *ns, const char *name,
    const struct k8s_lease *l)
{
	struct doc_node *o = doc_new_map(a), *meta = doc_new_map(a);
	struct doc_node *spec = doc_new_map(a);

	doc_map_set(a, o, "apiVersion", 10,
	    doc_new_str(a, lease_api, strlen(lease_api)));
	doc_map_set(a, o, "kind", 4, doc_new_str(a, "Lease", 5));
	doc_map_set(a, meta, "name", 4, doc_new_str(a, name, strlen(name)));
	doc_map_set(a, meta, "namespace", 9, doc_new_str(a, ns, strlen(ns)));
	if (l->resource_version[0] != '\0')
		doc_map_set(a, meta, "resourceVersion", 15,
		    doc_new_str(a, l->resource_version,
		        strlen(l->resource_version)));
	doc_map_set(a, o, "metadata", 8, meta);
	if (l->holder[0] != '\0')
		doc_map_set(a, spec, "holderIdentity", 14,
		    doc_new_str(a, l->holder, strlen(l->holder)));
	if (l->duration_s > 0)
		doc_map_set(a, spec, "leaseDurationSeconds", 20,
		    doc_new_int(a, l->duration_s));
	put_time(a, spec, "acquireTime", l->acquire_us);
	put_time(a, spec, "renewTime", l->renew_us);
	doc_map_set(a, spec, "leaseTransitions", 16,
	    doc_new_int(a, l->transitions));
	doc_map_set(a, o, "spec", 4, spec);
	return o;
}

static int
get_int(int64_t *out, const struct doc_node *map, const char *key,
    struct err *err)
{
	const struct doc_node *v = doc_map_get(map, key);

	*out = 0;
	if (v == NULL || v->kind == DOC_NULL)
		return 0;
	if (doc_get_int(out, v, err) == -1)
		return err_wrap(err, "%s", key);
	return 0;
}

static int
get_time(int64_t *out, const struct doc_node *map, const char *key,
    struct err *err)
{
	const char *s = k8s_str_at(map, key);

	*out = 0;
	if (s == NULL || s[0] == '\0')
		return 0;
	if (k8s_time_parse(out, s, err) == -1)
		return err_wrap(err, "%s", key);
	return 0;
}

/* Reads a Lease object the server returned into *out. */
static int
lease_read(struct k8s_lease *out, const struct doc_node *obj, struct err *err)
{
	const struct doc_node *spec = doc_map_get(obj, "spec");
	const char *rv = k8s_str_at(doc_map_get(obj, "metadata"),
	    "resourceVersion");
	const char *holder = k8s_str_at(spec, "holderIdentity");
	struct k8s_lease l;

	memset(&l, 0, sizeof(l));
	if (holder != NULL &&
	    str_lcpy(l.holder, holder, sizeof(l.holder)) >= sizeof(l.holder))
		return err_set(err, ERR_INVALID, "holderIdentity too long");
	if (rv == NULL ||
	    str_lcpy(l.resource_version, rv, sizeof(l.resource_version)) >=
	        sizeof(l.resource_version))
		return err_set(err, ERR_INVALID, "bad resourceVersion");
	if (get_int(&l.duration_s, spec, "leaseDurationSeconds", err) == -1 ||
	    get_int(&l.transitions, spec, "leaseTransitions", err) == -1 ||
	    get_time(&l.acquire_us, spec, "acquireTime", err) == -1 ||
	    get_time(&l.renew_us, spec, "renewTime", err) == -1)
		return -1;
	*out = l;
	return 0;
}

int
k8s_lease_get(struct k8s_lease *out, struct k8s *k, const char *ns,
    const char *name, struct err *err)
{
	struct k8s_ref ref = { lease_api, "Lease", ns, name };
	struct doc *d = NULL;
	int rv;

	if (k8s_get(&d, k, &ref, err) == -1)
		return -1;
	rv = lease_read(out, doc_root(d, 0), err);
	doc_free(d);
	if (rv == -1)
		return err_wrap(err, "lease '%s/%s'", ns, name);
	return 0;
}

/* Sends the Lease (create or update) and keeps the new version. */
static int
lease_write(struct k8s *k, const char *ns, const char *name,
    struct k8s_lease *l, bool create, struct err *err)
{
	struct arena *a = arena_new();
	struct doc_node *obj = lease_build(a, ns, name, l);
	struct doc *d = NULL;
	int rv;

	rv = create ? k8s_create(&d, k, obj, NULL, err)
	            : k8s_update(&d, k, obj, NULL, err);
	if (rv == 0)
		rv = lease_read(l, doc_root(d, 0), err);
	doc_free(d);
	arena_free(a);
	return rv;
}

int
k8s_lease_create(struct k8s *k, const char *ns, const char *name,
    struct k8s_lease *l, struct err *err)
{
	l->resource_version[0] = '\0';
	return lease_write(k, ns, name, l, true, err);
}

int
k8s_lease_update(struct k8s *k, const char *ns, const char *name,
    struct k8s_lease *l, struct err *err)
{
	if (l->resource_version[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "update lease '%s/%s': no resourceVersion", ns, name);
	return lease_write(k, ns, name, l, false, err);
}
