/* Private to common/semver. */
#ifndef FLINT_SEMVER_INT_H
#define FLINT_SEMVER_INT_H

#include "semver/semver.h"

/* Orders two prerelease strings ("" included) as Masterminds'
 * comparePrerelease() does. */
int semver_cmp_pre(const char *a, const char *b);

#endif /* FLINT_SEMVER_INT_H */
