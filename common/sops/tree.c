/*
 * The SOPS tree: the data key from the `sops` metadata, then a walk over
 * the document in sops' order that decrypts each ENC[AES256_GCM,...]
 * value (the key path joined with ':' plus ':' is the additional data)
 * and hashes every plaintext value with SHA-512 for the MAC, which is
 * itself an ENC value keyed to `lastmodified`. Which values are
 * encrypted follows the metadata's suffix and regex rules exactly as
 * sops decides them.
 */
#include "sops/sops.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/str.h"
#include "sops/sops_int.h"

/* sops' marker for mac_only_encrypted files, hashed first so the two
 * MAC kinds never collide. */
static const unsigned char mac_only_init[32] = { 0x8a, 0x3f, 0xd2, 0xad, 0x54,
	0xce, 0x66, 0x52, 0x7b, 0x10, 0x34, 0xf3, 0xd1, 0x47, 0xbe, 0x0b, 0x0b,
	0x97, 0x5b, 0x3b, 0xf4, 0x4f, 0x72, 0xc6, 0xfd, 0xad, 0xec, 0x81, 0x76,
	0xf2, 0x7d, 0x69 };

#define MAX_DEPTH 256

struct rules {
	const char *unenc_suffix, *enc_suffix;
	regex_t unenc_re, enc_re;
	bool has_unenc_re, has_enc_re, mac_only_encrypted;
};

struct walk {
	struct arena *a;
	const struct rules *r;
	const unsigned char *key;
	EVP_MD_CTX *md;
	const char *path[MAX_DEPTH];
	size_t pathlen[MAX_DEPTH];
	size_t depth;
	struct buf aad;
};

static const char *
meta_str(const struct doc_node *meta, const char *key)
{
	const struct doc_node *n = doc_map_get(meta, key);

	return n != NULL && n->kind != DOC_NULL ? doc_str(n) : NULL;
}

static int
rule_regex(regex_t *re, bool *has, const char *src, struct err *err)
{
	if (src == NULL || *src == '\0')
		return 0;
	/* Go's RE2 syntax; the patterns sops users write (anchors,
	 * alternation, classes) mean the same in POSIX ERE. */
	if (regcomp(re, src, REG_EXTENDED | REG_NOSUB) != 0)
		return err_set(err, ERR_UNSUPPORTED,
		    "sops metadata: regex '%s' not supported", src);
	*has = true;
	return 0;
}

static void
rules_release(struct rules *r)
{
	if (r->has_unenc_re)
		regfree(&r->unenc_re);
	if (r->has_enc_re)
		regfree(&r->enc_re);
}

static int
rules_init(struct rules *r, const struct doc_node *meta, struct err *err)
{
	const struct doc_node *moe = doc_map_get(meta, "mac_only_encrypted");

	memset(r, 0, sizeof(*r));
	if (meta_str(meta, "unencrypted_comment_regex") != NULL ||
	    meta_str(meta, "encrypted_comment_regex") != NULL)
		return err_set(err, ERR_UNSUPPORTED,
		    "sops metadata: comment regexes are not supported");
	r->unenc_suffix = meta_str(meta, "unencrypted_suffix");
	r->enc_suffix = meta_str(meta, "encrypted_suffix");
	if (r->unenc_suffix != NULL && *r->unenc_suffix == '\0')
		r->unenc_suffix = NULL;
	if (r->enc_suffix != NULL && *r->enc_suffix == '\0')
		r->enc_suffix = NULL;
	/* dotenv and INI keep metadata as strings: "true" counts too */
	r->mac_only_encrypted = moe != NULL && doc_is_scalar(moe) &&
	    (moe->kind == DOC_BOOL || moe->kind == DOC_STR) &&
	    strcasecmp(doc_str(moe), "true") == 0;
	if (rule_regex(&r->unenc_re, &r->has_unenc_re,
	        meta_str(meta, "unencrypted_regex"), err) == -1 ||
	    rule_regex(&r->enc_re, &r->has_enc_re,
	        meta_str(meta, "encrypted_regex"), err) == -1) {
		rules_release(r);
		return -1;
	}
	return 0;
}

static bool
any_key(const struct walk *w, bool (*pred)(const char *, const void *),
    const void *arg)
{
	for (size_t i = 0; i < w->depth; i++)
		if (pred(w->path[i], arg))
			return true;
	return false;
}

static bool
has_suffix(const char *key, const void *suffix)
{
	return str_has_suffix(key, suffix);
}

static bool
matches(const char *key, const void *re)
{
	return regexec(re, key, 0, NULL, 0) == 0;
}

/* sops' shouldBeEncrypted, without the comment rules. */
static bool
should_encrypt(const struct walk *w)
{
	const struct rules *r = w->r;
	bool enc = true;

	if (r->unenc_suffix != NULL && any_key(w, has_suffix, r->unenc_suffix))
		enc = false;
	if (r->enc_suffix != NULL)
		enc = any_key(w, has_suffix, r->enc_suffix);
	if (r->has_unenc_re && any_key(w, matches, &r->unenc_re))
		enc = false;
	if (r->has_enc_re)
		enc = any_key(w, matches, &r->enc_re);
	return enc;
}

/* ---- the MAC's view of a value (sops' ToBytes) ---- */

/* The shortest decimal digits of finite v that read back as v, without
 * trailing zeros, and how many of them stand before the point. */
static size_t
shortest_digits(char digits[32], int *point, double v)
{
	char tmp[64];
	const char *s;
	size_t nd = 0;

	for (int p = 1; p <= 17; p++) {
		(void)snprintf(tmp, sizeof(tmp), "%.*e", p - 1, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	/* tmp is [-]d[.ddd]e±XX */
	for (s = tmp + (tmp[0] == '-'); *s != 'e'; s++)
		if (*s != '.')
			digits[nd++] = *s;
	*point = (int)strtol(s + 1, NULL, 10) + 1;
	while (nd > 1 && digits[nd - 1] == '0')
		nd--;
	return nd;
}

/* Writes nd digits with the point after the first point of them,
 * padding with zeros on either side. */
static void
place_point(struct buf *out, const char *digits, size_t nd, int point)
{
	if (point <= 0) {
		buf_puts(out, "0.");
		for (int i = 0; i < -point; i++)
			buf_putc(out, '0');
		buf_append(out, digits, nd);
		return;
	}
	for (size_t i = 0; i < (size_t)point; i++)
		buf_putc(out, (char)(i < nd ? digits[i] : '0'));
	if ((size_t)point < nd) {
		buf_putc(out, '.');
		buf_append(out, digits + point, nd - (size_t)point);
	}
}

/* Go's strconv.FormatFloat(v, 'f', -1, 64): the shortest digits that
 * read back as v, written without an exponent. */
void
go_format_float(struct buf *out, double v)
{
	char digits[32];
	size_t nd;
	int point;

	if (isnan(v) || isinf(v)) {
		buf_puts(out, isnan(v) ? "NaN" : v > 0 ? "+Inf" : "-Inf");
		return;
	}
	nd = shortest_digits(digits, &point, v);
	if (signbit(v))
		buf_putc(out, '-');
	if (nd == 1 && digits[0] == '0')
		buf_putc(out, '0');
	else
		place_point(out, digits, nd, point);
}

/* Reads 1..max decimal digits at s[*i]; false if there are none. */
static bool
take_digits(unsigned *v, const char *s, size_t n, size_t *i, size_t max)
{
	size_t k = 0;

	*v = 0;
	for (; *i < n && k < max && s[*i] >= '0' && s[*i] <= '9'; (*i)++, k++)
		*v = *v * 10 + (unsigned)(s[*i] - '0');
	return k > 0;
}

static bool
yaml_date(struct buf *out, const char *s, size_t n)
{
	unsigned y, m, d;
	size_t i = 0;

	if (!take_digits(&y, s, n, &i, 4) || i != 4 || i == n || s[i++] != '-')
		return false;
	if (!take_digits(&m, s, n, &i, 2) || i == n || s[i++] != '-')
		return false;
	if (!take_digits(&d, s, n, &i, 2) || i != n || m < 1 || m > 12 ||
	    d < 1 || d > 31)
		return false;
	buf_printf(out, "%04u-%02u-%02uT00:00:00Z", y, m, d);
	return true;
}

/* Appends what sops hashes for a scalar of the given kind and text. */
static int
mac_bytes(struct buf *out, enum doc_kind kind, const char *s, size_t n,
    struct err *err)
{
	struct doc_node tmp = { .kind = (uint8_t)kind };
	int64_t i;
	double d;
	bool b;

	tmp.u.str.ptr = s;
	tmp.u.str.len = n;
	switch (kind) {
	case DOC_INT:
		if (doc_get_int(&i, &tmp, err) == -1)
			return -1;
		buf_printf(out, "%" PRId64, i);
		break;
	case DOC_FLOAT:
		if (doc_get_float(&d, &tmp, err) == -1)
			return -1;
		go_format_float(out, d);
		break;
	case DOC_BOOL:
		if (doc_get_bool(&b, &tmp, err) == -1)
			return -1;
		buf_puts(out, b ? "True" : "False");
		break;
	default:
		buf_append(out, s, n);
	}
	return 0;
}

/* ---- ENC values ---- */

struct enc_value {
	unsigned char *data, *iv, tag[16];
	long data_len, iv_len;
	const char *type;
	size_t type_len;
};

static const char *
find_field(const char *s, size_t n, const char *name)
{
	size_t l = strlen(name);

	for (size_t i = 0; i + l <= n; i++)
		if (memcmp(s + i, name, l) == 0)
			return s + i;
	return NULL;
}

/* Parses ENC[AES256_GCM,data:..,iv:..,tag:..,type:..]; the caller frees
 * v->data and v->iv. */
static int
enc_parse(struct enc_value *v, const char *s, size_t n, struct err *err)
{
	static const char pre[] = "ENC[AES256_GCM,data:";
	const char *iv, *tag, *type, *end = s + n;
	unsigned char tagbuf[32];

	memset(v, 0, sizeof(*v));
	if (n < strlen(pre) || memcmp(s, pre, strlen(pre)) != 0 ||
	    s[n - 1] != ']')
		return err_set(err, ERR_INVALID,
		    "value does not match sops' data format");
	s += strlen(pre);
	end--;
	iv = find_field(s, (size_t)(end - s), ",iv:");
	tag = iv != NULL ? find_field(iv, (size_t)(end - iv), ",tag:") : NULL;
	type = tag != NULL ? find_field(tag, (size_t)(end - tag), ",type:")
	                   : NULL;
	if (type == NULL)
		return err_set(err, ERR_INVALID,
		    "value does not match sops' data format");
	v->data = xmalloc((size_t)(iv - s) / 4 * 3 + 3);
	v->iv = xmalloc((size_t)(tag - iv) / 4 * 3 + 3);
	v->data_len = b64_decode(v->data, s, (size_t)(iv - s), B64_PAD);
	v->iv_len = b64_decode(v->iv, iv + 4, (size_t)(tag - iv - 4), B64_PAD);
	if (v->data_len < 0 || v->iv_len <= 0 ||
	    (size_t)(type - tag - 5) > 24 ||
	    b64_decode(tagbuf, tag + 5, (size_t)(type - tag - 5), B64_PAD) !=
	        16) {
		free(v->data);
		free(v->iv);
		v->data = v->iv = NULL;
		return err_set(err, ERR_INVALID, "malformed base64 in value");
	}
	memcpy(v->tag, tagbuf, 16);
	v->type = type + 6;
	v->type_len = (size_t)(end - v->type);
	return 0;
}

/* Decrypts one ENC value; *plain (arena-owned, NUL-terminated) and its
 * length, and the kind its type names. */
static int
enc_open(char **plain, size_t *plain_len, enum doc_kind *kind, struct arena *a,
    const unsigned char *key, const char *s, size_t n, const char *aad,
    size_t aad_len, struct err *err)
{
	static const struct {
		const char *name;
		enum doc_kind kind;
	} types[] = { { "str", DOC_STR }, { "bytes", DOC_STR },
		{ "int", DOC_INT }, { "float", DOC_FLOAT },
		{ "bool", DOC_BOOL }, { "time", DOC_STR },
		{ "comment", DOC_STR } };
	struct enc_value v;
	size_t i;
	int rc = -1;

	if (enc_parse(&v, s, n, err) == -1)
		return -1;
	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (str_eq_n(v.type, v.type_len, types[i].name))
			break;
	if (i == sizeof(types) / sizeof(types[0])) {
		err_set(err, ERR_INVALID, "unknown datatype '%.*s'",
		    (int)(v.type_len > 16 ? 16 : v.type_len), v.type);
		goto out;
	}
	*plain = arena_alloc(a, (size_t)v.data_len + 1);
	if (crypto_gcm_open((unsigned char *)*plain, key, v.iv,
	        (size_t)v.iv_len, (const unsigned char *)aad, aad_len, v.data,
	        (size_t)v.data_len, v.tag, err) == -1)
		goto out;
	(*plain)[v.data_len] = '\0';
	*plain_len = (size_t)v.data_len;
	*kind = types[i].kind;
	rc = 0;
out:
	free(v.data);
	free(v.iv);
	return rc;
}

/* ---- the walk ---- */

/* Hashes n's value as sops does: unencrypted plain YAML dates as times,
 * everything else as ToBytes() spells it. */
static int
mac_update(struct walk *w, const struct doc_node *n, bool decrypted,
    struct err *err)
{
	struct buf b;
	int rc = 0;

	buf_init(&b, BUF_MAX_DEFAULT);
	if (!(!decrypted && n->kind == DOC_STR && n->style == DOC_STYLE_PLAIN &&
	        yaml_date(&b, n->u.str.ptr, n->u.str.len)))
		rc = mac_bytes(&b, (enum doc_kind)n->kind, n->u.str.ptr,
		    n->u.str.len, err);
	if (rc == 0 && b.len > 0)
		EVP_DigestUpdate(w->md, b.data, b.len);
	buf_release_secret(&b);
	return rc;
}

static void
set_aad(struct walk *w)
{
	buf_reset(&w->aad);
	for (size_t i = 0; i < w->depth; i++) {
		buf_append(&w->aad, w->path[i], w->pathlen[i]);
		buf_putc(&w->aad, ':');
	}
	if (w->depth == 0)
		buf_putc(&w->aad, ':');
}

/* Go's ParseFloat spellings of the non-finite values FormatFloat
 * writes ("+Inf", "-Inf", "NaN"); false for anything else. */
static bool
go_nonfinite(double *d, const char *s)
{
	if (strcasecmp(s, "+inf") == 0 || strcasecmp(s, "inf") == 0 ||
	    strcasecmp(s, "+infinity") == 0 || strcasecmp(s, "infinity") == 0)
		*d = INFINITY;
	else if (strcasecmp(s, "-inf") == 0 || strcasecmp(s, "-infinity") == 0)
		*d = -INFINITY;
	else if (strcasecmp(s, "nan") == 0)
		*d = NAN;
	else
		return false;
	return true;
}

/* sops writes floats without an exponent ("1e21" as 1000...0), which
 * would read back as an int: spell the value as a float again. */
static int
float_text(char **plain, size_t *len, struct arena *a, struct err *err)
{
	struct doc_node t = { .kind = DOC_FLOAT }, *f;
	double d;

	t.u.str.ptr = *plain;
	t.u.str.len = *len;
	if (!go_nonfinite(&d, *plain) && doc_get_float(&d, &t, err) == -1)
		return -1;
	f = doc_new_float(a, d);
	*plain = (char *)(uintptr_t)f->u.str.ptr;
	*len = f->u.str.len;
	return 0;
}

static int
leaf(struct walk *w, struct doc_node *n, struct err *err)
{
	bool enc = should_encrypt(w);
	enum doc_kind kind;
	size_t len;
	char *plain;

	if (n->kind == DOC_NULL)
		return 0; /* sops neither decrypts nor hashes nil */
	if (enc && n->kind != DOC_STR)
		return err_set(err, ERR_INVALID,
		    "expected an encrypted value as string");
	if (enc && n->u.str.len > 0) {
		set_aad(w);
		if (enc_open(&plain, &len, &kind, w->a, w->key, n->u.str.ptr,
		        n->u.str.len, w->aad.data, w->aad.len, err) == -1)
			return -1;
		if (kind == DOC_BOOL) {
			bool b;
			struct doc_node t = { .kind = DOC_BOOL };

			t.u.str.ptr = plain;
			t.u.str.len = len;
			if (doc_get_bool(&b, &t, err) == -1)
				return -1;
		}
		if (kind == DOC_FLOAT &&
		    float_text(&plain, &len, w->a, err) == -1)
			return -1;
		n->kind = (uint8_t)kind;
		n->style = DOC_STYLE_ANY;
		n->tag = NULL;
		n->u.str.ptr = plain;
		n->u.str.len = len;
	}
	if (w->r->mac_only_encrypted && !enc)
		return 0;
	return mac_update(w, n, enc, err);
}

static int
walk_node(struct walk *w, struct doc_node *n, struct err *err)
{
	size_t i;

	switch (n->kind) {
	case DOC_MAP:
		if (w->depth == MAX_DEPTH)
			return err_set(err, ERR_LIMIT, "document too deep");
		for (i = 0; i < n->u.map.n; i++) {
			struct doc_pair *p = &n->u.map.items[i];

			if (!doc_is_scalar(p->key))
				return err_set(err, ERR_INVALID,
				    "non-scalar map key");
			w->path[w->depth] = p->key->u.str.ptr;
			w->pathlen[w->depth++] = p->key->u.str.len;
			if (walk_node(w, p->value, err) == -1)
				return -1;
			w->depth--;
		}
		return 0;
	case DOC_SEQ:
		for (i = 0; i < n->u.seq.n; i++)
			if (walk_node(w, n->u.seq.items[i], err) == -1)
				return -1;
		return 0;
	default:
		return leaf(w, n, err);
	}
}

/* ---- data key ---- */

static void
collect_age(const struct doc_node **list, size_t *n, size_t max,
    const struct doc_node *group)
{
	const struct doc_node *age = doc_map_get(group, "age");

	if (age == NULL || age->kind != DOC_SEQ)
		return;
	for (size_t i = 0; i < age->u.seq.n && *n < max; i++)
		list[(*n)++] = age->u.seq.items[i];
}

static bool
has_other_keys(const struct doc_node *meta)
{
	static const char *const kinds[] = { "pgp", "kms", "gcp_kms",
		"azure_kv", "hc_vault", "hckms" };

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		const struct doc_node *n = doc_map_get(meta, kinds[i]);

		if (n != NULL && n->kind == DOC_SEQ && n->u.seq.n > 0)
			return true;
	}
	return false;
}

/* The age recipients of the file: sops.age, or its one key group. */
static int
recipients(const struct doc_node **list, size_t *n, size_t max,
    const struct doc_node *meta, struct err *err)
{
	const struct doc_node *groups = doc_map_get(meta, "key_groups");
	bool other = has_other_keys(meta);

	*n = 0;
	collect_age(list, n, max, meta);
	if (groups != NULL && groups->kind == DOC_SEQ) {
		if (groups->u.seq.n > 1)
			return err_set(err, ERR_UNSUPPORTED,
			    "sops: Shamir key groups are not supported");
		for (size_t i = 0; i < groups->u.seq.n; i++)
			collect_age(list, n, max, groups->u.seq.items[i]);
	}
	if (*n == 0)
		return err_set(err, other ? ERR_UNSUPPORTED : ERR_INVALID,
		    "sops: no age recipients%s",
		    other ? " (PGP and KMS keys are not supported)"
		          : " in metadata");
	return 0;
}

/* 1 and the data key when one of k's identities opens this recipient's
 * `enc`, 0 when none does, -1 on a malformed data key. */
static int
try_recipient(unsigned char key[SOPS_DATA_KEY_LEN], const struct doc_node *rcp,
    const struct sops_keys *k, struct err *err)
{
	const char *enc = meta_str(rcp, "enc");
	struct buf out;
	int rc = 0;

	if (enc == NULL)
		return 0;
	buf_init(&out, 1024);
	if (sops_age_decrypt(&out, k, enc, strlen(enc), err) == -1) {
		err_reset(err); /* not ours, or damaged: try the next one */
	} else if (out.len != SOPS_DATA_KEY_LEN) {
		rc = err_set(err, ERR_INVALID, "sops: data key of %zu bytes",
		    out.len);
	} else {
		memcpy(key, out.data, SOPS_DATA_KEY_LEN);
		rc = 1;
	}
	buf_release_secret(&out);
	return rc;
}

static int
data_key(unsigned char key[SOPS_DATA_KEY_LEN], const struct doc_node *meta,
    const struct sops_keys *k, struct err *err)
{
	const struct doc_node *list[64];
	struct buf names;
	size_t n;
	int rc;

	if (recipients(list, &n, 64, meta, err) == -1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if ((rc = try_recipient(key, list[i], k, err)) != 0)
			return rc == 1 ? 0 : -1;
	buf_init(&names, 4096);
	for (size_t i = 0; i < n; i++) {
		const char *r = meta_str(list[i], "recipient");

		buf_printf(&names, "%s'%s'", i ? ", " : "", r ? r : "?");
	}
	err_set(err, ERR_AUTH,
	    "failed to get the data key required to decrypt the SOPS file: "
	    "no age identity (of %zu) matches the recipients %s",
	    k->n_age, names.data ? names.data : "");
	buf_release(&names);
	return -1;
}

/* ---- entry point ---- */

static int
verify_mac(struct walk *w, const struct doc_node *meta, const char *hex,
    struct err *err)
{
	const char *mac = meta_str(meta, "mac"), *lm;
	enum doc_kind kind;
	size_t len;
	char *plain;

	lm = meta_str(meta, "lastmodified");
	if (mac == NULL || *mac == '\0' || lm == NULL)
		return err_set(err, ERR_INVALID,
		    "MAC mismatch: no MAC in file");
	if (enc_open(&plain, &len, &kind, w->a, w->key, mac, strlen(mac), lm,
	        strlen(lm), err) == -1)
		return err_wrap(err, "sops MAC");
	if (len != strlen(hex) || CRYPTO_memcmp(plain, hex, len) != 0)
		return err_set(err, ERR_INVALID,
		    "MAC mismatch: file has '%.*s', computed '%s'",
		    (int)(len > 128 ? 128 : len), plain, hex);
	return 0;
}

int
sops_tree_decrypt(struct arena *a, struct doc_node *const *branches,
    size_t n_branches, const struct doc_node *meta, const struct sops_keys *k,
    bool check_mac, struct err *err)
{
	unsigned char key[SOPS_DATA_KEY_LEN], md[64];
	char hex[129];
	struct rules r;
	struct walk *w;
	unsigned int mdlen = 0;
	int rc = -1;

	if (meta == NULL || meta->kind != DOC_MAP)
		return err_set(err, ERR_INVALID, "sops metadata is not a map");
	if (rules_init(&r, meta, err) == -1)
		return -1;
	if (data_key(key, meta, k, err) == -1) {
		rules_release(&r);
		return -1;
	}
	w = xcalloc(1, sizeof(*w));
	w->a = a;
	w->r = &r;
	w->key = key;
	w->md = EVP_MD_CTX_new();
	buf_init(&w->aad, BUF_MAX_DEFAULT);
	if (w->md == NULL || EVP_DigestInit_ex(w->md, EVP_sha512(), NULL) != 1)
		BUG("sha512 unavailable");
	if (r.mac_only_encrypted)
		EVP_DigestUpdate(w->md, mac_only_init, sizeof(mac_only_init));
	for (size_t i = 0; i < n_branches; i++)
		if (walk_node(w, branches[i], err) == -1) {
			err_wrap(err, "decrypt '%s'",
			    w->aad.data ? w->aad.data : "");
			goto out;
		}
	EVP_DigestFinal_ex(w->md, md, &mdlen);
	for (unsigned i = 0; i < mdlen; i++)
		(void)snprintf(hex + (size_t)2 * i, 3, "%02X", md[i]);
	if (check_mac && verify_mac(w, meta, hex, err) == -1)
		goto out;
	rc = 0;
out:
	OPENSSL_cleanse(key, sizeof(key));
	EVP_MD_CTX_free(w->md);
	buf_release(&w->aad);
	free(w);
	rules_release(&r);
	return rc;
}
