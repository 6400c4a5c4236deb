/*
 * Versions: parsing (Masterminds' coercing NewVersion, and Flux's strict
 * tag form), precedence and formatting.
 *
 * Masterminds parses with a regular expression; this is the same
 * grammar written as a scanner:
 *   v? N (.N)? (.N)? (-IDS)? (+IDS)?   N = [0-9]+, IDS = [0-9A-Za-z-]+(.…)*
 * then refuses numeric prerelease identifiers with leading zeros.
 */
#include "semver/semver.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "semver/semver_int.h"

/* The pieces found by the scanner, as offsets into the text. */
struct pieces {
	size_t num[3], num_len[3]; /* num_len 0: segment missing */
	size_t pre, pre_len;       /* without the '-' */
	bool has_pre;
	size_t meta, meta_len; /* without the '+' */
	bool has_meta;
};

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool
is_ident_char(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z') || c == '-';
}

static size_t
span_digits(const char *s)
{
	size_t n = 0;

	while (is_digit(s[n]))
		n++;
	return n;
}

/* Length of IDS at s: identifiers joined by single dots; 0 if none. */
static size_t
span_idents(const char *s)
{
	size_t n = 0;

	while (is_ident_char(s[n])) {
		while (is_ident_char(s[n]))
			n++;
		if (s[n] != '.' || !is_ident_char(s[n + 1]))
			break;
		n++;
	}
	return n;
}

/* Scans the loose grammar; false if s does not match it whole. */
static bool
scan(struct pieces *pc, const char *s)
{
	size_t i = s[0] == 'v' ? 1 : 0, n;

	memset(pc, 0, sizeof(*pc));
	for (int k = 0; k < 3; k++) {
		if (k > 0 && (s[i] != '.' || !is_digit(s[i + 1])))
			break;
		i += k > 0 ? 1 : 0;
		pc->num[k] = i;
		pc->num_len[k] = n = span_digits(s + i);
		if (n == 0)
			return false;
		i += n;
	}
	if (s[i] == '-' && (n = span_idents(s + i + 1)) > 0) {
		pc->has_pre = true;
		pc->pre = i + 1;
		pc->pre_len = n;
		i += n + 1;
	}
	if (s[i] == '+' && (n = span_idents(s + i + 1)) > 0) {
		pc->has_meta = true;
		pc->meta = i + 1;
		pc->meta_len = n;
		i += n + 1;
	}
	return s[i] == '\0';
}

static int
parse_u64(uint64_t *out, const char *s, size_t n, struct err *err)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)(s[i] - '0');

		if (v > (UINT64_MAX - d) / 10)
			return err_set(err, ERR_INVALID,
			    "version segment '%.*s' overflows", (int)n, s);
		v = v * 10 + d;
	}
	*out = v;
	return 0;
}

/* Numeric prerelease identifiers may not have leading zeros. */
static int
check_pre(const char *p, size_t n, struct err *err)
{
	for (size_t i = 0; i < n;) {
		size_t len = strcspn(p + i, ".");

		len = len > n - i ? n - i : len;
		if (len > 1 && span_digits(p + i) >= len && p[i] == '0')
			return err_set(err, ERR_INVALID,
			    "prerelease identifier '%.*s' starts with 0",
			    (int)len, p + i);
		i += len + 1;
	}
	return 0;
}

/* Flux's ParseVersion: StrictNewVersion after dropping one 'v'. */
static int
check_strict(const char *s, const struct pieces *pc, struct err *err)
{
	if (pc->num_len[1] == 0 || pc->num_len[2] == 0)
		return err_set(err, ERR_INVALID,
		    "'%s' is not a full major.minor.patch version", s);
	for (int k = 0; k < 3; k++)
		if (pc->num_len[k] > 1 && s[pc->num[k]] == '0')
			return err_set(err, ERR_INVALID,
			    "'%s': version segment starts with 0", s);
	return 0;
}

int
semver_parse(struct semver *out, const char *s, unsigned flags, struct err *err)
{
	struct semver v = { 0 };
	struct pieces pc;
	size_t len = strlen(s);

	if (len == 0)
		return err_set(err, ERR_INVALID, "empty version");
	if (!scan(&pc, s))
		return err_set(err, ERR_INVALID,
		    "'%s' is not a semantic version", s);
	if (((flags & SEMVER_STRICT) != 0 && check_strict(s, &pc, err) == -1) ||
	    parse_u64(&v.major, s + pc.num[0], pc.num_len[0], err) == -1 ||
	    parse_u64(&v.minor, s + pc.num[1], pc.num_len[1], err) == -1 ||
	    parse_u64(&v.patch, s + pc.num[2], pc.num_len[2], err) == -1 ||
	    check_pre(s + pc.pre, pc.pre_len, err) == -1)
		return err_wrap(err, "version '%s'", s);
	/* one block: original, NUL, pre, NUL, meta, NUL */
	v.mem = xmalloc(len + pc.pre_len + pc.meta_len + 3);
	memcpy(v.mem, s, len + 1);
	v.pre = v.mem + len + 1;
	memcpy(v.mem + len + 1, s + pc.pre, pc.pre_len);
	v.mem[len + 1 + pc.pre_len] = '\0';
	v.meta = v.pre + pc.pre_len + 1;
	memcpy(v.mem + len + pc.pre_len + 2, s + pc.meta, pc.meta_len);
	v.mem[len + pc.pre_len + pc.meta_len + 2] = '\0';
	v.original = v.mem;
	*out = v;
	return 0;
}

void
semver_release(struct semver *v)
{
	free(v->mem);
	memset(v, 0, sizeof(*v));
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

/* Go's strconv.ParseUint: all digits and no overflow. */
static bool
as_number(uint64_t *out, const char *s, size_t n)
{
	struct err ignored = ERR_INIT;

	return n > 0 && span_digits(s) >= n &&
	    parse_u64(out, s, n, &ignored) == 0;
}

/* One prerelease identifier against another, as comparePrePart(): an
 * absent part sorts first, numbers before words, words bytewise. */
static int
cmp_part(const char *a, size_t an, const char *b, size_t bn)
{
	uint64_t x, y;
	bool na, nb;
	int c;

	if (an == bn && memcmp(a, b, an) == 0)
		return 0;
	if (an == 0 || bn == 0)
		return an == 0 ? -1 : 1;
	na = as_number(&x, a, an);
	nb = as_number(&y, b, bn);
	if (na && nb)
		return x > y ? 1 : -1;
	if (na != nb)
		return na ? -1 : 1;
	c = memcmp(a, b, an < bn ? an : bn);
	return c != 0 ? (c > 0 ? 1 : -1) : (an > bn ? 1 : -1);
}

int
semver_cmp_pre(const char *a, const char *b)
{
	while (*a != '\0' || *b != '\0') {
		size_t an = strcspn(a, "."), bn = strcspn(b, ".");
		int c = cmp_part(a, an, b, bn);

		if (c != 0)
			return c;
		a += an + (a[an] == '.' ? 1 : 0);
		b += bn + (b[bn] == '.' ? 1 : 0);
	}
	return 0;
}

int
semver_compare(const struct semver *a, const struct semver *b)
{
	int c;

	if ((c = cmp_u64(a->major, b->major)) != 0 ||
	    (c = cmp_u64(a->minor, b->minor)) != 0 ||
	    (c = cmp_u64(a->patch, b->patch)) != 0)
		return c;
	if (a->pre[0] == '\0' || b->pre[0] == '\0')
		return a->pre[0] == b->pre[0] ? 0 : a->pre[0] == '\0' ? 1 : -1;
	return semver_cmp_pre(a->pre, b->pre);
}

size_t
semver_format(char *dst, size_t n, const struct semver *v)
{
	int w = snprintf(dst, n, "%" PRIu64 ".%" PRIu64 ".%" PRIu64 "%s%s%s%s",
	    v->major, v->minor, v->patch, v->pre[0] != '\0' ? "-" : "", v->pre,
	    v->meta[0] != '\0' ? "+" : "", v->meta);

	return w < 0 ? 0 : (size_t)w;
}
