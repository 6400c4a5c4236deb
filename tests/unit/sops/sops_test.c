/*
 * Unit tests of the sops module's building blocks: base64, bech32, the
 * OpenSSL primitives (RFC 5869 vectors), Go's float spelling for the MAC,
 * key parsing, and decryption of an age file and a SOPS file that the
 * real age 1.1.1 and sops 3.13.3 CLIs made for this test (the key below
 * is a throwaway made with age-keygen; it protects nothing else).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/err.h"
#include "doc/doc.h"
#include "sops/sops.h"
#include "sops/sops_int.h"
#include "t.h"

static const char identity[] =
    "# created: 2026-11-23T21:54:50Z\n"
    "# public key: "
    "age1khh3079m7qnhmy2srl9xcsk4vclcwn0eztjvrsa73mnn6a927aasewcxkl\n"
    "AGE-SECRET-KEY-1Z7QVK0M5PPUR7D09ZZNVWW2RM2K5KJYDFTVZYKFCRR86JMSDNW0QCZ2J2Q\n";

/* another throwaway age-keygen identity, for "wrong key" cases */
static const char other_identity[] =
    "AGE-SECRET-KEY-1QXPJ79TYRYLG7FH3MKVLF75JYHKE7PQWG8F9Q559R5E86TC53ZQQW3WLH4";

static const char recipient[] =
    "age1khh3079m7qnhmy2srl9xcsk4vclcwn0eztjvrsa73mnn6a927aasewcxkl";

/* printf 'hello, flint\n' | age -r <recipient> -a */
static const char age_file[] =
    "-----BEGIN AGE ENCRYPTED FILE-----\n"
    "YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSBuSXNEU2RoOXpkVkVyOU5I\n"
    "Tm9LcXVQKzNDWGpXQWE0K1M4MmtOY2RRV3pBCktPREVSMUhKbWdPRnVtdlZRM1Zy\n"
    "cldESThydWNaZW0rVFRVa0lGa0t6VUEKLS0tIFpqcWt6c1ByeXBpcWFnS0x2WG9W\n"
    "dlU3c0RlZzJYWDA2ZmpkRllxL2dBU00KZg9JSVycFpOiTUO4lP9rcrQ5BMTvsBDw\n"
    "10vfVJawyoa73iceoYuLanzthccd\n"
    "-----END AGE ENCRYPTED FILE-----\n";

/* sops encrypt --age <recipient> s.yaml */
static const char sops_yaml[] =
    "user: ENC[AES256_GCM,data:CHXereE=,iv:5MXDLyK/2JBsnZjgA4GKQxxwpaMlcA4rcqwc4hIbxuY=,tag:z9dDtV/snDunTa9+7baJAw==,type:str]\n"
    "port: ENC[AES256_GCM,data:tQBPzQ==,iv:DptCR0r2uWrw1KXt1FzpT9dFS9NXVqqNKzWCYE8mMyM=,tag:nftOyuLnL2jzyzAPK1vnEA==,type:int]\n"
    "ratio: ENC[AES256_GCM,data:Ggdf,iv:32yH+yuoMKPhcHjr+LDaDcxK4dxl4c527C0+W/bIbAQ=,tag:hyX/Owbe+y4Cy/rgU3pikw==,type:float]\n"
    "tls: ENC[AES256_GCM,data:w0M5iA==,iv:wvw332sF3OYYncbm/eZSadGP/mwl8fgdTHEGxS7Bgzs=,tag:GV0glpUahz6L64qJ9o3iog==,type:bool]\n"
    "list:\n"
    "    - ENC[AES256_GCM,data:Pw==,iv:Sq5FHUq/RMJuz6Ey72CxsHUBW80+VM27KKbhZEORIQc=,tag:FnUAjaV0sHjQephm+tAxSg==,type:str]\n"
    "    - ENC[AES256_GCM,data:Dw==,iv:MckmRMkY96dSyTc6PPqAORuQJDtrL9k+o9dhrH3mhb4=,tag:JiUMAC/93wp9buqNAVO8hw==,type:str]\n"
    "note_unencrypted: hi\n"
    "sops:\n"
    "    age:\n"
    "        - enc: |\n"
    "            -----BEGIN AGE ENCRYPTED FILE-----\n"
    "            YWdlLWVuY3J5cHRpb24ub3JnL3YxCi0+IFgyNTUxOSA3NHd2UzJVS0tqUmdlajhK\n"
    "            aktta0lLQ0paVm5tRTl1OWZXbHpyZUxCWVM4CloyLzZoTzArUjYrUURqcjFYc1BO\n"
    "            MTZyNURLWWZaa1FSVCt3M0VjSFZ0Y3MKLS0tIGcwRzVYdWhCL2VPRnVVV3pVNGNr\n"
    "            UGtva1hPM2RWSk9xaXEzdW04SytjTWsKk9YFLYIrJWq/FN5+Zt1zVQM2g9rZNUG2\n"
    "            WOl+BySBRQpRbG9IceJ7H6I8epGCOaukFpomzaIsqUtArrESTEWE8g==\n"
    "            -----END AGE ENCRYPTED FILE-----\n"
    "          recipient: age1khh3079m7qnhmy2srl9xcsk4vclcwn0eztjvrsa73mnn6a927aasewcxkl\n"
    "    lastmodified: \"2026-11-23T21:54:55Z\"\n"
    "    mac: ENC[AES256_GCM,data:bhPMxkUqVUI3GoaqdkucEiY8bSyqRclvtTcK1oatRsFI/Siy/NtiioPqbC4dgpQTSzsi4UIBJFM04bTMzhU934WFYri1TtxBBX7HNko5AEU1rlB0SHPZHIgHH5YgMlFo4F5XQIa7RY5GEFLzmQ7EsKt/AN3GL+30YArwYxu7snE=,iv:TuIG07+YVzMY8PFcgB5718gDHVOdc9IoYUsvjpog3l4=,tag:hak4HCHmAPQgkJUTW2J1/g==,type:str]\n"
    "    unencrypted_suffix: _unencrypted\n"
    "    version: 3.13.3\n";

static struct sops_keys *
test_keys(void)
{
	struct sops_keys *k = sops_keys_new();
	struct err err = ERR_INIT;

	T_OK(sops_keys_add(k, "flux.agekey", identity, strlen(identity), &err),
	    &err);
	return k;
}

static void
hex_decode(unsigned char *out, const char *hex)
{
	for (size_t i = 0; hex[2 * i] != '\0'; i++) {
		unsigned v = 0;

		for (int j = 0; j < 2; j++) {
			char c = hex[2 * i + j];

			v = v * 16 +
			    (unsigned)(c <= '9' ? c - '0' : c - 'a' + 10);
		}
		out[i] = (unsigned char)v;
	}
}

/* ---- base64
 * ------------------------------------------------------------------ */

T_TEST(base64_round_trip_and_strictness)
{
	unsigned char out[16];
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, 1024);
	T_OK(b64_encode(&b, (const unsigned char *)"flint", 5, B64_PAD), &err);
	T_STREQ(b.data, "ZmxpbnQ=");
	buf_reset(&b);
	T_OK(b64_encode(&b, (const unsigned char *)"flint", 5, 0), &err);
	T_STREQ(b.data, "ZmxpbnQ");
	buf_release(&b);

	T_EQ(b64_decode(out, "ZmxpbnQ=", 8, B64_PAD), 5);
	T_TRUE(memcmp(out, "flint", 5) == 0);
	T_EQ(b64_decode(out, "ZmxpbnQ", 7, 0), 5);
	/* padding where none is allowed, and the reverse */
	T_EQ(b64_decode(out, "ZmxpbnQ=", 8, 0), -1);
	T_EQ(b64_decode(out, "ZmxpbnQ", 7, B64_PAD), -1);
	/* non-canonical trailing bits (age refuses them) */
	T_EQ(b64_decode(out, "ZmxpbnR", 7, 0), -1);
	T_EQ(b64_decode(out, "Zm\nxp", 5, 0), -1);
	T_EQ(b64_decode(out, "Z", 1, 0), -1);
}

/* ---- bech32
 * ------------------------------------------------------------------ */

T_TEST(bech32_bip173_vectors)
{
	struct err err = ERR_INIT;
	unsigned char out[64];
	char hrp[100];

	/* valid strings from BIP 173 */
	T_EQ(bech32_decode(hrp, sizeof(hrp), out, sizeof(out), "A12UEL5L", 8,
	         &err),
	    0);
	T_STREQ(hrp, "a");
	T_EQ(bech32_decode(hrp, sizeof(hrp), out, sizeof(out),
	         "abcdef1qpzry9x8gf2tvdw0s3jn54khce6mua7lmqqqxw", 45, &err),
	    20);
	T_STREQ(hrp, "abcdef");
	T_EQ(out[0], 0x00);
	T_EQ(out[1], 0x44);
	T_EQ(out[19], 0xdf); /* ...11110 11111 */
	/* invalid: checksum, mixed case, no separator, bad character */
	T_ERR(bech32_decode(hrp, sizeof(hrp), out, sizeof(out), "A12UEL5M", 8,
	          &err),
	    &err, ERR_INVALID);
	T_ERR(bech32_decode(hrp, sizeof(hrp), out, sizeof(out), "A12uEL5L", 8,
	          &err),
	    &err, ERR_INVALID);
	T_ERR(bech32_decode(hrp, sizeof(hrp), out, sizeof(out), "pzry9x0s0muk",
	          12, &err),
	    &err, ERR_INVALID);
	T_ERR(bech32_decode(hrp, sizeof(hrp), out, sizeof(out), "a1bqqqqqq", 9,
	          &err),
	    &err, ERR_INVALID);
}

T_TEST(bech32_round_trip)
{
	struct err err = ERR_INIT;
	unsigned char data[33], out[64];
	char hrp[32];
	struct buf b;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 37 + 11);
	buf_init(&b, 1024);
	T_OK(bech32_encode(&b, "age", data, sizeof(data)), &err);
	T_EQ(bech32_decode(hrp, sizeof(hrp), out, sizeof(out), b.data, b.len,
	         &err),
	    (long)sizeof(data));
	T_STREQ(hrp, "age");
	T_TRUE(memcmp(out, data, sizeof(data)) == 0);
	buf_release(&b);
}

/* ---- primitives
 * ---------------------------------------------------------------- */

T_TEST(hkdf_rfc5869_case_1)
{
	unsigned char ikm[22], salt[13], okm[42], want[42];
	char info[11];
	struct err err = ERR_INIT;

	memset(ikm, 0x0b, sizeof(ikm));
	for (int i = 0; i < 13; i++)
		salt[i] = (unsigned char)i;
	for (int i = 0; i < 10; i++)
		info[i] = (char)(0xf0 + i);
	info[10] = '\0';
	hex_decode(want,
	    "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db0"
	    "2d56ecc4c5bf34007208d5b887185865");
	T_OK(crypto_hkdf(okm, sizeof(okm), ikm, sizeof(ikm), salt, sizeof(salt),
	         info, &err),
	    &err);
	T_TRUE(memcmp(okm, want, sizeof(want)) == 0);
}

T_TEST(hkdf_rfc5869_case_3_empty_salt)
{
	unsigned char ikm[22], okm[42], want[42];
	struct err err = ERR_INIT;

	memset(ikm, 0x0b, sizeof(ikm));
	hex_decode(want,
	    "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e"
	    "5f3c738d2d9d201395faa4b61a96c8");
	T_OK(crypto_hkdf(okm, sizeof(okm), ikm, sizeof(ikm), NULL, 0, "", &err),
	    &err);
	T_TRUE(memcmp(okm, want, sizeof(want)) == 0);
}

T_TEST(chacha_seal_open_and_tamper)
{
	unsigned char key[32], nonce[12] = { 1 }, ct[16 + 16], pt[16];
	struct err err = ERR_INIT;

	memset(key, 7, sizeof(key));
	T_OK(crypto_chacha_seal(ct, key, nonce,
	         (const unsigned char *)"sixteen "
	                                "bytes!!",
	         16, &err),
	    &err);
	T_OK(crypto_chacha_open(pt, key, nonce, ct, sizeof(ct), &err), &err);
	T_TRUE(memcmp(pt, "sixteen bytes!!", 16) == 0);
	ct[3] ^= 1;
	T_ERR(crypto_chacha_open(pt, key, nonce, ct, sizeof(ct), &err), &err,
	    ERR_INVALID);
	T_ERR(crypto_chacha_open(pt, key, nonce, ct, 15, &err), &err,
	    ERR_INVALID);
}

/* ---- age
 * ------------------------------------------------------------------------ */

T_TEST(age_identity_gives_the_cli_recipient)
{
	struct sops_keys *k = test_keys();
	struct err err = ERR_INIT;
	struct buf b;

	T_EQ(sops_keys_age_count(k), 1);
	buf_init(&b, 1024);
	T_OK(age_identity_recipient(&b, &k->age[0]), &err);
	T_STREQ(b.data, recipient);
	buf_release(&b);
	sops_keys_free(k);
}

T_TEST(age_decrypts_cli_file)
{
	struct sops_keys *k = test_keys();
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, 1024);
	T_OK(sops_age_decrypt(&b, k, age_file, strlen(age_file), &err), &err);
	T_STREQ(b.data, "hello, flint\n");
	buf_release(&b);
	sops_keys_free(k);
}

T_TEST(age_wrong_key_and_tampering)
{
	struct sops_keys *k = test_keys(), *other = sops_keys_new();
	struct err err = ERR_INIT;
	char *bad = strdup(age_file);
	struct buf b;
	size_t n = strlen(bad);

	buf_init(&b, 1024);
	T_OK(sops_keys_add(other, "x.agekey", other_identity,
	         strlen(other_identity), &err),
	    &err);
	T_ERR(sops_age_decrypt(&b, other, age_file, n, &err), &err, ERR_AUTH);
	T_EQ(b.len, 0);
	/* the last base64 line holds payload bytes: flip one */
	bad[n - strlen("-----END AGE ENCRYPTED FILE-----\n") - 3] ^= 1;
	T_TRUE(sops_age_decrypt(&b, k, bad, n, &err) == -1);
	T_TRUE(err.code == ERR_INVALID);
	T_EQ(b.len, 0);
	T_ERR(sops_age_decrypt(&b, k, "age-encryption.org/v1\n", 22, &err),
	    &err, ERR_INVALID);
	T_ERR(sops_age_decrypt(&b, k, "", 0, &err), &err, ERR_INVALID);
	free(bad);
	buf_release(&b);
	sops_keys_free(other);
	sops_keys_free(k);
}

T_TEST(age_encrypt_round_trip_multichunk)
{
	struct sops_keys *k = test_keys();
	struct err err = ERR_INIT;
	static unsigned char data[3 * 65536 + 5];
	struct buf enc, dec;

	for (size_t i = 0; i < sizeof(data); i++)
		data[i] = (unsigned char)(i * 131);
	for (int armored = 0; armored < 2; armored++) {
		buf_init(&enc, BUF_MAX_DEFAULT);
		buf_init(&dec, BUF_MAX_DEFAULT);
		T_OK(age_encrypt(&enc,
		         (const unsigned char(*)[AGE_KEY_LEN])k->age[0].public,
		         1, data, sizeof(data), armored, &err),
		    &err);
		T_OK(sops_age_decrypt(&dec, k, enc.data, enc.len, &err), &err);
		T_EQ(dec.len, sizeof(data));
		T_TRUE(dec.len == sizeof(data) &&
		    memcmp(dec.data, data, sizeof(data)) == 0);
		/* drop the final chunk: truncation must be noticed */
		if (!armored)
			T_ERR(sops_age_decrypt(&dec, k, enc.data,
			          enc.len - (5 + 16), &err),
			    &err, ERR_INVALID);
		buf_release(&enc);
		buf_release(&dec);
	}
	sops_keys_free(k);
}

/* ---- keys
 * ------------------------------------------------------------------------ */

T_TEST(keys_from_secret)
{
	struct doc *d = NULL;
	struct sops_keys *k = NULL;
	struct err err = ERR_INIT;
	char yaml[1024];

	snprintf(yaml, sizeof(yaml),
	    "apiVersion: v1\nkind: Secret\nstringData:\n"
	    "  identity.agekey: |\n    # comment\n\n    %s\n"
	    "  other.txt: ignored\n  key.asc: not usable\n",
	    other_identity);
	T_OK(doc_parse_yaml(&d, yaml, strlen(yaml), NULL, &err), &err);
	T_OK(sops_keys_from_secret(&k, doc_root(d, 0), &err), &err);
	T_TRUE(k != NULL && sops_keys_age_count(k) == 1);
	sops_keys_free(k);
	doc_free(d);
}

T_TEST(keys_malformed_line_hides_the_key)
{
	struct sops_keys *k = sops_keys_new();
	struct err err = ERR_INIT;
	static const char bad[] = "AGE-SECRET-KEY-1Z7QVK0M5PPUR7D09ZZNVWW2RM2"
	                          "K5KJYDFTVZYKFCRR86JMSDNW0QCZ2J2X";

	T_TRUE(sops_keys_add(k, "bad.agekey", bad, strlen(bad), &err) == -1);
	T_EQ(err.code, ERR_INVALID);
	T_TRUE(strstr(err.msg, "bad.agekey") != NULL);
	T_TRUE(strstr(err.msg, "Z7QVK") == NULL);
	T_EQ(sops_keys_age_count(k), 0);
	sops_keys_free(k);
}

/* ---- SOPS
 * ------------------------------------------------------------------------ */

T_TEST(format_for_path_and_markers)
{
	T_EQ(sops_format_for_path("a/b.yaml"), SOPS_FORMAT_YAML);
	T_EQ(sops_format_for_path("b.yml"), SOPS_FORMAT_YAML);
	T_EQ(sops_format_for_path("c.json"), SOPS_FORMAT_JSON);
	T_EQ(sops_format_for_path(".env"), SOPS_FORMAT_DOTENV);
	T_EQ(sops_format_for_path("x.ini"), SOPS_FORMAT_INI);
	T_EQ(sops_format_for_path("tls.crt"), SOPS_FORMAT_BINARY);
	T_TRUE(sops_data_is_encrypted(sops_yaml, strlen(sops_yaml),
	    SOPS_FORMAT_YAML));
	T_TRUE(!sops_data_is_encrypted(sops_yaml, strlen(sops_yaml),
	    SOPS_FORMAT_JSON));
	T_TRUE(sops_data_is_encrypted("A=1\nsops_mac=ENC[x", 17,
	    SOPS_FORMAT_DOTENV));
}

T_TEST(go_float_spelling)
{
	static const struct {
		double v;
		const char *want;
	} cases[] = { { 0.25, "0.25" }, { 1e21, "1000000000000000000000" },
		{ 1e-7, "0.0000001" }, { 100, "100" }, { -1.5, "-1.5" },
		{ 0, "0" }, { 0.1, "0.1" }, { 123456.789, "123456.789" } };
	struct buf b;

	buf_init(&b, 1024);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		buf_reset(&b);
		go_format_float(&b, cases[i].v);
		T_STREQ(b.data, cases[i].want);
	}
	buf_release(&b);
}

T_TEST(sops_yaml_file_decrypts)
{
	struct sops_keys *k = test_keys();
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	T_OK(sops_decrypt_file(&b, k, sops_yaml, strlen(sops_yaml),
	         SOPS_FORMAT_YAML, &err),
	    &err);
	T_STREQ(b.data,
	    "user: admin\nport: 5432\nratio: 1.5\ntls: true\n"
	    "list:\n- a\n- b\nnote_unencrypted: hi\n");
	T_OK(doc_parse_yaml(&d, b.data, b.len, NULL, &err), &err);
	T_EQ(doc_map_get(doc_root(d, 0), "port")->kind, DOC_INT);
	T_EQ(doc_map_get(doc_root(d, 0), "ratio")->kind, DOC_FLOAT);
	T_EQ(doc_map_get(doc_root(d, 0), "tls")->kind, DOC_BOOL);
	doc_free(d);
	buf_release(&b);
	sops_keys_free(k);
}

T_TEST(sops_yaml_tampered_unencrypted_value)
{
	struct sops_keys *k = test_keys();
	struct err err = ERR_INIT;
	char *bad = strdup(sops_yaml);
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	strstr(bad, "note_unencrypted: hi")[19] = 'o';
	T_TRUE(sops_decrypt_file(&b, k, bad, strlen(bad), SOPS_FORMAT_YAML,
	           &err) == -1);
	T_EQ(err.code, ERR_INVALID);
	T_TRUE(strstr(err.msg, "MAC mismatch") != NULL);
	T_EQ(b.len, 0);
	free(bad);
	buf_release(&b);
	sops_keys_free(k);
}

T_TEST(sops_resource_leaves_plain_objects_alone)
{
	static const char yaml[] = "apiVersion: v1\nkind: Secret\nmetadata:\n"
	                           "  name: s\ndata:\n  a: aGVsbG8=\n"
	                           "  b: not-base64\n";
	struct sops_keys *k = sops_keys_new();
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct buf b;

	buf_init(&b, 4096);
	T_OK(doc_parse_yaml(&d, yaml, strlen(yaml), NULL, &err), &err);
	T_TRUE(!sops_is_encrypted(doc_root(d, 0)));
	T_OK(sops_decrypt_resource(doc_arena(d), doc_root(d, 0), k, &err),
	    &err);
	T_OK(doc_emit_yaml(&b, doc_root(d, 0), &err), &err);
	T_STREQ(b.data,
	    "apiVersion: v1\nkind: Secret\nmetadata:\n  name: s\n"
	    "data:\n  a: aGVsbG8=\n  b: not-base64\n");
	buf_release(&b);
	doc_free(d);
	sops_keys_free(k);
}

T_TEST(sops_pgp_only_file_is_unsupported)
{
	/* metadata only: the PGP recipient is never contacted */
	static const char yaml[] =
	    "a: ENC[AES256_GCM,data:AA==,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA==,"
	    "type:str]\nsops:\n  pgp:\n  - fp: 0123456789ABCDEF\n"
	    "    enc: x\n  lastmodified: '2026-01-01T00:00:00Z'\n"
	    "  mac: ENC[AES256_GCM,data:AA==,iv:AAAA,tag:AAAAAAAAAAAAAAAAAAAAAA"
	    "==,type:str]\n  version: 3.13.3\n";
	struct sops_keys *k = test_keys();
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, 4096);
	T_TRUE(sops_decrypt_file(&b, k, yaml, strlen(yaml), SOPS_FORMAT_YAML,
	           &err) == -1);
	T_EQ(err.code, ERR_UNSUPPORTED);
	T_TRUE(strstr(err.msg, "PGP") != NULL);
	T_EQ(b.len, 0);
	buf_release(&b);
	sops_keys_free(k);
}

T_TEST(sops_empty_key_set_is_err_auth)
{
	struct sops_keys *k = sops_keys_new();
	struct err err = ERR_INIT;
	struct buf b;

	buf_init(&b, 4096);
	T_TRUE(sops_decrypt_file(&b, k, sops_yaml, strlen(sops_yaml),
	           SOPS_FORMAT_YAML, &err) == -1);
	T_EQ(err.code, ERR_AUTH);
	T_TRUE(strstr(err.msg, "failed to get the data key") != NULL);
	T_TRUE(strstr(err.msg, recipient) != NULL);
	buf_release(&b);
	sops_keys_free(k);
}
