/* String, integer and Go-duration helpers. */
#include "core/str.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t
str_lcpy(char *dst, const char *src, size_t dstsize)
{
	size_t len = strlen(src);

	if (dstsize != 0) {
		size_t n = len < dstsize - 1 ? len : dstsize - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return len;
}

size_t
str_lcat(char *dst, const char *src, size_t dstsize)
{
	size_t dlen = strnlen(dst, dstsize);

	if (dlen == dstsize)
		return dstsize + strlen(src);
	return dlen + str_lcpy(dst + dlen, src, dstsize - dlen);
}

bool
str_has_prefix(const char *s, const char *prefix)
{
	return strncmp(s, prefix, strlen(prefix)) == 0;
}

bool
str_has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && memcmp(s + n - m, suffix, m) == 0;
}

bool
str_eq_n(const char *p, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(p, lit, n) == 0;
}

int
str_to_i64(int64_t *out, const char *s, struct err *err)
{
	char *end;
	long long v;

	errno = 0;
	if (*s == '\0' || *s == ' ' || *s == '\t')
		return err_set(err, ERR_INVALID, "'%s' is not an integer", s);
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return err_set(err, ERR_INVALID, "'%s' is not an integer", s);
	if (errno == ERANGE)
		return err_set(err, ERR_INVALID, "'%s' is out of range", s);
	*out = v;
	return 0;
}

struct unit {
	const char *name;
	double ms;
};

static const struct unit units[] = {
	{ "ns", 1e-6 },
	{ "us", 1e-3 },
	{ "\xc2\xb5s", 1e-3 },
	{ "ms", 1 },
	{ "s", 1e3 },
	{ "m", 60e3 },
	{ "h", 3600e3 },
};

static const struct unit *
match_unit(const char *p, size_t *len_out)
{
	const struct unit *best = NULL;
	size_t best_len = 0;

	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		size_t n = strlen(units[i].name);

		if (strncmp(p, units[i].name, n) == 0 && n > best_len) {
			best = &units[i];
			best_len = n;
		}
	}
	*len_out = best_len;
	return best;
}

int
str_parse_duration_ms(int64_t *out_ms, const char *s, struct err *err)
{
	const char *p = s;
	double total = 0;

	if (strcmp(s, "0") == 0) {
		*out_ms = 0;
		return 0;
	}
	if (*p == '\0')
		return err_set(err, ERR_INVALID, "empty duration");
	while (*p != '\0') {
		const struct unit *u;
		char *end;
		size_t ulen;
		double v;

		if ((*p < '0' || *p > '9') && *p != '.')
			return err_set(err, ERR_INVALID,
			    "invalid duration '%s'", s);
		v = strtod(p, &end);
		u = match_unit(end, &ulen);
		if (end == p || u == NULL)
			return err_set(err, ERR_INVALID,
			    "invalid duration '%s'", s);
		total += v * u->ms;
		p = end + ulen;
	}
	if (total > 9.2e15)
		return err_set(err, ERR_INVALID, "duration '%s' is too long",
		    s);
	*out_ms = (int64_t)(total + 0.5);
	return 0;
}

/* Go prints the fractional seconds with trailing zeros removed. */
static void
format_seconds(char *dst, size_t dstsize, int64_t ms)
{
	int64_t sec = ms / 1000, frac = ms % 1000;

	if (frac == 0) {
		snprintf(dst, dstsize, "%llds", (long long)sec);
		return;
	}
	char f[8];
	int n = snprintf(f, sizeof(f), "%03lld", (long long)frac);

	while (n > 0 && f[n - 1] == '0')
		f[--n] = '\0';
	snprintf(dst, dstsize, "%lld.%ss", (long long)sec, f);
}

char *
str_format_duration(char *dst, size_t dstsize, int64_t ms)
{
	char secs[32];
	int64_t h, m;
	const char *sign = ms < 0 ? "-" : "";

	if (ms < 0)
		ms = -ms;
	if (ms == 0) {
		snprintf(dst, dstsize, "0s");
		return dst;
	}
	if (ms < 1000) {
		snprintf(dst, dstsize, "%s%lldms", sign, (long long)ms);
		return dst;
	}
	h = ms / 3600000;
	m = ms / 60000 % 60;
	format_seconds(secs, sizeof(secs), ms % 60000);
	if (h > 0)
		snprintf(dst, dstsize, "%s%lldh%lldm%s", sign, (long long)h,
		    (long long)m, secs);
	else if (m > 0)
		snprintf(dst, dstsize, "%s%lldm%s", sign, (long long)m, secs);
	else
		snprintf(dst, dstsize, "%s%s", sign, secs);
	return dst;
}
