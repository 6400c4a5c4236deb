/*
 * Fuzzes kustomization parsing and patch application. The input is up to
 * three texts separated by lines "--8<--": a kustomization, the objects
 * it lists (res.yaml) and a patch file (patch.yaml). The first byte picks
 * the mode: even bytes apply the patch text to the objects directly as a
 * strategic merge; odd bytes write the three files and build them.
 * Besides surviving the sanitizers, what succeeds must print YAML that
 * parses back into as many documents, and a build must repeat exactly.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "kustomize/kustomize.h"
#include "kustomize/kz_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			(void)fprintf(stderr, "%s:%d: %s\n", __FILE__, \
			    __LINE__, #cond);                          \
			abort();                                       \
		}                                                      \
	} while (0)

#define SEP "\n--8<--\n"

struct parts {
	const char *p[3];
	size_t n[3];
};

static void
split(struct parts *out, const char *s, size_t n)
{
	memset(out, 0, sizeof(*out));
	for (int i = 0; i < 3; i++) {
		const char *end = i < 2 ? memmem(s, n, SEP, strlen(SEP)) : NULL;
		size_t len = end != NULL ? (size_t)(end - s) : n;

		out->p[i] = s;
		out->n[i] = len;
		if (end == NULL)
			break;
		s = end + strlen(SEP);
		n -= len + strlen(SEP);
	}
}

/* Emits the documents and checks they parse back, as many. */
static char *
emit_checked(const struct doc *d)
{
	struct err err = ERR_INIT;
	struct doc *back = NULL;
	struct buf b;
	char *text;
	size_t len;

	buf_init(&b, BUF_MAX_DEFAULT);
	CHECK(kustomize_emit(&b, d, &err) == 0);
	text = buf_detach(&b, &len);
	CHECK(doc_parse_yaml(&back, text, len, NULL, &err) == 0);
	CHECK(doc_count(back) == doc_count(d));
	doc_free(back);
	return text;
}

static const char *
workdir(void)
{
	static char dir[64];

	if (dir[0] == '\0') {
		(void)snprintf(dir, sizeof(dir), "/tmp/flint-kzfuzz-%ld",
		    (long)getpid());
		(void)mkdir(dir, 0700);
	}
	return dir;
}

static void
put(const char *name, const char *p, size_t n)
{
	char path[128];
	FILE *f;

	(void)snprintf(path, sizeof(path), "%s/%s", workdir(), name);
	f = fopen(path, "wb");
	CHECK(f != NULL);
	if (n > 0)
		CHECK(fwrite(p, 1, n, f) == n);
	fclose(f);
}

static char *
build(void)
{
	struct kustomize_opts o = { .doc = { .max_bytes = 1 << 20,
		                        .max_nodes = 100000 },
		.max_files = 64,
		.max_depth = 8 };
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	char *text;

	if (kustomize_build(&d, workdir(), &o, &err) == -1) {
		CHECK(err.code != ERR_OK && err.msg[0] != '\0');
		return NULL;
	}
	text = emit_checked(d);
	doc_free(d);
	return text;
}

static void
fuzz_build(const struct parts *p)
{
	char *a, *b;

	put("kustomization.yaml", p->p[0], p->n[0]);
	put("res.yaml", p->p[1], p->n[1]);
	put("patch.yaml", p->p[2], p->n[2]);
	a = build();
	b = build();
	CHECK((a == NULL) == (b == NULL));
	CHECK(a == NULL || strcmp(a, b) == 0);
	free(a);
	free(b);
}

/* Every object of the second text merged with the first of the third. */
static void
fuzz_merge(const struct parts *p)
{
	struct doc *objs = NULL, *patch = NULL, *out = doc_new();
	struct kz_schema *schema = NULL;
	struct doc *schema_doc = NULL;
	struct arena *a = doc_arena(out);
	struct err err = ERR_INIT;

	if (doc_parse_yaml(&objs, p->p[1], p->n[1], NULL, &err) == -1 ||
	    doc_parse_yaml(&patch, p->p[2], p->n[2], NULL, &err) == -1 ||
	    doc_count(patch) == 0)
		goto done;
	CHECK(kz_schema_builtin_load(&schema, &schema_doc, a, &err) == 0);
	for (size_t i = 0; i < doc_count(objs); i++) {
		struct doc_node *dst = doc_copy(a, doc_root(objs, i));
		struct doc_node *pt = doc_copy(a, doc_root(patch, 0));

		err_reset(&err);
		if (kz_smp_apply(a, schema, &dst, pt, &err) == -1) {
			CHECK(err.code != ERR_OK);
			continue;
		}
		if (dst != NULL)
			doc_add_root(out, dst);
	}
	free(emit_checked(out));
done:
	kz_schema_release(schema);
	doc_free(schema_doc);
	doc_free(objs);
	doc_free(patch);
	doc_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct parts p;
	char *text;

	if (size < 1 || size > (1 << 16))
		return 0;
	text = xmemdup(data + 1, size - 1);
	split(&p, text, size - 1);
	if (data[0] % 2 == 0)
		fuzz_merge(&p);
	else
		fuzz_build(&p);
	free(text);
	return 0;
}
