/*
 * doc_bench's YAML cases: flint's parse and emit, and libyaml's bare
 * event loop as the floor any libyaml-based parser stands on (the goal is
 * a parse within 1.5x of it). Python's yaml module, the other reference,
 * is bench/doc/yaml_py_bench.py.
 */
#include <stddef.h>

#include <yaml.h>

#include "bench.h"
#include "core/buf.h"
#include "doc/doc.h"

/* Values in the tree, keys not counted; aliases count each time. */
static size_t
count_values(const struct doc_node *n)
{
	size_t c = 1;

	if (n->kind == DOC_SEQ)
		for (size_t i = 0; i < n->u.seq.n; i++)
			c += count_values(n->u.seq.items[i]);
	else if (n->kind == DOC_MAP)
		for (size_t i = 0; i < n->u.map.n; i++)
			c += count_values(n->u.map.items[i].value);
	return c;
}

static int
yaml_parse_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	struct doc *d;

	(void)state;
	if (doc_parse_yaml(&d, in->data, in->len, NULL, err) == -1)
		return -1;
	*count = 0;
	for (size_t i = 0; i < doc_count(d); i++)
		*count += count_values(doc_root(d, i));
	*bytes = in->len;
	doc_free(d);
	return 0;
}

/* Whether the node an event starts is a map key: a stack of open
 * collections, each with the parity of its children so far. */
struct keytrack {
	unsigned char map[1024]; /* bench input: deep enough */
	unsigned long pos[1024];
	unsigned depth;
};

static int
keytrack_value(struct keytrack *t)
{
	if (t->depth == 0)
		return 1;
	return !t->map[t->depth - 1] || t->pos[t->depth - 1]++ % 2 == 1;
}

/* One event: counts it if it starts a value, as count_values() does. */
static size_t
event_count(struct keytrack *t, const yaml_event_t *ev)
{
	size_t c = 0;

	switch (ev->type) {
	case YAML_SCALAR_EVENT:
	case YAML_ALIAS_EVENT:
		return (size_t)keytrack_value(t);
	case YAML_SEQUENCE_START_EVENT:
	case YAML_MAPPING_START_EVENT:
		c = (size_t)keytrack_value(t);
		if (t->depth < sizeof(t->map)) {
			t->map[t->depth] = ev->type == YAML_MAPPING_START_EVENT;
			t->pos[t->depth] = 0;
		}
		t->depth++;
		return c;
	case YAML_SEQUENCE_END_EVENT:
	case YAML_MAPPING_END_EVENT:
		t->depth--;
		return 0;
	default:
		return 0;
	}
}

static int
libyaml_events_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	static struct keytrack t;
	yaml_parser_t p;
	yaml_event_t ev;
	yaml_event_type_t type;

	(void)state;
	t.depth = 0;
	*count = 0;
	if (!yaml_parser_initialize(&p))
		return err_set(err, ERR_LIMIT, "yaml parser out of memory");
	yaml_parser_set_input_string(&p, (const unsigned char *)in->data,
	    in->len);
	do {
		if (!yaml_parser_parse(&p, &ev)) {
			yaml_parser_delete(&p);
			return err_set(err, ERR_INVALID, "libyaml: %s",
			    p.problem != NULL ? p.problem : "error");
		}
		*count += event_count(&t, &ev);
		type = ev.type;
		yaml_event_delete(&ev);
	} while (type != YAML_STREAM_END_EVENT);
	yaml_parser_delete(&p);
	*bytes = in->len;
	return 0;
}

static void *
yaml_emit_setup(const struct bench_input *in, struct err *err)
{
	struct doc *d;

	if (doc_parse_yaml(&d, in->data, in->len, NULL, err) == -1)
		return NULL;
	return d;
}

static int
yaml_emit_run(void *state, const struct bench_input *in, size_t *bytes,
    size_t *count, struct err *err)
{
	struct buf b;

	(void)in;
	buf_init(&b, BUF_MAX_DEFAULT);
	if (doc_emit_yaml_stream(&b, state, err) == -1) {
		buf_release(&b);
		return -1;
	}
	*bytes = *count = b.len;
	buf_release(&b);
	return 0;
}

static void
yaml_emit_teardown(void *state)
{
	doc_free(state);
}

BENCH_CASE(flint_yaml_parse, .name = "flint-yaml-parse",
    .what = "doc_parse_yaml, walk every value, doc_free", .input = "list.yaml",
    .run = yaml_parse_run)
BENCH_CASE(libyaml_yaml_events, .name = "libyaml-yaml-parse",
    .what = "libyaml yaml_parser_parse loop, events discarded",
    .input = "list.yaml", .run = libyaml_events_run)
BENCH_CASE(flint_yaml_emit, .name = "flint-yaml-emit",
    .what = "doc_emit_yaml_stream into a fresh buffer", .input = "list.yaml",
    .setup = yaml_emit_setup, .run = yaml_emit_run,
    .teardown = yaml_emit_teardown)
