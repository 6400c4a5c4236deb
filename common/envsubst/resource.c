/*
 * kustomize-controller's post-build step on rendered resources: skip the
 * ones marked kustomize.toolkit.fluxcd.io/substitute: disabled, and
 * expand the others' YAML text as a whole before parsing it again, so a
 * value may change a scalar's type ("replicas: ${n}") or break the YAML,
 * exactly as under Flux.
 */
#include "envsubst/envsubst.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "envsubst/envsubst_int.h"

#define SUBSTITUTE_KEY "kustomize.toolkit.fluxcd.io/substitute"

/*
 * Whether labels or annotations carry the opt-out. Flux reads them as a
 * map of strings; one value of another type makes the whole map read as
 * empty, so it cannot opt out either.
 */
static bool
marked_disabled(const struct doc_node *m)
{
	const struct doc_node *v = doc_map_get(m, SUBSTITUTE_KEY);
	size_t i;

	if (v == NULL || v->kind != DOC_STR ||
	    strcmp(doc_str(v), "disabled") != 0)
		return false;
	for (i = 0; i < m->u.map.n; i++)
		if (m->u.map.items[i].value->kind != DOC_STR)
			return false;
	return true;
}

bool
envsubst_is_disabled(const struct doc_node *res)
{
	const struct doc_node *meta = doc_map_get(res, "metadata");

	return marked_disabled(doc_map_get(meta, "labels")) ||
	    marked_disabled(doc_map_get(meta, "annotations"));
}

/* Expands text with vars into a doc, wrapping errors as Flux does. */
static int
substitute_text(struct doc **out, const struct buf *text,
    const struct envsubst_vars *vars, bool strict, struct err *err)
{
	struct envsubst_opts opts = { .strict = strict };
	char *expanded = NULL;
	size_t len = 0;
	int rv;

	if (envsubst_eval(&expanded, &len, text->data, text->len, vars, &opts,
	        err) == -1) {
		err_wrap(err, "variable substitution failed");
		return err_wrap(err, "envsubst error");
	}
	rv = doc_parse_yaml(out, expanded, len, NULL, err);
	free_secret(expanded, len); /* it holds the values */
	if (rv == -1)
		return err_wrap(err, "envsubst error: YAMLToJSON");
	return 0;
}

int
envsubst_resource(struct arena *a, struct doc_node *res,
    const struct envsubst_vars *vars, const struct envsubst_postbuild *pb,
    struct err *err)
{
	struct doc *d = NULL;
	struct buf text;
	int rv = -1;

	if (envsubst_is_disabled(res) ||
	    (envsubst_vars_count(vars) == 0 && pb->strategy != ENVSUBST_ALWAYS))
		return 0;
	if (envsubst_vars_check_names(vars, err) == -1)
		return err_wrap(err, "envsubst error");
	buf_init(&text, ENVSUBST_DEFAULT_MAX_BYTES);
	if (doc_emit_yaml(&text, res, err) == -1)
		goto out;
	if (substitute_text(&d, &text, vars, pb->strict, err) == -1)
		goto out;
	if (doc_count(d) == 0 || doc_root(d, 0)->kind != DOC_MAP) {
		err_set(err, ERR_INVALID,
		    "UnmarshalJSON: the substituted resource is not a map");
		goto out;
	}
	if (envsubst_flux_json(doc_arena(d), doc_root(d, 0), err) == -1) {
		err_wrap(err, "envsubst error: YAMLToJSON");
		goto out;
	}
	*res = *doc_copy(a, doc_root(d, 0)); /* the node itself stays put */
	rv = 0;
out:
	doc_free(d);
	buf_release(&text);
	return rv;
}

static const char *
or_none(const char *s, const char *none)
{
	return s != NULL && *s != '\0' ? s : none;
}

/* The resource as Flux names it in errors, Kind.version.group/name, with
 * kustomize's placeholders for what is missing. */
static void
resource_id(char *dst, size_t size, const struct doc_node *res)
{
	const char *api = doc_str(doc_map_get(res, "apiVersion"));
	const char *kind = doc_str(doc_map_get(res, "kind"));
	const char *name = doc_str(doc_ptr_find(res, "/metadata/name"));
	const char *slash = api != NULL ? strchr(api, '/') : NULL;
	const char *group = "[noGrp]", *version = or_none(api, "[noVer]");
	int group_len = 7;

	if (slash != NULL && slash != api) {
		group = api;
		group_len = (int)(slash - api);
	}
	if (slash != NULL)
		version = or_none(slash + 1, "[noVer]");
	(void)snprintf(dst, size, "%s.%s.%.*s/%s", or_none(kind, "[noKind]"),
	    version, group_len, group, or_none(name, ""));
}

int
envsubst_doc(struct doc *d, const struct envsubst_postbuild *pb,
    struct err *err)
{
	struct envsubst_vars *vars = NULL;
	char id[256];
	size_t i;
	int rv = 0;

	for (i = 0; i < doc_count(d) && rv == 0; i++) {
		struct doc_node *res = doc_root(d, i);

		if (envsubst_is_disabled(res))
			continue;
		resource_id(id, sizeof(id), res);
		/* Flux loads the variables per resource that needs them */
		if ((vars == NULL &&
		        envsubst_vars_load(&vars, pb, err) == -1) ||
		    envsubst_resource(doc_arena(d), res, vars, pb, err) == -1)
			rv = err_wrap(err, "post build failed for '%s'", id);
	}
	envsubst_vars_free(vars);
	return rv;
}
