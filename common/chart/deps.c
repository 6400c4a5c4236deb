/*
 * Chart dependencies as Helm's ProcessDependencies sees them: subcharts
 * matched to Chart.yaml entries by name and version range, copied under
 * their alias, switched off by condition or tags (evaluated on the
 * coalesced values), then import-values merged into the parent's values
 * (bottom-up, MergeTables, the parent's own values winning).
 */
#include "chart/chart_int.h"

#include <stdio.h>
#include <string.h>

#define MAX_KIDS 4096

bool
deps_compatible(const char *constraint, const char *version)
{
	struct err err = ERR_INIT;
	bool ok = false;

	if (tmpl_semver_check(&ok, constraint, version, &err) == -1)
		return false;
	return ok;
}

static struct rchart *
rchart_new(struct arena *a, const struct chart *c, const char *name,
    struct rchart *parent)
{
	struct rchart *rc = arena_calloc(a, 1, sizeof(*rc));

	rc->c = c;
	rc->name = name;
	rc->parent = parent;
	rc->values = c->values;
	rc->meta = tmpl_copy(a, &c->meta);
	tmpl_map_set(a, rc->meta.u.m, "Name", 4, tmpl_str(name, strlen(name)));
	rc->has_deps = c->has_deps;
	rc->ndeps = c->ndeps;
	rc->deps = arena_calloc(a, c->ndeps + 1, sizeof(*rc->deps));
	for (size_t i = 0; i < c->ndeps; i++) {
		rc->deps[i].d = &c->deps[i];
		rc->deps[i].name = c->deps[i].name;
		rc->deps[i].enabled = true;
	}
	return rc;
}

static void
add_kid(struct arena *a, struct rchart *rc, struct rchart *kid)
{
	struct rchart **kids = arena_alloc(a,
	    (rc->nkids + 1) * sizeof(struct rchart *));

	if (rc->nkids > 0)
		memcpy(kids, rc->kids, rc->nkids * sizeof(struct rchart *));
	kids[rc->nkids++] = kid;
	rc->kids = kids;
}

/* Subcharts not named in Chart.yaml stay; named ones come once per
 * entry, under the entry's alias. */
static void
match_kids(struct arena *a, struct rchart *rc)
{
	const struct chart *c = rc->c;

	for (size_t i = 0; i < c->nsubs; i++) {
		bool named = false;

		for (size_t k = 0; k < c->ndeps && !named; k++)
			named = strcmp(c->subs[i]->name, c->deps[k].name) ==
			        0 &&
			    deps_compatible(c->deps[k].version,
			        c->subs[i]->version);
		if (!named)
			add_kid(a, rc,
			    rchart_new(a, c->subs[i], c->subs[i]->name, rc));
	}
	for (size_t k = 0; k < rc->ndeps; k++) {
		const struct chart_dep *d = rc->deps[k].d;

		for (size_t i = 0; i < c->nsubs; i++) {
			if (strcmp(c->subs[i]->name, d->name) != 0 ||
			    !deps_compatible(d->version, c->subs[i]->version))
				continue;
			add_kid(a, rc,
			    rchart_new(a, c->subs[i],
			        d->alias[0] != '\0' ? d->alias : d->name, rc));
			break;
		}
		if (d->alias[0] != '\0')
			rc->deps[k].name = d->alias;
	}
}

static void
apply_tags(struct rchart *rc, const struct tmpl_val *cvals)
{
	const struct tmpl_val *tags = tmpl_map_find(cvals->u.m, "tags", 4);

	if (tags == NULL || tags->kind != TMPL_MAP)
		return;
	for (size_t k = 0; k < rc->ndeps; k++) {
		const struct tmpl_val *list = &rc->deps[k].d->tags;
		bool yes = false, no = false;

		for (size_t i = 0; list->kind == TMPL_LIST && i < list->u.l->n;
		     i++) {
			const struct tmpl_val *t = &list->u.l->items[i];
			const struct tmpl_val *b = tmpl_map_find(tags->u.m,
			    t->u.s.p, t->u.s.n);

			if (b != NULL && b->kind == TMPL_BOOL) {
				yes = yes || b->u.b;
				no = no || !b->u.b;
			}
		}
		rc->deps[k].enabled = !(no && !yes);
	}
}

/* The first condition path that holds a bool decides. */
static void
apply_conditions(struct arena *a, struct rchart *rc,
    const struct tmpl_val *cvals, const char *path)
{
	for (size_t k = 0; k < rc->ndeps; k++) {
		const char *cond = rc->deps[k].d->condition;

		while (cond[0] != '\0') {
			size_t n = strcspn(cond, ",");
			const char *full = arena_printf(a, "%s%.*s", path,
			    (int)n, cond);
			const struct tmpl_val *v;

			while (full[0] == ' ')
				full++;
			v = values_path(cvals, full);
			if (v != NULL && v->kind == TMPL_BOOL) {
				rc->deps[k].enabled = v->u.b;
				break;
			}
			cond += n + (cond[n] == ',');
		}
	}
}

static bool
dep_disabled(const struct rchart *rc, const char *name)
{
	for (size_t k = 0; k < rc->ndeps; k++)
		if (!rc->deps[k].enabled && strcmp(rc->deps[k].name, name) == 0)
			return true;
	return false;
}

static void
drop_disabled(struct rchart *rc)
{
	size_t kept = 0;

	for (size_t i = 0; i < rc->nkids; i++)
		if (!dep_disabled(rc, rc->kids[i]->name))
			rc->kids[kept++] = rc->kids[i];
	rc->nkids = kept;
	kept = 0;
	for (size_t k = 0; k < rc->ndeps; k++)
		if (rc->deps[k].enabled)
			rc->deps[kept++] = rc->deps[k];
	rc->ndeps = kept;
}

/* Helm's processDependencyEnabled. */
static int
process_enabled(struct arena *a, struct rchart *rc, const struct tmpl_val *v,
    const char *path, unsigned depth, struct err *err)
{
	struct tmpl_val cvals;

	if (!rc->has_deps) {
		for (size_t i = 0; i < rc->c->nsubs; i++)
			add_kid(a, rc,
			    rchart_new(a, rc->c->subs[i], rc->c->subs[i]->name,
			        rc));
		return 0;
	}
	match_kids(a, rc);
	if (values_coalesce(&cvals, a, rc, v, false, err) == -1)
		return -1;
	apply_tags(rc, &cvals);
	apply_conditions(a, rc, &cvals, path);
	drop_disabled(rc);
	for (size_t i = 0; i < rc->nkids; i++) {
		const char *sub = arena_printf(a, "%s%s.", path,
		    rc->kids[i]->name);

		if (depth > 64)
			return err_set(err, ERR_LIMIT,
			    "dependencies nested too deep");
		if (process_enabled(a, rc->kids[i], &cvals, sub, depth + 1,
		        err) == -1)
			return -1;
	}
	return 0;
}

/* {a: {b: data}} for "a.b"; data itself for ".". */
static struct tmpl_val
path_to_map(struct arena *a, const char *path, struct tmpl_val data)
{
	const char *dot;

	if (strcmp(path, ".") == 0)
		return data;
	dot = strrchr(path, '.');
	while (dot != NULL || path[0] != '\0') {
		const char *seg = dot != NULL ? dot + 1 : path;
		size_t n = dot != NULL ? strlen(seg) : strlen(path);
		struct tmpl_val m = tmpl_map_new(a, 1);

		tmpl_map_set(a, m.u.m, seg, n, data);
		data = m;
		if (dot == NULL)
			break;
		path = arena_strndup(a, path, (size_t)(dot - path));
		dot = strrchr(path, '.');
	}
	return data;
}

static void
import_one(struct arena *a, const struct tmpl_val *cvals, const char *dep,
    const struct tmpl_val *iv, struct tmpl_val *b)
{
	const struct tmpl_val *table;
	struct buf s;
	const char *child, *parent = ".";

	buf_init(&s, 1 << 16);
	if (iv->kind == TMPL_MAP) {
		const struct tmpl_val *cv = tmpl_map_find(iv->u.m, "child", 5);
		const struct tmpl_val *pv = tmpl_map_find(iv->u.m, "parent", 6);

		if (cv != NULL)
			tmpl_print(&s, cv);
		child = arena_strndup(a, s.data != NULL ? s.data : "", s.len);
		buf_reset(&s);
		if (pv != NULL)
			tmpl_print(&s, pv);
		parent = arena_strndup(a, s.data != NULL ? s.data : "", s.len);
	} else if (iv->kind == TMPL_STR) {
		child = arena_printf(a, "exports.%.*s", (int)iv->u.s.n,
		    iv->u.s.p);
	} else {
		buf_release(&s);
		return;
	}
	buf_release(&s);
	table = values_path(cvals, arena_printf(a, "%s.%s", dep, child));
	if (table == NULL || table->kind != TMPL_MAP)
		return;
	{
		struct tmpl_val src = path_to_map(a, parent,
		    tmpl_copy(a, table));

		values_coalesce_tables(a, b->u.m, src.u.m, true);
	}
}

/* Helm's processImportValues (merge mode). */
static int
process_imports(struct arena *a, struct rchart *rc, unsigned depth,
    struct err *err)
{
	struct tmpl_val cvals, b;

	for (size_t i = 0; i < rc->nkids; i++)
		if (depth < 64 &&
		    process_imports(a, rc->kids[i], depth + 1, err) == -1)
			return -1;
	if (!rc->has_deps)
		return 0;
	if (values_coalesce(&cvals, a, rc, NULL, true, err) == -1)
		return -1;
	b = tmpl_map_new(a, 0);
	for (size_t k = 0; k < rc->ndeps; k++) {
		const struct tmpl_val *ivs = &rc->deps[k].d->import_values;

		for (size_t i = 0; ivs->kind == TMPL_LIST && i < ivs->u.l->n;
		     i++)
			import_one(a, &cvals, rc->deps[k].name,
			    &ivs->u.l->items[i], &b);
	}
	cvals = tmpl_copy(a, &cvals);
	values_coalesce_tables(a, cvals.u.m, b.u.m, true);
	cvals.type = TMPL_T_DEFAULT;
	rc->values = cvals;
	return 0;
}

/* .Chart.Dependencies as Helm leaves them after processing. */
static void
meta_dependencies(struct arena *a, struct rchart *rc)
{
	struct tmpl_val list = tmpl_list_new(a, rc->ndeps);

	for (size_t k = 0; k < rc->ndeps; k++) {
		const struct chart_dep *d = rc->deps[k].d;
		struct tmpl_val m = tmpl_map_new(a, 8);

		tmpl_map_set(a, m.u.m, "Alias", 5,
		    tmpl_str(d->alias, strlen(d->alias)));
		tmpl_map_set(a, m.u.m, "Condition", 9,
		    tmpl_str(d->condition, strlen(d->condition)));
		tmpl_map_set(a, m.u.m, "Enabled", 7, tmpl_bool(true));
		tmpl_map_set(a, m.u.m, "ImportValues", 12,
		    d->import_values.kind == TMPL_LIST ? d->import_values
		                                       : tmpl_list_new(a, 0));
		tmpl_map_set(a, m.u.m, "Name", 4,
		    tmpl_str(rc->deps[k].name, strlen(rc->deps[k].name)));
		tmpl_map_set(a, m.u.m, "Repository", 10,
		    tmpl_str(d->repository, strlen(d->repository)));
		tmpl_map_set(a, m.u.m, "Tags", 4,
		    d->tags.kind == TMPL_LIST ? d->tags : tmpl_list_new(a, 0));
		tmpl_map_set(a, m.u.m, "Version", 7,
		    tmpl_str(d->version, strlen(d->version)));
		tmpl_list_append(a, list.u.l, m);
	}
	tmpl_map_set(a, rc->meta.u.m, "Dependencies", 12, list);
	for (size_t i = 0; i < rc->nkids; i++)
		meta_dependencies(a, rc->kids[i]);
}

int
deps_process(struct rchart **out, struct arena *a, const struct chart *c,
    const struct tmpl_val *vals, struct err *err)
{
	struct rchart *root = rchart_new(a, c, c->name, NULL);

	if (process_enabled(a, root, vals, "", 0, err) == -1 ||
	    process_imports(a, root, 0, err) == -1)
		return -1;
	meta_dependencies(a, root);
	*out = root;
	return 0;
}
