/*
 * Version constraints with Masterminds/semver v3.4's grammar and its
 * exact matching rules, quirks included (">1.2" means a higher minor,
 * "<=1.2" admits 1.2.9, "~0.0.0" admits everything), because Flux picks
 * tags and charts with them and a different answer is a different
 * deployment.
 *
 * Masterminds rewrites hyphen ranges with a regular expression, splits at
 * "||", checks each part against a validating expression and reads the
 * terms out of it. The scanners below accept the same language: a term
 * is an operator, optional spaces and a version-ish "cv" token whose
 * segments may be digits, x, X, * (and '|', which their character class
 * admits and which then fails to parse as a number).
 */
#include "semver/semver.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "semver/semver_int.h"

enum op {
	OP_TILDE_OR_EQ, /* "" and "=" */
	OP_NE,
	OP_GT,
	OP_LT,
	OP_GE,
	OP_LE,
	OP_TILDE,
	OP_CARET,
};

struct term {
	enum op op;
	struct semver con;
	bool dirty, minor_dirty, patch_dirty;
};

struct group {
	struct term *terms;
	size_t n;
	bool has_pre; /* a term names a prerelease: admit prereleases */
};

struct semver_constraint {
	struct group *groups;
	size_t n;
};

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}

static size_t
span_spaces(const char *s)
{
	size_t n = 0;

	while (is_space(s[n]))
		n++;
	return n;
}

static size_t
span_set(const char *s, const char *set)
{
	size_t n = 0;

	while (s[n] != '\0' && strchr(set, s[n]) != NULL)
		n++;
	return n;
}

#define SEG_CHARS "0123456789xX*|"
#define IDENT_CHARS \
	"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-"

/* Identifiers joined by single dots, as in a prerelease. */
static size_t
span_idents(const char *s)
{
	size_t n = 0, k;

	while ((k = span_set(s + n, IDENT_CHARS)) > 0) {
		n += k;
		if (s[n] != '.' || span_set(s + n + 1, IDENT_CHARS) == 0)
			break;
		n++;
	}
	return n;
}

/* Length of the greedy cv token at s, 0 if none starts there. */
static size_t
span_cv(const char *s)
{
	size_t i = s[0] == 'v' ? 1 : 0, k;

	if ((k = span_set(s + i, SEG_CHARS)) == 0)
		return 0;
	i += k;
	for (int seg = 0; seg < 2; seg++) {
		if (s[i] != '.' || (k = span_set(s + i + 1, SEG_CHARS)) == 0)
			break;
		i += k + 1;
	}
	if (s[i] == '-' && (k = span_idents(s + i + 1)) > 0)
		i += k + 1;
	if (s[i] == '+' && (k = span_idents(s + i + 1)) > 0)
		i += k + 1;
	return i;
}

/* Matches "\s*(cv)\s+-\s+(cv)\s*" at s; returns its length or 0 and
 * the two versions' positions. */
static size_t
match_range(const char *s, size_t *a, size_t *alen, size_t *b, size_t *blen)
{
	size_t i = span_spaces(s), k;

	*a = i;
	if ((*alen = span_cv(s + i)) == 0)
		return 0;
	i += *alen;
	if ((k = span_spaces(s + i)) == 0 || s[i + k] != '-')
		return 0;
	i += k + 1;
	if ((k = span_spaces(s + i)) == 0)
		return 0;
	i += k;
	*b = i;
	if ((*blen = span_cv(s + i)) == 0)
		return 0;
	i += *blen;
	return i + span_spaces(s + i);
}

/* Rewrites every "A - B" as ">= A, <= B " (Masterminds' rewriteRange). */
static char *
rewrite_ranges(const char *s)
{
	size_t a, alen, b, blen, n;
	struct buf out;

	buf_init(&out, BUF_MAX_DEFAULT);
	while (*s != '\0') {
		if ((n = match_range(s, &a, &alen, &b, &blen)) == 0) {
			buf_putc(&out, *s++);
			continue;
		}
		buf_printf(&out, ">= %.*s, <= %.*s ", (int)alen, s + a,
		    (int)blen, s + b);
		s += n;
	}
	return buf_detach(&out, NULL);
}

static bool
is_x(const char *s, size_t n)
{
	return n == 1 && (s[0] == 'x' || s[0] == 'X' || s[0] == '*');
}

static int
op_parse(enum op *out, const char *s, size_t n)
{
	static const struct {
		const char *text;
		enum op op;
	} ops[] = {
		{ "", OP_TILDE_OR_EQ },
		{ "=", OP_TILDE_OR_EQ },
		{ "!=", OP_NE },
		{ ">", OP_GT },
		{ "<", OP_LT },
		{ ">=", OP_GE },
		{ "=>", OP_GE },
		{ "<=", OP_LE },
		{ "=<", OP_LE },
		{ "~", OP_TILDE },
		{ "~>", OP_TILDE },
		{ "^", OP_CARET },
	};

	for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
		if (strlen(ops[i].text) == n &&
		    strncmp(ops[i].text, s, n) == 0) {
			*out = ops[i].op;
			return 0;
		}
	}
	return -1;
}

/*
 * Reads the cv token (len bytes at s) as parseConstraint() does: a
 * wildcard or missing minor or patch makes the term "dirty" and the
 * version is completed with zeros (keeping a prerelease, dropping build
 * metadata).
 */
static int
term_version(struct term *t, const char *s, size_t len, struct err *err)
{
	size_t seg[3] = { 0 }, pos[3] = { 0 }, i = s[0] == 'v' ? 1 : 0;
	size_t pre = 0, pre_len = 0;
	char *text;
	int rv;

	for (int k = 0; k < 3 && i < len; k++) {
		if (k > 0 &&
		    (s[i] != '.' || span_set(s + i + 1, SEG_CHARS) == 0))
			break;
		i += k > 0 ? 1 : 0;
		pos[k] = i;
		seg[k] = span_set(s + i, SEG_CHARS);
		i += seg[k];
	}
	if (i < len && s[i] == '-') {
		pre = i;
		pre_len = span_idents(s + i + 1) + 1;
	}
	t->dirty = is_x(s + pos[0], seg[0]) || seg[1] == 0 ||
	    is_x(s + pos[1], seg[1]) || seg[2] == 0 || is_x(s + pos[2], seg[2]);
	if (is_x(s + pos[0], seg[0]))
		text = xasprintf("0.0.0%.*s", (int)pre_len, s + pre);
	else if ((t->minor_dirty = seg[1] == 0 || is_x(s + pos[1], seg[1])))
		text = xasprintf("%.*s.0.0%.*s", (int)seg[0], s + pos[0],
		    (int)pre_len, s + pre);
	else if ((t->patch_dirty = seg[2] == 0 || is_x(s + pos[2], seg[2])))
		text = xasprintf("%.*s.0%.*s", (int)(pos[1] + seg[1] - pos[0]),
		    s + pos[0], (int)pre_len, s + pre);
	else
		text = xstrndup(s, len);
	rv = semver_parse(&t->con, text, 0, err);
	free(text);
	return rv;
}

/* Reads one "op cv" term at *s; advances *s past it. */
static int
term_parse(struct term *t, const char **s, struct err *err)
{
	const char *p = *s + span_spaces(*s);
	size_t oplen = span_set(p, "=!<>~^"), cvlen;

	if (op_parse(&t->op, p, oplen) == -1)
		return err_set(err, ERR_INVALID, "unknown operator '%.*s'",
		    (int)oplen, p);
	p += oplen;
	p += span_spaces(p);
	if ((cvlen = span_cv(p)) == 0)
		return err_set(err, ERR_INVALID, "no version after operator");
	if (term_version(t, p, cvlen, err) == -1)
		return -1;
	*s = p + cvlen;
	return 0;
}

/* Skips the separator after a term: spaces, or a comma with spaces
 * around it; false when there is none (and not at the end). */
static bool
skip_separator(const char **s)
{
	size_t k = span_spaces(*s);

	*s += k;
	if (**s == ',') {
		*s += 1 + span_spaces(*s + 1);
		return **s != '\0';
	}
	return k > 0 || **s == '\0';
}

static void
group_release(struct group *g)
{
	for (size_t i = 0; i < g->n; i++)
		semver_release(&g->terms[i].con);
	free(g->terms);
}

/* Parses one side of "||" (the n bytes at s). */
static int
group_parse(struct group *g, const char *s, size_t n, struct err *err)
{
	char *part = xstrndup(s, n);
	const char *p = part;
	size_t cap = 0;
	int rv = 0;

	memset(g, 0, sizeof(*g));
	if (p[span_spaces(p)] == '\0')
		rv = err_set(err, ERR_INVALID, "empty constraint");
	while (rv == 0 && *p != '\0') {
		if (g->n == cap) {
			cap = cap == 0 ? 4 : cap * 2;
			g->terms = xreallocarray(g->terms, cap,
			    sizeof(*g->terms));
		}
		memset(&g->terms[g->n], 0, sizeof(g->terms[0]));
		if ((rv = term_parse(&g->terms[g->n], &p, err)) == -1)
			break;
		g->has_pre |= g->terms[g->n++].con.pre[0] != '\0';
		if (!skip_separator(&p))
			rv = err_set(err, ERR_INVALID,
			    "no separator before '%s'", p);
	}
	if (rv == -1)
		err_wrap(err, "'%s'", part);
	free(part);
	return rv;
}

void
semver_constraint_free(struct semver_constraint *c)
{
	if (c == NULL)
		return;
	for (size_t i = 0; i < c->n; i++)
		group_release(&c->groups[i]);
	free(c->groups);
	free(c);
}

int
semver_constraint_parse(struct semver_constraint **out, const char *s,
    struct err *err)
{
	struct semver_constraint *c = xcalloc(1, sizeof(*c));
	char *text = rewrite_ranges(s);
	const char *p = text;
	int rv = 0;

	for (;;) {
		const char *bar = strstr(p, "||");
		size_t n = bar != NULL ? (size_t)(bar - p) : strlen(p);

		c->groups = xreallocarray(c->groups, c->n + 1,
		    sizeof(*c->groups));
		if ((rv = group_parse(&c->groups[c->n], p, n, err)) == -1) {
			group_release(&c->groups[c->n]);
			break;
		}
		c->n++;
		if (bar == NULL)
			break;
		p = bar + 2;
	}
	free(text);
	if (rv == -1) {
		semver_constraint_free(c);
		return err_wrap(err, "constraint '%s'", s);
	}
	*out = c;
	return 0;
}

static bool
cmp_lt(const struct semver *v, const struct term *t)
{
	return semver_compare(v, &t->con) < 0;
}

static bool
match_ne(const struct semver *v, const struct term *t)
{
	const struct semver *c = &t->con;

	if (t->dirty) {
		if (c->major != v->major)
			return true;
		if (c->minor != v->minor && !t->minor_dirty)
			return true;
		if (t->minor_dirty)
			return false;
		if (c->patch != v->patch && !t->patch_dirty)
			return true;
		if (t->patch_dirty) {
			return semver_cmp_pre(v->pre, c->pre) != 0;
		}
	}
	return semver_compare(v, c) != 0;
}

static bool
match_gt(const struct semver *v, const struct term *t)
{
	const struct semver *c = &t->con;

	if (!t->dirty)
		return semver_compare(v, c) > 0;
	if (v->major != c->major)
		return v->major > c->major;
	if (t->minor_dirty)
		return false;
	if (t->patch_dirty)
		return v->minor > c->minor;
	return semver_compare(v, c) > 0;
}

static bool
match_le(const struct semver *v, const struct term *t)
{
	const struct semver *c = &t->con;

	if (!t->dirty)
		return semver_compare(v, c) <= 0;
	if (v->major > c->major)
		return false;
	return !(
	    v->major == c->major && v->minor > c->minor && !t->minor_dirty);
}

static bool
match_tilde(const struct semver *v, const struct term *t)
{
	const struct semver *c = &t->con;

	if (cmp_lt(v, t))
		return false;
	if (c->major == 0 && c->minor == 0 && c->patch == 0 &&
	    !t->minor_dirty && !t->patch_dirty)
		return true;
	if (v->major != c->major)
		return false;
	return v->minor == c->minor || t->minor_dirty;
}

static bool
match_caret(const struct semver *v, const struct term *t)
{
	const struct semver *c = &t->con;

	if (cmp_lt(v, t))
		return false;
	if (c->major > 0 || t->minor_dirty)
		return v->major == c->major;
	if (v->major > 0)
		return false;
	if (c->minor > 0 || t->patch_dirty)
		return v->minor == c->minor;
	if (v->minor > 0)
		return false;
	return c->patch == v->patch;
}

static bool
term_match(const struct term *t, const struct semver *v, bool include_pre)
{
	if (v->pre[0] != '\0' && !include_pre)
		return false;
	switch (t->op) {
	case OP_TILDE_OR_EQ:
		return t->dirty ? match_tilde(v, t)
		                : semver_compare(v, &t->con) == 0;
	case OP_NE:
		return match_ne(v, t);
	case OP_GT:
		return match_gt(v, t);
	case OP_LT:
		return cmp_lt(v, t);
	case OP_GE:
		return !cmp_lt(v, t);
	case OP_LE:
		return match_le(v, t);
	case OP_TILDE:
		return match_tilde(v, t);
	case OP_CARET:
		return match_caret(v, t);
	}
	BUG("unknown constraint operator %d", (int)t->op);
}

bool
semver_constraint_check(const struct semver_constraint *c,
    const struct semver *v)
{
	for (size_t i = 0; i < c->n; i++) {
		const struct group *g = &c->groups[i];
		size_t k = 0;

		while (k < g->n && term_match(&g->terms[k], v, g->has_pre))
			k++;
		if (k == g->n)
			return true;
	}
	return false;
}
