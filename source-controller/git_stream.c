/*
 * Timeouts for libgit2 1.5, which has none: our own socket stream,
 * registered for GIT_STREAM_STANDARD, under both HTTP(S) and SSH.
 *
 * Connect, read and write wait with poll() until the checkout's deadline.
 * SSH hands the descriptor straight to libssh2, which blocks in its own
 * poll() with no limit, so a watchdog thread per checkout also shuts
 * every socket of the checkout down at the deadline; the blocked call
 * then fails and libgit2 returns.
 *
 * libgit2's SSH transport reads the descriptor out of the stream as a
 * git_socket_stream (streams/socket.h: parent, host, port, s); struct
 * sock keeps that layout so the cast it makes stays valid.
 */
#include "git_int.h"

#include <errno.h>
#include <fcntl.h>
#include <git2/sys/stream.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"

struct sock {
	git_stream parent; /* must stay first: libgit2 casts */
	char *host;
	char *port;
	int s;
	struct gitctx *ctx;
};

_Thread_local struct gitctx *gitctx_current;

int64_t
gitctx_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void *
watchdog(void *arg)
{
	struct gitctx *ctx = arg;
	struct timespec at;

	at.tv_sec = ctx->deadline_ms / 1000;
	at.tv_nsec = (ctx->deadline_ms % 1000) * 1000000;
	pthread_mutex_lock(&ctx->mu);
	while (!ctx->done &&
	    pthread_cond_timedwait(&ctx->cv, &ctx->mu, &at) != ETIMEDOUT)
		;
	if (!ctx->done) {
		ctx->fail = GITCTX_TIMEOUT;
		for (int i = 0; i < ctx->nfds; i++)
			shutdown(ctx->fds[i], SHUT_RDWR);
	}
	pthread_mutex_unlock(&ctx->mu);
	return NULL;
}

void
gitctx_watch(struct gitctx *ctx)
{
	pthread_condattr_t ca;

	pthread_mutex_init(&ctx->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ctx->cv, &ca);
	pthread_condattr_destroy(&ca);
	if (pthread_create(&ctx->watchdog, NULL, watchdog, ctx) != 0)
		BUG("pthread_create: cannot start the git watchdog");
	ctx->watching = true;
}

void
gitctx_unwatch(struct gitctx *ctx)
{
	if (!ctx->watching)
		return;
	pthread_mutex_lock(&ctx->mu);
	ctx->done = true;
	pthread_cond_signal(&ctx->cv);
	pthread_mutex_unlock(&ctx->mu);
	pthread_join(ctx->watchdog, NULL);
	pthread_cond_destroy(&ctx->cv);
	pthread_mutex_destroy(&ctx->mu);
	ctx->watching = false;
}

static void
fd_track(struct gitctx *ctx, int fd, bool add)
{
	if (ctx == NULL || !ctx->watching)
		return;
	pthread_mutex_lock(&ctx->mu);
	if (add && ctx->nfds < GITCTX_MAX_FDS)
		ctx->fds[ctx->nfds++] = fd;
	for (int i = 0; !add && i < ctx->nfds; i++) {
		if (ctx->fds[i] == fd) {
			ctx->fds[i] = ctx->fds[--ctx->nfds];
			break;
		}
	}
	if (add && ctx->fail == GITCTX_TIMEOUT)
		shutdown(fd, SHUT_RDWR);
	pthread_mutex_unlock(&ctx->mu);
}

/* Records the timeout; the watchdog may be writing the same. */
static void
gitctx_timed_out(struct gitctx *ctx)
{
	if (ctx == NULL)
		return;
	if (ctx->watching)
		pthread_mutex_lock(&ctx->mu);
	ctx->fail = GITCTX_TIMEOUT;
	if (ctx->watching)
		pthread_mutex_unlock(&ctx->mu);
}

/* Milliseconds left for poll(): -1 without a deadline, 0 past it. */
static int
time_left(const struct gitctx *ctx)
{
	int64_t left;

	if (ctx == NULL || ctx->deadline_ms == 0)
		return -1;
	left = ctx->deadline_ms - gitctx_now_ms();
	return left <= 0 ? 0 : left > INT32_MAX ? INT32_MAX : (int)left;
}

/* Waits for events on fd; -1 with a libgit2 error on timeout. */
static int
wait_fd(struct sock *st, short events)
{
	struct pollfd p = { .fd = st->s, .events = events };
	int rv;

	do
		rv = poll(&p, 1, time_left(st->ctx));
	while (rv == -1 && errno == EINTR);
	if (rv == 0) {
		gitctx_timed_out(st->ctx);
		git_error_set_str(GIT_ERROR_NET, "operation timed out");
		return -1;
	}
	if (rv == -1) {
		git_error_set_str(GIT_ERROR_NET, strerror(errno));
		return -1;
	}
	return 0;
}

/* Non-blocking connect bounded by the deadline; leaves fd blocking, as
 * libssh2 expects. */
static int
connect_one(struct sock *st, const struct addrinfo *ai)
{
	int fd = socket(ai->ai_family,
	    ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	int soerr = 0;
	socklen_t len = sizeof(soerr);

	if (fd == -1)
		return -1;
	st->s = fd;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == -1 &&
	    (errno != EINPROGRESS || wait_fd(st, POLLOUT) == -1 ||
	        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) == -1 ||
	        soerr != 0)) {
		close(fd);
		st->s = -1;
		errno = soerr != 0 ? soerr : errno;
		return -1;
	}
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK) == -1) {
		close(fd);
		st->s = -1;
		return -1;
	}
	return 0;
}

static int
sock_connect(git_stream *stream)
{
	struct sock *st = (struct sock *)stream;
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *info, *p;
	int rv = getaddrinfo(st->host, st->port, &hints, &info);

	if (rv != 0) {
		git_error_set(GIT_ERROR_NET,
		    "failed to resolve address for %s: %s", st->host,
		    gai_strerror(rv));
		return -1;
	}
	for (p = info; p != NULL; p = p->ai_next)
		if (connect_one(st, p) == 0)
			break;
	freeaddrinfo(info);
	if (p == NULL) {
		if (st->ctx == NULL || st->ctx->fail != GITCTX_TIMEOUT)
			git_error_set(GIT_ERROR_NET,
			    "failed to connect to %s: %s", st->host,
			    strerror(errno));
		return -1;
	}
	fd_track(st->ctx, st->s, true);
	return 0;
}

static ssize_t
sock_read(git_stream *stream, void *data, size_t len)
{
	struct sock *st = (struct sock *)stream;
	ssize_t n;

	if (wait_fd(st, POLLIN) == -1)
		return -1;
	do
		n = recv(st->s, data, len, 0);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		git_error_set(GIT_ERROR_NET, "error receiving socket data: %s",
		    strerror(errno));
	return n;
}

static ssize_t
sock_write(git_stream *stream, const char *data, size_t len, int flags)
{
	struct sock *st = (struct sock *)stream;
	ssize_t n;

	if (wait_fd(st, POLLOUT) == -1)
		return -1;
	do
		n = send(st->s, data, len, flags | MSG_NOSIGNAL);
	while (n == -1 && errno == EINTR);
	if (n == -1)
		git_error_set(GIT_ERROR_NET, "error sending data: %s",
		    strerror(errno));
	return n;
}

static int
sock_close(git_stream *stream)
{
	struct sock *st = (struct sock *)stream;
	int rv = 0;

	if (st->s != -1) {
		fd_track(st->ctx, st->s, false);
		rv = close(st->s);
		st->s = -1;
	}
	return rv;
}

static void
sock_free(git_stream *stream)
{
	struct sock *st = (struct sock *)stream;

	sock_close(stream);
	free(st->host);
	free(st->port);
	free(st);
}

static int
sock_new(git_stream **out, const char *host, const char *port)
{
	struct sock *st = xcalloc(1, sizeof(*st));

	st->host = xstrdup(host);
	st->port = xstrdup(port != NULL ? port : "");
	st->s = -1;
	st->ctx = gitctx_current;
	st->parent.version = GIT_STREAM_VERSION;
	st->parent.connect = sock_connect;
	st->parent.read = sock_read;
	st->parent.write = sock_write;
	st->parent.close = sock_close;
	st->parent.free = sock_free;
	*out = &st->parent;
	return 0;
}

int
gitstream_register(void)
{
	git_stream_registration reg = {
		.version = GIT_STREAM_VERSION,
		.init = sock_new,
	};

	return git_stream_register(GIT_STREAM_STANDARD, &reg);
}
