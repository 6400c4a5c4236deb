/* A scripted loopback HTTP server: see fake_server.h. */
#include "fake_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "k8s/k8s_int.h"

#define MAX_SCRIPT 64

struct reply {
	int status;
	char *headers;
	char *body;
	int delay_ms;
};

struct fake_server {
	int fd;
	int stop_pipe[2];
	pthread_t thread;
	pthread_mutex_t mu;
	char url[64];
	struct reply replies[MAX_SCRIPT];
	size_t nreplies, next;
	char *requests[MAX_SCRIPT * 4];
	size_t nrequests;
};

/* Reads one request: the head and as many body bytes as it announces. */
static char *
read_request(int c)
{
	struct buf b;
	char chunk[4096], *end, *cl;
	size_t want = 0;
	ssize_t n;

	buf_init(&b, 1 << 24);
	for (;;) {
		end = b.data != NULL ? strstr(b.data, "\r\n\r\n") : NULL;
		if (end != NULL) {
			cl = strcasestr(b.data, "\r\ncontent-length:");
			want = (size_t)(end - b.data) + 4 +
			    (cl != NULL && cl < end ? strtoul(cl + 17, NULL, 10)
			                            : 0);
			if (b.len >= want)
				break;
		}
		n = read(c, chunk, sizeof(chunk));
		if (n <= 0)
			break;
		buf_append(&b, chunk, (size_t)n);
	}
	return buf_detach(&b, NULL);
}

static void
write_all(int c, const char *p, size_t n)
{
	ssize_t w;

	while (n > 0 && (w = send(c, p, n, MSG_NOSIGNAL)) > 0) {
		p += w;
		n -= (size_t)w;
	}
}

static void
serve_one(struct fake_server *f, int c)
{
	struct reply r = { 500, NULL, NULL, 0 };
	char *req = read_request(c), head[512];
	const char *body;

	pthread_mutex_lock(&f->mu);
	if (f->nrequests < sizeof(f->requests) / sizeof(f->requests[0]))
		f->requests[f->nrequests++] = req;
	else
		free(req);
	if (f->next < f->nreplies)
		r = f->replies[f->next++];
	pthread_mutex_unlock(&f->mu);
	body = r.body != NULL ? r.body : "no reply queued";
	k8s_sleep_ms(r.delay_ms);
	snprintf(head, sizeof(head),
	    "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n%s\r\n",
	    r.status, strlen(body), r.headers != NULL ? r.headers : "");
	write_all(c, head, strlen(head));
	write_all(c, body, strlen(body));
}

static void *
serve(void *arg)
{
	struct fake_server *f = arg;
	struct pollfd p[2] = { { f->fd, POLLIN, 0 },
		{ f->stop_pipe[0], POLLIN, 0 } };
	int c;

	for (;;) {
		if (poll(p, 2, -1) == -1 && errno != EINTR)
			break;
		if (p[1].revents != 0)
			break;
		if ((c = accept4(f->fd, NULL, NULL, SOCK_CLOEXEC)) == -1)
			continue;
		serve_one(f, c);
		shutdown(c, SHUT_WR);
		close(c);
	}
	return NULL;
}

struct fake_server *
fake_start(void)
{
	struct fake_server *f = xcalloc(1, sizeof(*f));
	struct sockaddr_in sa = { 0 };
	socklen_t len = sizeof(sa);

	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	f->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (f->fd == -1 || bind(f->fd, (struct sockaddr *)&sa, sizeof(sa)) ||
	    listen(f->fd, 16) ||
	    getsockname(f->fd, (struct sockaddr *)&sa, &len) ||
	    pipe2(f->stop_pipe, O_CLOEXEC))
		BUG("fake server: %s", strerror(errno));
	snprintf(f->url, sizeof(f->url), "http://127.0.0.1:%d",
	    ntohs(sa.sin_port));
	pthread_mutex_init(&f->mu, NULL);
	pthread_create(&f->thread, NULL, serve, f);
	return f;
}

void
fake_stop(struct fake_server *f)
{
	size_t i;

	if (write(f->stop_pipe[1], "x", 1) != 1)
		BUG("fake server: cannot stop");
	pthread_join(f->thread, NULL);
	close(f->fd);
	close(f->stop_pipe[0]);
	close(f->stop_pipe[1]);
	for (i = 0; i < f->nreplies; i++) {
		free(f->replies[i].headers);
		free(f->replies[i].body);
	}
	for (i = 0; i < f->nrequests; i++)
		free(f->requests[i]);
	pthread_mutex_destroy(&f->mu);
	free(f);
}

const char *
fake_url(const struct fake_server *f)
{
	return f->url;
}

void
fake_reply(struct fake_server *f, int status, const char *headers,
    const char *body, int delay_ms)
{
	struct reply *r;

	pthread_mutex_lock(&f->mu);
	if (f->nreplies == MAX_SCRIPT)
		BUG("fake server: too many replies");
	r = &f->replies[f->nreplies++];
	r->status = status;
	r->headers = headers != NULL ? xstrdup(headers) : NULL;
	r->body = xstrdup(body != NULL ? body : "");
	r->delay_ms = delay_ms;
	pthread_mutex_unlock(&f->mu);
}

size_t
fake_count(struct fake_server *f)
{
	size_t n;

	pthread_mutex_lock(&f->mu);
	n = f->nrequests;
	pthread_mutex_unlock(&f->mu);
	return n;
}

char *
fake_request(struct fake_server *f, size_t i)
{
	char *r = NULL;

	pthread_mutex_lock(&f->mu);
	if (i < f->nrequests)
		r = xstrdup(f->requests[i]);
	pthread_mutex_unlock(&f->mu);
	return r;
}
