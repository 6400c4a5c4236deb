/*
 * One document model for YAML and JSON.
 *
 * A parsed stream is a struct doc: an arena and the root node of each
 * document in it. Nodes are scalars (with their resolved kind, original
 * text, tag and style), sequences and ordered maps. Everything a doc holds
 * lives in its arena and dies with doc_free(); doc_copy() moves a subtree
 * into another arena. Nodes are not thread-safe; a doc has one owner.
 *
 * Scalars keep their text exactly as written (after YAML unescaping), so
 * "1.0", "0x1F" and "010" survive a round trip; the kind says how the
 * text resolves (YAML 1.2 core schema, as kustomize's YAML library does).
 */
#ifndef FLINT_DOC_H
#define FLINT_DOC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"

enum doc_kind {
	DOC_NULL,
	DOC_BOOL,
	DOC_INT,
	DOC_FLOAT,
	DOC_STR,
	DOC_SEQ,
	DOC_MAP,
};

/* How a node was written; the emitters use it as a hint. */
enum doc_style {
	DOC_STYLE_ANY = 0, /* built in code: the emitter chooses */
	DOC_STYLE_PLAIN,
	DOC_STYLE_SINGLE,
	DOC_STYLE_DOUBLE,
	DOC_STYLE_LITERAL,
	DOC_STYLE_FOLDED,
	DOC_STYLE_FLOW, /* collections written [a, b] or {a: b} */
};

struct doc_node;

struct doc_pair {
	struct doc_node *key; /* a scalar, almost always DOC_STR */
	struct doc_node *value;
};

struct doc_node {
	uint8_t kind;  /* enum doc_kind */
	uint8_t style; /* enum doc_style */
	uint32_t line; /* 1-based source position, 0 when built in code */
	uint32_t col;
	const char *tag; /* explicit tag ("!!str", "!foo") or NULL */
	union {
		struct {
			const char *ptr; /* NUL-terminated, arena-owned */
			size_t len;
		} str; /* every scalar kind, DOC_NULL included */
		struct {
			struct doc_node **items;
			size_t n, cap;
		} seq;
		struct {
			struct doc_pair *items;
			size_t n, cap;
		} map;
	} u;
};

/* Limits against hostile input; zero fields take the defaults. */
struct doc_limits {
	size_t max_bytes;   /* input size (default 64 MiB) */
	unsigned max_depth; /* nesting depth (default 256) */
	size_t max_nodes;   /* nodes incl. alias expansion (default 8 Mi) */
};

struct doc;

/* ---- streams ---------------------------------------------------------- */

/*
 * Parses a YAML stream of zero or more documents (an empty stream has
 * none; a bare "---" is a DOC_NULL root). Anchors, aliases and "<<" merge
 * keys (a map or a sequence of maps; explicit keys win, then earlier
 * maps) are resolved. An alias SHARES the anchored node, so the result
 * may be a DAG: doc_copy() a subtree before editing one place alone.
 * Aliases count their subtree's size against max_nodes and its height
 * against max_depth, so a billion-laughs input fails with ERR_LIMIT.
 * Quoted scalars are strings, plain ones resolve with doc_resolve_plain(),
 * an explicit core tag (!!int, !!str, ...) decides the kind; tags and
 * styles are kept. ERR_INVALID, with "line L, column C" in the message,
 * for syntax errors, unknown aliases, a tag that does not fit its text,
 * a repeated key (keys compare by text, as doc_map_find() does) and a
 * collection used as a key. The caller owns *out (doc_free()).
 */
int doc_parse_yaml(struct doc **out, const char *text, size_t len,
    const struct doc_limits *lim, struct err *err);

/* Like doc_parse_yaml(), except that a repeated map key is no error: its
 * last value wins, in the first one's place, as go-yaml v2 decodes
 * (kustomize reads its own kustomization files that way). */
int doc_parse_yaml_lenient(struct doc **out, const char *text, size_t len,
    const struct doc_limits *lim, struct err *err);

/*
 * Parses one JSON text (RFC 8259, strictly: no comments, trailing commas,
 * leading zeros or byte order mark) into a doc with one root. Where the
 * RFC leaves room it does what Go's encoding/json does: invalid UTF-8
 * and unpaired surrogate escapes become U+FFFD, and a duplicate key takes
 * the last value (keeping the first one's place). Numbers keep their
 * text: DOC_INT without fraction or exponent, DOC_FLOAT with one; range
 * is checked only when read. Nodes carry line and column; styles are
 * DOC_STYLE_ANY, since JSON offers no choice worth keeping. ERR_INVALID
 * with "line L, column C: <Go's wording>" (the column counts bytes),
 * ERR_LIMIT past lim. The caller owns *out and frees it with doc_free().
 */
int doc_parse_json(struct doc **out, const char *text, size_t len,
    const struct doc_limits *lim, struct err *err);

/* An empty doc (no documents) with its own arena, for building. */
struct doc *doc_new(void);
void doc_free(struct doc *d);
struct arena *doc_arena(const struct doc *d);
size_t doc_count(const struct doc *d);
/* The i-th document's root (borrowed); NULL past the end. */
struct doc_node *doc_root(const struct doc *d, size_t i);
/* Appends a root that lives in d's arena. */
void doc_add_root(struct doc *d, struct doc_node *root);

/* ---- emitting --------------------------------------------------------- */

/*
 * Appends node as block YAML byte for byte as kubectl kustomize prints it
 * (go-yaml v2): two-space indent, "- " items at the parent key's indent,
 * "{}" and "[]" when empty, strings quoted only where a plain scalar
 * would read back differently under YAML 1.1 (yes, 0x1F, 1:20,
 * 2001-12-14 are quoted), literal blocks for multi-line strings, and long
 * strings folded past column 80 as kustomize does. Input styles and tags
 * are not printed. Values null and bools print as null/true/false,
 * numbers with their text ("0x1F", "1.0" survive); keys keep their text.
 * Keys and map order are printed as given (kustomize sorts keys; its
 * callers must). Ends with a newline. Returns -1 only when the buffer's
 * cap is hit (ERR_LIMIT).
 */
int doc_emit_yaml(struct buf *out, const struct doc_node *node,
    struct err *err);

enum doc_yaml_flags {
	/* go-yaml v3's Encoder with SetIndent(2), as Helm's toYamlPretty
	 * prints: sequences under a map key indented by two more, no line
	 * folding; scalars as doc_emit_yaml() chooses them. */
	DOC_YAML_V3 = 1 << 0,
};

/* doc_emit_yaml() with enum doc_yaml_flags; 0 prints the same. */
int doc_emit_yaml_flags(struct buf *out, const struct doc_node *node,
    unsigned flags, struct err *err);

/* Every document of d, separated by "---\n". */
int doc_emit_yaml_stream(struct buf *out, const struct doc *d, struct err *err);

enum doc_json_flags {
	/* Go's json.MarshalIndent(v, "", "  ") layout; kubectl -o json is
	 * the same with four spaces */
	DOC_JSON_INDENT = 1 << 0,
};

/*
 * Appends node as JSON (compact unless DOC_JSON_INDENT), no trailing
 * newline, map keys in the document's order. Strings are escaped as Go's
 * encoding/json and kubectl do (<, >, & as \u003c..., U+2028/9, invalid
 * UTF-8 as \ufffd). Number text that is valid JSON is kept; other YAML
 * spellings (0x1F, +1, .5) print as Go prints the value. Non-scalar map
 * keys and non-finite floats are ERR_INVALID, a full buffer ERR_LIMIT;
 * on error out is left as it was.
 */
int doc_emit_json(struct buf *out, const struct doc_node *node, unsigned flags,
    struct err *err);

/* Spells finite v as Go's encoding/json prints a float64 ("1", "0.5",
 * "1e+21", "1e-7") into dst (at least DOC_JSON_FLOAT_MAX bytes, NUL
 * added); returns the length. */
#define DOC_JSON_FLOAT_MAX 32
size_t doc_json_float(char *dst, double v);

/* ---- building and editing (all allocations in arena a) ------------------ */

struct doc_node *doc_new_null(struct arena *a);
struct doc_node *doc_new_bool(struct arena *a, bool v);
struct doc_node *doc_new_int(struct arena *a, int64_t v);
/* Shortest text that reads back as v, with ".0" added where it would
 * otherwise resolve as an int; ".inf", "-.inf", ".nan" if not finite. */
struct doc_node *doc_new_float(struct arena *a, double v);
/* A string scalar holding a copy of n bytes at p. */
struct doc_node *doc_new_str(struct arena *a, const char *p, size_t n);
/* A scalar whose kind is resolved from plain text as YAML would. */
struct doc_node *doc_new_plain(struct arena *a, const char *p, size_t n);
struct doc_node *doc_new_seq(struct arena *a);
struct doc_node *doc_new_map(struct arena *a);

/* Resolves plain (unquoted) scalar text to a kind: null, bool, int,
 * float or str, per the YAML 1.2 core schema. */
enum doc_kind doc_resolve_plain(const char *p, size_t n);

/* Appends item; BUG() if seq is not a sequence. */
void doc_seq_append(struct arena *a, struct doc_node *seq,
    struct doc_node *item);
/* Inserts at index i (0..n); returns -1 if i is out of range. */
int doc_seq_insert(struct arena *a, struct doc_node *seq, size_t i,
    struct doc_node *item);
/* Removes index i; returns -1 if out of range. */
int doc_seq_remove(struct doc_node *seq, size_t i);

/* The value under a string key, or NULL (also when map is NULL or not a
 * map). Keys match by their text whatever their scalar kind, as
 * kustomize's lookups do: a YAML key written 1 is found as "1". */
struct doc_node *doc_map_find(const struct doc_node *map, const char *key,
    size_t keylen);
/* Like doc_map_find() with a NUL-terminated key. */
struct doc_node *doc_map_get(const struct doc_node *map, const char *key);
/* Replaces the value under key, or appends the pair at the end; BUG() if
 * map is not a map. */
void doc_map_set(struct arena *a, struct doc_node *map, const char *key,
    size_t keylen, struct doc_node *value);
/* Removes key; returns true if it was there. Keeps the others' order. */
bool doc_map_delete(struct doc_node *map, const char *key, size_t keylen);

/* ---- reading scalars ---------------------------------------------------- */

bool doc_is_scalar(const struct doc_node *n);
/* The scalar's text; NULL for collections. */
const char *doc_str(const struct doc_node *n);
/* Integer value of a DOC_INT in any form doc_resolve_plain() accepts
 * (decimal, 0x, 0o, 0b, a leading 0 for octal, underscores); -1 with
 * ERR_INVALID for other kinds and for values outside int64. */
int doc_get_int(int64_t *out, const struct doc_node *n, struct err *err);
/* Value of a DOC_FLOAT (".inf", ".nan" included) or of a DOC_INT, which
 * converts; ERR_INVALID otherwise. */
int doc_get_float(double *out, const struct doc_node *n, struct err *err);
int doc_get_bool(bool *out, const struct doc_node *n, struct err *err);

/* ---- whole-tree operations --------------------------------------------- */

/* Deep copy of n into arena a (tags, styles and positions kept). */
struct doc_node *doc_copy(struct arena *a, const struct doc_node *n);

/* Structural equality: same kinds, scalars equal by value (1 == 1.0 is
 * false: kinds differ; 0x10 == 16 is true), sequences in order, maps as
 * unordered key sets. NaN equals NaN, so a tree always equals its copy.
 * Tags and styles are not compared. */
bool doc_equal(const struct doc_node *x, const struct doc_node *y);

/* ---- paths (RFC 6901 JSON Pointer: "/spec/template/0", "~1" = "/") ----- */

/* The node at ptr, or NULL when missing ("" is root). ERR_INVALID for a
 * malformed pointer is reported as NULL too. */
struct doc_node *doc_ptr_find(const struct doc_node *root, const char *ptr);

/* Sets the node at ptr, creating missing maps on the way (a null on the
 * way becomes a map too); "-" appends to a sequence, and on the way
 * appends a new map. ERR_INVALID when the path crosses a scalar or a bad index;
 * ERR_NOTFOUND when a sequence index is past the end. */
int doc_ptr_set(struct arena *a, struct doc_node **root, const char *ptr,
    struct doc_node *value, struct err *err);

/* Deletes the node at ptr; ERR_NOTFOUND when missing. */
int doc_ptr_delete(struct doc_node *root, const char *ptr, struct err *err);

/* ---- patches ------------------------------------------------------------ */

/* RFC 7386 JSON merge patch of patch onto *target (edited in place, or
 * replaced). What is taken from patch is copied into a, so patch may live
 * in another arena and be freed first. */
void doc_merge_patch(struct arena *a, struct doc_node **target,
    const struct doc_node *patch);

/* RFC 6902 JSON patch: ops is a sequence of {op, path, value, from}.
 * Applies all or nothing to *root: on error *root is unchanged; on
 * success *root is a new tree in a (the ops run on a copy), so pointers
 * into the old tree do not see the result. Values are copied from ops.
 * ERR_INVALID for a malformed op, ERR_NOTFOUND for a missing path,
 * ERR_CONFLICT for a failed "test". */
int doc_json_patch(struct arena *a, struct doc_node **root,
    const struct doc_node *ops, struct err *err);

#endif /* FLINT_DOC_H */
