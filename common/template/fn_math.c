/*
 * Sprig's math and conversions. Integer math goes through spf13/cast's
 * ToInt64 (floats truncate, strings parse, junk is 0) and returns int64;
 * the float functions return float64, with addf and friends doing exact
 * decimal arithmetic as shopspring/decimal does. int, int64, float64,
 * atoi and toDecimal convert; until, untilStep and seq count.
 */
#include "template/tmpl_int.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RANGE (1 << 20) /* items until/seq may produce */

static struct tmpl_val
int64_val(int64_t i)
{
	struct tmpl_val v = tmpl_int(i);

	v.type = TMPL_T_INT64;
	return v;
}

/* cast's trimZeroDecimal: "4.00" reads as "4". */
static size_t
trim_zero_decimal(const char *s, size_t n)
{
	bool zero = false;

	for (size_t i = n; i > 0; i--) {
		if (s[i - 1] == '.')
			return zero ? i - 1 : n;
		if (s[i - 1] != '0')
			return n;
		zero = true;
	}
	return n;
}

int64_t
conv_int64(const struct tmpl_val *v)
{
	int64_t i;

	switch (v->kind) {
	case TMPL_INT:
		return v->u.i;
	case TMPL_FLOAT:
		if (isnan(v->u.f))
			return INT64_MIN;
		if (v->u.f >= 9223372036854775807.0 ||
		    v->u.f <= -9223372036854775808.0)
			return INT64_MIN;
		return (int64_t)v->u.f;
	case TMPL_BOOL:
		return v->u.b ? 1 : 0;
	case TMPL_STR:
		if (v->type == TMPL_T_BYTES)
			return 0;
		if (conv_parse_int(&i, v->u.s.p,
		        trim_zero_decimal(v->u.s.p, v->u.s.n), 0) == 0)
			return i;
		return 0;
	default:
		return 0;
	}
}

double
conv_float64(const struct tmpl_val *v)
{
	double f;

	switch (v->kind) {
	case TMPL_INT:
		return (double)v->u.i;
	case TMPL_FLOAT:
		return v->u.f;
	case TMPL_BOOL:
		return v->u.b ? 1 : 0;
	case TMPL_STR:
		if (v->type != TMPL_T_BYTES &&
		    conv_parse_float(&f, v->u.s.p, v->u.s.n) == 0)
			return f;
		return 0;
	default:
		return 0;
	}
}

/* ---- integer math -------------------------------------------------------- */

static int
fn_add(struct tmpl_val *out, struct call *c, struct err *err)
{
	uint64_t sum = 0;

	(void)err;
	for (size_t i = 0; i < c->argc; i++)
		sum += (uint64_t)conv_int64(&c->argv[i]); /* wraps like Go */
	*out = int64_val((int64_t)sum);
	return 0;
}

static int
fn_add1(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = int64_val((int64_t)((uint64_t)conv_int64(&c->argv[0]) + 1));
	return 0;
}

static int
fn_sub(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = int64_val((int64_t)((uint64_t)conv_int64(&c->argv[0]) -
	    (uint64_t)conv_int64(&c->argv[1])));
	return 0;
}

static int
fn_mul(struct tmpl_val *out, struct call *c, struct err *err)
{
	uint64_t p = (uint64_t)conv_int64(&c->argv[0]);

	(void)err;
	for (size_t i = 1; i < c->argc; i++)
		p *= (uint64_t)conv_int64(&c->argv[i]);
	*out = int64_val((int64_t)p);
	return 0;
}

static int
fn_div_mod(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t a = conv_int64(&c->argv[0]), b = conv_int64(&c->argv[1]);

	if (b == 0)
		return err_set(err, ERR_INVALID,
		    "runtime error: integer divide by zero");
	if (a == INT64_MIN && b == -1) /* Go wraps; C traps */
		*out = int64_val(c->fn->name[0] == 'd' ? INT64_MIN : 0);
	else
		*out = int64_val(c->fn->name[0] == 'd' ? a / b : a % b);
	return 0;
}

static int
fn_max_min(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool max = strcmp(c->fn->name, "min") != 0;
	int64_t r = conv_int64(&c->argv[0]);

	(void)err;
	for (size_t i = 1; i < c->argc; i++) {
		int64_t v = conv_int64(&c->argv[i]);

		if (max ? v > r : v < r)
			r = v;
	}
	*out = int64_val(r);
	return 0;
}

static int
fn_maxf_minf(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool max = strcmp(c->fn->name, "maxf") == 0;
	double r = conv_float64(&c->argv[0]);

	(void)err;
	for (size_t i = 1; i < c->argc; i++)
		r = max ? fmax(r, conv_float64(&c->argv[i]))
		        : fmin(r, conv_float64(&c->argv[i]));
	*out = tmpl_float(r);
	return 0;
}

static int
fn_floor_ceil(struct tmpl_val *out, struct call *c, struct err *err)
{
	double f = conv_float64(&c->argv[0]);

	(void)err;
	*out = tmpl_float(c->fn->name[0] == 'f' ? floor(f) : ceil(f));
	return 0;
}

static int
fn_round(struct tmpl_val *out, struct call *c, struct err *err)
{
	double on = c->argc > 2 ? c->argv[2].u.f : .5;
	double pw = pow(10, (double)c->argv[1].u.i);
	double digit = pw * conv_float64(&c->argv[0]), ip;
	double frac = modf(digit, &ip);

	(void)err;
	*out = tmpl_float((frac >= on ? ceil(digit) : floor(digit)) / pw);
	return 0;
}

/* ---- conversions --------------------------------------------------------- */

static int
fn_int(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_int(conv_int64(&c->argv[0]));
	return 0;
}

static int
fn_int64(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = int64_val(conv_int64(&c->argv[0]));
	return 0;
}

static int
fn_float64(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_float(conv_float64(&c->argv[0]));
	return 0;
}

/* strconv.Atoi: optional sign and decimal digits only. */
static int
fn_atoi(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *s = c->argv[0].u.s.p;
	size_t n = c->argv[0].u.s.n, i = n > 0 && (s[0] == '+' || s[0] == '-');
	int64_t v = 0;
	bool ok = i < n;

	(void)err;
	for (; i < n && ok; i++)
		ok = s[i] >= '0' && s[i] <= '9';
	if (!ok || conv_parse_int(&v, s, n, 10) == -1)
		v = 0;
	*out = tmpl_int(v);
	return 0;
}

static int
fn_to_decimal(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val s = val_to_str(c->a, &c->argv[0]);
	int64_t v;

	(void)err;
	if (conv_parse_int(&v, s.u.s.p, s.u.s.n, 8) == -1)
		v = 0;
	*out = int64_val(v);
	return 0;
}

/* ---- counting ------------------------------------------------------------ */

static int
until_step(struct tmpl_val *out, struct arena *a, int64_t start, int64_t stop,
    int64_t step, struct err *err)
{
	*out = tmpl_list_new(a, 0);
	if ((stop < start && step >= 0) || (stop >= start && step <= 0))
		return 0;
	for (int64_t i = start; step > 0 ? i < stop : i > stop; i += step) {
		if (out->u.l->n >= MAX_RANGE)
			return err_set(err, ERR_LIMIT,
			    "range of more than %d numbers", MAX_RANGE);
		tmpl_list_append(a, out->u.l, tmpl_int(i));
	}
	return 0;
}

static int
fn_until(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t n = c->argv[0].u.i;

	return until_step(out, c->a, 0, n, n < 0 ? -1 : 1, err);
}

static int
fn_until_step(struct tmpl_val *out, struct call *c, struct err *err)
{
	return until_step(out, c->a, c->argv[0].u.i, c->argv[1].u.i,
	    c->argv[2].u.i, err);
}

static int
fn_seq(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t start = 1, end, step = 1, inc = 1;
	struct tmpl_val l;
	struct buf b;

	if (c->argc == 0 || c->argc > 3) {
		*out = tmpl_str("", 0);
		return 0;
	}
	end = c->argv[c->argc - 1].u.i;
	if (c->argc > 1)
		start = c->argv[0].u.i;
	if (end < start)
		inc = step = -1;
	if (c->argc == 3) {
		step = c->argv[1].u.i;
		if (end < start && step > 0) {
			*out = tmpl_str("", 0);
			return 0;
		}
	}
	if (until_step(&l, c->a, start, end + inc, step, err) == -1)
		return -1;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < l.u.l->n; i++)
		buf_printf(&b, i > 0 ? " %" PRId64 : "%" PRId64,
		    l.u.l->items[i].u.i);
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	return 0;
}

static int
fn_rand_int(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t lo = c->argv[0].u.i, hi = c->argv[1].u.i;
	uint64_t r;

	if (hi <= lo)
		return err_set(err, ERR_INVALID, "invalid argument to Intn");
	exec_random(c->s->x, &r, sizeof(r));
	*out = tmpl_int(lo + (int64_t)(r % (uint64_t)(hi - lo)));
	return 0;
}

/* ---- decimal float math (shopspring/decimal) ----------------------------- */

/* The shortest decimal of f as mantissa * 10^exp. */
static bool
to_decimal(double f, __int128 *mant, int *exp10)
{
	char tmp[40], *e;
	__int128 m = 0;
	int digits = 0, x;
	bool neg = f < 0;

	if (!isfinite(f))
		return false;
	for (int p = 1; p <= 17; p++) {
		(void)snprintf(tmp, sizeof(tmp), "%.*e", p - 1, f);
		if (strtod(tmp, NULL) == f)
			break;
	}
	e = strchr(tmp, 'e');
	x = (int)strtol(e + 1, NULL, 10);
	for (const char *q = tmp; q < e; q++)
		if (*q >= '0' && *q <= '9') {
			m = m * 10 + (*q - '0');
			digits++;
		}
	*mant = neg ? -m : m;
	*exp10 = x - (digits - 1);
	return true;
}

static double
from_decimal(__int128 m, int exp10)
{
	char tmp[64];
	char digits[48];
	int n = 0;
	bool neg = m < 0;

	if (m == 0)
		return 0;
	if (neg)
		m = -m;
	while (m > 0 && n < 46) {
		digits[n++] = (char)('0' + (int)(m % 10));
		m /= 10;
	}
	for (int i = 0; i < n / 2; i++) {
		char t = digits[i];

		digits[i] = digits[n - 1 - i];
		digits[n - 1 - i] = t;
	}
	digits[n] = '\0';
	(void)snprintf(tmp, sizeof(tmp), "%s%se%d", neg ? "-" : "", digits,
	    exp10);
	return strtod(tmp, NULL);
}

/* a op b exactly when the aligned mantissas fit, else in floating point. */
static double
decimal_op(double a, double b, char op)
{
	__int128 ma, mb;
	int ea, eb;

	if (op == '/')
		return b == 0 ? NAN : a / b;
	if (!to_decimal(a, &ma, &ea) || !to_decimal(b, &mb, &eb))
		return op == '+' ? a + b : op == '-' ? a - b : a * b;
	if (op == '*')
		return from_decimal(ma * mb, ea + eb);
	while (ea > eb && ea - eb <= 20) {
		ma *= 10;
		ea--;
	}
	while (eb > ea && eb - ea <= 20) {
		mb *= 10;
		eb--;
	}
	if (ea != eb)
		return op == '+' ? a + b : a - b;
	return from_decimal(op == '+' ? ma + mb : ma - mb, ea);
}

static int
decimal_fold(struct tmpl_val *out, struct call *c, double start, size_t from,
    char op, struct err *err)
{
	double r = start;

	for (size_t i = from; i < c->argc; i++) {
		double x = conv_float64(&c->argv[i]);

		if (op == '/' && x == 0)
			return err_set(err, ERR_INVALID,
			    "decimal division by 0");
		r = decimal_op(r, x, op);
	}
	*out = tmpl_float(r);
	return 0;
}

static int
fn_addf(struct tmpl_val *out, struct call *c, struct err *err)
{
	return decimal_fold(out, c, 0, 0, '+', err);
}

static int
fn_add1f(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_float(decimal_op(conv_float64(&c->argv[0]), 1, '+'));
	return 0;
}

static int
fn_subf(struct tmpl_val *out, struct call *c, struct err *err)
{
	return decimal_fold(out, c, conv_float64(&c->argv[0]), 1, '-', err);
}

static int
fn_mulf(struct tmpl_val *out, struct call *c, struct err *err)
{
	return decimal_fold(out, c, conv_float64(&c->argv[0]), 1, '*', err);
}

static int
fn_divf(struct tmpl_val *out, struct call *c, struct err *err)
{
	return decimal_fold(out, c, conv_float64(&c->argv[0]), 1, '/', err);
}

static const struct tmpl_func fns[] = {
	{ "add", "*a", fn_add, 0 },
	{ "add1", "a", fn_add1, 0 },
	{ "add1f", "a", fn_add1f, 0 },
	{ "addf", "*a", fn_addf, 0 },
	{ "atoi", "s", fn_atoi, 0 },
	{ "biggest", "a*a", fn_max_min, 0 },
	{ "ceil", "a", fn_floor_ceil, 0 },
	{ "div", "aa", fn_div_mod, 0 },
	{ "divf", "a*a", fn_divf, 0 },
	{ "float64", "a", fn_float64, 0 },
	{ "floor", "a", fn_floor_ceil, 0 },
	{ "int", "a", fn_int, 0 },
	{ "int64", "a", fn_int64, 0 },
	{ "max", "a*a", fn_max_min, 0 },
	{ "maxf", "a*a", fn_maxf_minf, 0 },
	{ "min", "a*a", fn_max_min, 0 },
	{ "minf", "a*a", fn_maxf_minf, 0 },
	{ "mod", "aa", fn_div_mod, 0 },
	{ "mul", "a*a", fn_mul, 0 },
	{ "mulf", "a*a", fn_mulf, 0 },
	{ "randInt", "ii", fn_rand_int, 0 },
	{ "round", "ai*f", fn_round, 0 },
	{ "seq", "*i", fn_seq, 0 },
	{ "sub", "aa", fn_sub, 0 },
	{ "subf", "a*a", fn_subf, 0 },
	{ "toDecimal", "a", fn_to_decimal, 0 },
	{ "until", "i", fn_until, 0 },
	{ "untilStep", "iii", fn_until_step, 0 },
};

const struct func_table fn_math_table = { fns, sizeof(fns) / sizeof(fns[0]) };
