/*
 * Helm charts: loading a chart directory or .tgz archive (Chart.yaml
 * v1/v2, values, templates, files, .helmignore, subcharts under charts/
 * as directories or archives), computing the
 * values Helm computes (chart defaults, user values, --set, globals,
 * dependency conditions, tags, aliases and import-values, schema
 * checks), and rendering the whole chart into exactly what
 * `helm template` prints: manifests in Helm's install order with
 * "# Source:" headers, hooks after them, NOTES.txt left out.
 *
 * A loaded chart is read-only and may be rendered many times, by one
 * thread at a time.
 */
#ifndef FLINT_CHART_H
#define FLINT_CHART_H

#include <stdbool.h>
#include <stddef.h>

#include "core/buf.h"
#include "core/err.h"
#include "doc/doc.h"
#include "template/template.h"

struct chart;

/* Limits against hostile charts; zero fields take the defaults. */
struct chart_limits {
	size_t max_file_bytes;  /* one file (default 5 MiB, as Helm) */
	size_t max_total_bytes; /* the whole chart (default 256 MiB) */
	unsigned max_depth;     /* nested subcharts (default 32) */
};

/*
 * Loads the chart in directory dir (following Helm's LoadDir: the
 * .helmignore rules, Chart.yaml required, subcharts under charts/ as
 * directories or .tgz archives). ERR_NOTFOUND when dir or its Chart.yaml is
 * missing, ERR_INVALID for a malformed chart, ERR_LIMIT past lim (NULL for
 * defaults). The caller owns *out and frees it with chart_free().
 */
int chart_load_dir(struct chart **out, const char *dir,
    const struct chart_limits *lim, struct err *err);

/*
 * Loads the chart archive (.tgz, as `helm package` writes) in the n
 * bytes at data, entirely in memory, as Helm's LoadArchive: the first
 * path element of every entry is dropped, .helmignore does not apply,
 * absolute paths and ".." are refused (ERR_INVALID), and the limits
 * apply to the decompressed bytes (ERR_LIMIT). Subcharts may be
 * directories or archives under charts/.
 */
int chart_load_archive(struct chart **out, const void *data, size_t n,
    const struct chart_limits *lim, struct err *err);

/* Loads path as a chart directory or a chart archive, as Helm's
 * loader.Load (ERR_NOTFOUND when path is missing). */
int chart_load(struct chart **out, const char *path,
    const struct chart_limits *lim, struct err *err);

void chart_free(struct chart *c);

/* The chart's name from Chart.yaml (borrowed). */
const char *chart_name(const struct chart *c);

/* User-supplied values, applied as Helm applies them: base, -f files,
 * --set-json, --set, --set-string, --set-file, --set-literal. */
struct chart_values {
	const struct doc_node
	    *base;                /* e.g. a HelmRelease's values; may be NULL */
	const char *const *files; /* -f files, in order */
	size_t nfiles;
	const char *const *set; /* --set, Helm's strvals syntax */
	size_t nset;
	const char *const *set_string; /* --set-string */
	size_t nset_string;
	const char *const *set_file; /* --set-file key=path */
	size_t nset_file;
	const char *const *set_json; /* --set-json (first, after files) */
	size_t nset_json;
	const char *const *set_literal; /* --set-literal (last) */
	size_t nset_literal;
};

struct chart_opts {
	const char *release;      /* .Release.Name */
	const char *namespace;    /* .Release.Namespace ("default" when NULL) */
	const char *kube_version; /* "1.32.0" or "v1.32.0"; NULL: Helm's */
	const char *const *api_versions; /* extra .Capabilities.APIVersions */
	size_t napi_versions;
	bool include_crds;     /* print crds/ first, as --include-crds */
	bool skip_tests;       /* leave out test hooks, as --skip-tests */
	bool skip_schema;      /* skip values.schema.json checks */
	struct tmpl_opts tmpl; /* clock and limits for the templates */
	/* Out, may be NULL: set true when chart_render() failed while
	 * rendering (the kubeVersion check, templates, manifests), after
	 * the values were computed and checked; Helm's install then has a
	 * partial release, and `helm template` adds a hint. */
	bool *render_failed;
};

/*
 * Renders chart c with values v and options o and appends what
 * `helm template` prints to out. Errors read like Helm's: "parse error
 * at (t/templates/x.yaml:3): ...", "execution error at (...): ...",
 * "YAML parse error on t/templates/x.yaml: ...", "values don't meet the
 * specifications of the schema(s) ..." (all ERR_INVALID); ERR_NOTFOUND
 * for a missing -f file; ERR_LIMIT past a template limit.
 */
int chart_render(struct buf *out, const struct chart *c,
    const struct chart_values *v, const struct chart_opts *o, struct err *err);

#endif /* FLINT_CHART_H */
