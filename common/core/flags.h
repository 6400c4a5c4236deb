/*
 * A typed command-line flag table that parses and prints --help.
 *
 * Each entry points at a typed member, so the compiler checks the
 * pointer; the member's value before parsing is the default shown in
 * --help. Flags are GNU-style long options: --name=value, --name value,
 * and --name / --name=false for booleans.
 *
 *	static struct flag table[] = {
 *		FLAG_INT("concurrent", &opts.concurrent, 1, 256,
 *		    "The number of concurrent reconciles."),
 *		FLAG_STR("storage-path", &opts.storage_path, "..."),
 *	};
 */
#ifndef FLINT_CORE_FLAGS_H
#define FLINT_CORE_FLAGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

enum flag_type {
	FLAG_T_INT,
	FLAG_T_STR,
	FLAG_T_BOOL,
	FLAG_T_DURATION,
};

struct flag {
	const char *name;
	enum flag_type type;
	union {
		int *i;
		const char **s;
		bool *b;
		int64_t *ms;
	} p;
	long long min, max;
	const char *help;
};

#define FLAG_INT(n, ptr, lo, hi, h)                                         \
	{                                                                   \
		.name = (n), .type = FLAG_T_INT, .p.i = (ptr), .min = (lo), \
		.max = (hi), .help = (h)                                    \
	}
#define FLAG_STR(n, ptr, h)                                                \
	{                                                                  \
		.name = (n), .type = FLAG_T_STR, .p.s = (ptr), .help = (h) \
	}
#define FLAG_BOOL(n, ptr, h)                                                \
	{                                                                   \
		.name = (n), .type = FLAG_T_BOOL, .p.b = (ptr), .help = (h) \
	}
/* A Go duration ("30s", "5m") stored in milliseconds. */
#define FLAG_DURATION(n, ptr, h)                                     \
	{                                                            \
		.name = (n), .type = FLAG_T_DURATION, .p.ms = (ptr), \
		.help = (h)                                          \
	}

enum flags_result {
	FLAGS_OK = 0,
	FLAGS_HELP = 1, /* --help or -h was given; print flags_usage() */
};

/*
 * Parses argv[1..] against the table. Parsing stops at "--" or at the
 * first argument that is not a flag; its index goes to *rest_out (argc
 * when none). String values point into argv. Returns FLAGS_OK,
 * FLAGS_HELP, or -1 with ERR_INVALID naming the flag.
 */
int flags_parse(int *rest_out, const struct flag *table, size_t n, int argc,
    char **argv, struct err *err);

/* Prints "Usage: <prog> [flags]" and one line per flag with its type,
 * default and help. */
void flags_usage(FILE *f, const char *prog, const struct flag *table, size_t n);

#endif /* FLINT_CORE_FLAGS_H */
