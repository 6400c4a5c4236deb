/* Test helpers around the local control plane; see kube.h. */
#include "kube.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"

extern char **environ;

int64_t
kube_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void
kube_sleep_ms(int64_t ms)
{
	struct timespec ts = { (time_t)(ms / 1000),
		(long)(ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

const char *
kube_config_path(void)
{
	static char path[4096];
	const char *dir = getenv("FLINT_CLUSTER_DIR");

	if (dir == NULL || dir[0] == '\0') {
		fprintf(stderr, "  FLINT_CLUSTER_DIR is not set\n");
		return NULL;
	}
	snprintf(path, sizeof(path), "%s/kubeconfig", dir);
	return path;
}

bool
kube_config(struct k8s_config *out)
{
	const char *path = kube_config_path();
	struct err err = ERR_INIT;

	if (path == NULL)
		return false;
	if (k8s_config_load(out, path, NULL, &err) == -1) {
		fprintf(stderr, "  kubeconfig: %s\n", err.msg);
		return false;
	}
	return true;
}

struct k8s *
kube_client(void)
{
	struct k8s_config cfg;
	struct err err = ERR_INIT;
	struct k8s *k = NULL;

	memset(&cfg, 0, sizeof(cfg));
	if (!kube_config(&cfg))
		return NULL;
	if (k8s_new(&k, &cfg, NULL, &err) == -1)
		fprintf(stderr, "  client: %s\n", err.msg);
	k8s_config_release(&cfg);
	return k;
}

static struct doc *
json_vparse(const char *fmt, va_list ap)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	char *text = NULL;

	if (vasprintf(&text, fmt, ap) < 0)
		BUG("vasprintf");
	if (doc_parse_json(&d, text, strlen(text), NULL, &err) == -1)
		BUG("test JSON: %s: %s", err.msg, text);
	free(text);
	return d;
}

bool
kube_create(struct k8s *k, const char *fmt, ...)
{
	struct err err = ERR_INIT;
	struct doc *d;
	va_list ap;
	int rv;

	va_start(ap, fmt);
	d = json_vparse(fmt, ap);
	va_end(ap);
	rv = k8s_create(NULL, k, doc_root(d, 0), NULL, &err);
	if (rv == -1)
		fprintf(stderr, "  create: %s\n", err.msg);
	doc_free(d);
	return rv == 0;
}

bool
kube_patch(struct k8s *k, const struct k8s_ref *ref, const char *fmt, ...)
{
	struct err err = ERR_INIT;
	struct doc *d;
	va_list ap;
	int rv;

	va_start(ap, fmt);
	d = json_vparse(fmt, ap);
	va_end(ap);
	rv = k8s_patch(NULL, k, ref, K8S_PATCH_MERGE, doc_root(d, 0), NULL,
	    &err);
	if (rv == -1)
		fprintf(stderr, "  patch %s: %s\n", ref->name, err.msg);
	doc_free(d);
	return rv == 0;
}

bool
kube_delete(struct k8s *k, const struct k8s_ref *ref)
{
	struct err err = ERR_INIT;

	if (k8s_delete(k, ref, NULL, &err) == -1) {
		fprintf(stderr, "  delete %s: %s\n", ref->name, err.msg);
		return false;
	}
	return true;
}

bool
kube_ns_create(struct k8s *k, const char *prefix, char *name)
{
	static int n;

	snprintf(name, 64, "%s-%d-%d", prefix, (int)getpid(), n++);
	return kube_create(k,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Namespace\","
	    "\"metadata\":{\"name\":\"%s\"}}",
	    name);
}

void
kube_ns_delete(struct k8s *k, const char *name)
{
	struct k8s_ref ref = { "v1", "Namespace", NULL, name };

	kube_delete(k, &ref);
}

/* ---- the recorder ----------------------------------------------------------
 */

void
rec_init(struct recorder *r)
{
	memset(r, 0, sizeof(*r));
	pthread_mutex_init(&r->mu, NULL);
	pthread_cond_init(&r->cv, NULL);
}

void
rec_release(struct recorder *r)
{
	pthread_cond_destroy(&r->cv);
	pthread_mutex_destroy(&r->mu);
}

/* data.v of a ConfigMap, or message of an Event. */
static void
value_of(char *dst, size_t size, const struct doc_node *obj)
{
	const char *v = doc_str(doc_ptr_find(obj, "/data/v"));

	if (v == NULL)
		v = doc_str(doc_map_get(obj, "message"));
	str_lcpy(dst, v != NULL ? v : "", size);
}

void
rec_handler(void *arg, const struct informer_event *ev)
{
	struct recorder *r = arg;
	struct rec_event *e;
	const char *name;

	if (ev->type == INFORMER_RESYNC)
		return;
	pthread_mutex_lock(&r->mu);
	if (r->n < REC_MAX) {
		e = &r->ev[r->n++];
		e->type = ev->type;
		e->synthetic = ev->synthetic;
		name = doc_str(doc_ptr_find(ev->object, "/metadata/name"));
		str_lcpy(e->name, name != NULL ? name : "", sizeof(e->name));
		value_of(e->value, sizeof(e->value), ev->object);
		if (ev->old != NULL)
			value_of(e->old_value, sizeof(e->old_value), ev->old);
	}
	pthread_cond_broadcast(&r->cv);
	pthread_mutex_unlock(&r->mu);
}

static void
deadline_ts(struct timespec *ts, int64_t ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

bool
rec_wait(struct recorder *r, size_t n, int64_t timeout_ms)
{
	struct timespec ts;
	bool ok;

	deadline_ts(&ts, timeout_ms);
	pthread_mutex_lock(&r->mu);
	while (r->n < n &&
	    pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
		;
	ok = r->n >= n;
	pthread_mutex_unlock(&r->mu);
	return ok;
}

static int
find_locked(struct recorder *r, size_t from, enum informer_event_type type,
    const char *name)
{
	for (size_t i = from; i < r->n; i++)
		if (r->ev[i].type == type && strcmp(r->ev[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
rec_find(struct recorder *r, size_t from, enum informer_event_type type,
    const char *name)
{
	int i;

	pthread_mutex_lock(&r->mu);
	i = find_locked(r, from, type, name);
	pthread_mutex_unlock(&r->mu);
	return i;
}

int
rec_wait_for(struct recorder *r, size_t from, enum informer_event_type type,
    const char *name, int64_t timeout_ms)
{
	struct timespec ts;
	int i;

	deadline_ts(&ts, timeout_ms);
	pthread_mutex_lock(&r->mu);
	while ((i = find_locked(r, from, type, name)) == -1 &&
	    pthread_cond_timedwait(&r->cv, &r->mu, &ts) != ETIMEDOUT)
		;
	pthread_mutex_unlock(&r->mu);
	return i;
}

void
rec_dump(struct recorder *r)
{
	static const char *names[] = { "ADD", "UPDATE", "DELETE", "RESYNC" };

	pthread_mutex_lock(&r->mu);
	for (size_t i = 0; i < r->n; i++)
		fprintf(stderr, "  event %zu: %s %s v=%s old=%s%s\n", i,
		    names[r->ev[i].type], r->ev[i].name, r->ev[i].value,
		    r->ev[i].old_value, r->ev[i].synthetic ? " synthetic" : "");
	pthread_mutex_unlock(&r->mu);
}

/* ---- children -------------------------------------------------------------
 */

bool
child_spawn(struct child *c, char *const *argv)
{
	posix_spawn_file_actions_t fa;
	int fds[2], rv;

	memset(c, 0, sizeof(*c));
	c->status = -1;
	c->out = -1;
	if (pipe2(fds, O_CLOEXEC) == -1)
		return false;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], STDOUT_FILENO);
	rv = posix_spawn(&c->pid, argv[0], &fa, NULL, argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rv != 0) {
		fprintf(stderr, "  spawn %s: %s\n", argv[0], strerror(rv));
		close(fds[0]);
		c->pid = -1;
		return false;
	}
	c->out = fds[0];
	return true;
}

bool
child_read(struct child *c, int wait_ms)
{
	struct pollfd pfd = { .fd = c->out, .events = POLLIN };
	ssize_t n;

	if (c->out == -1)
		return false;
	if (poll(&pfd, 1, wait_ms) <= 0)
		return true;
	n = read(c->out, c->buf + c->len, sizeof(c->buf) - 1 - c->len);
	if (n <= 0) {
		close(c->out);
		c->out = -1;
		return false;
	}
	c->len += (size_t)n;
	c->buf[c->len] = '\0';
	return true;
}

bool
child_said(const struct child *c, const char *line)
{
	size_t n = strlen(line);
	const char *p = c->buf;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == c->buf || p[-1] == '\n') && p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

int
child_wait(struct child *c, int64_t timeout_ms)
{
	int64_t deadline = kube_now_ms() + timeout_ms;

	while (c->status == -1) {
		pid_t r = waitpid(c->pid, &c->status, WNOHANG);

		if (r == c->pid)
			break;
		c->status = -1;
		if (r == -1 || kube_now_ms() > deadline)
			return -1;
		if (!child_read(c, 100))
			kube_sleep_ms(50);
	}
	/* What it printed last; a pipe some grandchild kept open is left
	 * after a second. */
	for (int i = 0; i < 100 && c->out != -1; i++)
		child_read(c, 10);
	return c->status;
}

void
child_kill(struct child *c)
{
	if (c->pid > 0 && c->status == -1) {
		kill(c->pid, SIGKILL);
		waitpid(c->pid, &c->status, 0);
	}
	if (c->out != -1) {
		close(c->out);
		c->out = -1;
	}
}

bool
kube_harness(const char *verb, int64_t timeout_ms)
{
	const char *script = getenv("FLINT_HARNESS");
	struct child c;
	char *argv[3];
	int status;

	if (script == NULL) {
		fprintf(stderr, "  FLINT_HARNESS is not set\n");
		return false;
	}
	argv[0] = (char *)(uintptr_t)script;
	argv[1] = (char *)(uintptr_t)verb;
	argv[2] = NULL;
	if (!child_spawn(&c, argv))
		return false;
	status = child_wait(&c, timeout_ms);
	if (status == -1)
		child_kill(&c);
	else if (c.out != -1)
		close(c.out);
	return status != -1 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
}
