/*
 * Helm's own template functions: include and tpl (with Helm's per-name
 * recursion limit and tpl's private view of the templates), required
 * and fail (whose messages Helm prints as "execution error at (...)"),
 * the YAML/JSON/TOML converters with Helm's and Sprig's error handling,
 * and lookup and getHostByName as they behave offline.
 */
#include "template/tmpl_int.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#define STR(c, k) ((c)->argv[k].u.s)

static const char no_value[] = "<no value>";

/* Copies b into the arena without Helm's "<no value>" markers. */
static struct tmpl_val
strip_no_value(struct arena *a, const struct buf *b)
{
	const char *p = b->data != NULL ? b->data : "";
	size_t n = b->len, o = 0, k = sizeof(no_value) - 1;
	char *s = arena_alloc(a, n + 1);

	for (size_t i = 0; i < n;) {
		if (n - i >= k && memcmp(p + i, no_value, k) == 0) {
			i += k;
			continue;
		}
		s[o++] = p[i++];
	}
	s[o] = '\0';
	return tmpl_str(s, o);
}

static struct include_count *
include_slot(struct tmpl_exec *x, const char *name, size_t n)
{
	for (size_t i = 0; i < x->nincs; i++)
		if (strncmp(x->incs[i].name, name, n) == 0 &&
		    x->incs[i].name[n] == '\0')
			return &x->incs[i];
	if (x->nincs == x->capincs) {
		x->capincs = x->capincs == 0 ? 16 : x->capincs * 2;
		x->incs = xreallocarray(x->incs, x->capincs, sizeof(*x->incs));
	}
	x->incs[x->nincs].name = arena_strndup(x->arena, name, n);
	x->incs[x->nincs].n = 0;
	return &x->incs[x->nincs++];
}

static int
fn_include(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_exec *x = c->s->x;
	const struct tree *t;
	struct include_count *ic;
	struct buf b;
	int rv;

	t = set_lookup(c->s->set, STR(c, 0).p, STR(c, 0).n);
	if (t == NULL)
		return err_set(err, ERR_INVALID,
		    "template: no template \"%.*s\" associated with template "
		    "\"gotpl\"",
		    (int)STR(c, 0).n, STR(c, 0).p);
	ic = include_slot(x, STR(c, 0).p, STR(c, 0).n);
	if (ic->n > x->opts.max_includes)
		return err_set(err, ERR_LIMIT,
		    "rendering template has a nested reference name: %.*s: "
		    "unable to execute template",
		    (int)STR(c, 0).n, STR(c, 0).p);
	ic->n++;
	buf_init(&b, x->opts.max_output);
	rv = exec_tree(x, c->s->set, t, &c->argv[1], &b, err);
	/* the slot array may have moved */
	include_slot(x, STR(c, 0).p, STR(c, 0).n)->n--;
	if (rv == 0)
		*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	return rv;
}

static int
fn_tpl(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct tmpl_exec *x = c->s->x;
	struct tmpl_set overlay;
	const struct tree *t;
	struct buf b;
	int rv;

	set_init_overlay(&overlay, c->s->set, c->a);
	if (set_parse(&overlay, "gotpl", STR(c, 0).p, STR(c, 0).n, err) == -1) {
		set_release_overlay(&overlay);
		return err_wrap(err, "cannot parse template \"%.*s\"",
		    (int)(STR(c, 0).n > 200 ? 200 : STR(c, 0).n), STR(c, 0).p);
	}
	t = set_lookup(&overlay, "gotpl", 5);
	buf_init(&b, x->opts.max_output);
	rv = exec_tree(x, &overlay, t, &c->argv[1], &b, err);
	if (rv == 0)
		*out = strip_no_value(c->a, &b);
	else
		err_wrap(err,
		    "error during tpl function execution for \"%.*s\"",
		    (int)(STR(c, 0).n > 200 ? 200 : STR(c, 0).n), STR(c, 0).p);
	buf_release(&b);
	set_release_overlay(&overlay);
	return rv;
}

static int
fn_required(struct tmpl_val *out, struct call *c, struct err *err)
{
	const struct tmpl_val *v = &c->argv[1];

	if (v->kind == TMPL_NIL ||
	    (v->kind == TMPL_STR && v->type == TMPL_T_DEFAULT && v->u.s.n == 0))
		return exec_fail(c, err, STR(c, 0).p, STR(c, 0).n);
	*out = *v;
	return 0;
}

static int
fn_fail(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)out;
	return exec_fail(c, err, STR(c, 0).p, STR(c, 0).n);
}

static int
fn_lookup(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	*out = tmpl_map_new(c->a, 0); /* no cluster: Helm's empty answer */
	return 0;
}

static int
fn_get_host_by_name(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)c;
	(void)err;
	*out = tmpl_str("", 0);
	return 0;
}

/* ---- YAML and JSON ------------------------------------------------------- */

static int
yaml_text(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;
	int rv;

	buf_init(&b, c->s->x->opts.max_output);
	if (strcmp(c->fn->name, "toYamlPretty") == 0)
		rv = tmpl_to_yaml_pretty(&b, &c->argv[0], err);
	else
		rv = tmpl_to_yaml(&b, &c->argv[0], err);
	if (rv == 0) {
		if (b.len > 0 && b.data[b.len - 1] == '\n')
			b.len--;
		*out = tmpl_str_dup(c->a, b.data, b.len);
	}
	buf_release(&b);
	return rv;
}

static int
fn_to_yaml(struct tmpl_val *out, struct call *c, struct err *err)
{
	if (yaml_text(out, c, err) == 0)
		return 0;
	if (strncmp(c->fn->name, "must", 4) == 0)
		return -1;
	err_reset(err);
	*out = tmpl_str("", 0);
	return 0;
}

/* json.Encoder with SetEscapeHTML(false): undo the three escapes. */
static void
unescape_html(struct buf *b)
{
	static const struct {
		const char *esc;
		char c;
	} map[] = { { "\\u003c", '<' }, { "\\u003e", '>' },
		{ "\\u0026", '&' } };
	size_t o = 0;
	bool in_str = false;

	for (size_t i = 0; i < b->len; i++) {
		char ch = b->data[i];
		bool done = false;

		if (in_str && ch == '\\') {
			for (size_t k = 0; k < 3 && !done; k++)
				if (b->len - i >= 6 &&
				    memcmp(b->data + i, map[k].esc, 6) == 0) {
					b->data[o++] = map[k].c;
					i += 5;
					done = true;
				}
			if (!done) {
				b->data[o++] = b->data[i++];
				b->data[o++] = b->data[i];
			}
			continue;
		}
		if (ch == '"')
			in_str = !in_str;
		b->data[o++] = ch;
	}
	b->len = o;
	buf_terminate(b);
}

static int
fn_to_json(struct tmpl_val *out, struct call *c, struct err *err)
{
	const char *name = c->fn->name;
	bool must = strncmp(name, "must", 4) == 0;
	bool pretty = strstr(name, "Pretty") != NULL;
	struct buf b;
	int rv;

	buf_init(&b, c->s->x->opts.max_output);
	rv = tmpl_to_json(&b, &c->argv[0], pretty, err);
	if (rv == 0 && strstr(name, "Raw") != NULL)
		unescape_html(&b);
	if (rv == 0)
		*out = tmpl_str_dup(c->a, b.data, b.len);
	buf_release(&b);
	if (rv == -1 && !must && strstr(name, "Raw") == NULL) {
		err_reset(err);
		*out = tmpl_str("", 0);
		return 0;
	}
	return rv;
}

static const char *
json_kind(const struct tmpl_val *v)
{
	switch (v->kind) {
	case TMPL_LIST:
		return "array";
	case TMPL_MAP:
		return "object";
	case TMPL_STR:
		return "string";
	case TMPL_BOOL:
		return "bool";
	default:
		return "number";
	}
}

/* fromYaml/fromJson and the Array forms: the value, or Helm's error
 * value ({"Error": msg}, or [msg]) when it does not parse or fit. */
static int
from_text(struct tmpl_val *out, struct call *c, bool json, bool array)
{
	struct err e = ERR_INIT;
	struct tmpl_val v, msg;
	int rv = json ? conv_from_json(&v, STR(c, 0).p, STR(c, 0).n, c->a, &e)
	              : conv_from_yaml(&v, STR(c, 0).p, STR(c, 0).n, c->a, &e);

	if (rv == 0 && v.kind != TMPL_NIL &&
	    v.kind != (array ? TMPL_LIST : TMPL_MAP))
		rv = err_set(&e, ERR_INVALID,
		    "%sjson: cannot unmarshal %s into Go value of type %s",
		    json ? ""
		         : "error unmarshaling JSON: while decoding JSON: ",
		    json_kind(&v),
		    array ? "[]interface {}" : "map[string]interface {}");
	if (rv == 0 && v.kind != TMPL_NIL) {
		*out = v;
		return 0;
	}
	*out = array ? tmpl_list_new(c->a, 1) : tmpl_map_new(c->a, 1);
	if (rv == 0)
		return 0;
	msg = tmpl_str_dup(c->a, e.msg, strlen(e.msg));
	if (array)
		tmpl_list_append(c->a, out->u.l, msg);
	else
		tmpl_map_set(c->a, out->u.m, "Error", 5, msg);
	return 0;
}

static int
fn_from_yaml(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return from_text(out, c, false, strstr(c->fn->name, "Array") != NULL);
}

static int
fn_from_json(struct tmpl_val *out, struct call *c, struct err *err)
{
	(void)err;
	return from_text(out, c, true, strstr(c->fn->name, "Array") != NULL);
}

/* Sprig's mustFromJson: any JSON value, errors returned. */
static int
fn_must_from_json(struct tmpl_val *out, struct call *c, struct err *err)
{
	return conv_from_json(out, STR(c, 0).p, STR(c, 0).n, c->a, err);
}

/* ---- TOML ---------------------------------------------------------------- */

/* Helm's toTOML: the encoder's own errors come back as the text; a nil
 * value panics in reflect, which the call reports. */
static int
fn_to_toml(struct tmpl_val *out, struct call *c, struct err *err)
{
	struct buf b;
	int rv;

	buf_init(&b, c->s->x->opts.max_output);
	rv = conv_to_toml(&b, &c->argv[0], err);
	if (rv == 0)
		rv = buf_check(&b, err);
	if (rv == 0) {
		*out = tmpl_str_dup(c->a, b.data, b.len);
	} else if (err->code == ERR_INVALID && c->argv[0].kind != TMPL_NIL) {
		*out = tmpl_str_dup(c->a, err->msg, strlen(err->msg));
		err_reset(err);
		rv = 0;
	}
	buf_release(&b);
	return rv;
}

static const struct tmpl_func fns[] = {
	{ "fail", "s", fn_fail, 0 },
	{ "fromJson", "s", fn_from_json, 0 },
	{ "fromJsonArray", "s", fn_from_json, 0 },
	{ "fromYaml", "s", fn_from_yaml, 0 },
	{ "fromYamlArray", "s", fn_from_yaml, 0 },
	{ "getHostByName", "s", fn_get_host_by_name, 0 },
	{ "include", "sa", fn_include, 0 },
	{ "lookup", "ssss", fn_lookup, 0 },
	{ "mustFromJson", "s", fn_must_from_json, 0 },
	{ "mustToJson", "a", fn_to_json, 0 },
	{ "mustToPrettyJson", "a", fn_to_json, 0 },
	{ "mustToRawJson", "a", fn_to_json, 0 },
	{ "mustToYaml", "a", fn_to_yaml, 0 },
	{ "required", "sa", fn_required, 0 },
	{ "toJson", "a", fn_to_json, 0 },
	{ "toPrettyJson", "a", fn_to_json, 0 },
	{ "toRawJson", "a", fn_to_json, 0 },
	{ "toToml", "a", fn_to_toml, 0 },
	{ "toYaml", "a", fn_to_yaml, 0 },
	{ "toYamlPretty", "a", fn_to_yaml, 0 },
	{ "tpl", "sa", fn_tpl, 0 },
};

const struct func_table fn_helm_table = { fns, sizeof(fns) / sizeof(fns[0]) };
