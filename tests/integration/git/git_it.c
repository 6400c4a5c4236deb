/*
 * Checkout against real servers started by servers.sh (run.sh passes
 * their addresses in the environment): nginx + git-http-backend over
 * HTTP and HTTPS, and sshd. Revisions must be Flux's to the byte, the
 * tree must hold the commit's files, and every refusal must carry the
 * right code and say why.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/buf.h"
#include "core/mem.h"
#include "git.h"
#include "t.h"

__attribute__((constructor)) static void
setup(void)
{
	(void)signal(SIGPIPE, SIG_IGN);
	checkout_global_init();
}

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

/* The whole file as a string (caller frees), or NULL. */
static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "r");
	struct buf b;
	char chunk[4096];
	size_t n;

	if (f == NULL)
		return NULL;
	buf_init(&b, BUF_MAX_DEFAULT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	(void)fclose(f);
	return buf_detach(&b, NULL);
}

static char *
tfile(const char *name)
{
	char *path = xasprintf("%s/%s", env("T"), name);
	char *text = slurp(path);

	if (text == NULL)
		(void)fprintf(stderr, "cannot read %s\n", path);
	free(path);
	return text;
}

/* A fresh cache and work directory for one checkout. */
struct run {
	char *base, *cache, *work;
	struct checkout_opts o;
	struct checkout *co;
	struct err err;
};

static void
run_init(struct run *r, const char *url)
{
	static int seq;

	memset(r, 0, sizeof(*r));
	r->err = (struct err)ERR_INIT;
	r->base = xasprintf("%s/it-%d", env("T"), seq++);
	T_EQ(mkdir(r->base, 0755), 0);
	r->o.url = url;
	r->o.cache_dir = r->cache = xasprintf("%s/cache", r->base);
	r->o.work_dir = r->work = xasprintf("%s/work", r->base);
	T_EQ(mkdir(r->o.work_dir, 0755), 0);
	r->o.timeout_ms = 30000;
}

/* Empties the work directory for another checkout with the same cache. */
static void
run_rework(struct run *r)
{
	struct err err = ERR_INIT;

	checkout_free(r->co);
	r->co = NULL;
	T_OK(artifact_tree_remove(r->o.work_dir, true, &err), &err);
}

static void
run_release(struct run *r)
{
	struct err err = ERR_INIT;

	checkout_free(r->co);
	T_OK(artifact_tree_remove(r->base, false, &err), &err);
	free(r->base);
	free(r->cache);
	free(r->work);
}

static int
run_fetch(struct run *r)
{
	return checkout_fetch(&r->co, &r->o, &r->err);
}

static char *
work_file(const struct run *r, const char *rel)
{
	char *path = xasprintf("%s/%s", r->o.work_dir, rel);
	char *text = slurp(path);

	free(path);
	return text;
}

static void
expect_revision(struct run *r, const char *label, const char *sha_var)
{
	char want[256];

	if (label != NULL)
		(void)snprintf(want, sizeof(want), "%s@sha1:%s", label,
		    env(sha_var));
	else
		(void)snprintf(want, sizeof(want), "sha1:%s", env(sha_var));
	T_OK(run_fetch(r), &r->err);
	if (r->co == NULL)
		return;
	T_STREQ(checkout_revision(r->co), want);
	T_STREQ(checkout_commit(r->co), env(sha_var));
	T_TRUE(!checkout_unchanged(r->co));
}

/* Fails with code and reason and a message holding needle. */
static void
expect_error_reason(struct run *r, enum err_code code, const char *reason,
    const char *needle)
{
	T_EQ(run_fetch(r), -1);
	T_EQ(r->err.code, code);
	if (strstr(r->err.msg, needle) == NULL)
		t_fail(__FILE__, __LINE__, "message [%s] lacks [%s]",
		    r->err.msg, needle);
	T_STREQ(r->err.reason, reason);
}

static void
expect_error(struct run *r, enum err_code code, const char *needle)
{
	expect_error_reason(r, code, "GitOperationFailed", needle);
}

static char *
url(const char *base_var, const char *path)
{
	return xasprintf("%s%s", env(base_var), path);
}

T_TEST(test_http_default_branch_is_master)
{
	char *u = url("HTTP_URL", "/git/repo.git"), *text;
	struct stat st;
	char *p;
	struct run r;

	run_init(&r, u);
	expect_revision(&r, "master", "SHA_ONE");
	text = work_file(&r, "deploy/app.yaml");
	T_STREQ(text, "kind: ConfigMap\nname: one\n");
	free(text);
	p = xasprintf("%s/run.sh", r.o.work_dir);
	T_EQ(stat(p, &st), 0);
	T_EQ(st.st_mode & 0777, 0755);
	free(p);
	p = xasprintf("%s/README.md", r.o.work_dir);
	T_EQ(stat(p, &st), 0);
	T_EQ(st.st_mode & 0777, 0644);
	free(p);
	p = xasprintf("%s/link.md", r.o.work_dir);
	T_TRUE(access(p, F_OK) == -1); /* symlinks are not written */
	free(p);
	p = xasprintf("%s/.git", r.o.work_dir);
	T_TRUE(access(p, F_OK) == -1);
	free(p);
	run_release(&r);
	free(u);
}

T_TEST(test_https_with_ca_checks_out_branch)
{
	char *u = url("HTTPS_URL", "/git/repo.git"), *ca = tfile("ca.crt");
	char *text;
	struct run r;

	run_init(&r, u);
	r.o.ref.branch = "main";
	r.o.auth.ca_pem = ca;
	expect_revision(&r, "main", "SHA_TWO");
	text = work_file(&r, "deploy/app.yaml");
	T_STREQ(text, "kind: ConfigMap\nname: two\n");
	free(text);
	run_release(&r);
	free(ca);
	free(u);
}

T_TEST(test_https_untrusted_certificate_is_auth_error)
{
	char *u = url("HTTPS_URL", "/git/repo.git"),
	     *other = tfile("other-ca.crt");
	struct run r;

	run_init(&r, u);
	expect_error(&r, ERR_AUTH, "not trusted");
	run_release(&r);
	run_init(&r, u);
	r.o.auth.ca_pem = other;
	expect_error(&r, ERR_AUTH, "not trusted");
	run_release(&r);
	free(other);
	free(u);
}

T_TEST(test_tags_lightweight_and_annotated)
{
	char *u = url("HTTP_URL", "/git/repo.git");
	struct run r;

	run_init(&r, u);
	r.o.ref.tag = "v1.0.0";
	expect_revision(&r, "v1.0.0", "SHA_ONE");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.tag = "v1.1.0"; /* annotated: the revision names the commit */
	expect_revision(&r, "v1.1.0", "SHA_TWO");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.tag = "v9.9.9";
	expect_error(&r, ERR_NOTFOUND, "tag 'v9.9.9' not found");
	run_release(&r);
	free(u);
}

T_TEST(test_semver_picks_highest_matching_tag)
{
	char *u = url("HTTP_URL", "/git/repo.git");
	char *text;
	struct run r;

	run_init(&r, u);
	r.o.ref.semver = ">=1.0.0 <2.0.0";
	expect_revision(&r, "v1.2.0", "SHA_THREE");
	text = work_file(&r, "feature.txt");
	T_STREQ(text, "feature\n");
	free(text);
	run_release(&r);
	run_init(&r, u);
	r.o.ref.semver = "~1.1";
	expect_revision(&r, "v1.1.0", "SHA_TWO");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.semver = ">=2.0.0-0"; /* a prerelease range admits rc tags */
	expect_revision(&r, "v2.0.0-rc.1", "SHA_TWO");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.semver = ">=3.0.0";
	expect_error(&r, ERR_NOTFOUND, "no match found for semver: >=3.0.0");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.semver = "=>>1";
	expect_error(&r, ERR_INVALID, "semver parse error");
	run_release(&r);
	free(u);
}

T_TEST(test_ref_name_keeps_full_refname)
{
	char *u = url("HTTP_URL", "/git/repo.git"), *text;
	struct run r;

	run_init(&r, u);
	r.o.ref.name = "refs/pull/1/head";
	r.o.ref.branch = "master"; /* name wins over branch */
	expect_revision(&r, "refs/pull/1/head", "SHA_FOUR");
	text = work_file(&r, "pull.txt");
	T_STREQ(text, "pull\n");
	free(text);
	run_release(&r);
	free(u);
}

T_TEST(test_commit_pins_with_and_without_branch)
{
	char *u = url("HTTP_URL", "/git/repo.git");
	struct run r;

	run_init(&r, u);
	r.o.ref.commit = env("SHA_ONE");
	r.o.ref.tag = "v1.1.0"; /* commit wins */
	expect_revision(&r, NULL, "SHA_ONE");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.commit = env("SHA_ONE");
	r.o.ref.branch = "main"; /* an ancestor of main */
	expect_revision(&r, "main", "SHA_ONE");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.commit = env("SHA_THREE");
	r.o.ref.branch = "master"; /* not on master */
	expect_error(&r, ERR_NOTFOUND, "not found");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.commit = "0123456789012345678901234567890123456789";
	expect_error(&r, ERR_NOTFOUND, "commit");
	run_release(&r);
	run_init(&r, u);
	r.o.ref.commit = "HEAD~1";
	expect_error(&r, ERR_INVALID, "40 lower-case hex");
	run_release(&r);
	free(u);
}

T_TEST(test_missing_branch_and_repository_are_not_found)
{
	char *u = url("HTTP_URL", "/git/repo.git");
	char *missing = url("HTTP_URL", "/git/nothing.git");
	struct run r;

	run_init(&r, u);
	r.o.ref.branch = "nope";
	expect_error(&r, ERR_NOTFOUND, "branch 'nope' not found");
	run_release(&r);
	run_init(&r, missing);
	expect_error(&r, ERR_NOTFOUND, "nothing.git");
	run_release(&r);
	free(u);
	free(missing);
}

T_TEST(test_basic_auth)
{
	char *u = url("HTTP_URL", "/auth/repo.git");
	struct run r;

	run_init(&r, u);
	r.o.auth.username = "flint";
	r.o.auth.password = "s3cret";
	expect_revision(&r, "master", "SHA_ONE");
	run_release(&r);
	run_init(&r, u);
	r.o.auth.username = "flint";
	r.o.auth.password = "wrong";
	expect_error(&r, ERR_AUTH, "authentication failed");
	run_release(&r);
	run_init(&r, u);
	expect_error(&r, ERR_AUTH, "no username and password");
	run_release(&r);
	free(u);
}

T_TEST(test_bearer_token)
{
	char *u = url("HTTP_URL", "/bearer/repo.git");
	struct run r;

	run_init(&r, u);
	r.o.auth.bearer_token = "t0ken";
	expect_revision(&r, "master", "SHA_ONE");
	run_release(&r);
	run_init(&r, u);
	r.o.auth.bearer_token = "stolen";
	expect_error(&r, ERR_AUTH, "requires authentication");
	run_release(&r);
	free(u);
}

/* Lines of nginx's access log that asked for a pack. */
static int
pack_requests(void)
{
	char *log = tfile("access.log");
	int n = 0;

	for (const char *p = log; p != NULL && (p = strstr(p, "POST ")) != NULL;
	     p++)
		n += strncmp(strchr(p, '/'), "/git/repo.git/git-upload-pack",
		         29) == 0;
	free(log);
	return n;
}

T_TEST(test_cache_is_reused_between_checkouts)
{
	char *u = url("HTTP_URL", "/git/repo.git"), *text, *rev;
	struct run r;
	int before;

	run_init(&r, u);
	r.o.ref.branch = "main";
	before = pack_requests();
	expect_revision(&r, "main", "SHA_TWO");
	T_TRUE(pack_requests() > before);
	rev = xstrdup(checkout_revision(r.co));
	/* same cache: the commit is there, so no pack is requested */
	run_rework(&r);
	before = pack_requests();
	expect_revision(&r, "main", "SHA_TWO");
	T_EQ(pack_requests(), before);
	text = work_file(&r, "README.md");
	T_STREQ(text, "flint test repository\n");
	free(text);
	/* the last revision again: nothing fetched, nothing written */
	run_rework(&r);
	r.o.last_revision = rev;
	T_OK(run_fetch(&r), &r.err);
	T_TRUE(r.co != NULL && checkout_unchanged(r.co));
	T_STREQ(r.co != NULL ? checkout_revision(r.co) : NULL, rev);
	text = work_file(&r, "README.md");
	T_STREQ(text, NULL);
	/* another branch of the same cache fetches only what is new */
	run_rework(&r);
	r.o.last_revision = NULL;
	r.o.ref.branch = "feature";
	expect_revision(&r, "feature", "SHA_THREE");
	run_release(&r);
	free(rev);
	free(u);
}

T_TEST(test_size_limit)
{
	char *u = url("HTTP_URL", "/git/repo.git");
	struct run r;

	run_init(&r, u);
	r.o.max_bytes = 10;
	expect_error(&r, ERR_LIMIT, "larger than 10 bytes");
	run_release(&r);
	free(u);
}

static bool
ssh_skipped(void)
{
	if (getenv("SSH_SKIP") == NULL)
		return false;
	(void)fprintf(stderr, "skipping SSH: %s\n", getenv("SSH_SKIP"));
	return true;
}

T_TEST(test_ssh_with_identity_and_known_hosts)
{
	char *u, *key, *kh, *hashed, *text;
	struct run r;

	if (ssh_skipped())
		return;
	u = url("SSH_URL", "/repo.git");
	key = tfile("client_ed25519");
	kh = tfile("known_hosts");
	hashed = tfile("hashed_known_hosts");
	run_init(&r, u);
	r.o.ref.branch = "main";
	r.o.auth.identity = key;
	r.o.auth.known_hosts = kh;
	expect_revision(&r, "main", "SHA_TWO");
	text = work_file(&r, "deploy/app.yaml");
	T_STREQ(text, "kind: ConfigMap\nname: two\n");
	free(text);
	run_release(&r);
	run_init(&r, u);
	r.o.ref.tag = "v1.1.0";
	r.o.auth.identity = key;
	r.o.auth.known_hosts = hashed; /* ssh-keygen -H output */
	expect_revision(&r, "v1.1.0", "SHA_TWO");
	run_release(&r);
	free(u);
	free(key);
	free(kh);
	free(hashed);
}

T_TEST(test_ssh_refusals)
{
	char *u, *key, *stranger, *kh, *wrong;
	struct run r;

	if (ssh_skipped())
		return;
	u = url("SSH_URL", "/repo.git");
	key = tfile("client_ed25519");
	stranger = tfile("stranger_ed25519");
	kh = tfile("known_hosts");
	wrong = tfile("wrong_known_hosts");
	run_init(&r, u);
	r.o.auth.identity = key;
	r.o.auth.known_hosts = wrong;
	expect_error(&r, ERR_AUTH, "is not in known_hosts");
	run_release(&r);
	run_init(&r, u);
	r.o.auth.identity = key;
	expect_error(&r, ERR_AUTH, "requires known_hosts");
	run_release(&r);
	run_init(&r, u);
	r.o.auth.identity = stranger;
	r.o.auth.known_hosts = kh;
	expect_error(&r, ERR_AUTH, "authentication");
	run_release(&r);
	run_init(&r, u);
	r.o.auth.known_hosts = kh;
	expect_error(&r, ERR_AUTH, "no SSH identity");
	run_release(&r);
	free(u);
	free(key);
	free(stranger);
	free(kh);
	free(wrong);
}

/* A listener that never accepts: connections complete in the kernel
 * and then hear nothing, the way a wedged server behaves. */
static int
silent_listener(int *port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	T_TRUE(fd != -1);
	T_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	T_EQ(listen(fd, 8), 0);
	T_EQ(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
	*port = ntohs(sa.sin_port);
	return fd;
}

T_TEST(test_silent_servers_time_out)
{
	char *kh = tfile("known_hosts"), *key = tfile("client_ed25519");
	int port, fd = silent_listener(&port);
	char *http = xasprintf("http://127.0.0.1:%d/repo.git", port);
	char *ssh = xasprintf("ssh://git@127.0.0.1:%d/repo.git", port);
	struct run r;

	run_init(&r, http);
	r.o.timeout_ms = 700;
	expect_error(&r, ERR_TIMEOUT, "timed out");
	run_release(&r);
	run_init(&r, ssh);
	r.o.timeout_ms = 700;
	r.o.auth.identity = key;
	r.o.auth.known_hosts = kh;
	expect_error(&r, ERR_TIMEOUT, "timed out");
	run_release(&r);
	close(fd);
	free(http);
	free(ssh);
	free(kh);
	free(key);
}

T_TEST(test_refused_connection_is_network_error)
{
	int port, fd = silent_listener(&port);
	char *u = xasprintf("http://127.0.0.1:%d/repo.git", port);
	struct run r;

	close(fd); /* nobody listens there now */
	run_init(&r, u);
	expect_error(&r, ERR_NETWORK, "failed to connect");
	run_release(&r);
	free(u);
}

T_TEST(test_bad_urls_are_invalid)
{
	struct run r;

	run_init(&r, "ftp://example.com/repo.git");
	expect_error_reason(&r, ERR_INVALID, "URLInvalid",
	    "http://, https:// or ssh://");
	run_release(&r);
	run_init(&r, "https://example.com:99999/repo.git");
	expect_error_reason(&r, ERR_INVALID, "URLInvalid", "bad port");
	run_release(&r);
}
