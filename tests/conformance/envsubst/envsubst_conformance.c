/*
 * The envsubst conformance runner: feeds every case under
 * $FLINT_CONFORMANCE_DIR/envsubst (Flux's own results for post-build
 * substitution) to flint and compares.
 *
 *   envsubst_conformance [known-failures-file]
 *
 * eval-* cases expand input.txt and must give expected.txt byte for byte,
 * or fail with Flux's message; resource-* cases run the post-build step on
 * input.yaml and must give the documents of expected.yaml as data. Prints
 * PASS/FAIL per case and a total. The known-failures file lists
 * "case<TAB>reason" lines; the run fails when an unlisted case fails, a
 * listed one passes or a listed one no longer exists, so the list only
 * shrinks.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/buf.h"
#include "core/err.h"
#include "core/mem.h"
#include "doc/doc.h"
#include "envsubst/envsubst.h"

#ifndef FLINT_CONFORMANCE_DEFAULT
#define FLINT_CONFORMANCE_DEFAULT "../shared/conformance"
#endif

#define REASON_MAX 600

struct known {
	char *name;
	char *reason;
	bool seen;
};

struct run {
	const char *dir; /* the corpus, .../envsubst */
	struct known *known;
	size_t n_known;
	int passed, failed, unexpected;
};

static void reason_set(char *reason, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void
reason_set(char *reason, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(reason, REASON_MAX, fmt, ap);
	va_end(ap);
}

/* Reads a whole file into *out (NUL-terminated, caller frees). */
static int
read_file(const char *path, char **out, size_t *len, struct err *err)
{
	struct buf b;
	char chunk[8192];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (f == NULL)
		return err_errno(err, errno, "open '%s'", path);
	buf_init(&b, BUF_MAX_DEFAULT);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		buf_append(&b, chunk, n);
	(void)fclose(f); /* read-only: nothing to lose */
	if (buf_check(&b, err) == -1) {
		buf_release(&b);
		return err_wrap(err, "read '%s'", path);
	}
	*out = buf_detach(&b, len);
	return 0;
}

/* Parses <case>/<file>: YAML when its name says so, else JSON. */
static int
parse_file(struct doc **out, const char *dir, const char *file, struct err *err)
{
	char *path = xasprintf("%s/%s", dir, file), *text = NULL;
	const char *dot = strrchr(file, '.');
	size_t len = 0;
	int rv = read_file(path, &text, &len, err);

	if (rv == 0 && dot != NULL && strcmp(dot, ".yaml") == 0)
		rv = doc_parse_yaml(out, text, len, NULL, err);
	else if (rv == 0)
		rv = doc_parse_json(out, text, len, NULL, err);
	if (rv == -1)
		err_wrap(err, "%s", file);
	free(text);
	free(path);
	return rv;
}

/* A string field of a map, or NULL. */
static const char *
field(const struct doc_node *map, const char *key)
{
	const struct doc_node *n = map != NULL ? doc_map_get(map, key) : NULL;

	return n != NULL && n->kind == DOC_STR ? doc_str(n) : NULL;
}

static bool
flag(const struct doc_node *map, const char *key, bool dflt)
{
	const struct doc_node *n = doc_map_get(map, key);

	return n != NULL && n->kind == DOC_BOOL
	    ? strcmp(doc_str(n), "true") == 0
	    : dflt;
}

/* Checks an error against the expected (sub)string of the case. */
static bool
error_matches(const struct doc_node *c, const struct err *err, char *reason)
{
	const char *want = field(c, "error_contains");

	if (want == NULL)
		want = field(c, "error");
	if (want == NULL || strstr(err->msg, want) != NULL)
		return true;
	reason_set(reason, "error '%s' does not contain '%s'", err->msg, want);
	return false;
}

/* Whether the case expects the failure in err. */
static bool
failure_expected(const struct doc_node *c, const struct err *err, char *reason)
{
	const char *expect = field(c, "expect");

	if (expect != NULL && strcmp(expect, "error") == 0)
		return error_matches(c, err, reason);
	reason_set(reason, "unexpected error: %s", err->msg);
	return false;
}

/* ---- eval cases -----------------------------------------------------------
 */

static struct envsubst_vars *
vars_from(const struct doc_node *map)
{
	struct envsubst_vars *v = envsubst_vars_new();
	size_t i;

	for (i = 0; map != NULL && map->kind == DOC_MAP && i < map->u.map.n;
	     i++) {
		const struct doc_pair *p = &map->u.map.items[i];

		envsubst_vars_set(v, p->key->u.str.ptr, p->key->u.str.len,
		    p->value->u.str.ptr, p->value->u.str.len);
	}
	return v;
}

/* Compares an expansion's output with expected.txt. */
static bool
output_matches(const char *dir, const char *got, size_t got_len, char *reason)
{
	struct err err = ERR_INIT;
	char *path = xasprintf("%s/expected.txt", dir), *want = NULL;
	size_t want_len = 0;
	bool ok = false;

	if (read_file(path, &want, &want_len, &err) == -1)
		reason_set(reason, "%s", err.msg);
	else if (got_len != want_len || memcmp(got, want, got_len) != 0)
		reason_set(reason, "output [%.200s] differs from [%.200s]", got,
		    want);
	else
		ok = true;
	free(want);
	free(path);
	return ok;
}

static bool
run_eval(const char *dir, const struct doc_node *c, char *reason)
{
	struct envsubst_vars *vars = vars_from(doc_map_get(c, "vars"));
	struct envsubst_opts opts = { .strict = flag(c, "strict", false) };
	const char *input = field(c, "input"), *expect = field(c, "expect");
	char *path = xasprintf("%s/%s", dir, input != NULL ? input : "?");
	char *text = NULL, *out = NULL;
	struct err err = ERR_INIT;
	size_t len = 0, out_len = 0;
	bool ok = false;

	if (read_file(path, &text, &len, &err) == -1)
		reason_set(reason, "%s", err.msg);
	else if (envsubst_eval(&out, &out_len, text, len, vars, &opts, &err) ==
	    -1)
		ok = failure_expected(c, &err, reason);
	else if (expect != NULL && strcmp(expect, "error") == 0)
		reason_set(reason, "expected an error, got [%.200s]", out);
	else
		ok = output_matches(dir, out, out_len, reason);
	free(out);
	free(text);
	free(path);
	envsubst_vars_free(vars);
	return ok;
}

/* ---- resource cases ------------------------------------------------------ */

/* The substituteFrom list of a case: its objects, as the cluster has them
 * ("present": false when missing). The caller frees the array. */
static struct envsubst_source *
sources_from(const struct doc_node *list, size_t *n)
{
	struct envsubst_source *src;
	size_t i;

	*n = list != NULL && list->kind == DOC_SEQ ? list->u.seq.n : 0;
	src = xcalloc(*n + 1, sizeof(*src));
	for (i = 0; i < *n; i++) {
		const struct doc_node *e = list->u.seq.items[i];

		src[i].kind = field(e, "kind") != NULL ? field(e, "kind") : "";
		src[i].name = field(e, "name") != NULL ? field(e, "name") : "";
		src[i].optional = flag(e, "optional", false);
		src[i].present = flag(e, "present", true);
		src[i].data = doc_map_get(e, "data");
	}
	return src;
}

/* Whether d holds the documents of <dir>/expected.yaml, as data. */
static bool
docs_match(const char *dir, const struct doc *d, char *reason)
{
	struct err err = ERR_INIT;
	struct doc *want = NULL;
	size_t i;
	bool ok = false;

	if (parse_file(&want, dir, "expected.yaml", &err) == -1)
		reason_set(reason, "%s", err.msg);
	else if (doc_count(want) != doc_count(d))
		reason_set(reason, "%zu documents, expected %zu", doc_count(d),
		    doc_count(want));
	else
		ok = true;
	for (i = 0; ok && i < doc_count(d); i++) {
		ok = doc_equal(doc_root(d, i), doc_root(want, i));
		if (!ok)
			reason_set(reason, "document %zu differs", i + 1);
	}
	doc_free(want);
	return ok;
}

/* The case's postBuild as the step's input; strings point into c, the
 * caller frees *src. */
static struct envsubst_postbuild
postbuild_from(const struct doc_node *c, struct envsubst_source **src)
{
	const struct doc_node *post = doc_map_get(c, "postBuild");
	const char *strategy = field(post, "substituteStrategy");
	struct envsubst_postbuild pb = {
		.substitute = doc_map_get(post, "substitute"),
		.strict = flag(c, "strict", false),
	};

	if (strategy != NULL && strcmp(strategy, "Always") == 0)
		pb.strategy = ENVSUBST_ALWAYS;
	*src = sources_from(doc_map_get(post, "substituteFrom"), &pb.n_from);
	pb.from = *src;
	return pb;
}

static bool
run_resources(const char *dir, const struct doc_node *c, char *reason)
{
	struct envsubst_source *src = NULL;
	struct envsubst_postbuild pb = postbuild_from(c, &src);
	const char *expect = field(c, "expect");
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	bool ok = false;

	if (parse_file(&d, dir, "input.yaml", &err) == -1)
		reason_set(reason, "%s", err.msg);
	else if (envsubst_doc(d, &pb, &err) == -1)
		ok = failure_expected(c, &err, reason);
	else if (expect != NULL && strcmp(expect, "error") == 0)
		reason_set(reason, "expected an error, got none");
	else
		ok = docs_match(dir, d, reason);
	doc_free(d);
	free(src);
	return ok;
}

/* ---- the run ----------------------------------------------------------------
 */

static struct known *
known_find(struct run *r, const char *name)
{
	size_t i;

	for (i = 0; i < r->n_known; i++)
		if (strcmp(r->known[i].name, name) == 0)
			return &r->known[i];
	return NULL;
}

/* Reads "case<TAB>reason" lines; blank lines and '#' comments skipped. */
static int
known_load(struct run *r, const char *path, struct err *err)
{
	char *text = NULL, *line, *next, *tab;
	size_t len = 0;

	if (read_file(path, &text, &len, err) == -1)
		return -1;
	for (line = text; line != NULL && *line != '\0'; line = next) {
		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		if (*line == '\0' || *line == '#')
			continue;
		tab = strchr(line, '\t');
		if (tab != NULL)
			*tab++ = '\0';
		r->known = xreallocarray(r->known, r->n_known + 1,
		    sizeof(*r->known));
		r->known[r->n_known].name = xstrdup(line);
		r->known[r->n_known].reason = xstrdup(tab != NULL ? tab : "");
		r->known[r->n_known++].seen = false;
	}
	free(text);
	return 0;
}

static bool
run_case(const char *dir, char *reason)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	const struct doc_node *c;
	const char *mode;
	bool ok = false;

	if (parse_file(&d, dir, "case.json", &err) == -1) {
		reason_set(reason, "%s", err.msg);
		return false;
	}
	c = doc_root(d, 0);
	mode = field(c, "mode");
	if (mode != NULL && strcmp(mode, "eval") == 0)
		ok = run_eval(dir, c, reason);
	else if (mode != NULL && strcmp(mode, "resources") == 0)
		ok = run_resources(dir, c, reason);
	else
		reason_set(reason, "unknown mode '%s'", mode ? mode : "");
	doc_free(d);
	return ok;
}

/* Runs one case and weighs the result against the known failures. */
static void
report(struct run *r, const char *name)
{
	char reason[REASON_MAX] = "", *dir = xasprintf("%s/%s", r->dir, name);
	struct known *k = known_find(r, name);
	bool ok = run_case(dir, reason);

	if (ok) {
		printf("PASS %s\n", name);
		r->passed++;
	} else {
		printf("FAIL %s: %s\n", name, reason);
		r->failed++;
	}
	if (k != NULL)
		k->seen = true;
	if (k != NULL && ok) {
		printf("  listed as a known failure but passes: remove it\n");
		r->unexpected++;
	} else if (k == NULL && !ok) {
		r->unexpected++;
	}
	free(dir);
}

static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int
is_case(const struct dirent *e)
{
	return e->d_name[0] != '.' &&
	    (strncmp(e->d_name, "eval-", 5) == 0 ||
	        strncmp(e->d_name, "resource-", 9) == 0);
}

static int
run_all(struct run *r)
{
	struct dirent **list = NULL;
	int i, n = scandir(r->dir, &list, is_case, by_name);

	if (n < 0) {
		printf("conformance data not found at %s\n", r->dir);
		return -1;
	}
	for (i = 0; i < n; i++) {
		report(r, list[i]->d_name);
		free(list[i]);
	}
	free(list);
	if (n == 0)
		printf("no cases in %s\n", r->dir);
	return n == 0 ? -1 : 0;
}

/* Listed cases that no longer exist are stale: the list must shrink. */
static void
check_stale(struct run *r)
{
	size_t i;

	for (i = 0; i < r->n_known; i++) {
		if (!r->known[i].seen) {
			printf("STALE %s: listed as a known failure but no "
			       "such case\n",
			    r->known[i].name);
			r->unexpected++;
		}
	}
}

int
main(int argc, char **argv)
{
	const char *base = getenv("FLINT_CONFORMANCE_DIR");
	struct run r = { 0 };
	struct err err = ERR_INIT;
	char *dir;
	size_t i;
	int rc = 1;

	dir = xasprintf("%s/envsubst",
	    base != NULL && *base != '\0' ? base : FLINT_CONFORMANCE_DEFAULT);
	r.dir = dir;
	if (argc > 1 && known_load(&r, argv[1], &err) == -1)
		printf("known failures: %s\n", err.msg);
	else if (run_all(&r) == 0) {
		check_stale(&r);
		printf("%d passed, %d failed (%zu known failures listed)\n",
		    r.passed, r.failed, r.n_known);
		rc = r.unexpected == 0 ? 0 : 1;
	}
	for (i = 0; i < r.n_known; i++) {
		free(r.known[i].name);
		free(r.known[i].reason);
	}
	free(r.known);
	free(dir);
	return rc;
}
