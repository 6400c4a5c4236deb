/*
 * Git checkout for GitRepository: fetch a remote into a per-object cache
 * (kept between reconciles, so each poll moves only new objects), pick
 * the commit that spec.ref names, and write its tree, without .git, into
 * a directory ready for artifact_pack().
 *
 * Revisions are Flux's, byte for byte: "main@sha1:<40 hex>" (branch),
 * "v1.2.3@sha1:<hex>" (tag and semver), "refs/pull/1/head@sha1:<hex>"
 * (ref.name), "sha1:<hex>" (commit alone) and "<branch>@sha1:<hex>"
 * (commit with branch).
 *
 * Transports: HTTP(S) with basic auth, bearer token and an extra CA; SSH
 * with a private key (ed25519 or ECDSA: libssh2 1.10 signs RSA with SHA-1
 * only, which current servers refuse) and known_hosts, which is required:
 * an unknown host key is refused. libgit2 1.5 has no shallow fetch; the
 * cache makes fetches incremental instead.
 *
 * Thread-safe: concurrent checkouts must use different cache and work
 * directories. checkout_global_init() must have run once first.
 */
#ifndef FLINT_SOURCE_GIT_H
#define FLINT_SOURCE_GIT_H

#include <stdbool.h>
#include <stdint.h>

#include "core/err.h"

#define CHECKOUT_TIMEOUT_MS_DEFAULT 60000
#define CHECKOUT_MAX_BYTES_DEFAULT  ((uint64_t)1 << 30)

/* spec.ref: the first set of commit, name, semver, tag, branch wins;
 * all empty means branch "master". Empty strings count as unset. */
struct checkout_ref {
	const char *branch;
	const char *tag;
	const char *semver;
	const char *name;   /* full refname, "refs/pull/1/head" */
	const char *commit; /* 40 hex digits; with branch, must be on it */
};

/* From spec.secretRef; every member may be NULL. */
struct checkout_auth {
	const char *username; /* HTTP basic auth */
	const char *password;
	const char *bearer_token; /* HTTP "Authorization: Bearer" */
	const char *ca_pem;       /* ca.crt: trust for HTTPS, PEM */
	const char *identity;     /* SSH private key, PEM or OpenSSH */
	const char *passphrase;   /* for identity */
	const char *known_hosts;  /* SSH: OpenSSH known_hosts lines */
};

struct checkout_opts {
	const char *url; /* http://, https:// or ssh:// */
	struct checkout_ref ref;
	struct checkout_auth auth;
	const char *cache_dir; /* bare repository, made when missing */
	const char *work_dir;  /* existing empty directory for the tree */
	/* When the remote still points at this revision, nothing is fetched
	 * or written and checkout_unchanged() is true. May be NULL. */
	const char *last_revision;
	int64_t timeout_ms; /* whole operation; 0: 60 s as Flux */
	uint64_t max_bytes; /* sum of file sizes written; 0: 1 GiB */
};

struct checkout;

/* Once per process, before any thread checks out: sets up libgit2 and
 * installs the socket stream that enforces timeouts. */
void checkout_global_init(void);

/*
 * Fetches and checks out what opts names. On success *out is the
 * caller's (checkout_free()). Errors, with reason "GitOperationFailed":
 * ERR_INVALID (bad URL, ref or commit id; unsafe tree entry), ERR_AUTH
 * (credentials refused or missing, unknown host key, untrusted
 * certificate), ERR_NOTFOUND (repository, branch, tag, ref or commit
 * missing; no tag matches the semver range), ERR_NETWORK, ERR_TIMEOUT,
 * ERR_LIMIT (tree larger than max_bytes), ERR_IO.
 */
int checkout_fetch(struct checkout **out, const struct checkout_opts *opts,
    struct err *err);

/* The Flux revision string; borrowed from co. */
const char *checkout_revision(const struct checkout *co);

/* The commit id, 40 hex digits; borrowed from co. */
const char *checkout_commit(const struct checkout *co);

/* True when opts->last_revision matched and no tree was written. */
bool checkout_unchanged(const struct checkout *co);

/* Accepts NULL. */
void checkout_free(struct checkout *co);

#endif /* FLINT_SOURCE_GIT_H */
