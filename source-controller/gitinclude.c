/*
 * GitRepository spec.include (gitinclude.h): find each included
 * repository's stored artifact, extract it beside the work tree and move
 * the wanted part into place.
 */
#include "gitinclude.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/arena.h"

#define REASON_NOT_FOUND   "NotFound"
#define REASON_NO_ARTIFACT "NoArtifact"
#define REASON_COPY_FAILED "CopyFailure"

/* A relative path that stays inside the tree: no "..", not absolute. */
static bool
path_inside(const char *p)
{
	if (p[0] == '/')
		return false;
	for (const char *s = p; *s != '\0';) {
		const char *e = strchrnul(s, '/');

		if (e - s == 2 && s[0] == '.' && s[1] == '.')
			return false;
		s = *e == '/' ? e + 1 : e;
	}
	return true;
}

/* "a/b/" to "a/b", "./" and "" to "". */
static const char *
path_clean(struct arena *a, const char *p)
{
	size_t n;

	while (p[0] == '.' && p[1] == '/')
		p += 2;
	if (strcmp(p, ".") == 0)
		return "";
	n = strlen(p);
	while (n > 0 && p[n - 1] == '/')
		n--;
	return arena_strndup(a, p, n);
}

/* The included repository's artifact, checked to name a plain file of
 * its own storage directory. */
static int
include_artifact(struct git_include *in, struct reconciler *r, const char *ns,
    struct doc_node **art, struct err *err)
{
	struct k8s_ref ref = { SOURCE_API_VERSION, "GitRepository", ns,
		in->name };
	struct doc *d = NULL;
	const char *path, *slash;

	if (k8s_get(&d, reconciler_k8s(r), &ref, err) == -1) {
		err_wrap(err, "could not get resource for include '%s'",
		    in->name);
		return err_reason(err, REASON_NOT_FOUND);
	}
	*art = doc_copy(reconciler_arena(r),
	    doc_ptr_find(doc_root(d, 0), "/status/artifact"));
	doc_free(d);
	path = doc_str(doc_map_get(*art, "path"));
	in->digest = doc_str(doc_map_get(*art, "digest"));
	if (*art == NULL || path == NULL || in->digest == NULL) {
		err_set(err, ERR_NOTFOUND,
		    "no artifact available for include '%s'", in->name);
		return err_reason(err, REASON_NO_ARTIFACT);
	}
	slash = strrchr(path, '/');
	in->file = slash != NULL ? slash + 1 : path;
	if (in->file[0] == '\0' || in->file[0] == '.') {
		err_set(err, ERR_INVALID,
		    "include '%s': bad artifact path '%s'", in->name, path);
		return err_reason(err, REASON_NO_ARTIFACT);
	}
	return 0;
}

static int
include_read(struct git_include *in, const struct doc_node *item,
    struct err *err)
{
	const char *from = doc_str(doc_map_get(item, "fromPath"));
	const char *to = doc_str(doc_map_get(item, "toPath"));

	in->name = doc_str(doc_ptr_find(item, "/repository/name"));
	if (in->name == NULL || in->name[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "include without repository.name");
	in->from = from != NULL ? from : "";
	in->to = to != NULL && to[0] != '\0' ? to : in->name;
	if (!path_inside(in->from) || !path_inside(in->to))
		return err_set(err, ERR_INVALID,
		    "include '%s': fromPath and toPath must stay inside the tree",
		    in->name);
	return 0;
}

int
git_includes_load(struct git_includes *out, struct reconciler *r,
    const struct object *obj, const struct doc_node *spec, struct err *err)
{
	const struct doc_node *list = doc_map_get(spec, "include");
	struct arena *a = reconciler_arena(r);
	size_t n = list != NULL && list->kind == DOC_SEQ ? list->u.seq.n : 0;

	memset(out, 0, sizeof(*out));
	if (n == 0)
		return 0;
	out->v = arena_calloc(a, n, sizeof(*out->v));
	out->uses = arena_calloc(a, n, sizeof(*out->uses));
	out->artifacts = doc_new_seq(a);
	for (size_t i = 0; i < n; i++) {
		struct git_include *in = &out->v[i];
		struct doc_node *art = NULL;

		if (include_read(in, list->u.seq.items[i], err) == -1)
			return -1;
		in->from = path_clean(a, in->from);
		in->to = path_clean(a, in->to);
		if (in->to[0] == '\0')
			return err_set(err, ERR_INVALID,
			    "include '%s': toPath must name a directory",
			    in->name);
		out->uses[i] = arena_printf(a, "GitRepository/%s/%s",
		    obj->namespace, in->name);
		out->n = i + 1;
		if (include_artifact(in, r, obj->namespace, &art, err) == -1)
			return -1;
		doc_seq_append(a, out->artifacts, art);
	}
	return 0;
}

/* Extracts one include's artifact under tmp, then moves its from part
 * to work/to (replacing what the checkout had there). */
static int
include_copy(const struct git_include *in, struct source_ctx *ctx,
    struct arena *a, const char *ns, const char *tmp, const char *work,
    struct err *err)
{
	char *file = arena_printf(a, "%s/gitrepository/%s/%s/%s",
	    ctx->flags.storage_path, ns, in->name, in->file);
	char *src = arena_printf(a, "%s%s%s", tmp, in->from[0] ? "/" : "",
	    in->from);
	char *dst = arena_printf(a, "%s/%s", work, in->to);
	char *parent = arena_strdup(a, dst);
	int fd = open(file, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
	int rv;

	if (fd == -1)
		return err_errno(err, errno, "open %s", file);
	rv = artifact_extract(tmp, fd, in->digest, NULL, err);
	close(fd);
	if (rv == -1)
		return -1;
	*strrchr(parent, '/') = '\0';
	if (source_mkdirs(parent, err) == -1 ||
	    artifact_tree_remove(dst, false, err) == -1)
		return -1;
	if (rename(src, dst) == -1)
		return err_errno(err, errno, "move '%s' to '%s'",
		    in->from[0] ? in->from : ".", in->to);
	return 0;
}

int
git_includes_apply(const struct git_includes *inc, struct source_ctx *ctx,
    struct arena *a, const char *ns, const char *work, struct err *err)
{
	for (size_t i = 0; i < inc->n; i++) {
		const struct git_include *in = &inc->v[i];
		char *tmp = arena_printf(a, "%s/tmp/include-XXXXXX",
		    ctx->flags.cache_dir);
		struct err rm = ERR_INIT;
		int rv;

		if (mkdtemp(tmp) == NULL) {
			err_errno(err, errno, "mkdtemp %s", tmp);
			return err_reason(err, REASON_COPY_FAILED);
		}
		rv = include_copy(in, ctx, a, ns, tmp, work, err);
		(void)artifact_tree_remove(tmp, false, &rm);
		if (rv == -1) {
			err_wrap(err,
			    "failed to copy '%s' include from %s to %s",
			    in->name, in->from[0] ? in->from : ".", in->to);
			err->reason = REASON_COPY_FAILED;
			return -1;
		}
	}
	return 0;
}
