/*
 * Go's fmt for template values: %v and its siblings exactly as Go prints
 * them, since templates print through fmt (maps as map[a:1 b:2], lists
 * as [1 2], floats in strconv's shortest form, 1e+06 past six digits),
 * and printf's verbs, flags, widths and its "%!d(string=x)" complaints.
 */
#include "template/tmpl_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PRINT_DEPTH 64

struct spec {
	bool plus, minus, sharp, space, zero;
	bool has_width, has_prec;
	int width, prec;
	char verb;
};

static void print_arg(struct buf *b, const struct spec *sp,
    const struct tmpl_val *v, int depth);

static size_t
rune_count(const char *p, size_t n)
{
	size_t c = 0;

	for (size_t i = 0; i < n; i++)
		if (((unsigned char)p[i] & 0xC0) != 0x80)
			c++;
	return c;
}

/* Appends s padded to the spec's width (zeros only where Go uses them). */
static void
pad(struct buf *b, const struct spec *sp, const char *s, size_t n, bool numeric)
{
	size_t w = rune_count(s, n), fill;
	char c = sp->zero && !sp->minus ? '0' : ' ';

	if (!sp->has_width || (size_t)sp->width <= w) {
		buf_append(b, s, n);
		return;
	}
	fill = (size_t)sp->width - w;
	if (sp->minus) {
		buf_append(b, s, n);
		while (fill-- > 0)
			buf_putc(b, ' ');
		return;
	}
	if (c == '0' && numeric && n > 0 && strchr("+- ", s[0]) != NULL) {
		buf_putc(b, s[0]); /* the sign goes before the zeros */
		s++;
		n--;
	}
	while (fill-- > 0)
		buf_putc(b, c);
	buf_append(b, s, n);
}

/* ---- floats -------------------------------------------------------------- */

/* Shortest digits that read back as f: "15" and exponent 0 for 1.5. */
static int
shortest_digits(double f, char *digits, size_t size, int *exp10)
{
	char tmp[40], *e;
	int p, n = 0;

	for (p = 1; p <= 17; p++) {
		(void)snprintf(tmp, sizeof(tmp), "%.*e", p - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	e = strchr(tmp, 'e');
	*exp10 = (int)strtol(e + 1, NULL, 10);
	for (const char *q = tmp; q < e && (size_t)n + 1 < size; q++)
		if (*q >= '0' && *q <= '9')
			digits[n++] = *q;
	while (n > 1 && digits[n - 1] == '0')
		n--;
	digits[n] = '\0';
	return n;
}

static void
put_exp(struct buf *b, char e, int x)
{
	char tmp[16];

	(void)snprintf(tmp, sizeof(tmp), "%c%c%02d", e, x < 0 ? '-' : '+',
	    x < 0 ? -x : x);
	buf_puts(b, tmp);
}

/* strconv.FormatFloat(f, 'g'|'e'|'f', -1, 64) without the sign. */
static void
float_shortest(struct buf *b, double f, char verb)
{
	char d[26];
	int nd, x, dp;

	nd = shortest_digits(f, d, sizeof(d) - 1, &x);
	d[nd + 1] = '0'; /* what i >= nd reads below */
	if ((verb == 'g' || verb == 'G') && (x < -4 || x >= 6))
		verb = verb == 'g' ? 'e' : 'E';
	else if (verb == 'g' || verb == 'G')
		verb = 'f';
	if (verb == 'e' || verb == 'E') {
		buf_putc(b, d[0]);
		if (nd > 1) {
			buf_putc(b, '.');
			buf_append(b, d + 1, (size_t)nd - 1);
		}
		put_exp(b, verb, x);
		return;
	}
	dp = x + 1; /* digits before the point */
	if (dp <= 0) {
		buf_puts(b, "0.");
		for (int i = 0; i < -dp; i++)
			buf_putc(b, '0');
		buf_append(b, d, (size_t)nd);
		return;
	}
	for (int i = 0; i < dp; i++)
		buf_putc(b, d[i < nd ? i : nd + 1]);
	if (nd > dp) {
		buf_putc(b, '.');
		buf_append(b, d + dp, (size_t)(nd - dp));
	}
}

void
fmt_float_g(struct buf *b, double f)
{
	if (isnan(f)) {
		buf_puts(b, "NaN");
		return;
	}
	if (isinf(f)) {
		buf_puts(b, f < 0 ? "-Inf" : "+Inf");
		return;
	}
	if (f == 0) {
		buf_puts(b, signbit(f) ? "-0" : "0");
		return;
	}
	if (f < 0)
		buf_putc(b, '-');
	float_shortest(b, fabs(f), 'g');
}

/* C's printf agrees with Go's for an explicit precision. */
static void
c_float(struct buf *t, char verb, bool sharp, int prec, double f)
{
	if (prec > 1000)
		prec = 1000;
	switch (verb) {
	case 'e':
		buf_printf(t, sharp ? "%#.*e" : "%.*e", prec, f);
		break;
	case 'E':
		buf_printf(t, sharp ? "%#.*E" : "%.*E", prec, f);
		break;
	case 'f':
		buf_printf(t, sharp ? "%#.*f" : "%.*f", prec, f);
		break;
	case 'G':
		buf_printf(t, sharp ? "%#.*G" : "%.*G", prec, f);
		break;
	default:
		buf_printf(t, sharp ? "%#.*g" : "%.*g", prec, f);
	}
}

/* NaN and the infinities, padded with spaces only. */
static void
fmt_special_float(struct buf *b, const struct spec *sp, double f)
{
	struct spec s2 = *sp;
	const char *s;

	if (isnan(f))
		s = sp->plus ? "+NaN" : sp->space ? " NaN" : "NaN";
	else
		s = f < 0 ? "-Inf" : sp->space ? " Inf" : "+Inf";
	s2.zero = false;
	pad(b, &s2, s, strlen(s), false);
}

static void
fmt_float(struct buf *b, const struct spec *sp, double f)
{
	struct buf t;
	char verb = sp->verb;

	if (isnan(f) || isinf(f)) {
		fmt_special_float(b, sp, f);
		return;
	}
	buf_init(&t, 1 << 20);
	if ((sp->plus || sp->space) && !signbit(f))
		buf_putc(&t, sp->plus ? '+' : ' ');
	if (verb == 'v')
		verb = 'g';
	if (verb == 'F')
		verb = 'f';
	if (!sp->has_prec && (verb == 'g' || verb == 'G')) {
		if (signbit(f))
			buf_putc(&t, '-');
		if (f == 0)
			buf_putc(&t, '0');
		else
			float_shortest(&t, fabs(f), verb);
	} else {
		c_float(&t, verb, sp->sharp, sp->has_prec ? sp->prec : 6, f);
	}
	pad(b, sp, t.data, t.len, true);
	buf_release(&t);
}

/* ---- integers and runes -------------------------------------------------- */

static void
put_utf8(struct buf *b, uint32_t c)
{
	char s[4];
	size_t n;

	if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		c = 0xFFFD;
	if (c < 0x80) {
		s[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		s[0] = (char)(0xC0 | (c >> 6));
		s[1] = (char)(0x80 | (c & 0x3F));
		n = 2;
	} else if (c < 0x10000) {
		s[0] = (char)(0xE0 | (c >> 12));
		s[1] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[2] = (char)(0x80 | (c & 0x3F));
		n = 3;
	} else {
		s[0] = (char)(0xF0 | (c >> 18));
		s[1] = (char)(0x80 | ((c >> 12) & 0x3F));
		s[2] = (char)(0x80 | ((c >> 6) & 0x3F));
		s[3] = (char)(0x80 | (c & 0x3F));
		n = 4;
	}
	buf_append(b, s, n);
}

static void
fmt_int_digits(struct buf *t, const struct spec *sp, uint64_t u, int base,
    bool upper)
{
	const char *dig = upper ? "0123456789ABCDEF" : "0123456789abcdef";
	char tmp[72];
	int n = 0;

	do {
		tmp[n++] = dig[u % (unsigned)base];
		u /= (unsigned)base;
	} while (u > 0 && n < 70);
	if (sp->has_prec && sp->prec == 0 && n == 1 && tmp[0] == '0')
		n = 0; /* %.0d of 0 prints nothing */
	for (int z = n; sp->has_prec && z < sp->prec && z < 1000; z++)
		buf_putc(t, '0');
	while (n > 0)
		buf_putc(t, tmp[--n]);
}

static void
fmt_int(struct buf *b, const struct spec *sp, int64_t i)
{
	struct buf t;
	uint64_t u = i < 0 ? (uint64_t)0 - (uint64_t)i : (uint64_t)i;
	int base = 10;
	struct spec s2 = *sp;

	buf_init(&t, 1 << 20);
	if (i < 0)
		buf_putc(&t, '-');
	else if (sp->plus)
		buf_putc(&t, '+');
	else if (sp->space)
		buf_putc(&t, ' ');
	switch (sp->verb) {
	case 'b':
		base = 2;
		if (sp->sharp)
			buf_puts(&t, "0b");
		break;
	case 'o':
	case 'O':
		base = 8;
		if (sp->verb == 'O')
			buf_puts(&t, "0o");
		else if (sp->sharp && u != 0)
			buf_putc(&t, '0');
		break;
	case 'x':
	case 'X':
		base = 16;
		if (sp->sharp)
			buf_puts(&t, sp->verb == 'x' ? "0x" : "0X");
		break;
	default:
		break;
	}
	fmt_int_digits(&t, sp, u, base, sp->verb == 'X');
	if (sp->has_prec)
		s2.zero = false;
	pad(b, &s2, t.data, t.len, true);
	buf_release(&t);
}

static void
fmt_rune_quoted(struct buf *t, int64_t r)
{
	char s[8];

	buf_putc(t, '\'');
	if (r == '\'') {
		buf_puts(t, "\\'");
	} else if (r == '\\') {
		buf_puts(t, "\\\\");
	} else if (r >= 0x20 && r < 0x7f) {
		buf_putc(t, (char)r);
	} else if (r == '\n' || r == '\t' || r == '\r') {
		buf_puts(t, r == '\n' ? "\\n" : r == '\t' ? "\\t" : "\\r");
	} else if (r < 0x20 || r == 0x7f) {
		(void)snprintf(s, sizeof(s), "\\x%02x", (unsigned)r);
		buf_puts(t, s);
	} else {
		put_utf8(t, (uint32_t)r);
	}
	buf_putc(t, '\'');
}

static void
fmt_int_verb(struct buf *b, const struct spec *sp, int64_t i)
{
	struct buf t;

	if (sp->verb != 'c' && sp->verb != 'q' && sp->verb != 'U') {
		fmt_int(b, sp, i);
		return;
	}
	buf_init(&t, 1 << 16);
	if (sp->verb == 'c') {
		put_utf8(&t, (uint32_t)i);
	} else if (sp->verb == 'q') {
		fmt_rune_quoted(&t, i);
	} else {
		buf_printf(&t, "U+%04" PRIX64, (uint64_t)i);
		if (sp->sharp && i >= 0x20 && i <= 0x10FFFF) {
			buf_puts(&t, " '");
			put_utf8(&t, (uint32_t)i);
			buf_putc(&t, '\'');
		}
	}
	pad(b,
	    &(struct spec){ .minus = sp->minus,
	        .has_width = sp->has_width,
	        .width = sp->width },
	    t.data, t.len, false);
	buf_release(&t);
}

/* ---- strings ------------------------------------------------------------- */

static bool
rune_printable(uint32_t c)
{
	return (c >= 0x20 && c < 0x7f) ||
	    (c >= 0xA0 && c != 0xAD && c < 0xFFFE &&
	        !(c >= 0xD800 && c <= 0xDFFF) && c != 0x2028 && c != 0x2029);
}

/* Decodes one UTF-8 rune at p[i]; -1 (width 1) for a bad byte. */
static int32_t
rune_at(const char *p, size_t n, size_t i, size_t *w)
{
	const unsigned char *s = (const unsigned char *)p + i;
	size_t len;
	int32_t c = s[0], min;

	*w = 1;
	if (c < 0x80)
		return c;
	if (c >= 0xC2 && c <= 0xDF) {
		len = 2, c &= 0x1F, min = 0x80;
	} else if (c >= 0xE0 && c <= 0xEF) {
		len = 3, c &= 0x0F, min = 0x800;
	} else if (c >= 0xF0 && c <= 0xF4) {
		len = 4, c &= 0x07, min = 0x10000;
	} else {
		return -1;
	}
	if (n - i < len)
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

static void
quote_rune(struct buf *b, int32_t c, unsigned char byte, bool ascii)
{
	static const char esc[] = "\a\b\f\n\r\t\v";
	static const char *const name[] = { "\\a", "\\b", "\\f", "\\n", "\\r",
		"\\t", "\\v" };
	const char *hit;

	if (c < 0) {
		buf_printf(b, "\\x%02x", byte);
		return;
	}
	if (c == '"' || c == '\\') {
		buf_putc(b, '\\');
		buf_putc(b, (char)c);
		return;
	}
	if (rune_printable((uint32_t)c) && (!ascii || c < 0x80)) {
		put_utf8(b, (uint32_t)c);
		return;
	}
	if (c != 0 && (hit = strchr(esc, c)) != NULL) {
		buf_puts(b, name[hit - esc]);
		return;
	}
	if (c < 0x20 || c == 0x7f)
		buf_printf(b, "\\x%02x", (unsigned)c);
	else if (c < 0x10000)
		buf_printf(b, "\\u%04x", (unsigned)c);
	else
		buf_printf(b, "\\U%08x", (unsigned)c);
}

static void
quote_ex(struct buf *b, const char *p, size_t n, bool ascii)
{
	size_t w;

	buf_putc(b, '"');
	for (size_t i = 0; i < n; i += w) {
		int32_t c = rune_at(p, n, i, &w);

		quote_rune(b, c, (unsigned char)p[i], ascii);
	}
	buf_putc(b, '"');
}

void
fmt_quote(struct buf *b, const char *p, size_t n)
{
	quote_ex(b, p, n, false);
}

static bool
can_backquote(const char *p, size_t n)
{
	size_t w;

	for (size_t i = 0; i < n; i += w) {
		int32_t c = rune_at(p, n, i, &w);

		if (c < 0 || c == '`' || c == 0xFEFF ||
		    (c < 0x20 && c != '\t') || c == 0x7f)
			return false;
	}
	return true;
}

static void
fmt_hex_bytes(struct buf *t, const struct spec *sp, const char *p, size_t n)
{
	const char *dig = sp->verb == 'X' ? "0123456789ABCDEF"
	                                  : "0123456789abcdef";

	for (size_t i = 0; i < n; i++) {
		if (i > 0 && sp->space)
			buf_putc(t, ' ');
		if (sp->sharp && (i == 0 || sp->space))
			buf_puts(t, sp->verb == 'X' ? "0X" : "0x");
		buf_putc(t, dig[(unsigned char)p[i] >> 4]);
		buf_putc(t, dig[(unsigned char)p[i] & 15]);
	}
}

static void
fmt_str(struct buf *b, const struct spec *sp, const char *p, size_t n)
{
	struct buf t;

	if (sp->has_prec && sp->verb != 'x' && sp->verb != 'X') {
		size_t runes = 0, i = 0, w;

		while (i < n && runes < (size_t)sp->prec) {
			rune_at(p, n, i, &w);
			i += w;
			runes++;
		}
		n = i;
	}
	if (sp->verb == 's' || sp->verb == 'v') {
		pad(b, sp, p, n, false);
		return;
	}
	buf_init(&t, BUF_MAX_DEFAULT);
	if (sp->verb == 'q')
		if (sp->sharp && can_backquote(p, n)) {
			buf_putc(&t, '`');
			buf_append(&t, p, n);
			buf_putc(&t, '`');
		} else {
			quote_ex(&t, p, n, sp->plus);
		}
	else
		fmt_hex_bytes(&t, sp, p, n);
	pad(b, sp, t.data, t.len, false);
	buf_release(&t);
}

/* ---- values -------------------------------------------------------------- */

static void
bad_verb(struct buf *b, char verb, const struct tmpl_val *v)
{
	struct spec sv = { .verb = 'v' };

	buf_printf(b, "%%!%c(", verb);
	if (v == NULL || v->kind == TMPL_NIL) {
		buf_puts(b, "<nil>");
	} else {
		buf_printf(b, "%s=", val_type_name(v));
		print_arg(b, &sv, v, 1);
	}
	buf_putc(b, ')');
}

static void print_go_syntax(struct buf *b, const struct tmpl_val *v, int depth);

static void
print_list(struct buf *b, const struct spec *sp, const struct tmpl_val *v,
    int depth)
{
	if (sp->verb == 'v' && sp->sharp) {
		print_go_syntax(b, v, depth);
		return;
	}
	buf_putc(b, '[');
	for (size_t i = 0; i < v->u.l->n; i++) {
		if (i > 0)
			buf_putc(b, ' ');
		print_arg(b, sp, &v->u.l->items[i], depth + 1);
	}
	buf_putc(b, ']');
}

static void
print_map(struct buf *b, const struct spec *sp, const struct tmpl_val *v,
    int depth)
{
	if (sp->verb == 'v' && sp->sharp) {
		print_go_syntax(b, v, depth);
		return;
	}
	buf_puts(b, "map[");
	for (size_t i = 0; i < v->u.m->n; i++) {
		const struct tmpl_pair *p = &v->u.m->items[i];
		struct tmpl_val k = tmpl_str(p->key, p->keylen);

		if (i > 0)
			buf_putc(b, ' ');
		print_arg(b, sp, &k, depth + 1);
		buf_putc(b, ':');
		print_arg(b, sp, &p->val, depth + 1);
	}
	buf_putc(b, ']');
}

/* %#v: Go-syntax representation. */
static void
print_go_syntax(struct buf *b, const struct tmpl_val *v, int depth)
{
	struct spec sv = { .verb = 'v', .sharp = true };

	if (depth > MAX_PRINT_DEPTH) {
		buf_puts(b, "...");
		return;
	}
	switch (v->kind) {
	case TMPL_NIL:
		buf_puts(b, depth == 0 ? "<nil>" : "interface {}(nil)");
		return;
	case TMPL_STR:
		if (v->type == TMPL_T_BYTES)
			break;
		fmt_quote(b, v->u.s.p, v->u.s.n);
		return;
	case TMPL_LIST:
		buf_printf(b, "%s{", val_type_name(v));
		for (size_t i = 0; i < v->u.l->n; i++) {
			if (i > 0)
				buf_puts(b, ", ");
			print_go_syntax(b, &v->u.l->items[i], depth + 1);
		}
		buf_putc(b, '}');
		return;
	case TMPL_MAP:
		buf_printf(b, "%s{", val_type_name(v));
		for (size_t i = 0; i < v->u.m->n; i++) {
			if (i > 0)
				buf_puts(b, ", ");
			fmt_quote(b, v->u.m->items[i].key,
			    v->u.m->items[i].keylen);
			buf_putc(b, ':');
			print_go_syntax(b, &v->u.m->items[i].val, depth + 1);
		}
		buf_putc(b, '}');
		return;
	default:
		break;
	}
	sv.sharp = false;
	print_arg(b, &sv, v, depth + 1);
}

static void
print_obj(struct buf *b, const struct spec *sp, const struct tmpl_val *v)
{
	struct buf t;

	buf_init(&t, BUF_MAX_DEFAULT);
	if (v->u.o->cls->print != NULL)
		v->u.o->cls->print(&t, v->u.o);
	else
		buf_printf(&t, "{%s}", v->u.o->cls->type_name);
	if (strchr("vsq", sp->verb) != NULL)
		fmt_str(b, sp, t.data != NULL ? t.data : "", t.len);
	else
		bad_verb(b, sp->verb, v);
	buf_release(&t);
}

static void
print_int_arg(struct buf *b, const struct spec *sp, const struct tmpl_val *v)
{
	struct spec s2 = *sp;

	if (sp->verb == 'v' && sp->sharp) {
		buf_printf(b, "%" PRId64, v->u.i);
		return;
	}
	if (strchr("vdboOxXcqU", sp->verb) == NULL) {
		bad_verb(b, sp->verb, v);
		return;
	}
	if (s2.verb == 'v')
		s2.verb = 'd';
	fmt_int_verb(b, &s2, v->u.i);
}

static void
print_str_arg(struct buf *b, const struct spec *sp, const struct tmpl_val *v,
    int depth)
{
	if (v->type == TMPL_T_BYTES && sp->verb == 'v') {
		buf_putc(b, '[');
		for (size_t i = 0; i < v->u.s.n; i++)
			buf_printf(b, i > 0 ? " %u" : "%u",
			    (unsigned char)v->u.s.p[i]);
		buf_putc(b, ']');
	} else if (sp->verb == 'v' && sp->sharp) {
		print_go_syntax(b, v, depth);
	} else if (strchr("vsqxX", sp->verb) != NULL) {
		fmt_str(b, sp, v->u.s.p, v->u.s.n);
	} else {
		bad_verb(b, sp->verb, v);
	}
}

/* nil, bool and float: the verbs each accepts, or %!verb(...). */
static void
print_simple_arg(struct buf *b, const struct spec *sp, const struct tmpl_val *v)
{
	char verb = sp->verb;

	if (v->kind == TMPL_NIL && verb == 'v')
		pad(b, sp, "<nil>", 5, false);
	else if (v->kind == TMPL_BOOL && (verb == 'v' || verb == 't'))
		pad(b, sp, v->u.b ? "true" : "false", v->u.b ? 4 : 5, false);
	else if (v->kind == TMPL_FLOAT && strchr("veEfFgG", verb) != NULL)
		fmt_float(b, sp, v->u.f);
	else
		bad_verb(b, verb, v);
}

static void
print_arg(struct buf *b, const struct spec *sp, const struct tmpl_val *v,
    int depth)
{
	if (depth > MAX_PRINT_DEPTH) {
		buf_puts(b, "...");
		return;
	}
	if (sp->verb == 'T') {
		struct spec ts = { .verb = 's',
			.minus = sp->minus,
			.has_width = sp->has_width,
			.width = sp->width };

		fmt_str(b, &ts, val_type_name(v), strlen(val_type_name(v)));
		return;
	}
	switch (v->kind) {
	case TMPL_INT:
		print_int_arg(b, sp, v);
		return;
	case TMPL_STR:
		print_str_arg(b, sp, v, depth);
		return;
	case TMPL_LIST:
		print_list(b, sp, v, depth);
		return;
	case TMPL_MAP:
		print_map(b, sp, v, depth);
		return;
	case TMPL_OBJ:
		print_obj(b, sp, v);
		return;
	default:
		print_simple_arg(b, sp, v);
		return;
	}
}

void
tmpl_print(struct buf *b, const struct tmpl_val *v)
{
	struct spec sp = { .verb = 'v' };

	print_arg(b, &sp, v, 0);
}

/* Go's Sprint: spaces between operands when neither is a string. */
void
fmt_sprint(struct buf *b, const struct tmpl_val *argv, size_t argc, bool ln)
{
	for (size_t i = 0; i < argc; i++) {
		bool is_str = argv[i].kind == TMPL_STR &&
		    argv[i].type != TMPL_T_BYTES;

		if (i > 0 &&
		    (ln ||
		        (!is_str &&
		            !(argv[i - 1].kind == TMPL_STR &&
		                argv[i - 1].type != TMPL_T_BYTES))))
			buf_putc(b, ' ');
		tmpl_print(b, &argv[i]);
	}
	if (ln)
		buf_putc(b, '\n');
}

/* ---- printf -------------------------------------------------------------- */

struct fmtstate {
	const char *f;
	size_t n, i;
	const struct tmpl_val *argv;
	size_t argc, argn;
	bool reordered, bad_index;
};

/* "[n]" argument index. */
static void
arg_index(struct fmtstate *st)
{
	size_t j = st->i + 1;
	int v = 0;

	if (st->i >= st->n || st->f[st->i] != '[')
		return;
	st->reordered = true;
	while (j < st->n && st->f[j] >= '0' && st->f[j] <= '9' && v < 10000)
		v = v * 10 + (st->f[j++] - '0');
	if (j >= st->n || st->f[j] != ']' || j == st->i + 1 || v < 1 ||
	    (size_t)v > st->argc) {
		st->bad_index = true;
		while (j < st->n && st->f[j] != ']')
			j++;
		st->i = j < st->n ? j + 1 : j;
		return;
	}
	st->argn = (size_t)v - 1;
	st->i = j + 1;
}

/* A width or precision: digits, or '*' taking an int argument. */
static bool
num_or_star(struct fmtstate *st, int *out, struct buf *b)
{
	int v = 0;
	bool any = false;

	if (st->i < st->n && st->f[st->i] == '*') {
		st->i++;
		if (st->argn >= st->argc) {
			buf_puts(b, "%!(BADWIDTH)");
			return false;
		}
		if (st->argv[st->argn].kind != TMPL_INT) {
			st->argn++;
			buf_puts(b, "%!(BADWIDTH)");
			return false;
		}
		*out = (int)st->argv[st->argn++].u.i;
		return true;
	}
	while (st->i < st->n && st->f[st->i] >= '0' && st->f[st->i] <= '9') {
		if (v < 1000000)
			v = v * 10 + (st->f[st->i] - '0');
		st->i++;
		any = true;
	}
	*out = v;
	return any;
}

static void
parse_flags(struct fmtstate *st, struct spec *sp)
{
	for (; st->i < st->n; st->i++) {
		switch (st->f[st->i]) {
		case '+':
			sp->plus = true;
			break;
		case '-':
			sp->minus = true;
			sp->zero = false;
			break;
		case '#':
			sp->sharp = true;
			break;
		case ' ':
			sp->space = true;
			break;
		case '0':
			sp->zero = !sp->minus;
			break;
		default:
			return;
		}
	}
}

static void
one_verb(struct buf *b, struct fmtstate *st)
{
	struct spec sp = { 0 };
	size_t w;
	int32_t c;

	parse_flags(st, &sp);
	arg_index(st);
	sp.has_width = num_or_star(st, &sp.width, b);
	if (sp.width < 0) {
		sp.minus = true;
		sp.width = -sp.width;
	}
	if (st->i < st->n && st->f[st->i] == '.') {
		st->i++;
		arg_index(st);
		sp.has_prec = true;
		num_or_star(st, &sp.prec, b);
		if (sp.prec < 0)
			sp.has_prec = false;
	}
	arg_index(st);
	if (st->i >= st->n) {
		buf_puts(b, "%!(NOVERB)");
		return;
	}
	c = rune_at(st->f, st->n, st->i, &w);
	st->i += w;
	sp.verb = '?';
	if (c >= 0 && c < 0x80)
		sp.verb = (char)c;
	if (c == '%') {
		buf_putc(b, '%');
		return;
	}
	if (st->bad_index) {
		buf_printf(b, "%%!%c(BADINDEX)", sp.verb);
		st->bad_index = false;
		return;
	}
	if (st->argn >= st->argc) {
		buf_printf(b, "%%!%c(MISSING)", sp.verb);
		return;
	}
	print_arg(b, &sp, &st->argv[st->argn++], 0);
}

void
fmt_sprintf(struct buf *b, const char *f, size_t n, const struct tmpl_val *argv,
    size_t argc)
{
	struct fmtstate st = { f, n, 0, argv, argc, 0, false, false };

	while (st.i < n) {
		const char *pct = memchr(f + st.i, '%', n - st.i);
		size_t upto = pct == NULL ? n : (size_t)(pct - f);

		buf_append(b, f + st.i, upto - st.i);
		st.i = upto;
		if (pct == NULL)
			break;
		st.i++;
		one_verb(b, &st);
	}
	if (!st.reordered && st.argn < argc) {
		struct spec sv = { .verb = 'v' };

		buf_puts(b, "%!(EXTRA ");
		for (size_t i = st.argn; i < argc; i++) {
			if (i > st.argn)
				buf_puts(b, ", ");
			if (argv[i].kind == TMPL_NIL) {
				buf_puts(b, "<nil>");
				continue;
			}
			buf_printf(b, "%s=", val_type_name(&argv[i]));
			print_arg(b, &sv, &argv[i], 0);
		}
		buf_putc(b, ')');
	}
}
