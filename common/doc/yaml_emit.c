/*
 * Block YAML out of the doc model, byte for byte as kubectl kustomize
 * prints it.
 *
 * kustomize prints each object by turning it into JSON and handing that
 * to go-yaml v2's Marshal, so what it prints is v2's emitter (libyaml's
 * algorithm) fed with plain values: block collections only, "{}" and "[]"
 * when empty, two-space indent, sequences under a map key at the key's
 * indent, no line folding, and a style per string chosen from its text
 * alone. This file follows that emitter: the column and the whitespace
 * and indention flags decide where lines break, the scalar analysis
 * decides which styles are allowed. Input styles and tags are ignored, as
 * the JSON step drops them. Where v2 would print a string that reads back
 * differently we do not follow it (see plain_allowed()).
 */
#include "doc/doc.h"

#include <inttypes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "doc/yaml_int.h"

#define INDENT         2   /* go-yaml's best_indent */
#define WIDTH          80  /* go-yaml v2's best_width: kustomize folds */
#define MAX_SIMPLE_KEY 128 /* longer keys are written "? key" */
#define MAX_EMIT_DEPTH 1024

enum ctx {
	CTX_ROOT,
	CTX_SEQ, /* a sequence item */
	CTX_MAP, /* a map value, or a key written after "? " */
	CTX_KEY, /* a simple key */
};

enum style {
	ST_PLAIN,
	ST_SINGLE,
	ST_DOUBLE,
	ST_LITERAL,
};

struct emitter {
	struct buf *out;
	size_t column;
	bool whitespace; /* the last thing written was whitespace */
	bool indention;  /* only indentation on this line so far */
	bool wrap;       /* scalars may fold here: not in a simple key */
	bool v3;         /* DOC_YAML_V3: no folding, sequences indented */
	unsigned depth;
};

/* A scalar ready to write: its text and what the analysis allows. */
struct scalar {
	const char *p;
	size_t n;
	bool is_str;
	struct yaml_scalar_info si;
	char tmp[32]; /* canonical text of a number or bool */
};

static int emit_node(struct emitter *e, const struct doc_node *n, int indent,
    enum ctx ctx, struct err *err);

/* ---- low-level writing (libyaml's put, write_indent, write_indicator) -- */

/* Appends ASCII: one column per byte. */
static void
put(struct emitter *e, const char *p, size_t n)
{
	buf_append_fast(e->out, p, n);
	e->column += n;
}

/* Appends text: one column per character, as go-yaml counts. */
static void
put_text(struct emitter *e, const char *p, size_t n)
{
	size_t cont = 0;

	for (size_t i = 0; i < n; i++)
		cont += ((unsigned char)p[i] & 0xC0) == 0x80;
	buf_append_fast(e->out, p, n);
	e->column += n - cont;
}

static void
put_break(struct emitter *e)
{
	buf_append_fast(e->out, "\n", 1);
	e->column = 0;
}

static void
write_indent(struct emitter *e, int indent)
{
	size_t in = indent < 0 ? 0 : (size_t)indent;
	static const char spaces[] = "                                ";

	if (!e->indention || e->column > in ||
	    (e->column == in && !e->whitespace))
		put_break(e);
	while (e->column < in) {
		size_t k = in - e->column;

		put(e, spaces, k < sizeof(spaces) - 1 ? k : sizeof(spaces) - 1);
	}
	e->whitespace = true;
	e->indention = true;
}

static void
write_indicator(struct emitter *e, const char *ind, bool need_whitespace,
    bool is_whitespace, bool is_indention)
{
	if (need_whitespace && !e->whitespace)
		put(e, " ", 1);
	put(e, ind, strlen(ind));
	e->whitespace = is_whitespace;
	e->indention = e->indention && is_indention;
}

/* ---- scalar writers ------------------------------------------------------ */

/*
 * A space where a quoted or plain line may fold: past the width, and not
 * the second of a run of spaces. Folding writes a line break and the
 * indent instead of the space, which reads back as the space.
 */
static bool
fold_here(const struct emitter *e, bool spaces)
{
	return e->wrap && !e->v3 && !spaces && e->column > WIDTH;
}

/* The length of the run at p[i] that holds none of the bytes in stop. */
static size_t
run_len(const char *p, size_t n, size_t i, const char *stop)
{
	size_t j = i;

	while (j < n && strchr(stop, p[j]) == NULL)
		j++;
	return j - i;
}

static void
write_plain(struct emitter *e, const char *p, size_t n, int indent)
{
	bool spaces = false;
	size_t k;

	if (!e->whitespace)
		put(e, " ", 1);
	for (size_t i = 0; i < n; i += k) {
		if (p[i] == ' ') {
			if (fold_here(e, spaces) && i + 1 < n &&
			    p[i + 1] != ' ')
				write_indent(e, indent);
			else
				put(e, " ", 1);
			spaces = true;
			k = 1;
			continue;
		}
		k = run_len(p, n, i, " ");
		put_text(e, p + i, k);
		e->indention = false;
		spaces = false;
	}
	e->whitespace = false;
	e->indention = false;
}

/* Writes a character of width w that is a line break; only '\n' is
 * written as one, others go out as they are (go-yaml's write_break). */
static void
write_break(struct emitter *e, const char *p, size_t w)
{
	if (w == 1 && *p == '\n') {
		put_break(e);
		return;
	}
	buf_append_fast(e->out, p, w);
	e->column = 0;
}

static void
write_single(struct emitter *e, const char *p, size_t n, int indent)
{
	bool spaces = false, breaks = false;
	size_t w;

	write_indicator(e, "'", true, false, false);
	for (size_t i = 0; i < n; i += w) {
		int32_t c = yaml_utf8_decode(p, n, i, &w);

		if (c == ' ') {
			if (fold_here(e, spaces) && i > 0 && i + 1 < n &&
			    p[i + 1] != ' ')
				write_indent(e, indent);
			else
				put(e, " ", 1);
			spaces = true;
		} else if (yaml_is_break(c)) {
			if (!breaks && c == '\n')
				put_break(e);
			write_break(e, p + i, w);
			e->indention = true;
			breaks = true;
		} else {
			if (breaks)
				write_indent(e, indent);
			if (c == '\'')
				put(e, "'", 1);
			put_text(e, p + i, w);
			e->indention = false;
			spaces = breaks = false;
		}
	}
	write_indicator(e, "'", false, false, false);
}

static void
write_escape(struct emitter *e, int32_t c, unsigned char byte)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *simple = yaml_escape_char(c);
	char tmp[10];
	int digits;

	if (simple != NULL) {
		put(e, simple, 2);
		return;
	}
	if (c < 0) /* a byte of invalid UTF-8 */
		c = byte;
	tmp[0] = '\\';
	tmp[1] = (char)(c <= 0xFF ? 'x' : c <= 0xFFFF ? 'u' : 'U');
	digits = c <= 0xFF ? 2 : c <= 0xFFFF ? 4 : 8;
	for (int k = 0; k < digits; k++)
		tmp[2 + k] = hex[(c >> (4 * (digits - 1 - k))) & 0xF];
	put(e, tmp, (size_t)digits + 2);
}

/* A fold in double quotes keeps a following space with a backslash. */
static void
double_space(struct emitter *e, const char *p, size_t n, size_t i, bool spaces,
    int indent)
{
	if (!fold_here(e, spaces) || i == 0 || i + 1 >= n) {
		put(e, " ", 1);
		return;
	}
	write_indent(e, indent);
	if (p[i + 1] == ' ')
		put(e, "\\", 1);
}

/* go-yaml escapes every character of a string that starts with a byte
 * order mark (its is_bom() looks at the first bytes only); we match it. */
static void
write_double(struct emitter *e, const char *p, size_t n, int indent)
{
	bool bom = n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0;
	bool spaces = false;
	size_t w;

	write_indicator(e, "\"", true, false, false);
	for (size_t i = 0; i < n; i += w) {
		int32_t c = yaml_utf8_decode(p, n, i, &w);

		if (bom || !yaml_is_printable(c) || yaml_is_break(c) ||
		    c == '"' || c == '\\') {
			write_escape(e, c, (unsigned char)p[i]);
			spaces = false;
		} else if (c == ' ') {
			double_space(e, p, n, i, spaces, indent);
			spaces = true;
		} else {
			put_text(e, p + i, w);
			spaces = false;
		}
	}
	write_indicator(e, "\"", false, false, false);
}

/* The "|" header: an indent digit when the text starts with a space or a
 * break, and "-" or "+" unless exactly one break ends it. */
static void
write_block_hints(struct emitter *e, const char *p, size_t n)
{
	size_t w, last = n - 1, prev;

	if (*p == ' ' || yaml_is_break(yaml_utf8_decode(p, n, 0, &w)))
		write_indicator(e, "2", false, false, false);
	while (last > 0 && ((unsigned char)p[last] & 0xC0) == 0x80)
		last--;
	if (!yaml_is_break(yaml_utf8_decode(p, n, last, &w))) {
		write_indicator(e, "-", false, false, false);
		return;
	}
	if (last == 0) {
		write_indicator(e, "+", false, false, false);
		return;
	}
	prev = last - 1;
	while (prev > 0 && ((unsigned char)p[prev] & 0xC0) == 0x80)
		prev--;
	if (yaml_is_break(yaml_utf8_decode(p, n, prev, &w)))
		write_indicator(e, "+", false, false, false);
}

static void
write_literal(struct emitter *e, const char *p, size_t n, int indent)
{
	bool breaks = true;
	size_t w, end;

	write_indicator(e, "|", true, false, false);
	write_block_hints(e, p, n);
	put_break(e);
	e->indention = true;
	e->whitespace = true;
	for (size_t i = 0; i < n; i = end) {
		end = yaml_next_break(p, n, i);
		if (end == i) {
			yaml_utf8_decode(p, n, i, &w);
			write_break(e, p + i, w);
			e->indention = true;
			breaks = true;
			end = i + w;
			continue;
		}
		if (breaks)
			write_indent(e, indent);
		put_text(e, p + i, end - i);
		e->indention = false;
		breaks = false;
	}
}

/* ---- choosing a style ------------------------------------------------- */

/*
 * Whether a string may be written plain: go-yaml v2 quotes what would
 * read back as another type under its YAML 1.1 rules (and base-60
 * floats); we also quote what our own resolver would not read as a
 * string, and "<<" as a key, which would read back as a merge.
 */
static bool
plain_allowed(const char *p, size_t n, enum ctx ctx)
{
	if (ctx == CTX_KEY && n == 2 && memcmp(p, "<<", 2) == 0)
		return false;
	return !yaml_v2_typed(p, n) && doc_resolve_plain(p, n) == DOC_STR;
}

/* go-yaml v2's encoder picks literal, plain or double; its emitter then
 * falls back to single and double quotes where the text needs them. */
static enum style
str_style(const struct scalar *s, enum ctx ctx)
{
	enum style st;
	bool key = ctx == CTX_KEY;

	if (s->si.invalid_utf8)
		return ST_DOUBLE;
	if (memchr(s->p, '\n', s->n) != NULL)
		st = ST_LITERAL;
	else if (plain_allowed(s->p, s->n, ctx))
		st = ST_PLAIN;
	else
		st = ST_DOUBLE;
	if (key && s->si.multiline)
		st = ST_DOUBLE;
	if (st == ST_PLAIN && !s->si.block_plain)
		st = ST_SINGLE;
	if (st == ST_SINGLE && !s->si.single)
		st = ST_DOUBLE;
	if (st == ST_LITERAL && (!s->si.block || key))
		st = ST_DOUBLE;
	return st;
}

/* Shortest text that reads back as the same double, kept a float. */
static void
format_float(char *dst, size_t size, double v)
{
	if (isnan(v)) {
		(void)snprintf(dst, size, ".nan");
		return;
	}
	if (isinf(v)) {
		(void)snprintf(dst, size, v < 0 ? "-.inf" : ".inf");
		return;
	}
	for (int prec = 1; prec <= 17; prec++) {
		(void)snprintf(dst, size, "%.*g", prec, v);
		if (strtod(dst, NULL) == v)
			break;
	}
	if (strpbrk(dst, ".en") == NULL)
		(void)snprintf(dst + strlen(dst), size - strlen(dst), ".0");
}

/*
 * The text of a null, bool or number. A value prints as kustomize prints
 * it: null, true, false, and numbers as written (so "0x1F" and "1.0"
 * survive). A key keeps its text, since keys are looked up by text. Text
 * that would read back as another kind gets a canonical spelling.
 */
static bool
typed_text(struct scalar *s, const struct doc_node *n, bool key)
{
	struct err err = ERR_INIT;
	bool b;
	int64_t i;
	double f;
	enum doc_kind as = doc_resolve_plain(s->p, s->n);

	if (as == n->kind && (key || as == DOC_INT || as == DOC_FLOAT))
		return true;
	if (key && n->kind == DOC_FLOAT && as == DOC_INT)
		return true; /* !!float 1: the text matters more */
	if (n->kind == DOC_NULL)
		s->p = "null";
	else if (n->kind == DOC_BOOL && doc_get_bool(&b, n, &err) == 0)
		s->p = b ? "true" : "false";
	else if (n->kind == DOC_INT && doc_get_int(&i, n, &err) == 0)
		(void)snprintf(s->tmp, sizeof(s->tmp), "%" PRId64, i);
	else if (n->kind == DOC_FLOAT && doc_get_float(&f, n, &err) == 0)
		format_float(s->tmp, sizeof(s->tmp), f);
	else
		return false;
	if (n->kind == DOC_INT || n->kind == DOC_FLOAT)
		s->p = s->tmp;
	s->n = strlen(s->p);
	return true;
}

static void
scalar_prepare(struct scalar *s, const struct doc_node *n, bool key)
{
	s->p = n->u.str.ptr != NULL ? n->u.str.ptr : "";
	s->n = n->u.str.ptr != NULL ? n->u.str.len : 0;
	/* A typed node whose text makes no sense is printed as a string. */
	s->is_str = n->kind == DOC_STR || !typed_text(s, n, key);
	yaml_analyze_scalar(&s->si, s->p, s->n);
}

static void
scalar_write(struct emitter *e, const struct scalar *s, int parent_indent,
    enum ctx ctx)
{
	int indent = parent_indent < 0 ? INDENT : parent_indent + INDENT;

	e->wrap = ctx != CTX_KEY;
	switch (s->is_str ? str_style(s, ctx) : ST_PLAIN) {
	case ST_PLAIN:
		write_plain(e, s->p, s->n, indent);
		break;
	case ST_SINGLE:
		write_single(e, s->p, s->n, indent);
		break;
	case ST_DOUBLE:
		write_double(e, s->p, s->n, indent);
		break;
	case ST_LITERAL:
		write_literal(e, s->p, s->n, indent);
		break;
	}
}

/* ---- collections ------------------------------------------------------- */

static void
write_empty(struct emitter *e, const char *open, const char *close)
{
	write_indicator(e, open, true, true, false);
	write_indicator(e, close, false, false, false);
}

static int
emit_seq(struct emitter *e, const struct doc_node *n, int indent, enum ctx ctx,
    struct err *err)
{
	int in;

	if (n->u.seq.n == 0) {
		write_empty(e, "[", "]");
		return 0;
	}
	/* Under a map key v2 puts the items at the key's own indent; v3
	 * indents them as everything else. */
	if (indent < 0)
		in = 0;
	else if (ctx == CTX_MAP && !e->indention && !e->v3)
		in = indent;
	else
		in = indent + INDENT;
	for (size_t i = 0; i < n->u.seq.n; i++) {
		write_indent(e, in);
		write_indicator(e, "-", true, false, true);
		if (emit_node(e, n->u.seq.items[i], in, CTX_SEQ, err) == -1)
			return -1;
	}
	return 0;
}

/* A key goes on one line with its value unless it is a multi-line or
 * long scalar, an empty null or a non-empty collection: then "? key" and
 * ": value" on lines of their own. */
static int
emit_pair(struct emitter *e, const struct doc_pair *p, int in, struct err *err)
{
	const struct doc_node *k = p->key;
	bool scalar = k != NULL && doc_is_scalar(k), simple;
	struct scalar s;

	if (scalar) {
		scalar_prepare(&s, k, true);
		simple = !s.si.multiline && s.n <= MAX_SIMPLE_KEY &&
		    (s.is_str || s.n > 0);
	} else {
		simple = k == NULL ||
		    (k->kind == DOC_SEQ ? k->u.seq.n == 0 : k->u.map.n == 0);
	}
	if (!simple)
		write_indicator(e, "?", true, false, true);
	if (scalar && (s.is_str || s.n > 0))
		scalar_write(e, &s, in, simple ? CTX_KEY : CTX_MAP);
	else if (!scalar &&
	    emit_node(e, k, in, simple ? CTX_KEY : CTX_MAP, err) == -1)
		return -1;
	if (simple) {
		write_indicator(e, ":", false, false, false);
	} else {
		write_indent(e, in);
		write_indicator(e, ":", true, false, true);
	}
	return emit_node(e, p->value, in, CTX_MAP, err);
}

static int
emit_map(struct emitter *e, const struct doc_node *n, int indent,
    struct err *err)
{
	int in = indent < 0 ? 0 : indent + INDENT;

	if (n->u.map.n == 0) {
		write_empty(e, "{", "}");
		return 0;
	}
	for (size_t i = 0; i < n->u.map.n; i++) {
		write_indent(e, in);
		if (emit_pair(e, &n->u.map.items[i], in, err) == -1)
			return -1;
	}
	return 0;
}

static int
emit_node(struct emitter *e, const struct doc_node *n, int indent, enum ctx ctx,
    struct err *err)
{
	struct scalar s;
	int rv = 0;

	if (e->out->failed)
		return 0; /* buf_check() reports it */
	if (n == NULL) {
		write_plain(e, "null", 4, indent);
		return 0;
	}
	if (++e->depth > MAX_EMIT_DEPTH)
		return err_set(err, ERR_LIMIT, "yaml nesting deeper than %d",
		    MAX_EMIT_DEPTH);
	if (n->kind == DOC_SEQ) {
		rv = emit_seq(e, n, indent, ctx, err);
	} else if (n->kind == DOC_MAP) {
		rv = emit_map(e, n, indent, err);
	} else {
		scalar_prepare(&s, n, false);
		scalar_write(e, &s, indent, ctx);
	}
	e->depth--;
	return rv;
}

int
doc_emit_yaml(struct buf *out, const struct doc_node *node, struct err *err)
{
	return doc_emit_yaml_flags(out, node, 0, err);
}

int
doc_emit_yaml_flags(struct buf *out, const struct doc_node *node,
    unsigned flags, struct err *err)
{
	struct emitter e = { out, 0, true, true, false,
		(flags & DOC_YAML_V3) != 0, 0 };

	if (emit_node(&e, node, -1, CTX_ROOT, err) == -1)
		return -1;
	write_indent(&e, -1); /* the document's last line break */
	buf_terminate(out);
	return buf_check(out, err);
}

int
doc_emit_yaml_stream(struct buf *out, const struct doc *d, struct err *err)
{
	for (size_t i = 0; i < doc_count(d); i++) {
		if (i > 0)
			buf_puts(out, "---\n");
		if (doc_emit_yaml(out, doc_root(d, i), err) == -1)
			return -1;
	}
	return buf_check(out, err);
}
