/*
 * The Kubernetes client against the real control plane of
 * tests/harness ($FLINT_CLUSTER_DIR/kubeconfig): CRUD, watch order, SSA
 * conflicts, status writes, 410 relists, impersonation, paging, Events
 * and Leases. Each test works in a namespace of its own.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"
#include "k8s/k8s_int.h"
#include "t.h"

#define WAIT_MS 120000 /* bound on every wait for the cluster */

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

/* Creates a namespace of the test's own; returns its name (free it). */
static char *
ns_make(struct k8s *k, const char *tag)
{
	char *name = xasprintf("flint-it-%s-%d", tag, (int)getpid());
	struct doc *d = yaml("apiVersion: v1\nkind: Namespace\n"
	                     "metadata: {name: %s}\n",
	    name);
	struct err err = ERR_INIT;

	if (k8s_create(NULL, k, doc_root(d, 0), NULL, &err) == -1)
		BUG("namespace: %s", err.msg);
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

static struct doc *
configmap(const char *ns, const char *name, const char *value)
{
	return yaml("apiVersion: v1\nkind: ConfigMap\n"
	            "metadata: {name: %s, namespace: %s, labels: {it: 'yes'}}\n"
	            "data: {key: '%s'}\n",
	    name, ns, value);
}

T_TEST(test_configmap_crud)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "crud");
	struct doc *cm = configmap(ns, "one", "a"), *out = NULL, *got = NULL;
	struct doc *patch = yaml("data: {key: null, other: b}\n");
	struct doc *bad = configmap(ns, "Not_A_Name", "x");
	struct k8s_ref ref = { "v1", "ConfigMap", ns, "one" };
	struct doc_node *root;
	struct err err = ERR_INIT;
	char rv[64] = "";

	T_OK(k8s_create(&out, k, doc_root(cm, 0), NULL, &err), &err);
	T_TRUE(out != NULL && at(doc_root(out, 0), "/metadata/uid") != NULL);
	if (out != NULL)
		str_lcpy(rv, at(doc_root(out, 0), "/metadata/resourceVersion"),
		    sizeof(rv));
	T_ERR(k8s_create(NULL, k, doc_root(cm, 0), NULL, &err), &err,
	    ERR_CONFLICT);
	T_OK(k8s_get(&got, k, &ref, &err), &err);
	T_STREQ(got != NULL ? at(doc_root(got, 0), "/data/key") : NULL, "a");
	/* Update from what we read, then again from the stale copy. */
	if (out != NULL) {
		root = doc_root(out, 0);
		T_OK(doc_ptr_set(doc_arena(out), &root, "/data/key",
		         doc_new_str(doc_arena(out), "b", 1), &err),
		    &err);
		T_OK(k8s_update(NULL, k, root, NULL, &err), &err);
		T_EQ(k8s_update(NULL, k, root, NULL, &err), -1);
		T_EQ(err.code, ERR_CONFLICT);
		T_STREQ(err.reason, "Conflict");
		err_reset(&err);
	}
	doc_free(got);
	T_OK(k8s_patch(&got, k, &ref, K8S_PATCH_MERGE, doc_root(patch, 0), NULL,
	         &err),
	    &err);
	T_STREQ(got != NULL ? at(doc_root(got, 0), "/data/key") : "", NULL);
	T_STREQ(got != NULL ? at(doc_root(got, 0), "/data/other") : NULL, "b");
	T_TRUE(
	    strcmp(rv,
	        got != NULL ? at(doc_root(got, 0), "/metadata/resourceVersion")
	                    : "") != 0);
	T_EQ(k8s_create(NULL, k, doc_root(bad, 0), NULL, &err), -1);
	T_EQ(err.code, ERR_INVALID);
	T_STREQ(err.reason, "Invalid");
	T_TRUE(strstr(err.msg, "metadata.name") != NULL);
	err_reset(&err);
	T_OK(k8s_delete(k, &ref, NULL, &err), &err);
	T_EQ(k8s_get(&got, k, &ref, &err), -1);
	T_EQ(err.code, ERR_NOTFOUND);
	T_STREQ(err.reason, "NotFound");
	err_reset(&err);
	T_ERR(k8s_delete(k, &ref, NULL, &err), &err, ERR_NOTFOUND);
	doc_free(got);
	doc_free(bad);
	doc_free(patch);
	doc_free(out);
	doc_free(cm);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_list_pages_through_everything)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "page");
	struct k8s_list_opts o = { "v1", "ConfigMap", ns, "it=yes", NULL, 7 };
	struct err err = ERR_INIT;
	const struct doc_node *items;
	struct doc *cm, *list = NULL;
	char name[32];
	int i;

	for (i = 0; i < 25; i++) {
		snprintf(name, sizeof(name), "cm-%02d", i);
		cm = configmap(ns, name, "v");
		T_OK(k8s_create(NULL, k, doc_root(cm, 0), NULL, &err), &err);
		doc_free(cm);
	}
	T_OK(k8s_list(&list, k, &o, &err), &err);
	items = list != NULL ? doc_map_get(doc_root(list, 0), "items") : NULL;
	T_EQ(items != NULL ? items->u.seq.n : 0, 25);
	T_STREQ(items != NULL ? at(items->u.seq.items[24], "/metadata/name")
	                      : NULL,
	    "cm-24");
	T_STREQ(items != NULL ? at(items->u.seq.items[0], "/kind") : NULL,
	    "ConfigMap");
	doc_free(list);
	ns_drop(k, ns);
	k8s_free(k);
}

/* Cancels a watch that has not finished after WAIT_MS, so a missing
 * event fails the test instead of hanging it. */
struct guard {
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool done;
	struct k8s_watch *w;
};

static void *
guard_run(void *arg)
{
	struct guard *g = arg;
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&g->mu);
	while (!g->done)
		if (pthread_cond_timedwait(&g->cv, &g->mu, &ts) != 0)
			break;
	if (!g->done)
		k8s_watch_cancel(g->w);
	pthread_mutex_unlock(&g->mu);
	return NULL;
}

static void
guard_start(struct guard *g, struct k8s_watch *w)
{
	g->done = false;
	g->w = w;
	pthread_mutex_init(&g->mu, NULL);
	pthread_cond_init(&g->cv, NULL);
	pthread_create(&g->thread, NULL, guard_run, g);
}

static void
guard_stop(struct guard *g)
{
	pthread_mutex_lock(&g->mu);
	g->done = true;
	pthread_cond_signal(&g->cv);
	pthread_mutex_unlock(&g->mu);
	pthread_join(g->thread, NULL);
	pthread_cond_destroy(&g->cv);
	pthread_mutex_destroy(&g->mu);
}

/* The next event that is not a bookmark, as "TYPE name[=value]". */
static void
next_event(char *out, size_t size, struct k8s_watch *w)
{
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED",
		"BOOKMARK", "RELIST", "SYNCED", "STOPPED" };
	struct k8s_watch_event ev;
	struct err err = ERR_INIT;
	const char *name, *value;

	do {
		if (k8s_watch_next(&ev, w, &err) == -1) {
			snprintf(out, size, "error: %s", err.msg);
			return;
		}
	} while (ev.type == K8S_WATCH_BOOKMARK);
	name = ev.object != NULL ? at(ev.object, "/metadata/name") : NULL;
	value = ev.object != NULL ? at(ev.object, "/data/key") : NULL;
	snprintf(out, size, "%s%s%s%s%s", names[ev.type], name ? " " : "",
	    name ? name : "", value ? "=" : "", value ? value : "");
}

#define T_EVENT(w, want)                             \
	do {                                         \
		char got_[512];                      \
		next_event(got_, sizeof(got_), (w)); \
		T_STREQ(got_, (want));               \
	} while (0)

T_TEST(test_watch_sees_create_update_delete_in_order)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "watch");
	struct k8s_watch_opts o = {
		{ "v1", "ConfigMap", ns, "it=yes", NULL, 0 }, NULL, 0
	};
	struct doc *cm = configmap(ns, "w", "1"), *out = NULL;
	struct k8s_ref ref = { "v1", "ConfigMap", ns, "w" };
	struct doc *patch = yaml("data: {key: '2'}\n");
	struct err err = ERR_INIT;
	struct k8s_watch *w = NULL;
	struct guard g;

	T_OK(k8s_watch_open(&w, k, &o, &err), &err);
	guard_start(&g, w);
	T_EVENT(w, "RELIST");
	T_EVENT(w, "SYNCED");
	T_OK(k8s_create(&out, k, doc_root(cm, 0), NULL, &err), &err);
	T_OK(k8s_patch(NULL, k, &ref, K8S_PATCH_MERGE, doc_root(patch, 0), NULL,
	         &err),
	    &err);
	T_OK(k8s_delete(k, &ref, NULL, &err), &err);
	T_EVENT(w, "ADDED w=1");
	T_EVENT(w, "MODIFIED w=2");
	T_EVENT(w, "DELETED w=2");
	guard_stop(&g);
	k8s_watch_close(w);
	doc_free(patch);
	doc_free(out);
	doc_free(cm);
	ns_drop(k, ns);
	k8s_free(k);
}

/* Whether manager's managedFields entry owns .data.key. */
static bool
owns_key(const struct doc_node *obj, const char *manager)
{
	const struct doc_node *mf = doc_ptr_find(obj,
	    "/metadata/managedFields");
	const char *m;
	size_t i;

	for (i = 0; mf != NULL && mf->kind == DOC_SEQ && i < mf->u.seq.n; i++) {
		m = at(mf->u.seq.items[i], "/manager");
		if (m != NULL && strcmp(m, manager) == 0 &&
		    doc_ptr_find(mf->u.seq.items[i],
		        "/fieldsV1/f:data/f:key") != NULL)
			return true;
	}
	return false;
}

T_TEST(test_ssa_conflict_then_forced)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "ssa");
	struct doc *mine = configmap(ns, "shared", "mine");
	struct doc *theirs = configmap(ns, "shared", "theirs"), *got = NULL;
	struct k8s_write_opts a = { "flint-it-a", false, false, NULL };
	struct k8s_write_opts b = { "flint-it-b", false, false, NULL };
	struct err err = ERR_INIT;

	T_OK(k8s_apply(NULL, k, doc_root(mine, 0), &a, &err), &err);
	T_EQ(k8s_apply(NULL, k, doc_root(theirs, 0), &b, &err), -1);
	T_EQ(err.code, ERR_CONFLICT);
	T_STREQ(err.reason, "Conflict");
	T_TRUE(strstr(err.msg, "flint-it-a") != NULL);
	T_TRUE(strstr(err.msg, ".data.key") != NULL);
	err_reset(&err);
	b.force = true;
	T_OK(k8s_apply(&got, k, doc_root(theirs, 0), &b, &err), &err);
	T_STREQ(got != NULL ? at(doc_root(got, 0), "/data/key") : NULL,
	    "theirs");
	T_TRUE(got != NULL && owns_key(doc_root(got, 0), "flint-it-b"));
	T_TRUE(got != NULL && !owns_key(doc_root(got, 0), "flint-it-a"));
	doc_free(got);
	doc_free(theirs);
	doc_free(mine);
	ns_drop(k, ns);
	k8s_free(k);
}

static bool
crd_established(const struct doc_node *crd)
{
	const struct doc_node *c = doc_ptr_find(crd, "/status/conditions");
	const char *type, *status;
	size_t i;

	for (i = 0; c != NULL && c->kind == DOC_SEQ && i < c->u.seq.n; i++) {
		type = at(c->u.seq.items[i], "/type");
		status = at(c->u.seq.items[i], "/status");
		if (type != NULL && strcmp(type, "Established") == 0 &&
		    status != NULL && strcmp(status, "True") == 0)
			return true;
	}
	return false;
}

/* Applies manifests/crds/<file> and waits until it is Established. */
static void
crd_install(struct k8s *k, const char *file, const char *name)
{
	const char *dir = getenv("FLINT_CRD_DIR");
	struct k8s_write_opts o = { "flint-it", true, false, NULL };
	struct k8s_ref ref = { "apiextensions.k8s.io/v1",
		"CustomResourceDefinition", NULL, name };
	struct err err = ERR_INIT;
	struct doc *crd = NULL, *got = NULL;
	int64_t deadline = k8s_now_ms() + WAIT_MS;
	bool established = false;
	char *path, *text = NULL;
	size_t len = 0;

	if (dir == NULL)
		BUG("FLINT_CRD_DIR is not set");
	path = xasprintf("%s/%s", dir, file);
	if (k8s_read_file(&text, &len, path, 1 << 24, &err) == -1 ||
	    doc_parse_yaml(&crd, text, len, NULL, &err) == -1 ||
	    k8s_apply(NULL, k, doc_root(crd, 0), &o, &err) == -1)
		BUG("install '%s': %s", path, err.msg);
	while (!established && k8s_now_ms() < deadline) {
		if (k8s_get(&got, k, &ref, &err) == 0)
			established = crd_established(doc_root(got, 0));
		err_reset(&err);
		doc_free(got);
		got = NULL;
		if (!established)
			k8s_sleep_ms(200);
	}
	if (!established)
		BUG("CRD '%s' not established", name);
	doc_free(crd);
	free(text);
	free(path);
}

static struct doc *
gitrepository(const char *ns, const char *name, const char *url)
{
	return yaml("apiVersion: source.toolkit.fluxcd.io/v1\n"
	            "kind: GitRepository\n"
	            "metadata: {name: %s, namespace: %s}\n"
	            "spec: {url: '%s', interval: 5m}\n",
	    name, ns, url);
}

T_TEST(test_status_write_leaves_spec_alone)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "status");
	struct doc *repo, *st, *got = NULL, *out = NULL;
	struct k8s_ref ref = { "source.toolkit.fluxcd.io/v1", "GitRepository",
		ns, "podinfo" };
	struct k8s_write_opts sub = { "flint-it", true, false, "status" };
	struct err err = ERR_INIT;

	crd_install(k, "source.toolkit.fluxcd.io_gitrepositories.yaml",
	    "gitrepositories.source.toolkit.fluxcd.io");
	repo = gitrepository(ns, "podinfo", "https://example.com/podinfo");
	/* The status write also tries to change the spec: it must not. */
	st = yaml("apiVersion: source.toolkit.fluxcd.io/v1\n"
	          "kind: GitRepository\n"
	          "metadata: {name: podinfo, namespace: %s}\n"
	          "spec: {url: 'https://evil.example/x', interval: 5m}\n"
	          "status:\n"
	          "  observedGeneration: 1\n"
	          "  conditions:\n"
	          "  - {type: Ready, status: 'True', reason: Succeeded,\n"
	          "     message: stored, lastTransitionTime: "
	          "'2026-01-01T00:00:00Z'}\n",
	    ns);
	T_OK(k8s_create(&out, k, doc_root(repo, 0), NULL, &err), &err);
	T_OK(k8s_apply(NULL, k, doc_root(st, 0), &sub, &err), &err);
	T_OK(k8s_get(&got, k, &ref, &err), &err);
	T_STREQ(got != NULL ? at(doc_root(got, 0), "/spec/url") : NULL,
	    "https://example.com/podinfo");
	T_STREQ(got != NULL
	        ? at(doc_root(got, 0), "/status/conditions/0/reason")
	        : NULL,
	    "Succeeded");
	T_STREQ(got != NULL ? at(doc_root(got, 0), "/metadata/generation")
	                    : NULL,
	    "1");
	doc_free(got);
	doc_free(out);
	doc_free(st);
	doc_free(repo);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_watch_from_a_compacted_version_relists_without_loss)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "gone");
	/* A CRD's watch cache starts when the CRD does, so version "1" is
	 * older than anything it holds: the server answers 410 Expired. */
	struct k8s_watch_opts o = { { "source.toolkit.fluxcd.io/v1",
		                        "GitRepository", ns, NULL, NULL, 0 },
		"1", 0 };
	struct err err = ERR_INIT;
	struct k8s_watch *w = NULL;
	struct doc *before, *after;
	struct guard g;

	crd_install(k, "source.toolkit.fluxcd.io_gitrepositories.yaml",
	    "gitrepositories.source.toolkit.fluxcd.io");
	before = gitrepository(ns, "before", "https://example.com/a");
	after = gitrepository(ns, "after", "https://example.com/b");
	T_OK(k8s_create(NULL, k, doc_root(before, 0), NULL, &err), &err);
	T_OK(k8s_watch_open(&w, k, &o, &err), &err);
	guard_start(&g, w);
	T_EVENT(w, "RELIST");
	T_EVENT(w, "ADDED before");
	T_EVENT(w, "SYNCED");
	T_OK(k8s_create(NULL, k, doc_root(after, 0), NULL, &err), &err);
	T_EVENT(w, "ADDED after");
	guard_stop(&g);
	k8s_watch_close(w);
	doc_free(after);
	doc_free(before);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_impersonated_service_account_without_rbac_is_forbidden)
{
	struct k8s *k = it_client(), *sa = NULL;
	char *ns = ns_make(k, "imp");
	struct k8s_ref ref = { "v1", "ConfigMap", ns, "x" };
	struct k8s_list_opts lo = { "v1", "ConfigMap", ns, NULL, NULL, 0 };
	struct doc *cm = configmap(ns, "x", "y"), *got = NULL;
	struct doc *cm2 = configmap(ns, "z", "y");
	struct err err = ERR_INIT;

	T_OK(k8s_create(NULL, k, doc_root(cm, 0), NULL, &err), &err);
	T_OK(k8s_impersonate_sa(&sa, k, ns, "nobody", &err), &err);
	T_EQ(k8s_get(&got, sa, &ref, &err), -1);
	T_EQ(err.code, ERR_AUTH);
	T_STREQ(err.reason, "Forbidden");
	T_TRUE(strstr(err.msg, "system:serviceaccount:") != NULL);
	err_reset(&err);
	T_ERR(k8s_list(&got, sa, &lo, &err), &err, ERR_AUTH);
	T_ERR(k8s_create(NULL, sa, doc_root(cm2, 0), NULL, &err), &err,
	    ERR_AUTH);
	/* The same request as ourselves works. */
	T_OK(k8s_get(&got, k, &ref, &err), &err);
	doc_free(got);
	doc_free(cm2);
	doc_free(cm);
	k8s_free(sa);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_events_and_leases)
{
	struct k8s *k = it_client();
	char *ns = ns_make(k, "lease");
	struct doc *cm = configmap(ns, "subject", "v"), *out = NULL;
	struct doc *list = NULL;
	struct k8s_event_info ev = { NULL, "Normal", "ReconciliationSucceeded",
		"Applied revision: main@sha1:abc", "Reconcile",
		"kustomize-controller", "flint-it", NULL };
	struct k8s_list_opts lo = { "events.k8s.io/v1", "Event", ns, NULL, NULL,
		0 };
	struct k8s_lease l = { "me", 15, 0, 0, 0, "" }, other, read;
	struct err err = ERR_INIT;

	T_OK(k8s_create(&out, k, doc_root(cm, 0), NULL, &err), &err);
	ev.regarding = out != NULL ? doc_root(out, 0) : NULL;
	T_OK(k8s_event_create(k, &ev, &err), &err);
	T_OK(k8s_list(&list, k, &lo, &err), &err);
	T_STREQ(list != NULL ? at(doc_root(list, 0), "/items/0/reason") : NULL,
	    "ReconciliationSucceeded");
	T_STREQ(list != NULL ? at(doc_root(list, 0), "/items/0/regarding/uid")
	                     : NULL,
	    out != NULL ? at(doc_root(out, 0), "/metadata/uid") : "");
	l.acquire_us = l.renew_us = k8s_wall_us();
	T_OK(k8s_lease_create(k, ns, "leader", &l, &err), &err);
	other = l;
	T_ERR(k8s_lease_create(k, ns, "leader", &other, &err), &err,
	    ERR_CONFLICT);
	other = l;
	l.renew_us += 1000000;
	T_OK(k8s_lease_update(k, ns, "leader", &l, &err), &err);
	str_lcpy(other.holder, "someone-else", sizeof(other.holder));
	T_ERR(k8s_lease_update(k, ns, "leader", &other, &err), &err,
	    ERR_CONFLICT);
	T_OK(k8s_lease_get(&read, k, ns, "leader", &err), &err);
	T_STREQ(read.holder, "me");
	T_EQ(read.renew_us, l.renew_us);
	T_EQ(read.duration_s, 15);
	T_ERR(k8s_lease_get(&read, k, ns, "missing", &err), &err, ERR_NOTFOUND);
	doc_free(list);
	doc_free(out);
	doc_free(cm);
	ns_drop(k, ns);
	k8s_free(k);
}

T_TEST(test_requests_use_http2_and_reuse_the_connection)
{
	struct k8s *k = it_client();
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	long version = 0, connects = -1;
	CURL *h;
	int i;

	for (i = 0; i < 2; i++) {
		T_OK(k8s_get_path(&d, k, "/version", &err), &err);
		doc_free(d);
		d = NULL;
	}
	/* The handle that served the second request went back to the pool;
	 * it tells which protocol it spoke and whether it had to connect. */
	h = k8s_handle_take(k->core);
	curl_easy_getinfo(h, CURLINFO_HTTP_VERSION, &version);
	curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
	T_EQ(version, CURL_HTTP_VERSION_2_0);
	T_EQ(connects, 0);
	k8s_handle_give(k->core, h);
	k8s_free(k);
}
