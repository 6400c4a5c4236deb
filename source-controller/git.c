/*
 * GitRepository checkout: list the remote's refs, pick the commit that
 * spec.ref names, fetch it into the object's cache repository only if
 * the cache lacks it, and write its tree out.
 *
 * Listing first (one round trip) is what makes an idle poll cheap: when
 * the remote still points at the last revision nothing is downloaded,
 * and when it points at a commit the cache already holds (a revert, a
 * second branch) nothing is downloaded either. Fetched refs are kept
 * under refs/flint/ in the cache, so the next fetch negotiates from them
 * and moves only new objects: libgit2 1.5 cannot fetch shallow, and this
 * is the next best thing.
 */
#include "git.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "artifact/artifact.h"
#include "core/mem.h"
#include "core/str.h"
#include "git_int.h"
#include "semver/semver.h"

#define REVISION_MAX 1024
#define TIES_MAX     8

struct checkout {
	char revision[REVISION_MAX];
	char commit[GIT_OID_HEXSZ + 1];
	bool unchanged;
};

/* What spec.ref asks for, resolved against the remote's listing. */
struct target {
	char src[512];   /* remote ref to fetch; all heads for a bare commit */
	char label[512]; /* revision prefix before '@'; "" for none */
	git_oid want;    /* the object the ref points at (peeled if known) */
	bool pinned;     /* ref.commit: want is the commit, src its branch */
	/* semver: tags of equal precedence, to be told apart by date */
	char ties[TIES_MAX][256];
	int nties;
};

struct session {
	const struct checkout_opts *opts;
	struct gitctx ctx;
	git_repository *repo;
	git_remote *remote;
	git_remote_callbacks cb;
	git_strarray headers;
	char *header; /* "Authorization: Bearer ..." */
	char url_safe[1024];
	struct err *err;
};

static bool
set(const char *s)
{
	return s != NULL && s[0] != '\0';
}

void
checkout_global_init(void)
{
	if (git_libgit2_init() < 0 || gitstream_register() != 0)
		BUG("libgit2 initialisation failed");
}

static void
trim_newlines(char *s)
{
	size_t n = strlen(s);

	while (n > 0 && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
}

static enum err_code
code_of_fail(enum gitctx_fail f)
{
	return f == GITCTX_TIMEOUT ? ERR_TIMEOUT : ERR_AUTH;
}

static enum err_code
code_of_git(int rc, const git_error *e)
{
	if (rc == GIT_EAUTH || rc == GIT_ECERTIFICATE)
		return ERR_AUTH;
	if (rc == GIT_ENOTFOUND)
		return ERR_NOTFOUND;
	if (e == NULL)
		return ERR_INTERNAL;
	if (strstr(e->message, "404") != NULL)
		return ERR_NOTFOUND;
	if (strstr(e->message, "401") != NULL ||
	    strstr(e->message, "403") != NULL)
		return ERR_AUTH;
	switch (e->klass) {
	case GIT_ERROR_NET:
	case GIT_ERROR_SSH:
	case GIT_ERROR_HTTP:
	case GIT_ERROR_SSL:
		return ERR_NETWORK;
	case GIT_ERROR_OS:
		return ERR_IO;
	default:
		return ERR_INTERNAL;
	}
}

int
err_git(struct err *err, const struct gitctx *ctx, int rc, const char *what)
{
	const git_error *e = git_error_last();
	char why[ERR_MSG_MAX];

	if (ctx != NULL && ctx->fail != GITCTX_OK) {
		str_lcpy(why,
		    ctx->fail == GITCTX_TIMEOUT ? "operation timed out"
		                                : ctx->fail_msg,
		    sizeof(why));
		err_set(err, code_of_fail(ctx->fail), "%s: %s", what, why);
	} else {
		str_lcpy(why, e != NULL ? e->message : "unknown error",
		    sizeof(why));
		trim_newlines(why);
		err_set(err, code_of_git(rc, e), "%s: %s", what, why);
	}
	return err_reason(err, "GitOperationFailed");
}

/* Copies url without the password of its userinfo, for messages. */
static void
url_redact(char *dst, size_t n, const char *url)
{
	const char *scheme = strstr(url, "://");
	const char *host = scheme != NULL ? scheme + 3 : url;
	const char *at = strchr(host, '@'), *slash = strchr(host, '/');
	const char *colon;

	if (at == NULL || (slash != NULL && at > slash) ||
	    (colon = memchr(host, ':', (size_t)(at - host))) == NULL) {
		str_lcpy(dst, url, n);
		return;
	}
	(void)snprintf(dst, n, "%.*s:***%s", (int)(colon - url), url, at);
}

/* Reads scheme, host and port for known_hosts; refuses other schemes. */
static int
url_parse(struct gitctx *ctx, const char *url, struct err *err)
{
	const char *p = url, *end;
	size_t n;

	if (str_has_prefix(url, "ssh://"))
		ctx->ssh = true;
	else if (!str_has_prefix(url, "http://") &&
	    !str_has_prefix(url, "https://"))
		return err_set(err, ERR_INVALID,
		    "URL must start with http://, https:// or ssh://");
	p = strstr(url, "://") + 3;
	n = strcspn(p, "/");
	end = p + n;
	for (const char *q = p; q < end; q++)
		if (*q == '@')
			p = q + 1;
	if (*p == '[') { /* [v6]:port */
		const char *rb = memchr(p, ']', (size_t)(end - p));

		if (rb == NULL)
			return err_set(err, ERR_INVALID, "bad host in URL");
		(void)snprintf(ctx->host, sizeof(ctx->host), "%.*s",
		    (int)(rb - p - 1), p + 1);
		p = rb + 1;
	} else {
		n = strcspn(p, ":/");
		(void)snprintf(ctx->host, sizeof(ctx->host), "%.*s", (int)n, p);
		p += n;
	}
	if (ctx->host[0] == '\0')
		return err_set(err, ERR_INVALID, "URL has no host");
	ctx->port = 0;
	if (*p == ':') {
		char port[8];
		int64_t v;

		n = strcspn(p + 1, "/");
		(void)snprintf(port, sizeof(port), "%.*s", (int)n, p + 1);
		if (n == 0 || n >= sizeof(port) ||
		    str_to_i64(&v, port, err) == -1 || v < 1 || v > 65535)
			return err_set(err, ERR_INVALID, "bad port in URL");
		ctx->port = (int)v;
	}
	return 0;
}

static int
cache_open(struct session *s)
{
	const char *dir = s->opts->cache_dir;
	struct err ignored = ERR_INIT;

	if (git_repository_open_bare(&s->repo, dir) == 0)
		return 0;
	/* missing or broken: start again from nothing */
	(void)artifact_tree_remove(dir, false, &ignored);
	if (git_repository_init(&s->repo, dir, 1) != 0)
		return err_git(s->err, NULL, -1, "create cache repository");
	return 0;
}

static int
remote_connect(struct session *s)
{
	git_remote_create_options ro;
	int rc;

	git_remote_init_callbacks(&s->cb, GIT_REMOTE_CALLBACKS_VERSION);
	s->cb.credentials = gitauth_credentials;
	s->cb.certificate_check = gitauth_certificate;
	s->cb.payload = &s->ctx;
	if (set(s->opts->auth.bearer_token)) {
		s->header = xasprintf("Authorization: Bearer %s",
		    s->opts->auth.bearer_token);
		s->headers.strings = &s->header;
		s->headers.count = 1;
	}
	if ((rc = git_remote_create_options_init(&ro,
	         GIT_REMOTE_CREATE_OPTIONS_VERSION)) != 0)
		return err_git(s->err, &s->ctx, rc, "remote");
	/* no url.*.insteadOf rewriting: the URL is the spec's, and the
	 * config scan behind it leaks in libgit2 1.5 (pcre2 match data) */
	ro.repository = s->repo;
	ro.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF |
	    GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
	if ((rc = git_remote_create_with_opts(&s->remote, s->opts->url, &ro)) !=
	    0)
		return err_git(s->err, &s->ctx, rc, "remote");
	if ((rc = git_remote_connect(s->remote, GIT_DIRECTION_FETCH, &s->cb,
	         NULL, &s->headers)) != 0)
		return err_git(s->err, &s->ctx, rc, "connect");
	return 0;
}

/* Finds name in the listing; prefers the peeled "^{}" entry, which is
 * the commit an annotated tag points at. */
static bool
ls_find(git_oid *out, const git_remote_head **heads, size_t n, const char *name)
{
	size_t len = strlen(name);
	bool found = false;

	for (size_t i = 0; i < n; i++) {
		const char *h = heads[i]->name;

		if (strncmp(h, name, len) != 0)
			continue;
		if (h[len] == '\0' && !found) {
			git_oid_cpy(out, &heads[i]->oid);
			found = true;
		} else if (strcmp(h + len, "^{}") == 0) {
			git_oid_cpy(out, &heads[i]->oid);
			return true;
		}
	}
	return found;
}

static int
not_found(struct session *s, const char *kind, const char *label)
{
	err_set(s->err, ERR_NOTFOUND, "%s '%s' not found", kind, label);
	return err_reason(s->err, "GitOperationFailed");
}

static int
resolve_ref(struct session *s, struct target *t, const git_remote_head **heads,
    size_t n, const char *prefix, const char *label)
{
	(void)snprintf(t->src, sizeof(t->src), "%s%s", prefix, label);
	str_lcpy(t->label, label, sizeof(t->label));
	if (!ls_find(&t->want, heads, n, t->src))
		return not_found(s,
		    strcmp(prefix, "refs/heads/") == 0      ? "branch"
		        : strcmp(prefix, "refs/tags/") == 0 ? "tag"
		                                            : "ref",
		    label);
	return 0;
}

/* Keeps v if it beats *best; tags equal in precedence (they differ in
 * build metadata only) are gathered as ties for semver_tiebreak(). */
static void
semver_consider(struct target *t, struct semver *best, struct semver *v)
{
	int c = best->mem == NULL ? 1 : semver_compare(v, best);

	if (c < 0) {
		semver_release(v);
		return;
	}
	if (c > 0) {
		semver_release(best);
		*best = *v;
		t->nties = 0;
	}
	if (t->nties < TIES_MAX)
		str_lcpy(t->ties[t->nties++], v->original, sizeof(t->ties[0]));
	if (c == 0)
		semver_release(v);
}

/* The highest tag (x.y.z, optional 'v') that satisfies the range. */
static int
resolve_semver(struct session *s, struct target *t,
    const git_remote_head **heads, size_t n)
{
	struct semver_constraint *c = NULL;
	struct semver best = { 0 };
	int rv;

	if (semver_constraint_parse(&c, s->opts->ref.semver, s->err) == -1)
		return err_wrap(s->err, "semver parse error");
	for (size_t i = 0; i < n; i++) {
		const char *name = heads[i]->name;
		struct semver v;

		if (!str_has_prefix(name, "refs/tags/") ||
		    str_has_suffix(name, "^{}") ||
		    semver_parse(&v, name + 10, SEMVER_STRICT, s->err) == -1) {
			err_reset(s->err);
			continue;
		}
		if (semver_constraint_check(c, &v))
			semver_consider(t, &best, &v);
		else
			semver_release(&v);
	}
	if (best.mem == NULL) {
		err_set(s->err, ERR_NOTFOUND, "no match found for semver: %s",
		    s->opts->ref.semver);
		rv = err_reason(s->err, "GitOperationFailed");
	} else
		rv = resolve_ref(s, t, heads, n, "refs/tags/", t->ties[0]);
	semver_release(&best);
	semver_constraint_free(c);
	return rv;
}

static int
resolve_commit(struct session *s, struct target *t,
    const git_remote_head **heads, size_t n)
{
	const char *hex = s->opts->ref.commit;
	const char *branch = s->opts->ref.branch;
	git_oid tip;

	if (strlen(hex) != GIT_OID_HEXSZ ||
	    strspn(hex, "0123456789abcdef") != GIT_OID_HEXSZ ||
	    git_oid_fromstr(&t->want, hex) != 0)
		return err_set(s->err, ERR_INVALID,
		    "commit '%s' is not 40 lower-case hex digits", hex);
	t->pinned = true;
	if (!set(branch)) {
		str_lcpy(t->src, "refs/heads/*", sizeof(t->src));
		return 0;
	}
	(void)snprintf(t->src, sizeof(t->src), "refs/heads/%s", branch);
	str_lcpy(t->label, branch, sizeof(t->label));
	if (!ls_find(&tip, heads, n, t->src))
		return not_found(s, "branch", branch);
	return 0;
}

static int
resolve(struct session *s, struct target *t)
{
	const struct checkout_ref *r = &s->opts->ref;
	const git_remote_head **heads;
	size_t n;
	int rc;

	if ((rc = git_remote_ls(&heads, &n, s->remote)) != 0)
		return err_git(s->err, &s->ctx, rc, "list remote refs");
	if (set(r->commit))
		return resolve_commit(s, t, heads, n);
	if (set(r->name))
		return resolve_ref(s, t, heads, n, "", r->name);
	if (set(r->semver))
		return resolve_semver(s, t, heads, n);
	if (set(r->tag))
		return resolve_ref(s, t, heads, n, "refs/tags/", r->tag);
	return resolve_ref(s, t, heads, n, "refs/heads/",
	    set(r->branch) ? r->branch : "master");
}

/* Downloads the objects of the given remote refs, keeping the refs under
 * refs/flint/ so the next fetch negotiates from them. */
static int
fetch(struct session *s, char **srcs, size_t n)
{
	git_fetch_options fo;
	git_strarray specs = { .strings = xcalloc(n, sizeof(char *)),
		.count = n };
	int rc;

	for (size_t i = 0; i < n; i++)
		specs.strings[i] = xasprintf("+%s:refs/flint/%s", srcs[i],
		    srcs[i] + strlen("refs/"));
	git_fetch_options_init(&fo, GIT_FETCH_OPTIONS_VERSION);
	fo.callbacks = s->cb;
	fo.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	fo.update_fetchhead = 0;
	fo.custom_headers = s->headers;
	rc = git_remote_download(s->remote, &specs, &fo);
	if (rc == 0)
		rc = git_remote_update_tips(s->remote, &s->cb, 0,
		    GIT_REMOTE_DOWNLOAD_TAGS_NONE, NULL);
	for (size_t i = 0; i < n; i++)
		free(specs.strings[i]);
	free(specs.strings);
	return rc == 0 ? 0 : err_git(s->err, &s->ctx, rc, "fetch");
}

/* Looks want up and peels it to a commit; *out NULL when the cache does
 * not have it (yet). */
static int
peel(struct session *s, git_commit **out, const git_oid *want)
{
	git_object *obj = NULL, *c = NULL;
	int rc = git_object_lookup(&obj, s->repo, want, GIT_OBJECT_ANY);

	*out = NULL;
	if (rc == GIT_ENOTFOUND)
		return 0;
	if (rc == 0)
		rc = git_object_peel(&c, obj, GIT_OBJECT_COMMIT);
	git_object_free(obj);
	if (rc != 0)
		return err_git(s->err, NULL, rc, "peel to a commit");
	*out = (git_commit *)c;
	return 0;
}

/* Among tags of equal precedence Flux takes the newest commit. */
static int
semver_tiebreak(struct session *s, struct target *t)
{
	char *srcs[TIES_MAX];
	const git_remote_head **heads;
	int64_t best_time = INT64_MIN;
	size_t n;
	int rv = 0, best = 0;

	for (int i = 0; i < t->nties; i++)
		srcs[i] = xasprintf("refs/tags/%s", t->ties[i]);
	if (fetch(s, srcs, (size_t)t->nties) == -1 ||
	    git_remote_ls(&heads, &n, s->remote) != 0)
		rv = -1;
	for (int i = 0; i < t->nties && rv == 0; i++) {
		git_commit *c = NULL;
		git_oid id;

		if (!ls_find(&id, heads, n, srcs[i]) ||
		    (rv = peel(s, &c, &id)) == -1 || c == NULL)
			continue;
		if (git_commit_time(c) > best_time ||
		    (git_commit_time(c) == best_time &&
		        strcmp(t->ties[i], t->ties[best]) > 0)) {
			best_time = git_commit_time(c);
			best = i;
			git_oid_cpy(&t->want, &id);
		}
		git_commit_free(c);
	}
	str_lcpy(t->label, t->ties[best], sizeof(t->label));
	str_lcpy(t->src, srcs[best], sizeof(t->src));
	for (int i = 0; i < t->nties; i++)
		free(srcs[i]);
	return rv == -1 && s->err->code == ERR_OK
	    ? err_set(s->err, ERR_INTERNAL, "list remote refs")
	    : rv;
}

/* A pinned commit with a branch must be on that branch (Flux clones the
 * branch alone and looks the commit up in it). */
static int
check_on_branch(struct session *s, const struct target *t, const git_commit *c)
{
	const git_remote_head **heads;
	git_oid tip;
	size_t n;
	int rc;

	if (git_remote_ls(&heads, &n, s->remote) != 0 ||
	    !ls_find(&tip, heads, n, t->src))
		return not_found(s, "branch", t->label);
	if (git_oid_equal(&tip, git_commit_id(c)))
		return 0;
	rc = git_graph_descendant_of(s->repo, &tip, git_commit_id(c));
	if (rc < 0)
		return err_git(s->err, NULL, rc, "walk history");
	return rc == 1 ? 0 : not_found(s, "commit on branch", t->label);
}

/* Makes sure the cache has the target commit, fetching if it does not. */
static int
obtain(struct session *s, struct target *t, git_commit **out)
{
	char *src = t->src;

	if (t->nties > 1 && semver_tiebreak(s, t) == -1)
		return -1;
	if (peel(s, out, &t->want) == -1)
		return -1;
	if (*out == NULL || (t->pinned && t->label[0] != '\0')) {
		git_commit_free(*out);
		if (fetch(s, &src, 1) == -1 || peel(s, out, &t->want) == -1)
			return -1;
	}
	if (*out == NULL)
		return t->pinned ? not_found(s, "commit", s->opts->ref.commit)
		                 : err_set(s->err, ERR_INTERNAL,
		                       "'%s' missing after fetch", t->src);
	if (t->pinned && t->label[0] != '\0')
		return check_on_branch(s, t, *out);
	return 0;
}

static void
revision_format(struct checkout *co, const struct target *t,
    const git_commit *c)
{
	git_oid_tostr(co->commit, sizeof(co->commit), git_commit_id(c));
	if (t->label[0] != '\0')
		(void)snprintf(co->revision, sizeof(co->revision), "%s@sha1:%s",
		    t->label, co->commit);
	else
		(void)snprintf(co->revision, sizeof(co->revision), "sha1:%s",
		    co->commit);
}

static void
session_begin(struct session *s)
{
	int64_t t = s->opts->timeout_ms > 0 ? s->opts->timeout_ms
	                                    : CHECKOUT_TIMEOUT_MS_DEFAULT;

	s->ctx.opts = s->opts;
	s->ctx.deadline_ms = gitctx_now_ms() + t;
	gitctx_watch(&s->ctx);
	gitctx_current = &s->ctx;
}

static void
session_end(struct session *s)
{
	if (s->remote != NULL)
		git_remote_disconnect(s->remote);
	git_remote_free(s->remote);
	git_repository_free(s->repo);
	gitctx_current = NULL;
	gitctx_unwatch(&s->ctx);
	free(s->header);
}

static const char *
ref_label(const struct checkout_ref *r)
{
	return set(r->commit) ? r->commit
	    : set(r->name)    ? r->name
	    : set(r->semver)  ? r->semver
	    : set(r->tag)     ? r->tag
	    : set(r->branch)  ? r->branch
	                      : "master";
}

/* Resolve, fetch what is missing, write the tree. */
static int
run(struct session *s, struct checkout *co)
{
	const struct checkout_opts *o = s->opts;
	struct target t = { 0 };
	git_commit *c = NULL;
	int rv = -1;

	if (cache_open(s) == -1 || remote_connect(s) == -1 ||
	    resolve(s, &t) == -1 || obtain(s, &t, &c) == -1)
		goto out;
	revision_format(co, &t, c);
	if (set(o->last_revision) &&
	    strcmp(o->last_revision, co->revision) == 0) {
		co->unchanged = true;
		rv = 0;
		goto out;
	}
	rv = gittree_write(s->repo, c, o->work_dir,
	    o->max_bytes > 0 ? o->max_bytes : CHECKOUT_MAX_BYTES_DEFAULT,
	    s->err);
out:
	git_commit_free(c);
	return rv;
}

int
checkout_fetch(struct checkout **out, const struct checkout_opts *opts,
    struct err *err)
{
	struct session s = { .opts = opts, .err = err };
	struct checkout *co;
	int rv;

	url_redact(s.url_safe, sizeof(s.url_safe), opts->url);
	if (url_parse(&s.ctx, opts->url, err) == -1) {
		err_reason(err, "URLInvalid");
		return err_wrap(err, "checkout '%s': URL '%s'",
		    ref_label(&opts->ref), s.url_safe);
	}
	co = xcalloc(1, sizeof(*co));
	session_begin(&s);
	rv = run(&s, co);
	session_end(&s);
	if (rv == -1) {
		free(co);
		err_reason(err, "GitOperationFailed");
		return err_wrap(err, "checkout '%s': fetch '%s'",
		    ref_label(&opts->ref), s.url_safe);
	}
	*out = co;
	return 0;
}

const char *
checkout_revision(const struct checkout *co)
{
	return co->revision;
}

const char *
checkout_commit(const struct checkout *co)
{
	return co->commit;
}

bool
checkout_unchanged(const struct checkout *co)
{
	return co->unchanged;
}

void
checkout_free(struct checkout *co)
{
	free(co);
}
