/*
 * Artifact storage with Flux's layout, so a Flux consumer can use flint's
 * artifacts: <root>/<kind>/<namespace>/<name>/<file>, served as
 * http://<advertised address>/<kind>/<namespace>/<name>/<file>, with a
 * latest.tar.gz symlink beside, a <file>.lock serialising writers, and
 * Flux's garbage collection (keep the newest N, drop the expired).
 *
 * A file appears under its name only when complete (written to a
 * temporary name, synced, renamed), so a server never serves half an
 * artifact, even if the daemon dies mid-write.
 *
 * Thread-safe: the struct is immutable; writers of one object serialise
 * on its lock file.
 */
#ifndef FLINT_SOURCE_STORAGE_H
#define FLINT_SOURCE_STORAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "artifact/artifact.h"
#include "core/err.h"

#define STORAGE_PATH_MAX 1024

/* One object's artifact: the fields of Flux's status.artifact. */
struct storage_artifact {
	char path[STORAGE_PATH_MAX]; /* relative to the root */
	char url[STORAGE_PATH_MAX + 256];
	char digest[ARTIFACT_DIGEST_MAX];
	uint64_t size;
	int64_t last_update_unix; /* seconds */
};

/* Which object and which file: kind lower-case ("gitrepository"). */
struct storage_key {
	const char *kind;
	const char *namespace;
	const char *name;
	const char *file; /* "<commit>.tar.gz" */
};

struct storage;

/* root: --storage-path; adv_addr: --storage-adv-addr ("host[:port]").
 * The root is made if missing. Errors: ERR_IO. */
int storage_new(struct storage **out, const char *root, const char *adv_addr,
    struct err *err);

void storage_free(struct storage *st);

/*
 * Packs dir (through filter, which may be NULL) into the key's file,
 * atomically, and points latest.tar.gz at it. Fills *out. Errors:
 * ERR_INVALID (a key part that is empty, ".", ".." or holds '/'),
 * ERR_IO, and artifact_pack()'s.
 */
int storage_put_dir(struct storage_artifact *out, const struct storage *st,
    const struct storage_key *key, const char *dir, artifact_filter_fn *filter,
    void *filter_arg, struct err *err);

/*
 * Stores a copy of the file open at src (read from offset 0) as the key's
 * file, atomically, and points alias (NULL: latest.tar.gz; index.yaml for
 * a HelmRepository) at it. Fills *out with the stored file's digest and
 * size. Errors: as storage_put_dir().
 */
int storage_put_fd(struct storage_artifact *out, const struct storage *st,
    const struct storage_key *key, int src, const char *alias, struct err *err);

/* Opens an artifact by its status.artifact.path, read-only, refusing
 * paths that leave the storage (ERR_INVALID). ERR_NOTFOUND/ERR_IO
 * through errno when it cannot be opened. */
int storage_open(int *fd_out, const struct storage *st, const char *rel_path,
    struct err *err);

/* True if the key's file exists. */
bool storage_has(const struct storage *st, const struct storage_key *key);

/*
 * Deletes the object's old files as Flux does: every file but key->file
 * older than ttl_ms, then the oldest until at most keep remain. Lock files
 * and symlinks stay. Sets *deleted to the count. Errors: ERR_IO.
 */
int storage_gc(int *deleted, const struct storage *st,
    const struct storage_key *key, int keep, int64_t ttl_ms, struct err *err);

/* Removes the object's whole directory (on deletion of the object). */
int storage_remove(const struct storage *st, const struct storage_key *key,
    struct err *err);

#endif /* FLINT_SOURCE_STORAGE_H */
