/*
 * Kubernetes objects after the kustomize build, as kustomize-controller's
 * DecryptResource treats them: whole SOPS-encrypted objects, and Secrets
 * whose data entries are SOPS files (secretGenerator output).
 */
#include "sops/sops.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/mem.h"
#include "core/str.h"
#include "sops/sops_int.h"

#define DECRYPT_ANNOTATION "kustomize.toolkit.fluxcd.io/decrypt"

bool
sops_is_encrypted(const struct doc_node *obj)
{
	const struct doc_node *s = doc_map_get(obj, "sops");
	const struct doc_node *mac = doc_map_get(s, "mac");

	return mac != NULL && doc_is_scalar(mac) && mac->kind != DOC_NULL &&
	    mac->u.str.len > 0;
}

static bool
decryption_disabled(const struct doc_node *obj)
{
	const struct doc_node *ann = doc_ptr_find(obj, "/metadata/annotations");
	const struct doc_node *v = doc_map_get(ann, DECRYPT_ANNOTATION);

	return v != NULL && doc_str(v) != NULL &&
	    strcasecmp(doc_str(v), "disabled") == 0;
}

static int
wrap_object(const struct doc_node *obj, struct err *err)
{
	const char *kind = doc_str(doc_map_get(obj, "kind"));
	const char *ns = doc_str(doc_ptr_find(obj, "/metadata/namespace"));
	const char *name = doc_str(doc_ptr_find(obj, "/metadata/name"));

	return err_wrap(err, "failed to decrypt '%s/%s' %s", ns ? ns : "",
	    name ? name : "", kind ? kind : "object");
}

static int
decrypt_whole(struct arena *a, struct doc_node *obj, const struct sops_keys *k,
    struct err *err)
{
	struct doc_node *meta = doc_map_get(obj, "sops");

	doc_map_delete(obj, "sops", 4);
	if (sops_tree_decrypt(a, &obj, 1, meta, k, false, err) == -1)
		return -1;
	return 0;
}

/* The input format sops files in Secret data are detected by. */
static bool
detect_format(enum sops_format *fmt, const char *data, size_t len)
{
	static const enum sops_format order[] = { SOPS_FORMAT_DOTENV,
		SOPS_FORMAT_YAML, SOPS_FORMAT_JSON, SOPS_FORMAT_INI };

	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		if (sops_data_is_encrypted(data, len, order[i])) {
			*fmt = order[i];
			return true;
		}
	}
	return false;
}

static int
decrypt_entry(struct arena *a, struct doc_pair *p, const struct sops_keys *k,
    struct err *err)
{
	const char *key = doc_str(p->key), *v = doc_str(p->value);
	enum sops_format in, outf;
	unsigned char *raw;
	struct buf plain, b64;
	size_t cap;
	long n;
	int rc = 0;

	if (key == NULL || v == NULL || p->value->kind != DOC_STR)
		return 0;
	cap = p->value->u.str.len / 4 * 3 + 3;
	raw = xmalloc(cap);
	/* Undecodable values are left for the apply to report, as Flux. */
	n = b64_decode(raw, v, p->value->u.str.len, B64_PAD);
	if (n < 0 || !detect_format(&in, (const char *)raw, (size_t)n)) {
		free(raw);
		return 0;
	}
	outf = str_has_suffix(key, ".dockerconfigjson")
	    ? SOPS_FORMAT_JSON
	    : sops_format_for_path(key);
	buf_init(&plain, BUF_MAX_DEFAULT);
	buf_init(&b64, BUF_MAX_DEFAULT);
	if (sops_decrypt_file_as(&plain, k, (const char *)raw, (size_t)n, in,
	        outf, err) == -1) {
		rc = err_wrap(err, "Secret field '%s'", key);
	} else {
		b64_encode(&b64, (const unsigned char *)plain.data, plain.len,
		    B64_PAD);
		p->value = doc_new_str(a, b64.data ? b64.data : "", b64.len);
	}
	buf_release_secret(&plain);
	buf_release_secret(&b64);
	free(raw);
	return rc;
}

int
sops_decrypt_resource(struct arena *a, struct doc_node *obj,
    const struct sops_keys *k, struct err *err)
{
	const char *kind;
	struct doc_node *data;

	if (obj == NULL || obj->kind != DOC_MAP || decryption_disabled(obj))
		return 0;
	if (sops_is_encrypted(obj)) {
		if (decrypt_whole(a, obj, k, err) == -1)
			return wrap_object(obj, err);
		return 0;
	}
	kind = doc_str(doc_map_get(obj, "kind"));
	data = doc_map_get(obj, "data");
	if (kind == NULL || strcmp(kind, "Secret") != 0 || data == NULL ||
	    data->kind != DOC_MAP)
		return 0;
	for (size_t i = 0; i < data->u.map.n; i++)
		if (decrypt_entry(a, &data->u.map.items[i], k, err) == -1)
			return wrap_object(obj, err);
	return 0;
}
