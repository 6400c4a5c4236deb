/*
 * String helpers glibc lacks, and number/duration parsing that reports
 * errors instead of guessing (no atoi).
 */
#ifndef FLINT_CORE_STR_H
#define FLINT_CORE_STR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* Copies src into dst of size dstsize, always NUL-terminating when
 * dstsize > 0. Returns strlen(src); a result >= dstsize means cut. */
size_t str_lcpy(char *dst, const char *src, size_t dstsize);

/* Appends src to the string in dst; same contract as str_lcpy(). */
size_t str_lcat(char *dst, const char *src, size_t dstsize);

bool str_has_prefix(const char *s, const char *prefix);
bool str_has_suffix(const char *s, const char *suffix);

/* True if the n bytes at p equal the NUL-terminated lit. */
bool str_eq_n(const char *p, size_t n, const char *lit);

/* Parses a whole decimal integer (optional sign); ERR_INVALID on junk or
 * overflow. */
int str_to_i64(int64_t *out, const char *s, struct err *err);

/* Parses a Go duration ("300ms", "1m30s", "1h", "2h45m") into
 * milliseconds; ERR_INVALID on junk, negatives or overflow. */
int str_parse_duration_ms(int64_t *out_ms, const char *s, struct err *err);

/* Formats milliseconds as Go's time.Duration.String() does ("5m0s",
 * "1.5s", "300ms", "0s") into dst; returns dst. */
char *str_format_duration(char *dst, size_t dstsize, int64_t ms);

#endif /* FLINT_CORE_STR_H */
