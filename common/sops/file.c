/*
 * SOPS files in their four formats. Each is read into doc branches plus
 * the `sops` metadata map (dotenv keeps its metadata flattened into
 * sops_* keys, which are unflattened here as sops does), the tree is
 * decrypted, and the plaintext is written in the output format: YAML and
 * JSON through common/doc, dotenv as KEY=value lines, binary as the raw
 * bytes of the `data` value.
 */
#include "sops/sops.h"

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

/* ---- dotenv
 * ------------------------------------------------------------------- */

/* Sets value at the flattened path s ("age__list_0__map_enc") in root. */
static int
unflatten_set(struct arena *a, struct doc_node *root, const char *s, size_t n,
    struct doc_node *value, struct err *err)
{
	static const char map_sep[] = "__map_", list_sep[] = "__list_";
	struct doc_node *cur = root;
	bool in_list = false;
	size_t i = 0;

	for (;;) {
		size_t j = i;
		struct doc_node *next;
		bool next_list = false;

		while (j < n &&
		    !(n - j >= 6 && memcmp(s + j, map_sep, 6) == 0) &&
		    !(n - j >= 7 && memcmp(s + j, list_sep, 7) == 0))
			j++;
		if (in_list) {
			int64_t idx = 0;

			for (size_t q = i; q < j; q++) {
				if (s[q] < '0' || s[q] > '9' || idx > 1000)
					return err_set(err, ERR_INVALID,
					    "sops metadata: bad list index");
				idx = idx * 10 + (s[q] - '0');
			}
			if (cur->kind != DOC_SEQ || j == i)
				return err_set(err, ERR_INVALID,
				    "sops metadata: bad flattened key");
			while (cur->u.seq.n <= (size_t)idx)
				doc_seq_append(a, cur, doc_new_null(a));
			if (j == n) {
				cur->u.seq.items[idx] = value;
				return 0;
			}
			next_list = s[j + 2] == 'l';
			next = cur->u.seq.items[idx];
			if (next->kind == DOC_NULL) {
				next = next_list ? doc_new_seq(a)
				                 : doc_new_map(a);
				cur->u.seq.items[idx] = next;
			}
		} else {
			if (cur->kind != DOC_MAP)
				return err_set(err, ERR_INVALID,
				    "sops metadata: bad flattened key");
			if (j == n) {
				doc_map_set(a, cur, s + i, j - i, value);
				return 0;
			}
			next_list = s[j + 2] == 'l';
			next = doc_map_find(cur, s + i, j - i);
			if (next == NULL) {
				next = next_list ? doc_new_seq(a)
				                 : doc_new_map(a);
				doc_map_set(a, cur, s + i, j - i, next);
			}
		}
		cur = next;
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

/* ---- YAML, JSON, binary
 * -------------------------------------------------------- */

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

/* ---- emitting
 * ------------------------------------------------------------------ */

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
		if (doc_emit_json(out, l->branches[0], DOC_JSON_INDENT, err) ==
		    -1)
			return -1;
		buf_putc(out, '\n');
		return buf_check(out, err);
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
	doc_free(l.doc);
	return rc;
}

int
sops_decrypt_file(struct buf *out, const struct sops_keys *k, const char *data,
    size_t len, enum sops_format fmt, struct err *err)
{
	return sops_decrypt_file_as(out, k, data, len, fmt, fmt, err);
}
