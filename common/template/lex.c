/*
 * The template lexer: Go's text/template/parse lexer, token for token,
 * including its trim markers ("{{- " and " -}}"), comments that must
 * fill their action, and the way spaces become tokens inside actions.
 * The parser pulls one token at a time.
 */
#include "template/tmpl_int.h"

#include <stdio.h>
#include <string.h>

static bool
is_space(int c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Go's unicode.IsLetter/IsDigit plus '_'; bytes past ASCII count as
 * letters, so UTF-8 identifiers scan as one word. */
static bool
is_alnum(int c)
{
	return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	    (c >= '0' && c <= '9') || c >= 0x80;
}

static int
peek_at(const struct lexer *l, size_t pos)
{
	return pos < l->len ? (unsigned char)l->text[pos] : -1;
}

static bool
has_prefix_at(const struct lexer *l, size_t pos, const char *lit)
{
	size_t n = strlen(lit);

	return pos <= l->len && l->len - pos >= n &&
	    memcmp(l->text + pos, lit, n) == 0;
}

static bool
left_trim_at(const struct lexer *l, size_t pos)
{
	return peek_at(l, pos) == '-' && is_space(peek_at(l, pos + 1));
}

static bool
right_trim_at(const struct lexer *l, size_t pos)
{
	return is_space(peek_at(l, pos)) && peek_at(l, pos + 1) == '-';
}

/* At "}}", or at " -}}" (trim set). */
static bool
at_right_delim(const struct lexer *l, size_t pos, bool *trim)
{
	*trim = right_trim_at(l, pos) && has_prefix_at(l, pos + 2, "}}");
	return *trim || has_prefix_at(l, pos, "}}");
}

static void
count_lines(struct lexer *l, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (l->text[i] == '\n')
			l->line++;
}

static void
emit(struct lexer *l, struct token *t, enum tok_type type, size_t start)
{
	t->type = type;
	t->pos = (uint32_t)start;
	t->p = l->text + start;
	t->n = l->pos - start;
}

/* Reports msg; every later call returns the same error. */
static void
lex_error(struct lexer *l, struct token *t, const char *msg)
{
	(void)snprintf(l->errbuf, sizeof(l->errbuf), "%s", msg);
	t->type = T_ERROR;
	t->pos = (uint32_t)l->pos;
	t->line = l->line;
	t->p = l->errbuf;
	t->n = strlen(l->errbuf);
	l->failed = true;
}

void
lex_init(struct lexer *l, const char *text, size_t len)
{
	memset(l, 0, sizeof(*l));
	l->text = text;
	l->len = len;
	l->line = 1;
}

/* After "}}" (and " -}}"): back to text, trimming what follows. */
static void
lex_right_delim(struct lexer *l, struct token *t, bool trim)
{
	size_t start;

	if (trim)
		l->pos += 2;
	start = l->pos;
	l->pos += 2;
	t->line = l->line;
	emit(l, t, T_RIGHT, start);
	l->in_action = false;
	if (trim) {
		start = l->pos;
		while (l->pos < l->len && is_space(l->text[l->pos]))
			l->pos++;
		count_lines(l, start, l->pos);
	}
}

static void
lex_comment(struct lexer *l, struct token *t, size_t start)
{
	const char *end;
	bool trim;

	l->pos += 2; /* the slash and star */
	end = memmem(l->text + l->pos, l->len - l->pos, "*/", 2);
	if (end == NULL) {
		lex_error(l, t, "unclosed comment");
		return;
	}
	l->pos = (size_t)(end - l->text) + 2;
	if (!at_right_delim(l, l->pos, &trim)) {
		lex_error(l, t, "comment ends before closing delimiter");
		return;
	}
	t->line = l->line;
	emit(l, t, T_COMMENT, start);
	count_lines(l, start, l->pos);
	l->pos += trim ? 4 : 2;
	if (trim) {
		start = l->pos;
		while (l->pos < l->len && is_space(l->text[l->pos]))
			l->pos++;
		count_lines(l, start, l->pos);
	}
}

/* At "{{": an action starts, or a comment. */
static void
lex_left_delim(struct lexer *l, struct token *t)
{
	size_t start = l->pos, after;

	l->pos += 2;
	after = left_trim_at(l, l->pos) ? 2 : 0;
	if (has_prefix_at(l, l->pos + after, "/*")) {
		l->pos += after;
		lex_comment(l, t, start);
		return;
	}
	t->line = l->line;
	emit(l, t, T_LEFT, start);
	l->in_action = true;
	l->paren_depth = 0;
	l->pos += after;
}

static void
lex_text(struct lexer *l, struct token *t)
{
	size_t start = l->pos, end, textend;
	const char *x;

	x = memmem(l->text + l->pos, l->len - l->pos, "{{", 2);
	if (x == NULL) {
		l->pos = l->len;
		t->line = l->line;
		if (l->pos > start) {
			emit(l, t, T_TEXT, start);
			count_lines(l, start, l->pos);
		} else {
			emit(l, t, T_EOF, start);
		}
		return;
	}
	end = (size_t)(x - l->text);
	if (end == start) {
		lex_left_delim(l, t);
		return;
	}
	textend = end;
	if (left_trim_at(l, end + 2))
		while (textend > start && is_space(l->text[textend - 1]))
			textend--;
	t->line = l->line;
	l->pos = textend;
	emit(l, t, T_TEXT, start);
	count_lines(l, start, end);
	l->pos = end;
	if (textend == start) /* all trimmed away: no text token */
		lex_left_delim(l, t);
}

static bool
at_terminator(const struct lexer *l)
{
	int c = peek_at(l, l->pos);
	bool trim;

	if (c == -1 || is_space(c))
		return true;
	if (strchr(".,|:()", c) != NULL)
		return true;
	return at_right_delim(l, l->pos, &trim) && !trim;
}

static void
lex_space(struct lexer *l, struct token *t)
{
	size_t start = l->pos, n = 0;
	bool trim;

	while (l->pos < l->len && is_space(l->text[l->pos])) {
		l->pos++;
		n++;
	}
	/* " -}}": the last space belongs to the trim marker. */
	if (at_right_delim(l, l->pos - 1, &trim) && trim) {
		l->pos--;
		if (n == 1) {
			lex_right_delim(l, t, true);
			return;
		}
	}
	t->line = l->line;
	emit(l, t, T_SPACE, start);
	count_lines(l, start, l->pos);
}

static enum tok_type
keyword(const char *p, size_t n)
{
	static const struct {
		const char *w;
		enum tok_type t;
	} kw[] = {
		{ "block", T_BLOCK },
		{ "break", T_BREAK },
		{ "continue", T_CONTINUE },
		{ "define", T_DEFINE },
		{ "else", T_ELSE },
		{ "end", T_END },
		{ "false", T_BOOL },
		{ "if", T_IF },
		{ "nil", T_NIL },
		{ "range", T_RANGE },
		{ "template", T_TEMPLATE },
		{ "true", T_BOOL },
		{ "with", T_WITH },
	};

	for (size_t i = 0; i < sizeof(kw) / sizeof(kw[0]); i++)
		if (strlen(kw[i].w) == n && memcmp(kw[i].w, p, n) == 0)
			return kw[i].t;
	return T_IDENT;
}

static void
bad_char(struct lexer *l, struct token *t)
{
	char msg[64];
	int c = peek_at(l, l->pos);

	(void)snprintf(msg, sizeof(msg), "bad character U+%04X '%c'", c & 0xff,
	    c >= 0x20 && c < 0x7f ? c : '?');
	lex_error(l, t, msg);
}

/* ".name", "$name", or "." and "$" alone. */
static void
lex_field_or_var(struct lexer *l, struct token *t, enum tok_type type)
{
	size_t start = l->pos - 1;

	t->line = l->line;
	if (at_terminator(l)) {
		emit(l, t, type == T_VAR ? T_VAR : T_DOT, start);
		return;
	}
	while (l->pos < l->len && is_alnum((unsigned char)l->text[l->pos]))
		l->pos++;
	if (!at_terminator(l)) {
		bad_char(l, t);
		return;
	}
	emit(l, t, type, start);
}

static void
lex_identifier(struct lexer *l, struct token *t)
{
	size_t start = l->pos;

	while (l->pos < l->len && is_alnum((unsigned char)l->text[l->pos]))
		l->pos++;
	if (!at_terminator(l)) {
		bad_char(l, t);
		return;
	}
	t->line = l->line;
	emit(l, t, keyword(l->text + start, l->pos - start), start);
}

static bool
accept(struct lexer *l, const char *valid)
{
	int c = peek_at(l, l->pos);

	if (c > 0 && strchr(valid, c) != NULL) {
		l->pos++;
		return true;
	}
	return false;
}

static void
accept_run(struct lexer *l, const char *valid)
{
	while (accept(l, valid))
		;
}

/* Go's scanNumber: sign, base prefix, digits, fraction, exponent. */
static bool
scan_number(struct lexer *l)
{
	const char *digits = "0123456789_";

	accept(l, "+-");
	if (accept(l, "0")) {
		if (accept(l, "xX"))
			digits = "0123456789abcdefABCDEF_";
		else if (accept(l, "oO"))
			digits = "01234567_";
		else if (accept(l, "bB"))
			digits = "01_";
	}
	accept_run(l, digits);
	if (accept(l, "."))
		accept_run(l, digits);
	if (strlen(digits) == 11 && accept(l, "eE")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	if (strlen(digits) == 23 && accept(l, "pP")) {
		accept(l, "+-");
		accept_run(l, "0123456789_");
	}
	accept(l, "i");
	if (l->pos < l->len && is_alnum((unsigned char)l->text[l->pos])) {
		l->pos++;
		return false;
	}
	return true;
}

static void
lex_number(struct lexer *l, struct token *t)
{
	size_t start = l->pos;
	char msg[96];

	if (!scan_number(l) || accept(l, "+-")) {
		(void)snprintf(msg, sizeof(msg), "bad number syntax: \"%.*s\"",
		    (int)(l->pos - start > 40 ? 40 : l->pos - start),
		    l->text + start);
		lex_error(l, t, msg);
		return;
	}
	t->line = l->line;
	emit(l, t, T_NUMBER, start);
}

/* A quoted string or char constant; escapes are checked when parsed. */
static void
lex_quote(struct lexer *l, struct token *t, int q, enum tok_type type)
{
	size_t start = l->pos - 1;

	for (;;) {
		int c = peek_at(l, l->pos);

		if (c == '\\' && l->pos + 1 < l->len &&
		    l->text[l->pos + 1] != '\n') {
			l->pos += 2;
			continue;
		}
		if (c == -1 || c == '\n') {
			lex_error(l, t,
			    q == '"' ? "unterminated quoted string"
			             : "unterminated character constant");
			return;
		}
		l->pos++;
		if (c == q)
			break;
	}
	t->line = l->line;
	emit(l, t, type, start);
}

static void
lex_raw_quote(struct lexer *l, struct token *t)
{
	size_t start = l->pos - 1;
	const char *end = memchr(l->text + l->pos, '`', l->len - l->pos);

	if (end == NULL) {
		lex_error(l, t, "unterminated raw quoted string");
		return;
	}
	l->pos = (size_t)(end - l->text) + 1;
	t->line = l->line;
	emit(l, t, T_RAWSTRING, start);
	count_lines(l, start, l->pos);
}

static void
lex_punct(struct lexer *l, struct token *t, int c)
{
	char msg[64];

	switch (c) {
	case '=':
		emit(l, t, T_ASSIGN, l->pos - 1);
		return;
	case ':':
		if (peek_at(l, l->pos) != '=') {
			lex_error(l, t, "expected :=");
			return;
		}
		l->pos++;
		emit(l, t, T_DECLARE, l->pos - 2);
		return;
	case '|':
		emit(l, t, T_PIPE, l->pos - 1);
		return;
	case '(':
		l->paren_depth++;
		emit(l, t, T_LPAREN, l->pos - 1);
		return;
	case ')':
		if (--l->paren_depth < 0) {
			lex_error(l, t, "unexpected right paren");
			return;
		}
		emit(l, t, T_RPAREN, l->pos - 1);
		return;
	default:
		break;
	}
	if (c >= 0x20 && c < 0x7f) {
		emit(l, t, T_COMMA, l->pos - 1);
		return;
	}
	(void)snprintf(msg, sizeof(msg),
	    "unrecognized character in action: U+%04X", c);
	lex_error(l, t, msg);
}

static void
lex_inside_action(struct lexer *l, struct token *t)
{
	bool trim;
	int c, d;

	if (at_right_delim(l, l->pos, &trim)) {
		if (l->paren_depth == 0)
			lex_right_delim(l, t, trim);
		else
			lex_error(l, t, "unclosed left paren");
		return;
	}
	c = peek_at(l, l->pos);
	t->line = l->line;
	if (c == -1) {
		lex_error(l, t, "unclosed action");
		return;
	}
	if (is_space(c)) {
		lex_space(l, t);
		return;
	}
	l->pos++;
	d = peek_at(l, l->pos);
	if (c == '"' || c == '\'')
		lex_quote(l, t, c, c == '"' ? T_STRING : T_CHAR);
	else if (c == '`')
		lex_raw_quote(l, t);
	else if (c == '$')
		lex_field_or_var(l, t, T_VAR);
	else if (c == '.' && (d < '0' || d > '9'))
		lex_field_or_var(l, t, T_FIELD);
	else if (c == '.' || c == '+' || c == '-' || (c >= '0' && c <= '9')) {
		l->pos--;
		lex_number(l, t);
	} else if (is_alnum(c)) {
		l->pos--;
		lex_identifier(l, t);
	} else {
		lex_punct(l, t, c);
	}
}

void
lex_next(struct lexer *l, struct token *t)
{
	memset(t, 0, sizeof(*t));
	if (l->failed || (l->pos >= l->len && !l->in_action)) {
		t->type = l->failed ? T_ERROR : T_EOF;
		t->pos = (uint32_t)l->len;
		t->line = l->line;
		t->p = l->errbuf;
		t->n = strlen(l->errbuf);
		return;
	}
	if (l->in_action)
		lex_inside_action(l, t);
	else
		lex_text(l, t);
}
