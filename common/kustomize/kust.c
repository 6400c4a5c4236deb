/*
 * The shape of a kustomization file. kustomize decodes it strictly
 * (unknown fields and wrong types are errors), so a table of every field
 * it knows drives one recursive check; readers elsewhere then take
 * fields straight from the doc tree.
 */
#include "kustomize/kz_int.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum ftype {
	F_STR,
	F_BOOL,
	F_INT,
	F_STRMAP,
	F_BOOLMAP,
	F_STRSEQ,
	F_OBJ,
	F_OBJSEQ,
	F_ANY,
};

struct field {
	const char *name;
	enum ftype type;
	const struct field *sub; /* for F_OBJ and F_OBJSEQ */
};

#define END                       \
	{                         \
		NULL, F_ANY, NULL \
	}

static const struct field f_meta[] = { { "name", F_STR, NULL },
	{ "namespace", F_STR, NULL }, { "labels", F_STRMAP, NULL },
	{ "annotations", F_STRMAP, NULL }, END };

static const struct field f_fieldspec[] = { { "group", F_STR, NULL },
	{ "version", F_STR, NULL }, { "kind", F_STR, NULL },
	{ "path", F_STR, NULL }, { "create", F_BOOL, NULL }, END };

static const struct field f_label[] = { { "pairs", F_STRMAP, NULL },
	{ "includeSelectors", F_BOOL, NULL },
	{ "includeTemplates", F_BOOL, NULL },
	{ "fields", F_OBJSEQ, f_fieldspec }, END };

static const struct field f_selector[] = { { "group", F_STR, NULL },
	{ "version", F_STR, NULL }, { "kind", F_STR, NULL },
	{ "name", F_STR, NULL }, { "namespace", F_STR, NULL },
	{ "annotationSelector", F_STR, NULL }, { "labelSelector", F_STR, NULL },
	END };

static const struct field f_patch[] = { { "path", F_STR, NULL },
	{ "patch", F_STR, NULL }, { "target", F_OBJ, f_selector },
	{ "options", F_BOOLMAP, NULL }, END };

static const struct field f_image[] = { { "name", F_STR, NULL },
	{ "newName", F_STR, NULL }, { "tagSuffix", F_STR, NULL },
	{ "newTag", F_STR, NULL }, { "digest", F_STR, NULL }, END };

static const struct field f_replica[] = { { "name", F_STR, NULL },
	{ "count", F_INT, NULL }, END };

static const struct field f_fieldopts[] = { { "delimiter", F_STR, NULL },
	{ "index", F_INT, NULL }, { "encoding", F_STR, NULL },
	{ "create", F_BOOL, NULL }, END };

static const struct field f_source[] = { { "group", F_STR, NULL },
	{ "version", F_STR, NULL }, { "kind", F_STR, NULL },
	{ "name", F_STR, NULL }, { "namespace", F_STR, NULL },
	{ "fieldPath", F_STR, NULL }, { "options", F_OBJ, f_fieldopts }, END };

static const struct field f_target[] = { { "select", F_OBJ, f_selector },
	{ "reject", F_OBJSEQ, f_selector }, { "fieldPaths", F_STRSEQ, NULL },
	{ "options", F_OBJ, f_fieldopts }, END };

static const struct field f_replacement[] = { { "path", F_STR, NULL },
	{ "source", F_OBJ, f_source }, { "targets", F_OBJSEQ, f_target }, END };

static const struct field f_objref[] = { { "apiVersion", F_STR, NULL },
	{ "group", F_STR, NULL }, { "version", F_STR, NULL },
	{ "kind", F_STR, NULL }, { "name", F_STR, NULL },
	{ "namespace", F_STR, NULL }, END };

static const struct field f_fieldref[] = { { "fieldPath", F_STR, NULL }, END };

static const struct field f_var[] = { { "name", F_STR, NULL },
	{ "objref", F_OBJ, f_objref }, { "fieldref", F_OBJ, f_fieldref }, END };

static const struct field f_legacy_sort[] = { { "orderFirst", F_STRSEQ, NULL },
	{ "orderLast", F_STRSEQ, NULL }, END };

static const struct field f_sort[] = { { "order", F_STR, NULL },
	{ "legacySortOptions", F_OBJ, f_legacy_sort }, END };

static const struct field f_genopts[] = { { "labels", F_STRMAP, NULL },
	{ "annotations", F_STRMAP, NULL },
	{ "disableNameSuffixHash", F_BOOL, NULL },
	{ "immutable", F_BOOL, NULL }, END };

#define GENERATOR_FIELDS                                                 \
	{ "namespace", F_STR, NULL }, { "name", F_STR, NULL },           \
	    { "behavior", F_STR, NULL }, { "literals", F_STRSEQ, NULL }, \
	    { "files", F_STRSEQ, NULL }, { "envs", F_STRSEQ, NULL },     \
	    { "env", F_STR, NULL },                                      \
	{                                                                \
		"options", F_OBJ, f_genopts                              \
	}

static const struct field f_cmgen[] = { GENERATOR_FIELDS, END };

static const struct field f_secretgen[] = { GENERATOR_FIELDS,
	{ "type", F_STR, NULL }, END };

static const struct field f_kustomization[] = {
	{ "apiVersion", F_STR, NULL },
	{ "kind", F_STR, NULL },
	{ "metadata", F_OBJ, f_meta },
	{ "openapi", F_STRMAP, NULL },
	{ "namePrefix", F_STR, NULL },
	{ "nameSuffix", F_STR, NULL },
	{ "namespace", F_STR, NULL },
	{ "commonLabels", F_STRMAP, NULL },
	{ "labels", F_OBJSEQ, f_label },
	{ "commonAnnotations", F_STRMAP, NULL },
	{ "patchesStrategicMerge", F_STRSEQ, NULL },
	{ "patchesJson6902", F_OBJSEQ, f_patch },
	{ "patches", F_OBJSEQ, f_patch },
	{ "images", F_OBJSEQ, f_image },
	{ "imageTags", F_OBJSEQ, f_image },
	{ "replacements", F_OBJSEQ, f_replacement },
	{ "replicas", F_OBJSEQ, f_replica },
	{ "vars", F_OBJSEQ, f_var },
	{ "sortOptions", F_OBJ, f_sort },
	{ "resources", F_STRSEQ, NULL },
	{ "components", F_STRSEQ, NULL },
	{ "crds", F_STRSEQ, NULL },
	{ "bases", F_STRSEQ, NULL },
	{ "configMapGenerator", F_OBJSEQ, f_cmgen },
	{ "secretGenerator", F_OBJSEQ, f_secretgen },
	{ "helmGlobals", F_ANY, NULL },
	{ "helmCharts", F_ANY, NULL },
	{ "helmChartInflationGenerator", F_ANY, NULL },
	{ "generatorOptions", F_OBJ, f_genopts },
	{ "configurations", F_STRSEQ, NULL },
	{ "generators", F_STRSEQ, NULL },
	{ "transformers", F_STRSEQ, NULL },
	{ "validators", F_STRSEQ, NULL },
	{ "buildMetadata", F_STRSEQ, NULL },
	END,
};

const char *
kz_scalar(const struct doc_node *n)
{
	if (n == NULL || n->kind == DOC_NULL || !doc_is_scalar(n))
		return NULL;
	return doc_str(n);
}

const char *
kz_get_str(const struct doc_node *map, const char *key)
{
	return kz_scalar(doc_map_get(map, key));
}

bool
kz_get_bool(const struct doc_node *map, const char *key)
{
	const struct doc_node *n = doc_map_get(map, key);

	return n != NULL && n->kind == DOC_BOOL && doc_str(n) != NULL &&
	    (doc_str(n)[0] == 't' || doc_str(n)[0] == 'T');
}

static const char *
kind_word(const struct doc_node *n)
{
	switch (n->kind) {
	case DOC_BOOL:
		return "bool";
	case DOC_INT:
	case DOC_FLOAT:
		return "number";
	case DOC_STR:
		return "string";
	case DOC_SEQ:
		return "array";
	default:
		return "object";
	}
}

static int check_fields(const struct doc_node *n, const struct field *fields,
    const char *where, struct err *err);

static int
wrong_type(const struct doc_node *n, const char *where, const char *want,
    struct err *err)
{
	return err_set(err, ERR_INVALID,
	    "line %u: field '%s': cannot unmarshal %s into %s", n->line, where,
	    kind_word(n), want);
}

/* Checks a scalar or the items of a map or sequence of scalars. */
static int
check_scalars(const struct doc_node *n, enum doc_kind want, const char *where,
    struct err *err)
{
	const char *name = want == DOC_STR ? "string"
	    : want == DOC_BOOL             ? "bool"
	                                   : "number";

	if (n->kind == DOC_NULL)
		return 0;
	if (n->kind != want)
		return wrong_type(n, where, name, err);
	return 0;
}

static int
check_map_of(const struct doc_node *n, enum doc_kind want, const char *where,
    struct err *err)
{
	if (n->kind != DOC_MAP)
		return wrong_type(n, where, "a map", err);
	for (size_t i = 0; i < n->u.map.n; i++)
		if (check_scalars(n->u.map.items[i].value, want, where, err) ==
		    -1)
			return -1;
	return 0;
}

static int
check_seq(const struct doc_node *n, const struct field *f, const char *where,
    struct err *err)
{
	char sub[256];

	if (n->kind != DOC_SEQ)
		return wrong_type(n, where, "a list", err);
	for (size_t i = 0; i < n->u.seq.n; i++) {
		const struct doc_node *item = n->u.seq.items[i];

		if (snprintf(sub, sizeof(sub), "%s[%zu]", where, i) >=
		    (int)sizeof(sub))
			return err_set(err, ERR_LIMIT, "nesting too deep");
		if (f->type == F_STRSEQ) {
			if (check_scalars(item, DOC_STR, sub, err) == -1)
				return -1;
		} else if (item->kind != DOC_NULL &&
		    check_fields(item, f->sub, sub, err) == -1) {
			return -1;
		}
	}
	return 0;
}

static int
check_value(const struct doc_node *n, const struct field *f, const char *where,
    struct err *err)
{
	if (n->kind == DOC_NULL)
		return 0;
	switch (f->type) {
	case F_STR:
		return check_scalars(n, DOC_STR, where, err);
	case F_BOOL:
		return check_scalars(n, DOC_BOOL, where, err);
	case F_INT:
		return check_scalars(n, DOC_INT, where, err);
	case F_STRMAP:
		return check_map_of(n, DOC_STR, where, err);
	case F_BOOLMAP:
		return check_map_of(n, DOC_BOOL, where, err);
	case F_STRSEQ:
	case F_OBJSEQ:
		return check_seq(n, f, where, err);
	case F_OBJ:
		return check_fields(n, f->sub, where, err);
	default:
		return 0;
	}
}

/* Go's JSON decoder matches field names regardless of case; the key is
 * renamed to the canonical spelling so readers find it. */
static const struct field *
find_field(struct doc_node *key, const struct field *fields)
{
	const char *name = doc_str(key);

	for (const struct field *f = fields; f->name != NULL; f++)
		if (strcmp(f->name, name) == 0)
			return f;
	for (const struct field *f = fields; f->name != NULL; f++) {
		if (strcasecmp(f->name, name) != 0)
			continue;
		key->u.str.ptr = f->name;
		key->u.str.len = strlen(f->name);
		return f;
	}
	return NULL;
}

static int
check_fields(const struct doc_node *n, const struct field *fields,
    const char *where, struct err *err)
{
	char sub[256];

	if (n->kind != DOC_MAP)
		return wrong_type(n, where, "an object", err);
	for (size_t i = 0; i < n->u.map.n; i++) {
		const struct doc_pair *p = &n->u.map.items[i];
		const char *key = doc_str(p->key);
		const struct field *f = find_field(p->key, fields);

		if (snprintf(sub, sizeof(sub), "%s%s%s", where,
		        where[0] != '\0' ? "." : "", key) >= (int)sizeof(sub))
			return err_set(err, ERR_LIMIT, "field name too long");
		if (f == NULL)
			return err_set(err, ERR_INVALID,
			    "line %u: unknown field '%s'", p->key->line, sub);
		if (check_value(p->value, f, sub, err) == -1)
			return -1;
	}
	return 0;
}

int
kz_kust_validate(const struct doc_node *k, struct err *err)
{
	if (check_fields(k, f_kustomization, "", err) == -1)
		return err_wrap(err, "invalid Kustomization");
	return 0;
}
