/*
 * The verbs on objects: get, list (paged), create, update, patch,
 * server-side apply and delete, each one REST call built from the kind's
 * mapping, with the query options the API takes (fieldManager, force,
 * dryRun, continue, selectors).
 */
#include "k8s/k8s.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "k8s/k8s_int.h"

#define PATH_MAX_BYTES ((size_t)64 << 10)

/* Appends "?key=value" or "&key=value", the value escaped. */
static void
query_add(struct buf *b, const char *key, const char *value)
{
	if (value == NULL)
		return;
	buf_putc(b,
	    strchr(b->data != NULL ? b->data : "", '?') != NULL ? '&' : '?');
	buf_puts(b, key);
	buf_putc(b, '=');
	k8s_escape(b, value, false);
}

static void
write_query(struct buf *b, const struct k8s_write_opts *o, bool apply)
{
	if (o == NULL)
		return;
	query_add(b, "fieldManager", o->field_manager);
	if (apply && o->force)
		query_add(b, "force", "true");
	if (o->dry_run)
		query_add(b, "dryRun", "All");
}

/* Sends a request whose body is node as JSON; parses the answer into
 * *out when out is not NULL. */
static int
send_json(struct doc **out, struct k8s *k, const char *method, const char *path,
    const char *content_type, const struct doc_node *node, struct err *err)
{
	struct k8s_req req = { method, path, content_type, NULL, 0, NULL };
	struct buf body;
	int rv = -1;

	buf_init(&body, K8S_MAX_BODY);
	if (node != NULL && doc_emit_json(&body, node, 0, err) == -1)
		goto out;
	req.body = body.data;
	req.body_len = body.len;
	rv = k8s_http_json(out, k, &req, err);
out:
	buf_release(&body);
	return rv;
}

static int
path_check(const struct buf *path, struct err *err)
{
	return buf_check(path, err);
}

int
k8s_get(struct doc **out, struct k8s *k, const struct k8s_ref *ref,
    struct err *err)
{
	struct k8s_req req = { "GET", NULL, NULL, NULL, 0, NULL };
	struct k8s_mapping m;
	struct buf path;
	const char *ns;
	int rv = -1;

	buf_init(&path, PATH_MAX_BYTES);
	if (k8s_ref_resolve(&m, &ns, k, ref, err) == -1 ||
	    k8s_path_object(&path, &m, ns, ref->name, NULL, err) == -1 ||
	    path_check(&path, err) == -1)
		goto out;
	req.path = path.data;
	rv = k8s_http_json(out, k, &req, err);
out:
	buf_release(&path);
	if (rv == -1)
		err_wrap(err, "get %s '%s%s%s'", ref->kind,
		    ref->namespace != NULL ? ref->namespace : "",
		    ref->namespace != NULL ? "/" : "",
		    ref->name != NULL ? ref->name : "");
	return rv;
}

/* Wraps err with the verb and the object, as Flux words it. */
static int
wrap_obj(struct err *err, const char *verb, const struct k8s_ref *r)
{
	return err_wrap(err, "%s %s '%s%s%s'", verb,
	    r->kind != NULL ? r->kind : "object",
	    r->namespace != NULL ? r->namespace : "",
	    r->namespace != NULL ? "/" : "", r->name != NULL ? r->name : "");
}

int
k8s_create(struct doc **out, struct k8s *k, const struct doc_node *obj,
    const struct k8s_write_opts *opts, struct err *err)
{
	struct k8s_ref ref;
	struct k8s_mapping m;
	struct buf path;
	const char *ns;
	int rv = -1;

	if (k8s_ref_from_obj(&ref, obj, false, err) == -1)
		return err_wrap(err, "create");
	buf_init(&path, PATH_MAX_BYTES);
	if (k8s_ref_resolve(&m, &ns, k, &ref, err) == -1)
		goto out;
	k8s_path_collection(&path, &m, ns);
	write_query(&path, opts, false);
	if (path_check(&path, err) == -1)
		goto out;
	rv = send_json(out, k, "POST", path.data, "application/json", obj, err);
out:
	buf_release(&path);
	return rv == -1 ? wrap_obj(err, "create", &ref) : 0;
}

int
k8s_update(struct doc **out, struct k8s *k, const struct doc_node *obj,
    const struct k8s_write_opts *opts, struct err *err)
{
	struct k8s_ref ref;
	struct k8s_mapping m;
	struct buf path;
	const char *ns;
	int rv = -1;

	if (k8s_ref_from_obj(&ref, obj, true, err) == -1)
		return err_wrap(err, "update");
	buf_init(&path, PATH_MAX_BYTES);
	if (k8s_ref_resolve(&m, &ns, k, &ref, err) == -1 ||
	    k8s_path_object(&path, &m, ns, ref.name,
	        opts != NULL ? opts->subresource : NULL, err) == -1)
		goto out;
	write_query(&path, opts, false);
	if (path_check(&path, err) == -1)
		goto out;
	rv = send_json(out, k, "PUT", path.data, "application/json", obj, err);
out:
	buf_release(&path);
	return rv == -1 ? wrap_obj(err, "update", &ref) : 0;
}

static const char *
patch_content_type(enum k8s_patch_type type)
{
	switch (type) {
	case K8S_PATCH_MERGE:
		return "application/merge-patch+json";
	case K8S_PATCH_JSON:
		return "application/json-patch+json";
	case K8S_PATCH_STRATEGIC:
		return "application/strategic-merge-patch+json";
	case K8S_PATCH_APPLY:
		return "application/apply-patch+yaml"; /* JSON is YAML */
	}
	BUG("unknown patch type %d", (int)type);
}

int
k8s_patch(struct doc **out, struct k8s *k, const struct k8s_ref *ref,
    enum k8s_patch_type type, const struct doc_node *patch,
    const struct k8s_write_opts *opts, struct err *err)
{
	struct k8s_mapping m;
	struct buf path;
	const char *ns;
	int rv = -1;

	if (type == K8S_PATCH_APPLY &&
	    (opts == NULL || opts->field_manager == NULL))
		return err_set(err, ERR_INVALID,
		    "server-side apply needs a field manager");
	buf_init(&path, PATH_MAX_BYTES);
	if (k8s_ref_resolve(&m, &ns, k, ref, err) == -1 ||
	    k8s_path_object(&path, &m, ns, ref->name,
	        opts != NULL ? opts->subresource : NULL, err) == -1)
		goto out;
	write_query(&path, opts, type == K8S_PATCH_APPLY);
	if (path_check(&path, err) == -1)
		goto out;
	rv = send_json(out, k, "PATCH", path.data, patch_content_type(type),
	    patch, err);
out:
	buf_release(&path);
	return rv;
}

int
k8s_apply(struct doc **out, struct k8s *k, const struct doc_node *obj,
    const struct k8s_write_opts *opts, struct err *err)
{
	struct k8s_ref ref;

	if (k8s_ref_from_obj(&ref, obj, true, err) == -1)
		return err_wrap(err, "apply");
	if (k8s_patch(out, k, &ref, K8S_PATCH_APPLY, obj, opts, err) == -1)
		return wrap_obj(err, "apply", &ref);
	return 0;
}

static const char *
propagation_name(enum k8s_propagation p)
{
	switch (p) {
	case K8S_PROPAGATION_BACKGROUND:
		return "Background";
	case K8S_PROPAGATION_FOREGROUND:
		return "Foreground";
	case K8S_PROPAGATION_ORPHAN:
		return "Orphan";
	case K8S_PROPAGATION_DEFAULT:
		break;
	}
	return NULL;
}

/* DeleteOptions as a doc tree in arena a. */
static struct doc_node *
delete_body(struct arena *a, const struct k8s_delete_opts *o)
{
	struct doc_node *body = doc_new_map(a), *pre, *dry;
	const char *prop = propagation_name(o->propagation);

	doc_map_set(a, body, "apiVersion", 10, doc_new_str(a, "v1", 2));
	doc_map_set(a, body, "kind", 4, doc_new_str(a, "DeleteOptions", 13));
	if (prop != NULL)
		doc_map_set(a, body, "propagationPolicy", 17,
		    doc_new_str(a, prop, strlen(prop)));
	if (o->uid != NULL || o->resource_version != NULL) {
		pre = doc_new_map(a);
		if (o->uid != NULL)
			doc_map_set(a, pre, "uid", 3,
			    doc_new_str(a, o->uid, strlen(o->uid)));
		if (o->resource_version != NULL)
			doc_map_set(a, pre, "resourceVersion", 15,
			    doc_new_str(a, o->resource_version,
			        strlen(o->resource_version)));
		doc_map_set(a, body, "preconditions", 13, pre);
	}
	if (o->dry_run) {
		dry = doc_new_seq(a);
		doc_seq_append(a, dry, doc_new_str(a, "All", 3));
		doc_map_set(a, body, "dryRun", 6, dry);
	}
	return body;
}

int
k8s_delete(struct k8s *k, const struct k8s_ref *ref,
    const struct k8s_delete_opts *opts, struct err *err)
{
	static const struct k8s_delete_opts none = { 0 };
	struct arena *a = arena_new();
	struct k8s_mapping m;
	struct buf path;
	const char *ns;
	int rv = -1;

	buf_init(&path, PATH_MAX_BYTES);
	if (k8s_ref_resolve(&m, &ns, k, ref, err) == -1 ||
	    k8s_path_object(&path, &m, ns, ref->name, NULL, err) == -1 ||
	    path_check(&path, err) == -1)
		goto out;
	rv = send_json(NULL, k, "DELETE", path.data, "application/json",
	    delete_body(a, opts != NULL ? opts : &none), err);
out:
	buf_release(&path);
	arena_free(a);
	return rv == -1 ? wrap_obj(err, "delete", ref) : 0;
}

int
k8s_list_fill_kinds(struct doc *page, struct err *err)
{
	struct doc_node *root = doc_root(page, 0), *items, *item;
	struct arena *a = doc_arena(page);
	const char *kind, *av;
	size_t i, klen;

	if (root == NULL || root->kind != DOC_MAP)
		return err_set(err, ERR_INVALID, "the answer is not a list");
	items = doc_map_get(root, "items");
	if (items == NULL || items->kind == DOC_NULL) {
		doc_map_set(a, root, "items", 5, doc_new_seq(a));
		return 0;
	}
	if (items->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID, "items is not a list");
	kind = k8s_str_at(root, "kind");
	av = k8s_str_at(root, "apiVersion");
	if (kind == NULL || av == NULL || !str_has_suffix(kind, "List"))
		return 0;
	klen = strlen(kind) - 4;
	for (i = 0; i < items->u.seq.n; i++) {
		item = items->u.seq.items[i];
		if (item->kind != DOC_MAP)
			return err_set(err, ERR_INVALID,
			    "item %zu is not a map", i);
		if (doc_map_get(item, "apiVersion") == NULL)
			doc_map_set(a, item, "apiVersion", 10,
			    doc_new_str(a, av, strlen(av)));
		if (doc_map_get(item, "kind") == NULL)
			doc_map_set(a, item, "kind", 4,
			    doc_new_str(a, kind, klen));
	}
	return 0;
}

/* The path of one page of a list. */
static int
list_path(struct buf *path, struct k8s *k, const struct k8s_list_opts *o,
    const char *cont, struct err *err)
{
	struct k8s_mapping m;
	char limit[16];

	if (k8s_mapping_get(&m, k, o->api_version, o->kind, err) == -1)
		return -1;
	buf_reset(path);
	k8s_path_collection(path, &m, o->namespace);
	(void)snprintf(limit, sizeof(limit), "%u",
	    o->page_size > 0 ? o->page_size : K8S_DEFAULT_PAGE);
	query_add(path, "limit", limit);
	query_add(path, "continue", cont);
	query_add(path, "labelSelector", o->label_selector);
	query_add(path, "fieldSelector", o->field_selector);
	return buf_check(path, err);
}

/*
 * Fetches page after page and hands each to fn, which may keep the page
 * (setting *page to NULL). Items get the apiVersion and kind the API
 * leaves out of typed lists, so they look as they do everywhere else.
 */
static int
list_run(struct k8s *k, const struct k8s_list_opts *opts,
    int (*fn)(void *arg, struct doc **page, struct err *err), void *arg,
    struct err *err)
{
	struct k8s_req req = { "GET", NULL, NULL, NULL, 0, NULL };
	struct doc *page = NULL;
	char *cont = NULL;
	const char *next;
	struct buf path;
	int rv = -1;

	buf_init(&path, PATH_MAX_BYTES);
	for (;;) {
		if (list_path(&path, k, opts, cont, err) == -1)
			break;
		req.path = path.data;
		if (k8s_http_json(&page, k, &req, err) == -1 ||
		    k8s_list_fill_kinds(page, err) == -1)
			break;
		next = k8s_str_at(doc_map_get(doc_root(page, 0), "metadata"),
		    "continue");
		free(cont);
		cont = next != NULL && next[0] != '\0' ? xstrdup(next) : NULL;
		if (fn(arg, &page, err) == -1)
			break;
		doc_free(page);
		page = NULL;
		if (cont == NULL) {
			rv = 0;
			break;
		}
	}
	doc_free(page);
	free(cont);
	buf_release(&path);
	if (rv == -1)
		return err_wrap(err, "list %s", opts->kind);
	return 0;
}

struct pages {
	k8s_page_fn *fn;
	void *arg;
};

static int
pages_one(void *arg, struct doc **page, struct err *err)
{
	struct pages *p = arg;

	return p->fn(p->arg, doc_root(*page, 0), err);
}

int
k8s_list_pages(struct k8s *k, const struct k8s_list_opts *opts, k8s_page_fn *fn,
    void *arg, struct err *err)
{
	struct pages p = { fn, arg };

	return list_run(k, opts, pages_one, &p, err);
}

/* Gathers pages into one List: the first page itself, then copies of
 * the items of the next ones. */
struct gather {
	struct doc *list;
	struct doc_node *items;
};

static int
gather_page(void *arg, struct doc **page, struct err *err)
{
	struct gather *g = arg;
	const struct doc_node *items;
	struct arena *a;
	size_t i;

	(void)err;
	items = doc_map_get(doc_root(*page, 0), "items");
	if (g->list == NULL) {
		g->list = *page;
		*page = NULL;
		g->items = doc_map_get(doc_root(g->list, 0), "items");
		return 0;
	}
	a = doc_arena(g->list);
	for (i = 0; i < items->u.seq.n; i++)
		doc_seq_append(a, g->items, doc_copy(a, items->u.seq.items[i]));
	return 0;
}

int
k8s_list(struct doc **out, struct k8s *k, const struct k8s_list_opts *opts,
    struct err *err)
{
	struct gather g = { NULL, NULL };
	struct doc_node *meta;

	if (list_run(k, opts, gather_page, &g, err) == -1) {
		doc_free(g.list);
		return -1;
	}
	/* The gathered list is not a page: drop the page's continue. */
	meta = doc_map_get(doc_root(g.list, 0), "metadata");
	if (meta != NULL && meta->kind == DOC_MAP)
		doc_map_delete(meta, "continue", 8);
	*out = g.list;
	return 0;
}

int
k8s_get_path(struct doc **out, struct k8s *k, const char *path, struct err *err)
{
	struct k8s_req req = { "GET", path, NULL, NULL, 0, NULL };

	if (path == NULL || path[0] != '/')
		return err_set(err, ERR_INVALID, "API paths start with '/'");
	if (k8s_http_json(out, k, &req, err) == -1)
		return err_wrap(err, "get '%s'", path);
	return 0;
}
