/*
 * .helmignore rules as Helm's ignore package reads them: one glob per
 * line (Go's filepath.Match syntax), '#' comments, '!' negation, a
 * trailing '/' for directories only, a leading '/' anchoring at the
 * chart root, and patterns without '/' matched against the base name.
 * Helm always adds "templates/.?*".
 */
#include "chart/chart_int.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct rule {
	char *glob;
	bool negate, must_dir, anchored, structural;
};

struct ignore {
	struct rule *r;
	size_t n;
};

static int
add_rule(struct ignore *ig, const char *line, size_t n, struct err *err)
{
	struct rule r = { 0 };
	size_t s = 0;

	while (s < n && (line[s] == ' ' || line[s] == '\t' || line[s] == '\r'))
		s++;
	while (n > s &&
	    (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
		n--;
	if (n == s || line[s] == '#')
		return 0;
	if (memmem(line + s, n - s, "**", 2) != NULL)
		return err_set(err, ERR_INVALID,
		    "double-star (**) syntax is not supported");
	if (line[s] == '!') {
		r.negate = true;
		s++;
	}
	if (n > s && line[n - 1] == '/') {
		r.must_dir = true;
		n--;
	}
	if (n > s && line[s] == '/') {
		r.anchored = true;
		s++;
	}
	r.structural = r.anchored || memchr(line + s, '/', n - s) != NULL;
	r.glob = xstrndup(line + s, n - s);
	ig->r = xreallocarray(ig->r, ig->n + 1, sizeof(*ig->r));
	ig->r[ig->n++] = r;
	return 0;
}

struct ignore *
chart_ignore_parse(const char *text, size_t len, struct err *err)
{
	struct ignore *ig = xcalloc(1, sizeof(*ig));
	size_t i = 0;

	while (i < len) {
		const char *nl = memchr(text + i, '\n', len - i);
		size_t end = nl != NULL ? (size_t)(nl - text) : len;

		if (add_rule(ig, text + i, end - i, err) == -1) {
			chart_ignore_free(ig);
			return NULL;
		}
		i = end + 1;
	}
	add_rule(ig, "templates/.?*", 13, err);
	return ig;
}

void
chart_ignore_free(struct ignore *ig)
{
	if (ig == NULL)
		return;
	for (size_t i = 0; i < ig->n; i++)
		free(ig->r[i].glob);
	free(ig->r);
	free(ig);
}

static bool
rule_match(const struct rule *r, const char *path)
{
	const char *base = strrchr(path, '/');

	if (!r->structural)
		path = base != NULL ? base + 1 : path;
	return fnmatch(r->glob, path, FNM_PATHNAME) == 0;
}

bool
chart_ignore_match(const struct ignore *ig, const char *path, bool is_dir)
{
	if (ig == NULL || path[0] == '\0' || strcmp(path, ".") == 0)
		return false;
	for (size_t i = 0; i < ig->n; i++) {
		const struct rule *r = &ig->r[i];

		if (r->negate) {
			if (r->must_dir && !is_dir)
				return true;
			if (!rule_match(r, path))
				return true;
			continue;
		}
		if (r->must_dir && !is_dir)
			continue;
		if (rule_match(r, path))
			return true;
	}
	return false;
}
