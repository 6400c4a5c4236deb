/*
 * Semantic versions and version constraints, as Masterminds/semver v3
 * (v3.4) reads them: Flux (GitRepository ref.semver, OCIRepository,
 * HelmChart) and Helm use that library, so "which tag matches ~1.2" must
 * get the same answer here.
 *
 * Parsing is lenient the way NewVersion is: an optional lower-case 'v',
 * missing minor and patch ("1", "1.2"), leading zeros in major, minor and
 * patch (coerced away). SEMVER_STRICT is Flux's version.ParseVersion for
 * tags: a full x.y.z without leading zeros, 'v' optional.
 *
 * Constraints: comparisons (=, !=, >, <, >=, <=, and the aliases =>,
 * =<), ~ and ~>, ^, wildcards (1.x, 1.2.*, *), hyphen ranges
 * ("1.2 - 1.4.5"), terms joined by spaces or commas (AND) and "||" (OR).
 * A prerelease version matches only an OR group that names a prerelease.
 *
 * Values are plain; a constraint is immutable after parsing, so both may
 * be shared between threads once made.
 */
#ifndef FLINT_SEMVER_H
#define FLINT_SEMVER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum semver_flags {
	SEMVER_STRICT = 1 << 0, /* x.y.z, no leading zeros; 'v' allowed */
};

struct semver {
	uint64_t major, minor, patch;
	const char *pre;      /* prerelease without '-', "" when none */
	const char *meta;     /* build metadata without '+', "" when none */
	const char *original; /* the text as parsed, 'v' included */
	char *mem;            /* owns the strings above */
};

/*
 * Parses s into *out (the caller's storage; release it with
 * semver_release()). ERR_INVALID names what is wrong. *out is untouched
 * on failure.
 */
int semver_parse(struct semver *out, const char *s, unsigned flags,
    struct err *err);

/* Frees what semver_parse() allocated. Accepts zeroed storage. */
void semver_release(struct semver *v);

/* Precedence: <0, 0, >0. Build metadata is ignored, so "1.0.0+a" and
 * "1.0.0+b" compare equal. */
int semver_compare(const struct semver *a, const struct semver *b);

/* Writes "major.minor.patch[-pre][+meta]" (no 'v') into dst of size n;
 * returns the length the full text needs, like snprintf. */
size_t semver_format(char *dst, size_t n, const struct semver *v);

struct semver_constraint;

/* Parses a constraint; the caller frees *out with
 * semver_constraint_free(). ERR_INVALID for what Masterminds refuses. */
int semver_constraint_parse(struct semver_constraint **out, const char *s,
    struct err *err);

void semver_constraint_free(struct semver_constraint *c);

/* True if v satisfies the constraint. */
bool semver_constraint_check(const struct semver_constraint *c,
    const struct semver *v);

#endif /* FLINT_SEMVER_H */
