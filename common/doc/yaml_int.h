/*
 * Private to the YAML emitter: how go-yaml v2, whose output kustomize
 * prints, looks at a scalar's text before it picks a style.
 */
#ifndef FLINT_DOC_YAML_INT_H
#define FLINT_DOC_YAML_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Which styles a text allows in block context (libyaml's analysis). */
struct yaml_scalar_info {
	bool multiline;    /* holds a line break */
	bool block_plain;  /* may be written plain */
	bool single;       /* may be single-quoted */
	bool block;        /* may be a literal block */
	bool invalid_utf8; /* not UTF-8: only double quotes will do */
};

/* Fills *si for the n bytes at p. */
void yaml_analyze_scalar(struct yaml_scalar_info *si, const char *p, size_t n);

/*
 * True when go-yaml v2 would read the plain text back as something other
 * than a string: YAML 1.1 bools and nulls (yes, off, ~), numbers as Go's
 * strconv reads them (0x1F, 0o17, 1_000, 1e3), base-60 numbers (1:20)
 * and timestamps (2001-12-14).
 */
bool yaml_v2_typed(const char *p, size_t n);

/* Where the next line break at or after i starts, or n. */
size_t yaml_next_break(const char *p, size_t n, size_t i);

/* The escape go-yaml writes for c in double quotes ("\\n"), or NULL when
 * it writes a numeric one. */
const char *yaml_escape_char(int32_t c);

/*
 * The code point at p[i] and its width in *w; -1 (width 1) for a byte
 * that does not start well-formed UTF-8 (no overlongs or surrogates).
 */
static inline int32_t
yaml_utf8_decode(const char *p, size_t n, size_t i, size_t *w)
{
	const unsigned char *s = (const unsigned char *)p + i;
	size_t avail = n - i, len;
	int32_t c = s[0], min;

	*w = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2;
		c &= 0x1F;
		min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3;
		c &= 0x0F;
		min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4;
		c &= 0x07;
		min = 0x10000;
	} else {
		return -1;
	}
	if (avail < len)
		return -1;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xC0) != 0x80)
			return -1;
		c = (c << 6) | (s[k] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return -1;
	*w = len;
	return c;
}

static inline bool
yaml_is_break(int32_t c)
{
	return c == '\n' || c == '\r' || c == 0x85 || c == 0x2028 ||
	    c == 0x2029;
}

/* go-yaml's is_printable(): what it writes as is in double quotes. */
static inline bool
yaml_is_printable(int32_t c)
{
	return c == 0x0A || (c >= 0x20 && c <= 0x7E) ||
	    (c >= 0xA0 && c <= 0xD7FF) ||
	    (c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF);
}

#endif /* FLINT_DOC_YAML_INT_H */
