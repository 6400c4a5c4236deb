/*
 * What `helm template` prints from rendered templates: each file split
 * into documents at Helm's separator regexp, each document read as a
 * Kubernetes object head (which must be a YAML mapping, with string
 * annotations), hooks set apart by their helm.sh/hook annotation,
 * manifests and hooks stably sorted into Helm's install order by kind,
 * and printed with "---" and "# Source:" headers, CRDs first when asked.
 */
#include "chart/chart_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"

/* Helm's InstallOrder. */
static const char *const install_order[] = {
	"PriorityClass",
	"Namespace",
	"NetworkPolicy",
	"ResourceQuota",
	"LimitRange",
	"PodSecurityPolicy",
	"PodDisruptionBudget",
	"ServiceAccount",
	"Secret",
	"SecretList",
	"ConfigMap",
	"StorageClass",
	"PersistentVolume",
	"PersistentVolumeClaim",
	"CustomResourceDefinition",
	"ClusterRole",
	"ClusterRoleList",
	"ClusterRoleBinding",
	"ClusterRoleBindingList",
	"Role",
	"RoleList",
	"RoleBinding",
	"RoleBindingList",
	"Service",
	"DaemonSet",
	"Pod",
	"ReplicationController",
	"ReplicaSet",
	"Deployment",
	"HorizontalPodAutoscaler",
	"StatefulSet",
	"Job",
	"CronJob",
	"IngressClass",
	"Ingress",
	"APIService",
	"MutatingWebhookConfiguration",
	"ValidatingWebhookConfiguration",
};

static const char *const hook_events[] = { "pre-install", "post-install",
	"pre-delete", "post-delete", "pre-upgrade", "post-upgrade",
	"pre-rollback", "post-rollback", "test", "test-success" };

struct manifest {
	const char *path;
	const char *text; /* trimmed document */
	size_t len;
	const char *kind;           /* "" when none */
	int order;                  /* index in install_order, or -1 */
	size_t seq;                 /* input position, for a stable sort */
	bool test;                  /* a test hook */
	const char *name;           /* metadata.name, "" when none */
	const struct tmpl_map *ann; /* metadata.annotations, or NULL */
	unsigned events;            /* enum chart_hook_event bits */
};

struct mlist {
	struct manifest *m;
	size_t n, cap;
};

static void
mlist_add(struct mlist *l, const struct manifest *m)
{
	if (l->n == l->cap) {
		l->cap = l->cap == 0 ? 32 : l->cap * 2;
		l->m = xreallocarray(l->m, l->cap, sizeof(*l->m));
	}
	l->m[l->n] = *m;
	l->m[l->n].seq = l->n;
	l->n++;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	    c == '\v';
}

static bool
is_re_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

/* The next match of Helm's separator, (?:^|\s*\n)---\s*, at or after i
 * in p[0..n). Every match but the first at 0 holds "\n---" where its
 * whitespace run ends, and starts where that run starts: find the
 * newline with memmem rather than trying each byte. */
static bool
next_sep(const char *p, size_t n, size_t i, size_t *start, size_t *end)
{
	size_t k;

	if (i == 0 && n >= 3 && memcmp(p, "---", 3) == 0) {
		*start = 0;
		k = 3;
	} else {
		const char *q = i < n ? memmem(p + i, n - i, "\n---", 4) : NULL;

		if (q == NULL)
			return false;
		k = (size_t)(q - p);
		while (k > i && is_re_space(p[k - 1]))
			k--;
		*start = k;
		k = (size_t)(q - p) + 4;
	}
	while (k < n && is_re_space(p[k]))
		k++;
	*end = k;
	return true;
}

static const char *
str_field(const struct tmpl_val *m, const char *key, bool *bad)
{
	const struct tmpl_val *v = tmpl_map_find(m->u.m, key, strlen(key));

	if (v == NULL || v->kind == TMPL_NIL)
		return "";
	if (v->kind != TMPL_STR) {
		*bad = true;
		return "";
	}
	return v->u.s.p;
}

/* Helm's SimpleHead: kind and the hook annotation; -1 for what
 * sigs.k8s.io/yaml refuses. */
static int
read_head(struct manifest *m, const char **hook, struct arena *a,
    struct err *err)
{
	const struct tmpl_val *meta, *ann, *h;
	struct tmpl_val v;
	bool bad = false;

	*hook = NULL;
	if (tmpl_values_parse(&v, m->text, m->len, a, err) == -1)
		return err_wrap(err, "YAML parse error on %s", m->path);
	m->kind = arena_strdup(a, str_field(&v, "kind", &bad));
	str_field(&v, "apiVersion", &bad);
	meta = tmpl_map_find(v.u.m, "metadata", 8);
	if (meta != NULL && meta->kind == TMPL_MAP) {
		m->name = str_field(meta, "name", &bad);
		ann = tmpl_map_find(meta->u.m, "annotations", 11);
		if (ann != NULL && ann->kind == TMPL_MAP)
			m->ann = ann->u.m;
		for (size_t i = 0;
		     ann != NULL && ann->kind == TMPL_MAP && i < ann->u.m->n;
		     i++)
			str_field(ann, ann->u.m->items[i].key, &bad);
		if (ann != NULL && ann->kind != TMPL_MAP &&
		    ann->kind != TMPL_NIL)
			bad = true;
		if (ann != NULL && ann->kind == TMPL_MAP &&
		    (h = tmpl_map_find(ann->u.m, "helm.sh/hook", 12)) != NULL &&
		    h->kind == TMPL_STR)
			*hook = arena_strndup(a, h->u.s.p, h->u.s.n);
	} else if (meta != NULL && meta->kind != TMPL_NIL) {
		bad = true;
	}
	if (bad)
		return err_set(err, ERR_INVALID,
		    "YAML parse error on %s: error unmarshaling JSON: while "
		    "decoding JSON: json: cannot unmarshal into Go struct "
		    "field of type string",
		    m->path);
	return 0;
}

/* Whether every listed hook event is known; sets their bits in *events
 * (enum chart_hook_event follows hook_events[], test-success is test). */
static bool
hook_known(const char *hook, unsigned *events)
{
	*events = 0;
	for (;;) { /* strings.Split: "" and "a," hold an empty event */
		size_t n = strcspn(hook, ","), s = 0, e = n;
		bool known = false;

		while (s < e && is_space(hook[s]))
			s++;
		while (e > s && is_space(hook[e - 1]))
			e--;
		for (size_t k = 0;
		     k < sizeof(hook_events) / sizeof(*hook_events); k++)
			if (strlen(hook_events[k]) == e - s &&
			    strncasecmp(hook + s, hook_events[k], e - s) == 0) {
				known = true;
				*events |= 1U << (k < 8 ? k : 8);
			}
		if (!known)
			return false;
		if (hook[n] == '\0')
			return true;
		hook += n + 1;
	}
}

static int
kind_order(const char *kind)
{
	for (size_t i = 0; i < sizeof(install_order) / sizeof(*install_order);
	     i++)
		if (strcmp(kind, install_order[i]) == 0)
			return (int)i;
	return -1;
}

/* p[s..e) without surrounding whitespace. */
static void
trim_span(const char *p, size_t *s, size_t *e)
{
	while (*s < *e && is_space(p[*s]))
		(*s)++;
	while (*e > *s && is_space(p[*e - 1]))
		(*e)--;
}

/* One document: a manifest, a hook (an unknown hook is dropped, as Helm
 * drops it), or an error when Helm could not read its head. */
static int
add_doc(struct mlist *gen, struct mlist *hooks, struct manifest *m,
    struct arena *a, struct err *err)
{
	const char *hook;

	if (read_head(m, &hook, a, err) == -1)
		return -1;
	m->order = kind_order(m->kind);
	if (hook == NULL)
		mlist_add(gen, m);
	else if (hook_known(hook, &m->events)) {
		m->test = (m->events & CHART_HOOK_TEST) != 0;
		mlist_add(hooks, m);
	}
	return 0;
}

/* Helm's SplitManifests over one rendered file. */
static int
split_file(struct mlist *gen, struct mlist *hooks, const struct rendered *f,
    struct arena *a, struct err *err)
{
	const char *p = f->text;
	size_t n = f->len, i = 0, s, e, start = 0;

	trim_span(p, &start, &n);
	p += start;
	n -= start;
	while (i <= n) {
		struct manifest m = { f->name, NULL, 0, "", -1, 0, false, "",
			NULL, 0 };
		size_t ds = i, de;

		if (!next_sep(p, n, i, &s, &e))
			s = e = n + 1;
		de = s > n ? n : s;
		i = e;
		if (de == ds)
			continue;
		trim_span(p, &ds, &de);
		m.text = p + ds;
		m.len = de - ds;
		if (add_doc(gen, hooks, &m, a, err) == -1)
			return -1;
	}
	return 0;
}

/* Helm's lessByKind, made stable by input position. */
static int
by_kind(const void *x, const void *y)
{
	const struct manifest *a = x, *b = y;

	if (a->order < 0 && b->order < 0) {
		int c = strcmp(a->kind, b->kind);

		if (c != 0)
			return c;
	} else if (a->order != b->order) {
		if (a->order < 0)
			return 1;
		if (b->order < 0)
			return -1;
		return a->order < b->order ? -1 : 1;
	}
	return a->seq < b->seq ? -1 : a->seq > b->seq ? 1 : 0;
}

static int
path_cmp(const void *x, const void *y)
{
	const struct rendered *a = x, *b = y;

	return strcmp(a->name, b->name);
}

static bool
manifest_ext(const char *name)
{
	size_t n = strlen(name);

	return (n > 5 && strcmp(name + n - 5, ".yaml") == 0) ||
	    (n > 4 && strcmp(name + n - 4, ".yml") == 0) ||
	    (n > 5 && strcmp(name + n - 5, ".json") == 0);
}

/* Chart.CRDObjects(): crds/ of the chart, then of its dependencies. */
static void
emit_crds(struct buf *out, const struct rchart *rc, const char *path)
{
	for (size_t i = 0; i < rc->c->nfiles; i++) {
		const struct chart_file *f = &rc->c->files[i];

		if (strncmp(f->name, "crds/", 5) != 0 || !manifest_ext(f->name))
			continue;
		buf_printf(out, "---\n# Source: %s/%s\n", path, f->name);
		buf_append(out, f->data, f->len);
		buf_putc(out, '\n');
	}
	for (size_t i = 0; i < rc->nkids; i++) {
		char *sub = xasprintf("%s/charts/%s", path, rc->kids[i]->name);

		emit_crds(out, rc->kids[i], sub);
		free(sub);
	}
}

static void
emit(struct buf *b, const struct manifest *m)
{
	buf_printf(b, "---\n# Source: %s\n", m->path);
	buf_append(b, m->text, m->len);
	buf_putc(b, '\n');
}

/* Helm's SortManifests: each file (by path) split into documents, the
 * objects and the hooks apart, each list in install order. */
static int
manifests_sort(struct mlist *gen, struct mlist *hooks,
    const struct rendered *files, size_t n, struct arena *a, struct err *err)
{
	struct rendered *sorted = xcalloc(n + 1, sizeof(*sorted));
	int rv = 0;

	if (n > 0) {
		memcpy(sorted, files, n * sizeof(*files));
		qsort(sorted, n, sizeof(*sorted), path_cmp);
	}
	for (size_t i = 0; i < n && rv == 0; i++)
		rv = split_file(gen, hooks, &sorted[i], a, err);
	free(sorted);
	if (rv == 0 && gen->n > 1)
		qsort(gen->m, gen->n, sizeof(*gen->m), by_kind);
	if (rv == 0 && hooks->n > 1)
		qsort(hooks->m, hooks->n, sizeof(*hooks->m), by_kind);
	return rv;
}

/* release.Manifest: CRDs first when asked, then every object. */
static void
manifest_text(struct buf *body, const struct mlist *gen,
    const struct rchart *root, const struct chart_opts *o)
{
	if (o->include_crds)
		emit_crds(body, root, root->name);
	for (size_t i = 0; i < gen->n; i++)
		emit(body, &gen->m[i]);
}

int
manifests_emit(struct buf *out, const struct rendered *files, size_t n,
    const struct rchart *root, const struct chart_opts *o, struct arena *a,
    struct err *err)
{
	struct mlist gen = { 0 }, hooks = { 0 };
	struct buf body;
	size_t s, e;
	int rv = -1;

	if (manifests_sort(&gen, &hooks, files, n, a, err) == -1)
		goto out;
	buf_init(&body, out->max);
	manifest_text(&body, &gen, root, o);
	/* strings.TrimSpace(rel.Manifest), then a newline */
	for (s = 0; s < body.len && is_space(body.data[s]); s++)
		;
	for (e = body.len; e > s && is_space(body.data[e - 1]); e--)
		;
	buf_append(out, body.data != NULL ? body.data + s : "", e - s);
	buf_putc(out, '\n');
	buf_release(&body);
	for (size_t i = 0; i < hooks.n; i++)
		if (!(o->skip_tests && hooks.m[i].test))
			emit(out, &hooks.m[i]);
	rv = buf_check(out, err);
out:
	free(gen.m);
	free(hooks.m);
	return rv;
}

/* The annotation key of m as a string, or NULL. */
static const char *
annotation(const struct manifest *m, const char *key)
{
	const struct tmpl_val *v = m->ann == NULL
	    ? NULL
	    : tmpl_map_find(m->ann, key, strlen(key));

	return v != NULL && v->kind == TMPL_STR ? v->u.s.p : NULL;
}

/* calculateHookWeight: strconv.Atoi, 0 when it fails. */
static int64_t
hook_weight(const char *s)
{
	struct err err = ERR_INIT;
	size_t sign = s != NULL && (s[0] == '+' || s[0] == '-');
	int64_t w;

	if (s == NULL || s[sign] == '\0' ||
	    strspn(s + sign, "0123456789") != strlen(s + sign) ||
	    str_to_i64(&w, s, &err) == -1)
		return 0;
	return w;
}

/* helm.sh/hook-delete-policy: comma-separated, trimmed, lower-cased. */
static unsigned
hook_policies(const char *s)
{
	static const char *const names[] = { "before-hook-creation",
		"hook-succeeded", "hook-failed" };
	unsigned bits = 0;

	while (s != NULL) {
		size_t n = strcspn(s, ","), b = 0, e = n;

		trim_span(s, &b, &e);
		for (size_t k = 0; k < sizeof(names) / sizeof(*names); k++)
			if (strlen(names[k]) == e - b &&
			    strncasecmp(s + b, names[k], e - b) == 0)
				bits |= 1U << k;
		s = s[n] == ',' ? s + n + 1 : NULL;
	}
	return bits;
}

static void
hook_fill(struct chart_hook *h, const struct manifest *m, struct arena *a)
{
	h->name = arena_strdup(a, m->name);
	h->kind = arena_strdup(a, m->kind);
	h->path = arena_strdup(a, m->path);
	h->manifest = arena_strndup(a, m->text, m->len);
	h->manifest_len = m->len;
	h->events = m->events;
	h->weight = hook_weight(annotation(m, "helm.sh/hook-weight"));
	h->delete_policies = hook_policies(
	    annotation(m, "helm.sh/hook-delete-policy"));
}

int
manifests_release(struct chart_release *rel, const struct rendered *files,
    size_t n, const struct rchart *root, const struct chart_opts *o,
    struct arena *a, struct err *err)
{
	struct mlist gen = { 0 }, hooks = { 0 };
	struct buf body;
	int rv = -1;

	if (manifests_sort(&gen, &hooks, files, n, a, err) == -1)
		goto out;
	buf_init(&body, BUF_MAX_DEFAULT);
	manifest_text(&body, &gen, root, o);
	rv = buf_check(&body, err);
	rel->manifest = arena_strndup(rel->arena,
	    body.data != NULL ? body.data : "", body.len);
	rel->manifest_len = body.len;
	buf_release(&body);
	rel->hooks = arena_calloc(rel->arena, hooks.n + 1, sizeof(*rel->hooks));
	for (size_t i = 0; i < hooks.n && rv == 0; i++)
		if (!(o->skip_tests && hooks.m[i].test))
			hook_fill(&rel->hooks[rel->nhooks++], &hooks.m[i],
			    rel->arena);
out:
	free(gen.m);
	free(hooks.m);
	return rv;
}
