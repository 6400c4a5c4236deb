/* Private to the JSON parser and emitter: UTF-8 checks both need. */
#ifndef FLINT_DOC_JSON_INT_H
#define FLINT_DOC_JSON_INT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define JSON_ONES  0x0101010101010101ULL
#define JSON_HIGHS 0x8080808080808080ULL

/* Eight bytes in memory order, first byte lowest, for word-at-a-time
 * scans: the first flagged byte is then the lowest set bit. */
static inline uint64_t
json_load64(const unsigned char *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
#if __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

/* The high bit of each zero byte of x; exact for the lowest zero byte
 * (borrows only flag bytes above a real zero). */
static inline uint64_t
json_zero_bytes(uint64_t x)
{
	return (x - JSON_ONES) & ~x & JSON_HIGHS;
}

/*
 * Length of the well-formed UTF-8 sequence (RFC 3629: no overlongs, no
 * surrogates, nothing past U+10FFFF) that starts with the non-ASCII byte
 * at p, or 0 when there is none. Go's utf8.DecodeRune accepts exactly
 * these; it treats any other byte as one invalid byte, and so do we.
 * Reads at most avail bytes (avail >= 1).
 */
static inline size_t
json_utf8_len(const unsigned char *p, size_t avail)
{
	unsigned c = p[0], lo = 0x80, hi = 0xBF;
	size_t n;

	if (c >= 0xC2 && c <= 0xDF)
		n = 2;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4;
	else
		return 0;
	if (c == 0xE0)
		lo = 0xA0;
	else if (c == 0xED)
		hi = 0x9F;
	else if (c == 0xF0)
		lo = 0x90;
	else if (c == 0xF4)
		hi = 0x8F;
	if (avail < n || p[1] < lo || p[1] > hi)
		return 0;
	for (size_t i = 2; i < n; i++)
		if ((p[i] & 0xC0) != 0x80)
			return 0;
	return n;
}

#endif /* FLINT_DOC_JSON_INT_H */
