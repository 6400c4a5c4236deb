/*
 * JSON emitter: compact, or indented as Go's json.MarshalIndent(v, "",
 * "  ") lays it out.
 *
 * Strings are escaped as Go's encoding/json does by default, which is
 * also what kubectl -o json prints: <, > and & as \u003c, \u003e and
 * \u0026 (so output can sit inside HTML), U+2028 and U+2029 escaped,
 * each invalid UTF-8 byte as \ufffd, \b \f \n \r \t short and other
 * control bytes as \u00XX. Numbers print from their text when it is JSON
 * already, so "1.0" and 12345678901234567890 survive; YAML spellings
 * (0x1F, +1, .5) print as Go would print the value, and infinities and
 * NaN are ERR_INVALID. Map keys keep the document's order. The walk is
 * iterative, so depth costs heap, not stack.
 */
#include "doc/doc.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "doc/json_int.h"

struct frame {
	const struct doc_node *node; /* an open, non-empty collection */
	size_t i;                    /* the next child to emit */
};

struct je {
	struct buf *b;
	bool indent;
	struct frame *stack;
	size_t depth, cap;
	struct err *err;
};

/* Bytes a string cannot copy as they are: 1 needs an escape, 2 is the
 * start of a multi-byte sequence to check. */
static const unsigned char byte_class[256] = {
	[0x00 ... 0x1F] = 1,
	['"'] = 1,
	['\\'] = 1,
	['<'] = 1,
	['>'] = 1,
	['&'] = 1,
	[0x80 ... 0xFF] = 2,
};

/* ---- strings ----------------------------------------------------------- */

static void
put_escape(struct buf *b, unsigned char c)
{
	static const char hex[] = "0123456789abcdef";
	char u[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF] };

	switch (c) {
	case '"':
	case '\\':
		buf_append_fast(b, c == '"' ? "\\\"" : "\\\\", 2);
		break;
	case '\b':
		buf_append_fast(b, "\\b", 2);
		break;
	case '\f':
		buf_append_fast(b, "\\f", 2);
		break;
	case '\n':
		buf_append_fast(b, "\\n", 2);
		break;
	case '\r':
		buf_append_fast(b, "\\r", 2);
		break;
	case '\t':
		buf_append_fast(b, "\\t", 2);
		break;
	default:
		buf_append_fast(b, u, sizeof(u));
		break;
	}
}

/* U+2028 and U+2029, which JavaScript reads as line ends. */
static bool
is_line_sep(const unsigned char *p, size_t k)
{
	return k == 3 && p[0] == 0xE2 && p[1] == 0x80 && (p[2] & 0xFE) == 0xA8;
}

/* The high bit of each byte of v (first byte lowest) that is not plain:
 * anything byte_class marks. Exact for the lowest. */
static inline uint64_t
special_mask(uint64_t v)
{
	return json_zero_bytes(v ^ (JSON_ONES * '"')) |
	    json_zero_bytes(v ^ (JSON_ONES * '\\')) |
	    json_zero_bytes(v ^ (JSON_ONES * '<')) |
	    json_zero_bytes(v ^ (JSON_ONES * '>')) |
	    json_zero_bytes(v ^ (JSON_ONES * '&')) |
	    ((v - JSON_ONES * 0x20) & JSON_HIGHS) | (v & JSON_HIGHS);
}

/* The first byte at or after p, before end, that is not plain. */
static inline const unsigned char *
scan_plain(const unsigned char *p, const unsigned char *end)
{
	uint64_t m;

	for (; end - p >= 8; p += 8)
		if ((m = special_mask(json_load64(p))) != 0)
			return p + (__builtin_ctzll(m) >> 3);
	while (p < end && byte_class[*p] == 0)
		p++;
	return p;
}

/* Copies runs of plain bytes whole; stops only where Go would escape. */
static void
put_string(struct buf *b, const char *str, size_t len)
{
	const unsigned char *p = (const unsigned char *)str, *end = p + len;
	const unsigned char *run = p;

	buf_append_fast(b, "\"", 1);
	while ((p = scan_plain(p, end)) < end) {
		unsigned char cls = byte_class[*p];
		size_t k = 1;

		if (cls == 2 &&
		    (k = json_utf8_len(p, (size_t)(end - p))) != 0 &&
		    !is_line_sep(p, k)) {
			p += k;
			continue;
		}
		buf_append_fast(b, run, (size_t)(p - run));
		if (cls == 1)
			put_escape(b, *p);
		else if (k != 0)
			buf_append_fast(b, p[2] == 0xA8 ? "\\u2028" : "\\u2029",
			    6);
		else
			buf_append_fast(b, "\\ufffd", 6);
		p += k == 0 ? 1 : k;
		run = p;
	}
	buf_append_fast(b, run, (size_t)(p - run));
	buf_append_fast(b, "\"", 1);
}

/* ---- numbers and other scalars ----------------------------------------- */

static size_t
digits_len(const char *p, const char *end)
{
	const char *s = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return (size_t)(p - s);
}

/* True when the text is a number by RFC 8259's grammar. */
static bool
is_json_number(const char *p, size_t len)
{
	const char *end = p + len;
	size_t n;

	if (p < end && *p == '-')
		p++;
	if ((n = digits_len(p, end)) == 0 || (n > 1 && *p == '0'))
		return false;
	p += n;
	if (p < end && *p == '.') {
		if ((n = digits_len(++p, end)) == 0)
			return false;
		p += n;
	}
	if (p < end && (*p == 'e' || *p == 'E')) {
		if (++p < end && (*p == '+' || *p == '-'))
			p++;
		if ((n = digits_len(p, end)) == 0)
			return false;
		p += n;
	}
	return p == end;
}

/* The shortest decimal digits that read back as v (no sign, no
 * trailing zeros) and the exponent of the first: v = d.ddd x 10^exp. */
static int
shortest_digits(char digits[static 18], int *exp, double v)
{
	char tmp[40], *e;
	int nd = 0;

	for (int prec = 1; prec <= 17; prec++) {
		(void)snprintf(tmp, sizeof(tmp), "%.*e", prec - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	e = strchr(tmp, 'e');
	*exp = (int)strtol(e + 1, NULL, 10);
	for (const char *p = tmp; p < e; p++)
		if (*p >= '0' && *p <= '9')
			digits[nd++] = *p;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	return nd;
}

/* d.ddde-7 or d.ddde+21: Go's 'e' format with its JSON clean-up (no
 * leading zero in a negative exponent). */
static int
exp_notation(char *out, size_t size, const char *digits, int nd, int exp)
{
	int o = snprintf(out, size, "%c%s%.*s", digits[0], nd > 1 ? "." : "",
	    nd - 1, digits + 1);

	if (exp < 0)
		return o + snprintf(out + o, size - (size_t)o, "e-%d", -exp);
	return o + snprintf(out + o, size - (size_t)o, "e+%02d", exp);
}

/* The digits with the point placed by exp, padded with zeros: 0.000123,
 * 1234.5, 120000. Only for -7 < exp < 21, which bounds the length. */
static int
plain_notation(char *out, const char *digits, int nd, int exp)
{
	int o = 0;

	if (exp < 0) {
		out[o++] = '0';
		out[o++] = '.';
		for (int i = 0; i < -exp - 1; i++)
			out[o++] = '0';
		memcpy(out + o, digits, (size_t)nd);
		return o + nd;
	}
	for (int i = 0; i <= exp || i < nd; i++) {
		if (i == exp + 1)
			out[o++] = '.';
		if (i < nd)
			out[o++] = digits[i];
		else
			out[o++] = '0';
	}
	return o;
}

/*
 * Finite v as Go's encoding/json prints a float64: shortest digits,
 * plain notation for 1e-6 <= |v| < 1e21, else exponent notation with
 * Go's spelling ("1e+21", "1.5e-7").
 */
size_t
doc_json_float(char *dst, double v)
{
	char digits[18];
	double mag = v < 0 ? -v : v;
	int exp, nd = shortest_digits(digits, &exp, v), o = 0;

	if (signbit(v))
		dst[o++] = '-';
	if (mag != 0 && (mag < 1e-6 || mag >= 1e21))
		o += exp_notation(dst + o, DOC_JSON_FLOAT_MAX - (size_t)o,
		    digits, nd, exp);
	else
		o += plain_notation(dst + o, digits, nd, exp);
	dst[o] = '\0';
	return (size_t)o;
}

static void
put_go_float(struct buf *b, double v)
{
	char out[DOC_JSON_FLOAT_MAX];

	buf_append_fast(b, out, doc_json_float(out, v));
}

static int
put_number(struct je *je, const struct doc_node *n)
{
	int64_t i;
	double f;

	if (is_json_number(n->u.str.ptr, n->u.str.len)) {
		buf_append_fast(je->b, n->u.str.ptr, n->u.str.len);
		return 0;
	}
	if (n->kind == DOC_INT) {
		if (doc_get_int(&i, n, je->err) == -1)
			return -1;
		buf_printf(je->b, "%" PRId64, i);
		return 0;
	}
	if (doc_get_float(&f, n, je->err) == -1)
		return -1;
	if (!isfinite(f))
		return err_set(je->err, ERR_INVALID,
		    "JSON has no form for float '%s'", n->u.str.ptr);
	put_go_float(je->b, f);
	return 0;
}

static int
put_scalar(struct je *je, const struct doc_node *n)
{
	bool v;

	switch (n->kind) {
	case DOC_NULL:
		buf_append_fast(je->b, "null", 4);
		return 0;
	case DOC_BOOL:
		if (doc_get_bool(&v, n, je->err) == -1)
			return -1;
		buf_append_fast(je->b, v ? "true" : "false", v ? 4 : 5);
		return 0;
	case DOC_INT:
	case DOC_FLOAT:
		return put_number(je, n);
	case DOC_STR:
		put_string(je->b, n->u.str.ptr, n->u.str.len);
		return 0;
	default:
		BUG("doc node of kind %d", n->kind);
	}
}

/* A key is a JSON string: other scalars (YAML allows 1: or true:) print
 * their JSON text in quotes, collections cannot be keys. */
static int
put_key(struct je *je, const struct doc_node *key)
{
	if (key->kind == DOC_STR) {
		put_string(je->b, key->u.str.ptr, key->u.str.len);
	} else if (doc_is_scalar(key)) {
		buf_putc(je->b, '"');
		if (put_scalar(je, key) == -1)
			return -1;
		buf_putc(je->b, '"');
	} else {
		return err_set(je->err, ERR_INVALID,
		    "JSON has no form for a map key that is a %s",
		    key->kind == DOC_MAP ? "map" : "sequence");
	}
	buf_append_fast(je->b, ": ", je->indent ? 2 : 1);
	return 0;
}

/* ---- the walk ---------------------------------------------------------- */

static void
put_newline(struct je *je, size_t depth)
{
	static const char spaces[] = "                                ";
	size_t n = depth * 2;

	if (!je->indent)
		return;
	buf_append_fast(je->b, "\n", 1);
	for (; n > sizeof(spaces) - 1; n -= sizeof(spaces) - 1)
		buf_append_fast(je->b, spaces, sizeof(spaces) - 1);
	buf_append_fast(je->b, spaces, n);
}

static size_t
child_count(const struct doc_node *n)
{
	return n->kind == DOC_MAP ? n->u.map.n : n->u.seq.n;
}

/* Emits a scalar or an empty collection whole; opens any other
 * collection and pushes it for the walk to fill. */
static int
put_value(struct je *je, const struct doc_node *n)
{
	if (n == NULL)
		BUG("NULL doc node");
	if (n->kind < DOC_SEQ) /* a scalar */
		return put_scalar(je, n);
	if (child_count(n) == 0) {
		buf_append_fast(je->b, n->kind == DOC_MAP ? "{}" : "[]", 2);
		return 0;
	}
	if (je->depth == je->cap) {
		je->cap = je->cap == 0 ? 16 : je->cap * 2;
		je->stack = xreallocarray(je->stack, je->cap,
		    sizeof(*je->stack));
	}
	je->stack[je->depth++] = (struct frame){ n, 0 };
	buf_append_fast(je->b, n->kind == DOC_MAP ? "{" : "[", 1);
	return 0;
}

static int
put_tree(struct je *je, const struct doc_node *root)
{
	if (put_value(je, root) == -1)
		return -1;
	while (je->depth > 0) {
		struct frame *f = &je->stack[je->depth - 1];
		const struct doc_node *n = f->node, *child;

		if (f->i == child_count(n)) {
			put_newline(je, --je->depth);
			buf_append_fast(je->b, n->kind == DOC_MAP ? "}" : "]",
			    1);
			continue;
		}
		if (f->i > 0)
			buf_append_fast(je->b, ",", 1);
		put_newline(je, je->depth);
		if (n->kind == DOC_MAP) {
			const struct doc_pair *pair = &n->u.map.items[f->i];

			/* the walk is memory-bound: ask for the next pair's
			 * nodes while this one prints */
			if (f->i + 1 < n->u.map.n) {
				__builtin_prefetch(pair[1].key);
				__builtin_prefetch(pair[1].value);
			}
			if (put_key(je, pair->key) == -1)
				return -1;
			child = pair->value;
		} else {
			child = n->u.seq.items[f->i];
		}
		f->i++;
		if (put_value(je, child) == -1)
			return -1;
	}
	return 0;
}

int
doc_emit_json(struct buf *out, const struct doc_node *node, unsigned flags,
    struct err *err)
{
	struct je je = {
		.b = out,
		.indent = (flags & DOC_JSON_INDENT) != 0,
		.err = err,
	};
	size_t start = out->len;
	int rv = put_tree(&je, node);

	free(je.stack);
	buf_terminate(out);
	if (rv == 0 && buf_check(out, err) == 0)
		return 0;
	out->len = start; /* no half document on failure */
	buf_terminate(out);
	return -1;
}
