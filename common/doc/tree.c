/*
 * Whole-tree operations: deep copy, structural equality, and RFC 6901
 * JSON Pointers to find, set and delete nodes.
 *
 * Pointer tokens are matched against keys while still escaped ("~1" is
 * "/", "~0" is "~"), so a lookup allocates nothing; only a key that set
 * creates is unescaped into the arena.
 */
#include "doc/doc.h"

#include <math.h>
#include <string.h>

#include "doc/doc_int.h"

/* The public API hands out mutable nodes found from a const root, as
 * doc_map_find() does; this is the one place that drops the qualifier. */
static struct doc_node *
unconst(const struct doc_node *n)
{
	return (struct doc_node *)(uintptr_t)n;
}

/* ---- copy --------------------------------------------------------------- */

static void
copy_items(struct arena *a, struct doc_node *c, const struct doc_node *n)
{
	if (n->kind == DOC_SEQ) {
		c->u.seq.items = NULL;
		c->u.seq.cap = n->u.seq.n;
		if (n->u.seq.n > 0)
			c->u.seq.items = arena_calloc(a, n->u.seq.n,
			    sizeof(struct doc_node *));
		for (size_t i = 0; i < n->u.seq.n; i++)
			c->u.seq.items[i] = doc_copy(a, n->u.seq.items[i]);
		return;
	}
	c->u.map.items = NULL;
	c->u.map.cap = n->u.map.n;
	if (n->u.map.n > 0)
		c->u.map.items = arena_calloc(a, n->u.map.n,
		    sizeof(*c->u.map.items));
	for (size_t i = 0; i < n->u.map.n; i++) {
		c->u.map.items[i].key = doc_copy(a, n->u.map.items[i].key);
		c->u.map.items[i].value = doc_copy(a, n->u.map.items[i].value);
	}
}

struct doc_node *
doc_copy(struct arena *a, const struct doc_node *n)
{
	struct doc_node *c;

	if (n == NULL)
		return NULL;
	c = arena_alloc(a, sizeof(*c));
	*c = *n;
	if (n->tag != NULL)
		c->tag = arena_strdup(a, n->tag);
	if (n->kind == DOC_SEQ || n->kind == DOC_MAP)
		copy_items(a, c, n);
	else if (n->u.str.ptr != NULL)
		c->u.str.ptr = arena_strndup(a, n->u.str.ptr, n->u.str.len);
	return c;
}

/* ---- equality ----------------------------------------------------------- */

static bool equal(const struct doc_node *x, const struct doc_node *y,
    bool numeric);

static bool
text_equal(const struct doc_node *x, const struct doc_node *y)
{
	return x->u.str.len == y->u.str.len &&
	    (x->u.str.len == 0 ||
	        memcmp(x->u.str.ptr, y->u.str.ptr, x->u.str.len) == 0);
}

/*
 * Ints compare by value (0x10 == 16). Text that is not a valid int64
 * despite its kind (an explicit !!int tag, or a value past INT64_MAX)
 * compares by text, so equality stays reflexive.
 */
static bool
int_equal(const struct doc_node *x, const struct doc_node *y)
{
	struct err err = ERR_INIT;
	int64_t a, b;
	int ra = doc_get_int(&a, x, &err), rb = doc_get_int(&b, y, &err);

	if (ra == 0 && rb == 0)
		return a == b;
	return ra == -1 && rb == -1 && text_equal(x, y);
}

/* By value; NaN equals NaN here so a tree always equals its copy. */
static bool
float_equal(const struct doc_node *x, const struct doc_node *y)
{
	struct err err = ERR_INIT;
	double a, b;
	int ra = doc_get_float(&a, x, &err), rb = doc_get_float(&b, y, &err);

	if (ra == 0 && rb == 0)
		return a == b || (isnan(a) && isnan(b));
	return ra == -1 && rb == -1 && text_equal(x, y);
}

static bool
bool_equal(const struct doc_node *x, const struct doc_node *y)
{
	struct err err = ERR_INIT;
	bool a, b;
	int ra = doc_get_bool(&a, x, &err), rb = doc_get_bool(&b, y, &err);

	if (ra == 0 && rb == 0)
		return a == b;
	return ra == -1 && rb == -1 && text_equal(x, y);
}

static bool
is_number(const struct doc_node *n)
{
	return n->kind == DOC_INT || n->kind == DOC_FLOAT;
}

static const struct doc_node *
map_lookup(const struct doc_node *map, const struct doc_node *key, bool numeric)
{
	if (doc_is_scalar(key))
		return doc_map_find(map, key->u.str.ptr, key->u.str.len);
	for (size_t i = 0; i < map->u.map.n; i++) {
		if (equal(map->u.map.items[i].key, key, numeric))
			return map->u.map.items[i].value;
	}
	return NULL;
}

static bool
map_equal(const struct doc_node *x, const struct doc_node *y, bool numeric)
{
	if (x->u.map.n != y->u.map.n)
		return false;
	for (size_t i = 0; i < x->u.map.n; i++) {
		const struct doc_node *v = map_lookup(y, x->u.map.items[i].key,
		    numeric);

		if (v == NULL || !equal(x->u.map.items[i].value, v, numeric))
			return false;
	}
	return true;
}

static bool
seq_equal(const struct doc_node *x, const struct doc_node *y, bool numeric)
{
	if (x->u.seq.n != y->u.seq.n)
		return false;
	for (size_t i = 0; i < x->u.seq.n; i++) {
		if (!equal(x->u.seq.items[i], y->u.seq.items[i], numeric))
			return false;
	}
	return true;
}

static bool
equal(const struct doc_node *x, const struct doc_node *y, bool numeric)
{
	if (x == y)
		return true;
	if (x == NULL || y == NULL)
		return false;
	if (numeric && is_number(x) && is_number(y) && x->kind != y->kind)
		return float_equal(x, y);
	if (x->kind != y->kind)
		return false;
	switch (x->kind) {
	case DOC_NULL:
		return true;
	case DOC_BOOL:
		return bool_equal(x, y);
	case DOC_INT:
		return int_equal(x, y);
	case DOC_FLOAT:
		return float_equal(x, y);
	case DOC_SEQ:
		return seq_equal(x, y, numeric);
	case DOC_MAP:
		return map_equal(x, y, numeric);
	default:
		return text_equal(x, y);
	}
}

bool
doc_equal(const struct doc_node *x, const struct doc_node *y)
{
	return equal(x, y, false);
}

bool
doc_equal_json(const struct doc_node *x, const struct doc_node *y)
{
	return equal(x, y, true);
}

/* ---- JSON Pointer tokens ------------------------------------------------ */

/* "" or "/tok/tok..." where every '~' starts "~0" or "~1". */
static bool
ptr_valid(const char *ptr)
{
	if (ptr[0] != '\0' && ptr[0] != '/')
		return false;
	for (const char *p = ptr; *p != '\0'; p++) {
		if (p[0] == '~' && p[1] != '0' && p[1] != '1')
			return false;
	}
	return true;
}

/* Whether escaped token tok names the key text. */
static bool
tok_equal(const char *tok, size_t len, const char *key, size_t keylen)
{
	size_t i = 0, j = 0;

	while (i < len && j < keylen) {
		char c = tok[i++];

		if (c == '~')
			c = tok[i++] == '0' ? '~' : '/';
		if (c != key[j++])
			return false;
	}
	return i == len && j == keylen;
}

static char *
tok_unescape(struct arena *a, const char *tok, size_t len, size_t *outlen)
{
	char *s = arena_alloc(a, len + 1);
	size_t j = 0;

	for (size_t i = 0; i < len; i++) {
		if (tok[i] == '~') {
			s[j++] = tok[i + 1] == '0' ? '~' : '/';
			i++;
		} else {
			s[j++] = tok[i];
		}
	}
	s[j] = '\0';
	*outlen = j;
	return s;
}

static size_t
map_slot(const struct doc_node *map, const char *tok, size_t len)
{
	for (size_t i = 0; i < map->u.map.n; i++) {
		const struct doc_node *k = map->u.map.items[i].key;

		if (doc_is_scalar(k) &&
		    tok_equal(tok, len, k->u.str.ptr, k->u.str.len))
			return i;
	}
	return SIZE_MAX;
}

enum tok_index {
	TOK_INDEX,
	TOK_DASH,
	TOK_BAD
};

/* RFC 6901 array index: "0" or digits without a leading zero, or "-".
 * Huge indexes saturate: they are past the end of any sequence. */
static enum tok_index
tok_index(size_t *out, const char *tok, size_t len)
{
	size_t v = 0;

	if (len == 1 && tok[0] == '-')
		return TOK_DASH;
	if (len == 0 || (tok[0] == '0' && len > 1))
		return TOK_BAD;
	for (size_t i = 0; i < len; i++) {
		if (tok[i] < '0' || tok[i] > '9')
			return TOK_BAD;
		v = v > (SIZE_MAX - 9) / 10 ? SIZE_MAX
		                            : v * 10 + (size_t)(tok[i] - '0');
	}
	*out = v;
	return TOK_INDEX;
}

int
doc_ptr_index(size_t *out, const char *tok, size_t len, size_t n, bool append,
    struct err *err)
{
	size_t i = 0;

	switch (tok_index(&i, tok, len)) {
	case TOK_BAD:
		return err_set(err, ERR_INVALID, "bad array index '%.*s'",
		    (int)len, tok);
	case TOK_DASH:
		if (!append)
			return err_set(err, ERR_NOTFOUND,
			    "'-' names no array element");
		i = n;
		break;
	case TOK_INDEX:
		break;
	}
	if (i > n || (i == n && !append))
		return err_set(err, ERR_NOTFOUND,
		    "array index %.*s is past the end (%zu items)", (int)len,
		    tok, n);
	*out = i;
	return 0;
}

/* ---- walking ------------------------------------------------------------ */

struct walk {
	const char *ptr; /* the whole pointer, for messages */
	struct arena *a; /* set: create missing maps on the way */
	const char *tok; /* the current token, escaped, inside ptr */
	size_t len;
};

static int
walk_map(struct walk *w, struct doc_node **n, struct err *err)
{
	size_t i = map_slot(*n, w->tok, w->len);
	struct doc_node *child;
	size_t keylen;
	char *key;

	if (i != SIZE_MAX &&
	    (w->a == NULL || (*n)->u.map.items[i].value->kind != DOC_NULL)) {
		*n = (*n)->u.map.items[i].value;
		return 0;
	}
	if (w->a == NULL)
		return err_set(err, ERR_NOTFOUND, "'%.*s' not found",
		    (int)(w->tok + w->len - w->ptr), w->ptr);
	child = doc_new_map(w->a);
	key = tok_unescape(w->a, w->tok, w->len, &keylen);
	doc_map_set(w->a, *n, key, keylen, child);
	*n = child;
	return 0;
}

static int
walk_seq(struct walk *w, struct doc_node **n, struct err *err)
{
	struct doc_node *seq = *n;
	bool dash = w->len == 1 && w->tok[0] == '-';
	size_t i;

	if (doc_ptr_index(&i, w->tok, w->len, seq->u.seq.n,
	        w->a != NULL && dash, err) == -1)
		return err_wrap(err, "'%.*s'", (int)(w->tok + w->len - w->ptr),
		    w->ptr);
	if (i == seq->u.seq.n)
		doc_seq_append(w->a, seq, doc_new_map(w->a));
	else if (w->a != NULL && seq->u.seq.items[i]->kind == DOC_NULL)
		seq->u.seq.items[i] = doc_new_map(w->a);
	*n = seq->u.seq.items[i];
	return 0;
}

static int
walk_step(struct walk *w, struct doc_node **n, struct err *err)
{
	switch ((*n)->kind) {
	case DOC_MAP:
		return walk_map(w, n, err);
	case DOC_SEQ:
		return walk_seq(w, n, err);
	default:
		return err_set(err, ERR_INVALID,
		    "'%.*s' is not a map or sequence",
		    (int)(w->tok - 1 - w->ptr), w->ptr);
	}
}

/* Walks every token but the last from *n; leaves the last in w. */
static int
walk_to_parent(struct walk *w, struct doc_node **n, struct err *err)
{
	const char *p = w->ptr;

	if (!ptr_valid(p) || p[0] == '\0')
		return err_set(err, ERR_INVALID, "bad JSON pointer '%s'", p);
	for (;;) {
		w->tok = p + 1;
		p = strchrnul(w->tok, '/');
		w->len = (size_t)(p - w->tok);
		if (*p == '\0')
			break;
		if (walk_step(w, n, err) == -1)
			return -1;
	}
	if ((*n)->kind != DOC_MAP && (*n)->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID,
		    "'%.*s' is not a map or sequence",
		    (int)(w->tok - 1 - w->ptr), w->ptr);
	return 0;
}

int
doc_ptr_parent(struct doc_node **parent, const char **tok, size_t *len,
    const struct doc_node *root, const char *ptr, struct err *err)
{
	struct walk w = { ptr, NULL, NULL, 0 };
	struct doc_node *n = unconst(root);

	if (root == NULL)
		return err_set(err, ERR_NOTFOUND, "no document");
	if (walk_to_parent(&w, &n, err) == -1)
		return -1;
	*parent = n;
	*tok = w.tok;
	*len = w.len;
	return 0;
}

/* ---- find, set, delete -------------------------------------------------- */

struct doc_node *
doc_ptr_find(const struct doc_node *root, const char *ptr)
{
	struct doc_node *parent;
	struct err err = ERR_INIT;
	const char *tok;
	size_t len, i;

	if (root == NULL || !ptr_valid(ptr))
		return NULL;
	if (ptr[0] == '\0')
		return unconst(root);
	if (doc_ptr_parent(&parent, &tok, &len, root, ptr, &err) == -1)
		return NULL;
	if (parent->kind == DOC_MAP) {
		i = map_slot(parent, tok, len);
		return i == SIZE_MAX ? NULL : parent->u.map.items[i].value;
	}
	if (tok_index(&i, tok, len) != TOK_INDEX || i >= parent->u.seq.n)
		return NULL;
	return parent->u.seq.items[i];
}

static int
set_in_seq(struct walk *w, struct doc_node *seq, struct doc_node *value,
    struct err *err)
{
	size_t i;

	if (doc_ptr_index(&i, w->tok, w->len, seq->u.seq.n,
	        w->len == 1 && w->tok[0] == '-', err) == -1)
		return err_wrap(err, "'%s'", w->ptr);
	if (i == seq->u.seq.n)
		doc_seq_append(w->a, seq, value);
	else
		seq->u.seq.items[i] = value;
	return 0;
}

int
doc_ptr_set(struct arena *a, struct doc_node **root, const char *ptr,
    struct doc_node *value, struct err *err)
{
	struct walk w = { ptr, a, NULL, 0 };
	struct doc_node *n;
	size_t keylen;
	char *key;

	if (ptr[0] == '\0' && ptr_valid(ptr)) {
		*root = value;
		return 0;
	}
	if (*root == NULL || (*root)->kind == DOC_NULL)
		*root = doc_new_map(a);
	n = *root;
	if (walk_to_parent(&w, &n, err) == -1)
		return -1;
	if (n->kind == DOC_SEQ)
		return set_in_seq(&w, n, value, err);
	key = tok_unescape(a, w.tok, w.len, &keylen);
	doc_map_set(a, n, key, keylen, value);
	return 0;
}

int
doc_ptr_delete(struct doc_node *root, const char *ptr, struct err *err)
{
	struct doc_node *parent;
	const char *tok;
	size_t len, i;

	if (ptr[0] == '\0')
		return err_set(err, ERR_INVALID, "cannot delete the root");
	if (doc_ptr_parent(&parent, &tok, &len, root, ptr, err) == -1)
		return -1;
	if (parent->kind == DOC_SEQ) {
		if (doc_ptr_index(&i, tok, len, parent->u.seq.n, false, err) ==
		    -1)
			return err_wrap(err, "'%s'", ptr);
		return doc_seq_remove(parent, i);
	}
	if ((i = map_slot(parent, tok, len)) == SIZE_MAX)
		return err_set(err, ERR_NOTFOUND, "'%s' not found", ptr);
	memmove(parent->u.map.items + i, parent->u.map.items + i + 1,
	    (parent->u.map.n - i - 1) * sizeof(*parent->u.map.items));
	parent->u.map.n--;
	return 0;
}
