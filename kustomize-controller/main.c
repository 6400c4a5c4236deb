/*
 * kustomize-controller: reconciles Kustomizations (kustomization.c) with
 * the common controller skeleton, watches GitRepository, OCIRepository
 * and Bucket status so a new artifact revision queues its users, listens
 * for ArtifactEvents on the bus and pushes Events to
 * notification-controller. Flags keep Flux's names and defaults.
 */
#include <curl/curl.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "bus/bus.h"
#include "core/daemon.h"
#include "core/str.h"
#include "kc.h"

static const char *bus_artifacts = BUS_ADDR_ARTIFACTS;
static const char *bus_events = BUS_ADDR_EVENTS;
static const char *kubeconfig;
static const char *watch_label_selector;
static const char *feature_gates = "";
static int concurrent = 4;
static int kube_api_qps = 50;
static int kube_api_burst = 300;
static struct kc_opts opts = {
	.requeue_dependency_ms = 30000,
	.http_timeout_ms = 300000,
	.max_artifact_bytes = (int64_t)1 << 30,
	.default_service_account = "",
};

static struct daemon d = { .name = "kustomize-controller",
	.log_level = "info" };

static const struct flag table[] = {
	FLAG_INT("concurrent", &concurrent, 1, 256,
	    "The number of concurrent kustomize reconciles."),
	FLAG_INT("kube-api-qps", &kube_api_qps, -1, 100000,
	    "Requests per second to the API server; -1: no limit."),
	FLAG_INT("kube-api-burst", &kube_api_burst, 1, 100000,
	    "Burst of requests to the API server."),
	FLAG_STR("log-level", &d.log_level,
	    "Log verbosity: error, info or debug."),
	FLAG_STR("kubeconfig", &kubeconfig,
	    "Path to a kubeconfig (else KUBECONFIG, in-cluster, ~/.kube/config)."),
	FLAG_STR("watch-label-selector", &watch_label_selector,
	    "Watch only the Kustomizations matching this label selector."),
	FLAG_BOOL("no-cross-namespace-refs", &opts.no_cross_namespace_refs,
	    "Refuse sourceRefs to sources in other namespaces."),
	FLAG_STR("default-service-account", &opts.default_service_account,
	    "The service account to impersonate when a Kustomization names none."),
	FLAG_DURATION("requeue-dependency", &opts.requeue_dependency_ms,
	    "The interval at which failing dependencies are re-checked."),
	FLAG_DURATION("http-timeout", &opts.http_timeout_ms,
	    "The timeout of one artifact download."),
	FLAG_STR("feature-gates", &feature_gates,
	    "Feature gates: StrictPostBuildSubstitutions=true|false."),
	FLAG_STR(BUS_FLAG_ARTIFACTS, &bus_artifacts,
	    "Where to subscribe to artifact events (nng SUB, dials)."),
	FLAG_STR(BUS_FLAG_EVENTS, &bus_events,
	    "Where to push events (nng PUSH, dials); empty: do not."),
};

static const char *const source_kinds[KC_SOURCE_KINDS] = { "GitRepository",
	"OCIRepository", "Bucket" };

/* A source's status changed: queue its users when the artifact
 * revision moved (Flux's SourceRevisionChangePredicate). */
static void
source_changed(void *arg, const struct informer_event *ev)
{
	struct kc *kc = arg;
	const char *now, *before;

	if (ev->type != INFORMER_ADD && ev->type != INFORMER_UPDATE)
		return;
	now = doc_str(doc_ptr_find(ev->object, "/status/artifact/revision"));
	before = ev->old != NULL
	    ? doc_str(doc_ptr_find(ev->old, "/status/artifact/revision"))
	    : NULL;
	if (now == NULL || (before != NULL && strcmp(now, before) == 0))
		return;
	kc_enqueue_users(kc, doc_str(doc_map_get(ev->object, "kind")),
	    doc_str(doc_ptr_find(ev->object, "/metadata/namespace")),
	    doc_str(doc_ptr_find(ev->object, "/metadata/name")));
}

static int
sources_start(struct kc *kc, struct k8s *k, struct err *err)
{
	for (int i = 0; i < KC_SOURCE_KINDS; i++) {
		struct informer_opts io = { "source.toolkit.fluxcd.io/v1",
			source_kinds[i], NULL, NULL, 0, 0, false };

		if (informer_new(&kc->sources[i], k, &io, err) == -1)
			return -1;
		informer_add_handler(kc->sources[i], source_changed, kc);
		if (informer_start(kc->sources[i], err) == -1)
			return -1;
	}
	return 0;
}

static int
controller_new(struct kc *kc, struct k8s *k, struct err *err)
{
	struct ctrl_opts o;

	memset(&o, 0, sizeof(o));
	o.controller = "kustomization";
	o.api_version = KC_API_VERSION;
	o.kind = KC_KIND;
	o.label_selector = watch_label_selector;
	o.reporting_controller = KC_MANAGER;
	o.concurrent = concurrent;
	o.default_interval_ms = 600000;
	o.finalizer = true;
	o.reconcile = kc_reconcile;
	o.finalize = kc_finalize;
	o.arg = kc;
	if (ctrl_new(&kc->ctrl, k, &o, err) == -1)
		return -1;
	informer_add_handler(ctrl_informer(kc->ctrl), kc_on_kustomization, kc);
	return 0;
}

static int
bus_start(struct bus **sub, struct kc *kc, struct err *err)
{
	struct bus_opts so = { NULL, kc_msg_artifact, kc, kc->log, 0, 0, 0 };
	struct bus_opts po = { KC_MANAGER, NULL, NULL, kc->log, 0, 0, 0 };

	if (bus_artifacts[0] != '\0' &&
	    bus_open(sub, BUS_SUB, bus_artifacts, &so, err) == -1)
		return err_wrap(err, "subscribe to '%s'", bus_artifacts);
	if (bus_events[0] != '\0' &&
	    bus_open(&kc->events, BUS_PUSH, bus_events, &po, err) == -1)
		return err_wrap(err, "push to '%s'", bus_events);
	return 0;
}

static int
run(struct kc *kc, struct k8s *k, struct err *err)
{
	struct ctrl_run_opts ro;
	struct bus *sub = NULL;
	int rv = -1;

	memset(&ro, 0, sizeof(ro));
	ro.signals = &d.signals;
	if (kc_cache_new(&kc->cache, kc->opts.tmp_dir, 4, err) == 0 &&
	    controller_new(kc, k, err) == 0 && sources_start(kc, k, err) == 0 &&
	    bus_start(&sub, kc, err) == 0)
		rv = ctrl_run(&kc->ctrl, 1, &ro, err);
	bus_close(sub);
	bus_close(kc->events);
	for (int i = 0; i < KC_SOURCE_KINDS; i++)
		informer_free(kc->sources[i]);
	ctrl_free(kc->ctrl);
	kc_cache_free(kc->cache);
	bus_shutdown();
	return rv;
}

int
main(int argc, char **argv)
{
	struct k8s_config cfg = { 0 };
	struct k8s_options ko = { 0 };
	struct kc kc = { 0 };
	struct err err = ERR_INIT;
	struct k8s *k = NULL;
	const char *tmp = getenv("TMPDIR");
	int rv = daemon_init(&d, table, sizeof(table) / sizeof(table[0]), argc,
	    argv);

	if (rv != 0)
		return rv == 1 ? EXIT_SUCCESS : 2;
	/* One malloc arena for every thread: reconciles spend their time
	 * waiting on the API server, not in malloc, and per-thread arenas
	 * cost a third of the peak RSS (33.8 against 22.5 MiB for 100
	 * Kustomizations, the same CPU time). */
	(void)mallopt(M_ARENA_MAX, 1);
	opts.strict_substitutions = strstr(feature_gates,
	                                "StrictPostBuildSubstitutions=true") !=
	    NULL;
	opts.source_localhost = getenv("SOURCE_CONTROLLER_LOCALHOST");
	opts.tmp_dir = tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp";
	kc.opts = opts;
	kc.log = &d.log;
	log_info(&d.log, "starting kustomize-controller");
	(void)curl_global_init(CURL_GLOBAL_DEFAULT);
	ko.qps = kube_api_qps;
	ko.burst = (unsigned)kube_api_burst;
	rv = k8s_config_load(&cfg, kubeconfig, NULL, &err) == -1 ||
	    k8s_new(&k, &cfg, &ko, &err) == -1 || run(&kc, k, &err) == -1;
	if (rv != 0)
		log_error(&d.log, &err, "kustomize-controller stopped");
	k8s_free(k);
	k8s_config_release(&cfg);
	curl_global_cleanup();
	return rv != 0 ? EXIT_FAILURE : EXIT_SUCCESS;
}
