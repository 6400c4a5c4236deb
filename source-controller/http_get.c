/*
 * A libcurl GET into a file descriptor for the Helm and OCI sources: the
 * body goes straight to the file (a huge index never sits in memory), the
 * size cap aborts the transfer early, and the few response headers the
 * callers need are kept.
 */
#include "http_get.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"

#define REDIRECTS_MAX 10

/* One transfer's state, shared by the callbacks. */
struct xfer {
	int fd;
	uint64_t max;
	uint64_t n;
	bool over;
	int write_errno;
	struct http_get_result *res;
};

void
http_get_init(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		BUG("curl_global_init failed");
}

/* The URL without user:password, for messages; malloc'd. */
static char *
url_redact(const char *url)
{
	CURLU *u = curl_url();
	char *s = NULL, *out;

	if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_USER, NULL, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_PASSWORD, NULL, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &s, 0) != CURLUE_OK) {
		curl_url_cleanup(u);
		return xstrdup("<invalid URL>");
	}
	out = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}

char *
http_url_resolve(const char *base, const char *ref)
{
	CURLU *u = curl_url();
	char *s = NULL, *out = NULL;

	if (curl_url_set(u, CURLUPART_URL, base, 0) == CURLUE_OK &&
	    curl_url_set(u, CURLUPART_URL, ref, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_URL, &s, 0) == CURLUE_OK)
		out = xstrdup(s);
	curl_free(s);
	curl_url_cleanup(u);
	return out;
}

/* "scheme://host:port" of url (default port filled in), malloc'd. */
static char *
url_origin(const char *url)
{
	CURLU *u = curl_url();
	char *sch = NULL, *host = NULL, *port = NULL, *out = NULL;

	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &sch, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) ==
	        CURLUE_OK)
		out = xasprintf("%s://%s:%s", sch, host, port);
	curl_free(sch);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

bool
http_url_same_origin(const char *a, const char *b)
{
	char *x = url_origin(a), *y = url_origin(b);
	bool same = x != NULL && y != NULL && strcasecmp(x, y) == 0;

	free(x);
	free(y);
	return same;
}

static size_t
on_body(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, off = 0;

	if (x->max != 0 && x->n + n > x->max) {
		x->over = true;
		return 0; /* aborts with CURLE_WRITE_ERROR */
	}
	while (off < n) {
		ssize_t w = write(x->fd, p + off, n - off);

		if (w == -1 && errno == EINTR)
			continue;
		if (w <= 0) {
			x->write_errno = w == -1 ? errno : EIO;
			return 0;
		}
		off += (size_t)w;
	}
	x->n += n;
	return n;
}

/* Keeps one header's value (trimmed) if it is one the callers want. */
static size_t
on_header(char *p, size_t size, size_t nmemb, void *arg)
{
	struct xfer *x = arg;
	size_t n = size * nmemb, k, e;
	struct {
		const char *name;
		char **dst;
	} want[] = {
		{ "www-authenticate", &x->res->www_authenticate },
		{ "content-type", &x->res->content_type },
		{ "docker-content-digest", &x->res->docker_digest },
	};

	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		k = strlen(want[i].name);
		if (n <= k || p[k] != ':' ||
		    strncasecmp(p, want[i].name, k) != 0)
			continue;
		for (k++; k < n && (p[k] == ' ' || p[k] == '\t'); k++)
			;
		for (e = n; e > k &&
		     (p[e - 1] == '\r' || p[e - 1] == '\n' || p[e - 1] == ' ');
		     e--)
			;
		free(*want[i].dst); /* the last response after redirects */
		*want[i].dst = xmemdup(p + k, e - k + 1);
		(*want[i].dst)[e - k] = '\0';
	}
	return n;
}

static void
blob_set(CURL *c, CURLoption opt, const char *pem)
{
	struct curl_blob b = { (void *)(uintptr_t)pem, strlen(pem),
		CURL_BLOB_COPY };

	curl_easy_setopt(c, opt, &b);
}

static void
auth_set(CURL *c, const struct http_auth *a)
{
	if (a == NULL)
		return;
	if (a->username != NULL && a->password != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERNAME, a->username);
		curl_easy_setopt(c, CURLOPT_PASSWORD, a->password);
	}
	if (a->bearer_token != NULL) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BEARER);
		curl_easy_setopt(c, CURLOPT_XOAUTH2_BEARER, a->bearer_token);
	}
	if (a->ca_pem != NULL)
		blob_set(c, CURLOPT_CAINFO_BLOB, a->ca_pem);
	if (a->cert_pem != NULL && a->key_pem != NULL) {
		blob_set(c, CURLOPT_SSLCERT_BLOB, a->cert_pem);
		curl_easy_setopt(c, CURLOPT_SSLCERTTYPE, "PEM");
		blob_set(c, CURLOPT_SSLKEY_BLOB, a->key_pem);
		curl_easy_setopt(c, CURLOPT_SSLKEYTYPE, "PEM");
	}
	if (a->insecure) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
}

static struct curl_slist *
handle_setup(CURL *c, const struct http_get_opts *o, struct xfer *x)
{
	struct curl_slist *hdrs = NULL;

	curl_easy_setopt(c, CURLOPT_URL, o->url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, (long)REDIRECTS_MAX);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
	    (long)(o->timeout_ms > 0 ? o->timeout_ms
	                             : HTTP_GET_TIMEOUT_MS_DEFAULT));
	curl_easy_setopt(c, CURLOPT_USERAGENT, "flint-source-controller");
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, x);
	if (o->max_bytes != 0)
		curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
		    (curl_off_t)o->max_bytes);
	for (size_t i = 0; i < o->nheaders; i++)
		hdrs = curl_slist_append(hdrs, o->headers[i]);
	if (hdrs != NULL)
		curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
	auth_set(c, o->auth);
	return hdrs;
}

/* The curl failure as our error code, with the URL (redacted). */
static int
curl_fail(CURLcode rc, const struct xfer *x, const char *url,
    const char *detail, struct err *err)
{
	char *safe = url_redact(url);
	const char *why = detail[0] != '\0' ? detail : curl_easy_strerror(rc);

	if (x->over || rc == CURLE_FILESIZE_EXCEEDED)
		err_set(err, ERR_LIMIT,
		    "GET '%s': response larger than %llu bytes", safe,
		    (unsigned long long)x->max);
	else if (x->write_errno != 0)
		err_errno(err, x->write_errno, "GET '%s': write", safe);
	else if (rc == CURLE_OPERATION_TIMEDOUT)
		err_set(err, ERR_TIMEOUT, "GET '%s': %s", safe, why);
	else if (rc == CURLE_URL_MALFORMAT ||
	    rc == CURLE_UNSUPPORTED_PROTOCOL ||
	    rc == CURLE_BAD_FUNCTION_ARGUMENT)
		err_set(err, ERR_INVALID, "GET '%s': %s", safe, why);
	else
		err_set(err, ERR_NETWORK, "GET '%s': %s", safe, why);
	free(safe);
	return -1;
}

static int
status_fail(long status, const char *url, struct err *err)
{
	char *safe = url_redact(url);
	enum err_code code = ERR_NETWORK;

	if (status == 401 || status == 403)
		code = ERR_AUTH;
	else if (status == 404)
		code = ERR_NOTFOUND;
	err_set(err, code, "GET '%s': HTTP status %ld", safe, status);
	free(safe);
	return -1;
}

int
http_get(struct http_get_result *res, const struct http_get_opts *o, int fd,
    struct err *err)
{
	struct http_get_result scratch = { 0 };
	struct xfer x = { .fd = fd, .max = o->max_bytes };
	char detail[CURL_ERROR_SIZE] = "";
	struct curl_slist *hdrs;
	long status = 0;
	CURLcode rc;
	CURL *c;

	x.res = res != NULL ? res : &scratch;
	memset(x.res, 0, sizeof(*x.res));
	if ((c = curl_easy_init()) == NULL)
		BUG("curl_easy_init failed");
	hdrs = handle_setup(c, o, &x);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, detail);
	rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	x.res->status = status;
	x.res->size = x.n;
	curl_easy_cleanup(c);
	curl_slist_free_all(hdrs);
	http_get_result_release(&scratch);
	if (rc != CURLE_OK)
		return curl_fail(rc, &x, o->url, detail, err);
	if (!o->keep_status && (status < 200 || status > 299))
		return status_fail(status, o->url, err);
	return 0;
}

void
http_get_result_release(struct http_get_result *res)
{
	if (res == NULL)
		return;
	free(res->www_authenticate);
	free(res->content_type);
	free(res->docker_digest);
	memset(res, 0, sizeof(*res));
}
