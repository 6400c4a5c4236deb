/*
 * A leader-election candidate for leader_test: campaigns for a Lease and
 * reports on stdout, one line per write, "observed <holder>", "leading"
 * and "stopped leading". SIGTERM stops it cleanly (releasing the Lease),
 * after which it prints "exit" and exits 0.
 *
 *   lease_peer <kubeconfig> <namespace> <lease> <identity> <lease_ms>
 *              <renew_ms> <retry_ms>
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/sig.h"
#include "core/str.h"
#include "ctrl/leader.h"

static void
say(const char *what, const char *detail)
{
	char line[512];
	int n = snprintf(line, sizeof(line), "%s%s%s\n", what,
	    detail != NULL ? " " : "", detail != NULL ? detail : "");

	if (n > 0 && write(STDOUT_FILENO, line, (size_t)n) < 0)
		_exit(3); /* the test is gone */
}

static void
on_start(void *arg)
{
	(void)arg;
	say("leading", NULL);
}

static void
on_stop(void *arg)
{
	(void)arg;
	say("stopped leading", NULL);
}

static void
on_new_leader(void *arg, const char *identity)
{
	(void)arg;
	say("observed", identity);
}

static int
ms_arg(int64_t *out, const char *s)
{
	struct err err = ERR_INIT;

	if (str_to_i64(out, s, &err) == -1) {
		fprintf(stderr, "lease_peer: %s\n", err.msg);
		return -1;
	}
	return 0;
}

int
main(int argc, char **argv)
{
	struct k8s_config cfg;
	struct leader_opts o;
	struct leader *l = NULL;
	struct err err = ERR_INIT;
	sigset_t set;

	if (argc != 8) {
		fprintf(stderr,
		    "usage: lease_peer kubeconfig namespace lease "
		    "identity lease_ms renew_ms retry_ms\n");
		return 2;
	}
	sig_block_term(&set);
	memset(&o, 0, sizeof(o));
	memset(&cfg, 0, sizeof(cfg));
	o.namespace = argv[2];
	o.name = argv[3];
	o.identity = argv[4];
	o.on_start = on_start;
	o.on_stop = on_stop;
	o.on_new_leader = on_new_leader;
	if (ms_arg(&o.lease_duration_ms, argv[5]) == -1 ||
	    ms_arg(&o.renew_deadline_ms, argv[6]) == -1 ||
	    ms_arg(&o.retry_period_ms, argv[7]) == -1)
		return 2;
	if (k8s_config_load(&cfg, argv[1], NULL, &err) == -1 ||
	    leader_new(&l, &cfg, &o, &err) == -1 ||
	    leader_start(l, &err) == -1) {
		fprintf(stderr, "lease_peer: %s\n", err.msg);
		leader_free(l);
		k8s_config_release(&cfg);
		return 1;
	}
	sig_wait_term(&set);
	leader_free(l); /* releases the Lease if we hold it */
	k8s_config_release(&cfg);
	say("exit", NULL);
	return 0;
}
