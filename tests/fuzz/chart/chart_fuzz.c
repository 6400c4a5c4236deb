/*
 * Fuzzes chart_load_archive(): the input is a .tgz chart read entirely
 * in memory by our gzip and tar reader, then its Chart.yaml, values and
 * templates are parsed. A refusal must carry one of the codes the
 * loader promises; a chart that loads is rendered under tight limits
 * with a fixed clock, once as helm template prints it and once with the
 * hooks apart (chart_render_release()). Unless a template names a
 * random or clock-bound function, the second, printed the same way,
 * must give the same bytes, or fail the same way.
 *
 * Seeds come from mkcorpus.py.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chart/chart_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			(void)fprintf(stderr, "%s:%d: %s\n", __FILE__, \
			    __LINE__, #cond);                          \
			abort();                                       \
		}                                                      \
	} while (0)

/* Small enough that a gzip bomb fails fast instead of eating memory. */
static const struct chart_limits limits = { .max_file_bytes = 1 << 18,
	.max_total_bytes = 1 << 21,
	.max_depth = 4 };

static const struct chart_opts opts = { .release = "r",
	.tmpl = { .now_unix_ns = 1,
	    .max_output = 1 << 16,
	    .max_steps = 100000,
	    .max_depth = 32,
	    .max_includes = 16 } };

/* Renders c once; the output (malloc'd) or NULL, the code in *code. */
static char *
render(const struct chart *c, enum err_code *code)
{
	struct err err = ERR_INIT;
	struct buf out;
	char *res = NULL;

	buf_init(&out, 1 << 24);
	if (chart_render(&out, c, NULL, &opts, &err) == 0)
		res = buf_detach(&out, NULL);
	*code = err.code;
	buf_release(&out);
	return res;
}

/* Renders c with the hooks apart and prints that as helm template would
 * (the manifest trimmed, then each hook); NULL or the code as above. */
static char *
render_release(const struct chart *c, enum err_code *code)
{
	struct chart_release rel;
	struct err err = ERR_INIT;
	struct buf out;
	char *res = NULL;
	size_t s = 0, e;

	buf_init(&out, 1 << 24);
	if (chart_render_release(&rel, c, NULL, &opts, &err) == 0) {
		e = rel.manifest_len;
		CHECK(strlen(rel.manifest) == e);
		while (s < e && strchr(" \t\n\r\f\v", rel.manifest[s]) != NULL)
			s++;
		while (
		    e > s && strchr(" \t\n\r\f\v", rel.manifest[e - 1]) != NULL)
			e--;
		buf_append(&out, rel.manifest + s, e - s);
		buf_putc(&out, '\n');
		for (size_t i = 0; i < rel.nhooks; i++) {
			CHECK(rel.hooks[i].events != 0);
			buf_printf(&out, "---\n# Source: %s\n%.*s\n",
			    rel.hooks[i].path, (int)rel.hooks[i].manifest_len,
			    rel.hooks[i].manifest);
		}
		res = buf_detach(&out, NULL);
	}
	*code = err.code;
	buf_release(&out);
	chart_release_free(&rel);
	return res;
}

/* Clock- and random-bound functions make two renders differ. */
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

/* Whether no template of c or its subcharts names such a function; the
 * archive is compressed, so its own bytes cannot tell. */
static bool
chart_deterministic(const struct chart *c)
{
	for (size_t i = 0; i < c->ntemplates; i++)
		if (!deterministic(c->templates[i].data, c->templates[i].len))
			return false;
	for (size_t i = 0; i < c->nsubs; i++)
		if (!chart_deterministic(c->subs[i]))
			return false;
	return true;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct err err = ERR_INIT;
	struct chart *c = NULL;
	enum err_code c1, c2;
	char *o1, *o2;

	if (chart_load_archive(&c, data, size, &limits, &err) == -1) {
		CHECK(err.code == ERR_INVALID || err.code == ERR_LIMIT ||
		    err.code == ERR_NOTFOUND);
		CHECK(c == NULL);
		return 0;
	}
	CHECK(chart_name(c) != NULL);
	o1 = render(c, &c1);
	o2 = render_release(c, &c2);
	if (chart_deterministic(c)) {
		CHECK(c1 == c2);
		CHECK((o1 == NULL) == (o2 == NULL));
		CHECK(o1 == NULL || strcmp(o1, o2) == 0);
	}
	free(o1);
	free(o2);
	chart_free(c);
	return 0;
}
