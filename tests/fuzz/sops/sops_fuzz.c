/*
 * Fuzzes the sops module's parsers: the first byte picks the entry point
 * (age file, SOPS YAML/JSON/dotenv/binary file, or Kubernetes objects as
 * kustomize-controller hands them over), the rest is the input. The key
 * set holds the throwaway identity the seed corpus (mkcorpus.sh, made by
 * the real sops and age CLIs) is encrypted to, so mutations reach the
 * MAC, value and payload code, not only the parsers. Besides surviving
 * the sanitizers: a failed decryption appends nothing, and every
 * failure carries an error code and message.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "doc/doc.h"
#include "sops/sops.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                    \
	do {                                                           \
		if (!(cond)) {                                         \
			(void)fprintf(stderr, "%s:%d: %s\n", __FILE__, \
			    __LINE__, #cond);                          \
			abort();                                       \
		}                                                      \
	} while (0)

/* Made with age-keygen for the corpus only; it protects nothing. */
static const char identity[] =
    "AGE-SECRET-KEY-1Z7QVK0M5PPUR7D09ZZNVWW2RM2K5KJYDFTVZYKFCRR86JMSDNW0QCZ2J2Q\n";

static int
resources(const char *p, size_t n, const struct sops_keys *k, struct err *err)
{
	struct doc *d = NULL;
	int rc = 0;

	if (doc_parse_yaml(&d, p, n, NULL, err) == -1)
		return -1;
	for (size_t i = 0; i < doc_count(d) && rc == 0; i++)
		rc = sops_decrypt_resource(doc_arena(d), doc_root(d, i), k,
		    err);
	doc_free(d);
	return rc;
}

static int
dispatch(struct buf *out, unsigned mode, const char *p, size_t n,
    const struct sops_keys *k, struct err *err)
{
	static const enum sops_format fmts[] = { SOPS_FORMAT_YAML,
		SOPS_FORMAT_JSON, SOPS_FORMAT_DOTENV, SOPS_FORMAT_BINARY };

	if (mode == 0)
		return sops_age_decrypt(out, k, p, n, err);
	if (mode == 5)
		return resources(p, n, k, err);
	return sops_decrypt_file(out, k, p, n, fmts[mode - 1], err);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sops_keys *k;
	struct err err = ERR_INIT;
	const char *p = (const char *)data + 1;
	struct buf out;
	int rc;

	if (size < 1 || size > (1 << 20))
		return 0;
	if (k == NULL) {
		k = sops_keys_new();
		CHECK(sops_keys_add(k, "fuzz.agekey", identity,
		          strlen(identity), &err) == 0);
	}
	buf_init(&out, (size_t)16 << 20);
	rc = dispatch(&out, data[0] % 6, p, size - 1, k, &err);
	if (rc == -1) {
		CHECK(out.len == 0);
		CHECK(err.code != ERR_OK && err.msg[0] != '\0');
	}
	buf_release_secret(&out);
	return 0;
}
