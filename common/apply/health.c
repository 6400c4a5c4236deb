/*
 * health_wait(): watches objects until they are all Current, one fails
 * (fail fast) or time runs out. One thread per kind and namespace runs a
 * list-then-watch and recomputes the status of its objects as events
 * come; the caller's thread waits on a condition variable for the
 * verdict, then cancels and joins the watches.
 */
#include "apply/health.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "apply/apply_int.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"

const char *
health_status_name(enum health_status s)
{
	switch (s) {
	case HEALTH_CURRENT:
		return "Current";
	case HEALTH_IN_PROGRESS:
		return "InProgress";
	case HEALTH_FAILED:
		return "Failed";
	case HEALTH_TERMINATING:
		return "Terminating";
	case HEALTH_NOT_FOUND:
		return "NotFound";
	case HEALTH_UNKNOWN:
		return "Unknown";
	}
	return "Unknown";
}

void
health_report_free(struct health_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->objects[i].subject);
	free(r->objects);
	free(r);
}

/* State shared by the waiting thread and the watch threads. */
struct shared {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct health_object *objs; /* one per ref */
	struct err werr;            /* the first watch failure */
	bool failed;
};

/* One watch: the refs of one kind in one namespace. */
struct group {
	struct shared *sh;
	struct k8s *k;
	const char *api_version, *kind, *ns;
	size_t *idx; /* indexes into refs / objs */
	const char **names;
	bool *seen;
	size_t n;
	struct k8s_watch *w;
	pthread_t thread;
	bool started;
};

static void
group_set(struct group *g, size_t i, enum health_status st, const char *msg)
{
	struct health_object *o = &g->sh->objs[g->idx[i]];

	o->status = st;
	str_lcpy(o->message, msg, sizeof(o->message));
}

/* Whether object i is a Job already seen Complete: when its
 * ttlSecondsAfterFinished deletes it, it stays Current, as in Flux. */
static bool
job_done(const struct group *g, size_t i)
{
	return strcmp(g->kind, "Job") == 0 &&
	    strncmp(g->api_version, "batch/", 6) == 0 &&
	    g->sh->objs[g->idx[i]].status == HEALTH_CURRENT;
}

/* Applies one event to the group's objects; called with the lock. */
static void
group_event(struct group *g, const struct k8s_watch_event *ev)
{
	char msg[HEALTH_MSG_MAX];
	const char *name;

	if (ev->type == K8S_WATCH_RELIST) {
		memset(g->seen, 0, g->n * sizeof(*g->seen));
		return;
	}
	if (ev->type == K8S_WATCH_SYNCED) {
		for (size_t i = 0; i < g->n; i++)
			if (!g->seen[i])
				group_set(g, i, HEALTH_NOT_FOUND,
				    "Resource not found");
		return;
	}
	if (ev->object == NULL)
		return;
	name = apply_str_at(ev->object, "/metadata/name");
	for (size_t i = 0; name != NULL && i < g->n; i++) {
		if (strcmp(g->names[i], name) != 0)
			continue;
		g->seen[i] = true;
		if (ev->type == K8S_WATCH_DELETED && job_done(g, i))
			continue; /* a finished Job's TTL removed it */
		if (ev->type == K8S_WATCH_DELETED)
			group_set(g, i, HEALTH_NOT_FOUND, "Resource not found");
		else if (ev->type == K8S_WATCH_ADDED ||
		    ev->type == K8S_WATCH_MODIFIED)
			group_set(g, i,
			    health_compute(ev->object, msg, sizeof(msg)), msg);
	}
}

static void *
group_run(void *arg)
{
	struct group *g = arg;
	struct k8s_watch_event ev;
	struct err err = ERR_INIT;

	for (;;) {
		int rv = k8s_watch_next(&ev, g->w, &err);

		pthread_mutex_lock(&g->sh->mu);
		if (rv == -1 && !g->sh->failed) {
			g->sh->failed = true;
			g->sh->werr = err;
		}
		if (rv == 0 && ev.type != K8S_WATCH_STOPPED)
			group_event(g, &ev);
		pthread_cond_signal(&g->sh->cv);
		pthread_mutex_unlock(&g->sh->mu);
		if (rv == -1 || ev.type == K8S_WATCH_STOPPED)
			return NULL;
	}
}

/* Finds or adds the group of ref, whose namespace is resolved. */
static struct group *
group_for(struct group *gs, size_t *ngs, const struct k8s_ref *ref,
    const char *ns)
{
	for (size_t i = 0; i < *ngs; i++)
		if (strcmp(gs[i].api_version, ref->api_version) == 0 &&
		    strcmp(gs[i].kind, ref->kind) == 0 &&
		    strcmp(gs[i].ns, ns) == 0)
			return &gs[i];
	gs[*ngs].api_version = ref->api_version;
	gs[*ngs].kind = ref->kind;
	gs[*ngs].ns = ns;
	return &gs[(*ngs)++];
}

/* Sorts refs into groups; every group's arrays have room for n. */
static int
groups_make(struct group *gs, size_t *ngs, struct shared *sh, struct k8s *k,
    const struct k8s_ref *refs, size_t n, struct err *err)
{
	for (size_t i = 0; i < n; i++) {
		const struct k8s_ref *r = &refs[i];
		const char *ns = r->namespace != NULL ? r->namespace : "";
		struct k8s_mapping m;
		struct group *g;

		if (k8s_mapping_get(&m, k, r->api_version, r->kind, err) == -1)
			return err_wrap(err, "%s/%s", r->kind, r->name);
		if (!m.namespaced)
			ns = "";
		else if (ns[0] == '\0')
			ns = k8s_namespace(k);
		sh->objs[i].subject = apply_subject(r->kind, ns, r->name);
		sh->objs[i].status = HEALTH_UNKNOWN;
		g = group_for(gs, ngs, r, ns);
		if (g->idx == NULL) {
			g->sh = sh;
			g->k = k;
			g->idx = xcalloc(n, sizeof(*g->idx));
			g->names = xcalloc(n, sizeof(*g->names));
			g->seen = xcalloc(n, sizeof(*g->seen));
		}
		g->idx[g->n] = i;
		g->names[g->n++] = r->name;
	}
	return 0;
}

static int
group_start(struct group *g, struct err *err)
{
	struct k8s_watch_opts o = {
		{ g->api_version, g->kind, g->ns, NULL, NULL, 0 }, NULL, 0
	};
	char *sel = NULL;
	int rv;

	if (g->n == 1) /* one object: the server filters */
		o.list.field_selector = sel = xasprintf("metadata.name=%s",
		    g->names[0]);
	rv = k8s_watch_open(&g->w, g->k, &o, err);
	free(sel);
	if (rv == -1)
		return -1;
	if (pthread_create(&g->thread, NULL, group_run, g) != 0)
		return err_set(err, ERR_INTERNAL,
		    "cannot start a watch thread");
	g->started = true;
	return 0;
}

static void
groups_stop(struct group *gs, size_t ngs)
{
	for (size_t i = 0; i < ngs; i++)
		if (gs[i].started)
			k8s_watch_cancel(gs[i].w);
	for (size_t i = 0; i < ngs; i++) {
		if (gs[i].started)
			pthread_join(gs[i].thread, NULL);
		k8s_watch_close(gs[i].w);
		free(gs[i].idx);
		free(gs[i].names);
		free(gs[i].seen);
	}
}

enum outcome {
	OUT_WAIT,
	OUT_CURRENT,
	OUT_STALLED,
	OUT_ERROR,
	OUT_TIMEOUT
};

static enum outcome
judge(const struct shared *sh, size_t n, bool fail_fast)
{
	bool all = true;

	if (sh->failed)
		return OUT_ERROR;
	for (size_t i = 0; i < n; i++) {
		if (fail_fast && sh->objs[i].status == HEALTH_FAILED)
			return OUT_STALLED;
		all = all && sh->objs[i].status == HEALTH_CURRENT;
	}
	return all ? OUT_CURRENT : OUT_WAIT;
}

static void
deadline_at(struct timespec *ts, int64_t timeout_ms)
{
	clock_gettime(CLOCK_MONOTONIC, ts);
	ts->tv_sec += (time_t)(timeout_ms / 1000);
	ts->tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts->tv_nsec >= 1000000000) {
		ts->tv_sec++;
		ts->tv_nsec -= 1000000000;
	}
}

/* Blocks until a verdict; called with the lock held. */
static enum outcome
wait_verdict(struct shared *sh, size_t n, const struct health_opts *opts)
{
	struct timespec until;
	enum outcome o;

	deadline_at(&until, opts->timeout_ms);
	while ((o = judge(sh, n, opts->fail_fast)) == OUT_WAIT)
		if (pthread_cond_timedwait(&sh->cv, &sh->mu, &until) != 0 &&
		    (o = judge(sh, n, opts->fail_fast)) == OUT_WAIT)
			return OUT_TIMEOUT;
	return o;
}

/* Flux's message: "<what>: [Kind/ns/name status: 'InProgress', ...]". */
static int
verdict_err(struct err *err, enum err_code code, const char *what,
    const struct shared *sh, size_t n, bool failed_only)
{
	struct buf b;
	const char *sep = "";

	buf_init(&b, ERR_MSG_MAX);
	for (size_t i = 0; i < n; i++) {
		const struct health_object *o = &sh->objs[i];

		if (o->status == HEALTH_CURRENT ||
		    (failed_only && o->status != HEALTH_FAILED))
			continue;
		buf_printf(&b, "%s%s status: '%s'", sep, o->subject,
		    health_status_name(o->status));
		sep = ", ";
	}
	err_set(err, code, "%s: [%s]", what, b.data != NULL ? b.data : "");
	buf_release(&b);
	return err_reason(err, "HealthCheckFailed");
}

static struct health_report *
report_take(struct shared *sh, size_t n)
{
	struct health_report *r = xcalloc(1, sizeof(*r));

	r->objects = sh->objs;
	r->n = n;
	sh->objs = NULL;
	return r;
}

static void
objs_free(struct health_object *objs, size_t n)
{
	for (size_t i = 0; objs != NULL && i < n; i++)
		free(objs[i].subject);
	free(objs);
}

static void
shared_init(struct shared *sh, size_t n)
{
	pthread_condattr_t ca;

	memset(sh, 0, sizeof(*sh));
	pthread_mutex_init(&sh->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&sh->cv, &ca);
	pthread_condattr_destroy(&ca);
	sh->objs = xcalloc(n ? n : 1, sizeof(*sh->objs));
}

static void
shared_release(struct shared *sh, size_t n)
{
	objs_free(sh->objs, n);
	pthread_cond_destroy(&sh->cv);
	pthread_mutex_destroy(&sh->mu);
}

/* Starts the watches and waits for the outcome. */
static enum outcome
watch_all(struct shared *sh, struct group *gs, size_t *ngs, struct k8s *k,
    const struct k8s_ref *refs, size_t n, const struct health_opts *opts,
    struct err *err)
{
	enum outcome o;

	if (groups_make(gs, ngs, sh, k, refs, n, err) == -1)
		return OUT_ERROR;
	for (size_t i = 0; i < *ngs; i++)
		if (group_start(&gs[i], err) == -1)
			return OUT_ERROR;
	pthread_mutex_lock(&sh->mu);
	o = wait_verdict(sh, n, opts);
	pthread_mutex_unlock(&sh->mu);
	return o;
}

int
health_wait(struct health_report **out, struct k8s *k,
    const struct k8s_ref *refs, size_t n, const struct health_opts *opts,
    struct err *err)
{
	struct group *gs = xcalloc(n ? n : 1, sizeof(*gs));
	struct shared sh;
	size_t ngs = 0;
	enum outcome o;
	int rv = -1;

	shared_init(&sh, n);
	o = watch_all(&sh, gs, &ngs, k, refs, n, opts, err);
	groups_stop(gs, ngs); /* no thread touches sh after this */
	if (o == OUT_CURRENT)
		rv = 0;
	else if (o == OUT_TIMEOUT)
		verdict_err(err, ERR_TIMEOUT, "timeout waiting for", &sh, n,
		    false);
	else if (o == OUT_STALLED)
		verdict_err(err, ERR_INVALID,
		    "failed early due to stalled resources", &sh, n, true);
	else if (sh.failed)
		*err = sh.werr;
	for (size_t i = 0; i < n; i++) /* refs mapping did not reach */
		if (sh.objs[i].subject == NULL)
			sh.objs[i].subject = apply_subject(refs[i].kind,
			    refs[i].namespace, refs[i].name);
	if (out != NULL)
		*out = report_take(&sh, n);
	shared_release(&sh, n);
	free(gs);
	return rv;
}
