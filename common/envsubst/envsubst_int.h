/*
 * Private to common/envsubst: UTF-8 and Unicode helpers that behave like
 * Go's (Flux is written in Go, and its quirks show in the output), the
 * glob matcher of the trim operators, and the work budget they share.
 */
#ifndef FLINT_ENVSUBST_INT_H
#define FLINT_ENVSUBST_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "envsubst/envsubst.h"

#define UC_ERROR     0xFFFDu   /* what Go decodes a bad byte to */
#define UC_ALTERNATE INT32_MAX /* case range of Upper/Lower pairs */

struct uc_range {
	uint32_t lo, hi;
};

/* A range of code points whose other case is a fixed distance away. */
struct uc_case {
	uint32_t lo, hi;
	int32_t to_upper, to_lower; /* deltas, or UC_ALTERNATE */
};

/* Generated tables (unicode_tab.c, from tests/harness/gen/mkunicode.go). */
extern const struct uc_range envsubst_letters[];
extern const size_t envsubst_letters_len;
extern const struct uc_range envsubst_digits[];
extern const size_t envsubst_digits_len;
extern const struct uc_case envsubst_cases[];
extern const size_t envsubst_cases_len;

/*
 * Decodes the rune at p (n > 0 bytes available) as Go's
 * utf8.DecodeRuneInString: an invalid or short sequence is UC_ERROR with
 * width 1. Returns the width.
 */
size_t envsubst_utf8_decode(uint32_t *r, const char *p, size_t n);

/* Encodes r (a valid code point) at p, which has room for 4 bytes;
 * returns the width. */
size_t envsubst_utf8_encode(char *p, uint32_t r);

/* Go's unicode.IsLetter, unicode.IsDigit, unicode.ToUpper/ToLower. */
bool envsubst_is_letter(uint32_t r);
bool envsubst_is_digit(uint32_t r);
uint32_t envsubst_to_upper(uint32_t r);
uint32_t envsubst_to_lower(uint32_t r);

/* A work budget: decremented as bytes are produced and patterns tried. */
struct envsubst_budget {
	uint64_t left;
};

/* Takes n steps; false once the budget is spent. */
static inline bool
envsubst_budget_take(struct envsubst_budget *b, uint64_t n)
{
	if (b->left < n) {
		b->left = 0;
		return false;
	}
	b->left -= n;
	return true;
}

enum envsubst_match {
	ENVSUBST_NOMATCH = 0,
	ENVSUBST_MATCH,
	ENVSUBST_BADPATTERN, /* Go's path.ErrBadPattern */
	ENVSUBST_EXHAUSTED,  /* the budget ran out */
};

/*
 * Whether the whole of name matches the glob pattern, with the rules of
 * Flux's copy of Go's path.Match: '*' and '?' also match '/', a trailing
 * '*' matches anything, '[...]' classes with '^' negation and ranges,
 * '\\' quotes; matching is greedy per '*' without full backtracking.
 */
enum envsubst_match envsubst_glob_match(const char *pat, size_t pat_len,
    const char *name, size_t name_len, struct envsubst_budget *budget);

/* ---- the scanner (scan.c) --------------------------------------------------
 *
 * It reproduces the scanner of fluxcd/pkg/envsubst step by step -- modes,
 * accept functions, one-rune look-ahead and its width bookkeeping --
 * because Flux's grammar is defined by that machine, not by a document:
 * where "$$" is an escape, where "}" ends an argument and which inputs fail
 * with which message all fall out of it.
 */

#define SCAN_EOF UINT32_MAX /* what reading past the end returns */

/* What the next token may be. */
enum scan_mode {
	SCAN_IDENT = 1 << 0,  /* a run of accepted runes */
	SCAN_LBRACK = 1 << 1, /* "${" */
	SCAN_RBRACK = 1 << 2, /* "}" */
	SCAN_ESCAPE = 1 << 3, /* escapes inside an ident run */
};

/* Which escapes SCAN_ESCAPE honours. */
enum scan_escape {
	SCAN_ESC_DOLLAR = 1 << 0,    /* "$$" is "$" */
	SCAN_ESC_BACKSLASH = 1 << 1, /* "\/" is "/", "\\" is "\" */
};

enum scan_token {
	TOK_ILLEGAL,
	TOK_EOF,
	TOK_IDENT,
	TOK_LBRACK,
	TOK_RBRACK,
};

/* Whether rune r, which ends i bytes into the token, belongs to it. */
typedef bool scan_accept_fn(uint32_t r, size_t i);

struct scanner {
	const char *buf;
	size_t len;
	size_t pos, start, width; /* width: bytes of the last read */
	unsigned mode;            /* enum scan_mode bits */
	unsigned escapes;         /* enum scan_escape bits */
	scan_accept_fn *accept;
	/* An escape drops a byte from the token; such a token is assembled
	 * in tok from the runs between dropped bytes. */
	bool escaped;
	size_t run;
	struct buf tok;
};

/* Starts on the len bytes at buf (borrowed). */
void envsubst_scan_init(struct scanner *s, const char *buf, size_t len);
void envsubst_scan_release(struct scanner *s);

/* Go's read/unread/peek: unread steps back by the width of the last
 * read, whatever that was. */
uint32_t envsubst_scan_read(struct scanner *s);
void envsubst_scan_unread(struct scanner *s);
uint32_t envsubst_scan_peek(struct scanner *s);

/* The next token under the current mode and accept function. */
enum scan_token envsubst_scan_next(struct scanner *s);

/* The text of the last TOK_IDENT with escapes applied, borrowed until the
 * next scan. */
void envsubst_scan_text(const struct scanner *s, const char **p, size_t *n);

/* ---- evaluation (eval.c parses, funcs.c applies the operators) ----------- */

/* One expansion in progress. */
struct eval_state {
	struct scanner sc;
	const struct envsubst_vars *vars;
	bool strict;
	size_t max_bytes;
	unsigned max_depth, depth;
	struct envsubst_budget budget;
	struct err *err; /* parse errors, which win over evaluation errors */
	struct err late; /* the first evaluation error; stops evaluating */
};

/* One parsed ${...}: variable, operator and its evaluated arguments (a
 * default's arguments are joined into args[0]). */
struct eval_func {
	const char *name;
	size_t name_len;
	char op[3]; /* "", ":=", "//", "#", "^^", ... */
	struct buf args[2];
	size_t nargs;
};

/* Records the first evaluation error; later ones are dropped, as Go's
 * evaluation stops at the first. */
void envsubst_fail(struct eval_state *ev, enum err_code code, const char *fmt,
    ...) __attribute__((format(printf, 3, 4)));

/* Appends n bytes to b, charging the budget; a failure is recorded with
 * envsubst_fail() and makes later appends no-ops. */
void envsubst_emit(struct eval_state *ev, struct buf *b, const void *p,
    size_t n);

/* Looks the variable up, applies the operator and appends the result to
 * out; does nothing once an evaluation error is recorded. */
void envsubst_apply(struct eval_state *ev, const struct eval_func *f,
    struct buf *out);

/*
 * Rewrites the tree at n (nodes in arena a) into what Flux's YAML -> JSON
 * -> YAML round trip makes of a substituted resource (see flux_json.c).
 * ERR_INVALID for what JSON cannot hold: infinities, NaN, null keys.
 */
int envsubst_flux_json(struct arena *a, struct doc_node *n, struct err *err);

/* Fails with ERR_INVALID when a variable name does not match
 * ^[_[:alpha:]][_[:alpha:][:digit:]]*$ (ASCII only), naming it. */
int envsubst_vars_check_names(const struct envsubst_vars *v, struct err *err);

#endif /* FLINT_ENVSUBST_INT_H */
