/*
 * Decoding a Kustomization's spec into struct kc_spec: the fields the
 * reconcile reads, with Flux's defaults (retryInterval = interval,
 * timeout = interval, sourceRef namespace = the Kustomization's).
 * The CRD's schema already checked types; what it cannot check (a
 * duration's value) is ERR_INVALID here.
 */
#include "kc.h"

#include <string.h>

#include "core/str.h"

static const char *const source_kinds[KC_SOURCE_KINDS] = {
	[KC_SOURCE_GIT] = "GitRepository",
	[KC_SOURCE_OCI] = "OCIRepository",
	[KC_SOURCE_BUCKET] = "Bucket",
};

int
kc_fail(struct err *err, const char *reason)
{
	err->reason = reason;
	return -1;
}

int
kc_source_kind(const char *kind)
{
	for (int i = 0; kind != NULL && i < KC_SOURCE_KINDS; i++)
		if (strcmp(kind, source_kinds[i]) == 0)
			return i;
	return -1;
}

static const char *
str_or(const struct doc_node *n, const char *dflt)
{
	const char *s = doc_str(n);

	return s != NULL && s[0] != '\0' ? s : dflt;
}

static bool
bool_at(const struct doc_node *spec, const char *key)
{
	struct err err = ERR_INIT;
	bool v = false;

	if (doc_get_bool(&v, doc_map_get(spec, key), &err) == -1)
		return false;
	return v;
}

/* A duration field; dflt when absent. */
static int
duration_at(int64_t *out, const struct doc_node *spec, const char *key,
    int64_t dflt, struct err *err)
{
	const char *s = doc_str(doc_map_get(spec, key));

	*out = dflt;
	if (s == NULL)
		return 0;
	if (str_parse_duration_ms(out, s, err) == -1)
		return err_wrap(err, "spec.%s", key);
	return 0;
}

static const struct doc_node *
seq_at(const struct doc_node *spec, const char *key)
{
	const struct doc_node *n = doc_map_get(spec, key);

	return n != NULL && n->kind == DOC_SEQ && n->u.seq.n > 0 ? n : NULL;
}

/* Flux's: the interval less 30 s, but at least 30 s. */
static int64_t
timeout_default(int64_t interval_ms)
{
	return interval_ms - 30000 > 30000 ? interval_ms - 30000 : 30000;
}

static int
source_decode(struct kc_ref *out, const struct doc_node *spec,
    const char *own_ns, struct err *err)
{
	const struct doc_node *ref = doc_map_get(spec, "sourceRef");

	out->api_version = str_or(doc_map_get(ref, "apiVersion"), NULL);
	out->kind = str_or(doc_map_get(ref, "kind"), NULL);
	out->name = str_or(doc_map_get(ref, "name"), NULL);
	out->namespace = str_or(doc_map_get(ref, "namespace"), own_ns);
	if (out->name == NULL || kc_source_kind(out->kind) < 0)
		return err_set(err, ERR_INVALID,
		    "spec.sourceRef: kind '%s' with name '%s' is not a supported source",
		    out->kind != NULL ? out->kind : "",
		    out->name != NULL ? out->name : "");
	return 0;
}

int
kc_spec_decode(struct kc_spec *out, const struct doc_node *obj, struct err *err)
{
	const struct doc_node *spec = doc_map_get(obj, "spec");
	const char *ns = doc_str(doc_ptr_find(obj, "/metadata/namespace"));

	memset(out, 0, sizeof(*out));
	if (spec == NULL || spec->kind != DOC_MAP)
		return err_set(err, ERR_INVALID, "no spec");
	if (source_decode(&out->source, spec, ns, err) == -1 ||
	    duration_at(&out->interval_ms, spec, "interval", 600000, err) ==
	        -1 ||
	    duration_at(&out->retry_ms, spec, "retryInterval", out->interval_ms,
	        err) == -1 ||
	    duration_at(&out->timeout_ms, spec, "timeout",
	        timeout_default(out->interval_ms), err) == -1)
		return -1;
	out->path = str_or(doc_map_get(spec, "path"), "");
	out->prune = bool_at(spec, "prune");
	out->suspend = bool_at(spec, "suspend");
	out->wait = bool_at(spec, "wait");
	out->force = bool_at(spec, "force");
	out->target_namespace = str_or(doc_map_get(spec, "targetNamespace"),
	    NULL);
	out->service_account = str_or(doc_map_get(spec, "serviceAccountName"),
	    NULL);
	out->name_prefix = str_or(doc_map_get(spec, "namePrefix"), NULL);
	out->name_suffix = str_or(doc_map_get(spec, "nameSuffix"), NULL);
	out->depends_on = seq_at(spec, "dependsOn");
	out->health_checks = seq_at(spec, "healthChecks");
	out->patches = seq_at(spec, "patches");
	out->images = seq_at(spec, "images");
	out->components = seq_at(spec, "components");
	out->common_metadata = doc_map_get(spec, "commonMetadata");
	out->post_build = doc_map_get(spec, "postBuild");
	out->decryption = doc_map_get(spec, "decryption");
	return 0;
}
