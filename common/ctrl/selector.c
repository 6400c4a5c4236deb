/*
 * Equality-based label selectors ("app=web,tier!=db,canary,!legacy"),
 * parsed as apimachinery's labels.Parse reads them, for filtering the
 * informer's cache. Set-based terms ("env in (a,b)") are refused rather
 * than misread.
 */
#include "ctrl/ctrl_int.h"

#include <ctype.h>
#include <string.h>

static bool
key_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_' ||
	    c == '/';
}

static bool
value_char(char c)
{
	return isalnum((unsigned char)c) || c == '.' || c == '-' || c == '_';
}

/* p..end without surrounding blanks, as an arena string. */
static char *
trimmed(struct arena *a, const char *p, const char *end)
{
	while (p < end && isspace((unsigned char)*p))
		p++;
	while (end > p && isspace((unsigned char)end[-1]))
		end--;
	return arena_strndup(a, p, (size_t)(end - p));
}

static bool
all_of(const char *s, bool (*ok)(char))
{
	for (; *s != '\0'; s++)
		if (!ok(*s))
			return false;
	return true;
}

/* Splits "key<op>value" at the operator. */
static int
term_split(struct selector_req *r, struct arena *a, const char *t,
    struct err *err)
{
	const char *op = strpbrk(t, "!=");
	size_t oplen = 1;

	if (t[0] == '!') {
		r->op = SEL_ABSENT;
		r->key = trimmed(a, t + 1, t + strlen(t));
		return 0;
	}
	if (op == NULL) {
		r->op = SEL_EXISTS;
		r->key = t;
		return 0;
	}
	if (op[0] == '!' && op[1] != '=')
		return err_set(err, ERR_INVALID, "bad operator in '%s'", t);
	r->op = op[0] == '!' ? SEL_NE : SEL_EQ;
	if (op[0] == '!' || op[1] == '=')
		oplen = 2;
	r->key = trimmed(a, t, op);
	r->value = trimmed(a, op + oplen, t + strlen(t));
	return 0;
}

static int
term_parse(struct selector_req *r, struct arena *a, const char *t,
    struct err *err)
{
	if (strchr(t, '(') != NULL || strstr(t, " in ") != NULL ||
	    strstr(t, " notin ") != NULL)
		return err_set(err, ERR_UNSUPPORTED,
		    "set-based selector term '%s'", t);
	if (term_split(r, a, t, err) == -1)
		return -1;
	if (r->key[0] == '\0' || !all_of(r->key, key_char))
		return err_set(err, ERR_INVALID, "bad label key in '%s'", t);
	if (r->value != NULL && !all_of(r->value, value_char))
		return err_set(err, ERR_INVALID, "bad label value in '%s'", t);
	return 0;
}

int
selector_parse(struct selector *out, struct arena *a, const char *s,
    struct err *err)
{
	size_t n = 1;
	const char *p;

	memset(out, 0, sizeof(*out));
	if (s == NULL || s[0] == '\0')
		return 0;
	for (p = s; *p != '\0'; p++)
		n += *p == ',';
	out->reqs = arena_calloc(a, n, sizeof(*out->reqs));
	for (p = s;; p++) {
		const char *end = strchr(p, ',');
		char *t;

		if (end == NULL)
			end = p + strlen(p);
		t = trimmed(a, p, end);
		if (t[0] == '\0')
			return err_set(err, ERR_INVALID,
			    "empty term in selector '%s'", s);
		if (term_parse(&out->reqs[out->n++], a, t, err) == -1)
			return err_wrap(err, "selector '%s'", s);
		if (*end == '\0')
			return 0;
		p = end;
	}
}

static bool
req_matches(const struct selector_req *r, const struct doc_node *labels)
{
	const char *v = doc_str(doc_map_get(labels, r->key));

	switch (r->op) {
	case SEL_EQ:
		return v != NULL && strcmp(v, r->value) == 0;
	case SEL_NE:
		return v == NULL || strcmp(v, r->value) != 0;
	case SEL_EXISTS:
		return v != NULL;
	case SEL_ABSENT:
		return v == NULL;
	}
	return false;
}

bool
selector_matches(const struct selector *sel, const struct doc_node *labels)
{
	for (size_t i = 0; i < sel->n; i++)
		if (!req_matches(&sel->reqs[i], labels))
			return false;
	return true;
}
