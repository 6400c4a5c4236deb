/*
 * UTF-8 and Unicode lookups that decide as Go's utf8 and unicode packages
 * do, since Flux's expansion is defined by them: which bytes form a
 * variable name, what a case operator maps, how a bad byte is replaced.
 */
#include "envsubst/envsubst_int.h"

/* Second-byte bounds of a multi-byte sequence, by lead byte, excluding
 * overlong forms, surrogates and code points past U+10FFFF. */
static bool
lead_bounds(unsigned char b0, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xBF;
	if (b0 < 0xC2 || b0 > 0xF4)
		return false;
	if (b0 == 0xE0)
		*lo = 0xA0;
	else if (b0 == 0xED)
		*hi = 0x9F;
	else if (b0 == 0xF0)
		*lo = 0x90;
	else if (b0 == 0xF4)
		*hi = 0x8F;
	return true;
}

size_t
envsubst_utf8_decode(uint32_t *r, const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char lo, hi;
	size_t width, i;
	uint32_t c;

	*r = s[0];
	if (s[0] < 0x80)
		return 1;
	*r = UC_ERROR;
	if (!lead_bounds(s[0], &lo, &hi))
		return 1;
	width = s[0] < 0xE0 ? 2 : s[0] < 0xF0 ? 3 : 4;
	if (n < width || s[1] < lo || s[1] > hi)
		return 1;
	c = s[0] & (0x7F >> width);
	for (i = 1; i < width; i++) {
		if (i > 1 && (s[i] < 0x80 || s[i] > 0xBF))
			return 1;
		c = c << 6 | (s[i] & 0x3F);
	}
	*r = c;
	return width;
}

size_t
envsubst_utf8_encode(char *p, uint32_t r)
{
	if (r < 0x80) {
		p[0] = (char)r;
		return 1;
	}
	if (r < 0x800) {
		p[0] = (char)(0xC0 | r >> 6);
		p[1] = (char)(0x80 | (r & 0x3F));
		return 2;
	}
	if (r < 0x10000) {
		p[0] = (char)(0xE0 | r >> 12);
		p[1] = (char)(0x80 | (r >> 6 & 0x3F));
		p[2] = (char)(0x80 | (r & 0x3F));
		return 3;
	}
	p[0] = (char)(0xF0 | r >> 18);
	p[1] = (char)(0x80 | (r >> 12 & 0x3F));
	p[2] = (char)(0x80 | (r >> 6 & 0x3F));
	p[3] = (char)(0x80 | (r & 0x3F));
	return 4;
}

static bool
in_ranges(const struct uc_range *t, size_t n, uint32_t r)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (r < t[mid].lo)
			hi = mid;
		else if (r > t[mid].hi)
			lo = mid + 1;
		else
			return true;
	}
	return false;
}

bool
envsubst_is_letter(uint32_t r)
{
	return in_ranges(envsubst_letters, envsubst_letters_len, r);
}

bool
envsubst_is_digit(uint32_t r)
{
	if (r < 0x80)
		return r >= '0' && r <= '9';
	return in_ranges(envsubst_digits, envsubst_digits_len, r);
}

/* Go's unicode.to(): in an alternating range, even offsets are upper
 * case and odd ones lower case. */
static uint32_t
to_case(uint32_t r, bool upper)
{
	size_t lo = 0, hi = envsubst_cases_len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct uc_case *c = &envsubst_cases[mid];
		int32_t delta = upper ? c->to_upper : c->to_lower;

		if (r < c->lo) {
			hi = mid;
		} else if (r > c->hi) {
			lo = mid + 1;
		} else if (delta == UC_ALTERNATE) {
			return c->lo +
			    (((r - c->lo) & ~1u) | (upper ? 0u : 1u));
		} else {
			return (uint32_t)((int32_t)r + delta);
		}
	}
	return r;
}

uint32_t
envsubst_to_upper(uint32_t r)
{
	return to_case(r, true);
}

uint32_t
envsubst_to_lower(uint32_t r)
{
	return to_case(r, false);
}
