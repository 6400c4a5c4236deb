/*
 * helm-controller: starts, logs, and exits cleanly on SIGTERM. Its
 * reconcilers for HelmRelease are not built yet, and it says so in its
 * log rather than pretending to work.
 */
#include <stdlib.h>

#include "core/daemon.h"

static const char *bus_artifacts = "tcp://127.0.0.1:9795";
static const char *bus_events = "tcp://127.0.0.1:9796";
static int concurrent = 4;

static struct daemon d = { .name = "helm-controller", .log_level = "info" };

static const struct flag table[] = {
	FLAG_INT("concurrent", &concurrent, 1, 256,
	    "The number of concurrent reconciles."),
	FLAG_STR("log-level", &d.log_level,
	    "Log verbosity: error, info or debug."),
	FLAG_STR("bus-artifacts", &bus_artifacts,
	    "Where to subscribe to artifact events (nng SUB, dials)."),
	FLAG_STR("bus-events", &bus_events,
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
