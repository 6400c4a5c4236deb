/* Error values: set, wrap with context, classify. */
#include "core/err.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/str.h"

static void set_msgv(struct err *err, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static void
set_msgv(struct err *err, const char *fmt, va_list ap)
{
	int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);

	if (n < 0)
		err->msg[0] = '\0';
}

int
err_set(struct err *err, enum err_code code, const char *fmt, ...)
{
	va_list ap;

	err->code = code;
	va_start(ap, fmt);
	set_msgv(err, fmt, ap);
	va_end(ap);
	return -1;
}

int
err_wrap(struct err *err, const char *fmt, ...)
{
	char old[ERR_MSG_MAX];
	size_t n, room;
	va_list ap;

	memcpy(old, err->msg, sizeof(old));
	va_start(ap, fmt);
	set_msgv(err, fmt, ap);
	va_end(ap);
	if (err->code == ERR_OK)
		err->code =
		    ERR_INTERNAL; /* wrapping nothing is a bug upstream */
	if (old[0] == '\0')
		return -1;
	n = strlen(err->msg);
	if (n + 2 >= sizeof(err->msg))
		return -1;
	memcpy(err->msg + n, ": ", 2);
	n += 2;
	room = sizeof(err->msg) - n - 1;
	str_lcpy(err->msg + n, old, room + 1);
	return -1;
}

int
err_reason(struct err *err, const char *reason)
{
	if (err->reason == NULL)
		err->reason = reason;
	return -1;
}

int
err_errno(struct err *err, int errnum, const char *fmt, ...)
{
	enum err_code code = ERR_IO;
	size_t len;
	va_list ap;

	if (errnum == ENOENT)
		code = ERR_NOTFOUND;
	else if (errnum == ENOMEM || errnum == EFBIG)
		code = ERR_LIMIT;
	err->code = code;
	va_start(ap, fmt);
	set_msgv(err, fmt, ap);
	va_end(ap);
	len = strlen(err->msg);
	snprintf(err->msg + len, sizeof(err->msg) - len, ": %s",
	    strerror(errnum));
	return -1;
}

void
err_reset(struct err *err)
{
	err->code = ERR_OK;
	err->reason = NULL;
	err->msg[0] = '\0';
}

const char *
err_code_name(enum err_code code)
{
	static const char *const names[] = {
		[ERR_OK] = "ok",
		[ERR_INVALID] = "invalid",
		[ERR_UNSUPPORTED] = "unsupported",
		[ERR_NOTFOUND] = "not found",
		[ERR_CONFLICT] = "conflict",
		[ERR_AUTH] = "authentication failed",
		[ERR_NETWORK] = "network",
		[ERR_IO] = "i/o",
		[ERR_TIMEOUT] = "timeout",
		[ERR_LIMIT] = "limit exceeded",
		[ERR_INTERNAL] = "internal",
	};

	if ((unsigned)code >= sizeof(names) / sizeof(names[0]))
		return "unknown";
	return names[code];
}

bool
err_is_stalling(enum err_code code)
{
	return code == ERR_INVALID || code == ERR_UNSUPPORTED;
}
