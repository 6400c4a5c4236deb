/*
 * Flux's post-build variable substitution.
 *
 * envsubst_eval() expands ${var} expressions in a text exactly as the Eval
 * function of fluxcd/pkg/envsubst does, quirks included, so a manifest
 * renders the same under flint as under kustomize-controller:
 *
 *   ${v}                    the value ("" when unset, unless strict)
 *   ${v:=d} ${v=d} ${v:-d}  d when v is unset or empty; so are ${v:+d} and
 *   ${v:?d}                 ${v:?d} (Flux treats all five alike, no error)
 *   ${#v}                   length in bytes
 *   ${v:off} ${v:off:len}   byte slice; a negative off counts from the end,
 *                           an off or len that is not an integer gives v
 *   ${v/p/r} ${v//p/r}      replace the first / every occurrence of text p
 *   ${v/#p/r} ${v/%p/r}     replace p at the start / end (r required)
 *   ${v#g} ${v##g}          strip the shortest / longest prefix matching the
 *   ${v%g} ${v%%g}          glob g (*, ?, [...]); suffix forms likewise
 *   ${v^} ${v^^} ${v,} ${v,,}  upper/lower case the first / every letter
 *   $${x}  $$               a literal "${x}", a literal "$"
 *
 * Only ${ starts an expression ($v is left alone); names are Unicode
 * letters, digits and '_'. Arguments may hold nested ${...}; substituted
 * values are never expanded again. ${v-d}, ${v+d}, ${my.var}, ${} and an
 * unclosed ${ are parse errors, reported before any strict-mode error.
 *
 * envsubst_resource() is kustomize-controller's per-resource step around
 * it (spec.postBuild of a Kustomization): opt-out marker, variable loading
 * from substitute/substituteFrom, name validation, and expansion of the
 * resource's YAML text, which is then parsed again.
 *
 * Nothing here keeps global state; distinct calls may run in parallel.
 */
#ifndef FLINT_ENVSUBST_H
#define FLINT_ENVSUBST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "doc/doc.h"

/* ---- variables ----------------------------------------------------------- */

/* A name -> value table. Values may be secrets: they are wiped on free. */
struct envsubst_vars;

/* An empty table the caller frees with envsubst_vars_free(). */
struct envsubst_vars *envsubst_vars_new(void);

/* Wipes and frees the table. Accepts NULL. */
void envsubst_vars_free(struct envsubst_vars *v);

/* Copies name and value into the table, replacing an earlier value. */
void envsubst_vars_set(struct envsubst_vars *v, const char *name,
    size_t name_len, const char *value, size_t value_len);

/* The value of name (borrowed, NUL-terminated, its length in *value_len
 * when that is not NULL), or NULL when unset. v may be NULL (no
 * variables). */
const char *envsubst_vars_find(const struct envsubst_vars *v, const char *name,
    size_t name_len, size_t *value_len);

/* Number of variables; 0 for NULL. */
size_t envsubst_vars_count(const struct envsubst_vars *v);

/* ---- expansion ----------------------------------------------------------- */

/* Options and limits of one expansion; zero limits take the defaults. */
struct envsubst_opts {
	bool strict;        /* an unset variable is an error, except under
	                       the default operators := = :- :+ :? */
	size_t max_bytes;   /* output and each intermediate value (64 MiB) */
	unsigned max_depth; /* nesting of ${...} in arguments (64) */
	uint64_t max_steps; /* bytes produced plus glob-matching steps
	                       (1 Gi): bounds the work on hostile input */
};

#define ENVSUBST_DEFAULT_MAX_BYTES ((size_t)64 << 20)
#define ENVSUBST_DEFAULT_MAX_DEPTH 64u
#define ENVSUBST_DEFAULT_MAX_STEPS ((uint64_t)1 << 30)

/*
 * Expands the len bytes at text with vars (NULL: none) under opts (NULL:
 * not strict, default limits). On success *out is a NUL-terminated copy
 * the caller frees and *out_len its length (out_len may be NULL). Errors:
 * ERR_INVALID for a parse error ("missing closing brace", "bad
 * substitution", "unable to parse variable name", "unable to parse
 * substitution within function"), for an unset variable in strict mode
 * ("variable not set (strict mode): \"name\"") and for a substring whose
 * bounds Flux cannot slice; ERR_LIMIT past a limit. *out is untouched on
 * error.
 */
int envsubst_eval(char **out, size_t *out_len, const char *text, size_t len,
    const struct envsubst_vars *vars, const struct envsubst_opts *opts,
    struct err *err);

/* ---- the post-build step ------------------------------------------------- */

enum envsubst_strategy {
	ENVSUBST_WITH_VARIABLES = 0, /* skip resources when no variables */
	ENVSUBST_ALWAYS,             /* expand even without variables */
};

/* One spec.postBuild.substituteFrom entry and what the cluster holds. */
struct envsubst_source {
	const char *kind; /* "ConfigMap" or "Secret"; Flux ignores others */
	const char *name;
	bool optional;
	bool present;                /* false: the object was not found */
	const struct doc_node *data; /* map of scalars (Secret values already
	                                decoded); NULL: no keys */
};

/* A Kustomization's spec.postBuild and the strict-substitution gate. */
struct envsubst_postbuild {
	const struct doc_node *substitute; /* inline map of scalars, or NULL */
	const struct envsubst_source *from;
	size_t n_from;
	enum envsubst_strategy strategy;
	bool strict; /* the StrictPostBuildSubstitutions feature gate */
};

/*
 * Collects the variables of pb: substituteFrom entries in order (later
 * ones override earlier ones), then the inline map over all of them;
 * newlines are removed from every value. The caller frees *out. Errors:
 * ERR_NOTFOUND for a missing non-optional object ("substitute from
 * 'ConfigMap/name' error: configmaps \"name\" not found"), ERR_INVALID for
 * data that is not a map of scalars.
 */
int envsubst_vars_load(struct envsubst_vars **out,
    const struct envsubst_postbuild *pb, struct err *err);

/*
 * True when res carries the label or annotation
 * kustomize.toolkit.fluxcd.io/substitute with exactly the value "disabled".
 */
bool envsubst_is_disabled(const struct doc_node *res);

/*
 * Substitutes one resource as kustomize-controller does, replacing *res in
 * place with nodes allocated in arena a (the arena that owns res). It is
 * left untouched when disabled, or when vars is empty and the strategy is
 * not Always. Otherwise every variable name must match
 * ^[_[:alpha:]][_[:alpha:][:digit:]]*$, the resource is emitted as YAML,
 * expanded with pb->strict and parsed again into one map, which is then
 * read as Flux's YAML -> JSON -> YAML round trip reads it: YAML 1.1
 * scalars (a plain yes is true, 010 is 8), numbers through float64 (1.0
 * is 1), keys as strings, no styles. Errors (ERR_INVALID, ERR_LIMIT) read
 * like Flux's: "envsubst error: variable substitution failed: missing
 * closing brace", "envsubst error: YAMLToJSON: json: unsupported value:
 * +Inf".
 */
int envsubst_resource(struct arena *a, struct doc_node *res,
    const struct envsubst_vars *vars, const struct envsubst_postbuild *pb,
    struct err *err);

/*
 * Runs envsubst_resource() over every document of d, in order. Variables
 * are loaded once, when the first resource that is not disabled needs
 * them, so a missing substituteFrom object fails the build only when
 * something would be substituted, as in Flux. An error names the resource:
 * "post build failed for 'ConfigMap.v1.[noGrp]/cm': ...".
 */
int envsubst_doc(struct doc *d, const struct envsubst_postbuild *pb,
    struct err *err);

#endif /* FLINT_ENVSUBST_H */
