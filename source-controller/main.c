/*
 * source-controller: parses Flux's flags, opens the artifact storage, its
 * HTTP server and the bus (PUB for ArtifactEvents, PULL for
 * ReconcileRequests), then runs one controller per source kind until
 * SIGTERM. The kinds are the rows of kinds[] below.
 */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "bus/bus.h"
#include "core/daemon.h"
#include "core/mem.h"
#include "core/str.h"
#include "ctrl/ctrl.h"
#include "git.h"
#include "http_get.h"
#include "server.h"
#include "source.h"

/* One source kind: its API name (what ReconcileRequests name) and the
 * function that makes its controller's options. */
struct source_kind {
	const char *kind;
	struct ctrl_opts (*opts)(struct source_ctx *ctx);
};

static const struct source_kind kinds[] = {
	{ "GitRepository", gitrepo_ctrl_opts },
	{ "HelmRepository", helmrepo_ctrl_opts },
	{ "HelmChart", helmchart_ctrl_opts },
	{ "OCIRepository", ocirepo_ctrl_opts },
};

#define NKINDS (sizeof(kinds) / sizeof(kinds[0]))

static struct source_flags fl = {
	.storage_path = "/data",
	.storage_addr = ":9090",
	.concurrent = SOURCE_CONCURRENT_DEFAULT,
	.requeue_dependency_ms = 30000,
	.retention_records = 2,
	.retention_ttl_ms = 60000,
};
static const char *bus_artifacts = BUS_ADDR_ARTIFACTS;
static const char *bus_reconcile = BUS_ADDR_RECONCILE;
static const char *kubeconfig;
static const char *metrics_addr = ":8080";
static const char *health_addr = ":9440";
static bool watch_all_namespaces = true;
static bool leader_election;
/* Freed heap kept for reuse (daemon_init() keeps far more). */
#define SOURCE_KEEP_FREED ((size_t)1 << 20)

/* Defaults derived at start-up, freed at exit. */
static char *adv_addr_owned, *cache_dir_owned;

static struct daemon d = { .name = SOURCE_CONTROLLER, .log_level = "info" };

static const struct flag table[] = {
	FLAG_INT("concurrent", &fl.concurrent, 1, 256,
	    "The number of concurrent reconciles per kind."),
	FLAG_STR("log-level", &d.log_level,
	    "Log verbosity: error, info or debug."),
	FLAG_STR("storage-path", &fl.storage_path, "The local storage path."),
	FLAG_STR("storage-addr", &fl.storage_addr,
	    "The address the static file server binds to."),
	FLAG_STR("storage-adv-addr", &fl.storage_adv_addr,
	    "The advertised address of the static file server [<hostname>:<port>]."),
	FLAG_STR("cache-dir", &fl.cache_dir,
	    "Where git caches are kept between reconciles [<storage-path>-cache]."),
	FLAG_INT("artifact-retention-records", &fl.retention_records, 1,
	    INT_MAX, "The maximum number of artifacts kept per object."),
	FLAG_DURATION("artifact-retention-ttl", &fl.retention_ttl_ms,
	    "How long an artifact older than the latest is kept."),
	FLAG_DURATION("requeue-dependency", &fl.requeue_dependency_ms,
	    "The interval at which failing dependencies are re-checked."),
	FLAG_BOOL("watch-all-namespaces", &watch_all_namespaces,
	    "Watch every namespace, else only the runtime namespace."),
	FLAG_STR("watch-label-selector", &fl.label_selector,
	    "Watch only the objects matching this label selector."),
	FLAG_BOOL("enable-leader-election", &leader_election,
	    "Run the reconcilers only while this process holds the Lease."),
	FLAG_STR("metrics-addr", &metrics_addr,
	    "Accepted for Flux compatibility; no metrics are served yet."),
	FLAG_STR("health-addr", &health_addr,
	    "Accepted for Flux compatibility; /healthz and /readyz are served on --storage-addr."),
	FLAG_STR("kubeconfig", &kubeconfig,
	    "The kubeconfig file [KUBECONFIG, in-cluster, ~/.kube/config]."),
	FLAG_STR(BUS_FLAG_ARTIFACTS, &bus_artifacts,
	    "Where to publish artifact events (nng PUB, listens)."),
	FLAG_STR(BUS_FLAG_RECONCILE, &bus_reconcile,
	    "Where to receive reconcile requests (nng PULL, listens)."),
};

/* What the PULL callback needs: the controllers, by kinds[] index. */
struct daemon_state {
	struct source_ctx ctx;
	struct ctrl *ctrls[NKINDS];
	struct log_ctx log;
};

/* Queues kind ns/name on its kind's controller (ctrl_enqueue() is cheap
 * and does not block, as a bus callback must). */
static void
kind_enqueue(void *arg, const char *kind, const char *ns, const char *name)
{
	struct daemon_state *s = arg;

	for (size_t i = 0; i < NKINDS; i++) {
		if (strcmp(kinds[i].kind, kind) != 0 || s->ctrls[i] == NULL)
			continue;
		log_debug(&s->log, "reconcile of %s/%s/%s requested", kind,
		    ns != NULL ? ns : "", name);
		ctrl_enqueue(s->ctrls[i], ns, name);
		return;
	}
	log_debug(&s->log, "reconcile request for unknown kind %s", kind);
}

/* A ReconcileRequest from the bus. */
static void
reconcile_request(void *arg, const struct bus_msg *msg)
{
	if (msg->type == BUS_RECONCILE)
		kind_enqueue(arg, msg->reconcile.kind, msg->reconcile.namespace,
		    msg->reconcile.name);
}

/* The advertised address Flux derives when none is given:
 * <hostname><port of --storage-addr>. */
static char *
adv_addr_default(const char *host, const char *addr)
{
	const char *colon = strrchr(addr, ':');

	return xasprintf("%s%s", host, colon != NULL ? colon : ":9090");
}

/* <cache-dir>/tmp, where reconciles make their work trees. */
static char *
cache_dir_tmp(void)
{
	static char path[PATH_MAX];

	(void)snprintf(path, sizeof(path), "%s/tmp", fl.cache_dir);
	return path;
}

static int
ctx_open(struct daemon_state *s, struct err *err)
{
	struct source_ctx *ctx = &s->ctx;
	struct bus_opts bo = { .sender = SOURCE_CONTROLLER, .log = &d.log };

	if (fl.storage_adv_addr == NULL)
		fl.storage_adv_addr = adv_addr_owned =
		    adv_addr_default(ctx->hostname, fl.storage_addr);
	if (fl.cache_dir == NULL)
		fl.cache_dir = cache_dir_owned = xasprintf("%s-cache",
		    fl.storage_path);
	ctx->flags = fl;
	ctx->deps = source_deps_new();
	ctx->enqueue = kind_enqueue;
	ctx->enqueue_arg = s;
	/* work trees a killed predecessor left behind go first */
	if (source_mkdirs(cache_dir_tmp(), err) == -1 ||
	    artifact_tree_remove(cache_dir_tmp(), true, err) == -1)
		return err_wrap(err, "cache directory");
	if (storage_new(&ctx->storage, fl.storage_path, fl.storage_adv_addr,
	        err) == -1)
		return -1;
	if (source_server_start(&ctx->server, fl.storage_path, fl.storage_addr,
	        &d.log, err) == -1)
		return err_wrap(err, "artifact server on %s", fl.storage_addr);
	if (bus_open(&ctx->artifacts, BUS_PUB, bus_artifacts, &bo, err) == -1)
		return err_wrap(err, "bus %s", bus_artifacts);
	return 0;
}

static int
ctrls_new(struct daemon_state *s, struct k8s *k, struct err *err)
{
	for (size_t i = 0; i < NKINDS; i++) {
		struct ctrl_opts o = kinds[i].opts(&s->ctx);

		if (ctrl_new(&s->ctrls[i], k, &o, err) == -1)
			return err_wrap(err, "%s controller", kinds[i].kind);
	}
	return 0;
}

static int
run(struct daemon_state *s, struct err *err)
{
	struct k8s_config cfg = { 0 };
	struct k8s *k = NULL;
	struct bus *pull = NULL;
	struct bus_opts po = { .recv = reconcile_request,
		.recv_arg = s,
		.log = &d.log };
	const char *rt_ns = getenv("RUNTIME_NAMESPACE");
	struct leader_opts lo = {
		.name = SOURCE_CONTROLLER "-leader-election",
	};
	struct ctrl_run_opts ro = { .signals = &d.signals };
	int rv = -1;

	if (k8s_config_load(&cfg, kubeconfig, NULL, err) == -1 ||
	    k8s_new(&k, &cfg, NULL, err) == -1)
		goto out;
	lo.namespace = rt_ns != NULL ? rt_ns : cfg.namespace;
	if (!watch_all_namespaces)
		fl.namespace = lo.namespace;
	if (ctx_open(s, err) == -1 || ctrls_new(s, k, err) == -1)
		goto out;
	if (bus_open(&pull, BUS_PULL, bus_reconcile, &po, err) == -1) {
		err_wrap(err, "bus %s", bus_reconcile);
		goto out;
	}
	if (leader_election) {
		ro.config = &cfg;
		ro.leader = &lo;
	}
	log_info(&d.log, "serving artifacts from %s on %s as http://%s/",
	    fl.storage_path, fl.storage_addr, fl.storage_adv_addr);
	rv = ctrl_run(s->ctrls, NKINDS, &ro, err);
out:
	bus_close(pull);
	for (size_t i = 0; i < NKINDS; i++) {
		ctrl_free(s->ctrls[i]);
		s->ctrls[i] = NULL;
	}
	k8s_free(k);
	k8s_config_release(&cfg);
	return rv;
}

int
main(int argc, char **argv)
{
	static struct daemon_state s;
	struct err err = ERR_INIT;
	char host[256] = "localhost";
	int rv = daemon_init(&d, table, sizeof(table) / sizeof(table[0]), argc,
	    argv);

	if (rv != 0)
		return rv == 1 ? EXIT_SUCCESS : 2;
	/* Reconciles here are fetches and packs, not big parses: freed heap
	 * goes back to the system, so an idle daemon stays small. */
	mem_keep_freed(SOURCE_KEEP_FREED);
	if (gethostname(host, sizeof(host) - 1) == -1)
		str_lcpy(host, "localhost", sizeof(host));
	s.ctx.hostname = host;
	s.ctx.log = d.log;
	s.log = d.log;
	checkout_global_init();
	http_get_init();
	log_info(&d.log, "starting source-controller");
	rv = run(&s, &err);
	if (rv == -1)
		log_error(&d.log, &err, "source-controller stopped");
	source_server_stop(s.ctx.server);
	bus_close(s.ctx.artifacts);
	bus_shutdown();
	storage_free(s.ctx.storage);
	source_deps_free(s.ctx.deps);
	free(adv_addr_owned);
	free(cache_dir_owned);
	return rv == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
