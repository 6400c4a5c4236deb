/*
 * Transformer configurations: lists of field specs per transformer and
 * the name back-references. Merging follows kustomize (a spec already
 * covered by a wider one is dropped; conflicting create flags are an
 * error; lists end sorted by GVK in the legacy order), and parsing reads
 * the files a kustomization names under "configurations".
 */
#include "kustomize/kz_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

static void
fsv_push(struct arena *a, struct kz_fsv *s, const struct kz_fs *fs)
{
	if (s->n == s->cap) {
		size_t cap = s->cap == 0 ? 8 : s->cap * 2;
		struct kz_fs *v = arena_alloc(a, cap * sizeof(*v));

		if (s->n > 0)
			memcpy(v, s->v, s->n * sizeof(*v));
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = *fs;
}

int
kz_fsv_merge_one(struct arena *a, struct kz_fsv *s, const struct kz_fs *fs,
    struct err *err)
{
	for (size_t i = 0; i < s->n; i++) {
		const struct kz_fs *x = &s->v[i];

		if (!kz_gvk_selected(&x->gvk, &fs->gvk) ||
		    strcmp(x->path, fs->path) != 0)
			continue;
		if (x->create != fs->create)
			return err_set(err, ERR_INVALID,
			    "conflicting fieldspecs for path '%s'", fs->path);
		return 0;
	}
	fsv_push(a, s, fs);
	return 0;
}

int
kz_fsv_merge_all(struct arena *a, struct kz_fsv *s, const struct kz_fsv *in,
    struct err *err)
{
	for (size_t i = 0; i < in->n; i++)
		if (kz_fsv_merge_one(a, s, &in->v[i], err) == -1)
			return -1;
	return 0;
}

static void
fsv_copy(struct kz_fsv *dst, struct arena *a, const struct kz_fsv *src)
{
	memset(dst, 0, sizeof(*dst));
	for (size_t i = 0; i < src->n; i++)
		fsv_push(a, dst, &src->v[i]);
}

/* Stable insertion sort: the lists are short and mostly sorted. */
static void
fsv_sort(struct kz_fsv *s)
{
	for (size_t i = 1; i < s->n; i++) {
		struct kz_fs x = s->v[i];
		size_t j = i;

		while (j > 0 && kz_gvk_cmp(&x.gvk, &s->v[j - 1].gvk) < 0) {
			s->v[j] = s->v[j - 1];
			j--;
		}
		s->v[j] = x;
	}
}

static void
nbr_sort(struct kz_tconfig *tc)
{
	for (size_t i = 1; i < tc->nnbr; i++) {
		struct kz_nbr x = tc->nbr[i];
		size_t j = i;

		while (j > 0 && kz_gvk_cmp(&x.gvk, &tc->nbr[j - 1].gvk) < 0) {
			tc->nbr[j] = tc->nbr[j - 1];
			j--;
		}
		tc->nbr[j] = x;
	}
}

struct kz_tconfig *
kz_tconfig_empty(struct arena *a)
{
	return arena_calloc(a, 1, sizeof(struct kz_tconfig));
}

static void
nbr_push(struct arena *a, struct kz_tconfig *tc, const struct kz_nbr *n)
{
	if (tc->nnbr == tc->nbrcap) {
		size_t cap = tc->nbrcap == 0 ? 16 : tc->nbrcap * 2;
		struct kz_nbr *v = arena_alloc(a, cap * sizeof(*v));

		if (tc->nnbr > 0)
			memcpy(v, tc->nbr, tc->nnbr * sizeof(*v));
		tc->nbr = v;
		tc->nbrcap = cap;
	}
	tc->nbr[tc->nnbr++] = *n;
}

static int
nbr_merge(struct arena *a, struct kz_tconfig *out, const struct kz_nbr *in,
    struct err *err)
{
	for (size_t i = 0; i < out->nnbr; i++)
		if (kz_gvk_equal(&out->nbr[i].gvk, &in->gvk))
			return kz_fsv_merge_all(a, &out->nbr[i].refs, &in->refs,
			    err);
	nbr_push(a, out, in);
	return 0;
}

/* The field-spec lists of a configuration, in one place. */
static struct kz_fsv *
lists(struct kz_tconfig *tc, size_t i)
{
	struct kz_fsv *all[] = { &tc->prefix, &tc->suffix, &tc->ns,
		&tc->clabels, &tc->labels, &tc->tlabels, &tc->annos,
		&tc->varref, &tc->images, &tc->replicas };

	return i < sizeof(all) / sizeof(all[0]) ? all[i] : NULL;
}

int
kz_tconfig_merge(struct kz_tconfig **out, struct arena *a,
    const struct kz_tconfig *x, const struct kz_tconfig *y, struct err *err)
{
	struct kz_tconfig *m = kz_tconfig_empty(a);
	struct kz_tconfig *xx = kz_unconst(x);
	struct kz_tconfig *yy = kz_unconst(y);

	for (size_t i = 0; lists(m, i) != NULL; i++) {
		fsv_copy(lists(m, i), a, lists(xx, i));
		if (y != NULL &&
		    kz_fsv_merge_all(a, lists(m, i), lists(yy, i), err) == -1)
			return -1;
		fsv_sort(lists(m, i));
	}
	for (size_t i = 0; i < x->nnbr; i++) {
		struct kz_nbr n = x->nbr[i];

		fsv_copy(&n.refs, a, &x->nbr[i].refs);
		nbr_push(a, m, &n);
	}
	for (size_t i = 0; y != NULL && i < y->nnbr; i++) {
		struct kz_nbr n = y->nbr[i];

		fsv_copy(&n.refs, a, &y->nbr[i].refs);
		if (nbr_merge(a, m, &n, err) == -1)
			return -1;
	}
	nbr_sort(m);
	*out = m;
	return 0;
}

/* ---- parsing configuration files ---------------------------------------- */

static int
parse_fs(struct kz_fs *fs, struct arena *a, const struct doc_node *n,
    struct err *err)
{
	static const char *const known[] = { "group", "version", "kind", "path",
		"create", "behavior", NULL };

	if (n->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "line %u: a field spec must be a map", n->line);
	for (size_t i = 0; i < n->u.map.n; i++) {
		const char *k = doc_str(n->u.map.items[i].key);
		size_t j = 0;

		while (known[j] != NULL && strcmp(known[j], k) != 0)
			j++;
		if (known[j] == NULL)
			return err_set(err, ERR_INVALID,
			    "line %u: unknown field spec field '%s'",
			    n->u.map.items[i].key->line, k);
	}
	kz_fs_init(fs, a, kz_get_str(n, "group"), kz_get_str(n, "version"),
	    kz_get_str(n, "kind"), kz_get_str(n, "path"),
	    kz_get_bool(n, "create"));
	return 0;
}

int
kz_fsv_parse(struct kz_fsv *out, struct arena *a, const struct doc_node *seq,
    struct err *err)
{
	if (seq == NULL || seq->kind == DOC_NULL)
		return 0;
	if (seq->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID,
		    "line %u: field specs must be a list", seq->line);
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		struct kz_fs fs;

		if (parse_fs(&fs, a, seq->u.seq.items[i], err) == -1 ||
		    kz_fsv_merge_one(a, out, &fs, err) == -1)
			return -1;
	}
	return 0;
}

static int
parse_nbrs(struct kz_tconfig *tc, struct arena *a, const struct doc_node *seq,
    struct err *err)
{
	if (seq == NULL || seq->kind == DOC_NULL)
		return 0;
	if (seq->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID,
		    "line %u: nameReference must be a list", seq->line);
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		const struct doc_node *n = seq->u.seq.items[i];
		struct kz_nbr nbr;

		memset(&nbr, 0, sizeof(nbr));
		if (n->kind != DOC_MAP)
			return err_set(err, ERR_INVALID,
			    "line %u: a name reference must be a map", n->line);
		nbr.gvk.group = kz_get_str(n, "group");
		nbr.gvk.version = kz_get_str(n, "version");
		nbr.gvk.kind = kz_get_str(n, "kind");
		if (nbr.gvk.group == NULL)
			nbr.gvk.group = "";
		if (nbr.gvk.version == NULL)
			nbr.gvk.version = "";
		if (nbr.gvk.kind == NULL)
			nbr.gvk.kind = "";
		if (kz_fsv_parse(&nbr.refs, a, doc_map_get(n, "fieldSpecs"),
		        err) == -1 ||
		    nbr_merge(a, tc, &nbr, err) == -1)
			return -1;
	}
	return 0;
}

int
kz_tconfig_parse(struct kz_tconfig **out, struct arena *a,
    const struct doc_node *root, struct err *err)
{
	static const char *const names[] = { "namePrefix", "nameSuffix",
		"namespace", "commonLabels", "labels", "templateLabels",
		"commonAnnotations", "varReference", "images", "replicas" };
	struct kz_tconfig *tc = kz_tconfig_empty(a);

	if (root == NULL || root->kind == DOC_NULL) {
		*out = tc;
		return 0;
	}
	if (root->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "a transformer configuration must be a map");
	for (size_t i = 0; i < root->u.map.n; i++) {
		const char *k = doc_str(root->u.map.items[i].key);
		const struct doc_node *v = root->u.map.items[i].value;
		size_t j = 0;

		while (j < sizeof(names) / sizeof(names[0]) &&
		    strcmp(names[j], k) != 0)
			j++;
		if (j < sizeof(names) / sizeof(names[0])) {
			if (kz_fsv_parse(lists(tc, j), a, v, err) == -1)
				return err_wrap(err, "'%s'", k);
		} else if (strcmp(k, "nameReference") == 0) {
			if (parse_nbrs(tc, a, v, err) == -1)
				return err_wrap(err, "'%s'", k);
		} else {
			return err_set(err, ERR_INVALID,
			    "line %u: unknown transformer configuration field "
			    "'%s'",
			    root->u.map.items[i].key->line, k);
		}
	}
	*out = tc;
	return 0;
}
