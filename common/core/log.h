/*
 * JSON-lines logging with the field names Flux's controllers emit.
 *
 * A line carries level, ts (RFC 3339, milliseconds, UTC), msg, and the
 * identity in a struct log_ctx: controller, controllerGroup,
 * controllerKind, {"<Kind>":{"name","namespace"}}, namespace, name,
 * reconcileID; log_error() adds "error". Each line is escaped into a
 * bounded buffer and written with one write(2), so concurrent lines never
 * interleave. The sink and level are set in main() before threads start.
 */
#ifndef FLINT_CORE_LOG_H
#define FLINT_CORE_LOG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

enum log_level {
	LOG_ERROR = 0,
	LOG_INFO,
	LOG_DEBUG,
};

#define LOG_FIELDS_MAX 8

struct log_field {
	const char *key;
	const char *value; /* borrowed; JSON text when raw */
	bool raw;
};

/* Who is logging. Every pointer is borrowed and may be NULL. */
struct log_ctx {
	const char *controller; /* "gitrepository" */
	const char *group;      /* "source.toolkit.fluxcd.io" */
	const char *kind;       /* "GitRepository" */
	const char *name;
	const char *namespace;
	const char *reconcile_id;
	struct log_field fields[LOG_FIELDS_MAX];
	int nfields;
};

/* Sets the file descriptor lines go to (default 2) and the most verbose
 * level written (default LOG_INFO). Not thread-safe: call from main(). */
void log_setup(int fd, enum log_level level);

/* Parses "error", "info", "debug" (Flux's --log-level values). */
int log_level_parse(enum log_level *out, const char *s, struct err *err);

/* Attaches a string field (raw: value is JSON text, e.g. a map). Fields
 * past LOG_FIELDS_MAX are dropped. The strings are borrowed. */
void log_with(struct log_ctx *ctx, const char *key, const char *value,
    bool raw);

void log_info(const struct log_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
void log_debug(const struct log_ctx *ctx, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Logs at error level; err may be NULL, else its message is "error". */
void log_error(const struct log_ctx *ctx, const struct err *err,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Appends s as a JSON string body (no quotes) to dst of size cap at
 * *len; stops when full. Shared with code that builds JSON by hand. */
void log_json_escape(char *dst, size_t cap, size_t *len, const char *s);

#endif /* FLINT_CORE_LOG_H */
