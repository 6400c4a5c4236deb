/*
 * A minimal HTTP/1.1 client for the source tests: sends a raw request
 * to 127.0.0.1:port and reads the whole response (the artifact server
 * closes every connection after one response).
 */
#ifndef FLINT_TEST_SOURCE_HTTP_H
#define FLINT_TEST_SOURCE_HTTP_H

#include <stdbool.h>
#include <stddef.h>

struct http_resp {
	int status;       /* -1 when no valid status line came */
	long long length; /* Content-Length, -1 when absent */
	char *head;       /* the response head, NUL-terminated */
	char *body;       /* NUL-terminated, body_len bytes before it */
	size_t body_len;
};

/* Sends request (the raw bytes, head and all) and reads the response
 * into *out; false when the connection failed. Free with
 * http_resp_free(). */
bool http_raw(struct http_resp *out, int port, const char *request, size_t len);

/* A connected socket to 127.0.0.1:port, or -1. */
int http_dial(int port);

/* GET (or HEAD when head) of path. */
bool http_get(struct http_resp *out, int port, const char *method,
    const char *path);

/* The port of "http://host:port/...", or -1; *path gets what follows. */
int http_url_port(const char *url, const char **path);

void http_resp_free(struct http_resp *r);

#endif /* FLINT_TEST_SOURCE_HTTP_H */
