/*
 * Template sets: the named templates a rendering can call, as Go's
 * *template.Template namespace keeps them. A file's parse adds its own
 * tree and its definitions at once, or nothing when it fails. tpl parses
 * into an overlay that falls back to the set it was called from.
 */
#include "template/template.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "template/tmpl_int.h"

static bool
text_is_blank(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i] != ' ' && p[i] != '\t' && p[i] != '\r' &&
		    p[i] != '\n' && p[i] != '\v' && p[i] != '\f')
			return false;
	return true;
}

bool
tree_is_empty(const struct tree *t)
{
	const struct node *root = t->root;

	if (root == NULL)
		return true;
	for (size_t i = 0; i < root->u.list.n; i++) {
		const struct node *n = root->u.list.items[i];

		if (n->type != N_TEXT ||
		    !text_is_blank(n->u.text.p, n->u.text.n))
			return false;
	}
	return true;
}

static size_t
name_hash(const char *p, size_t n)
{
	size_t h = 14695981039346656037u;

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)p[i]) * 1099511628211u;
	return h;
}

static struct set_entry *
slot(const struct tmpl_set *s, const char *name, size_t n)
{
	size_t mask = s->cap - 1, i = name_hash(name, n) & mask;

	for (;; i = (i + 1) & mask) {
		struct set_entry *e = &s->tab[i];

		if (e->name == NULL ||
		    (strncmp(e->name, name, n) == 0 && e->name[n] == '\0'))
			return e;
	}
}

static void
grow(struct tmpl_set *s)
{
	struct set_entry *old = s->tab;
	size_t oldcap = s->cap;

	s->cap = oldcap == 0 ? 16 : oldcap * 2;
	s->tab = xcalloc(s->cap, sizeof(*s->tab));
	for (size_t i = 0; i < oldcap; i++)
		if (old[i].name != NULL)
			*slot(s, old[i].name, strlen(old[i].name)) = old[i];
	free(old);
}

/* Go's associate(): a new empty tree never replaces a defined one. */
static void
set_add(struct tmpl_set *s, struct tree *t)
{
	struct set_entry *e;

	if ((s->n + 1) * 4 > s->cap * 3)
		grow(s);
	e = slot(s, t->name, strlen(t->name));
	if (e->name != NULL) {
		if (!tree_is_empty(t) || e->tree->root == NULL)
			e->tree = t;
		return;
	}
	e->name = t->name;
	e->tree = t;
	s->n++;
}

const struct tree *
set_lookup(const struct tmpl_set *s, const char *name, size_t n)
{
	for (; s != NULL; s = s->parent) {
		const struct set_entry *e;

		if (s->cap == 0)
			continue;
		e = slot(s, name, n);
		if (e->name != NULL)
			return e->tree;
	}
	return NULL;
}

int
set_parse(struct tmpl_set *s, const char *name, const char *text, size_t len,
    struct err *err)
{
	struct tree **trees = NULL;
	size_t ntrees = 0;
	char *copy = arena_strndup(s->arena, text, len);
	const char *nm = arena_strdup(s->arena, name);

	if (parse_text(&trees, &ntrees, s->arena, nm, copy, len, err) == -1)
		return -1;
	for (size_t i = 0; i < ntrees; i++)
		set_add(s, trees[i]);
	free(trees);
	return 0;
}

void
set_init_overlay(struct tmpl_set *s, const struct tmpl_set *parent,
    struct arena *a)
{
	memset(s, 0, sizeof(*s));
	s->arena = a;
	s->parent = parent;
}

void
set_release_overlay(struct tmpl_set *s)
{
	free(s->tab);
	s->tab = NULL;
	s->cap = s->n = 0;
}

struct tmpl_set *
tmpl_set_new(void)
{
	struct tmpl_set *s = xcalloc(1, sizeof(*s));

	s->arena = arena_new();
	s->own_arena = true;
	return s;
}

void
tmpl_set_free(struct tmpl_set *s)
{
	if (s == NULL)
		return;
	if (s->own_arena)
		arena_free(s->arena);
	free(s->tab);
	free(s);
}

int
tmpl_set_parse(struct tmpl_set *s, const char *name, const char *text,
    size_t len, struct err *err)
{
	return set_parse(s, name, text, len, err);
}

bool
tmpl_set_has(const struct tmpl_set *s, const char *name)
{
	return set_lookup(s, name, strlen(name)) != NULL;
}

size_t
tmpl_set_count(const struct tmpl_set *s)
{
	return s->n;
}
