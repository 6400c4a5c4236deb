/*
 * Doc nodes: constructors, sequence and map editing, and scalar reading.
 *
 * Nodes and their item arrays live in the caller's arena; an array that
 * fills up is replaced by one twice its size (the old one stays in the
 * arena until it is freed whole). Plain scalars resolve as go-yaml v3
 * resolves them, because kustomize reads manifests with it and flint must
 * agree with kustomize on what "010" or "1e3" is.
 */
#include "doc/doc.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"

#define SEQ_MIN_CAP 4

/* ---- constructors ------------------------------------------------------- */

static struct doc_node *
node_new(struct arena *a, enum doc_kind kind)
{
	struct doc_node *n = arena_calloc(a, 1, sizeof(*n));

	n->kind = (uint8_t)kind;
	return n;
}

static struct doc_node *
scalar_new(struct arena *a, enum doc_kind kind, const char *p, size_t len)
{
	struct doc_node *n = node_new(a, kind);

	n->u.str.ptr = arena_strndup(a, p, len);
	n->u.str.len = len;
	return n;
}

struct doc_node *
doc_new_null(struct arena *a)
{
	return scalar_new(a, DOC_NULL, "null", 4);
}

struct doc_node *
doc_new_bool(struct arena *a, bool v)
{
	return v ? scalar_new(a, DOC_BOOL, "true", 4)
	         : scalar_new(a, DOC_BOOL, "false", 5);
}

struct doc_node *
doc_new_int(struct arena *a, int64_t v)
{
	char text[32];
	int len = snprintf(text, sizeof(text), "%" PRId64, v);

	return scalar_new(a, DOC_INT, text, (size_t)len);
}

/*
 * The shortest text that reads back as v, spelled so that it still
 * resolves as a float: "1" would come back as an int, so it becomes "1.0".
 * Non-finite values use YAML's words; the JSON emitter rejects them.
 */
static size_t
float_format(char *text, size_t size, double v)
{
	int len = 0;

	if (isnan(v))
		return str_lcpy(text, ".nan", size);
	if (isinf(v))
		return str_lcpy(text, v > 0 ? ".inf" : "-.inf", size);
	/* 15 significant digits print the shortest form of any double that
	 * has one that short; 17 always read back. */
	for (int prec = 15; prec <= 17; prec++) {
		len = snprintf(text, size, "%.*g", prec, v);
		if (strtod(text, NULL) == v)
			break;
	}
	if (strpbrk(text, ".e") == NULL)
		len += snprintf(text + len, size - (size_t)len, ".0");
	return (size_t)len;
}

struct doc_node *
doc_new_float(struct arena *a, double v)
{
	char text[40];
	size_t len = float_format(text, sizeof(text), v);

	return scalar_new(a, DOC_FLOAT, text, len);
}

struct doc_node *
doc_new_str(struct arena *a, const char *p, size_t n)
{
	return scalar_new(a, DOC_STR, p, n);
}

struct doc_node *
doc_new_plain(struct arena *a, const char *p, size_t n)
{
	return scalar_new(a, doc_resolve_plain(p, n), p, n);
}

struct doc_node *
doc_new_seq(struct arena *a)
{
	return node_new(a, DOC_SEQ);
}

struct doc_node *
doc_new_map(struct arena *a)
{
	return node_new(a, DOC_MAP);
}

/* ---- plain scalar resolution -------------------------------------------- */

/*
 * go-yaml v3 looks at the first byte to decide what a plain scalar may be:
 * 'S' sign, 'D' digit, 'M' a word from the table below, '.' a float or a
 * word; anything else is a string without further checks.
 */
static char
resolve_hint(const char *p, size_t n)
{
	if (n == 0)
		return 'M';
	if (p[0] == '+' || p[0] == '-')
		return 'S';
	if (p[0] >= '0' && p[0] <= '9')
		return 'D';
	if (p[0] == '.')
		return '.';
	if (strchr("yYnNtTfFoO~", p[0]) != NULL && p[0] != '\0')
		return 'M';
	return 0;
}

static const struct {
	const char *word;
	size_t len;
	enum doc_kind kind;
} resolve_words[] = {
	{ "", 0, DOC_NULL },
	{ "~", 1, DOC_NULL },
	{ "null", 4, DOC_NULL },
	{ "Null", 4, DOC_NULL },
	{ "NULL", 4, DOC_NULL },
	{ "true", 4, DOC_BOOL },
	{ "True", 4, DOC_BOOL },
	{ "TRUE", 4, DOC_BOOL },
	{ "false", 5, DOC_BOOL },
	{ "False", 5, DOC_BOOL },
	{ "FALSE", 5, DOC_BOOL },
	{ ".nan", 4, DOC_FLOAT },
	{ ".NaN", 4, DOC_FLOAT },
	{ ".NAN", 4, DOC_FLOAT },
	{ ".inf", 4, DOC_FLOAT },
	{ ".Inf", 4, DOC_FLOAT },
	{ ".INF", 4, DOC_FLOAT },
	{ "+.inf", 5, DOC_FLOAT },
	{ "+.Inf", 5, DOC_FLOAT },
	{ "+.INF", 5, DOC_FLOAT },
	{ "-.inf", 5, DOC_FLOAT },
	{ "-.Inf", 5, DOC_FLOAT },
	{ "-.INF", 5, DOC_FLOAT },
};

/* No word starts with a digit, and none is longer than 5 bytes. */
static bool
resolve_word(const char *p, size_t n, enum doc_kind *kind)
{
	if (n > 5 || (n > 0 && p[0] >= '0' && p[0] <= '9'))
		return false;
	for (size_t i = 0; i < sizeof(resolve_words) / sizeof(resolve_words[0]);
	     i++) {
		if (resolve_words[i].len == n &&
		    memcmp(resolve_words[i].word, p, n) == 0) {
			*kind = resolve_words[i].kind;
			return true;
		}
	}
	return false;
}

static int
digit_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 10;
	return 99;
}

/*
 * Go's strconv.ParseUint(s, 0, 64) on text without underscores: "0x",
 * "0o", "0b" prefixes (either case) and a bare leading "0" for octal.
 */
static bool
parse_go_uint(uint64_t *out, const char *p, size_t n)
{
	unsigned base = 10;
	uint64_t v = 0;

	if (n == 0)
		return false;
	if (p[0] == '0' && n >= 3 && strchr("bBoOxX", p[1]) != NULL) {
		base = p[1] == 'b' || p[1] == 'B' ? 2
		    : p[1] == 'o' || p[1] == 'O'  ? 8
		                                  : 16;
		p += 2;
		n -= 2;
	} else if (p[0] == '0') {
		base = 8;
		p++;
		n--;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned d = (unsigned)digit_value(p[i]);

		if (d >= base || v > (UINT64_MAX - d) / base)
			return false;
		v = v * base + d;
	}
	*out = v;
	return true;
}

/*
 * Go's ParseInt(s, 0, 64), falling back to ParseUint as go-yaml does, so
 * an unsigned value up to 2^64-1 is still an int. *neg tells the sign.
 */
static bool
parse_go_int(uint64_t *mag, bool *neg, const char *p, size_t n)
{
	bool signed_ = n > 0 && (p[0] == '+' || p[0] == '-');

	*neg = signed_ && p[0] == '-';
	if (!parse_go_uint(mag, p + signed_, n - signed_))
		return false;
	if (!signed_)
		return true;
	return *mag <= (*neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX);
}

static size_t
skip_digits(const char *p, size_t n, size_t i)
{
	while (i < n && p[i] >= '0' && p[i] <= '9')
		i++;
	return i;
}

/* Past an optional [eE][-+]?[0-9]+ at i; SIZE_MAX when malformed. */
static size_t
skip_exponent(const char *p, size_t n, size_t i)
{
	size_t j;

	if (i >= n || (p[i] != 'e' && p[i] != 'E'))
		return i;
	i++;
	if (i < n && (p[i] == '+' || p[i] == '-'))
		i++;
	j = skip_digits(p, n, i);
	return j == i ? SIZE_MAX : j;
}

/* go-yaml's yamlStyleFloat:
 * ^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$ */
static bool
yaml_style_float(const char *p, size_t n)
{
	size_t i = n > 0 && (p[0] == '+' || p[0] == '-') ? 1 : 0, j;

	if (i < n && p[i] == '.') {
		if ((j = skip_digits(p, n, i + 1)) == i + 1)
			return false;
	} else {
		if ((j = skip_digits(p, n, i)) == i)
			return false;
		if (j < n && p[j] == '.')
			j = skip_digits(p, n, j + 1);
	}
	return skip_exponent(p, n, j) == n;
}

/* Without an exponent, only more than 308 digits can overflow; only then
 * is strtod() worth its cost. */
static bool
float_overflows(const char *text, size_t len)
{
	if (len < 300 && strpbrk(text, "eE") == NULL)
		return false;
	return isinf(strtod(text, NULL));
}

/*
 * A number starting with a sign or digit: underscores are dropped first,
 * then int, then float; what fails both is a string. A float that
 * overflows a double fails Go's ParseFloat, so it stays a string too.
 */
static enum doc_kind
resolve_number(const char *p, size_t n)
{
	char small[64];
	char *text = n < sizeof(small) ? small : xmalloc(n + 1);
	enum doc_kind kind = DOC_STR;
	size_t len = 0;
	uint64_t mag;
	bool neg;

	for (size_t i = 0; i < n; i++) {
		if (p[i] != '_')
			text[len++] = p[i];
	}
	text[len] = '\0';
	if (parse_go_int(&mag, &neg, text, len))
		kind = DOC_INT;
	else if (yaml_style_float(text, len) && !float_overflows(text, len))
		kind = DOC_FLOAT;
	if (text != small)
		free(text);
	return kind;
}

static bool
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Go's ParseFloat, which go-yaml uses on text starting with '.', allows an
 * underscore only between two digits. */
static bool
underscores_between_digits(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '_' &&
		    (i == 0 || i + 1 == n || !is_digit(p[i - 1]) ||
		        !is_digit(p[i + 1])))
			return false;
	}
	return true;
}

enum doc_kind
doc_resolve_plain(const char *p, size_t n)
{
	char hint = resolve_hint(p, n);
	enum doc_kind kind;

	if (hint == 0)
		return DOC_STR;
	if (resolve_word(p, n, &kind))
		return kind;
	switch (hint) {
	case '.':
		return underscores_between_digits(p, n) ? resolve_number(p, n)
		                                        : DOC_STR;
	case 'S':
	case 'D':
		return resolve_number(p, n);
	default:
		return DOC_STR;
	}
}

/* ---- sequences ---------------------------------------------------------- */

static void
seq_reserve(struct arena *a, struct doc_node *seq, size_t need)
{
	struct doc_node **items;
	size_t cap;

	if (need <= seq->u.seq.cap)
		return;
	cap = seq->u.seq.cap < SEQ_MIN_CAP ? SEQ_MIN_CAP : seq->u.seq.cap * 2;
	if (cap < need)
		cap = need;
	items = arena_calloc(a, cap, sizeof(struct doc_node *));
	if (seq->u.seq.n > 0)
		memcpy(items, seq->u.seq.items,
		    seq->u.seq.n * sizeof(struct doc_node *));
	seq->u.seq.items = items;
	seq->u.seq.cap = cap;
}

void
doc_seq_append(struct arena *a, struct doc_node *seq, struct doc_node *item)
{
	if (seq->kind != DOC_SEQ)
		BUG("doc_seq_append on a node of kind %d", seq->kind);
	seq_reserve(a, seq, seq->u.seq.n + 1);
	seq->u.seq.items[seq->u.seq.n++] = item;
}

int
doc_seq_insert(struct arena *a, struct doc_node *seq, size_t i,
    struct doc_node *item)
{
	struct doc_node **items;

	if (seq->kind != DOC_SEQ || i > seq->u.seq.n)
		return -1;
	seq_reserve(a, seq, seq->u.seq.n + 1);
	items = seq->u.seq.items;
	memmove(items + i + 1, items + i,
	    (seq->u.seq.n - i) * sizeof(struct doc_node *));
	items[i] = item;
	seq->u.seq.n++;
	return 0;
}

int
doc_seq_remove(struct doc_node *seq, size_t i)
{
	struct doc_node **items;

	if (seq->kind != DOC_SEQ || i >= seq->u.seq.n)
		return -1;
	items = seq->u.seq.items;
	memmove(items + i, items + i + 1,
	    (seq->u.seq.n - i - 1) * sizeof(struct doc_node *));
	seq->u.seq.n--;
	return 0;
}

/* ---- maps --------------------------------------------------------------- */

/*
 * Keys match by their text whatever their kind, as kustomize's field
 * lookup does: in Kubernetes objects every key is a string, and a YAML
 * key written as 1 is still reached as "1" by a path.
 */
static size_t
map_index(const struct doc_node *map, const char *key, size_t keylen)
{
	const struct doc_pair *items = map->u.map.items;

	for (size_t i = 0; i < map->u.map.n; i++) {
		const struct doc_node *k = items[i].key;

		if (doc_is_scalar(k) && k->u.str.len == keylen &&
		    memcmp(k->u.str.ptr, key, keylen) == 0)
			return i;
	}
	return SIZE_MAX;
}

struct doc_node *
doc_map_find(const struct doc_node *map, const char *key, size_t keylen)
{
	size_t i;

	if (map == NULL || map->kind != DOC_MAP)
		return NULL;
	i = map_index(map, key, keylen);
	return i == SIZE_MAX ? NULL : map->u.map.items[i].value;
}

struct doc_node *
doc_map_get(const struct doc_node *map, const char *key)
{
	return doc_map_find(map, key, strlen(key));
}

/* Like seq_reserve(), for one more pair. */
static void
map_reserve(struct arena *a, struct doc_node *map)
{
	size_t need = map->u.map.n + 1, cap;
	struct doc_pair *items;

	if (need <= map->u.map.cap)
		return;
	cap = map->u.map.cap < SEQ_MIN_CAP ? SEQ_MIN_CAP : map->u.map.cap * 2;
	if (cap < need)
		cap = need;
	items = arena_calloc(a, cap, sizeof(*items));
	if (map->u.map.n > 0)
		memcpy(items, map->u.map.items, map->u.map.n * sizeof(*items));
	map->u.map.items = items;
	map->u.map.cap = cap;
}

void
doc_map_set(struct arena *a, struct doc_node *map, const char *key,
    size_t keylen, struct doc_node *value)
{
	size_t i;

	if (map->kind != DOC_MAP)
		BUG("doc_map_set on a node of kind %d", map->kind);
	if ((i = map_index(map, key, keylen)) != SIZE_MAX) {
		map->u.map.items[i].value = value;
		return;
	}
	map_reserve(a, map);
	map->u.map.items[map->u.map.n].key = doc_new_str(a, key, keylen);
	map->u.map.items[map->u.map.n].value = value;
	map->u.map.n++;
}

bool
doc_map_delete(struct doc_node *map, const char *key, size_t keylen)
{
	struct doc_pair *items;
	size_t i;

	if (map == NULL || map->kind != DOC_MAP ||
	    (i = map_index(map, key, keylen)) == SIZE_MAX)
		return false;
	items = map->u.map.items;
	memmove(items + i, items + i + 1,
	    (map->u.map.n - i - 1) * sizeof(*items));
	map->u.map.n--;
	return true;
}

/* ---- reading scalars ---------------------------------------------------- */

bool
doc_is_scalar(const struct doc_node *n)
{
	return n != NULL && n->kind <= DOC_STR;
}

const char *
doc_str(const struct doc_node *n)
{
	return doc_is_scalar(n) ? n->u.str.ptr : NULL;
}

static const char *
kind_name(const struct doc_node *n)
{
	static const char *const names[] = { "null", "bool", "int", "float",
		"string", "sequence", "map" };

	if (n == NULL)
		return "nothing";
	return n->kind < sizeof(names) / sizeof(names[0]) ? names[n->kind]
	                                                  : "unknown";
}

/* The same syntax doc_resolve_plain() accepts, into an int64. */
int
doc_get_int(int64_t *out, const struct doc_node *n, struct err *err)
{
	char small[64];
	char *text;
	size_t len = 0;
	uint64_t mag;
	bool neg, ok;

	if (n == NULL || n->kind != DOC_INT)
		return err_set(err, ERR_INVALID, "expected an int, got %s",
		    kind_name(n));
	text = n->u.str.len < sizeof(small) ? small : xmalloc(n->u.str.len + 1);
	for (size_t i = 0; i < n->u.str.len; i++) {
		if (n->u.str.ptr[i] != '_')
			text[len++] = n->u.str.ptr[i];
	}
	ok = parse_go_int(&mag, &neg, text, len) &&
	    mag <= (neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX);
	if (text != small)
		free(text);
	if (!ok)
		return err_set(err, ERR_INVALID, "'%s' is not a 64-bit integer",
		    n->u.str.ptr);
	*out = neg ? (int64_t)(0 - mag) : (int64_t)mag;
	return 0;
}

static bool
float_word(double *out, const char *p, size_t n)
{
	const char *word = n > 0 && (p[0] == '+' || p[0] == '-') ? p + 1 : p;
	size_t wn = n - (size_t)(word - p);

	if (str_eq_n(word, wn, ".inf") || str_eq_n(word, wn, ".Inf") ||
	    str_eq_n(word, wn, ".INF")) {
		*out = p[0] == '-' ? -INFINITY : INFINITY;
		return true;
	}
	if (word == p &&
	    (str_eq_n(p, n, ".nan") || str_eq_n(p, n, ".NaN") ||
	        str_eq_n(p, n, ".NAN"))) {
		*out = NAN;
		return true;
	}
	return false;
}

/* Floats and ints both read as a double: a JSON 1 is a fine 1.0. */
int
doc_get_float(double *out, const struct doc_node *n, struct err *err)
{
	char small[64];
	char *text, *end;
	size_t len = 0;
	double v;
	bool ok;

	if (n == NULL || (n->kind != DOC_FLOAT && n->kind != DOC_INT))
		return err_set(err, ERR_INVALID, "expected a float, got %s",
		    kind_name(n));
	if (n->kind == DOC_FLOAT && float_word(out, n->u.str.ptr, n->u.str.len))
		return 0;
	if (n->kind == DOC_INT) {
		int64_t i;

		if (doc_get_int(&i, n, err) == -1)
			return -1;
		*out = (double)i;
		return 0;
	}
	text = n->u.str.len < sizeof(small) ? small : xmalloc(n->u.str.len + 1);
	for (size_t i = 0; i < n->u.str.len; i++) {
		if (n->u.str.ptr[i] != '_')
			text[len++] = n->u.str.ptr[i];
	}
	text[len] = '\0';
	v = strtod(text, &end);
	ok = len > 0 && end == text + len && !isinf(v);
	if (text != small)
		free(text);
	if (!ok)
		return err_set(err, ERR_INVALID, "'%s' is not a float",
		    n->u.str.ptr);
	*out = v;
	return 0;
}

int
doc_get_bool(bool *out, const struct doc_node *n, struct err *err)
{
	const char *s = doc_str(n);

	if (n == NULL || n->kind != DOC_BOOL)
		return err_set(err, ERR_INVALID, "expected a bool, got %s",
		    kind_name(n));
	if (strcmp(s, "true") == 0 || strcmp(s, "True") == 0 ||
	    strcmp(s, "TRUE") == 0)
		*out = true;
	else if (strcmp(s, "false") == 0 || strcmp(s, "False") == 0 ||
	    strcmp(s, "FALSE") == 0)
		*out = false;
	else
		return err_set(err, ERR_INVALID, "'%s' is not a bool", s);
	return 0;
}
