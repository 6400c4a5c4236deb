/*
 * age v1 files (https://age-encryption.org/v1): X25519 recipient stanzas,
 * the header MAC, and the STREAM payload of 64 KiB ChaCha20-Poly1305
 * chunks, binary or armored. SOPS wraps each file's data key in one.
 * Parsing is strict, as the reference implementation is: a file either
 * decrypts exactly or is refused.
 */
#include "sops/sops.h"

#include <openssl/crypto.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <string.h>

#include "core/mem.h"
#include "sops/sops_int.h"

#define AGE_INTRO      "age-encryption.org/v1\n"
#define AGE_X25519_TAG "age-encryption.org/v1/X25519"
#define ARMOR_BEGIN    "-----BEGIN AGE ENCRYPTED FILE-----"
#define ARMOR_END      "-----END AGE ENCRYPTED FILE-----"
#define CHUNK          65536
#define TAG            16
#define MAX_STANZAS    64
#define MAX_ARGS       8

struct stanza {
	const char *args[MAX_ARGS]; /* type first; point into the header */
	size_t arglen[MAX_ARGS];
	size_t nargs;
	unsigned char body[64]; /* we only need X25519 bodies (32 bytes) */
	long body_len;          /* -1 when longer than body */
};

/* ---- identities ---- */

int
age_identity_parse(struct age_identity *id, const char *s, size_t len,
    struct err *err)
{
	char hrp[32];
	long n = bech32_decode(hrp, sizeof(hrp), id->secret, sizeof(id->secret),
	    s, len, err);

	if (n == -1)
		return err_wrap(err, "age identity");
	if (strcmp(hrp, "age-secret-key-") != 0 || n != AGE_KEY_LEN) {
		OPENSSL_cleanse(id, sizeof(*id));
		return err_set(err, ERR_INVALID,
		    "age identity: not an X25519 secret key");
	}
	return crypto_x25519_public(id->public, id->secret, err);
}

int
age_identity_recipient(struct buf *out, const struct age_identity *id)
{
	return bech32_encode(out, "age", id->public, AGE_KEY_LEN);
}

/* ---- header parsing ---- */

/* The line at *p (without '\n'); advances past the newline. -1 if none. */
static int
next_line(const char **line, size_t *n, const char **p, const char *end)
{
	const char *nl = memchr(*p, '\n', (size_t)(end - *p));

	if (nl == NULL)
		return -1;
	*line = *p;
	*n = (size_t)(nl - *p);
	*p = nl + 1;
	return 0;
}

static int
split_args(struct stanza *st, const char *s, size_t n, struct err *err)
{
	size_t i = 0;

	st->nargs = 0;
	while (i < n) {
		size_t j = i;

		while (j < n && s[j] != ' ')
			j++;
		if (j == i || st->nargs == MAX_ARGS)
			return err_set(err, ERR_INVALID,
			    "age header: malformed stanza line");
		for (size_t k = i; k < j; k++)
			if ((unsigned char)s[k] < 33 ||
			    (unsigned char)s[k] > 126)
				return err_set(err, ERR_INVALID,
				    "age header: bad character in stanza");
		st->args[st->nargs] = s + i;
		st->arglen[st->nargs++] = j - i;
		i = j + (j < n);
		if (j < n && i == n)
			return err_set(err, ERR_INVALID,
			    "age header: trailing space in stanza");
	}
	if (st->nargs == 0)
		return err_set(err, ERR_INVALID, "age header: empty stanza");
	return 0;
}

/* Reads a stanza body: base64 lines of 64 columns, the last one shorter. */
static int
read_body(struct stanza *st, const char **p, const char *end, struct err *err)
{
	unsigned char tmp[64];
	const char *line;
	size_t n, total = 0;
	long got;

	st->body_len = 0;
	for (;;) {
		if (next_line(&line, &n, p, end) == -1 || n > 64)
			return err_set(err, ERR_INVALID,
			    "age header: malformed stanza body");
		if ((got = b64_decode(tmp, line, n, 0)) < 0)
			return err_set(err, ERR_INVALID,
			    "age header: bad base64 in stanza body");
		if (st->body_len >= 0 &&
		    total + (size_t)got <= sizeof(st->body))
			memcpy(st->body + total, tmp, (size_t)got);
		else
			st->body_len = -1;
		total += (size_t)got;
		if (st->body_len >= 0)
			st->body_len = (long)total;
		if (n < 64)
			return 0;
	}
}

struct header {
	struct stanza st[MAX_STANZAS];
	size_t n;
	size_t mac_off; /* bytes covered by the MAC (through "---") */
	unsigned char mac[32];
	size_t payload_off;
};

/* "--- <43 base64 chars>": the header MAC. */
static int
parse_mac_line(struct header *h, const char *line, size_t n, struct err *err)
{
	if (n != 3 + 1 + 43 || line[3] != ' ' ||
	    b64_decode(h->mac, line + 4, 43, 0) != 32)
		return err_set(err, ERR_INVALID,
		    "age header: malformed MAC line");
	return 0;
}

static int
parse_header(struct header *h, const char *data, size_t len, struct err *err)
{
	const char *p = data, *end = data + len, *line;
	size_t n;

	if (len < strlen(AGE_INTRO) ||
	    memcmp(data, AGE_INTRO, strlen(AGE_INTRO)) != 0)
		return err_set(err, ERR_INVALID, "not an age v1 file");
	p += strlen(AGE_INTRO);
	h->n = 0;
	for (;;) {
		const char *start = p;

		if (next_line(&line, &n, &p, end) == -1)
			return err_set(err, ERR_INVALID,
			    "age header: unexpected end");
		if (n >= 3 && memcmp(line, "---", 3) == 0) {
			h->mac_off = (size_t)(start - data) + 3;
			if (parse_mac_line(h, line, n, err) == -1)
				return -1;
			break;
		}
		if (n < 3 || memcmp(line, "-> ", 3) != 0)
			return err_set(err, ERR_INVALID,
			    "age header: malformed stanza");
		if (h->n == MAX_STANZAS)
			return err_set(err, ERR_LIMIT,
			    "age header: more than %d stanzas", MAX_STANZAS);
		if (split_args(&h->st[h->n], line + 3, n - 3, err) == -1 ||
		    read_body(&h->st[h->n], &p, end, err) == -1)
			return -1;
		h->n++;
	}
	if (h->n == 0)
		return err_set(err, ERR_INVALID, "age header: no recipients");
	h->payload_off = (size_t)(p - data);
	return 0;
}

/* ---- unwrapping ---- */

static bool
arg_is(const struct stanza *st, size_t i, const char *s)
{
	return i < st->nargs && st->arglen[i] == strlen(s) &&
	    memcmp(st->args[i], s, st->arglen[i]) == 0;
}

/* 1 and the file key when id opens st, 0 when it does not, -1 when st
 * is a malformed X25519 stanza (which fails the whole file, as age). */
static int
x25519_unwrap(unsigned char file_key[AGE_FILE_KEY_LEN], const struct stanza *st,
    const struct age_identity *id, struct err *err)
{
	unsigned char share[AGE_KEY_LEN + 3], shared[AGE_KEY_LEN];
	unsigned char salt[2 * AGE_KEY_LEN], wrap[32];
	static const unsigned char zero_nonce[12];
	int rc = 0;

	if (st->nargs != 2 || st->arglen[1] != 43 ||
	    b64_decode(share, st->args[1], 43, 0) != AGE_KEY_LEN ||
	    st->body_len != AGE_FILE_KEY_LEN + TAG)
		return err_set(err, ERR_INVALID,
		    "age header: malformed X25519 stanza");
	if (crypto_x25519(shared, id->secret, share, err) == -1)
		return -1;
	memcpy(salt, share, AGE_KEY_LEN);
	memcpy(salt + AGE_KEY_LEN, id->public, AGE_KEY_LEN);
	if (crypto_hkdf(wrap, sizeof(wrap), shared, sizeof(shared), salt,
	        sizeof(salt), AGE_X25519_TAG, err) == -1)
		rc = -1;
	else if (crypto_chacha_open(file_key, wrap, zero_nonce, st->body,
	             (size_t)st->body_len, err) == 0)
		rc = 1;
	else
		err_reset(err); /* not for this identity */
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(wrap, sizeof(wrap));
	return rc;
}

static int
find_file_key(unsigned char file_key[AGE_FILE_KEY_LEN], const struct header *h,
    const struct sops_keys *k, struct err *err)
{
	bool x25519 = false;

	for (size_t i = 0; i < h->n; i++) {
		const struct stanza *st = &h->st[i];

		if (arg_is(st, 0, "scrypt") && h->n != 1)
			return err_set(err, ERR_INVALID,
			    "age header: scrypt stanza must be alone");
		if (!arg_is(st, 0, "X25519"))
			continue;
		x25519 = true;
		for (size_t j = 0; j < k->n_age; j++) {
			int rc = x25519_unwrap(file_key, st, &k->age[j], err);

			if (rc != 0)
				return rc == 1 ? 0 : -1;
		}
	}
	if (arg_is(&h->st[0], 0, "scrypt"))
		return err_set(err, ERR_UNSUPPORTED,
		    "age: passphrase-encrypted files are not supported");
	return err_set(err, ERR_AUTH, "age: no identity matched %s",
	    x25519 ? "any X25519 recipient" : "any recipient");
}

static int
check_header_mac(const struct header *h, const char *data,
    const unsigned char file_key[AGE_FILE_KEY_LEN], struct err *err)
{
	unsigned char key[32], mac[32];
	unsigned int n = sizeof(mac);
	int rc = 0;

	if (crypto_hkdf(key, sizeof(key), file_key, AGE_FILE_KEY_LEN, NULL, 0,
	        "header", err) == -1)
		return -1;
	if (HMAC(EVP_sha256(), key, sizeof(key), (const unsigned char *)data,
	        h->mac_off, mac, &n) == NULL ||
	    CRYPTO_memcmp(mac, h->mac, sizeof(mac)) != 0)
		rc = err_set(err, ERR_INVALID, "age: header MAC mismatch");
	OPENSSL_cleanse(key, sizeof(key));
	return rc;
}

/* ---- payload ---- */

static void
stream_nonce(unsigned char nonce[12], uint64_t counter, bool last)
{
	memset(nonce, 0, 12);
	for (int i = 0; i < 8; i++)
		nonce[10 - i] = (unsigned char)(counter >> (8 * i));
	nonce[11] = last ? 1 : 0;
}

static int
open_payload(struct buf *out, const unsigned char file_key[AGE_FILE_KEY_LEN],
    const unsigned char *p, size_t len, struct err *err)
{
	unsigned char key[32], nonce[12], *chunk = NULL;
	uint64_t counter = 0;
	int rc = -1;

	if (len < 16 + TAG)
		return err_set(err, ERR_INVALID, "age: truncated payload");
	if (crypto_hkdf(key, sizeof(key), file_key, AGE_FILE_KEY_LEN, p, 16,
	        "payload", err) == -1)
		return -1;
	p += 16;
	len -= 16;
	chunk = xmalloc(CHUNK + TAG);
	while (len > 0) {
		size_t n = len > CHUNK + TAG ? CHUNK + TAG : len;
		bool last = n == len;

		if (n < TAG || (last && n == TAG && counter > 0)) {
			err_set(err, ERR_INVALID, "age: truncated payload");
			goto out;
		}
		stream_nonce(nonce, counter++, last);
		if (crypto_chacha_open(chunk, key, nonce, p, n, err) == -1) {
			err_wrap(err, "age: payload chunk %llu",
			    (unsigned long long)counter - 1);
			goto out;
		}
		if (buf_append(out, chunk, n - TAG) == -1) {
			buf_check(out, err);
			goto out;
		}
		p += n;
		len -= n;
	}
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free_secret(chunk, CHUNK + TAG);
	return rc;
}

/* ---- armor ---- */

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Decodes an armored file into *bin (the caller frees it). 0 when data is
 * not armored (nothing allocated), 1 when decoded, -1 when malformed. */
static int
dearmor(unsigned char **bin, size_t *bin_len, const char *data, size_t len,
    struct err *err)
{
	const char *p = data, *end = data + len, *line;
	size_t n, total = 0, blen = strlen(ARMOR_BEGIN);
	unsigned char *out;
	bool short_line = false;
	long got;

	while (p < end && is_space(*p))
		p++;
	while (end > p && is_space(end[-1]))
		end--;
	if ((size_t)(end - p) < blen || memcmp(p, ARMOR_BEGIN, blen) != 0)
		return 0;
	if (next_line(&line, &n, &p, end) == -1 || n != blen)
		return err_set(err, ERR_INVALID, "age armor: malformed");
	out = xmalloc((size_t)(end - p) / 4 * 3 + 3);
	for (;;) {
		if (next_line(&line, &n, &p, end) == -1) {
			/* the last line has no newline after trimming */
			line = p;
			n = (size_t)(end - p);
			p = end;
		}
		if (n == strlen(ARMOR_END) && memcmp(line, ARMOR_END, n) == 0 &&
		    p == end)
			break;
		if (p == end || n == 0 || n > 64 || short_line ||
		    (got = b64_decode(out + total, line, n, B64_PAD)) < 0) {
			free(out);
			return err_set(err, ERR_INVALID,
			    "age armor: malformed base64");
		}
		short_line = n < 64;
		total += (size_t)got;
	}
	*bin = out;
	*bin_len = total;
	return 1;
}

/* ---- decrypt ---- */

static int
decrypt_binary(struct buf *out, const struct sops_keys *k, const char *data,
    size_t len, struct err *err)
{
	struct header *h = xcalloc(1, sizeof(*h));
	unsigned char file_key[AGE_FILE_KEY_LEN];
	size_t before = out->len;
	int rc = -1;

	if (parse_header(h, data, len, err) == -1 ||
	    find_file_key(file_key, h, k, err) == -1)
		goto out;
	if (check_header_mac(h, data, file_key, err) == 0 &&
	    open_payload(out, file_key,
	        (const unsigned char *)data + h->payload_off,
	        len - h->payload_off, err) == 0)
		rc = 0;
	OPENSSL_cleanse(file_key, sizeof(file_key));
out:
	if (rc == -1 && out->data != NULL) {
		OPENSSL_cleanse(out->data + before, out->len - before);
		out->len = before;
		buf_terminate(out);
	}
	free(h);
	return rc;
}

int
sops_age_decrypt(struct buf *out, const struct sops_keys *k, const char *data,
    size_t len, struct err *err)
{
	unsigned char *bin = NULL;
	size_t bin_len = 0;
	int rc;

	if ((rc = dearmor(&bin, &bin_len, data, len, err)) == -1)
		return -1;
	if (rc == 0)
		return decrypt_binary(out, k, data, len, err);
	rc = decrypt_binary(out, k, (const char *)bin, bin_len, err);
	free(bin);
	return rc;
}

/* ---- encrypt (tests and fuzz corpus) ---- */

static int
wrap_recipient(struct buf *hdr, const unsigned char file_key[16],
    const unsigned char recipient[AGE_KEY_LEN], struct err *err)
{
	unsigned char eph[AGE_KEY_LEN], share[AGE_KEY_LEN], shared[32];
	unsigned char salt[64], wrap[32], body[AGE_FILE_KEY_LEN + TAG];
	static const unsigned char zero_nonce[12];
	int rc = -1;

	if (RAND_bytes(eph, sizeof(eph)) != 1) {
		err_set(err, ERR_INTERNAL, "age: no randomness");
		goto out;
	}
	if (crypto_x25519_public(share, eph, err) == -1 ||
	    crypto_x25519(shared, eph, recipient, err) == -1)
		goto out;
	memcpy(salt, share, 32);
	memcpy(salt + 32, recipient, 32);
	if (crypto_hkdf(wrap, 32, shared, 32, salt, 64, AGE_X25519_TAG, err) ==
	        -1 ||
	    crypto_chacha_seal(body, wrap, zero_nonce, file_key, 16, err) == -1)
		goto out;
	buf_puts(hdr, "-> X25519 ");
	b64_encode(hdr, share, sizeof(share), 0);
	buf_putc(hdr, '\n');
	b64_encode(hdr, body, sizeof(body), 0); /* 43 chars: one short line */
	buf_putc(hdr, '\n');
	rc = 0;
out:
	OPENSSL_cleanse(eph, sizeof(eph));
	OPENSSL_cleanse(shared, sizeof(shared));
	OPENSSL_cleanse(wrap, sizeof(wrap));
	return rc;
}

static int
seal_payload(struct buf *bin, const unsigned char file_key[16],
    const unsigned char *data, size_t len, struct err *err)
{
	unsigned char nonce16[16], key[32], nonce[12];
	unsigned char *chunk = xmalloc(CHUNK + TAG);
	uint64_t counter = 0;
	size_t off = 0;
	int rc = -1;

	if (RAND_bytes(nonce16, 16) != 1 ||
	    crypto_hkdf(key, 32, file_key, 16, nonce16, 16, "payload", err) ==
	        -1)
		goto out;
	buf_append(bin, nonce16, 16);
	do {
		size_t n = len - off > CHUNK ? CHUNK : len - off;
		bool last = off + n == len;

		stream_nonce(nonce, counter++, last);
		if (crypto_chacha_seal(chunk, key, nonce, data + off, n, err) ==
		    -1)
			goto out;
		buf_append(bin, chunk, n + TAG);
		off += n;
	} while (off < len);
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	free_secret(chunk, CHUNK + TAG);
	return rc;
}

static void
armor(struct buf *out, const struct buf *bin)
{
	struct buf line;

	buf_init(&line, BUF_MAX_DEFAULT);
	buf_puts(out, ARMOR_BEGIN "\n");
	for (size_t off = 0; off < bin->len; off += 48) {
		size_t n = bin->len - off > 48 ? 48 : bin->len - off;

		buf_reset(&line);
		b64_encode(&line, (const unsigned char *)bin->data + off, n,
		    B64_PAD);
		buf_append(out, line.data, line.len);
		buf_putc(out, '\n');
	}
	buf_puts(out, ARMOR_END "\n");
	buf_release(&line);
}

int
age_encrypt(struct buf *out, const unsigned char (*recipients)[AGE_KEY_LEN],
    size_t n_recipients, const unsigned char *data, size_t len, bool armored,
    struct err *err)
{
	unsigned char file_key[16], hkey[32], mac[32];
	unsigned int mlen = sizeof(mac);
	struct buf bin;
	int rc = -1;

	buf_init(&bin, BUF_MAX_DEFAULT);
	if (RAND_bytes(file_key, sizeof(file_key)) != 1) {
		err_set(err, ERR_INTERNAL, "age: no randomness");
		goto out;
	}
	buf_puts(&bin, AGE_INTRO);
	for (size_t i = 0; i < n_recipients; i++)
		if (wrap_recipient(&bin, file_key, recipients[i], err) == -1)
			goto out;
	buf_puts(&bin, "---");
	if (crypto_hkdf(hkey, 32, file_key, 16, NULL, 0, "header", err) == -1)
		goto out;
	HMAC(EVP_sha256(), hkey, 32, (const unsigned char *)bin.data, bin.len,
	    mac, &mlen);
	buf_putc(&bin, ' ');
	b64_encode(&bin, mac, sizeof(mac), 0);
	buf_putc(&bin, '\n');
	if (seal_payload(&bin, file_key, data, len, err) == -1)
		goto out;
	if (armored)
		armor(out, &bin);
	else
		buf_append(out, bin.data, bin.len);
	rc = buf_check(out, err);
out:
	OPENSSL_cleanse(file_key, sizeof(file_key));
	OPENSSL_cleanse(hkey, sizeof(hkey));
	buf_release_secret(&bin);
	return rc;
}
