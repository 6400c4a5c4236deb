/*
 * The unit-test harness: tests register themselves with T_TEST(), checks
 * record a failure with file and line and let the test go on, and main()
 * (in t.c) runs every test, or those whose names contain argv[1].
 */
#ifndef FLINT_T_H
#define FLINT_T_H

#include <stdint.h>
#include <string.h>

#include "core/err.h"

typedef void t_fn(void);

void t_register(const char *name, t_fn *fn);
void t_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
int t_streq(const char *a, const char *b);

/* Defines and registers a test function. */
#define T_TEST(name)                                                   \
	static void name(void);                                        \
	__attribute__((constructor)) static void name##_register(void) \
	{                                                              \
		t_register(#name, name);                               \
	}                                                              \
	static void name(void)

#define T_TRUE(x)                                                      \
	do {                                                           \
		if (!(x))                                              \
			t_fail(__FILE__, __LINE__, "expected %s", #x); \
	} while (0)

#define T_EQ(a, b)                                                           \
	do {                                                                 \
		long long t_a_ = (long long)(a), t_b_ = (long long)(b);      \
		if (t_a_ != t_b_)                                            \
			t_fail(__FILE__, __LINE__, "%s == %s: %lld != %lld", \
			    #a, #b, t_a_, t_b_);                             \
	} while (0)

/* Compares strings; NULL equals only NULL. */
#define T_STREQ(a, b)                                                        \
	do {                                                                 \
		const char *t_a_ = (a), *t_b_ = (b);                         \
		if (!t_streq(t_a_, t_b_))                                    \
			t_fail(__FILE__, __LINE__,                           \
			    "%s == %s:\n  got  [%s]\n  want [%s]", #a, #b,   \
			    t_a_ ? t_a_ : "(null)", t_b_ ? t_b_ : "(null)"); \
	} while (0)

/* The call must not return -1 (or NULL); prints err's message if it did. */
#define T_OK(call, errp)                                                   \
	do {                                                               \
		if ((intptr_t)(call) == -1)                                \
			t_fail(__FILE__, __LINE__, "%s failed: %s", #call, \
			    (errp)->msg);                                  \
	} while (0)

/* The call must fail with code; the error is reset afterwards. */
#define T_ERR(call, errp, want)                                           \
	do {                                                              \
		int t_rv_ = (int)(intptr_t)(call);                        \
		if (t_rv_ != -1 || (errp)->code != (want))                \
			t_fail(__FILE__, __LINE__,                        \
			    "%s: want %s, got rv %d code %s (%s)", #call, \
			    err_code_name(want), t_rv_,                   \
			    err_code_name((errp)->code), (errp)->msg);    \
		err_reset(errp);                                          \
	} while (0)

#endif /* FLINT_T_H */
