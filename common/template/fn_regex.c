/*
 * Sprig's regex functions over PCRE2, made to behave like Go's regexp:
 * RE2 syntax is (nearly) a subset of PCRE's, '$' only matches at the very
 * end, invalid UTF-8 is matched rather than refused, FindAll and
 * ReplaceAll skip an empty match right after a previous one, and
 * replacement templates expand $1, ${1}, $name and ${name} as Go's
 * Expand does. Match and depth limits bound the backtracking.
 */
#include "template/tmpl_int.h"

#define PCRE2_CODE_UNIT_WIDTH 8

#include <pcre2.h>
#include <string.h>

#define MATCH_LIMIT 1000000
#define DEPTH_LIMIT 10000
#define MAX_MATCHES (1 << 20)

struct re {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mc;
};

static void
re_free(struct re *r)
{
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mc);
	pcre2_code_free(r->code);
}

static int
re_compile(struct re *r, const struct tmpl_val *pat, struct err *err)
{
	int code;
	PCRE2_SIZE off;
	PCRE2_UCHAR msg[256];

	memset(r, 0, sizeof(*r));
	r->code = pcre2_compile((PCRE2_SPTR)pat->u.s.p, pat->u.s.n,
	    PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_DOLLAR_ENDONLY |
	        PCRE2_NEVER_BACKSLASH_C,
	    &code, &off, NULL);
	if (r->code == NULL) {
		pcre2_get_error_message(code, msg, sizeof(msg));
		return err_set(err, ERR_INVALID,
		    "error parsing regexp: %s at offset %zu: `%.*s`", msg,
		    (size_t)off, (int)(pat->u.s.n > 100 ? 100 : pat->u.s.n),
		    pat->u.s.p);
	}
	r->md = pcre2_match_data_create_from_pattern(r->code, NULL);
	r->mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r->mc, MATCH_LIMIT);
	pcre2_set_depth_limit(r->mc, DEPTH_LIMIT);
	return 0;
}

/* Matches s from start; 1 with ov set, 0 for no match, -1 on error. */
static int
re_exec(struct re *r, const char *s, size_t n, size_t start, PCRE2_SIZE **ov,
    struct err *err)
{
	int rc = pcre2_match(r->code, (PCRE2_SPTR)s, n, start, 0, r->md, r->mc);

	if (rc == PCRE2_ERROR_NOMATCH)
		return 0;
	if (rc < 0)
		return err_set(err, ERR_LIMIT, "regexp match failed (error %d)",
		    rc);
	*ov = pcre2_get_ovector_pointer(r->md);
	return 1;
}

static size_t
rune_width(const char *s, size_t n, size_t i)
{
	size_t w = 1;

	if (i >= n)
		return 0;
	while (i + w < n && ((unsigned char)s[i + w] & 0xC0) == 0x80 &&
	    ((unsigned char)s[i] & 0xC0) == 0xC0 && w < 4)
		w++;
	return w;
}

/* Go's allMatches: calls fn for each accepted match (up to limit). */
static int
re_all(struct re *r, const char *s, size_t n, int64_t limit,
    void (*fn)(void *, const PCRE2_SIZE *), void *arg, struct err *err)
{
	size_t pos = 0, found = 0;
	long prev_end = -1;
	PCRE2_SIZE *ov;
	int rc;

	while ((limit < 0 || (int64_t)found < limit) && pos <= n) {
		bool accept = true;

		if ((rc = re_exec(r, s, n, pos, &ov, err)) <= 0)
			return rc;
		if (ov[1] == pos) {
			if ((long)ov[0] == prev_end)
				accept = false;
			pos += pos < n ? rune_width(s, n, pos) : 1;
		} else {
			pos = ov[1];
		}
		prev_end = (long)ov[1];
		if (accept) {
			fn(arg, ov);
			if (++found > MAX_MATCHES)
				return err_set(err, ERR_LIMIT,
				    "too many matches");
		}
	}
	return 0;
}

static int
fn_regex_match(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct re r;
	PCRE2_SIZE *ov;
	int rc;

	if (re_compile(&r, &c->argv[0], err) == -1) {
		if (strncmp(c->fn->name, "must", 4) == 0)
			return -1;
		err_reset(err);
		*out = tmpl_bool(false);
		return 0;
	}
	rc = re_exec(&r, c->argv[1].u.s.p, c->argv[1].u.s.n, 0, &ov, err);
	re_free(&r);
	if (rc == -1)
		return -1;
	*out = tmpl_bool(rc == 1);
	return 0;
}

static int
fn_regex_find(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct re r;
	PCRE2_SIZE *ov;
	int rc;

	if (re_compile(&r, &c->argv[0], err) == -1)
		return -1;
	rc = re_exec(&r, c->argv[1].u.s.p, c->argv[1].u.s.n, 0, &ov, err);
	if (rc == 1)
		*out = tmpl_str(c->argv[1].u.s.p + ov[0], ov[1] - ov[0]);
	else
		*out = tmpl_str("", 0);
	re_free(&r);
	return rc == -1 ? -1 : 0;
}

struct collect {
	struct arena *a;
	struct tmpl_val list;
	const char *s;
};

static void
collect_match(void *arg, const PCRE2_SIZE *ov)
{
	struct collect *co = arg;

	tmpl_list_append(co->a, co->list.u.l,
	    tmpl_str(co->s + ov[0], ov[1] - ov[0]));
}

static int
fn_regex_find_all(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct collect co = { c->a, tmpl_list_new(c->a, 0), c->argv[1].u.s.p };
	struct re r;
	int rc;

	co.list.type = TMPL_T_STRINGS;
	if (re_compile(&r, &c->argv[0], err) == -1)
		return -1;
	rc = re_all(&r, c->argv[1].u.s.p, c->argv[1].u.s.n, c->argv[2].u.i,
	    collect_match, &co, err);
	re_free(&r);
	*out = co.list;
	return rc;
}

/* Go's extract(): "$name" or "${name}" at s; the length used, or 0. */
static size_t
template_ref(const char *s, size_t n, const char **name, size_t *namelen)
{
	size_t i = 0, start;
	bool brace = n > 0 && s[0] == '{';

	if (brace)
		i++;
	start = i;
	while (i < n &&
	    (s[i] == '_' || (s[i] >= 'a' && s[i] <= 'z') ||
	        (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9') ||
	        (unsigned char)s[i] >= 0x80))
		i++;
	if (i == start)
		return 0;
	*name = s + start;
	*namelen = i - start;
	if (brace) {
		if (i >= n || s[i] != '}')
			return 0;
		i++;
	}
	return i;
}

static void
expand_ref(struct buf *b, struct re *r, const char *src, const PCRE2_SIZE *ov,
    const char *name, size_t nl)
{
	uint32_t count = pcre2_get_ovector_count(r->md);
	long num = 0;
	char tmp[128];
	int idx;

	for (size_t i = 0; i < nl && num >= 0; i++)
		num = (name[i] >= '0' && name[i] <= '9' && num < 100000000)
		    ? num * 10 + (name[i] - '0')
		    : -1;
	if (nl > 1 && name[0] == '0')
		num = -1;
	if (num < 0) {
		if (nl >= sizeof(tmp))
			return;
		memcpy(tmp, name, nl);
		tmp[nl] = '\0';
		idx = pcre2_substring_number_from_name(r->code,
		    (PCRE2_SPTR)tmp);
		if (idx <= 0)
			return;
		num = idx;
	}
	if ((uint32_t)num < count && ov[2 * num] != PCRE2_UNSET)
		buf_append(b, src + ov[2 * num], ov[2 * num + 1] - ov[2 * num]);
}

/* Go's Regexp.Expand of the template t for one match. */
static void
expand(struct buf *b, struct re *r, const char *src, const PCRE2_SIZE *ov,
    const char *t, size_t tn)
{
	size_t i = 0;

	while (i < tn) {
		const char *dollar = memchr(t + i, '$', tn - i), *name;
		size_t used, nl;

		if (dollar == NULL)
			break;
		buf_append(b, t + i, (size_t)(dollar - t) - i);
		i = (size_t)(dollar - t) + 1;
		if (i < tn && t[i] == '$') {
			buf_putc(b, '$');
			i++;
			continue;
		}
		if ((used = template_ref(t + i, tn - i, &name, &nl)) == 0) {
			buf_putc(b, '$');
			continue;
		}
		i += used;
		expand_ref(b, r, src, ov, name, nl);
	}
	buf_append(b, t + i, tn - i);
}

/* Go's replaceAll loop. */
static int
replace_all(struct buf *b, struct re *r, const struct tmpl_val *src,
    const struct tmpl_val *repl, bool literal, struct err *err)
{
	const char *s = src->u.s.p;
	size_t n = src->u.s.n, search = 0, last = 0, w;
	PCRE2_SIZE *ov;
	int rc;

	while (search <= n) {
		if ((rc = re_exec(r, s, n, search, &ov, err)) == -1)
			return -1;
		if (rc == 0)
			break;
		buf_append(b, s + last, ov[0] - last);
		if (ov[1] > last || ov[0] == 0) {
			if (literal)
				buf_append(b, repl->u.s.p, repl->u.s.n);
			else
				expand(b, r, s, ov, repl->u.s.p, repl->u.s.n);
		}
		last = ov[1];
		w = rune_width(s, n, search);
		if (search + w > ov[1])
			search += w;
		else if (search + 1 > ov[1])
			search++;
		else
			search = ov[1];
		if (b->failed)
			return buf_check(b, err);
	}
	buf_append(b, s + last, n - last);
	return 0;
}

static int
fn_regex_replace(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool literal = strstr(c->fn->name, "Literal") != NULL;
	struct re r;
	struct buf b;
	int rc;

	if (re_compile(&r, &c->argv[0], err) == -1)
		return -1;
	buf_init(&b, c->s->x->opts.max_output);
	rc = replace_all(&b, &r, &c->argv[1], &c->argv[2], literal, err);
	if (rc == 0)
		*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	re_free(&r);
	return rc;
}

struct split {
	struct arena *a;
	struct tmpl_val list;
	const char *s;
	size_t beg, end;
	int64_t limit;
};

static void
split_match(void *arg, const PCRE2_SIZE *ov)
{
	struct split *sp = arg;

	if (sp->limit > 0 && (int64_t)sp->list.u.l->n == sp->limit - 1)
		return;
	sp->end = ov[0];
	if (ov[1] != 0)
		tmpl_list_append(sp->a, sp->list.u.l,
		    tmpl_str(sp->s + sp->beg, sp->end - sp->beg));
	sp->beg = ov[1];
}

static int
fn_regex_split(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct split sp = { c->a, tmpl_list_new(c->a, 0), c->argv[1].u.s.p, 0,
		0, c->argv[2].u.i };
	size_t n = c->argv[1].u.s.n;
	struct re r;
	int rc;

	sp.list.type = TMPL_T_STRINGS;
	*out = sp.list;
	if (sp.limit == 0)
		return 0;
	if (c->argv[0].u.s.n > 0 && n == 0) {
		tmpl_list_append(c->a, out->u.l, tmpl_str("", 0));
		return 0;
	}
	if (re_compile(&r, &c->argv[0], err) == -1)
		return -1;
	rc = re_all(&r, sp.s, n, sp.limit, split_match, &sp, err);
	re_free(&r);
	if (sp.end != n)
		tmpl_list_append(c->a, sp.list.u.l,
		    tmpl_str(sp.s + sp.beg, n - sp.beg));
	*out = sp.list;
	return rc;
}

static int
fn_regex_quote_meta(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < c->argv[0].u.s.n; i++) {
		char ch = c->argv[0].u.s.p[i];

		if (strchr("\\.+*?()|[]{}^$", ch) != NULL && ch != '\0')
			buf_putc(&b, '\\');
		buf_putc(&b, ch);
	}
	*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	return 0;
}

static const struct tmpl_func fns[] = {
	{ "mustRegexFind", "ss", fn_regex_find, 0 },
	{ "mustRegexFindAll", "ssi", fn_regex_find_all, 0 },
	{ "mustRegexMatch", "ss", fn_regex_match, 0 },
	{ "mustRegexReplaceAll", "sss", fn_regex_replace, 0 },
	{ "mustRegexReplaceAllLiteral", "sss", fn_regex_replace, 0 },
	{ "mustRegexSplit", "ssi", fn_regex_split, 0 },
	{ "regexFind", "ss", fn_regex_find, 0 },
	{ "regexFindAll", "ssi", fn_regex_find_all, 0 },
	{ "regexMatch", "ss", fn_regex_match, 0 },
	{ "regexQuoteMeta", "s", fn_regex_quote_meta, 0 },
	{ "regexReplaceAll", "sss", fn_regex_replace, 0 },
	{ "regexReplaceAllLiteral", "sss", fn_regex_replace, 0 },
	{ "regexSplit", "ssi", fn_regex_split, 0 },
};

const struct func_table fn_regex_table = { fns, sizeof(fns) / sizeof(fns[0]) };
