/*
 * Private to common/kustomize: the build's data model.
 *
 * A build owns one arena; every string, vector and node it makes lives
 * there and dies with the build. Parsed files stay alive until the end,
 * so resource trees may point into them. Where kustomize keeps its build
 * state in "internal.config.kubernetes.io/..." annotations (previous
 * names, prefixes, generator behavior, hash suffix), a struct kz_res keeps
 * it in plain fields instead.
 */
#ifndef FLINT_KUSTOMIZE_KZ_INT_H
#define FLINT_KUSTOMIZE_KZ_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "doc/doc.h"
#include "kustomize/kustomize.h"

/* ---- vectors in the build arena ---------------------------------------- */

struct kz_vec {
	void **v;
	size_t n, cap;
};

void kz_vec_push(struct arena *a, struct kz_vec *vec, void *p);

/* Vectors and callbacks carry both borrowed and owned pointers; this
 * drops const where a generic slot needs it. */
static inline void *
kz_unconst(const void *p)
{
	union {
		const void *c;
		void *m;
	} u = { p };

	return u.m;
}

/* ---- string-keyed maps (strmap.c) ---------------------------------------- */

struct kz_strmap {
	const char **keys;
	void **vals;
	size_t cap, n;
};

void *kz_strmap_get(const struct kz_strmap *m, const char *key);
void kz_strmap_put(struct kz_strmap *m, const char *key, void *val);
void kz_strmap_release(struct kz_strmap *m);

/* ---- identities --------------------------------------------------------- */

/* Group, version and kind; "" for a missing part, never NULL. */
struct kz_gvk {
	const char *group, *version, *kind;
};

struct kz_id {
	struct kz_gvk gvk;
	const char *name, *ns; /* "" when unset */
	bool cluster; /* certainly cluster-scoped (kustomize's table) */
};

/* Splits an apiVersion at its first '/' into group and version. */
void kz_gvk_from_api(struct kz_gvk *out, struct arena *a, const char *api,
    const char *kind);
bool kz_gvk_equal(const struct kz_gvk *x, const struct kz_gvk *y);
/* kustomize's Gvk.IsSelected: every non-empty part of sel matches. */
bool kz_gvk_selected(const struct kz_gvk *x, const struct kz_gvk *sel);
/* kustomize's legacy order of kinds, then "group_version_kind". */
int kz_gvk_cmp(const struct kz_gvk *x, const struct kz_gvk *y);
/* Compares the "group_version_kind" keys only. */
int kz_gvk_keycmp(const struct kz_gvk *x, const struct kz_gvk *y);
/* A kind's place: negative for orderFirst, positive for orderLast, else
 * 0; NULL lists mean kustomize's defaults. */
int kz_kind_rank(const struct kz_vec *first, const struct kz_vec *last,
    const char *kind);
bool kz_cluster_scoped(const char *api_version, const char *kind);
/* "default" for "" and "default", "_non_namespaceable_" when cluster. */
const char *kz_id_effns(const struct kz_id *id);
bool kz_id_equal(const struct kz_id *x, const struct kz_id *y);
/* "Kind.version.group/name.namespace" with kustomize's placeholders. */
char *kz_id_string(struct arena *a, const struct kz_id *id);

/* ---- resources ---------------------------------------------------------- */

enum kz_behavior {
	KZ_BEHAVIOR_UNSET = 0,
	KZ_BEHAVIOR_CREATE,
	KZ_BEHAVIOR_MERGE,
	KZ_BEHAVIOR_REPLACE,
};

struct kz_prev {
	const char *name, *ns, *kind;
};

struct kz_res {
	struct doc_node *obj; /* the object; NULL once deleted */
	struct kz_prev *prev; /* earlier identities, oldest first */
	size_t nprev, prevcap;
	struct kz_vec prefixes, suffixes; /* const char *, innermost first */
	struct kz_vec refvars;            /* var names that read this object */
	uint8_t behavior;                 /* enum kz_behavior */
	bool needs_hash;
	bool allow_name_change, allow_kind_change; /* patches only */
	bool build_annotated; /* kustomize would have added annotations */
};

struct kz_res *kz_res_new(struct arena *a, struct doc_node *obj);
/* Shallow copy of the build state; obj is deep-copied into a. */
struct kz_res *kz_res_dup(struct arena *a, const struct kz_res *r);
const char *kz_res_kind(const struct kz_res *r);
const char *kz_res_name(const struct kz_res *r);
const char *kz_res_ns(const struct kz_res *r);
const char *kz_res_api(const struct kz_res *r);
void kz_res_curid(struct kz_id *out, struct arena *a, const struct kz_res *r);
/* The original identity (the first previous one, else the current). */
void kz_res_orgid(struct kz_id *out, struct arena *a, const struct kz_res *r);
/* The i-th previous identity, with the current group and version and
 * never cluster-scoped, as kustomize rebuilds them. */
void kz_res_previd(struct kz_id *out, struct arena *a, const struct kz_res *r,
    size_t i);
/* kustomize's StorePreviousId(): remembers the current identity. */
void kz_res_store_prev(struct arena *a, struct kz_res *r);
/* Sets metadata.name / metadata.namespace / kind (strings). */
void kz_res_set_name(struct arena *a, struct kz_res *r, const char *name);
void kz_res_set_ns(struct arena *a, struct kz_res *r, const char *ns);
void kz_res_set_kind(struct arena *a, struct kz_res *r, const char *kind);
/* metadata.<field> as a map, created when create is true. */
struct doc_node *kz_res_meta_map(struct arena *a, struct kz_res *r,
    const char *field, bool create);
/* True when the labels (or annotations) match a Kubernetes selector. */
int kz_res_match_selector(bool *out, const struct kz_res *r, const char *field,
    const char *selector, struct err *err);

/* ---- the resource list --------------------------------------------------- */

struct kz_resmap {
	struct kz_vec v; /* struct kz_res *, in load order */
};

/* Appends r, failing with ERR_INVALID when its current ID is taken. */
int kz_resmap_append(struct arena *a, struct kz_resmap *m, struct kz_res *r,
    struct err *err);
int kz_resmap_append_all(struct arena *a, struct kz_resmap *m,
    const struct kz_resmap *other, struct err *err);
/* Appends, merges into or replaces an existing object, as kustomize's
 * AbsorbAll does with generated objects. */
int kz_resmap_absorb(struct arena *a, struct kz_resmap *m, struct kz_res *r,
    struct err *err);
/* Drops deleted and empty objects, keeping the order. */
void kz_resmap_compact(struct kz_resmap *m);
/* Resources any of whose IDs (previous or current) equal id. */
void kz_resmap_match_any(struct kz_vec *out, struct arena *a,
    const struct kz_resmap *m, const struct kz_id *id);
/* Fails with ERR_INVALID when two objects share a current ID. */
int kz_resmap_check_unique(struct arena *a, const struct kz_resmap *m,
    struct err *err);
/* kustomize's legacy order; orderFirst/orderLast may be NULL (defaults). */
void kz_resmap_sort_legacy(struct arena *a, struct kz_resmap *m,
    const struct kz_vec *first, const struct kz_vec *last);

/* ---- field specs and the transformer configuration ----------------------- */

struct kz_fs {
	struct kz_gvk gvk;
	const char *path;
	const char **parts; /* path split at unescaped '/' */
	size_t nparts;
	bool create;
};

struct kz_fsv {
	struct kz_fs *v;
	size_t n, cap;
};

struct kz_nbr { /* a name back-reference: who may refer to gvk */
	struct kz_gvk gvk;
	struct kz_fsv refs;
};

struct kz_tconfig {
	struct kz_fsv prefix, suffix, ns, clabels, labels, tlabels, annos;
	struct kz_fsv varref, images, replicas;
	struct kz_nbr *nbr;
	size_t nnbr, nbrcap;
};

void kz_fs_init(struct kz_fs *fs, struct arena *a, const char *group,
    const char *version, const char *kind, const char *path, bool create);
/* kustomize's FsSlice.MergeOne: ERR_INVALID on conflicting create flags. */
int kz_fsv_merge_one(struct arena *a, struct kz_fsv *s, const struct kz_fs *fs,
    struct err *err);
int kz_fsv_merge_all(struct arena *a, struct kz_fsv *s, const struct kz_fsv *in,
    struct err *err);
/* The built-in configuration (kustomize's defaults). */
struct kz_tconfig *kz_tconfig_default(struct arena *a);
struct kz_tconfig *kz_tconfig_empty(struct arena *a);
/* A new configuration holding x merged with y, sorted as kustomize's. */
int kz_tconfig_merge(struct kz_tconfig **out, struct arena *a,
    const struct kz_tconfig *x, const struct kz_tconfig *y, struct err *err);
/* Reads a "configurations:" file (or a CRD's x-kubernetes annotations). */
int kz_tconfig_parse(struct kz_tconfig **out, struct arena *a,
    const struct doc_node *root, struct err *err);
int kz_fsv_parse(struct kz_fsv *out, struct arena *a,
    const struct doc_node *seq, struct err *err);

/* ---- walking a field spec ------------------------------------------------ */

typedef int kz_set_fn(void *arg, struct arena *a, struct doc_node **slot,
    struct err *err);

enum kz_create {
	KZ_CREATE_NONE = 0,
	KZ_CREATE_SCALAR,
	KZ_CREATE_MAP,
	KZ_CREATE_SEQ,
};

/*
 * kustomize's fieldspec filter: when obj's GVK matches fs, follows fs's
 * path (sequences are crossed transparently, "x[]" names a sequence) and
 * calls set on every node found at its end, creating missing fields when
 * fs says create and create_kind is given.
 */
int kz_fs_apply(struct arena *a, struct doc_node *obj, const struct kz_fs *fs,
    enum kz_create create_kind, kz_set_fn *set, void *arg, struct err *err);
bool kz_fs_match_obj(const struct kz_fs *fs, const struct doc_node *obj);
/* Splits at '/' honouring "\/" escapes. */
size_t kz_path_split(const char ***out, struct arena *a, const char *path);
size_t kz_path_split_on(const char ***out, struct arena *a, const char *path,
    char delim);

/* ---- dotted paths (kpath.c) ---------------------------------------------- */

/* kyaml's SmarterPathSplitter ("[a.b]" kept whole), and with slices
 * "ports[0]" split into "ports", "0". */
size_t kz_kpath_split(const char ***out, struct arena *a, const char *path,
    bool slices);
/* The node one path leads to (kyaml's PathGetter), or NULL. */
struct doc_node *kz_kpath_lookup(struct doc_node *n, const char *const *parts,
    size_t nparts, struct arena *a);
/* Every slot a path reaches (kyaml's PathMatcher), creating missing parts
 * (the last of kind create) unless create is KZ_CREATE_NONE. */
int kz_kpath_match(struct kz_vec *out, struct arena *a, struct doc_node **root,
    const char *const *parts, size_t nparts, enum kz_create create,
    struct err *err);

/* ---- kustomization files --------------------------------------------------
 */

/* Checks the kustomization's fields and types as kustomize's strict
 * decoder does; the message says "invalid Kustomization: ...". */
int kz_kust_validate(const struct doc_node *k, struct err *err);
/* A scalar's text, or NULL when n is missing, null or not a scalar. */
const char *kz_scalar(const struct doc_node *n);
/* The string at key in map, or NULL. */
const char *kz_get_str(const struct doc_node *map, const char *key);
bool kz_get_bool(const struct doc_node *map, const char *key);

/* ---- the build ----------------------------------------------------------- */

struct kz_var {
	const char *name;
	struct kz_gvk gvk;
	const char *objname, *objns;
	const char *fieldpath;
};

struct kz_acc {
	struct arena *arena; /* the build's */
	struct kz_resmap rm;
	struct kz_tconfig *tc;
	struct kz_vec vars; /* struct kz_var *, unique by name */
};

struct kz_build {
	struct arena *a;
	struct kz_vec docs; /* struct doc *, parsed files, freed at the end */
	struct kustomize_opts opts;
	const struct kz_tconfig *defaults;
	size_t nfiles;
	unsigned depth;
	const struct doc_node *build_metadata; /* the top kustomization's */
	struct kz_schema *schema; /* for strategic merges, see schema.c */
	struct doc *schema_doc;   /* the built-in one's tree */
	bool schema_set;          /* by a kustomization's "openapi" */
	bool origin_annotations, transformer_annotations;
	bool track_origin; /* any buildMetadata: kustomize tracks both */
};

/* Fills in kustomize's defaults for zero fields (in may be NULL). */
void kz_opts_resolve(struct kustomize_opts *o, const struct kustomize_opts *in);

struct kz_target {
	struct kz_build *b;
	const char *root;  /* real path of the directory */
	const char *kpath; /* the kustomization file */
	const char *kname; /* its base name */
	const struct kz_target *parent;
	struct doc_node *k;      /* the kustomization */
	const char *origin_path; /* path from the top, for origin annotations */
	bool component;
};

/* Reads a file below t's root (or anywhere the options allow) into memory
 * the build owns. */
int kz_load_file(char **data, size_t *len, const struct kz_target *t,
    const char *path, struct err *err);
/* Parses YAML text into resources (Lists inlined, empties dropped). */
int kz_parse_resources(struct kz_vec *out, struct kz_build *b, const char *text,
    size_t len, const char *what, struct err *err);
/* Parses YAML text into its documents' roots (kept alive by b). */
int kz_parse_docs(struct kz_vec *out, struct kz_build *b, const char *text,
    size_t len, const char *what, struct err *err);
void kz_acc_init(struct kz_acc *acc, struct arena *a);
/* A resources entry: a file of objects or a kustomization directory. */
int kz_accumulate_path(struct kz_acc *acc, struct kz_target *t,
    const char *path, struct err *err);
int kz_target_accumulate(struct kz_acc *acc, struct kz_target *t,
    struct err *err);
/* CRD files: their name references, merged into acc's configuration. */
int kz_crds_merge(struct kz_acc *acc, struct kz_target *t, struct err *err);
/* ---- buildMetadata (origin.c) ------------------------------------------- */

struct kz_origin {
	const char *path, *configured_in, *api, *kind, *name, *ns;
};

/* Go's filepath.Join (joined and cleaned). */
char *kz_origin_join(struct arena *a, const char *base, const char *path);
/* The objects of a file get its origin. */
void kz_origin_annotate(const struct kz_target *t, struct kz_resmap *rm,
    const char *path);
void kz_origin_builtin(struct kz_origin *o, const struct kz_target *t,
    const char *kind);
/* After a transformer ran: every object records it. */
void kz_origin_transformed(struct kz_acc *acc, const struct kz_target *t,
    const struct kz_origin *o);
void kz_mark_transformed(struct kz_acc *acc, const struct kz_target *t,
    const char *kind);
bool kz_origin_plugin(struct kz_origin *o, struct arena *a,
    const struct kz_res *c);
/* A generated object without an origin gets o. */
void kz_origin_generated(const struct kz_target *t, struct kz_res *r,
    const struct kz_origin *o);
int kz_target_load(struct kz_target *t, struct kz_build *b, const char *dir,
    const struct kz_target *parent, struct err *err);
/* The schema strategic merges use: the first "openapi" a kustomization
 * named, else the built-in one (loaded on first use). */
int kz_build_schema(const struct kz_schema **out, struct kz_build *b,
    struct err *err);
int kz_openapi_load(struct kz_target *t, struct err *err);

/* ---- transformers (each a file of its own) --------------------------------
 */

int kz_run_transformers(struct kz_acc *acc, struct kz_target *t,
    struct err *err);
int kz_run_generators(struct kz_acc *acc, struct kz_target *t, struct err *err);
/* The "generators" field: builtin generator configurations. */
int kz_plugins_generate(struct kz_acc *acc, struct kz_target *t,
    struct err *err);
/* A ConfigMap or Secret from generator arguments; plugin: a builtin
 * plugin's configuration (name from its metadata, no global options). */
int kz_generate(struct kz_res **out, const struct kz_target *t,
    const struct doc_node *args, bool secret, bool plugin, struct err *err);
int kz_image_apply(struct kz_acc *acc, const struct doc_node *e,
    const struct kz_fsv *fss, struct err *err);
int kz_replica_apply(struct kz_acc *acc, const struct doc_node *e,
    const struct kz_fsv *fss, struct err *err);
int kz_patch_entry(struct kz_acc *acc, struct kz_target *t,
    const struct doc_node *e, struct err *err);
int kz_patch_json6902_entry(struct kz_acc *acc, struct kz_target *t,
    const struct doc_node *e, const char *inline_key, struct err *err);
int kz_patch_smp_config(struct kz_acc *acc, struct kz_target *t,
    const struct doc_node *c, struct err *err);
/* buildMetadata: the origin annotation of a generated object. */
int kz_generated_origin(const struct kz_target *t, struct kz_res *r,
    bool secret);
enum kz_ns_subjects {
	KZ_NS_SUBJECTS_DEFAULT, /* subjects named "default" (kustomize's) */
	KZ_NS_SUBJECTS_ALL_SA,  /* every ServiceAccount subject */
	KZ_NS_SUBJECTS_NONE,
};

struct kz_ns_opts {
	const char *ns;
	bool unset_only; /* only where no namespace is set */
	enum kz_ns_subjects subjects;
};

int kz_namespace_apply(struct kz_acc *acc, const struct kz_ns_opts *o,
    const struct kz_fsv *fss, struct err *err);
int kz_prefix_suffix_apply(struct kz_acc *acc, const char *prefix,
    const char *suffix, const struct kz_fsv *fss, struct err *err);
int kz_map_apply(struct kz_acc *acc, const struct doc_node *pairs,
    const struct kz_fsv *fss, struct err *err);
int kz_labels_run(struct kz_acc *acc, struct kz_target *t, struct err *err);
int kz_annotations_run(struct kz_acc *acc, struct kz_target *t,
    struct err *err);
int kz_nameref_fix(struct kz_acc *acc, struct err *err);
int kz_hash_names(struct kz_acc *acc, struct err *err);
int kz_hash_res(char out[11], const struct kz_res *r, struct err *err);
int kz_patches_run(struct kz_acc *acc, struct kz_target *t, struct err *err);
int kz_patches_smp_run(struct kz_acc *acc, struct kz_target *t,
    struct err *err);
int kz_patches_json_run(struct kz_acc *acc, struct kz_target *t,
    struct err *err);
int kz_plugins_run(struct kz_acc *acc, struct kz_target *t, struct err *err);
int kz_validators_run(struct kz_acc *acc, struct kz_target *t, struct err *err);
/* Applies a strategic merge patch (which it may consume: directives are
 * stripped and nodes shared) to *dst; *dst is NULL when the patch
 * deleted it. schema may be NULL (then every list is replaced). */
int kz_smp_apply(struct arena *a, const struct kz_schema *schema,
    struct doc_node **dst, struct doc_node *patch, struct err *err);

/* ---- OpenAPI schemas (schema.c) ------------------------------------------ */

struct kz_schema;

int kz_schema_index(struct kz_schema **out, struct arena *a,
    const struct doc_node *root, struct err *err);
/* The built-in schema; *doc_out holds its tree (the caller frees it). */
int kz_schema_builtin_load(struct kz_schema **out, struct doc **doc_out,
    struct arena *a, struct err *err);
void kz_schema_release(struct kz_schema *s);
const struct doc_node *kz_schema_for_type(const struct kz_schema *s,
    struct arena *a, const char *api, const char *kind);
const struct doc_node *kz_schema_field(const struct kz_schema *s,
    const struct doc_node *sch, const char *key);
const struct doc_node *kz_schema_elements(const struct kz_schema *s,
    const struct doc_node *sch);
bool kz_schema_merges(const struct doc_node *sch);
size_t kz_schema_keys(const char ***out, struct arena *a,
    const struct doc_node *sch);
int kz_images_run(struct kz_acc *acc, struct kz_target *t, struct err *err);
int kz_replicas_run(struct kz_acc *acc, struct kz_target *t, struct err *err);
int kz_replacements_run(struct kz_acc *acc, struct kz_target *t,
    struct err *err);
/* A list of replacements (inline or "path:"), applied in order. */
int kz_replacements_apply(struct kz_acc *acc, struct kz_target *t,
    const struct doc_node *seq, struct err *err);
int kz_vars_merge(struct kz_acc *acc, struct kz_target *t, struct err *err);
int kz_vars_resolve(struct kz_acc *acc, struct err *err);

/* ---- selectors ------------------------------------------------------------
 */

struct kz_selector {
	const char *group, *version, *kind, *name, *ns; /* regexes or NULL */
	const char *label_selector, *annotation_selector;
};

int kz_selector_parse(struct kz_selector *out, const struct doc_node *n,
    struct err *err);
/* kustomize's ResMap.Select: the matching resources, in order. */
int kz_select(struct kz_vec *out, struct arena *a, const struct kz_resmap *m,
    const struct kz_selector *sel, struct err *err);
/* Anchored Go-syntax regex match ("" matches anything). */
int kz_regex_match(bool *out, const char *pattern, const char *subject,
    struct err *err);
/* Unanchored: the pattern matches somewhere in subject. */
int kz_regex_search(bool *out, const char *pattern, const char *subject,
    struct err *err);

#endif /* FLINT_KUSTOMIZE_KZ_INT_H */
