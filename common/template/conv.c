/*
 * Values in and out of text, the way Helm moves them: YAML is read as
 * sigs.k8s.io/yaml reads it (go-yaml v2's YAML 1.1 resolution, then a
 * trip through JSON that makes every number a float64 and every key a
 * string), and toYaml/toJson print through encoding/json's choices.
 * Parsing and emitting themselves are common/doc's.
 */
#include "template/template.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "template/tmpl_int.h"

#define MAX_CONV_DEPTH 512

/* ---- Go's strconv number syntax ------------------------------------------ */

static int
digit_value(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/* Underscores only between digits or after a base prefix (Go's
 * underscoreOK). */
static bool
underscores_ok(const char *p, size_t n, bool prefixed)
{
	bool prev_digit = prefixed;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '_') {
			if (!prev_digit)
				return false;
			prev_digit = false;
			continue;
		}
		prev_digit = true;
	}
	return prev_digit || n == 0;
}

/* Go's base-0 prefixes: 0x, 0o, 0b, and a bare leading 0 for octal.
 * Returns the base and moves *i past the prefix. */
static int
base_prefix(const char *p, size_t n, size_t *i, bool *prefixed)
{
	int c;

	*prefixed = false;
	if (n - *i < 2 || p[*i] != '0')
		return 10;
	c = ascii_tolower((unsigned char)p[*i + 1]);
	if (c == 'x' || c == 'o' || c == 'b') {
		*i += 2;
		*prefixed = true;
		return c == 'x' ? 16 : c == 'o' ? 8 : 2;
	}
	*i += 1;
	return 8;
}

/* Accumulates digits of base into *v, up to lim; -1 on a bad digit or
 * overflow. Underscores are skipped (callers check where they are). */
static int
accumulate(uint64_t *v, const char *p, size_t n, int base, uint64_t lim)
{
	for (size_t i = 0; i < n; i++) {
		int d;

		if (p[i] == '_')
			continue;
		if ((d = digit_value((unsigned char)p[i])) >= base ||
		    *v > (lim - (uint64_t)d) / (uint64_t)base)
			return -1;
		*v = *v * (uint64_t)base + (uint64_t)d;
	}
	return 0;
}

int
conv_parse_int(int64_t *out, const char *p, size_t n, int base)
{
	bool neg = false, prefixed = false, bare_zero;
	uint64_t v = 0, lim;
	size_t i = 0;

	if (n > 0 && (p[0] == '+' || p[0] == '-')) {
		neg = p[0] == '-';
		i++;
	}
	if (base == 0) {
		base = base_prefix(p, n, &i, &prefixed);
		if (!underscores_ok(p + i, n - i, prefixed))
			return -1;
	} else if (memchr(p, '_', n) != NULL) {
		return -1;
	}
	bare_zero = base == 8 && !prefixed && i == n && n > 0;
	if (i >= n && !bare_zero)
		return -1;
	lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
	if (accumulate(&v, p + i, n - i, base, lim) == -1)
		return -1;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return 0;
}

static bool
is_digit_of(int c, bool hex)
{
	return hex ? ascii_isxdigit(c) != 0 : ascii_isdigit(c) != 0;
}

/* Mantissa digits (with '_' and one '.') from *i; the count of digits. */
static size_t
scan_mantissa(const char *p, size_t n, size_t *i, bool hex)
{
	size_t digits = 0;

	for (;
	     *i < n && (is_digit_of((unsigned char)p[*i], hex) || p[*i] == '_');
	     (*i)++)
		digits += p[*i] != '_';
	if (*i < n && p[*i] == '.')
		for ((*i)++; *i < n && is_digit_of((unsigned char)p[*i], hex);
		     (*i)++)
			digits++;
	return digits;
}

/* An exponent at *i ('e' for decimal, 'p' for hex): the letter, a sign,
 * digits. True when there is none or it is well formed. */
static bool
scan_exponent(const char *p, size_t n, size_t *i, bool hex)
{
	char e = hex ? 'p' : 'e';

	if (*i >= n || ascii_tolower((unsigned char)p[*i]) != e)
		return !hex; /* Go wants the p exponent in hex floats */
	(*i)++;
	if (*i < n && (p[*i] == '+' || p[*i] == '-'))
		(*i)++;
	if (*i >= n || !ascii_isdigit((unsigned char)p[*i]))
		return false;
	while (*i < n && ascii_isdigit((unsigned char)p[*i]))
		(*i)++;
	return true;
}

static bool
special_float(const char *p, size_t n)
{
	size_t i = n > 0 && (p[0] == '+' || p[0] == '-');

	return (n - i == 3 && strncasecmp(p + i, "inf", 3) == 0) ||
	    (n - i == 8 && strncasecmp(p + i, "infinity", 8) == 0) ||
	    (n == 3 && strncasecmp(p, "nan", 3) == 0);
}

/* Decimal or hex float syntax, or inf/infinity/nan (any case). */
static bool
float_syntax(const char *p, size_t n)
{
	size_t i = n > 0 && (p[0] == '+' || p[0] == '-');
	bool hex = n - i > 2 && p[i] == '0' &&
	    (p[i + 1] == 'x' || p[i + 1] == 'X');

	if (special_float(p, n))
		return true;
	if (hex)
		i += 2;
	if (scan_mantissa(p, n, &i, hex) == 0 || !scan_exponent(p, n, &i, hex))
		return false;
	return i == n;
}

int
conv_parse_float(double *out, const char *p, size_t n)
{
	char buf[128];
	size_t o = 0;
	char *end;

	if (n == 0 || n >= sizeof(buf) || !float_syntax(p, n) ||
	    !underscores_ok(p, n, false))
		return -1;
	for (size_t i = 0; i < n; i++)
		if (p[i] != '_')
			buf[o++] = p[i];
	buf[o] = '\0';
	errno = 0;
	*out = strtod(buf, &end);
	if (*end != '\0' || (errno == ERANGE && isinf(*out)))
		return -1;
	return 0;
}

/* ---- YAML 1.1 scalars (go-yaml v2's resolve) ----------------------------- */

enum scalar_kind {
	SC_STR,
	SC_NULL,
	SC_BOOL,
	SC_INT,
	SC_FLOAT,
};

struct scalar {
	enum scalar_kind kind;
	bool b;
	int64_t i;
	double f;
	bool is_uint;
};

static bool
word_in(const char *p, size_t n, const char *const *list)
{
	for (; *list != NULL; list++)
		if (strlen(*list) == n && memcmp(*list, p, n) == 0)
			return true;
	return false;
}

static bool
resolve_word(struct scalar *sc, const char *p, size_t n)
{
	static const char *const yes[] = { "y", "Y", "yes", "Yes", "YES",
		"true", "True", "TRUE", "on", "On", "ON", NULL };
	static const char *const no[] = { "n", "N", "no", "No", "NO", "false",
		"False", "FALSE", "off", "Off", "OFF", NULL };
	static const char *const null[] = { "", "~", "null", "Null", "NULL",
		NULL };
	static const char *const nan[] = { ".nan", ".NaN", ".NAN", NULL };
	static const char *const inf[] = { ".inf", ".Inf", ".INF", "+.inf",
		"+.Inf", "+.INF", NULL };
	static const char *const ninf[] = { "-.inf", "-.Inf", "-.INF", NULL };

	if (word_in(p, n, yes) || word_in(p, n, no)) {
		sc->kind = SC_BOOL;
		sc->b = word_in(p, n, yes);
	} else if (word_in(p, n, null)) {
		sc->kind = SC_NULL;
	} else if (word_in(p, n, nan) || word_in(p, n, inf) ||
	    word_in(p, n, ninf)) {
		sc->kind = SC_FLOAT;
		sc->f = word_in(p, n, nan) ? NAN
		    : word_in(p, n, inf)   ? INFINITY
		                           : -INFINITY;
	} else {
		return false;
	}
	return true;
}

static size_t
count_digits(const char *p, size_t n, size_t *i)
{
	size_t d = 0;

	for (; *i < n && ascii_isdigit((unsigned char)p[*i]); (*i)++)
		d++;
	return d;
}

/* [eE][-+]?[0-9]+ at *i, or nothing; false when malformed. */
static bool
scan_yaml_exponent(const char *p, size_t n, size_t *i)
{
	if (*i >= n || (p[*i] != 'e' && p[*i] != 'E'))
		return true;
	(*i)++;
	if (*i < n && (p[*i] == '+' || p[*i] == '-'))
		(*i)++;
	return count_digits(p, n, i) > 0;
}

/* ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool
yaml_style_float(const char *p, size_t n)
{
	size_t i = n > 0 && (p[0] == '+' || p[0] == '-');
	bool lead = i < n && p[i] == '.';
	size_t whole = lead ? 0 : count_digits(p, n, &i), frac = 0;

	if (i < n && p[i] == '.') {
		i++;
		frac = count_digits(p, n, &i);
	}
	if (lead ? frac == 0 : whole == 0)
		return false;
	return scan_yaml_exponent(p, n, &i) && i == n;
}

static void
resolve_number(struct scalar *sc, const char *p, size_t n)
{
	char plain[128];
	size_t o = 0;

	if (n >= sizeof(plain))
		return;
	for (size_t i = 0; i < n; i++)
		if (p[i] != '_')
			plain[o++] = p[i];
	plain[o] = '\0';
	if (conv_parse_int(&sc->i, plain, o, 0) == 0) {
		sc->kind = SC_INT;
		return;
	}
	if (plain[0] != '-' && plain[0] != '+') {
		char *end;

		errno = 0;
		unsigned long long u = strtoull(plain, &end, 0);

		if (*end == '\0' && errno == 0 && o > 0 &&
		    ascii_isdigit((unsigned char)plain[0])) {
			sc->kind = SC_FLOAT; /* a uint64 past int64 */
			sc->f = (double)u;
			sc->is_uint = true;
			return;
		}
	}
	if (yaml_style_float(plain, o) &&
	    conv_parse_float(&sc->f, plain, o) == 0)
		sc->kind = SC_FLOAT;
}

/* How go-yaml v2 reads a plain scalar. */
static void
resolve_plain(struct scalar *sc, const char *p, size_t n)
{
	memset(sc, 0, sizeof(*sc));
	sc->kind = SC_STR;
	if (resolve_word(sc, p, n))
		return;
	if (n == 0)
		return;
	if (p[0] == '.') {
		if (conv_parse_float(&sc->f, p, n) == 0)
			sc->kind = SC_FLOAT;
		return;
	}
	if (p[0] == '+' || p[0] == '-' || ascii_isdigit((unsigned char)p[0]))
		resolve_number(sc, p, n);
}

/* A scalar node's meaning: plain text resolves, quoted text is a
 * string, nodes built in code or parsed from JSON say their kind. */
static void
resolve_node(struct scalar *sc, const struct doc_node *n)
{
	const char *p = n->u.str.ptr != NULL ? n->u.str.ptr : "";
	size_t len = n->u.str.ptr != NULL ? n->u.str.len : 0;

	if (n->tag != NULL && strcmp(n->tag, "!!str") == 0) {
		memset(sc, 0, sizeof(*sc));
		return;
	}
	if (n->style == DOC_STYLE_PLAIN ||
	    (n->tag != NULL && strncmp(n->tag, "!!", 2) == 0)) {
		resolve_plain(sc, p, len);
		return;
	}
	memset(sc, 0, sizeof(*sc));
	switch (n->kind) {
	case DOC_NULL:
		sc->kind = SC_NULL;
		break;
	case DOC_BOOL:
	case DOC_INT:
	case DOC_FLOAT:
		if (n->style == DOC_STYLE_ANY)
			resolve_plain(sc, p, len);
		break;
	default:
		break;
	}
}

/* sigs.k8s.io/yaml's key strings: ints in decimal, floats as float32
 * %g, bools as true/false. */
static int
key_string(struct buf *b, const struct doc_node *k, struct err *err)
{
	struct scalar sc;

	if (k == NULL || !doc_is_scalar(k))
		return err_set(err, ERR_INVALID,
		    "unsupported map key of type: map or list");
	resolve_node(&sc, k);
	switch (sc.kind) {
	case SC_STR:
		buf_append(b, k->u.str.ptr != NULL ? k->u.str.ptr : "",
		    k->u.str.ptr != NULL ? k->u.str.len : 0);
		return 0;
	case SC_NULL:
		return err_set(err, ERR_INVALID,
		    "unsupported map key of type: <nil>");
	case SC_BOOL:
		buf_puts(b, sc.b ? "true" : "false");
		return 0;
	case SC_INT:
		buf_printf(b, "%" PRId64, sc.i);
		return 0;
	default:
		if (isnan(sc.f))
			buf_puts(b, ".nan");
		else if (isinf(sc.f))
			buf_puts(b, sc.f < 0 ? "-.inf" : ".inf");
		else if (sc.is_uint)
			buf_printf(b, "%.0f", sc.f);
		else
			fmt_float_g(b, (double)(float)sc.f);
		return 0;
	}
}

static int from_node(struct tmpl_val *out, const struct doc_node *n,
    struct arena *a, unsigned depth, struct err *err);

static int
from_map(struct tmpl_val *out, const struct doc_node *n, struct arena *a,
    unsigned depth, struct err *err)
{
	struct buf key;
	struct tmpl_val v;
	int rv = 0;

	*out = tmpl_map_new(a, n->u.map.n);
	buf_init(&key, 1 << 20);
	for (size_t i = 0; i < n->u.map.n && rv == 0; i++) {
		buf_reset(&key);
		if ((rv = key_string(&key, n->u.map.items[i].key, err)) == -1)
			break;
		rv = from_node(&v, n->u.map.items[i].value, a, depth + 1, err);
		if (rv == 0)
			tmpl_map_set(a, out->u.m,
			    key.data != NULL ? key.data : "", key.len, v);
	}
	buf_release(&key);
	return rv;
}

static int
from_scalar(struct tmpl_val *out, const struct doc_node *n, struct arena *a,
    struct err *err)
{
	struct scalar sc;

	resolve_node(&sc, n);
	switch (sc.kind) {
	case SC_NULL:
		*out = tmpl_nil();
		return 0;
	case SC_BOOL:
		*out = tmpl_bool(sc.b);
		return 0;
	case SC_INT:
		*out = tmpl_float((double)sc.i); /* the JSON trip */
		return 0;
	case SC_FLOAT:
		if (isnan(sc.f) || isinf(sc.f))
			return err_set(err, ERR_INVALID,
			    "json: unsupported value: %s",
			    isnan(sc.f)    ? "NaN"
			        : sc.f < 0 ? "-Inf"
			                   : "+Inf");
		*out = tmpl_float(sc.f);
		return 0;
	default:
		*out = tmpl_str_dup(a, n->u.str.ptr != NULL ? n->u.str.ptr : "",
		    n->u.str.ptr != NULL ? n->u.str.len : 0);
		return 0;
	}
}

static int
from_node(struct tmpl_val *out, const struct doc_node *n, struct arena *a,
    unsigned depth, struct err *err)
{
	struct tmpl_val v;

	if (depth > MAX_CONV_DEPTH)
		return err_set(err, ERR_LIMIT, "values nested deeper than %d",
		    MAX_CONV_DEPTH);
	if (n == NULL) {
		*out = tmpl_nil();
		return 0;
	}
	if (n->kind == DOC_MAP)
		return from_map(out, n, a, depth, err);
	if (n->kind != DOC_SEQ)
		return from_scalar(out, n, a, err);
	*out = tmpl_list_new(a, n->u.seq.n);
	for (size_t i = 0; i < n->u.seq.n; i++) {
		if (from_node(&v, n->u.seq.items[i], a, depth + 1, err) == -1)
			return -1;
		out->u.l->items[out->u.l->n++] = v;
	}
	return 0;
}

int
tmpl_from_doc(struct tmpl_val *out, const struct doc_node *n, struct arena *a,
    struct err *err)
{
	return from_node(out, n, a, 0, err);
}

/* The first document of a YAML stream, as a value. */
static int
yaml_first(struct tmpl_val *out, const char *text, size_t len, struct arena *a,
    struct err *err)
{
	struct doc *d = NULL;
	int rv;

	if (doc_parse_yaml_lenient(&d, text, len, NULL, err) == -1)
		return err_wrap(err, "error converting YAML to JSON: yaml");
	rv = from_node(out, doc_count(d) > 0 ? doc_root(d, 0) : NULL, a, 0,
	    err);
	doc_free(d);
	if (rv == -1)
		return err_wrap(err, "error converting YAML to JSON");
	return 0;
}

static int
want_kind(const struct tmpl_val *v, enum tmpl_kind kind, struct err *err)
{
	static const char *const names[] = { "null", "bool", "number", "number",
		"string", "array", "object", "object" };

	if (v->kind == kind || v->kind == TMPL_NIL)
		return 0;
	return err_set(err, ERR_INVALID,
	    "error unmarshaling JSON: while decoding JSON: json: cannot "
	    "unmarshal %s into Go value of type %s",
	    names[v->kind],
	    kind == TMPL_MAP ? "map[string]interface {}" : "[]interface {}");
}

int
tmpl_values_parse(struct tmpl_val *out, const char *text, size_t len,
    struct arena *a, struct err *err)
{
	if (yaml_first(out, text, len, a, err) == -1 ||
	    want_kind(out, TMPL_MAP, err) == -1)
		return -1;
	if (out->kind == TMPL_NIL)
		*out = tmpl_map_new(a, 0);
	return 0;
}

int
conv_from_yaml(struct tmpl_val *out, const char *p, size_t n, struct arena *a,
    struct err *err)
{
	return yaml_first(out, p, n, a, err);
}

int
conv_from_json(struct tmpl_val *out, const char *p, size_t n, struct arena *a,
    struct err *err)
{
	struct doc *d = NULL;
	const char *msg;
	int rv;

	if (doc_parse_json(&d, p, n, NULL, err) == -1) {
		/* keep Go's wording, without our position */
		msg = strstr(err->msg, ": ");
		if (strncmp(err->msg, "line ", 5) == 0 && msg != NULL)
			memmove(err->msg, msg + 2, strlen(msg + 2) + 1);
		return -1;
	}
	rv = from_node(out, doc_root(d, 0), a, 0, err);
	doc_free(d);
	return rv;
}

/* ---- out: values as doc trees -------------------------------------------- */

/* encoding/json's float text: shortest 'f' between 1e-6 and 1e21, else
 * shortest 'e' with a one-digit exponent kept short ("1e-7"). */
static void
json_float(struct buf *b, double f)
{
	double af = fabs(f);
	char tmp[64];

	if (f == 0) {
		buf_puts(b, signbit(f) ? "-0" : "0");
		return;
	}
	if (af < 1e-6 || af >= 1e21) {
		fmt_float_g(b, f);
		if (b->len >= 4 && b->data[b->len - 4] == 'e' &&
		    b->data[b->len - 3] == '-' && b->data[b->len - 2] == '0') {
			b->data[b->len - 2] = b->data[b->len - 1];
			b->len--;
			buf_terminate(b);
		}
		return;
	}
	for (int p = 0; p <= 30; p++) {
		(void)snprintf(tmp, sizeof(tmp), "%.*f", p, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	buf_puts(b, tmp);
}

/* go-yaml v2's key order (its keyList.Less for string keys): digit runs
 * compare as numbers, and a letter sorts after a non-letter. */
static bool
is_letter(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

/* The numeric value of the digit run at s[i..], the earlier digits
 * deciding whether leading zeros count (go-yaml's numLess quirk). */
static uint64_t
digit_run(const char *s, size_t n, size_t i, uint64_t v, size_t *end)
{
	for (*end = i; *end < n && ascii_isdigit((unsigned char)s[*end]);
	     (*end)++)
		v = v * 10 + (uint64_t)(s[*end] - '0');
	return v;
}

static bool
nonzero_before(const char *s, size_t i)
{
	for (size_t j = i; j-- > 0 && ascii_isdigit((unsigned char)s[j]);)
		if (s[j] != '0')
			return true;
	return false;
}

/* Where a and b first differ at i: letters beat non-letters, digit runs
 * compare as numbers. */
static int
v2_diff(const char *a, size_t an, const char *b, size_t bn, size_t i)
{
	unsigned char x = (unsigned char)a[i], y = (unsigned char)b[i];
	bool xl = is_letter(x), yl = is_letter(y);
	uint64_t xv, yv, start = 0;
	size_t ai, bi;

	if (xl && yl)
		return x < y ? -1 : 1;
	if (xl || yl)
		return yl ? -1 : 1;
	/* a zero that continues an earlier non-zero number counts */
	if ((x == '0' || y == '0') && nonzero_before(a, i))
		start = 1;
	xv = digit_run(a, an, i, start, &ai);
	yv = digit_run(b, bn, i, start, &bi);
	if (xv != yv)
		return xv < yv ? -1 : 1;
	if (ai != bi)
		return ai < bi ? -1 : 1;
	return x < y ? -1 : 1;
}

static int
v2_key_cmp(const char *a, size_t an, const char *b, size_t bn)
{
	for (size_t i = 0; i < an && i < bn; i++)
		if (a[i] != b[i])
			return v2_diff(a, an, b, bn, i);
	return an < bn ? -1 : an > bn ? 1 : 0;
}

static int
v2_pair_cmp(const void *x, const void *y)
{
	const struct tmpl_pair *const *a = x, *const *b = y;

	return v2_key_cmp((*a)->key, (*a)->keylen, (*b)->key, (*b)->keylen);
}

/* Whose marshaler a value is printed as: sigs.k8s.io/yaml (through
 * JSON, so whole floats print as ints), encoding/json, or go-yaml v3
 * (floats as strconv's 'g'; NaN and infinities allowed). Map keys are
 * sorted bytewise for JSON, in go-yaml's natural order otherwise. */
enum conv_mode {
	CONV_YAML,
	CONV_JSON,
	CONV_YAML3,
};

static int to_doc(struct doc_node **out, struct arena *a,
    const struct tmpl_val *v, enum conv_mode mode, unsigned depth,
    struct err *err);

static int
map_to_doc(struct doc_node **out, struct arena *a, const struct tmpl_map *m,
    enum conv_mode mode, unsigned depth, struct err *err)
{
	const struct tmpl_pair **order = xcalloc(m->n + 1,
	    sizeof(struct tmpl_pair *));
	struct doc_node *map = doc_new_map(a), *v;
	int rv = 0;

	for (size_t i = 0; i < m->n; i++)
		order[i] = &m->items[i];
	if (mode != CONV_JSON)
		qsort(order, m->n, sizeof(struct tmpl_pair *), v2_pair_cmp);
	for (size_t i = 0; i < m->n && rv == 0; i++) {
		rv = to_doc(&v, a, &order[i]->val, mode, depth + 1, err);
		if (rv == 0)
			doc_map_set(a, map, order[i]->key, order[i]->keylen, v);
	}
	free(order);
	*out = map;
	return rv;
}

/* A float64 as sigs.k8s.io/yaml prints it: through JSON, then read back
 * by go-yaml, so whole numbers become ints. */
static struct doc_node *
yaml_float(struct arena *a, double f)
{
	struct buf t;
	struct doc_node *n;

	buf_init(&t, 64);
	if (f == trunc(f) && fabs(f) < 1e21) {
		if (fabs(f) < 9.2e18)
			buf_printf(&t, "%" PRId64, (int64_t)f);
		else if (f > 0 && f < 1.8e19)
			buf_printf(&t, "%.0f", f);
		else
			fmt_float_g(&t, f);
	} else {
		fmt_float_g(&t, f);
	}
	n = doc_new_plain(a, t.data, t.len);
	buf_release(&t);
	return n;
}

/* go-yaml v3's floatv: strconv.FormatFloat(f, 'g', -1, 64), with YAML's
 * spellings of the special values. */
static void
yaml3_float(struct buf *t, double f)
{
	if (isnan(f))
		buf_puts(t, ".nan");
	else if (isinf(f))
		buf_puts(t, f < 0 ? "-.inf" : ".inf");
	else
		fmt_float_g(t, f);
}

static struct doc_node *
scalar_to_doc(struct arena *a, const struct tmpl_val *v, enum conv_mode mode)
{
	struct buf t;
	struct doc_node *n;

	switch (v->kind) {
	case TMPL_NIL:
		return doc_new_null(a);
	case TMPL_BOOL:
		return doc_new_bool(a, v->u.b);
	case TMPL_INT:
		return doc_new_int(a, v->u.i);
	case TMPL_FLOAT:
		if (mode == CONV_YAML)
			return yaml_float(a, v->u.f);
		buf_init(&t, 64);
		if (mode == CONV_JSON)
			json_float(&t, v->u.f);
		else
			yaml3_float(&t, v->u.f);
		n = doc_new_plain(a, t.data, t.len);
		buf_release(&t);
		return n;
	default:
		return NULL;
	}
}

static int
list_to_doc(struct doc_node **out, struct arena *a, const struct tmpl_list *l,
    enum conv_mode mode, unsigned depth, struct err *err)
{
	struct doc_node *item;

	*out = doc_new_seq(a);
	for (size_t i = 0; i < l->n; i++) {
		if (to_doc(&item, a, &l->items[i], mode, depth + 1, err) == -1)
			return -1;
		doc_seq_append(a, *out, item);
	}
	return 0;
}

static int
to_doc(struct doc_node **out, struct arena *a, const struct tmpl_val *v,
    enum conv_mode mode, unsigned depth, struct err *err)
{
	struct tmpl_val plain;

	if (depth > MAX_CONV_DEPTH)
		return err_set(err, ERR_LIMIT, "value nested deeper than %d",
		    MAX_CONV_DEPTH);
	switch (v->kind) {
	case TMPL_STR:
		if (v->type == TMPL_T_BYTES)
			return err_set(err, ERR_UNSUPPORTED,
			    "byte slices cannot be marshaled yet");
		*out = doc_new_str(a, v->u.s.p, v->u.s.n);
		return 0;
	case TMPL_LIST:
		return list_to_doc(out, a, v->u.l, mode, depth, err);
	case TMPL_MAP:
		return map_to_doc(out, a, v->u.m, mode, depth, err);
	case TMPL_OBJ:
		if (v->u.o->cls->plain == NULL) {
			*out = doc_new_map(a);
			return 0;
		}
		plain = val_plain(a, v);
		return to_doc(out, a, &plain, mode, depth + 1, err);
	case TMPL_FLOAT:
		if ((isnan(v->u.f) || isinf(v->u.f)) && mode != CONV_YAML3)
			return err_set(err, ERR_INVALID,
			    "json: unsupported value: %s",
			    isnan(v->u.f)    ? "NaN"
			        : v->u.f < 0 ? "-Inf"
			                     : "+Inf");
		*out = scalar_to_doc(a, v, mode);
		return 0;
	default:
		*out = scalar_to_doc(a, v, mode);
		return 0;
	}
}

int
conv_to_doc(struct doc_node **out, struct arena *a, const struct tmpl_val *v,
    bool json_keys, struct err *err)
{
	return to_doc(out, a, v, json_keys ? CONV_JSON : CONV_YAML, 0, err);
}

static int
to_yaml(struct buf *out, const struct tmpl_val *v, enum conv_mode mode,
    struct err *err)
{
	struct arena *a = arena_new();
	struct doc_node *n = NULL;
	int rv;

	rv = to_doc(&n, a, v, mode, 0, err);
	if (rv == 0)
		rv = doc_emit_yaml_flags(out, n,
		    mode == CONV_YAML3 ? DOC_YAML_V3 : 0, err);
	arena_free(a);
	return rv;
}

int
tmpl_to_yaml(struct buf *out, const struct tmpl_val *v, struct err *err)
{
	return to_yaml(out, v, CONV_YAML, err);
}

int
tmpl_to_yaml_pretty(struct buf *out, const struct tmpl_val *v, struct err *err)
{
	return to_yaml(out, v, CONV_YAML3, err);
}

int
tmpl_to_json(struct buf *out, const struct tmpl_val *v, bool indent,
    struct err *err)
{
	struct arena *a = arena_new();
	struct doc_node *n = NULL;
	int rv;

	rv = to_doc(&n, a, v, CONV_JSON, 0, err);
	if (rv == 0)
		rv = doc_emit_json(out, n, indent ? DOC_JSON_INDENT : 0, err);
	arena_free(a);
	return rv;
}
