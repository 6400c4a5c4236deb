/*
 * helm-controller: starts, logs, and exits cleanly on SIGTERM. Its
 * reconcilers for HelmRelease are not built yet, and it says so in its
 * log rather than pretending to work.
 */
#include <stdlib.h>

#include "bus/bus.h"
#include "core/daemon.h"

static const char *bus_artifacts = BUS_ADDR_ARTIFACTS;
static const char *bus_events = BUS_ADDR_EVENTS;
static int concurrent = 4;

static struct daemon d = { .name = "helm-controller", .log_level = "info" };

static const struct flag table[] = {
	FLAG_INT("concurrent", &concurrent, 1, 256,
	    "The number of concurrent reconciles."),
	FLAG_STR("log-level", &d.log_level,
	    "Log verbosity: error, info or debug."),
	FLAG_STR(BUS_FLAG_ARTIFACTS, &bus_artifacts,
	    "Where to subscribe to artifact events (nng SUB, dials)."),
	FLAG_STR(BUS_FLAG_EVENTS, &bus_events,
	    "Where to push events (nng PUSH, dials)."),
};

int
main(int argc, char **argv)
{
	int rv = daemon_init(&d, table, sizeof(table) / sizeof(table[0]), argc,
	    argv);

	if (rv != 0)
		return rv == 1 ? EXIT_SUCCESS : 2;
	log_info(&d.log, "starting helm-controller");
	log_error(&d.log, NULL,
	    "reconcilers for HelmRelease are not implemented yet; waiting for SIGTERM");
	daemon_wait(&d);
	return EXIT_SUCCESS;
}
