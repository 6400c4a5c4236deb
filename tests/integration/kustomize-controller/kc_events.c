/*
 * kc_events: plays notification-controller's part of the bus for the
 * kustomize-controller tests. It listens with a PULL socket at url and
 * prints each Event as one line,
 *
 *   <severity> <reason> <kind>/<namespace>/<name> <revision> <message>
 *
 * (revision is the kustomize.toolkit.fluxcd.io/revision metadata, or
 * "-"), until SIGTERM or timeout_s seconds have passed.
 *
 *   kc_events <url> <timeout_s>
 */
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "bus/bus.h"
#include "core/str.h"

static pthread_mutex_t out_mu = PTHREAD_MUTEX_INITIALIZER;

static const char *
or_dash(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : "-";
}

static void
on_event(void *arg, const struct bus_msg *m)
{
	const struct bus_event *e = &m->event;
	const char *rev = NULL;

	(void)arg;
	if (m->type != BUS_EVENT)
		return;
	for (size_t i = 0; i < e->nmetadata; i++)
		if (strcmp(e->metadata[i].key,
		        "kustomize.toolkit.fluxcd.io/revision") == 0)
			rev = e->metadata[i].value;
	pthread_mutex_lock(&out_mu);
	printf("%s %s %s/%s/%s %s %s\n", or_dash(e->severity),
	    or_dash(e->reason), or_dash(e->involved_object.kind),
	    or_dash(e->involved_object.namespace),
	    or_dash(e->involved_object.name), or_dash(rev),
	    or_dash(e->message));
	fflush(stdout);
	pthread_mutex_unlock(&out_mu);
}

int
main(int argc, char **argv)
{
	struct bus_opts o = { .recv = on_event };
	struct err err = ERR_INIT;
	struct timespec ts;
	struct bus *b = NULL;
	int64_t timeout_s = 0;
	sigset_t set;
	int sig;

	if (argc != 3 || str_to_i64(&timeout_s, argv[2], &err) == -1 ||
	    timeout_s < 1) {
		fprintf(stderr, "usage: kc_events <url> <timeout_s>\n");
		return 2;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	if (bus_open(&b, BUS_PULL, argv[1], &o, &err) == -1) {
		fprintf(stderr, "kc_events: %s\n", err.msg);
		return 1;
	}
	ts.tv_sec = (time_t)timeout_s;
	ts.tv_nsec = 0;
	sig = sigtimedwait(&set, NULL, &ts);
	bus_close(b);
	bus_shutdown();
	return sig == -1 ? 3 : 0;
}
