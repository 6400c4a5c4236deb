/*
 * Text codecs for keys and ciphertext: strict base64 (age refuses
 * non-canonical encodings, so we do too) and bech32, the encoding of age
 * identities and recipients.
 */
#include "sops/sops_int.h"

#include <string.h>

static const char b64_alpha[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* The value of a base64 digit, or -1 (by ranges: ciphertext values and
 * binary files run to megabytes). */
static int
b64_value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	return c == '/' ? 63 : -1;
}

long
b64_decode(unsigned char *out, const char *s, size_t len, unsigned flags)
{
	size_t pad = 0, i, n = 0;
	uint32_t acc = 0;
	int bits = 0, v;

	if (flags & B64_PAD) {
		if (len % 4 != 0)
			return -1;
		while (pad < 2 && len > 0 && s[len - 1] == '=') {
			len--;
			pad++;
		}
	}
	if (len % 4 == 1)
		return -1;
	if ((flags & B64_PAD) && pad != (4 - len % 4) % 4)
		return -1;
	for (i = 0; i < len; i++) {
		if ((v = b64_value(s[i])) < 0)
			return -1;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* The leftover bits must be zero: one encoding per byte string. */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0)
		return -1;
	return (long)n;
}

int
b64_encode(struct buf *out, const unsigned char *p, size_t n, unsigned flags)
{
	size_t i;
	uint32_t v;

	for (i = 0; i + 3 <= n; i += 3) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
		buf_putc(out, b64_alpha[v >> 18]);
		buf_putc(out, b64_alpha[(v >> 12) & 63]);
		buf_putc(out, b64_alpha[(v >> 6) & 63]);
		buf_putc(out, b64_alpha[v & 63]);
	}
	if (n - i == 1) {
		v = (uint32_t)p[i] << 16;
		buf_putc(out, b64_alpha[v >> 18]);
		buf_putc(out, b64_alpha[(v >> 12) & 63]);
		if (flags & B64_PAD)
			buf_puts(out, "==");
	} else if (n - i == 2) {
		v = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
		buf_putc(out, b64_alpha[v >> 18]);
		buf_putc(out, b64_alpha[(v >> 12) & 63]);
		buf_putc(out, b64_alpha[(v >> 6) & 63]);
		if (flags & B64_PAD)
			buf_putc(out, '=');
	}
	return out->failed ? -1 : 0;
}

/* ---- bech32 ---- */

static const char b32_alpha[] = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

static uint32_t
bech32_polymod_step(uint32_t chk, unsigned v)
{
	static const uint32_t gen[5] = { 0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
		0x3d4233dd, 0x2a1462b3 };
	uint32_t top = chk >> 25;

	chk = ((chk & 0x1ffffff) << 5) ^ v;
	for (int i = 0; i < 5; i++)
		if ((top >> i) & 1)
			chk ^= gen[i];
	return chk;
}

static uint32_t
bech32_hrp_checksum(const char *hrp, size_t n)
{
	uint32_t chk = 1;
	size_t i;

	for (i = 0; i < n; i++)
		chk = bech32_polymod_step(chk, (unsigned char)hrp[i] >> 5);
	chk = bech32_polymod_step(chk, 0);
	for (i = 0; i < n; i++)
		chk = bech32_polymod_step(chk, (unsigned char)hrp[i] & 31);
	return chk;
}

/* Checks the case rule and finds the last '1'; returns its index or -1. */
static long
bech32_split(const char *s, size_t len)
{
	bool lower = false, upper = false;
	long sep = -1;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 33 || c > 126)
			return -1;
		lower |= c >= 'a' && c <= 'z';
		upper |= c >= 'A' && c <= 'Z';
		if (c == '1')
			sep = (long)i;
	}
	if (lower && upper)
		return -1;
	return sep;
}

static int
ascii_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* Checks the characters after the separator against the checksum and
 * repacks all but the last six from 5-bit groups into bytes. */
static long
bech32_data(unsigned char *out, size_t out_size, uint32_t chk, const char *s,
    size_t len, struct err *err)
{
	size_t n = 0, ndata = len - 6;
	uint32_t acc = 0;
	int bits = 0;

	for (size_t i = 0; i < len; i++) {
		const char *p = strchr(b32_alpha,
		    ascii_lower((unsigned char)s[i]));

		if (p == NULL || *p == '\0')
			return err_set(err, ERR_INVALID,
			    "invalid bech32 character");
		chk = bech32_polymod_step(chk, (unsigned)(p - b32_alpha));
		if (i >= ndata)
			continue; /* checksum characters */
		acc = (acc << 5) | (uint32_t)(p - b32_alpha);
		if ((bits += 5) < 8)
			continue;
		bits -= 8;
		if (n == out_size)
			return err_set(err, ERR_INVALID,
			    "bech32 data too long");
		out[n++] = (unsigned char)(acc >> bits);
	}
	if (chk != 1)
		return err_set(err, ERR_INVALID, "bad bech32 checksum");
	if (bits >= 5 || (acc & ((1u << bits) - 1)) != 0)
		return err_set(err, ERR_INVALID, "bad bech32 padding");
	return (long)n;
}

long
bech32_decode(char *hrp, size_t hrp_size, unsigned char *out, size_t out_size,
    const char *s, size_t len, struct err *err)
{
	long sep = bech32_split(s, len);

	if (sep < 1 || len - (size_t)sep - 1 < 6 || (size_t)sep >= hrp_size)
		return err_set(err, ERR_INVALID, "malformed bech32 string");
	for (long i = 0; i < sep; i++)
		hrp[i] = (char)ascii_lower((unsigned char)s[i]);
	hrp[sep] = '\0';
	return bech32_data(out, out_size, bech32_hrp_checksum(hrp, (size_t)sep),
	    s + sep + 1, len - (size_t)sep - 1, err);
}

int
bech32_encode(struct buf *out, const char *hrp, const unsigned char *data,
    size_t n)
{
	size_t hlen = strlen(hrp), i;
	uint32_t chk = bech32_hrp_checksum(hrp, hlen), acc = 0;
	int bits = 0;

	buf_puts(out, hrp);
	buf_putc(out, '1');
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | data[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			chk = bech32_polymod_step(chk, (acc >> bits) & 31);
			buf_putc(out, b32_alpha[(acc >> bits) & 31]);
		}
	}
	if (bits > 0) {
		unsigned v = (acc << (5 - bits)) & 31;

		chk = bech32_polymod_step(chk, v);
		buf_putc(out, b32_alpha[v]);
	}
	for (i = 0; i < 6; i++)
		chk = bech32_polymod_step(chk, 0);
	chk ^= 1;
	for (i = 0; i < 6; i++)
		buf_putc(out, b32_alpha[(chk >> (5 * (5 - i))) & 31]);
	return out->failed ? -1 : 0;
}
