/*
 * The template parser: Go's text/template/parse, with its grammar, its
 * checks (functions must exist, variables must be declared, break and
 * continue only inside range) and its error messages. One call parses a
 * file into its own tree plus one tree per {{define}} and {{block}}.
 */
#include "template/tmpl_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define MAX_NEST 200 /* control structures and parentheses deep */

struct parser {
	struct lexer lex;
	struct arena *a;
	const char *parse_name;
	const char *text;
	struct token tok[3];
	int peekcount;
	uint32_t last_end; /* just past the last token taken */
	uint32_t action_line;
	struct ident *vars;
	size_t nvars, capvars;
	int range_depth;
	int nest;
	struct tree **trees; /* what this parse defines; [0] is the file */
	size_t ntrees, captrees;
	struct err *err;
};

/* A growable array of node pointers, built in the arena. */
struct nodes {
	struct node **items;
	size_t n, cap;
};

static struct node *parse_pipeline(struct parser *p, const char *context,
    enum tok_type end);
static int parse_list(struct parser *p, struct node **list_out,
    struct node **end_out);

static int perr(struct parser *p, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int
perr(struct parser *p, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return err_set(p->err, ERR_INVALID, "template: %s:%u: %s",
	    p->parse_name, p->tok[0].line, msg);
}

static void
nodes_add(struct parser *p, struct nodes *ns, struct node *n)
{
	if (ns->n == ns->cap) {
		size_t cap = ns->cap == 0 ? 4 : ns->cap * 2;
		struct node **items = arena_alloc(p->a,
		    cap * sizeof(struct node *));

		if (ns->n > 0)
			memcpy(items, ns->items, ns->n * sizeof(struct node *));
		ns->items = items;
		ns->cap = cap;
	}
	ns->items[ns->n++] = n;
}

static struct node *
new_node(struct parser *p, enum node_type type, uint32_t pos)
{
	struct node *n = arena_calloc(p->a, 1, sizeof(*n));

	n->type = (uint8_t)type;
	n->pos = pos;
	n->end = pos;
	return n;
}

/* ---- tokens (Go's next, backup, peek) ------------------------------------ */

static struct token *
next(struct parser *p)
{
	struct token *t;

	if (p->peekcount > 0)
		p->peekcount--;
	else
		lex_next(&p->lex, &p->tok[0]);
	t = &p->tok[p->peekcount];
	if (t->type != T_SPACE && t->type != T_EOF && t->type != T_ERROR)
		p->last_end = t->pos + (uint32_t)t->n;
	return t;
}

static void
backup(struct parser *p)
{
	p->peekcount++;
}

static struct token
peek(struct parser *p)
{
	if (p->peekcount > 0)
		return p->tok[p->peekcount - 1];
	p->peekcount = 1;
	lex_next(&p->lex, &p->tok[0]);
	return p->tok[0];
}

static struct token
next_nonspace(struct parser *p)
{
	struct token *t;

	do
		t = next(p);
	while (t->type == T_SPACE);
	return *t;
}

static struct token
peek_nonspace(struct parser *p)
{
	struct token t = next_nonspace(p);

	backup(p);
	return t;
}

/* Go's item.String(), for messages. */
static void
tok_describe(char *dst, size_t size, const struct token *t)
{
	if (t->type == T_EOF)
		(void)snprintf(dst, size, "EOF");
	else if (t->type == T_ERROR)
		(void)snprintf(dst, size, "%.*s", (int)t->n, t->p);
	else if (t->type >= T_BLOCK || t->type == T_NIL || t->type == T_DOT)
		(void)snprintf(dst, size, "<%.*s>", (int)t->n, t->p);
	else if (t->n > 10)
		(void)snprintf(dst, size, "\"%.10s\"...", t->p);
	else
		(void)snprintf(dst, size, "\"%.*s\"", (int)t->n, t->p);
}

static int
unexpected(struct parser *p, const struct token *t, const char *context)
{
	char desc[64];

	tok_describe(desc, sizeof(desc), t);
	if (t->type == T_ERROR) {
		if (p->action_line != 0 && p->action_line != t->line)
			return perr(p, "%s (starting at line %u)", desc,
			    p->action_line);
		return perr(p, "%s", desc);
	}
	return perr(p, "unexpected %s in %s", desc, context);
}

static int
expect(struct parser *p, struct token *out, enum tok_type type,
    const char *context)
{
	*out = next_nonspace(p);
	if (out->type != type)
		return unexpected(p, out, context);
	return 0;
}

/* ---- literals ------------------------------------------------------------ */

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static void
put_utf8(char *out, size_t *o, uint32_t c)
{
	if (c >= 0xD800 && c <= 0xDFFF)
		c = 0xFFFD;
	if (c < 0x80) {
		out[(*o)++] = (char)c;
	} else if (c < 0x800) {
		out[(*o)++] = (char)(0xC0 | (c >> 6));
		out[(*o)++] = (char)(0x80 | (c & 0x3F));
	} else if (c < 0x10000) {
		out[(*o)++] = (char)(0xE0 | (c >> 12));
		out[(*o)++] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (c & 0x3F));
	} else {
		out[(*o)++] = (char)(0xF0 | (c >> 18));
		out[(*o)++] = (char)(0x80 | ((c >> 12) & 0x3F));
		out[(*o)++] = (char)(0x80 | ((c >> 6) & 0x3F));
		out[(*o)++] = (char)(0x80 | (c & 0x3F));
	}
}

/* \ooo: three octal digits, the first at s[*i - 1]. */
static int
unescape_octal(const char *s, size_t n, size_t *i, char *out, size_t *o)
{
	uint32_t r = 0;

	if (*i + 2 > n)
		return -1;
	for (size_t k = *i - 1; k < *i + 2; k++) {
		if (s[k] < '0' || s[k] > '7')
			return -1;
		r = r * 8 + (uint32_t)(s[k] - '0');
	}
	if (r > 255)
		return -1;
	*i += 2;
	out[(*o)++] = (char)r;
	return 0;
}

/* \xHH (a byte), \uHHHH and \UHHHHHHHH (a code point). */
static int
unescape_hex(const char *s, size_t n, size_t *i, char *out, size_t *o, int c)
{
	int digits = c == 'x' ? 2 : c == 'u' ? 4 : c == 'U' ? 8 : 0, v;
	uint32_t r = 0;

	if (digits == 0 || *i + (size_t)digits > n)
		return -1;
	for (int k = 0; k < digits; k++) {
		if ((v = hexval((unsigned char)s[*i + (size_t)k])) < 0)
			return -1;
		r = r * 16 + (uint32_t)v;
	}
	*i += (size_t)digits;
	if (c == 'x')
		out[(*o)++] = (char)r;
	else if (r > 0x10FFFF || (r >= 0xD800 && r <= 0xDFFF))
		return -1;
	else
		put_utf8(out, o, r);
	return 0;
}

/* One escape after the backslash at s[*i]; -1 when malformed. */
static int
unescape_one(const char *s, size_t n, size_t *i, char *out, size_t *o,
    int quote)
{
	static const char from[] = "abfnrtv\\";
	static const char to[] = "\a\b\f\n\r\t\v\\";
	int c = (unsigned char)s[*i];
	const char *hit;

	(*i)++;
	if (c == quote) {
		out[(*o)++] = (char)c;
		return 0;
	}
	if ((hit = strchr(from, c)) != NULL && c != '\0') {
		out[(*o)++] = to[hit - from];
		return 0;
	}
	if (c >= '0' && c <= '7')
		return unescape_octal(s, n, i, out, o);
	return unescape_hex(s, n, i, out, o, c);
}

/* strconv.Unquote for "..." and `...` tokens, into the arena. */
static int
unquote(struct parser *p, const struct token *t, const char **out,
    size_t *outlen)
{
	const char *s = t->p + 1;
	size_t n = t->n - 2, o = 0, i = 0;
	char *buf = arena_alloc(p->a, n + 1);

	if (t->p[0] == '`') {
		for (i = 0; i < n; i++)
			if (s[i] != '\r') /* Go drops them from raw strings */
				buf[o++] = s[i];
	} else {
		while (i < n) {
			if (s[i] != '\\') {
				buf[o++] = s[i++];
				continue;
			}
			i++;
			if (i >= n ||
			    unescape_one(s, n, &i, buf, &o, '"') == -1)
				return perr(p, "invalid syntax");
		}
	}
	buf[o] = '\0';
	*out = buf;
	*outlen = o;
	return 0;
}

/* A char constant's code point. */
static int
char_value(struct parser *p, const struct token *t, int64_t *out)
{
	const char *s = t->p + 1;
	size_t n = t->n - 2, i = 0, o = 0, w = 0;
	char buf[8];
	uint32_t c;

	if (n == 0)
		return perr(p, "malformed character constant: %.*s", (int)t->n,
		    t->p);
	if (s[0] == '\\') {
		i = 1;
		if (unescape_one(s, n, &i, buf, &o, '\'') == -1 || i != n)
			return perr(p, "malformed character constant: %.*s",
			    (int)t->n, t->p);
		/* decode what we wrote back */
		s = buf;
		n = o;
		if (n == 1) {
			*out = (unsigned char)buf[0];
			return 0;
		}
	}
	c = (unsigned char)s[0];
	w = c < 0x80 ? 1 : c < 0xE0 ? 2 : c < 0xF0 ? 3 : 4;
	if (w != n || w > n)
		return perr(p, "malformed character constant: %.*s", (int)t->n,
		    t->p);
	if (w > 1) {
		c &= (uint32_t)(0xFF >> (w + 1));
		for (size_t k = 1; k < w; k++)
			c = (c << 6) | ((unsigned char)s[k] & 0x3F);
	}
	*out = c;
	return 0;
}

/* Go's parse.newNumber: which of int and float the literal can be. */
static int
number_value(struct parser *p, struct node *n, const struct token *t)
{
	char buf[80];
	int64_t i;
	double f;

	if (t->type == T_CHAR) {
		if (char_value(p, t, &n->u.num.i) == -1)
			return -1;
		n->u.num.f = (double)n->u.num.i;
		n->u.num.flags = NUM_INT | NUM_FLOAT;
		return 0;
	}
	if (t->n >= sizeof(buf) || t->p[t->n - 1] == 'i')
		return perr(p, "illegal number syntax: \"%.*s\"", (int)t->n,
		    t->p);
	memcpy(buf, t->p, t->n);
	buf[t->n] = '\0';
	if (conv_parse_int(&i, buf, t->n, 0) == 0) {
		n->u.num.flags = NUM_INT | NUM_FLOAT;
		n->u.num.i = i;
		n->u.num.f = (double)i;
		return 0;
	}
	if (strpbrk(buf, ".eEpP") == NULL ||
	    (t->n > 2 && buf[0] == '0' && strchr("xX", buf[1]) != NULL &&
	        strpbrk(buf, "pP") == NULL)) {
		if (conv_parse_float(&f, buf, t->n) == 0)
			return perr(p, "integer overflow: \"%s\"", buf);
		return perr(p, "illegal number syntax: \"%s\"", buf);
	}
	if (conv_parse_float(&f, buf, t->n) == -1 || !isfinite(f))
		return perr(p, "illegal number syntax: \"%s\"", buf);
	/* an untyped constant with a fraction or exponent is a float64 */
	n->u.num.flags = NUM_FLOAT | NUM_IDEAL_FLOAT;
	n->u.num.f = f;
	if (f >= -9223372036854775808.0 && f < 9223372036854775808.0 &&
	    (double)(int64_t)f == f) {
		n->u.num.flags |= NUM_INT;
		n->u.num.i = (int64_t)f;
	}
	return 0;
}

/* ---- variables ----------------------------------------------------------- */

static void
var_push(struct parser *p, const char *name, size_t n)
{
	if (p->nvars == p->capvars) {
		p->capvars = p->capvars == 0 ? 8 : p->capvars * 2;
		p->vars = xreallocarray(p->vars, p->capvars, sizeof(*p->vars));
	}
	p->vars[p->nvars].p = name;
	p->vars[p->nvars].n = n;
	p->nvars++;
}

static bool
var_known(const struct parser *p, const char *name, size_t n)
{
	for (size_t i = 0; i < p->nvars; i++)
		if (p->vars[i].n == n && memcmp(p->vars[i].p, name, n) == 0)
			return true;
	return false;
}

/* ---- operands ------------------------------------------------------------ */

static struct node *
term_literal(struct parser *p, const struct token *t)
{
	struct node *n;

	switch (t->type) {
	case T_DOT:
		return new_node(p, N_DOT, t->pos);
	case T_NIL:
		return new_node(p, N_NIL, t->pos);
	case T_BOOL:
		n = new_node(p, N_BOOL, t->pos);
		n->u.b = t->n == 4;
		return n;
	case T_NUMBER:
	case T_CHAR:
		n = new_node(p, N_NUMBER, t->pos);
		return number_value(p, n, t) == -1 ? NULL : n;
	default:
		n = new_node(p, N_STRING, t->pos);
		return unquote(p, t, &n->u.text.p, &n->u.text.n) == -1 ? NULL
		                                                       : n;
	}
}

static struct node *
term_name(struct parser *p, const struct token *t)
{
	struct node *n;

	if (t->type == T_IDENT) {
		const struct tmpl_func *f = func_lookup(t->p, t->n);

		if (f == NULL) {
			perr(p, "function \"%.*s\" not defined", (int)t->n,
			    t->p);
			return NULL;
		}
		n = new_node(p, N_IDENT, t->pos);
		n->u.fn = f;
		return n;
	}
	if (t->type == T_VAR && !var_known(p, t->p, t->n)) {
		perr(p, "undefined variable \"%.*s\"", (int)t->n, t->p);
		return NULL;
	}
	n = new_node(p, t->type == T_VAR ? N_VAR : N_FIELD, t->pos);
	n->u.field.idents = arena_alloc(p->a, sizeof(struct ident));
	/* a field drops its dot */
	n->u.field.idents[0].p = t->type == T_VAR ? t->p : t->p + 1;
	n->u.field.idents[0].n = t->type == T_VAR ? t->n : t->n - 1;
	n->u.field.n = 1;
	return n;
}

/* Go's term(): one operand without trailing fields; NULL with nothing
 * consumed (*none set) when the next token starts no term. */
static struct node *
term(struct parser *p, bool *none)
{
	struct token t = next_nonspace(p);
	struct node *n;

	*none = false;
	switch (t.type) {
	case T_IDENT:
	case T_VAR:
	case T_FIELD:
		n = term_name(p, &t);
		break;
	case T_DOT:
	case T_NIL:
	case T_BOOL:
	case T_NUMBER:
	case T_CHAR:
	case T_STRING:
	case T_RAWSTRING:
		n = term_literal(p, &t);
		break;
	case T_LPAREN:
		if (++p->nest > MAX_NEST) {
			perr(p, "nesting deeper than %d", MAX_NEST);
			return NULL;
		}
		n = parse_pipeline(p, "parenthesized pipeline", T_RPAREN);
		p->nest--;
		break;
	default:
		backup(p);
		*none = true;
		return NULL;
	}
	if (n != NULL)
		n->end = p->last_end;
	return n;
}

/* Adds ".a.b" fields after a term (Go's operand()). */
static struct node *
add_fields(struct parser *p, struct node *n)
{
	struct ident *ids;
	size_t count = 0, have;
	struct token t;
	struct node *chain;
	uint32_t pos = peek(p).pos;

	if (n->type == N_FIELD || n->type == N_VAR) {
		chain = n;
		have = n->u.field.n;
	} else if (n->type == N_BOOL || n->type == N_STRING ||
	    n->type == N_NUMBER || n->type == N_NIL || n->type == N_DOT) {
		perr(p, "unexpected . after term \"%.*s\"",
		    (int)(n->end - n->pos), p->text + n->pos);
		return NULL;
	} else {
		chain = new_node(p, N_CHAIN, pos);
		chain->u.field.base = n;
		have = 0;
	}
	while (peek(p).type == T_FIELD) {
		t = *next(p);
		ids = arena_alloc(p->a, (have + count + 1) * sizeof(*ids));
		if (have + count > 0)
			memcpy(ids, chain->u.field.idents,
			    (have + count) * sizeof(*ids));
		ids[have + count].p = t.p + 1;
		ids[have + count].n = t.n - 1;
		chain->u.field.idents = ids;
		count++;
	}
	chain->u.field.n = have + count;
	if (chain->type != N_CHAIN)
		chain->pos = pos; /* Go reports the chain's position */
	chain->end = p->last_end;
	return chain;
}

static struct node *
operand(struct parser *p, bool *none)
{
	struct node *n = term(p, none);

	if (n == NULL)
		return NULL;
	if (peek(p).type == T_FIELD)
		return add_fields(p, n);
	return n;
}

static struct node *
parse_command(struct parser *p)
{
	struct node *cmd = new_node(p, N_CMD, peek_nonspace(p).pos);
	struct nodes args = { 0 };
	struct node *o;
	struct token *t;
	bool none;

	for (;;) {
		peek_nonspace(p);
		o = operand(p, &none);
		if (o == NULL && !none)
			return NULL;
		if (o != NULL)
			nodes_add(p, &args, o);
		t = next(p);
		if (t->type == T_SPACE)
			continue;
		if (t->type == T_RIGHT || t->type == T_RPAREN)
			backup(p);
		else if (t->type != T_PIPE) {
			struct token copy = *t;

			unexpected(p, &copy, "operand");
			return NULL;
		}
		break;
	}
	if (args.n == 0) {
		perr(p, "empty command");
		return NULL;
	}
	cmd->u.list.items = args.items;
	cmd->u.list.n = args.n;
	cmd->end = args.items[args.n - 1]->end;
	return cmd;
}

/* ---- pipelines ----------------------------------------------------------- */

static int
declare(struct parser *p, struct node *pipe, const struct token *v)
{
	struct ident *d = &pipe->u.pipe.decl[pipe->u.pipe.ndecl++];

	d->p = v->p;
	d->n = v->n;
	var_push(p, v->p, v->n);
	return 0;
}

/* Go's backup2/backup3: v (and the space after it) and nx go back. */
static void
push_back(struct parser *p, const struct token *v, const struct token *after,
    const struct token *nx)
{
	if (after->type == T_SPACE) {
		p->tok[2] = *v;
		p->tok[1] = *after;
		p->tok[0] = *nx;
		p->peekcount = 3;
	} else {
		p->tok[1] = *v;
		p->tok[0] = *nx;
		p->peekcount = 2;
	}
}

/* After "$x,": a range may declare a second variable; nothing else
 * may. Returns 1 to read that variable. */
static int
decl_comma(struct parser *p, struct node *pipe, const char *context)
{
	enum tok_type k;

	if (strcmp(context, "range") != 0 || pipe->u.pipe.ndecl >= 2)
		return perr(p, "too many declarations in %s", context);
	k = peek_nonspace(p).type;
	if (k == T_VAR || k == T_RIGHT || k == T_RPAREN)
		return 1;
	return perr(p, "range can only initialize variables");
}

/* "$x :=", "$x =", "$i, $v :=": Go's declaration look-ahead. */
static int
parse_decls(struct parser *p, struct node *pipe, const char *context)
{
	struct token v, after, nx;
	int rv;

	while (peek_nonspace(p).type == T_VAR) {
		v = *next(p);
		after = peek(p);
		nx = next_nonspace(p);
		if (nx.type == T_ASSIGN || nx.type == T_DECLARE) {
			pipe->u.pipe.assign = nx.type == T_ASSIGN;
			return declare(p, pipe, &v);
		}
		if (nx.type != T_COMMA || nx.p[0] != ',') {
			push_back(p, &v, &after, &nx); /* not a declaration */
			return 0;
		}
		declare(p, pipe, &v);
		if ((rv = decl_comma(p, pipe, context)) != 1)
			return rv;
	}
	return 0;
}

static int
check_pipeline(struct parser *p, const struct node *pipe, const char *context)
{
	if (pipe->u.pipe.ncmds == 0)
		return perr(p, "missing value for %s", context);
	for (size_t i = 1; i < pipe->u.pipe.ncmds; i++) {
		uint8_t t = pipe->u.pipe.cmds[i]->u.list.items[0]->type;

		if (t == N_BOOL || t == N_DOT || t == N_NIL || t == N_NUMBER ||
		    t == N_STRING)
			return perr(p,
			    "non executable command in pipeline stage %zu",
			    i + 1);
	}
	return 0;
}

static struct node *
parse_pipeline(struct parser *p, const char *context, enum tok_type end)
{
	struct node *pipe = new_node(p, N_PIPE, peek_nonspace(p).pos);
	struct nodes cmds = { 0 };
	struct node *cmd;
	struct token t;

	if (parse_decls(p, pipe, context) == -1)
		return NULL;
	for (;;) {
		t = next_nonspace(p);
		if (t.type == end)
			break;
		switch (t.type) {
		case T_BOOL:
		case T_CHAR:
		case T_DOT:
		case T_FIELD:
		case T_IDENT:
		case T_NUMBER:
		case T_NIL:
		case T_RAWSTRING:
		case T_STRING:
		case T_VAR:
		case T_LPAREN:
			backup(p);
			if ((cmd = parse_command(p)) == NULL)
				return NULL;
			nodes_add(p, &cmds, cmd);
			break;
		default:
			unexpected(p, &t, context);
			return NULL;
		}
	}
	pipe->u.pipe.cmds = cmds.items;
	pipe->u.pipe.ncmds = cmds.n;
	pipe->end = p->last_end;
	return check_pipeline(p, pipe, context) == -1 ? NULL : pipe;
}

/* ---- control structures -------------------------------------------------- */

/* Go's parseControl: pipeline, body, optional else (or else if). */
static struct node *
parse_control(struct parser *p, enum node_type type, const char *context)
{
	size_t nvars = p->nvars;
	struct node *n = NULL, *pipe, *list, *end, *elif;
	struct token t;

	if (++p->nest > MAX_NEST) {
		perr(p, "nesting deeper than %d", MAX_NEST);
		return NULL;
	}
	if ((pipe = parse_pipeline(p, context, T_RIGHT)) == NULL)
		goto out;
	n = new_node(p, type, pipe->pos);
	n->u.ctl.pipe = pipe;
	p->range_depth += type == N_RANGE;
	if (parse_list(p, &list, &end) == -1)
		goto fail;
	p->range_depth -= type == N_RANGE;
	n->u.ctl.list = list;
	if (end->type != N_ELSE_MARK)
		goto out;
	t = peek(p);
	if ((type == N_IF && t.type == T_IF) ||
	    (type == N_WITH && t.type == T_WITH)) {
		next(p);
		if ((elif = parse_control(p, type, context)) == NULL)
			goto fail;
		n->u.ctl.else_list = new_node(p, N_LIST, end->pos);
		n->u.ctl.else_list->u.list.items = arena_alloc(p->a,
		    sizeof(struct node *));
		n->u.ctl.else_list->u.list.items[0] = elif;
		n->u.ctl.else_list->u.list.n = 1;
		goto out;
	}
	if (parse_list(p, &n->u.ctl.else_list, &end) == -1)
		goto fail;
	if (end->type != N_END_MARK) {
		perr(p, "expected end; found {{else}}");
		goto fail;
	}
out:
	p->nvars = nvars;
	p->nest--;
	return n;
fail:
	n = NULL;
	goto out;
}

static struct node *
parse_else(struct parser *p)
{
	struct token t = peek_nonspace(p);

	if (t.type == T_IF || t.type == T_WITH)
		return new_node(p, N_ELSE_MARK, t.pos);
	if (expect(p, &t, T_RIGHT, "else") == -1)
		return NULL;
	return new_node(p, N_ELSE_MARK, t.pos);
}

static struct node *
parse_break_continue(struct parser *p, const struct token *kw)
{
	struct token t = next_nonspace(p);
	bool brk = kw->type == T_BREAK;

	if (t.type != T_RIGHT) {
		unexpected(p, &t, brk ? "{{break}}" : "{{continue}}");
		return NULL;
	}
	if (p->range_depth == 0) {
		perr(p, "{{%s}} outside {{range}}", brk ? "break" : "continue");
		return NULL;
	}
	return new_node(p, brk ? N_BREAK : N_CONTINUE, kw->pos);
}

static int
template_name(struct parser *p, const struct token *t, const char *context,
    const char **name)
{
	size_t n;

	if (t->type != T_STRING && t->type != T_RAWSTRING)
		return unexpected(p, t, context);
	return unquote(p, t, name, &n);
}

static struct node *
parse_template(struct parser *p)
{
	struct token t = next_nonspace(p), nx;
	struct node *n = new_node(p, N_TEMPLATE, t.pos);

	if (template_name(p, &t, "template clause", &n->u.call.name) == -1)
		return NULL;
	nx = next_nonspace(p);
	if (nx.type != T_RIGHT) {
		backup(p);
		n->u.call.pipe = parse_pipeline(p, "template clause", T_RIGHT);
		if (n->u.call.pipe == NULL)
			return NULL;
	}
	n->end = p->last_end;
	return n;
}

static int add_tree(struct parser *p, struct tree *t);
static int parse_body(struct parser *p, const char *name, const char *context);

static struct node *
parse_block(struct parser *p)
{
	struct token t = next_nonspace(p);
	struct node *n = new_node(p, N_TEMPLATE, t.pos);

	if (template_name(p, &t, "block clause", &n->u.call.name) == -1)
		return NULL;
	n->u.call.pipe = parse_pipeline(p, "block clause", T_RIGHT);
	if (n->u.call.pipe == NULL ||
	    parse_body(p, n->u.call.name, "block clause") == -1)
		return NULL;
	n->end = n->u.call.pipe->end;
	return n;
}

static struct node *
parse_action(struct parser *p)
{
	struct token t = next_nonspace(p);
	struct node *n, *pipe;

	switch (t.type) {
	case T_BLOCK:
		return parse_block(p);
	case T_BREAK:
	case T_CONTINUE:
		return parse_break_continue(p, &t);
	case T_ELSE:
		return parse_else(p);
	case T_END:
		if (expect(p, &t, T_RIGHT, "end") == -1)
			return NULL;
		return new_node(p, N_END_MARK, t.pos);
	case T_IF:
		return parse_control(p, N_IF, "if");
	case T_RANGE:
		return parse_control(p, N_RANGE, "range");
	case T_TEMPLATE:
		return parse_template(p);
	case T_WITH:
		return parse_control(p, N_WITH, "with");
	default:
		break;
	}
	backup(p);
	if ((pipe = parse_pipeline(p, "command", T_RIGHT)) == NULL)
		return NULL;
	n = new_node(p, N_ACTION, pipe->pos);
	n->u.ctl.pipe = pipe;
	n->end = pipe->end;
	return n;
}

/* Text, an action, or a comment (returned as NULL with *skip set). */
static struct node *
text_or_action(struct parser *p, bool *skip)
{
	struct token t = next_nonspace(p);
	struct node *n;

	*skip = false;
	switch (t.type) {
	case T_TEXT:
		n = new_node(p, N_TEXT, t.pos);
		n->u.text.p = t.p;
		n->u.text.n = t.n;
		return n;
	case T_LEFT:
		p->action_line = t.line;
		n = parse_action(p);
		p->action_line = 0;
		return n;
	case T_COMMENT:
		*skip = true;
		return NULL;
	default:
		unexpected(p, &t, "input");
		return NULL;
	}
}

/* Go's itemList: nodes up to {{end}} or {{else}}, returned in *end_out. */
static int
parse_list(struct parser *p, struct node **list_out, struct node **end_out)
{
	struct node *list = new_node(p, N_LIST, peek_nonspace(p).pos), *n;
	struct nodes items = { 0 };
	bool skip;

	while (peek_nonspace(p).type != T_EOF) {
		n = text_or_action(p, &skip);
		if (skip)
			continue;
		if (n == NULL)
			return -1;
		if (n->type == N_END_MARK || n->type == N_ELSE_MARK) {
			list->u.list.items = items.items;
			list->u.list.n = items.n;
			*list_out = list;
			*end_out = n;
			return 0;
		}
		nodes_add(p, &items, n);
	}
	return perr(p, "unexpected EOF");
}

/* A {{define}} or {{block}} body, with its own variables. */
static int
parse_body(struct parser *p, const char *name, const char *context)
{
	size_t nvars = p->nvars;
	int range_depth = p->range_depth;
	struct tree *t = arena_calloc(p->a, 1, sizeof(*t));
	struct node *end;
	int rv;

	t->name = name;
	t->parse_name = p->parse_name;
	t->text = p->text;
	p->nvars = 0;
	var_push(p, "$", 1);
	p->range_depth = 0;
	rv = parse_list(p, &t->root, &end);
	if (rv == 0 && end->type != N_END_MARK)
		rv = perr(p, "unexpected {{else}} in %s", context);
	if (rv == 0)
		rv = add_tree(p, t);
	p->nvars = nvars;
	p->range_depth = range_depth;
	return rv;
}

static int
parse_define(struct parser *p)
{
	struct token t = next_nonspace(p);
	const char *name;
	size_t n;

	if (t.type != T_STRING && t.type != T_RAWSTRING)
		return unexpected(p, &t, "define clause");
	if (unquote(p, &t, &name, &n) == -1 ||
	    expect(p, &t, T_RIGHT, "define clause") == -1)
		return -1;
	return parse_body(p, name, "define clause");
}

/* Within one parse, a second non-empty definition is an error (Go's
 * Tree.add); an empty one never replaces. */
static int
add_tree(struct parser *p, struct tree *t)
{
	for (size_t i = 0; i < p->ntrees; i++) {
		if (strcmp(p->trees[i]->name, t->name) != 0)
			continue;
		if (tree_is_empty(p->trees[i])) {
			p->trees[i] = t;
			return 0;
		}
		if (!tree_is_empty(t))
			return perr(p,
			    "template: multiple definition of template \"%s\"",
			    t->name);
		return 0;
	}
	if (p->ntrees == p->captrees) {
		p->captrees = p->captrees == 0 ? 4 : p->captrees * 2;
		p->trees = xreallocarray(p->trees, p->captrees,
		    sizeof(struct tree *));
	}
	p->trees[p->ntrees++] = t;
	return 0;
}

/* Go's Tree.parse: the file's own list, with {{define}}s taken out. */
static int
parse_file(struct parser *p, struct tree *file)
{
	struct nodes items = { 0 };
	struct token delim;
	struct node *n;
	bool skip;

	file->root = new_node(p, N_LIST, 0);
	while (peek(p).type != T_EOF) {
		if (peek(p).type == T_LEFT) {
			delim = *next(p);
			if (next_nonspace(p).type == T_DEFINE) {
				if (parse_define(p) == -1)
					return -1;
				continue;
			}
			p->tok[1] = delim; /* Go's backup2 */
			p->peekcount = 2;
		}
		n = text_or_action(p, &skip);
		if (skip)
			continue;
		if (n == NULL)
			return -1;
		if (n->type == N_END_MARK || n->type == N_ELSE_MARK)
			return perr(p, "unexpected %s",
			    n->type == N_END_MARK ? "{{end}}" : "{{else}}");
		nodes_add(p, &items, n);
	}
	file->root->u.list.items = items.items;
	file->root->u.list.n = items.n;
	return 0;
}

/*
 * Parses text (already in the set's arena) as template name. On success
 * *trees_out holds the file's tree first, then its definitions; the
 * caller frees the array.
 */
int
parse_text(struct tree ***trees_out, size_t *ntrees_out, struct arena *a,
    const char *name, const char *text, size_t len, struct err *err)
{
	struct parser p = { 0 };
	struct tree *file = arena_calloc(a, 1, sizeof(*file));
	int rv;

	p.a = a;
	p.parse_name = name;
	p.text = text;
	p.err = err;
	lex_init(&p.lex, text, len);
	file->name = name;
	file->parse_name = name;
	file->text = text;
	add_tree(&p, file);
	var_push(&p, "$", 1);
	rv = parse_file(&p, file);
	free(p.vars);
	if (rv == -1) {
		free(p.trees);
		return -1;
	}
	*trees_out = p.trees;
	*ntrees_out = p.ntrees;
	return 0;
}
