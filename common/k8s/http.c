/*
 * The transport: libcurl easy handles from a small pool, sharing one
 * connection cache, DNS cache and TLS sessions through a curl share, so
 * workers reuse each other's connections. Every request passes the
 * client-side rate limit, carries the current credentials and the
 * impersonation headers, and is retried with backoff on 429, on 5xx
 * and on connections that never got through, honouring Retry-After.
 */
#include "k8s/k8s_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"

#define CONNECT_TIMEOUT_MS 10000
#define POOL_MAX           16

void
k8s_resp_init(struct k8s_resp *r)
{
	r->status = 0;
	buf_init(&r->body, K8S_MAX_BODY);
	r->retry_after_ms = -1;
}

void
k8s_resp_release(struct k8s_resp *r)
{
	buf_release(&r->body);
}

CURL *
k8s_handle_take(struct k8s_core *c)
{
	CURL *h = NULL;

	pthread_mutex_lock(&c->pool_mu);
	if (c->nidle > 0)
		h = c->idle[--c->nidle];
	pthread_mutex_unlock(&c->pool_mu);
	if (h == NULL && (h = curl_easy_init()) == NULL)
		BUG("curl_easy_init failed");
	return h;
}

void
k8s_handle_give(struct k8s_core *c, CURL *h)
{
	pthread_mutex_lock(&c->pool_mu);
	if (c->nidle < POOL_MAX) {
		if (c->nidle == c->idle_cap) {
			c->idle_cap = c->idle_cap == 0 ? 4 : c->idle_cap * 2;
			c->idle = xreallocarray(c->idle, c->idle_cap,
			    sizeof(*c->idle));
		}
		c->idle[c->nidle++] = h;
		h = NULL;
	}
	pthread_mutex_unlock(&c->pool_mu);
	if (h != NULL)
		curl_easy_cleanup(h);
}

int
k8s_err_curl(struct err *err, CURLcode rc, const char *errbuf)
{
	const char *why = errbuf != NULL && errbuf[0] != '\0'
	    ? errbuf
	    : curl_easy_strerror(rc);
	enum err_code code = ERR_NETWORK;

	if (rc == CURLE_OPERATION_TIMEDOUT)
		code = ERR_TIMEOUT;
	else if (rc == CURLE_PEER_FAILED_VERIFICATION ||
	    rc == CURLE_SSL_CERTPROBLEM || rc == CURLE_SSL_CACERT_BADFILE)
		code = ERR_AUTH;
	else if (rc == CURLE_WRITE_ERROR)
		code = ERR_LIMIT; /* only our capped buffers refuse data */
	return err_set(err, code, "%s", why);
}

int64_t
k8s_retry_after_parse(const char *value, size_t len)
{
	int64_t s = 0;
	size_t i = 0;

	while (i < len && (value[i] == ' ' || value[i] == '\t'))
		i++;
	if (i == len || value[i] < '0' || value[i] > '9')
		return -1;
	for (; i < len && value[i] >= '0' && value[i] <= '9'; i++) {
		if (s > K8S_RETRY_AFTER_MAX_MS / 1000)
			return K8S_RETRY_AFTER_MAX_MS;
		s = s * 10 + (value[i] - '0');
	}
	while (i < len &&
	    (value[i] == ' ' || value[i] == '\t' || value[i] == '\r' ||
	        value[i] == '\n'))
		i++;
	if (i != len)
		return -1;
	return s * 1000 > K8S_RETRY_AFTER_MAX_MS ? K8S_RETRY_AFTER_MAX_MS
	                                         : s * 1000;
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	struct k8s_resp *r = arg;

	if (buf_append(&r->body, p, size * n) == -1)
		return 0; /* makes curl fail with CURLE_WRITE_ERROR */
	return size * n;
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	static const char name[] = "retry-after:";
	struct k8s_resp *r = arg;
	size_t len = size * n;

	if (len > sizeof(name) - 1 &&
	    strncasecmp(p, name, sizeof(name) - 1) == 0)
		r->retry_after_ms = k8s_retry_after_parse(p + sizeof(name) - 1,
		    len - (sizeof(name) - 1));
	return len;
}

void
k8s_headers_free(struct curl_slist *l)
{
	struct curl_slist *i;

	for (i = l; i != NULL; i = i->next)
		if (i->data != NULL)
			explicit_bzero(i->data, strlen(i->data));
	curl_slist_free_all(l);
}

/* Appends a header, failing on allocation like xmalloc() does. */
static struct curl_slist *
header_add(struct curl_slist *l, const char *h)
{
	struct curl_slist *n = curl_slist_append(l, h);

	if (n == NULL)
		BUG("out of memory");
	return n;
}

static struct curl_slist *
headers_build(const struct k8s *k, const struct k8s_req *req,
    const struct k8s_auth *auth)
{
	struct curl_slist *l = NULL;
	char line[600];
	size_t i;

	(void)snprintf(line, sizeof(line), "Accept: %s",
	    req->accept != NULL ? req->accept : "application/json");
	l = header_add(l, line);
	if (req->content_type != NULL) {
		(void)snprintf(line, sizeof(line), "Content-Type: %s",
		    req->content_type);
		l = header_add(l, line);
	}
	l = header_add(l, "Expect:"); /* no 100-continue round trip */
	if (auth->bearer != NULL)
		l = header_add(l, auth->bearer);
	if (k->as_user != NULL) {
		(void)snprintf(line, sizeof(line), "Impersonate-User: %s",
		    k->as_user);
		l = header_add(l, line);
	}
	for (i = 0; k->as_groups != NULL && k->as_groups[i] != NULL; i++) {
		(void)snprintf(line, sizeof(line), "Impersonate-Group: %s",
		    k->as_groups[i]);
		l = header_add(l, line);
	}
	return l;
}

static void
tls_setup(CURL *h, const struct k8s_config *cfg, const struct k8s_auth *auth)
{
	struct curl_blob blob;

	if (cfg->insecure) {
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 0L);
	} else if (cfg->ca_pem != NULL) {
		blob = (struct curl_blob){ cfg->ca_pem, cfg->ca_pem_len,
			CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_CAINFO_BLOB, &blob);
	} else if (cfg->ca_file != NULL) {
		curl_easy_setopt(h, CURLOPT_CAINFO, cfg->ca_file);
	}
	if (auth->cert_pem != NULL) {
		blob = (struct curl_blob){ auth->cert_pem, auth->cert_pem_len,
			CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob);
		blob = (struct curl_blob){ auth->key_pem, auth->key_pem_len,
			CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &blob);
	} else if (cfg->cert_pem != NULL && cfg->key_pem != NULL) {
		blob = (struct curl_blob){ cfg->cert_pem, cfg->cert_pem_len,
			CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_SSLCERT_BLOB, &blob);
		blob = (struct curl_blob){ cfg->key_pem, cfg->key_pem_len,
			CURL_BLOB_COPY };
		curl_easy_setopt(h, CURLOPT_SSLKEY_BLOB, &blob);
	} else if (cfg->cert_file != NULL && cfg->key_file != NULL) {
		curl_easy_setopt(h, CURLOPT_SSLCERT, cfg->cert_file);
		curl_easy_setopt(h, CURLOPT_SSLKEY, cfg->key_file);
	}
}

static void
method_setup(CURL *h, const struct k8s_req *req)
{
	if (strcmp(req->method, "GET") == 0) {
		curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
		return;
	}
	if (strcmp(req->method, "POST") != 0)
		curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req->method);
	if (req->body != NULL || strcmp(req->method, "POST") == 0) {
		curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
		    (curl_off_t)req->body_len);
		curl_easy_setopt(h, CURLOPT_POSTFIELDS,
		    req->body != NULL ? req->body : "");
	}
}

int
k8s_http_prepare(CURL *h, struct curl_slist **headers_out, struct k8s *k,
    const struct k8s_req *req, struct err *err)
{
	struct k8s_core *c = k->core;
	struct k8s_auth auth;
	char *url;

	*headers_out = NULL;
	if (k8s_creds_get(&auth, &c->creds, &c->cfg, err) == -1)
		return -1;
	curl_easy_reset(h);
	url = xasprintf("%s%s", c->base_url, req->path);
	curl_easy_setopt(h, CURLOPT_URL, url); /* curl keeps a copy */
	free(url);
	curl_easy_setopt(h, CURLOPT_SHARE, c->share);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
	curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
	    (long)CONNECT_TIMEOUT_MS);
	curl_easy_setopt(h, CURLOPT_USERAGENT, c->user_agent);
	curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
	/* Keep as many connections as handles may run at once; curl's
	 * default of 5 would close (and re-handshake) the rest. */
	curl_easy_setopt(h, CURLOPT_MAXCONNECTS, (long)POOL_MAX);
	if (c->connect_to != NULL)
		curl_easy_setopt(h, CURLOPT_CONNECT_TO, c->connect_to);
	tls_setup(h, &c->cfg, &auth);
	method_setup(h, req);
	*headers_out = headers_build(k, req, &auth);
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, *headers_out);
	k8s_auth_release(&auth);
	return 0;
}

/* One attempt; -1 only for transport failures (err set, *curl_rc too). */
static int
http_once(struct k8s *k, const struct k8s_req *req, struct k8s_resp *resp,
    CURLcode *curl_rc, struct err *err)
{
	char errbuf[CURL_ERROR_SIZE] = "";
	struct curl_slist *headers = NULL;
	CURL *h = k8s_handle_take(k->core);
	int rv = -1;

	*curl_rc = CURLE_OK;
	buf_reset(&resp->body);
	resp->status = 0;
	resp->retry_after_ms = -1;
	if (k8s_http_prepare(h, &headers, k, req, err) == -1)
		goto out;
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
	curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, (long)k->core->opts.timeout_ms);
	curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h, CURLOPT_WRITEDATA, resp);
	curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h, CURLOPT_HEADERDATA, resp);
	*curl_rc = curl_easy_perform(h);
	if (*curl_rc != CURLE_OK) {
		k8s_err_curl(err, *curl_rc, errbuf);
		goto out;
	}
	curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &resp->status);
	rv = 0;
out:
	/* The handle must not point at our headers or buffer any longer. */
	curl_easy_setopt(h, CURLOPT_HTTPHEADER, NULL);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, NULL);
	k8s_handle_give(k->core, h);
	k8s_headers_free(headers);
	return rv;
}

/* Whether a failed attempt may be repeated, and after how long. */
static bool
retryable(const struct k8s_req *req, const struct k8s_resp *resp, CURLcode rc,
    bool sent)
{
	bool idempotent = strcmp(req->method, "GET") == 0;

	if (!sent) /* credentials could not be had: retrying won't help */
		return false;
	if (rc == CURLE_COULDNT_CONNECT || rc == CURLE_COULDNT_RESOLVE_HOST)
		return true; /* nothing reached the server */
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return false;
	if (rc != CURLE_OK)
		return idempotent && rc != CURLE_WRITE_ERROR &&
		    rc != CURLE_PEER_FAILED_VERIFICATION;
	if (resp->status == 429)
		return true;
	if (resp->status >= 500 && resp->retry_after_ms >= 0)
		return true;
	return idempotent && resp->status >= 502 && resp->status <= 504;
}

int
k8s_http_do(struct k8s *k, const struct k8s_req *req, struct k8s_resp *resp,
    struct err *err)
{
	const struct k8s_options *o = &k->core->opts;
	bool reauth = true, sent;
	unsigned attempt;
	int64_t wait;
	CURLcode rc;

	for (attempt = 0;; attempt++) {
		k8s_sleep_ms(k8s_ratelimit_reserve(&k->core->rl, k8s_now_ms()));
		err_reset(err);
		sent = http_once(k, req, resp, &rc, err) == 0 || rc != CURLE_OK;
		if (rc == CURLE_OK && sent && resp->status >= 200 &&
		    resp->status < 300)
			return 0;
		if (rc == CURLE_OK && sent)
			k8s_status_err(err, resp->status, resp->body.data,
			    resp->body.len);
		/* A refused exec credential may just have been revoked. */
		if (resp->status == 401 && reauth &&
		    k8s_creds_invalidate(&k->core->creds)) {
			reauth = false;
			continue;
		}
		if (attempt >= o->max_retries ||
		    !retryable(req, resp, rc, sent))
			return -1;
		wait = resp->retry_after_ms >= 0
		    ? resp->retry_after_ms
		    : k8s_backoff_ms(attempt, K8S_BACKOFF_BASE_MS,
		          K8S_BACKOFF_MAX_MS);
		k8s_sleep_ms(wait);
	}
}

int
k8s_http_json(struct doc **out, struct k8s *k, const struct k8s_req *req,
    struct err *err)
{
	struct doc_limits lim = { K8S_MAX_BODY, 0, 0 };
	struct k8s_resp resp;
	int rv;

	k8s_resp_init(&resp);
	rv = k8s_http_do(k, req, &resp, err);
	if (rv == 0 && out != NULL) {
		rv = doc_parse_json(out,
		    resp.body.data != NULL ? resp.body.data : "", resp.body.len,
		    &lim, err);
		if (rv == -1)
			err_wrap(err, "decode the answer");
	}
	k8s_resp_release(&resp);
	return rv;
}
