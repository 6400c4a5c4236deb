/*
 * Who we are and whom we trust, for libgit2's callbacks: credentials from
 * the GitRepository's secret (offered once each, because libgit2 asks
 * again after every rejection until the server hangs up), TLS
 * certificates checked against the secret's ca.crt when the system store
 * does not trust them, and SSH host keys checked against its known_hosts
 * (required, as in Flux: an unknown key is refused, never learned).
 */
#include "git_int.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"

#define CRED_CALLS_MAX 4

static bool
has(const char *s)
{
	return s != NULL && s[0] != '\0';
}

static int
refuse(struct gitctx *ctx, enum gitctx_fail why, const char *msg)
{
	ctx->fail = why;
	(void)snprintf(ctx->fail_msg, sizeof(ctx->fail_msg), "%s", msg);
	git_error_set_str(GIT_ERROR_CALLBACK, msg);
	return why == GITCTX_AUTH_REFUSED || why == GITCTX_AUTH_MISSING
	    ? GIT_EAUTH
	    : GIT_ECERTIFICATE;
}

int
gitauth_credentials(git_credential **out, const char *url,
    const char *username_from_url, unsigned int allowed_types, void *payload)
{
	struct gitctx *ctx = payload;
	const struct checkout_auth *a = &ctx->opts->auth;
	const char *user = has(username_from_url) ? username_from_url
	    : has(a->username)                    ? a->username
	                                          : "git";

	(void)url;
	/* libgit2 asks again after each rejection: a repeat is a refusal */
	if (++ctx->cred_calls > CRED_CALLS_MAX)
		return refuse(ctx, GITCTX_AUTH_REFUSED,
		    "authentication failed: credentials were rejected");
	if ((allowed_types & GIT_CREDENTIAL_SSH_KEY) != 0 && has(a->identity)) {
		if (ctx->cred_calls > 2)
			return refuse(ctx, GITCTX_AUTH_REFUSED,
			    "authentication failed: the SSH key was rejected");
		return git_credential_ssh_key_memory_new(out, user, NULL,
		    a->identity, has(a->passphrase) ? a->passphrase : NULL);
	}
	if ((allowed_types & GIT_CREDENTIAL_USERNAME) != 0)
		return git_credential_username_new(out, user);
	if ((allowed_types & GIT_CREDENTIAL_USERPASS_PLAINTEXT) != 0 &&
	    has(a->username)) {
		if (ctx->cred_calls > 1)
			return refuse(ctx, GITCTX_AUTH_REFUSED,
			    "authentication failed: username or password rejected");
		return git_credential_userpass_plaintext_new(out, a->username,
		    a->password != NULL ? a->password : "");
	}
	return refuse(ctx, GITCTX_AUTH_MISSING,
	    (allowed_types & GIT_CREDENTIAL_SSH_KEY) != 0
	        ? "authentication required: no SSH identity in the secret"
	        : "authentication required: no username and password in the secret");
}

/* Reads every certificate of a PEM bundle into a new store. */
static X509_STORE *
store_from_pem(const char *pem)
{
	BIO *bio = BIO_new_mem_buf(pem, -1);
	X509_STORE *store = X509_STORE_new();
	X509 *x;
	int n = 0;

	if (bio == NULL || store == NULL)
		BUG("OpenSSL: out of memory");
	while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
		n += X509_STORE_add_cert(store, x) == 1;
		X509_free(x);
	}
	BIO_free(bio);
	if (n == 0) {
		X509_STORE_free(store);
		return NULL;
	}
	return store;
}

/* Verifies the server's certificate (DER) for host against ca_pem. A
 * partial chain is enough: ca.crt may hold an intermediate. */
static bool
x509_trusted(const char *ca_pem, const unsigned char *der, size_t len,
    const char *host)
{
	X509_STORE *store = store_from_pem(ca_pem);
	X509 *leaf = d2i_X509(NULL, &der, (long)len);
	X509_STORE_CTX *sc = X509_STORE_CTX_new();
	X509_VERIFY_PARAM *param;
	bool ok = false;

	if (store != NULL && leaf != NULL && sc != NULL &&
	    X509_STORE_CTX_init(sc, store, leaf, NULL) == 1) {
		param = X509_STORE_CTX_get0_param(sc);
		X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
		X509_STORE_CTX_set_purpose(sc, X509_PURPOSE_SSL_SERVER);
		if (X509_VERIFY_PARAM_set1_ip_asc(param, host) != 1)
			X509_VERIFY_PARAM_set1_host(param, host, 0);
		ok = X509_verify_cert(sc) == 1;
	}
	X509_STORE_CTX_free(sc);
	X509_free(leaf);
	X509_STORE_free(store);
	return ok;
}

static int
check_x509(struct gitctx *ctx, const git_cert_x509 *cert, int valid,
    const char *host)
{
	const char *ca = ctx->opts->auth.ca_pem;
	char msg[320];

	if (valid != 0)
		return 0;
	if (has(ca) && x509_trusted(ca, cert->data, cert->len, host))
		return 0;
	(void)snprintf(msg, sizeof(msg),
	    "TLS certificate of '%s' is not trusted%s", host,
	    has(ca) ? " by the system or the secret's ca.crt"
	            : " (no ca.crt in the secret)");
	return refuse(ctx, GITCTX_CERT_UNTRUSTED, msg);
}

static int
check_hostkey(struct gitctx *ctx, const git_cert_hostkey *hk)
{
	const char *kh = ctx->opts->auth.known_hosts;
	char msg[400];

	if (!has(kh))
		return refuse(ctx, GITCTX_NO_KNOWN_HOSTS,
		    "SSH requires known_hosts in the secret");
	if ((hk->type & GIT_CERT_SSH_RAW) == 0 ||
	    !gitauth_known_host(kh, ctx->host, ctx->port,
	        (const unsigned char *)hk->hostkey, hk->hostkey_len)) {
		(void)snprintf(msg, sizeof(msg),
		    "host key of '%s' port %d is not in known_hosts", ctx->host,
		    ctx->port != 0 ? ctx->port : 22);
		return refuse(ctx, GITCTX_HOSTKEY_UNKNOWN, msg);
	}
	return 0;
}

int
gitauth_certificate(git_cert *cert, int valid, const char *host, void *payload)
{
	struct gitctx *ctx = payload;

	if (cert->cert_type == GIT_CERT_HOSTKEY_LIBSSH2)
		return check_hostkey(ctx, (const git_cert_hostkey *)cert);
	if (cert->cert_type == GIT_CERT_X509)
		return check_x509(ctx, (const git_cert_x509 *)cert, valid,
		    host);
	return valid != 0 ? 0
	                  : refuse(ctx, GITCTX_CERT_UNTRUSTED,
	                        "server certificate is not trusted");
}

/* Decodes base64 (n chars at s) into out (room for n bytes); -1 if not
 * base64. */
static int
b64_decode(unsigned char *out, const char *s, size_t n)
{
	int len, pad = 0;

	if (n == 0 || n % 4 != 0)
		return -1;
	pad = (s[n - 1] == '=') + (s[n - 2] == '=');
	len = EVP_DecodeBlock(out, (const unsigned char *)s, (int)n);
	return len < 0 ? -1 : len - pad;
}

/* "|1|<salt>|<hash>": HMAC-SHA1 of the name keyed with the salt. */
static bool
hashed_match(const char *pat, size_t n, const char *name)
{
	unsigned char salt[64], want[64], got[EVP_MAX_MD_SIZE];
	const char *bar = memchr(pat + 3, '|', n - 3);
	unsigned int got_len = 0;
	int salt_len, want_len;

	if (bar == NULL)
		return false;
	salt_len = b64_decode(salt, pat + 3,
	    (size_t)(bar - pat - 3) < 64 ? (size_t)(bar - pat - 3) : 0);
	want_len = b64_decode(want, bar + 1,
	    (size_t)(pat + n - bar - 1) < 64 ? (size_t)(pat + n - bar - 1) : 0);
	if (salt_len <= 0 || want_len != 20)
		return false;
	HMAC(EVP_sha1(), salt, salt_len, (const unsigned char *)name,
	    strlen(name), got, &got_len);
	return got_len == 20 && memcmp(got, want, 20) == 0;
}

/* OpenSSH's host patterns: '*' and '?' only (no brackets: "[host]:port"
 * is literal), case-insensitive. Linear backtracking on the last '*'. */
static int
ascii_lower(char c)
{
	return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool
same_char(char p, char s)
{
	return p == '?' || ascii_lower(p) == ascii_lower(s);
}

static bool
wild_match(const char *p, const char *s)
{
	const char *star = NULL, *resume = NULL;

	while (*s != '\0') {
		if (*p == '*') {
			star = p++;
			resume = s;
		} else if (*p != '\0' && same_char(*p, *s)) {
			p++;
			s++;
		} else if (star != NULL) {
			p = star + 1;
			s = ++resume;
		} else {
			return false;
		}
	}
	while (*p == '*')
		p++;
	return *p == '\0';
}

/* The host field: comma-separated patterns, '!' negates, '|1|' hashed.
 * Names are compared case-insensitively, as ssh does. */
static bool
hosts_match(const char *field, size_t n, const char *name)
{
	bool hit = false;

	for (size_t i = 0; i < n;) {
		size_t len = strcspn(field + i, ",");
		char pat[512];
		bool neg;

		len = len > n - i ? n - i : len;
		neg = field[i] == '!';
		if (len - neg < sizeof(pat)) {
			memcpy(pat, field + i + neg, len - neg);
			pat[len - neg] = '\0';
			if (strncmp(pat, "|1|", 3) == 0
			        ? hashed_match(pat, len - neg, name)
			        : wild_match(pat, name)) {
				if (neg)
					return false;
				hit = true;
			}
		}
		i += len + 1;
	}
	return hit;
}

/* Splits a line into up to 4 whitespace-separated fields. */
static int
fields(const char *line, size_t n, const char *f[4], size_t flen[4])
{
	int k = 0;

	for (size_t i = 0; i < n && k < 4;) {
		while (i < n && (line[i] == ' ' || line[i] == '\t'))
			i++;
		if (i == n || line[i] == '#')
			break;
		f[k] = line + i;
		while (i < n && line[i] != ' ' && line[i] != '\t')
			i++;
		flen[k] = (size_t)(line + i - f[k]);
		k++;
	}
	return k;
}

/* 1: the line lists name with key; -1: revoked; 0: no. */
static int
line_match(const char *line, size_t n, const char *name,
    const unsigned char *key, size_t key_len)
{
	const char *f[4];
	size_t flen[4];
	int k = fields(line, n, f, flen), first = 0, dec;
	bool revoked = false;
	unsigned char *blob;

	if (k > 0 && f[0][0] == '@') {
		revoked = flen[0] == 8 && strncmp(f[0], "@revoked", 8) == 0;
		if (!revoked) /* @cert-authority: certificates unsupported */
			return 0;
		first = 1;
	}
	if (k < first + 3 || !hosts_match(f[first], flen[first], name))
		return 0;
	blob = xmalloc(flen[first + 2] + 1);
	dec = b64_decode(blob, f[first + 2], flen[first + 2]);
	k = dec >= 0 && (size_t)dec == key_len &&
	    memcmp(blob, key, key_len) == 0;
	free(blob);
	return k == 0 ? 0 : revoked ? -1 : 1;
}

bool
gitauth_known_host(const char *known_hosts, const char *host, int port,
    const unsigned char *key, size_t key_len)
{
	char name[300];
	bool found = false;

	if (port == 0 || port == 22)
		(void)snprintf(name, sizeof(name), "%s", host);
	else
		(void)snprintf(name, sizeof(name), "[%s]:%d", host, port);
	for (const char *p = known_hosts; *p != '\0';) {
		size_t n = strcspn(p, "\n");
		int m = line_match(p, n, name, key, key_len);

		if (m == -1)
			return false;
		found |= m == 1;
		p += n + (p[n] == '\n' ? 1 : 0);
	}
	return found;
}
