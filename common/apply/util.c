/*
 * Helpers shared by apply, prune and health: change-set entries, the
 * subjects Flux prints, annotation lookups, clocks, and kind order.
 */
#include "apply/apply_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/mem.h"

struct apply_entry *
apply_result_add(struct apply_result *r, const char *api_version,
    const char *kind, const char *ns, const char *name,
    enum apply_action action)
{
	struct apply_entry *e;
	const char *slash = strchr(api_version, '/');

	if (r->n == r->cap) {
		r->cap = r->cap ? r->cap * 2 : 16;
		r->entries = xreallocarray(r->entries, r->cap,
		    sizeof(*r->entries));
	}
	e = &r->entries[r->n++];
	memset(e, 0, sizeof(*e));
	e->api_version = xstrdup(api_version);
	e->group = slash != NULL
	    ? xstrndup(api_version, (size_t)(slash - api_version))
	    : xstrdup("");
	e->version = xstrdup(slash != NULL ? slash + 1 : api_version);
	e->kind = xstrdup(kind);
	e->namespace = xstrdup(ns != NULL ? ns : "");
	e->name = xstrdup(name);
	e->subject = apply_subject(kind, ns, name);
	e->action = action;
	return e;
}

char *
apply_subject(const char *kind, const char *ns, const char *name)
{
	if (ns == NULL || ns[0] == '\0')
		return xasprintf("%s/%s", kind, name);
	return xasprintf("%s/%s/%s", kind, ns, name);
}

static const char *
meta_value(const struct doc_node *obj, const char *field, const char *group,
    const char *suffix)
{
	const struct doc_node *m;
	char key[320];
	int n = snprintf(key, sizeof(key), "%s%s", group, suffix);

	if (n < 0 || (size_t)n >= sizeof(key))
		return NULL;
	m = doc_map_get(doc_map_get(obj, "metadata"), field);
	return doc_str(doc_map_get(m, key));
}

const char *
apply_annotation(const struct doc_node *obj, const char *group,
    const char *suffix)
{
	return meta_value(obj, "annotations", group, suffix);
}

const char *
apply_label(const struct doc_node *obj, const char *group, const char *suffix)
{
	return meta_value(obj, "labels", group, suffix);
}

const char *
apply_str_at(const struct doc_node *obj, const char *ptr)
{
	const struct doc_node *n = doc_ptr_find(obj, ptr);

	return n != NULL ? doc_str(n) : NULL;
}

int64_t
apply_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
apply_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
		(long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1)
		;
}

/* kustomize's legacy order, which Flux's ssa sorting follows. */
static const char *const kind_first[] = {
	"Namespace",
	"ResourceQuota",
	"StorageClass",
	"CustomResourceDefinition",
	"ServiceAccount",
	"PodSecurityPolicy",
	"Role",
	"ClusterRole",
	"RoleBinding",
	"ClusterRoleBinding",
	"ConfigMap",
	"Secret",
	"Endpoints",
	"Service",
	"LimitRange",
	"PriorityClass",
	"PersistentVolume",
	"PersistentVolumeClaim",
	"Deployment",
	"StatefulSet",
	"CronJob",
	"PodDisruptionBudget",
};

static const char *const kind_last[] = {
	"MutatingWebhookConfiguration",
	"ValidatingWebhookConfiguration",
};

#define NFIRST (sizeof(kind_first) / sizeof(kind_first[0]))
#define NLAST  (sizeof(kind_last) / sizeof(kind_last[0]))

int
apply_kind_rank(const char *kind)
{
	for (size_t i = 0; i < NFIRST; i++)
		if (strcmp(kind, kind_first[i]) == 0)
			return (int)i;
	for (size_t i = 0; i < NLAST; i++)
		if (strcmp(kind, kind_last[i]) == 0)
			return (int)(NFIRST + 1 + i);
	return (int)NFIRST; /* every other kind between the two lists */
}
