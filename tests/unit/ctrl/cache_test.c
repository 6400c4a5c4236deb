/* The informer's cache and its indexes, and label selectors. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "ctrl/ctrl_int.h"
#include "t.h"

static struct doc *
obj_parse(const char *json)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	if (doc_parse_json(&d, json, strlen(json), NULL, &err) == -1)
		BUG("test object: %s", err.msg);
	return d;
}

/* Puts {ns, name, rv, labels (JSON map text)} into c. */
static void
put(struct cache *c, const char *ns, const char *name, const char *rv,
    const char *labels)
{
	struct err err = ERR_INIT;
	struct cache_entry *e = NULL;
	char *json = xasprintf("{\"metadata\":{\"namespace\":\"%s\","
	                       "\"name\":\"%s\",\"resourceVersion\":\"%s\","
	                       "\"labels\":%s}}",
	    ns, name, rv, labels);
	struct doc *d = obj_parse(json);

	T_OK(cache_entry_new(&e, "ConfigMap", doc_root(d, 0), 0, &err), &err);
	cache_entry_free(cache_put(c, e));
	doc_free(d);
	free(json);
}

struct collect {
	char names[16][32];
	size_t n;
};

static bool
collect_fn(void *arg, const struct cache_entry *e)
{
	struct collect *c = arg;

	if (c->n < 16)
		snprintf(c->names[c->n++], sizeof(c->names[0]), "%s", e->name);
	return true;
}

static bool
has(const struct collect *c, const char *name)
{
	for (size_t i = 0; i < c->n; i++)
		if (strcmp(c->names[i], name) == 0)
			return true;
	return false;
}

/* Names in ns (NULL: any) matching sel (NULL: all). */
static struct collect
query(const struct cache *c, const char *ns, const char *sel)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	struct collect out;
	struct selector s;

	memset(&out, 0, sizeof(out));
	T_OK(selector_parse(&s, a, sel, &err), &err);
	cache_each(c, ns, &s, collect_fn, &out);
	arena_free(a);
	return out;
}

T_TEST(test_entry_key_names_kind_namespace_and_name)
{
	struct err err = ERR_INIT;
	struct cache_entry *e = NULL;
	struct doc *d = obj_parse("{\"metadata\":{\"name\":\"n\","
	                          "\"namespace\":\"ns\"}}");
	struct doc *cluster = obj_parse("{\"metadata\":{\"name\":\"c\"}}");

	T_OK(cache_entry_new(&e, "ConfigMap", doc_root(d, 0), 0, &err), &err);
	T_STREQ(e->key, "ConfigMap/ns/n");
	T_STREQ(e->rv, "");
	cache_entry_free(e);
	T_OK(cache_entry_new(&e, "Namespace", doc_root(cluster, 0), 0, &err),
	    &err);
	T_STREQ(e->key, "Namespace/c");
	T_STREQ(e->ns, "");
	cache_entry_free(e);
	doc_free(d);
	doc_free(cluster);
}

T_TEST(test_entry_without_name_is_invalid)
{
	struct err err = ERR_INIT;
	struct cache_entry *e = NULL;
	struct doc *d = obj_parse("{\"metadata\":{\"namespace\":\"ns\"}}");

	T_ERR(cache_entry_new(&e, "ConfigMap", doc_root(d, 0), 0, &err), &err,
	    ERR_INVALID);
	T_TRUE(e == NULL);
	doc_free(d);
}

T_TEST(test_put_replaces_and_returns_the_old_entry)
{
	struct err err = ERR_INIT;
	struct cache c;
	struct cache_entry *e = NULL, *old;
	struct doc *d = obj_parse("{\"metadata\":{\"name\":\"a\","
	                          "\"namespace\":\"x\","
	                          "\"resourceVersion\":\"2\"}}");

	cache_init(&c);
	put(&c, "x", "a", "1", "{}");
	T_OK(cache_entry_new(&e, "ConfigMap", doc_root(d, 0), 0, &err), &err);
	old = cache_put(&c, e);
	T_TRUE(old != NULL);
	T_STREQ(old != NULL ? old->rv : NULL, "1");
	T_EQ(c.n, 1);
	T_STREQ(cache_find(&c, "ConfigMap/x/a")->rv, "2");
	cache_entry_free(old);
	cache_release(&c);
	doc_free(d);
}

T_TEST(test_take_unlinks_from_table_and_indexes)
{
	struct collect got;
	struct cache c;
	struct cache_entry *e;

	cache_init(&c);
	put(&c, "x", "a", "1", "{\"app\":\"web\"}");
	put(&c, "x", "b", "1", "{\"app\":\"web\"}");
	e = cache_take(&c, "ConfigMap/x/a");
	T_TRUE(e != NULL);
	T_TRUE(cache_find(&c, "ConfigMap/x/a") == NULL);
	T_TRUE(cache_take(&c, "ConfigMap/x/a") == NULL);
	T_EQ(query(&c, "x", NULL).n, 1);
	got = query(&c, NULL, "app=web");
	T_EQ(got.n, 1);
	T_TRUE(has(&got, "b"));
	cache_entry_free(e);
	cache_release(&c);
}

T_TEST(test_namespace_index_finds_only_that_namespace)
{
	struct cache c;
	struct collect got;

	cache_init(&c);
	put(&c, "x", "a", "1", "{}");
	put(&c, "y", "b", "1", "{}");
	put(&c, "x", "c", "1", "{}");
	got = query(&c, "x", NULL);
	T_EQ(got.n, 2);
	T_TRUE(has(&got, "a"));
	T_TRUE(has(&got, "c"));
	T_EQ(query(&c, "z", NULL).n, 0);
	T_EQ(query(&c, NULL, NULL).n, 3);
	cache_release(&c);
}

T_TEST(test_update_moves_an_object_between_label_buckets)
{
	struct collect got;
	struct cache c;

	cache_init(&c);
	put(&c, "x", "a", "1", "{\"app\":\"web\"}");
	put(&c, "x", "b", "1", "{\"app\":\"web\"}");
	put(&c, "x", "c", "1", "{\"app\":\"web\"}");
	put(&c, "x", "a", "2", "{\"app\":\"db\"}");
	T_EQ(query(&c, NULL, "app=web").n, 2);
	got = query(&c, NULL, "app=db");
	T_EQ(got.n, 1);
	T_TRUE(has(&got, "a"));
	/* The swap-remove kept the other slots pointing right. */
	cache_entry_free(cache_take(&c, "ConfigMap/x/c"));
	got = query(&c, NULL, "app=web");
	T_EQ(got.n, 1);
	T_TRUE(has(&got, "b"));
	cache_release(&c);
}

T_TEST(test_selector_terms_combine_with_and)
{
	struct cache c;
	struct collect got;

	cache_init(&c);
	put(&c, "x", "a", "1", "{\"app\":\"web\",\"tier\":\"front\"}");
	put(&c, "x", "b", "1", "{\"app\":\"web\",\"tier\":\"back\"}");
	put(&c, "y", "c", "1", "{\"app\":\"web\"}");
	put(&c, "y", "d", "1", "{\"legacy\":\"true\"}");
	got = query(&c, NULL, "app=web,tier!=back");
	T_EQ(got.n, 2);
	T_TRUE(has(&got, "a"));
	T_TRUE(has(&got, "c"));
	T_EQ(query(&c, "x", "app==web").n, 2);
	T_EQ(query(&c, NULL, "tier").n, 2);
	got = query(&c, NULL, " !app ");
	T_EQ(got.n, 1);
	T_TRUE(has(&got, "d"));
	T_EQ(query(&c, "y", "app=web, !legacy").n, 1);
	cache_release(&c);
}

T_TEST(test_many_objects_grow_the_tables)
{
	struct cache c;
	char name[32];

	cache_init(&c);
	for (int i = 0; i < 300; i++) {
		snprintf(name, sizeof(name), "cm-%d", i);
		put(&c, i % 2 == 0 ? "even" : "odd", name, "1",
		    i % 3 == 0 ? "{\"three\":\"yes\"}" : "{}");
	}
	T_EQ(c.n, 300);
	T_TRUE(c.nbuckets >= 300);
	T_TRUE(cache_find(&c, "ConfigMap/odd/cm-299") != NULL);
	T_TRUE(cache_find(&c, "ConfigMap/even/cm-299") == NULL);
	T_EQ(query(&c, NULL, "three=yes").n, 16); /* the collector's cap */
	cache_release(&c);
}

T_TEST(test_malformed_selectors_are_invalid)
{
	static const char *bad[] = { "a=b,", ",a", "a!b", "=b", "a=b=c",
		"a b=c", "!" };
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	struct selector s;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_ERR(selector_parse(&s, a, bad[i], &err), &err, ERR_INVALID);
	T_ERR(selector_parse(&s, a, "env in (a,b)", &err), &err,
	    ERR_UNSUPPORTED);
	T_OK(selector_parse(&s, a, "example.com/part-of=flux_x.1", &err), &err);
	T_EQ(s.n, 1);
	T_STREQ(s.reqs[0].key, "example.com/part-of");
	T_STREQ(s.reqs[0].value, "flux_x.1");
	arena_free(a);
}

T_TEST(test_selector_ne_matches_objects_without_the_label)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	struct doc *d = obj_parse("{\"app\":\"web\"}");
	struct selector s;

	T_OK(selector_parse(&s, a, "tier!=back", &err), &err);
	T_TRUE(selector_matches(&s, doc_root(d, 0)));
	T_TRUE(selector_matches(&s, NULL));
	T_OK(selector_parse(&s, a, "app!=web", &err), &err);
	T_TRUE(!selector_matches(&s, doc_root(d, 0)));
	T_OK(selector_parse(&s, a, "", &err), &err);
	T_EQ(s.n, 0);
	T_TRUE(selector_matches(&s, NULL));
	arena_free(a);
	doc_free(d);
}

T_TEST(test_entry_drops_managed_fields_unless_kept)
{
	struct err err = ERR_INIT;
	struct cache_entry *e = NULL;
	struct doc *d = obj_parse(
	    "{\"apiVersion\":\"v1\",\"metadata\":{\"name\":\"n\","
	    "\"managedFields\":[{\"manager\":\"kubectl\"}],"
	    "\"labels\":{\"a\":\"b\"}},\"data\":{\"k\":\"v\"}}");

	T_OK(cache_entry_new(&e, "ConfigMap", doc_root(d, 0), 0, &err), &err);
	T_TRUE(doc_ptr_find(e->obj, "/metadata/managedFields") == NULL);
	T_STREQ(doc_str(doc_ptr_find(e->obj, "/metadata/labels/a")), "b");
	T_STREQ(doc_str(doc_ptr_find(e->obj, "/data/k")), "v");
	T_STREQ(doc_str(doc_ptr_find(e->obj, "/apiVersion")), "v1");
	T_STREQ(e->name, "n");
	cache_entry_free(e);
	T_OK(cache_entry_new(&e, "ConfigMap", doc_root(d, 0),
	         CACHE_KEEP_MANAGED_FIELDS, &err),
	    &err);
	T_STREQ(doc_str(
	            doc_ptr_find(e->obj, "/metadata/managedFields/0/manager")),
	    "kubectl");
	cache_entry_free(e);
	doc_free(d);
}
