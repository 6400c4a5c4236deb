/*
 * The real source-controller (started by run.sh) against the real
 * control plane and a real Helm repository served by nginx:
 * HelmRepositories become Ready with the index digest as revision and
 * the index as artifact (anonymous and with basic auth), HelmCharts pull
 * the version their range picks from it with the chart version as
 * revision; each new artifact is announced on the bus; an unreachable
 * host, wrong credentials, a garbage index, no matching version, a chart
 * archive with a path escape, a missing source and an unsupported source
 * kind become Ready=False with Flux's reasons while the others go on.
 * Charts packaged from a GitRepository (served by git-http-backend) carry
 * their dependencies and merged valuesFiles, with the chart version (and
 * the commit under reconcileStrategy Revision) as revision.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "artifact/artifact.h"
#include "bus/bus.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"
#include "ctrl/status.h"
#include "http.h"
#include "kube.h"
#include "t.h"

#define API     "source.toolkit.fluxcd.io/v1"
#define WAIT_MS 30000

/* ---- fixture: one namespace, one bus subscriber -------------------------- */

#define EVENTS_MAX 64

static struct {
	struct k8s *k;
	char ns[64];
	struct bus *sub;
	pthread_mutex_t mu;
	struct {
		char kind[32], name[64], revision[128], digest[80];
	} ev[EVENTS_MAX];
	size_t n;
} fx = { .mu = PTHREAD_MUTEX_INITIALIZER };

static const char *
env(const char *name)
{
	const char *v = getenv(name);

	if (v == NULL) {
		(void)fprintf(stderr, "%s is not set: run through run.sh\n",
		    name);
		exit(2);
	}
	return v;
}

static void
on_artifact(void *arg, const struct bus_msg *msg)
{
	(void)arg;
	if (msg->type != BUS_ARTIFACT)
		return;
	pthread_mutex_lock(&fx.mu);
	if (fx.n < EVENTS_MAX &&
	    strcmp(msg->artifact.source_namespace, fx.ns) == 0) {
		str_lcpy(fx.ev[fx.n].kind, msg->artifact.source_kind,
		    sizeof(fx.ev[fx.n].kind));
		str_lcpy(fx.ev[fx.n].name, msg->artifact.source_name,
		    sizeof(fx.ev[fx.n].name));
		str_lcpy(fx.ev[fx.n].revision, msg->artifact.revision,
		    sizeof(fx.ev[fx.n].revision));
		str_lcpy(fx.ev[fx.n].digest, msg->artifact.digest,
		    sizeof(fx.ev[fx.n].digest));
		fx.n++;
	}
	pthread_mutex_unlock(&fx.mu);
}

static void
teardown(void)
{
	bus_close(fx.sub);
	bus_shutdown();
	kube_ns_delete(fx.k, fx.ns);
	k8s_free(fx.k);
}

static bool
setup(void)
{
	static int state; /* 0 not yet, 1 ready, -1 failed */
	struct bus_opts o = { .recv = on_artifact };
	struct err err = ERR_INIT;

	if (state != 0)
		return state == 1;
	state = -1;
	if ((fx.k = kube_client()) == NULL ||
	    !kube_ns_create(fx.k, "helm", fx.ns))
		return false;
	if (bus_open(&fx.sub, BUS_SUB, env("BUS_ARTIFACTS"), &o, &err) == -1 ||
	    bus_wait_peers(fx.sub, 1, WAIT_MS, &err) == -1) {
		(void)fprintf(stderr, "  bus: %s\n", err.msg);
		return false;
	}
	(void)atexit(teardown);
	state = 1;
	return true;
}

#define NEED_SETUP()                                                        \
	do {                                                                \
		if (!setup()) {                                             \
			t_fail(__FILE__, __LINE__, "fixture setup failed"); \
			return;                                             \
		}                                                           \
	} while (0)

/* The digest the bus announced for kind/name and revision, waiting up to
 * WAIT_MS; NULL if none came. Borrowed from the fixture. */
static const char *
bus_digest(const char *kind, const char *name, const char *revision)
{
	int64_t end = kube_now_ms() + WAIT_MS;
	const char *found = NULL;

	while (found == NULL && kube_now_ms() < end) {
		pthread_mutex_lock(&fx.mu);
		for (size_t i = 0; i < fx.n && found == NULL; i++)
			if (strcmp(fx.ev[i].kind, kind) == 0 &&
			    strcmp(fx.ev[i].name, name) == 0 &&
			    strcmp(fx.ev[i].revision, revision) == 0)
				found = fx.ev[i].digest;
		pthread_mutex_unlock(&fx.mu);
		if (found == NULL)
			kube_sleep_ms(50);
	}
	return found;
}

/* ---- objects ------------------------------------------------------------- */

static bool
obj_create(const char *kind, const char *name, const char *spec_members)
{
	return kube_create(fx.k,
	    "{\"apiVersion\":\"" API "\",\"kind\":\"%s\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},"
	    "\"spec\":{\"interval\":\"1h\",%s}}",
	    kind, name, fx.ns, spec_members);
}

static bool
repo_create(const char *name, const char *path, const char *extra)
{
	char *spec = xasprintf("\"url\":\"%s%s\"%s", env("HELM_URL"), path,
	    extra);
	bool ok = obj_create("HelmRepository", name, spec);

	free(spec);
	return ok;
}

static bool
chart_create(const char *name, const char *repo, const char *chart,
    const char *version)
{
	char *spec = xasprintf("\"chart\":\"%s\",\"version\":\"%s\","
	                       "\"sourceRef\":{\"kind\":\"HelmRepository\","
	                       "\"name\":\"%s\"}",
	    chart, version, repo);
	bool ok = obj_create("HelmChart", name, spec);

	free(spec);
	return ok;
}

static bool
secret_create(const char *name, const char *password)
{
	return kube_create(fx.k,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},"
	    "\"stringData\":{\"username\":\"flint\",\"password\":\"%s\"}}",
	    name, fx.ns, password);
}

static const char *
cond_field(const struct doc_node *obj, const char *type, const char *field)
{
	const struct doc_node *c = status_find_condition(doc_map_get(obj,
	                                                     "status"),
	    type);

	return doc_str(doc_map_get(c, field));
}

static void
status_dump(const struct doc *d)
{
	struct err err = ERR_INIT;
	struct buf b;
	char *s;

	if (d == NULL)
		return;
	buf_init(&b, BUF_MAX_DEFAULT);
	if (doc_emit_yaml(&b, doc_ptr_find(doc_root(d, 0), "/status"), &err) ==
	    -1) {
		buf_release(&b);
		return;
	}
	s = buf_detach(&b, NULL);
	(void)fprintf(stderr, "%s\n", s);
	free(s);
}

/* Waits until kind/name's Ready condition has status and reason (and the
 * artifact revision, unless NULL). Returns the object (caller frees the
 * doc) or NULL after printing its status. */
static struct doc *
wait_ready(const char *kind, const char *name, const char *status,
    const char *reason, const char *revision)
{
	struct k8s_ref ref = { API, kind, fx.ns, name };
	int64_t end = kube_now_ms() + WAIT_MS;
	struct doc *d = NULL;
	struct err err = ERR_INIT;

	while (kube_now_ms() < end) {
		const struct doc_node *o;

		doc_free(d);
		d = NULL;
		if (k8s_get(&d, fx.k, &ref, &err) == -1) {
			err_reset(&err);
			kube_sleep_ms(100);
			continue;
		}
		o = doc_root(d, 0);
		if (t_streq(cond_field(o, "Ready", "status"), status) &&
		    t_streq(cond_field(o, "Ready", "reason"), reason) &&
		    (revision == NULL ||
		        t_streq(doc_str(doc_ptr_find(o,
		                    "/status/artifact/revision")),
		            revision)))
			return d;
		kube_sleep_ms(100);
	}
	(void)fprintf(stderr, "  %s/%s: want Ready=%s %s %s; last seen:\n",
	    kind, name, status, reason, revision != NULL ? revision : "");
	status_dump(d);
	doc_free(d);
	return NULL;
}

/* Downloads status.artifact.url from the artifact server and checks it
 * against the status (size, digest), the layout (path) and want_sha256
 * (the bytes the Helm repository served). */
static void
check_artifact(const struct doc_node *obj, const char *want_path,
    const char *want_sha256)
{
	const char *url = doc_str(doc_ptr_find(obj, "/status/artifact/url"));
	const char *digest = doc_str(
	    doc_ptr_find(obj, "/status/artifact/digest"));
	char *want_digest = xasprintf("sha256:%s", want_sha256);
	char got[ARTIFACT_DIGEST_MAX];
	const char *path = NULL;
	struct http_resp r;
	int port;

	T_STREQ(doc_str(doc_ptr_find(obj, "/status/artifact/path")), want_path);
	T_STREQ(digest, want_digest);
	if (url == NULL || (port = http_url_port(url, &path)) == -1 ||
	    !http_get(&r, port, "GET", path)) {
		t_fail(__FILE__, __LINE__, "artifact not downloaded");
		free(want_digest);
		return;
	}
	T_EQ(r.status, 200);
	artifact_digest_mem(got, r.body, r.body_len);
	T_STREQ(got, want_digest);
	http_resp_free(&r);
	free(want_digest);
}

/* ---- cases ----------------------------------------------------------------
 */

T_TEST(test_repository_index_is_the_artifact)
{
	char *rev = xasprintf("sha256:%s", env("INDEX_SHA"));
	struct doc *d;
	char *path;

	NEED_SETUP();
	path = xasprintf("helmrepository/%s/charts/index-%s.yaml", fx.ns,
	    env("INDEX_SHA"));
	T_TRUE(repo_create("charts", "/charts", ""));
	d = wait_ready("HelmRepository", "charts", "True", "Succeeded", rev);
	T_TRUE(d != NULL);
	if (d != NULL) {
		const struct doc_node *o = doc_root(d, 0);
		char *msg = xasprintf("stored artifact: revision '%s'", rev);
		const char *url = doc_str(doc_ptr_find(o, "/status/url"));

		T_STREQ(cond_field(o, "Ready", "message"), msg);
		T_STREQ(cond_field(o, "ArtifactInStorage", "status"), "True");
		T_TRUE(url != NULL && str_has_suffix(url, "/index.yaml"));
		check_artifact(o, path, env("INDEX_SHA"));
		free(msg);
	}
	T_TRUE(bus_digest("HelmRepository", "charts", rev) != NULL);
	doc_free(d);
	free(rev);
	free(path);
}

T_TEST(test_basic_auth_repository_and_wrong_password)
{
	char *rev = xasprintf("sha256:%s", env("AUTH_INDEX_SHA"));
	struct doc *d;

	NEED_SETUP();
	T_TRUE(secret_create("good", "s3cret"));
	T_TRUE(secret_create("bad", "wrong"));
	T_TRUE(
	    repo_create("auth", "/auth", ",\"secretRef\":{\"name\":\"good\"}"));
	T_TRUE(repo_create("auth-bad", "/auth",
	    ",\"secretRef\":{\"name\":\"bad\"}"));
	T_TRUE(repo_create("auth-none", "/auth", ""));
	T_TRUE(repo_create("auth-nosecret", "/auth",
	    ",\"secretRef\":{\"name\":\"missing\"}"));
	d = wait_ready("HelmRepository", "auth", "True", "Succeeded", rev);
	T_TRUE(d != NULL);
	doc_free(d);
	d = wait_ready("HelmRepository", "auth-bad", "False",
	    "AuthenticationFailed", NULL);
	T_TRUE(d != NULL);
	if (d != NULL) {
		const char *m = cond_field(doc_root(d, 0), "FetchFailed",
		    "message");

		T_TRUE(m != NULL && strstr(m, "401") != NULL);
		T_TRUE(m != NULL && strstr(m, "s3cret") == NULL);
	}
	doc_free(d);
	d = wait_ready("HelmRepository", "auth-none", "False",
	    "AuthenticationFailed", NULL);
	T_TRUE(d != NULL);
	doc_free(d);
	d = wait_ready("HelmRepository", "auth-nosecret", "False",
	    "AuthenticationFailed", NULL);
	T_TRUE(d != NULL);
	doc_free(d);
	free(rev);
}

T_TEST(test_unreachable_and_garbage_repositories_fail)
{
	char *spec;
	struct doc *d;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/charts\"", env("DOWN_URL"));
	T_TRUE(obj_create("HelmRepository", "down", spec));
	free(spec);
	T_TRUE(repo_create("garbage", "/garbage", ""));
	d = wait_ready("HelmRepository", "down", "False", "Failed", NULL);
	T_TRUE(d != NULL);
	if (d != NULL)
		T_STREQ(cond_field(doc_root(d, 0), "FetchFailed", "reason"),
		    "Failed");
	doc_free(d);
	d = wait_ready("HelmRepository", "garbage", "False", "IndexationFailed",
	    NULL);
	T_TRUE(d != NULL);
	if (d != NULL)
		T_TRUE(
		    doc_ptr_find(doc_root(d, 0), "/status/artifact") == NULL);
	doc_free(d);
}

T_TEST(test_oci_repository_is_ready_without_artifact)
{
	struct doc *d;

	NEED_SETUP();
	T_TRUE(obj_create("HelmRepository", "oci",
	    "\"type\":\"oci\",\"url\":\"oci://127.0.0.1:1/charts\""));
	d = wait_ready("HelmRepository", "oci", "True", "Succeeded", NULL);
	T_TRUE(d != NULL);
	if (d != NULL) {
		T_STREQ(cond_field(doc_root(d, 0), "Ready", "message"),
		    "Helm repository is Ready");
		T_TRUE(
		    doc_ptr_find(doc_root(d, 0), "/status/artifact") == NULL);
	}
	doc_free(d);
}

/* A HelmChart that must pull version with the chart's file digest. */
static void
expect_chart(const char *name, const char *version, const char *sha_env)
{
	struct doc *d = wait_ready("HelmChart", name, "True",
	    "ChartPullSucceeded", version);
	char *path = xasprintf("helmchart/%s/%s/podinfo-%s.tgz", fx.ns, name,
	    version);
	char *msg = xasprintf("pulled 'podinfo' chart with version '%s'",
	    version);

	T_TRUE(d != NULL);
	if (d != NULL) {
		const struct doc_node *o = doc_root(d, 0);

		T_STREQ(cond_field(o, "Ready", "message"), msg);
		T_STREQ(doc_str(doc_ptr_find(o, "/status/observedChartName")),
		    "podinfo");
		check_artifact(o, path, env(sha_env));
	}
	T_TRUE(bus_digest("HelmChart", name, version) != NULL);
	doc_free(d);
	free(path);
	free(msg);
}

T_TEST(test_charts_pull_the_version_their_range_picks)
{
	NEED_SETUP();
	T_TRUE(chart_create("latest", "charts", "podinfo", "*"));
	T_TRUE(chart_create("older", "charts", "podinfo", "<6.1.0"));
	T_TRUE(chart_create("authed", "auth", "podinfo", "6.1.x"));
	expect_chart("latest", "6.1.0", "CHART_610_SHA");
	expect_chart("older", "6.0.0", "CHART_600_SHA"); /* absolute URL */
	expect_chart("authed", "6.1.0", "CHART_610_SHA");
}

T_TEST(test_chart_failures_carry_fluxs_reasons)
{
	struct doc *d;

	NEED_SETUP();
	T_TRUE(chart_create("nomatch", "charts", "podinfo", "9.x"));
	T_TRUE(chart_create("evil", "charts", "evil", "*"));
	T_TRUE(chart_create("nosource", "absent", "podinfo", "*"));
	T_TRUE(obj_create("HelmChart", "frombucket",
	    "\"chart\":\"charts/x\",\"sourceRef\":{\"kind\":\"Bucket\","
	    "\"name\":\"b\"}"));
	d = wait_ready("HelmChart", "nomatch", "False", "InvalidChartReference",
	    NULL);
	T_TRUE(d != NULL);
	if (d != NULL) {
		const char *m = cond_field(doc_root(d, 0), "Ready", "message");

		T_TRUE(m != NULL &&
		    strstr(m,
		        "no 'podinfo' chart with version matching "
		        "'9.x' found") != NULL);
	}
	doc_free(d);
	d = wait_ready("HelmChart", "evil", "False", "ChartPullError", NULL);
	T_TRUE(d != NULL);
	if (d != NULL) {
		T_STREQ(cond_field(doc_root(d, 0), "Stalled", "status"),
		    "True");
		T_TRUE(
		    doc_ptr_find(doc_root(d, 0), "/status/artifact") == NULL);
	}
	doc_free(d);
	d = wait_ready("HelmChart", "nosource", "False", "SourceUnavailable",
	    NULL);
	T_TRUE(d != NULL);
	doc_free(d);
	d = wait_ready("HelmChart", "frombucket", "False", "UnsupportedFeature",
	    NULL);
	T_TRUE(d != NULL);
	doc_free(d);
}

/* ---- charts from a GitRepository ---------------------------------------- */

static bool
git_chart_create(const char *name, const char *chart, const char *extra)
{
	char *spec = xasprintf("\"chart\":\"%s\",\"sourceRef\":{\"kind\":"
	                       "\"GitRepository\",\"name\":\"gitsrc\"}%s",
	    chart, extra);
	bool ok = obj_create("HelmChart", name, spec);

	free(spec);
	return ok;
}

/* Downloads the chart artifact and extracts it into a new directory
 * (returned; the caller removes and frees it). */
static char *
chart_fetch(const struct doc_node *obj)
{
	const char *url = doc_str(doc_ptr_find(obj, "/status/artifact/url"));
	const char *digest = doc_str(
	    doc_ptr_find(obj, "/status/artifact/digest"));
	char *dir = xstrdup("/tmp/flint-helmsrc-chart-XXXXXX");
	const char *path = NULL;
	struct err err = ERR_INIT;
	struct http_resp r;
	int port;

	if (url == NULL || (port = http_url_port(url, &path)) == -1 ||
	    !http_get(&r, port, "GET", path) || mkdtemp(dir) == NULL) {
		t_fail(__FILE__, __LINE__, "chart not downloaded");
		free(dir);
		return NULL;
	}
	T_EQ(r.status, 200);
	T_OK(artifact_extract_mem(dir, r.body, r.body_len, digest, NULL, &err),
	    &err);
	http_resp_free(&r);
	return dir;
}

static char *
file_text(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	char buf[4096];
	size_t n = 0;

	free(path);
	if (f == NULL)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

T_TEST(test_git_chart_is_packaged_with_deps_and_values)
{
	char *spec, *rev, *dir = NULL, *values = NULL, *dep = NULL;
	struct err err = ERR_INIT;
	struct doc *d;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s\",\"ref\":{\"branch\":\"master\"}",
	    env("GIT_URL"));
	T_TRUE(obj_create("GitRepository", "gitsrc", spec));
	free(spec);
	d = wait_ready("GitRepository", "gitsrc", "True", "Succeeded", NULL);
	T_TRUE(d != NULL);
	doc_free(d);
	T_TRUE(git_chart_create("pkg", "charts/app",
	    ",\"valuesFiles\":[\"charts/app/values.yaml\",\"env/prod.yaml\"]"));
	d = wait_ready("HelmChart", "pkg", "True", "ChartPackageSucceeded",
	    "0.3.0");
	T_TRUE(d != NULL);
	if (d != NULL) {
		const struct doc_node *o = doc_root(d, 0);
		char *path = xasprintf("helmchart/%s/pkg/app-0.3.0.tgz", fx.ns);

		T_STREQ(doc_str(doc_ptr_find(o, "/status/artifact/path")),
		    path);
		T_STREQ(doc_str(doc_ptr_find(o, "/status/observedChartName")),
		    "app");
		T_STREQ(cond_field(o, "Ready", "message"),
		    "packaged 'app' chart with version '0.3.0'");
		dir = chart_fetch(o);
		free(path);
	}
	if (dir != NULL) {
		values = file_text(dir, "app/values.yaml");
		dep = file_text(dir, "app/charts/dep/Chart.yaml");
		T_TRUE(values != NULL && strstr(values, "replicas: 3") != NULL);
		T_TRUE(
		    values != NULL && strstr(values, "image: app:1") != NULL);
		T_TRUE(dep != NULL && strstr(dep, "name: dep") != NULL);
		T_OK(artifact_tree_remove(dir, false, &err), &err);
	}
	T_TRUE(bus_digest("HelmChart", "pkg", "0.3.0") != NULL);
	free(values);
	free(dep);
	free(dir);
	doc_free(d);
	rev = xasprintf("0.3.0+%.12s", env("CHART_COMMIT"));
	T_TRUE(git_chart_create("pkg-rev", "charts/app",
	    ",\"reconcileStrategy\":\"Revision\""));
	d = wait_ready("HelmChart", "pkg-rev", "True", "ChartPackageSucceeded",
	    rev);
	T_TRUE(d != NULL);
	doc_free(d);
	free(rev);
}

T_TEST(test_git_chart_failures)
{
	struct doc *d;

	NEED_SETUP();
	T_TRUE(git_chart_create("pkg-missing", "charts/nope", ""));
	T_TRUE(git_chart_create("pkg-escape", "../../etc", ""));
	T_TRUE(git_chart_create("pkg-novalues", "charts/app",
	    ",\"valuesFiles\":[\"env/absent.yaml\"]"));
	d = wait_ready("HelmChart", "pkg-missing", "False", "ChartPackageError",
	    NULL);
	T_TRUE(d != NULL);
	doc_free(d);
	d = wait_ready("HelmChart", "pkg-escape", "False", "ChartPackageError",
	    NULL);
	T_TRUE(d != NULL);
	if (d != NULL)
		T_STREQ(cond_field(doc_root(d, 0), "Stalled", "status"),
		    "True");
	doc_free(d);
	d = wait_ready("HelmChart", "pkg-novalues", "False",
	    "ChartPackageError", NULL);
	T_TRUE(d != NULL);
	doc_free(d);
}

/* ---- OCIRepository against docker-registry ------------------------------ */

static bool
oci_create(const char *name, const char *url, const char *members)
{
	char *spec = xasprintf("\"url\":\"%s\",\"insecure\":true%s", url,
	    members);
	bool ok = obj_create("OCIRepository", name, spec);

	free(spec);
	return ok;
}

/* Ready with revision; the artifact, extracted, has deploy/app.yaml
 * with want (extract), or is the layer blob itself (copy). */
static void
expect_oci(const char *name, const char *revision, const char *hex,
    const char *want)
{
	struct doc *d = wait_ready("OCIRepository", name, "True", "Succeeded",
	    revision);
	char *path = xasprintf("ocirepository/%s/%s/%s.tar.gz", fx.ns, name,
	    hex);
	struct err err = ERR_INIT;
	char *dir = NULL, *text = NULL;

	T_TRUE(d != NULL);
	if (d != NULL) {
		const struct doc_node *o = doc_root(d, 0);

		T_STREQ(doc_str(doc_ptr_find(o, "/status/artifact/path")),
		    path);
		T_STREQ(doc_str(doc_ptr_find(o,
		            "/status/artifact/metadata/"
		            "org.opencontainers.image.source")),
		    "https://example.com/app");
		dir = chart_fetch(o);
	}
	if (dir != NULL) {
		text = file_text(dir, "deploy/app.yaml");
		T_STREQ(text, want);
		T_OK(artifact_tree_remove(dir, false, &err), &err);
	}
	T_TRUE(bus_digest("OCIRepository", name, revision) != NULL);
	free(text);
	free(dir);
	free(path);
	doc_free(d);
}

T_TEST(test_oci_artifacts_by_tag_semver_and_digest)
{
	char *rev, *dig;

	NEED_SETUP();
	T_TRUE(
	    oci_create("tag", env("OCI_URL"), ",\"ref\":{\"tag\":\"v1.0.0\"}"));
	T_TRUE(oci_create("semver", env("OCI_URL"),
	    ",\"ref\":{\"semver\":\">=1.0.0\"}"));
	dig = xasprintf("{\"digest\":\"sha256:%s\"}", env("OCI_V100"));
	rev = xasprintf(",\"ref\":%s", dig);
	T_TRUE(oci_create("digest", env("OCI_URL"), rev));
	free(rev);
	free(dig);
	T_TRUE(oci_create("latest", env("OCI_URL"), ""));
	rev = xasprintf("v1.0.0@sha256:%s", env("OCI_V100"));
	expect_oci("tag", rev, env("OCI_V100"), "name: one\n");
	free(rev);
	rev = xasprintf("v1.1.0@sha256:%s", env("OCI_V110"));
	expect_oci("semver", rev, env("OCI_V110"), "name: two\n");
	free(rev);
	rev = xasprintf("sha256:%s", env("OCI_V100"));
	expect_oci("digest", rev, env("OCI_V100"), "name: one\n");
	free(rev);
	rev = xasprintf("latest@sha256:%s", env("OCI_LATEST"));
	expect_oci("latest", rev, env("OCI_LATEST"), "name: two\n");
	free(rev);
}

T_TEST(test_oci_failures)
{
	char *junk = xasprintf("oci://127.0.0.1:%s/junk", env("HELM_PORT"));
	struct doc *d;

	NEED_SETUP();
	T_TRUE(
	    oci_create("notag", env("OCI_URL"), ",\"ref\":{\"tag\":\"v9\"}"));
	T_TRUE(oci_create("nosemver", env("OCI_URL"),
	    ",\"ref\":{\"semver\":\">=5.0.0\"}"));
	T_TRUE(oci_create("junk", junk, ""));
	T_TRUE(oci_create("nolayer", env("OCI_URL"),
	    ",\"layerSelector\":{\"mediaType\":\"application/x-none\"}"));
	free(junk);
	d = wait_ready("OCIRepository", "notag", "False",
	    "OCIArtifactPullFailed", NULL);
	T_TRUE(d != NULL);
	doc_free(d);
	d = wait_ready("OCIRepository", "nosemver", "False",
	    "OCIArtifactPullFailed", NULL);
	T_TRUE(d != NULL);
	doc_free(d);
	d = wait_ready("OCIRepository", "junk", "False",
	    "OCIArtifactPullFailed", NULL);
	T_TRUE(d != NULL);
	doc_free(d);
	d = wait_ready("OCIRepository", "nolayer", "False",
	    "OCIArtifactPullFailed", NULL);
	T_TRUE(d != NULL);
	doc_free(d);
}

T_TEST(test_oci_bearer_token_flow_with_dockerconfigjson)
{
	char *url = xasprintf("oci://127.0.0.1:%s/tok", env("HELM_PORT"));
	char *rev = xasprintf("v1@sha256:%s", env("OCI_TOK"));
	const char *ref = ",\"ref\":{\"tag\":\"v1\"}";
	char *with = xasprintf("%s,\"secretRef\":{\"name\":\"regcred\"}", ref);
	struct doc *d;

	NEED_SETUP();
	T_TRUE(kube_create(fx.k,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
	    "\"type\":\"kubernetes.io/dockerconfigjson\","
	    "\"metadata\":{\"name\":\"regcred\",\"namespace\":\"%s\"},"
	    "\"stringData\":{\".dockerconfigjson\":\"{\\\"auths\\\":"
	    "{\\\"127.0.0.1:%s\\\":{\\\"username\\\":\\\"flint\\\","
	    "\\\"password\\\":\\\"s3cret\\\"}}}\"}}",
	    fx.ns, env("HELM_PORT")));
	T_TRUE(oci_create("tok", url, with));
	T_TRUE(oci_create("tok-anon", url, ref));
	d = wait_ready("OCIRepository", "tok", "True", "Succeeded", rev);
	T_TRUE(d != NULL);
	doc_free(d);
	d = wait_ready("OCIRepository", "tok-anon", "False",
	    "OCIArtifactPullFailed", NULL);
	T_TRUE(d != NULL);
	if (d != NULL) {
		const char *m = cond_field(doc_root(d, 0), "Ready", "message");

		T_TRUE(m != NULL && strstr(m, "401") != NULL);
	}
	doc_free(d);
	free(url);
	free(rev);
	free(with);
}
