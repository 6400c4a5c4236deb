/*
 * The artifact server (server.h): one thread, one poll() loop over the
 * listening socket, a wake-up pipe and at most SERVER_MAX_CONNS
 * non-blocking connections, each a small state machine: read the head,
 * send the response head, sendfile() the body, close.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"
#include "server.h"

enum conn_state {
	CONN_FREE,
	CONN_HEAD,  /* reading the request head */
	CONN_SEND,  /* sending the response head, then the body */
	CONN_DRAIN, /* sent; reading what the client still sends, so that
	             * closing does not reset the answer away */
};

struct conn {
	enum conn_state state;
	int fd;
	int file;   /* the body, or -1 */
	bool drain; /* linger after the response (errors) */
	off_t off, end;
	int64_t deadline_ms;
	size_t len; /* head bytes read, or response head bytes */
	size_t sent;
	char *buf; /* SERVER_BUF bytes while open; idle slots hold none */
};

#define SERVER_BUF (SERVER_HEAD_MAX + 1)

struct source_server {
	char *root; /* realpath of the storage root */
	size_t root_len;
	int lfd;
	int wake[2];
	int port;
	pthread_t thread;
	struct log_ctx log;
	struct conn conns[SERVER_MAX_CONNS];
};

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
conn_close(struct conn *c)
{
	if (c->file != -1)
		close(c->file);
	close(c->fd);
	free(c->buf);
	c->buf = NULL;
	c->state = CONN_FREE;
	c->fd = -1;
	c->file = -1;
}

/* Formats the response head into c->buf and switches to sending. */
static void
conn_respond(struct conn *c, int status, const char *text, off_t length,
    const char *type, bool head_only)
{
	int n = snprintf(c->buf, SERVER_BUF,
	    "HTTP/1.1 %d %s\r\nContent-Length: %lld\r\n"
	    "Content-Type: %s\r\nX-Content-Type-Options: nosniff\r\n"
	    "Connection: close\r\n\r\n",
	    status, text, (long long)length, type);

	c->len = (size_t)n;
	c->sent = 0;
	c->state = CONN_SEND;
	c->drain = status >= 400;
	c->deadline_ms = now_ms() + SERVER_IDLE_TIMEOUT_MS;
	if (head_only && c->file != -1) {
		close(c->file);
		c->file = -1;
	}
}

/* A short plain-text answer with body (errors, health). */
static void
conn_text(struct conn *c, int status, const char *text, bool head_only)
{
	size_t body = strlen(text) + 1;

	conn_respond(c, status, text, (off_t)body, "text/plain; charset=utf-8",
	    head_only);
	if (!head_only && c->len + body < SERVER_BUF) {
		memcpy(c->buf + c->len, text, body - 1);
		c->buf[c->len + body - 1] = '\n';
		c->len += body;
	}
}

static int
hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Decodes %XX in place, stopping at '?'; false for a bad escape or a
 * NUL byte. */
static bool
path_decode(char *p)
{
	char *w = p;

	for (char *r = p; *r != '\0' && *r != '?' && *r != '#'; r++) {
		if (*r == '%') {
			int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);

			if (lo < 0 || (hi == 0 && lo == 0))
				return false;
			*w++ = (char)(hi * 16 + lo);
			r += 2;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
	return true;
}

/* True when no '/'-separated segment of p is "..". */
static bool
path_safe(const char *p)
{
	for (const char *s = p; *s != '\0';) {
		const char *e = strchrnul(s, '/');

		if (e - s == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s = *e == '/' ? e + 1 : e;
	}
	return true;
}

static const char *
content_type(const char *path)
{
	if (str_has_suffix(path, ".gz") || str_has_suffix(path, ".tgz"))
		return "application/gzip";
	if (str_has_suffix(path, ".yaml") || str_has_suffix(path, ".yml"))
		return "text/yaml; charset=utf-8";
	return "application/octet-stream";
}

/* Opens the file the URL path names, if it is a regular file inside the
 * root after resolving symlinks; -1 otherwise. */
static int
file_open(struct source_server *s, const char *path, off_t *size)
{
	char full[PATH_MAX], real[PATH_MAX];
	struct stat st;
	int fd;

	if (snprintf(full, sizeof(full), "%s%s", s->root, path) >=
	        (int)sizeof(full) ||
	    realpath(full, real) == NULL)
		return -1;
	if (strncmp(real, s->root, s->root_len) != 0 ||
	    real[s->root_len] != '/')
		return -1;
	fd = open(real, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd == -1)
		return -1;
	if (fstat(fd, &st) == -1 || !S_ISREG(st.st_mode)) {
		close(fd);
		return -1;
	}
	*size = st.st_size;
	return fd;
}

int
server_request_parse(struct server_request *out, char *line)
{
	char *sp1 = strchr(line, ' '), *sp2, *path;

	out->head = false;
	out->path = NULL;
	if (sp1 == NULL || (sp2 = strchr(sp1 + 1, ' ')) == NULL ||
	    strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return 400;
	*sp1 = *sp2 = '\0';
	out->head = strcmp(line, "HEAD") == 0;
	if (!out->head && strcmp(line, "GET") != 0)
		return 405;
	path = sp1 + 1;
	if (path[0] != '/' || !path_decode(path) || !path_safe(path))
		return 400;
	out->path = path;
	return 0;
}

/* The request line is in c->buf: decide the response. */
static void
conn_request(struct source_server *s, struct conn *c)
{
	struct server_request rq;
	int status = server_request_parse(&rq, c->buf);
	off_t size = 0;

	if (status != 0) {
		conn_text(c, status,
		    status == 405 ? "Method Not Allowed" : "Bad Request",
		    rq.head);
		return;
	}
	if (strcmp(rq.path, "/healthz") == 0 ||
	    strcmp(rq.path, "/readyz") == 0) {
		conn_text(c, 200, "ok", rq.head);
		return;
	}
	c->file = file_open(s, rq.path, &size);
	if (c->file == -1) {
		conn_text(c, 404, "Not Found", rq.head);
		return;
	}
	c->off = 0;
	c->end = size;
	conn_respond(c, 200, "OK", size, content_type(rq.path), rq.head);
}

/* Reads what the client sent; answers once the head is complete. */
static void
conn_read(struct source_server *s, struct conn *c)
{
	ssize_t n = recv(c->fd, c->buf + c->len, SERVER_HEAD_MAX - c->len, 0);

	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR)) {
		conn_close(c);
		return;
	}
	if (n < 0)
		return;
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	if (strstr(c->buf, "\r\n\r\n") != NULL ||
	    strstr(c->buf, "\n\n") != NULL) {
		char *eol = strpbrk(c->buf, "\r\n");

		*eol = '\0';
		conn_request(s, c);
	} else if (c->len == SERVER_HEAD_MAX) {
		conn_text(c, 431, "Request Header Fields Too Large", false);
	}
}

/* The response is out: close, or for an error whose request may not
 * have been read whole, half-close and drain for a moment first. */
static void
conn_done(struct conn *c)
{
	if (!c->drain || shutdown(c->fd, SHUT_WR) == -1) {
		conn_close(c);
		return;
	}
	c->state = CONN_DRAIN;
	c->deadline_ms = now_ms() + SERVER_DRAIN_MS;
}

static void
conn_drain(struct conn *c)
{
	char sink[4096];
	ssize_t n = recv(c->fd, sink, sizeof(sink), 0);

	if (n == 0 || (n == -1 && errno != EAGAIN && errno != EINTR))
		conn_close(c);
}

/* Sends what the socket takes; closes when all is out. */
static void
conn_write(struct conn *c)
{
	ssize_t n;

	if (c->sent < c->len) {
		n = send(c->fd, c->buf + c->sent, c->len - c->sent,
		    MSG_NOSIGNAL);
		if (n > 0)
			c->sent += (size_t)n;
	} else if (c->file != -1 && c->off < c->end) {
		size_t chunk = (size_t)(c->end - c->off);

		n = sendfile(c->fd, c->file, &c->off,
		    chunk > (1 << 20) ? (1 << 20) : chunk);
		if (n == 0) { /* the file shrank under us: end here */
			conn_close(c);
			return;
		}
	} else {
		conn_close(c);
		return;
	}
	if (n == -1) {
		if (errno != EAGAIN && errno != EINTR)
			conn_close(c);
		return;
	}
	c->deadline_ms = now_ms() + SERVER_IDLE_TIMEOUT_MS;
	if (c->sent == c->len && (c->file == -1 || c->off >= c->end))
		conn_done(c);
}

static void
server_accept(struct source_server *s)
{
	for (;;) {
		int fd = accept4(s->lfd, NULL, NULL,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct conn *c = NULL;

		if (fd == -1)
			return;
		for (size_t i = 0; i < SERVER_MAX_CONNS && c == NULL; i++)
			if (s->conns[i].state == CONN_FREE)
				c = &s->conns[i];
		if (c == NULL) { /* full: refuse rather than queue */
			close(fd);
			continue;
		}
		c->state = CONN_HEAD;
		c->buf = xmalloc(SERVER_BUF);
		c->fd = fd;
		c->file = -1;
		c->len = c->sent = 0;
		c->drain = false;
		c->deadline_ms = now_ms() + SERVER_HEAD_TIMEOUT_MS;
	}
}

/* Fills pfd with the wake-up pipe, the listener and every open
 * connection (idx maps entries to slots); returns the count. */
static nfds_t
poll_fill(struct source_server *s, struct pollfd *pfd, int *idx)
{
	nfds_t n = 2;

	pfd[0] = (struct pollfd){ .fd = s->wake[0], .events = POLLIN };
	pfd[1] = (struct pollfd){ .fd = s->lfd, .events = POLLIN };
	for (int i = 0; i < SERVER_MAX_CONNS; i++) {
		const struct conn *c = &s->conns[i];

		if (c->state == CONN_FREE)
			continue;
		/* only a response being sent waits to write */
		pfd[n].fd = c->fd;
		pfd[n].events = c->state == CONN_SEND ? POLLOUT : POLLIN;
		idx[n++] = i;
	}
	return n;
}

static void
conn_ready(struct source_server *s, struct conn *c, short revents)
{
	if (revents & (POLLERR | POLLNVAL))
		conn_close(c);
	else if (revents == 0)
		return;
	else if (c->state == CONN_HEAD)
		conn_read(s, c);
	else if (c->state == CONN_SEND)
		conn_write(c);
	else if (c->state == CONN_DRAIN)
		conn_drain(c);
}

/* Closes the connections past their deadline. */
static void
conns_expire(struct source_server *s)
{
	int64_t now = now_ms();

	for (int i = 0; i < SERVER_MAX_CONNS; i++)
		if (s->conns[i].state != CONN_FREE &&
		    now > s->conns[i].deadline_ms)
			conn_close(&s->conns[i]);
}

static void *
server_loop(void *arg)
{
	struct source_server *s = arg;
	struct pollfd pfd[SERVER_MAX_CONNS + 2];
	int idx[SERVER_MAX_CONNS + 2];

	for (;;) {
		nfds_t n = poll_fill(s, pfd, idx);

		if (poll(pfd, n, 1000) == -1 && errno != EINTR)
			break;
		if (pfd[0].revents != 0)
			break;
		for (nfds_t i = 2; i < n; i++)
			conn_ready(s, &s->conns[idx[i]], pfd[i].revents);
		if (pfd[1].revents & POLLIN)
			server_accept(s);
		conns_expire(s);
	}
	return NULL;
}

/* ":9090" and "host:port" to a bound, listening socket. */
static int
server_listen(struct source_server *s, const char *addr, struct err *err)
{
	const char *colon = strrchr(addr, ':');
	char host[256] = "";
	struct addrinfo hints = { .ai_family = AF_UNSPEC,
		.ai_socktype = SOCK_STREAM,
		.ai_flags = AI_PASSIVE },
	                *res = NULL;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	int one = 1, rc;

	if (colon == NULL || (size_t)(colon - addr) >= sizeof(host) ||
	    colon[1] == '\0')
		return err_set(err, ERR_INVALID, "bad address '%s'", addr);
	memcpy(host, addr, (size_t)(colon - addr));
	host[colon - addr] = '\0';
	rc = getaddrinfo(host[0] != '\0' ? host : NULL, colon + 1, &hints,
	    &res);
	if (rc != 0)
		return err_set(err, ERR_INVALID, "address '%s': %s", addr,
		    gai_strerror(rc));
	s->lfd = socket(res->ai_family,
	    SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->lfd == -1 ||
	    setsockopt(s->lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ==
	        -1 ||
	    bind(s->lfd, res->ai_addr, res->ai_addrlen) == -1 ||
	    listen(s->lfd, 128) == -1 ||
	    getsockname(s->lfd, (struct sockaddr *)&ss, &sl) == -1) {
		err_errno(err, errno, "listen on %s", addr);
		err->code = ERR_NETWORK;
		freeaddrinfo(res);
		return -1;
	}
	freeaddrinfo(res);
	s->port = ntohs(ss.ss_family == AF_INET6
	        ? ((struct sockaddr_in6 *)&ss)->sin6_port
	        : ((struct sockaddr_in *)&ss)->sin_port);
	return 0;
}

int
source_server_start(struct source_server **out, const char *root,
    const char *addr, const struct log_ctx *log, struct err *err)
{
	struct source_server *s = xcalloc(1, sizeof(*s));
	int rc;

	s->lfd = s->wake[0] = s->wake[1] = -1;
	s->log = *log;
	for (int i = 0; i < SERVER_MAX_CONNS; i++)
		s->conns[i].fd = s->conns[i].file = -1;
	if ((s->root = realpath(root, NULL)) == NULL) {
		err_errno(err, errno, "storage root %s", root);
		goto fail;
	}
	s->root_len = strlen(s->root);
	if (server_listen(s, addr, err) == -1)
		goto fail;
	if (pipe2(s->wake, O_CLOEXEC) == -1) {
		err_errno(err, errno, "pipe");
		goto fail;
	}
	if ((rc = pthread_create(&s->thread, NULL, server_loop, s)) != 0) {
		err_errno(err, rc, "server thread");
		goto fail;
	}
	*out = s;
	return 0;
fail:
	if (s->wake[0] != -1) {
		close(s->wake[0]);
		close(s->wake[1]);
	}
	if (s->lfd != -1)
		close(s->lfd);
	free(s->root);
	free(s);
	return -1;
}

int
source_server_port(const struct source_server *s)
{
	return s->port;
}

void
source_server_stop(struct source_server *s)
{
	if (s == NULL)
		return;
	while (write(s->wake[1], "x", 1) == -1 && errno == EINTR)
		;
	pthread_join(s->thread, NULL);
	for (int i = 0; i < SERVER_MAX_CONNS; i++)
		if (s->conns[i].state != CONN_FREE)
			conn_close(&s->conns[i]);
	close(s->wake[0]);
	close(s->wake[1]);
	close(s->lfd);
	free(s->root);
	free(s);
}
