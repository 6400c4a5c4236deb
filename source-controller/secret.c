/*
 * Secrets for the source kinds (spec.secretRef, certSecretRef): read one
 * through the API and decode its values.
 */
#include <string.h>

#include "core/arena.h"
#include "source.h"

int
source_secret_get(struct doc_node **out, struct reconciler *r, const char *ns,
    const char *name, struct err *err)
{
	struct k8s_ref ref = { "v1", "Secret", ns, name };
	struct doc *d = NULL;

	if (k8s_get(&d, reconciler_k8s(r), &ref, err) == -1) {
		if (err->code == ERR_NOTFOUND) {
			err_reset(err);
			err_set(err, ERR_NOTFOUND,
			    "failed to get secret '%s/%s': secrets \"%s\" not found",
			    ns, name, name);
			err_reason(err, SOURCE_REASON_AUTH_FAILED);
			return -1;
		}
		return err_wrap(err, "failed to get secret '%s/%s'", ns, name);
	}
	*out = doc_copy(reconciler_arena(r), doc_root(d, 0));
	doc_free(d);
	return 0;
}

static int
b64_value(unsigned char ch)
{
	if (ch >= 'A' && ch <= 'Z')
		return ch - 'A';
	if (ch >= 'a' && ch <= 'z')
		return ch - 'a' + 26;
	if (ch >= '0' && ch <= '9')
		return ch - '0' + 52;
	if (ch == '+')
		return 62;
	if (ch == '/')
		return 63;
	return -1;
}

/* Standard base64, padding optional, whitespace skipped; false on junk. */
static bool
b64_decode(char *dst, size_t *len, const char *src)
{
	unsigned acc = 0;
	int bits = 0;
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)src; *p; p++) {
		int v;

		if (*p == '=' || *p == '\n' || *p == '\r' || *p == ' ')
			continue;
		if ((v = b64_value(*p)) < 0)
			return false;
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[n++] = (char)((acc >> bits) & 0xff);
		}
	}
	dst[n] = '\0';
	*len = n;
	return true;
}

const char *
source_secret_value(struct arena *a, const struct doc_node *secret,
    const char *key, size_t *len, struct err *err)
{
	const char *s = doc_str(
	    doc_map_get(doc_map_get(secret, "stringData"), key));
	size_t n;
	char *out;

	if (s != NULL) {
		if (len != NULL)
			*len = strlen(s);
		return s;
	}
	s = doc_str(doc_map_get(doc_map_get(secret, "data"), key));
	if (s == NULL)
		return NULL;
	out = arena_alloc(a, strlen(s) / 4 * 3 + 4);
	if (!b64_decode(out, &n, s)) {
		err_set(err, ERR_INVALID, "secret key '%s' is not valid base64",
		    key);
		return NULL;
	}
	if (len != NULL)
		*len = n;
	return out;
}
