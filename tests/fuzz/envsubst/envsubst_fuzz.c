/*
 * Fuzzes envsubst_eval(). The first byte picks strict mode (odd) or not;
 * the rest is the text, expanded with a small fixed set of variables.
 * Besides surviving the sanitizers, the result must hold two properties:
 * a text without '$' comes back unchanged, and whatever strict mode
 * accepts, lax mode expands to the same bytes.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "envsubst/envsubst.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			(void)fprintf(stderr, "%s:%d: %s\n", __FILE__, \
			    __LINE__, #cond);                          \
			abort();                                       \
		}                                                      \
	} while (0)

static struct envsubst_vars *
fixture(void)
{
	static const char *const pairs[][2] = {
		{ "a", "abcabc" },
		{ "b", "" },
		{ "v", "h\xc3\xa9llo/w\xc3\xb6rld.tar.gz" },
		{ "x", "X" },
		{ "n", "2" },
		{ "m", "-3" },
		{ "r", "${x}" },
		{ "i",
		    "a\xff"
		    "b\xc3" },
		{ "\xc3\xa9", "E" },
	};
	struct envsubst_vars *v = envsubst_vars_new();
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		envsubst_vars_set(v, pairs[i][0], strlen(pairs[i][0]),
		    pairs[i][1], strlen(pairs[i][1]));
	return v;
}

/* Small limits keep every input fast. */
static int
expand(char **out, size_t *len, const char *text, size_t n,
    const struct envsubst_vars *v, bool strict)
{
	struct envsubst_opts opts = {
		.strict = strict,
		.max_bytes = 1 << 20,
		.max_steps = 1 << 22,
	};
	struct err err = ERR_INIT;
	int rv = envsubst_eval(out, len, text, n, v, &opts, &err);

	CHECK((rv == 0) == (err.code == ERR_OK));
	CHECK(rv == 0 || err.code == ERR_INVALID || err.code == ERR_LIMIT);
	CHECK(rv == -1 || (*out != NULL && (*out)[*len] == '\0'));
	return rv;
}

/* The properties of a successful expansion of text. */
static void
check_output(const char *text, size_t n, const char *out, size_t len,
    const struct envsubst_vars *vars, bool strict)
{
	char *lax = NULL;
	size_t lax_len = 0;

	if (memchr(text, '$', n) == NULL)
		CHECK(len == n && memcmp(out, text, n) == 0);
	if (!strict)
		return;
	CHECK(expand(&lax, &lax_len, text, n, vars, false) == 0);
	CHECK(lax_len == len && memcmp(lax, out, len) == 0);
	free(lax);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct envsubst_vars *vars;
	const char *text = (const char *)data + 1;
	char *out = NULL;
	size_t len = 0;
	bool strict;

	if (size == 0)
		return 0;
	if (vars == NULL)
		vars = fixture(); /* kept for the whole run */
	strict = (data[0] & 1) != 0;
	if (expand(&out, &len, text, size - 1, vars, strict) == 0)
		check_output(text, size - 1, out, len, vars, strict);
	else
		CHECK(memchr(text, '$', size - 1) != NULL);
	free(out);
	return 0;
}
