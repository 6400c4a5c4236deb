/*
 * One HTTP(S) GET streamed into a file descriptor, with what a source
 * fetch needs: basic or bearer auth, TLS material from a Secret (PEM in
 * memory), a timeout, a size cap and extra request headers. The Helm and
 * OCI sources use it for indexes, charts, manifests and blobs.
 *
 * Thread-safe: each call has its own handle; http_get_init() must run
 * once before any thread starts (curl_global_init is not thread-safe).
 */
#ifndef FLINT_SOURCE_HTTP_GET_H
#define FLINT_SOURCE_HTTP_GET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define HTTP_GET_TIMEOUT_MS_DEFAULT 60000

/* Credentials and TLS for a request; every field may be NULL/zero. */
struct http_auth {
	const char *username; /* basic auth with password */
	const char *password;
	const char *bearer_token; /* "Authorization: Bearer <token>" */
	const char *ca_pem;       /* trust these CAs instead of the system's */
	const char *cert_pem;     /* client certificate and key */
	const char *key_pem;
	bool insecure; /* skip TLS verification */
};

struct http_get_opts {
	const char *url;
	const struct http_auth *auth; /* may be NULL */
	int64_t timeout_ms;           /* whole transfer; 0: the default */
	uint64_t max_bytes;           /* body cap; 0: none */
	const char *const *headers;   /* "Name: value" lines */
	size_t nheaders;
	bool keep_status; /* return 0 for any HTTP status (see res) */
};

/* What came back; strings are the caller's (http_get_result_release). */
struct http_get_result {
	long status;
	uint64_t size;          /* body bytes written to fd */
	char *www_authenticate; /* WWW-Authenticate, or NULL */
	char *content_type;     /* Content-Type, or NULL */
	char *docker_digest;    /* Docker-Content-Digest, or NULL */
};

/* Initialises libcurl for the process; call from main() or a test. */
void http_get_init(void);

/*
 * GETs o->url (http or https only, redirects followed, credentials never
 * sent to another host) and writes the body to fd from its offset. Unless
 * o->keep_status, a status other than 2xx is an error: 401/403 ERR_AUTH,
 * 404 ERR_NOTFOUND, others ERR_NETWORK. ERR_LIMIT past max_bytes,
 * ERR_TIMEOUT, ERR_NETWORK (connection, TLS), ERR_INVALID (bad URL or
 * PEM). Messages name the URL without its credentials. res may be NULL.
 */
int http_get(struct http_get_result *res, const struct http_get_opts *o, int fd,
    struct err *err);

void http_get_result_release(struct http_get_result *res);

/*
 * Resolves ref against base as RFC 3986 does for the common cases: an
 * absolute ref (with a scheme) is returned as is, "/x" replaces the path
 * of base, anything else replaces base's last path segment. The result
 * is malloc'd.
 */
char *http_url_resolve(const char *base, const char *ref);

/* True when a and b have the same scheme, host and port (credentials
 * for one may be sent to the other). */
bool http_url_same_origin(const char *a, const char *b);

#endif /* FLINT_SOURCE_HTTP_GET_H */
