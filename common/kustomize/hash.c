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

static void json_value(struct buf *b, const struct doc_node *n);

/* Go's encoder: HTML-safe escapes, \u2028 and \u2029, invalid UTF-8 as
 * U+FFFD. */
static void
json_string(struct buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;

	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		unsigned c = p[i];

		if (c >= 0x80) {
			size_t k = (c & 0xe0) == 0xc0 ? 1
			    : (c & 0xf0) == 0xe0      ? 2
			    : (c & 0xf8) == 0xf0      ? 3
			                              : 0;
			bool ok = k > 0;

			for (size_t j = 1; ok && j <= k; j++)
				ok = i + j < n && (p[i + j] & 0xc0) == 0x80;
			if (!ok) {
				buf_puts(b, "\\ufffd");
				i++;
				continue;
			}
			if (k == 2 && c == 0xe2 && p[i + 1] == 0x80 &&
			    (p[i + 2] == 0xa8 || p[i + 2] == 0xa9)) {
				buf_puts(b,
				    p[i + 2] == 0xa8 ? "\\u2028" : "\\u2029");
			} else {
				buf_append(b, p + i, k + 1);
			}
			i += k + 1;
			continue;
		}
		switch (c) {
		case '"':
			buf_puts(b, "\\\"");
			break;
		case '\\':
			buf_puts(b, "\\\\");
			break;
		case '\n':
			buf_puts(b, "\\n");
			break;
		case '\r':
			buf_puts(b, "\\r");
			break;
		case '\t':
			buf_puts(b, "\\t");
			break;
		case '\b':
			buf_puts(b, "\\b");
			break;
		case '\f':
			buf_puts(b, "\\f");
			break;
		case '<':
		case '>':
		case '&':
			buf_printf(b, "\\u00%c%c", hex[c >> 4], hex[c & 15]);
			break;
		default:
			if (c < 0x20)
				buf_printf(b, "\\u00%c%c", hex[c >> 4],
				    hex[c & 15]);
			else
				buf_putc(b, (char)c);
		}
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

static int
pair_cmp(const void *x, const void *y)
{
	const struct doc_pair *const *a = x, *const *b = y;

	return strcmp(doc_str((*a)->key), doc_str((*b)->key));
}

static void
json_map(struct buf *b, const struct doc_node *n)
{
	const struct doc_pair **v = NULL;

	if (n->u.map.n > 0) {
		v = calloc(n->u.map.n, sizeof(*v));
		if (v == NULL)
			abort();
	}
	for (size_t i = 0; i < n->u.map.n; i++)
		v[i] = &n->u.map.items[i];
	if (n->u.map.n > 1)
		qsort(v, n->u.map.n, sizeof(*v), pair_cmp);
	buf_putc(b, '{');
	for (size_t i = 0; i < n->u.map.n; i++) {
		const char *k = doc_str(v[i]->key);

		if (i > 0)
			buf_putc(b, ',');
		json_string(b, k, strlen(k));
		buf_putc(b, ':');
		json_value(b, v[i]->value);
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

int
kz_hash_res(char out[11], const struct kz_res *r, struct err *err)
{
	static const char hex[] = "0123456789abcdef";
	const char *kind = kz_res_kind(r);
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	struct buf b;

	if (strcmp(kind, "ConfigMap") != 0 && strcmp(kind, "Secret") != 0)
		return err_set(err, ERR_UNSUPPORTED,
		    "a name hash for kind '%s'", kind);
	buf_init(&b, BUF_MAX_DEFAULT);
	encode(&b, r->obj, kind);
	if (buf_check(&b, err) == -1) {
		buf_release(&b);
		return -1;
	}
	if (EVP_Digest(b.data, b.len, md, &mdlen, EVP_sha256(), NULL) != 1) {
		buf_release(&b);
		return err_set(err, ERR_INTERNAL, "sha256 failed");
	}
	buf_release(&b);
	for (int i = 0; i < 10; i++) {
		char c = hex[(md[i / 2] >> (i % 2 == 0 ? 4 : 0)) & 15];

		out[i] = c == '0' ? 'g'
		    : c == '1'    ? 'h'
		    : c == '3'    ? 'k'
		    : c == 'a'    ? 'm'
		    : c == 'e'    ? 't'
		                  : c;
	}
	out[10] = '\0';
	return 0;
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
