/*
 * The private keys of a Kustomization's decryption Secret, read the way
 * kustomize-controller imports them: "*.agekey" entries hold age
 * identities, "*.asc" entries PGP keys (counted, not usable here), other
 * entries are ignored. Key material is wiped when the set is freed and
 * never appears in an error message.
 */
#include "sops/sops.h"

#include <openssl/crypto.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "sops/sops_int.h"

struct sops_keys *
sops_keys_new(void)
{
	return xcalloc(1, sizeof(struct sops_keys));
}

void
sops_keys_free(struct sops_keys *k)
{
	if (k == NULL)
		return;
	free_secret(k->age, k->cap_age * sizeof(*k->age));
	free(k);
}

size_t
sops_keys_age_count(const struct sops_keys *k)
{
	return k->n_age;
}

static void
add_identity(struct sops_keys *k, const struct age_identity *id)
{
	if (k->n_age == k->cap_age) {
		size_t cap = k->cap_age ? 2 * k->cap_age : 4;
		struct age_identity *n = xcalloc(cap, sizeof(*n));

		/* Copy by hand so the old array can be wiped. */
		if (k->n_age > 0)
			memcpy(n, k->age, k->n_age * sizeof(*n));
		free_secret(k->age, k->cap_age * sizeof(*k->age));
		k->age = n;
		k->cap_age = cap;
	}
	k->age[k->n_age++] = *id;
}

static int
add_agekey(struct sops_keys *k, const char *name, const char *data, size_t len,
    struct err *err)
{
	const char *p = data, *end = data + len;
	struct age_identity id;
	size_t lineno = 0;
	int rc = 0;

	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end, *s = p;

		lineno++;
		p = nl != NULL ? nl + 1 : end;
		while (s < e && (*s == ' ' || *s == '\t'))
			s++;
		while (
		    e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
			e--;
		if (s == e || *s == '#')
			continue;
		if (age_identity_parse(&id, s, (size_t)(e - s), err) == -1) {
			/* the reason only: the line is key material */
			rc = err_wrap(err, "key '%s' line %zu", name, lineno);
			break;
		}
		add_identity(k, &id);
	}
	OPENSSL_cleanse(&id, sizeof(id));
	return rc;
}

int
sops_keys_add(struct sops_keys *k, const char *name, const char *data,
    size_t len, struct err *err)
{
	if (str_has_suffix(name, ".agekey"))
		return add_agekey(k, name, data, len, err);
	if (str_has_suffix(name, ".asc"))
		k->n_pgp++;
	return 0;
}

static int
add_entry(struct sops_keys *k, const struct doc_pair *pr, bool b64,
    struct err *err)
{
	const char *name = doc_str(pr->key), *v = doc_str(pr->value);
	size_t len;
	unsigned char *dec;
	long n;
	int rc;

	if (name == NULL || v == NULL)
		return err_set(err, ERR_INVALID, "malformed Secret entry");
	len = pr->value->u.str.len;
	if (!b64)
		return sops_keys_add(k, name, v, len, err);
	dec = xmalloc(len / 4 * 3 + 3);
	if ((n = b64_decode(dec, v, len, B64_PAD)) < 0) {
		free_secret(dec, len / 4 * 3 + 3);
		return err_set(err, ERR_INVALID, "key '%s': invalid base64",
		    name);
	}
	rc = sops_keys_add(k, name, (const char *)dec, (size_t)n, err);
	free_secret(dec, len / 4 * 3 + 3);
	return rc;
}

int
sops_keys_from_secret(struct sops_keys **out, const struct doc_node *secret,
    struct err *err)
{
	static const char *const fields[] = { "data", "stringData" };
	struct sops_keys *k = sops_keys_new();

	for (size_t f = 0; f < 2; f++) {
		const struct doc_node *m = doc_map_get(secret, fields[f]);

		if (m == NULL || m->kind == DOC_NULL)
			continue;
		if (m->kind != DOC_MAP) {
			sops_keys_free(k);
			return err_set(err, ERR_INVALID,
			    "decryption Secret: '%s' is not a map", fields[f]);
		}
		for (size_t i = 0; i < m->u.map.n; i++) {
			if (add_entry(k, &m->u.map.items[i], f == 0, err) ==
			    -1) {
				sops_keys_free(k);
				return err_wrap(err, "decryption Secret");
			}
		}
	}
	*out = k;
	return 0;
}
