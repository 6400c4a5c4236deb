/*
 * What go-yaml v2 sees in a string before it prints it: which styles the
 * text allows (libyaml's scalar analysis) and whether plain text would
 * read back as another type under v2's YAML 1.1 rules. kustomize prints
 * through v2, so these decide where its output quotes a string.
 */
#include "doc/yaml_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* ---- analysis ---------------------------------------------------------- */

struct marks {
	bool block_indicators, line_breaks, special;
	bool leading_space, leading_break, trailing_space, trailing_break;
	bool break_space, space_break;
};

/* Indicators: what makes plain text mean something else. */
static bool
is_indicator(int32_t c, bool first, bool followed_by_ws, bool preceded_by_ws)
{
	if (first && c != 0 && c < 0x80 && strchr("#,[]{}&*!|>'\"%@`", c))
		return true;
	if (c == '-')
		return first && followed_by_ws;
	if (c == '?')
		return first && followed_by_ws;
	if (c == ':')
		return followed_by_ws;
	return c == '#' && preceded_by_ws;
}

static void
mark_spacing(struct marks *m, int32_t c, bool first, bool last,
    bool *prev_space, bool *prev_break)
{
	if (c == ' ') {
		m->leading_space |= first;
		m->trailing_space |= last;
		m->break_space |= *prev_break;
		*prev_space = true;
		*prev_break = false;
	} else if (yaml_is_break(c)) {
		m->line_breaks = true;
		m->leading_break |= first;
		m->trailing_break |= last;
		m->space_break |= *prev_space;
		*prev_space = false;
		*prev_break = true;
	} else {
		*prev_space = false;
		*prev_break = false;
	}
}

static void
scan(struct marks *m, const char *p, size_t n, bool *invalid)
{
	bool preceded_by_ws = true, prev_space = false, prev_break = false;
	size_t w;

	for (size_t i = 0; i < n; i += w) {
		int32_t c = yaml_utf8_decode(p, n, i, &w);
		bool followed_by_ws = i + w >= n || p[i + w] == ' ' ||
		    p[i + w] == '\t';

		if (is_indicator(c, i == 0, followed_by_ws, preceded_by_ws))
			m->block_indicators = true;
		if (!yaml_is_printable(c))
			m->special = true; /* tabs too, in v2 */
		*invalid |= c < 0;
		mark_spacing(m, c, i == 0, i + w == n, &prev_space,
		    &prev_break);
		preceded_by_ws = c == ' ' || c == '\t' || c == 0 ||
		    yaml_is_break(c);
	}
}

void
yaml_analyze_scalar(struct yaml_scalar_info *si, const char *p, size_t n)
{
	struct marks m = { 0 };

	memset(si, 0, sizeof(*si));
	si->block_plain = si->single = true;
	if (n == 0)
		return;
	si->block = true;
	if (n >= 3 && (memcmp(p, "---", 3) == 0 || memcmp(p, "...", 3) == 0))
		m.block_indicators = true;
	scan(&m, p, n, &si->invalid_utf8);
	si->multiline = m.line_breaks;
	if (m.leading_space || m.leading_break || m.trailing_space ||
	    m.trailing_break || m.line_breaks || m.block_indicators)
		si->block_plain = false;
	if (m.trailing_space)
		si->block = false;
	if (m.break_space || m.space_break || m.special) {
		si->block_plain = false;
		si->single = false;
	}
	if (m.space_break || m.special)
		si->block = false;
}

size_t
yaml_next_break(const char *p, size_t n, size_t i)
{
	const unsigned char *s = (const unsigned char *)p;

	for (; i < n; i++) {
		if (s[i] == '\n' || s[i] == '\r')
			return i;
		if (s[i] == 0xC2 && i + 1 < n && s[i + 1] == 0x85)
			return i;
		if (s[i] == 0xE2 && i + 2 < n && s[i + 1] == 0x80 &&
		    (s[i + 2] == 0xA8 || s[i + 2] == 0xA9))
			return i;
	}
	return n;
}

const char *
yaml_escape_char(int32_t c)
{
	switch (c) {
	case 0x00:
		return "\\0";
	case 0x07:
		return "\\a";
	case 0x08:
		return "\\b";
	case 0x09:
		return "\\t";
	case 0x0A:
		return "\\n";
	case 0x0B:
		return "\\v";
	case 0x0C:
		return "\\f";
	case 0x0D:
		return "\\r";
	case 0x1B:
		return "\\e";
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case 0x85:
		return "\\N";
	case 0xA0:
		return "\\_";
	case 0x2028:
		return "\\L";
	case 0x2029:
		return "\\P";
	default:
		return NULL;
	}
}

/* ---- go-yaml v2's resolver ---------------------------------------------- */

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* The words v2 resolves to bools, nulls and special floats. */
static bool
v2_word(const char *p, size_t n)
{
	static const char *const words[] = { "y", "Y", "yes", "Yes", "YES", "n",
		"N", "no", "No", "NO", "true", "True", "TRUE", "false", "False",
		"FALSE", "on", "On", "ON", "off", "Off", "OFF", "~", "null",
		"Null", "NULL", ".nan", ".NaN", ".NAN", ".inf", ".Inf", ".INF",
		"+.inf", "+.Inf", "+.INF", "-.inf", "-.Inf", "-.INF" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (strlen(words[i]) == n && memcmp(words[i], p, n) == 0)
			return true;
	return false;
}

static int
digit_value(char c)
{
	if (is_digit(c))
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Digits in base into *v; false on junk, emptiness or overflow. */
static bool
parse_digits(const char *p, size_t n, int base, uint64_t *v)
{
	*v = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		int d = digit_value(p[i]);

		if (d >= base ||
		    *v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base)
			return false;
		*v = *v * (uint64_t)base + (uint64_t)d;
	}
	return true;
}

static size_t
skip_sign(const char *p, size_t n, size_t i)
{
	return i < n && (p[i] == '+' || p[i] == '-') ? i + 1 : i;
}

/* Past the digits (and underscores, when us) from i. */
static size_t
skip_digits(const char *p, size_t n, size_t i, bool us)
{
	while (i < n && (is_digit(p[i]) || (us && p[i] == '_')))
		i++;
	return i;
}

/* Go's base-0 prefixes: 0x, 0o or 0b with something after them, else a
 * leading 0 for octal; moves *p past the prefix. */
static int
go_base(const char **p, size_t *n)
{
	int x = *n >= 3 ? (*p)[1] | 0x20 : 0;
	size_t skip = x == 'x' || x == 'o' || x == 'b' ? 2 : 1;

	if (*n == 0 || (*p)[0] != '0')
		return 10;
	*p += skip;
	*n -= skip;
	return x == 'x' ? 16 : x == 'o' ? 8 : x == 'b' ? 2 : 8;
}

/* strconv.ParseInt(s, base, 64) or, unsigned, ParseUint succeeds; base 0
 * reads Go's prefixes. */
static bool
go_int(const char *p, size_t n, int base)
{
	bool neg = n > 0 && p[0] == '-';
	size_t sign = skip_sign(p, n, 0);
	uint64_t v;

	p += sign;
	n -= sign;
	if (base == 0 && n == 1 && p[0] == '0')
		return true;
	if (base == 0)
		base = go_base(&p, &n);
	if (!parse_digits(p, n, base, &v))
		return false;
	if (sign == 0)
		return true; /* ParseUint takes all of uint64 */
	return neg ? v <= (uint64_t)1 << 63 : v < (uint64_t)1 << 63;
}

/* v2's float pattern, ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$,
 * and a finite value (Go's ParseFloat fails on overflow). p[n] is NUL. */
static bool
go_float(const char *p, size_t n)
{
	size_t start = skip_sign(p, n, 0), i = skip_digits(p, n, start, false);
	size_t j;

	if (i < n && p[i] == '.') {
		j = skip_digits(p, n, i + 1, false);
		if (i == start && j == i + 1)
			return false; /* no digit on either side */
		i = j;
	} else if (i == start) {
		return false;
	}
	if (i < n && (p[i] == 'e' || p[i] == 'E')) {
		j = skip_sign(p, n, i + 1);
		i = skip_digits(p, n, j, false);
		if (i == j)
			return false;
	}
	return i == n && isfinite(strtod(p, NULL));
}

/* ^[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?$ */
static bool
base60_float(const char *p, size_t n)
{
	size_t i = skip_sign(p, n, 0), groups = 0;

	if (i >= n || !is_digit(p[i]))
		return false;
	i = skip_digits(p, n, i, true);
	while (i + 1 < n && p[i] == ':' && is_digit(p[i + 1])) {
		i += 2;
		if (p[i - 1] <= '5' && i < n && is_digit(p[i]))
			i++;
		groups++;
	}
	if (i < n && p[i] == '.')
		i = skip_digits(p, n, i + 1, true);
	return groups > 0 && i == n;
}

/* ---- timestamps, as Go's time.Parse reads v2's four layouts -------------- */

/* One or two digits (Go's getnum), at most max. */
static bool
num12(const char *p, size_t n, size_t *i, int max, int *out)
{
	if (*i >= n || !is_digit(p[*i]))
		return false;
	*out = p[(*i)++] - '0';
	if (*i < n && is_digit(p[*i]))
		*out = *out * 10 + p[(*i)++] - '0';
	return *out <= max;
}

static int
days_in(int month, int year)
{
	static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30,
		31 };
	bool leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0);

	return month == 2 && leap ? 29 : days[month - 1];
}

/* "Z" or "+hh:mm" (Go's Z07:00). */
static bool
zone(const char *p, size_t n, size_t i)
{
	if (i < n && p[i] == 'Z')
		return i + 1 == n;
	return n - i == 6 && (p[i] == '+' || p[i] == '-') &&
	    is_digit(p[i + 1]) && is_digit(p[i + 2]) && p[i + 3] == ':' &&
	    is_digit(p[i + 4]) && is_digit(p[i + 5]) &&
	    (p[i + 1] - '0') * 10 + (p[i + 2] - '0') <= 24 &&
	    (p[i + 4] - '0') * 10 + (p[i + 5] - '0') <= 60;
}

/* H:M:S with an optional fraction, then a zone unless sep was ' '. */
static bool
clock(const char *p, size_t n, size_t i, char sep)
{
	int h, m, s;

	if (!num12(p, n, &i, 23, &h) || i >= n || p[i++] != ':' ||
	    !num12(p, n, &i, 59, &m) || i >= n || p[i++] != ':' ||
	    !num12(p, n, &i, 59, &s))
		return false;
	if (i + 1 < n && (p[i] == '.' || p[i] == ',') && is_digit(p[i + 1]))
		for (i++; i < n && is_digit(p[i]); i++)
			;
	return sep == ' ' ? i == n : zone(p, n, i);
}

static bool
go_timestamp(const char *p, size_t n)
{
	size_t i = 5;
	int year, month, day;

	if (n < 8 || !is_digit(p[0]) || !is_digit(p[1]) || !is_digit(p[2]) ||
	    !is_digit(p[3]) || p[4] != '-')
		return false;
	year = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 +
	    (p[3] - '0');
	if (!num12(p, n, &i, 12, &month) || month == 0 || i >= n ||
	    p[i++] != '-' || !num12(p, n, &i, 31, &day) || day == 0 ||
	    day > days_in(month, year))
		return false;
	if (i == n)
		return true;
	if (p[i] != 'T' && p[i] != 't' && p[i] != ' ')
		return false;
	return clock(p, n, i + 1, p[i]);
}

/* Go's resolve() for text that starts with a digit or a sign: a
 * timestamp, then ints and floats with the underscores taken out. */
static bool
v2_number(const char *p, size_t n)
{
	char small[128], *q = n < sizeof(small) ? small : xmalloc(n + 1);
	size_t m = 0;
	bool typed;

	for (size_t i = 0; i < n; i++)
		if (p[i] != '_')
			q[m++] = p[i];
	q[m] = '\0';
	typed = go_int(q, m, 0) || go_float(q, m);
	if (!typed && m > 2 && memcmp(q, "0b", 2) == 0)
		typed = go_int(q + 2, m - 2, 2);
	else if (!typed && m > 3 && memcmp(q, "-0b", 3) == 0)
		typed = q[3] != '+' && q[3] != '-' && go_int(q + 3, m - 3, 2);
	if (q != small)
		free(q);
	return typed || go_timestamp(p, n);
}

bool
yaml_v2_typed(const char *p, size_t n)
{
	char c;

	if (n == 0)
		return true;
	c = p[0];
	if (!is_digit(c) && c != '+' && c != '-' && c != '.' &&
	    strchr("yYnNtTfFoO~", c) == NULL)
		return false; /* v2 reads no other first character as typed */
	if (v2_word(p, n))
		return true;
	if (c == '.')
		return n > 1 && go_float(p, n) && memchr(p, '_', n) == NULL;
	if (is_digit(c) || c == '+' || c == '-')
		return v2_number(p, n) || base60_float(p, n);
	return false;
}
