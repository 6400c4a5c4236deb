/*
 * What every flint daemon does before and after its real work: parse the
 * flag table (with Flux's --log-level), set up logging, block termination
 * signals, and wait for one.
 */
#ifndef FLINT_CORE_DAEMON_H
#define FLINT_CORE_DAEMON_H

#include <signal.h>
#include <stddef.h>

#include "core/flags.h"
#include "core/log.h"

struct daemon {
	const char *name;      /* "source-controller" */
	const char *log_level; /* --log-level, default "info" */
	sigset_t signals;
	struct log_ctx log;
};

/*
 * Parses argv against table (to which the caller adds
 * FLAG_STR("log-level", &d->log_level, ...)), sets up JSON logging and
 * blocks SIGTERM/SIGINT/SIGHUP. Returns 0 to go on, 1 when --help was
 * printed, or -1 after printing a flag error to stderr.
 */
int daemon_init(struct daemon *d, const struct flag *table, size_t n, int argc,
    char **argv);

/* Blocks until a termination signal arrives and logs it. */
void daemon_wait(struct daemon *d);

#endif /* FLINT_CORE_DAEMON_H */
