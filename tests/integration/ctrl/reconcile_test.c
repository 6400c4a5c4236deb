/*
 * The reconcile glue against the real API server, on a small CRD of the
 * tests' own (Widget, with a status subresource): finalizer, status
 * patch, events with Flux's annotations, requestedAt, stalling, deletion,
 * requeue at spec.interval, and ctrl_run() with leader election.
 */
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "ctrl/ctrl.h"
#include "ctrl/status.h"
#include "kube.h"
#include "t.h"

#define GROUP "ctrl.flint.test"
#define API   GROUP "/v1"

struct tally {
	atomic_int reconciles;
	atomic_int finalizes;
};

static struct result
widget_reconcile(struct reconciler *r, const struct object *obj)
{
	struct tally *t = reconciler_arg(r);
	const char *mode = doc_str(doc_ptr_find(obj->node, "/spec/mode"));
	struct err err = ERR_INIT;
	char *rev;

	atomic_fetch_add(&t->reconciles, 1);
	if (doc_ptr_find(obj->node, "/spec/suspend") != NULL)
		return result_suspended();
	if (mode != NULL && strcmp(mode, "stall") == 0) {
		err_set(&err, ERR_INVALID, "mode 'stall' cannot work");
		err_reason(&err, "InvalidMode");
	} else if (mode != NULL && strcmp(mode, "retry") == 0) {
		err_set(&err, ERR_NETWORK, "backend unreachable");
	}
	rev = arena_printf(reconciler_arena(r), "rev-%lld",
	    (long long)obj->generation);
	return reconciler_finish(r, &err, CTRL_REASON_SUCCEEDED,
	    arena_printf(reconciler_arena(r), "stored revision %s", rev), rev);
}

static struct result
widget_finalize(struct reconciler *r, const struct object *obj)
{
	struct tally *t = reconciler_arg(r);

	(void)obj;
	atomic_fetch_add(&t->finalizes, 1);
	return result_ready();
}

/* Installs the Widget CRD once and waits until it is served. */
static bool
crd_ready(struct k8s *k)
{
	struct err err = ERR_INIT;
	struct k8s_mapping m;
	int64_t end = kube_now_ms() + KUBE_WAIT_MS;

	if (k8s_mapping_get(&m, k, API, "Widget", &err) == 0)
		return true;
	err_reset(&err);
	kube_create(k,
	    "{\"apiVersion\":\"apiextensions.k8s.io/v1\","
	    "\"kind\":\"CustomResourceDefinition\",\"metadata\":{\"name\":"
	    "\"widgets." GROUP "\"},\"spec\":{\"group\":\"" GROUP "\","
	    "\"scope\":\"Namespaced\",\"names\":{\"plural\":\"widgets\","
	    "\"singular\":\"widget\",\"kind\":\"Widget\",\"listKind\":"
	    "\"WidgetList\"},\"versions\":[{\"name\":\"v1\",\"served\":true,"
	    "\"storage\":true,\"subresources\":{\"status\":{}},\"schema\":"
	    "{\"openAPIV3Schema\":{\"type\":\"object\","
	    "\"x-kubernetes-preserve-unknown-fields\":true}}}]}}");
	while (kube_now_ms() < end) {
		if (k8s_mapping_get(&m, k, API, "Widget", &err) == 0)
			return true;
		err_reset(&err);
		kube_sleep_ms(200);
	}
	return false;
}

struct fixture {
	struct k8s *k;
	char ns[64];
	struct tally tally;
	struct ctrl *c;
};

static void
opts_fill(struct ctrl_opts *o, struct fixture *f)
{
	memset(o, 0, sizeof(*o));
	o->controller = "widget";
	o->api_version = API;
	o->kind = "Widget";
	o->namespace = f->ns;
	o->reporting_controller = "widget-controller";
	o->concurrent = 2;
	o->default_interval_ms = 3600 * 1000;
	o->finalizer = true;
	o->reconcile = widget_reconcile;
	o->finalize = widget_finalize;
	o->arg = &f->tally;
}

static bool
fixture_start(struct fixture *f, const char *prefix, bool run)
{
	struct ctrl_opts o;
	struct err err = ERR_INIT;

	memset(f, 0, sizeof(*f));
	if ((f->k = kube_client()) == NULL || !crd_ready(f->k) ||
	    !kube_ns_create(f->k, prefix, f->ns))
		return false;
	opts_fill(&o, f);
	if (ctrl_new(&f->c, f->k, &o, &err) == -1 ||
	    (run && ctrl_start(f->c, &err) == -1)) {
		fprintf(stderr, "  controller: %s\n", err.msg);
		return false;
	}
	if (!run)
		return true;
	if (!informer_wait_synced(ctrl_informer(f->c), KUBE_WAIT_MS))
		return false;
	ctrl_start_workers(f->c);
	return true;
}

static void
fixture_end(struct fixture *f)
{
	ctrl_free(f->c);
	if (f->k != NULL && f->ns[0] != '\0')
		kube_ns_delete(f->k, f->ns);
	k8s_free(f->k);
}

static bool
widget_create(struct fixture *f, const char *name, const char *spec)
{
	return kube_create(f->k,
	    "{\"apiVersion\":\"" API "\",\"kind\":\"Widget\",\"metadata\":"
	    "{\"name\":\"%s\",\"namespace\":\"%s\"},\"spec\":%s}",
	    name, f->ns, spec);
}

/* Polls the widget until the JSON pointer ptr reads want ("(gone)": the
 * widget no longer exists); false on timeout. */
static bool
widget_wait(struct fixture *f, const char *name, const char *ptr,
    const char *want)
{
	struct k8s_ref ref = { API, "Widget", f->ns, name };
	int64_t end = kube_now_ms() + KUBE_WAIT_MS;
	const char *got = NULL;

	while (kube_now_ms() < end) {
		struct err err = ERR_INIT;
		struct doc *d = NULL;

		if (k8s_get(&d, f->k, &ref, &err) == -1) {
			got = err.code == ERR_NOTFOUND ? "(gone)" : NULL;
		} else {
			got = doc_str(doc_ptr_find(doc_root(d, 0), ptr));
			got = got != NULL ? arena_strdup(doc_arena(d), got)
			                  : NULL;
		}
		if (got != NULL && strcmp(got, want) == 0) {
			doc_free(d);
			return true;
		}
		doc_free(d);
		kube_sleep_ms(200);
	}
	fprintf(stderr, "  %s %s: want %s\n", name, ptr, want);
	return false;
}

/* The condition field of the widget, e.g. cond(f, "w", "Ready", "reason"). */
static char *
cond(struct fixture *f, const char *name, const char *type, const char *field)
{
	struct k8s_ref ref = { API, "Widget", f->ns, name };
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	const char *v;
	char *out;

	if (k8s_get(&d, f->k, &ref, &err) == -1)
		return xstrdup("(error)");
	v = doc_str(
	    doc_map_get(status_find_condition(doc_ptr_find(doc_root(d, 0),
	                                          "/status"),
	                    type),
	        field));
	out = xstrdup(v != NULL ? v : "(none)");
	doc_free(d);
	return out;
}

static void
check_cond(struct fixture *f, const char *name, const char *type,
    const char *field, const char *want)
{
	char *got = cond(f, name, type, field);

	T_STREQ(got, want);
	free(got);
}

/* Whether e is an events.k8s.io Event from our controller about name
 * with this type and reason, and annotation ann (NULL: any). */
static bool
event_match(const struct doc_node *e, const char *name, const char *type,
    const char *reason, const char *ann, const char *ann_value)
{
	const struct doc_node *a = doc_ptr_find(e, "/metadata/annotations");

	return t_streq(doc_str(doc_ptr_find(e, "/regarding/name")), name) &&
	    t_streq(doc_str(doc_map_get(e, "type")), type) &&
	    t_streq(doc_str(doc_map_get(e, "reason")), reason) &&
	    t_streq(doc_str(doc_map_get(e, "reportingController")),
	        "widget-controller") &&
	    (ann == NULL || t_streq(doc_str(doc_map_get(a, ann)), ann_value));
}

/* How many such events the namespace holds now; -1 on error. */
static int
event_count(struct fixture *f, const char *name, const char *type,
    const char *reason, const char *ann, const char *ann_value)
{
	struct k8s_list_opts lo = { "events.k8s.io/v1", "Event", f->ns, NULL,
		NULL, 0 };
	struct err err = ERR_INIT;
	const struct doc_node *items;
	struct doc *d = NULL;
	int n = 0;

	if (k8s_list(&d, f->k, &lo, &err) == -1) {
		fprintf(stderr, "  events: %s\n", err.msg);
		return -1;
	}
	items = doc_map_get(doc_root(d, 0), "items");
	for (size_t i = 0; i < items->u.seq.n; i++)
		n += event_match(items->u.seq.items[i], name, type, reason, ann,
		    ann_value);
	doc_free(d);
	return n;
}

static bool
event_seen(struct fixture *f, const char *name, const char *type,
    const char *reason, const char *ann, const char *ann_value)
{
	int64_t end = kube_now_ms() + KUBE_WAIT_MS;

	while (kube_now_ms() < end) {
		if (event_count(f, name, type, reason, ann, ann_value) > 0)
			return true;
		kube_sleep_ms(300);
	}
	return false;
}

T_TEST(test_reconcile_writes_status_finalizer_and_events)
{
	struct k8s_ref ref = { API, "Widget", NULL, "w" };
	struct fixture f;
	int before;

	if (!fixture_start(&f, "reconcile", true)) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	ref.namespace = f.ns;
	T_TRUE(widget_create(&f, "w", "{\"mode\":\"ok\"}"));
	T_TRUE(widget_wait(&f, "w", "/status/observedGeneration", "1"));
	check_cond(&f, "w", "Ready", "status", "True");
	check_cond(&f, "w", "Ready", "reason", "Succeeded");
	check_cond(&f, "w", "Ready", "message", "stored revision rev-1");
	T_TRUE(
	    widget_wait(&f, "w", "/metadata/finalizers/0", STATUS_FINALIZER));
	T_TRUE(event_seen(&f, "w", "Normal", "Succeeded", GROUP "/revision",
	    "rev-1"));

	/* Our own status patch must not trigger another reconcile. */
	kube_sleep_ms(1500);
	before = atomic_load(&f.tally.reconciles);
	kube_sleep_ms(1500);
	T_EQ(atomic_load(&f.tally.reconciles), before);

	/* A reconcile request is handled and acknowledged. */
	T_TRUE(kube_patch(f.k, &ref,
	    "{\"metadata\":{\"annotations\":{\"" STATUS_ANNOTATION_REQUESTED_AT
	    "\":\"req-1\"}}}"));
	T_TRUE(widget_wait(&f, "w", "/status/lastHandledReconcileAt", "req-1"));
	T_TRUE(atomic_load(&f.tally.reconciles) > before);

	/* Bad input stalls, with a Warning event carrying the reason. */
	T_TRUE(kube_patch(f.k, &ref, "{\"spec\":{\"mode\":\"stall\"}}"));
	T_TRUE(widget_wait(&f, "w", "/status/observedGeneration", "2"));
	check_cond(&f, "w", "Ready", "status", "False");
	check_cond(&f, "w", "Ready", "reason", "InvalidMode");
	check_cond(&f, "w", "Stalled", "status", "True");
	check_cond(&f, "w", "Reconciling", "status", "(none)");
	T_TRUE(event_seen(&f, "w", "Warning", "InvalidMode", NULL, NULL));

	/* Deletion runs the finalize function, then lets the object go. */
	T_TRUE(kube_delete(f.k, &ref));
	T_TRUE(widget_wait(&f, "w", "/metadata/name", "(gone)"));
	T_EQ(atomic_load(&f.tally.finalizes), 1);
	fixture_end(&f);
}

T_TEST(test_ready_objects_requeue_at_spec_interval)
{
	struct fixture f;
	int64_t end;

	if (!fixture_start(&f, "interval", true)) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	T_TRUE(widget_create(&f, "tick", "{\"interval\":\"1s\"}"));
	T_TRUE(widget_create(&f, "idle",
	    "{\"interval\":\"1s\",\"suspend\":true}"));
	/* A bound of many intervals, not a measurement: the idle one is
	 * reconciled once, the ticking one again and again. */
	end = kube_now_ms() + KUBE_WAIT_MS;
	while (atomic_load(&f.tally.reconciles) < 5 && kube_now_ms() < end)
		kube_sleep_ms(100);
	T_TRUE(atomic_load(&f.tally.reconciles) >= 5);
	check_cond(&f, "idle", "Ready", "status", "(none)");
	check_cond(&f, "tick", "Ready", "status", "True");
	fixture_end(&f);
}

T_TEST(test_transient_errors_retry_until_they_clear)
{
	struct k8s_ref ref = { API, "Widget", NULL, "flaky" };
	struct fixture f;
	int64_t end;

	if (!fixture_start(&f, "retry", true)) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	ref.namespace = f.ns;
	T_TRUE(widget_create(&f, "flaky", "{\"mode\":\"retry\"}"));
	T_TRUE(widget_wait(&f, "flaky", "/status/conditions/0/message",
	    "backend unreachable"));
	check_cond(&f, "flaky", "Ready", "status", "False");
	check_cond(&f, "flaky", "Reconciling", "reason",
	    "ProgressingWithRetry");
	/* Retries with backoff announce the failure once, not per try. */
	end = kube_now_ms() + KUBE_WAIT_MS;
	while (atomic_load(&f.tally.reconciles) < 4 && kube_now_ms() < end)
		kube_sleep_ms(50);
	T_TRUE(atomic_load(&f.tally.reconciles) >= 4);
	T_EQ(event_count(&f, "flaky", "Warning", "Failed", NULL, NULL), 1);
	/* The backoff retries on its own; fixing the spec makes it Ready. */
	T_TRUE(kube_patch(f.k, &ref, "{\"spec\":{\"mode\":\"ok\"}}"));
	T_TRUE(widget_wait(&f, "flaky", "/status/observedGeneration", "2"));
	check_cond(&f, "flaky", "Ready", "status", "True");
	check_cond(&f, "flaky", "Reconciling", "status", "(none)");
	T_TRUE(atomic_load(&f.tally.reconciles) >= 2);
	fixture_end(&f);
}

/* ---- ctrl_run ------------------------------------------------------------ */

struct runner {
	struct ctrl *c;
	struct ctrl_run_opts o;
	struct err err;
	int rv;
};

static void *
runner_main(void *arg)
{
	struct runner *r = arg;

	r->rv = ctrl_run(&r->c, 1, &r->o, &r->err);
	return NULL;
}

T_TEST(test_run_leads_reconciles_and_releases_on_signal)
{
	struct leader_opts lo = { .name = "widget-controller-leader-election",
		.identity = "widget-test",
		.lease_duration_ms = 3000,
		.renew_deadline_ms = 2000,
		.retry_period_ms = 500 };
	struct k8s_config cfg;
	struct k8s_lease lease;
	struct err err = ERR_INIT;
	struct runner run;
	struct fixture f;
	sigset_t set;
	pthread_t th;

	memset(&run, 0, sizeof(run));
	memset(&cfg, 0, sizeof(cfg));
	/* Block the stop signal first, so every thread inherits the mask
	 * and only ctrl_run's sigwait() takes it. */
	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!fixture_start(&f, "run", false)) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	T_TRUE(kube_config(&cfg));
	lo.namespace = f.ns;
	run.c = f.c;
	run.o.signals = &set;
	run.o.config = &cfg;
	run.o.leader = &lo;
	run.err = (struct err)ERR_INIT;
	T_TRUE(widget_create(&f, "led", "{}"));
	pthread_create(&th, NULL, runner_main, &run);
	T_TRUE(widget_wait(&f, "led", "/status/observedGeneration", "1"));
	T_OK(k8s_lease_get(&lease, f.k, f.ns, lo.name, &err), &err);
	T_STREQ(lease.holder, "widget-test");
	kill(getpid(), SIGUSR1);
	pthread_join(th, NULL);
	T_EQ(run.rv, 0);
	T_OK(k8s_lease_get(&lease, f.k, f.ns, lo.name, &err), &err);
	T_STREQ(lease.holder, ""); /* released on the way out */
	k8s_config_release(&cfg);
	fixture_end(&f);
}

T_TEST(test_run_ends_when_leadership_is_lost)
{
	struct leader_opts lo = { .name = "widget-controller-leader-election",
		.identity = "widget-test",
		.lease_duration_ms = 3000,
		.renew_deadline_ms = 2000,
		.retry_period_ms = 500 };
	struct k8s_config cfg;
	struct k8s_lease lease;
	struct err err = ERR_INIT;
	struct runner run;
	struct fixture f;
	sigset_t set;
	pthread_t th;

	memset(&run, 0, sizeof(run));
	memset(&cfg, 0, sizeof(cfg));
	sigemptyset(&set);
	sigaddset(&set, SIGUSR2);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (!fixture_start(&f, "lost", false)) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	T_TRUE(kube_config(&cfg));
	lo.namespace = f.ns;
	run.c = f.c;
	run.o.signals = &set;
	run.o.config = &cfg;
	run.o.leader = &lo;
	run.err = (struct err)ERR_INIT;
	T_TRUE(widget_create(&f, "led", "{}"));
	pthread_create(&th, NULL, runner_main, &run);
	T_TRUE(widget_wait(&f, "led", "/status/observedGeneration", "1"));
	/* Another process takes the Lease over (as if ours had lapsed). */
	T_OK(k8s_lease_get(&lease, f.k, f.ns, lo.name, &err), &err);
	snprintf(lease.holder, sizeof(lease.holder), "thief");
	lease.duration_s = 3;
	T_OK(k8s_lease_update(f.k, f.ns, lo.name, &lease, &err), &err);
	/* ctrl_run notices within the renew deadline and ends with an
	 * error, by itself: nobody signals it. */
	pthread_join(th, NULL);
	T_EQ(run.rv, -1);
	T_EQ(run.err.code, ERR_INTERNAL);
	T_STREQ(run.err.msg, "leader election lost");
	T_OK(k8s_lease_get(&lease, f.k, f.ns, lo.name, &err), &err);
	T_STREQ(lease.holder, "thief"); /* a loser releases nothing */
	k8s_config_release(&cfg);
	fixture_end(&f);
}
