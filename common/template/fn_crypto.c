/*
 * Sprig's crypto functions over OpenSSL: encryptAES/decryptAES (AES-256
 * CBC, key zero-padded to 32 bytes, random IV in front, base64), private
 * keys in the PEM forms Go writes, certificate authorities and
 * certificates (RSA 2048, random 128-bit serials, Sprig's key usages),
 * bcrypt and htpasswd through libcrypt, randBytes, and derivePassword
 * (scrypt and HMAC-SHA256, as Sprig's Master Password scheme). Results
 * but derivePassword's are random by nature; tests check their shape.
 */
#include "template/tmpl_int.h"

#include <crypt.h>
#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#define STR(c, k) ((c)->argv[k].u.s)

/* What the dear functions count against max_steps (100M by default,
 * some ten seconds of template work): about their time in steps. */
#define COST_RSA4096 20000000 /* genPrivateKey "rsa" */
#define COST_KEY     1000000  /* an RSA 2048 or EC key, once used */
#define COST_SCRYPT  1000000  /* derivePassword: 32 MiB scrypt */
#define COST_BCRYPT  1000000  /* bcrypt, htpasswd: cost 10 */

static int
ssl_err(struct err *err, const char *what)
{
	return err_set(err, ERR_INTERNAL, "%s failed", what);
}

/* ---- AES ----------------------------------------------------------------- */

static void
aes_key(unsigned char key[32], const struct tmpl_val *pw)
{
	memset(key, 0, 32);
	memcpy(key, pw->u.s.p, pw->u.s.n < 32 ? pw->u.s.n : 32);
}

static int
aes_cbc(unsigned char *out, const unsigned char *in, size_t n,
    const unsigned char key[32], const unsigned char iv[16], bool enc)
{
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int len = 0, ok;

	ok = ctx != NULL &&
	    EVP_CipherInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv, enc) ==
	        1 &&
	    EVP_CIPHER_CTX_set_padding(ctx, 0) == 1 &&
	    EVP_CipherUpdate(ctx, out, &len, in, (int)n) == 1;
	EVP_CIPHER_CTX_free(ctx);
	return ok ? 0 : -1;
}

static int
fn_encrypt_aes(struct tmpl_val *out, struct call *c, struct err *err)
{
	size_t n = STR(c, 1).n, pad = 16 - n % 16, total = 16 + n + pad;
	unsigned char key[32], *buf;
	int len;

	if (n == 0) {
		*out = tmpl_str("", 0);
		return 0;
	}
	aes_key(key, &c->argv[0]);
	buf = arena_alloc(c->a, total + n + pad);
	memcpy(buf + total, STR(c, 1).p, n);
	memset(buf + total + n, (int)pad, pad);
	if (RAND_bytes(buf, 16) != 1 ||
	    aes_cbc(buf + 16, buf + total, n + pad, key, buf, true) == -1)
		return ssl_err(err, "encryptAES");
	{
		char *b64 = arena_alloc(c->a, 4 * ((total + 2) / 3) + 1);

		len = EVP_EncodeBlock((unsigned char *)b64, buf, (int)total);
		*out = tmpl_str(b64, (size_t)len);
	}
	return 0;
}

static int
fn_decrypt_aes(struct tmpl_val *out, struct call *c, struct err *err)
{
	size_t n = STR(c, 1).n, dn;
	unsigned char key[32], *raw, *plain;
	int len;

	if (n == 0) {
		*out = tmpl_str("", 0);
		return 0;
	}
	raw = arena_alloc(c->a, n + 1);
	len = EVP_DecodeBlock(raw, (const unsigned char *)STR(c, 1).p, (int)n);
	if (len < 0 || n % 4 != 0)
		return err_set(err, ERR_INVALID, "illegal base64 data");
	len -= (int)(STR(c, 1).p[n - 1] == '=') +
	    (int)(STR(c, 1).p[n - 2] == '=');
	if (len < 32 || (len - 16) % 16 != 0)
		return err_set(err, ERR_INVALID,
		    "crypto/cipher: input not full blocks");
	dn = (size_t)len - 16;
	plain = arena_alloc(c->a, dn + 1);
	aes_key(key, &c->argv[0]);
	if (aes_cbc(plain, raw + 16, dn, key, raw, false) == -1)
		return ssl_err(err, "decryptAES");
	if (plain[dn - 1] > dn)
		return err_set(err, ERR_INVALID,
		    "runtime error: slice bounds out of range");
	*out = tmpl_str((const char *)plain, dn - plain[dn - 1]);
	return 0;
}

/* ---- keys and certificates ----------------------------------------------- */

static struct tmpl_val
bio_string(struct arena *a, BIO *bio)
{
	char *p = NULL;
	long n = BIO_get_mem_data(bio, &p);

	return tmpl_str_dup(a, p, n > 0 ? (size_t)n : 0);
}

static EVP_PKEY *
new_key(const char *type, size_t n)
{
	if (n == 3 && memcmp(type, "rsa", 3) == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)4096);
	if (n == 5 && memcmp(type, "ecdsa", 5) == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	if (n == 7 && memcmp(type, "ed25519", 7) == 0)
		return EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return NULL;
}

/* PKCS#1 for RSA and SEC 1 for EC ("traditional"), PKCS#8 else. */
static int
key_pem(struct tmpl_val *out, struct arena *a, EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	int ok;

	if (bio == NULL)
		return -1;
	if (EVP_PKEY_get_base_id(k) == EVP_PKEY_ED25519)
		ok = PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL,
		    NULL);
	else
		ok = PEM_write_bio_PrivateKey_traditional(bio, k, NULL, NULL, 0,
		    NULL, NULL);
	if (ok == 1)
		*out = bio_string(a, bio);
	BIO_free(bio);
	return ok == 1 ? 0 : -1;
}

static int
fn_gen_private_key(struct tmpl_val *out, struct call *c, struct err *err)
{
	EVP_PKEY *k;
	int rv;

	if (exec_charge(c,
	        STR(c, 0).n == 3 && memcmp(STR(c, 0).p, "rsa", 3) == 0
	            ? COST_RSA4096
	            : COST_KEY,
	        err) == -1)
		return -1;
	k = new_key(STR(c, 0).p, STR(c, 0).n);
	if (k == NULL) {
		*out = val_printf(c->a, "Unknown type %.*s", (int)STR(c, 0).n,
		    STR(c, 0).p);
		return 0;
	}
	rv = key_pem(out, c->a, k);
	EVP_PKEY_free(k);
	return rv == -1 ? ssl_err(err, "genPrivateKey") : 0;
}

static int
add_ext(X509 *x, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int ok;

	X509V3_set_ctx(&ctx, issuer, x, NULL, NULL, 0);
	ext = X509V3_EXT_conf_nid(NULL, &ctx, nid, value);
	if (ext == NULL)
		return -1;
	ok = X509_add_ext(x, ext, -1);
	X509_EXTENSION_free(ext);
	return ok == 1 ? 0 : -1;
}

/* "DNS:a,IP:1.2.3.4" from Sprig's ips and dns lists. */
static void
alt_names(struct buf *b, const struct tmpl_val *ips, const struct tmpl_val *dns)
{
	const struct tmpl_val *lists[2] = { ips, dns };

	for (int k = 0; k < 2; k++) {
		if (lists[k] == NULL || lists[k]->kind != TMPL_LIST)
			continue;
		for (size_t i = 0; i < lists[k]->u.l->n; i++) {
			const struct tmpl_val *v = &lists[k]->u.l->items[i];

			if (v->kind != TMPL_STR)
				continue;
			buf_printf(b, "%s%s:%.*s", b->len > 0 ? "," : "",
			    k == 0 ? "IP" : "DNS", (int)v->u.s.n, v->u.s.p);
		}
	}
}

struct cert_req {
	const struct tmpl_val *cn, *ips, *dns;
	int64_t days;
	bool ca;
};

static X509 *
make_cert(const struct cert_req *r, EVP_PKEY *key, X509 *issuer,
    EVP_PKEY *issuer_key)
{
	X509 *x = X509_new();
	BIGNUM *serial = BN_new();
	struct buf san;
	char cn[256];
	bool ok;

	(void)snprintf(cn, sizeof(cn), "%.*s", (int)r->cn->u.s.n, r->cn->u.s.p);
	buf_init(&san, 1 << 16);
	alt_names(&san, r->ips, r->dns);
	ok = x != NULL && serial != NULL && BN_rand(serial, 128, -1, 0) == 1 &&
	    BN_to_ASN1_INTEGER(serial, X509_get_serialNumber(x)) != NULL &&
	    X509_set_version(x, 2) == 1 &&
	    X509_gmtime_adj(X509_getm_notBefore(x), 0) != NULL &&
	    X509_gmtime_adj(X509_getm_notAfter(x), (long)r->days * 86400) !=
	        NULL &&
	    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN",
	        MBSTRING_UTF8, (const unsigned char *)cn, -1, -1, 0) == 1 &&
	    X509_set_issuer_name(x,
	        X509_get_subject_name(issuer != NULL ? issuer : x)) == 1 &&
	    X509_set_pubkey(x, key) == 1 &&
	    add_ext(x, issuer, NID_basic_constraints,
	        r->ca ? "critical,CA:TRUE" : "critical,CA:FALSE") == 0 &&
	    add_ext(x, issuer, NID_key_usage,
	        r->ca ? "critical,keyEncipherment,digitalSignature,keyCertSign"
	              : "critical,keyEncipherment,digitalSignature") == 0 &&
	    add_ext(x, issuer, NID_ext_key_usage, "serverAuth,clientAuth") ==
	        0 &&
	    (san.len == 0 ||
	        add_ext(x, issuer, NID_subject_alt_name, san.data) == 0) &&
	    X509_sign(x, issuer_key != NULL ? issuer_key : key, EVP_sha256()) >
	        0;
	buf_release(&san);
	BN_free(serial);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int
cert_value(struct tmpl_val *out, struct arena *a, X509 *x, EVP_PKEY *k)
{
	BIO *bio = BIO_new(BIO_s_mem());
	struct tmpl_val key;

	if (bio == NULL || PEM_write_bio_X509(bio, x) != 1 ||
	    key_pem(&key, a, k) == -1) {
		BIO_free(bio);
		return -1;
	}
	*out = tmpl_map_new(a, 2);
	tmpl_map_set(a, out->u.m, "Cert", 4, bio_string(a, bio));
	tmpl_map_set(a, out->u.m, "Key", 3, key);
	BIO_free(bio);
	return 0;
}

/* A PEM string field of the ca value ("Cert", "Key") as a memory BIO. */
static BIO *
pem_field(const struct tmpl_val *ca, const char *key)
{
	const struct tmpl_val *v = ca->kind == TMPL_MAP
	    ? tmpl_map_find(ca->u.m, key, strlen(key))
	    : NULL;

	if (v == NULL || v->kind != TMPL_STR)
		return NULL;
	return BIO_new_mem_buf(v->u.s.p, (int)v->u.s.n);
}

/* The signing certificate and key of a genCA result. */
static int
load_issuer(X509 **issuer, EVP_PKEY **ikey, const struct tmpl_val *ca,
    struct err *err)
{
	BIO *cb = pem_field(ca, "Cert"), *kb = pem_field(ca, "Key");

	*issuer = cb != NULL ? PEM_read_bio_X509(cb, NULL, NULL, NULL) : NULL;
	*ikey = kb != NULL ? PEM_read_bio_PrivateKey(kb, NULL, NULL, NULL)
	                   : NULL;
	BIO_free(cb);
	BIO_free(kb);
	if (*issuer == NULL || *ikey == NULL)
		return err_set(err, ERR_INVALID,
		    "unable to decode certificate");
	return 0;
}

/* genCA, genSelfSignedCert, genSignedCert: {Cert, Key} in a. */
static int
gen_cert(struct tmpl_val *out, struct arena *a, const struct cert_req *r,
    const struct tmpl_val *ca, struct err *err)
{
	EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
	EVP_PKEY *ikey = NULL;
	X509 *issuer = NULL, *x = NULL;
	int rv = -1;

	if (ca != NULL && load_issuer(&issuer, &ikey, ca, err) == -1)
		goto out;
	if (key == NULL || (x = make_cert(r, key, issuer, ikey)) == NULL ||
	    cert_value(out, a, x, key) == -1) {
		ssl_err(err, "certificate generation");
		goto out;
	}
	rv = 0;
out:
	X509_free(x);
	X509_free(issuer);
	EVP_PKEY_free(key);
	EVP_PKEY_free(ikey);
	return rv;
}

/*
 * genCA and the gen*Cert functions return a certificate whose key is made
 * the first time Cert or Key is read (or it is printed): RSA keys are
 * slow to make, and charts often make one they never use. The result is
 * random either way, so nobody can tell when it was made.
 */
struct lazy_cert {
	struct arena *a;
	struct tmpl_val cn, ips, dns, ca; /* ca is nil for genCA */
	int64_t days;
	bool is_ca, done, failed;
	struct tmpl_val value; /* {Cert, Key} once made */
	char errmsg[ERR_MSG_MAX];
};

static const struct tmpl_class cert_class;

static int
lazy_make(struct lazy_cert *lc, struct err *err)
{
	struct cert_req r = { &lc->cn, &lc->ips, &lc->dns, lc->days,
		lc->is_ca };
	struct tmpl_val ca = lc->ca;

	if (lc->failed)
		return err_set(err, ERR_INVALID, "%s", lc->errmsg);
	if (lc->done)
		return 0;
	if (ca.kind == TMPL_OBJ && ca.u.o->cls == &cert_class) {
		struct lazy_cert *parent = ca.u.o->data;

		if (lazy_make(parent, err) == -1)
			return -1;
		ca = parent->value;
	}
	if (gen_cert(&lc->value, lc->a, &r,
	        lc->ca.kind == TMPL_NIL ? NULL : &ca, err) == -1) {
		lc->failed = true;
		(void)snprintf(lc->errmsg, sizeof(lc->errmsg), "%s", err->msg);
		return -1;
	}
	lc->done = true;
	return 0;
}

static int
cert_member(struct tmpl_val *out, const struct tmpl_obj *o, const char *name,
    size_t n, size_t argc, const struct tmpl_val *argv, struct arena *a,
    struct err *err)
{
	struct lazy_cert *lc = o->data;
	const struct tmpl_val *v;

	(void)argv;
	(void)a;
	if (argc != 0 ||
	    !((n == 4 && memcmp(name, "Cert", 4) == 0) ||
	        (n == 3 && memcmp(name, "Key", 3) == 0)))
		return 1;
	if (lazy_make(lc, err) == -1)
		return -1;
	v = tmpl_map_find(lc->value.u.m, name, n);
	*out = v != NULL ? *v : tmpl_str("", 0);
	return 0;
}

static void
cert_plain(struct tmpl_val *out, const struct tmpl_obj *o, struct arena *a)
{
	struct lazy_cert *lc = o->data;
	struct err err = ERR_INIT;

	(void)a;
	*out = lazy_make(lc, &err) == 0 ? lc->value : tmpl_map_new(lc->a, 0);
}

/* Go prints the struct as {Cert Key}. */
static void
cert_print(struct buf *b, const struct tmpl_obj *o)
{
	struct lazy_cert *lc = o->data;
	struct err err = ERR_INIT;
	const struct tmpl_val *c, *k;

	if (lazy_make(lc, &err) == -1) {
		buf_puts(b, "{ }");
		return;
	}
	c = tmpl_map_find(lc->value.u.m, "Cert", 4);
	k = tmpl_map_find(lc->value.u.m, "Key", 3);
	buf_putc(b, '{');
	buf_append(b, c->u.s.p, c->u.s.n);
	buf_putc(b, ' ');
	buf_append(b, k->u.s.p, k->u.s.n);
	buf_putc(b, '}');
}

static const struct tmpl_class cert_class = {
	.type_name = "sprig.certificate",
	.kind_name = "struct",
	.member = cert_member,
	.plain = cert_plain,
	.print = cert_print,
};

static struct tmpl_val
lazy_new(struct call *c, const struct tmpl_val *cn, const struct tmpl_val *ips,
    const struct tmpl_val *dns, int64_t days, const struct tmpl_val *ca)
{
	struct lazy_cert *lc = arena_calloc(c->a, 1, sizeof(*lc));

	lc->a = c->a;
	lc->cn = *cn;
	lc->ips = ips != NULL ? *ips : tmpl_nil();
	lc->dns = dns != NULL ? *dns : tmpl_nil();
	lc->ca = ca != NULL ? *ca : tmpl_nil();
	lc->days = days;
	lc->is_ca = ca == NULL && ips == NULL;
	return tmpl_obj_new(c->a, &cert_class, lc);
}

static int
fn_gen_ca(struct tmpl_val *out, struct call *c, struct err *err)
{
	if (exec_charge(c, COST_KEY, err) == -1)
		return -1;
	*out = lazy_new(c, &c->argv[0], NULL, NULL, c->argv[1].u.i, NULL);
	return 0;
}

static int
fn_gen_self_signed(struct tmpl_val *out, struct call *c, struct err *err)
{
	if (exec_charge(c, COST_KEY, err) == -1)
		return -1;
	*out = lazy_new(c, &c->argv[0], &c->argv[1], &c->argv[2],
	    c->argv[3].u.i, NULL);
	return 0;
}

static int
fn_gen_signed(struct tmpl_val *out, struct call *c, struct err *err)
{
	if (exec_charge(c, COST_KEY, err) == -1)
		return -1;
	*out = lazy_new(c, &c->argv[0], &c->argv[1], &c->argv[2],
	    c->argv[3].u.i, &c->argv[4]);
	return 0;
}

/* ---- passwords ----------------------------------------------------------- */

static int
bcrypt_hash(struct tmpl_val *out, struct call *c, const struct tmpl_val *pw,
    struct err *err)
{
	char setting[CRYPT_GENSALT_OUTPUT_SIZE];
	struct crypt_data cd;
	char *pass;
	char *h;

	if (exec_charge(c, COST_BCRYPT, err) == -1)
		return -1;
	pass = val_cstr(c->a, pw);
	memset(&cd, 0, sizeof(cd));
	if (crypt_gensalt_rn("$2a$", 10, NULL, 0, setting, sizeof(setting)) ==
	        NULL ||
	    (h = crypt_r(pass, setting, &cd)) == NULL || h[0] == '*')
		return ssl_err(err, "bcrypt");
	*out = tmpl_str_dup(c->a, h, strlen(h));
	return 0;
}

static int
fn_bcrypt(struct tmpl_val *out, struct call *c, struct err *err)
{
	return bcrypt_hash(out, c, &c->argv[0], err);
}

static int
fn_htpasswd(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val h;

	if (memchr(STR(c, 0).p, ':', STR(c, 0).n) != NULL) {
		*out = val_printf(c->a, "invalid username: %.*s",
		    (int)STR(c, 0).n, STR(c, 0).p);
		return 0;
	}
	if (bcrypt_hash(&h, c, &c->argv[1], err) == -1)
		return -1;
	*out = val_printf(c->a, "%.*s:%.*s", (int)STR(c, 0).n, STR(c, 0).p,
	    (int)h.u.s.n, h.u.s.p);
	return 0;
}

static int
fn_rand_bytes(struct tmpl_val *out, struct call *c, struct err *err)
{
	int64_t n = c->argv[0].u.i;
	unsigned char *raw;
	char *b64;
	int len;

	if (n < 0 || n > 1 << 20)
		return err_set(err, ERR_INVALID, "bad count %lld",
		    (long long)n);
	raw = arena_alloc(c->a, (size_t)n + 1);
	exec_random(c->s->x, raw, (size_t)n);
	b64 = arena_alloc(c->a, 4 * (((size_t)n + 2) / 3) + 1);
	len = EVP_EncodeBlock((unsigned char *)b64, raw, (int)n);
	*out = tmpl_str(b64, (size_t)len);
	return 0;
}

/* ---- derivePassword (the Master Password algorithm) --------------------- */

struct pw_kind {
	const char *name;
	const char *const *templates;
	size_t n;
};

static const char *const pw_maximum[] = { "anoxxxxxxxxxxxxxxxxx",
	"axxxxxxxxxxxxxxxxxno" };
static const char *const pw_long[] = { "CvcvnoCvcvCvcv", "CvcvCvcvnoCvcv",
	"CvcvCvcvCvcvno", "CvccnoCvcvCvcv", "CvccCvcvnoCvcv", "CvccCvcvCvcvno",
	"CvcvnoCvccCvcv", "CvcvCvccnoCvcv", "CvcvCvccCvcvno", "CvcvnoCvcvCvcc",
	"CvcvCvcvnoCvcc", "CvcvCvcvCvccno", "CvccnoCvccCvcv", "CvccCvccnoCvcv",
	"CvccCvccCvcvno", "CvcvnoCvccCvcc", "CvcvCvccnoCvcc", "CvcvCvccCvccno",
	"CvccnoCvcvCvcc", "CvccCvcvnoCvcc", "CvccCvcvCvccno" };
static const char *const pw_medium[] = { "CvcnoCvc", "CvcCvcno" };
static const char *const pw_short[] = { "Cvcn" };
static const char *const pw_basic[] = { "aaanaaan", "aannaaan", "aaannaaa" };
static const char *const pw_pin[] = { "nnnn" };

#define PW_N(t) (sizeof(t) / sizeof((t)[0]))

static const struct pw_kind pw_kinds[] = {
	{ "basic", pw_basic, PW_N(pw_basic) },
	{ "long", pw_long, PW_N(pw_long) },
	{ "maximum", pw_maximum, PW_N(pw_maximum) },
	{ "medium", pw_medium, PW_N(pw_medium) },
	{ "pin", pw_pin, PW_N(pw_pin) },
	{ "short", pw_short, PW_N(pw_short) },
};

/* The characters a template letter stands for. */
static const char *
pw_chars(char t)
{
	switch (t) {
	case 'V':
		return "AEIOU";
	case 'C':
		return "BCDFGHJKLMNPQRSTVWXYZ";
	case 'v':
		return "aeiou";
	case 'c':
		return "bcdfghjklmnpqrstvwxyz";
	case 'A':
		return "AEIOUBCDFGHJKLMNPQRSTVWXYZ";
	case 'a':
		return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz";
	case 'n':
		return "0123456789";
	case 'o':
		return "@&%?,=[]_:-+*$#!'^~;()/.";
	default: /* 'x' */
		return "AEIOUaeiouBCDFGHJKLMNPQRSTVWXYZbcdfghjklmnpqrstvwxyz"
		       "0123456789!@#$%^&*()";
	}
}

/* seed || big-endian 32-bit length of s || s, into b. */
static void
pw_scope(struct buf *b, const char *p, size_t n)
{
	unsigned char len[4] = { (unsigned char)(n >> 24),
		(unsigned char)(n >> 16), (unsigned char)(n >> 8),
		(unsigned char)n };

	buf_reset(b);
	buf_puts(b, "com.lyndir.masterpassword");
	buf_append(b, (const char *)len, 4);
	buf_append(b, p, n);
}

/* The site seed: HMAC-SHA256 under the scrypt key of the password. */
static int
pw_seed(unsigned char seed[32], struct call *c, struct err *err)
{
	unsigned char key[64], counter[4];
	uint32_t k = (uint32_t)c->argv[0].u.i;
	unsigned int len = 32;
	struct buf b;
	int ok;

	buf_init(&b, 256);
	pw_scope(&b, STR(c, 3).p, STR(c, 3).n);
	ok = EVP_PBE_scrypt(STR(c, 2).p, STR(c, 2).n,
	    (const unsigned char *)b.data, b.len, 32768, 8, 2,
	    (uint64_t)64 << 20, key, sizeof(key));
	pw_scope(&b, STR(c, 4).p, STR(c, 4).n);
	counter[0] = (unsigned char)(k >> 24);
	counter[1] = (unsigned char)(k >> 16);
	counter[2] = (unsigned char)(k >> 8);
	counter[3] = (unsigned char)k;
	buf_append(&b, (const char *)counter, 4);
	if (ok == 1)
		ok = HMAC(EVP_sha256(), key, sizeof(key),
		         (const unsigned char *)b.data, b.len, seed,
		         &len) != NULL;
	buf_release(&b);
	return ok == 1 ? 0 : ssl_err(err, "derivePassword");
}

static int
fn_derive_password(struct tmpl_val *out, struct call *c, struct err *err)
{
	const struct pw_kind *kind = NULL;
	unsigned char seed[32];
	const char *t;
	char *pw;
	size_t n;

	for (size_t i = 0; i < sizeof(pw_kinds) / sizeof(pw_kinds[0]); i++)
		if (strlen(pw_kinds[i].name) == STR(c, 1).n &&
		    memcmp(pw_kinds[i].name, STR(c, 1).p, STR(c, 1).n) == 0)
			kind = &pw_kinds[i];
	if (kind == NULL) {
		*out = val_printf(c->a, "cannot find password template %.*s",
		    (int)STR(c, 1).n, STR(c, 1).p);
		return 0;
	}
	if (exec_charge(c, COST_SCRYPT, err) == -1 ||
	    pw_seed(seed, c, err) == -1)
		return -1;
	t = kind->templates[seed[0] % kind->n];
	n = strlen(t);
	pw = arena_alloc(c->a, n + 1);
	for (size_t i = 0; i < n; i++) {
		const char *chars = pw_chars(t[i]);

		pw[i] = chars[seed[i + 1] % strlen(chars)];
	}
	*out = tmpl_str(pw, n);
	return 0;
}

static const struct tmpl_func fns[] = {
	{ "bcrypt", "s", fn_bcrypt, 0 },
	{ "decryptAES", "ss", fn_decrypt_aes, 0 },
	{ "derivePassword", "ussss", fn_derive_password, 0 },
	{ "encryptAES", "ss", fn_encrypt_aes, 0 },
	{ "genCA", "si", fn_gen_ca, 0 },
	{ "genPrivateKey", "s", fn_gen_private_key, 0 },
	{ "genSelfSignedCert", "slli", fn_gen_self_signed, 0 },
	{ "genSignedCert", "sllia", fn_gen_signed, 0 },
	{ "htpasswd", "ss", fn_htpasswd, 0 },
	{ "randBytes", "i", fn_rand_bytes, 0 },
};

const struct func_table fn_crypto_table = { fns, sizeof(fns) / sizeof(fns[0]) };
