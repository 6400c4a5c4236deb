/*
 * The host objects Helm puts in front of templates: .Files (Get,
 * GetBytes, Glob, Lines, AsConfig, AsSecrets over the chart's non-
 * template files) and .Capabilities (KubeVersion with its String and
 * GitVersion, APIVersions with Has, HelmVersion).
 */
#include "chart/chart_int.h"

#include <fnmatch.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- .Files -------------------------------------------------------------- */

struct files {
	const struct chart_file **f;
	size_t n;
};

static const struct tmpl_class files_class;

static bool
is(const char *name, size_t n, const char *lit)
{
	return strlen(lit) == n && memcmp(name, lit, n) == 0;
}

static const struct chart_file *
files_find(const struct files *fs, const struct tmpl_val *name)
{
	for (size_t i = 0; i < fs->n; i++)
		if (strlen(fs->f[i]->name) == name->u.s.n &&
		    memcmp(fs->f[i]->name, name->u.s.p, name->u.s.n) == 0)
			return fs->f[i];
	return NULL;
}

/* gobwas/glob with '/' as separator: '*' stays within a path segment,
 * '**' crosses them, {a,b} alternates. */
static bool
glob_match(const char *pat, const char *name, unsigned depth)
{
	const char *open = strchr(pat, '{'), *close;
	char buf[1024];

	if (open != NULL && depth < 8 && (close = strchr(open, '}')) != NULL) {
		const char *alt = open + 1;

		while (alt <= close) {
			const char *end = alt;

			while (end < close && *end != ',')
				end++;
			(void)snprintf(buf, sizeof(buf), "%.*s%.*s%s",
			    (int)(open - pat), pat, (int)(end - alt), alt,
			    close + 1);
			if (glob_match(buf, name, depth + 1))
				return true;
			alt = end + 1;
		}
		return false;
	}
	if (strstr(pat, "**") != NULL)
		return fnmatch(pat, name, 0) == 0;
	return fnmatch(pat, name, FNM_PATHNAME) == 0;
}

static struct tmpl_val
files_value(struct arena *a, const struct files *fs)
{
	struct files *copy = arena_alloc(a, sizeof(*copy));

	*copy = *fs;
	return tmpl_obj_new(a, &files_class, copy);
}

static struct tmpl_val
files_glob(struct arena *a, const struct files *fs, const struct tmpl_val *p)
{
	struct files out = {
		arena_calloc(a, fs->n + 1, sizeof(struct chart_file *)), 0
	};
	char *pat = arena_strndup(a, p->u.s.p, p->u.s.n);

	for (size_t i = 0; i < fs->n; i++)
		if (glob_match(pat, fs->f[i]->name, 0))
			out.f[out.n++] = fs->f[i];
	return files_value(a, &out);
}

static struct tmpl_val
files_lines(struct arena *a, const struct chart_file *f)
{
	struct tmpl_val out = tmpl_list_new(a, 0);
	size_t n, start = 0;

	out.type = TMPL_T_STRINGS;
	if (f == NULL || f->len == 0)
		return out;
	n = f->data[f->len - 1] == '\n' ? f->len - 1 : f->len;
	for (size_t i = 0; i <= n; i++)
		if (i == n || f->data[i] == '\n') {
			tmpl_list_append(a, out.u.l,
			    tmpl_str(f->data + start, i - start));
			start = i + 1;
		}
	return out;
}

static struct tmpl_val
base64(struct arena *a, const char *p, size_t n)
{
	/* index 64 is the padding */
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	char *o = arena_alloc(a, 4 * ((n + 2) / 3) + 1);
	const unsigned char *s = (const unsigned char *)p;
	size_t k = 0;

	for (size_t i = 0; i < n; i += 3) {
		uint32_t v = (uint32_t)s[i] << 16;

		if (i + 1 < n)
			v |= (uint32_t)s[i + 1] << 8;
		if (i + 2 < n)
			v |= s[i + 2];
		o[k++] = tab[(v >> 18) & 63];
		o[k++] = tab[(v >> 12) & 63];
		o[k++] = tab[i + 1 < n ? (v >> 6) & 63 : 64];
		o[k++] = tab[i + 2 < n ? v & 63 : 64];
	}
	o[k] = '\0';
	return tmpl_str(o, k);
}

/* AsConfig/AsSecrets: base names to contents (or base64), as toYaml. */
static int
files_as(struct tmpl_val *out, struct arena *a, const struct files *fs,
    bool secrets, struct err *err)
{
	struct tmpl_val m = tmpl_map_new(a, fs->n);
	struct buf b;

	for (size_t i = 0; i < fs->n; i++) {
		const char *base = strrchr(fs->f[i]->name, '/');
		struct tmpl_val v = tmpl_str(fs->f[i]->data, fs->f[i]->len);

		base = base != NULL ? base + 1 : fs->f[i]->name;
		if (secrets)
			v = base64(a, v.u.s.p, v.u.s.n);
		tmpl_map_set(a, m.u.m, base, strlen(base), v);
	}
	buf_init(&b, (size_t)256 << 20);
	if (tmpl_to_yaml(&b, &m, err) == -1) {
		buf_release(&b);
		return -1;
	}
	if (b.len > 0 && b.data[b.len - 1] == '\n')
		b.len--;
	*out = tmpl_str_dup(a, b.data, b.len);
	buf_release(&b);
	return 0;
}

static int
files_member(struct tmpl_val *out, const struct tmpl_obj *o, const char *name,
    size_t n, size_t argc, const struct tmpl_val *argv, struct arena *a,
    struct err *err)
{
	const struct files *fs = o->data;
	size_t want = is(name, n, "AsConfig") || is(name, n, "AsSecrets") ? 0
	                                                                  : 1;
	const struct chart_file *f;

	if (!is(name, n, "Get") && !is(name, n, "GetBytes") &&
	    !is(name, n, "Glob") && !is(name, n, "Lines") && want == 1)
		return 1;
	if (argc != want)
		return err_set(err, ERR_INVALID,
		    "wrong number of args for %.*s: want %zu got %zu", (int)n,
		    name, want, argc);
	if (want == 0)
		return files_as(out, a, fs, is(name, n, "AsSecrets"), err);
	if (argv[0].kind != TMPL_STR)
		return err_set(err, ERR_INVALID,
		    "wrong type for value; expected string; got %s",
		    argv[0].kind == TMPL_NIL ? "<nil>" : "non-string");
	if (is(name, n, "Glob")) {
		*out = files_glob(a, fs, &argv[0]);
		return 0;
	}
	f = files_find(fs, &argv[0]);
	if (is(name, n, "Lines")) {
		*out = files_lines(a, f);
		return 0;
	}
	*out = f != NULL ? tmpl_str(f->data, f->len) : tmpl_str("", 0);
	if (is(name, n, "GetBytes"))
		out->type = TMPL_T_BYTES;
	return 0;
}

static void
files_plain(struct tmpl_val *out, const struct tmpl_obj *o, struct arena *a)
{
	const struct files *fs = o->data;

	*out = tmpl_map_new(a, fs->n);
	for (size_t i = 0; i < fs->n; i++) {
		struct tmpl_val v = tmpl_str(fs->f[i]->data, fs->f[i]->len);

		v.type = TMPL_T_BYTES;
		tmpl_map_set(a, out->u.m, fs->f[i]->name,
		    strlen(fs->f[i]->name), v);
	}
}

static size_t
files_len(const struct tmpl_obj *o)
{
	return ((const struct files *)o->data)->n;
}

static const struct tmpl_class files_class = {
	.type_name = "engine.files",
	.kind_name = "map",
	.member = files_member,
	.plain = files_plain,
	.len = files_len,
};

struct tmpl_val
objects_files(struct arena *a, const struct chart *c)
{
	struct files fs = {
		arena_calloc(a, c->nfiles + 1, sizeof(struct chart_file *)), 0
	};

	for (size_t i = 0; i < c->nfiles; i++)
		fs.f[fs.n++] = &c->files[i];
	return files_value(a, &fs);
}

/* ---- .Capabilities ------------------------------------------------------- */

struct kube_version {
	const char *version, *normalized, *major, *minor;
};

static void
kube_print(struct buf *b, const struct tmpl_obj *o)
{
	const struct kube_version *kv = o->data;

	buf_puts(b, kv->normalized);
}

static void
kube_plain(struct tmpl_val *out, const struct tmpl_obj *o, struct arena *a)
{
	const struct kube_version *kv = o->data;

	*out = tmpl_map_new(a, 3);
	tmpl_map_set(a, out->u.m, "Major", 5,
	    tmpl_str(kv->major, strlen(kv->major)));
	tmpl_map_set(a, out->u.m, "Minor", 5,
	    tmpl_str(kv->minor, strlen(kv->minor)));
	tmpl_map_set(a, out->u.m, "Version", 7,
	    tmpl_str(kv->version, strlen(kv->version)));
}

static int
kube_member(struct tmpl_val *out, const struct tmpl_obj *o, const char *name,
    size_t n, size_t argc, const struct tmpl_val *argv, struct arena *a,
    struct err *err)
{
	const struct kube_version *kv = o->data;
	const char *s = is(name, n, "Version") || is(name, n, "GitVersion")
	    ? kv->version
	    : is(name, n, "String") ? kv->normalized
	    : is(name, n, "Major")  ? kv->major
	    : is(name, n, "Minor")  ? kv->minor
	                            : NULL;

	(void)argv;
	(void)a;
	if (s == NULL)
		return 1;
	if (argc != 0)
		return err_set(err, ERR_INVALID,
		    "%.*s has arguments but cannot "
		    "be invoked as function",
		    (int)n, name);
	*out = tmpl_str(s, strlen(s));
	return 0;
}

static const struct tmpl_class kube_class = {
	.type_name = "common.KubeVersion",
	.kind_name = "struct",
	.member = kube_member,
	.plain = kube_plain,
	.print = kube_print,
};

struct version_set {
	struct tmpl_val list; /* of strings */
};

static int
vs_member(struct tmpl_val *out, const struct tmpl_obj *o, const char *name,
    size_t n, size_t argc, const struct tmpl_val *argv, struct arena *a,
    struct err *err)
{
	const struct version_set *vs = o->data;

	(void)a;
	if (!is(name, n, "Has"))
		return 1;
	if (argc != 1 || argv[0].kind != TMPL_STR)
		return err_set(err, ERR_INVALID,
		    "wrong number of args for Has: want 1 got %zu", argc);
	*out = tmpl_bool(false);
	for (size_t i = 0; i < vs->list.u.l->n; i++) {
		const struct tmpl_val *v = &vs->list.u.l->items[i];

		if (v->u.s.n == argv[0].u.s.n &&
		    memcmp(v->u.s.p, argv[0].u.s.p, v->u.s.n) == 0) {
			*out = tmpl_bool(true);
			break;
		}
	}
	return 0;
}

static void
vs_plain(struct tmpl_val *out, const struct tmpl_obj *o, struct arena *a)
{
	const struct version_set *vs = o->data;

	(void)a;
	*out = vs->list;
}

static void
vs_print(struct buf *b, const struct tmpl_obj *o)
{
	const struct version_set *vs = o->data;

	tmpl_print(b, &vs->list);
}

static size_t
vs_len(const struct tmpl_obj *o)
{
	return ((const struct version_set *)o->data)->list.u.l->n;
}

static const struct tmpl_class vs_class = {
	.type_name = "common.VersionSet",
	.kind_name = "slice",
	.member = vs_member,
	.plain = vs_plain,
	.print = vs_print,
	.len = vs_len,
};

struct caps {
	struct tmpl_val kube, apis, helm;
};

static int
caps_member(struct tmpl_val *out, const struct tmpl_obj *o, const char *name,
    size_t n, size_t argc, const struct tmpl_val *argv, struct arena *a,
    struct err *err)
{
	const struct caps *c = o->data;

	(void)argv;
	(void)a;
	(void)err;
	if (argc != 0)
		return 1;
	if (is(name, n, "KubeVersion"))
		*out = c->kube;
	else if (is(name, n, "APIVersions"))
		*out = c->apis;
	else if (is(name, n, "HelmVersion"))
		*out = c->helm;
	else
		return 1;
	return 0;
}

static void
caps_plain(struct tmpl_val *out, const struct tmpl_obj *o, struct arena *a)
{
	const struct caps *c = o->data;

	*out = tmpl_map_new(a, 3);
	tmpl_map_set(a, out->u.m, "APIVersions", 11, c->apis);
	tmpl_map_set(a, out->u.m, "HelmVersion", 11, c->helm);
	tmpl_map_set(a, out->u.m, "KubeVersion", 11, c->kube);
}

static const struct tmpl_class caps_class = {
	.type_name = "*common.Capabilities",
	.kind_name = "ptr",
	.member = caps_member,
	.plain = caps_plain,
};

/* Kubernetes' built-in API versions as Helm v4.1.4 (client-go 1.35)
 * lists them by default. */
static const char *const default_apis[] = {
	"v1",
	"admissionregistration.k8s.io/v1",
	"admissionregistration.k8s.io/v1alpha1",
	"admissionregistration.k8s.io/v1beta1",
	"internal.apiserver.k8s.io/v1alpha1",
	"apps/v1",
	"apps/v1beta1",
	"apps/v1beta2",
	"authentication.k8s.io/v1",
	"authentication.k8s.io/v1alpha1",
	"authentication.k8s.io/v1beta1",
	"authorization.k8s.io/v1",
	"authorization.k8s.io/v1beta1",
	"autoscaling/v1",
	"autoscaling/v2",
	"autoscaling/v2beta1",
	"autoscaling/v2beta2",
	"batch/v1",
	"batch/v1beta1",
	"certificates.k8s.io/v1",
	"certificates.k8s.io/v1beta1",
	"certificates.k8s.io/v1alpha1",
	"coordination.k8s.io/v1alpha2",
	"coordination.k8s.io/v1beta1",
	"coordination.k8s.io/v1",
	"discovery.k8s.io/v1",
	"discovery.k8s.io/v1beta1",
	"events.k8s.io/v1",
	"events.k8s.io/v1beta1",
	"extensions/v1beta1",
	"flowcontrol.apiserver.k8s.io/v1",
	"flowcontrol.apiserver.k8s.io/v1beta1",
	"flowcontrol.apiserver.k8s.io/v1beta2",
	"flowcontrol.apiserver.k8s.io/v1beta3",
	"networking.k8s.io/v1",
	"networking.k8s.io/v1beta1",
	"node.k8s.io/v1",
	"node.k8s.io/v1alpha1",
	"node.k8s.io/v1beta1",
	"policy/v1",
	"policy/v1beta1",
	"rbac.authorization.k8s.io/v1",
	"rbac.authorization.k8s.io/v1beta1",
	"rbac.authorization.k8s.io/v1alpha1",
	"resource.k8s.io/v1",
	"resource.k8s.io/v1beta2",
	"resource.k8s.io/v1beta1",
	"resource.k8s.io/v1alpha3",
	"scheduling.k8s.io/v1alpha1",
	"scheduling.k8s.io/v1beta1",
	"scheduling.k8s.io/v1",
	"storage.k8s.io/v1beta1",
	"storage.k8s.io/v1",
	"storage.k8s.io/v1alpha1",
	"storagemigration.k8s.io/v1beta1",
	"apiextensions.k8s.io/v1beta1",
	"apiextensions.k8s.io/v1",
};

/* k8s.io/apimachinery's ParseGeneric: "1.32.0", "v1.32", "1.32.0-x". */
static int
parse_kube_version(struct kube_version *kv, struct arena *a, const char *s,
    struct err *err)
{
	const char *p = s[0] == 'v' ? s + 1 : s;
	unsigned long part[3] = { 0, 0, 0 }, major, minor, patch;
	int fields = 0;
	char *end = NULL;

	while (fields < 3 && *p >= '0' && *p <= '9') {
		part[fields++] = strtoul(p, &end, 10);
		p = end;
		if (*p != '.')
			break;
		p++;
	}
	major = part[0];
	minor = part[1];
	patch = part[2];
	if (fields < 2 || (*p != '\0' && *p != '-' && *p != '+'))
		return err_set(err, ERR_INVALID,
		    "invalid kube version '%s': could not parse \"%s\" as "
		    "version",
		    s, s);
	kv->version = s[0] == 'v' ? arena_strdup(a, s)
	                          : arena_printf(a, "v%s", s);
	kv->normalized = fields == 3
	    ? arena_printf(a, "v%lu.%lu.%lu", major, minor, patch)
	    : arena_printf(a, "v%lu.%lu", major, minor);
	kv->major = arena_printf(a, "%lu", major);
	kv->minor = arena_printf(a, "%lu", minor);
	return 0;
}

int
objects_capabilities(struct tmpl_val *out, struct arena *a,
    const struct chart_opts *o, const char **kube_out, struct err *err)
{
	struct caps *c = arena_alloc(a, sizeof(*c));
	struct kube_version *kv = arena_alloc(a, sizeof(*kv));
	struct version_set *vs = arena_alloc(a, sizeof(*vs));
	size_t nd = sizeof(default_apis) / sizeof(default_apis[0]);

	if (parse_kube_version(kv, a,
	        o->kube_version != NULL ? o->kube_version : "v1.35.0",
	        err) == -1)
		return -1;
	vs->list = tmpl_list_new(a, nd + o->napi_versions);
	vs->list.type = TMPL_T_VERSIONSET;
	for (size_t i = 0; i < nd; i++)
		tmpl_list_append(a, vs->list.u.l,
		    tmpl_str(default_apis[i], strlen(default_apis[i])));
	for (size_t i = 0; i < o->napi_versions; i++)
		tmpl_list_append(a, vs->list.u.l,
		    tmpl_str_dup(a, o->api_versions[i],
		        strlen(o->api_versions[i])));
	c->kube = tmpl_obj_new(a, &kube_class, kv);
	c->apis = tmpl_obj_new(a, &vs_class, vs);
	c->helm = tmpl_map_new(a, 5);
	tmpl_map_set(a, c->helm.u.m, "GitCommit", 9, tmpl_str("", 0));
	tmpl_map_set(a, c->helm.u.m, "GitTreeState", 12, tmpl_str("", 0));
	tmpl_map_set(a, c->helm.u.m, "GoVersion", 9, tmpl_str("", 0));
	tmpl_map_set(a, c->helm.u.m, "KubeClientVersion", 17,
	    tmpl_str("v1.35", 5));
	tmpl_map_set(a, c->helm.u.m, "Version", 7, tmpl_str("v4.1.4", 6));
	*out = tmpl_obj_new(a, &caps_class, c);
	*kube_out = kv->normalized;
	return 0;
}
