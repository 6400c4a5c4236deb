/*
 * Sprig's string functions, each as Sprig (and the goutils and xstrings
 * helpers it calls) behaves: quote and squote skip nils, trunc and
 * substr count bytes, indent pads every line, title uppercases the first
 * letter of each word. Case changes are ASCII-only; other runes pass
 * through unchanged.
 */
#include "template/tmpl_int.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STR(c, k) ((c)->argv[k].u.s)
#define INT(c, k) ((c)->argv[k].u.i)

static struct tmpl_val
buf_value(struct call *c, struct buf *b)
{
	struct tmpl_val v = tmpl_str_dup(c->a, b->data, b->len);

	buf_release(b);
	return v;
}

static bool
is_ws(int ch)
{
	return ch == ' ' || ch == '\t' || ch == '\n' || ch == '\r' ||
	    ch == '\v' || ch == '\f';
}

/* ---- case ---------------------------------------------------------------- */

/* Latin Extended-A pairs: upper even, except two runs with upper odd. */
static uint32_t
latin_ext_case(uint32_t r, bool up)
{
	bool odd_upper = (r >= 0x139 && r <= 0x148) ||
	    (r >= 0x179 && r <= 0x17E);
	bool is_upper = odd_upper ? (r & 1) != 0 : (r & 1) == 0;

	if (r == 0x130 || r == 0x131 || r == 0x138 || r == 0x149 ||
	    r == 0x17F || up == is_upper)
		return r;
	return up ? r - 1 : r + 1;
}

/* A rune in [lo, lo + n) of one case maps to the other at offset. */
static uint32_t
shift_case(uint32_t r, bool up, uint32_t upper_lo, uint32_t lower_lo,
    uint32_t n)
{
	if (!up && r >= upper_lo && r < upper_lo + n)
		return r + (lower_lo - upper_lo);
	if (up && r >= lower_lo && r < lower_lo + n)
		return r - (lower_lo - upper_lo);
	return r;
}

/* Simple case mapping for the scripts charts use: ASCII, Latin-1,
 * Latin Extended-A, Greek and Cyrillic; other runes stay as they are. */
static uint32_t
rune_case(uint32_t r, bool up)
{
	if (r < 0x80)
		return up ? (uint32_t)ascii_toupper((int)r)
		          : (uint32_t)ascii_tolower((int)r);
	if (r >= 0xC0 && r <= 0xFE)
		return r == 0xD7 || r == 0xF7 || r == 0xDF || r == 0xFF
		    ? r
		    : shift_case(r, up, 0xC0, 0xE0, 0x1F);
	if (r >= 0x100 && r <= 0x17F)
		return latin_ext_case(r, up);
	if (r == 0x3A2 || r == 0x3C2)
		return r; /* no capital final sigma */
	if (r >= 0x391 && r <= 0x3C9)
		return shift_case(r, up, 0x391, 0x3B1, 0x19);
	if (r >= 0x400 && r <= 0x40F)
		return shift_case(r, up, 0x400, 0x450, 0x10);
	if (r >= 0x450 && r <= 0x45F)
		return shift_case(r, up, 0x400, 0x450, 0x10);
	return shift_case(r, up, 0x410, 0x430, 0x20);
}

/* The UTF-8 rune at s[i] (a bad byte stands for itself, width 1). */
static uint32_t
rune_at(const char *s, size_t n, size_t i, size_t *w)
{
	unsigned char c = (unsigned char)s[i];
	size_t len = c < 0x80       ? 1
	    : c >= 0xC2 && c < 0xE0 ? 2
	    : c >= 0xE0 && c < 0xF0 ? 3
	    : c >= 0xF0 && c < 0xF5 ? 4
	                            : 0;
	uint32_t r;

	*w = 1;
	if (len <= 1 || n - i < len)
		return c;
	r = c & (0xFF >> (len + 1));
	for (size_t k = 1; k < len; k++) {
		if (((unsigned char)s[i + k] & 0xC0) != 0x80)
			return c;
		r = (r << 6) | ((unsigned char)s[i + k] & 0x3F);
	}
	*w = len;
	return r;
}

static void
put_rune(struct buf *b, uint32_t r)
{
	if (r < 0x80) {
		buf_putc(b, (char)r);
	} else if (r < 0x800) {
		buf_putc(b, (char)(0xC0 | (r >> 6)));
		buf_putc(b, (char)(0x80 | (r & 0x3F)));
	} else if (r < 0x10000) {
		buf_putc(b, (char)(0xE0 | (r >> 12)));
		buf_putc(b, (char)(0x80 | ((r >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (r & 0x3F)));
	} else {
		buf_putc(b, (char)(0xF0 | (r >> 18)));
		buf_putc(b, (char)(0x80 | ((r >> 12) & 0x3F)));
		buf_putc(b, (char)(0x80 | ((r >> 6) & 0x3F)));
		buf_putc(b, (char)(0x80 | (r & 0x3F)));
	}
}

/* mode: 'u' upper, 'l' lower, 's' swap */
static int
map_case(struct tmpl_val *out, struct call *c, char mode)
{
	const char *s = STR(c, 0).p;
	size_t n = STR(c, 0).n, w;
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < n; i += w) {
		uint32_t r = rune_at(s, n, i, &w), m;

		if (w == 1 && (unsigned char)s[i] >= 0x80) {
			buf_putc(&b, s[i]);
			continue;
		}
		if (mode == 's') {
			m = rune_case(r, true);
			m = m != r ? m : rune_case(r, false);
		} else {
			m = rune_case(r, mode == 'u');
		}
		put_rune(&b, m);
	}
	*out = buf_value(c, &b);
	return 0;
}

static int
fn_upper(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return map_case(out, c, 'u');
}

static int
fn_lower(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return map_case(out, c, 'l');
}

static int
fn_swapcase(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return map_case(out, c, 's');
}

/* strings.Title: a letter after a non-letter starts a word. */
static int
fn_title(struct tmpl_val *out, struct call *c, struct err *err)
{
	char *p = arena_strndup(c->a, STR(c, 0).p, STR(c, 0).n);
	bool start = true;

	(void)err;
	for (size_t i = 0; i < STR(c, 0).n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (start && ch < 0x80)
			p[i] = (char)ascii_toupper(ch);
		start = !(
		    ascii_isalnum(ch) || ch == '_' || ch == '\'' || ch >= 0x80);
	}
	*out = tmpl_str(p, STR(c, 0).n);
	return 0;
}

/* goutils.Uncapitalize: a rune after whitespace starts a word. */
static int
fn_untitle(struct tmpl_val *out, struct call *c, struct err *err)
{
	char *p = arena_strndup(c->a, STR(c, 0).p, STR(c, 0).n);
	bool start = true;

	(void)err;
	for (size_t i = 0; i < STR(c, 0).n; i++) {
		unsigned char ch = (unsigned char)p[i];

		if (start && ch < 0x80)
			p[i] = (char)ascii_tolower(ch);
		start = is_ws(ch);
	}
	*out = tmpl_str(p, STR(c, 0).n);
	return 0;
}

static bool
is_connector(int ch)
{
	return ch == '-' || ch == '_' || is_ws(ch);
}

/* xstrings.ToPascalCase: connectors dropped, the next letter raised. */
static int
fn_camelcase(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;
	bool up = true;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < STR(c, 0).n; i++) {
		unsigned char ch = (unsigned char)STR(c, 0).p[i];
		bool conn = is_connector(ch);

		if (!conn)
			buf_putc(&b, (char)(up ? rune_case(ch, true) : ch));
		up = conn;
	}
	*out = buf_value(c, &b);
	return 0;
}

/* Whether s[i], an upper-case letter, starts a word: after a lower-case
 * letter or digit, or ending an acronym ("HTTPServer"). */
static bool
word_boundary(const char *s, size_t n, size_t i)
{
	unsigned char prev;

	if (i == 0 || !ascii_isupper((unsigned char)s[i]))
		return false;
	prev = (unsigned char)s[i - 1];
	if (ascii_islower(prev) || ascii_isdigit(prev))
		return true;
	return ascii_isupper(prev) && i + 1 < n &&
	    ascii_islower((unsigned char)s[i + 1]);
}

/* xstrings' snake and kebab case: words split at case changes and
 * connectors, lowered, joined by conn. */
static int
lower_words(struct tmpl_val *out, struct call *c, char conn)
{
	const char *s = STR(c, 0).p;
	size_t n = STR(c, 0).n;
	struct buf b;
	bool pending = false;

	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (is_connector(ch)) {
			pending = b.len > 0;
			continue;
		}
		if ((pending || word_boundary(s, n, i)) && b.len > 0)
			buf_putc(&b, conn);
		pending = false;
		buf_putc(&b, (char)(ch < 0x80 ? ascii_tolower(ch) : ch));
	}
	*out = buf_value(c, &b);
	return 0;
}

static int
fn_snakecase(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return lower_words(out, c, '_');
}

static int
fn_kebabcase(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return lower_words(out, c, '-');
}

/* ---- trimming and cutting ------------------------------------------------ */

static int
fn_trim(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *p = STR(c, 0).p;
	size_t n = STR(c, 0).n;

	(void)err;
	while (n > 0 && is_ws((unsigned char)p[0]))
		p++, n--;
	while (n > 0 && is_ws((unsigned char)p[n - 1]))
		n--;
	*out = tmpl_str(p, n);
	return 0;
}

/* strings.Trim(b, a): drop runes of the cutset a from both ends. */
static int
fn_trimall(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *cut = STR(c, 0).p, *p = STR(c, 1).p;
	size_t cn = STR(c, 0).n, n = STR(c, 1).n;

	(void)err;
	while (n > 0 && memchr(cut, p[0], cn) != NULL)
		p++, n--;
	while (n > 0 && memchr(cut, p[n - 1], cn) != NULL)
		n--;
	*out = tmpl_str(p, n);
	return 0;
}

static int
fn_trim_suffix(struct tmpl_val *out, struct call *c, struct err *err)
{
	size_t sn = STR(c, 0).n, n = STR(c, 1).n;

	(void)err;
	*out = c->argv[1];
	if (n >= sn && memcmp(STR(c, 1).p + n - sn, STR(c, 0).p, sn) == 0)
		out->u.s.n = n - sn;
	return 0;
}

static int
fn_trim_prefix(struct tmpl_val *out, struct call *c, struct err *err)
{
	size_t pn = STR(c, 0).n, n = STR(c, 1).n;

	(void)err;
	*out = c->argv[1];
	if (n >= pn && memcmp(STR(c, 1).p, STR(c, 0).p, pn) == 0) {
		out->u.s.p += pn;
		out->u.s.n = n - pn;
	}
	return 0;
}

static int
fn_trunc(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t k = INT(c, 0), n = (int64_t)STR(c, 1).n;

	(void)err;
	*out = c->argv[1];
	if (k < 0 && n + k > 0) {
		out->u.s.p += n + k;
		out->u.s.n = (size_t)-k;
	} else if (k >= 0 && n > k) {
		out->u.s.n = (size_t)k;
	}
	return 0;
}

static int
fn_substr(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t start = INT(c, 0), end = INT(c, 1), n = (int64_t)STR(c, 2).n;

	if (start < 0) {
		start = 0;
	} else if (end < 0 || end > n) {
		end = n;
	}
	if (start > n || end < start || end > n || end < 0)
		return err_set(err, ERR_INVALID,
		    "runtime error: slice bounds out of range [%lld:%lld]",
		    (long long)start, (long long)end);
	*out = tmpl_str(STR(c, 2).p + start, (size_t)(end - start));
	return 0;
}

static int
fn_repeat(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t k = INT(c, 0);
	size_t n = STR(c, 1).n;
	char *p;

	if (k < 0)
		return err_set(err, ERR_INVALID,
		    "strings: negative Repeat count");
	if (n > 0 && (uint64_t)k > ((size_t)64 << 20) / n)
		return err_set(err, ERR_LIMIT, "repeat result too large");
	p = arena_alloc(c->a, n * (size_t)k + 1);
	for (int64_t i = 0; i < k; i++)
		memcpy(p + (size_t)i * n, STR(c, 1).p, n);
	p[n * (size_t)k] = '\0';
	*out = tmpl_str(p, n * (size_t)k);
	return 0;
}

static int
fn_nospace(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < STR(c, 0).n; i++)
		if (!is_ws((unsigned char)STR(c, 0).p[i]))
			buf_putc(&b, STR(c, 0).p[i]);
	*out = buf_value(c, &b);
	return 0;
}

static int
fn_initials(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;
	bool gap = true;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < STR(c, 0).n; i++) {
		char ch = STR(c, 0).p[i];

		if (is_ws((unsigned char)ch)) {
			gap = true;
		} else if (gap) {
			buf_putc(&b, ch);
			gap = false;
		}
	}
	*out = buf_value(c, &b);
	return 0;
}

/* goutils.AbbreviateFull. */
static struct tmpl_val
abbreviate(struct arena *a, const char *s, size_t n, int64_t offset,
    int64_t width)
{
	struct buf b;
	struct tmpl_val v;
	int64_t len = (int64_t)n;

	if (n == 0 || width < 4 || len <= width)
		return tmpl_str(s, n);
	if (offset > len)
		offset = len;
	if (len - offset < width - 3)
		offset = len - (width - 3);
	buf_init(&b, BUF_MAX_DEFAULT);
	if (offset <= 4) {
		buf_append(&b, s, (size_t)(width - 3));
		buf_puts(&b, "...");
	} else if (width < 7) {
		buf_release(&b);
		return tmpl_str("", 0);
	} else if (offset + width - 3 < len) {
		v = abbreviate(a, s + offset, (size_t)(len - offset), 0,
		    width - 3);
		buf_puts(&b, "...");
		buf_append(&b, v.u.s.p, v.u.s.n);
	} else {
		buf_puts(&b, "...");
		buf_append(&b, s + len - (width - 3), (size_t)(width - 3));
	}
	v = tmpl_str_dup(a, b.data, b.len);
	buf_release(&b);
	return v;
}

static int
fn_abbrev(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = abbreviate(c->a, STR(c, 1).p, STR(c, 1).n, 0, INT(c, 0));
	return 0;
}

static int
fn_abbrevboth(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t left = INT(c, 0), right = INT(c, 1);

	(void)err;
	if (right < 4 || (left > 0 && right < 7))
		*out = c->argv[2];
	else
		*out = abbreviate(c->a, STR(c, 2).p, STR(c, 2).n, left, right);
	return 0;
}

/* goutils.WrapCustom: break at spaces so lines fit width. */
static int
wrap_custom(struct tmpl_val *out, struct call *c, int64_t width, const char *nl,
    size_t nllen, const struct tmpl_val *sv, bool long_words)
{
	const char *s = sv->u.s.p;
	size_t n = sv->u.s.n, off = 0, w;
	struct buf b;

	if (n == 0) {
		*out = tmpl_str("", 0);
		return 0;
	}
	if (nllen == 0)
		nl = "\n", nllen = 1;
	w = width < 1 ? 1 : (size_t)width;
	buf_init(&b, BUF_MAX_DEFAULT);
	while (n - off > w) {
		size_t end = off + w + 1, sp = end;

		if (s[off] == ' ') {
			off++;
			continue;
		}
		while (sp > off && s[sp - 1] != ' ')
			sp--;
		if (sp > off) {
			buf_append(&b, s + off, sp - 1 - off);
			buf_append(&b, nl, nllen);
			off = sp;
		} else if (long_words) {
			buf_append(&b, s + off, w);
			buf_append(&b, nl, nllen);
			off += w;
		} else {
			const char *next = memchr(s + off + w, ' ',
			    n - off - w);

			if (next == NULL) {
				buf_append(&b, s + off, n - off);
				off = n;
			} else {
				buf_append(&b, s + off,
				    (size_t)(next - s) - off);
				buf_append(&b, nl, nllen);
				off = (size_t)(next - s) + 1;
			}
		}
	}
	buf_append(&b, s + off, n - off);
	*out = buf_value(c, &b);
	return 0;
}

static int
fn_wrap(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return wrap_custom(out, c, INT(c, 0), "", 0, &c->argv[1], false);
}

static int
fn_wrap_with(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return wrap_custom(out, c, INT(c, 0), STR(c, 1).p, STR(c, 1).n,
	    &c->argv[2], true);
}

/* ---- searching ----------------------------------------------------------- */

static bool
contains(const char *hay, size_t hn, const char *needle, size_t nn)
{
	return nn == 0 || memmem(hay, hn, needle, nn) != NULL;
}

static int
fn_contains(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(
	    contains(STR(c, 1).p, STR(c, 1).n, STR(c, 0).p, STR(c, 0).n));
	return 0;
}

static int
fn_has_prefix(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(STR(c, 1).n >= STR(c, 0).n &&
	    memcmp(STR(c, 1).p, STR(c, 0).p, STR(c, 0).n) == 0);
	return 0;
}

static int
fn_has_suffix(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(STR(c, 1).n >= STR(c, 0).n &&
	    memcmp(STR(c, 1).p + STR(c, 1).n - STR(c, 0).n, STR(c, 0).p,
	        STR(c, 0).n) == 0);
	return 0;
}

/* strings.Replace(src, old, new, -1), empty old included. */
static int
fn_replace(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *old = STR(c, 0).p, *nw = STR(c, 1).p, *s = STR(c, 2).p;
	size_t on = STR(c, 0).n, nn = STR(c, 1).n, n = STR(c, 2).n, i = 0;
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	if (on == 0) {
		buf_append(&b, nw, nn);
		for (size_t k = 0; k < n; k++) {
			buf_putc(&b, s[k]);
			if (((unsigned char)s[k] & 0xC0) != 0xC0 &&
			    (k + 1 >= n ||
			        ((unsigned char)s[k + 1] & 0xC0) != 0x80))
				buf_append(&b, nw, nn);
		}
		*out = buf_value(c, &b);
		return 0;
	}
	while (i < n) {
		const char *hit = memmem(s + i, n - i, old, on);

		if (hit == NULL)
			break;
		buf_append(&b, s + i, (size_t)(hit - s) - i);
		buf_append(&b, nw, nn);
		i = (size_t)(hit - s) + on;
	}
	buf_append(&b, s + i, n - i);
	*out = buf_value(c, &b);
	return 0;
}

/* ---- assembling ---------------------------------------------------------- */

static int
fn_quote(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;
	bool first = true;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < c->argc; i++) {
		struct tmpl_val s;

		if (c->argv[i].kind == TMPL_NIL)
			continue;
		s = val_to_str(c->a, &c->argv[i]);
		if (!first)
			buf_putc(&b, ' ');
		first = false;
		if (c->fn->name[0] == 's') {
			buf_putc(&b, '\'');
			tmpl_print(&b, &c->argv[i]);
			buf_putc(&b, '\'');
		} else {
			fmt_quote(&b, s.u.s.p, s.u.s.n);
		}
	}
	*out = buf_value(c, &b);
	return 0;
}

static int
fn_cat(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;
	bool first = true;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < c->argc; i++) {
		if (c->argv[i].kind == TMPL_NIL)
			continue;
		if (!first)
			buf_putc(&b, ' ');
		first = false;
		tmpl_print(&b, &c->argv[i]);
	}
	*out = buf_value(c, &b);
	return 0;
}

static void
indent_into(struct buf *b, int64_t spaces, const char *s, size_t n)
{
	for (int64_t k = 0; k < spaces; k++)
		buf_putc(b, ' ');
	for (size_t i = 0; i < n; i++) {
		buf_putc(b, s[i]);
		if (s[i] == '\n')
			for (int64_t k = 0; k < spaces; k++)
				buf_putc(b, ' ');
	}
}

static int
fn_indent(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;

	if (INT(c, 0) > 1 << 20)
		return err_set(err, ERR_LIMIT, "indent too large");
	buf_init(&b, BUF_MAX_DEFAULT);
	if (c->fn->name[0] == 'n')
		buf_putc(&b, '\n');
	indent_into(&b, INT(c, 0), STR(c, 1).p, STR(c, 1).n);
	*out = buf_value(c, &b);
	return 0;
}

static int
fn_plural(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = INT(c, 2) == 1 ? c->argv[0] : c->argv[1];
	return 0;
}

static int
fn_to_string(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = val_to_str(c->a, &c->argv[0]);
	out->type = TMPL_T_DEFAULT;
	return 0;
}

/* Sprig's strslice. */
static struct tmpl_val
str_slice(struct arena *a, const struct tmpl_val *v)
{
	struct tmpl_val out;

	if (v->kind == TMPL_LIST && v->type == TMPL_T_STRINGS)
		return *v;
	if (v->kind == TMPL_NIL) {
		out = tmpl_list_new(a, 0);
	} else if (v->kind != TMPL_LIST) {
		out = tmpl_list_new(a, 1);
		tmpl_list_append(a, out.u.l, val_to_str(a, v));
	} else {
		out = tmpl_list_new(a, v->u.l->n);
		for (size_t i = 0; i < v->u.l->n; i++)
			if (v->u.l->items[i].kind != TMPL_NIL)
				tmpl_list_append(a, out.u.l,
				    val_to_str(a, &v->u.l->items[i]));
	}
	out.type = TMPL_T_STRINGS;
	return out;
}

static int
fn_to_strings(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = str_slice(c->a, &c->argv[0]);
	return 0;
}

static int
fn_join(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val l = str_slice(c->a, &c->argv[1]);
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < l.u.l->n; i++) {
		if (i > 0)
			buf_append(&b, STR(c, 0).p, STR(c, 0).n);
		buf_append(&b, l.u.l->items[i].u.s.p, l.u.l->items[i].u.s.n);
	}
	*out = buf_value(c, &b);
	return 0;
}

/* strings.SplitN(s, sep, limit) (limit < 0: all), as a []string. */
static struct tmpl_val
split_n(struct arena *a, const char *s, size_t n, const char *sep, size_t sn,
    int64_t limit)
{
	struct tmpl_val out = tmpl_list_new(a, 4);
	size_t i = 0;

	out.type = TMPL_T_STRINGS;
	if (limit == 0)
		return out;
	if (sn == 0) {
		size_t w;

		for (i = 0; i < n; i += w) {
			w = 1;
			while (i + w < n &&
			    ((unsigned char)s[i + w] & 0xC0) == 0x80)
				w++;
			if (limit > 0 && (int64_t)out.u.l->n == limit - 1) {
				w = n - i;
			}
			tmpl_list_append(a, out.u.l, tmpl_str(s + i, w));
		}
		return out;
	}
	while (limit < 0 || (int64_t)out.u.l->n < limit - 1) {
		const char *hit = memmem(s + i, n - i, sep, sn);

		if (hit == NULL)
			break;
		tmpl_list_append(a, out.u.l,
		    tmpl_str(s + i, (size_t)(hit - s) - i));
		i = (size_t)(hit - s) + sn;
	}
	tmpl_list_append(a, out.u.l, tmpl_str(s + i, n - i));
	return out;
}

static int
fn_split_list(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = split_n(c->a, STR(c, 1).p, STR(c, 1).n, STR(c, 0).p, STR(c, 0).n,
	    -1);
	return 0;
}

static struct tmpl_val
indexed_map(struct arena *a, const struct tmpl_val *parts)
{
	struct tmpl_val m = tmpl_map_new(a, parts->u.l->n);
	char key[32];

	m.type = TMPL_T_STRMAP;
	for (size_t i = 0; i < parts->u.l->n; i++) {
		int k = snprintf(key, sizeof(key), "_%zu", i);

		tmpl_map_set(a, m.u.m, key, (size_t)k, parts->u.l->items[i]);
	}
	return m;
}

static int
fn_split(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val parts = split_n(c->a, STR(c, 1).p, STR(c, 1).n,
	    STR(c, 0).p, STR(c, 0).n, -1);

	(void)err;
	*out = indexed_map(c->a, &parts);
	return 0;
}

static int
fn_splitn(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val parts = split_n(c->a, STR(c, 2).p, STR(c, 2).n,
	    STR(c, 0).p, STR(c, 0).n, INT(c, 1));

	(void)err;
	*out = indexed_map(c->a, &parts);
	return 0;
}

/* ---- random strings ------------------------------------------------------ */

static int
rand_from(struct tmpl_val *out, struct call *c, const char *alphabet,
    struct err *err)
{
	size_t an = strlen(alphabet);
	int64_t k = INT(c, 0);
	char *p;

	if (k < 0)
		return err_set(err, ERR_INVALID, "negative count");
	if (k > 1 << 20)
		return err_set(err, ERR_LIMIT, "random string too long");
	p = arena_alloc(c->a, (size_t)k + 1);
	for (int64_t i = 0; i < k; i++) {
		unsigned char r;

		do
			exec_random(c->s->x, &r, 1);
		while (r >= 256 - 256 % an); /* no modulo bias */
		p[i] = alphabet[r % an];
	}
	p[k] = '\0';
	*out = tmpl_str(p, (size_t)k);
	return 0;
}

static int
fn_rand_alphanum(struct tmpl_val *out, struct call *c, struct err *err)
{
	return rand_from(out, c,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789",
	    err);
}

static int
fn_rand_alpha(struct tmpl_val *out, struct call *c, struct err *err)
{
	return rand_from(out, c,
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ", err);
}

static int
fn_rand_numeric(struct tmpl_val *out, struct call *c, struct err *err)
{
	return rand_from(out, c, "0123456789", err);
}

static int
fn_rand_ascii(struct tmpl_val *out, struct call *c, struct err *err)
{
	return rand_from(out, c,
	    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	    "[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
	    err);
}

static int
fn_shuffle(struct tmpl_val *out, struct call *c, struct err *err)
{
	char *p = arena_strndup(c->a, STR(c, 0).p, STR(c, 0).n);
	size_t n = STR(c, 0).n;

	(void)err;
	for (size_t i = n; i > 1; i--) {
		uint32_t r;
		char t;

		exec_random(c->s->x, &r, sizeof(r));
		r %= (uint32_t)i;
		t = p[i - 1];
		p[i - 1] = p[r];
		p[r] = t;
	}
	*out = tmpl_str(p, n);
	return 0;
}

static const struct tmpl_func fns[] = {
	{ "abbrev", "is", fn_abbrev, 0 },
	{ "abbrevboth", "iis", fn_abbrevboth, 0 },
	{ "camelcase", "s", fn_camelcase, 0 },
	{ "cat", "*a", fn_cat, 0 },
	{ "contains", "ss", fn_contains, 0 },
	{ "hasPrefix", "ss", fn_has_prefix, 0 },
	{ "hasSuffix", "ss", fn_has_suffix, 0 },
	{ "indent", "is", fn_indent, 0 },
	{ "initials", "s", fn_initials, 0 },
	{ "join", "sa", fn_join, 0 },
	{ "kebabcase", "s", fn_kebabcase, 0 },
	{ "lower", "s", fn_lower, 0 },
	{ "nindent", "is", fn_indent, 0 },
	{ "nospace", "s", fn_nospace, 0 },
	{ "plural", "ssi", fn_plural, 0 },
	{ "quote", "*a", fn_quote, 0 },
	{ "randAlpha", "i", fn_rand_alpha, 0 },
	{ "randAlphaNum", "i", fn_rand_alphanum, 0 },
	{ "randAscii", "i", fn_rand_ascii, 0 },
	{ "randNumeric", "i", fn_rand_numeric, 0 },
	{ "repeat", "is", fn_repeat, 0 },
	{ "replace", "sss", fn_replace, 0 },
	{ "shuffle", "s", fn_shuffle, 0 },
	{ "snakecase", "s", fn_snakecase, 0 },
	{ "split", "ss", fn_split, 0 },
	{ "splitList", "ss", fn_split_list, 0 },
	{ "splitn", "sis", fn_splitn, 0 },
	{ "squote", "*a", fn_quote, 0 },
	{ "substr", "iis", fn_substr, 0 },
	{ "swapcase", "s", fn_swapcase, 0 },
	{ "title", "s", fn_title, 0 },
	{ "toString", "a", fn_to_string, 0 },
	{ "toStrings", "a", fn_to_strings, 0 },
	{ "trim", "s", fn_trim, 0 },
	{ "trimAll", "ss", fn_trimall, 0 },
	{ "trimPrefix", "ss", fn_trim_prefix, 0 },
	{ "trimSuffix", "ss", fn_trim_suffix, 0 },
	{ "trimall", "ss", fn_trimall, 0 },
	{ "trunc", "is", fn_trunc, 0 },
	{ "untitle", "s", fn_untitle, 0 },
	{ "upper", "s", fn_upper, 0 },
	{ "wrap", "is", fn_wrap, 0 },
	{ "wrapWith", "iss", fn_wrap_with, 0 },
};

const struct func_table fn_str_table = { fns, sizeof(fns) / sizeof(fns[0]) };
