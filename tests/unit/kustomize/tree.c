/*
 * Test helpers: kustomization trees written to a temporary directory,
 * built with kustomize_build() and printed with kustomize_emit().
 */
#include "tree.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/buf.h"
#include "core/mem.h"
#include "kustomize/kustomize.h"

char *
tree_new(void)
{
	const char *tmp = getenv("TMPDIR");
	char *root = xasprintf("%s/flint-kz-XXXXXX",
	    tmp != NULL && tmp[0] != '\0' ? tmp : "/tmp");

	if (mkdtemp(root) == NULL)
		BUG("mkdtemp: %s", strerror(errno));
	return root;
}

static int
rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

void
tree_free(char *root)
{
	if (root == NULL)
		return;
	(void)nftw(root, rm_one, 16, FTW_DEPTH | FTW_PHYS);
	free(root);
}

void
tree_put(const char *root, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", root, rel);
	FILE *f;

	for (char *p = path + strlen(root) + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		(void)mkdir(path, 0755);
		*p = '/';
	}
	if ((f = fopen(path, "w")) == NULL)
		BUG("open %s: %s", path, strerror(errno));
	fputs(text, f);
	fclose(f);
	free(path);
}

char *
tree_build(const char *root, const char *rel, struct err *err)
{
	char *dir = xasprintf("%s/%s", root, rel);
	struct doc *d = NULL;
	struct buf b;
	char *out = NULL;

	buf_init(&b, BUF_MAX_DEFAULT);
	if (kustomize_build(&d, dir, NULL, err) == 0 &&
	    kustomize_emit(&b, d, err) == 0)
		out = buf_detach(&b, NULL);
	buf_release(&b);
	doc_free(d);
	free(dir);
	return out;
}
