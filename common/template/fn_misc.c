/*
 * Sprig's smaller families: base64/base32 with Go's decoding errors,
 * digests, path and URL helpers (Go's path and net/url rules),
 * reflection (typeOf, kindOf, deepEqual) and uuidv4.
 */
#include "template/tmpl_int.h"

#include <stdio.h>
#include <string.h>

#define STR(c, k) ((c)->argv[k].u.s)

static struct tmpl_val
from_buf(struct call *c, struct buf *b)
{
	struct tmpl_val v = tmpl_str_dup(c->a, b->data, b->len);

	buf_release(b);
	return v;
}

/* ---- base64 and base32 --------------------------------------------------- */

/* the padding '=' follows each alphabet */
static const char b64[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567=";

static int
fn_b64enc(struct tmpl_val *out, struct call *c, struct err *err)
{
	const unsigned char *p = (const unsigned char *)STR(c, 0).p;
	size_t n = STR(c, 0).n;
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)p[i] << 16;
		size_t k = n - i < 3 ? n - i : 3;

		if (k > 1)
			v |= (uint32_t)p[i + 1] << 8;
		if (k > 2)
			v |= p[i + 2];
		buf_putc(&b, b64[(v >> 18) & 63]);
		buf_putc(&b, b64[(v >> 12) & 63]);
		buf_putc(&b, b64[k > 1 ? (v >> 6) & 63 : 64]);
		buf_putc(&b, b64[k > 2 ? v & 63 : 64]);
	}
	*out = from_buf(c, &b);
	return 0;
}

/* Writes a full quantum of acc, fewer bytes for each '=' in it. */
static void
b64_flush(struct buf *b, uint32_t acc, size_t pad)
{
	buf_putc(b, (char)(acc >> 16));
	if (pad < 2)
		buf_putc(b, (char)(acc >> 8));
	if (pad < 1)
		buf_putc(b, (char)acc);
}

/* The 6-bit value of c, 64 for a padding '=' allowed here, or -1. */
static int
b64_value(char c, size_t got, size_t pad)
{
	const char *hit;

	if (c == '=' && got % 4 >= 2 && pad < 2)
		return 64;
	if (c == '\0' || c == '=' || pad > 0 || (hit = strchr(b64, c)) == NULL)
		return -1;
	return (int)(hit - b64);
}

/* Go's StdEncoding.DecodeString: line breaks skipped, padding strict;
 * -1 with the offending input offset in *bad. */
static int
b64_decode(struct buf *b, const char *p, size_t n, size_t *bad)
{
	uint32_t acc = 0;
	size_t got = 0, pad = 0;

	for (size_t i = 0; i < n; i++) {
		int v;

		if (p[i] == '\r' || p[i] == '\n')
			continue;
		if ((v = b64_value(p[i], got, pad)) == -1) {
			*bad = i;
			return -1;
		}
		pad += v == 64;
		acc = (acc << 6) | (uint32_t)(v & 63);
		if (++got % 4 != 0)
			continue;
		b64_flush(b, acc, pad);
		acc = 0;
		if (pad > 0 && i + 1 < n) {
			*bad = i + 1;
			return -1;
		}
	}
	if (got % 4 != 0) {
		*bad = n - (got % 4 == 1 ? 1 : 0);
		return -1;
	}
	return 0;
}

static int
fn_b64dec(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;
	size_t bad;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	if (b64_decode(&b, STR(c, 0).p, STR(c, 0).n, &bad) == -1) {
		buf_release(&b);
		*out = val_printf(c->a, "illegal base64 data at input byte %zu",
		    bad);
		return 0;
	}
	*out = from_buf(c, &b);
	return 0;
}

static int
fn_b32enc(struct tmpl_val *out, struct call *c, struct err *err)
{
	const unsigned char *p = (const unsigned char *)STR(c, 0).p;
	size_t n = STR(c, 0).n;
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (size_t i = 0; i < n; i += 5) {
		size_t k = n - i < 5 ? n - i : 5, chars = (k * 8 + 4) / 5;
		uint64_t v = 0;

		for (size_t j = 0; j < 5; j++)
			v = (v << 8) | (j < k ? p[i + j] : 0);
		for (size_t j = 0; j < 8; j++)
			buf_putc(&b,
			    b32[j < chars ? (v >> (35 - 5 * j)) & 31 : 32]);
	}
	*out = from_buf(c, &b);
	return 0;
}

static int
fn_b32dec(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *p = STR(c, 0).p;
	size_t n = STR(c, 0).n, got = 0, i;
	uint64_t acc = 0;
	struct buf b;
	const char *hit;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	for (i = 0; i < n && p[i] != '='; i++) {
		if ((hit = strchr(b32, p[i])) == NULL || p[i] == '\0')
			goto bad;
		acc = (acc << 5) | (uint64_t)(hit - b32);
		if (++got % 8 == 0) {
			for (int k = 4; k >= 0; k--)
				buf_putc(&b, (char)(acc >> (8 * k)));
			acc = 0;
		}
	}
	if ((n % 8) != 0)
		goto bad;
	for (size_t rem = got % 8, bits = rem * 5; rem > 0; rem = 0) {
		acc <<= (40 - bits);
		for (size_t k = 0; k < bits / 8; k++)
			buf_putc(&b, (char)(acc >> (32 - 8 * k)));
	}
	*out = from_buf(c, &b);
	return 0;
bad:
	buf_release(&b);
	*out = val_printf(c->a, "illegal base32 data at input byte %zu", i);
	return 0;
}

/* ---- digests ------------------------------------------------------------- */

static int
hex_digest(struct tmpl_val *out, struct call *c, const unsigned char *d,
    size_t n)
{
	static const char hex[] = "0123456789abcdef";
	char *p = arena_alloc(c->a, 2 * n + 1);

	for (size_t i = 0; i < n; i++) {
		p[2 * i] = hex[d[i] >> 4];
		p[2 * i + 1] = hex[d[i] & 15];
	}
	p[2 * n] = '\0';
	*out = tmpl_str(p, 2 * n);
	return 0;
}

static int
fn_sha1sum(struct tmpl_val *out, struct call *c, struct err *err)
{
	unsigned char d[20];

	(void)err;
	sha_sha1(d, STR(c, 0).p, STR(c, 0).n);
	return hex_digest(out, c, d, sizeof(d));
}

static int
fn_sha256sum(struct tmpl_val *out, struct call *c, struct err *err)
{
	unsigned char d[32];

	(void)err;
	sha_sha256(d, STR(c, 0).p, STR(c, 0).n);
	return hex_digest(out, c, d, sizeof(d));
}

static int
fn_sha512sum(struct tmpl_val *out, struct call *c, struct err *err)
{
	unsigned char d[64];

	(void)err;
	sha_sha512(d, STR(c, 0).p, STR(c, 0).n);
	return hex_digest(out, c, d, sizeof(d));
}

static int
fn_adler32sum(struct tmpl_val *out, struct call *c, struct err *err)
{
	uint32_t a = 1, b = 0;

	(void)err;
	for (size_t i = 0; i < STR(c, 0).n; i++) {
		a = (a + (unsigned char)STR(c, 0).p[i]) % 65521;
		b = (b + a) % 65521;
	}
	*out = val_printf(c->a, "%u", (b << 16) | a);
	return 0;
}

/* ---- paths (Go's path package) ------------------------------------------- */

/* One ".." element: drop the last element written, or write ".." when
 * nothing is left to drop (and the path is not rooted). */
static void
clean_dotdot(struct buf *b, size_t start, size_t *dotdot, bool rooted)
{
	if (b->len > *dotdot) {
		while (b->len > *dotdot && b->data[b->len - 1] != '/')
			b->len--;
		if (b->len > *dotdot)
			b->len--;
		return;
	}
	if (rooted)
		return;
	if (b->len > start)
		buf_putc(b, '/');
	buf_puts(b, "..");
	*dotdot = b->len;
}

/* path.Clean into b. */
static void
path_clean(struct buf *b, const char *p, size_t n)
{
	bool rooted = n > 0 && p[0] == '/';
	size_t start = b->len, dotdot;

	if (rooted)
		buf_putc(b, '/');
	dotdot = b->len;
	for (size_t i = rooted, j; i < n; i = j + 1) {
		for (j = i; j < n && p[j] != '/'; j++)
			;
		if (j == i || (j - i == 1 && p[i] == '.'))
			continue; /* empty or "." */
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
			clean_dotdot(b, start, &dotdot, rooted);
			continue;
		}
		if (b->len > start + (rooted ? 1 : 0))
			buf_putc(b, '/');
		buf_append(b, p + i, j - i);
	}
	if (b->len == start)
		buf_putc(b, '.');
	buf_terminate(b);
}

static int
fn_clean(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;

	(void)err;
	buf_init(&b, BUF_MAX_DEFAULT);
	path_clean(&b, STR(c, 0).p, STR(c, 0).n);
	*out = from_buf(c, &b);
	return 0;
}

static int
fn_base(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *p = STR(c, 0).p;
	size_t n = STR(c, 0).n, i;

	(void)err;
	if (n == 0) {
		*out = tmpl_str(".", 1);
		return 0;
	}
	while (n > 0 && p[n - 1] == '/')
		n--;
	if (n == 0) {
		*out = tmpl_str("/", 1);
		return 0;
	}
	for (i = n; i > 0 && p[i - 1] != '/'; i--)
		;
	*out = tmpl_str(p + i, n - i);
	return 0;
}

static int
fn_dir(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *p = STR(c, 0).p;
	size_t n = STR(c, 0).n, i;
	struct buf b;

	(void)err;
	for (i = n; i > 0 && p[i - 1] != '/'; i--)
		;
	buf_init(&b, BUF_MAX_DEFAULT);
	path_clean(&b, p, i);
	*out = from_buf(c, &b);
	return 0;
}

static int
fn_ext(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *p = STR(c, 0).p;
	size_t n = STR(c, 0).n;

	(void)err;
	*out = tmpl_str("", 0);
	for (size_t i = n; i > 0 && p[i - 1] != '/'; i--)
		if (p[i - 1] == '.') {
			*out = tmpl_str(p + i - 1, n - i + 1);
			break;
		}
	return 0;
}

static int
fn_is_abs(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(STR(c, 0).n > 0 && STR(c, 0).p[0] == '/');
	return 0;
}

/* ---- URLs (net/url) ------------------------------------------------------ */

static int
hexval(int ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

static struct tmpl_val
unescape(struct arena *a, const char *p, size_t n)
{
	char *s = arena_alloc(a, n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (p[i] == '%' && i + 2 < n + 0 && hexval(p[i + 1]) >= 0 &&
		    hexval(p[i + 2]) >= 0) {
			s[o++] = (char)(hexval(p[i + 1]) * 16 +
			    hexval(p[i + 2]));
			i += 2;
		} else {
			s[o++] = p[i];
		}
	}
	s[o] = '\0';
	return tmpl_str(s, o);
}

static void
put(struct call *c, struct tmpl_val *m, const char *k, struct tmpl_val v)
{
	tmpl_map_set(c->a, m->u.m, k, strlen(k), v);
}

static size_t
scheme_len(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		char ch = p[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z'))
			continue;
		if (i > 0 &&
		    ((ch >= '0' && ch <= '9') || ch == '+' || ch == '-' ||
		        ch == '.'))
			continue;
		return ch == ':' && i > 0 ? i : 0;
	}
	return 0;
}

static void
url_authority(struct call *c, struct tmpl_val *m, const char *p, size_t n)
{
	const char *at = NULL, *host;
	size_t hn;

	for (size_t i = n; i > 0; i--)
		if (p[i - 1] == '@') {
			at = p + i - 1;
			break;
		}
	host = at != NULL ? at + 1 : p;
	hn = (size_t)(p + n - host);
	if (at != NULL)
		put(c, m, "userinfo", tmpl_str_dup(c->a, p, (size_t)(at - p)));
	put(c, m, "host", tmpl_str_dup(c->a, host, hn));
	if (hn > 0 && host[0] == '[') {
		const char *end = memchr(host, ']', hn);

		put(c, m, "hostname",
		    end != NULL
		        ? tmpl_str_dup(c->a, host + 1, (size_t)(end - host - 1))
		        : tmpl_str_dup(c->a, host, hn));
		return;
	}
	{
		const char *colon = memchr(host, ':', hn);

		put(c, m, "hostname",
		    tmpl_str_dup(c->a, host,
		        colon != NULL ? (size_t)(colon - host) : hn));
	}
}

static int
fn_url_parse(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *p = STR(c, 0).p, *hash, *q;
	size_t n = STR(c, 0).n, sl;
	struct tmpl_val m = tmpl_map_new(c->a, 8);

	(void)err;
	static const char *const keys[] = { "fragment", "host", "hostname",
		"opaque", "path", "query", "scheme", "userinfo" };
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++)
		put(c, &m, keys[i], tmpl_str("", 0));
	if ((hash = memchr(p, '#', n)) != NULL) {
		put(c, &m, "fragment",
		    unescape(c->a, hash + 1, (size_t)(p + n - hash - 1)));
		n = (size_t)(hash - p);
	}
	if ((sl = scheme_len(p, n)) > 0) {
		char *s = arena_strndup(c->a, p, sl);

		for (size_t i = 0; i < sl; i++)
			if (s[i] >= 'A' && s[i] <= 'Z')
				s[i] = (char)(s[i] + 32);
		put(c, &m, "scheme", tmpl_str(s, sl));
		p += sl + 1;
		n -= sl + 1;
	}
	if ((q = memchr(p, '?', n)) != NULL) {
		put(c, &m, "query",
		    tmpl_str_dup(c->a, q + 1, (size_t)(p + n - q - 1)));
		n = (size_t)(q - p);
	}
	if (sl > 0 && (n == 0 || p[0] != '/')) {
		put(c, &m, "opaque", tmpl_str_dup(c->a, p, n));
		*out = m;
		return 0;
	}
	if (n >= 2 && p[0] == '/' && p[1] == '/') {
		const char *slash = memchr(p + 2, '/', n - 2);
		size_t an = slash != NULL ? (size_t)(slash - p - 2) : n - 2;

		url_authority(c, &m, p + 2, an);
		p += 2 + an;
		n -= 2 + an;
	}
	put(c, &m, "path", unescape(c->a, p, n));
	*out = m;
	return 0;
}

static int
dict_str(struct tmpl_val *out, struct call *c, const char *key, struct err *err)
{
	struct tmpl_val *v = tmpl_map_find(c->argv[0].u.m, key, strlen(key));

	if (v == NULL) {
		*out = tmpl_str("", 0);
		return 0;
	}
	if (v->kind != TMPL_STR)
		return err_set(err, ERR_INVALID,
		    "unable to parse %s key, must be of type string, but %s found",
		    key, val_kind_name(v));
	*out = *v;
	return 0;
}

static void
escape_path(struct buf *b, const struct tmpl_val *v)
{
	for (size_t i = 0; i < v->u.s.n; i++) {
		unsigned char ch = (unsigned char)v->u.s.p[i];

		if ((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
		    (ch >= '0' && ch <= '9') ||
		    strchr("-_.~/!$&'()*+,;=:@", ch) != NULL)
			buf_putc(b, (char)ch);
		else
			buf_printf(b, "%%%02X", ch);
	}
}

static int
fn_url_join(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_val scheme, host, path, query, opaque, frag, user;
	struct buf b;

	if (dict_str(&scheme, c, "scheme", err) == -1 ||
	    dict_str(&host, c, "host", err) == -1 ||
	    dict_str(&path, c, "path", err) == -1 ||
	    dict_str(&query, c, "query", err) == -1 ||
	    dict_str(&opaque, c, "opaque", err) == -1 ||
	    dict_str(&frag, c, "fragment", err) == -1 ||
	    dict_str(&user, c, "userinfo", err) == -1)
		return -1;
	buf_init(&b, BUF_MAX_DEFAULT);
	if (scheme.u.s.n > 0) {
		buf_append(&b, scheme.u.s.p, scheme.u.s.n);
		buf_putc(&b, ':');
	}
	if (opaque.u.s.n > 0) {
		buf_append(&b, opaque.u.s.p, opaque.u.s.n);
	} else {
		if (scheme.u.s.n > 0 || host.u.s.n > 0 || user.u.s.n > 0) {
			buf_puts(&b, "//");
			if (user.u.s.n > 0) {
				buf_append(&b, user.u.s.p, user.u.s.n);
				buf_putc(&b, '@');
			}
			buf_append(&b, host.u.s.p, host.u.s.n);
		}
		if (path.u.s.n > 0 && path.u.s.p[0] != '/' && host.u.s.n > 0)
			buf_putc(&b, '/');
		escape_path(&b, &path);
	}
	if (query.u.s.n > 0) {
		buf_putc(&b, '?');
		buf_append(&b, query.u.s.p, query.u.s.n);
	}
	if (frag.u.s.n > 0) {
		buf_putc(&b, '#');
		escape_path(&b, &frag);
	}
	*out = from_buf(c, &b);
	return 0;
}

/* ---- reflection ---------------------------------------------------------- */

static int
fn_type_of(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *t = val_type_name(&c->argv[0]);

	(void)err;
	*out = tmpl_str(t, strlen(t));
	return 0;
}

static int
fn_kind_of(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *k = val_kind_name(&c->argv[0]);

	(void)err;
	*out = tmpl_str(k, strlen(k));
	return 0;
}

static bool
str_is(const struct tmpl_val *s, const char *lit)
{
	return s->u.s.n == strlen(lit) && memcmp(s->u.s.p, lit, s->u.s.n) == 0;
}

static int
fn_type_is(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *t = val_type_name(&c->argv[1]);
	bool like = strstr(c->fn->name, "Like") != NULL;

	(void)err;
	*out = tmpl_bool(str_is(&c->argv[0], t) ||
	    (like && t[0] == '*' && str_is(&c->argv[0], t + 1)));
	return 0;
}

static int
fn_kind_is(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(str_is(&c->argv[0], val_kind_name(&c->argv[1])));
	return 0;
}

static int
fn_deep_equal(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_bool(val_deep_equal(&c->argv[0], &c->argv[1]));
	return 0;
}

static int
fn_uuidv4(struct tmpl_val *out, struct call *c, struct err *err)
{
	unsigned char u[16];

	(void)err;
	exec_random(c->s->x, u, sizeof(u));
	u[6] = (u[6] & 0x0F) | 0x40;
	u[8] = (u[8] & 0x3F) | 0x80;
	*out = val_printf(c->a,
	    "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-"
	    "%02x%02x%02x%02x%02x%02x",
	    u[0], u[1], u[2], u[3], u[4], u[5], u[6], u[7], u[8], u[9], u[10],
	    u[11], u[12], u[13], u[14], u[15]);
	return 0;
}

static const struct tmpl_func fns[] = {
	{ "adler32sum", "s", fn_adler32sum, 0 },
	{ "b32dec", "s", fn_b32dec, 0 },
	{ "b32enc", "s", fn_b32enc, 0 },
	{ "b64dec", "s", fn_b64dec, 0 },
	{ "b64enc", "s", fn_b64enc, 0 },
	{ "base", "s", fn_base, 0 },
	{ "clean", "s", fn_clean, 0 },
	{ "deepEqual", "aa", fn_deep_equal, 0 },
	{ "dir", "s", fn_dir, 0 },
	{ "ext", "s", fn_ext, 0 },
	{ "isAbs", "s", fn_is_abs, 0 },
	{ "kindIs", "sa", fn_kind_is, 0 },
	{ "kindOf", "a", fn_kind_of, 0 },
	{ "osBase", "s", fn_base, 0 },
	{ "osClean", "s", fn_clean, 0 },
	{ "osDir", "s", fn_dir, 0 },
	{ "osExt", "s", fn_ext, 0 },
	{ "osIsAbs", "s", fn_is_abs, 0 },
	{ "sha1sum", "s", fn_sha1sum, 0 },
	{ "sha256sum", "s", fn_sha256sum, 0 },
	{ "sha512sum", "s", fn_sha512sum, 0 },
	{ "typeIs", "sa", fn_type_is, 0 },
	{ "typeIsLike", "sa", fn_type_is, 0 },
	{ "typeOf", "a", fn_type_of, 0 },
	{ "urlJoin", "m", fn_url_join, 0 },
	{ "urlParse", "s", fn_url_parse, 0 },
	{ "uuidv4", "", fn_uuidv4, 0 },
};

const struct func_table fn_misc_table = { fns, sizeof(fns) / sizeof(fns[0]) };
