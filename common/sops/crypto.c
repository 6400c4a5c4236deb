/*
 * The OpenSSL primitives age and SOPS are built from: HKDF-SHA256,
 * X25519, ChaCha20-Poly1305 and AES-256-GCM. This is libcrypto's only
 * home in the module; err_ssl() turns its error queue into a message.
 */
#include "sops/sops_int.h"

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <string.h>

static int
err_ssl(struct err *err, const char *what)
{
	unsigned long e = ERR_get_error();
	char msg[256] = "unknown error";

	if (e != 0)
		ERR_error_string_n(e, msg, sizeof(msg));
	ERR_clear_error();
	return err_set(err, ERR_INTERNAL, "%s: %s", what, msg);
}

int
crypto_hkdf(unsigned char *out, size_t out_len, const unsigned char *ikm,
    size_t ikm_len, const unsigned char *salt, size_t salt_len,
    const char *info, struct err *err)
{
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = kdf != NULL ? EVP_KDF_CTX_new(kdf) : NULL;
	OSSL_PARAM params[5], *p = params;
	int rc = 0;

	*p++ = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST,
	    (char *)(uintptr_t) "SHA256", 0);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY,
	    (void *)(uintptr_t)ikm, ikm_len);
	/* An empty salt means a zero-filled one in RFC 5869; OpenSSL
	 * refuses a zero-length salt parameter, so leave it out then. */
	if (salt_len > 0)
		*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT,
		    (void *)(uintptr_t)salt, salt_len);
	*p++ = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO,
	    (void *)(uintptr_t)info, strlen(info));
	*p = OSSL_PARAM_construct_end();
	if (ctx == NULL || EVP_KDF_derive(ctx, out, out_len, params) != 1)
		rc = err_ssl(err, "hkdf");
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	return rc;
}

int
crypto_x25519_public(unsigned char pub[AGE_KEY_LEN],
    const unsigned char secret[AGE_KEY_LEN], struct err *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
	    secret, AGE_KEY_LEN);
	size_t n = AGE_KEY_LEN;
	int rc = 0;

	if (k == NULL || EVP_PKEY_get_raw_public_key(k, pub, &n) != 1)
		rc = err_ssl(err, "x25519 public key");
	EVP_PKEY_free(k);
	return rc;
}

int
crypto_x25519(unsigned char shared[AGE_KEY_LEN],
    const unsigned char secret[AGE_KEY_LEN],
    const unsigned char peer[AGE_KEY_LEN], struct err *err)
{
	EVP_PKEY *k = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL,
	    secret, AGE_KEY_LEN);
	EVP_PKEY *p = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer,
	    AGE_KEY_LEN);
	EVP_PKEY_CTX *ctx = k != NULL ? EVP_PKEY_CTX_new(k, NULL) : NULL;
	size_t n = AGE_KEY_LEN;
	int rc = 0;

	/* OpenSSL fails the derivation for low-order points (an all-zero
	 * result), which age requires refusing anyway. */
	if (ctx == NULL || p == NULL || EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, p) != 1 ||
	    EVP_PKEY_derive(ctx, shared, &n) != 1 || n != AGE_KEY_LEN) {
		ERR_clear_error();
		rc = err_set(err, ERR_INVALID, "x25519: invalid share");
	}
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(p);
	EVP_PKEY_free(k);
	return rc;
}

static int
chacha(unsigned char *out, const unsigned char key[32],
    const unsigned char nonce[12], const unsigned char *in, size_t len,
    bool seal, struct err *err)
{
	EVP_CIPHER_CTX *ctx;
	size_t body = seal ? len : len - 16;
	int n = 0, rc = -1;

	if (!seal && len < 16)
		return err_set(err, ERR_INVALID, "ciphertext too short");
	ctx = EVP_CIPHER_CTX_new();
	if (ctx == NULL || body > INT32_MAX ||
	    EVP_CipherInit_ex(ctx, EVP_chacha20_poly1305(), NULL, key, nonce,
	        seal) != 1)
		goto ssl;
	if (!seal &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16,
	        (void *)(uintptr_t)(in + body)) != 1)
		goto ssl;
	if (EVP_CipherUpdate(ctx, out, &n, in, (int)body) != 1)
		goto ssl;
	if (EVP_CipherFinal_ex(ctx, out + n, &n) != 1) {
		ERR_clear_error();
		err_set(err, ERR_INVALID, "chacha20-poly1305: bad tag");
		goto out;
	}
	if (seal &&
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, out + body) !=
	        1)
		goto ssl;
	rc = 0;
	goto out;
ssl:
	err_ssl(err, "chacha20-poly1305");
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}

int
crypto_chacha_open(unsigned char *out, const unsigned char key[32],
    const unsigned char nonce[12], const unsigned char *in, size_t len,
    struct err *err)
{
	return chacha(out, key, nonce, in, len, false, err);
}

int
crypto_chacha_seal(unsigned char *out, const unsigned char key[32],
    const unsigned char nonce[12], const unsigned char *in, size_t len,
    struct err *err)
{
	return chacha(out, key, nonce, in, len, true, err);
}

int
crypto_gcm_open(unsigned char *out, const unsigned char key[32],
    const unsigned char *iv, size_t iv_len, const unsigned char *aad,
    size_t aad_len, const unsigned char *in, size_t len,
    const unsigned char tag[16], struct err *err)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int n = 0, rc = -1;

	if (iv_len == 0 || iv_len > 128 || len > INT32_MAX ||
	    aad_len > INT32_MAX) {
		EVP_CIPHER_CTX_free(ctx);
		return err_set(err, ERR_INVALID, "aes-gcm: bad iv or length");
	}
	if (ctx == NULL ||
	    EVP_DecryptInit_ex(ctx, EVP_aes_256_gcm(), NULL, NULL, NULL) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_IVLEN, (int)iv_len,
	        NULL) != 1 ||
	    EVP_DecryptInit_ex(ctx, NULL, NULL, key, iv) != 1 ||
	    EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, 16,
	        (void *)(uintptr_t)tag) != 1 ||
	    (aad_len > 0 &&
	        EVP_DecryptUpdate(ctx, NULL, &n, aad, (int)aad_len) != 1) ||
	    EVP_DecryptUpdate(ctx, out, &n, in, (int)len) != 1) {
		err_ssl(err, "aes-gcm");
		goto out;
	}
	if (EVP_DecryptFinal_ex(ctx, out + n, &n) != 1) {
		ERR_clear_error();
		err_set(err, ERR_INVALID, "aes-gcm: authentication failed");
		goto out;
	}
	rc = 0;
out:
	EVP_CIPHER_CTX_free(ctx);
	return rc;
}
