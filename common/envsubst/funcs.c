/*
 * The operators of ${...}: variable lookup, the strict-mode check and the
 * string functions, each giving what Flux's Go function gives -- byte
 * lengths and offsets, Go's strings.Replace on empty patterns, rune-wise
 * case mapping that turns bad bytes into U+FFFD, and suffix trims done by
 * reversing runes.
 */
#include "envsubst/envsubst_int.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

struct str {
	const char *p;
	size_t n;
};

enum op {
	OP_DEFAULT,
	OP_LEN,
	OP_UPPER_FIRST,
	OP_UPPER,
	OP_LOWER_FIRST,
	OP_LOWER,
	OP_TRIM_PREFIX,
	OP_TRIM_PREFIX_LONGEST,
	OP_TRIM_SUFFIX,
	OP_TRIM_SUFFIX_LONGEST,
	OP_SUBSTR,
	OP_REPLACE_FIRST,
	OP_REPLACE_ALL,
	OP_REPLACE_PREFIX,
	OP_REPLACE_SUFFIX,
};

static const struct {
	const char *name;
	enum op op;
} ops[] = {
	{ ",", OP_LOWER_FIRST },
	{ ",,", OP_LOWER },
	{ "^", OP_UPPER_FIRST },
	{ "^^", OP_UPPER },
	{ "##", OP_TRIM_PREFIX_LONGEST },
	{ "%", OP_TRIM_SUFFIX },
	{ "%%", OP_TRIM_SUFFIX_LONGEST },
	{ ":", OP_SUBSTR },
	{ "/#", OP_REPLACE_PREFIX },
	{ "/%", OP_REPLACE_SUFFIX },
	{ "/", OP_REPLACE_FIRST },
	{ "//", OP_REPLACE_ALL },
};

/* Go's lookupFunc: anything unknown (":=", "", "^,", ...) is the default
 * function, and "#" is a length without argument, a trim with one. */
static enum op
op_lookup(const struct eval_func *f)
{
	size_t i;

	if (strcmp(f->op, "#") == 0)
		return f->nargs == 0 ? OP_LEN : OP_TRIM_PREFIX;
	for (i = 0; i < sizeof(ops) / sizeof(ops[0]); i++)
		if (strcmp(f->op, ops[i].name) == 0)
			return ops[i].op;
	return OP_DEFAULT;
}

/* The operators that supply their own value, so strict mode lets an unset
 * variable through. */
static bool
op_is_default(const char *op)
{
	static const char *const defaults[] = { "-", "+", "=", "?", ":-", ":+",
		":=", ":?" };
	size_t i;

	for (i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (strcmp(op, defaults[i]) == 0)
			return true;
	return false;
}

void
envsubst_fail(struct eval_state *ev, enum err_code code, const char *fmt, ...)
{
	char msg[ERR_MSG_MAX];
	va_list ap;

	if (ev->late.code != ERR_OK)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	err_set(&ev->late, code, "%s", msg);
}

void
envsubst_emit(struct eval_state *ev, struct buf *b, const void *p, size_t n)
{
	if (ev->late.code != ERR_OK || n == 0)
		return;
	if (!envsubst_budget_take(&ev->budget, n))
		envsubst_fail(ev, ERR_LIMIT,
		    "expansion exceeds its work limit");
	else if (buf_append(b, p, n) == -1)
		envsubst_fail(ev, ERR_LIMIT, "expanded text exceeds %zu bytes",
		    ev->max_bytes);
}

static void
emit_str(struct eval_state *ev, struct buf *b, struct str s)
{
	envsubst_emit(ev, b, s.p, s.n);
}

static void
emit_rune(struct eval_state *ev, struct buf *b, uint32_t r)
{
	char enc[4];

	envsubst_emit(ev, b, enc, envsubst_utf8_encode(enc, r));
}

static struct str
arg(const struct eval_func *f, size_t i)
{
	struct str s = { "", 0 };

	if (i < f->nargs && f->args[i].data != NULL) {
		s.p = f->args[i].data;
		s.n = f->args[i].len;
	}
	return s;
}

static bool
str_eq(struct str a, struct str b)
{
	return a.n == b.n && (a.n == 0 || memcmp(a.p, b.p, a.n) == 0);
}

/* ---- case, length, default ----------------------------------------------- */

/* strings.ToUpper/ToLower (all) or unicode.ToUpper/ToLower on the first
 * rune; a bad byte that gets mapped comes out as U+FFFD, as in Go. */
static void
fn_case(struct eval_state *ev, struct buf *out, struct str v, bool upper,
    bool all)
{
	size_t i = 0, w;
	uint32_t r;

	while (i < v.n) {
		w = envsubst_utf8_decode(&r, v.p + i, v.n - i);
		emit_rune(ev, out,
		    upper ? envsubst_to_upper(r) : envsubst_to_lower(r));
		i += w;
		if (!all) {
			envsubst_emit(ev, out, v.p + i, v.n - i);
			return;
		}
	}
}

static void
fn_len(struct eval_state *ev, struct buf *out, struct str v)
{
	char num[24];
	int n = snprintf(num, sizeof(num), "%zu", v.n);

	envsubst_emit(ev, out, num, (size_t)n);
}

/* ---- substring ----------------------------------------------------------- */

/* strconv.Atoi: an optional sign and decimal digits that fit in 64 bits;
 * no spaces, which is why strtoll will not do. */
static bool
go_atoi(struct str s, int64_t *out)
{
	uint64_t v = 0, max = INT64_MAX;
	bool neg = false;
	size_t i = 0;

	if (s.n > 0 && (s.p[0] == '+' || s.p[0] == '-')) {
		neg = s.p[0] == '-';
		max += neg ? 1 : 0;
		i = 1;
	}
	if (i == s.n)
		return false;
	for (; i < s.n; i++) {
		unsigned d = (unsigned char)s.p[i] - '0';

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/*
 * toSubstr: an offset or length that is not an integer yields the value
 * unchanged, a negative offset counts from the end. Go's int arithmetic
 * wraps, and a slice it cannot take (a negative length) panics in Flux;
 * that becomes an error here.
 */
static void
fn_substr(struct eval_state *ev, struct buf *out, struct str v,
    const struct eval_func *f)
{
	int64_t pos, length = 0, end, n = (int64_t)v.n;

	if (!go_atoi(arg(f, 0), &pos) ||
	    (f->nargs == 2 && !go_atoi(arg(f, 1), &length))) {
		emit_str(ev, out, v);
		return;
	}
	if (pos < 0)
		pos = pos + n < 0 ? 0 : pos + n;
	end = (int64_t)((uint64_t)pos + (uint64_t)length);
	if (f->nargs == 1 || end >= n) {
		if (pos < n)
			envsubst_emit(ev, out, v.p + pos, (size_t)(n - pos));
	} else if (end < 0 || pos > end) {
		envsubst_fail(ev, ERR_INVALID,
		    "slice bounds out of range [%" PRId64 ":%" PRId64 "]", pos,
		    end);
	} else {
		envsubst_emit(ev, out, v.p + pos, (size_t)(end - pos));
	}
}

/* ---- replace ------------------------------------------------------------- */

/* strings.Replace(s, old, new, limit): an empty old matches before every
 * rune and at the end. */
static void
go_replace(struct eval_state *ev, struct buf *out, struct str s, struct str old,
    struct str new, size_t limit)
{
	size_t count = 0, start = 0, w;
	const char *hit;
	uint32_t r;

	if (str_eq(old, new)) {
		emit_str(ev, out, s);
		return;
	}
	if (old.n == 0) {
		emit_str(ev, out, new);
		for (count = 1; start < s.n; start += w) {
			w = envsubst_utf8_decode(&r, s.p + start, s.n - start);
			envsubst_emit(ev, out, s.p + start, w);
			if (count++ < limit)
				emit_str(ev, out, new);
		}
		return;
	}
	while (count++ < limit &&
	    (hit = memmem(s.p + start, s.n - start, old.p, old.n)) != NULL) {
		envsubst_emit(ev, out, s.p + start,
		    (size_t)(hit - s.p) - start);
		emit_str(ev, out, new);
		start = (size_t)(hit - s.p) + old.n;
	}
	envsubst_emit(ev, out, s.p + start, s.n - start);
}

/* replacePrefix/replaceSuffix insist on both arguments: ${v/#p/} leaves
 * v alone. */
static void
fn_replace_end(struct eval_state *ev, struct buf *out, struct str v,
    const struct eval_func *f, bool prefix)
{
	struct str pat = arg(f, 0), rep = arg(f, 1);
	size_t at = prefix ? 0 : v.n - pat.n;

	if (f->nargs != 2 || pat.n > v.n ||
	    memcmp(v.p + at, pat.p, pat.n) != 0) {
		emit_str(ev, out, v);
	} else if (prefix) {
		emit_str(ev, out, rep);
		envsubst_emit(ev, out, v.p + pat.n, v.n - pat.n);
	} else {
		envsubst_emit(ev, out, v.p, v.n - pat.n);
		emit_str(ev, out, rep);
	}
}

/* ---- trim ---------------------------------------------------------------- */

/* trimShortest/trimLongest: the prefixes of s, longest first, tried
 * against the glob; a bad pattern leaves s whole. */
static void
trim_prefix(struct eval_state *ev, struct buf *out, struct str s,
    struct str pat, bool longest)
{
	enum envsubst_match m;
	size_t best = 0, i;

	for (i = 0; i < s.n; i++) {
		m = ENVSUBST_EXHAUSTED;
		if (envsubst_budget_take(&ev->budget, 1))
			m = envsubst_glob_match(pat.p, pat.n, s.p, s.n - i,
			    &ev->budget);
		if (m == ENVSUBST_EXHAUSTED) {
			envsubst_fail(ev, ERR_LIMIT,
			    "expansion exceeds its work limit");
			return;
		}
		if (m == ENVSUBST_BADPATTERN) {
			emit_str(ev, out, s);
			return;
		}
		if (m == ENVSUBST_MATCH) {
			best = s.n - i;
			if (longest)
				break;
		}
	}
	envsubst_emit(ev, out, s.p + best, s.n - best);
}

/* Go's reverse(): the runes of s in reverse order, bad bytes as U+FFFD. */
static void
reverse_runes(struct eval_state *ev, struct buf *out, struct str s)
{
	struct buf clean;
	size_t i, end, w;
	uint32_t r;

	buf_init(&clean, ev->max_bytes);
	for (i = 0; i < s.n; i += w) {
		w = envsubst_utf8_decode(&r, s.p + i, s.n - i);
		emit_rune(ev, &clean, r);
	}
	for (end = clean.len; end > 0; end = i) {
		i = end - 1;
		while (i > 0 && ((unsigned char)clean.data[i] & 0xC0) == 0x80)
			i--;
		envsubst_emit(ev, out, clean.data + i, end - i);
	}
	buf_release_secret(&clean);
}

static struct str
buf_str(const struct buf *b)
{
	struct str s = { b->data != NULL ? b->data : "", b->len };

	return s;
}

/* A suffix trim is a prefix trim of the reversed value and pattern. */
static void
fn_trim(struct eval_state *ev, struct buf *out, struct str v,
    const struct eval_func *f, bool suffix, bool longest)
{
	struct buf rv, rpat, trimmed;

	if (!suffix) {
		trim_prefix(ev, out, v, arg(f, 0), longest);
		return;
	}
	buf_init(&rv, ev->max_bytes);
	buf_init(&rpat, ev->max_bytes);
	buf_init(&trimmed, ev->max_bytes);
	reverse_runes(ev, &rv, v);
	reverse_runes(ev, &rpat, arg(f, 0));
	trim_prefix(ev, &trimmed, buf_str(&rv), buf_str(&rpat), longest);
	reverse_runes(ev, out, buf_str(&trimmed));
	buf_release_secret(&rv);
	buf_release(&rpat);
	buf_release_secret(&trimmed);
}

/* ---- dispatch ------------------------------------------------------------ */

static void
fn_default(struct eval_state *ev, struct buf *out, struct str v,
    const struct eval_func *f)
{
	emit_str(ev, out, v.n == 0 && f->nargs > 0 ? arg(f, 0) : v);
}

static void
dispatch(struct eval_state *ev, struct buf *out, struct str v,
    const struct eval_func *f)
{
	enum op op = op_lookup(f);

	switch (op) {
	case OP_DEFAULT:
		fn_default(ev, out, v, f);
		break;
	case OP_LEN:
		fn_len(ev, out, v);
		break;
	case OP_UPPER_FIRST:
	case OP_UPPER:
	case OP_LOWER_FIRST:
	case OP_LOWER:
		fn_case(ev, out, v, op == OP_UPPER_FIRST || op == OP_UPPER,
		    op == OP_UPPER || op == OP_LOWER);
		break;
	case OP_TRIM_PREFIX:
	case OP_TRIM_PREFIX_LONGEST:
	case OP_TRIM_SUFFIX:
	case OP_TRIM_SUFFIX_LONGEST:
		fn_trim(ev, out, v, f,
		    op == OP_TRIM_SUFFIX || op == OP_TRIM_SUFFIX_LONGEST,
		    op == OP_TRIM_PREFIX_LONGEST ||
		        op == OP_TRIM_SUFFIX_LONGEST);
		break;
	case OP_SUBSTR:
		fn_substr(ev, out, v, f);
		break;
	case OP_REPLACE_FIRST:
	case OP_REPLACE_ALL:
		go_replace(ev, out, v, arg(f, 0), arg(f, 1),
		    op == OP_REPLACE_FIRST ? 1 : SIZE_MAX);
		break;
	case OP_REPLACE_PREFIX:
	case OP_REPLACE_SUFFIX:
		fn_replace_end(ev, out, v, f, op == OP_REPLACE_PREFIX);
		break;
	}
}

void
envsubst_apply(struct eval_state *ev, const struct eval_func *f,
    struct buf *out)
{
	struct str v;

	if (ev->late.code != ERR_OK)
		return;
	v.p = envsubst_vars_find(ev->vars, f->name, f->name_len, &v.n);
	if (v.p == NULL && ev->strict && !op_is_default(f->op)) {
		envsubst_fail(ev, ERR_INVALID,
		    "variable not set (strict mode): \"%.*s\"",
		    (int)(f->name_len > 256 ? 256 : f->name_len), f->name);
		return;
	}
	if (v.p == NULL) {
		v.p = "";
		v.n = 0;
	}
	dispatch(ev, out, v, f);
}
