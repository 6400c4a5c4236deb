/*
 * A client for the OCI distribution (registry v2) API, enough to pull an
 * artifact: resolve a tag, list tags, fetch a manifest and a blob, with
 * anonymous, basic or bearer-token auth (the "WWW-Authenticate: Bearer
 * realm=..." flow registries use), over https or, insecure, http.
 *
 * Not thread-safe per client: one per reconcile.
 */
#ifndef FLINT_SOURCE_OCI_H
#define FLINT_SOURCE_OCI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "http_get.h"

#define OCI_MANIFEST_MAX_BYTES ((uint64_t)4 << 20)

struct oci;

/*
 * url is "oci://host[:port]/repository"; auth (may be NULL) gives basic
 * credentials and TLS; insecure pulls over plain http. ERR_INVALID for a
 * malformed URL. Free with oci_free().
 */
int oci_new(struct oci **out, const char *url, const struct http_auth *auth,
    bool insecure, int64_t timeout_ms, struct err *err);

void oci_free(struct oci *o);

/* The repository's tags (JSON tags/list), malloc'd array of malloc'd
 * strings. Errors: http_get()'s, ERR_INVALID for a malformed body. */
int oci_tags(char ***tags_out, size_t *n_out, struct oci *o, struct err *err);

void oci_tags_free(char **tags, size_t n);

/*
 * Fetches the manifest of ref (tag or "sha256:..." digest) into a
 * malloc'd NUL-terminated buffer, and its digest (of the bytes) into
 * digest_out. ERR_NOTFOUND, ERR_AUTH, ERR_INVALID (not a manifest),
 * ERR_CONFLICT (a digest ref whose bytes do not match).
 */
int oci_manifest(char **body_out, size_t *len_out, char digest_out[80],
    struct oci *o, const char *ref, struct err *err);

/* Streams blob digest into fd (from offset 0) and checks the digest.
 * ERR_LIMIT past max_bytes, ERR_CONFLICT for a digest mismatch. */
int oci_blob(struct oci *o, const char *digest, int fd, uint64_t max_bytes,
    struct err *err);

#endif /* FLINT_SOURCE_OCI_H */
