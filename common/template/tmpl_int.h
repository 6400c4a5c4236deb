/*
 * Private to the template module: the parse tree, the lexer the parser
 * pulls tokens from, template sets, the executor's state and the
 * function table.
 */
#ifndef FLINT_TEMPLATE_TMPL_INT_H
#define FLINT_TEMPLATE_TMPL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/err.h"
#include "template/template.h"

/* ---- parse tree ---------------------------------------------------------- */

enum node_type {
	N_LIST,
	N_TEXT,
	N_ACTION,
	N_IF,
	N_RANGE,
	N_WITH,
	N_TEMPLATE,
	N_BREAK,
	N_CONTINUE,
	N_PIPE,
	N_CMD,
	N_FIELD,
	N_VAR,
	N_CHAIN,
	N_IDENT,
	N_DOT,
	N_NIL,
	N_BOOL,
	N_NUMBER,
	N_STRING,
	N_END_MARK,  /* {{end}} while parsing */
	N_ELSE_MARK, /* {{else}} while parsing */
};

/* A name in a field chain (".a.b" is two) or a variable ("$x"). */
struct ident {
	const char *p;
	size_t n;
};

enum num_flags {
	NUM_INT = 1 << 0,         /* fits int64 */
	NUM_FLOAT = 1 << 1,       /* representable as float64 */
	NUM_IDEAL_FLOAT = 1 << 2, /* as an untyped constant it is a float */
};

struct tmpl_func;

struct node {
	uint8_t type; /* enum node_type */
	uint32_t pos; /* byte offset of the node in the tree's text */
	uint32_t end; /* byte offset just past it (for error context) */
	union {
		struct {
			struct node **items;
			size_t n;
		} list; /* N_LIST items, N_CMD args */
		struct {
			const char *p;
			size_t n;
		} text; /* N_TEXT, N_STRING (unquoted) */
		struct {
			struct node *pipe; /* N_PIPE */
			struct node *list, *else_list;
		} ctl; /* N_IF, N_RANGE, N_WITH, N_ACTION (pipe only) */
		struct {
			const char *name;
			struct node *pipe; /* may be NULL */
		} call;                    /* N_TEMPLATE */
		struct {
			struct node **cmds;
			size_t ncmds;
			struct ident decl[2];
			uint8_t ndecl;
			bool assign; /* "=" rather than ":=" */
		} pipe;
		struct {
			struct node
			    *base; /* N_CHAIN: the term fields apply to */
			struct ident *idents;
			size_t n;           /* N_VAR: idents[0] is "$x" */
		} field;                    /* N_FIELD, N_VAR, N_CHAIN */
		const struct tmpl_func *fn; /* N_IDENT */
		bool b;                     /* N_BOOL */
		struct {
			int64_t i;
			double f;
			uint8_t flags; /* enum num_flags */
		} num;
	} u;
};

/* One template: a file's body or a {{define}}. */
struct tree {
	const char *name;       /* what {{template}} and include call it */
	const char *parse_name; /* the file it was parsed from */
	const char *text;       /* that file's whole text (for positions) */
	struct node *root;      /* N_LIST */
};

/* Whether a tree has nothing but whitespace text (Go's IsEmptyTree). */
bool tree_is_empty(const struct tree *t);

/* Parses text (in arena a, kept alive by the caller) as template name:
 * *trees_out gets the file's tree first, then its definitions (the
 * caller frees the array). */
int parse_text(struct tree ***trees_out, size_t *ntrees_out, struct arena *a,
    const char *name, const char *text, size_t len, struct err *err);

/* ---- lexer --------------------------------------------------------------- */

enum tok_type {
	T_ERROR,
	T_EOF,
	T_TEXT,
	T_LEFT,  /* {{ */
	T_RIGHT, /* }} */
	T_SPACE,
	T_IDENT,
	T_FIELD, /* .name */
	T_VAR,   /* $ or $name */
	T_DECLARE,
	T_ASSIGN,
	T_PIPE,
	T_LPAREN,
	T_RPAREN,
	T_STRING,
	T_RAWSTRING,
	T_CHAR, /* 'x' */
	T_NUMBER,
	T_BOOL,
	T_DOT,
	T_NIL,
	T_COMMA, /* any other printable ASCII character */
	T_COMMENT,
	/* keywords */
	T_BLOCK,
	T_BREAK,
	T_CONTINUE,
	T_DEFINE,
	T_ELSE,
	T_END,
	T_IF,
	T_RANGE,
	T_TEMPLATE,
	T_WITH,
};

struct token {
	enum tok_type type;
	uint32_t pos;
	uint32_t line;
	const char *p; /* the token's text (the message for T_ERROR) */
	size_t n;
};

struct lexer {
	const char *text;
	size_t len;
	size_t pos; /* next byte to scan */
	uint32_t line;
	bool in_action;
	bool failed;
	int paren_depth;
	char errbuf[128];
};

void lex_init(struct lexer *l, const char *text, size_t len);
/* Scans the next token; after T_EOF or T_ERROR it keeps returning it. */
void lex_next(struct lexer *l, struct token *t);

/* ---- sets ---------------------------------------------------------------- */

struct set_entry {
	const char *name;
	struct tree *tree;
};

struct tmpl_set {
	struct arena *arena; /* trees, names and texts */
	bool own_arena;
	const struct tmpl_set *parent; /* tpl's view: falls back to parent */
	struct set_entry *tab;         /* open addressing, power of two */
	size_t cap, n;
};

/* A set over parent whose trees live in arena a (owned by the caller). */
void set_init_overlay(struct tmpl_set *s, const struct tmpl_set *parent,
    struct arena *a);
void set_release_overlay(struct tmpl_set *s);
/* The tree called name in s or its parents, or NULL. */
const struct tree *set_lookup(const struct tmpl_set *s, const char *name,
    size_t n);
/* Parses text as name into s (Go's t.New(name).Parse(text)). */
int set_parse(struct tmpl_set *s, const char *name, const char *text,
    size_t len, struct err *err);

/* ---- functions ----------------------------------------------------------- */

struct state;

/* One call: the arguments, converted as the signature asks. */
struct call {
	struct state *s;
	struct arena *a;
	const struct tmpl_func *fn;
	size_t argc;
	struct tmpl_val *argv;
};

typedef int tmpl_fn(struct tmpl_val *out, struct call *c, struct err *err);

enum fn_flags {
	FN_AND = 1 << 0, /* short-circuits; returns an operand */
	FN_OR = 1 << 1,
	FN_NOT_HELM = 1 << 2, /* Sprig's, but Helm removes it */
};

/*
 * sig spells the parameters, one letter each: a any (interface{}),
 * s string, i int, f float64, b bool, m map[string]interface{},
 * l []interface{}; a '*' before the last letter makes it variadic.
 */
struct tmpl_func {
	const char *name;
	const char *sig;
	tmpl_fn *fn;
	unsigned flags;
};

/* The function called name, or NULL. */
const struct tmpl_func *func_lookup(const char *name, size_t n);

/* Each file's table, sorted by name; func.c merges them. */
struct func_table {
	const struct tmpl_func *f;
	size_t n;
};
extern const struct func_table fn_builtin_table, fn_str_table, fn_list_table,
    fn_math_table, fn_misc_table, fn_helm_table, fn_crypto_table,
    fn_regex_table, fn_semver_table, fn_date_table;

/* ---- execution ----------------------------------------------------------- */

struct var {
	const char *name;
	size_t n;
	struct tmpl_val val;
};

struct tmpl_exec {
	struct arena *arena;
	const struct tmpl_set *set;
	struct tmpl_opts opts;
	struct var *vars; /* one stack shared by nested invocations */
	size_t nvars, capvars;
	struct include_count *incs; /* include depth per name */
	size_t nincs, capincs;
	unsigned depth;
	uint64_t steps;
	const char *fail_msg;   /* fail/required's message, for Helm's form */
	const char *stack_base; /* where tmpl_exec_run's frame is */
};

/* How deep include is inside itself, per template name. */
struct include_count {
	const char *name;
	unsigned n;
};

struct state {
	struct tmpl_exec *x;
	const struct tmpl_set *set;
	const struct tree *tree;
	struct buf *out;
	size_t var_base;
	const struct node *at; /* where errors point */
};

/* Executes tree with dot into out (nested: include, tpl, template). */
int exec_tree(struct tmpl_exec *x, const struct tmpl_set *set,
    const struct tree *tree, const struct tmpl_val *dot, struct buf *out,
    struct err *err);

/* "template: NAME:LINE:COL: executing \"NAME\" at <node>: " + message. */
int state_errorf(struct state *s, struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Marks err as a Helm fail/required message (msg is kept). */
int exec_fail(struct call *c, struct err *err, const char *msg, size_t n);

/* ---- ASCII character classes (Go's rules are ASCII, not the locale's) */

static inline bool
ascii_isdigit(int c)
{
	return c >= '0' && c <= '9';
}

static inline bool
ascii_isupper(int c)
{
	return c >= 'A' && c <= 'Z';
}

static inline bool
ascii_islower(int c)
{
	return c >= 'a' && c <= 'z';
}

static inline bool
ascii_isalnum(int c)
{
	return ascii_isdigit(c) || ascii_isupper(c) || ascii_islower(c);
}

static inline bool
ascii_isxdigit(int c)
{
	return ascii_isdigit(c) || (c >= 'a' && c <= 'f') ||
	    (c >= 'A' && c <= 'F');
}

static inline int
ascii_toupper(int c)
{
	return ascii_islower(c) ? c - 32 : c;
}

static inline int
ascii_tolower(int c)
{
	return ascii_isupper(c) ? c + 32 : c;
}

/* ---- helpers the function files share ------------------------------------ */

/* Go's %T name of v. */
const char *val_type_name(const struct tmpl_val *v);
/* Go's reflect kind name of v ("string", "slice", "map", "invalid"). */
const char *val_kind_name(const struct tmpl_val *v);
/* Sprig's strval: strings as they are, everything else as %v. */
struct tmpl_val val_to_str(struct arena *a, const struct tmpl_val *v);
/* Formats into the arena; returns a string value. */
struct tmpl_val val_printf(struct arena *a, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* NUL-terminated copy of a string value (or "" for others). */
char *val_cstr(struct arena *a, const struct tmpl_val *v);
/* Go's reflect.DeepEqual on plain values. */
bool val_deep_equal(const struct tmpl_val *x, const struct tmpl_val *y);
/* Whether v is a list (any slice type) or a map (any map type). */
static inline bool
val_is_list(const struct tmpl_val *v)
{
	return v->kind == TMPL_LIST;
}
static inline bool
val_is_map(const struct tmpl_val *v)
{
	return v->kind == TMPL_MAP;
}
/* A host object's plain value, or v itself. */
struct tmpl_val val_plain(struct arena *a, const struct tmpl_val *v);

/* Go's fmt.Sprintf over values. */
void fmt_sprintf(struct buf *b, const char *fmt, size_t fmtlen,
    const struct tmpl_val *argv, size_t argc);
/* fmt.Sprint and fmt.Sprintln. */
void fmt_sprint(struct buf *b, const struct tmpl_val *argv, size_t argc,
    bool ln);
/* strconv.FormatFloat(f, 'g', -1, 64) as %v prints a float64. */
void fmt_float_g(struct buf *b, double f);
/* strconv.Quote. */
void fmt_quote(struct buf *b, const char *p, size_t n);

/* Sprig's toInt64/toFloat64 conversions (0 when they fail). */
int64_t conv_int64(const struct tmpl_val *v);
double conv_float64(const struct tmpl_val *v);
/* Go's strconv.ParseFloat / ParseInt(s, 0, 64); -1 on failure. */
int conv_parse_float(double *out, const char *p, size_t n);
int conv_parse_int(int64_t *out, const char *p, size_t n, int base);

/* Parses YAML or JSON text into a value as Helm's fromYaml does. */
int conv_from_yaml(struct tmpl_val *out, const char *p, size_t n,
    struct arena *a, struct err *err);
int conv_from_json(struct tmpl_val *out, const char *p, size_t n,
    struct arena *a, struct err *err);
/* A value as a doc tree in d's arena (json_keys: bytewise key order,
 * else go-yaml v2's). */
int conv_to_doc(struct doc_node **out, struct arena *a,
    const struct tmpl_val *v, bool json_keys, struct err *err);

/* v as Helm's toToml prints it (BurntSushi/toml's Encoder); ERR_INVALID
 * with the encoder's message for what it refuses (toml.c). */
int conv_to_toml(struct buf *out, const struct tmpl_val *v, struct err *err);

/* FIPS 180-4 digests (sha.c). */
void sha_sha1(unsigned char out[20], const void *msg, size_t n);
void sha_sha256(unsigned char out[32], const void *msg, size_t n);
void sha_sha512(unsigned char out[64], const void *msg, size_t n);

/* Random bytes from the kernel (charts make passwords with them). */
void exec_random(struct tmpl_exec *x, void *p, size_t n);
/* The execution's clock, in nanoseconds since the Unix epoch. */
int64_t exec_now_ns(const struct tmpl_exec *x);
/* Counts n steps against max_steps for work much dearer than a step
 * (key generation, scrypt), so that a template cannot call it without
 * bound: ERR_LIMIT past the budget. */
int exec_charge(struct call *c, uint64_t n, struct err *err);

#endif /* FLINT_TEMPLATE_TMPL_INT_H */
