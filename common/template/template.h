/*
 * Go's text/template with the Sprig and Helm functions, for rendering
 * Helm charts exactly as `helm template` does.
 *
 * Three parts:
 *
 * - Values (struct tmpl_val): what templates compute with, typed as Go
 *   types them (bool, int, int64, float64, string, []interface{},
 *   map[string]interface{}, and host objects such as .Files). Maps keep
 *   their keys sorted, which is the order Go prints and ranges them in.
 *   Lists and maps are references, as in Go: merge and set mutate them.
 *   Every value of a rendering lives in that rendering's arena.
 * - Template sets (struct tmpl_set): named templates parsed once (files
 *   and their {{define}}s); a set is read-only once parsed and may be
 *   executed many times, by one thread at a time.
 * - Executions (struct tmpl_exec): one rendering: its arena, options
 *   (clock, limits) and the state include and tpl share.
 *
 * Errors read like Go's and Helm's: a parse error is
 * "template: NAME:LINE: msg", an execution error
 * "template: NAME:LINE:COL: executing \"NAME\" at <node>: msg", and
 * fail/required give "execution error at (NAME:LINE:COL): msg".
 */
#ifndef FLINT_TEMPLATE_H
#define FLINT_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "doc/doc.h"

/* ---- values -------------------------------------------------------------- */

enum tmpl_kind {
	TMPL_NIL, /* Go's nil (an untyped nil interface) */
	TMPL_BOOL,
	TMPL_INT,
	TMPL_FLOAT,
	TMPL_STR,
	TMPL_LIST,
	TMPL_MAP,
	TMPL_OBJ, /* a host object: fields and methods through its class */
};

/* The Go type of a value where the kind alone does not say it (for %T,
 * typeOf and argument checks). */
enum tmpl_type {
	TMPL_T_DEFAULT = 0, /* bool, int, float64, string, []interface {},
	                       map[string]interface {} */
	TMPL_T_INT64,       /* TMPL_INT: int64 (what Sprig's math returns) */
	TMPL_T_BYTES,       /* TMPL_STR: []uint8 */
	TMPL_T_STRINGS,     /* TMPL_LIST of strings: []string */
	TMPL_T_STRMAP,      /* TMPL_MAP of strings: map[string]string */
	TMPL_T_VALUES,      /* TMPL_MAP: common.Values */
	TMPL_T_VERSIONSET,  /* TMPL_LIST of strings: common.VersionSet */
};

struct tmpl_list;
struct tmpl_map;
struct tmpl_obj;

struct tmpl_val {
	uint8_t kind; /* enum tmpl_kind */
	uint8_t type; /* enum tmpl_type */
	union {
		bool b;
		int64_t i;
		double f;
		struct {
			const char *p; /* not NUL-terminated in general */
			size_t n;
		} s;
		struct tmpl_list *l;
		struct tmpl_map *m;
		struct tmpl_obj *o;
	} u;
};

struct tmpl_list {
	size_t n, cap;
	struct tmpl_val *items;
};

struct tmpl_pair {
	const char *key; /* NUL-terminated, arena-owned */
	size_t keylen;
	struct tmpl_val val;
};

/* Pairs sorted by key (bytewise), unique keys. */
struct tmpl_map {
	size_t n, cap;
	struct tmpl_pair *items;
};

/*
 * A host object's behaviour. member() resolves ".Name" with its
 * arguments (none for a field): it returns 0 with *out set, 1 when the
 * object has no such field or method, -1 with err set when a method
 * fails. plain() gives the plain value toJson and toYaml see; print()
 * appends what fmt's %v prints. Any callback may be NULL.
 */
struct tmpl_class {
	const char *type_name; /* Go's %T: "engine.files" */
	const char *kind_name; /* reflect's kind: "map", "ptr", "struct" */
	int (*member)(struct tmpl_val *out, const struct tmpl_obj *o,
	    const char *name, size_t namelen, size_t argc,
	    const struct tmpl_val *argv, struct arena *a, struct err *err);
	void (*plain)(struct tmpl_val *out, const struct tmpl_obj *o,
	    struct arena *a);
	void (*print)(struct buf *b, const struct tmpl_obj *o);
	/* for objects of map or slice kind: their length (truth, len) */
	size_t (*len)(const struct tmpl_obj *o);
};

struct tmpl_obj {
	const struct tmpl_class *cls;
	void *data; /* the class's own */
};

static inline struct tmpl_val
tmpl_nil(void)
{
	struct tmpl_val v = { .kind = TMPL_NIL };

	return v;
}

static inline struct tmpl_val
tmpl_bool(bool b)
{
	struct tmpl_val v = { .kind = TMPL_BOOL, .u.b = b };

	return v;
}

static inline struct tmpl_val
tmpl_int(int64_t i)
{
	struct tmpl_val v = { .kind = TMPL_INT, .u.i = i };

	return v;
}

static inline struct tmpl_val
tmpl_float(double f)
{
	struct tmpl_val v = { .kind = TMPL_FLOAT, .u.f = f };

	return v;
}

/* A string that borrows p: it must live as long as the value. */
static inline struct tmpl_val
tmpl_str(const char *p, size_t n)
{
	struct tmpl_val v = { .kind = TMPL_STR, .u.s = { p, n } };

	return v;
}

/* A string holding a copy of n bytes at p in arena a. */
struct tmpl_val tmpl_str_dup(struct arena *a, const char *p, size_t n);

/* An empty list or map with room for cap items, in arena a. */
struct tmpl_val tmpl_list_new(struct arena *a, size_t cap);
struct tmpl_val tmpl_map_new(struct arena *a, size_t cap);

/* A host object of class cls. */
struct tmpl_val tmpl_obj_new(struct arena *a, const struct tmpl_class *cls,
    void *data);

/* Appends v to the list l (growing it in a). */
void tmpl_list_append(struct arena *a, struct tmpl_list *l, struct tmpl_val v);

/* The value under key, or NULL. */
struct tmpl_val *tmpl_map_find(const struct tmpl_map *m, const char *key,
    size_t keylen);

/* Sets key to v, copying a new key into a; returns the stored value. */
struct tmpl_val *tmpl_map_set(struct arena *a, struct tmpl_map *m,
    const char *key, size_t keylen, struct tmpl_val v);

/* Removes key; true if it was there. */
bool tmpl_map_delete(struct tmpl_map *m, const char *key, size_t keylen);

/* Go's truth: false, 0, nil, and empty strings, lists and maps (host
 * maps and slices included) are false; everything else is true. */
bool tmpl_truth(const struct tmpl_val *v);

/* Deep copy of v into a (objects are shared). */
struct tmpl_val tmpl_copy(struct arena *a, const struct tmpl_val *v);

/* Appends what Go's fmt prints for %v. */
void tmpl_print(struct buf *b, const struct tmpl_val *v);

/*
 * Converts a doc tree as Helm reads values (sigs.k8s.io/yaml over go-yaml
 * v2): YAML 1.1 scalars (yes/no/on/off are booleans, 0777 is octal),
 * every number a float64 as JSON makes it, timestamps kept as strings,
 * keys turned into strings. NULL gives nil. ERR_INVALID for what Helm
 * refuses (a number out of range, a binary scalar that is not base64).
 */
int tmpl_from_doc(struct tmpl_val *out, const struct doc_node *n,
    struct arena *a, struct err *err);

/*
 * Parses YAML as Helm reads a values file: an empty document is an empty
 * map; a document that is not a map is ERR_INVALID.
 */
int tmpl_values_parse(struct tmpl_val *out, const char *text, size_t len,
    struct arena *a, struct err *err);

/* Appends v as Helm's toYaml prints it (sigs.k8s.io/yaml), with the
 * final newline; ERR_INVALID for what JSON cannot hold. */
int tmpl_to_yaml(struct buf *out, const struct tmpl_val *v, struct err *err);
/* As Helm's toYamlPretty prints v: go-yaml v3's Encoder with SetIndent(2)
 * (sequences under a key indented, no folding, floats as 'g'). */
int tmpl_to_yaml_pretty(struct buf *out, const struct tmpl_val *v,
    struct err *err);

/* Appends v as Go's json.Marshal prints it (sorted keys, HTML-safe);
 * indent gives json.MarshalIndent(v, "", "  "). */
int tmpl_to_json(struct buf *out, const struct tmpl_val *v, bool indent,
    struct err *err);

/*
 * Whether version satisfies the semver constraint, with the rules of
 * Masterminds/semver v3 (Helm's): ">=1.20.0-0", "^1.2", "~1.2.x",
 * "1.2 - 1.4", "a || b". ERR_INVALID for a malformed constraint or
 * version. Thread-safe.
 */
int tmpl_semver_check(bool *out, const char *constraint, const char *version,
    struct err *err);

/* ---- template sets ------------------------------------------------------- */

struct tmpl_set;

/* An empty set; the caller frees it with tmpl_set_free(). */
struct tmpl_set *tmpl_set_new(void);
void tmpl_set_free(struct tmpl_set *s);

/*
 * Parses text as the template called name and adds it and its
 * {{define}}s to the set. As in Go, a later definition replaces an
 * earlier one unless its body is empty. The text is copied. Errors are
 * ERR_INVALID: "template: NAME:LINE: msg", with Go's wording (an unknown
 * function, an undefined variable, an unexpected {{end}}); on error the
 * set is unchanged.
 */
int tmpl_set_parse(struct tmpl_set *s, const char *name, const char *text,
    size_t len, struct err *err);

/* Whether a template called name is defined. */
bool tmpl_set_has(const struct tmpl_set *s, const char *name);

/* Number of templates parsed so far, {{define}}s included. */
size_t tmpl_set_count(const struct tmpl_set *s);

/* ---- executions ---------------------------------------------------------- */

struct tmpl_opts {
	int64_t now_unix_ns;   /* the clock for now/date; 0: the real one */
	unsigned max_includes; /* nested includes of one name; 0: Helm's 1000 */
	unsigned max_depth;    /* nested template calls; 0: 2000 */
	size_t max_output;  /* bytes an include or tpl may print; 0: 256 MiB */
	uint64_t max_steps; /* nodes one run may walk; 0: 100 million */
	bool strict;        /* Helm's --strict: a missing key fails */
};

struct tmpl_exec;

/*
 * Starts a rendering over set s (borrowed; it must outlive the
 * execution) with options o (copied; NULL for defaults). The execution
 * owns an arena for every value made while rendering. Free it with
 * tmpl_exec_free().
 */
struct tmpl_exec *tmpl_exec_new(const struct tmpl_set *s,
    const struct tmpl_opts *o);
void tmpl_exec_free(struct tmpl_exec *x);

/* The execution's arena, where values given to it should live. */
struct arena *tmpl_exec_arena(struct tmpl_exec *x);

/*
 * Executes the template called name with dot as its data and appends the
 * output to out. Helm's "<no value>" is not removed here. ERR_NOTFOUND
 * when no such template exists; ERR_INVALID for an execution error;
 * ERR_LIMIT past a depth or output limit.
 */
int tmpl_exec_run(struct tmpl_exec *x, struct buf *out, const char *name,
    const struct tmpl_val *dot, struct err *err);

#endif /* FLINT_TEMPLATE_H */
