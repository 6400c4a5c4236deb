/* Start-up and shutdown shared by the four daemons. */
#include "core/daemon.h"

#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "core/sig.h"

int
daemon_init(struct daemon *d, const struct flag *table, size_t n, int argc,
    char **argv)
{
	struct err err = ERR_INIT;
	enum log_level level;
	int rest, rv;

	sig_block_term(&d->signals);
	rv = flags_parse(&rest, table, n, argc, argv, &err);
	if (rv == FLAGS_HELP) {
		flags_usage(stdout, d->name, table, n);
		return 1;
	}
	if (rv == 0 && rest < argc)
		rv = err_set(&err, ERR_INVALID, "unexpected argument '%s'",
		    argv[rest]);
	if (rv == 0 && log_level_parse(&level, d->log_level, &err) == -1)
		rv = err_wrap(&err, "flag --log-level");
	if (rv == -1) {
		fprintf(stderr, "%s: %s\n", d->name, err.msg);
		return -1;
	}
	log_setup(2, level);
	mem_keep_freed(MEM_DAEMON_KEEP_FREED);
	memset(&d->log, 0, sizeof(d->log));
	return 0;
}

void
daemon_wait(struct daemon *d)
{
	int sig = sig_wait_term(&d->signals);

	log_info(&d->log, "received %s, shutting down", strsignal(sig));
}
