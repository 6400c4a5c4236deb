/*
 * Termination signals for daemons: block them in every thread, then wait
 * for one in main() with sigwait(), so shutdown runs as ordinary code.
 */
#ifndef FLINT_CORE_SIG_H
#define FLINT_CORE_SIG_H

#include <signal.h>

/* Blocks SIGTERM, SIGINT and SIGHUP in the calling thread (and threads
 * it starts later) and ignores SIGPIPE. Call first thing in main(). */
void sig_block_term(sigset_t *set_out);

/* Waits for one of the signals in set; returns its number. */
int sig_wait_term(const sigset_t *set);

#endif /* FLINT_CORE_SIG_H */
