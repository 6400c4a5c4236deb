/*
 * semver and semverCompare over common/semver, which follows
 * Masterminds/semver v3 (what Helm links): lenient version parsing
 * ("v1.2" is 1.2.0), its constraint language and its prerelease rule.
 * A parsed version becomes a *semver.Version host object with Major,
 * Minor, Patch, Prerelease, Metadata, Original, String and Compare.
 */
#include "template/tmpl_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "semver/semver.h"

/* A version kept in the rendering's arena. */
struct version {
	struct semver v; /* strings in the arena; mem unused */
};

/* Parses s into arena-owned storage. */
static int
version_parse(struct version *out, struct arena *a, const char *s, size_t n,
    struct err *err)
{
	char *text = arena_strndup(a, s, n);
	struct semver v;

	if (strlen(text) != n)
		return err_set(err, ERR_INVALID, "invalid semantic version");
	if (semver_parse(&v, text, 0, err) == -1)
		return -1;
	out->v = v;
	out->v.pre = arena_strdup(a, v.pre);
	out->v.meta = arena_strdup(a, v.meta);
	out->v.original = arena_strdup(a, v.original);
	out->v.mem = NULL;
	semver_release(&v);
	return 0;
}

/* ---- the Version object -------------------------------------------------- */

static void
semver_string(struct buf *b, const struct version *v)
{
	char tmp[256];
	size_t n = semver_format(tmp, sizeof(tmp), &v->v);

	if (n < sizeof(tmp)) {
		buf_append(b, tmp, n);
		return;
	}
	buf_printf(b, "%" PRIu64 ".%" PRIu64 ".%" PRIu64 "-%s", v->v.major,
	    v->v.minor, v->v.patch, v->v.pre);
	if (v->v.meta[0] != '\0')
		buf_printf(b, "+%s", v->v.meta);
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
version_compare_member(struct tmpl_val *out, const struct version *v,
    const char *name, size_t n, size_t argc, const struct tmpl_val *argv,
    struct err *err)
{
	const struct version *o;
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
	c = semver_compare(&v->v, &o->v);
	c = c < 0 ? -1 : c > 0 ? 1 : 0;
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

static struct tmpl_val
cstr(const char *s)
{
	return tmpl_str(s, strlen(s));
}

static int
version_member(struct tmpl_val *out, const struct tmpl_obj *o, const char *name,
    size_t n, size_t argc, const struct tmpl_val *argv, struct arena *a,
    struct err *err)
{
	const struct version *v = o->data;

	if (is_name(name, n, "Compare") || is_name(name, n, "LessThan") ||
	    is_name(name, n, "GreaterThan") || is_name(name, n, "Equal"))
		return version_compare_member(out, v, name, n, argc, argv, err);
	if (argc != 0)
		return err_set(err, ERR_INVALID,
		    "wrong number of args for %.*s: want 0 got %zu", (int)n,
		    name, argc);
	if (is_name(name, n, "Major"))
		*out = tmpl_int((int64_t)v->v.major);
	else if (is_name(name, n, "Minor"))
		*out = tmpl_int((int64_t)v->v.minor);
	else if (is_name(name, n, "Patch"))
		*out = tmpl_int((int64_t)v->v.patch);
	else if (is_name(name, n, "Prerelease"))
		*out = cstr(v->v.pre);
	else if (is_name(name, n, "Metadata"))
		*out = cstr(v->v.meta);
	else if (is_name(name, n, "Original"))
		*out = cstr(v->v.original);
	else if (is_name(name, n, "String"))
		version_plain(out, o, a);
	else
		return 1;
	if (out->kind == TMPL_INT)
		out->type = TMPL_T_INT64; /* Go's uint64, printed alike */
	return 0;
}

static int
fn_semver(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct version *v = arena_alloc(c->a, sizeof(*v));

	if (version_parse(v, c->a, c->argv[0].u.s.p, c->argv[0].u.s.n, err) ==
	    -1)
		return -1;
	*out = tmpl_obj_new(c->a, &version_class, v);
	return 0;
}

/* The constraint is parsed first, as Masterminds does. */
static int
check(bool *out, struct arena *a, const char *constraint, size_t cn,
    const char *version, size_t vn, struct err *err)
{
	struct semver_constraint *sc = NULL;
	struct version v;
	char *text = arena_strndup(a, constraint, cn);

	if (strlen(text) != cn)
		return err_set(err, ERR_INVALID, "improper constraint: %s",
		    text);
	if (semver_constraint_parse(&sc, text, err) == -1)
		return -1;
	if (version_parse(&v, a, version, vn, err) == -1) {
		semver_constraint_free(sc);
		return -1;
	}
	*out = semver_constraint_check(sc, &v.v);
	semver_constraint_free(sc);
	return 0;
}

static int
fn_semver_compare(struct tmpl_val *out, struct call *c, struct err *err)
{
	bool ok;

	if (check(&ok, c->a, c->argv[0].u.s.p, c->argv[0].u.s.n,
	        c->argv[1].u.s.p, c->argv[1].u.s.n, err) == -1)
		return -1;
	*out = tmpl_bool(ok);
	return 0;
}

int
tmpl_semver_check(bool *out, const char *constraint, const char *version,
    struct err *err)
{
	struct arena *a = arena_new();
	int rv = check(out, a, constraint, strlen(constraint), version,
	    strlen(version), err);

	arena_free(a);
	return rv;
}

static const struct tmpl_func fns[] = {
	{ "semver", "s", fn_semver, 0 },
	{ "semverCompare", "ss", fn_semver_compare, 0 },
};

const struct func_table fn_semver_table = { fns, sizeof(fns) / sizeof(fns[0]) };
