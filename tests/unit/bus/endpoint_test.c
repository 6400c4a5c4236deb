/*
 * Endpoints in one process over inproc://: delivery and order, the slow
 * joiner wait, and a raw nng socket playing a peer that loses, repeats
 * and garbles messages. Waits are bounded liveness checks, not timings.
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>

#include "bus/bus.h"
#include "t.h"

#define COLLECT_MAX 1024
#define WAIT_MS     10000

struct collector {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	uint64_t seq[COLLECT_MAX];
	char name[COLLECT_MAX][32];
	size_t n;
};

static void
collector_init(struct collector *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
}

static void
collector_release(struct collector *c)
{
	pthread_cond_destroy(&c->cv);
	pthread_mutex_destroy(&c->mu);
}

static void
collect(void *arg, const struct bus_msg *msg)
{
	struct collector *c = arg;

	pthread_mutex_lock(&c->mu);
	if (c->n < COLLECT_MAX) {
		c->seq[c->n] = msg->seq;
		snprintf(c->name[c->n], sizeof(c->name[0]), "%s",
		    msg->type == BUS_RECONCILE ? msg->reconcile.name : "?");
	}
	c->n++;
	pthread_cond_broadcast(&c->cv);
	pthread_mutex_unlock(&c->mu);
}

/* Waits until n messages arrived; false after WAIT_MS. */
static bool
collector_wait(struct collector *c, size_t n)
{
	struct timespec deadline;
	int rv = 0;
	bool ok;

	clock_gettime(CLOCK_REALTIME, &deadline);
	deadline.tv_sec += WAIT_MS / 1000;
	pthread_mutex_lock(&c->mu);
	while (c->n < n && rv == 0)
		rv = pthread_cond_timedwait(&c->cv, &c->mu, &deadline);
	ok = c->n >= n;
	pthread_mutex_unlock(&c->mu);
	return ok;
}

static struct bus_msg
reconcile(const char *name)
{
	return (struct bus_msg){ .type = BUS_RECONCILE,
		.reconcile = { .kind = "Kustomization",
		    .namespace = "flux-system",
		    .name = name } };
}

static int
open_receiver(struct bus **out, enum bus_role role, const char *url,
    struct collector *c, size_t max_msg, struct err *err)
{
	struct bus_opts o = { .recv = collect,
		.recv_arg = c,
		.max_msg = max_msg };

	return bus_open(out, role, url, &o, err);
}

static int
open_sender(struct bus **out, enum bus_role role, const char *url,
    struct err *err)
{
	struct bus_opts o = { .sender = "unit-test" };

	return bus_open(out, role, url, &o, err);
}

static void
send_names(struct bus *b, int n)
{
	struct err err = ERR_INIT;
	char name[32];

	for (int i = 1; i <= n; i++) {
		struct bus_msg m;

		snprintf(name, sizeof(name), "app-%d", i);
		m = reconcile(name);
		T_OK(bus_send(b, &m, &err), &err);
	}
}

/* Every message arrived once, in order, numbered 1..n. */
static void
check_in_order(struct collector *c, int n)
{
	char want[32];

	T_EQ(c->n, n);
	for (int i = 0; i < n && i < COLLECT_MAX; i++) {
		snprintf(want, sizeof(want), "app-%d", i + 1);
		T_EQ(c->seq[i], i + 1);
		T_STREQ(c->name[i], want);
	}
}

T_TEST(test_push_pull_delivers_in_order)
{
	const char *url = "inproc://unit-bus-pushpull";
	struct bus *pull = NULL, *push = NULL;
	struct err err = ERR_INIT;
	struct collector c;
	struct bus_stats st;

	collector_init(&c);
	T_OK(open_receiver(&pull, BUS_PULL, url, &c, 0, &err), &err);
	T_OK(open_sender(&push, BUS_PUSH, url, &err), &err);
	T_OK(bus_wait_peers(push, 1, WAIT_MS, &err), &err);
	send_names(push, 500);
	T_TRUE(collector_wait(&c, 500));
	bus_stats_read(&st, push);
	T_EQ(st.sent, 500);
	bus_close(push);
	bus_close(pull);
	check_in_order(&c, 500);
	collector_release(&c);
}

T_TEST(test_pub_sub_after_wait_peers_loses_nothing)
{
	const char *url = "inproc://unit-bus-pubsub";
	struct bus *pub = NULL, *sub = NULL;
	struct err err = ERR_INIT;
	struct collector c;
	struct bus_stats st;

	collector_init(&c);
	T_OK(open_sender(&pub, BUS_PUB, url, &err), &err);
	T_OK(open_receiver(&sub, BUS_SUB, url, &c, 0, &err), &err);
	T_OK(bus_wait_peers(pub, 1, WAIT_MS, &err), &err);
	T_EQ(bus_peers(pub), 1);
	send_names(pub, 300);
	T_TRUE(collector_wait(&c, 300));
	bus_stats_read(&st, sub);
	T_EQ(st.received, 300);
	T_EQ(st.gaps, 0);
	T_EQ(st.dropped, 0);
	bus_close(sub);
	bus_close(pub);
	check_in_order(&c, 300);
	collector_release(&c);
}

T_TEST(test_wait_peers_times_out_alone)
{
	struct bus *pub = NULL;
	struct err err = ERR_INIT;

	T_OK(open_sender(&pub, BUS_PUB, "inproc://unit-bus-alone", &err), &err);
	T_EQ(bus_peers(pub), 0);
	T_ERR(bus_wait_peers(pub, 1, 50, &err), &err, ERR_TIMEOUT);
	bus_close(pub);
}

/* Sends an encoded message with a chosen number on a raw socket. */
static void
raw_send(nng_socket s, const char *name, uint64_t epoch, uint64_t seq)
{
	struct bus_msg m = reconcile(name);
	struct err err = ERR_INIT;
	uint8_t *data = NULL;
	size_t len = 0;

	m.sender = "raw-peer";
	m.epoch = epoch;
	m.seq = seq;
	T_OK(bus_msg_encode(&data, &len, &m, BUS_MSG_MAX, &err), &err);
	T_EQ(nng_send(s, data, len, 0), 0);
	free(data);
}

static void
raw_send_bytes(nng_socket s, const void *data, size_t len)
{
	T_EQ(nng_send(s, (void *)(uintptr_t)data, len, 0), 0);
}

/* What the bus logged while fn ran, up to cap - 1 bytes. */
static void
capture_log(char *dst, size_t cap, int fd)
{
	ssize_t n = read(fd, dst, cap - 1);

	dst[n < 0 ? 0 : n] = '\0';
}

static void
send_misbehaving(nng_socket raw)
{
	struct bus_msg m = reconcile("unknown");
	struct err err = ERR_INIT;
	uint8_t *data = NULL;
	size_t len = 0;

	raw_send(raw, "app-1", 1, 1);
	raw_send(raw, "app-2", 1, 2);
	raw_send(raw, "app-5", 1, 5);  /* 3 and 4 lost */
	raw_send(raw, "app-5b", 1, 5); /* duplicate */
	raw_send_bytes(raw, "\xff\xfe garbage", 10);
	m.sender = "raw-peer";
	m.epoch = 1;
	m.seq = 6;
	T_OK(bus_msg_encode(&data, &len, &m, BUS_MSG_MAX, &err), &err);
	data[1] = 9; /* a message type from a newer peer */
	raw_send_bytes(raw, data, len);
	free(data);
	raw_send(raw, "app-6", 1, 6);
}

T_TEST(test_gaps_stale_and_junk_are_counted_and_logged)
{
	const char *url = "inproc://unit-bus-raw";
	struct bus *pull = NULL;
	struct err err = ERR_INIT;
	struct collector c;
	struct bus_stats st;
	nng_socket raw;
	char log[8192];
	int fds[2];

	collector_init(&c);
	T_EQ(pipe(fds), 0);
	log_setup(fds[1], LOG_INFO);
	T_OK(open_receiver(&pull, BUS_PULL, url, &c, 0, &err), &err);
	T_EQ(nng_push0_open(&raw), 0);
	T_EQ(nng_dial(raw, url, NULL, 0), 0);
	send_misbehaving(raw);
	T_TRUE(collector_wait(&c, 4));
	bus_stats_read(&st, pull);
	nng_close(raw);
	bus_close(pull);
	log_setup(2, LOG_INFO);
	capture_log(log, sizeof(log), fds[0]);
	close(fds[0]);
	close(fds[1]);
	T_EQ(c.n, 4);
	T_STREQ(c.name[2], "app-5");
	T_STREQ(c.name[3], "app-6");
	T_EQ(st.received, 4);
	T_EQ(st.gaps, 1);
	T_EQ(st.missed, 2);
	T_EQ(st.stale, 1);
	T_EQ(st.dropped, 2);
	T_TRUE(strstr(log, "lost 2 bus messages from 'raw-peer'") != NULL);
	T_TRUE(strstr(log, "undecodable envelope") != NULL);
	T_TRUE(strstr(log, "unknown to this version") != NULL);
	collector_release(&c);
}

T_TEST(test_oversize_message_is_dropped_and_next_arrives)
{
	const char *url = "inproc://unit-bus-oversize";
	struct bus *pull = NULL;
	struct err err = ERR_INIT;
	struct collector c;
	struct bus_stats st;
	nng_socket raw;
	char big[600];

	collector_init(&c);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_OK(open_receiver(&pull, BUS_PULL, url, &c, 512, &err), &err);
	T_EQ(nng_push0_open(&raw), 0);
	T_EQ(nng_dial(raw, url, NULL, 0), 0);
	raw_send(raw, big, 1, 1);
	raw_send(raw, "small", 1, 2);
	T_TRUE(collector_wait(&c, 1));
	bus_stats_read(&st, pull);
	nng_close(raw);
	bus_close(pull);
	T_STREQ(c.name[0], "small");
	T_EQ(st.dropped, 1);
	T_EQ(st.received, 1);
	collector_release(&c);
}

T_TEST(test_unsendable_message_takes_no_number)
{
	const char *url = "inproc://unit-bus-toolarge";
	struct bus_opts so = { .sender = "unit-test", .max_msg = 256 };
	struct bus *pull = NULL, *push = NULL;
	struct err err = ERR_INIT;
	struct collector c;
	struct bus_stats st;
	struct bus_msg m;
	char big[400];

	collector_init(&c);
	memset(big, 'b', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	T_OK(open_receiver(&pull, BUS_PULL, url, &c, 0, &err), &err);
	T_OK(bus_open(&push, BUS_PUSH, url, &so, &err), &err);
	m = reconcile(big);
	T_ERR(bus_send(push, &m, &err), &err, ERR_LIMIT);
	m = reconcile("");
	T_ERR(bus_send(push, &m, &err), &err, ERR_INVALID);
	send_names(push, 1);
	T_TRUE(collector_wait(&c, 1));
	bus_stats_read(&st, pull);
	T_EQ(c.seq[0], 1);
	T_EQ(st.gaps, 0);
	bus_stats_read(&st, push);
	T_EQ(st.sent, 1);
	T_EQ(st.send_failed, 0);
	bus_close(push);
	bus_close(pull);
	collector_release(&c);
}

/* A PUSH with no receiver queues, then times out; the message that
 * timed out shows up as a gap once a receiver listens. */
T_TEST(test_push_timeout_becomes_a_gap)
{
	const char *url = "inproc://unit-bus-late-pull";
	struct bus_opts so = { .sender = "unit-test",
		.queue_len = 2,
		.send_timeout_ms = 20 };
	struct bus *pull = NULL, *push = NULL;
	struct err err = ERR_INIT;
	struct collector c;
	struct bus_stats st;
	struct bus_msg m = reconcile("x");
	int queued = 0;

	collector_init(&c);
	T_OK(bus_open(&push, BUS_PUSH, url, &so, &err), &err);
	while (queued < 100 && bus_send(push, &m, &err) == 0)
		queued++;
	T_EQ(err.code, ERR_TIMEOUT);
	err_reset(&err);
	T_TRUE(queued < 100);
	T_OK(open_receiver(&pull, BUS_PULL, url, &c, 0, &err), &err);
	T_OK(bus_wait_peers(push, 1, WAIT_MS, &err), &err);
	T_OK(bus_send(push, &m, &err), &err);
	T_TRUE(collector_wait(&c, (size_t)queued + 1));
	bus_stats_read(&st, pull);
	T_EQ(st.received, queued + 1);
	T_EQ(st.gaps, 1);
	T_EQ(st.missed, 1);
	bus_stats_read(&st, push);
	T_EQ(st.send_failed, 1);
	T_EQ(st.sent, queued + 1);
	bus_close(push);
	bus_close(pull);
	collector_release(&c);
}

T_TEST(test_open_rejects_bad_input)
{
	struct bus_opts none = { 0 };
	struct bus_opts big_queue = { .sender = "s", .queue_len = 1 << 20 };
	struct bus *b = NULL;
	struct err err = ERR_INIT;
	struct collector c;

	collector_init(&c);
	T_ERR(open_sender(&b, BUS_PUB, "nope://where", &err), &err,
	    ERR_INVALID);
	T_ERR(open_sender(&b, BUS_PUB, "", &err), &err, ERR_INVALID);
	T_ERR(bus_open(&b, BUS_PUB, "inproc://unit-bus-bad", &none, &err), &err,
	    ERR_INVALID);
	T_ERR(bus_open(&b, BUS_SUB, "inproc://unit-bus-bad", &none, &err), &err,
	    ERR_INVALID);
	T_ERR(bus_open(&b, (enum bus_role)9, "inproc://unit-bus-bad", &none,
	          &err),
	    &err, ERR_INVALID);
	T_ERR(bus_open(&b, BUS_PUSH, "inproc://unit-bus-bad", &big_queue, &err),
	    &err, ERR_INVALID);
	T_TRUE(b == NULL);
	collector_release(&c);
}

T_TEST(test_second_listener_on_an_address_fails)
{
	const char *url = "inproc://unit-bus-twice";
	struct bus *a = NULL, *b = NULL;
	struct err err = ERR_INIT;
	struct collector c;

	collector_init(&c);
	T_OK(open_receiver(&a, BUS_PULL, url, &c, 0, &err), &err);
	T_ERR(open_receiver(&b, BUS_PULL, url, &c, 0, &err), &err, ERR_NETWORK);
	T_TRUE(b == NULL);
	bus_close(a);
	collector_release(&c);
}

T_TEST(test_send_on_a_receiver_is_invalid)
{
	struct bus *sub = NULL;
	struct err err = ERR_INIT;
	struct collector c;
	struct bus_msg m = reconcile("x");

	collector_init(&c);
	T_OK(open_receiver(&sub, BUS_SUB, "inproc://unit-bus-nopub", &c, 0,
	         &err),
	    &err);
	T_ERR(bus_send(sub, &m, &err), &err, ERR_INVALID);
	bus_close(sub);
	bus_close(NULL);
	collector_release(&c);
}
