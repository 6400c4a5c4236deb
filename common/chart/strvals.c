/*
 * Helm's strvals: the key=value grammar of --set, --set-string,
 * --set-file, --set-json and --set-literal. Keys nest with '.', index
 * lists with [N], values may be lists ({a,b}), and a backslash escapes
 * the next character. Parsing follows Helm's recursive descent step by
 * step, because its quirks are what users rely on: "a={}" is [""], a
 * trailing "a[0]" leaves the list alone, a dotted key over a scalar is
 * an error. The values are changed in place, as Helm changes its map.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart/chart_int.h"
#include "core/buf.h"
#include "core/mem.h"
#include "doc/doc.h"

#define MAX_NAME_LEVEL 30    /* Helm's MaxNestedNameLevel */
#define MAX_INDEX      65536 /* Helm's MaxIndex */
#define MAX_RECURSION  1000  /* ours: "a[0][0]..." must not exhaust the stack */
#define MAX_SET_FILE   ((size_t)64 << 20)

enum {
	SP_EOF = 1
}; /* Go's io.EOF: the input ended, not an error */

struct sp {
	struct arena *a;
	const char *s;
	size_t i, n;
	enum set_mode mode;
	unsigned depth;
	struct err *err;
};

struct span {
	const char *p;
	size_t n;
};

/* Reads up to one of stops (returned in *last and consumed) or the end
 * (SP_EOF). Outside literal mode a backslash takes the next character
 * as it is. */
static int
until(struct sp *p, const char *stops, struct span *out, char *last)
{
	struct buf b;
	int rv = SP_EOF;

	buf_init(&b, (size_t)1 << 30);
	*last = '\0';
	while (p->i < p->n) {
		char c = p->s[p->i++];

		if (c != '\0' && strchr(stops, c) != NULL) {
			*last = c;
			rv = 0;
			break;
		}
		if (c == '\\' && p->mode != SET_LITERAL) {
			if (p->i == p->n)
				break;
			c = p->s[p->i++];
		}
		buf_putc(&b, c);
	}
	out->p = arena_strndup(p->a, b.data != NULL ? b.data : "", b.len);
	out->n = b.len;
	buf_release(&b);
	return rv;
}

/* The type name Go's interface conversion panic prints. */
static const char *
go_type(const struct tmpl_val *v)
{
	switch (v->kind) {
	case TMPL_STR:
		return "string";
	case TMPL_INT:
		return "int64";
	case TMPL_FLOAT:
		return "float64";
	case TMPL_BOOL:
		return "bool";
	case TMPL_LIST:
		return "[]interface {}";
	case TMPL_MAP:
		return "map[string]interface {}";
	default:
		return "nil";
	}
}

static int
not_a(struct sp *p, const struct tmpl_val *v, const char *want)
{
	return err_set(p->err, ERR_INVALID,
	    "unable to parse key: interface conversion: interface {} is %s, "
	    "not %s",
	    go_type(v), want);
}

static void
set(struct sp *p, struct tmpl_val *data, const struct span *k,
    struct tmpl_val v)
{
	if (k->n > 0)
		tmpl_map_set(p->a, data->u.m, k->p, k->n, v);
}

/* strconv.Atoi. */
static int
atoi_go(struct sp *p, const struct span *s, long *out)
{
	size_t i = s->n > 0 && (s->p[0] == '+' || s->p[0] == '-') ? 1 : 0;
	long v = 0;

	if (i == s->n)
		goto syntax;
	for (; i < s->n; i++) {
		if (s->p[i] < '0' || s->p[i] > '9')
			goto syntax;
		if (v > (LONG_MAX - (s->p[i] - '0')) / 10)
			return err_set(p->err, ERR_INVALID,
			    "error parsing index: strconv.Atoi: parsing "
			    "\"%s\": value out of range",
			    s->p);
		v = v * 10 + (s->p[i] - '0');
	}
	*out = s->p[0] == '-' ? -v : v;
	return 0;
syntax:
	return err_set(p->err, ERR_INVALID,
	    "error parsing index: strconv.Atoi: parsing \"%s\": invalid "
	    "syntax",
	    s->p);
}

static int
key_index(struct sp *p, long *out)
{
	struct span s;
	char last;

	/* Helm wraps io.EOF here, and its parse loop takes that for the
	 * end of the input: "a[0" sets nothing and is no error */
	if (until(p, "]", &s, &last) == SP_EOF)
		return SP_EOF;
	return atoi_go(p, &s, out);
}

/* strconv.ParseInt(s, 10, 64). */
static bool
parse_int64(const struct span *s, int64_t *out)
{
	size_t i = s->n > 0 && (s->p[0] == '+' || s->p[0] == '-') ? 1 : 0;
	bool neg = s->n > 0 && s->p[0] == '-';
	uint64_t v = 0, max = neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX;

	if (i == s->n)
		return false;
	for (; i < s->n; i++) {
		unsigned d = (unsigned)(s->p[i] - '0');

		if (d > 9 || v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return true;
}

/* Helm's typedVal: true/false/null, int64 unless it starts with '0'. */
static struct tmpl_val
typed(struct sp *p, const struct span *s)
{
	struct tmpl_val t;
	int64_t iv;

	if (p->mode == SET_STRING)
		return tmpl_str(s->p, s->n);
	if (strcasecmp(s->p, "true") == 0)
		return tmpl_bool(true);
	if (strcasecmp(s->p, "false") == 0)
		return tmpl_bool(false);
	if (strcasecmp(s->p, "null") == 0)
		return tmpl_nil();
	if ((strcmp(s->p, "0") == 0 || (s->n > 0 && s->p[0] != '0')) &&
	    parse_int64(s, &iv)) {
		t = tmpl_int(iv);
		t.type = TMPL_T_INT64;
		return t;
	}
	return tmpl_str(s->p, s->n);
}

/* An os.ReadFile error as Go words it: "open x: no such file or
 * directory". */
static int
go_errno(struct err *err, int errnum, const char *op, const char *path)
{
	char msg[256];

	(void)snprintf(msg, sizeof(msg), "%s", strerror(errnum));
	if (msg[0] >= 'A' && msg[0] <= 'Z')
		msg[0] = (char)(msg[0] - 'A' + 'a');
	err_set(err, errnum == ENOENT ? ERR_NOTFOUND : ERR_IO, "%s %s: %s", op,
	    path, msg);
	return -1;
}

/* --set-file's reader: the file's bytes as a string. */
static int
read_value_file(struct sp *p, const struct span *path, struct tmpl_val *out)
{
	struct stat st;
	char *data;
	size_t got = 0;
	int fd;

	if ((fd = open(path->p, O_RDONLY | O_CLOEXEC)) == -1)
		return go_errno(p->err, errno, "open", path->p);
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		close(fd);
		return go_errno(p->err, EISDIR, "read", path->p);
	}
	if (fstat(fd, &st) == -1 || (size_t)st.st_size > MAX_SET_FILE) {
		close(fd);
		return err_set(p->err, ERR_LIMIT, "%s: larger than %zu bytes",
		    path->p, MAX_SET_FILE);
	}
	data = arena_alloc(p->a, (size_t)st.st_size + 1);
	while (got < (size_t)st.st_size) {
		ssize_t r = read(fd, data + got, (size_t)st.st_size - got);

		if (r <= 0)
			break;
		got += (size_t)r;
	}
	close(fd);
	data[got] = '\0';
	*out = tmpl_str(data, got);
	return 0;
}

static int
reader(struct sp *p, const struct span *s, struct tmpl_val *out)
{
	if (p->mode == SET_FILE)
		return read_value_file(p, s, out);
	*out = typed(p, s);
	return 0;
}

/* "{a,b}" after '=': 0 with the list, 1 when it is not a list, SP_EOF
 * at the end of the input, -1 on error. */
enum {
	NOT_LIST = 2
};

static int
val_list(struct sp *p, struct tmpl_val *out)
{
	struct span s;
	struct tmpl_val v;
	char last;

	if (p->i >= p->n)
		return SP_EOF;
	if (p->s[p->i] != '{')
		return NOT_LIST;
	p->i++;
	*out = tmpl_list_new(p->a, 0);
	for (;;) {
		if (until(p, ",}", &s, &last) == SP_EOF)
			return err_set(p->err, ERR_INVALID,
			    "list must terminate with '}'");
		if (reader(p, &s, &v) == -1)
			return -1;
		tmpl_list_append(p->a, out->u.l, v);
		if (last == '}') {
			if (p->i < p->n && p->s[p->i] == ',')
				p->i++;
			return 0;
		}
	}
}

/* The value after '=' in typed, string and file modes. */
static int
value(struct sp *p, struct tmpl_val *out)
{
	struct span s;
	char last;
	int rv;

	if (p->mode == SET_LITERAL) {
		*out = tmpl_str_dup(p->a, p->s + p->i, p->n - p->i);
		p->i = p->n;
		return 0;
	}
	if ((rv = val_list(p, out)) == SP_EOF) {
		*out = tmpl_str("", 0);
		return SP_EOF;
	}
	if (rv != NOT_LIST)
		return rv;
	until(p, ",", &s, &last);
	return reader(p, &s, out);
}

/* Skips blanks and one comma: true when no value follows. */
static bool
empty_val(struct sp *p)
{
	while (p->i < p->n) {
		char c = p->s[p->i];

		if (c == ',') {
			p->i++;
			return true;
		}
		if (c != ' ' && c != '\t' && c != '\n' && c != '\r' &&
		    c != '\v' && c != '\f')
			return false;
		p->i++;
	}
	return true;
}

/* The bytes of the one JSON value at the front of s (after blanks), as
 * json.Decoder reads it; a malformed one runs to the end. */
static size_t
json_extent(const char *s, size_t n)
{
	size_t i = 0;
	int depth = 0;
	bool in_str = false;

	while (i < n && strchr(" \t\r\n", s[i]) != NULL)
		i++;
	for (; i < n; i++) {
		char c = s[i];

		if (in_str) {
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
		} else if (c == '"') {
			in_str = true;
		} else if (c == '{' || c == '[') {
			depth++;
		} else if (c == '}' || c == ']') {
			depth--;
		} else if (depth == 0 && strchr(" \t\r\n,}]", c) != NULL) {
			return i;
		}
		if (depth == 0 && !in_str && (c == '"' || c == '}' || c == ']'))
			return i + 1;
	}
	return n;
}

/* The JSON value after '=' in --set-json. */
static int
json_value(struct sp *p, struct tmpl_val *out)
{
	size_t len;
	struct doc *d = NULL;
	int rv;

	if (empty_val(p)) {
		*out = tmpl_nil();
		return 0;
	}
	len = json_extent(p->s + p->i, p->n - p->i);
	if (doc_parse_json(&d, p->s + p->i, len, NULL, p->err) == -1)
		return -1;
	rv = tmpl_from_doc(out, doc_root(d, 0), p->a, p->err);
	doc_free(d);
	p->i += len;
	empty_val(p);
	return rv;
}

static int key(struct sp *p, struct tmpl_val *data, unsigned level);

static int
set_index(struct sp *p, struct tmpl_val *list, long i, struct tmpl_val v)
{
	if (i < 0)
		return err_set(p->err, ERR_INVALID,
		    "negative %ld index not allowed", i);
	if (i > MAX_INDEX)
		return err_set(p->err, ERR_LIMIT,
		    "index of %ld is greater than maximum supported index of "
		    "%d",
		    i, MAX_INDEX);
	while (list->u.l->n <= (size_t)i)
		tmpl_list_append(p->a, list->u.l, tmpl_nil());
	list->u.l->items[i] = v;
	return 0;
}

static int list_item(struct sp *p, struct tmpl_val *list, long i,
    unsigned level);

/* Go's %q of a []rune: ['a' 'b']. */
static int
unexpected(struct sp *p, const struct span *k)
{
	struct buf b;

	buf_init(&b, 1 << 20);
	buf_putc(&b, '[');
	for (size_t i = 0; i < k->n; i++) {
		unsigned char c = (unsigned char)k->p[i];
		size_t len = c < 0x80 ? 1 : c < 0xe0 ? 2 : c < 0xf0 ? 3 : 4;

		if (i > 0)
			buf_putc(&b, ' ');
		buf_putc(&b, '\'');
		if (c == '\'' || c == '\\')
			buf_putc(&b, '\\');
		if (len > k->n - i)
			len = k->n - i;
		buf_append(&b, k->p + i, len);
		i += len - 1;
		buf_putc(&b, '\'');
	}
	buf_putc(&b, ']');
	err_set(p->err, ERR_INVALID,
	    "unexpected data at end of array index: %s", b.data);
	buf_release(&b);
	return -1;
}

/* "[j]" after "[i]": a list in a list. */
static int
nested_list(struct sp *p, struct tmpl_val *list, long i, unsigned level)
{
	struct tmpl_val inner = tmpl_list_new(p->a, 0);
	long j;
	int rv;

	if ((rv = key_index(p, &j)) != 0)
		return rv;
	if (list->u.l->n > (size_t)i && list->u.l->items[i].kind != TMPL_NIL) {
		if (list->u.l->items[i].kind != TMPL_LIST)
			return not_a(p, &list->u.l->items[i], "[]interface {}");
		inner = list->u.l->items[i];
	}
	if (list_item(p, &inner, j, level) == -1)
		return -1;
	return set_index(p, list, i, inner);
}

/* What follows "[i]": "=value", "[j]..." or ".key...". */
static int
list_item(struct sp *p, struct tmpl_val *list, long i, unsigned level)
{
	struct tmpl_val v;
	struct span k;
	char last;
	int rv;

	if (i < 0)
		return err_set(p->err, ERR_INVALID,
		    "negative %ld index not allowed", i);
	if (++p->depth > MAX_RECURSION)
		return err_set(p->err, ERR_LIMIT, "value nested too deeply");
	rv = until(p, "[.=", &k, &last);
	if (k.n > 0)
		return unexpected(p, &k);
	if (rv == SP_EOF)
		return SP_EOF;
	if (last == '[')
		return nested_list(p, list, i, level);
	if (last == '.') {
		v = list->u.l->n > (size_t)i &&
		        list->u.l->items[i].kind == TMPL_MAP
		    ? list->u.l->items[i]
		    : tmpl_map_new(p->a, 0);
		if (key(p, &v, level) == -1)
			return -1;
		return set_index(p, list, i, v);
	}
	rv = p->mode == SET_JSON ? json_value(p, &v) : value(p, &v);
	if (rv == -1)
		return -1;
	return set_index(p, list, i, v) == -1 ? -1 : 0;
}

/* "key[i]...". */
static int
key_list(struct sp *p, struct tmpl_val *data, const struct span *k,
    unsigned level)
{
	struct tmpl_val list = tmpl_list_new(p->a, 0);
	const struct tmpl_val *have;
	long i;
	int rv;

	if ((rv = key_index(p, &i)) != 0)
		return rv;
	if ((have = tmpl_map_find(data->u.m, k->p, k->n)) != NULL) {
		if (have->kind != TMPL_LIST)
			return not_a(p, have, "[]interface {}");
		list = *have;
	}
	rv = list_item(p, &list, i, level);
	set(p, data, k, list);
	return rv;
}

/* "key.rest". */
static int
key_map(struct sp *p, struct tmpl_val *data, const struct span *k,
    unsigned level)
{
	struct tmpl_val inner = tmpl_map_new(p->a, 0);
	const struct tmpl_val *have;
	int rv;

	if (++level > MAX_NAME_LEVEL)
		return err_set(p->err, ERR_LIMIT,
		    "value name nested level is greater than maximum "
		    "supported nested level of %d",
		    MAX_NAME_LEVEL);
	if ((have = tmpl_map_find(data->u.m, k->p, k->n)) != NULL) {
		if (have->kind != TMPL_MAP)
			return not_a(p, have, "map[string]interface {}");
		inner = *have;
	}
	rv = key(p, &inner, level);
	if (rv == 0 && inner.u.m->n == 0)
		return err_set(p->err, ERR_INVALID,
		    "key map \"%s\" has no value", k->p);
	if (inner.u.m->n != 0)
		set(p, data, k, inner);
	return rv;
}

/* One "key...=value" into the map data: 0, SP_EOF or -1. */
static int
key(struct sp *p, struct tmpl_val *data, unsigned level)
{
	struct tmpl_val v;
	struct span k;
	char last;
	int rv;

	if (++p->depth > MAX_RECURSION)
		return err_set(p->err, ERR_LIMIT, "value nested too deeply");
	if (until(p, p->mode == SET_LITERAL ? "=[." : "=[,.", &k, &last) ==
	    SP_EOF) {
		if (k.n == 0)
			return SP_EOF;
		return err_set(p->err, ERR_INVALID, "key \"%s\" has no value",
		    k.p);
	}
	if (last == '[')
		return key_list(p, data, &k, level);
	if (last == '.')
		return key_map(p, data, &k, level);
	if (last == ',') {
		set(p, data, &k, tmpl_str("", 0));
		return err_set(p->err, ERR_INVALID,
		    "key \"%s\" has no value (cannot end with ,)", k.p);
	}
	rv = p->mode == SET_JSON ? json_value(p, &v) : value(p, &v);
	if (rv != -1)
		set(p, data, &k, v);
	return rv;
}

static const char *
flag_name(enum set_mode mode)
{
	switch (mode) {
	case SET_STRING:
		return "--set-string";
	case SET_FILE:
		return "--set-file";
	case SET_JSON:
		return "--set-json";
	case SET_LITERAL:
		return "--set-literal";
	default:
		return "--set";
	}
}

/* --set-json '{...}': a whole JSON object merged in. */
static int
json_object(struct arena *a, struct tmpl_val *vals, const char *json,
    const char *expr, struct err *err)
{
	struct doc *d = NULL;
	struct tmpl_val obj;
	int rv = -1;

	if (doc_parse_json(&d, json, strlen(json), NULL, err) == 0 &&
	    tmpl_from_doc(&obj, doc_root(d, 0), a, err) == 0 &&
	    obj.kind == TMPL_MAP) {
		*vals = values_merge_maps(a, vals, &obj);
		rv = 0;
	}
	doc_free(d);
	if (rv == -1)
		err_set(err, ERR_INVALID,
		    "failed parsing --set-json data JSON: %s", expr);
	return rv;
}

int
values_set(struct arena *a, struct tmpl_val *vals, const char *expr,
    enum set_mode mode, struct err *err)
{
	struct sp p = { a, expr, 0, strlen(expr), mode, 0, err };
	int rv;

	if (mode == SET_JSON) {
		const char *s = expr;

		while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r')
			s++;
		if (*s == '{')
			return json_object(a, vals, s, expr, err);
	}
	while ((rv = key(&p, vals, 0)) == 0)
		p.depth = 0;
	if (rv == SP_EOF)
		return 0;
	if (mode == SET_JSON)
		return err_set(err, ERR_INVALID,
		    "failed parsing --set-json data %s", expr);
	return err_wrap(err, "failed parsing %s data", flag_name(mode));
}
