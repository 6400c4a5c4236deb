/*
 * The glob matcher behind ${v#g}, ${v##g}, ${v%g} and ${v%%g}.
 *
 * Flux carries a modified copy of Go's path.Match: '*' and '?' match '/'
 * too, a trailing '*' matches whatever is left, and a '*' commits to the
 * first place its following chunk matches (no full backtracking), so
 * "a*b" does not match "abab" via the last 'b' only when a later chunk
 * needs it. Errors in a pattern surface only where matching reaches
 * them. All of that decides which prefix is stripped, so it is kept.
 */
#include "envsubst/envsubst_int.h"

struct span {
	const char *p;
	size_t n;
};

static void
span_skip(struct span *s, size_t k)
{
	s->p += k;
	s->n -= k;
}

/* Splits off the next chunk: leading stars, then text up to the next star
 * outside a class. */
static bool
chunk_next(struct span *pat, struct span *chunk)
{
	bool star = false, inrange = false;
	size_t i;

	while (pat->n > 0 && pat->p[0] == '*') {
		span_skip(pat, 1);
		star = true;
	}
	for (i = 0; i < pat->n; i++) {
		if (pat->p[i] == '\\' && i + 1 < pat->n)
			i++;
		else if (pat->p[i] == '[')
			inrange = true;
		else if (pat->p[i] == ']')
			inrange = false;
		else if (pat->p[i] == '*' && !inrange)
			break;
	}
	chunk->p = pat->p;
	chunk->n = i;
	span_skip(pat, i);
	return star;
}

/* A possibly escaped character of a class; false for a bad pattern. */
static bool
class_char(struct span *chunk, uint32_t *r)
{
	size_t w;

	if (chunk->n == 0 || chunk->p[0] == '-' || chunk->p[0] == ']')
		return false;
	if (chunk->p[0] == '\\') {
		span_skip(chunk, 1);
		if (chunk->n == 0)
			return false;
	}
	w = envsubst_utf8_decode(r, chunk->p, chunk->n);
	if (*r == UC_ERROR && w == 1)
		return false;
	span_skip(chunk, w);
	return chunk->n > 0;
}

/* Matches the class at chunk (past its '[') against rune r. */
static enum envsubst_match
class_match(struct span *chunk, uint32_t r)
{
	bool negated = false, match = false;
	size_t nrange = 0;
	uint32_t lo, hi;

	if (chunk->n > 0 && chunk->p[0] == '^') {
		negated = true;
		span_skip(chunk, 1);
	}
	for (;;) {
		if (chunk->n > 0 && chunk->p[0] == ']' && nrange > 0) {
			span_skip(chunk, 1);
			break;
		}
		if (!class_char(chunk, &lo))
			return ENVSUBST_BADPATTERN;
		hi = lo;
		if (chunk->p[0] == '-') {
			span_skip(chunk, 1);
			if (!class_char(chunk, &hi))
				return ENVSUBST_BADPATTERN;
		}
		if (lo <= r && r <= hi)
			match = true;
		nrange++;
	}
	return match != negated ? ENVSUBST_MATCH : ENVSUBST_NOMATCH;
}

/* Consumes one byte of both when they are equal. */
static bool
literal_match(struct span *chunk, struct span *s)
{
	if (chunk->p[0] != s->p[0])
		return false;
	span_skip(chunk, 1);
	span_skip(s, 1);
	return true;
}

/* Matches one chunk (no stars) at the start of s; on a match *s is what
 * follows it. */
static enum envsubst_match
chunk_match(struct span chunk, struct span *s, struct envsubst_budget *b)
{
	enum envsubst_match m;
	uint32_t r;

	while (chunk.n > 0) {
		if (s->n == 0)
			return ENVSUBST_NOMATCH;
		if (!envsubst_budget_take(b, 1))
			return ENVSUBST_EXHAUSTED;
		switch (chunk.p[0]) {
		case '[':
			span_skip(s, envsubst_utf8_decode(&r, s->p, s->n));
			span_skip(&chunk, 1);
			if ((m = class_match(&chunk, r)) != ENVSUBST_MATCH)
				return m;
			break;
		case '?':
			span_skip(s, envsubst_utf8_decode(&r, s->p, s->n));
			span_skip(&chunk, 1);
			break;
		case '\\':
			span_skip(&chunk, 1);
			if (chunk.n == 0)
				return ENVSUBST_BADPATTERN;
			if (!literal_match(&chunk, s))
				return ENVSUBST_NOMATCH;
			break;
		default:
			if (!literal_match(&chunk, s))
				return ENVSUBST_NOMATCH;
		}
	}
	return ENVSUBST_MATCH;
}

/* After a star: the first place past the start where chunk matches (and,
 * for the last chunk, ends the name). */
static enum envsubst_match
star_match(struct span chunk, bool last, struct span *name,
    struct envsubst_budget *b)
{
	enum envsubst_match m;
	size_t i;

	for (i = 0; i < name->n; i++) {
		struct span t = { name->p + i + 1, name->n - i - 1 };

		m = chunk_match(chunk, &t, b);
		if (m == ENVSUBST_MATCH) {
			if (last && t.n > 0)
				continue;
			*name = t;
			return m;
		}
		if (m != ENVSUBST_NOMATCH)
			return m;
	}
	return ENVSUBST_NOMATCH;
}

enum envsubst_match
envsubst_glob_match(const char *pat, size_t pat_len, const char *name,
    size_t name_len, struct envsubst_budget *budget)
{
	struct span p = { pat, pat_len }, s = { name, name_len }, chunk, t;
	enum envsubst_match m;
	bool star;

	while (p.n > 0) {
		star = chunk_next(&p, &chunk);
		if (star && chunk.n == 0)
			return ENVSUBST_MATCH;
		t = s;
		m = chunk_match(chunk, &t, budget);
		if (m == ENVSUBST_MATCH && (t.n == 0 || p.n > 0)) {
			s = t;
			continue;
		}
		if (m == ENVSUBST_BADPATTERN || m == ENVSUBST_EXHAUSTED)
			return m;
		if (!star)
			return ENVSUBST_NOMATCH;
		m = star_match(chunk, p.n == 0, &s, budget);
		if (m != ENVSUBST_MATCH)
			return m;
	}
	return s.n == 0 ? ENVSUBST_MATCH : ENVSUBST_NOMATCH;
}
