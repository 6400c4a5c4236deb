/*
 * JSON parser (RFC 8259) straight into the doc model.
 *
 * One pass over a private copy of the input and no recursion: open
 * containers sit on a frame stack bounded by max_depth, their children on
 * two scratch stacks (sequence items, map pairs) that are copied into
 * exactly sized arena arrays when the container closes. The copy lives in
 * the doc's arena and ends in NUL padding. Strings are unescaped in place
 * in it, so most cost no allocation, and the scanners may read a word
 * ahead without bounds checks: a NUL byte is never valid JSON outside a
 * string escape, so meeting one means the end of input or an error.
 *
 * Where RFC 8259 leaves room we do what Go's encoding/json does, since
 * Kubernetes and Flux decode with it: each byte of invalid UTF-8 in a
 * string becomes U+FFFD, and so does a lone or mismatched surrogate
 * escape; a duplicate key takes the last value (and keeps the first
 * position); no byte order mark, comments or trailing commas. Messages
 * use Go's wording after "line L, column C" (the column counts bytes).
 */
#include "doc/doc.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "doc/doc_int.h"
#include "doc/json_int.h"

#define JP_PAD         32 /* NUL bytes after the copy; scanners read 8 */
#define JP_CHUNK_FIRST ((size_t)4 << 10)
#define JP_CHUNK_MAX   ((size_t)256 << 10)
#define JP_SMALL_MAP   16 /* maps up to this size dedupe by scanning */

struct frame {
	struct doc_node *node; /* the open container */
	size_t start;          /* its first child on the scratch stack */
	bool is_map;           /* node->kind, without a trip to the node */
};

/* A map key and where its pair sat, for sorting out duplicates. */
struct keyref {
	const struct doc_node *key;
	size_t idx;
};

struct jp {
	const char *src;     /* the caller's text, for error positions */
	unsigned char *base; /* the padded copy, unescaped in place */
	unsigned char *end;  /* base + len: the first padding NUL */
	const unsigned char *line_start;
	uint32_t line;
	unsigned char *cur, *lim; /* chunk that nodes and arrays come from */
	size_t chunk;
	struct arena *arena;
	struct frame *frames;
	unsigned depth, frames_cap, max_depth;
	struct doc_node **items;
	size_t nitems, items_cap;
	struct doc_pair *pairs;
	size_t npairs, pairs_cap;
	size_t nodes, max_nodes;
	struct doc_node *root;
	struct err *err;
};

static const char *const lit_true = "true";
static const char *const lit_false = "false";
static const char *const lit_null = "null";

/* ---- errors ------------------------------------------------------------ */

static unsigned char *fail_at(struct jp *jp, const unsigned char *at,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Sets ERR_INVALID at byte at, counting lines in the caller's text (the
 * copy's escapes may already be rewritten); returns NULL for the parse
 * functions to pass on. */
static unsigned char *
fail_at(struct jp *jp, const unsigned char *at, const char *fmt, ...)
{
	const char *pos = jp->src + (at - jp->base), *ls = jp->src, *nl;
	size_t line = 1;
	char msg[256];
	va_list ap;

	while ((nl = memchr(ls, '\n', (size_t)(pos - ls))) != NULL) {
		line++;
		ls = nl + 1;
	}
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(jp->err, ERR_INVALID, "line %zu, column %zu: %s", line,
	    (size_t)(pos - ls) + 1, msg);
	return NULL;
}

/* "invalid character 'x' <context>", or the end of input. */
static unsigned char *
fail_char(struct jp *jp, const unsigned char *at, const char *context)
{
	if (at >= jp->end)
		return fail_at(jp, jp->end, "unexpected end of JSON input");
	if (*at >= 0x20 && *at < 0x7F)
		return fail_at(jp, at, "invalid character '%c' %s", *at,
		    context);
	return fail_at(jp, at, "invalid character 0x%02x %s", *at, context);
}

/* ---- memory ------------------------------------------------------------ */

static void *
chunk_refill(struct jp *jp, size_t size)
{
	void *p;

	if (size > jp->chunk / 4)
		return arena_alloc(jp->arena, size);
	jp->cur = arena_alloc(jp->arena, jp->chunk);
	jp->lim = jp->cur + jp->chunk;
	if (jp->chunk < JP_CHUNK_MAX)
		jp->chunk *= 2;
	p = jp->cur;
	jp->cur += size;
	return p;
}

/* Bump allocation inside an arena chunk: arena_alloc() per node would
 * cost a call each. size must keep 8-byte alignment. */
static inline void *
chunk_alloc(struct jp *jp, size_t size)
{
	void *p;

	if ((size_t)(jp->lim - jp->cur) < size)
		return chunk_refill(jp, size);
	p = jp->cur;
	jp->cur += size;
	return p;
}

static inline size_t
round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static inline struct doc_node *
node_new(struct jp *jp, enum doc_kind kind, const unsigned char *at)
{
	struct doc_node *n;

	if (jp->nodes++ == jp->max_nodes) {
		err_set(jp->err, ERR_LIMIT, "JSON text has more than %zu nodes",
		    jp->max_nodes);
		return NULL;
	}
	n = chunk_alloc(jp, sizeof(*n));
	*n = (struct doc_node){
		.kind = (uint8_t)kind,
		.line = jp->line,
		.col = (uint32_t)(at - jp->line_start) + 1,
	};
	return n;
}

static void
push_item(struct jp *jp, struct doc_node *item)
{
	if (jp->nitems == jp->items_cap) {
		jp->items_cap *= 2;
		jp->items = xreallocarray(jp->items, jp->items_cap,
		    sizeof(struct doc_node *));
	}
	jp->items[jp->nitems++] = item;
}

static void
push_pair(struct jp *jp, struct doc_node *key)
{
	if (jp->npairs == jp->pairs_cap) {
		jp->pairs_cap *= 2;
		jp->pairs = xreallocarray(jp->pairs, jp->pairs_cap,
		    sizeof(*jp->pairs));
	}
	jp->pairs[jp->npairs].key = key;
	jp->pairs[jp->npairs++].value = NULL;
}

/* ---- scanning ---------------------------------------------------------- */

/*
 * The high bit set in each byte of v (first byte lowest) that a string
 * scan must stop at: '"', '\\', a control byte or a non-ASCII byte.
 * Borrows can only flag bytes after a real hit, so the lowest flag is
 * exact.
 */
static inline uint64_t
special_mask(uint64_t v)
{
	return json_zero_bytes(v ^ (JSON_ONES * '"')) |
	    json_zero_bytes(v ^ (JSON_ONES * '\\')) |
	    ((v - JSON_ONES * 0x20) & JSON_HIGHS) | (v & JSON_HIGHS);
}

/* The first byte at or after p a string scan stops at. */
static inline unsigned char *
scan_plain(unsigned char *p)
{
	uint64_t m;

	while ((m = special_mask(json_load64(p))) == 0)
		p += 8;
	return p + (__builtin_ctzll(m) >> 3);
}

/*
 * Moves the plain bytes at *pp to *wp (at or below *pp, or in another
 * buffer) up to the next byte a scan stops at, advancing both. A whole
 * word is stored only when all of it is plain, so a store never reaches
 * input not yet read; the tail goes byte by byte. Short runs between
 * escapes are the norm here, too short to pay for a memmove() call.
 */
static inline void
copy_plain(unsigned char **pp, unsigned char **wp)
{
	unsigned char *p = *pp, *w = *wp;
	uint64_t v, m;

	for (;;) {
		memcpy(&v, p, sizeof(v));
		if ((m = special_mask(json_load64(p))) != 0)
			break;
		memcpy(w, &v, sizeof(v));
		p += 8;
		w += 8;
	}
	for (size_t i = 0, k = __builtin_ctzll(m) >> 3; i < k; i++)
		*w++ = *p++;
	*pp = p;
	*wp = w;
}

/* Skips a run of spaces, the indentation of pretty-printed JSON. */
static inline unsigned char *
skip_spaces(unsigned char *p)
{
	for (;;) {
		uint64_t m = json_load64(p) ^ (JSON_ONES * ' ');

		if (m != 0)
			return p + (__builtin_ctzll(m) >> 3);
		p += 8;
	}
}

static unsigned char *
skip_ws_slow(struct jp *jp, unsigned char *p)
{
	for (;;) {
		if (*p == ' ' || *p == '\t' || *p == '\r') {
			p++;
		} else if (*p == '\n') {
			jp->line++;
			jp->line_start = ++p;
			p = skip_spaces(p);
		} else {
			return p;
		}
	}
}

static inline unsigned char *
skip_ws(struct jp *jp, unsigned char *p)
{
	return *p > ' ' ? p : skip_ws_slow(jp, p);
}

static inline bool
is_digit(unsigned char c)
{
	return (unsigned)(c - '0') < 10;
}

/* ---- strings ----------------------------------------------------------- */

static int
hex_val(unsigned char c)
{
	if (is_digit(c))
		return c - '0';
	c |= 0x20;
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* The code unit of four hex digits at p, or -1. */
static int32_t
hex4(const unsigned char *p)
{
	int32_t v = 0;

	for (int i = 0; i < 4; i++) {
		int d = hex_val(p[i]);

		if (d < 0)
			return -1;
		v = v << 4 | d;
	}
	return v;
}

static unsigned char *
put_utf8(unsigned char *w, int32_t cp)
{
	if (cp < 0x80) {
		*w++ = (unsigned char)cp;
	} else if (cp < 0x800) {
		*w++ = (unsigned char)(0xC0 | cp >> 6);
		*w++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else if (cp < 0x10000) {
		*w++ = (unsigned char)(0xE0 | cp >> 12);
		*w++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		*w++ = (unsigned char)(0x80 | (cp & 0x3F));
	} else {
		*w++ = (unsigned char)(0xF0 | cp >> 18);
		*w++ = (unsigned char)(0x80 | (cp >> 12 & 0x3F));
		*w++ = (unsigned char)(0x80 | (cp >> 6 & 0x3F));
		*w++ = (unsigned char)(0x80 | (cp & 0x3F));
	}
	return w;
}

/* \uXXXX at p (the backslash), joined with a low surrogate escape that
 * follows a high one; what cannot pair becomes U+FFFD, as in Go. */
static unsigned char *
unescape_u(struct jp *jp, unsigned char *p, unsigned char **w)
{
	int32_t cp = hex4(p + 2), lo;

	if (cp < 0) {
		for (p += 2; hex_val(*p) >= 0; p++)
			;
		return fail_char(jp, p, "in \\u hexadecimal character escape");
	}
	p += 6;
	if (cp >= 0xD800 && cp < 0xE000) {
		if (cp < 0xDC00 && p[0] == '\\' && p[1] == 'u' &&
		    (lo = hex4(p + 2)) >= 0xDC00 && lo < 0xE000) {
			cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
			p += 6;
		} else {
			cp = 0xFFFD;
		}
	}
	*w = put_utf8(*w, cp);
	return p;
}

/* What the one-letter escapes stand for; 0 for the rest. */
static const unsigned char simple_escape[256] = {
	['"'] = '"',
	['\\'] = '\\',
	['/'] = '/',
	['b'] = '\b',
	['f'] = '\f',
	['n'] = '\n',
	['r'] = '\r',
	['t'] = '\t',
};

/*
 * Moves a string being decoded out of place, for when invalid UTF-8
 * (one byte in, three out) breaks the rule that output never outruns
 * input. Sized for the worst case up to the closing quote (or the error
 * that stops the decode). Returns the new write position.
 */
static unsigned char *
relocate(struct jp *jp, unsigned char **s, unsigned char *w,
    const unsigned char *p)
{
	const unsigned char *q = p;
	size_t done = (size_t)(w - *s);
	unsigned char *nb;

	for (;;) {
		if (*q == '\\' && q[1] >= 0x20)
			q += 2;
		else if (*q == '"' || *q < 0x20)
			break;
		else
			q++;
	}
	nb = chunk_alloc(jp, round8(done + 3 * (size_t)(q - p) + 1));
	memcpy(nb, *s, done);
	*s = nb;
	return nb + done;
}

/* Decodes the escape at p (the backslash) onto *w; the output is never
 * longer than the escape, so this works in place. */
static inline unsigned char *
unescape(struct jp *jp, unsigned char *p, unsigned char **w)
{
	if (simple_escape[p[1]] != 0) {
		*(*w)++ = simple_escape[p[1]];
		return p + 2;
	}
	if (p[1] == 'u')
		return unescape_u(jp, p, w);
	return fail_char(jp, p + 1, "in string escape code");
}

/*
 * Copies the valid UTF-8 sequence at p onto *w, or writes U+FFFD for its
 * first byte when there is none, as Go does. The first U+FFFD moves the
 * string out of place, since it outruns its input.
 */
static unsigned char *
copy_utf8(struct jp *jp, unsigned char *p, unsigned char **w, unsigned char **s,
    bool *moved)
{
	size_t k = json_utf8_len(p, (size_t)(jp->end - p));

	if (k != 0) {
		while (k-- > 0)
			*(*w)++ = *p++;
		return p;
	}
	if (!*moved)
		*w = relocate(jp, s, *w, p);
	*moved = true;
	memcpy(*w, "\xEF\xBF\xBD", 3);
	*w += 3;
	return p + 1;
}

/* The general string decoder, from p (the first byte the fast scan
 * could not take) to the closing quote. */
static unsigned char *
parse_string_slow(struct jp *jp, unsigned char *s, unsigned char *p,
    struct doc_node *n)
{
	unsigned char *w = p;
	bool moved = false;

	for (;;) {
		copy_plain(&p, &w);
		if (*p == '"')
			break;
		if (*p == '\\')
			p = unescape(jp, p, &w);
		else if (*p < 0x20)
			p = fail_char(jp, p, "in string literal");
		else
			p = copy_utf8(jp, p, &w, &s, &moved);
		if (p == NULL)
			return NULL;
	}
	*w = '\0';
	n->u.str.ptr = (const char *)s;
	n->u.str.len = (size_t)(w - s);
	return p + 1;
}

/* The string whose opening quote is at p, into n. The fast path takes
 * plain ASCII and valid UTF-8 and only writes the terminating NUL. */
static inline unsigned char *
parse_string(struct jp *jp, unsigned char *p, struct doc_node *n)
{
	unsigned char *s = ++p;
	size_t k;

	for (;;) {
		p = scan_plain(p);
		if (*p == '"')
			break;
		if (*p < 0x80 ||
		    (k = json_utf8_len(p, (size_t)(jp->end - p))) == 0)
			return parse_string_slow(jp, s, p, n);
		p += k;
	}
	*p = '\0';
	n->u.str.ptr = (const char *)s;
	n->u.str.len = (size_t)(p - s);
	return p + 1;
}

/* ---- other scalars ----------------------------------------------------- */

static unsigned char *
skip_digits(unsigned char *p)
{
	while (is_digit(*p))
		p++;
	return p;
}

/* A number, checked against RFC 8259's grammar and kept as text: an
 * integer is DOC_INT, anything with a fraction or exponent DOC_FLOAT. */
static unsigned char *
parse_number(struct jp *jp, unsigned char *p, struct doc_node **out)
{
	unsigned char *s = p;
	enum doc_kind kind = DOC_INT;
	struct doc_node *n;
	char *text;

	p += *p == '-';
	if (*p == '0')
		p++;
	else if (is_digit(*p))
		p = skip_digits(p + 1);
	else
		return fail_char(jp, p, "in numeric literal");
	if (*p == '.') {
		kind = DOC_FLOAT;
		if (!is_digit(*++p))
			return fail_char(jp, p,
			    "after decimal point in numeric literal");
		p = skip_digits(p);
	}
	if ((*p | 0x20) == 'e') {
		kind = DOC_FLOAT;
		p++;
		p += *p == '+' || *p == '-';
		if (!is_digit(*p))
			return fail_char(jp, p,
			    "in exponent of numeric literal");
		p = skip_digits(p);
	}
	if ((n = node_new(jp, kind, s)) == NULL)
		return NULL;
	text = chunk_alloc(jp, round8((size_t)(p - s) + 1));
	memcpy(text, s, (size_t)(p - s));
	text[p - s] = '\0';
	n->u.str.ptr = text;
	n->u.str.len = (size_t)(p - s);
	*out = n;
	return p;
}

/* true, false or null; the text is a static string, never freed. */
static unsigned char *
parse_literal(struct jp *jp, unsigned char *p, const char *lit,
    enum doc_kind kind, struct doc_node **out)
{
	size_t len = strlen(lit);
	struct doc_node *n;
	char context[64];

	if (memcmp(p, lit, len) != 0) {
		size_t i = 1;

		while (p[i] == (unsigned char)lit[i])
			i++;
		(void)snprintf(context, sizeof(context),
		    "in literal %s (expecting '%c')", lit, lit[i]);
		return fail_char(jp, p + i, context);
	}
	if ((n = node_new(jp, kind, p)) == NULL)
		return NULL;
	n->u.str.ptr = lit;
	n->u.str.len = len;
	*out = n;
	return p + len;
}

static unsigned char *
parse_scalar(struct jp *jp, unsigned char *p, struct doc_node **out)
{
	switch (*p) {
	case '"':
		if ((*out = node_new(jp, DOC_STR, p)) == NULL)
			return NULL;
		return parse_string(jp, p, *out);
	case 't':
		return parse_literal(jp, p, lit_true, DOC_BOOL, out);
	case 'f':
		return parse_literal(jp, p, lit_false, DOC_BOOL, out);
	case 'n':
		return parse_literal(jp, p, lit_null, DOC_NULL, out);
	default:
		if (*p == '-' || is_digit(*p))
			return parse_number(jp, p, out);
		return fail_char(jp, p, "looking for beginning of value");
	}
}

/* ---- containers -------------------------------------------------------- */

static int
keyref_cmp(const void *a, const void *b)
{
	const struct keyref *x = a, *y = b;
	size_t xl = x->key->u.str.len, yl = y->key->u.str.len;
	int c = memcmp(x->key->u.str.ptr, y->key->u.str.ptr, xl < yl ? xl : yl);

	if (c != 0)
		return c;
	if (xl != yl)
		return xl < yl ? -1 : 1;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Keys are short and mostly differ early: a loop beats a memcmp() call. */
static inline bool
key_eq(const struct doc_node *a, const struct doc_node *b)
{
	size_t n = a->u.str.len;

	if (n != b->u.str.len)
		return false;
	for (size_t i = 0; i < n; i++)
		if (a->u.str.ptr[i] != b->u.str.ptr[i])
			return false;
	return true;
}

/* Large maps find duplicates by sorting, O(k log k) whatever the keys,
 * so hostile input cannot make this quadratic. A dropped pair is marked
 * by a NULL key until the caller compacts. */
static void
mark_dups_large(struct doc_pair *pairs, size_t k)
{
	struct keyref *refs = xreallocarray(NULL, k, sizeof(*refs));
	size_t a = 0;

	for (size_t i = 0; i < k; i++)
		refs[i] = (struct keyref){ pairs[i].key, i };
	qsort(refs, k, sizeof(*refs), keyref_cmp);
	while (a < k) {
		size_t b = a + 1;

		while (b < k && key_eq(refs[a].key, refs[b].key))
			pairs[refs[b++].idx].key = NULL;
		if (b - a > 1)
			pairs[refs[a].idx].value = pairs[refs[b - 1].idx].value;
		a = b;
	}
	free(refs);
}

/* Drops duplicate keys in place; the first position keeps the last
 * value, as a Go map would. Returns the new count. */
static size_t
dedupe(struct doc_pair *pairs, size_t k)
{
	size_t out = 0;

	if (k > JP_SMALL_MAP) {
		mark_dups_large(pairs, k);
		for (size_t i = 0; i < k; i++)
			if (pairs[i].key != NULL)
				pairs[out++] = pairs[i];
		return out;
	}
	for (size_t i = 0; i < k; i++) {
		size_t j = 0;

		while (j < out && !key_eq(pairs[j].key, pairs[i].key))
			j++;
		if (j < out)
			pairs[j].value = pairs[i].value;
		else
			pairs[out++] = pairs[i];
	}
	return out;
}

/* A copy of n bytes (a multiple of 8) in chunk memory. Most child
 * arrays are a few words, where a memcpy() call costs more than the
 * copy itself. */
static void *
chunk_dup(struct jp *jp, const void *src, size_t n)
{
	unsigned char *dst = chunk_alloc(jp, n);
	const unsigned char *s = src;

	if (n > 64) {
		memcpy(dst, s, n);
		return dst;
	}
	for (size_t i = 0; i < n; i += 8)
		memcpy(dst + i, s + i, 8);
	return dst;
}

/* Pops the innermost container and gives it its children. */
static struct doc_node *
close_container(struct jp *jp)
{
	struct frame *f = &jp->frames[--jp->depth];
	struct doc_node *n = f->node;
	size_t k;

	if (!f->is_map) {
		k = jp->nitems - f->start;
		n->u.seq.n = n->u.seq.cap = k;
		if (k != 0)
			n->u.seq.items = chunk_dup(jp, jp->items + f->start,
			    k * sizeof(struct doc_node *));
		jp->nitems = f->start;
		return n;
	}
	k = dedupe(jp->pairs + f->start, jp->npairs - f->start);
	n->u.map.n = n->u.map.cap = k;
	if (k != 0)
		n->u.map.items = chunk_dup(jp, jp->pairs + f->start,
		    k * sizeof(*jp->pairs));
	jp->npairs = f->start;
	return n;
}

/* `"key" :` at p; pushes the pair its value will fill and returns the
 * value's first byte. */
static unsigned char *
parse_key(struct jp *jp, unsigned char *p)
{
	struct doc_node *k;

	if (*p != '"')
		return fail_char(jp, p,
		    "looking for beginning of object key string");
	if ((k = node_new(jp, DOC_STR, p)) == NULL ||
	    (p = parse_string(jp, p, k)) == NULL)
		return NULL;
	p = skip_ws(jp, p);
	if (*p != ':')
		return fail_char(jp, p, "after object key");
	push_pair(jp, k);
	return skip_ws(jp, p + 1);
}

/*
 * Opens the container at p. An empty one is closed at once and returned
 * in *done; otherwise *done is NULL and the result is the first child
 * value (for a map, after its key).
 */
static unsigned char *
open_container(struct jp *jp, unsigned char *p, struct doc_node **done)
{
	enum doc_kind kind = *p == '{' ? DOC_MAP : DOC_SEQ;
	struct doc_node *n;

	if (jp->depth == jp->max_depth) {
		err_set(jp->err, ERR_LIMIT, "JSON nesting deeper than %u",
		    jp->max_depth);
		return NULL;
	}
	if ((n = node_new(jp, kind, p)) == NULL)
		return NULL;
	if (jp->depth == jp->frames_cap) {
		jp->frames_cap *= 2;
		jp->frames = xreallocarray(jp->frames, jp->frames_cap,
		    sizeof(*jp->frames));
	}
	jp->frames[jp->depth++] = (struct frame){
		.node = n,
		.start = kind == DOC_MAP ? jp->npairs : jp->nitems,
		.is_map = kind == DOC_MAP,
	};
	p = skip_ws(jp, p + 1);
	*done = NULL;
	if (*p == (kind == DOC_MAP ? '}' : ']')) {
		*done = close_container(jp);
		return p + 1;
	}
	return kind == DOC_MAP ? parse_key(jp, p) : p;
}

/*
 * Adds the finished value v to the innermost open container, then closes
 * every container whose end follows. Returns the ',' that continues the
 * innermost one still open, or, when none is (the root is done), the
 * byte after the root.
 */
static unsigned char *
end_value(struct jp *jp, unsigned char *p, struct doc_node *v)
{
	for (;;) {
		bool is_map;

		if (jp->depth == 0) {
			jp->root = v;
			return p;
		}
		is_map = jp->frames[jp->depth - 1].is_map;
		if (is_map)
			jp->pairs[jp->npairs - 1].value = v;
		else
			push_item(jp, v);
		p = skip_ws(jp, p);
		if (*p == ',')
			return p;
		if (is_map && *p != '}')
			return fail_char(jp, p, "after object key:value pair");
		if (!is_map && *p != ']')
			return fail_char(jp, p, "after array element");
		v = close_container(jp);
		p++;
	}
}

/* The parse loop proper: one value per turn, in document order. */
static unsigned char *
parse_tree(struct jp *jp, unsigned char *p)
{
	struct doc_node *v;

	for (;;) {
		if (*p == '{' || *p == '[') {
			if ((p = open_container(jp, p, &v)) == NULL)
				return NULL;
			if (v == NULL)
				continue;
		} else if ((p = parse_scalar(jp, p, &v)) == NULL) {
			return NULL;
		}
		if ((p = end_value(jp, p, v)) == NULL || jp->depth == 0)
			return p;
		p = skip_ws(jp, p + 1);
		if (jp->frames[jp->depth - 1].is_map &&
		    (p = parse_key(jp, p)) == NULL)
			return NULL;
	}
}

/* ---- entry point ------------------------------------------------------- */

static void
jp_init(struct jp *jp, struct arena *a, const char *text, size_t len,
    const struct doc_limits *lim, struct err *err)
{
	*jp = (struct jp){
		.src = text != NULL ? text : "", /* an empty body may be NULL */
		.arena = a,
		.chunk = JP_CHUNK_FIRST,
		.line = 1,
		.max_depth = lim->max_depth,
		.max_nodes = lim->max_nodes,
		.err = err,
		.frames_cap = 16,
		.items_cap = 64,
		.pairs_cap = 64,
	};
	jp->base = arena_alloc(a, len + JP_PAD);
	if (len != 0)
		memcpy(jp->base, text, len);
	memset(jp->base + len, 0, JP_PAD);
	jp->end = jp->base + len;
	jp->line_start = jp->base;
	jp->frames = xreallocarray(NULL, jp->frames_cap, sizeof(*jp->frames));
	jp->items = xreallocarray(NULL, jp->items_cap,
	    sizeof(struct doc_node *));
	jp->pairs = xreallocarray(NULL, jp->pairs_cap, sizeof(*jp->pairs));
}

static void
jp_release(struct jp *jp)
{
	free(jp->frames);
	free(jp->items);
	free(jp->pairs);
}

int
doc_parse_json(struct doc **out, const char *text, size_t len,
    const struct doc_limits *lim, struct err *err)
{
	struct doc_limits l = doc_limits_resolve(lim);
	struct doc *d;
	struct jp jp;
	unsigned char *p;

	if (len > l.max_bytes)
		return err_set(err, ERR_LIMIT,
		    "JSON text of %zu bytes is over the limit of %zu", len,
		    l.max_bytes);
	d = doc_new();
	jp_init(&jp, doc_arena(d), text, len, &l, err);
	p = parse_tree(&jp, skip_ws(&jp, jp.base));
	if (p != NULL && (p = skip_ws(&jp, p)) != jp.end)
		p = fail_char(&jp, p, "after top-level value");
	jp_release(&jp);
	if (p == NULL) {
		doc_free(d);
		return -1;
	}
	doc_add_root(d, jp.root);
	*out = d;
	return 0;
}
