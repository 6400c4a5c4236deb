/*
 * Two-process bus tests: each spawns bus_peer processes (posix_spawn, as
 * nng is not fork-safe) over ipc:// in a fresh directory or tcp:// on a
 * free loopback port, and checks the counters they print.
 *
 * Slow joiners: a sender waits with bus_wait_peers() until its peer is
 * connected before the first message, so a steady stream loses nothing;
 * after a burst it trickles on until stopped, so the receiver, which stops
 * at seq N, has learnt of every loss up to N as a gap.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/str.h"
#include "t.h"

#define PEER_DEADLINE_MS 28000
#define ARGS_MAX         24

extern char **environ;

struct peer {
	pid_t pid;
	int out; /* its stdout */
	char buf[1024];
	size_t len;
	int status; /* from waitpid(), -1 until reaped */
};

struct endpoint {
	char url[256];
	char dir[64]; /* ipc: the temporary directory */
};

static int64_t
mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void
sleep_ms(int ms)
{
	struct timespec ts = { ms / 1000, (long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

/* A loopback port nobody listens on right now. */
static int
free_port(void)
{
	struct sockaddr_in sa = { .sin_family = AF_INET,
		.sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(sa);
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), port = -1;

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 &&
	    getsockname(fd, (struct sockaddr *)&sa, &len) == 0)
		port = ntohs(sa.sin_port);
	if (fd >= 0)
		close(fd);
	return port;
}

static bool
endpoint_init(struct endpoint *e, const char *transport)
{
	const char *tmp = getenv("TMPDIR");

	memset(e, 0, sizeof(*e));
	if (strcmp(transport, "tcp") == 0) {
		int port = free_port();

		snprintf(e->url, sizeof(e->url), "tcp://127.0.0.1:%d", port);
		return port > 0;
	}
	snprintf(e->dir, sizeof(e->dir), "%s/flint-bus-XXXXXX",
	    tmp != NULL && strlen(tmp) < 32 ? tmp : "/tmp");
	if (mkdtemp(e->dir) == NULL)
		return false;
	snprintf(e->url, sizeof(e->url), "ipc://%s/bus.sock", e->dir);
	return true;
}

static void
endpoint_release(struct endpoint *e)
{
	char path[128];

	if (e->dir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/bus.sock", e->dir);
	unlink(path);
	rmdir(e->dir);
}

/* Starts bus_peer with args (NULL-terminated) and a pipe on stdout. */
static bool
peer_spawn(struct peer *p, const char *const *args)
{
	const char *path = getenv("BUS_PEER");
	char *argv[ARGS_MAX];
	posix_spawn_file_actions_t fa;
	int fds[2], rv, n = 0;

	memset(p, 0, sizeof(*p));
	p->status = -1;
	if (path == NULL || pipe2(fds, O_CLOEXEC) == -1)
		return false;
	argv[n++] = (char *)(uintptr_t)path;
	while (args[n - 1] != NULL && n < ARGS_MAX - 1) {
		argv[n] = (char *)(uintptr_t)args[n - 1];
		n++;
	}
	argv[n] = NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	rv = posix_spawn(&p->pid, path, &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	p->out = fds[0];
	if (rv != 0)
		close(p->out);
	return rv == 0;
}

/* Collects stdout until EOF and reaps the peer; kills it past the
 * deadline. */
static void
peer_wait(struct peer *p)
{
	int64_t deadline = mono_ms() + PEER_DEADLINE_MS;
	struct pollfd pfd = { .fd = p->out, .events = POLLIN };
	ssize_t n = 1;

	while (n > 0) {
		int left = (int)(deadline - mono_ms());

		if (left <= 0 || poll(&pfd, 1, left) <= 0) {
			fprintf(stderr, "  peer %d timed out\n", (int)p->pid);
			kill(p->pid, SIGKILL);
			break;
		}
		n = read(p->out, p->buf + p->len, sizeof(p->buf) - 1 - p->len);
		if (n > 0)
			p->len += (size_t)n;
	}
	p->buf[p->len] = '\0';
	close(p->out);
	waitpid(p->pid, &p->status, 0);
}

static void
peer_stop(struct peer *p)
{
	kill(p->pid, SIGTERM);
	peer_wait(p);
}

static bool
peer_exited_ok(const struct peer *p)
{
	return p->status != -1 && WIFEXITED(p->status) &&
	    WEXITSTATUS(p->status) == 0;
}

/* The value of key=<integer> in the peer's output, or -1. */
static long long
field(const struct peer *p, const char *key)
{
	size_t klen = strlen(key);
	const char *s = p->buf;
	struct err err = ERR_INIT;
	char num[32];
	int64_t v;

	while ((s = strstr(s, key)) != NULL) {
		if ((s == p->buf || s[-1] == ' ' || s[-1] == '\n') &&
		    s[klen] == '=')
			break;
		s += klen;
	}
	if (s == NULL)
		return -1;
	s += klen + 1;
	str_lcpy(num, s, sizeof(num));
	num[strcspn(num, " \n")] = '\0';
	if (str_to_i64(&v, num, &err) == -1)
		return -1;
	return v;
}

static void
show(const char *who, const struct peer *p)
{
	fprintf(stderr, "  %s: %s", who, p->len > 0 ? p->buf : "(nothing)\n");
}

struct pattern {
	const char *send_role, *recv_role;
};

static const struct pattern pubsub = { "pub", "sub" };
static const struct pattern pushpull = { "push", "pull" };

/* (1) A steady stream of n arrives whole and in order. */
static void
steady(const struct pattern *pat, const char *transport)
{
	const int n = 10000;
	struct peer snd, rcv;
	struct endpoint e;

	T_TRUE(endpoint_init(&e, transport));
	T_TRUE(peer_spawn(&snd,
	    (const char *const[]){ "--mode=send", "--role", pat->send_role,
	        "--url", e.url, "--count=10000", "--rate=2500", "--hold",
	        NULL }));
	T_TRUE(peer_spawn(&rcv,
	    (const char *const[]){ "--mode=recv", "--role", pat->recv_role,
	        "--url", e.url, "--until-seq=10000", NULL }));
	peer_wait(&rcv);
	peer_stop(&snd);
	show("sender", &snd);
	show("receiver", &rcv);
	T_TRUE(peer_exited_ok(&rcv));
	T_TRUE(peer_exited_ok(&snd));
	T_EQ(field(&snd, "sent"), n);
	T_EQ(field(&rcv, "received"), n);
	T_EQ(field(&rcv, "first"), 1);
	T_EQ(field(&rcv, "last"), n);
	T_EQ(field(&rcv, "gaps"), 0);
	T_EQ(field(&rcv, "disorder"), 0);
	T_EQ(field(&rcv, "content_errors"), 0);
	T_EQ(field(&rcv, "dropped"), 0);
	endpoint_release(&e);
}

/*
 * (2) A burst: nothing arrives out of order and every loss up to the last
 * message seen is a gap, received + missed == last. qflag, slow and pad
 * are bus_peer flags: queue depth, a slow receiver, bigger messages.
 */
static void
burst(const struct pattern *pat, const char *transport, const char *qflag,
    const char *slow, const char *pad)
{
	struct peer snd, rcv;
	struct endpoint e;
	long long last, received;

	T_TRUE(endpoint_init(&e, transport));
	T_TRUE(peer_spawn(&snd,
	    (const char *const[]){ "--mode=send", "--role", pat->send_role,
	        "--url", e.url, "--count=10000", "--rate=0", "--trail-ms=20",
	        qflag, pad, NULL }));
	T_TRUE(peer_spawn(&rcv,
	    (const char *const[]){ "--mode=recv", "--role", pat->recv_role,
	        "--url", e.url, "--until-seq=10000", qflag, slow, NULL }));
	peer_wait(&rcv);
	peer_stop(&snd);
	show("sender", &snd);
	show("receiver", &rcv);
	T_TRUE(peer_exited_ok(&rcv));
	T_TRUE(peer_exited_ok(&snd));
	last = field(&rcv, "last");
	received = field(&rcv, "received");
	T_TRUE(last >= 10000);
	T_TRUE(field(&snd, "sent") >= last);
	T_TRUE(received > 0);
	T_EQ(received + field(&rcv, "missed"), last);
	T_EQ(field(&rcv, "disorder"), 0);
	T_EQ(field(&rcv, "stale"), 0);
	T_EQ(field(&rcv, "content_errors"), 0);
	endpoint_release(&e);
}

T_TEST(test_steady_pubsub_ipc)
{
	steady(&pubsub, "ipc");
}

T_TEST(test_steady_pubsub_tcp)
{
	steady(&pubsub, "tcp");
}

T_TEST(test_steady_pushpull_ipc)
{
	steady(&pushpull, "ipc");
}

T_TEST(test_steady_pushpull_tcp)
{
	steady(&pushpull, "tcp");
}

T_TEST(test_burst_pubsub_ipc)
{
	burst(&pubsub, "ipc", "--queue=0", "--slow-us=0", "--pad=0");
}

T_TEST(test_burst_pubsub_tcp)
{
	burst(&pubsub, "tcp", "--queue=0", "--slow-us=0", "--pad=0");
}

/* Push applies back-pressure: a burst loses nothing at all. */
static void
burst_lossless(const char *transport)
{
	struct peer snd, rcv;
	struct endpoint e;

	T_TRUE(endpoint_init(&e, transport));
	T_TRUE(peer_spawn(&snd,
	    (const char *const[]){ "--mode=send", "--role=push", "--url", e.url,
	        "--count=10000", "--rate=0", "--hold", NULL }));
	T_TRUE(peer_spawn(&rcv,
	    (const char *const[]){ "--mode=recv", "--role=pull", "--url", e.url,
	        "--until-seq=10000", "--slow-us=20", NULL }));
	peer_wait(&rcv);
	peer_stop(&snd);
	show("sender", &snd);
	show("receiver", &rcv);
	T_TRUE(peer_exited_ok(&rcv));
	T_TRUE(peer_exited_ok(&snd));
	T_EQ(field(&snd, "failed"), 0);
	T_EQ(field(&rcv, "received"), 10000);
	T_EQ(field(&rcv, "gaps"), 0);
	T_EQ(field(&rcv, "disorder"), 0);
	endpoint_release(&e);
}

T_TEST(test_burst_pushpull_ipc)
{
	burst_lossless("ipc");
}

T_TEST(test_burst_pushpull_tcp)
{
	burst_lossless("tcp");
}

/* Short queues, big messages and a slow subscriber: losses are certain,
 * and each must be reported. */
static void
burst_lossy(const char *transport)
{
	struct peer snd, rcv;
	struct endpoint e;

	T_TRUE(endpoint_init(&e, transport));
	T_TRUE(peer_spawn(&snd,
	    (const char *const[]){ "--mode=send", "--role=pub", "--url", e.url,
	        "--count=10000", "--rate=0", "--trail-ms=20", "--queue=16",
	        "--pad=8000", NULL }));
	T_TRUE(peer_spawn(&rcv,
	    (const char *const[]){ "--mode=recv", "--role=sub", "--url", e.url,
	        "--until-seq=10000", "--queue=16", "--slow-us=200", NULL }));
	peer_wait(&rcv);
	peer_stop(&snd);
	show("sender", &snd);
	show("receiver", &rcv);
	T_TRUE(peer_exited_ok(&rcv));
	T_TRUE(field(&rcv, "gaps") > 0);
	T_EQ(field(&rcv, "received") + field(&rcv, "missed"),
	    field(&rcv, "last"));
	T_EQ(field(&rcv, "disorder"), 0);
	endpoint_release(&e);
}

T_TEST(test_burst_lossy_pubsub_ipc)
{
	burst_lossy("ipc");
}

T_TEST(test_burst_lossy_pubsub_tcp)
{
	burst_lossy("tcp");
}

/*
 * (3) A subscriber killed mid-stream and started again resumes: the new
 * one hears the stream from where it joined and reports what came before
 * as a gap. The pause between them makes sure something is missed.
 */
static void
sub_restart(const char *transport)
{
	struct peer snd, rcv1, rcv2;
	struct endpoint e;
	long long killed_at, first;

	T_TRUE(endpoint_init(&e, transport));
	T_TRUE(peer_spawn(&snd,
	    (const char *const[]){ "--mode=send", "--role=pub", "--url", e.url,
	        "--count=6000", "--rate=2000", "--trail-ms=20", NULL }));
	T_TRUE(peer_spawn(&rcv1,
	    (const char *const[]){ "--mode=recv", "--role=sub", "--url", e.url,
	        "--until-seq=6000", "--kill-at=1000", NULL }));
	peer_wait(&rcv1);
	T_TRUE(WIFSIGNALED(rcv1.status) && WTERMSIG(rcv1.status) == SIGKILL);
	killed_at = field(&rcv1, "killed_at");
	sleep_ms(300);
	T_TRUE(peer_spawn(&rcv2,
	    (const char *const[]){ "--mode=recv", "--role=sub", "--url", e.url,
	        "--until-seq=6000", NULL }));
	peer_wait(&rcv2);
	peer_stop(&snd);
	show("first subscriber", &rcv1);
	show("second subscriber", &rcv2);
	T_TRUE(peer_exited_ok(&rcv2));
	first = field(&rcv2, "first");
	T_TRUE(killed_at >= 1000);
	T_TRUE(first > killed_at + 1);
	T_TRUE(field(&rcv2, "gaps") >= 1);
	T_TRUE(field(&rcv2, "missed") >= first - 1);
	T_EQ(field(&rcv2, "received") + field(&rcv2, "missed"),
	    field(&rcv2, "last"));
	T_EQ(field(&rcv2, "disorder"), 0);
	endpoint_release(&e);
}

T_TEST(test_sub_restart_ipc)
{
	sub_restart("ipc");
}

T_TEST(test_sub_restart_tcp)
{
	sub_restart("tcp");
}

/* The other way round: the publisher restarts (a new epoch), and the
 * subscriber's dialer reconnects and follows the new stream from 1. */
static void
pub_restart(const char *transport)
{
	struct peer snd1, snd2, rcv;
	struct endpoint e;

	T_TRUE(endpoint_init(&e, transport));
	T_TRUE(peer_spawn(&rcv,
	    (const char *const[]){ "--mode=recv", "--role=sub", "--url", e.url,
	        "--until-seq=500", "--epochs=2", NULL }));
	T_TRUE(peer_spawn(&snd1,
	    (const char *const[]){ "--mode=send", "--role=pub", "--url", e.url,
	        "--count=500", "--rate=1000", NULL }));
	peer_wait(&snd1);
	T_TRUE(peer_spawn(&snd2,
	    (const char *const[]){ "--mode=send", "--role=pub", "--url", e.url,
	        "--count=500", "--rate=1000", "--hold", NULL }));
	peer_wait(&rcv);
	peer_stop(&snd2);
	show("receiver", &rcv);
	T_TRUE(peer_exited_ok(&snd1));
	T_TRUE(peer_exited_ok(&snd2));
	T_TRUE(peer_exited_ok(&rcv));
	T_EQ(field(&rcv, "epochs"), 2);
	/* The first publisher's last messages may die with it (nng does not
	 * linger); the second's all arrive, numbered from 1 again. */
	T_TRUE(field(&rcv, "received") > 500);
	T_TRUE(field(&rcv, "received") <= 1000);
	T_EQ(field(&rcv, "last"), 500);
	T_EQ(field(&rcv, "gaps"), 0);
	T_EQ(field(&rcv, "disorder"), 0);
	endpoint_release(&e);
}

T_TEST(test_pub_restart_ipc)
{
	pub_restart("ipc");
}

T_TEST(test_pub_restart_tcp)
{
	pub_restart("tcp");
}

/* (4) Malformed envelopes among valid ones are dropped and counted, and
 * the receiver goes on: every valid message arrives. */
static void
malformed(const struct pattern *pat, const char *transport)
{
	struct peer snd, rcv;
	struct endpoint e;

	T_TRUE(endpoint_init(&e, transport));
	T_TRUE(peer_spawn(&snd,
	    (const char *const[]){ "--mode=send", "--role", pat->send_role,
	        "--url", e.url, "--raw", "--count=400", "--rate=1000",
	        "--junk-every=50", "--hold", NULL }));
	T_TRUE(peer_spawn(&rcv,
	    (const char *const[]){ "--mode=recv", "--role", pat->recv_role,
	        "--url", e.url, "--until-seq=400", NULL }));
	peer_wait(&rcv);
	peer_stop(&snd);
	show("sender", &snd);
	show("receiver", &rcv);
	T_TRUE(peer_exited_ok(&rcv));
	T_TRUE(peer_exited_ok(&snd));
	T_EQ(field(&snd, "junk"), 8);
	T_EQ(field(&rcv, "dropped"), 8);
	T_EQ(field(&rcv, "received"), 400);
	T_EQ(field(&rcv, "gaps"), 0);
	T_EQ(field(&rcv, "disorder"), 0);
	T_TRUE(field(&rcv, "after_drop") >= 49);
	endpoint_release(&e);
}

T_TEST(test_malformed_pubsub_ipc)
{
	malformed(&pubsub, "ipc");
}

T_TEST(test_malformed_pubsub_tcp)
{
	malformed(&pubsub, "tcp");
}

T_TEST(test_malformed_pushpull_ipc)
{
	malformed(&pushpull, "ipc");
}

T_TEST(test_malformed_pushpull_tcp)
{
	malformed(&pushpull, "tcp");
}
