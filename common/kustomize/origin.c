/*
 * buildMetadata: where each object came from (config.kubernetes.io/origin:
 * the file, or the generator and the kustomization that configured it)
 * and which transformers touched it (alpha.config.kubernetes.io/
 * transformations). kustomize tracks both whenever the top kustomization
 * has any buildMetadata, and removes what was not asked for at the end;
 * the annotation texts are YAML as kustomize writes them.
 */
#include "kustomize/kz_int.h"

#include <string.h>

#define ORIGIN          "config.kubernetes.io/origin"
#define TRANSFORMATIONS "alpha.config.kubernetes.io/transformations"

/* filepath.Join: joined with '/', then cleaned as Go's path.Clean. */
char *
kz_origin_join(struct arena *a, const char *base, const char *path)
{
	const char *joined = base == NULL || base[0] == '\0'
	    ? path
	    : arena_printf(a, "%s/%s", base, path);
	const char **parts, **out;
	size_t n = kz_path_split_on(&parts, a, joined, '/'), k = 0;
	bool abs = joined[0] == '/';
	char *res = "";

	out = arena_calloc(a, n > 0 ? n : 1, sizeof(*out));
	for (size_t i = 0; i < n; i++) {
		const char *p = parts[i];

		if (p[0] == '\0' || strcmp(p, ".") == 0)
			continue;
		if (strcmp(p, "..") == 0 && k > 0 &&
		    strcmp(out[k - 1], "..") != 0) {
			k--;
			continue;
		}
		if (strcmp(p, "..") == 0 && abs)
			continue;
		out[k++] = p;
	}
	for (size_t i = 0; i < k; i++)
		res = arena_printf(a, "%s%s%s", res, i > 0 ? "/" : "", out[i]);
	if (abs)
		return arena_printf(a, "/%s", res);
	return res[0] != '\0' ? res : arena_strdup(a, ".");
}

/* A string as go-yaml v3 writes it: plain when that reads back the same,
 * else double-quoted. */
static const char *
yaml_str(struct arena *a, const char *s)
{
	bool plain = s[0] != '\0' && s[0] != '-' && s[0] != ' ' &&
	    doc_resolve_plain(s, strlen(s)) == DOC_STR;

	for (const char *p = s; plain && *p != '\0'; p++)
		plain = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || strchr("._/-~", *p) != NULL;
	if (plain)
		return s;
	return arena_printf(a, "\"%s\"", s);
}

/* One origin as YAML, every line after the first indented by indent. */
static char *
origin_text(struct arena *a, const struct kz_origin *o, const char *indent)
{
	char *s = "";
	const char *sep = "";

	if (o->path != NULL) {
		s = arena_printf(a, "path: %s\n", yaml_str(a, o->path));
		sep = indent;
	}
	if (o->configured_in != NULL) {
		s = arena_printf(a, "%s%sconfiguredIn: %s\n", s, sep,
		    yaml_str(a, o->configured_in));
		sep = indent;
	}
	if (o->kind != NULL) {
		s = arena_printf(a,
		    "%s%sconfiguredBy:\n%s  apiVersion: %s\n%s  kind: %s\n", s,
		    sep, indent, yaml_str(a, o->api), indent,
		    yaml_str(a, o->kind));
		if (o->name != NULL && o->name[0] != '\0')
			s = arena_printf(a, "%s%s  name: %s\n", s, indent,
			    yaml_str(a, o->name));
		if (o->ns != NULL && o->ns[0] != '\0')
			s = arena_printf(a, "%s%s  namespace: %s\n", s, indent,
			    yaml_str(a, o->ns));
	}
	return s;
}

static const char *
annotation(const struct kz_res *r, const char *key)
{
	return kz_get_str(doc_map_get(doc_map_get(r->obj, "metadata"),
	                      "annotations"),
	    key);
}

static void
set_annotation(struct arena *a, struct kz_res *r, const char *key,
    const char *value)
{
	doc_map_set(a, kz_res_meta_map(a, r, "annotations", true), key,
	    strlen(key), doc_new_str(a, value, strlen(value)));
}

void
kz_origin_annotate(const struct kz_target *t, struct kz_resmap *rm,
    const char *path)
{
	struct arena *a = t->b->a;
	struct kz_origin o = { 0 };
	char *text;

	o.path = kz_origin_join(a, t->origin_path, path);
	text = origin_text(a, &o, "");
	for (size_t i = 0; i < rm->v.n; i++)
		set_annotation(a, rm->v.v[i], ORIGIN, text);
}

/* The origin of what a builtin generator or transformer of t did. */
void
kz_origin_builtin(struct kz_origin *o, const struct kz_target *t,
    const char *kind)
{
	memset(o, 0, sizeof(*o));
	o->configured_in = kz_origin_join(t->b->a, t->origin_path, t->kname);
	o->api = "builtin";
	o->kind = kind;
}

void
kz_origin_generated(const struct kz_target *t, struct kz_res *r,
    const struct kz_origin *o)
{
	if (!t->b->track_origin || annotation(r, ORIGIN) != NULL)
		return;
	set_annotation(t->b->a, r, ORIGIN, origin_text(t->b->a, o, ""));
}

int
kz_generated_origin(const struct kz_target *t, struct kz_res *r, bool secret)
{
	struct kz_origin o;

	kz_origin_builtin(&o, t,
	    secret ? "SecretGenerator" : "ConfigMapGenerator");
	kz_origin_generated(t, r, &o);
	return 0;
}

/* kustomize's AddTransformerAnnotation: an object without an origin takes
 * the transformer's as its origin, the others list it. */
void
kz_origin_transformed(struct kz_acc *acc, const struct kz_target *t,
    const struct kz_origin *o)
{
	struct arena *a = acc->arena;

	if (!t->b->track_origin)
		return;
	for (size_t i = 0; i < acc->rm.v.n; i++) {
		struct kz_res *r = acc->rm.v.v[i];
		const char *list = annotation(r, TRANSFORMATIONS);

		if (annotation(r, ORIGIN) == NULL) {
			set_annotation(a, r, ORIGIN, origin_text(a, o, ""));
			continue;
		}
		set_annotation(a, r, TRANSFORMATIONS,
		    arena_printf(a, "%s- %s", list != NULL ? list : "",
		        origin_text(a, o, "  ")));
	}
}

void
kz_mark_transformed(struct kz_acc *acc, const struct kz_target *t,
    const char *kind)
{
	struct kz_origin o;

	if (!t->b->track_origin)
		return;
	kz_origin_builtin(&o, t, kind);
	kz_origin_transformed(acc, t, &o);
}

/* A plugin's origin: where its configuration came from. */
bool
kz_origin_plugin(struct kz_origin *o, struct arena *a, const struct kz_res *c)
{
	const char *text = annotation(c, ORIGIN);
	const char *p;

	memset(o, 0, sizeof(*o));
	if (text == NULL || strncmp(text, "path: ", 6) != 0)
		return false;
	p = text + 6;
	o->configured_in = arena_strndup(a, p, strcspn(p, "\n"));
	o->api = kz_res_api(c);
	o->kind = kz_res_kind(c);
	o->name = kz_res_name(c);
	o->ns = kz_res_ns(c);
	return true;
}
