/*
 * The content hash kustomize appends to generated names: SHA-256 of a
 * small JSON object (kind, name, data...) encoded as Go's encoding/json
 * encodes it, the first ten hex digits with 0, 1, 3, a and e swapped for
 * letters. kustomize looks the name up under a key that never matches,
 * so the name in that object is always empty; the result must match
 * kustomize's to the byte, so that quirk is kept.
 */
#include "kustomize/kz_int.h"

#include <math.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"

static void json_value(struct buf *b, const struct doc_node *n);

/* The escape Go writes for an ASCII byte, or NULL when none. */
static const char *
ascii_escape(unsigned c, char tmp[8])
{
	static const char hex[] = "0123456789abcdef";

	switch (c) {
	case '"':
		return "\\\"";
	case '\\':
		return "\\\\";
	case '\n':
		return "\\n";
	case '\r':
		return "\\r";
	case '\t':
		return "\\t";
	case '\b':
		return "\\b";
	case '\f':
		return "\\f";
	default:
		break;
	}
	if (c >= 0x20 && c != '<' && c != '>' && c != '&')
		return NULL;
	(void)snprintf(tmp, 8, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
	return tmp;
}

/* Writes the UTF-8 sequence at p (n bytes left) as Go does: invalid
 * bytes as U+FFFD, U+2028 and U+2029 escaped. Returns bytes consumed. */
static size_t
utf8_out(struct buf *b, const unsigned char *p, size_t n)
{
	unsigned c = p[0];
	size_t k = (c & 0xe0) == 0xc0 ? 1
	    : (c & 0xf0) == 0xe0      ? 2
	    : (c & 0xf8) == 0xf0      ? 3
	                              : 0;
	bool ok = k > 0;

	for (size_t j = 1; ok && j <= k; j++)
		ok = j < n && (p[j] & 0xc0) == 0x80;
	if (!ok) {
		buf_puts(b, "\\ufffd");
		return 1;
	}
	if (k == 2 && c == 0xe2 && p[1] == 0x80 &&
	    (p[2] == 0xa8 || p[2] == 0xa9))
		buf_puts(b, p[2] == 0xa8 ? "\\u2028" : "\\u2029");
	else
		buf_append(b, p, k + 1);
	return k + 1;
}

/* Go's encoder: HTML-safe escapes, \u2028 and \u2029, invalid UTF-8 as
 * U+FFFD. */
static void
json_string(struct buf *b, const char *s, size_t n)
{
	const unsigned char *p = (const unsigned char *)s;
	char tmp[8];

	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		const char *esc;

		if (p[i] >= 0x80) {
			i += utf8_out(b, p + i, n - i);
			continue;
		}
		if ((esc = ascii_escape(p[i], tmp)) != NULL)
			buf_puts(b, esc);
		else
			buf_putc(b, (char)p[i]);
		i++;
	}
	buf_putc(b, '"');
}

/* A number as Go prints a float64 it decoded from JSON. */
static void
json_number(struct buf *b, const struct doc_node *n)
{
	struct err err = ERR_INIT;
	char tmp[64];
	double v;

	if (doc_get_float(&v, n, &err) == -1 || !isfinite(v)) {
		json_string(b, doc_str(n), strlen(doc_str(n)));
		return;
	}
	if (v == floor(v) && fabs(v) < 1e21) {
		buf_printf(b, "%.0f", v);
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		(void)snprintf(tmp, sizeof(tmp), "%.*g", prec, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	buf_puts(b, tmp);
}

struct pair_ref {
	const struct doc_pair *p;
};

static int
pair_cmp(const void *x, const void *y)
{
	const struct pair_ref *a = x, *b = y;

	return strcmp(doc_str(a->p->key), doc_str(b->p->key));
}

static void
json_map(struct buf *b, const struct doc_node *n)
{
	struct pair_ref *v = NULL;

	if (n->u.map.n > 0)
		v = xcalloc(n->u.map.n, sizeof(struct pair_ref));
	for (size_t i = 0; i < n->u.map.n; i++)
		v[i].p = &n->u.map.items[i];
	if (n->u.map.n > 1)
		qsort(v, n->u.map.n, sizeof(struct pair_ref), pair_cmp);
	buf_putc(b, '{');
	for (size_t i = 0; i < n->u.map.n; i++) {
		const char *k = doc_str(v[i].p->key);

		if (i > 0)
			buf_putc(b, ',');
		json_string(b, k, strlen(k));
		buf_putc(b, ':');
		json_value(b, v[i].p->value);
	}
	buf_putc(b, '}');
	free(v);
}

static void
json_value(struct buf *b, const struct doc_node *n)
{
	switch (n->kind) {
	case DOC_NULL:
		buf_puts(b, "null");
		break;
	case DOC_BOOL:
		buf_puts(b,
		    doc_str(n)[0] == 't' || doc_str(n)[0] == 'T' ? "true"
		                                                 : "false");
		break;
	case DOC_INT:
	case DOC_FLOAT:
		json_number(b, n);
		break;
	case DOC_STR:
		json_string(b, n->u.str.ptr, n->u.str.len);
		break;
	case DOC_SEQ:
		buf_putc(b, '[');
		for (size_t i = 0; i < n->u.seq.n; i++) {
			if (i > 0)
				buf_putc(b, ',');
			json_value(b, n->u.seq.items[i]);
		}
		buf_putc(b, ']');
		break;
	default:
		json_map(b, n);
	}
}

/* kustomize's getNodeValues(): a missing field reads as "", a scalar as
 * its text, anything else as itself. */
static void
field_value(struct buf *b, const struct doc_node *obj, const char *field)
{
	const struct doc_node *v = doc_map_get(obj, field);

	if (v == NULL)
		json_string(b, "", 0);
	else if (doc_is_scalar(v))
		json_string(b, doc_str(v), strlen(doc_str(v)));
	else
		json_value(b, v);
}

static void
encode(struct buf *b, const struct doc_node *obj, const char *kind)
{
	bool secret = strcmp(kind, "Secret") == 0;
	const char *extra = secret ? "stringData" : "binaryData";
	const struct doc_node *x = doc_map_get(obj, extra);

	buf_putc(b, '{');
	if (!secret && x != NULL && x->kind == DOC_MAP) {
		buf_puts(b, "\"binaryData\":");
		json_value(b, x);
		buf_putc(b, ',');
	}
	buf_puts(b, "\"data\":");
	field_value(b, obj, "data");
	buf_printf(b, ",\"kind\":\"%s\",\"name\":\"\"", kind);
	if (secret && x != NULL && x->kind == DOC_MAP) {
		buf_puts(b, ",\"stringData\":");
		json_value(b, x);
	}
	if (secret) {
		buf_puts(b, ",\"type\":");
		field_value(b, obj, "type");
	}
	buf_putc(b, '}');
}

/* kustomize's encode(): ten hex digits with 0, 1, 3, a and e swapped
 * for g, h, k, m and t. */
static void
hash_text(char out[11], const unsigned char *md)
{
	static const char digits[] = "gh2k456789mbcdtf";

	for (int i = 0; i < 10; i++)
		out[i] = digits[(md[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 15];
	out[10] = '\0';
}

int
kz_hash_res(char out[11], const struct kz_res *r, struct err *err)
{
	const char *kind = kz_res_kind(r);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf b;
	int rv;

	if (strcmp(kind, "ConfigMap") != 0 && strcmp(kind, "Secret") != 0)
		return err_set(err, ERR_UNSUPPORTED,
		    "a name hash for kind '%s'", kind);
	buf_init(&b, BUF_MAX_DEFAULT);
	encode(&b, r->obj, kind);
	rv = buf_check(&b, err);
	if (rv == 0 &&
	    EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) != 1)
		rv = err_set(err, ERR_INTERNAL, "sha256 failed");
	buf_release(&b);
	if (rv == 0)
		hash_text(out, md);
	return rv;
}

int
kz_hash_names(struct kz_acc *acc, struct err *err)
{
	struct arena *a = acc->arena;

	for (size_t i = 0; i < acc->rm.v.n; i++) {
		struct kz_res *r = acc->rm.v.v[i];
		char h[11];

		if (!r->needs_hash)
			continue;
		if (kz_hash_res(h, r, err) == -1)
			return -1;
		kz_res_store_prev(a, r);
		kz_res_set_name(a, r,
		    arena_printf(a, "%s-%s", kz_res_name(r), h));
	}
	return 0;
}
