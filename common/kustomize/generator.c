/*
 * configMapGenerator and secretGenerator: key/value pairs from env files,
 * literals and files (in that order), turned into a ConfigMap or Secret
 * exactly as kustomize writes them, then absorbed into the accumulator
 * by their behavior (create, merge, replace).
 */
#include "kustomize/kz_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/buf.h"

struct kv {
	const char *key, *value;
	size_t vlen;
};

struct kvs {
	struct kv *v;
	size_t n, cap;
};

static void
kvs_push(struct arena *a, struct kvs *s, const char *k, const char *v,
    size_t vlen)
{
	if (s->n == s->cap) {
		size_t cap = s->cap == 0 ? 8 : s->cap * 2;
		struct kv *nv = arena_alloc(a, cap * sizeof(*nv));

		if (s->n > 0)
			memcpy(nv, s->v, s->n * sizeof(*nv));
		s->v = nv;
		s->cap = cap;
	}
	s->v[s->n].key = k;
	s->v[s->n].value = v;
	s->v[s->n].vlen = vlen;
	s->n++;
}

static bool
utf8_valid(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = 0;

	while (i < n) {
		unsigned c = s[i];
		size_t k;
		unsigned min, cp;

		if (c < 0x80) {
			i++;
			continue;
		}
		if ((c & 0xe0) == 0xc0)
			k = 1, min = 0x80, cp = c & 0x1f;
		else if ((c & 0xf0) == 0xe0)
			k = 2, min = 0x800, cp = c & 0x0f;
		else if ((c & 0xf8) == 0xf0)
			k = 3, min = 0x10000, cp = c & 0x07;
		else
			return false;
		if (i + k >= n)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += k + 1;
	}
	return true;
}

/* ---- sources ------------------------------------------------------------ */

static int
env_line(struct arena *a, struct kvs *out, const char *line, size_t len,
    bool first, const char *path, struct err *err)
{
	const char *eq;

	if (!utf8_valid(line, len))
		return err_set(err, ERR_INVALID,
		    "'%s': a line has invalid utf8 bytes", path);
	if (first && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	while (len > 0 &&
	    (*line == ' ' || *line == '\t' || *line == '\v' || *line == '\f' ||
	        *line == '\r' || *line == '\n')) {
		line++;
		len--;
	}
	if (len == 0 || line[0] == '#')
		return 0;
	eq = memchr(line, '=', len);
	if (eq == NULL) {
		kvs_push(a, out, arena_strndup(a, line, len), "", 0);
		return 0;
	}
	kvs_push(a, out, arena_strndup(a, line, (size_t)(eq - line)),
	    arena_strndup(a, eq + 1, len - (size_t)(eq - line) - 1),
	    len - (size_t)(eq - line) - 1);
	return 0;
}

static int
from_env_file(struct arena *a, struct kvs *out, const struct kz_target *t,
    const char *path, struct err *err)
{
	char *text;
	size_t len, start = 0;

	if (kz_load_file(&text, &len, t, path, err) == -1)
		return -1;
	for (size_t i = 0; i <= len; i++) {
		size_t end = i;

		if (i < len && text[i] != '\n')
			continue;
		if (end > start && text[end - 1] == '\r')
			end--;
		if ((i < len || end > start) &&
		    env_line(a, out, text + start, end - start, start == 0,
		        path, err) == -1)
			return -1;
		start = i + 1;
	}
	return 0;
}

static int
from_literal(struct arena *a, struct kvs *out, const char *s, struct err *err)
{
	const char *eq = strchr(s, '=');
	const char *v;
	size_t vl;

	if (eq == NULL || eq == s)
		return err_set(err, ERR_INVALID,
		    "invalid literal source %s, expected key=value", s);
	v = eq + 1;
	vl = strlen(v);
	if (vl >= 2 && v[0] == v[vl - 1] && (v[0] == '"' || v[0] == '\'')) {
		v++;
		vl -= 2;
	}
	kvs_push(a, out, arena_strndup(a, s, (size_t)(eq - s)),
	    arena_strndup(a, v, vl), vl);
	return 0;
}

static int
from_file(struct arena *a, struct kvs *out, const struct kz_target *t,
    const char *src, struct err *err)
{
	const char *eq = strchr(src, '=');
	const char *key, *path, *slash;
	char *text;
	size_t len;

	if (eq != NULL && strchr(eq + 1, '=') != NULL)
		return err_set(err, ERR_INVALID,
		    "source \"%s\" key name or file path contains '='", src);
	if (eq == src)
		return err_set(err, ERR_INVALID,
		    "missing key name for file path \"%s\" in source \"%s\"",
		    eq + 1, src);
	if (eq != NULL && eq[1] == '\0')
		return err_set(err, ERR_INVALID,
		    "missing file path for key name \"%.*s\" in source \"%s\"",
		    (int)(eq - src), src, src);
	if (eq != NULL) {
		key = arena_strndup(a, src, (size_t)(eq - src));
		path = eq + 1;
	} else {
		path = src;
		slash = strrchr(path, '/');
		key = slash != NULL ? slash + 1 : path;
	}
	if (kz_load_file(&text, &len, t, path, err) == -1)
		return -1;
	kvs_push(a, out, key, text, len);
	return 0;
}

typedef int source_fn(struct arena *a, struct kvs *out,
    const struct kz_target *t, const char *s, struct err *err);

static int
literal_source(struct arena *a, struct kvs *out, const struct kz_target *t,
    const char *s, struct err *err)
{
	(void)t;
	return from_literal(a, out, s, err);
}

static int
each_string(const struct doc_node *seq, source_fn *fn, struct arena *a,
    struct kvs *out, const struct kz_target *t, struct err *err)
{
	if (seq == NULL || seq->kind != DOC_SEQ)
		return 0;
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		const char *s = kz_scalar(seq->u.seq.items[i]);

		if (s != NULL && fn(a, out, t, s, err) == -1)
			return -1;
	}
	return 0;
}

static int
load_pairs(struct kvs *out, const struct kz_target *t,
    const struct doc_node *args, const char *name, struct err *err)
{
	struct arena *a = t->b->a;
	const char *env = kz_get_str(args, "env");

	if (each_string(doc_map_get(args, "envs"), from_env_file, a, out, t,
	        err) == -1 ||
	    (env != NULL && env[0] != '\0' &&
	        from_env_file(a, out, t, env, err) == -1))
		return err_wrap(err, "env source files");
	if (each_string(doc_map_get(args, "literals"), literal_source, a, out,
	        t, err) == -1)
		return err_wrap(err, "literal sources");
	if (each_string(doc_map_get(args, "files"), from_file, a, out, t,
	        err) == -1)
		return err_wrap(err, "file sources");
	for (size_t i = 0; i < out->n; i++)
		for (size_t j = 0; j < i; j++)
			if (strcmp(out->v[i].key, out->v[j].key) == 0)
				return err_set(err, ERR_INVALID,
				    "configmap %s illegally repeats the key `%s`",
				    name, out->v[i].key);
	return 0;
}

/* ---- objects ------------------------------------------------------------ */

/* kustomize's base64 for data: lines of 70 characters, each ending in a
 * newline, when the encoding is longer than that. */
static char *
base64(struct arena *a, const char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	size_t enc = (n + 2) / 3 * 4, lines = enc / 70 + 1, k = 0, col = 0;
	char *raw = arena_alloc(a, enc + 1), *out;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)p[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)p[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)p[i + 2];
		raw[k++] = tab[(v >> 18) & 63];
		raw[k++] = tab[(v >> 12) & 63];
		raw[k++] = tab[i + 1 < n ? (v >> 6) & 63 : 64];
		raw[k++] = tab[i + 2 < n ? v & 63 : 64];
	}
	raw[k] = '\0';
	if (lines == 1)
		return raw;
	out = arena_alloc(a, enc + lines + 1);
	k = 0;
	for (size_t i = 0; i < enc; i++) {
		out[k++] = raw[i];
		if (++col == 70 || i + 1 == enc) {
			out[k++] = '\n';
			col = 0;
		}
	}
	out[k] = '\0';
	return out;
}

static struct doc_node *
value_node(struct arena *a, const char *s, size_t n)
{
	struct doc_node *v = doc_new_str(a, s, n);

	if (memchr(s, '\n', n) != NULL)
		v->style = DOC_STYLE_LITERAL;
	return v;
}

static int
kv_cmp(const void *x, const void *y)
{
	return strcmp(((const struct kv *)x)->key, ((const struct kv *)y)->key);
}

static void
set_data(struct arena *a, struct doc_node *obj, struct kvs *kv, bool secret)
{
	struct doc_node *data = NULL, *bin = NULL;

	if (kv->n > 1)
		qsort(kv->v, kv->n, sizeof(kv->v[0]), kv_cmp);
	if (secret) {
		data = doc_new_map(a);
		doc_map_set(a, obj, "data", 4, data);
	}
	for (size_t i = 0; i < kv->n; i++) {
		const struct kv *p = &kv->v[i];
		bool text = !secret && utf8_valid(p->value, p->vlen);
		const char *v = text ? p->value : base64(a, p->value, p->vlen);
		struct doc_node **m = text || secret ? &data : &bin;

		if (*m == NULL) {
			*m = doc_new_map(a);
			doc_map_set(a, obj, m == &data ? "data" : "binaryData",
			    m == &data ? 4 : 10, *m);
		}
		doc_map_set(a, *m, p->key, strlen(p->key),
		    value_node(a, v, strlen(v)));
	}
}

/* The pairs of m that dst (metadata's field) does not have yet. */
static void
add_missing_pairs(struct arena *a, struct kz_res *r, const char *field,
    const struct doc_node *m)
{
	for (size_t j = 0; m != NULL && m->kind == DOC_MAP && j < m->u.map.n;
	     j++) {
		const char *k = doc_str(m->u.map.items[j].key);
		const char *v = kz_scalar(m->u.map.items[j].value);
		struct doc_node *dst = kz_res_meta_map(a, r, field, true);

		if (doc_map_get(dst, k) == NULL)
			doc_map_set(a, dst, k, strlen(k),
			    doc_new_str(a, v != NULL ? v : "",
			        v != NULL ? strlen(v) : 0));
	}
}

/* Options of the entry with the kustomization's generatorOptions under
 * them (kustomize's MergeGlobalOptionsIntoLocal). */
static void
apply_options(struct arena *a, struct kz_res *r, const struct doc_node *local,
    const struct doc_node *global)
{
	add_missing_pairs(a, r, "labels", doc_map_get(local, "labels"));
	add_missing_pairs(a, r, "annotations",
	    doc_map_get(local, "annotations"));
	add_missing_pairs(a, r, "labels", doc_map_get(global, "labels"));
	add_missing_pairs(a, r, "annotations",
	    doc_map_get(global, "annotations"));
	if (kz_get_bool(local, "immutable") || kz_get_bool(global, "immutable"))
		doc_map_set(a, r->obj, "immutable", 9, doc_new_bool(a, true));
	r->needs_hash = !kz_get_bool(local, "disableNameSuffixHash") &&
	    !kz_get_bool(global, "disableNameSuffixHash");
}

static uint8_t
behavior(const char *s)
{
	if (s == NULL || s[0] == '\0')
		return KZ_BEHAVIOR_UNSET;
	if (strcmp(s, "create") == 0)
		return KZ_BEHAVIOR_CREATE;
	if (strcmp(s, "merge") == 0)
		return KZ_BEHAVIOR_MERGE;
	if (strcmp(s, "replace") == 0)
		return KZ_BEHAVIOR_REPLACE;
	return KZ_BEHAVIOR_UNSET;
}

/* The object before its data: apiVersion, kind, name, namespace, and a
 * Secret's type. */
static struct doc_node *
skeleton(struct arena *a, const char *name, const char *ns, const char *type,
    bool secret)
{
	struct doc_node *obj = doc_new_map(a), *md = doc_new_map(a);

	doc_map_set(a, obj, "apiVersion", 10, doc_new_str(a, "v1", 2));
	doc_map_set(a, obj, "kind", 4,
	    secret ? doc_new_str(a, "Secret", 6)
	           : doc_new_str(a, "ConfigMap", 9));
	doc_map_set(a, obj, "metadata", 8, md);
	doc_map_set(a, md, "name", 4, doc_new_str(a, name, strlen(name)));
	if (ns != NULL && ns[0] != '\0')
		doc_map_set(a, md, "namespace", 9,
		    doc_new_str(a, ns, strlen(ns)));
	if (secret) {
		if (type == NULL || type[0] == '\0')
			type = "Opaque";
		doc_map_set(a, obj, "type", 4,
		    doc_new_str(a, type, strlen(type)));
	}
	return obj;
}

int
kz_generate(struct kz_res **out, const struct kz_target *t,
    const struct doc_node *args, bool secret, bool plugin, struct err *err)
{
	struct arena *a = t->b->a;
	const struct doc_node *meta = doc_map_get(args, "metadata");
	const char *name = kz_get_str(args, "name");
	const char *ns = kz_get_str(args, "namespace");
	struct doc_node *obj;
	struct kvs kv = { 0 };
	struct kz_res *r;

	/* a plugin configuration may name its object in its metadata */
	if (plugin && (name == NULL || name[0] == '\0'))
		name = kz_get_str(meta, "name");
	if (plugin && (ns == NULL || ns[0] == '\0'))
		ns = kz_get_str(meta, "namespace");
	if (name == NULL || name[0] == '\0')
		return err_set(err, ERR_INVALID, "a %s must have a name",
		    secret ? "secret" : "configmap");
	obj = skeleton(a, name, ns, kz_get_str(args, "type"), secret);
	if (load_pairs(&kv, t, args, name, err) == -1)
		return err_wrap(err, "%s '%s'", secret ? "secret" : "configmap",
		    name);
	set_data(a, obj, &kv, secret);
	r = kz_res_new(a, obj);
	apply_options(a, r, doc_map_get(args, "options"),
	    plugin ? NULL : doc_map_get(t->k, "generatorOptions"));
	r->behavior = behavior(kz_get_str(args, "behavior"));
	if (r->behavior == KZ_BEHAVIOR_UNSET)
		r->behavior = KZ_BEHAVIOR_CREATE;
	r->build_annotated = true;
	*out = r;
	return 0;
}

static int
run_list(struct kz_acc *acc, struct kz_target *t, const char *field,
    bool secret, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, field);

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		struct kz_res *r;

		if (seq->u.seq.items[i]->kind != DOC_MAP)
			continue;
		if (kz_generate(&r, t, seq->u.seq.items[i], secret, false,
		        err) == -1 ||
		    kz_generated_origin(t, r, secret) == -1 ||
		    kz_resmap_absorb(t->b->a, &acc->rm, r, err) == -1)
			return err_wrap(err, "merging from generator");
	}
	return 0;
}

int
kz_run_generators(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *helm = doc_map_get(t->k, "helmCharts");
	const struct doc_node *helm2 = doc_map_get(t->k,
	    "helmChartInflationGenerator");

	if (run_list(acc, t, "configMapGenerator", false, err) == -1 ||
	    run_list(acc, t, "secretGenerator", true, err) == -1)
		return -1;
	if ((helm != NULL && helm->kind == DOC_SEQ && helm->u.seq.n > 0) ||
	    (helm2 != NULL && helm2->kind == DOC_SEQ && helm2->u.seq.n > 0))
		return err_set(err, ERR_UNSUPPORTED,
		    "helmCharts: flint does not inflate Helm charts in "
		    "kustomize builds");
	return kz_plugins_generate(acc, t, err);
}
