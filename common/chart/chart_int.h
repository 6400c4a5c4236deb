/*
 * Private to the chart module: a loaded chart, the per-render tree of
 * enabled (and aliased) subcharts, and the helpers the files share.
 */
#ifndef FLINT_CHART_CHART_INT_H
#define FLINT_CHART_CHART_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "chart/chart.h"
#include "core/arena.h"
#include "template/template.h"

struct chart_file {
	const char *name; /* relative to the chart, '/'-separated */
	const char *data;
	size_t len;
};

/* One entry of Chart.yaml's dependencies. */
struct chart_dep {
	const char *name, *version, *repository, *condition, *alias;
	struct tmpl_val tags;          /* list of strings, or nil */
	struct tmpl_val import_values; /* list, or nil */
};

struct chart {
	struct arena *arena;
	const char *name, *version, *api_version, *type, *kube_version;
	struct tmpl_val meta; /* Helm's MetadataAsMap(), without IsRoot */
	struct chart_dep *deps;
	size_t ndeps;
	bool has_deps;          /* Chart.yaml had a dependencies list */
	struct tmpl_val values; /* values.yaml */
	const char *schema;     /* values.schema.json, or NULL */
	size_t schema_len;
	struct chart_file *templates;
	size_t ntemplates;
	struct chart_file *files; /* what .Files sees (crds/ included) */
	size_t nfiles;
	struct chart **subs; /* charts/, sorted by directory name */
	size_t nsubs;
};

/* A chart as one rendering sees it: a dependency possibly renamed by
 * an alias, with values that import-values may have changed. */
struct rchart {
	const struct chart *c;
	const char *name;
	struct tmpl_val meta;   /* a copy with Name, Dependencies as used */
	struct tmpl_val values; /* the chart's defaults */
	struct rdep *deps;      /* Chart.yaml's dependencies, still enabled */
	size_t ndeps;
	bool has_deps;
	struct rchart **kids;
	size_t nkids;
	struct rchart *parent;
};

struct rdep {
	const struct chart_dep *d;
	const char *name; /* the alias when set */
	bool enabled;
};

/* ---- values (values.c) --------------------------------------------------- */

/* Helm's CoalesceValues/MergeValues of the chart tree under rc into a
 * copy of vals (not changed). */
int values_coalesce(struct tmpl_val *out, struct arena *a,
    const struct rchart *rc, const struct tmpl_val *vals, bool merge,
    struct err *err);
/* CoalesceTables (merge: MergeTables) of src into dst; both may change. */
void values_coalesce_tables(struct arena *a, struct tmpl_map *dst,
    struct tmpl_map *src, bool merge);
/* The cli's mergeMaps: b over a, maps merged, into a new map. */
struct tmpl_val values_merge_maps(struct arena *a, const struct tmpl_val *x,
    const struct tmpl_val *y);
/* How a --set flavour reads its values. */
enum set_mode {
	SET_TYPED,   /* --set: true/false/null and int64 recognised */
	SET_STRING,  /* --set-string: strings */
	SET_FILE,    /* --set-file: the value names a file to read */
	SET_JSON,    /* --set-json: JSON values, or a whole JSON object */
	SET_LITERAL, /* --set-literal: all after '=' verbatim */
};

/* Applies one --set-style expression to vals (strvals.c). */
int values_set(struct arena *a, struct tmpl_val *vals, const char *expr,
    enum set_mode mode, struct err *err);
/* The value at a dotted path ("sub.enabled"), or NULL. */
const struct tmpl_val *values_path(const struct tmpl_val *vals,
    const char *path);

/* ---- dependencies (deps.c) ----------------------------------------------- */

/* Builds the rendering tree: aliases applied, conditions and tags
 * evaluated against vals, import-values merged. */
int deps_process(struct rchart **out, struct arena *a, const struct chart *c,
    const struct tmpl_val *vals, struct err *err);
/* Whether version satisfies the semver constraint (Helm's
 * IsCompatibleRange); false for a malformed one. */
bool deps_compatible(const char *constraint, const char *version);

/* ---- schema (schema.c) --------------------------------------------------- */

/* Checks vals against the chart tree's values.schema.json files. */
int schema_validate(const struct rchart *rc, const struct tmpl_val *vals,
    struct arena *a, struct err *err);

/* ---- archives (archive.c) ---------------------------------------------- */

/* The files of the .tgz chart archive in the n bytes at data, named
 * relative to the chart, into the arena (Helm's LoadArchiveFiles):
 * ERR_INVALID for a malformed archive or a path escape, ERR_LIMIT past
 * lim (all fields set). */
int chart_archive_files(struct chart_file **out, size_t *nout, struct arena *a,
    const void *data, size_t n, const struct chart_limits *lim,
    struct err *err);

/* ---- gzipped tar streams (tar.c) ---------------------------------------- */

struct tar;

struct tar_entry {
	char *name; /* as stored; owned, freed by the next tar_next() */
	char type;  /* '0' file, '5' directory, 'g' pax global, ... */
	uint64_t size;
};

/* Starts reading the .tar.gz in the n bytes at gz (kept by the caller),
 * inflating at most max bytes. */
int tar_open(struct tar **out, const void *gz, size_t n, uint64_t max,
    struct err *err);
/* The next entry: 0, 1 at the end, -1 (ERR_INVALID, ERR_LIMIT). Skips
 * what was not read of the entry before. */
int tar_next(struct tar *t, struct tar_entry *e, struct err *err);
/* Reads all e->size bytes of the current entry's data into dst. */
int tar_data(struct tar *t, char *dst, struct err *err);
void tar_close(struct tar *t);

/* ---- .helmignore (ignore.c) ---------------------------------------------- */

struct ignore;
struct ignore *chart_ignore_parse(const char *text, size_t len,
    struct err *err);
void chart_ignore_free(struct ignore *ig);
/* Whether the chart-relative path (a directory when is_dir) is ignored. */
bool chart_ignore_match(const struct ignore *ig, const char *path, bool is_dir);

/* ---- host objects (objects.c) -------------------------------------------- */

/* .Files for chart c: what is not Chart.yaml, values or templates. */
struct tmpl_val objects_files(struct arena *a, const struct chart *c);
/* .Capabilities for o; *kube_out gets the normalized kube version. */
int objects_capabilities(struct tmpl_val *out, struct arena *a,
    const struct chart_opts *o, const char **kube_out, struct err *err);

/* ---- output (manifest.c) ------------------------------------------------- */

struct rendered {
	const char *name; /* template name, "t/templates/x.yaml" */
	const char *text;
	size_t len;
};

/* Helm's SortManifests and the stream `helm template` prints. */
int manifests_emit(struct buf *out, const struct rendered *files, size_t n,
    const struct rchart *root, const struct chart_opts *o, struct arena *a,
    struct err *err);

/* Helm's SortManifests into rel (whose arena gets the copies). */
int manifests_release(struct chart_release *rel, const struct rendered *files,
    size_t n, const struct rchart *root, const struct chart_opts *o,
    struct arena *a, struct err *err);

#endif /* FLINT_CHART_CHART_INT_H */
