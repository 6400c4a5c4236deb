/*
 * Fuzzes the template parser and executor: the input is a template,
 * parsed into a set and, when it parses, executed twice on a small fixed
 * .Values with tight output and step limits. Besides surviving the
 * sanitizers, a template that uses nothing random or clock-bound must
 * print the same bytes (or fail the same way) both times, and a parse
 * failure must leave the set as it was.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "template/template.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			(void)fprintf(stderr, "%s:%d: %s\n", __FILE__, \
			    __LINE__, #cond);                          \
			abort();                                       \
		}                                                      \
	} while (0)

static const char values[] = "a: [1, 2, x]\nm: {k: v, n: {d: 1.5}}\n"
                             "s: str\nb: true\nz: null\n";

/* Runs template "t" once; the output (malloc'd) or NULL, code in *code. */
static char *
run(const struct tmpl_set *s, enum err_code *code)
{
	struct tmpl_opts o = { .now_unix_ns = 1,
		.max_output = 1 << 16,
		.max_steps = 200000,
		.max_depth = 64,
		.max_includes = 32 };
	struct tmpl_exec *x = tmpl_exec_new(s, &o);
	struct err err = ERR_INIT;
	struct tmpl_val vals, dot;
	struct buf out;
	char *res = NULL;

	buf_init(&out, 1 << 16);
	CHECK(tmpl_values_parse(&vals, values, sizeof(values) - 1,
	          tmpl_exec_arena(x), &err) == 0);
	dot = tmpl_map_new(tmpl_exec_arena(x), 1);
	tmpl_map_set(tmpl_exec_arena(x), dot.u.m, "Values", 6, vals);
	if (tmpl_exec_run(x, &out, "t", &dot, &err) == 0)
		res = buf_detach(&out, NULL);
	*code = err.code;
	buf_release(&out);
	tmpl_exec_free(x);
	return res;
}

static bool
deterministic(const char *p, size_t n)
{
	static const char *const words[] = { "rand", "uuid", "now", "gen",
		"shuffle", "encrypt", "bcrypt", "htpasswd", "ago", "date" };

	for (size_t i = 0; i < sizeof(words) / sizeof(words[0]); i++)
		if (memmem(p, n, words[i], strlen(words[i])) != NULL)
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tmpl_set *s = tmpl_set_new();
	struct err err = ERR_INIT;
	const char *text = (const char *)data;
	enum err_code c1, c2;
	char *o1, *o2;

	if (size > 1 << 14)
		goto out;
	if (tmpl_set_parse(s, "t", text, size, &err) == -1) {
		CHECK(err.code == ERR_INVALID || err.code == ERR_LIMIT);
		CHECK(tmpl_set_count(s) == 0);
		goto out;
	}
	o1 = run(s, &c1);
	o2 = run(s, &c2);
	if (deterministic(text, size)) {
		CHECK(c1 == c2);
		CHECK((o1 == NULL) == (o2 == NULL));
		CHECK(o1 == NULL || strcmp(o1, o2) == 0);
	}
	free(o1);
	free(o2);
out:
	tmpl_set_free(s);
	return 0;
}
