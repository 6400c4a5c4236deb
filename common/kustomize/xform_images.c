/*
 * images and replicas. An image entry rewrites every container image
 * whose name matches (kustomize's pattern: the name as a regex, then an
 * optional tag and digest), first in any "containers"/"initContainers"
 * list anywhere in an object, then through the images field specs, as
 * kustomize's two filters do. A replicas entry sets the count of the
 * objects with that name through the replicas field specs.
 */
#include "kustomize/kz_int.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

struct image {
	const char *name, *new_name, *new_tag, *digest, *tag_suffix;
};

/* kustomize's image.Split: name, tag and digest of "name:tag@digest". */
static void
split_image(struct arena *a, const char *img, const char **name,
    const char **tag, const char **digest)
{
	const char *slash = strchr(img, '/');
	size_t base = slash != NULL && slash > img ? (size_t)(slash - img) : 0;
	const char *at = strchr(img + base, '@');
	const char *colon = strchr(img + base, ':');

	*tag = "";
	*digest = "";
	if (colon == NULL && at == NULL) {
		*name = img;
		return;
	}
	if (at != NULL && (colon == NULL || at < colon)) {
		*name = arena_strndup(a, img, (size_t)(at - img));
		*digest = at + 1;
		return;
	}
	*name = arena_strndup(a, img, (size_t)(colon - img));
	if (at != NULL) {
		*tag = arena_strndup(a, colon + 1, (size_t)(at - colon - 1));
		*digest = at + 1;
	} else {
		*tag = colon + 1;
	}
}

static bool
nonempty(const char *s)
{
	return s != NULL && s[0] != '\0';
}

/* The image with the entry's changes, or NULL when it does not match. */
static int
updated(char **out, struct arena *a, const struct image *im, const char *img,
    struct err *err)
{
	char *pattern = arena_printf(a,
	    "%s(:[a-zA-Z0-9_.{}-]*)?(@sha256:[a-zA-Z0-9_.{}-]*)?", im->name);
	const char *name, *tag, *digest;
	bool hit;

	*out = NULL;
	if (kz_regex_match(&hit, pattern, img, err) == -1)
		return -1;
	if (!hit)
		return 0;
	split_image(a, img, &name, &tag, &digest);
	if (nonempty(im->new_name))
		name = im->new_name;
	if (nonempty(im->new_tag)) {
		tag = im->new_tag;
		digest = nonempty(im->digest) ? im->digest : "";
	} else if (nonempty(im->digest)) {
		tag = "";
		digest = im->digest;
	} else if (nonempty(im->tag_suffix)) {
		tag = arena_printf(a, "%s%s", tag, im->tag_suffix);
		digest = "";
	}
	*out = arena_printf(a, "%s%s%s%s%s", name, tag[0] != '\0' ? ":" : "",
	    tag, digest[0] != '\0' ? "@" : "", digest);
	return 0;
}

static int
set_image(void *arg, struct arena *a, struct doc_node **slot, struct err *err)
{
	const struct image *im = arg;
	struct doc_node *n = *slot, *nn;
	char *v;

	if (n == NULL || !doc_is_scalar(n))
		return err_set(err, ERR_INVALID,
		    "line %u: an image must be a string",
		    n != NULL ? n->line : 0);
	if (updated(&v, a, im, doc_str(n), err) == -1)
		return -1;
	if (v == NULL)
		return 0;
	nn = n->style == DOC_STYLE_PLAIN || n->style == DOC_STYLE_ANY
	    ? doc_new_plain(a, v, strlen(v))
	    : doc_new_str(a, v, strlen(v));
	nn->style = n->style;
	*slot = nn;
	return 0;
}

/* The images of a containers list. */
static int
container_images(struct arena *a, struct doc_node *list, const struct image *im,
    struct err *err)
{
	for (size_t j = 0; j < list->u.seq.n; j++) {
		struct doc_node *c = list->u.seq.items[j];

		for (size_t k = 0; c->kind == DOC_MAP && k < c->u.map.n; k++)
			if (strcmp(doc_str(c->u.map.items[k].key), "image") ==
			        0 &&
			    set_image(kz_unconst(im), a,
			        &c->u.map.items[k].value, err) == -1)
				return -1;
	}
	return 0;
}

static bool
is_containers(const struct doc_pair *p)
{
	const char *k = doc_str(p->key);

	return p->value->kind == DOC_SEQ &&
	    (strcmp(k, "containers") == 0 || strcmp(k, "initContainers") == 0);
}

/* kustomize's legacy filter: every containers/initContainers list. */
static int
legacy_walk(struct arena *a, struct doc_node *n, const struct image *im,
    unsigned depth, struct err *err)
{
	if (depth > 256)
		return err_set(err, ERR_LIMIT, "object nested too deeply");
	for (size_t i = 0; n->kind == DOC_SEQ && i < n->u.seq.n; i++)
		if (legacy_walk(a, n->u.seq.items[i], im, depth + 1, err) == -1)
			return -1;
	for (size_t i = 0; n->kind == DOC_MAP && i < n->u.map.n; i++) {
		struct doc_pair *p = &n->u.map.items[i];

		if (legacy_walk(a, p->value, im, depth + 1, err) == -1 ||
		    (is_containers(p) &&
		        container_images(a, p->value, im, err) == -1))
			return -1;
	}
	return 0;
}

int
kz_image_apply(struct kz_acc *acc, const struct doc_node *e,
    const struct kz_fsv *fss, struct err *err)
{
	struct image im = { kz_get_str(e, "name"), kz_get_str(e, "newName"),
		kz_get_str(e, "newTag"), kz_get_str(e, "digest"),
		kz_get_str(e, "tagSuffix") };

	if (im.name == NULL)
		im.name = "";
	for (size_t i = 0; i < acc->rm.v.n; i++) {
		struct kz_res *r = acc->rm.v.v[i];

		if (strcmp(kz_res_kind(r), "CustomResourceDefinition") == 0)
			continue;
		if (legacy_walk(acc->arena, r->obj, &im, 0, err) == -1)
			return -1;
		/* kustomize's image filter creates nothing */
		for (size_t j = 0; j < fss->n; j++)
			if (kz_fs_apply(acc->arena, r->obj, &fss->v[j],
			        KZ_CREATE_NONE, set_image, &im, err) == -1)
				return -1;
	}
	return 0;
}

int
kz_images_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "images");

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		if (seq->u.seq.items[i]->kind != DOC_MAP)
			continue;
		if (kz_image_apply(acc, seq->u.seq.items[i], &acc->tc->images,
		        err) == -1)
			return err_wrap(err, "images[%zu]", i);
		kz_mark_transformed(acc, t, "ImageTagTransformer");
	}
	return 0;
}

/* ---- replicas ------------------------------------------------------------ */

static int
set_count(void *arg, struct arena *a, struct doc_node **slot, struct err *err)
{
	const int64_t *count = arg;

	(void)err;
	*slot = doc_new_int(a, *count);
	return 0;
}

/* kustomize matches the name against every ID an object had. */
static bool
any_id_named(struct arena *a, const struct kz_res *r, const char *name,
    const struct kz_gvk *gvk)
{
	struct kz_id id;

	for (size_t i = 0; i < r->nprev; i++) {
		kz_res_previd(&id, a, r, i);
		if (strcmp(id.name, name) == 0 && kz_gvk_selected(&id.gvk, gvk))
			return true;
	}
	kz_res_curid(&id, a, r);
	return strcmp(id.name, name) == 0 && kz_gvk_selected(&id.gvk, gvk);
}

int
kz_replica_apply(struct kz_acc *acc, const struct doc_node *e,
    const struct kz_fsv *fss, struct err *err)
{
	const char *name = kz_get_str(e, "name");
	int64_t count = 0;
	bool found = false;

	if (name == NULL)
		name = "";
	if (doc_map_get(e, "count") != NULL &&
	    doc_get_int(&count, doc_map_get(e, "count"), err) == -1)
		return -1;
	for (size_t j = 0; j < fss->n; j++) {
		const struct kz_fs *fs = &fss->v[j];

		for (size_t i = 0; i < acc->rm.v.n; i++) {
			struct kz_res *r = acc->rm.v.v[i];

			if (!any_id_named(acc->arena, r, name, &fs->gvk))
				continue;
			found = true;
			if (kz_fs_apply(acc->arena, r->obj, fs,
			        KZ_CREATE_SCALAR, set_count, &count, err) == -1)
				return -1;
		}
	}
	if (!found)
		return err_set(err, ERR_INVALID,
		    "resource with name %s does not match a config with the "
		    "replicas field specs",
		    name);
	return 0;
}

int
kz_replicas_run(struct kz_acc *acc, struct kz_target *t, struct err *err)
{
	const struct doc_node *seq = doc_map_get(t->k, "replicas");

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		if (seq->u.seq.items[i]->kind != DOC_MAP)
			continue;
		if (kz_replica_apply(acc, seq->u.seq.items[i],
		        &acc->tc->replicas, err) == -1)
			return err_wrap(err, "replicas[%zu]", i);
		kz_mark_transformed(acc, t, "ReplicaCountTransformer");
	}
	return 0;
}
