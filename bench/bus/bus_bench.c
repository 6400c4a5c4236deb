/*
 * bus_bench: messages per second and one-way latency through the bus
 * between two processes, over ipc:// or tcp://. The parent sends; it
 * spawns itself as the receiver (posix_spawn: nng is not fork-safe).
 * Latency is receive time minus the envelope's send timestamp (both the
 * same host's CLOCK_REALTIME), so it covers packing, both nng stacks, the
 * kernel, decoding and the sequence check: everything a daemon pays.
 *
 *	bus_bench --transport=ipc --pattern=pushpull --count=200000 --rate=0
 *
 * prints one line: what ran, how many arrived, msg/s, p50/p99/max.
 */
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bus/bus.h"
#include "core/flags.h"
#include "core/mem.h"

#define IDLE_STOP_MS 3000
#define PEER_WAIT_MS 10000

extern char **environ;

struct opts {
	const char *mode, *transport, *pattern, *url;
	int count, rate, pad;
};

static int64_t
clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool
is_pubsub(const struct opts *o)
{
	return strcmp(o->pattern, "pubsub") == 0;
}

struct rx {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int64_t *lat_ns;
	size_t n, cap;
	int64_t first_ns, last_ns; /* monotonic arrival of first, last */
	uint64_t want;
	bool done;
};

static void
on_msg(void *arg, const struct bus_msg *m)
{
	struct rx *r = arg;
	int64_t now = clock_ns(CLOCK_REALTIME),
	        mono = clock_ns(CLOCK_MONOTONIC);

	pthread_mutex_lock(&r->mu);
	if (r->n < r->cap)
		r->lat_ns[r->n++] = now - m->time_ns;
	if (r->first_ns == 0)
		r->first_ns = mono;
	r->last_ns = mono;
	if (m->seq >= r->want)
		r->done = true;
	pthread_cond_signal(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

/* Waits for the last message, or until nothing came for IDLE_STOP_MS
 * (pub/sub may lose the tail of a burst). */
static void
rx_wait(struct rx *r)
{
	pthread_mutex_lock(&r->mu);
	while (!r->done) {
		int64_t since = r->last_ns != 0 ? r->last_ns
		                                : clock_ns(CLOCK_MONOTONIC);
		int64_t until = since + (int64_t)IDLE_STOP_MS * 1000000;
		struct timespec ts = { until / 1000000000, until % 1000000000 };

		if (pthread_cond_timedwait(&r->cv, &r->mu, &ts) != 0 &&
		    r->last_ns != 0 &&
		    clock_ns(CLOCK_MONOTONIC) >=
		        r->last_ns + (int64_t)IDLE_STOP_MS * 1000000)
			break;
	}
	pthread_mutex_unlock(&r->mu);
}

static int
cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return (x > y) - (x < y);
}

static void
rx_report(struct rx *r, const struct bus_stats *st)
{
	int64_t span = r->last_ns - r->first_ns;
	size_t n = r->n;

	qsort(r->lat_ns, n, sizeof(r->lat_ns[0]), cmp_i64);
	printf("received=%zu span_ns=%" PRId64 " p50_ns=%" PRId64
	       " p99_ns=%" PRId64 " max_ns=%" PRId64 " missed=%" PRIu64 "\n",
	    n, span, n > 0 ? r->lat_ns[n / 2] : 0,
	    n > 0 ? r->lat_ns[n * 99 / 100] : 0, n > 0 ? r->lat_ns[n - 1] : 0,
	    st->missed);
	fflush(stdout);
}

static int
run_recv(const struct opts *o)
{
	struct rx r = { .cap = (size_t)o->count, .want = (uint64_t)o->count };
	struct bus_opts bo = { .recv = on_msg, .recv_arg = &r };
	struct err err = ERR_INIT;
	struct bus_stats st;
	struct bus *b = NULL;

	pthread_mutex_init(&r.mu, NULL);
	pthread_cond_init(&r.cv, NULL);
	r.lat_ns = xcalloc(r.cap, sizeof(*r.lat_ns));
	if (bus_open(&b, is_pubsub(o) ? BUS_SUB : BUS_PULL, o->url, &bo,
	        &err) == -1) {
		fprintf(stderr, "bus_bench: %s\n", err.msg);
		return 1;
	}
	rx_wait(&r);
	bus_stats_read(&st, b);
	bus_close(b); /* no callback runs past this point */
	rx_report(&r, &st);
	bus_shutdown();
	free(r.lat_ns);
	return 0;
}

/* An address for this run: a socket in a fresh directory, or a free
 * loopback port. */
static bool
pick_url(char *url, size_t size, char *dir, size_t dirsize,
    const char *transport)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd;

	dir[0] = '\0';
	if (strcmp(transport, "ipc") == 0) {
		snprintf(dir, dirsize, "/tmp/flint-bus-bench-XXXXXX");
		if (mkdtemp(dir) == NULL)
			return false;
		snprintf(url, size, "ipc://%s/bus.sock", dir);
		return true;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 ||
	    getsockname(fd, (struct sockaddr *)&sa, &len) != 0) {
		if (fd >= 0)
			close(fd);
		return false;
	}
	close(fd);
	snprintf(url, size, "tcp://127.0.0.1:%d", ntohs(sa.sin_port));
	return true;
}

/* Starts this program as the receiver, its stdout on *out_fd. */
static bool
spawn_receiver(pid_t *pid, int *out_fd, const struct opts *o, const char *url)
{
	char self[4096], count[32], pattern[32], urlarg[320];
	char *argv[] = { self, "--mode=recv", count, pattern, urlarg, NULL };
	posix_spawn_file_actions_t fa;
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
	int fds[2], rv;

	if (n <= 0 || pipe2(fds, O_CLOEXEC) == -1)
		return false;
	self[n] = '\0';
	snprintf(count, sizeof(count), "--count=%d", o->count);
	snprintf(pattern, sizeof(pattern), "--pattern=%s", o->pattern);
	snprintf(urlarg, sizeof(urlarg), "--url=%s", url);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	rv = posix_spawn(pid, self, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	*out_fd = fds[0];
	return rv == 0;
}

static struct bus_msg
bench_msg(int i, const char *pad)
{
	return (struct bus_msg){ .type = BUS_ARTIFACT,
		.sender = "bus-bench",
		.seq = (uint64_t)i,
		.artifact = { .source_kind = "GitRepository",
		    .source_namespace = "flux-system",
		    .source_name = "podinfo",
		    .revision =
		        "main@sha1:0123456789abcdef0123456789abcdef01234567",
		    .digest =
		        "sha256:2c26b46b68ffc68ff99b453c1d30413413422d706483bfa0f98a5e886266e7ae",
		    .url = pad,
		    .size = 123456,
		    .observed_generation = i } };
}

/* Bytes of one envelope on the wire. */
static size_t
bench_msg_size(const char *pad)
{
	struct bus_msg m = bench_msg(1, pad);
	struct err err = ERR_INIT;
	uint8_t *data = NULL;
	size_t len = 0;

	m.epoch = (uint64_t)clock_ns(CLOCK_REALTIME);
	m.time_ns = clock_ns(CLOCK_REALTIME);
	if (bus_msg_encode(&data, &len, &m, BUS_MSG_MAX, &err) == -1)
		return 0;
	free(data);
	return len;
}

static void
send_all(struct bus *b, const struct opts *o, const char *pad)
{
	int64_t period = o->rate > 0 ? 1000000000 / o->rate : 0;
	int64_t start = clock_ns(CLOCK_MONOTONIC);
	struct err err = ERR_INIT;

	for (int i = 1; i <= o->count; i++) {
		struct bus_msg m = bench_msg(i, pad);

		if (period > 0) {
			int64_t t = start + (i - 1) * period;
			struct timespec ts = { t / 1000000000, t % 1000000000 };

			clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts,
			    NULL);
		}
		if (bus_send(b, &m, &err) == -1) {
			fprintf(stderr, "bus_bench: %s\n", err.msg);
			err_reset(&err);
		}
	}
}

static void
print_result(const struct opts *o, const char *res, size_t msg_bytes)
{
	unsigned long long received = 0, missed = 0;
	long long span = 0, p50 = 0, p99 = 0, max = 0;

	if (sscanf(res,
	        "received=%llu span_ns=%lld p50_ns=%lld p99_ns=%lld max_ns=%lld missed=%llu",
	        &received, &span, &p50, &p99, &max, &missed) != 6) {
		fprintf(stderr, "bus_bench: receiver said '%s'\n", res);
		return;
	}
	printf("%s %-8s %-9s sent=%d bytes=%zu received=%llu missed=%llu "
	       "msg/s=%.0f p50=%.1fus p99=%.1fus max=%.1fus\n",
	    o->transport, o->pattern, o->rate > 0 ? "paced" : "burst", o->count,
	    msg_bytes, received, missed,
	    span > 0 ? (double)(received - 1) * 1e9 / (double)span : 0.0,
	    (double)p50 / 1e3, (double)p99 / 1e3, (double)max / 1e3);
}

/* Reads the receiver's line and reaps it. */
static void
collect(pid_t pid, int fd, char *res, size_t size)
{
	size_t len = 0;
	ssize_t n;

	while (len + 1 < size && (n = read(fd, res + len, size - 1 - len)) > 0)
		len += (size_t)n;
	res[len] = '\0';
	close(fd);
	waitpid(pid, NULL, 0);
}

static int
run_send(const struct opts *o)
{
	struct bus_opts bo = { .sender = "bus-bench" };
	char url[300], dir[64], res[512], *pad;
	struct err err = ERR_INIT;
	struct bus *b = NULL;
	pid_t pid;
	int fd, rv = 1;

	pad = xcalloc(1, (size_t)o->pad + 1);
	memset(pad, 'p', (size_t)o->pad);
	if (!pick_url(url, sizeof(url), dir, sizeof(dir), o->transport) ||
	    !spawn_receiver(&pid, &fd, o, url)) {
		fprintf(stderr, "bus_bench: cannot set up the receiver\n");
		free(pad);
		return 1;
	}
	if (bus_open(&b, is_pubsub(o) ? BUS_PUB : BUS_PUSH, url, &bo, &err) ==
	        0 &&
	    bus_wait_peers(b, 1, PEER_WAIT_MS, &err) == 0) {
		send_all(b, o, pad);
		rv = 0;
	} else {
		fprintf(stderr, "bus_bench: %s\n", err.msg);
		kill(pid, SIGTERM);
	}
	collect(pid, fd, res, sizeof(res)); /* keep b open till it is done */
	if (rv == 0)
		print_result(o, res, bench_msg_size(pad));
	bus_close(b);
	bus_shutdown();
	if (dir[0] != '\0') {
		snprintf(res, sizeof(res), "%s/bus.sock", dir);
		unlink(res);
		rmdir(dir);
	}
	free(pad);
	return rv;
}

int
main(int argc, char **argv)
{
	struct opts o = { .mode = "send",
		.transport = "ipc",
		.pattern = "pushpull",
		.url = "",
		.count = 100000 };
	const struct flag table[] = {
		FLAG_STR("mode", &o.mode,
		    "send (and spawn a receiver) or recv"),
		FLAG_STR("transport", &o.transport, "ipc or tcp"),
		FLAG_STR("pattern", &o.pattern, "pushpull or pubsub"),
		FLAG_STR("url", &o.url, "recv: where to connect"),
		FLAG_INT("count", &o.count, 1, 100000000, "messages"),
		FLAG_INT("rate", &o.rate, 0, 10000000, "per second; 0: burst"),
		FLAG_INT("pad", &o.pad, 0, 60000, "extra bytes per message"),
	};
	size_t n = sizeof(table) / sizeof(table[0]);
	struct err err = ERR_INIT;
	int rest;

	log_setup(2, LOG_ERROR);
	if (flags_parse(&rest, table, n, argc, argv, &err) != FLAGS_OK) {
		flags_usage(stderr, argv[0], table, n);
		return 2;
	}
	if (strcmp(o.mode, "recv") == 0)
		return run_recv(&o);
	return run_send(&o);
}
