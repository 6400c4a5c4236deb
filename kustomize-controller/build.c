/*
 * The build step, as Flux's kustomize-controller runs it: resolve
 * spec.path inside the unpacked artifact, write the Kustomization's
 * kustomize fields (targetNamespace, namePrefix/nameSuffix, patches,
 * images, components) into the directory's kustomization (generated
 * first when there is none), run kustomize build, substitute postBuild
 * variables, then stamp commonMetadata and the owner labels on every
 * object.
 */
#include "kc.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"
#include "envsubst/envsubst.h"
#include "kustomize/kustomize.h"
#include "sops/sops.h"

static const char *const kust_names[] = { "kustomization.yaml",
	"kustomization.yml", "Kustomization" };

/* Resolves spec.path below root, refusing a way out. Caller frees. */
static int
path_resolve(char **out, const char *root, const char *path, struct err *err)
{
	char *joined = xasprintf("%s/%s", root, path);
	char real[PATH_MAX], real_root[PATH_MAX];
	size_t n;

	if (realpath(root, real_root) == NULL ||
	    realpath(joined, real) == NULL) {
		err_errno(err, errno, "kustomization path not found: '%s'",
		    path);
		free(joined);
		return kc_fail(err, KC_REASON_ARTIFACT_FAILED);
	}
	free(joined);
	n = strlen(real_root);
	if (strncmp(real, real_root, n) != 0 ||
	    (real[n] != '\0' && real[n] != '/')) {
		err_set(err, ERR_INVALID,
		    "path '%s' points outside the artifact", path);
		return kc_fail(err, KC_REASON_ARTIFACT_FAILED);
	}
	*out = xstrdup(real);
	return 0;
}

static int
file_read(char **out, size_t *len, const char *path, struct err *err)
{
	struct buf b;
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd == -1)
		return err_errno(err, errno, "open '%s'", path);
	buf_init(&b, (size_t)64 << 20);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		(void)buf_append(&b, chunk, (size_t)n);
	close(fd);
	if (n < 0 || buf_check(&b, err) == -1) {
		buf_release(&b);
		return n < 0 ? err_errno(err, errno, "read '%s'", path) : -1;
	}
	(void)buf_puts(&b, "");
	*out = buf_detach(&b, len);
	return 0;
}

static int
file_write(const char *path, const struct buf *b, struct err *err)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	size_t off = 0;
	ssize_t w;

	if (fd == -1)
		return err_errno(err, errno, "create '%s'", path);
	while (off < b->len) {
		if ((w = write(fd, b->data + off, b->len - off)) < 0) {
			err_errno(err, errno, "write '%s'", path);
			close(fd);
			return -1;
		}
		off += (size_t)w;
	}
	close(fd);
	return 0;
}

/* The directory's kustomization as a doc (generated when it has none),
 * and the file name to write it back to. */
static int
kust_load(struct doc **out, char **file, const char *dir, struct err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rv;

	for (size_t i = 0; i < sizeof(kust_names) / sizeof(kust_names[0]);
	     i++) {
		*file = xasprintf("%s/%s", dir, kust_names[i]);
		if (access(*file, F_OK) == 0) {
			if (file_read(&text, &len, *file, err) == -1)
				return -1;
			break;
		}
		free(*file);
		*file = NULL;
	}
	if (*file == NULL) {
		*file = xasprintf("%s/%s", dir, kust_names[0]);
		if (kustomize_generate(&text, dir, err) == -1)
			return -1;
		len = strlen(text);
	}
	rv = doc_parse_yaml_lenient(out, text, len, NULL, err);
	free(text);
	if (rv == 0 &&
	    (doc_count(*out) != 1 || doc_root(*out, 0)->kind != DOC_MAP))
		rv = err_set(err, ERR_INVALID, "'%s' is not a map", *file);
	return rv;
}

/* Appends the items of the spec's seq to kust[key]. */
static void
seq_extend(struct arena *a, struct doc_node *kust, const char *key,
    const struct doc_node *items)
{
	struct doc_node *seq = doc_map_get(kust, key);

	if (items == NULL)
		return;
	if (seq == NULL || seq->kind != DOC_SEQ) {
		seq = doc_new_seq(a);
		doc_map_set(a, kust, key, strlen(key), seq);
	}
	for (size_t i = 0; i < items->u.seq.n; i++)
		doc_seq_append(a, seq, doc_copy(a, items->u.seq.items[i]));
}

static void
str_set(struct arena *a, struct doc_node *kust, const char *key, const char *v)
{
	if (v != NULL)
		doc_map_set(a, kust, key, strlen(key),
		    doc_new_str(a, v, strlen(v)));
}

/* dir's kustomization with the spec's kustomize fields written in, as
 * text in out for kustomize_opts.kustomization: the tree stays as it is,
 * shared with other builds. */
static int
kust_augment(struct buf *out, const char *dir, const struct kc_spec *spec,
    struct err *err)
{
	struct doc *d = NULL;
	char *file = NULL;
	struct doc_node *kust;
	struct arena *a;
	int rv = -1;

	if (kust_load(&d, &file, dir, err) == -1)
		goto out;
	a = doc_arena(d);
	kust = doc_root(d, 0);
	str_set(a, kust, "namespace", spec->target_namespace);
	str_set(a, kust, "namePrefix", spec->name_prefix);
	str_set(a, kust, "nameSuffix", spec->name_suffix);
	seq_extend(a, kust, "patches", spec->patches);
	seq_extend(a, kust, "images", spec->images);
	seq_extend(a, kust, "components", spec->components);
	if (doc_emit_yaml(out, kust, err) == -1)
		goto out;
	rv = 0;
out:
	free(file);
	doc_free(d);
	return rv;
}

/* ---- post-build ---------------------------------------------------------- */

/* Sets *out to a Secret's data with values decoded, or to a ConfigMap's
 * data. ERR_INVALID for a Secret value that is not base64. */
static int
source_data(const struct doc_node **out, struct arena *a,
    const struct doc_node *obj, bool secret, struct err *err)
{
	const struct doc_node *data = doc_map_get(obj, "data");
	struct doc_node *map;

	*out = data;
	if (!secret || data == NULL || data->kind != DOC_MAP)
		return 0;
	map = doc_new_map(a);
	for (size_t i = 0; i < data->u.map.n; i++) {
		const char *k = doc_str(data->u.map.items[i].key);
		const char *v = doc_str(data->u.map.items[i].value);
		char *dec;
		size_t n;

		if (k == NULL || v == NULL)
			continue;
		if (k8s_b64_decode(&dec, &n, v, strlen(v), err) == -1)
			return err_wrap(err, "secret key '%s'", k);
		doc_map_set(a, map, k, strlen(k), doc_new_str(a, dec, n));
		free_secret(dec, n + 1);
	}
	*out = map;
	return 0;
}

/* Reads one substituteFrom entry's object into *src. */
static int
from_load(struct envsubst_source *src, struct k8s *k, struct arena *a,
    const char *ns, const struct doc_node *entry, struct err *err)
{
	struct k8s_ref ref = { "v1", doc_str(doc_map_get(entry, "kind")), ns,
		doc_str(doc_map_get(entry, "name")) };
	struct err e = ERR_INIT;
	struct doc *d = NULL;
	int rv;

	memset(src, 0, sizeof(*src));
	src->kind = ref.kind != NULL ? ref.kind : "";
	src->name = ref.name != NULL ? ref.name : "";
	(void)doc_get_bool(&src->optional, doc_map_get(entry, "optional"), &e);
	if (strcmp(src->kind, "ConfigMap") != 0 &&
	    strcmp(src->kind, "Secret") != 0)
		return 0;
	if (k8s_get(&d, k, &ref, &e) == -1) {
		if (e.code != ERR_NOTFOUND) {
			*err = e;
			return err_wrap(err, "substitute from '%s/%s'",
			    src->kind, src->name);
		}
		return 0;
	}
	src->present = true;
	rv = source_data(&src->data, a, doc_copy(a, doc_root(d, 0)),
	    strcmp(src->kind, "Secret") == 0, err);
	doc_free(d);
	if (rv == -1)
		return err_wrap(err, "substitute from '%s/%s'", src->kind,
		    src->name);
	return 0;
}

static int
postbuild_run(struct doc *objs, struct k8s *k, const char *ns,
    const struct kc_spec *spec, bool strict, struct err *err)
{
	const struct doc_node *pb = spec->post_build;
	const struct doc_node *from = doc_map_get(pb, "substituteFrom");
	const char *strategy = doc_str(doc_map_get(pb, "substituteStrategy"));
	struct envsubst_postbuild p;
	struct arena *a = arena_new();
	int rv = -1;

	memset(&p, 0, sizeof(p));
	p.substitute = doc_map_get(pb, "substitute");
	p.strict = strict;
	p.strategy = strategy != NULL && strcmp(strategy, "Always") == 0
	    ? ENVSUBST_ALWAYS
	    : ENVSUBST_WITH_VARIABLES;
	if (from != NULL && from->kind == DOC_SEQ && from->u.seq.n > 0) {
		struct envsubst_source *s = arena_calloc(a, from->u.seq.n,
		    sizeof(*s));

		for (size_t i = 0; i < from->u.seq.n; i++)
			if (from_load(&s[i], k, a, ns, from->u.seq.items[i],
			        err) == -1)
				goto out;
		p.from = s;
		p.n_from = from->u.seq.n;
	}
	rv = envsubst_doc(objs, &p, err);
out:
	arena_free(a);
	return rv;
}

/* ---- decryption ------------------------------------------------------------
 */

/* The keys of spec.decryption.secretRef, read with k. */
static int
keys_load(struct sops_keys **out, struct k8s *k, const char *ns,
    const struct doc_node *dec, struct err *err)
{
	struct k8s_ref ref = { "v1", "Secret", ns,
		doc_str(doc_ptr_find(dec, "/secretRef/name")) };
	struct doc *d = NULL;
	int rv;

	if (ref.name == NULL) {
		*out = sops_keys_new();
		return 0;
	}
	if (k8s_get(&d, k, &ref, err) == -1)
		return err_wrap(err, "cannot get decryption Secret '%s/%s'", ns,
		    ref.name);
	rv = sops_keys_from_secret(out, doc_root(d, 0), err);
	doc_free(d);
	return rv;
}

/* The keys of a Kustomization that decrypts with SOPS. */
static int
keys_open(struct sops_keys **out, struct k8s *k, const char *ns,
    const struct kc_spec *spec, struct err *err)
{
	const char *provider = doc_str(
	    doc_map_get(spec->decryption, "provider"));

	if (provider == NULL || strcmp(provider, "sops") != 0)
		return err_set(err, ERR_INVALID,
		    "decryption provider '%s' is not supported",
		    provider != NULL ? provider : "");
	return keys_load(out, k, ns, spec->decryption, err);
}

/* Flux's DecryptSources: generator and patch files kustomize will read
 * are decrypted on disk first, the root kustomization written there so
 * the walk finds it. root is this reconcile's own tree. */
static int
decrypt_sources(const struct sops_keys *keys, const char *root, const char *dir,
    const struct kc_spec *spec, const struct buf *kust, struct err *err)
{
	char *file = xasprintf("%s/%s", dir, kust_names[0]);
	int rv = 0;

	for (size_t i = 1; i < sizeof(kust_names) / sizeof(kust_names[0]);
	     i++) {
		char *other = xasprintf("%s/%s", dir, kust_names[i]);

		if (access(other, F_OK) == 0) {
			free(file);
			file = other;
			break;
		}
		free(other);
	}
	if (file_write(file, kust, err) == -1 ||
	    sops_decrypt_sources(keys, root, spec->path, err) == -1)
		rv = err_wrap(err, "decryption failed");
	free(file);
	return rv;
}

/* SOPS-decrypts every object that needs it, before substitution, as
 * Flux does. */
static int
decrypt_objects(struct doc *objs, const struct sops_keys *keys, struct err *err)
{
	for (size_t i = 0; i < doc_count(objs); i++) {
		struct doc_node *obj = doc_root(objs, i);
		const char *kind = doc_str(doc_map_get(obj, "kind"));

		if (!sops_is_encrypted(obj) &&
		    (kind == NULL || strcmp(kind, "Secret") != 0))
			continue;
		if (sops_decrypt_resource(doc_arena(objs), obj, keys, err) ==
		    -1)
			return err_wrap(err, "decryption failed for '%s'",
			    doc_str(doc_ptr_find(obj, "/metadata/name")));
	}
	return 0;
}

/* ---- metadata -------------------------------------------------------------
 */

static struct doc_node *
meta_map(struct arena *a, struct doc_node *obj, const char *key)
{
	struct doc_node *meta = doc_map_get(obj, "metadata"), *m;

	if (meta == NULL || meta->kind != DOC_MAP) {
		meta = doc_new_map(a);
		doc_map_set(a, obj, "metadata", strlen("metadata"), meta);
	}
	m = doc_map_get(meta, key);
	if (m == NULL || m->kind != DOC_MAP) {
		m = doc_new_map(a);
		doc_map_set(a, meta, key, strlen(key), m);
	}
	return m;
}

static void
map_stamp(struct arena *a, struct doc_node *dst, const struct doc_node *src)
{
	for (size_t i = 0;
	     src != NULL && src->kind == DOC_MAP && i < src->u.map.n; i++) {
		const char *k = doc_str(src->u.map.items[i].key);

		if (k != NULL)
			doc_map_set(a, dst, k, strlen(k),
			    doc_copy(a, src->u.map.items[i].value));
	}
}

static void
metadata_stamp(struct doc *objs, const struct object *owner,
    const struct kc_spec *spec)
{
	struct arena *a = doc_arena(objs);
	const struct doc_node *cm = spec->common_metadata;

	for (size_t i = 0; i < doc_count(objs); i++) {
		struct doc_node *obj = doc_root(objs, i), *labels;

		if (obj == NULL || obj->kind != DOC_MAP)
			continue;
		labels = meta_map(a, obj, "labels");
		map_stamp(a, labels, doc_map_get(cm, "labels"));
		if (doc_map_get(cm, "annotations") != NULL)
			map_stamp(a, meta_map(a, obj, "annotations"),
			    doc_map_get(cm, "annotations"));
		str_set(a, labels, KC_LABEL_NAME, owner->name);
		str_set(a, labels, KC_LABEL_NS, owner->namespace);
	}
}

/* Decryption of sources, the build, decryption of objects. */
static int
build_decrypted(struct doc **objs, struct k8s *k, const char *root,
    const char *dir, const struct object *obj, const struct kc_spec *spec,
    const struct kustomize_opts *ko, const struct buf *kust, struct err *err)
{
	struct sops_keys *keys = NULL;
	int rv = -1;

	if (keys_open(&keys, k, obj->namespace, spec, err) == -1 ||
	    decrypt_sources(keys, root, dir, spec, kust, err) == -1)
		goto out;
	if (kustomize_build(objs, dir, ko, err) == -1) {
		err_wrap(err, "kustomize build failed");
		goto out;
	}
	rv = decrypt_objects(*objs, keys, err);
out:
	sops_keys_free(keys);
	return rv;
}

int
kc_build(struct doc **out, struct k8s *k, const char *root,
    const struct object *obj, const struct kc_spec *spec, bool strict,
    struct err *err)
{
	struct kustomize_opts ko;
	struct doc *objs = NULL;
	char *dir = NULL;
	struct buf kust;

	memset(&ko, 0, sizeof(ko));
	ko.load_anywhere = true;
	ko.fs_root = root;
	buf_init(&kust, (size_t)64 << 20);
	if (path_resolve(&dir, root, spec->path, err) == -1) {
		buf_release(&kust);
		return -1;
	}
	if (kust_augment(&kust, dir, spec, err) == -1) {
		err_wrap(err, "kustomize build failed");
		goto fail;
	}
	ko.kustomization = kust.data;
	ko.kustomization_len = kust.len;
	if (spec->decryption != NULL) {
		if (build_decrypted(&objs, k, root, dir, obj, spec, &ko, &kust,
		        err) == -1)
			goto fail;
	} else if (kustomize_build(&objs, dir, &ko, err) == -1) {
		err_wrap(err, "kustomize build failed");
		goto fail;
	}
	if (spec->post_build != NULL &&
	    postbuild_run(objs, k, obj->namespace, spec, strict, err) == -1)
		goto fail;
	metadata_stamp(objs, obj, spec);
	buf_release(&kust);
	free(dir);
	*out = objs;
	return 0;
fail:
	buf_release(&kust);
	free(dir);
	doc_free(objs);
	return kc_fail(err, KC_REASON_BUILD_FAILED);
}
