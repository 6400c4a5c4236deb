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
#include <stdint.h>

#include "core/arena.h"
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

/* The chart's version from Chart.yaml (borrowed). */
const char *chart_version(const struct chart *c);

/* User-supplied values, applied as Helm applies them: base, -f files,
 * --set-json, --set, --set-string, --set-file, --set-literal. */
struct chart_values {
	const struct doc_node
	    *base;                /* e.g. a HelmRelease's values; may be NULL */
	const char *const *files; /* -f files, in order */
	size_t nfiles;
	/* What a file named "-" holds: Helm reads standard input there, so
	 * the first "-" gets these bytes and later ones nothing, as stdin
	 * is then drained. The caller reads it; NULL reads as empty. */
	const char *stdin_data;
	size_t stdin_len;
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

/* Helm's hook events (the helm.sh/hook annotation), as bits. */
enum chart_hook_event {
	CHART_HOOK_PRE_INSTALL = 1 << 0,
	CHART_HOOK_POST_INSTALL = 1 << 1,
	CHART_HOOK_PRE_DELETE = 1 << 2,
	CHART_HOOK_POST_DELETE = 1 << 3,
	CHART_HOOK_PRE_UPGRADE = 1 << 4,
	CHART_HOOK_POST_UPGRADE = 1 << 5,
	CHART_HOOK_PRE_ROLLBACK = 1 << 6,
	CHART_HOOK_POST_ROLLBACK = 1 << 7,
	CHART_HOOK_TEST = 1 << 8, /* "test", and its old name "test-success" */
};

/* Helm's hook delete policies (helm.sh/hook-delete-policy), as bits. */
enum chart_hook_delete {
	CHART_HOOK_DELETE_BEFORE_CREATION = 1 << 0, /* before-hook-creation */
	CHART_HOOK_DELETE_SUCCEEDED = 1 << 1,       /* hook-succeeded */
	CHART_HOOK_DELETE_FAILED = 1 << 2,          /* hook-failed */
};

/* One hook as Helm's SortManifests records it in a release. */
struct chart_hook {
	const char *name;     /* metadata.name ("" when none) */
	const char *kind;     /* "" when none */
	const char *path;     /* the template, "c/templates/job.yaml" */
	const char *manifest; /* the YAML document, trimmed */
	size_t manifest_len;
	unsigned events; /* enum chart_hook_event bits; never 0 */
	/* helm.sh/hook-weight read as strconv.Atoi does; 0 when absent or
	 * not a decimal integer */
	int64_t weight;
	/* enum chart_hook_delete bits, words Helm does not know ignored; 0
	 * when none is given, where Helm applies before-hook-creation */
	unsigned delete_policies;
};

/* What an install or upgrade applies: the objects and the hooks apart. */
struct chart_release {
	struct arena *arena; /* owns every string below */
	/* the objects that are not hooks as Helm's release.Manifest holds
	 * them: "---\n# Source: <path>\n<document>\n" each, in install
	 * order; CRDs (crds/) first only when o->include_crds */
	const char *manifest;
	size_t manifest_len;
	/* the hooks in Helm's stored order: by kind in install order, then
	 * as rendered. Helm runs one event's hooks by weight, then name. A
	 * hook with an unknown event is left out, as Helm leaves it out;
	 * test hooks stay whatever o->skip_tests says. */
	struct chart_hook *hooks;
	size_t nhooks;
};

/*
 * Renders chart c as chart_render() does, but returns the manifest and
 * the hooks apart, as helm-controller applies them. Same errors. The
 * caller frees *out with chart_release_free(), also after an error.
 */
int chart_render_release(struct chart_release *out, const struct chart *c,
    const struct chart_values *v, const struct chart_opts *o, struct err *err);
void chart_release_free(struct chart_release *r);

#endif /* FLINT_CHART_H */
