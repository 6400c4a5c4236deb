/*
 * Placeholders for the SOPS API while the engine is being written: every
 * call that would decrypt fails with ERR_UNSUPPORTED, so callers can be
 * built and tested against the header now.
 */
#include "sops/sops.h"

#include <string.h>

#include "core/mem.h"

struct sops_keys {
	size_t n_age;
};

struct sops_keys *
sops_keys_new(void)
{
	return xcalloc(1, sizeof(struct sops_keys));
}

void
sops_keys_free(struct sops_keys *k)
{
	free_secret(k, sizeof(*k));
}

int
sops_keys_add(struct sops_keys *k, const char *name, const char *data,
    size_t len, struct err *err)
{
	(void)k;
	(void)data;
	(void)len;
	return err_set(err, ERR_UNSUPPORTED, "key '%s': not implemented yet",
	    name);
}

int
sops_keys_from_secret(struct sops_keys **out, const struct doc_node *secret,
    struct err *err)
{
	(void)out;
	(void)secret;
	return err_set(err, ERR_UNSUPPORTED, "sops keys: not implemented yet");
}

size_t
sops_keys_age_count(const struct sops_keys *k)
{
	return k->n_age;
}

enum sops_format
sops_format_for_path(const char *path)
{
	(void)path;
	return SOPS_FORMAT_BINARY;
}

bool
sops_data_is_encrypted(const char *data, size_t len, enum sops_format fmt)
{
	(void)data;
	(void)len;
	(void)fmt;
	return false;
}

int
sops_decrypt_file(struct buf *out, const struct sops_keys *k, const char *data,
    size_t len, enum sops_format fmt, struct err *err)
{
	(void)out;
	(void)k;
	(void)data;
	(void)len;
	(void)fmt;
	return err_set(err, ERR_UNSUPPORTED,
	    "sops decrypt: not implemented yet");
}

bool
sops_is_encrypted(const struct doc_node *obj)
{
	return obj != NULL && obj->kind == DOC_MAP &&
	    doc_map_get(obj, "sops") != NULL;
}

int
sops_decrypt_resource(struct arena *a, struct doc_node *obj,
    const struct sops_keys *k, struct err *err)
{
	(void)a;
	(void)k;
	if (!sops_is_encrypted(obj))
		return 0;
	return err_set(err, ERR_UNSUPPORTED,
	    "sops decrypt: not implemented yet");
}

int
sops_age_decrypt(struct buf *out, const struct sops_keys *k, const char *data,
    size_t len, struct err *err)
{
	(void)out;
	(void)k;
	(void)data;
	(void)len;
	return err_set(err, ERR_UNSUPPORTED,
	    "age decrypt: not implemented yet");
}
