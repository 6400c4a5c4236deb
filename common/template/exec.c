/*
 * The template executor: Go's text/template exec.go over our values.
 * It walks a tree, evaluates pipelines (each command's result is the
 * next one's last argument), resolves fields on maps and host objects,
 * converts arguments to the types functions declare, and reports errors
 * with Go's "template: NAME:LINE:COL: executing ..." prefix. Variables
 * live on one stack per execution; break and continue travel up as
 * return codes. Nesting is bounded by a depth limit and by the stack
 * actually used.
 */
#include "template/tmpl_int.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include "core/mem.h"

#define ARGS_INLINE       8
#define DEFAULT_MAX_DEPTH 2000
#define DEFAULT_INCLUDES  1000
#define DEFAULT_OUTPUT    ((size_t)256 << 20)
#define DEFAULT_STEPS     100000000
#define STACK_BUDGET      ((size_t)4 << 20)

enum {
	W_OK = 0,
	W_BREAK = 1,
	W_CONTINUE = 2,
};

static const char fail_reason[] = "TemplateFail";

static int walk(struct state *s, const struct tmpl_val *dot,
    const struct node *n, struct err *err);
static int eval_pipeline(struct state *s, const struct tmpl_val *dot,
    const struct node *pipe, struct tmpl_val *out, struct err *err);
static int eval_arg(struct state *s, const struct tmpl_val *dot, char type,
    const struct node *n, struct tmpl_val *out, struct err *err);

/* ---- errors -------------------------------------------------------------- */

/* "NAME:LINE:COL" of n in the tree being executed. */
static void
location(char *dst, size_t size, const struct tree *t, const struct node *n)
{
	unsigned line = 1;
	size_t col = n->pos, last_nl = 0;
	bool nl = false;

	for (size_t i = 0; i < n->pos && t->text[i] != '\0'; i++)
		if (t->text[i] == '\n') {
			line++;
			last_nl = i;
			nl = true;
		}
	if (nl)
		col = n->pos - last_nl - 1;
	(void)snprintf(dst, size, "%s:%u:%zu", t->parse_name, line, col);
}

/* The node as Go's String() prints it, near enough: its source text. */
static void
context(char *dst, size_t size, const struct tree *t, const struct node *n)
{
	size_t len = n->end > n->pos ? n->end - n->pos : 0;

	if (n->type == N_TEMPLATE) {
		(void)snprintf(dst, size, "{{template \"%s\"%s%.*s}}",
		    n->u.call.name, n->u.call.pipe != NULL ? " " : "",
		    n->u.call.pipe != NULL
		        ? (int)(n->u.call.pipe->end - n->u.call.pipe->pos)
		        : 0,
		    n->u.call.pipe != NULL ? t->text + n->u.call.pipe->pos
		                           : "");
		return;
	}
	if (len > 120)
		len = 120;
	(void)snprintf(dst, size, "%.*s", (int)len, t->text + n->pos);
}

static int vwrapf(struct state *s, struct err *err, bool set, const char *fmt,
    va_list ap) __attribute__((format(printf, 4, 0)));

static int
vwrapf(struct state *s, struct err *err, bool set, const char *fmt, va_list ap)
{
	char loc[300], ctx[300], msg[700];

	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	if (s->at == NULL) {
		if (set)
			return err_set(err, ERR_INVALID, "template: %s: %s",
			    s->tree->name, msg);
		return err_wrap(err, "template: %s: %s", s->tree->name, msg);
	}
	location(loc, sizeof(loc), s->tree, s->at);
	context(ctx, sizeof(ctx), s->tree, s->at);
	if (set)
		return err_set(err, ERR_INVALID,
		    "template: %s: executing \"%s\" at <%s>: %s", loc,
		    s->tree->name, ctx, msg);
	return err_wrap(err, "template: %s: executing \"%s\" at <%s>: %s", loc,
	    s->tree->name, ctx, msg);
}

int
state_errorf(struct state *s, struct err *err, const char *fmt, ...)
{
	va_list ap;
	int rv;

	va_start(ap, fmt);
	rv = vwrapf(s, err, true, fmt, ap);
	va_end(ap);
	return rv;
}

static int state_wrapf(struct state *s, struct err *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int
state_wrapf(struct state *s, struct err *err, const char *fmt, ...)
{
	va_list ap;
	int rv;

	va_start(ap, fmt);
	rv = vwrapf(s, err, false, fmt, ap);
	va_end(ap);
	return rv;
}

int
exec_fail(struct call *c, struct err *err, const char *msg, size_t n)
{
	c->s->x->fail_msg = arena_strndup(c->a, msg, n);
	err_set(err, ERR_INVALID, "%.*s", (int)n, msg);
	err->reason = fail_reason;
	return -1;
}

/* ---- variables ----------------------------------------------------------- */

static void
var_push(struct state *s, const char *name, size_t n, struct tmpl_val v)
{
	struct tmpl_exec *x = s->x;

	if (x->nvars == x->capvars) {
		x->capvars = x->capvars == 0 ? 32 : x->capvars * 2;
		x->vars = xreallocarray(x->vars, x->capvars, sizeof(*x->vars));
	}
	x->vars[x->nvars].name = name;
	x->vars[x->nvars].n = n;
	x->vars[x->nvars].val = v;
	x->nvars++;
}

static struct var *
var_find(struct state *s, const struct ident *id)
{
	for (size_t i = s->x->nvars; i-- > s->var_base;) {
		struct var *v = &s->x->vars[i];

		if (v->n == id->n && memcmp(v->name, id->p, id->n) == 0)
			return v;
	}
	return NULL;
}

static int
var_set(struct state *s, const struct ident *id, struct tmpl_val val,
    struct err *err)
{
	struct var *v = var_find(s, id);

	if (v == NULL)
		return state_errorf(s, err, "undefined variable: %.*s",
		    (int)id->n, id->p);
	v->val = val;
	return 0;
}

/* ---- argument types ------------------------------------------------------ */

static const char *
type_name(char t)
{
	switch (t) {
	case 's':
		return "string";
	case 'i':
		return "int";
	case 'u':
		return "uint32";
	case 'f':
		return "float64";
	case 'b':
		return "bool";
	case 'm':
		return "map[string]interface {}";
	case 'l':
		return "[]interface {}";
	default:
		return "interface {}";
	}
}

static bool
nil_ok(char t)
{
	return t == 'a' || t == 'm' || t == 'l';
}

/* Go's validateType: is v assignable to a parameter of type t? */
static int
validate(struct state *s, const struct tmpl_val *v, char t, struct err *err)
{
	bool ok;

	if (v->kind == TMPL_NIL) {
		if (nil_ok(t))
			return 0;
		return state_errorf(s, err, "invalid value; expected %s",
		    type_name(t));
	}
	switch (t) {
	case 's':
		ok = v->kind == TMPL_STR && v->type == TMPL_T_DEFAULT;
		break;
	case 'i':
		ok = v->kind == TMPL_INT && v->type == TMPL_T_DEFAULT;
		break;
	case 'u': /* no value of ours is a uint32: only constants fit */
		ok = false;
		break;
	case 'f':
		ok = v->kind == TMPL_FLOAT;
		break;
	case 'b':
		ok = v->kind == TMPL_BOOL;
		break;
	case 'm':
		ok = v->kind == TMPL_MAP &&
		    (v->type == TMPL_T_DEFAULT || v->type == TMPL_T_VALUES);
		break;
	case 'l':
		ok = v->kind == TMPL_LIST && v->type == TMPL_T_DEFAULT;
		break;
	default:
		ok = true;
	}
	if (ok)
		return 0;
	return state_errorf(s, err, "wrong type for value; expected %s; got %s",
	    type_name(t), val_type_name(v));
}

/* The value of an untyped constant passed where any type will do. */
static int
ideal_constant(struct state *s, const struct node *n, struct tmpl_val *out,
    struct err *err)
{
	if (n->u.num.flags & NUM_IDEAL_FLOAT) {
		*out = tmpl_float(n->u.num.f);
		return 0;
	}
	if (n->u.num.flags & NUM_INT) {
		*out = tmpl_int(n->u.num.i);
		return 0;
	}
	return state_errorf(s, err, "%.*s overflows int",
	    (int)(n->end - n->pos), s->tree->text + n->pos);
}

static int
literal_arg(struct state *s, char t, const struct node *n, struct tmpl_val *out,
    struct err *err)
{
	const char *want = NULL;
	char found[128];

	(void)snprintf(found, sizeof(found), "%.*s", (int)(n->end - n->pos),
	    s->tree->text + n->pos);
	if (n->type == N_BOOL && (t == 'b' || t == 'a')) {
		*out = tmpl_bool(n->u.b);
		return 0;
	}
	if (n->type == N_STRING && (t == 's' || t == 'a')) {
		*out = tmpl_str(n->u.text.p, n->u.text.n);
		return 0;
	}
	if (n->type == N_NUMBER && t == 'a')
		return ideal_constant(s, n, out, err);
	if (n->type == N_NUMBER && t == 'i' && (n->u.num.flags & NUM_INT)) {
		*out = tmpl_int(n->u.num.i);
		return 0;
	}
	if (n->type == N_NUMBER && t == 'u' && (n->u.num.flags & NUM_INT) &&
	    n->u.num.i >= 0) {
		/* Go's SetUint into a uint32 keeps the low bits */
		*out = tmpl_int((int64_t)(uint32_t)n->u.num.i);
		return 0;
	}
	if (n->type == N_NUMBER && t == 'f' && (n->u.num.flags & NUM_FLOAT)) {
		*out = tmpl_float(n->u.num.f);
		return 0;
	}
	switch (t) {
	case 'b':
		want = "bool";
		break;
	case 'i':
		want = "integer";
		break;
	case 'u':
		want = "unsigned integer";
		break;
	case 'f':
		want = "float";
		break;
	case 's':
		want = "string";
		break;
	default:
		return state_errorf(s, err,
		    "can't handle %s for arg of type %s", found, type_name(t));
	}
	return state_errorf(s, err, "expected %s; found %s", want, found);
}

/* ---- fields and calls ---------------------------------------------------- */

struct args {
	const struct node *const *nodes; /* args[0] names the callee */
	size_t n;
};

static bool
has_args(const struct args *a, const struct tmpl_val *final)
{
	return a->n > 1 || final != NULL;
}

static int
not_a_function(struct state *s, const struct args *a,
    const struct tmpl_val *final, struct err *err)
{
	if (!has_args(a, final))
		return 0;
	return state_errorf(s, err, "can't give argument to non-function %.*s",
	    (int)(a->nodes[0]->end - a->nodes[0]->pos),
	    s->tree->text + a->nodes[0]->pos);
}

/* Evaluates a method's arguments (all of type any) plus final. */
static int
method_args(struct state *s, const struct tmpl_val *dot, const struct args *a,
    const struct tmpl_val *final, struct tmpl_val **argv, size_t *argc,
    struct err *err)
{
	size_t n = (a->n > 0 ? a->n - 1 : 0) + (final != NULL);

	*argv = n > 0 ? arena_alloc(s->x->arena, n * sizeof(**argv)) : NULL;
	*argc = 0;
	for (size_t i = 1; i < a->n; i++)
		if (eval_arg(s, dot, 'a', a->nodes[i], &(*argv)[(*argc)++],
		        err) == -1)
			return -1;
	if (final != NULL)
		(*argv)[(*argc)++] = *final;
	return 0;
}

static int
obj_member(struct state *s, const struct tmpl_val *dot,
    const struct tmpl_val *recv, const struct ident *id, const struct args *a,
    const struct tmpl_val *final, struct tmpl_val *out, struct err *err)
{
	const struct tmpl_class *cls = recv->u.o->cls;
	struct tmpl_val *argv;
	size_t argc;
	int rv;

	if (method_args(s, dot, a, final, &argv, &argc, err) == -1)
		return -1;
	rv = cls->member == NULL ? 1
	                         : cls->member(out, recv->u.o, id->p, id->n,
	                               argc, argv, s->x->arena, err);
	if (rv == 1)
		return state_errorf(s, err,
		    "can't evaluate field %.*s in type %s", (int)id->n, id->p,
		    cls->type_name);
	if (rv == -1)
		return state_wrapf(s, err, "error calling %.*s", (int)id->n,
		    id->p);
	return 0;
}

/*
 * Go's evalField. A nil receiver at the start of a chain (dot, a
 * variable, a parenthesised pipeline) gives nil; a nil met inside the
 * chain is Go's "nil pointer evaluating interface {}.x".
 */
static int
eval_field(struct state *s, const struct tmpl_val *dot,
    const struct tmpl_val *recv, const struct ident *id, bool first,
    const struct args *a, const struct tmpl_val *final, struct tmpl_val *out,
    struct err *err)
{
	struct tmpl_val *v;

	if (recv->kind == TMPL_NIL) {
		if (first) {
			*out = tmpl_nil();
			return 0;
		}
		return state_errorf(s, err,
		    "nil pointer evaluating interface {}.%.*s", (int)id->n,
		    id->p);
	}
	if (recv->kind == TMPL_OBJ)
		return obj_member(s, dot, recv, id, a, final, out, err);
	if (recv->kind != TMPL_MAP)
		return state_errorf(s, err,
		    "can't evaluate field %.*s in type %s", (int)id->n, id->p,
		    first ? val_type_name(recv) : "interface {}");
	if (has_args(a, final))
		return state_errorf(s, err,
		    "%.*s is not a method but has arguments", (int)id->n,
		    id->p);
	if ((v = tmpl_map_find(recv->u.m, id->p, id->n)) != NULL) {
		*out = *v;
		return 0;
	}
	if (s->x->opts.strict)
		return state_errorf(s, err, "map has no entry for key \"%.*s\"",
		    (int)id->n, id->p);
	*out = recv->type == TMPL_T_STRMAP ? tmpl_str("", 0) : tmpl_nil();
	return 0;
}

static int
eval_field_chain(struct state *s, const struct tmpl_val *dot,
    struct tmpl_val recv, const struct node *n, const struct ident *ids,
    size_t nids, const struct args *a, const struct tmpl_val *final,
    struct tmpl_val *out, struct err *err)
{
	static const struct args none = { NULL, 0 };

	s->at = n;
	for (size_t i = 0; i + 1 < nids; i++)
		if (eval_field(s, dot, &recv, &ids[i], i == 0, &none, NULL,
		        &recv, err) == -1)
			return -1;
	return eval_field(s, dot, &recv, &ids[nids - 1], nids == 1, a, final,
	    out, err);
}

static int
eval_variable(struct state *s, const struct tmpl_val *dot, const struct node *n,
    const struct args *a, const struct tmpl_val *final, struct tmpl_val *out,
    struct err *err)
{
	struct var *v;

	s->at = n;
	if ((v = var_find(s, &n->u.field.idents[0])) == NULL)
		return state_errorf(s, err, "undefined variable: %.*s",
		    (int)n->u.field.idents[0].n, n->u.field.idents[0].p);
	if (n->u.field.n == 1) {
		if (not_a_function(s, a, final, err) == -1)
			return -1;
		*out = v->val;
		return 0;
	}
	return eval_field_chain(s, dot, v->val, n, n->u.field.idents + 1,
	    n->u.field.n - 1, a, final, out, err);
}

static int
eval_chain(struct state *s, const struct tmpl_val *dot, const struct node *n,
    const struct args *a, const struct tmpl_val *final, struct tmpl_val *out,
    struct err *err)
{
	struct tmpl_val base;

	s->at = n;
	if (n->u.field.base->type == N_NIL)
		return state_errorf(s, err, "indirection through explicit nil");
	if (eval_arg(s, dot, 'a', n->u.field.base, &base, err) == -1)
		return -1;
	return eval_field_chain(s, dot, base, n, n->u.field.idents,
	    n->u.field.n, a, final, out, err);
}

/* Parameter i's type letter and the count of fixed parameters. */
static char
param_type(const char *sig, size_t i, size_t *nfixed, bool *variadic)
{
	size_t len = strlen(sig);

	*variadic = len > 0 && strchr(sig, '*') != NULL;
	*nfixed = *variadic ? len - 2 : len;
	if (i < *nfixed)
		return sig[i];
	if (*variadic)
		return sig[len - 1];
	return 'a';
}

static int
check_arity(struct state *s, const struct tmpl_func *f, size_t nargs,
    size_t given, struct err *err)
{
	size_t nfixed;
	bool variadic;

	param_type(f->sig, 0, &nfixed, &variadic);
	if (variadic && given < nfixed)
		return state_errorf(s, err,
		    "wrong number of args for %s: want at least %zu got %zu",
		    f->name, nfixed, nargs);
	if (!variadic && given != nfixed)
		return state_errorf(s, err,
		    "wrong number of args for %s: want %zu got %zu", f->name,
		    nfixed, given);
	return 0;
}

/* and/or: evaluate operands in order, stop at the first deciding one. */
static int
eval_and_or(struct state *s, const struct tmpl_val *dot,
    const struct tmpl_func *f, const struct args *a,
    const struct tmpl_val *final, struct tmpl_val *out, struct err *err)
{
	bool is_or = (f->flags & FN_OR) != 0;

	*out = tmpl_nil();
	for (size_t i = 1; i < a->n; i++) {
		if (eval_arg(s, dot, 'a', a->nodes[i], out, err) == -1)
			return -1;
		if (tmpl_truth(out) == is_or)
			return 0;
	}
	if (final != NULL)
		*out = *final;
	return 0;
}

static int
eval_call(struct state *s, const struct tmpl_val *dot,
    const struct tmpl_func *f, const struct node *at, const struct args *a,
    const struct tmpl_val *final, struct tmpl_val *out, struct err *err)
{
	struct tmpl_val inline_args[ARGS_INLINE], *argv = inline_args;
	size_t nargs = a->n > 0 ? a->n - 1 : 0, given = nargs + (final != NULL);
	size_t nfixed;
	bool variadic;
	struct call c;

	if (check_arity(s, f, nargs, given, err) == -1)
		return -1;
	if (f->flags & (FN_AND | FN_OR))
		return eval_and_or(s, dot, f, a, final, out, err);
	if (given > ARGS_INLINE)
		argv = arena_alloc(s->x->arena, given * sizeof(*argv));
	for (size_t i = 0; i < nargs; i++)
		if (eval_arg(s, dot, param_type(f->sig, i, &nfixed, &variadic),
		        a->nodes[i + 1], &argv[i], err) == -1)
			return -1;
	if (final != NULL) {
		s->at = at;
		argv[nargs] = *final;
		if (validate(s, final,
		        param_type(f->sig, nargs, &nfixed, &variadic),
		        err) == -1)
			return -1;
	}
	c.s = s;
	c.a = s->x->arena;
	c.fn = f;
	c.argc = given;
	c.argv = argv;
	*out = tmpl_nil();
	if (f->fn(out, &c, err) == -1) {
		s->at = at;
		return state_wrapf(s, err, "error calling %s", f->name);
	}
	return 0;
}

static int
eval_function(struct state *s, const struct tmpl_val *dot,
    const struct node *ident, const struct node *at, const struct args *a,
    const struct tmpl_val *final, struct tmpl_val *out, struct err *err)
{
	s->at = ident;
	return eval_call(s, dot, ident->u.fn, at, a, final, out, err);
}

static int
eval_arg(struct state *s, const struct tmpl_val *dot, char type,
    const struct node *n, struct tmpl_val *out, struct err *err)
{
	const struct args self = { (const struct node *const *)&n, 1 };
	int rv;

	s->at = n;
	switch (n->type) {
	case N_DOT:
		*out = *dot;
		break;
	case N_NIL:
		if (!nil_ok(type))
			return state_errorf(s, err, "cannot assign nil to %s",
			    type_name(type));
		*out = tmpl_nil();
		return 0;
	case N_FIELD:
		rv = eval_field_chain(s, dot, *dot, n, n->u.field.idents,
		    n->u.field.n, &self, NULL, out, err);
		if (rv == -1)
			return -1;
		break;
	case N_VAR:
		if (eval_variable(s, dot, n, &self, NULL, out, err) == -1)
			return -1;
		break;
	case N_PIPE:
		if (eval_pipeline(s, dot, n, out, err) == -1)
			return -1;
		break;
	case N_IDENT:
		if (eval_function(s, dot, n, n, &self, NULL, out, err) == -1)
			return -1;
		break;
	case N_CHAIN:
		if (eval_chain(s, dot, n, &self, NULL, out, err) == -1)
			return -1;
		break;
	default:
		return literal_arg(s, type, n, out, err);
	}
	s->at = n;
	return validate(s, out, type, err);
}

static int
eval_command(struct state *s, const struct tmpl_val *dot,
    const struct node *cmd, const struct tmpl_val *final, struct tmpl_val *out,
    struct err *err)
{
	const struct node *first = cmd->u.list.items[0];
	const struct args a = { (const struct node *const *)cmd->u.list.items,
		cmd->u.list.n };

	switch (first->type) {
	case N_FIELD:
		return eval_field_chain(s, dot, *dot, first,
		    first->u.field.idents, first->u.field.n, &a, final, out,
		    err);
	case N_CHAIN:
		return eval_chain(s, dot, first, &a, final, out, err);
	case N_IDENT:
		return eval_function(s, dot, first, cmd, &a, final, out, err);
	case N_PIPE:
		s->at = first;
		if (not_a_function(s, &a, final, err) == -1)
			return -1;
		return eval_pipeline(s, dot, first, out, err);
	case N_VAR:
		return eval_variable(s, dot, first, &a, final, out, err);
	default:
		break;
	}
	s->at = first;
	if (not_a_function(s, &a, final, err) == -1)
		return -1;
	switch (first->type) {
	case N_BOOL:
		*out = tmpl_bool(first->u.b);
		return 0;
	case N_DOT:
		*out = *dot;
		return 0;
	case N_NIL:
		return state_errorf(s, err, "nil is not a command");
	case N_NUMBER:
		return ideal_constant(s, first, out, err);
	default:
		*out = tmpl_str(first->u.text.p, first->u.text.n);
		return 0;
	}
}

static int
eval_pipeline(struct state *s, const struct tmpl_val *dot,
    const struct node *pipe, struct tmpl_val *out, struct err *err)
{
	struct tmpl_val v = tmpl_nil();
	bool have = false;

	if (pipe == NULL) {
		*out = tmpl_nil();
		return 0;
	}
	s->at = pipe;
	for (size_t i = 0; i < pipe->u.pipe.ncmds; i++) {
		struct tmpl_val prev = v;

		if (eval_command(s, dot, pipe->u.pipe.cmds[i],
		        have ? &prev : NULL, &v, err) == -1)
			return -1;
		have = true;
	}
	for (size_t i = 0; i < pipe->u.pipe.ndecl; i++) {
		const struct ident *d = &pipe->u.pipe.decl[i];

		if (pipe->u.pipe.assign) {
			if (var_set(s, d, v, err) == -1)
				return -1;
		} else {
			var_push(s, d->p, d->n, v);
		}
	}
	*out = v;
	return 0;
}

/* ---- walking ------------------------------------------------------------- */

static int
print_value(struct state *s, const struct node *n, const struct tmpl_val *v,
    struct err *err)
{
	s->at = n;
	if (v->kind == TMPL_STR && v->type == TMPL_T_DEFAULT)
		buf_append(s->out, v->u.s.p, v->u.s.n);
	else if (v->kind == TMPL_NIL)
		buf_puts(s->out, "<no value>");
	else
		tmpl_print(s->out, v);
	if (s->out->failed)
		return err_set(err, ERR_LIMIT,
		    "template output larger than %zu bytes", s->out->max);
	return 0;
}

static int
walk_if_with(struct state *s, const struct tmpl_val *dot, const struct node *n,
    struct err *err)
{
	size_t mark = s->x->nvars;
	struct tmpl_val v;
	int rv = 0;

	if (eval_pipeline(s, dot, n->u.ctl.pipe, &v, err) == -1)
		return -1;
	if (tmpl_truth(&v))
		rv = walk(s, n->type == N_WITH ? &v : dot, n->u.ctl.list, err);
	else if (n->u.ctl.else_list != NULL)
		rv = walk(s, dot, n->u.ctl.else_list, err);
	s->x->nvars = mark;
	return rv;
}

/* One pass of a range body with its variables set, as Go's
 * oneIteration. Returns W_BREAK to stop. */
static int
range_once(struct state *s, const struct node *n, const struct tmpl_val *index,
    const struct tmpl_val *elem, size_t mark, struct err *err)
{
	const struct node *pipe = n->u.ctl.pipe;
	struct tmpl_exec *x = s->x;
	int rv;

	if (pipe->u.pipe.ndecl > 0) {
		const struct tmpl_val *first = pipe->u.pipe.ndecl > 1 ? index
		                                                      : elem;

		if (pipe->u.pipe.assign) {
			if (var_set(s, &pipe->u.pipe.decl[0], *first, err) ==
			    -1)
				return -1;
		} else {
			x->vars[x->nvars - 1].val = *elem;
		}
	}
	if (pipe->u.pipe.ndecl > 1) {
		if (pipe->u.pipe.assign) {
			if (var_set(s, &pipe->u.pipe.decl[1], *elem, err) == -1)
				return -1;
		} else {
			x->vars[x->nvars - 2].val = *index;
		}
	}
	rv = walk(s, elem, n->u.ctl.list, err);
	x->nvars = mark;
	if (rv == W_CONTINUE)
		rv = W_OK;
	return rv;
}

static int
range_map(struct state *s, const struct node *n, const struct tmpl_map *m,
    size_t mark, struct err *err)
{
	for (size_t i = 0; i < m->n; i++) {
		struct tmpl_val k = tmpl_str(m->items[i].key,
		    m->items[i].keylen);
		int rv = range_once(s, n, &k, &m->items[i].val, mark, err);

		if (rv != W_OK)
			return rv == W_BREAK ? W_OK : rv;
	}
	return W_OK;
}

/* Ranges over v; *ran tells whether any pass ran (else runs else). */
static int
range_over(struct state *s, const struct node *n, const struct tmpl_val *v,
    size_t mark, bool *ran, struct err *err)
{
	struct tmpl_val idx, elem;
	int rv = W_OK;

	*ran = false;
	if (v->kind == TMPL_LIST) {
		*ran = v->u.l->n > 0;
		for (size_t i = 0; i < v->u.l->n && rv == W_OK; i++) {
			idx = tmpl_int((int64_t)i);
			rv = range_once(s, n, &idx, &v->u.l->items[i], mark,
			    err);
		}
		return rv == W_BREAK ? W_OK : rv;
	}
	if (v->kind == TMPL_MAP) {
		*ran = v->u.m->n > 0;
		return range_map(s, n, v->u.m, mark, err);
	}
	if (v->kind == TMPL_INT) {
		if (n->u.ctl.pipe->u.pipe.ndecl > 1)
			return state_errorf(s, err,
			    "can't use %lld to iterate over more than one variable",
			    (long long)v->u.i);
		*ran = v->u.i > 0;
		idx = tmpl_nil();
		for (int64_t i = 0; i < v->u.i && rv == W_OK; i++) {
			elem = *v;
			elem.u.i = i;
			rv = range_once(s, n, &idx, &elem, mark, err);
		}
		return rv == W_BREAK ? W_OK : rv;
	}
	if (v->kind == TMPL_NIL)
		return W_OK;
	{
		struct buf b;

		buf_init(&b, 256);
		tmpl_print(&b, v);
		rv = state_errorf(s, err, "range can't iterate over %s",
		    b.data != NULL ? b.data : "");
		buf_release(&b);
		return rv;
	}
}

static int
walk_range(struct state *s, const struct tmpl_val *dot, const struct node *n,
    struct err *err)
{
	size_t outer = s->x->nvars;
	struct tmpl_val v;
	bool ran;
	int rv;

	s->at = n;
	if (eval_pipeline(s, dot, n->u.ctl.pipe, &v, err) == -1)
		return -1;
	if (v.kind == TMPL_OBJ)
		v = val_plain(s->x->arena, &v);
	rv = range_over(s, n, &v, s->x->nvars, &ran, err);
	if (rv == W_OK && !ran && n->u.ctl.else_list != NULL)
		rv = walk(s, dot, n->u.ctl.else_list, err);
	s->x->nvars = outer;
	return rv;
}

static int
enter(struct tmpl_exec *x, struct state *s, struct err *err)
{
	char here;
	size_t used;

	used = x->stack_base > &here ? (size_t)(x->stack_base - &here)
	                             : (size_t)(&here - x->stack_base);
	if (x->depth >= x->opts.max_depth)
		state_errorf(s, err, "exceeded maximum template depth (%u)",
		    x->opts.max_depth);
	else if (used > STACK_BUDGET)
		state_errorf(s, err,
		    "templates nested too deeply (stack budget %zu bytes)",
		    STACK_BUDGET);
	else {
		x->depth++;
		return 0;
	}
	/* both are limits, whichever a deep recursion meets first */
	err->code = ERR_LIMIT;
	return -1;
}

static int
walk_template(struct state *s, const struct tmpl_val *dot, const struct node *n,
    struct err *err)
{
	const struct tree *t;
	struct tmpl_val v;
	struct state inner;
	int rv;

	s->at = n;
	t = set_lookup(s->set, n->u.call.name, strlen(n->u.call.name));
	if (t == NULL)
		return state_errorf(s, err, "template \"%s\" not defined",
		    n->u.call.name);
	if (eval_pipeline(s, dot, n->u.call.pipe, &v, err) == -1)
		return -1;
	s->at = n;
	if (enter(s->x, s, err) == -1)
		return -1;
	inner = *s;
	inner.tree = t;
	inner.at = NULL;
	inner.var_base = s->x->nvars;
	var_push(&inner, "$", 1, v);
	rv = walk(&inner, &v, t->root, err);
	s->x->nvars = inner.var_base;
	s->x->depth--;
	return rv;
}

int
exec_charge(struct call *c, uint64_t n, struct err *err)
{
	struct tmpl_exec *x = c->s->x;

	x->steps += n;
	if (x->steps > x->opts.max_steps)
		return err_set(err, ERR_LIMIT,
		    "template execution took more than %llu steps",
		    (unsigned long long)x->opts.max_steps);
	return 0;
}

static int
walk(struct state *s, const struct tmpl_val *dot, const struct node *n,
    struct err *err)
{
	struct tmpl_val v;
	int rv;

	if (++s->x->steps > s->x->opts.max_steps)
		return err_set(err, ERR_LIMIT,
		    "template execution took more than %llu steps",
		    (unsigned long long)s->x->opts.max_steps);
	switch (n->type) {
	case N_LIST:
		for (size_t i = 0; i < n->u.list.n; i++)
			if ((rv = walk(s, dot, n->u.list.items[i], err)) !=
			    W_OK)
				return rv;
		return W_OK;
	case N_TEXT:
		buf_append(s->out, n->u.text.p, n->u.text.n);
		return W_OK;
	case N_ACTION:
		if (eval_pipeline(s, dot, n->u.ctl.pipe, &v, err) == -1)
			return -1;
		if (n->u.ctl.pipe->u.pipe.ndecl == 0)
			return print_value(s, n, &v, err);
		return W_OK;
	case N_IF:
	case N_WITH:
		return walk_if_with(s, dot, n, err);
	case N_RANGE:
		return walk_range(s, dot, n, err);
	case N_TEMPLATE:
		return walk_template(s, dot, n, err);
	case N_BREAK:
		return W_BREAK;
	case N_CONTINUE:
		return W_CONTINUE;
	default:
		BUG("unexpected node type %d", n->type);
	}
}

/* ---- executions ---------------------------------------------------------- */

int
exec_tree(struct tmpl_exec *x, const struct tmpl_set *set,
    const struct tree *tree, const struct tmpl_val *dot, struct buf *out,
    struct err *err)
{
	struct state s = { x, set, tree, out, x->nvars, NULL };
	int rv;

	if (enter(x, &s, err) == -1)
		return -1;
	var_push(&s, "$", 1, *dot);
	rv = walk(&s, dot, tree->root, err);
	x->nvars = s.var_base;
	x->depth--;
	if (rv == W_OK && out->failed)
		return err_set(err, ERR_LIMIT,
		    "template output larger than %zu bytes", out->max);
	return rv == W_OK ? 0 : -1;
}

struct tmpl_exec *
tmpl_exec_new(const struct tmpl_set *s, const struct tmpl_opts *o)
{
	struct tmpl_exec *x = xcalloc(1, sizeof(*x));

	x->arena = arena_new();
	x->set = s;
	if (o != NULL)
		x->opts = *o;
	if (x->opts.max_depth == 0)
		x->opts.max_depth = DEFAULT_MAX_DEPTH;
	if (x->opts.max_includes == 0)
		x->opts.max_includes = DEFAULT_INCLUDES;
	if (x->opts.max_output == 0)
		x->opts.max_output = DEFAULT_OUTPUT;
	if (x->opts.max_steps == 0)
		x->opts.max_steps = DEFAULT_STEPS;
	return x;
}

void
tmpl_exec_free(struct tmpl_exec *x)
{
	if (x == NULL)
		return;
	arena_free(x->arena);
	free(x->vars);
	free(x->incs);
	free(x);
}

struct arena *
tmpl_exec_arena(struct tmpl_exec *x)
{
	return x->arena;
}

/* Helm's form for fail and required: "execution error at (LOC): msg",
 * LOC being where the outermost call was made. */
static void
helm_fail_message(struct tmpl_exec *x, struct err *err)
{
	char loc[300] = "";
	const char *p = err->msg, *e;

	if (strncmp(p, "template: ", 10) == 0 &&
	    (e = strstr(p + 10, ": ")) != NULL) {
		size_t n = (size_t)(e - (p + 10));

		if (n >= sizeof(loc))
			n = sizeof(loc) - 1;
		memcpy(loc, p + 10, n);
		loc[n] = '\0';
	}
	err_set(err, ERR_INVALID, "execution error at (%s): %s", loc,
	    x->fail_msg != NULL ? x->fail_msg : "");
	err->reason = NULL;
}

int
tmpl_exec_run(struct tmpl_exec *x, struct buf *out, const char *name,
    const struct tmpl_val *dot, struct err *err)
{
	const struct tree *t = set_lookup(x->set, name, strlen(name));
	char base;
	int rv;

	if (t == NULL)
		return err_set(err, ERR_NOTFOUND,
		    "template: no template \"%s\"", name);
	x->stack_base = &base;
	x->depth = 0;
	x->steps = 0;
	x->nvars = 0;
	x->fail_msg = NULL;
	rv = exec_tree(x, x->set, t, dot, out, err);
	x->stack_base = NULL;
	if (rv == -1 && err->reason == fail_reason)
		helm_fail_message(x, err);
	return rv;
}

void
exec_random(struct tmpl_exec *x, void *p, size_t n)
{
	unsigned char *o = p;

	(void)x;
	/* charts make passwords with randAlphaNum: the kernel's CSPRNG */
	while (n > 0) {
		ssize_t got = getrandom(o, n, 0);

		if (got <= 0)
			BUG("getrandom failed");
		o += got;
		n -= (size_t)got;
	}
}

int64_t
exec_now_ns(const struct tmpl_exec *x)
{
	struct timespec ts;

	if (x->opts.now_unix_ns != 0)
		return x->opts.now_unix_ns;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}
