/*
 * semver and semverCompare as Masterminds/semver v3 (what Helm links)
 * does them: lenient version parsing ("v1.2" is 1.2.0), prerelease and
 * metadata checks, its constraint language (=, !=, >, <, >=, <=, ~, ^,
 * x wildcards, "a - b" ranges, ',' or space for and, "||" for or) and
 * its rule that a prerelease version only satisfies a constraint that
 * names a prerelease itself.
 */
#include "template/tmpl_int.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct semver {
	uint64_t major, minor, patch;
	const char *pre, *meta, *orig; /* arena strings; "" when absent */
};

static const char allowed[] =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-0123456789";

/* Dot-separated identifiers of allowed characters; numeric ones without
 * leading zeros when strict_num. */
static bool
valid_idents(const char *p, size_t n, bool strict_num)
{
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		bool digits = true;

		if (i < n && p[i] != '.')
			continue;
		if (i == start)
			return false;
		for (size_t k = start; k < i; k++) {
			if (strchr(allowed, p[k]) == NULL || p[k] == '\0')
				return false;
			digits = digits && isdigit((unsigned char)p[k]);
		}
		if (strict_num && digits && i - start > 1 && p[start] == '0')
			return false;
		start = i + 1;
	}
	return true;
}

static bool
parse_u64(uint64_t *out, const char *p, size_t n)
{
	uint64_t v = 0;

	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]) ||
		    v > (UINT64_MAX - (uint64_t)(p[i] - '0')) / 10)
			return false;
		v = v * 10 + (uint64_t)(p[i] - '0');
	}
	*out = v;
	return true;
}

static size_t
span(const char *p, size_t n, size_t i, const char *set)
{
	while (i < n && strchr(set, p[i]) != NULL && p[i] != '\0')
		i++;
	return i;
}

/* Masterminds' coerceNewVersion: v?N(.N)?(.N)?(-pre)?(+meta)? */
static int
semver_parse(struct semver *v, struct arena *a, const char *p, size_t n,
    struct err *err)
{
	uint64_t *seg[3] = { &v->major, &v->minor, &v->patch };
	size_t i = 0, j;

	memset(v, 0, sizeof(*v));
	v->pre = v->meta = "";
	v->orig = arena_strndup(a, p, n);
	if (i < n && p[i] == 'v')
		i++;
	for (int k = 0; k < 3; k++) {
		if (k > 0) {
			if (i >= n || p[i] != '.')
				break;
			i++;
		}
		j = span(p, n, i, "0123456789");
		if (!parse_u64(seg[k], p + i, j - i))
			return err_set(err, ERR_INVALID,
			    "invalid semantic version");
		i = j;
	}
	if (i < n && p[i] == '-') {
		j = span(p, n, i + 1, allowed);
		while (j < n && p[j] == '.')
			j = span(p, n, j + 1, allowed);
		if (!valid_idents(p + i + 1, j - i - 1, true))
			return err_set(err, ERR_INVALID,
			    "invalid semantic version");
		v->pre = arena_strndup(a, p + i + 1, j - i - 1);
		i = j;
	}
	if (i < n && p[i] == '+') {
		j = n;
		if (!valid_idents(p + i + 1, j - i - 1, false))
			return err_set(err, ERR_INVALID,
			    "invalid semantic version");
		v->meta = arena_strndup(a, p + i + 1, j - i - 1);
		i = j;
	}
	if (i != n)
		return err_set(err, ERR_INVALID, "invalid semantic version");
	return 0;
}

static int
cmp_u64(uint64_t a, uint64_t b)
{
	return a < b ? -1 : a > b ? 1 : 0;
}

static int
cmp_pre_part(const char *s, size_t sn, const char *o, size_t on)
{
	uint64_t si, oi;
	bool sd, od;
	int c;

	if (sn == on && memcmp(s, o, sn) == 0)
		return 0;
	if (sn == 0)
		return -1;
	if (on == 0)
		return 1;
	sd = parse_u64(&si, s, sn);
	od = parse_u64(&oi, o, on);
	if (!sd && !od) {
		c = memcmp(s, o, sn < on ? sn : on);
		if (c == 0)
			c = sn < on ? -1 : 1;
		return c > 0 ? 1 : -1;
	}
	if (!od)
		return -1;
	if (!sd)
		return 1;
	return si > oi ? 1 : -1;
}

static int
cmp_pre(const char *s, const char *o)
{
	while (*s != '\0' || *o != '\0') {
		size_t sn = strcspn(s, "."), on = strcspn(o, ".");
		int c = cmp_pre_part(s, sn, o, on);

		if (c != 0)
			return c;
		s += sn + (s[sn] == '.');
		o += on + (o[on] == '.');
	}
	return 0;
}

static int
semver_cmp(const struct semver *v, const struct semver *o)
{
	int c;

	if ((c = cmp_u64(v->major, o->major)) != 0 ||
	    (c = cmp_u64(v->minor, o->minor)) != 0 ||
	    (c = cmp_u64(v->patch, o->patch)) != 0)
		return c;
	if (v->pre[0] == '\0' && o->pre[0] == '\0')
		return 0;
	if (v->pre[0] == '\0')
		return 1;
	if (o->pre[0] == '\0')
		return -1;
	return cmp_pre(v->pre, o->pre);
}

/* ---- constraints
 * ---------------------------------------------------------------- */

struct constraint {
	char op[3];
	struct semver con;
	bool dirty, minor_dirty, patch_dirty;
};

static bool
is_x(const char *p, size_t n)
{
	return n == 1 && (p[0] == 'x' || p[0] == 'X' || p[0] == '*');
}

static size_t
parse_op(const char *p, size_t n, char op[3])
{
	static const char *const ops[] = { "!=", ">=", "=>", "<=", "=<", "~>",
		">", "<", "=", "~", "^" };

	for (size_t k = 0; k < sizeof(ops) / sizeof(ops[0]); k++) {
		size_t l = strlen(ops[k]);

		if (n >= l && memcmp(p, ops[k], l) == 0) {
			memcpy(op, ops[k], l + 1);
			return l;
		}
	}
	op[0] = '\0';
	return 0;
}

/* The cv part: v?X(.X)?(.X)?(-pre)?(+meta)? with X digits or x, X, *. */
static size_t
scan_cv(const char *p, size_t n, size_t i, size_t part[3][2], size_t *pre,
    size_t *pre_end)
{
	static const char segc[] = "0123456789xX*|";
	size_t j;

	if (i < n && p[i] == 'v')
		i++;
	for (int k = 0; k < 3; k++) {
		part[k][0] = part[k][1] = 0;
		if (k > 0) {
			if (i + 1 >= n || p[i] != '.' ||
			    strchr(segc, p[i + 1]) == NULL)
				break;
			i++;
		}
		j = span(p, n, i, segc);
		if (j == i)
			return 0;
		part[k][0] = i;
		part[k][1] = j;
		i = j;
	}
	*pre = *pre_end = i;
	if (i < n && p[i] == '-') {
		i = span(p, n, i + 1, allowed);
		while (i < n && p[i] == '.')
			i = span(p, n, i + 1, allowed);
		*pre_end = i;
	}
	if (i < n && p[i] == '+') {
		i = span(p, n, i + 1, allowed);
		while (i < n && p[i] == '.')
			i = span(p, n, i + 1, allowed);
	}
	return i;
}

static int
make_constraint(struct constraint *c, struct arena *a, const char *p,
    size_t start, size_t end, size_t part[3][2], size_t pre, size_t pre_end,
    struct err *err)
{
	struct buf ver;
	int rv;

	buf_init(&ver, 1024);
	c->dirty = c->minor_dirty = c->patch_dirty = false;
	if (is_x(p + part[0][0], part[0][1] - part[0][0])) {
		buf_printf(&ver, "0.0.0%.*s", (int)(pre_end - pre), p + pre);
		c->dirty = true;
	} else if (part[1][1] == 0 ||
	    is_x(p + part[1][0], part[1][1] - part[1][0])) {
		buf_printf(&ver, "%.*s.0.0%.*s", (int)(part[0][1] - part[0][0]),
		    p + part[0][0], (int)(pre_end - pre), p + pre);
		c->dirty = c->minor_dirty = true;
	} else if (part[2][1] == 0 ||
	    is_x(p + part[2][0], part[2][1] - part[2][0])) {
		buf_printf(&ver, "%.*s.%.*s.0%.*s",
		    (int)(part[0][1] - part[0][0]), p + part[0][0],
		    (int)(part[1][1] - part[1][0]), p + part[1][0],
		    (int)(pre_end - pre), p + pre);
		c->dirty = c->patch_dirty = true;
	} else {
		buf_append(&ver, p + start, end - start);
	}
	rv = semver_parse(&c->con, a, ver.data != NULL ? ver.data : "", ver.len,
	    err);
	buf_release(&ver);
	if (rv == -1)
		return err_set(err, ERR_INVALID, "constraint parser error");
	return 0;
}

static bool
check_tilde(const struct semver *v, const struct constraint *c)
{
	if (semver_cmp(v, &c->con) < 0)
		return false;
	if (c->con.major == 0 && c->con.minor == 0 && c->con.patch == 0 &&
	    !c->minor_dirty && !c->patch_dirty)
		return true;
	if (v->major != c->con.major)
		return false;
	return v->minor == c->con.minor || c->minor_dirty;
}

static bool
check_caret(const struct semver *v, const struct constraint *c)
{
	if (semver_cmp(v, &c->con) < 0)
		return false;
	if (c->con.major > 0 || c->minor_dirty)
		return v->major == c->con.major;
	if (v->major > 0)
		return false;
	if (c->con.minor > 0 || c->patch_dirty)
		return v->minor == c->con.minor;
	if (v->minor > 0)
		return false;
	return v->patch == c->con.patch;
}

static bool
check_not_equal(const struct semver *v, const struct constraint *c)
{
	if (c->dirty) {
		if (c->con.major != v->major)
			return true;
		if (c->con.minor != v->minor && !c->minor_dirty)
			return true;
		if (c->minor_dirty)
			return false;
		if (c->con.patch != v->patch && !c->patch_dirty)
			return true;
		if (c->patch_dirty)
			return (v->pre[0] != '\0' || c->con.pre[0] != '\0') &&
			    cmp_pre(v->pre, c->con.pre) != 0;
	}
	return semver_cmp(v, &c->con) != 0;
}

static bool
check_greater(const struct semver *v, const struct constraint *c)
{
	if (!c->dirty ||
	    (v->major == c->con.major && !c->minor_dirty && !c->patch_dirty))
		return semver_cmp(v, &c->con) > 0;
	if (v->major != c->con.major)
		return v->major > c->con.major;
	if (c->minor_dirty)
		return false;
	return v->minor > c->con.minor;
}

static bool
check_less_equal(const struct semver *v, const struct constraint *c)
{
	if (!c->dirty)
		return semver_cmp(v, &c->con) <= 0;
	if (v->major > c->con.major)
		return false;
	return !(v->major == c->con.major && v->minor > c->con.minor &&
	    !c->minor_dirty);
}

static bool
constraint_check(const struct semver *v, const struct constraint *c,
    bool include_pre)
{
	const char *op = c->op;

	if (v->pre[0] != '\0' && !include_pre)
		return false;
	if (strcmp(op, "!=") == 0)
		return check_not_equal(v, c);
	if (strcmp(op, ">") == 0)
		return check_greater(v, c);
	if (strcmp(op, "<") == 0)
		return semver_cmp(v, &c->con) < 0;
	if (strcmp(op, ">=") == 0 || strcmp(op, "=>") == 0)
		return semver_cmp(v, &c->con) >= 0;
	if (strcmp(op, "<=") == 0 || strcmp(op, "=<") == 0)
		return check_less_equal(v, c);
	if (strcmp(op, "~") == 0 || strcmp(op, "~>") == 0)
		return check_tilde(v, c);
	if (strcmp(op, "^") == 0)
		return check_caret(v, c);
	return c->dirty ? check_tilde(v, c) : semver_cmp(v, &c->con) == 0;
}

static bool
is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

/* One "||" alternative: constraints joined by spaces or commas, all of
 * which must hold. A "a - b" range reads as ">= a, <= b". */
static int
check_and(bool *ok, const struct semver *v, struct arena *a, const char *p,
    size_t n, struct err *err)
{
	struct constraint cs[32];
	size_t count = 0, i = 0, part[3][2], pre, pre_end, start, end;
	bool has_pre = false;

	while (i < n) {
		struct constraint *c;
		size_t opl;

		while (i < n && (is_ws(p[i]) || (count > 0 && p[i] == ',')))
			i++;
		if (i >= n)
			break;
		if (count == sizeof(cs) / sizeof(cs[0]))
			return err_set(err, ERR_LIMIT, "too many constraints");
		c = &cs[count];
		opl = parse_op(p + i, n - i, c->op);
		i += opl;
		while (i < n && is_ws(p[i]))
			i++;
		start = i;
		end = scan_cv(p, n, i, part, &pre, &pre_end);
		if (end == 0)
			return err_set(err, ERR_INVALID,
			    "improper constraint: %.*s", (int)n, p);
		i = end;
		/* "a - b" */
		{
			size_t k = i;

			while (k < n && is_ws(p[k]))
				k++;
			if (opl == 0 && k > i && k + 1 < n && p[k] == '-' &&
			    is_ws(p[k + 1])) {
				memcpy(c->op, ">=", 3);
				if (make_constraint(c, a, p, start, end, part,
				        pre, pre_end, err) == -1)
					return -1;
				has_pre = has_pre || c->con.pre[0] != '\0';
				count++;
				c = &cs[count];
				memcpy(c->op, "<=", 3);
				for (k += 1; k < n && is_ws(p[k]); k++)
					;
				start = k;
				end = scan_cv(p, n, k, part, &pre, &pre_end);
				if (end == 0)
					return err_set(err, ERR_INVALID,
					    "improper constraint: %.*s", (int)n,
					    p);
				i = end;
			}
		}
		if (i < n && !is_ws(p[i]) && p[i] != ',')
			return err_set(err, ERR_INVALID,
			    "improper constraint: %.*s", (int)n, p);
		if (make_constraint(c, a, p, start, end, part, pre, pre_end,
		        err) == -1)
			return -1;
		has_pre = has_pre || c->con.pre[0] != '\0';
		count++;
	}
	if (count == 0)
		return err_set(err, ERR_INVALID, "improper constraint: %.*s",
		    (int)n, p);
	*ok = true;
	for (size_t k = 0; k < count && *ok; k++)
		*ok = constraint_check(v, &cs[k], has_pre);
	return 0;
}

static int
constraints_check(bool *ok, const struct semver *v, struct arena *a,
    const char *p, size_t n, struct err *err)
{
	bool any = false;
	size_t start = 0;

	for (size_t i = 0; i <= n; i++) {
		bool one;

		if (i < n && !(p[i] == '|' && i + 1 < n && p[i + 1] == '|'))
			continue;
		if (check_and(&one, v, a, p + start, i - start, err) == -1)
			return -1;
		any = any || one;
		start = i + 2;
		i++;
	}
	*ok = any;
	return 0;
}

/* ---- the Version object
 * --------------------------------------------------------- */

static void
semver_string(struct buf *b, const struct semver *v)
{
	buf_printf(b, "%" PRIu64 ".%" PRIu64 ".%" PRIu64, v->major, v->minor,
	    v->patch);
	if (v->pre[0] != '\0')
		buf_printf(b, "-%s", v->pre);
	if (v->meta[0] != '\0')
		buf_printf(b, "+%s", v->meta);
}

static void
version_print(struct buf *b, const struct tmpl_obj *o)
{
	semver_string(b, o->data);
}

static void
version_plain(struct tmpl_val *out, const struct tmpl_obj *o, struct arena *a)
{
	struct buf b;

	buf_init(&b, 1024);
	semver_string(&b, o->data);
	*out = tmpl_str_dup(a, b.data, b.len);
	buf_release(&b);
}

static int version_member(struct tmpl_val *out, const struct tmpl_obj *o,
    const char *name, size_t n, size_t argc, const struct tmpl_val *argv,
    struct arena *a, struct err *err);

static const struct tmpl_class version_class = {
	.type_name = "*semver.Version",
	.kind_name = "ptr",
	.member = version_member,
	.plain = version_plain,
	.print = version_print,
};

static bool
is_name(const char *name, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(name, lit, n) == 0;
}

static int
version_compare_member(struct tmpl_val *out, const struct semver *v,
    const char *name, size_t n, size_t argc, const struct tmpl_val *argv,
    struct err *err)
{
	const struct semver *o;
	int c;

	if (argc != 1)
		return err_set(err, ERR_INVALID,
		    "wrong number of args for %.*s: want 1 got %zu", (int)n,
		    name, argc);
	if (argv[0].kind != TMPL_OBJ || argv[0].u.o->cls != &version_class)
		return err_set(err, ERR_INVALID,
		    "wrong type for value; expected *semver.Version; got %s",
		    val_type_name(&argv[0]));
	o = argv[0].u.o->data;
	c = semver_cmp(v, o);
	if (is_name(name, n, "Compare"))
		*out = tmpl_int(c);
	else if (is_name(name, n, "LessThan"))
		*out = tmpl_bool(c < 0);
	else if (is_name(name, n, "GreaterThan"))
		*out = tmpl_bool(c > 0);
	else
		*out = tmpl_bool(c == 0);
	return 0;
}

static int
version_member(struct tmpl_val *out, const struct tmpl_obj *o, const char *name,
    size_t n, size_t argc, const struct tmpl_val *argv, struct arena *a,
    struct err *err)
{
	const struct semver *v = o->data;

	if (is_name(name, n, "Compare") || is_name(name, n, "LessThan") ||
	    is_name(name, n, "GreaterThan") || is_name(name, n, "Equal"))
		return version_compare_member(out, v, name, n, argc, argv, err);
	if (argc != 0)
		return err_set(err, ERR_INVALID,
		    "wrong number of args for %.*s: want 0 got %zu", (int)n,
		    name, argc);
	if (is_name(name, n, "Major") || is_name(name, n, "Minor") ||
	    is_name(name, n, "Patch")) {
		*out = tmpl_int((int64_t)(name[1] == 'a' ? v->major
		        : name[1] == 'i'                 ? v->minor
		                                         : v->patch));
		out->type = TMPL_T_INT64;
	} else if (is_name(name, n, "Prerelease")) {
		*out = tmpl_str(v->pre, strlen(v->pre));
	} else if (is_name(name, n, "Metadata")) {
		*out = tmpl_str(v->meta, strlen(v->meta));
	} else if (is_name(name, n, "Original")) {
		*out = tmpl_str(v->orig, strlen(v->orig));
	} else if (is_name(name, n, "String")) {
		version_plain(out, o, a);
	} else {
		return 1;
	}
	return 0;
}

static int
fn_semver(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct semver *v = arena_alloc(c->a, sizeof(*v));

	if (semver_parse(v, c->a, c->argv[0].u.s.p, c->argv[0].u.s.n, err) ==
	    -1)
		return -1;
	*out = tmpl_obj_new(c->a, &version_class, v);
	return 0;
}

static int
fn_semver_compare(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct semver v;
	bool ok;
	struct err cerr = ERR_INIT;

	/* the constraint is parsed first, as Masterminds does */
	if (semver_parse(&v, c->a, "0.0.0", 5, err) == -1 ||
	    constraints_check(&ok, &v, c->a, c->argv[0].u.s.p, c->argv[0].u.s.n,
	        &cerr) == -1) {
		*err = cerr;
		return -1;
	}
	if (semver_parse(&v, c->a, c->argv[1].u.s.p, c->argv[1].u.s.n, err) ==
	        -1 ||
	    constraints_check(&ok, &v, c->a, c->argv[0].u.s.p, c->argv[0].u.s.n,
	        err) == -1)
		return -1;
	*out = tmpl_bool(ok);
	return 0;
}

int
tmpl_semver_check(bool *out, const char *constraint, const char *version,
    struct err *err)
{
	struct arena *a = arena_new();
	struct semver v;
	int rv;

	rv = semver_parse(&v, a, version, strlen(version), err);
	if (rv == 0)
		rv = constraints_check(out, &v, a, constraint,
		    strlen(constraint), err);
	arena_free(a);
	return rv;
}

static const struct tmpl_func fns[] = {
	{ "semver", "s", fn_semver, 0 },
	{ "semverCompare", "ss", fn_semver_compare, 0 },
};

const struct func_table fn_semver_table = { fns, sizeof(fns) / sizeof(fns[0]) };
