/*
 * envsubst_eval(): the parser of Flux's ${...} grammar, evaluating as it
 * goes.
 *
 * The functions mirror the recursive-descent parser of fluxcd/pkg/envsubst
 * one to one, with its accept functions, so that odd inputs parse (or
 * fail) the same way. Go parses the whole text before evaluating any of
 * it; here evaluation runs alongside, and its first error is held back
 * until the parse is known to succeed, which reports the same error.
 */
#include "envsubst/envsubst.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "envsubst/envsubst_int.h"

/* Flux's parse errors, word for word. */
#define ERR_BAD_SUBST   "bad substitution"
#define ERR_NO_CLOSE    "missing closing brace"
#define ERR_BAD_NAME    "unable to parse variable name"
#define ERR_BAD_PARAM   "unable to parse substitution within function"
#define ERR_BAD_DEFAULT "unable to parse default function"

static int parse_func(struct eval_state *ev, struct buf *out);

/* ---- accept functions: which runes a token may hold ---------------------- */

static bool
accept_rune(uint32_t r, size_t i)
{
	(void)r;
	(void)i;
	return true;
}

static bool
accept_ident(uint32_t r, size_t i)
{
	(void)i;
	return r == '_' || envsubst_is_letter(r) || envsubst_is_digit(r);
}

static bool
accept_colon(uint32_t r, size_t i)
{
	(void)i;
	return r == ':';
}

static bool
accept_one_colon(uint32_t r, size_t i)
{
	return i == 1 && r == ':';
}

static bool
accept_one_hash(uint32_t r, size_t i)
{
	return i == 1 && r == '#';
}

static bool
accept_one_equal(uint32_t r, size_t i)
{
	return i == 1 && r == '=';
}

static bool
accept_not_closing(uint32_t r, size_t i)
{
	(void)i;
	return r != '}';
}

static bool
reject_colon_close(uint32_t r, size_t i)
{
	(void)i;
	return r != ':' && r != '}';
}

static bool
accept_slash(uint32_t r, size_t i)
{
	(void)i;
	return r == '/';
}

static bool
accept_not_slash(uint32_t r, size_t i)
{
	(void)i;
	return r != '/';
}

static bool
accept_hash_op(uint32_t r, size_t i)
{
	return r == '#' && i < 3;
}

static bool
accept_percent_op(uint32_t r, size_t i)
{
	return r == '%' && i < 3;
}

static bool
accept_casing_op(uint32_t r, size_t i)
{
	return (r == ',' || r == '^') && i < 3;
}

static bool
accept_default_op(uint32_t r, size_t i)
{
	if (i == 1)
		return r == ':';
	return i == 2 && (r == '=' || r == '-' || r == '?' || r == '+');
}

static bool
accept_replace_op(uint32_t r, size_t i)
{
	if (i == 1)
		return r == '/';
	return i == 2 && (r == '/' || r == '#' || r == '%');
}

/* ---- helpers ------------------------------------------------------------- */

static int
parse_error(struct eval_state *ev, const char *msg)
{
	return err_set(ev->err, ERR_INVALID, "%s", msg);
}

/* Scans one token of the given kind with the given accept function. */
static enum scan_token
scan(struct eval_state *ev, scan_accept_fn *accept, unsigned mode)
{
	ev->sc.accept = accept;
	ev->sc.mode = mode;
	return envsubst_scan_next(&ev->sc);
}

/* Scans an operator ("#", ":=", "//", ...) into f->op. */
static int
scan_op(struct eval_state *ev, scan_accept_fn *accept, struct eval_func *f,
    const char *fail)
{
	const char *p;
	size_t n;

	if (scan(ev, accept, SCAN_IDENT) != TOK_IDENT)
		return parse_error(ev, fail);
	envsubst_scan_text(&ev->sc, &p, &n);
	if (n >= sizeof(f->op))
		BUG("operator of %zu bytes", n); /* accept functions allow 2 */
	memcpy(f->op, p, n);
	f->op[n] = '\0';
	return 0;
}

static int
consume_rbrack(struct eval_state *ev)
{
	ev->sc.mode = SCAN_RBRACK;
	if (envsubst_scan_next(&ev->sc) != TOK_RBRACK)
		return parse_error(ev, ERR_BAD_SUBST);
	return 0;
}

/* One argument: a nested ${...} or a run of text, appended to arg. */
static int
parse_param(struct eval_state *ev, scan_accept_fn *accept, unsigned mode,
    struct buf *arg)
{
	const char *p;
	size_t n;

	switch (scan(ev, accept, mode | SCAN_LBRACK)) {
	case TOK_LBRACK:
		return parse_func(ev, arg);
	case TOK_IDENT:
	case TOK_RBRACK:
		envsubst_scan_text(&ev->sc, &p, &n);
		envsubst_emit(ev, arg, p, n);
		return 0;
	default:
		return parse_error(ev, ERR_BAD_PARAM);
	}
}

/* ---- the operator forms -------------------------------------------------- */

/* ${v:off} and ${v:off:len} */
static int
parse_substr(struct eval_state *ev, struct eval_func *f)
{
	if (scan_op(ev, accept_one_colon, f, ERR_BAD_SUBST) == -1)
		return -1;
	if (parse_param(ev, reject_colon_close, SCAN_IDENT, &f->args[0]) == -1)
		return -1;
	f->nargs = 1;
	switch (scan(ev, accept_colon, SCAN_IDENT | SCAN_RBRACK)) {
	case TOK_RBRACK:
		return 0;
	case TOK_IDENT:
		break;
	default:
		return parse_error(ev, ERR_BAD_SUBST);
	}
	if (parse_param(ev, accept_not_closing, SCAN_IDENT, &f->args[1]) == -1)
		return -1;
	f->nargs = 2;
	return consume_rbrack(ev);
}

/* ${v#g} ${v##g} ${v%g} ${v%%g} */
static int
parse_remove(struct eval_state *ev, struct eval_func *f, scan_accept_fn *accept)
{
	if (scan_op(ev, accept, f, ERR_BAD_SUBST) == -1)
		return -1;
	if (parse_param(ev, accept_not_closing, SCAN_IDENT, &f->args[0]) == -1)
		return -1;
	f->nargs = 1;
	return consume_rbrack(ev);
}

/* ${v/p/r} ${v//p/r} ${v/#p/r} ${v/%p/r}: only these arguments honour
 * the "\/", "\\" and "$$" escapes. */
static int
parse_replace(struct eval_state *ev, struct eval_func *f)
{
	const unsigned mode = SCAN_IDENT | SCAN_ESCAPE;

	if (scan_op(ev, accept_replace_op, f, ERR_BAD_SUBST) == -1)
		return -1;
	if (parse_param(ev, accept_not_slash, mode, &f->args[0]) == -1)
		return -1;
	f->nargs = 1;
	if (scan(ev, accept_slash, SCAN_IDENT) != TOK_IDENT)
		return parse_error(ev, ERR_BAD_SUBST);
	if (envsubst_scan_peek(&ev->sc) == '}')
		return consume_rbrack(ev);
	if (parse_param(ev, accept_not_closing, mode, &f->args[1]) == -1)
		return -1;
	f->nargs = 2;
	return consume_rbrack(ev);
}

/* ${v=d} ${v:=d} ${v:-d} ${v:?d} ${v:+d}: the default is any mix of text
 * and nested expressions up to the closing brace. */
static int
parse_default(struct eval_state *ev, struct eval_func *f)
{
	scan_accept_fn *accept = accept_default_op;

	if (envsubst_scan_peek(&ev->sc) == '=')
		accept = accept_one_equal;
	if (scan_op(ev, accept, f, ERR_BAD_DEFAULT) == -1)
		return -1;
	while (envsubst_scan_peek(&ev->sc) != '}') {
		if (parse_param(ev, accept_not_closing, SCAN_IDENT,
		        &f->args[0]) == -1)
			return -1;
		f->nargs = 1;
	}
	return consume_rbrack(ev);
}

/*
 * After "${name:": a default when '=', '-', '?' or '+' follows, else a
 * substring. Go steps back over the ':' by the width of the rune it
 * peeked at, so a multi-byte rune there lands the scanner inside the name
 * (and the substring parse fails); kept for identical results.
 */
static int
parse_default_or_substr(struct eval_state *ev, struct eval_func *f)
{
	uint32_t r;

	envsubst_scan_read(&ev->sc);
	r = envsubst_scan_peek(&ev->sc);
	envsubst_scan_unread(&ev->sc);
	if (r == '=' || r == '-' || r == '?' || r == '+')
		return parse_default(ev, f);
	return parse_substr(ev, f);
}

/* ${#v} */
static int
parse_len(struct eval_state *ev, struct eval_func *f)
{
	if (scan_op(ev, accept_one_hash, f, ERR_BAD_SUBST) == -1)
		return -1;
	if (scan(ev, accept_ident, SCAN_IDENT) != TOK_IDENT)
		return parse_error(ev, ERR_BAD_SUBST);
	envsubst_scan_text(&ev->sc, &f->name, &f->name_len);
	return consume_rbrack(ev);
}

/* What follows the variable name decides the form. */
static int
parse_operator(struct eval_state *ev, struct eval_func *f)
{
	switch (envsubst_scan_peek(&ev->sc)) {
	case ':':
		return parse_default_or_substr(ev, f);
	case '=':
		return parse_default(ev, f);
	case ',':
	case '^':
		if (scan_op(ev, accept_casing_op, f, ERR_BAD_SUBST) == -1)
			return -1;
		return consume_rbrack(ev);
	case '/':
		return parse_replace(ev, f);
	case '#':
		return parse_remove(ev, f, accept_hash_op);
	case '%':
		return parse_remove(ev, f, accept_percent_op);
	default:
		if (scan(ev, accept_ident, SCAN_RBRACK) != TOK_RBRACK)
			return parse_error(ev, ERR_NO_CLOSE);
		return 0;
	}
}

/* The body of ${...} after "${"; the value is appended to out. Names are
 * scanned without escapes, so f->name points into the input and outlives
 * the nested scans of the arguments. */
static int
parse_func_body(struct eval_state *ev, struct eval_func *f)
{
	ev->sc.escapes = SCAN_ESC_DOLLAR | SCAN_ESC_BACKSLASH;
	if (envsubst_scan_peek(&ev->sc) == '#')
		return parse_len(ev, f);
	if (scan(ev, accept_ident, SCAN_IDENT) != TOK_IDENT)
		return parse_error(ev, ERR_BAD_NAME);
	envsubst_scan_text(&ev->sc, &f->name, &f->name_len);
	return parse_operator(ev, f);
}

static int
parse_func(struct eval_state *ev, struct buf *out)
{
	struct eval_func f;
	int rv;

	if (ev->depth >= ev->max_depth)
		return err_set(ev->err, ERR_LIMIT,
		    "substitutions nested deeper than %u levels",
		    ev->max_depth);
	memset(&f, 0, sizeof(f));
	buf_init(&f.args[0], ev->max_bytes);
	buf_init(&f.args[1], ev->max_bytes);
	ev->depth++;
	rv = parse_func_body(ev, &f);
	ev->depth--;
	if (rv == 0)
		envsubst_apply(ev, &f, out);
	buf_release_secret(&f.args[0]); /* values may be secrets */
	buf_release_secret(&f.args[1]);
	return rv;
}

/* The top level: text, "$$" escapes and expressions, to the end. */
static int
parse_any(struct eval_state *ev, struct buf *out)
{
	const char *p;
	size_t n;

	for (;;) {
		ev->sc.escapes = SCAN_ESC_DOLLAR;
		switch (scan(ev, accept_rune,
		    SCAN_IDENT | SCAN_LBRACK | SCAN_ESCAPE)) {
		case TOK_IDENT:
			envsubst_scan_text(&ev->sc, &p, &n);
			envsubst_emit(ev, out, p, n);
			break;
		case TOK_LBRACK:
			if (parse_func(ev, out) == -1)
				return -1;
			break;
		case TOK_EOF:
			return 0;
		default:
			return parse_error(ev, ERR_BAD_SUBST);
		}
	}
}

/* ---- entry point --------------------------------------------------------- */

static void
state_init(struct eval_state *ev, const char *text, size_t len,
    const struct envsubst_vars *vars, const struct envsubst_opts *opts)
{
	static const struct envsubst_opts none;

	if (opts == NULL)
		opts = &none;
	memset(ev, 0, sizeof(*ev));
	envsubst_scan_init(&ev->sc, text, len);
	ev->vars = vars;
	ev->strict = opts->strict;
	ev->max_bytes = opts->max_bytes != 0 ? opts->max_bytes
	                                     : ENVSUBST_DEFAULT_MAX_BYTES;
	ev->max_depth = opts->max_depth != 0 ? opts->max_depth
	                                     : ENVSUBST_DEFAULT_MAX_DEPTH;
	ev->budget.left = opts->max_steps != 0 ? opts->max_steps
	                                       : ENVSUBST_DEFAULT_MAX_STEPS;
	err_reset(&ev->late);
}

int
envsubst_eval(char **out, size_t *out_len, const char *text, size_t len,
    const struct envsubst_vars *vars, const struct envsubst_opts *opts,
    struct err *err)
{
	struct eval_state ev;
	struct buf res;
	int rv;

	state_init(&ev, text, len, vars, opts);
	ev.err = err;
	buf_init(&res, ev.max_bytes);
	if (len > ev.max_bytes)
		rv = err_set(err, ERR_LIMIT, "text of %zu bytes exceeds %zu",
		    len, ev.max_bytes);
	else
		rv = parse_any(&ev, &res);
	if (rv == 0 && ev.late.code != ERR_OK) {
		*err = ev.late;
		rv = -1;
	}
	if (rv == 0)
		*out = buf_detach(&res, out_len);
	buf_release_secret(&res); /* values may be secrets */
	envsubst_scan_release(&ev.sc);
	return rv;
}
