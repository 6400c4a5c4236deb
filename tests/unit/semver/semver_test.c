/*
 * Versions and constraints. Every expectation below was checked against
 * Masterminds/semver v3.4.0 itself (Flux's and Helm's library): the
 * tables are its answers, not ours.
 */
#include <stdlib.h>
#include <string.h>

#include "semver/semver.h"
#include "t.h"

static const struct {
	const char *in;
	const char *canonical; /* String(); NULL: NewVersion refuses it */
	bool strict;           /* Flux's version.ParseVersion accepts it */
} versions[] = {
	{ "1.2.3", "1.2.3", true },
	{ "v1.2.3", "1.2.3", true },
	{ "1.2", "1.2.0", false },
	{ "1", "1.0.0", false },
	{ "v1", "1.0.0", false },
	{ "01.02.03", "1.2.3", false },
	{ "1.02.3", "1.2.3", false },
	{ "1.2.3-alpha.1", "1.2.3-alpha.1", true },
	{ "1.2.3+build", "1.2.3+build", true },
	{ "1.2.3-alpha+build", "1.2.3-alpha+build", true },
	{ "1.0.0--x", "1.0.0--x", true },
	{ "1.2.3-01", NULL, false },
	{ "1.2.3-0a", "1.2.3-0a", true },
	{ "1.2.3.", NULL, false },
	{ "1.2.3-", NULL, false },
	{ "1.2.3+", NULL, false },
	{ "1.2.3.4", NULL, false },
	{ "a.b.c", NULL, false },
	{ "V1.2.3", NULL, false },
	{ "v", NULL, false },
	{ "1..2", NULL, false },
	{ "1.2.3-a..b", NULL, false },
	{ "18446744073709551615.0.0", "18446744073709551615.0.0", true },
	{ "18446744073709551616.0.0", NULL, false },
	{ "1.2.3+a+b", NULL, false },
	{ "1.2-beta", "1.2.0-beta", false },
	{ "1-rc", "1.0.0-rc", false },
	{ "vv1.2.3", NULL, false },
	{ " 1.2.3", NULL, false },
	{ "1.2.3 ", NULL, false },
	{ "", NULL, false },
	{ "1.2.3+meta-x", "1.2.3+meta-x", true },
};

T_TEST(test_versions_parse_as_masterminds)
{
	for (size_t i = 0; i < sizeof(versions) / sizeof(versions[0]); i++) {
		struct err err = ERR_INIT;
		struct semver v, s;
		char text[128];
		int rv = semver_parse(&v, versions[i].in, 0, &err);

		if (versions[i].canonical == NULL) {
			T_EQ(rv, -1);
			T_EQ(err.code, ERR_INVALID);
			if (rv == 0)
				t_fail(__FILE__, __LINE__, "accepted '%s'",
				    versions[i].in);
		} else {
			T_EQ(rv, 0);
			if (rv == -1) {
				t_fail(__FILE__, __LINE__, "'%s': %s",
				    versions[i].in, err.msg);
				continue;
			}
			semver_format(text, sizeof(text), &v);
			T_STREQ(text, versions[i].canonical);
			T_STREQ(v.original, versions[i].in);
			semver_release(&v);
		}
		err_reset(&err);
		rv = semver_parse(&s, versions[i].in, SEMVER_STRICT, &err);
		if ((rv == 0) != versions[i].strict)
			t_fail(__FILE__, __LINE__, "strict '%s': got %d",
			    versions[i].in, rv);
		if (rv == 0)
			semver_release(&s);
	}
}

static const struct {
	const char *a, *b;
	int want;
} order[] = {
	{ "1.2.3", "1.2.3+build", 0 },
	{ "1.2.3-alpha", "1.2.3-alpha.1", -1 },
	{ "1.2.3-alpha.1", "1.2.3-alpha.beta", -1 },
	{ "1.2.3-alpha.beta", "1.2.3-beta", -1 },
	{ "1.2.3-beta.2", "1.2.3-beta.11", -1 },
	{ "1.2.3-rc.1", "1.2.3", -1 },
	{ "1.0.0-1", "1.0.0-a1", -1 },
	{ "1.0.0-1a", "1.0.0-a1", -1 },
	{ "1.0.0-0", "1.0.0-1", -1 },
	{ "1.2.3-9", "1.2.3-10", -1 },
	{ "1.2.3-18446744073709551616", "1.2.3-9", 1 },
	{ "1.2", "1.2.3", -1 },
	{ "v1", "1.0.0", 0 },
	{ "2.0.0", "10.0.0", -1 },
	{ "1.9.9", "1.2.4", 1 },
	{ "0.0.0-0", "0.0.0", -1 },
};

T_TEST(test_precedence_matches_masterminds)
{
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		struct err err = ERR_INIT;
		struct semver a, b;

		T_OK(semver_parse(&a, order[i].a, 0, &err), &err);
		T_OK(semver_parse(&b, order[i].b, 0, &err), &err);
		if (semver_compare(&a, &b) != order[i].want ||
		    semver_compare(&b, &a) != -order[i].want)
			t_fail(__FILE__, __LINE__, "%s <=> %s: want %d",
			    order[i].a, order[i].b, order[i].want);
		semver_release(&a);
		semver_release(&b);
	}
}

/* Every constraint is checked against the whole pool. */
static const char *const pool[] = { "0.0.0", "0.0.1", "0.1.0", "0.1.1", "0.2.0",
	"1.0.0", "1.2.3", "1.2.4", "1.3.0", "1.9.9", "2.0.0", "2.1.0", "3.0.0",
	"1.2.3-beta", "1.3.0-beta", "2.0.0-rc.1", "0.0.0-0" };

static const struct {
	const char *constraint;
	const char *matches; /* the pool versions that satisfy it */
} constraints[] = {
	{ ">=1.0.0 <2.0.0", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ ">= 1.0.0 , < 2.0.0", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "~1.2", "1.2.3 1.2.4" },
	{ "~1.2.3", "1.2.3 1.2.4" },
	{ "~1", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "~0", "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0" },
	{ "~0.0.0",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ "~>1.2", "1.2.3 1.2.4" },
	{ "^1.2", "1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "^0.1", "0.1.0 0.1.1" },
	{ "^0.1.1", "0.1.1" },
	{ "^0.0.1", "0.0.1" },
	{ "^0", "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0" },
	{ "^0.0", "0.0.0 0.0.1" },
	{ "1.x", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "1.2.x", "1.2.3 1.2.4" },
	{ "*",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ "1.X.3", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "=1.2.3", "1.2.3" },
	{ "1.2", "1.2.3 1.2.4" },
	{ "!=1.2.3",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ "!=1.2",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ "!=1", "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 2.0.0 2.1.0 3.0.0" },
	{ ">1.2", "1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ ">1", "2.0.0 2.1.0 3.0.0" },
	{ ">1.2.3", "1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ "<1.2", "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0" },
	{ "<=1.2", "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4" },
	{ "<=1",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "=>1.2", "1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ "=<1.2", "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4" },
	{ ">=1.2.3-0 <2.0.0",
	    "1.2.3 1.2.4 1.3.0 1.9.9 1.2.3-beta 1.3.0-beta 2.0.0-rc.1" },
	{ ">=1.2.3-alpha",
	    "1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0 1.2.3-beta 1.3.0-beta 2.0.0-rc.1" },
	{ "1.2 - 1.4.5", "1.2.3 1.2.4 1.3.0" },
	{ "1.2 - 1.4", "1.2.3 1.2.4 1.3.0" },
	{ "v1.2 - v1.4", "1.2.3 1.2.4 1.3.0" },
	{ "1 - 2 || 3.0.0", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ ">=1.0.0 <2.0.0 || >=3.0.0", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 3.0.0" },
	{ "^1.2 || ^2.0", "1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0" },
	{ "~1.2.3-beta", "1.2.3 1.2.4 1.2.3-beta" },
	{ "<2.0.0-rc",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 1.2.3-beta 1.3.0-beta 0.0.0-0" },
	{ "x.2.3",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ "1.x-beta", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 1.2.3-beta 1.3.0-beta" },
	{ "1.0.0 - 2.0.0-rc.1",
	    "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 1.2.3-beta 1.3.0-beta 2.0.0-rc.1" },
	{ "1.0 - 2.0 || 3.0 - 4.0",
	    "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 3.0.0" },
	{ "<=1.x",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "<1.x", "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0" },
	{ "~1.x", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "!=1.x.x", "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 2.0.0 2.1.0 3.0.0" },
	{ "=1", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9" },
	{ "^0.0.0", "0.0.0" },
	{ "^v1.2.3", "1.2.3 1.2.4 1.3.0 1.9.9" },
	{ ">= v1.0.0", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0" },
	{ "1.2.3+build", "1.2.3" },
	{ "!=1.2.x-beta",
	    "0.0.0 0.0.1 0.1.0 0.1.1 0.2.0 1.0.0 1.2.3 1.2.4 1.3.0 1.9.9 2.0.0 2.1.0 3.0.0 1.3.0-beta 2.0.0-rc.1 0.0.0-0" },
	{ ">1.x", "2.0.0 2.1.0 3.0.0" },
};

static bool
listed(const char *list, const char *v)
{
	size_t n = strlen(v);

	for (const char *p = list; (p = strstr(p, v)) != NULL; p += n)
		if ((p == list || p[-1] == ' ') &&
		    (p[n] == ' ' || p[n] == '\0'))
			return true;
	return false;
}

static void
check_pool(const struct semver_constraint *c, const char *text,
    const char *want)
{
	for (size_t i = 0; i < sizeof(pool) / sizeof(pool[0]); i++) {
		struct err err = ERR_INIT;
		struct semver v;
		bool got;

		T_OK(semver_parse(&v, pool[i], 0, &err), &err);
		got = semver_constraint_check(c, &v);
		if (got != listed(want, pool[i]))
			t_fail(__FILE__, __LINE__, "'%s' on %s: got %d", text,
			    pool[i], got);
		semver_release(&v);
	}
}

T_TEST(test_constraints_match_as_masterminds)
{
	for (size_t i = 0; i < sizeof(constraints) / sizeof(constraints[0]);
	     i++) {
		struct semver_constraint *c = NULL;
		struct err err = ERR_INIT;

		if (semver_constraint_parse(&c, constraints[i].constraint,
		        &err) == -1) {
			t_fail(__FILE__, __LINE__, "'%s': %s",
			    constraints[i].constraint, err.msg);
			continue;
		}
		check_pool(c, constraints[i].constraint,
		    constraints[i].matches);
		semver_constraint_free(c);
	}
}

static const char *const bad_constraints[] = {
	"",
	" ",
	"foo",
	">=",
	">=1.0.0 ||",
	"|| 1.0",
	"1.0 ||| 2.0",
	"==1.0",
	"=~1.0",
	"> = 1.0",
	">=1.0<2.0",
	">=1.0,,<2.0",
	">=1.0,",
	"1.2.3.4",
	"1.2.3abc",
	"1|2",
	"1.0.0 -2.0.0",
	">=1.0.0 - 2.0.0",
	"1.0 - 2.0||3.0 - 4.0",
	">=01x",
};

T_TEST(test_malformed_constraints_are_invalid)
{
	for (size_t i = 0;
	     i < sizeof(bad_constraints) / sizeof(bad_constraints[0]); i++) {
		struct semver_constraint *c = NULL;
		struct err err = ERR_INIT;

		T_ERR(semver_constraint_parse(&c, bad_constraints[i], &err),
		    &err, ERR_INVALID);
		T_TRUE(c == NULL);
		semver_constraint_free(c);
	}
}

T_TEST(test_constraint_errors_name_the_input)
{
	struct semver_constraint *c = NULL;
	struct err err = ERR_INIT;

	T_EQ(semver_constraint_parse(&c, ">=1.0 ==2", &err), -1);
	T_TRUE(strstr(err.msg, "constraint '>=1.0 ==2'") != NULL);
	T_TRUE(strstr(err.msg, "unknown operator '=='") != NULL);
}

T_TEST(test_whitespace_separators_are_gos)
{
	struct semver_constraint *c = NULL;
	struct err err = ERR_INIT;

	/* Go's \s: tab, newline, form feed and carriage return too */
	T_OK(semver_constraint_parse(&c, "\t>=1.0.0\n<2.0\r", &err), &err);
	check_pool(c, "tab/newline", "1.0.0 1.2.3 1.2.4 1.3.0 1.9.9");
	semver_constraint_free(c);
}
