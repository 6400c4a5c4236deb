/*
 * The streaming index reader. A small recursive-descent walk over libyaml
 * events follows the three levels that matter (top mapping, entries, one
 * chart version); every other value is skipped by counting its start and
 * end events, so nesting costs a counter, not stack. Only the scalars of
 * the version being looked at are copied, and only while it is looked
 * at.
 */
#include "helmindex.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "core/mem.h"
#include "semver/semver.h"

/* The scanner: the parser, the current event and what the pass wants. */
struct scan {
	yaml_parser_t p;
	yaml_event_t ev;
	bool have_ev;
	struct err *err;
	bool have_api_version;
	struct helmindex_stats stats;
	/* lookup only: */
	const char *want;     /* chart name, NULL for validation */
	const char *want_ver; /* exact version wanted, or NULL */
	struct semver_constraint *c;
	struct semver best_v;
	struct helmindex_entry best;
	bool exact, chart_seen;
};

/* One chart version's fields while it is scanned. */
struct version_fields {
	char *version;
	char *url;
	char *digest;
};

static void
scan_drop(struct scan *s)
{
	if (s->have_ev)
		yaml_event_delete(&s->ev);
	s->have_ev = false;
}

static int
scan_next(struct scan *s)
{
	scan_drop(s);
	if (!yaml_parser_parse(&s->p, &s->ev))
		return err_set(s->err, ERR_INVALID,
		    "index: YAML error at line %zu: %s",
		    s->p.problem_mark.line + 1,
		    s->p.problem != NULL ? s->p.problem : "unknown");
	s->have_ev = true;
	return 0;
}

static int
scan_expect(struct scan *s, yaml_event_type_t t, const char *what)
{
	if (scan_next(s) == -1)
		return -1;
	if (s->ev.type != t)
		return err_set(s->err, ERR_INVALID,
		    "index: expected %s at line %zu", what,
		    s->ev.start_mark.line + 1);
	return 0;
}

/* Skips the value whose first event is current. */
static int
skip_value(struct scan *s)
{
	size_t depth = 0;

	for (;;) {
		switch (s->ev.type) {
		case YAML_SEQUENCE_START_EVENT:
		case YAML_MAPPING_START_EVENT:
			depth++;
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			depth--;
			break;
		default:
			break;
		}
		if (depth == 0)
			return 0;
		if (scan_next(s) == -1)
			return -1;
	}
}

static const char *
scalar(const struct scan *s)
{
	return (const char *)s->ev.data.scalar.value;
}

/* Reads the next event as a key of the current mapping: *end is set at
 * the mapping's end. Keys must be scalars. */
static int
next_key(struct scan *s, bool *end)
{
	if (scan_next(s) == -1)
		return -1;
	*end = s->ev.type == YAML_MAPPING_END_EVENT;
	if (*end || s->ev.type == YAML_SCALAR_EVENT)
		return 0;
	return err_set(s->err, ERR_INVALID, "index: non-scalar key at line %zu",
	    s->ev.start_mark.line + 1);
}

/* The next value as a copied scalar; anything else is skipped, *out
 * stays NULL. */
static int
next_scalar(struct scan *s, char **out)
{
	if (scan_next(s) == -1)
		return -1;
	if (s->ev.type != YAML_SCALAR_EVENT)
		return skip_value(s);
	free(*out);
	*out = xstrdup(scalar(s));
	return 0;
}

/* urls: keeps the first scalar of the sequence. */
static int
next_urls(struct scan *s, char **out)
{
	if (scan_next(s) == -1)
		return -1;
	if (s->ev.type != YAML_SEQUENCE_START_EVENT)
		return skip_value(s);
	for (;;) {
		if (scan_next(s) == -1)
			return -1;
		if (s->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (s->ev.type == YAML_SCALAR_EVENT && *out == NULL)
			*out = xstrdup(scalar(s));
		else if (skip_value(s) == -1)
			return -1;
	}
}

static void
fields_release(struct version_fields *f)
{
	free(f->version);
	free(f->url);
	free(f->digest);
	memset(f, 0, sizeof(*f));
}

/* Offers one complete version of the wanted chart to the lookup. */
static void
consider(struct scan *s, const char *name, struct version_fields *f)
{
	struct semver v = { 0 };
	struct err ignored = ERR_INIT;

	if (s->exact || f->version == NULL)
		return;
	if (s->want_ver != NULL && strcmp(f->version, s->want_ver) == 0) {
		s->exact = true;
	} else if (semver_parse(&v, f->version, 0, &ignored) == -1) {
		return; /* Helm skips versions it cannot parse */
	} else if (!semver_constraint_check(s->c, &v) ||
	    (s->best.version != NULL && semver_compare(&v, &s->best_v) <= 0)) {
		semver_release(&v);
		return;
	}
	helmindex_entry_release(&s->best);
	semver_release(&s->best_v);
	s->best_v = v;
	s->best.name = xstrdup(name);
	s->best.version = f->version;
	s->best.url = f->url;
	s->best.digest = f->digest;
	memset(f, 0, sizeof(*f));
}

/* One mapping in a chart's list of versions. */
static int
scan_version(struct scan *s, const char *name, bool wanted)
{
	struct version_fields f = { 0 };
	bool end = false;
	int rv = 0;

	while (rv == 0 && (rv = next_key(s, &end)) == 0 && !end) {
		const char *k = scalar(s);

		if (strcmp(k, "version") == 0)
			rv = next_scalar(s, &f.version);
		else if (wanted && strcmp(k, "urls") == 0)
			rv = next_urls(s, &f.url);
		else if (wanted && strcmp(k, "digest") == 0)
			rv = next_scalar(s, &f.digest);
		else if ((rv = scan_next(s)) == 0)
			rv = skip_value(s);
	}
	if (rv == 0 && f.version != NULL)
		s->stats.versions++;
	if (rv == 0 && wanted)
		consider(s, name, &f);
	fields_release(&f);
	return rv;
}

/* The value of one key under entries: a sequence of versions. */
static int
scan_chart(struct scan *s, const char *name)
{
	bool wanted = s->want != NULL && strcmp(name, s->want) == 0;

	s->stats.charts++;
	s->chart_seen = s->chart_seen || wanted;
	if (scan_next(s) == -1)
		return -1;
	if (s->ev.type == YAML_SCALAR_EVENT && s->ev.data.scalar.length == 0)
		return 0; /* "name:" with no versions */
	if (s->ev.type != YAML_SEQUENCE_START_EVENT)
		return err_set(s->err, ERR_INVALID,
		    "index: entries '%s' is not a list", name);
	for (;;) {
		if (scan_next(s) == -1)
			return -1;
		if (s->ev.type == YAML_SEQUENCE_END_EVENT)
			return 0;
		if (s->ev.type != YAML_MAPPING_START_EVENT)
			return err_set(s->err, ERR_INVALID,
			    "index: a version of '%s' is not a mapping", name);
		if (scan_version(s, name, wanted) == -1)
			return -1;
	}
}

static int
scan_entries(struct scan *s)
{
	bool end = false;
	char *name;
	int rv;

	if (scan_next(s) == -1)
		return -1;
	if (s->ev.type == YAML_SCALAR_EVENT && s->ev.data.scalar.length == 0)
		return 0; /* "entries:" with nothing */
	if (s->ev.type != YAML_MAPPING_START_EVENT)
		return err_set(s->err, ERR_INVALID,
		    "index: entries is not a mapping");
	while ((rv = next_key(s, &end)) == 0 && !end) {
		name = xstrdup(scalar(s));
		rv = scan_chart(s, name);
		free(name);
		if (rv == -1)
			return -1;
	}
	return rv;
}

/* The whole stream: one document holding one mapping. */
static int
scan_index(struct scan *s)
{
	bool end = false;
	int rv;

	if (scan_expect(s, YAML_STREAM_START_EVENT, "a stream") == -1 ||
	    scan_expect(s, YAML_DOCUMENT_START_EVENT, "a document") == -1 ||
	    scan_expect(s, YAML_MAPPING_START_EVENT, "a mapping") == -1)
		return -1;
	while ((rv = next_key(s, &end)) == 0 && !end) {
		if (strcmp(scalar(s), "apiVersion") == 0) {
			if ((rv = scan_next(s)) == 0)
				s->have_api_version = s->ev.type ==
				        YAML_SCALAR_EVENT &&
				    s->ev.data.scalar.length > 0;
			if (rv == 0)
				rv = skip_value(s);
		} else if (strcmp(scalar(s), "entries") == 0) {
			rv = scan_entries(s);
		} else if ((rv = scan_next(s)) == 0) {
			rv = skip_value(s);
		}
		if (rv == -1)
			return -1;
	}
	if (rv == -1 ||
	    scan_expect(s, YAML_DOCUMENT_END_EVENT, "one document") == -1 ||
	    scan_expect(s, YAML_STREAM_END_EVENT, "one document") == -1)
		return -1;
	if (!s->have_api_version)
		return err_set(s->err, ERR_INVALID,
		    "index: no API version specified");
	return 0;
}

static int
scan_run(struct scan *s, FILE *f)
{
	int rv;

	if (!yaml_parser_initialize(&s->p))
		BUG("yaml_parser_initialize failed");
	yaml_parser_set_input_file(&s->p, f);
	rv = scan_index(s);
	scan_drop(s);
	yaml_parser_delete(&s->p);
	return rv;
}

int
helmindex_validate(struct helmindex_stats *out, FILE *f, struct err *err)
{
	struct scan s = { .err = err };

	if (scan_run(&s, f) == -1)
		return -1;
	*out = s.stats;
	return 0;
}

static int
find_result(struct helmindex_entry *out, struct scan *s, const char *name,
    const char *constraint)
{
	if (!s->chart_seen)
		return err_set(s->err, ERR_NOTFOUND,
		    "no chart name found for '%s'", name);
	if (s->best.version == NULL)
		return err_set(s->err, ERR_NOTFOUND,
		    "no '%s' chart with version matching '%s' found", name,
		    constraint);
	if (s->best.url == NULL)
		return err_set(s->err, ERR_INVALID,
		    "chart '%s' version '%s' has no downloadable URLs", name,
		    s->best.version);
	*out = s->best;
	memset(&s->best, 0, sizeof(s->best));
	return 0;
}

int
helmindex_find(struct helmindex_entry *out, FILE *f, const char *name,
    const char *constraint, struct err *err)
{
	struct scan s = { .err = err, .want = name };
	int rv;

	if (constraint == NULL || constraint[0] == '\0')
		constraint = "*";
	else
		s.want_ver = constraint;
	if (semver_constraint_parse(&s.c, constraint, err) == -1)
		return err_wrap(err, "invalid version constraint '%s'",
		    constraint);
	rv = scan_run(&s, f);
	if (rv == 0)
		rv = find_result(out, &s, name, constraint);
	helmindex_entry_release(&s.best);
	semver_release(&s.best_v);
	semver_constraint_free(s.c);
	return rv;
}

void
helmindex_entry_release(struct helmindex_entry *e)
{
	if (e == NULL)
		return;
	free(e->name);
	free(e->version);
	free(e->url);
	free(e->digest);
	memset(e, 0, sizeof(*e));
}
