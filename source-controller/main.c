/*
 * source-controller: starts, logs, and exits cleanly on SIGTERM. Its
 * reconcilers for GitRepository, HelmRepository, HelmChart, OCIRepository and
 * Bucket are not built yet, and it says so in its log rather than pretending to
 * work.
 */
#include <stdlib.h>

#include "bus/bus.h"
#include "core/daemon.h"

static const char *storage_path = "/data";
static const char *storage_addr = ":9090";
static const char *bus_artifacts = BUS_ADDR_ARTIFACTS;
static const char *bus_reconcile = BUS_ADDR_RECONCILE;
static int concurrent = 4;

static struct daemon d = { .name = "source-controller", .log_level = "info" };

static const struct flag table[] = {
	FLAG_INT("concurrent", &concurrent, 1, 256,
	    "The number of concurrent reconciles."),
	FLAG_STR("log-level", &d.log_level,
	    "Log verbosity: error, info or debug."),
	FLAG_STR("storage-path", &storage_path, "The local storage path."),
	FLAG_STR("storage-addr", &storage_addr,
	    "The address the static file server binds to."),
	FLAG_STR(BUS_FLAG_ARTIFACTS, &bus_artifacts,
	    "Where to publish artifact events (nng PUB, listens)."),
	FLAG_STR(BUS_FLAG_RECONCILE, &bus_reconcile,
	    "Where to receive reconcile requests (nng PULL, listens)."),
};

int
main(int argc, char **argv)
{
	int rv = daemon_init(&d, table, sizeof(table) / sizeof(table[0]), argc,
	    argv);

	if (rv != 0)
		return rv == 1 ? EXIT_SUCCESS : 2;
	log_info(&d.log, "starting source-controller");
	log_error(&d.log, NULL,
	    "reconcilers for GitRepository, HelmRepository, HelmChart, OCIRepository and Bucket are not implemented yet; waiting for SIGTERM");
	daemon_wait(&d);
	return EXIT_SUCCESS;
}
