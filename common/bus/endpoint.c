/*
 * Bus endpoints: one nng socket each, numbered sends, and a receive loop
 * on nng's aio callback that decodes, checks, tracks each sender's
 * sequence, hands the message over and re-arms, never blocking. nng stays
 * inside this file.
 */
#include "bus/bus.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>
#include <nng/protocol/pubsub0/sub.h>

#include "bus/bus_int.h"
#include "core/mem.h"

/* Dialers retry quickly at first so a restarted listener is found soon,
 * then back off so a missing one costs little. */
#define RECONNECT_MIN_MS 100
#define RECONNECT_MAX_MS 2000

struct role {
	const char *name;
	int (*open)(nng_socket *);
	bool listens;
	bool sends;
};

static const struct role roles[] = {
	[BUS_PUB] = { "pub", nng_pub0_open, true, true },
	[BUS_SUB] = { "sub", nng_sub0_open, false, false },
	[BUS_PUSH] = { "push", nng_push0_open, false, true },
	[BUS_PULL] = { "pull", nng_pull0_open, true, false },
};

struct bus {
	enum bus_role role;
	char *url;
	char *sender;
	nng_socket sock;
	bool sock_open;
	nng_aio *rx;
	bus_recv_fn *recv;
	void *recv_arg;
	size_t max_msg;
	struct log_ctx log;
	struct seqtab seqs; /* the receive loop's alone */

	pthread_mutex_t send_mu; /* held across numbering and sending */
	uint64_t epoch;
	uint64_t seq; /* last number taken */

	pthread_mutex_t peer_mu;
	pthread_cond_t peer_cv;
	uint32_t *peer_ids; /* pipes that are up */
	size_t npeers;

	_Atomic uint64_t sent, send_failed, received, dropped, stale, gaps,
	    missed;
};

static int
err_nng(struct err *err, int rv, const char *what)
{
	enum err_code code = ERR_NETWORK;

	switch (rv) {
	case NNG_ETIMEDOUT:
		code = ERR_TIMEOUT;
		break;
	case NNG_EINVAL:
	case NNG_EADDRINVAL:
	case NNG_ENOTSUP:
		code = ERR_INVALID;
		break;
	case NNG_ENOMEM:
	case NNG_EMSGSIZE:
		code = ERR_LIMIT;
		break;
	case NNG_EPERM:
		code = ERR_IO;
		break;
	}
	return err_set(err, code, "%s: %s", what, nng_strerror(rv));
}

static int64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Runs on nng's threads as connections come and go. */
static void
pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct bus *b = arg;
	uint32_t id = nng_pipe_id(p);

	pthread_mutex_lock(&b->peer_mu);
	if (ev == NNG_PIPE_EV_ADD_POST) {
		b->peer_ids = xreallocarray(b->peer_ids, b->npeers + 1,
		    sizeof(*b->peer_ids));
		b->peer_ids[b->npeers++] = id;
	} else {
		/* nng reports the removal of pipes it never added, too. */
		for (size_t i = 0; i < b->npeers; i++) {
			if (b->peer_ids[i] == id) {
				b->peer_ids[i] = b->peer_ids[--b->npeers];
				break;
			}
		}
	}
	pthread_cond_broadcast(&b->peer_cv);
	pthread_mutex_unlock(&b->peer_mu);
}

static void
rx_deliver(struct bus *b, const struct bus_msg *msg)
{
	uint64_t missed;

	if (seqtab_check(&b->seqs, &missed, msg->sender, msg->epoch,
	        msg->seq) == SEQ_STALE) {
		atomic_fetch_add(&b->stale, 1);
		log_debug(&b->log,
		    "dropped stale bus message %" PRIu64 " from '%s'", msg->seq,
		    msg->sender);
		return;
	}
	if (missed > 0) {
		atomic_fetch_add(&b->gaps, 1);
		atomic_fetch_add(&b->missed, missed);
		log_info(&b->log,
		    "lost %" PRIu64
		    " bus messages from '%s' before sequence %" PRIu64,
		    missed, msg->sender, msg->seq);
	}
	atomic_fetch_add(&b->received, 1);
	b->recv(b->recv_arg, msg);
}

static void
rx_handle(struct bus *b, nng_msg *m)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	struct bus_msg msg;

	if (bus_msg_decode(&msg, a, nng_msg_body(m), nng_msg_len(m), b->max_msg,
	        &err) == -1) {
		atomic_fetch_add(&b->dropped, 1);
		log_error(&b->log, &err, "dropped bus message");
	} else {
		rx_deliver(b, &msg);
	}
	arena_free(a);
}

/* The receive loop: one receive outstanding, so messages are handled
 * one at a time in arrival order. */
static void
rx_cb(void *arg)
{
	struct bus *b = arg;
	int rv = nng_aio_result(b->rx);
	nng_msg *m;

	if (rv == NNG_ECLOSED || rv == NNG_ECANCELED)
		return; /* bus_close() */
	if (rv != 0) {
		log_error(&b->log, NULL, "bus receive: %s", nng_strerror(rv));
	} else {
		m = nng_aio_get_msg(b->rx);
		rx_handle(b, m);
		nng_msg_free(m);
	}
	nng_recv_aio(b->sock, b->rx);
}

static int
opts_check(enum bus_role role, const char *url, const struct bus_opts *o,
    struct err *err)
{
	if ((int)role < 0 || (size_t)role >= sizeof(roles) / sizeof(roles[0]))
		return err_set(err, ERR_INVALID, "unknown role %d", (int)role);
	if (url == NULL || url[0] == '\0')
		return err_set(err, ERR_INVALID, "empty url");
	if (roles[role].sends && (o->sender == NULL || o->sender[0] == '\0'))
		return err_set(err, ERR_INVALID, "no sender name");
	if (roles[role].sends && strlen(o->sender) > BUS_SENDER_MAX)
		return err_set(err, ERR_INVALID,
		    "sender name longer than %d bytes", BUS_SENDER_MAX);
	if (!roles[role].sends && o->recv == NULL)
		return err_set(err, ERR_INVALID, "no receive callback");
	if (o->queue_len < 0 || o->send_timeout_ms < 0)
		return err_set(err, ERR_INVALID, "negative queue or timeout");
	return 0;
}

static struct bus *
bus_alloc(enum bus_role role, const char *url, const struct bus_opts *o)
{
	struct bus *b = xcalloc(1, sizeof(*b));
	pthread_condattr_t ca;

	b->role = role;
	b->url = xstrdup(url);
	b->sender = xstrdup(o->sender != NULL ? o->sender : "");
	b->recv = o->recv;
	b->recv_arg = o->recv_arg;
	b->max_msg = o->max_msg > 0 ? o->max_msg : BUS_MSG_MAX;
	if (o->log != NULL)
		b->log = *o->log;
	log_with(&b->log, "bus", b->url, false);
	seqtab_init(&b->seqs, SEQTAB_CAP_DEFAULT);
	pthread_mutex_init(&b->send_mu, NULL);
	pthread_mutex_init(&b->peer_mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&b->peer_cv, &ca);
	pthread_condattr_destroy(&ca);
	b->epoch = (uint64_t)now_ns();
	return b;
}

/* Options that depend on the role: queue depth on the side that queues,
 * the subscription, the send timeout. */
static int
role_setup(struct bus *b, const struct bus_opts *o)
{
	int q = o->queue_len > 0 ? o->queue_len : BUS_QUEUE_DEFAULT;
	int timeout = o->send_timeout_ms > 0 ? o->send_timeout_ms
	                                     : BUS_SEND_TIMEOUT_MS_DEFAULT;
	int rv;

	if (roles[b->role].sends)
		rv = nng_socket_set_int(b->sock, NNG_OPT_SENDBUF, q);
	else
		rv = nng_socket_set_int(b->sock, NNG_OPT_RECVBUF, q);
	if (rv == 0 && b->role == BUS_SUB)
		rv = nng_socket_set(b->sock, NNG_OPT_SUB_SUBSCRIBE, "", 0);
	if (rv == 0 && b->role == BUS_PUSH)
		rv = nng_socket_set_ms(b->sock, NNG_OPT_SENDTIMEO, timeout);
	return rv;
}

static int
sock_setup(struct bus *b, const struct bus_opts *o, struct err *err)
{
	int rv;

	if ((rv = roles[b->role].open(&b->sock)) != 0)
		return err_nng(err, rv, "open socket");
	b->sock_open = true;
	if ((rv = nng_socket_set_size(b->sock, NNG_OPT_RECVMAXSZ,
	         b->max_msg)) != 0 ||
	    (rv = nng_socket_set_ms(b->sock, NNG_OPT_RECONNMINT,
	         RECONNECT_MIN_MS)) != 0 ||
	    (rv = nng_socket_set_ms(b->sock, NNG_OPT_RECONNMAXT,
	         RECONNECT_MAX_MS)) != 0 ||
	    (rv = role_setup(b, o)) != 0)
		return err_nng(err, rv, "set socket options");
	if ((rv = nng_pipe_notify(b->sock, NNG_PIPE_EV_ADD_POST, pipe_cb, b)) !=
	        0 ||
	    (rv = nng_pipe_notify(b->sock, NNG_PIPE_EV_REM_POST, pipe_cb, b)) !=
	        0)
		return err_nng(err, rv, "watch connections");
	return 0;
}

/* Listens or dials (a dialer keeps trying in the background), then arms
 * the first receive. */
static int
sock_start(struct bus *b, struct err *err)
{
	int rv;

	if (!roles[b->role].sends &&
	    (rv = nng_aio_alloc(&b->rx, rx_cb, b)) != 0)
		return err_nng(err, rv, "allocate receive");
	if (roles[b->role].listens)
		rv = nng_listen(b->sock, b->url, NULL, 0);
	else
		rv = nng_dial(b->sock, b->url, NULL, NNG_FLAG_NONBLOCK);
	if (rv != 0)
		return err_nng(err, rv,
		    roles[b->role].listens ? "listen" : "dial");
	if (b->rx != NULL)
		nng_recv_aio(b->sock, b->rx);
	return 0;
}

int
bus_open(struct bus **out, enum bus_role role, const char *url,
    const struct bus_opts *opts, struct err *err)
{
	struct bus *b;

	if (opts_check(role, url, opts, err) == -1)
		return err_wrap(err, "open bus endpoint '%s'",
		    url != NULL ? url : "");
	b = bus_alloc(role, url, opts);
	if (sock_setup(b, opts, err) == -1 || sock_start(b, err) == -1) {
		bus_close(b);
		return err_wrap(err, "open %s endpoint '%s'", roles[role].name,
		    url);
	}
	*out = b;
	return 0;
}

void
bus_close(struct bus *b)
{
	if (b == NULL)
		return;
	/* Closing fails the pending receive with NNG_ECLOSED, so the loop
	 * stops; nng_aio_free() then waits for a callback still running.
	 * nng_close() returns after the last pipe callback. */
	if (b->sock_open)
		nng_close(b->sock);
	if (b->rx != NULL)
		nng_aio_free(b->rx);
	seqtab_release(&b->seqs);
	pthread_cond_destroy(&b->peer_cv);
	pthread_mutex_destroy(&b->peer_mu);
	pthread_mutex_destroy(&b->send_mu);
	free(b->peer_ids);
	free(b->sender);
	free(b->url);
	free(b);
}

void
bus_shutdown(void)
{
	nng_fini();
}

static void *
nng_msg_alloc_cb(void *arg, size_t size)
{
	nng_msg **m = arg;

	if (nng_msg_alloc(m, size) != 0)
		return NULL;
	return nng_msg_body(*m);
}

/* Numbers and sends one message; called with send_mu held. A message
 * that cannot be packed takes no number; one nng fails to send does. */
static int
send_locked(struct bus *b, struct bus_msg *m, struct err *err)
{
	nng_msg *nm = NULL;
	int rv;

	m->seq = b->seq + 1;
	m->time_ns = now_ns();
	if (envelope_pack(m, b->max_msg, nng_msg_alloc_cb, &nm, err) == -1)
		return -1;
	b->seq = m->seq;
	if ((rv = nng_sendmsg(b->sock, nm, 0)) != 0) {
		nng_msg_free(nm);
		atomic_fetch_add(&b->send_failed, 1);
		return err_nng(err, rv, "send");
	}
	atomic_fetch_add(&b->sent, 1);
	return 0;
}

int
bus_send(struct bus *b, const struct bus_msg *msg, struct err *err)
{
	struct bus_msg m = *msg;
	int rv;

	if (!roles[b->role].sends)
		return err_set(err, ERR_INVALID, "cannot send on a %s endpoint",
		    roles[b->role].name);
	m.sender = b->sender;
	m.epoch = b->epoch;
	pthread_mutex_lock(&b->send_mu);
	rv = send_locked(b, &m, err);
	pthread_mutex_unlock(&b->send_mu);
	if (rv == -1)
		return err_wrap(err, "%s message to '%s'",
		    bus_type_name(msg->type), b->url);
	return 0;
}

int
bus_peers(struct bus *b)
{
	int n;

	pthread_mutex_lock(&b->peer_mu);
	n = (int)b->npeers;
	pthread_mutex_unlock(&b->peer_mu);
	return n;
}

int
bus_wait_peers(struct bus *b, int n, int timeout_ms, struct err *err)
{
	struct timespec deadline;
	bool enough;
	int rv = 0;

	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout_ms / 1000;
	deadline.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (deadline.tv_nsec >= 1000000000) {
		deadline.tv_sec++;
		deadline.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&b->peer_mu);
	while ((int)b->npeers < n && rv == 0)
		rv = pthread_cond_timedwait(&b->peer_cv, &b->peer_mu,
		    &deadline);
	enough = (int)b->npeers >= n;
	pthread_mutex_unlock(&b->peer_mu);
	if (!enough)
		return err_set(err, ERR_TIMEOUT,
		    "%d peers on '%s' not connected after %d ms", n, b->url,
		    timeout_ms);
	return 0;
}

void
bus_stats_read(struct bus_stats *out, struct bus *b)
{
	out->sent = atomic_load(&b->sent);
	out->send_failed = atomic_load(&b->send_failed);
	out->received = atomic_load(&b->received);
	out->dropped = atomic_load(&b->dropped);
	out->stale = atomic_load(&b->stale);
	out->gaps = atomic_load(&b->gaps);
	out->missed = atomic_load(&b->missed);
}
