/*
 * Private to source-controller's git code: the state one checkout shares
 * with its libgit2 callbacks and its sockets.
 */
#ifndef FLINT_SOURCE_GIT_INT_H
#define FLINT_SOURCE_GIT_INT_H

#include <git2.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"
#include "git.h"

#define GITCTX_MAX_FDS 8

/* Why a callback refused: libgit2 only sees a negative return. */
enum gitctx_fail {
	GITCTX_OK = 0,
	GITCTX_AUTH_REFUSED,    /* credentials offered and rejected */
	GITCTX_AUTH_MISSING,    /* server asked for what we do not have */
	GITCTX_HOSTKEY_UNKNOWN, /* not in known_hosts */
	GITCTX_NO_KNOWN_HOSTS,  /* SSH without known_hosts */
	GITCTX_CERT_UNTRUSTED,  /* TLS certificate not trusted */
	GITCTX_TIMEOUT,
};

struct gitctx {
	const struct checkout_opts *opts;
	char host[256]; /* from the URL, for known_hosts */
	int port;       /* 0: the scheme's default */
	bool ssh;
	int cred_calls;
	enum gitctx_fail fail;
	char fail_msg[512];

	/* timeout: a watchdog shuts the sockets down at the deadline */
	int64_t deadline_ms; /* CLOCK_MONOTONIC; 0: none */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_t watchdog;
	bool watching, done;
	int fds[GITCTX_MAX_FDS];
	int nfds;
};

/* The checkout running on this thread; the socket stream reads it. */
extern _Thread_local struct gitctx *gitctx_current;

int64_t gitctx_now_ms(void);

/* Starts and stops the watchdog for ctx->deadline_ms. */
void gitctx_watch(struct gitctx *ctx);
void gitctx_unwatch(struct gitctx *ctx);

/* Installs the timeout-aware socket stream (GIT_STREAM_STANDARD). */
int gitstream_register(void);

/* libgit2 callbacks; payload is the struct gitctx. */
int gitauth_credentials(git_credential **out, const char *url,
    const char *username_from_url, unsigned int allowed_types, void *payload);
int gitauth_certificate(git_cert *cert, int valid, const char *host,
    void *payload);

/* True if known_hosts (OpenSSH format, hashed entries included) lists
 * the raw host key for host:port. */
bool gitauth_known_host(const char *known_hosts, const char *host, int port,
    const unsigned char *key, size_t key_len);

/* Writes the tree of commit into the directory work_dir, refusing unsafe
 * names and stopping past max_bytes of file content. */
int gittree_write(git_repository *repo, const git_commit *commit,
    const char *work_dir, uint64_t max_bytes, struct err *err);

/* Fills err from libgit2's last error and ctx's failure, as
 * "<what>: <why>". Always returns -1. */
int err_git(struct err *err, const struct gitctx *ctx, int rc,
    const char *what);

#endif /* FLINT_SOURCE_GIT_INT_H */
