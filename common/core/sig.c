/* Blocking and waiting for termination signals. */
#include "core/sig.h"

#include <pthread.h>

void
sig_block_term(sigset_t *set_out)
{
	sigemptyset(set_out);
	sigaddset(set_out, SIGTERM);
	sigaddset(set_out, SIGINT);
	sigaddset(set_out, SIGHUP);
	pthread_sigmask(SIG_BLOCK, set_out, NULL);
	signal(SIGPIPE, SIG_IGN); /* a closed peer is an error, not a death */
}

int
sig_wait_term(const sigset_t *set)
{
	int sig = 0;

	while (sigwait(set, &sig) != 0)
		;
	return sig;
}
