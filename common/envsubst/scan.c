/*
 * The scanner of Flux's envsubst grammar (see envsubst_int.h for why it
 * copies the Go machine's behaviour, look-ahead quirks included).
 *
 * Go's scanner removes an escape character by splicing its string; here
 * the input stays untouched and the token is assembled from the runs
 * around the dropped bytes instead, which keeps scanning linear.
 */
#include "envsubst/envsubst_int.h"

void
envsubst_scan_init(struct scanner *s, const char *buf, size_t len)
{
	memset(s, 0, sizeof(*s));
	s->buf = buf;
	s->len = len;
	buf_init(&s->tok, len); /* a token never holds more than the input */
}

void
envsubst_scan_release(struct scanner *s)
{
	buf_release(&s->tok);
}

uint32_t
envsubst_scan_read(struct scanner *s)
{
	uint32_t r;

	if (s->pos >= s->len) {
		s->width = 0;
		return SCAN_EOF;
	}
	s->width = envsubst_utf8_decode(&r, s->buf + s->pos, s->len - s->pos);
	s->pos += s->width;
	return r;
}

void
envsubst_scan_unread(struct scanner *s)
{
	s->pos -= s->width;
}

uint32_t
envsubst_scan_peek(struct scanner *s)
{
	uint32_t r = envsubst_scan_read(s);

	envsubst_scan_unread(s);
	return r;
}

/* Reads past "${" when it comes next; otherwise steps back. */
static bool
scan_lbrack(struct scanner *s, uint32_t r)
{
	if ((s->mode & SCAN_LBRACK) == 0 || r != '$')
		return false;
	if (envsubst_scan_read(s) == '{')
		return true;
	envsubst_scan_unread(s);
	return false;
}

/* Whether r, just read, escapes the byte after it. */
static bool
scan_escaped(struct scanner *s, uint32_t r)
{
	uint32_t next;

	if ((s->mode & SCAN_ESCAPE) == 0)
		return false;
	if (r == '$' && (s->escapes & SCAN_ESC_DOLLAR) != 0 &&
	    envsubst_scan_peek(s) == '$')
		return true;
	if (r != '\\' || (s->escapes & SCAN_ESC_BACKSLASH) == 0)
		return false;
	next = envsubst_scan_peek(s);
	return next == '/' || next == '\\';
}

/* Drops the escape character just read and takes the (one-byte) character
 * it escapes into the token unchecked, as Go's splice does. */
static void
scan_skip(struct scanner *s)
{
	buf_append(&s->tok, s->buf + s->run, s->pos - 1 - s->run);
	s->escaped = true;
	s->run = s->pos;
	s->pos++;
}

static bool
scan_ident(struct scanner *s, uint32_t r)
{
	if ((s->mode & SCAN_IDENT) == 0)
		return false;
	buf_reset(&s->tok);
	s->escaped = false;
	s->run = s->start;
	if (scan_escaped(s, r))
		scan_skip(s);
	else if (!s->accept(r, s->pos - s->start))
		return false;
	for (;;) {
		r = envsubst_scan_read(s);
		if (r == SCAN_EOF) {
			envsubst_scan_unread(s);
			break;
		}
		if (scan_lbrack(s, r)) {
			envsubst_scan_unread(s);
			envsubst_scan_unread(s);
			break;
		}
		if (scan_escaped(s, r)) {
			scan_skip(s);
			continue;
		}
		if (!s->accept(r, s->pos - s->start)) {
			envsubst_scan_unread(s);
			break;
		}
	}
	if (s->escaped)
		buf_append(&s->tok, s->buf + s->run, s->pos - s->run);
	return true;
}

enum scan_token
envsubst_scan_next(struct scanner *s)
{
	uint32_t r;

	s->start = s->pos;
	s->escaped = false;
	r = envsubst_scan_read(s);
	if (r == SCAN_EOF)
		return TOK_EOF;
	if (scan_lbrack(s, r))
		return TOK_LBRACK;
	if ((s->mode & SCAN_RBRACK) != 0 && r == '}')
		return TOK_RBRACK;
	if (scan_ident(s, r))
		return TOK_IDENT;
	return TOK_ILLEGAL;
}

void
envsubst_scan_text(const struct scanner *s, const char **p, size_t *n)
{
	if (s->escaped) {
		*p = s->tok.data;
		*n = s->tok.len;
		return;
	}
	*p = s->buf + s->start;
	*n = s->pos - s->start;
}
