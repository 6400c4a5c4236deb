/*
 * kustomize_build(): the steps kustomize runs once, after the recursive
 * accumulation (hash suffixes, name references, vars, local configs),
 * then the output order and the cleanup of build-only annotations; and
 * kustomize_emit(), which prints the result.
 */
#include "kustomize/kustomize.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "kustomize/kz_int.h"

#define ORIGIN_ANNOTATION          "config.kubernetes.io/origin"
#define TRANSFORMATIONS_ANNOTATION "alpha.config.kubernetes.io/transformations"
#define LOCAL_CONFIG_ANNOTATION    "config.kubernetes.io/local-config"

void
kz_opts_resolve(struct kustomize_opts *o, const struct kustomize_opts *in)
{
	if (in != NULL)
		*o = *in;
	else
		memset(o, 0, sizeof(*o));
	if (o->doc.max_bytes == 0)
		o->doc.max_bytes = (size_t)64 << 20;
	if (o->doc.max_depth == 0)
		o->doc.max_depth = 256;
	if (o->doc.max_nodes == 0)
		o->doc.max_nodes = (size_t)8 << 20;
	if (o->max_files == 0)
		o->max_files = 100000;
	if (o->max_depth == 0)
		o->max_depth = 64;
}

static bool
has_build_metadata(const struct doc_node *k, const char *what)
{
	const struct doc_node *seq = doc_map_get(k, "buildMetadata");

	for (size_t i = 0;
	     seq != NULL && seq->kind == DOC_SEQ && i < seq->u.seq.n; i++) {
		const char *s = kz_scalar(seq->u.seq.items[i]);

		if (s != NULL && strcmp(s, what) == 0)
			return true;
	}
	return false;
}

/* kustomize drops objects annotated as local configuration. */
static void
drop_local(struct kz_resmap *m)
{
	for (size_t i = 0; i < m->v.n; i++) {
		struct kz_res *r = m->v.v[i];
		const char *v = kz_get_str(kz_res_meta_map(NULL, r,
		                               "annotations", false),
		    LOCAL_CONFIG_ANNOTATION);

		if (v != NULL && strcmp(v, "false") != 0)
			r->obj = NULL;
	}
	kz_resmap_compact(m);
}

/* legacySortOptions' two lists of kinds. */
static void
legacy_lists(struct kz_vec *first, struct kz_vec *last, struct arena *a,
    const struct doc_node *legacy)
{
	for (int i = 0; i < 2; i++) {
		const struct doc_node *seq = doc_map_get(legacy,
		    i == 0 ? "orderFirst" : "orderLast");

		for (size_t j = 0;
		     seq != NULL && seq->kind == DOC_SEQ && j < seq->u.seq.n;
		     j++) {
			const char *s = kz_scalar(seq->u.seq.items[j]);

			if (s != NULL)
				kz_vec_push(a, i == 0 ? first : last,
				    kz_unconst(s));
		}
	}
}

static int
sort_output(struct arena *a, struct kz_resmap *m, const struct doc_node *k,
    struct err *err)
{
	const struct doc_node *so = doc_map_get(k, "sortOptions");
	const struct doc_node *legacy;
	struct kz_vec first = { 0 }, last = { 0 };
	const char *order;

	if (so == NULL || so->kind != DOC_MAP) {
		kz_resmap_sort_legacy(a, m, NULL, NULL);
		return 0;
	}
	order = kz_get_str(so, "order");
	legacy = doc_map_get(so, "legacySortOptions");
	if (order == NULL ||
	    (strcmp(order, "fifo") != 0 && strcmp(order, "legacy") != 0))
		return err_set(err, ERR_INVALID,
		    "the field 'sortOptions.order' must be one of [fifo, "
		    "legacy]");
	if (strcmp(order, "fifo") == 0) {
		if (legacy != NULL && legacy->kind != DOC_NULL)
			return err_set(err, ERR_INVALID,
			    "the field 'sortOptions.legacySortOptions' is set "
			    "but the selected sort order is 'fifo', not "
			    "'legacy'");
		return 0;
	}
	if (legacy == NULL || legacy->kind != DOC_MAP) {
		kz_resmap_sort_legacy(a, m, NULL, NULL);
		return 0;
	}
	legacy_lists(&first, &last, a, legacy);
	kz_resmap_sort_legacy(a, m, &first, &last);
	return 0;
}

static void
add_managed_by(struct arena *a, struct kz_resmap *m)
{
	for (size_t i = 0; i < m->v.n; i++) {
		struct doc_node *l = kz_res_meta_map(a, m->v.v[i], "labels",
		    true);

		doc_map_set(a, l, "app.kubernetes.io/managed-by", 28,
		    doc_new_str(a, "kustomize-(devel)", 17));
	}
}

/* Annotations as kustomize leaves them after rewriting the map (which
 * it does for nearly every object): values as strings, an empty map
 * gone. */
static void
normalize_annotations(struct arena *a, struct doc_node *meta,
    struct doc_node *an)
{
	for (size_t i = 0; i < an->u.map.n; i++) {
		struct doc_node *v = an->u.map.items[i].value;
		const char *s = doc_is_scalar(v) ? doc_str(v) : "";

		if (v->kind != DOC_STR)
			an->u.map.items[i].value = doc_new_str(a, s, strlen(s));
	}
	if (an->u.map.n == 0)
		doc_map_delete(meta, "annotations", 11);
}

/* What kustomize removes before printing: build annotations, and origin
 * and transformation annotations unless buildMetadata asked for them. */
static void
cleanup(struct kz_build *b, struct kz_resmap *m)
{
	bool always = !b->origin_annotations || !b->transformer_annotations;

	for (size_t i = 0; i < m->v.n; i++) {
		struct kz_res *r = m->v.v[i];
		struct doc_node *meta = doc_map_get(r->obj, "metadata");
		struct doc_node *an = doc_map_get(meta, "annotations");

		if (an == NULL)
			continue;
		if (an->kind != DOC_MAP) {
			doc_map_delete(meta, "annotations", 11);
			continue;
		}
		if (!b->origin_annotations)
			doc_map_delete(an, ORIGIN_ANNOTATION,
			    strlen(ORIGIN_ANNOTATION));
		if (!b->transformer_annotations)
			doc_map_delete(an, TRANSFORMATIONS_ANNOTATION,
			    strlen(TRANSFORMATIONS_ANNOTATION));
		if (always || an->u.map.n > 0 || r->build_annotated)
			normalize_annotations(b->a, meta, an);
	}
}

/* The next code point of s (UTF-8; a stray byte stands for itself). */
static uint32_t
next_rune(const unsigned char **s)
{
	const unsigned char *p = *s;
	uint32_t c = *p++;
	int k = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : c >= 0xc0 ? 1 : 0;

	for (; k > 0 && (*p & 0xc0) == 0x80; k--)
		c = (c << 6) | (*p++ & 0x3f);
	*s = p;
	return c;
}

static bool
is_letter(uint32_t c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

static bool
is_digit(uint32_t c)
{
	return c >= '0' && c <= '9';
}

/* Where x and y first differ in digits: go-yaml v2 compares the whole
 * runs of digits there by value (a leading zero run counts as nonzero
 * when a nonzero digit precedes it), then by length. */
static int
digit_runs_cmp(const char *x, const unsigned char *a0, const unsigned char *b0,
    uint32_t ca, uint32_t cb)
{
	uint64_t an = 0, bn = 0;
	size_t al = 0, bl = 0;

	if (ca == '0' || cb == '0') {
		for (const unsigned char *p = a0;
		     p > (const unsigned char *)x && is_digit(p[-1]); p--)
			if (p[-1] != '0') {
				an = bn = 1;
				break;
			}
	}
	for (; is_digit(a0[al]); al++)
		an = an * 10 + (a0[al] - '0');
	for (; is_digit(b0[bl]); bl++)
		bn = bn * 10 + (b0[bl] - '0');
	if (an != bn)
		return an < bn ? -1 : 1;
	if (al != bl)
		return al < bl ? -1 : 1;
	return ca < cb ? -1 : 1;
}

/* go-yaml v2's key order, which kustomize's output goes through: runes
 * compared one by one, letters after everything else, runs of digits by
 * their value. */
static int
yaml2_key_cmp(const char *x, const char *y)
{
	const unsigned char *a = (const unsigned char *)x;
	const unsigned char *b = (const unsigned char *)y;

	while (*a != '\0' && *b != '\0') {
		const unsigned char *a0 = a, *b0 = b;
		uint32_t ca = next_rune(&a), cb = next_rune(&b);

		if (ca == cb)
			continue;
		if (is_letter(ca) && is_letter(cb))
			return ca < cb ? -1 : 1;
		if (is_letter(ca) || is_letter(cb))
			return is_letter(cb) ? -1 : 1;
		return digit_runs_cmp(x, a0, b0, ca, cb);
	}
	return *a == '\0' ? (*b == '\0' ? 0 : -1) : 1;
}

static int
sort_keys_cmp(const void *x, const void *y)
{
	const struct doc_pair *px = x, *py = y;

	return yaml2_key_cmp(doc_str(px->key), doc_str(py->key));
}

/* kustomize prints objects through JSON, so every map comes out sorted. */
static void
sort_keys(struct doc_node *n)
{
	if (n->kind == DOC_SEQ) {
		for (size_t i = 0; i < n->u.seq.n; i++)
			sort_keys(n->u.seq.items[i]);
	} else if (n->kind == DOC_MAP) {
		if (n->u.map.n > 1)
			qsort(n->u.map.items, n->u.map.n,
			    sizeof(n->u.map.items[0]), sort_keys_cmp);
		for (size_t i = 0; i < n->u.map.n; i++)
			sort_keys(n->u.map.items[i].value);
	}
}

static int
finish(struct kz_build *b, struct kz_acc *acc, const struct kz_target *t,
    struct err *err)
{
	if (kz_hash_names(acc, err) == -1 || kz_nameref_fix(acc, err) == -1 ||
	    kz_vars_resolve(acc, err) == -1)
		return -1;
	drop_local(&acc->rm);
	if (sort_output(b->a, &acc->rm, t->k, err) == -1)
		return err_wrap(err, "'%s'", t->kpath);
	if (has_build_metadata(t->k, "managedByLabel"))
		add_managed_by(b->a, &acc->rm);
	cleanup(b, &acc->rm);
	return 0;
}

static void
build_release(struct kz_build *b)
{
	for (size_t i = 0; i < b->docs.n; i++)
		doc_free(b->docs.v[i]);
	kz_schema_release(b->schema);
	doc_free(b->schema_doc);
	arena_free(b->a);
}

int
kustomize_build(struct doc **out, const char *dir,
    const struct kustomize_opts *opts, struct err *err)
{
	struct kz_build b;
	struct kz_target t;
	struct kz_acc acc;
	struct doc *d = NULL;
	int rv = -1;

	memset(&b, 0, sizeof(b));
	kz_opts_resolve(&b.opts, opts);
	b.a = arena_new();
	b.defaults = kz_tconfig_default(b.a);
	if (kz_target_load(&t, &b, dir, NULL, err) == -1)
		goto out;
	b.origin_annotations = has_build_metadata(t.k, "originAnnotations");
	b.transformer_annotations = has_build_metadata(t.k,
	    "transformerAnnotations");
	b.build_metadata = doc_map_get(t.k, "buildMetadata");
	b.track_origin = b.build_metadata != NULL &&
	    b.build_metadata->kind == DOC_SEQ && b.build_metadata->u.seq.n > 0;
	t.origin_path = "";
	kz_acc_init(&acc, b.a);
	if (kz_target_accumulate(&acc, &t, err) == -1 ||
	    finish(&b, &acc, &t, err) == -1)
		goto out;
	d = doc_new();
	for (size_t i = 0; i < acc.rm.v.n; i++) {
		struct kz_res *r = acc.rm.v.v[i];
		struct doc_node *c = doc_copy(doc_arena(d), r->obj);

		sort_keys(c);
		doc_add_root(d, c);
	}
	*out = d;
	rv = 0;
out:
	build_release(&b);
	return rv;
}

int
kustomize_emit(struct buf *out, const struct doc *d, struct err *err)
{
	for (size_t i = 0; i < doc_count(d); i++) {
		if (i > 0)
			buf_puts(out, "---\n");
		if (doc_emit_yaml(out, doc_root(d, i), err) == -1)
			return -1;
	}
	return buf_check(out, err);
}
