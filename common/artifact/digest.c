/*
 * Artifact digests in Flux's "<algorithm>:<hex>" form. Only sha256 is
 * produced and accepted: it is Flux's default (--artifact-digest-algo)
 * and the one every consumer checks.
 */
#include "artifact/artifact.h"

#include <ctype.h>
#include <errno.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "artifact/artifact_int.h"
#include "core/mem.h"
#include "core/str.h"

#define PREFIX  "sha256:"
#define HEX_LEN 64

void
artifact_digest_format(char out[ARTIFACT_DIGEST_MAX], const unsigned char *md)
{
	static const char hex[] = "0123456789abcdef";
	char *p = out + strlen(PREFIX);

	str_lcpy(out, PREFIX, ARTIFACT_DIGEST_MAX);
	for (int i = 0; i < 32; i++) {
		*p++ = hex[md[i] >> 4];
		*p++ = hex[md[i] & 15];
	}
	*p = '\0';
}

void
artifact_digest_mem(char out[ARTIFACT_DIGEST_MAX], const void *p, size_t n)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (EVP_Digest(p, n, md, &len, EVP_sha256(), NULL) != 1 || len != 32)
		BUG("EVP_Digest sha256 failed");
	artifact_digest_format(out, md);
}

int
artifact_digest_fd(char out[ARTIFACT_DIGEST_MAX], int fd, struct err *err)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned char *buf = xmalloc(1 << 16);
	unsigned int len = 0;
	off_t off = 0;
	int rv = -1;

	if (ctx == NULL || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1)
		BUG("EVP_DigestInit_ex sha256 failed");
	for (;;) {
		ssize_t r = pread(fd, buf, 1 << 16, off);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1) {
			err_errno(err, errno, "read for digest");
			goto out;
		}
		if (r == 0)
			break;
		EVP_DigestUpdate(ctx, buf, (size_t)r);
		off += r;
	}
	if (EVP_DigestFinal_ex(ctx, md, &len) != 1 || len != 32)
		BUG("EVP_DigestFinal_ex sha256 failed");
	artifact_digest_format(out, md);
	rv = 0;
out:
	free(buf);
	EVP_MD_CTX_free(ctx);
	return rv;
}

static bool
is_hex(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return true;
}

int
artifact_digest_check(const char *want, const char *got, struct err *err)
{
	const char *colon = strchr(want, ':');
	const char *hex;

	if (colon == NULL)
		return err_set(err, ERR_INVALID,
		    "digest '%s' has no algorithm prefix", want);
	if ((size_t)(colon - want) != strlen(PREFIX) - 1 ||
	    strncmp(want, PREFIX, strlen(PREFIX)) != 0)
		return err_set(err, ERR_INVALID,
		    "digest '%s': unsupported algorithm, want sha256", want);
	hex = colon + 1;
	if (strlen(hex) != HEX_LEN || !is_hex(hex, HEX_LEN))
		return err_set(err, ERR_INVALID,
		    "digest '%s' is not 64 hex digits", want);
	if (strncmp(got, PREFIX, strlen(PREFIX)) != 0 ||
	    strcasecmp(hex, got + strlen(PREFIX)) != 0)
		return err_set(err, ERR_CONFLICT,
		    "digest mismatch: want '%s', got '%s'", want, got);
	return 0;
}
