/*
 * SOPS decryption with age keys, as kustomize-controller's decryptor does.
 *
 * A Kustomization's `decryption.secretRef` names a Secret whose entries
 * hold the private keys: `*.agekey` entries carry age identities (lines
 * "AGE-SECRET-KEY-1...", '#' comments and blank lines allowed), `*.asc`
 * entries PGP keys (not supported: ERR_UNSUPPORTED when a file can only
 * be opened with one). The keys go into a struct sops_keys, which then
 * decrypts:
 *
 *  - whole files in SOPS' YAML, JSON, dotenv and binary formats
 *    (sops_decrypt_file(); the format comes from the file name as sops
 *    picks it, sops_format_for_path());
 *  - Kubernetes objects after the kustomize build (sops_decrypt_resource():
 *    objects that carry a top-level `sops` key, and Secrets whose data
 *    values are SOPS-encrypted files, as secretGenerator makes them).
 *
 *  - kustomize generator sources before the build, in place
 *    (sops_decrypt_sources(), Flux's DecryptSources).
 *
 * The data key is unwrapped from the file's `sops.age[].enc` recipients,
 * every ENC[AES256_GCM,...] value is decrypted with the key path as
 * additional data, and the MAC over the plaintext is verified.
 *
 * Errors worth testing: ERR_AUTH when no key opens the data key ("failed
 * to get the data key", naming the recipients), ERR_INVALID for "MAC
 * mismatch" and malformed input, ERR_UNSUPPORTED for PGP- or KMS-only
 * files. Hostile input never crashes.
 *
 * Thread safety: a struct sops_keys is read-only once built and may be
 * shared by concurrent decryptions; nothing here keeps global state.
 */
#ifndef FLINT_SOPS_H
#define FLINT_SOPS_H

#include <stdbool.h>
#include <stddef.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "doc/doc.h"

/* ---- keys ---------------------------------------------------------------- */

/* Private keys; wiped on free. */
struct sops_keys;

/* An empty key set the caller frees with sops_keys_free(). */
struct sops_keys *sops_keys_new(void);

/* Wipes and frees. Accepts NULL. */
void sops_keys_free(struct sops_keys *k);

/*
 * Adds the keys held by one decryption Secret entry, chosen by its name
 * as Flux does: "*.agekey" is parsed as age identities (ERR_INVALID for a
 * malformed line, naming the entry, never echoing key material),
 * "*.asc" is remembered as a PGP key (decrypting with it is
 * ERR_UNSUPPORTED), other names are ignored. data is the decoded value.
 */
int sops_keys_add(struct sops_keys *k, const char *name, const char *data,
    size_t len, struct err *err);

/*
 * Builds a key set from a decryption Secret object: every entry of
 * `data` (base64) and `stringData` goes through sops_keys_add(). The
 * caller owns *out. ERR_INVALID for bad base64 or a bad key.
 */
int sops_keys_from_secret(struct sops_keys **out, const struct doc_node *secret,
    struct err *err);

/* How many age identities the set holds. */
size_t sops_keys_age_count(const struct sops_keys *k);

/* ---- files --------------------------------------------------------------- */

enum sops_format {
	SOPS_FORMAT_BINARY = 0,
	SOPS_FORMAT_YAML,
	SOPS_FORMAT_JSON,
	SOPS_FORMAT_DOTENV,
	SOPS_FORMAT_INI, /* recognised; decrypting it is ERR_UNSUPPORTED */
};

/* The format sops picks for a file name: .yaml/.yml, .json, .env, .ini,
 * anything else binary. */
enum sops_format sops_format_for_path(const char *path);

/* True when data looks SOPS-encrypted in format fmt (it holds the MAC
 * marker Flux checks for: "mac: ENC[", "\"mac\": \"ENC[", "sops_mac=ENC[").
 * Cheap; a true result may still fail to decrypt. */
bool sops_data_is_encrypted(const char *data, size_t len, enum sops_format fmt);

/*
 * Decrypts a whole SOPS file in format fmt and appends the plaintext
 * file to out in the same format (binary: the original bytes), with the
 * `sops` metadata removed. YAML keeps order and values; comments are not
 * kept. The MAC is verified before anything is appended. out is the
 * caller's; on error nothing is appended. Errors: ERR_AUTH, ERR_INVALID
 * ("MAC mismatch", malformed), ERR_UNSUPPORTED, ERR_LIMIT (out's cap).
 */
int sops_decrypt_file(struct buf *out, const struct sops_keys *k,
    const char *data, size_t len, enum sops_format fmt, struct err *err);

/* Like sops_decrypt_file(), reading in_fmt and writing out_fmt, as Flux
 * does for Secret data entries (detected format in, key's format out). */
int sops_decrypt_file_as(struct buf *out, const struct sops_keys *k,
    const char *data, size_t len, enum sops_format in_fmt,
    enum sops_format out_fmt, struct err *err);

/*
 * Decrypts, in place, the SOPS files kustomize will read, as Flux's
 * DecryptSources does before the build: starting at the directory path
 * (relative to root, the extracted source), each kustomization file's
 * secretGenerator `files` (in the format of the entry's key name;
 * ".dockerconfigjson" is JSON), `envs` (dotenv unless the name says
 * otherwise) and local `patches[].path` files that hold SOPS data are
 * replaced by their plaintext; `resources` and `components` directories
 * are visited in turn (each once; ones that do not exist, files and URLs
 * are skipped). Call it after writing a kustomization.yaml where the
 * path has none: a visited directory without one is ERR_INVALID, as in
 * Flux. Every path must resolve inside root (ERR_INVALID otherwise);
 * files over 5 MiB are ERR_LIMIT. Decryption errors as
 * sops_decrypt_file(), wrapped with the file's path.
 */
int sops_decrypt_sources(const struct sops_keys *k, const char *root,
    const char *path, struct err *err);

/* ---- Kubernetes objects ---- */

/* True when obj is a map whose `sops` map has a non-empty `mac` (Flux's
 * test for a SOPS-encrypted resource). */
bool sops_is_encrypted(const struct doc_node *obj);

/*
 * Decrypts obj in place, as kustomize-controller's DecryptResource does,
 * unless it carries the annotation kustomize.toolkit.fluxcd.io/decrypt:
 * Disabled:
 *  - an object for which sops_is_encrypted() holds is decrypted whole and
 *    loses its `sops` key. Its MAC is not checked, as Flux does not: the
 *    build legitimately changes unencrypted fields (namespace, labels,
 *    prefixes), which the MAC covers; each value is still authenticated
 *    by AES-GCM with its key path;
 *  - a Secret without one has each `data` value that decodes to a SOPS
 *    file (input format detected from its MAC marker) replaced by the
 *    base64 of its plaintext, written in the format of the data key's
 *    name (".dockerconfigjson" is JSON); these files come through the
 *    build untouched, so their MAC is verified.
 * Anything else is left alone. New nodes are allocated in a (obj's
 * arena). On error obj may be partly changed; drop it. Errors as
 * sops_decrypt_file(), wrapped with the object's kind/namespace/name.
 */
int sops_decrypt_resource(struct arena *a, struct doc_node *obj,
    const struct sops_keys *k, struct err *err);

/* ---- age (https://age-encryption.org/v1) ---- */

/*
 * Decrypts an age file (binary or armored) with the set's X25519
 * identities and appends the plaintext to out. ERR_AUTH when no
 * identity matches a recipient stanza, ERR_INVALID for a malformed or
 * tampered file (header MAC, payload tag, truncation).
 */
int sops_age_decrypt(struct buf *out, const struct sops_keys *k,
    const char *data, size_t len, struct err *err);

#endif /* FLINT_SOPS_H */
