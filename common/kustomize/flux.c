/*
 * Flux's rule for a directory without a kustomization file (kustomize-
 * controller's generator): a kustomization.yaml whose resources are every
 * .yaml and .yml file below the directory, in walk order, each checked to
 * hold Kubernetes objects, and every subdirectory that has its own
 * kustomization file (listed as a directory, not descended into).
 * Symbolic links to directories are not followed, as in Go's Walk.
 */
#include "kustomize/kustomize.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/mem.h"
#include "kustomize/kz_int.h"

static const char *const kust_names[] = { "kustomization.yaml",
	"kustomization.yml", "Kustomization" };

struct walk {
	struct kz_build *b;
	struct kz_target t; /* for loading files below the root */
	struct kz_vec paths;
	const char *root;
};

static bool
has_kustomization(struct arena *a, const char *dir)
{
	for (size_t i = 0; i < sizeof(kust_names) / sizeof(kust_names[0]);
	     i++) {
		struct stat st;

		if (stat(arena_printf(a, "%s/%s", dir, kust_names[i]), &st) ==
		        0 &&
		    !S_ISDIR(st.st_mode))
			return true;
	}
	return false;
}

static bool
manifest_ext(const char *name)
{
	const char *dot = strrchr(name, '.');

	return dot != NULL &&
	    (strcmp(dot, ".yaml") == 0 || strcmp(dot, ".yml") == 0);
}

static int
name_cmp(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The names in dir, sorted as Go's filepath.Walk reads them. */
static int
read_names(struct kz_vec *out, struct arena *a, const char *dir,
    struct err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;

	if (d == NULL)
		return err_errno(err, errno, "'%s'", dir);
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		kz_vec_push(a, out, arena_strdup(a, e->d_name));
	}
	closedir(d);
	if (out->n > 1)
		qsort(out->v, out->n, sizeof(out->v[0]), name_cmp);
	return 0;
}

static int walk_dir(struct walk *w, const char *dir, const char *rel,
    unsigned depth, struct err *err);

static int
visit(struct walk *w, const char *dir, const char *rel, const char *name,
    unsigned depth, struct err *err)
{
	struct arena *a = w->b->a;
	char *path = arena_printf(a, "%s/%s", dir, name);
	char *relp = arena_printf(a, "%s/%s", rel, name);
	struct kz_vec objs = { 0 };
	struct stat st;
	char *text;
	size_t len;

	if (lstat(path, &st) == -1)
		return err_errno(err, errno, "'%s'", path);
	if (S_ISDIR(st.st_mode)) {
		if (has_kustomization(a, path)) {
			kz_vec_push(a, &w->paths, relp);
			return 0;
		}
		return walk_dir(w, path, relp, depth + 1, err);
	}
	if (!manifest_ext(name))
		return 0;
	if (kz_load_file(&text, &len, &w->t, relp + 2, err) == -1 ||
	    kz_parse_resources(&objs, w->b, text, len, path, err) == -1)
		return err_wrap(err,
		    "failed to decode Kubernetes YAML from "
		    "'%s'",
		    path);
	kz_vec_push(a, &w->paths, relp);
	return 0;
}

static int
walk_dir(struct walk *w, const char *dir, const char *rel, unsigned depth,
    struct err *err)
{
	struct kz_vec names = { 0 };

	if (depth > w->b->opts.max_depth)
		return err_set(err, ERR_LIMIT,
		    "directories nested deeper than %u at '%s'",
		    w->b->opts.max_depth, dir);
	if (read_names(&names, w->b->a, dir, err) == -1)
		return -1;
	for (size_t i = 0; i < names.n; i++)
		if (visit(w, dir, rel, names.v[i], depth, err) == -1)
			return -1;
	return 0;
}

static int
emit(char **out, const struct kz_vec *paths, struct err *err)
{
	struct doc *d = doc_new();
	struct arena *a = doc_arena(d);
	struct doc_node *k = doc_new_map(a), *res = doc_new_seq(a);
	struct buf b;

	doc_map_set(a, k, "apiVersion", 10,
	    doc_new_str(a, "kustomize.config.k8s.io/v1beta1", 31));
	doc_map_set(a, k, "kind", 4, doc_new_str(a, "Kustomization", 13));
	for (size_t i = 0; i < paths->n; i++)
		doc_seq_append(a, res,
		    doc_new_str(a, paths->v[i], strlen(paths->v[i])));
	if (paths->n > 0)
		doc_map_set(a, k, "resources", 9, res);
	buf_init(&b, BUF_MAX_DEFAULT);
	if (doc_emit_yaml(&b, k, err) == -1 || buf_check(&b, err) == -1) {
		buf_release(&b);
		doc_free(d);
		return -1;
	}
	doc_free(d);
	*out = buf_detach(&b, NULL);
	return 0;
}

int
kustomize_generate(char **out, const char *dir, struct err *err)
{
	struct kz_build b;
	struct walk w;
	char real[PATH_MAX];
	int rv = -1;

	memset(&b, 0, sizeof(b));
	memset(&w, 0, sizeof(w));
	kz_opts_resolve(&b.opts, NULL);
	b.a = arena_new();
	if (realpath(dir, real) == NULL) {
		err_errno(err, errno, "'%s'", dir);
		goto out;
	}
	if (has_kustomization(b.a, real)) {
		err_set(err, ERR_CONFLICT, "'%s' has a kustomization already",
		    dir);
		goto out;
	}
	w.b = &b;
	w.t.b = &b;
	w.t.root = arena_strdup(b.a, real);
	if (walk_dir(&w, real, ".", 0, err) == -1 ||
	    emit(out, &w.paths, err) == -1)
		goto out;
	rv = 0;
out:
	for (size_t i = 0; i < b.docs.n; i++)
		doc_free(b.docs.v[i]);
	arena_free(b.a);
	return rv;
}
