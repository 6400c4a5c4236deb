/*
 * Artifacts: the reproducible .tar.gz source-controller stores and serves,
 * its "sha256:<hex>" digest, and safe extraction for the controllers that
 * download it.
 *
 * A packed tarball holds only directories and regular files, in Flux's
 * order (depth first, names sorted bytewise within a directory), with
 * Flux's normalised headers: modes 0750 (directory), 0700 (executable
 * file) and 0600 (other file), uid/gid 0, no owner names, mtime 0. The
 * gzip header carries no name and no time. The same tree therefore
 * always gives the same bytes and the same digest.
 *
 * Extraction refuses what could write outside the destination or exhaust
 * the machine: absolute paths, "..", paths through symlinks, symlinks that
 * point out of the root, hard links, device files, FIFOs, and archives
 * past a byte or entry limit.
 *
 * All functions are thread-safe: they share no state.
 */
#ifndef FLINT_ARTIFACT_H
#define FLINT_ARTIFACT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

/* "sha256:" + 64 hex digits + NUL. */
#define ARTIFACT_DIGEST_MAX 72

/* Defaults used when a struct artifact_limits member is 0. */
#define ARTIFACT_MAX_BYTES_DEFAULT   ((uint64_t)1 << 30)
#define ARTIFACT_MAX_ENTRIES_DEFAULT ((uint64_t)200000)

/* What artifact_pack() wrote. */
struct artifact_info {
	char digest[ARTIFACT_DIGEST_MAX]; /* "sha256:<hex>" of the bytes */
	uint64_t size;                    /* bytes of the .tar.gz */
	uint64_t files;                   /* regular files packed */
	uint64_t dirs;                    /* directories packed */
};

/* Limits for extraction; 0 selects the default. */
struct artifact_limits {
	uint64_t max_bytes;   /* uncompressed tar stream, headers included */
	uint64_t max_entries; /* headers of any kind */
};

/*
 * Decides whether to leave an entry out of the tarball: returns true to
 * exclude it. rel_path is relative to the packed directory, '/'
 * separated, without a leading "./" or trailing '/'. An excluded
 * directory is still walked, as Flux does, so a later rule may keep
 * files below it; the filter sees each of them.
 */
typedef bool artifact_filter_fn(void *arg, const char *rel_path, bool is_dir);

/*
 * Packs the tree at dir into fd as a reproducible .tar.gz and fills *out
 * with its digest and size. Symlinks, sockets, FIFOs and devices in the
 * tree are left out (Flux drops them too). filter may be NULL. fd is
 * written from its current offset and left open.
 * Errors: ERR_NOTFOUND (no dir), ERR_IO, ERR_LIMIT (path too long or too
 * deep), ERR_CONFLICT (a file changed size while being packed).
 */
int artifact_pack(struct artifact_info *out, int fd, const char *dir,
    artifact_filter_fn *filter, void *filter_arg, struct err *err);

/* Writes "sha256:<hex>" of the n bytes at p into out. */
void artifact_digest_mem(char out[ARTIFACT_DIGEST_MAX], const void *p,
    size_t n);

/* Writes "sha256:<hex>" of everything in fd (read from offset 0 with
 * pread, so the offset does not move) into out. Errors: ERR_IO. */
int artifact_digest_fd(char out[ARTIFACT_DIGEST_MAX], int fd, struct err *err);

/*
 * Checks that got equals the expected digest want ("sha256:<hex>", hex in
 * either case). ERR_INVALID if want is malformed or names an algorithm
 * other than sha256; ERR_CONFLICT if the digests differ: the bytes are
 * not the ones the status named, and fetching again may succeed.
 */
int artifact_digest_check(const char *want, const char *got, struct err *err);

/*
 * Extracts the tar or tar.gz in fd into dest_dir, an existing empty
 * directory. When want_digest is not NULL the whole file is hashed and
 * checked first, so nothing is written for the wrong bytes. lim may be
 * NULL for the defaults. On failure dest_dir is emptied again: a caller
 * never sees half a tree. Errors: ERR_INVALID (path escape, symlink out of
 * the root, hard link, device file, malformed archive), ERR_LIMIT,
 * ERR_CONFLICT (digest mismatch, or dest_dir not empty), ERR_IO.
 */
int artifact_extract(const char *dest_dir, int fd, const char *want_digest,
    const struct artifact_limits *lim, struct err *err);

/* Like artifact_extract(), from the n bytes at data. */
int artifact_extract_mem(const char *dest_dir, const void *data, size_t n,
    const char *want_digest, const struct artifact_limits *lim,
    struct err *err);

/*
 * Removes everything below dir, never following symlinks, and dir itself
 * unless keep_root. A missing dir is not an error. Errors: ERR_IO.
 */
int artifact_tree_remove(const char *dir, bool keep_root, struct err *err);

#endif /* FLINT_ARTIFACT_H */
