/*
 * YAML streams into the doc model, driven by libyaml's event parser.
 *
 * The event API, not libyaml's document loader: the loader builds a tree
 * of its own first, which costs twice the time and far more memory. Open
 * collections sit on a frame stack; their children on one scratch stack
 * that is copied into an exactly sized arena array when the collection
 * closes, so the arena holds no abandoned growth.
 *
 * An alias shares the anchored node (the tree becomes a DAG), so a
 * billion-laughs input costs no memory; it still counts the anchored
 * subtree's size against max_nodes and its height against max_depth, so
 * such input fails early with ERR_LIMIT. An anchor is registered only
 * when its node is complete, which rules out cycles. Semantics follow
 * go-yaml v3, which Kubernetes tools use: "<<" merges a map or a sequence
 * of maps (explicit keys win, then earlier maps), duplicate keys are an
 * error, and an explicit core tag decides a scalar's kind.
 */
#include "doc/doc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <yaml.h>

#include "core/mem.h"
#include "doc/doc_int.h"

#define SMALL_MAP  16 /* maps up to this size find duplicates by scanning */
#define CORE_TAG   "tag:yaml.org,2002:"
#define CORE_TAG_N (sizeof(CORE_TAG) - 1)

struct core_tag {
	const char *suffix;
	const char *short_name;
	enum doc_kind kind;
};

static const struct core_tag core_tags[] = {
	{ "str", "!!str", DOC_STR },
	{ "int", "!!int", DOC_INT },
	{ "float", "!!float", DOC_FLOAT },
	{ "bool", "!!bool", DOC_BOOL },
	{ "null", "!!null", DOC_NULL },
	{ "map", "!!map", DOC_MAP },
	{ "seq", "!!seq", DOC_SEQ },
	{ "binary", "!!binary", DOC_STR },
	{ "timestamp", "!!timestamp", DOC_STR },
	{ "merge", "!!merge", DOC_STR },
};

struct anchor {
	char *name; /* NULL marks a free slot */
	struct doc_node *node;
	size_t size;     /* nodes in the subtree, aliases expanded */
	size_t bytes;    /* scalar text in it, aliases expanded */
	unsigned height; /* collection levels in the subtree */
};

struct frame {
	struct doc_node *node; /* the open collection, kind set */
	size_t base;           /* its first child on the scratch stack */
	size_t count0;         /* node count before it opened */
	size_t bytes0;         /* text count before it opened */
	char *anchor;          /* owned copy, or NULL */
	unsigned height;       /* tallest child so far */
	bool merge;            /* a "<<" key was seen */
};

struct loader {
	yaml_parser_t parser;
	const char *text;
	struct arena *arena;
	struct doc_limits lim;
	struct frame *frames;
	size_t nframes, frames_cap;
	struct doc_node **kids;
	size_t nkids, kids_cap;
	struct anchor *anchors; /* open addressing, power-of-two size */
	size_t nanchors, anchors_cap;
	size_t nodes;       /* counted with alias expansion */
	bool last_key_wins; /* doc_parse_yaml_lenient() */
	size_t bytes;       /* scalar text, counted with alias expansion */
	struct doc_node *root;
	struct doc *doc;
};

/* ---- errors ------------------------------------------------------------ */

static int
fail_at(struct err *err, enum err_code code, yaml_mark_t mark, const char *what)
{
	return err_set(err, code, "line %zu, column %zu: %s", mark.line + 1,
	    mark.column + 1, what);
}

/* Line and column of a byte offset, for reader errors, which libyaml
 * reports by offset only. */
static yaml_mark_t
mark_of_offset(const char *text, size_t off)
{
	yaml_mark_t m = { off, 0, 0 };

	for (size_t i = 0; i < off; i++) {
		if (text[i] == '\n') {
			m.line++;
			m.column = 0;
		} else {
			m.column++;
		}
	}
	return m;
}

/* The libyaml adapter: its problem and context become our message. */
static int
err_yaml(struct err *err, const yaml_parser_t *p, const char *text)
{
	yaml_mark_t m = p->problem_mark;
	const char *problem = p->problem != NULL ? p->problem : "syntax error";

	if (p->error == YAML_MEMORY_ERROR)
		return err_set(err, ERR_LIMIT, "yaml parser out of memory");
	if (p->error == YAML_READER_ERROR)
		m = mark_of_offset(text, p->problem_offset);
	if (p->context == NULL || p->error == YAML_READER_ERROR)
		return fail_at(err, ERR_INVALID, m, problem);
	return err_set(err, ERR_INVALID,
	    "line %zu, column %zu: %s %s (line %zu, column %zu)", m.line + 1,
	    m.column + 1, problem, p->context, p->context_mark.line + 1,
	    p->context_mark.column + 1);
}

/* ---- anchors ----------------------------------------------------------- */

static size_t
hash_str(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ULL;
	return (size_t)(h ^ (h >> 29));
}

static struct anchor *
anchor_slot(struct anchor *tab, size_t cap, const char *name)
{
	size_t i = hash_str(name, strlen(name)) & (cap - 1);

	while (tab[i].name != NULL && strcmp(tab[i].name, name) != 0)
		i = (i + 1) & (cap - 1);
	return &tab[i];
}

static void
anchors_grow(struct loader *ld)
{
	size_t cap = ld->anchors_cap == 0 ? 16 : ld->anchors_cap * 2;
	struct anchor *tab = xcalloc(cap, sizeof(*tab));

	for (size_t i = 0; i < ld->anchors_cap; i++)
		if (ld->anchors[i].name != NULL)
			*anchor_slot(tab, cap,
			    ld->anchors[i].name) = ld->anchors[i];
	free(ld->anchors);
	ld->anchors = tab;
	ld->anchors_cap = cap;
}

/* Registers a complete node (a.name is taken over); a later anchor of
 * the same name wins, as YAML says. */
static void
anchor_put(struct loader *ld, struct anchor a)
{
	struct anchor *slot;

	if (2 * (ld->nanchors + 1) > ld->anchors_cap)
		anchors_grow(ld);
	slot = anchor_slot(ld->anchors, ld->anchors_cap, a.name);
	if (slot->name != NULL)
		free(slot->name);
	else
		ld->nanchors++;
	*slot = a;
}

static const struct anchor *
anchor_find(const struct loader *ld, const char *name)
{
	const struct anchor *a;

	if (ld->anchors_cap == 0)
		return NULL;
	a = anchor_slot(ld->anchors, ld->anchors_cap, name);
	return a->name != NULL ? a : NULL;
}

/* Anchors are scoped to their document. */
static void
anchors_reset(struct loader *ld)
{
	for (size_t i = 0; i < ld->anchors_cap; i++)
		free(ld->anchors[i].name);
	free(ld->anchors);
	ld->anchors = NULL;
	ld->anchors_cap = ld->nanchors = 0;
}

/* ---- building ---------------------------------------------------------- */

/*
 * Counts n nodes holding text bytes of scalar text. Both count what
 * aliases expand to: the nodes against max_nodes, the text against
 * max_bytes, which text without aliases can never pass; so a small input
 * cannot stand for a huge tree or a huge output.
 */
static int
count_nodes(struct loader *ld, size_t n, size_t bytes, yaml_mark_t mark,
    struct err *err)
{
	if (n > ld->lim.max_nodes - ld->nodes)
		return err_set(err, ERR_LIMIT,
		    "line %zu, column %zu: more than %zu nodes (aliases expanded)",
		    mark.line + 1, mark.column + 1, ld->lim.max_nodes);
	if (bytes > ld->lim.max_bytes - ld->bytes)
		return err_set(err, ERR_LIMIT,
		    "line %zu, column %zu: aliases expand the text past %zu bytes",
		    mark.line + 1, mark.column + 1, ld->lim.max_bytes);
	ld->nodes += n;
	ld->bytes += bytes;
	return 0;
}

static uint32_t
pos32(size_t v)
{
	return v + 1 > UINT32_MAX ? UINT32_MAX : (uint32_t)(v + 1);
}

/* A collection node; a scalar comes from scalar_new(). */
static struct doc_node *
node_new(struct loader *ld, enum doc_kind kind, yaml_mark_t mark)
{
	struct doc_node *n = arena_alloc(ld->arena, sizeof(*n));

	*n = (struct doc_node){ .kind = (uint8_t)kind,
		.line = pos32(mark.line),
		.col = pos32(mark.column) };
	return n;
}

static bool
is_merge_key(const struct doc_node *k)
{
	return k->kind == DOC_STR && k->style == DOC_STYLE_PLAIN &&
	    k->u.str.len == 2 && memcmp(k->u.str.ptr, "<<", 2) == 0 &&
	    (k->tag == NULL || strcmp(k->tag, "!!merge") == 0);
}

/* Hands a finished node (of the given height) to its parent, or makes it
 * the document's root. */
static void
attach(struct loader *ld, struct doc_node *n, unsigned height)
{
	struct frame *f;

	if (ld->nframes == 0) {
		ld->root = n;
		return;
	}
	f = &ld->frames[ld->nframes - 1];
	if (height > f->height)
		f->height = height;
	if (f->node->kind == DOC_MAP && (ld->nkids - f->base) % 2 == 0 &&
	    is_merge_key(n))
		f->merge = true;
	if (ld->nkids == ld->kids_cap) {
		ld->kids_cap = ld->kids_cap == 0 ? 256 : ld->kids_cap * 2;
		ld->kids = xreallocarray(ld->kids, ld->kids_cap,
		    sizeof(struct doc_node *));
	}
	ld->kids[ld->nkids++] = n;
}

/* ---- tags ------------------------------------------------------------ */

/* The core schema tag behind a full tag, or NULL for any other tag. */
static const struct core_tag *
core_tag_find(const char *tag)
{
	if (strncmp(tag, CORE_TAG, CORE_TAG_N) != 0)
		return NULL;
	for (size_t i = 0; i < sizeof(core_tags) / sizeof(core_tags[0]); i++)
		if (strcmp(tag + CORE_TAG_N, core_tags[i].suffix) == 0)
			return &core_tags[i];
	return NULL;
}

/* Tags are kept short, as written: "!!str", "!!set", "!foo". */
static const char *
tag_copy(struct loader *ld, const char *tag)
{
	if (strncmp(tag, CORE_TAG, CORE_TAG_N) == 0)
		return arena_printf(ld->arena, "!!%s", tag + CORE_TAG_N);
	return arena_strdup(ld->arena, tag);
}

/* ---- scalars ----------------------------------------------------------- */

static enum doc_style
scalar_style(yaml_scalar_style_t s)
{
	switch (s) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		return DOC_STYLE_SINGLE;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		return DOC_STYLE_DOUBLE;
	case YAML_LITERAL_SCALAR_STYLE:
		return DOC_STYLE_LITERAL;
	case YAML_FOLDED_SCALAR_STYLE:
		return DOC_STYLE_FOLDED;
	default:
		return DOC_STYLE_PLAIN;
	}
}

/* Checks that an explicitly tagged scalar's text is of its kind, as
 * go-yaml does when it decodes; !!float takes integers too. */
static int
check_tagged(const struct doc_node *n, yaml_mark_t mark, struct err *err)
{
	enum doc_kind k = doc_resolve_plain(n->u.str.ptr, n->u.str.len);

	if (k == n->kind || (n->kind == DOC_FLOAT && k == DOC_INT))
		return 0;
	return err_set(err, ERR_INVALID,
	    "line %zu, column %zu: cannot decode '%.64s' as %s", mark.line + 1,
	    mark.column + 1, n->u.str.ptr, n->tag);
}

/* Sets kind and tag from the event's tag and style. */
static int
scalar_kind(struct loader *ld, struct doc_node *n, const yaml_event_t *ev,
    struct err *err)
{
	const char *tag = (const char *)ev->data.scalar.tag;
	const struct core_tag *ct;

	if (tag == NULL || strcmp(tag, "!") == 0) {
		n->tag = tag != NULL ? "!" : NULL;
		n->kind = n->style == DOC_STYLE_PLAIN && tag == NULL
		    ? (uint8_t)doc_resolve_plain(n->u.str.ptr, n->u.str.len)
		    : DOC_STR;
		return 0;
	}
	if ((ct = core_tag_find(tag)) == NULL) {
		n->tag = tag_copy(ld, tag);
		n->kind = DOC_STR; /* unknown tags keep the text, as go-yaml */
		return 0;
	}
	n->tag = ct->short_name;
	if (ct->kind == DOC_SEQ || ct->kind == DOC_MAP)
		return fail_at(err, ERR_INVALID, ev->start_mark,
		    "a scalar cannot have a collection tag");
	n->kind = (uint8_t)ct->kind;
	return n->kind == DOC_STR ? 0 : check_tagged(n, ev->start_mark, err);
}

/* The node and its text in one allocation: scalars are most nodes. */
static struct doc_node *
scalar_new(struct loader *ld, const yaml_event_t *ev)
{
	size_t len = ev->data.scalar.length;
	struct doc_node *n = arena_alloc(ld->arena, sizeof(*n) + len + 1);
	char *text = (char *)(n + 1);

	memcpy(text, ev->data.scalar.value, len);
	text[len] = '\0';
	*n = (struct doc_node){ .kind = DOC_STR,
		.style = (uint8_t)scalar_style(ev->data.scalar.style),
		.line = pos32(ev->start_mark.line),
		.col = pos32(ev->start_mark.column),
		.u.str = { text, len } };
	return n;
}

static int
on_scalar(struct loader *ld, const yaml_event_t *ev, struct err *err)
{
	const char *anchor = (const char *)ev->data.scalar.anchor;
	struct doc_node *n;

	if (count_nodes(ld, 1, ev->data.scalar.length, ev->start_mark, err) ==
	    -1)
		return -1;
	n = scalar_new(ld, ev);
	if (scalar_kind(ld, n, ev, err) == -1)
		return -1;
	if (anchor != NULL)
		anchor_put(ld,
		    (struct anchor){ xstrdup(anchor), n, 1, n->u.str.len, 0 });
	attach(ld, n, 0);
	return 0;
}

/* Whether name anchors a collection still open: an alias to it would
 * make a cycle. */
static bool
anchor_open(const struct loader *ld, const char *name)
{
	for (size_t i = 0; i < ld->nframes; i++)
		if (ld->frames[i].anchor != NULL &&
		    strcmp(ld->frames[i].anchor, name) == 0)
			return true;
	return false;
}

static int
on_alias(struct loader *ld, const yaml_event_t *ev, struct err *err)
{
	const char *name = (const char *)ev->data.alias.anchor;
	const struct anchor *a = anchor_find(ld, name);

	if (a == NULL)
		return err_set(err, ERR_INVALID,
		    "line %zu, column %zu: %s anchor '%.64s' referenced",
		    ev->start_mark.line + 1, ev->start_mark.column + 1,
		    anchor_open(ld, name) ? "self-containing" : "unknown",
		    name);
	if (ld->nframes + a->height > ld->lim.max_depth)
		return err_set(err, ERR_LIMIT,
		    "line %zu, column %zu: alias '%.64s' nests deeper than %u",
		    ev->start_mark.line + 1, ev->start_mark.column + 1, name,
		    ld->lim.max_depth);
	if (count_nodes(ld, a->size, a->bytes, ev->start_mark, err) == -1)
		return -1;
	attach(ld, a->node, a->height);
	return 0;
}

/* ---- collections ------------------------------------------------------- */

static int
collection_tag(struct loader *ld, struct doc_node *n, const char *tag,
    yaml_mark_t mark, struct err *err)
{
	const struct core_tag *ct;

	if (tag == NULL || strcmp(tag, "!") == 0)
		return 0;
	if ((ct = core_tag_find(tag)) == NULL) {
		n->tag = tag_copy(ld, tag);
		return 0;
	}
	if (ct->kind != n->kind)
		return err_set(err, ERR_INVALID,
		    "line %zu, column %zu: a %s cannot have tag %s",
		    mark.line + 1, mark.column + 1,
		    n->kind == DOC_MAP ? "mapping" : "sequence",
		    ct->short_name);
	n->tag = ct->short_name;
	return 0;
}

static int
on_start(struct loader *ld, const yaml_event_t *ev, enum doc_kind kind,
    struct err *err)
{
	bool map = kind == DOC_MAP;
	const char *tag = (const char *)(map ? ev->data.mapping_start.tag
	                                     : ev->data.sequence_start.tag);
	const char *anchor = (const char *)(map
	        ? ev->data.mapping_start.anchor
	        : ev->data.sequence_start.anchor);
	bool flow = map
	    ? ev->data.mapping_start.style == YAML_FLOW_MAPPING_STYLE
	    : ev->data.sequence_start.style == YAML_FLOW_SEQUENCE_STYLE;
	struct doc_node *n;
	struct frame *f;

	if (ld->nframes >= ld->lim.max_depth)
		return fail_at(err, ERR_LIMIT, ev->start_mark,
		    "nesting deeper than the depth limit");
	if (count_nodes(ld, 1, 0, ev->start_mark, err) == -1)
		return -1;
	n = node_new(ld, kind, ev->start_mark);
	n->style = flow ? DOC_STYLE_FLOW : DOC_STYLE_ANY;
	if (collection_tag(ld, n, tag, ev->start_mark, err) == -1)
		return -1;
	if (ld->nframes == ld->frames_cap) {
		ld->frames_cap = ld->frames_cap == 0 ? 32 : ld->frames_cap * 2;
		ld->frames = xreallocarray(ld->frames, ld->frames_cap,
		    sizeof(*ld->frames));
	}
	f = &ld->frames[ld->nframes++];
	*f = (struct frame){ .node = n,
		.base = ld->nkids,
		.count0 = ld->nodes - 1,
		.bytes0 = ld->bytes };
	if (anchor != NULL)
		f->anchor = xstrdup(anchor);
	return 0;
}

static void
seq_close(struct loader *ld, struct frame *f)
{
	struct doc_node *n = f->node;
	size_t cnt = ld->nkids - f->base;

	if (cnt == 0)
		return;
	n->u.seq.items = arena_alloc(ld->arena,
	    cnt * sizeof(struct doc_node *));
	memcpy(n->u.seq.items, ld->kids + f->base,
	    cnt * sizeof(struct doc_node *));
	n->u.seq.n = n->u.seq.cap = cnt;
}

/* Scalar keys are the same when their text is, whatever their kinds: the
 * model looks keys up by text (doc_map_find()), so 1 and "1" collide. */
static bool
key_same(const struct doc_node *a, const struct doc_node *b)
{
	return a->u.str.len == b->u.str.len &&
	    (a->u.str.len == 0 ||
	        (a->u.str.ptr[0] == b->u.str.ptr[0] &&
	            memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0));
}

/* A set of scalar keys, for maps too big to scan pairwise. */
struct keyset {
	const struct doc_node **slot;
	size_t cap;
};

static void
keyset_init(struct keyset *s, size_t n)
{
	s->cap = 16;
	while (s->cap < 2 * n)
		s->cap *= 2;
	s->slot = xcalloc(s->cap, sizeof(const struct doc_node *));
}

/* Adds k; returns the equal key already there, or NULL. */
static const struct doc_node *
keyset_add(struct keyset *s, const struct doc_node *k)
{
	size_t i = hash_str(k->u.str.ptr, k->u.str.len) & (s->cap - 1);

	for (; s->slot[i] != NULL; i = (i + 1) & (s->cap - 1))
		if (key_same(s->slot[i], k))
			return s->slot[i];
	s->slot[i] = k;
	return NULL;
}

static int
dup_key(const struct doc_node *k, const struct doc_node *first, struct err *err)
{
	return err_set(err, ERR_INVALID,
	    "line %u, column %u: mapping key '%.64s' already defined at line %u",
	    k->line, k->col, k->u.str.ptr, first->line);
}

static int
dups_scan(struct doc_node **kv, size_t npairs, struct err *err)
{
	struct keyset set;
	const struct doc_node *first;
	int rv = 0;

	if (npairs <= SMALL_MAP) {
		for (size_t i = 1; i < npairs; i++)
			for (size_t j = 0; j < i; j++)
				if (key_same(kv[2 * i], kv[2 * j]))
					return dup_key(kv[2 * i], kv[2 * j],
					    err);
		return 0;
	}
	keyset_init(&set, npairs);
	for (size_t i = 0; i < npairs && rv == 0; i++)
		if ((first = keyset_add(&set, kv[2 * i])) != NULL)
			rv = dup_key(kv[2 * i], first, err);
	free(set.slot);
	return rv;
}

/*
 * Keys must be scalars, and distinct: go-yaml refuses a repeated key, and
 * collection keys have no place in the model (keys are looked up by
 * text), nor in JSON, Kubernetes or kustomize, which refuses them too.
 */
static int
check_keys(struct doc_node **kv, size_t npairs, struct err *err)
{
	for (size_t i = 0; i < npairs; i++)
		if (kv[2 * i]->kind == DOC_SEQ || kv[2 * i]->kind == DOC_MAP)
			return err_set(err, ERR_INVALID,
			    "line %u, column %u: mapping key must be a scalar",
			    kv[2 * i]->line, kv[2 * i]->col);
	return dups_scan(kv, npairs, err);
}

static void
map_fill(struct loader *ld, struct doc_node *n, struct doc_node **kv,
    size_t npairs)
{
	if (npairs == 0)
		return;
	n->u.map.items = arena_alloc(ld->arena,
	    npairs * sizeof(*n->u.map.items));
	for (size_t i = 0; i < npairs; i++) {
		n->u.map.items[i].key = kv[2 * i];
		n->u.map.items[i].value = kv[2 * i + 1];
	}
	n->u.map.n = n->u.map.cap = npairs;
}

/* ---- merge keys ------------------------------------------------------- */

static int
merge_check(const struct doc_node *v, struct err *err)
{
	bool ok = v->kind == DOC_MAP || v->kind == DOC_SEQ;

	for (size_t i = 0; v->kind == DOC_SEQ && i < v->u.seq.n; i++)
		ok = ok && v->u.seq.items[i]->kind == DOC_MAP;
	if (ok)
		return 0;
	return err_set(err, ERR_INVALID,
	    "line %u, column %u: map merge requires map or sequence of maps as the value",
	    v->line, v->col);
}

/* Appends the pairs of src whose keys are not in the result yet. */
static void
merge_add(struct doc_node *n, struct keyset *set, const struct doc_node *src)
{
	for (size_t i = 0; i < src->u.map.n; i++) {
		const struct doc_pair *p = &src->u.map.items[i];

		if (keyset_add(set, p->key) == NULL)
			n->u.map.items[n->u.map.n++] = *p;
	}
}

/*
 * Replaces each "<<" pair by the pairs of the map, or maps, it names, in
 * place. Explicit keys win wherever they stand, then earlier maps; the
 * values are shared with the sources, whose own merges are done already.
 */
static int
map_merge(struct loader *ld, struct doc_node *n, struct doc_node **kv,
    size_t npairs, struct err *err)
{
	struct keyset set;
	size_t bound = 0;

	for (size_t i = 0; i < npairs; i++) {
		const struct doc_node *v = kv[2 * i + 1];

		if (!is_merge_key(kv[2 * i])) {
			bound++;
			continue;
		}
		if (merge_check(v, err) == -1)
			return -1;
		if (v->kind == DOC_MAP)
			bound += v->u.map.n;
		for (size_t j = 0; v->kind == DOC_SEQ && j < v->u.seq.n; j++)
			bound += v->u.seq.items[j]->u.map.n;
	}
	keyset_init(&set, bound);
	for (size_t i = 0; i < npairs; i++)
		if (!is_merge_key(kv[2 * i]))
			keyset_add(&set, kv[2 * i]);
	n->u.map.items = arena_alloc(ld->arena,
	    bound * sizeof(struct doc_pair));
	n->u.map.cap = bound;
	for (size_t i = 0; i < npairs; i++) {
		const struct doc_node *v = kv[2 * i + 1];

		if (!is_merge_key(kv[2 * i]))
			n->u.map.items[n->u.map.n++] = (struct doc_pair){
				kv[2 * i], kv[2 * i + 1]
			};
		else if (v->kind == DOC_MAP)
			merge_add(n, &set, v);
		else
			for (size_t j = 0; j < v->u.seq.n; j++)
				merge_add(n, &set, v->u.seq.items[j]);
	}
	free(set.slot);
	return 0;
}

/* go-yaml v2 decoding (what kustomize reads its own files with) lets a
 * repeated key's last value win; it keeps the first one's place here. */
static size_t
dups_fold(struct doc_node **kv, size_t npairs)
{
	size_t n = 0;

	for (size_t i = 0; i < npairs; i++) {
		size_t j = 0;

		while (j < n && !key_same(kv[2 * j], kv[2 * i]))
			j++;
		if (j < n) {
			kv[2 * j + 1] = kv[2 * i + 1];
			continue;
		}
		kv[2 * n] = kv[2 * i];
		kv[2 * n + 1] = kv[2 * i + 1];
		n++;
	}
	return n;
}

static int
map_close(struct loader *ld, struct frame *f, struct err *err)
{
	size_t npairs = (ld->nkids - f->base) / 2;
	/* kids is still NULL when the stream's first collection is an empty
	 * flow map: offsetting NULL, even by zero, is undefined behaviour. */
	struct doc_node **kv = npairs ? ld->kids + f->base : NULL;

	if (ld->last_key_wins)
		npairs = dups_fold(kv, npairs);
	if (check_keys(kv, npairs, err) == -1)
		return -1;
	if (f->merge)
		return map_merge(ld, f->node, kv, npairs, err);
	map_fill(ld, f->node, kv, npairs);
	return 0;
}

static int
on_end(struct loader *ld, struct err *err)
{
	struct frame *f = &ld->frames[ld->nframes - 1];
	unsigned height = f->height + 1;
	struct doc_node *n = f->node;

	if (n->kind == DOC_MAP) {
		if (map_close(ld, f, err) == -1)
			return -1;
	} else {
		seq_close(ld, f);
	}
	if (f->anchor != NULL) {
		anchor_put(ld,
		    (struct anchor){ f->anchor, n, ld->nodes - f->count0,
		        ld->bytes - f->bytes0, height });
		f->anchor = NULL;
	}
	ld->nkids = f->base;
	ld->nframes--;
	attach(ld, n, height);
	return 0;
}

/* ---- the event loop ---------------------------------------------------- */

static int
on_event(struct loader *ld, const yaml_event_t *ev, struct err *err)
{
	switch (ev->type) {
	case YAML_DOCUMENT_START_EVENT:
		anchors_reset(ld);
		ld->root = NULL;
		return 0;
	case YAML_DOCUMENT_END_EVENT:
		if (ld->root == NULL)
			BUG("yaml document without a root");
		doc_add_root(ld->doc, ld->root);
		return 0;
	case YAML_SCALAR_EVENT:
		return on_scalar(ld, ev, err);
	case YAML_ALIAS_EVENT:
		return on_alias(ld, ev, err);
	case YAML_SEQUENCE_START_EVENT:
		return on_start(ld, ev, DOC_SEQ, err);
	case YAML_MAPPING_START_EVENT:
		return on_start(ld, ev, DOC_MAP, err);
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		return on_end(ld, err);
	default:
		return 0; /* stream start and end */
	}
}

static int
load(struct loader *ld, struct err *err)
{
	yaml_event_t ev;
	yaml_event_type_t type;
	int rv;

	do {
		if (!yaml_parser_parse(&ld->parser, &ev))
			return err_yaml(err, &ld->parser, ld->text);
		rv = on_event(ld, &ev, err);
		type = ev.type;
		yaml_event_delete(&ev);
		if (rv == -1)
			return -1;
	} while (type != YAML_STREAM_END_EVENT);
	return 0;
}

static void
loader_release(struct loader *ld)
{
	for (size_t i = 0; i < ld->nframes; i++)
		free(ld->frames[i].anchor);
	free(ld->frames);
	free(ld->kids);
	anchors_reset(ld);
	yaml_parser_delete(&ld->parser);
}

static int
parse_yaml(struct doc **out, const char *text, size_t len,
    const struct doc_limits *lim, bool last_key_wins, struct err *err)
{
	struct loader ld;
	int rv;

	memset(&ld, 0, sizeof(ld));
	ld.last_key_wins = last_key_wins;
	ld.lim = doc_limits_resolve(lim);
	if (len > ld.lim.max_bytes)
		return err_set(err, ERR_LIMIT,
		    "yaml input of %zu bytes is over the limit of %zu", len,
		    ld.lim.max_bytes);
	if (text == NULL)
		text = ""; /* libyaml asserts on NULL, even with no bytes */
	if (!yaml_parser_initialize(&ld.parser))
		return err_set(err, ERR_LIMIT, "yaml parser out of memory");
	yaml_parser_set_input_string(&ld.parser, (const unsigned char *)text,
	    len);
	ld.text = text;
	ld.doc = doc_new();
	ld.arena = doc_arena(ld.doc);
	rv = load(&ld, err);
	loader_release(&ld);
	if (rv == -1) {
		doc_free(ld.doc);
		return -1;
	}
	*out = ld.doc;
	return 0;
}

int
doc_parse_yaml(struct doc **out, const char *text, size_t len,
    const struct doc_limits *lim, struct err *err)
{
	return parse_yaml(out, text, len, lim, false, err);
}

int
doc_parse_yaml_lenient(struct doc **out, const char *text, size_t len,
    const struct doc_limits *lim, struct err *err)
{
	return parse_yaml(out, text, len, lim, true, err);
}
