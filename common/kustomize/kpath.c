/*
 * kyaml's dotted field paths, as vars and replacements use them:
 * "spec.template.spec.containers.[name=app].image", "spec.ports.0.port",
 * "spec.ports[0].port", "data.[key.with.dots]", "*". A lookup follows
 * one path exactly (kyaml's PathGetter); a match finds every node a path
 * reaches, list selectors being regexes there, and can create what is
 * missing (kyaml's PathMatcher).
 */
#include "kustomize/kz_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

static bool
is_index(const char *p)
{
	if (*p == '\0')
		return false;
	for (; *p != '\0'; p++)
		if (!isdigit((unsigned char)*p))
			return false;
	return true;
}

static bool
is_list_index(const char *p)
{
	size_t n = strlen(p);

	return n >= 2 && p[0] == '[' && p[n - 1] == ']';
}

/* "ports[0]" -> "ports", "0" (kyaml's convertSliceIndex). */
static void
push_part(struct kz_vec *v, struct arena *a, const char *s, bool slices)
{
	size_t n = strlen(s), i;

	if (slices && n > 2 && s[n - 1] == ']') {
		for (i = n - 1; i > 0 && isdigit((unsigned char)s[i - 1]); i--)
			;
		if (i > 0 && i < n - 1 && s[i - 1] == '[') {
			if (i > 1)
				kz_vec_push(a, v, arena_strndup(a, s, i - 1));
			kz_vec_push(a, v, arena_strndup(a, s + i, n - 1 - i));
			return;
		}
	}
	kz_vec_push(a, v, kz_unconst(s));
}

size_t
kz_kpath_split(const char ***out, struct arena *a, const char *path,
    bool slices)
{
	const char **raw;
	size_t n = kz_path_split_on(&raw, a, path, '.');
	struct kz_vec v = { 0 };

	for (size_t i = 0; i < n; i++) {
		const char *e = raw[i];
		size_t j = i;
		char *joined;

		if (e[0] != '[' || e[strlen(e) - 1] == ']') {
			push_part(&v, a, e, slices);
			continue;
		}
		/* "[a.b.c]" was split at its dots: join it again */
		joined = arena_strdup(a, e);
		while (j + 1 < n) {
			j++;
			joined = arena_printf(a, "%s.%s", joined, raw[j]);
			if (raw[j][strlen(raw[j]) - 1] == ']')
				break;
		}
		i = j;
		if (strchr(joined, '=') == NULL) {
			joined[strlen(joined) - 1] = '\0';
			joined++;
		}
		kz_vec_push(a, &v, joined);
	}
	*out = arena_calloc(a, v.n > 0 ? v.n : 1, sizeof(**out));
	for (size_t i = 0; i < v.n; i++)
		(*out)[i] = v.v[i];
	return v.n;
}

/* ---- lookups ------------------------------------------------------------ */

/* "[key=value]": the first map item whose key's text is value. */
static struct doc_node *
find_item(struct doc_node *seq, const char *part, struct arena *a)
{
	const char *eq = strchr(part, '=');
	char *key;
	const char *value;

	if (seq->kind != DOC_SEQ || eq == NULL)
		return NULL;
	key = arena_strndup(a, part + 1, (size_t)(eq - part - 1));
	value = arena_strndup(a, eq + 1, strlen(eq + 1) - 1);
	for (size_t i = 0; i < seq->u.seq.n; i++) {
		struct doc_node *it = seq->u.seq.items[i];
		const struct doc_node *f;

		if (key[0] == '\0') {
			if (doc_is_scalar(it) &&
			    strcmp(doc_str(it), value) == 0)
				return it;
			continue;
		}
		f = doc_map_get(it, key);
		if (f != NULL && doc_is_scalar(f) &&
		    strcmp(doc_str(f), value) == 0)
			return it;
	}
	return NULL;
}

/* One step of a lookup: an index ("-" is the last item), a "[k=v]"
 * item, or a field. */
static struct doc_node *
lookup_step(struct doc_node *n, const char *p, struct arena *a)
{
	size_t idx;

	if (!is_index(p) && strcmp(p, "-") != 0)
		return is_list_index(p)  ? find_item(n, p, a)
		    : n->kind == DOC_MAP ? doc_map_get(n, p)
		                         : NULL;
	if (n->kind != DOC_SEQ || n->u.seq.n == 0)
		return NULL;
	idx = strcmp(p, "-") == 0 ? n->u.seq.n - 1
	                          : (size_t)strtoul(p, NULL, 10);
	return idx < n->u.seq.n ? n->u.seq.items[idx] : NULL;
}

struct doc_node *
kz_kpath_lookup(struct doc_node *n, const char *const *parts, size_t nparts,
    struct arena *a)
{
	for (size_t i = 0; i < nparts && n != NULL; i++)
		if (parts[i][0] != '\0')
			n = lookup_step(n, parts[i], a);
	return n;
}

/* ---- matches ------------------------------------------------------------- */

struct matcher {
	struct arena *a;
	const char *const *parts;
	size_t nparts;
	enum kz_create create;
	struct kz_vec *out; /* struct doc_node ** slots */
	struct err *err;
};

static int match_at(struct matcher *m, struct doc_node **slot, size_t i);

static struct doc_node *
node_of(struct arena *a, enum kz_create k)
{
	switch (k) {
	case KZ_CREATE_MAP:
		return doc_new_map(a);
	case KZ_CREATE_SEQ:
		return doc_new_seq(a);
	default:
		return doc_new_null(a);
	}
}

/* The kind of what part i needs to be made of, as kyaml decides. */
static enum kz_create
part_kind(const struct matcher *m, size_t i)
{
	const char *next = i + 1 < m->nparts ? m->parts[i + 1] : "";

	if (is_list_index(next) || is_index(next))
		return KZ_CREATE_SEQ;
	if (next[0] == '\0')
		return m->create;
	return KZ_CREATE_MAP;
}

static int
match_field(struct matcher *m, struct doc_node *n, size_t i)
{
	const char *p = m->parts[i];

	if (n->kind != DOC_MAP)
		return err_set(m->err, ERR_INVALID,
		    "line %u: expected a map at '%s'", n->line, p);
	for (size_t j = 0; j < n->u.map.n; j++)
		if (strcmp(doc_str(n->u.map.items[j].key), p) == 0)
			return match_at(m, &n->u.map.items[j].value, i + 1);
	if (m->create == KZ_CREATE_NONE)
		return 0;
	doc_map_set(m->a, n, p, strlen(p), node_of(m->a, part_kind(m, i)));
	return match_at(m, &n->u.map.items[n->u.map.n - 1].value, i + 1);
}

static int
match_index(struct matcher *m, struct doc_node *n, size_t i)
{
	size_t idx = (size_t)strtoul(m->parts[i], NULL, 10);

	if (n->kind != DOC_SEQ)
		return err_set(m->err, ERR_INVALID,
		    "line %u: expected a list at '%s'", n->line, m->parts[i]);
	if (idx == n->u.seq.n && m->create != KZ_CREATE_NONE)
		doc_seq_append(m->a, n, node_of(m->a, part_kind(m, i)));
	if (idx >= n->u.seq.n)
		return err_set(m->err, ERR_INVALID,
		    "index %zu specified but only %zu elements found", idx,
		    n->u.seq.n);
	return match_at(m, &n->u.seq.items[idx], i + 1);
}

/* "[key=regex]": every item whose key matches (unanchored, as kyaml). */
static int
match_items(struct matcher *m, struct doc_node *n, size_t i)
{
	const char *p = m->parts[i], *eq = strchr(p, '=');
	char *key, *rx;
	size_t before = m->out->n;

	if (eq == NULL)
		return err_set(m->err, ERR_INVALID,
		    "list path element must contain fieldName=fieldValue for "
		    "element to match");
	if (n->kind != DOC_SEQ)
		return err_set(m->err, ERR_INVALID,
		    "line %u: expected a list at '%s'", n->line, p);
	key = arena_strndup(m->a, p + 1, (size_t)(eq - p - 1));
	rx = arena_strndup(m->a, eq + 1, strlen(eq + 1) - 1);
	for (size_t j = 0; j < n->u.seq.n; j++) {
		struct doc_node **it = &n->u.seq.items[j];
		const struct doc_node *f = key[0] == '\0'
		    ? *it
		    : doc_map_get(*it, key);
		bool hit;

		if (f == NULL || !doc_is_scalar(f))
			continue;
		if (kz_regex_search(&hit, rx, doc_str(f), m->err) == -1)
			return -1;
		if (hit && match_at(m, it, i + 1) == -1)
			return -1;
	}
	if (m->out->n > before || m->create == KZ_CREATE_NONE)
		return 0;
	if (key[0] == '\0') {
		doc_seq_append(m->a, n, doc_new_plain(m->a, rx, strlen(rx)));
	} else {
		struct doc_node *item = doc_new_map(m->a);

		doc_map_set(m->a, item, key, strlen(key),
		    doc_new_plain(m->a, rx, strlen(rx)));
		doc_seq_append(m->a, n, item);
	}
	return match_items(m, n, i);
}

static int
match_at(struct matcher *m, struct doc_node **slot, size_t i)
{
	struct doc_node *n = *slot;
	const char *p;

	while (i < m->nparts && m->parts[i][0] == '\0')
		i++;
	if (i == m->nparts) {
		kz_vec_push(m->a, m->out, slot);
		return 0;
	}
	if (n == NULL)
		return 0;
	p = m->parts[i];
	if (is_index(p))
		return match_index(m, n, i);
	if (is_list_index(p))
		return match_items(m, n, i);
	if (strcmp(p, "*") == 0) {
		if (n->kind != DOC_SEQ)
			return err_set(m->err, ERR_INVALID,
			    "line %u: '*' needs a list", n->line);
		for (size_t j = 0; j < n->u.seq.n; j++)
			if (match_at(m, &n->u.seq.items[j], i + 1) == -1)
				return -1;
		return 0;
	}
	if (n->kind == DOC_NULL && m->create != KZ_CREATE_NONE)
		*n = *doc_new_map(m->a);
	return match_field(m, n, i);
}

int
kz_kpath_match(struct kz_vec *out, struct arena *a, struct doc_node **root,
    const char *const *parts, size_t nparts, enum kz_create create,
    struct err *err)
{
	struct matcher m = { a, parts, nparts, create, out, err };

	return match_at(&m, root, 0);
}
