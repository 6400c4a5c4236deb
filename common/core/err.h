/*
 * Error values: what failed, why, and the Flux condition reason to report.
 *
 * A struct err lives on the caller's stack and is never freed. Functions
 * that fail fill it and return -1 (or NULL); each layer on the way up adds
 * a context prefix with err_wrap(), so a message reads like Flux's:
 * "checkout 'main': fetch 'ssh://...': authentication required".
 */
#ifndef FLINT_CORE_ERR_H
#define FLINT_CORE_ERR_H

#include <stdbool.h>

enum err_code {
	ERR_OK = 0,
	ERR_INVALID,     /* bad input: stalls the object */
	ERR_UNSUPPORTED, /* a feature flint does not have yet: stalls */
	ERR_NOTFOUND,
	ERR_CONFLICT,
	ERR_AUTH,
	ERR_NETWORK,
	ERR_IO,
	ERR_TIMEOUT,
	ERR_LIMIT, /* input past a size, depth or expansion limit */
	ERR_INTERNAL,
};

#define ERR_MSG_MAX 1024

struct err {
	enum err_code code;
	const char *reason; /* Flux condition reason, static storage */
	char msg[ERR_MSG_MAX];
};

#define ERR_INIT                 \
	{                        \
		ERR_OK, NULL, "" \
	}

/* Sets code and message, replacing what was there. Always returns -1. */
int err_set(struct err *err, enum err_code code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*
 * Prefixes the message with "<context>: ". Keeps code and reason. When the
 * result would not fit, the tail of the old message is cut, so the outer
 * context always shows. Always returns -1.
 */
int err_wrap(struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Sets the Flux condition reason (static string) if none is set yet.
 * Always returns -1. */
int err_reason(struct err *err, const char *reason);

/* Like err_set() with ERR_IO, appending ": <strerror(errnum)>". The code
 * is ERR_NOTFOUND for ENOENT and ERR_LIMIT for ENOMEM/EFBIG. */
int err_errno(struct err *err, int errnum, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Clears the error after a caller recovered from it. */
void err_reset(struct err *err);

/* Short lower-case name of a code, "invalid", "not found", ... */
const char *err_code_name(enum err_code code);

/* True for codes that stall an object instead of retrying with backoff. */
bool err_is_stalling(enum err_code code);

#endif /* FLINT_CORE_ERR_H */
