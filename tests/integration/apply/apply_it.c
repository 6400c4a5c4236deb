/*
 * common/apply against the real control plane of tests/harness
 * ($FLINT_CLUSTER_DIR/kubeconfig, with kwok nodes so Deployments become
 * Available): staged apply of a CRD with its custom resource, change
 * sets, immutable fields with and without force, the ssa annotations,
 * prune, and health checks that pass, time out or fail fast. Each test
 * works in namespaces of its own.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "apply/apply.h"
#include "apply/health.h"
#include "apply/inventory.h"
#include "core/mem.h"
#include "t.h"

static const struct apply_opts owner = { NULL, NULL, "app", "flux-system",
	false, false, 0 };

static struct k8s *
it_client(void)
{
	const char *dir = getenv("FLINT_CLUSTER_DIR");
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	struct k8s *k = NULL;
	char *path;

	if (dir == NULL)
		BUG("FLINT_CLUSTER_DIR is not set (run through ctest)");
	path = xasprintf("%s/kubeconfig", dir);
	if (k8s_config_load(&cfg, path, NULL, &err) == -1 ||
	    k8s_new(&k, &cfg, NULL, &err) == -1)
		BUG("client: %s", err.msg);
	k8s_config_release(&cfg);
	free(path);
	return k;
}

/* Parses printf-built YAML into a doc; aborts on a bad fixture. */
static struct doc *yaml(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));

static struct doc *
yaml(const char *fmt, ...)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	va_list ap;
	char *text;

	va_start(ap, fmt);
	if (vasprintf(&text, fmt, ap) == -1)
		BUG("vasprintf");
	va_end(ap);
	if (doc_parse_yaml(&d, text, strlen(text), NULL, &err) == -1)
		BUG("fixture: %s\n%s", err.msg, text);
	free(text);
	return d;
}

static const char *
at(const struct doc_node *n, const char *ptr)
{
	const struct doc_node *v = doc_ptr_find(n, ptr);

	return v != NULL ? doc_str(v) : NULL;
}

static char *
ns_name(const char *tag)
{
	return xasprintf("flint-apply-%s-%d", tag, (int)getpid());
}

/* A namespace of the test's own, made with apply_set itself. */
static char *
ns_make(struct k8s *k, const char *tag)
{
	char *name = ns_name(tag);
	struct doc *d = yaml("apiVersion: v1\nkind: Namespace\n"
	                     "metadata: {name: %s}\n",
	    name);
	struct apply_result *r = NULL;
	struct err err = ERR_INIT;

	if (apply_set(&r, k, d, &owner, &err) == -1)
		BUG("namespace: %s", err.msg);
	apply_result_free(r);
	doc_free(d);
	return name;
}

static void
ns_drop(struct k8s *k, char *name)
{
	struct k8s_ref ref = { "v1", "Namespace", NULL, name };
	struct k8s_delete_opts o = { K8S_PROPAGATION_BACKGROUND, NULL, NULL,
		false };
	struct err err = ERR_INIT;

	T_OK(k8s_delete(k, &ref, &o, &err), &err);
	free(name);
}

/* The action of the entry with that subject, or -1. */
static int
action_of(const struct apply_result *r, const char *subject)
{
	for (size_t i = 0; r != NULL && i < r->n; i++)
		if (strcmp(r->entries[i].subject, subject) == 0)
			return (int)r->entries[i].action;
	return -1;
}

/* Applies d and returns the result (NULL on failure, err set). */
static struct apply_result *
apply(struct k8s *k, struct doc *d, const struct apply_opts *o, struct err *err)
{
	struct apply_result *r = NULL;

	if (apply_set(&r, k, d, o, err) == -1)
		return NULL;
	return r;
}

static char *
live_str(struct k8s *k, const struct k8s_ref *ref, const char *ptr)
{
	struct doc *d = NULL;
	struct err err = ERR_INIT;
	char *v = NULL;

	if (k8s_get(&d, k, ref, &err) == 0 && at(doc_root(d, 0), ptr) != NULL)
		v = xstrdup(at(doc_root(d, 0), ptr));
	doc_free(d);
	return v;
}

/* A CRD, a custom resource of it, a Namespace and a ConfigMap in it,
 * given in the worst order: the CR first, the CRD last. */
static struct doc *
staged_set(const char *ns, const char *group, const char *value)
{
	return yaml("apiVersion: %s/v1\nkind: Widget\n"
	            "metadata: {name: w, namespace: %s}\n"
	            "spec: {size: 3}\n"
	            "---\n"
	            "apiVersion: v1\nkind: ConfigMap\n"
	            "metadata: {name: cm, namespace: %s}\n"
	            "data: {key: '%s'}\n"
	            "---\n"
	            "apiVersion: v1\nkind: Namespace\nmetadata: {name: %s}\n"
	            "---\n"
	            "apiVersion: apiextensions.k8s.io/v1\n"
	            "kind: CustomResourceDefinition\n"
	            "metadata: {name: widgets.%s}\n"
	            "spec:\n"
	            "  group: %s\n"
	            "  names: {kind: Widget, plural: widgets, singular: "
	            "widget, listKind: WidgetList}\n"
	            "  scope: Namespaced\n"
	            "  versions:\n"
	            "  - name: v1\n"
	            "    served: true\n"
	            "    storage: true\n"
	            "    subresources: {status: {}}\n"
	            "    schema:\n"
	            "      openAPIV3Schema:\n"
	            "        type: object\n"
	            "        x-kubernetes-preserve-unknown-fields: true\n",
	    group, ns, ns, value, ns, group, group);
}

static void
crd_drop(struct k8s *k, const char *group)
{
	char *name = xasprintf("widgets.%s", group);
	struct k8s_ref ref = { "apiextensions.k8s.io/v1",
		"CustomResourceDefinition", NULL, name };
	struct err err = ERR_INIT;

	T_OK(k8s_delete(k, &ref, NULL, &err), &err);
	free(name);
}

T_TEST(test_staged_apply_crd_cr_namespace)
{
	struct k8s *k = it_client();
	char *ns = ns_name("stage");
	char *group = xasprintf("p%d.apply.flint.dev", (int)getpid());
	char *crd = xasprintf("CustomResourceDefinition/widgets.%s", group);
	char *w = xasprintf("Widget/%s/w", ns),
	     *cm = xasprintf("ConfigMap/%s/cm", ns);
	char *nsub = xasprintf("Namespace/%s", ns);
	struct k8s_ref cmref = { "v1", "ConfigMap", ns, "cm" };
	struct doc *d = staged_set(ns, group, "a");
	struct apply_result *r;
	struct err err = ERR_INIT;
	struct buf lines;
	char *label;

	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL);
	if (r == NULL)
		t_fail(__FILE__, __LINE__, "apply: %s", err.msg);
	T_EQ(r != NULL ? r->n : 0, 4);
	/* the definitions go first: Namespace, then the CRD */
	T_STREQ(r != NULL ? r->entries[0].subject : NULL, nsub);
	T_STREQ(r != NULL ? r->entries[1].subject : NULL, crd);
	T_EQ(action_of(r, w), APPLY_CREATED);
	T_EQ(action_of(r, cm), APPLY_CREATED);
	T_EQ(action_of(r, crd), APPLY_CREATED);
	label = live_str(k, &cmref,
	    "/metadata/labels/kustomize.toolkit.fluxcd.io~1name");
	T_STREQ(label, "app");
	free(label);
	apply_result_free(r);

	/* the same set again changes nothing */
	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL);
	for (size_t i = 0; r != NULL && i < r->n; i++)
		T_EQ(r->entries[i].action, APPLY_UNCHANGED);
	buf_init(&lines, 1 << 16);
	T_OK(apply_result_format(&lines, r, &err), &err);
	T_EQ(lines.len, 0);
	apply_result_free(r);
	doc_free(d);

	/* one change: only the ConfigMap is configured */
	d = staged_set(ns, group, "b");
	r = apply(k, d, &owner, &err);
	T_EQ(action_of(r, cm), APPLY_CONFIGURED);
	T_EQ(action_of(r, w), APPLY_UNCHANGED);
	T_EQ(action_of(r, crd), APPLY_UNCHANGED);
	T_OK(apply_result_format(&lines, r, &err), &err);
	label = xasprintf("%s configured\n", cm);
	T_STREQ(lines.data, label);
	free(label);
	label = live_str(k, &cmref, "/data/key");
	T_STREQ(label, "b");
	free(label);
	buf_release(&lines);
	apply_result_free(r);
	doc_free(d);
	ns_drop(k, ns);
	crd_drop(k, group);
	free(group);
	free(crd);
	free(w);
	free(cm);
	free(nsub);
	k8s_free(k);
}

static struct doc *
immutable_cm(const char *ns, const char *value, const char *annotations)
{
	return yaml("apiVersion: v1\nkind: ConfigMap\n"
	            "metadata: {name: frozen, namespace: %s, "
	            "annotations: {%s}}\n"
	            "immutable: true\n"
	            "data: {key: '%s'}\n",
	    ns, annotations, value);
}

T_TEST(test_immutable_change_needs_force)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "force");
	char *subject = xasprintf("ConfigMap/%s/frozen", ns);
	struct k8s_ref ref = { "v1", "ConfigMap", ns, "frozen" };
	struct apply_opts force = owner;
	struct doc *d = immutable_cm(ns, "a", "");
	struct apply_result *r;
	struct err err = ERR_INIT;
	char *uid, *v;

	r = apply(k, d, &owner, &err);
	T_EQ(action_of(r, subject), APPLY_CREATED);
	apply_result_free(r);
	doc_free(d);
	uid = live_str(k, &ref, "/metadata/uid");

	/* data of an immutable ConfigMap cannot change in place */
	d = immutable_cm(ns, "b", "");
	T_EQ(apply_set(&r, k, d, &owner, &err), -1);
	T_EQ(err.code, ERR_INVALID);
	T_TRUE(strstr(err.msg, "dry-run failed") != NULL);
	T_TRUE(strstr(err.msg, subject) != NULL);
	err_reset(&err);
	v = live_str(k, &ref, "/data/key");
	T_STREQ(v, "a");
	free(v);

	/* with force it is deleted and created again */
	force.force = true;
	r = apply(k, d, &force, &err);
	T_TRUE(r != NULL);
	T_EQ(action_of(r, subject), APPLY_CREATED);
	apply_result_free(r);
	doc_free(d);
	v = live_str(k, &ref, "/data/key");
	T_STREQ(v, "b");
	free(v);
	v = live_str(k, &ref, "/metadata/uid");
	T_TRUE(v != NULL && uid != NULL && strcmp(v, uid) != 0);
	free(v);

	/* the per-object annotation does the same without spec.force */
	d = immutable_cm(ns, "c", "kustomize.toolkit.fluxcd.io/force: Enabled");
	r = apply(k, d, &owner, &err);
	T_EQ(action_of(r, subject), APPLY_CREATED);
	apply_result_free(r);
	doc_free(d);
	v = live_str(k, &ref, "/data/key");
	T_STREQ(v, "c");
	free(v);
	free(uid);
	free(subject);
	ns_drop(k, ns);
	k8s_free(k);
}

static struct doc *
annotated(const char *ns, const char *value)
{
	return yaml("apiVersion: v1\nkind: ConfigMap\n"
	            "metadata: {name: once, namespace: %s, annotations: "
	            "{kustomize.toolkit.fluxcd.io/ssa: IfNotPresent}}\n"
	            "data: {key: '%s'}\n"
	            "---\n"
	            "apiVersion: v1\nkind: ConfigMap\n"
	            "metadata: {name: never, namespace: %s, annotations: "
	            "{kustomize.toolkit.fluxcd.io/ssa: Ignore}}\n"
	            "data: {key: '%s'}\n",
	    ns, value, ns, value);
}

T_TEST(test_ssa_annotations)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "ssa");
	char *once = xasprintf("ConfigMap/%s/once", ns);
	char *never = xasprintf("ConfigMap/%s/never", ns);
	struct k8s_ref oref = { "v1", "ConfigMap", ns, "once" };
	struct k8s_ref nref = { "v1", "ConfigMap", ns, "never" };
	struct doc *d = annotated(ns, "a");
	struct apply_result *r;
	struct err err = ERR_INIT;
	char *v;

	r = apply(k, d, &owner, &err);
	T_EQ(action_of(r, once), APPLY_CREATED);
	T_EQ(action_of(r, never), APPLY_SKIPPED);
	apply_result_free(r);
	doc_free(d);
	v = live_str(k, &nref, "/data/key");
	T_TRUE(v == NULL);
	free(v);

	d = annotated(ns, "b");
	r = apply(k, d, &owner, &err);
	T_EQ(action_of(r, once), APPLY_SKIPPED);
	T_EQ(action_of(r, never), APPLY_SKIPPED);
	apply_result_free(r);
	doc_free(d);
	v = live_str(k, &oref, "/data/key");
	T_STREQ(v, "a");
	free(v);
	free(once);
	free(never);
	ns_drop(k, ns);
	k8s_free(k);
}

/* ConfigMaps named by the NULL-terminated names; "keep" is protected
 * from prune. */
static struct doc *
cms(const char *ns, const char *const *names)
{
	struct buf b;
	struct doc *d;

	buf_init(&b, 1 << 16);
	for (; *names != NULL; names++)
		buf_printf(&b,
		    "---\napiVersion: v1\nkind: ConfigMap\n"
		    "metadata: {name: %s, namespace: %s%s}\n",
		    *names, ns,
		    strcmp(*names, "keep") == 0
		        ? ", annotations: {kustomize.toolkit.fluxcd.io/prune: "
		          "disabled}"
		        : "");
	d = yaml("%s", b.data);
	buf_release(&b);
	return d;
}

static bool
exists(struct k8s *k, const char *ns, const char *name)
{
	struct k8s_ref ref = { "v1", "ConfigMap", ns, name };
	struct doc *d = NULL;
	struct err err = ERR_INIT;
	bool ok = k8s_get(&d, k, &ref, &err) == 0;

	doc_free(d);
	return ok;
}

T_TEST(test_prune_stale_objects)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "prune");
	static const char *const all[] = { "a", "b", "keep", "theirs", "gone",
		NULL };
	static const char *const theirs[] = { "theirs", NULL };
	static const char *const left[] = { "a", NULL };
	struct doc *d = cms(ns, all);
	struct doc *other = cms(ns, theirs);
	struct apply_opts them = owner;
	struct inventory old = { 0 }, cur = { 0 }, stale = { 0 };
	struct apply_result *r, *p = NULL;
	struct k8s_ref gone = { "v1", "ConfigMap", ns, "gone" };
	struct err err = ERR_INIT;
	char *sub;

	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL);
	if (r != NULL)
		inventory_from_result(&old, r);
	apply_result_free(r);
	doc_free(d);
	T_EQ(old.n, 5);
	/* another Kustomization took "theirs" over; "gone" went by hand */
	them.owner_name = "other";
	r = apply(k, other, &them, &err);
	apply_result_free(r);
	doc_free(other);
	T_OK(k8s_delete(k, &gone, NULL, &err), &err);

	d = cms(ns, left);
	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL);
	if (r != NULL)
		inventory_from_result(&cur, r);
	inventory_diff(&stale, &old, &cur);
	T_EQ(stale.n, 4);
	T_OK(apply_prune(&p, k, &stale, &owner, &err), &err);
	sub = xasprintf("ConfigMap/%s/b", ns);
	T_EQ(action_of(p, sub), APPLY_DELETED);
	free(sub);
	sub = xasprintf("ConfigMap/%s/keep", ns);
	T_EQ(action_of(p, sub), APPLY_SKIPPED);
	free(sub);
	sub = xasprintf("ConfigMap/%s/theirs", ns);
	T_EQ(action_of(p, sub), APPLY_SKIPPED);
	free(sub);
	sub = xasprintf("ConfigMap/%s/gone", ns);
	T_EQ(action_of(p, sub), APPLY_DELETED);
	free(sub);
	T_TRUE(exists(k, ns, "a"));
	T_TRUE(!exists(k, ns, "b"));
	T_TRUE(exists(k, ns, "keep"));
	T_TRUE(exists(k, ns, "theirs"));
	apply_result_free(p);
	apply_result_free(r);
	doc_free(d);
	inventory_release(&old);
	inventory_release(&cur);
	inventory_release(&stale);
	ns_drop(k, ns);
	k8s_free(k);
}

/* A Deployment "web" with defaults left to the server (the caller
 * frees the text). */
static char *
deployment_text_ns(const char *ns)
{
	return xasprintf("apiVersion: apps/v1\nkind: Deployment\n"
	                 "metadata: {name: web, namespace: %s}\n"
	                 "spec:\n"
	                 "  selector: {matchLabels: {app: web}}\n"
	                 "  template:\n"
	                 "    metadata: {labels: {app: web}}\n"
	                 "    spec:\n"
	                 "      nodeSelector: {type: kwok}\n"
	                 "      containers: [{name: c, image: "
	                 "example.invalid/web}]\n",
	    ns);
}

static struct doc *
deployment(const char *ns, const char *name, const char *node_selector)
{
	return yaml("apiVersion: apps/v1\nkind: Deployment\n"
	            "metadata: {name: %s, namespace: %s}\n"
	            "spec:\n"
	            "  replicas: 2\n"
	            "  selector: {matchLabels: {app: %s}}\n"
	            "  template:\n"
	            "    metadata: {labels: {app: %s}}\n"
	            "    spec:\n"
	            "      nodeSelector: {%s}\n"
	            "      containers: [{name: c, image: example.invalid/c}]\n",
	    name, ns, name, name, node_selector);
}

T_TEST(test_health_deployment_available)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "healthy");
	struct doc *d = deployment(ns, "web", "type: kwok");
	struct k8s_ref ref = { "apps/v1", "Deployment", ns, "web" };
	struct health_opts ho = { 120000, true };
	struct health_report *rep = NULL;
	struct apply_result *r;
	struct err err = ERR_INIT;

	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL);
	apply_result_free(r);
	T_OK(health_wait(&rep, k, &ref, 1, &ho, &err), &err);
	T_TRUE(rep != NULL && rep->n == 1);
	if (rep != NULL && rep->n == 1) {
		T_EQ(rep->objects[0].status, HEALTH_CURRENT);
		T_TRUE(strstr(rep->objects[0].message, "Replicas: 2") != NULL);
	}
	health_report_free(rep);
	doc_free(d);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_health_deployment_never_available_times_out)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "stuck");
	struct doc *d = deployment(ns, "stuck", "no-such-node: 'true'");
	struct k8s_ref refs[] = {
		{ "apps/v1", "Deployment", ns, "stuck" },
		{ "v1", "ConfigMap", ns, "missing" },
	};
	struct health_opts ho = { 3000, true };
	struct health_report *rep = NULL;
	struct apply_result *r;
	struct err err = ERR_INIT;
	char *want;

	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL);
	apply_result_free(r);
	T_EQ(health_wait(&rep, k, refs, 2, &ho, &err), -1);
	T_EQ(err.code, ERR_TIMEOUT);
	T_STREQ(err.reason, "HealthCheckFailed");
	want = xasprintf("timeout waiting for: [Deployment/%s/stuck status: "
	                 "'InProgress', ConfigMap/%s/missing status: "
	                 "'NotFound']",
	    ns, ns);
	T_STREQ(err.msg, want);
	free(want);
	T_TRUE(rep != NULL && rep->n == 2);
	if (rep != NULL && rep->n == 2)
		T_STREQ(rep->objects[0].message, "Available: 0/2");
	health_report_free(rep);
	doc_free(d);
	ns_drop(k, ns);
	k8s_free(k);
}

/* Writes the Widget's status conditions. */
static void
widget_status(struct k8s *k, const char *ns, const char *group,
    const char *conditions)
{
	struct doc *d = yaml("apiVersion: %s/v1\nkind: Widget\n"
	                     "metadata: {name: w, namespace: %s}\n"
	                     "status:\n  observedGeneration: 1\n"
	                     "  conditions: %s\n",
	    group, ns, conditions);
	struct k8s_write_opts w = { "flint-it", true, false, "status" };
	struct err err = ERR_INIT;

	T_OK(k8s_apply(NULL, k, doc_root(d, 0), &w, &err), &err);
	doc_free(d);
}

T_TEST(test_health_custom_resource_ready_false_and_stalled)
{
	struct k8s *k = it_client();
	char *ns = ns_name("cr");
	char *group = xasprintf("h%d.apply.flint.dev", (int)getpid());
	struct doc *d = staged_set(ns, group, "a");
	struct k8s_ref ref = { NULL, "Widget", ns, "w" };
	struct health_opts ho = { 2000, true };
	struct health_report *rep = NULL;
	struct apply_result *r;
	struct err err = ERR_INIT;
	char *av = xasprintf("%s/v1", group), *want;

	ref.api_version = av;
	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL);
	apply_result_free(r);
	widget_status(k, ns, group,
	    "[{type: Ready, status: 'False', reason: Failing, "
	    "message: 'cannot reach the thing', "
	    "lastTransitionTime: '2026-01-01T00:00:00Z'}]");
	T_EQ(health_wait(&rep, k, &ref, 1, &ho, &err), -1);
	T_EQ(err.code, ERR_TIMEOUT);
	T_TRUE(strstr(err.msg, "status: 'InProgress'") != NULL);
	T_TRUE(rep != NULL &&
	    strstr(rep->objects[0].message, "cannot reach the thing") != NULL);
	health_report_free(rep);
	rep = NULL;
	err_reset(&err);

	/* Stalled fails fast, long before the timeout */
	ho.timeout_ms = 60000;
	widget_status(k, ns, group,
	    "[{type: Stalled, status: 'True', reason: Broken, message: "
	    "'bad spec', lastTransitionTime: '2026-01-01T00:00:00Z'}]");
	T_EQ(health_wait(NULL, k, &ref, 1, &ho, &err), -1);
	T_EQ(err.code, ERR_INVALID);
	want = xasprintf("failed early due to stalled resources: [Widget/%s/w "
	                 "status: 'Failed']",
	    ns);
	T_STREQ(err.msg, want);
	err_reset(&err);

	/* Ready=True makes it Current */
	widget_status(k, ns, group,
	    "[{type: Ready, status: 'True', reason: Succeeded, message: ok, "
	    "lastTransitionTime: '2026-01-01T00:00:00Z'}]");
	T_OK(health_wait(NULL, k, &ref, 1, &ho, &err), &err);
	free(want);
	free(av);
	doc_free(d);
	ns_drop(k, ns);
	crd_drop(k, group);
	free(group);
	k8s_free(k);
}

/* A ConfigMap as `kubectl apply` (client-side) leaves it. */
static void
kubectl_create(struct k8s *k, const char *ns, const char *name, const char *ssa)
{
	struct doc *d = yaml("apiVersion: v1\nkind: ConfigMap\n"
	                     "metadata:\n  name: %s\n  namespace: %s\n"
	                     "  annotations:\n"
	                     "    kubectl.kubernetes.io/"
	                     "last-applied-configuration: '{}'\n"
	                     "    kustomize.toolkit.fluxcd.io/ssa: %s\n"
	                     "data: {a: '1'}\n",
	    name, ns, ssa);
	struct k8s_write_opts w = { "kubectl-client-side-apply", false, false,
		NULL };
	struct err err = ERR_INIT;

	T_OK(k8s_create(NULL, k, doc_root(d, 0), &w, &err), &err);
	doc_free(d);
}

/* Whether the live object still has kubectl's manager or annotation. */
static bool
has_kubectl(struct k8s *k, const char *ns, const char *name)
{
	struct k8s_ref ref = { "v1", "ConfigMap", ns, name };
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	const struct doc_node *mf;
	bool found = false;

	T_OK(k8s_get(&d, k, &ref, &err), &err);
	if (d == NULL)
		return false;
	mf = doc_ptr_find(doc_root(d, 0), "/metadata/managedFields");
	for (size_t i = 0; mf != NULL && i < mf->u.seq.n; i++)
		found = found ||
		    strcmp(at(mf->u.seq.items[i], "/manager"),
		        "kubectl-client-side-apply") == 0;
	found = found ||
	    at(doc_root(d, 0),
	        "/metadata/annotations/"
	        "kubectl.kubernetes.io~1last-applied-configuration") != NULL;
	doc_free(d);
	return found;
}

T_TEST(test_take_over_from_kubectl_unless_merge)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "takeover");
	char *sub = xasprintf("ConfigMap/%s/legacy", ns);
	char *msub = xasprintf("ConfigMap/%s/merged", ns);
	struct doc *d = yaml("apiVersion: v1\nkind: ConfigMap\n"
	                     "metadata: {name: legacy, namespace: %s, "
	                     "annotations: {kustomize.toolkit.fluxcd.io/ssa: "
	                     "Override}}\n"
	                     "data: {a: '1'}\n"
	                     "---\n"
	                     "apiVersion: v1\nkind: ConfigMap\n"
	                     "metadata: {name: merged, namespace: %s, "
	                     "annotations: {kustomize.toolkit.fluxcd.io/ssa: "
	                     "Merge}}\n"
	                     "data: {a: '1'}\n",
	    ns, ns);
	struct apply_result *r;
	struct err err = ERR_INIT;

	kubectl_create(k, ns, "legacy", "Override");
	kubectl_create(k, ns, "merged", "Merge");
	T_TRUE(has_kubectl(k, ns, "legacy"));
	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL);
	T_EQ(action_of(r, sub), APPLY_CONFIGURED);
	T_EQ(action_of(r, msub), APPLY_CONFIGURED); /* owner labels added */
	apply_result_free(r);
	T_TRUE(!has_kubectl(k, ns, "legacy"));
	T_TRUE(has_kubectl(k, ns, "merged"));
	/* once taken over, nothing is left to change */
	r = apply(k, d, &owner, &err);
	T_EQ(action_of(r, sub), APPLY_UNCHANGED);
	T_EQ(action_of(r, msub), APPLY_UNCHANGED);
	apply_result_free(r);
	doc_free(d);
	free(sub);
	free(msub);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_dry_run_writes_nothing)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "dryrun");
	char *plain = xasprintf("ConfigMap/%s/plain", ns);
	char *fresh = xasprintf("ConfigMap/%s/new", ns);
	struct apply_opts dry = owner;
	struct k8s_ref ref = { "v1", "ConfigMap", ns, "plain" };
	struct doc *d = yaml("apiVersion: v1\nkind: ConfigMap\n"
	                     "metadata: {name: plain, namespace: %s}\n"
	                     "data: {key: a}\n",
	    ns);
	struct doc *d2 = yaml("apiVersion: v1\nkind: ConfigMap\n"
	                      "metadata: {name: plain, namespace: %s}\n"
	                      "data: {key: b}\n"
	                      "---\n"
	                      "apiVersion: v1\nkind: ConfigMap\n"
	                      "metadata: {name: new, namespace: %s}\n",
	    ns, ns);
	struct apply_result *r;
	struct err err = ERR_INIT;
	char *v;

	apply_result_free(apply(k, d, &owner, &err));
	dry.dry_run = true;
	r = apply(k, d2, &dry, &err);
	T_TRUE(r != NULL);
	T_EQ(action_of(r, plain), APPLY_CONFIGURED);
	T_EQ(action_of(r, fresh), APPLY_CREATED);
	apply_result_free(r);
	v = live_str(k, &ref, "/data/key");
	T_STREQ(v, "a");
	free(v);
	ref.name = "new";
	v = live_str(k, &ref, "/metadata/name");
	T_TRUE(v == NULL);
	free(v);
	free(plain);
	free(fresh);
	doc_free(d);
	doc_free(d2);
	ns_drop(k, ns);
	k8s_free(k);
}

static struct doc *
job(const char *ns, const char *image)
{
	return yaml("apiVersion: batch/v1\nkind: Job\n"
	            "metadata: {name: migrate, namespace: %s}\n"
	            "spec:\n"
	            "  template:\n"
	            "    spec:\n"
	            "      restartPolicy: Never\n"
	            "      nodeSelector: {type: kwok}\n"
	            "      containers: [{name: m, image: '%s'}]\n",
	    ns, image);
}

T_TEST(test_job_template_change_recreates_with_force)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "job");
	char *sub = xasprintf("Job/%s/migrate", ns);
	struct k8s_ref ref = { "batch/v1", "Job", ns, "migrate" };
	struct health_opts ho = { 120000, true };
	struct apply_opts force = owner;
	struct doc *d = job(ns, "example.invalid/m:1");
	struct apply_result *r;
	struct err err = ERR_INIT;
	char *v;

	r = apply(k, d, &owner, &err);
	T_EQ(action_of(r, sub), APPLY_CREATED);
	apply_result_free(r);
	/* kwok lets the Job's pod succeed: Complete is Current */
	T_OK(health_wait(NULL, k, &ref, 1, &ho, &err), &err);
	doc_free(d);

	d = job(ns, "example.invalid/m:2");
	T_EQ(apply_set(&r, k, d, &owner, &err), -1);
	T_EQ(err.code, ERR_INVALID);
	T_TRUE(strstr(err.msg, "dry-run failed (Invalid)") != NULL);
	err_reset(&err);
	force.force = true;
	r = apply(k, d, &force, &err);
	T_EQ(action_of(r, sub), APPLY_CREATED);
	apply_result_free(r);
	v = live_str(k, &ref, "/spec/template/spec/containers/0/image");
	T_STREQ(v, "example.invalid/m:2");
	free(v);
	doc_free(d);
	free(sub);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_prune_deletes_namespaces_last)
{
	struct k8s *k = it_client();
	char *ns = ns_name("prunens");
	struct doc *d = yaml("apiVersion: v1\nkind: Namespace\n"
	                     "metadata: {name: %s}\n"
	                     "---\n"
	                     "apiVersion: v1\nkind: ConfigMap\n"
	                     "metadata: {name: cm, namespace: %s}\n"
	                     "---\n"
	                     "apiVersion: apps/v1\nkind: Deployment\n"
	                     "metadata: {name: web, namespace: %s}\n"
	                     "spec:\n"
	                     "  selector: {matchLabels: {app: web}}\n"
	                     "  template:\n"
	                     "    metadata: {labels: {app: web}}\n"
	                     "    spec: {containers: [{name: c, image: x}]}\n",
	    ns, ns, ns);
	struct inventory inv = { 0 };
	struct apply_result *r, *p = NULL;
	struct k8s_ref ref = { "v1", "Namespace", NULL, ns };
	struct err err = ERR_INIT;
	char *v;

	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL && r->n == 3);
	/* the inventory in apply order: Namespace first */
	if (r != NULL)
		inventory_from_result(&inv, r);
	T_OK(apply_prune(&p, k, &inv, &owner, &err), &err);
	T_TRUE(p != NULL && p->n == 3);
	if (p != NULL && p->n == 3) {
		T_STREQ(p->entries[0].kind, "Deployment");
		T_STREQ(p->entries[1].kind, "ConfigMap");
		T_STREQ(p->entries[2].kind, "Namespace");
		for (size_t i = 0; i < 3; i++)
			T_EQ(p->entries[i].action, APPLY_DELETED);
	}
	v = live_str(k, &ref, "/status/phase"); /* gone, or going */
	T_TRUE(v == NULL || strcmp(v, "Terminating") == 0);
	free(v);
	apply_result_free(p);
	apply_result_free(r);
	inventory_release(&inv);
	doc_free(d);
	free(ns);
	k8s_free(k);
}

T_TEST(test_invalid_object_stops_its_stage_before_any_write)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "invalid");
	struct doc *d = yaml("apiVersion: v1\nkind: ConfigMap\n"
	                     "metadata: {name: good, namespace: %s}\n"
	                     "data: {key: a}\n"
	                     "---\n"
	                     "apiVersion: v1\nkind: Service\n"
	                     "metadata: {name: bad, namespace: %s}\n"
	                     "spec: {ports: [{port: 99999}]}\n",
	    ns, ns);
	struct k8s_ref ref = { "v1", "ConfigMap", ns, "good" };
	struct apply_result *r = NULL;
	struct err err = ERR_INIT;
	char *v, *want;

	T_EQ(apply_set(&r, k, d, &owner, &err), -1);
	T_EQ(err.code, ERR_INVALID);
	want = xasprintf("Service/%s/bad dry-run failed (Invalid)", ns);
	T_TRUE(strstr(err.msg, want) != NULL);
	free(want);
	v = live_str(k, &ref, "/data/key");
	T_TRUE(v == NULL);
	free(v);
	doc_free(d);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_reapply_of_defaulted_objects_is_unchanged)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "same");
	char *dep = deployment_text_ns(ns);
	struct doc *d = yaml("apiVersion: v1\nkind: Secret\n"
	                     "metadata: {name: s, namespace: %s}\n"
	                     "stringData: {password: hunter2}\n"
	                     "---\n%s",
	    ns, dep);
	struct k8s_ref ref = { "apps/v1", "Deployment", ns, "web" };
	struct health_opts ho = { 120000, true };
	struct apply_result *r;
	struct err err = ERR_INIT;

	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL && r->n == 2);
	apply_result_free(r);
	/* the controllers write status, revision annotations and more */
	T_OK(health_wait(NULL, k, &ref, 1, &ho, &err), &err);
	r = apply(k, d, &owner, &err);
	T_TRUE(r != NULL && r->n == 2);
	for (size_t i = 0; r != NULL && i < r->n; i++)
		T_EQ(r->entries[i].action, APPLY_UNCHANGED);
	apply_result_free(r);
	free(dep);
	doc_free(d);
	ns_drop(k, ns);
	k8s_free(k);
}
