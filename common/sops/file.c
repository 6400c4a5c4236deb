/*
 * SOPS files in their four formats. Each is read into doc branches plus
 * the `sops` metadata map (dotenv keeps its metadata flattened into
 * sops_* keys, which are unflattened here as sops does), the tree is
 * decrypted, and the plaintext is written in the output format: YAML and
 * JSON through common/doc, dotenv as KEY=value lines, binary as the raw
 * bytes of the `data` value.
 */
#include "sops/sops.h"

#include <openssl/crypto.h>
#include <stdint.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "sops/sops_int.h"

#define MAX_DOCS 64

struct loaded {
	struct doc *doc;
	struct doc_node *branches[MAX_DOCS];
	size_t n;
	struct doc_node *meta;
};

enum sops_format
sops_format_for_path(const char *path)
{
	if (str_has_suffix(path, ".yaml") || str_has_suffix(path, ".yml"))
		return SOPS_FORMAT_YAML;
	if (str_has_suffix(path, ".json"))
		return SOPS_FORMAT_JSON;
	if (str_has_suffix(path, ".env"))
		return SOPS_FORMAT_DOTENV;
	if (str_has_suffix(path, ".ini"))
		return SOPS_FORMAT_INI;
	return SOPS_FORMAT_BINARY;
}

static bool
contains(const char *data, size_t len, const char *needle)
{
	size_t n = strlen(needle);

	for (size_t i = 0; i + n <= len; i++)
		if (data[i] == needle[0] && memcmp(data + i, needle, n) == 0)
			return true;
	return false;
}

bool
sops_data_is_encrypted(const char *data, size_t len, enum sops_format fmt)
{
	switch (fmt) {
	case SOPS_FORMAT_YAML:
		return contains(data, len, "mac: ENC[");
	case SOPS_FORMAT_DOTENV:
		return contains(data, len, "sops_mac=ENC[");
	case SOPS_FORMAT_INI:
		return contains(data, len, "[sops]");
	default:
		return contains(data, len, "\"mac\": \"ENC[");
	}
}

/* ---- dotenv ---- */

#define MAP_SEP  "__map_"
#define LIST_SEP "__list_"

/* The end of the path token starting at s[i]. */
static size_t
token_end(const char *s, size_t n, size_t i)
{
	while (i < n && !(n - i >= 6 && memcmp(s + i, MAP_SEP, 6) == 0) &&
	    !(n - i >= 7 && memcmp(s + i, LIST_SEP, 7) == 0))
		i++;
	return i;
}

/* In a sequence, the item at the decimal index tok, made (as a map, a
 * sequence or value) if missing; value is placed when last. */
static struct doc_node *
list_child(struct arena *a, struct doc_node *seq, const char *tok, size_t n,
    struct doc_node *want, struct err *err)
{
	size_t idx = 0;

	if (seq->kind != DOC_SEQ || n == 0) {
		err_set(err, ERR_INVALID, "sops metadata: bad flattened key");
		return NULL;
	}
	for (size_t q = 0; q < n; q++) {
		if (tok[q] < '0' || tok[q] > '9' || idx > 1000) {
			err_set(err, ERR_INVALID,
			    "sops metadata: bad list index");
			return NULL;
		}
		idx = idx * 10 + (size_t)(tok[q] - '0');
	}
	while (seq->u.seq.n <= idx)
		doc_seq_append(a, seq, doc_new_null(a));
	if (seq->u.seq.items[idx]->kind == DOC_NULL)
		seq->u.seq.items[idx] = want;
	return seq->u.seq.items[idx];
}

/* In a map, the value under key tok, set to want if missing. */
static struct doc_node *
map_child(struct arena *a, struct doc_node *map, const char *tok, size_t n,
    struct doc_node *want, struct err *err)
{
	struct doc_node *v;

	if (map->kind != DOC_MAP) {
		err_set(err, ERR_INVALID, "sops metadata: bad flattened key");
		return NULL;
	}
	if ((v = doc_map_find(map, tok, n)) == NULL) {
		doc_map_set(a, map, tok, n, want);
		v = want;
	}
	return v;
}

/* Sets value at the flattened path s ("age__list_0__map_enc") in root,
 * as sops unflattens dotenv and INI metadata. */
static int
unflatten_set(struct arena *a, struct doc_node *root, const char *s, size_t n,
    struct doc_node *value, struct err *err)
{
	struct doc_node *cur = root, *want;
	bool in_list = false;
	size_t i = 0;

	for (;;) {
		size_t j = token_end(s, n, i);
		bool next_list = j < n && s[j + 2] == 'l';

		want = j == n   ? value
		    : next_list ? doc_new_seq(a)
		                : doc_new_map(a);
		cur = in_list ? list_child(a, cur, s + i, j - i, want, err)
		              : map_child(a, cur, s + i, j - i, want, err);
		if (cur == NULL)
			return -1;
		if (j == n)
			return cur == value
			    ? 0
			    : err_set(err, ERR_INVALID,
			          "sops metadata: repeated key");
		in_list = next_list;
		i = j + (next_list ? 7 : 6);
	}
}

/* A dotenv value with "\n" escapes turned back into newlines. */
static struct doc_node *
dotenv_value(struct arena *a, const char *s, size_t n)
{
	char *v = arena_alloc(a, n + 1);
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n && s[i + 1] == 'n') {
			v[o++] = '\n';
			i++;
		} else {
			v[o++] = s[i];
		}
	}
	return doc_new_str(a, v, o);
}

/* Appends a pair without looking for the key: sops keeps every line of
 * a dotenv file, repeated keys too, and a lookup per line would make
 * large files quadratic. */
static void
dotenv_append(struct arena *a, struct doc_node *map, const char *k, size_t n,
    struct doc_node *value)
{
	struct doc_pair *items;

	if (map->u.map.n == map->u.map.cap) {
		size_t cap = map->u.map.cap ? 2 * map->u.map.cap : 16;

		items = arena_calloc(a, cap, sizeof(*items));
		if (map->u.map.n > 0)
			memcpy(items, map->u.map.items,
			    map->u.map.n * sizeof(*items));
		map->u.map.items = items;
		map->u.map.cap = cap;
	}
	map->u.map.items[map->u.map.n].key = doc_new_str(a, k, n);
	map->u.map.items[map->u.map.n++].value = value;
}

static int
load_dotenv(struct loaded *l, const char *data, size_t len, struct err *err)
{
	struct arena *a = doc_arena(l->doc);
	struct doc_node *tree = doc_new_map(a);
	const char *p = data, *end = data + len;

	l->meta = doc_new_map(a);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *e = nl != NULL ? nl : end, *eq;

		if (e == p || *p == '#') { /* comments do not reach the MAC */
			p = e + (nl != NULL);
			continue;
		}
		if ((eq = memchr(p, '=', (size_t)(e - p))) == NULL)
			return err_set(err, ERR_INVALID,
			    "invalid dotenv input line");
		if (eq - p > 5 && memcmp(p, "sops_", 5) == 0) {
			if (unflatten_set(a, l->meta, p + 5,
			        (size_t)(eq - p - 5),
			        dotenv_value(a, eq + 1, (size_t)(e - eq - 1)),
			        err) == -1)
				return -1;
		} else {
			dotenv_append(a, tree, p, (size_t)(eq - p),
			    dotenv_value(a, eq + 1, (size_t)(e - eq - 1)));
		}
		p = e + (nl != NULL);
	}
	if (doc_map_get(l->meta, "mac") == NULL)
		return err_set(err, ERR_INVALID, "sops metadata not found");
	l->branches[l->n++] = tree;
	return 0;
}

/* ---- YAML, JSON, binary ---- */

static int
take_meta(struct loaded *l, struct doc_node *root, struct err *err)
{
	struct doc_node *m;

	if (root->kind != DOC_MAP)
		return err_set(err, ERR_INVALID,
		    "sops file: document is not a map");
	if ((m = doc_map_get(root, "sops")) != NULL) {
		if (l->meta == NULL)
			l->meta = m;
		doc_map_delete(root, "sops", 4);
	}
	if (l->n == MAX_DOCS)
		return err_set(err, ERR_LIMIT,
		    "sops file: more than %d documents", MAX_DOCS);
	l->branches[l->n++] = root;
	return 0;
}

static int
load(struct loaded *l, const char *data, size_t len, enum sops_format fmt,
    struct err *err)
{
	int rc;

	memset(l, 0, sizeof(*l));
	switch (fmt) {
	case SOPS_FORMAT_DOTENV:
		l->doc = doc_new();
		return load_dotenv(l, data, len, err);
	case SOPS_FORMAT_YAML:
		rc = doc_parse_yaml(&l->doc, data, len, NULL, err);
		break;
	case SOPS_FORMAT_JSON:
	case SOPS_FORMAT_BINARY:
		rc = doc_parse_json(&l->doc, data, len, NULL, err);
		break;
	default:
		return err_set(err, ERR_UNSUPPORTED,
		    "sops: INI files are not supported");
	}
	if (rc == -1)
		return -1;
	for (size_t i = 0; i < doc_count(l->doc); i++) {
		struct doc_node *root = doc_root(l->doc, i);

		/* A sops YAML stream may end with an empty document. */
		if (root->kind == DOC_NULL)
			continue;
		if (take_meta(l, root, err) == -1)
			return -1;
	}
	if (l->meta == NULL)
		return err_set(err, ERR_INVALID, "sops metadata not found");
	return 0;
}

/* ---- emitting ---- */

static int
emit_dotenv(struct buf *out, const struct doc_node *tree, struct err *err)
{
	for (size_t i = 0; i < tree->u.map.n; i++) {
		const struct doc_pair *p = &tree->u.map.items[i];

		if (!doc_is_scalar(p->value))
			return err_set(err, ERR_INVALID,
			    "cannot use complex value in dotenv file; "
			    "offending key '%s'",
			    doc_str(p->key));
		buf_puts(out, doc_str(p->key));
		buf_putc(out, '=');
		for (size_t j = 0; j < p->value->u.str.len; j++) {
			char c = p->value->u.str.ptr[j];

			if (c == '\n')
				buf_puts(out, "\\n");
			else
				buf_putc(out, c);
		}
		buf_putc(out, '\n');
	}
	return buf_check(out, err);
}

/* JSON as sops writes it: Go's json.MarshalIndent with a tab per level
 * and a final newline. doc_emit_json() indents by two spaces, and a
 * string never holds a raw newline, so leading pairs become tabs. */
static int
emit_json(struct buf *out, const struct doc_node *tree, struct err *err)
{
	struct buf tmp;
	const char *p, *end;
	int rc;

	buf_init(&tmp, out->max);
	if ((rc = doc_emit_json(&tmp, tree, DOC_JSON_INDENT, err)) == 0) {
		for (p = tmp.data, end = tmp.data + tmp.len; p < end;) {
			const char *nl = memchr(p, '\n', (size_t)(end - p));
			const char *e = nl != NULL ? nl + 1 : end;

			for (; p + 1 < e && p[0] == ' ' && p[1] == ' '; p += 2)
				buf_putc(out, '\t');
			buf_append(out, p, (size_t)(e - p));
			p = e;
		}
		buf_putc(out, '\n');
		rc = buf_check(out, err);
	}
	buf_release_secret(&tmp);
	return rc;
}

static int
emit(struct buf *out, const struct loaded *l, enum sops_format fmt,
    struct err *err)
{
	const struct doc_node *data;

	switch (fmt) {
	case SOPS_FORMAT_YAML:
		for (size_t i = 0; i < l->n; i++) {
			if (i > 0)
				buf_puts(out, "---\n");
			if (doc_emit_yaml(out, l->branches[i], err) == -1)
				return -1;
		}
		return buf_check(out, err);
	case SOPS_FORMAT_JSON:
		if (l->n != 1)
			return err_set(err, ERR_INVALID,
			    "cannot emit %zu documents as JSON", l->n);
		return emit_json(out, l->branches[0], err);
	case SOPS_FORMAT_DOTENV:
		return emit_dotenv(out, l->branches[0], err);
	case SOPS_FORMAT_BINARY:
		data = doc_map_get(l->branches[0], "data");
		if (data == NULL || !doc_is_scalar(data))
			return err_set(err, ERR_INVALID,
			    "no binary data found in tree");
		buf_append(out, data->u.str.ptr, data->u.str.len);
		return buf_check(out, err);
	default:
		return err_set(err, ERR_UNSUPPORTED,
		    "sops: INI output is not supported");
	}
}

/* Wipes the text of every string and number under n: the doc's arena
 * is freed without wiping, and these are plaintext secrets. (Nulls and
 * bools are skipped: the JSON parser shares static text for them.) */
static void
wipe_tree(struct doc_node *n, unsigned depth)
{
	if (n == NULL || depth > 512)
		return;
	if (n->kind == DOC_MAP) {
		for (size_t i = 0; i < n->u.map.n; i++)
			wipe_tree(n->u.map.items[i].value, depth + 1);
	} else if (n->kind == DOC_SEQ) {
		for (size_t i = 0; i < n->u.seq.n; i++)
			wipe_tree(n->u.seq.items[i], depth + 1);
	} else if ((n->kind == DOC_STR || n->kind == DOC_INT ||
	               n->kind == DOC_FLOAT) &&
	    n->u.str.ptr != NULL) {
		OPENSSL_cleanse((char *)(uintptr_t)n->u.str.ptr, n->u.str.len);
	}
}

int
sops_decrypt_file_as(struct buf *out, const struct sops_keys *k,
    const char *data, size_t len, enum sops_format in_fmt,
    enum sops_format out_fmt, struct err *err)
{
	struct loaded l;
	size_t before = out->len;
	int rc = -1;

	if (load(&l, data, len, in_fmt, err) == -1)
		goto out;
	if (sops_tree_decrypt(doc_arena(l.doc), l.branches, l.n, l.meta, k,
	        true, err) == -1)
		goto out;
	if (emit(out, &l, out_fmt, err) == -1) {
		if (out->data != NULL) {
			memset(out->data + before, 0, out->len - before);
			out->len = before;
			buf_terminate(out);
		}
		goto out;
	}
	rc = 0;
out:
	for (size_t i = 0; i < l.n; i++)
		wipe_tree(l.branches[i], 0);
	doc_free(l.doc);
	return rc;
}

int
sops_decrypt_file(struct buf *out, const struct sops_keys *k, const char *data,
    size_t len, enum sops_format fmt, struct err *err)
{
	return sops_decrypt_file_as(out, k, data, len, fmt, fmt, err);
}
