/*
 * Registry v2 requests. Every request first goes out with what the
 * client has (nothing, basic credentials, or a token from an earlier
 * challenge); a 401 carrying a Bearer challenge fetches a token from its
 * realm (with the basic credentials, if any) and the request is sent
 * once more; a Basic challenge is answered with the credentials.
 */
#include "oci.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"
#include "doc/doc.h"

#define TOKEN_MAX_BYTES ((uint64_t)1 << 20)
#define ACCEPT_MANIFEST                                        \
	"Accept: application/vnd.oci.image.manifest.v1+json, " \
	"application/vnd.docker.distribution.manifest.v2+json"

struct oci {
	char *base; /* "https://host:port" */
	char *repo;
	struct http_auth auth; /* borrowed strings */
	char *token;           /* bearer token from a challenge */
	int64_t timeout_ms;
};

/* Wipes and frees a NUL-terminated secret (NULL is fine). */
static void
str_free_secret(char *s)
{
	if (s != NULL)
		free_secret(s, strlen(s));
}

int
oci_new(struct oci **out, const char *url, const struct http_auth *auth,
    bool insecure, int64_t timeout_ms, struct err *err)
{
	const char *host, *slash;
	struct oci *o;

	if (!str_has_prefix(url, "oci://"))
		return err_set(err, ERR_INVALID,
		    "URL '%s' must start with oci://", url);
	host = url + 6;
	slash = strchr(host, '/');
	if (slash == NULL || slash == host || slash[1] == '\0' ||
	    strstr(slash, "..") != NULL)
		return err_set(err, ERR_INVALID, "URL '%s' names no repository",
		    url);
	o = xcalloc(1, sizeof(*o));
	o->base = xasprintf("%s://%.*s", insecure ? "http" : "https",
	    (int)(slash - host), host);
	o->repo = xstrdup(slash + 1);
	if (auth != NULL)
		o->auth = *auth;
	o->auth.bearer_token = NULL;
	o->timeout_ms = timeout_ms;
	*out = o;
	return 0;
}

void
oci_free(struct oci *o)
{
	if (o == NULL)
		return;
	free(o->base);
	free(o->repo);
	str_free_secret(o->token);
	free(o);
}

/* The value of key="..." in a challenge, malloc'd, or NULL. */
static char *
param(const char *h, const char *key)
{
	size_t k = strlen(key);

	for (const char *p = h; (p = strcasestr(p, key)) != NULL; p += k) {
		const char *v, *e;
		char *out;

		if (p[k] != '=' || p[k + 1] != '"' ||
		    (p != h && p[-1] != ' ' && p[-1] != ','))
			continue;
		v = p + k + 2;
		if ((e = strchr(v, '"')) == NULL)
			return NULL;
		out = xmemdup(v, (size_t)(e - v) + 1);
		out[e - v] = '\0';
		return out;
	}
	return NULL;
}

/* Reads fd (from 0) into a NUL-terminated malloc'd buffer. */
static char *
fd_slurp(int fd, size_t *len, struct err *err)
{
	struct buf b;
	char chunk[8192];
	off_t off = 0;
	ssize_t n;

	buf_init(&b, BUF_MAX_DEFAULT);
	while ((n = pread(fd, chunk, sizeof(chunk), off)) > 0) {
		buf_append(&b, chunk, (size_t)n);
		off += n;
	}
	if (n == -1) {
		buf_release(&b);
		err_errno(err, errno, "read response");
		return NULL;
	}
	if (b.data == NULL)
		buf_puts(&b, "");
	return buf_detach(&b, len);
}

/* Answers a Bearer challenge: GET realm?service=&scope=, keep token. */
static int
token_fetch(struct oci *o, const char *challenge, int fd, struct err *err)
{
	char *realm = param(challenge, "realm");
	char *service = param(challenge, "service");
	char *scope = param(challenge, "scope");
	struct http_auth basic = o->auth;
	struct http_get_opts g = { 0 };
	struct doc *d = NULL;
	char *body = NULL;
	size_t n = 0;
	int rv = -1;

	basic.bearer_token = NULL;
	if (realm == NULL) {
		err_set(err, ERR_AUTH, "bearer challenge without realm");
		goto out;
	}
	g.url = xasprintf("%s%sservice=%s&scope=%s", realm,
	    strchr(realm, '?') != NULL ? "&" : "?",
	    service != NULL ? service : "", scope != NULL ? scope : "");
	g.auth = &basic;
	g.timeout_ms = o->timeout_ms;
	g.max_bytes = TOKEN_MAX_BYTES;
	if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1 ||
	    http_get(NULL, &g, fd, err) == -1 ||
	    (body = fd_slurp(fd, &n, err)) == NULL ||
	    doc_parse_json(&d, body, n, NULL, err) == -1)
		goto out;
	{
		const char *t = doc_str(doc_map_get(doc_root(d, 0), "token"));

		if (t == NULL)
			t = doc_str(
			    doc_map_get(doc_root(d, 0), "access_token"));
		if (t == NULL) {
			err_set(err, ERR_AUTH, "token response without token");
			goto out;
		}
		str_free_secret(o->token);
		o->token = xstrdup(t);
	}
	rv = 0;
out:
	free((char *)(uintptr_t)g.url);
	free(realm);
	free(service);
	free(scope);
	str_free_secret(body);
	doc_free(d);
	return rv == -1 ? err_wrap(err, "registry token") : 0;
}

/* One GET with what the client holds now (token, else credentials). */
static int
get_once(struct oci *o, struct http_get_opts *g, int fd,
    struct http_get_result *res, struct err *err)
{
	struct http_auth a = o->auth;
	int rv;

	a.bearer_token = o->token;
	if (o->token != NULL)
		a.username = a.password = NULL;
	http_get_result_release(res);
	if (ftruncate(fd, 0) == -1 || lseek(fd, 0, SEEK_SET) == -1)
		return err_errno(err, errno, "truncate scratch file");
	g->auth = &a;
	rv = http_get(res, g, fd, err);
	g->auth = NULL;
	return rv;
}

static bool
bearer_challenge(const struct http_get_result *res)
{
	return res->status == 401 && res->www_authenticate != NULL &&
	    strncasecmp(res->www_authenticate, "Bearer ", 7) == 0;
}

static enum err_code
status_code(long status)
{
	if (status == 401 || status == 403)
		return ERR_AUTH;
	return status == 404 ? ERR_NOTFOUND : ERR_NETWORK;
}

/* GET base/v2/repo/<path> into fd (truncated first), answering one
 * Bearer challenge. */
static int
get(struct oci *o, const char *path, const char *accept, int fd, uint64_t max,
    struct http_get_result *res, struct err *err)
{
	char *url = xasprintf("%s/v2/%s/%s", o->base, o->repo, path);
	const char *hdrs[1] = { accept };
	struct http_get_opts g = { .url = url,
		.timeout_ms = o->timeout_ms,
		.max_bytes = max,
		.headers = hdrs,
		.nheaders = accept != NULL ? 1 : 0,
		.keep_status = true };
	int rv = get_once(o, &g, fd, res, err);

	if (rv == 0 && bearer_challenge(res)) {
		rv = token_fetch(o, res->www_authenticate, fd, err);
		if (rv == 0)
			rv = get_once(o, &g, fd, res, err);
	}
	if (rv == 0 && (res->status < 200 || res->status > 299))
		rv = err_set(err, status_code(res->status),
		    "GET '%s': HTTP status %ld", url, res->status);
	free(url);
	return rv;
}

static int
scratch(struct err *err)
{
	char path[] = "/tmp/flint-oci-XXXXXX";
	int fd = mkostemp(path, O_CLOEXEC);

	if (fd == -1)
		return err_errno(err, errno, "create scratch file");
	(void)unlink(path);
	return fd;
}

int
oci_manifest(char **body_out, size_t *len_out, char digest_out[80],
    struct oci *o, const char *ref, struct err *err)
{
	struct http_get_result res = { 0 };
	char *path = xasprintf("manifests/%s", ref);
	char *body = NULL;
	size_t n = 0;
	int fd = scratch(err), rv = -1;

	if (fd != -1 &&
	    get(o, path, ACCEPT_MANIFEST, fd, OCI_MANIFEST_MAX_BYTES, &res,
	        err) == 0 &&
	    (body = fd_slurp(fd, &n, err)) != NULL) {
		artifact_digest_mem(digest_out, body, n);
		rv = str_has_prefix(ref, "sha256:")
		    ? artifact_digest_check(ref, digest_out, err)
		    : 0;
	}
	if (fd != -1)
		close(fd);
	http_get_result_release(&res);
	free(path);
	if (rv == -1) {
		free(body);
		return err_wrap(err, "manifest '%s'", ref);
	}
	*body_out = body;
	*len_out = n;
	return 0;
}

int
oci_blob(struct oci *o, const char *digest, int fd, uint64_t max_bytes,
    struct err *err)
{
	struct http_get_result res = { 0 };
	char *path = xasprintf("blobs/%s", digest);
	char got[ARTIFACT_DIGEST_MAX];
	int rv = get(o, path, NULL, fd, max_bytes, &res, err);

	if (rv == 0 && (rv = artifact_digest_fd(got, fd, err)) == 0)
		rv = artifact_digest_check(digest, got, err);
	http_get_result_release(&res);
	free(path);
	return rv == -1 ? err_wrap(err, "blob '%s'", digest) : 0;
}

int
oci_tags(char ***tags_out, size_t *n_out, struct oci *o, struct err *err)
{
	struct http_get_result res = { 0 };
	const struct doc_node *tags;
	struct doc *d = NULL;
	char **v = NULL, *body = NULL;
	size_t n = 0, len = 0;
	int fd = scratch(err), rv = -1;

	if (fd == -1 ||
	    get(o, "tags/list", NULL, fd, OCI_MANIFEST_MAX_BYTES, &res, err) ==
	        -1 ||
	    (body = fd_slurp(fd, &len, err)) == NULL ||
	    doc_parse_json(&d, body, len, NULL, err) == -1)
		goto out;
	tags = doc_map_get(doc_root(d, 0), "tags");
	if (tags != NULL && tags->kind == DOC_SEQ) {
		v = xcalloc(tags->u.seq.n + 1, sizeof(*v));
		for (size_t i = 0; i < tags->u.seq.n; i++)
			if (doc_str(tags->u.seq.items[i]) != NULL)
				v[n++] = xstrdup(doc_str(tags->u.seq.items[i]));
	}
	rv = 0;
out:
	if (fd != -1)
		close(fd);
	http_get_result_release(&res);
	free(body);
	doc_free(d);
	if (rv == -1)
		return err_wrap(err, "list tags");
	*tags_out = v;
	*n_out = n;
	return 0;
}

void
oci_tags_free(char **tags, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(tags[i]);
	free(tags);
}
