/*
 * Internals of the sops module shared by its files and its unit tests:
 * base64 and bech32 codecs, the OpenSSL primitives age and SOPS use, and
 * the key set's layout.
 */
#ifndef FLINT_SOPS_INT_H
#define FLINT_SOPS_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "sops/sops.h"

#define AGE_KEY_LEN       32
#define AGE_FILE_KEY_LEN  16
#define SOPS_DATA_KEY_LEN 32

struct age_identity {
	unsigned char secret[AGE_KEY_LEN];
	unsigned char public[AGE_KEY_LEN];
};

struct sops_keys {
	struct age_identity *age;
	size_t n_age, cap_age;
	size_t n_pgp; /* *.asc entries seen (not usable) */
};

/* ---- base64 ---- */

enum b64_flags {
	B64_PAD = 1 << 0, /* '=' padding required (else it must be absent) */
};

/* Decodes standard-alphabet base64 strictly (no whitespace, canonical
 * trailing bits) into out, which has room for len * 3 / 4 + 3 bytes;
 * returns the decoded length, or -1 when malformed. */
long b64_decode(unsigned char *out, const char *s, size_t len, unsigned flags);

/* Appends the base64 of n bytes (with padding if B64_PAD). */
int b64_encode(struct buf *out, const unsigned char *p, size_t n,
    unsigned flags);

/* ---- bech32 (BIP 173)
 * -------------------------------------------------------- */

/*
 * Decodes a bech32 string (all lower or all upper case, no length limit,
 * as age allows) into its human-readable part, lowered, NUL-terminated
 * in hrp (hrp_size bytes), and its data bytes in out (out_size bytes).
 * Returns the data length, or -1 with ERR_INVALID.
 */
long bech32_decode(char *hrp, size_t hrp_size, unsigned char *out,
    size_t out_size, const char *s, size_t len, struct err *err);

/* Appends the bech32 encoding of data under hrp (lower case). */
int bech32_encode(struct buf *out, const char *hrp, const unsigned char *data,
    size_t n);

/* ---- primitives (OpenSSL)
 * ---------------------------------------------------- */

/* HKDF-SHA256 (RFC 5869). */
int crypto_hkdf(unsigned char *out, size_t out_len, const unsigned char *ikm,
    size_t ikm_len, const unsigned char *salt, size_t salt_len,
    const char *info, struct err *err);

/* X25519: the public key of secret, and the shared secret with peer. */
int crypto_x25519_public(unsigned char pub[AGE_KEY_LEN],
    const unsigned char secret[AGE_KEY_LEN], struct err *err);
int crypto_x25519(unsigned char shared[AGE_KEY_LEN],
    const unsigned char secret[AGE_KEY_LEN],
    const unsigned char peer[AGE_KEY_LEN], struct err *err);

/* ChaCha20-Poly1305 with a 12-byte nonce and no additional data: open
 * verifies the 16-byte tag at the end of in (ERR_INVALID if it fails);
 * seal writes len + 16 bytes. */
int crypto_chacha_open(unsigned char *out, const unsigned char key[32],
    const unsigned char nonce[12], const unsigned char *in, size_t len,
    struct err *err);
int crypto_chacha_seal(unsigned char *out, const unsigned char key[32],
    const unsigned char nonce[12], const unsigned char *in, size_t len,
    struct err *err);

/* AES-256-GCM decryption with any IV length (SOPS uses 32 bytes). */
int crypto_gcm_open(unsigned char *out, const unsigned char key[32],
    const unsigned char *iv, size_t iv_len, const unsigned char *aad,
    size_t aad_len, const unsigned char *in, size_t len,
    const unsigned char tag[16], struct err *err);

/* ---- age ----------------------------------------------------------------- */

/* Parses one "AGE-SECRET-KEY-1..." string into id. ERR_INVALID. */
int age_identity_parse(struct age_identity *id, const char *s, size_t len,
    struct err *err);

/* The "age1..." recipient string of id (appended to out). */
int age_identity_recipient(struct buf *out, const struct age_identity *id);

/*
 * Encrypts data to the X25519 recipients (raw public keys) as an age v1
 * file, armored if armor is set, appending to out. Used by the tests and
 * the fuzz corpus; flint itself only decrypts.
 */
int age_encrypt(struct buf *out, const unsigned char (*recipients)[AGE_KEY_LEN],
    size_t n_recipients, const unsigned char *data, size_t len, bool armor,
    struct err *err);

/* ---- SOPS trees ---- */

/*
 * Decrypts every encrypted value of the branches (documents without their
 * `sops` key) in place, allocating plaintext in a, with the data key
 * unwrapped from meta (the `sops` map). With check_mac, the MAC over
 * the branches must match the file's. Errors as sops_decrypt_file().
 */
int sops_tree_decrypt(struct arena *a, struct doc_node *const *branches,
    size_t n_branches, const struct doc_node *meta, const struct sops_keys *k,
    bool check_mac, struct err *err);

/* Go's strconv.FormatFloat(v, 'f', -1, 64), appended to out. */
void go_format_float(struct buf *out, double v);

#endif /* FLINT_SOPS_INT_H */
