/*
 * Secrets for the source kinds (spec.secretRef, certSecretRef): read one
 * through the API, decode its values, and wipe them all when done, so
 * no credential outlives the reconcile that needed it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "source.h"

#define SECRET_VALUES_MAX 32

struct source_secret {
	struct doc *doc;
	struct {
		char *p;
		size_t len;
	} vals[SECRET_VALUES_MAX];
	size_t n;
};

int
source_secret_get(struct source_secret **out, struct k8s *k, const char *ns,
    const char *name, struct err *err)
{
	struct k8s_ref ref = { "v1", "Secret", ns, name };
	struct source_secret *s = xcalloc(1, sizeof(*s));

	if (k8s_get(&s->doc, k, &ref, err) == 0) {
		*out = s;
		return 0;
	}
	free(s);
	if (err->code != ERR_NOTFOUND)
		return err_wrap(err, "failed to get secret '%s/%s'", ns, name);
	err_reset(err);
	err_set(err, ERR_NOTFOUND,
	    "failed to get secret '%s/%s': secrets \"%s\" not found", ns, name,
	    name);
	return err_reason(err, SOURCE_REASON_AUTH_FAILED);
}

/* Keeps a copy of n bytes at p (plus NUL) to wipe later. */
static const char *
value_keep(struct source_secret *s, const char *p, size_t n, struct err *err)
{
	char *copy;

	if (s->n == SECRET_VALUES_MAX) {
		err_set(err, ERR_LIMIT, "more than %d secret values read",
		    SECRET_VALUES_MAX);
		return NULL;
	}
	copy = xmalloc(n + 1);
	memcpy(copy, p, n);
	copy[n] = '\0';
	s->vals[s->n].p = copy;
	s->vals[s->n++].len = n + 1;
	return copy;
}

const char *
source_secret_value(struct source_secret *s, const char *key, size_t *len,
    struct err *err)
{
	const struct doc_node *root = doc_root(s->doc, 0);
	const char *v = doc_str(
	    doc_map_get(doc_map_get(root, "stringData"), key));
	const char *kept;
	size_t n;
	char *raw;

	if (v != NULL) {
		n = strlen(v);
		kept = value_keep(s, v, n, err);
	} else {
		v = doc_str(doc_map_get(doc_map_get(root, "data"), key));
		if (v == NULL)
			return NULL;
		if (k8s_b64_decode(&raw, &n, v, strlen(v), err) == -1) {
			err_wrap(err, "secret key '%s' is not valid base64",
			    key);
			return NULL;
		}
		kept = value_keep(s, raw, n, err);
		free_secret(raw, n + 1);
	}
	if (kept != NULL && len != NULL)
		*len = n;
	return kept;
}

/* Zeroes the string values of one map of the Secret. The strings live
 * in the doc's arena, which is writable memory of ours; the node only
 * hands them out const. */
static void
map_wipe(const struct doc_node *map)
{
	for (size_t i = 0;
	     map != NULL && map->kind == DOC_MAP && i < map->u.map.n; i++) {
		const struct doc_node *v = map->u.map.items[i].value;

		if (v != NULL && doc_is_scalar(v) && v->u.str.ptr != NULL)
			explicit_bzero((void *)(uintptr_t)v->u.str.ptr,
			    v->u.str.len);
	}
}

void
source_secret_free(struct source_secret *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->n; i++)
		free_secret(s->vals[i].p, s->vals[i].len);
	if (s->doc != NULL) {
		map_wipe(doc_map_get(doc_root(s->doc, 0), "data"));
		map_wipe(doc_map_get(doc_root(s->doc, 0), "stringData"));
	}
	doc_free(s->doc);
	free(s);
}
