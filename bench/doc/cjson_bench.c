/*
 * cJSON, the fastest JSON library Debian 12 packages, as the reference
 * beside flint's cases: same inputs, same walk over every value.
 */
#include <cjson/cJSON.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

static size_t
count_values(const cJSON *n)
{
	size_t c = 1;

	for (const cJSON *ch = n->child; ch != NULL; ch = ch->next)
		c += count_values(ch);
	return c;
}

static int
parse_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	/* The length includes the NUL: cJSON checks for it past the end. */
	cJSON *root = cJSON_ParseWithLengthOpts(in->data, in->len + 1, NULL, 1);

	(void)state;
	if (root == NULL)
		return err_set(err, ERR_INVALID, "cJSON cannot parse '%s'",
		    in->path);
	*count = count_values(root);
	*bytes = in->len;
	cJSON_Delete(root);
	return 0;
}

static void *
emit_setup(const struct bench_input *in, struct err *err)
{
	cJSON *root = cJSON_ParseWithLength(in->data, in->len);

	if (root == NULL)
		err_set(err, ERR_INVALID, "cJSON cannot parse '%s'", in->path);
	return root;
}

static int
emit(void *state, bool indent, size_t *bytes, size_t *count, struct err *err)
{
	char *out = indent ? cJSON_Print(state) : cJSON_PrintUnformatted(state);

	if (out == NULL)
		return err_set(err, ERR_INTERNAL, "cJSON cannot print");
	*bytes = *count = strlen(out);
	cJSON_free(out);
	return 0;
}

static int
emit_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	(void)in;
	return emit(state, false, bytes, count, err);
}

static int
emit_indent_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	(void)in;
	return emit(state, true, bytes, count, err);
}

static void
emit_teardown(void *state)
{
	cJSON_Delete(state);
}

BENCH_CASE(cjson_json_parse, .name = "cjson-json-parse",
    .what = "cJSON_ParseWithLengthOpts, walk every value, cJSON_Delete",
    .input = "list.min.json", .run = parse_run)
BENCH_CASE(cjson_json_parse_indent, .name = "cjson-json-parse-indent",
    .what = "the same on indented input", .input = "list.json",
    .run = parse_run)
BENCH_CASE(cjson_json_emit, .name = "cjson-json-emit",
    .what = "cJSON_PrintUnformatted", .input = "list.min.json",
    .setup = emit_setup, .run = emit_run, .teardown = emit_teardown)
BENCH_CASE(cjson_json_emit_indent, .name = "cjson-json-emit-indent",
    .what = "cJSON_Print (tab indent)", .input = "list.min.json",
    .setup = emit_setup, .run = emit_indent_run, .teardown = emit_teardown)
