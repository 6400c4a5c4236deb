/*
 * The real source-controller (started by run.sh) against the real
 * control plane and real Git servers: GitRepositories over HTTP, HTTPS
 * with basic auth and a private CA, SSH with known_hosts, tags and
 * semver become Ready with Flux's exact revisions; the artifact the
 * server hands out has the status's digest and the commit's files; each
 * new artifact is announced on the bus; a pushed commit arrives after a
 * ReconcileRequest; failures carry Flux's reasons while others go on;
 * deletion removes the storage.
 */
#include <dirent.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "bus/bus.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"
#include "ctrl/ctrl.h"
#include "ctrl/status.h"
#include "http.h"
#include "kube.h"
#include "t.h"

#define API     "source.toolkit.fluxcd.io/v1"
#define KIND    "GitRepository"
#define WAIT_MS 60000

/* ---- fixture: one namespace, one bus subscriber -------------------------- */

#define EVENTS_MAX 256

struct seen {
	char name[64];
	char revision[128];
	char digest[80];
	char url[512];
	int64_t size;
	int64_t at_ms;
};

static struct {
	struct k8s *k;
	char ns[64];
	struct bus *sub;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct seen ev[EVENTS_MAX];
	size_t n;
} fx = { .mu = PTHREAD_MUTEX_INITIALIZER, .cv = PTHREAD_COND_INITIALIZER };

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
	struct seen *s;

	(void)arg;
	if (msg->type != BUS_ARTIFACT)
		return;
	pthread_mutex_lock(&fx.mu);
	if (fx.n < EVENTS_MAX &&
	    strcmp(msg->artifact.source_namespace, fx.ns) == 0) {
		s = &fx.ev[fx.n++];
		str_lcpy(s->name, msg->artifact.source_name, sizeof(s->name));
		str_lcpy(s->revision, msg->artifact.revision,
		    sizeof(s->revision));
		str_lcpy(s->digest, msg->artifact.digest, sizeof(s->digest));
		str_lcpy(s->url, msg->artifact.url, sizeof(s->url));
		s->size = msg->artifact.size;
		s->at_ms = kube_now_ms();
		pthread_cond_broadcast(&fx.cv);
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
	    !kube_ns_create(fx.k, "src", fx.ns))
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

/* Fails and leaves the test when the fixture could not be set up. */
#define NEED_SETUP()                                                        \
	do {                                                                \
		if (!setup()) {                                             \
			t_fail(__FILE__, __LINE__, "fixture setup failed"); \
			return;                                             \
		}                                                           \
	} while (0)

/* Index of the first ArtifactEvent for name (and revision, unless NULL)
 * at or after from, waiting up to ms; -1 if none came. */
static int
bus_wait(const char *name, const char *revision, size_t from, int64_t ms)
{
	int64_t end = kube_now_ms() + ms;
	int found = -1;

	pthread_mutex_lock(&fx.mu);
	for (;;) {
		for (size_t i = from; i < fx.n && found == -1; i++)
			if (strcmp(fx.ev[i].name, name) == 0 &&
			    (revision == NULL ||
			        strcmp(fx.ev[i].revision, revision) == 0))
				found = (int)i;
		if (found != -1 || kube_now_ms() >= end)
			break;
		pthread_mutex_unlock(&fx.mu);
		kube_sleep_ms(20);
		pthread_mutex_lock(&fx.mu);
	}
	pthread_mutex_unlock(&fx.mu);
	return found;
}

static size_t
bus_count(void)
{
	size_t n;

	pthread_mutex_lock(&fx.mu);
	n = fx.n;
	pthread_mutex_unlock(&fx.mu);
	return n;
}

/* ---- objects ------------------------------------------------------------- */

static struct k8s_ref
ref_of(const char *name)
{
	return (struct k8s_ref){ API, KIND, fx.ns, name };
}

/* A GitRepository with interval 1h (so only we trigger reconciles) and
 * the rest of spec as JSON members. */
static bool
repo_create(const char *name, const char *spec_members)
{
	return kube_create(fx.k,
	    "{\"apiVersion\":\"" API "\",\"kind\":\"" KIND "\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},"
	    "\"spec\":{\"interval\":\"1h\",%s}}",
	    name, fx.ns, spec_members);
}

static bool
secret_create(const char *name, const char *string_data)
{
	return kube_create(fx.k,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Secret\","
	    "\"metadata\":{\"name\":\"%s\",\"namespace\":\"%s\"},"
	    "\"stringData\":{%s}}",
	    name, fx.ns, string_data);
}

/* A file's text as a JSON string body (escaped), caller frees. */
static char *
json_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	int ch;

	if (f == NULL)
		return xstrdup("");
	buf_init(&b, BUF_MAX_DEFAULT);
	while ((ch = fgetc(f)) != EOF) {
		if (ch == '\n')
			buf_puts(&b, "\\n");
		else if (ch == '"' || ch == '\\')
			buf_printf(&b, "\\%c", ch);
		else
			buf_putc(&b, (char)ch);
	}
	(void)fclose(f);
	return buf_detach(&b, NULL);
}

static const char *
cond_field(const struct doc_node *obj, const char *type, const char *field)
{
	const struct doc_node *c = status_find_condition(doc_map_get(obj,
	                                                     "status"),
	    type);

	return doc_str(doc_map_get(c, field));
}

/*
 * Waits until the object's Ready condition has status and reason (and
 * the artifact revision, when not NULL), at the current generation.
 * Returns the object (caller frees the doc) or NULL after printing it.
 */
static struct doc *
wait_ready(const char *name, const char *status, const char *reason,
    const char *revision)
{
	struct k8s_ref ref = ref_of(name);
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
	(void)fprintf(stderr, "  %s: want Ready=%s %s %s; last seen:\n", name,
	    status, reason, revision != NULL ? revision : "");
	if (d != NULL) {
		struct buf b;

		buf_init(&b, BUF_MAX_DEFAULT);
		if (doc_emit_yaml(&b, doc_ptr_find(doc_root(d, 0), "/status"),
		        &err) == 0) {
			char *s = buf_detach(&b, NULL);

			(void)fprintf(stderr, "%s\n", s);
			free(s);
		} else {
			buf_release(&b);
		}
	}
	doc_free(d);
	return NULL;
}

static char *
rev_of(const char *prefix, const char *sha_env)
{
	return xasprintf("%s@sha1:%s", prefix, env(sha_env));
}

/* Whether a Kubernetes Event about name with reason (and the revision
 * annotation, unless NULL) shows up within a few seconds. */
static bool
event_seen(const char *name, const char *reason, const char *revision)
{
	struct k8s_list_opts lo = { .api_version = "events.k8s.io/v1",
		.kind = "Event",
		.namespace = fx.ns };
	int64_t end = kube_now_ms() + 10000;

	while (kube_now_ms() < end) {
		struct doc *d = NULL;
		struct err err = ERR_INIT;
		const struct doc_node *items;
		bool found = false;

		if (k8s_list(&d, fx.k, &lo, &err) == 0) {
			items = doc_map_get(doc_root(d, 0), "items");
			for (size_t i = 0;
			     items != NULL && items->kind == DOC_SEQ &&
			     i < items->u.seq.n && !found;
			     i++) {
				const struct doc_node *e = items->u.seq
				                               .items[i];
				const struct doc_node *ann = doc_ptr_find(e,
				    "/metadata/annotations");

				found = t_streq(doc_str(doc_ptr_find(e,
				                    "/regarding/name")),
				            name) &&
				    t_streq(doc_str(doc_map_get(e, "reason")),
				        reason) &&
				    (revision == NULL ||
				        t_streq(doc_str(doc_map_get(ann,
				                    "source.toolkit.fluxcd.io/"
				                    "revision")),
				            revision));
			}
		}
		doc_free(d);
		if (found)
			return true;
		kube_sleep_ms(200);
	}
	return false;
}

/* ---- the artifact, as a consumer sees it --------------------------------- */

/* Reads a file of an extracted tree into a new string, or NULL. */
static char *
slurp(const char *dir, const char *rel)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	free(path);
	if (f == NULL)
		return NULL;
	buf_init(&b, BUF_MAX_DEFAULT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	(void)fclose(f);
	return buf_detach(&b, NULL);
}

/*
 * Downloads status.artifact.url, checks size and digest against the
 * status and the path against Flux's layout, and extracts it into a
 * new directory (returned; the caller removes and frees it).
 */
static char *
artifact_fetch(const struct doc_node *obj, const char *name, const char *commit)
{
	const char *url = doc_str(doc_ptr_find(obj, "/status/artifact/url"));
	const char *want = doc_str(
	    doc_ptr_find(obj, "/status/artifact/digest"));
	char *want_path = xasprintf("gitrepository/%s/%s/%s.tar.gz", fx.ns,
	    name, commit);
	char *want_url = xasprintf("http://%s/%s", env("STORAGE_ADDR"),
	    want_path);
	const char *path = NULL;
	char got[ARTIFACT_DIGEST_MAX];
	struct http_resp r;
	struct err err = ERR_INIT;
	int64_t size = -1;
	int port;
	char *dir = xstrdup("/tmp/flint-src-art-XXXXXX");

	T_STREQ(doc_str(doc_ptr_find(obj, "/status/artifact/path")), want_path);
	T_STREQ(url, want_url);
	T_TRUE(doc_str(doc_ptr_find(obj, "/status/artifact/lastUpdateTime")) !=
	    NULL);
	(void)doc_get_int(&size, doc_ptr_find(obj, "/status/artifact/size"),
	    &err);
	free(want_path);
	free(want_url);
	if (url == NULL || want == NULL ||
	    (port = http_url_port(url, &path)) == -1 ||
	    !http_get(&r, port, "GET", path)) {
		t_fail(__FILE__, __LINE__, "artifact not downloaded");
		free(dir);
		return NULL;
	}
	T_EQ(r.status, 200);
	T_EQ(r.length, size);
	T_EQ((long long)r.body_len, size);
	artifact_digest_mem(got, r.body, r.body_len);
	T_STREQ(got, want);
	T_TRUE(mkdtemp(dir) != NULL);
	T_OK(artifact_extract_mem(dir, r.body, r.body_len, want, NULL, &err),
	    &err);
	http_resp_free(&r);
	return dir;
}

static void
dir_remove(char *dir)
{
	struct err err = ERR_INIT;

	if (dir != NULL)
		T_OK(artifact_tree_remove(dir, false, &err), &err);
	free(dir);
}

/* Ready with the exact revision, the artifact right, the event sent. */
static struct doc *
expect_artifact(const char *name, const char *revision, const char *commit,
    const char *file, const char *text)
{
	struct doc *d = wait_ready(name, "True", "Succeeded", revision);
	char *dir, *got;
	int i;

	T_TRUE(d != NULL);
	if (d == NULL)
		return NULL;
	dir = artifact_fetch(doc_root(d, 0), name, commit);
	got = dir != NULL ? slurp(dir, file) : NULL;
	T_STREQ(got, text);
	free(got);
	dir_remove(dir);
	i = bus_wait(name, revision, 0, WAIT_MS);
	T_TRUE(i >= 0);
	if (i >= 0)
		T_STREQ(fx.ev[i].digest,
		    doc_str(doc_ptr_find(doc_root(d, 0),
		        "/status/artifact/digest")));
	return d;
}

static void expect_fetch_failure(const char *name, const char *reason,
    const char *text);

/* ---- cases ----------------------------------------------------------------
 */

T_TEST(test_http_branch_ready_with_artifact_and_event)
{
	char *spec, *rev;
	struct doc *d;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/repo.git\",\"ref\":{\"branch\":"
	                 "\"main\"}",
	    env("HTTP_URL"));
	T_TRUE(repo_create("anon", spec));
	rev = rev_of("main", "SHA_TWO");
	d = expect_artifact("anon", rev, env("SHA_TWO"), "deploy/app.yaml",
	    "kind: ConfigMap\nname: two\n");
	if (d != NULL) {
		const struct doc_node *o = doc_root(d, 0);

		char *msg = xasprintf("stored artifact for revision '%s'", rev);

		T_STREQ(cond_field(o, "Ready", "message"), msg);
		T_STREQ(cond_field(o, "ArtifactInStorage", "message"), msg);
		free(msg);
		T_STREQ(cond_field(o, "ArtifactInStorage", "status"), "True");
		T_TRUE(cond_field(o, "FetchFailed", "status") == NULL);
		T_TRUE(doc_ptr_find(o, "/status/observedGeneration") != NULL);
		T_TRUE(ctrl_has_finalizer(o, STATUS_FINALIZER));
		T_TRUE(event_seen("anon", "NewArtifact", rev));
	}
	doc_free(d);
	free(rev);
	free(spec);
}

T_TEST(test_https_basic_auth_ca_and_tag)
{
	char *path, *ca, *data, *spec, *rev;
	struct doc *d;

	NEED_SETUP();
	path = xasprintf("%s/ca.crt", env("T"));
	ca = json_file(path);
	free(path);
	data = xasprintf("\"username\":\"flint\",\"password\":\"s3cret\","
	                 "\"ca.crt\":\"%s\"",
	    ca);
	T_TRUE(secret_create("basic", data));
	spec = xasprintf("\"url\":\"%s/auth/repo.git\",\"ref\":{\"tag\":"
	                 "\"v1.1.0\"},\"secretRef\":{\"name\":\"basic\"}",
	    env("HTTPS_URL"));
	T_TRUE(repo_create("basic", spec));
	rev = rev_of("v1.1.0", "SHA_TWO");
	d = expect_artifact("basic", rev, env("SHA_TWO"), "README.md",
	    "flint test repository\n");
	doc_free(d);
	free(rev);
	free(spec);
	free(data);
	free(ca);
}

T_TEST(test_bearer_token)
{
	char *spec, *rev;

	NEED_SETUP();
	T_TRUE(secret_create("bearer", "\"bearerToken\":\"t0ken\""));
	spec = xasprintf("\"url\":\"%s/bearer/repo.git\",\"ref\":{\"name\":"
	                 "\"refs/pull/1/head\"},\"secretRef\":{\"name\":"
	                 "\"bearer\"}",
	    env("HTTP_URL"));
	T_TRUE(repo_create("bearer", spec));
	rev = rev_of("refs/pull/1/head", "SHA_FOUR");
	doc_free(expect_artifact("bearer", rev, env("SHA_FOUR"), "pull.txt",
	    "pull\n"));
	free(rev);
	free(spec);
}

T_TEST(test_ssh_known_hosts_and_semver)
{
	char *p1, *p2, *key, *hosts, *data, *spec, *rev;
	struct doc *d;

	NEED_SETUP();
	if (getenv("SSH_SKIP") != NULL) {
		(void)fprintf(stderr, "  ssh skipped: %s\n",
		    getenv("SSH_SKIP"));
		return;
	}
	p1 = xasprintf("%s/client_ed25519", env("T"));
	p2 = xasprintf("%s/known_hosts", env("T"));
	key = json_file(p1);
	hosts = json_file(p2);
	data = xasprintf("\"identity\":\"%s\",\"known_hosts\":\"%s\"", key,
	    hosts);
	T_TRUE(secret_create("ssh", data));
	/* the highest tag in range: v1.2.0, annotated, on branch feature */
	spec = xasprintf("\"url\":\"%s/repo.git\",\"ref\":{\"semver\":"
	                 "\">=1.0.0 <2.0.0\"},\"secretRef\":{\"name\":\"ssh\"}",
	    env("SSH_URL"));
	T_TRUE(repo_create("ssh", spec));
	rev = rev_of("v1.2.0", "SHA_THREE");
	d = expect_artifact("ssh", rev, env("SHA_THREE"), "feature.txt",
	    "feature\n");
	doc_free(d);
	/* the same host under another key: refused */
	free(hosts);
	free(data);
	free(spec);
	free(p2);
	p2 = xasprintf("%s/wrong_known_hosts", env("T"));
	hosts = json_file(p2);
	data = xasprintf("\"identity\":\"%s\",\"known_hosts\":\"%s\"", key,
	    hosts);
	T_TRUE(secret_create("ssh-wrong", data));
	spec = xasprintf("\"url\":\"%s/repo.git\",\"secretRef\":{\"name\":"
	                 "\"ssh-wrong\"}",
	    env("SSH_URL"));
	T_TRUE(repo_create("ssh-wrong", spec));
	expect_fetch_failure("ssh-wrong", "AuthenticationFailed", "");
	free(rev);
	free(spec);
	free(data);
	free(hosts);
	free(key);
	free(p2);
	free(p1);
}

T_TEST(test_ignore_keeps_files_out)
{
	char *spec, *rev, *dir, *got;
	struct doc *d;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/repo.git\",\"ref\":{\"branch\":"
	                 "\"main\"},\"ignore\":\"deploy/\\n\"",
	    env("HTTP_URL"));
	T_TRUE(repo_create("ignored", spec));
	rev = rev_of("main", "SHA_TWO");
	d = wait_ready("ignored", "True", "Succeeded", rev);
	T_TRUE(d != NULL);
	if (d != NULL) {
		T_STREQ(doc_str(doc_ptr_find(doc_root(d, 0),
		            "/status/observedIgnore")),
		    "deploy/\n");
		dir = artifact_fetch(doc_root(d, 0), "ignored", env("SHA_TWO"));
		got = dir != NULL ? slurp(dir, "deploy/app.yaml") : NULL;
		T_TRUE(got == NULL);
		free(got);
		got = dir != NULL ? slurp(dir, "README.md") : NULL;
		T_STREQ(got, "flint test repository\n");
		free(got);
		dir_remove(dir);
	}
	doc_free(d);
	free(rev);
	free(spec);
}

/* Runs a shell command line; true when it exits 0. */
static bool
sh(char *cmd)
{
	char *const argv[] = { "/bin/sh", "-c", cmd, NULL };
	struct child c;

	if (!child_spawn(&c, argv))
		return false;
	while (child_read(&c, 100))
		;
	return child_wait(&c, WAIT_MS) == 0;
}

static bool
reconcile_request(const char *name)
{
	struct bus_opts o = { .sender = "flint-source-test" };
	struct bus_msg m = { .type = BUS_RECONCILE };
	struct bus *push = NULL;
	struct err err = ERR_INIT;
	bool ok;

	m.reconcile.kind = KIND;
	m.reconcile.namespace = fx.ns;
	m.reconcile.name = name;
	m.reconcile.reason = "test";
	ok = bus_open(&push, BUS_PUSH, env("BUS_RECONCILE"), &o, &err) == 0 &&
	    bus_wait_peers(push, 1, WAIT_MS, &err) == 0 &&
	    bus_send(push, &m, &err) == 0;
	if (!ok)
		(void)fprintf(stderr, "  reconcile request: %s\n", err.msg);
	/* nng has no linger: give the message time to leave */
	kube_sleep_ms(200);
	bus_close(push);
	return ok;
}

/* How many .tar.gz files the object's storage holds; -1 when the
 * current one (<commit>.tar.gz, which latest.tar.gz names) is not among
 * them. */
static int
artifacts_stored(const char *name, const char *commit)
{
	char *dir = xasprintf("%s/gitrepository/%s/%s", env("STORAGE_DIR"),
	    fx.ns, name);
	char *latest = xasprintf("%s/latest.tar.gz", dir);
	char target[256];
	ssize_t n = readlink(latest, target, sizeof(target) - 1);
	DIR *d = opendir(dir);
	struct dirent *e;
	int count = 0;
	bool current = false;

	if (n > 0)
		target[n] = '\0';
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (!str_has_suffix(e->d_name, ".tar.gz") ||
		    strcmp(e->d_name, "latest.tar.gz") == 0)
			continue;
		count++;
		if (str_has_prefix(e->d_name, commit) && n > 0 &&
		    strcmp(target, e->d_name) == 0)
			current = true;
	}
	if (d != NULL)
		closedir(d);
	free(latest);
	free(dir);
	return current ? count : -1;
}

T_TEST(test_push_then_reconcile_request_brings_new_revision)
{
	char *spec, *rev, *cmd, *sha_path, *sha;
	struct doc *d;
	size_t before;
	int64_t t0;
	int i;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/live.git\",\"ref\":{\"branch\":"
	                 "\"main\"}",
	    env("HTTP_URL"));
	T_TRUE(repo_create("live", spec));
	rev = rev_of("main", "SHA_TWO");
	doc_free(expect_artifact("live", rev, env("SHA_TWO"), "README.md",
	    "flint test repository\n"));
	free(rev);
	sha_path = xasprintf("%s/live.sha", env("T"));
	cmd = xasprintf("set -e; export HOME=%s/home GIT_CONFIG_NOSYSTEM=1;"
	                "w=$(mktemp -d); git clone -q %s/repos/live.git $w;"
	                "cd $w; git checkout -q main; date +%%s%%N > five.txt;"
	                "git add five.txt; git -c user.name=t "
	                "-c user.email=t@example.com commit -q -m five;"
	                "git push -q origin main; git rev-parse HEAD > %s;"
	                "rm -rf $w",
	    env("T"), env("T"), sha_path);
	T_TRUE(sh(cmd));
	sha = slurp("/", sha_path);
	T_TRUE(sha != NULL && strlen(sha) == 41);
	if (sha != NULL)
		sha[40] = '\0';
	rev = xasprintf("main@sha1:%s", sha != NULL ? sha : "");
	before = bus_count();
	t0 = kube_now_ms();
	T_TRUE(reconcile_request("live"));
	/* interval is 1h: only the request can bring it this soon */
	i = bus_wait("live", rev, before, 20000);
	T_TRUE(i >= 0);
	if (i >= 0)
		(void)fprintf(stderr,
		    "  push -> ArtifactEvent after the request: %lld ms\n",
		    (long long)(fx.ev[i].at_ms - t0));
	d = wait_ready("live", "True", "Succeeded", rev);
	T_TRUE(d != NULL);
	doc_free(d);
	/* two more: older artifacts are collected (run.sh: ttl 1s, keep 2) */
	for (int round = 0; round < 2; round++) {
		free(sha);
		free(rev);
		kube_sleep_ms(2500); /* past the ttl, at whole seconds */
		T_TRUE(sh(cmd));
		sha = slurp("/", sha_path);
		if (sha != NULL && strlen(sha) == 41)
			sha[40] = '\0';
		rev = xasprintf("main@sha1:%s", sha != NULL ? sha : "");
		T_TRUE(reconcile_request("live"));
		T_TRUE(bus_wait("live", rev, before, 20000) >= 0);
	}
	/* collected just after the event goes out: give it a moment */
	for (int64_t end = kube_now_ms() + 10000;
	     artifacts_stored("live", sha) != 1 && kube_now_ms() < end;)
		kube_sleep_ms(100);
	T_EQ(artifacts_stored("live", sha), 1);
	free(rev);
	free(sha);
	free(cmd);
	free(sha_path);
	free(spec);
}

/* Commits a file with text to branch main of bare repository repo
 * under $T/repos; the new commit id (caller frees) or NULL. */
static char *
commit_to(const char *repo, const char *file, const char *text)
{
	char *sha_path = xasprintf("%s/%s.sha", env("T"), repo);
	char *cmd = xasprintf(
	    "set -e; export HOME=%s/home GIT_CONFIG_NOSYSTEM=1;"
	    "w=$(mktemp -d); git clone -q %s/repos/%s.git $w; cd $w;"
	    "git checkout -q main; mkdir -p $(dirname %s); printf '%s' > %s;"
	    "git add -A; git -c user.name=t -c user.email=t@example.com "
	    "commit -q -m change; git push -q origin main;"
	    "git rev-parse HEAD > %s; rm -rf $w",
	    env("T"), env("T"), repo, file, text, file, sha_path);
	char *sha = NULL;

	if (sh(cmd)) {
		sha = slurp("/", sha_path);
		if (sha != NULL && strlen(sha) == 41)
			sha[40] = '\0';
	}
	free(cmd);
	free(sha_path);
	return sha;
}

T_TEST(test_include_copies_and_follows_the_included_repository)
{
	char *spec, *rev, *sha, *dir, *got;
	struct doc *d;
	int i;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/inc.git\",\"ref\":{\"branch\":"
	                 "\"main\"}",
	    env("HTTP_URL"));
	T_TRUE(repo_create("base", spec));
	free(spec);
	rev = rev_of("main", "SHA_TWO");
	doc_free(wait_ready("base", "True", "Succeeded", rev));
	/* fromPath deploy of base into vendor/base of master (commit one) */
	spec = xasprintf("\"url\":\"%s/git/repo.git\",\"include\":[{"
	                 "\"repository\":{\"name\":\"base\"},\"fromPath\":"
	                 "\"deploy\",\"toPath\":\"vendor/base\"}]",
	    env("HTTP_URL"));
	T_TRUE(repo_create("withinc", spec));
	free(spec);
	free(rev);
	rev = rev_of("master", "SHA_ONE");
	d = expect_artifact("withinc", rev, env("SHA_ONE"),
	    "vendor/base/app.yaml", "kind: ConfigMap\nname: two\n");
	free(rev);
	rev = rev_of("main", "SHA_TWO");
	if (d != NULL)
		T_STREQ(doc_str(doc_ptr_find(doc_root(d, 0),
		            "/status/includedArtifacts/0/revision")),
		    rev);
	doc_free(d);
	/* a new commit in base reaches withinc without a request for it */
	sha = commit_to("inc", "deploy/app.yaml", "name: three\n");
	T_TRUE(sha != NULL);
	free(rev);
	rev = xasprintf("main@sha1:%s", sha != NULL ? sha : "");
	i = (int)bus_count();
	T_TRUE(reconcile_request("base"));
	T_TRUE(bus_wait("base", rev, (size_t)i, 20000) >= 0);
	T_TRUE(bus_wait("withinc", NULL, (size_t)i, 20000) >= 0);
	d = wait_ready("withinc", "True", "Succeeded", NULL);
	dir = d != NULL
	    ? artifact_fetch(doc_root(d, 0), "withinc", env("SHA_ONE"))
	    : NULL;
	got = dir != NULL ? slurp(dir, "vendor/base/app.yaml") : NULL;
	T_STREQ(got, "name: three\n");
	free(got);
	dir_remove(dir);
	doc_free(d);
	free(sha);
	free(rev);
}

T_TEST(test_include_of_a_missing_repository_waits)
{
	char *spec;
	struct doc *d;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/repo.git\",\"include\":[{"
	                 "\"repository\":{\"name\":\"nowhere\"}}]",
	    env("HTTP_URL"));
	T_TRUE(repo_create("lonely", spec));
	d = wait_ready("lonely", "False", "NotFound", NULL);
	T_TRUE(d != NULL);
	if (d != NULL)
		T_STREQ(cond_field(doc_root(d, 0), "IncludeUnavailable",
		            "status"),
		    "True");
	doc_free(d);
	free(spec);
}

T_TEST(test_unchanged_remote_makes_no_new_artifact)
{
	char *spec, *rev;
	struct doc *d;
	struct k8s_ref ref = ref_of("still");
	char *before_time = NULL;
	size_t n;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/repo.git\",\"ref\":{\"commit\":"
	                 "\"%s\"}",
	    env("HTTP_URL"), env("SHA_ONE"));
	T_TRUE(repo_create("still", spec));
	rev = xasprintf("sha1:%s", env("SHA_ONE"));
	d = expect_artifact("still", rev, env("SHA_ONE"), "deploy/app.yaml",
	    "kind: ConfigMap\nname: one\n");
	if (d != NULL)
		before_time = xstrdup(doc_str(doc_ptr_find(doc_root(d, 0),
		    "/status/artifact/lastUpdateTime")));
	doc_free(d);
	n = bus_count();
	/* requestedAt: reconciled again (lastHandledReconcileAt says so),
	 * but nothing new stored or announced */
	T_TRUE(kube_patch(fx.k, &ref,
	    "{\"metadata\":{\"annotations\":{\"" STATUS_ANNOTATION_REQUESTED_AT
	    "\":\"again-1\"}}}"));
	d = NULL;
	for (int64_t end = kube_now_ms() + WAIT_MS; kube_now_ms() < end;) {
		struct err err = ERR_INIT;

		doc_free(d);
		d = NULL;
		if (k8s_get(&d, fx.k, &ref, &err) == 0 &&
		    t_streq(doc_str(doc_ptr_find(doc_root(d, 0),
		                "/status/lastHandledReconcileAt")),
		        "again-1"))
			break;
		kube_sleep_ms(100);
	}
	T_TRUE(d != NULL);
	if (d != NULL) {
		T_STREQ(doc_str(doc_ptr_find(doc_root(d, 0),
		            "/status/lastHandledReconcileAt")),
		    "again-1");
		T_STREQ(doc_str(doc_ptr_find(doc_root(d, 0),
		            "/status/artifact/lastUpdateTime")),
		    before_time);
	}
	T_EQ(bus_wait("still", NULL, n, 1000), -1);
	doc_free(d);
	free(before_time);
	free(rev);
	free(spec);
}

/* Ready=False with reason, FetchFailed=True, and message holding text. */
static void
expect_fetch_failure(const char *name, const char *reason, const char *text)
{
	struct doc *d = wait_ready(name, "False", reason, NULL);
	const char *msg;

	T_TRUE(d != NULL);
	if (d == NULL)
		return;
	msg = cond_field(doc_root(d, 0), "Ready", "message");
	T_TRUE(msg != NULL && strstr(msg, text) != NULL);
	if (msg == NULL || strstr(msg, text) == NULL)
		(void)fprintf(stderr, "  %s: message [%s] lacks [%s]\n", name,
		    msg != NULL ? msg : "", text);
	T_STREQ(cond_field(doc_root(d, 0), "FetchFailed", "status"), "True");
	T_STREQ(cond_field(doc_root(d, 0), "FetchFailed", "reason"), reason);
	T_STREQ(cond_field(doc_root(d, 0), "Reconciling", "status"), "True");
	doc_free(d);
}

T_TEST(test_failures_have_flux_reasons_and_others_go_on)
{
	char *s1, *s2, *s3, *s4, *s5, *rev;
	struct doc *d;

	NEED_SETUP();
	s1 = xasprintf("\"url\":\"http://127.0.0.1:1/git/repo.git\"");
	T_TRUE(secret_create("wrong",
	    "\"username\":\"flint\","
	    "\"password\":\"nope\""));
	s2 = xasprintf("\"url\":\"%s/auth/repo.git\",\"secretRef\":"
	               "{\"name\":\"wrong\"}",
	    env("HTTP_URL"));
	s3 = xasprintf("\"url\":\"%s/git/repo.git\",\"ref\":{\"branch\":"
	               "\"nope\"}",
	    env("HTTP_URL"));
	s4 = xasprintf("\"url\":\"%s/auth/repo.git\",\"secretRef\":"
	               "{\"name\":\"missing\"}",
	    env("HTTP_URL"));
	s5 = xasprintf("\"url\":\"%s/git/repo.git\"", env("HTTP_URL"));
	T_TRUE(repo_create("unreachable", s1));
	T_TRUE(repo_create("wrongpass", s2));
	T_TRUE(repo_create("nobranch", s3));
	T_TRUE(repo_create("nosecret", s4));
	expect_fetch_failure("unreachable", "GitOperationFailed",
	    "127.0.0.1:1");
	expect_fetch_failure("wrongpass", "AuthenticationFailed", "");
	expect_fetch_failure("nobranch", "GitOperationFailed", "'nope'");
	expect_fetch_failure("nosecret", "AuthenticationFailed",
	    "secrets \"missing\" not found");
	T_TRUE(event_seen("nosecret", "AuthenticationFailed", NULL));
	/* the daemon still serves the others: master, the default */
	T_TRUE(repo_create("after", s5));
	rev = rev_of("master", "SHA_ONE");
	d = expect_artifact("after", rev, env("SHA_ONE"), "deploy/app.yaml",
	    "kind: ConfigMap\nname: one\n");
	doc_free(d);
	free(rev);
	free(s5);
	free(s4);
	free(s3);
	free(s2);
	free(s1);
}

T_TEST(test_timeout_ends_a_hanging_fetch)
{
	char *spec;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/repo.git\",\"timeout\":\"2s\"",
	    env("BLACKHOLE_URL"));
	T_TRUE(repo_create("hanging", spec));
	expect_fetch_failure("hanging", "GitOperationFailed", "timed out");
	free(spec);
}

T_TEST(test_suspend_then_resume)
{
	char *spec, *rev;
	struct k8s_ref ref = ref_of("paused");
	struct doc *d = NULL;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/repo.git\",\"suspend\":true",
	    env("HTTP_URL"));
	T_TRUE(kube_create(fx.k,
	    "{\"apiVersion\":\"" API "\",\"kind\":\"" KIND "\","
	    "\"metadata\":{\"name\":\"paused\",\"namespace\":\"%s\","
	    "\"annotations\":{\"" STATUS_ANNOTATION_REQUESTED_AT "\":\"s1\"}},"
	    "\"spec\":{\"interval\":\"1h\",%s}}",
	    fx.ns, spec));
	/* seen (the request was handled) but left alone */
	for (int64_t end = kube_now_ms() + WAIT_MS; kube_now_ms() < end;) {
		struct err err = ERR_INIT;

		doc_free(d);
		d = NULL;
		if (k8s_get(&d, fx.k, &ref, &err) == 0 &&
		    t_streq(doc_str(doc_ptr_find(doc_root(d, 0),
		                "/status/lastHandledReconcileAt")),
		        "s1"))
			break;
		kube_sleep_ms(100);
	}
	T_TRUE(d != NULL);
	if (d != NULL) {
		T_STREQ(doc_str(doc_ptr_find(doc_root(d, 0),
		            "/status/lastHandledReconcileAt")),
		    "s1");
		T_TRUE(
		    doc_ptr_find(doc_root(d, 0), "/status/artifact") == NULL);
	}
	doc_free(d);
	T_EQ(bus_wait("paused", NULL, 0, 500), -1);
	T_TRUE(kube_patch(fx.k, &ref, "{\"spec\":{\"suspend\":false}}"));
	rev = rev_of("master", "SHA_ONE");
	doc_free(expect_artifact("paused", rev, env("SHA_ONE"),
	    "deploy/app.yaml", "kind: ConfigMap\nname: one\n"));
	free(rev);
	free(spec);
}

T_TEST(test_unsupported_features_stall_with_a_message)
{
	char *spec;
	struct doc *d;
	const char *msg;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/repo.git\",\"recurseSubmodules\":"
	                 "true",
	    env("HTTP_URL"));
	T_TRUE(repo_create("submodules", spec));
	d = wait_ready("submodules", "False", "UnsupportedFeature", NULL);
	T_TRUE(d != NULL);
	if (d != NULL) {
		msg = cond_field(doc_root(d, 0), "Stalled", "message");
		T_STREQ(cond_field(doc_root(d, 0), "Stalled", "status"),
		    "True");
		T_TRUE(msg != NULL &&
		    strstr(msg, "recurseSubmodules is not supported") != NULL);
	}
	doc_free(d);
	free(spec);
}

T_TEST(test_deletion_removes_storage)
{
	char *spec, *rev, *dir;
	struct doc *d;
	struct k8s_ref ref = ref_of("doomed");
	struct err err = ERR_INIT;
	struct stat st;
	bool gone = false;

	NEED_SETUP();
	spec = xasprintf("\"url\":\"%s/git/repo.git\"", env("HTTP_URL"));
	T_TRUE(repo_create("doomed", spec));
	rev = rev_of("master", "SHA_ONE");
	d = wait_ready("doomed", "True", "Succeeded", rev);
	T_TRUE(d != NULL);
	doc_free(d);
	dir = xasprintf("%s/gitrepository/%s/doomed", env("STORAGE_DIR"),
	    fx.ns);
	T_EQ(stat(dir, &st), 0);
	T_TRUE(kube_delete(fx.k, &ref));
	for (int64_t end = kube_now_ms() + WAIT_MS;
	     !gone && kube_now_ms() < end;) {
		d = NULL;
		if (k8s_get(&d, fx.k, &ref, &err) == -1 &&
		    err.code == ERR_NOTFOUND)
			gone = true;
		err_reset(&err);
		doc_free(d);
		kube_sleep_ms(100);
	}
	T_TRUE(gone);
	T_EQ(stat(dir, &st), -1);
	T_EQ(errno, ENOENT);
	free(dir);
	free(rev);
	free(spec);
}
