/*
 * Field specs: "which kinds, which path". Walking one follows kustomize's
 * fieldspec filter exactly, because every transformer that writes names,
 * namespaces, labels or images relies on its quirks: sequences on the
 * path are crossed without naming them, "x[]" insists on a sequence,
 * and only a spec with create set makes missing fields (maps on the way,
 * the requested kind at the end) or turns a null into them.
 */
#include "kustomize/kz_int.h"

#include <string.h>

size_t
kz_path_split(const char ***out, struct arena *a, const char *path)
{
	return kz_path_split_on(out, a, path, '/');
}

size_t
kz_path_split_on(const char ***out, struct arena *a, const char *path,
    char delim)
{
	size_t n = 1, k = 0, len;
	const char **parts;
	const char *p, *start;
	char *cur;

	if (path[0] == delim && path[1] != '\0')
		path++;
	for (p = path; *p != '\0'; p++)
		if (*p == delim)
			n++;
	parts = arena_alloc(a, n * sizeof(*parts));
	len = strlen(path);
	cur = arena_alloc(a, len + 1);
	start = cur;
	for (p = path;; p++) {
		if (*p == delim && cur > start && cur[-1] == '\\') {
			cur[-1] = delim; /* "\/" is a literal slash */
			continue;
		}
		if (*p == delim || *p == '\0') {
			*cur++ = '\0';
			parts[k++] = start;
			start = cur;
			if (*p == '\0')
				break;
			continue;
		}
		*cur++ = *p;
	}
	*out = parts;
	return k;
}

void
kz_fs_init(struct kz_fs *fs, struct arena *a, const char *group,
    const char *version, const char *kind, const char *path, bool create)
{
	fs->gvk.group = group != NULL ? group : "";
	fs->gvk.version = version != NULL ? version : "";
	fs->gvk.kind = kind != NULL ? kind : "";
	fs->path = path != NULL ? path : "";
	fs->nparts = kz_path_split(&fs->parts, a, fs->path);
	fs->create = create;
}

bool
kz_fs_match_obj(const struct kz_fs *fs, const struct doc_node *obj)
{
	const char *kind = kz_get_str(obj, "kind");
	const char *api = kz_get_str(obj, "apiVersion");
	const char *slash;
	size_t glen;

	if (kind == NULL)
		kind = "";
	if (api == NULL)
		api = "";
	if (fs->gvk.kind[0] != '\0' && strcmp(fs->gvk.kind, kind) != 0)
		return false;
	slash = strchr(api, '/');
	glen = slash != NULL ? (size_t)(slash - api) : 0;
	if (fs->gvk.group[0] != '\0' &&
	    (strlen(fs->gvk.group) != glen ||
	        strncmp(fs->gvk.group, api, glen) != 0))
		return false;
	return fs->gvk.version[0] == '\0' ||
	    strcmp(fs->gvk.version, slash != NULL ? slash + 1 : api) == 0;
}

struct walk {
	struct arena *a;
	const struct kz_fs *fs;
	enum kz_create create_kind;
	kz_set_fn *set;
	void *arg;
};

static int walk_node(struct walk *w, struct doc_node **slot, size_t i,
    struct err *err);

static struct doc_node *
new_of_kind(struct arena *a, enum kz_create k)
{
	switch (k) {
	case KZ_CREATE_MAP:
		return doc_new_map(a);
	case KZ_CREATE_SEQ:
		return doc_new_seq(a);
	default:
		return doc_new_str(a, "", 0);
	}
}

/* Turns a null in place into an empty node of kind k. */
static void
null_to(struct doc_node *n, enum kz_create k)
{
	n->tag = NULL;
	n->style = DOC_STYLE_ANY;
	switch (k) {
	case KZ_CREATE_MAP:
		n->kind = DOC_MAP;
		memset(&n->u, 0, sizeof(n->u));
		break;
	case KZ_CREATE_SEQ:
		n->kind = DOC_SEQ;
		memset(&n->u, 0, sizeof(n->u));
		break;
	default:
		n->kind = DOC_STR;
		n->u.str.ptr = "";
		n->u.str.len = 0;
		break;
	}
}

static int
walk_map(struct walk *w, struct doc_node *map, size_t i, struct err *err)
{
	const char *name = w->fs->parts[i];
	size_t len = strlen(name);
	bool is_seq = len > 2 && strcmp(name + len - 2, "[]") == 0;
	enum kz_create kind = KZ_CREATE_NONE;
	bool create = false;
	struct doc_pair *p = NULL;

	if (is_seq)
		len -= 2;
	if (len == 0)
		return err_set(err, ERR_INVALID,
		    "cannot set or create an empty field name");
	if (is_seq) {
		kind = KZ_CREATE_SEQ;
	} else if (w->fs->create && w->create_kind != KZ_CREATE_NONE) {
		create = true;
		kind = i + 1 == w->fs->nparts ? w->create_kind : KZ_CREATE_MAP;
	}
	for (size_t j = 0; j < map->u.map.n; j++) {
		const char *k = doc_str(map->u.map.items[j].key);

		if (strlen(k) == len && strncmp(k, name, len) == 0) {
			p = &map->u.map.items[j];
			break;
		}
	}
	if (p == NULL) {
		if (!create)
			return 0;
		doc_map_set(w->a, map, name, len, new_of_kind(w->a, kind));
		p = &map->u.map.items[map->u.map.n - 1];
	} else if (p->value->kind == DOC_NULL && kind != KZ_CREATE_NONE) {
		null_to(p->value, kind);
	}
	return walk_node(w, &p->value, i + 1, err);
}

static int
walk_node(struct walk *w, struct doc_node **slot, size_t i, struct err *err)
{
	struct doc_node *n = *slot;

	if (i == w->fs->nparts)
		return w->set(w->arg, w->a, slot, err);
	if (n == NULL || n->kind == DOC_NULL)
		return 0;
	if (n->kind == DOC_SEQ) {
		for (size_t j = 0; j < n->u.seq.n; j++)
			if (walk_node(w, &n->u.seq.items[j], i, err) == -1)
				return -1;
		return 0;
	}
	if (n->kind == DOC_MAP)
		return walk_map(w, n, i, err);
	return err_set(err, ERR_INVALID, "expected sequence or mapping node");
}

int
kz_fs_apply(struct arena *a, struct doc_node *obj, const struct kz_fs *fs,
    enum kz_create create_kind, kz_set_fn *set, void *arg, struct err *err)
{
	struct walk w = { a, fs, create_kind, set, arg };
	struct doc_node *root = obj;

	if (!kz_fs_match_obj(fs, obj))
		return 0;
	if (walk_node(&w, &root, 0, err) == -1)
		return err_wrap(err, "considering field '%s' of object '%s'",
		    fs->path, kz_get_str(doc_map_get(obj, "metadata"), "name"));
	return 0;
}
