/*
 * The source tests' HTTP client (http.h): blocking socket, one request,
 * read until the server closes.
 */
#include "http.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"

int
http_dial(int port)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_port = htons((unsigned short)port) };
	struct timeval tv = { .tv_sec = 30 };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd == -1)
		return -1;
	(void)setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == -1) {
		close(fd);
		return -1;
	}
	return fd;
}

static void
parse(struct http_resp *out, char *all, size_t n)
{
	char *end = strstr(all, "\r\n\r\n");
	const char *cl;

	out->status = -1;
	out->length = -1;
	if (end == NULL || sscanf(all, "HTTP/1.1 %d", &out->status) != 1) {
		out->head = all;
		out->body = all + n;
		return;
	}
	out->head = xmemdup(all, (size_t)(end - all) + 1);
	out->head[end - all] = '\0';
	cl = strstr(out->head, "Content-Length: ");
	if (cl != NULL)
		out->length = strtoll(cl + 16, NULL, 10);
	out->body_len = n - (size_t)(end + 4 - all);
	out->body = xmemdup(end + 4, out->body_len + 1);
	free(all);
}

bool
http_raw(struct http_resp *out, int port, const char *request, size_t len)
{
	int fd = http_dial(port);
	struct buf b;
	char chunk[65536];
	ssize_t n;
	size_t total;
	char *all;

	memset(out, 0, sizeof(*out));
	if (fd == -1)
		return false;
	if (send(fd, request, len, MSG_NOSIGNAL) != (ssize_t)len) {
		close(fd);
		return false;
	}
	buf_init(&b, (size_t)1 << 30);
	while ((n = recv(fd, chunk, sizeof(chunk), 0)) > 0)
		buf_append(&b, chunk, (size_t)n);
	close(fd);
	all = buf_detach(&b, &total);
	if (all == NULL)
		return false;
	parse(out, all, total);
	if (out->status == -1) { /* keep what came, for messages */
		out->head = all;
		out->body = xstrdup("");
	}
	return true;
}

bool
http_get(struct http_resp *out, int port, const char *method, const char *path)
{
	char *req = xasprintf("%s %s HTTP/1.1\r\nHost: localhost\r\n"
	                      "User-Agent: flint-test\r\n\r\n",
	    method, path);
	bool ok = http_raw(out, port, req, strlen(req));

	free(req);
	return ok;
}

int
http_url_port(const char *url, const char **path)
{
	const char *host = strstr(url, "://"), *colon, *slash;

	if (host == NULL)
		return -1;
	host += 3;
	slash = strchr(host, '/');
	colon = strchr(host, ':');
	if (colon == NULL || slash == NULL || colon > slash)
		return -1;
	*path = slash;
	return (int)strtol(colon + 1, NULL, 10);
}

void
http_resp_free(struct http_resp *r)
{
	free(r->head);
	free(r->body);
	memset(r, 0, sizeof(*r));
}
