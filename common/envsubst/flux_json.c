/*
 * What Flux's round trip does to a substituted resource.
 *
 * kustomize-controller turns the expanded text into JSON with
 * sigs.k8s.io/yaml (go-yaml v2, so YAML 1.1 rules) and kyaml reads that
 * JSON back through float64. So in a substituted resource a plain yes, on
 * or n is a boolean, 010 is octal 8 and 1_000 is 1000, every number is a
 * float64 spelled as Go's JSON encoder spells it (1.0 is 1, 1.10 is 1.1,
 * big integers lose precision), infinities and NaN fail, other keys than
 * strings become strings, and the original styles and tags are gone.
 * Doing the same here gives the objects Flux would apply.
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "envsubst/envsubst_int.h"

enum yaml11 {
	Y11_STR,
	Y11_NULL,
	Y11_BOOL,
	Y11_INT,  /* exact in *i (what a key prints) and in *num */
	Y11_UINT, /* past int64: in *num only, and no key */
	Y11_FLOAT,
	Y11_NONFINITE, /* .inf, .nan: JSON has no form for them */
};

struct word {
	const char *text;
	enum yaml11 kind;
	bool value; /* of a boolean */
	double num; /* of a non-finite float */
};

/* go-yaml v2's table of plain words. */
static const struct word words[] = {
	{ "y", Y11_BOOL, true, 0 },
	{ "Y", Y11_BOOL, true, 0 },
	{ "yes", Y11_BOOL, true, 0 },
	{ "Yes", Y11_BOOL, true, 0 },
	{ "YES", Y11_BOOL, true, 0 },
	{ "true", Y11_BOOL, true, 0 },
	{ "True", Y11_BOOL, true, 0 },
	{ "TRUE", Y11_BOOL, true, 0 },
	{ "on", Y11_BOOL, true, 0 },
	{ "On", Y11_BOOL, true, 0 },
	{ "ON", Y11_BOOL, true, 0 },
	{ "n", Y11_BOOL, false, 0 },
	{ "N", Y11_BOOL, false, 0 },
	{ "no", Y11_BOOL, false, 0 },
	{ "No", Y11_BOOL, false, 0 },
	{ "NO", Y11_BOOL, false, 0 },
	{ "false", Y11_BOOL, false, 0 },
	{ "False", Y11_BOOL, false, 0 },
	{ "FALSE", Y11_BOOL, false, 0 },
	{ "off", Y11_BOOL, false, 0 },
	{ "Off", Y11_BOOL, false, 0 },
	{ "OFF", Y11_BOOL, false, 0 },
	{ "", Y11_NULL, false, 0 },
	{ "~", Y11_NULL, false, 0 },
	{ "null", Y11_NULL, false, 0 },
	{ "Null", Y11_NULL, false, 0 },
	{ "NULL", Y11_NULL, false, 0 },
	{ ".nan", Y11_NONFINITE, false, NAN },
	{ ".NaN", Y11_NONFINITE, false, NAN },
	{ ".NAN", Y11_NONFINITE, false, NAN },
	{ ".inf", Y11_NONFINITE, false, INFINITY },
	{ ".Inf", Y11_NONFINITE, false, INFINITY },
	{ ".INF", Y11_NONFINITE, false, INFINITY },
	{ "+.inf", Y11_NONFINITE, false, INFINITY },
	{ "+.Inf", Y11_NONFINITE, false, INFINITY },
	{ "+.INF", Y11_NONFINITE, false, INFINITY },
	{ "-.inf", Y11_NONFINITE, false, -INFINITY },
	{ "-.Inf", Y11_NONFINITE, false, -INFINITY },
	{ "-.INF", Y11_NONFINITE, false, -INFINITY },
};

static int
digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return 99;
}

/* The base strconv.ParseUint(s, 0, 64) reads s in, and how many prefix
 * bytes to skip. */
static unsigned
base_prefix(const char *s, size_t n, size_t *skip)
{
	*skip = 0;
	if (n == 0 || s[0] != '0')
		return 10;
	*skip = 2;
	if (n >= 3 && (s[1] == 'b' || s[1] == 'B'))
		return 2;
	if (n >= 3 && (s[1] == 'o' || s[1] == 'O'))
		return 8;
	if (n >= 3 && (s[1] == 'x' || s[1] == 'X'))
		return 16;
	*skip = 1;
	return 8; /* a leading 0 means octal ("0" itself is zero) */
}

/*
 * strconv.ParseInt(s, 0, 64), or ParseUint when s has no sign, as go-yaml
 * v2 tries them (s has its underscores removed): Y11_INT with the value in
 * *i and *num, Y11_UINT past int64 (*num only), or Y11_STR.
 */
static enum yaml11
parse_go_int(const char *s, size_t n, int64_t *i, double *num)
{
	uint64_t v = 0, limit = UINT64_MAX;
	bool neg = false, sign = n > 0 && (s[0] == '+' || s[0] == '-');
	size_t k = sign ? 1 : 0, skip;
	unsigned base;

	if (sign) {
		neg = s[0] == '-';
		limit = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;
		if (k == n)
			return Y11_STR;
	}
	base = base_prefix(s + k, n - k, &skip);
	for (k += skip; k < n; k++) {
		unsigned d = (unsigned)digit_value(s[k]);

		if (d >= base || v > (limit - d) / base)
			return Y11_STR;
		v = v * base + d;
	}
	*num = neg ? -(double)v : (double)v;
	*i = neg ? (int64_t)(0 - v) : (int64_t)v;
	return neg || v <= INT64_MAX ? Y11_INT : Y11_UINT;
}

/* go-yaml v2's ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool
float_syntax(const char *s, size_t n)
{
	size_t i = n > 0 && (s[0] == '+' || s[0] == '-') ? 1 : 0;
	size_t int_digits = 0, frac_digits = 0, exp_digits = 1;

	for (; i < n && s[i] >= '0' && s[i] <= '9'; i++)
		int_digits++;
	if (i < n && s[i] == '.')
		for (i++; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			frac_digits++;
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		for (exp_digits = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
			exp_digits++;
	}
	return i == n && int_digits + frac_digits > 0 && exp_digits > 0;
}

/* A plain scalar starting with a sign, a digit or a dot, as go-yaml v2
 * reads it: an integer in any base, else a finite float, else a string.
 * Underscores are dropped first, except before ParseFloat of ".5". */
static enum yaml11
resolve_number(const char *s, size_t n, int64_t *i, double *num)
{
	char *plain = xmalloc(n + 1);
	enum yaml11 kind = Y11_STR;
	size_t k, m = 0;

	for (k = 0; k < n; k++)
		if (s[k] != '_' || s[0] == '.')
			plain[m++] = s[k];
	plain[m] = '\0';
	if (s[0] != '.')
		kind = parse_go_int(plain, m, i, num);
	if (kind == Y11_STR && float_syntax(plain, m)) {
		*num = strtod(plain, NULL);
		if (isfinite(*num)) /* Go's ParseFloat fails on overflow */
			kind = Y11_FLOAT;
	}
	free(plain);
	return kind;
}

/* How go-yaml v2 resolves the text of a plain, untagged scalar. */
static enum yaml11
resolve_yaml11(const char *s, size_t n, bool *b, int64_t *i, double *num)
{
	size_t k;

	for (k = 0; k < sizeof(words) / sizeof(words[0]); k++) {
		const struct word *w = &words[k];

		if (strlen(w->text) == n && memcmp(w->text, s, n) == 0) {
			*b = w->value;
			*num = w->num;
			return w->kind;
		}
	}
	if (n > 0 &&
	    (s[0] == '+' || s[0] == '-' || s[0] == '.' ||
	        (s[0] >= '0' && s[0] <= '9')))
		return resolve_number(s, n, i, num);
	return Y11_STR;
}

/* A float64 as kyaml holds it after reading Go's JSON for it: the shortest
 * digits, plain or with an exponent as encoding/json chooses ("1" is then
 * an integer again, "1.5" and "1e+21" floats). */
static struct doc_node *
json_number(struct arena *a, double v)
{
	char text[DOC_JSON_FLOAT_MAX];

	return doc_new_plain(a, text, doc_json_float(text, v));
}

/* What a scalar reads as in Flux: plain untagged text by YAML 1.1, the
 * rest by what the parser made of it. */
static enum yaml11
scalar_kind(const struct doc_node *n, bool *b, int64_t *i, double *num)
{
	struct err ignored = ERR_INIT;

	if (n->tag == NULL && n->style == DOC_STYLE_PLAIN)
		return resolve_yaml11(n->u.str.ptr, n->u.str.len, b, i, num);
	switch (n->kind) {
	case DOC_NULL:
		return Y11_NULL;
	case DOC_BOOL:
		return doc_get_bool(b, n, &ignored) == 0 ? Y11_BOOL : Y11_STR;
	case DOC_INT:
	case DOC_FLOAT:
		if (doc_get_float(num, n, &ignored) == -1)
			return Y11_STR;
		return isfinite(*num) ? Y11_FLOAT : Y11_NONFINITE;
	default:
		return Y11_STR;
	}
}

static int
normalize_scalar(struct arena *a, struct doc_node *n, struct err *err)
{
	struct doc_node *v = NULL;
	double num = 0;
	int64_t i = 0;
	bool b = false;

	switch (scalar_kind(n, &b, &i, &num)) {
	case Y11_NULL:
		v = doc_new_null(a);
		break;
	case Y11_BOOL:
		v = doc_new_bool(a, b);
		break;
	case Y11_INT:
	case Y11_UINT:
	case Y11_FLOAT:
		v = json_number(a, num);
		break;
	case Y11_NONFINITE:
		return err_set(err, ERR_INVALID, "json: unsupported value: %s",
		    isnan(num)    ? "NaN"
		        : num > 0 ? "+Inf"
		                  : "-Inf");
	case Y11_STR:
		v = doc_new_str(a, n->u.str.ptr, n->u.str.len);
		break;
	}
	*n = *v;
	return 0;
}

/* strconv.FormatFloat(v, 'g', -1, 32), as a float key is printed. */
static char *
go_float32_g(struct arena *a, double v)
{
	float f = (float)v;
	char e[40];
	int p, exp;

	if (isnan(f))
		return arena_strdup(a, ".nan");
	if (isinf(f))
		return arena_strdup(a, f > 0 ? ".inf" : "-.inf");
	for (p = 1; p < 9; p++) {
		(void)snprintf(e, sizeof(e), "%.*e", p - 1, (double)f);
		if (strtof(e, NULL) == f)
			break;
	}
	(void)snprintf(e, sizeof(e), "%.*e", p - 1, (double)f);
	exp = (int)strtol(strchr(e, 'e') + 1, NULL, 10);
	if (exp < -4 || exp >= 6)
		return arena_strdup(a, e);
	return arena_printf(a, "%.*f", p - 1 - exp > 0 ? p - 1 - exp : 0,
	    (double)f);
}

/* Map keys become strings the way sigs.k8s.io/yaml converts them. */
static int
normalize_key(struct arena *a, struct doc_node *k, struct err *err)
{
	const char *text = k->u.str.ptr;
	double num = 0;
	int64_t i = 0;
	bool b = false;

	if (!doc_is_scalar(k))
		return err_set(err, ERR_INVALID, "unsupported map key");
	switch (scalar_kind(k, &b, &i, &num)) {
	case Y11_NULL:
		return err_set(err, ERR_INVALID,
		    "unsupported map key of type: <nil>");
	case Y11_BOOL:
		text = b ? "true" : "false";
		break;
	case Y11_INT:
		text = arena_printf(a, "%" PRId64, i);
		break;
	case Y11_UINT:
		return err_set(err, ERR_INVALID,
		    "unsupported map key of type: uint64");
	case Y11_FLOAT:
	case Y11_NONFINITE:
		text = go_float32_g(a, num);
		break;
	case Y11_STR:
		break;
	}
	*k = *doc_new_str(a, text, strlen(text));
	return 0;
}

int
envsubst_flux_json(struct arena *a, struct doc_node *n, struct err *err)
{
	size_t i;

	if (doc_is_scalar(n))
		return normalize_scalar(a, n, err);
	n->style = DOC_STYLE_ANY;
	n->tag = NULL;
	if (n->kind == DOC_SEQ) {
		for (i = 0; i < n->u.seq.n; i++)
			if (envsubst_flux_json(a, n->u.seq.items[i], err) == -1)
				return -1;
		return 0;
	}
	for (i = 0; i < n->u.map.n; i++)
		if (normalize_key(a, n->u.map.items[i].key, err) == -1 ||
		    envsubst_flux_json(a, n->u.map.items[i].value, err) == -1)
			return -1;
	return 0;
}
