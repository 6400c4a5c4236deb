/*
 * JSON-lines logger. A line is built in a stack buffer and written with a
 * single write(2); an over-long line is cut and still closed as JSON.
 */
#include "core/log.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 8192

static int log_fd = 2;
static enum log_level log_max = LOG_INFO;

void
log_setup(int fd, enum log_level level)
{
	log_fd = fd;
	log_max = level;
}

int
log_level_parse(enum log_level *out, const char *s, struct err *err)
{
	if (strcmp(s, "error") == 0)
		*out = LOG_ERROR;
	else if (strcmp(s, "info") == 0)
		*out = LOG_INFO;
	else if (strcmp(s, "debug") == 0 || strcmp(s, "trace") == 0)
		*out = LOG_DEBUG;
	else
		return err_set(err, ERR_INVALID,
		    "unknown log level '%s', want error, info or debug", s);
	return 0;
}

void
log_with(struct log_ctx *ctx, const char *key, const char *value, bool raw)
{
	if (ctx->nfields >= LOG_FIELDS_MAX)
		return;
	ctx->fields[ctx->nfields].key = key;
	ctx->fields[ctx->nfields].value = value;
	ctx->fields[ctx->nfields].raw = raw;
	ctx->nfields++;
}

void
log_json_escape(char *dst, size_t cap, size_t *len, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t n = *len;

	for (; *s != '\0' && n + 7 < cap; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			dst[n++] = '\\';
			dst[n++] = (char)c;
		} else if (c == '\n') {
			dst[n++] = '\\';
			dst[n++] = 'n';
		} else if (c == '\t') {
			dst[n++] = '\\';
			dst[n++] = 't';
		} else if (c < 0x20) {
			memcpy(dst + n, "\\u00", 4);
			dst[n + 4] = hex[c >> 4];
			dst[n + 5] = hex[c & 15];
			n += 6;
		} else {
			dst[n++] = (char)c;
		}
	}
	*len = n;
}

struct line {
	char b[LINE_MAX_BYTES];
	size_t len;
};

static void
put_raw(struct line *l, const char *s)
{
	size_t n = strlen(s);

	if (l->len + n + 4 > sizeof(l->b))
		n = sizeof(l->b) - l->len - 4;
	memcpy(l->b + l->len, s, n);
	l->len += n;
}

static void
put_str(struct line *l, const char *s)
{
	put_raw(l, "\"");
	log_json_escape(l->b, sizeof(l->b) - 4, &l->len, s);
	put_raw(l, "\"");
}

static void
put_field(struct line *l, const char *key, const char *value)
{
	if (value == NULL)
		return;
	put_raw(l, ",");
	put_str(l, key);
	put_raw(l, ":");
	put_str(l, value);
}

static void
put_ts(struct line *l)
{
	struct timespec ts;
	struct tm tm;
	char b[40];

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(b, sizeof(b), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(b + 19, sizeof(b) - 19, ".%03ldZ", ts.tv_nsec / 1000000);
	put_field(l, "ts", b);
}

static void
put_identity(struct line *l, const struct log_ctx *ctx)
{
	put_field(l, "controller", ctx->controller);
	put_field(l, "controllerGroup", ctx->group);
	put_field(l, "controllerKind", ctx->kind);
	if (ctx->kind != NULL && ctx->name != NULL) {
		put_raw(l, ",");
		put_str(l, ctx->kind);
		put_raw(l, ":{\"name\":");
		put_str(l, ctx->name);
		if (ctx->namespace != NULL) {
			put_raw(l, ",\"namespace\":");
			put_str(l, ctx->namespace);
		}
		put_raw(l, "}");
	}
	put_field(l, "namespace", ctx->namespace);
	put_field(l, "name", ctx->name);
	put_field(l, "reconcileID", ctx->reconcile_id);
	for (int i = 0; i < ctx->nfields; i++) {
		const struct log_field *f = &ctx->fields[i];

		if (!f->raw) {
			put_field(l, f->key, f->value);
			continue;
		}
		put_raw(l, ",");
		put_str(l, f->key);
		put_raw(l, ":");
		put_raw(l, f->value);
	}
}

static void
write_all(const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(log_fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return; /* nowhere left to report it */
		p += w;
		n -= (size_t)w;
	}
}

static void emit(enum log_level level, const struct log_ctx *ctx,
    const struct err *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));

static void
emit(enum log_level level, const struct log_ctx *ctx, const struct err *err,
    const char *fmt, va_list ap)
{
	static const char *const names[] = { "error", "info", "debug" };
	struct line l;
	char msg[4096];

	if (level > log_max)
		return;
	l.len = 0;
	put_raw(&l, "{\"level\":");
	put_str(&l, names[level]);
	put_ts(&l);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	put_field(&l, "msg", msg);
	if (ctx != NULL)
		put_identity(&l, ctx);
	if (err != NULL)
		put_field(&l, "error", err->msg);
	l.b[l.len++] = '}';
	l.b[l.len++] = '\n';
	write_all(l.b, l.len);
}

void
log_info(const struct log_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_INFO, ctx, NULL, fmt, ap);
	va_end(ap);
}

void
log_debug(const struct log_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_DEBUG, ctx, NULL, fmt, ap);
	va_end(ap);
}

void
log_error(const struct log_ctx *ctx, const struct err *err, const char *fmt,
    ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit(LOG_ERROR, ctx, err, fmt, ap);
	va_end(ap);
}
