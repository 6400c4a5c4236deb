/*
 * bus_peer: one side of a two-process bus test, spawned by bus_test.c.
 *
 * --mode=send publishes numbered ArtifactEvents (message i has seq i,
 * observedGeneration i and revision "rev-i") at a steady rate or in a
 * burst, then optionally trickles one more every --trail-ms until SIGTERM,
 * so a receiver waiting for seq N learns of every loss before it, or
 * holds its socket open (--hold) until SIGTERM so nothing queued is lost. With
 * --raw it packs envelopes itself onto a plain nng socket and slips
 * malformed ones in between (--junk-every).
 *
 * --mode=recv checks order and content of what arrives and prints one
 * line of counters when seq --until-seq arrives (in the --epochs'th
 * sender epoch), or --kill-at kills it mid-stream.
 */
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/pubsub0/pub.h>

#include "bus/bus.h"
#include "core/flags.h"
#include "core/mem.h"

#define PEER_WAIT_MS  20000
#define TRAIL_MAX_MS  30000
#define JUNK_VARIANTS 4

struct opts {
	const char *mode, *role, *url;
	int count, rate, trail_ms, pad, queue, wait_peers, junk_every;
	int until_seq, kill_at, epochs, slow_us, timeout_ms;
	bool raw, hold;
};

static volatile sig_atomic_t stop_requested;

static void
on_term(int sig)
{
	(void)sig;
	stop_requested = 1;
}

static int64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* Sleeps until t or SIGTERM. The signal may land on an nng thread, so
 * sleep in short steps and look at the flag rather than count on EINTR. */
static void
sleep_until_ns(int64_t t)
{
	const int64_t step = 50000000;

	while (!stop_requested) {
		int64_t now = mono_ns(),
		        until = t - now > step ? now + step : t;
		struct timespec ts = { .tv_sec = until / 1000000000,
			.tv_nsec = until % 1000000000 };

		if (now >= t)
			return;
		clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL);
	}
}

/* Message i of the stream; rev must hold 32 bytes. */
static struct bus_msg
stream_msg(int64_t i, char *rev, size_t revsize, const char *url)
{
	snprintf(rev, revsize, "rev-%" PRId64, i);
	return (struct bus_msg){ .type = BUS_ARTIFACT,
		.artifact = { .source_kind = "GitRepository",
		    .source_namespace = "flux-system",
		    .source_name = "peer",
		    .revision = rev,
		    .url = url,
		    .observed_generation = i } };
}

/* How each message goes out: through the bus, or packed by hand. */
struct sender {
	struct bus *bus;
	nng_socket raw;
	_Atomic int raw_peers;
	uint64_t epoch, seq;
	char *pad;
	int junk;
};

static void
raw_pipe_cb(nng_pipe p, nng_pipe_ev ev, void *arg)
{
	struct sender *s = arg;

	(void)p;
	atomic_fetch_add(&s->raw_peers, ev == NNG_PIPE_EV_ADD_POST ? 1 : -1);
}

/* A malformed envelope of one of four kinds: noise, a truncated
 * message, a type that contradicts the payload, an unknown type. */
static void
raw_send_junk(struct sender *s, const uint8_t *valid, size_t len)
{
	uint8_t *copy = xmemdup(valid, len);
	size_t n = len;

	switch (s->junk % JUNK_VARIANTS) {
	case 0:
		memset(copy, 0xff, n);
		break;
	case 1:
		n = len / 2;
		break;
	case 2:
		copy[1] = 2; /* reconcile, but carries an artifact */
		break;
	default:
		copy[1] = 77;
		break;
	}
	if (nng_send(s->raw, copy, n, 0) == 0)
		s->junk++;
	free(copy);
}

static int
raw_send(struct sender *s, struct bus_msg *m, bool junk_first)
{
	struct err err = ERR_INIT;
	uint8_t *data = NULL;
	size_t len = 0;
	int rv;

	m->sender = "bus-peer-raw";
	m->epoch = s->epoch;
	m->seq = ++s->seq;
	if (bus_msg_encode(&data, &len, m, BUS_MSG_MAX, &err) == -1) {
		fprintf(stderr, "bus_peer: %s\n", err.msg);
		return -1;
	}
	if (junk_first)
		raw_send_junk(s, data, len);
	rv = nng_send(s->raw, data, len, 0);
	free(data);
	return rv == 0 ? 0 : -1;
}

static int
send_one(struct sender *s, const struct opts *o, int64_t i)
{
	struct err err = ERR_INIT;
	char rev[32];
	struct bus_msg m = stream_msg(i, rev, sizeof(rev), s->pad);

	if (o->raw)
		return raw_send(s, &m,
		    o->junk_every > 0 && (i - 1) % o->junk_every == 0);
	if (bus_send(s->bus, &m, &err) == -1)
		fprintf(stderr, "bus_peer: %s\n", err.msg); /* a gap */
	return 0;
}

static int
sender_open(struct sender *s, const struct opts *o, struct err *err)
{
	struct bus_opts bo = { .sender = "bus-peer", .queue_len = o->queue };
	bool pub = strcmp(o->role, "pub") == 0;
	int rv;

	if (!o->raw)
		return bus_open(&s->bus, pub ? BUS_PUB : BUS_PUSH, o->url, &bo,
		    err);
	s->epoch = (uint64_t)mono_ns();
	rv = pub ? nng_pub0_open(&s->raw) : nng_push0_open(&s->raw);
	if (rv == 0) /* the deep queue the bus gives its own sockets */
		rv = nng_socket_set_int(s->raw, NNG_OPT_SENDBUF,
		    BUS_QUEUE_DEFAULT);
	if (rv == 0)
		rv = nng_pipe_notify(s->raw, NNG_PIPE_EV_ADD_POST, raw_pipe_cb,
		    s);
	if (rv == 0)
		rv = pub ? nng_listen(s->raw, o->url, NULL, 0)
		         : nng_dial(s->raw, o->url, NULL, NNG_FLAG_NONBLOCK);
	if (rv != 0)
		return err_set(err, ERR_NETWORK, "raw %s '%s': %s", o->role,
		    o->url, nng_strerror(rv));
	return 0;
}

static int
sender_wait_peers(struct sender *s, const struct opts *o, struct err *err)
{
	int64_t deadline = mono_ns() + (int64_t)PEER_WAIT_MS * 1000000;

	if (o->wait_peers == 0)
		return 0;
	if (!o->raw)
		return bus_wait_peers(s->bus, o->wait_peers, PEER_WAIT_MS, err);
	while (atomic_load(&s->raw_peers) < o->wait_peers) {
		if (mono_ns() > deadline)
			return err_set(err, ERR_TIMEOUT, "no raw peer");
		sleep_until_ns(mono_ns() + 10000000);
	}
	return 0;
}

/* The run, then the trail: one message per trail_ms until SIGTERM. */
static int64_t
sender_run(struct sender *s, const struct opts *o)
{
	int64_t period = o->rate > 0 ? 1000000000 / o->rate : 0;
	int64_t start = mono_ns(), i = 1, trail_end;

	for (; i <= o->count && !stop_requested; i++) {
		if (period > 0)
			sleep_until_ns(start + (i - 1) * period);
		if (send_one(s, o, i) == -1)
			return i - 1;
	}
	if (o->hold)
		sleep_until_ns(mono_ns() + (int64_t)TRAIL_MAX_MS * 1000000);
	if (o->trail_ms <= 0)
		return i - 1;
	trail_end = mono_ns() + (int64_t)TRAIL_MAX_MS * 1000000;
	for (; !stop_requested && mono_ns() < trail_end; i++) {
		sleep_until_ns(mono_ns() + (int64_t)o->trail_ms * 1000000);
		if (send_one(s, o, i) == -1)
			break;
	}
	return i - 1;
}

static int
run_send(const struct opts *o)
{
	struct sender s = { .pad = xcalloc(1, (size_t)o->pad + 1) };
	struct err err = ERR_INIT;
	struct bus_stats st = { 0 };
	int64_t n = 0;
	int rv = 1;

	memset(s.pad, 'p', (size_t)o->pad);
	if (sender_open(&s, o, &err) == 0 &&
	    sender_wait_peers(&s, o, &err) == 0) {
		n = sender_run(&s, o);
		rv = 0;
	}
	if (rv != 0)
		fprintf(stderr, "bus_peer: %s\n", err.msg);
	if (s.bus != NULL)
		bus_stats_read(&st, s.bus);
	printf("sent=%" PRId64 " failed=%" PRIu64 " junk=%d\n", n,
	    st.send_failed, s.junk);
	fflush(stdout);
	bus_close(s.bus);
	if (o->raw)
		nng_close(s.raw);
	bus_shutdown();
	free(s.pad);
	return rv;
}

struct receiver {
	const struct opts *o;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct bus *bus;
	uint64_t epoch, first, last, disorder, content_errors, after_drop;
	int epochs;
	bool done;
};

static bool
content_ok(const struct bus_msg *m)
{
	char rev[32];

	snprintf(rev, sizeof(rev), "rev-%" PRIu64, m->seq);
	return m->type == BUS_ARTIFACT &&
	    m->artifact.observed_generation == (int64_t)m->seq &&
	    strcmp(m->artifact.revision, rev) == 0 &&
	    strcmp(m->artifact.source_name, "peer") == 0;
}

static void
receiver_note(struct receiver *r, const struct bus_msg *m)
{
	struct bus_stats st = { 0 };

	if (m->epoch != r->epoch) {
		r->epoch = m->epoch;
		r->epochs++;
		r->last = 0;
	}
	if (r->first == 0)
		r->first = m->seq;
	if (m->seq <= r->last)
		r->disorder++;
	r->last = m->seq;
	if (!content_ok(m))
		r->content_errors++;
	if (r->bus != NULL)
		bus_stats_read(&st, r->bus);
	if (st.dropped > 0)
		r->after_drop++;
}

static void
on_msg(void *arg, const struct bus_msg *m)
{
	struct receiver *r = arg;
	struct timespec slow = { 0, (long)r->o->slow_us * 1000 };

	pthread_mutex_lock(&r->mu);
	receiver_note(r, m);
	if (r->o->kill_at > 0 && m->seq >= (uint64_t)r->o->kill_at) {
		printf("killed_at=%" PRIu64 "\n", m->seq);
		fflush(stdout);
		raise(SIGKILL);
	}
	if (m->seq >= (uint64_t)r->o->until_seq && r->epochs >= r->o->epochs)
		r->done = true;
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
	if (slow.tv_nsec > 0)
		nanosleep(&slow, NULL); /* a slow consumer, on purpose */
}

static void
receiver_wait(struct receiver *r)
{
	struct timespec deadline;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += r->o->timeout_ms / 1000;
	pthread_mutex_lock(&r->mu);
	while (
	    !r->done && pthread_cond_timedwait(&r->cv, &r->mu, &deadline) == 0)
		;
	pthread_mutex_unlock(&r->mu);
}

static void
receiver_print(struct receiver *r)
{
	struct bus_stats st;

	bus_stats_read(&st, r->bus);
	pthread_mutex_lock(&r->mu);
	printf("received=%" PRIu64 " gaps=%" PRIu64 " missed=%" PRIu64
	       " stale=%" PRIu64 " dropped=%" PRIu64 " first=%" PRIu64
	       " last=%" PRIu64 " epochs=%d disorder=%" PRIu64
	       " content_errors=%" PRIu64 " after_drop=%" PRIu64 " done=%d\n",
	    st.received, st.gaps, st.missed, st.stale, st.dropped, r->first,
	    r->last, r->epochs, r->disorder, r->content_errors, r->after_drop,
	    r->done ? 1 : 0);
	pthread_mutex_unlock(&r->mu);
	fflush(stdout);
}

static int
run_recv(const struct opts *o)
{
	struct receiver r = { .o = o };
	struct bus_opts bo = { .recv = on_msg,
		.recv_arg = &r,
		.queue_len = o->queue };
	struct err err = ERR_INIT;
	struct bus *b = NULL;
	bool done;

	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	if (bus_open(&b, strcmp(o->role, "sub") == 0 ? BUS_SUB : BUS_PULL,
	        o->url, &bo, &err) == -1) {
		fprintf(stderr, "bus_peer: %s\n", err.msg);
		return 1;
	}
	pthread_mutex_lock(&r.mu);
	r.bus = b;
	pthread_mutex_unlock(&r.mu);
	receiver_wait(&r);
	receiver_print(&r);
	pthread_mutex_lock(&r.mu);
	done = r.done;
	r.bus = NULL;
	pthread_mutex_unlock(&r.mu);
	bus_close(b);
	bus_shutdown();
	pthread_cond_destroy(&r.cv);
	pthread_mutex_destroy(&r.mu);
	return done ? 0 : 3;
}

int
main(int argc, char **argv)
{
	struct opts o = { .mode = "",
		.role = "",
		.url = "",
		.count = 1000,
		.wait_peers = 1,
		.until_seq = 1000,
		.epochs = 1,
		.timeout_ms = 25000 };
	const struct flag table[] = {
		FLAG_STR("mode", &o.mode, "send or recv"),
		FLAG_STR("role", &o.role, "pub, push (send); sub, pull (recv)"),
		FLAG_STR("url", &o.url, "bus address"),
		FLAG_INT("count", &o.count, 0, 10000000, "messages to send"),
		FLAG_INT("rate", &o.rate, 0, 1000000, "per second; 0: burst"),
		FLAG_INT("trail-ms", &o.trail_ms, 0, 10000,
		    "then one message per this many ms until SIGTERM"),
		FLAG_INT("pad", &o.pad, 0, 60000, "bytes of padding"),
		FLAG_INT("queue", &o.queue, 0, 8192, "socket queue"),
		FLAG_INT("wait-peers", &o.wait_peers, 0, 16, "before sending"),
		FLAG_BOOL("raw", &o.raw, "pack by hand on a plain socket"),
		FLAG_BOOL("hold", &o.hold,
		    "then keep the socket open until SIGTERM"),
		FLAG_INT("junk-every", &o.junk_every, 0, 1000000,
		    "raw: a malformed envelope before every n-th message"),
		FLAG_INT("until-seq", &o.until_seq, 1, 10000000, "stop at"),
		FLAG_INT("epochs", &o.epochs, 1, 100, "sender epochs to see"),
		FLAG_INT("kill-at", &o.kill_at, 0, 10000000, "SIGKILL self"),
		FLAG_INT("slow-us", &o.slow_us, 0, 999999, "per message"),
		FLAG_INT("timeout-ms", &o.timeout_ms, 1, 600000, "give up"),
	};
	size_t n = sizeof(table) / sizeof(table[0]);
	struct err err = ERR_INIT;
	int rest;

	signal(SIGTERM, on_term);
	log_setup(2, LOG_INFO); /* gaps and drops show in the test output */
	if (flags_parse(&rest, table, n, argc, argv, &err) != FLAGS_OK) {
		flags_usage(stderr, argv[0], table, n);
		return 2;
	}
	if (strcmp(o.mode, "send") == 0)
		return run_send(&o);
	if (strcmp(o.mode, "recv") == 0)
		return run_recv(&o);
	flags_usage(stderr, argv[0], table, n);
	return 2;
}
