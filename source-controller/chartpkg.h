/*
 * Packages a chart directory of a source tree (a GitRepository's
 * artifact, extracted) into a Helm chart archive as Flux's HelmChart does
 * for Git and Bucket sources: the chart is checked by loading it, its
 * charts/ dependencies go along, valuesFiles are merged into its
 * values.yaml, and with version metadata (reconcileStrategy Revision)
 * Chart.yaml's version gains "+<meta>". The archive has one top
 * directory named after the chart, as `helm package` writes.
 *
 * Thread-safe: no shared state; the source tree is changed in place.
 */
#ifndef FLINT_SOURCE_CHARTPKG_H
#define FLINT_SOURCE_CHARTPKG_H

#include <stdbool.h>
#include <stddef.h>

#include "core/err.h"

struct chartpkg_opts {
	const char *src_root;            /* the extracted source tree */
	const char *chart_path;          /* spec.chart, relative to src_root */
	const char *const *values_files; /* relative to src_root, in order */
	size_t nvalues_files;
	bool ignore_missing_values; /* ignoreMissingValuesFiles */
	const char *version_meta;   /* build metadata to add, or NULL */
};

/* The packaged chart's name and (final) version, malloc'd. */
struct chartpkg_result {
	char *name;
	char *version;
};

/*
 * Packs the chart into fd (from its offset) as a .tgz, using work_dir (an
 * existing empty directory on src_root's filesystem) to lay it out. The
 * chart directory is moved out of src_root. Errors: ERR_INVALID (a path
 * leaving src_root, a malformed chart or values file), ERR_NOTFOUND (no
 * chart there, a missing values file unless ignored), ERR_LIMIT, ERR_IO.
 * The caller releases *out.
 */
int chartpkg_pack(struct chartpkg_result *out, int fd, const char *work_dir,
    const struct chartpkg_opts *o, struct err *err);

void chartpkg_result_release(struct chartpkg_result *r);

#endif /* FLINT_SOURCE_CHARTPKG_H */
