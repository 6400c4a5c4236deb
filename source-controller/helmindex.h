/*
 * A Helm repository index.yaml read as a stream of libyaml events: the
 * document tree is never built, so an index of hundreds of megabytes costs
 * a few kilobytes of memory (Flux loads it whole, a known pain). Two
 * passes share one scanner: validation (what a HelmRepository stores) and
 * the lookup of one chart's best version (what a HelmChart pulls).
 *
 * Thread-safe: no shared state.
 */
#ifndef FLINT_SOURCE_HELMINDEX_H
#define FLINT_SOURCE_HELMINDEX_H

#include <stdint.h>
#include <stdio.h>

#include "core/err.h"

/* What validation saw. */
struct helmindex_stats {
	uint64_t charts;   /* keys under entries */
	uint64_t versions; /* chart versions with a version string */
};

/* One chart version found by helmindex_find(); strings malloc'd. */
struct helmindex_entry {
	char *name;
	char *version; /* as written in the index */
	char *url;     /* the first of urls, possibly relative */
	char *digest;  /* hex sha256 of the .tgz, or NULL */
};

/*
 * Reads the index in f to its end and checks it is one YAML (or JSON)
 * mapping with an apiVersion and, if present, an entries mapping of
 * sequences of mappings. ERR_INVALID (message as Helm's "no API version
 * specified" where it applies) otherwise.
 */
int helmindex_validate(struct helmindex_stats *out, FILE *f, struct err *err);

/*
 * Finds chart name's version in f as Helm's IndexFile.Get does: a
 * version equal to constraint wins; else the highest semver that
 * satisfies constraint ("" or NULL: "*", which excludes prereleases);
 * entries whose version does not parse are skipped. ERR_NOTFOUND when the
 * chart is absent or no version matches (messages as Helm's), ERR_INVALID
 * for a malformed index or constraint. The caller releases *out.
 */
int helmindex_find(struct helmindex_entry *out, FILE *f, const char *name,
    const char *constraint, struct err *err);

void helmindex_entry_release(struct helmindex_entry *e);

#endif /* FLINT_SOURCE_HELMINDEX_H */
