/*
 * Artifact exclusions. Every expectation was checked against Flux's own
 * matcher (fluxcd/pkg/sourceignore/gitignore with sourceignore's
 * defaults): these are its answers.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/mem.h"
#include "ignore.h"
#include "t.h"

struct query {
	const char *path;
	bool dir;
	bool excluded;
};

static char *
tree_new(void)
{
	char *dir = xasprintf("%s/flint-ignore-XXXXXX",
	    getenv("TMPDIR") != NULL ? getenv("TMPDIR") : "/tmp");

	if (mkdtemp(dir) == NULL)
		abort();
	return dir;
}

static void
tree_free(char *dir)
{
	struct err err = ERR_INIT;

	T_OK(artifact_tree_remove(dir, false, &err), &err);
	free(dir);
}

/* Writes text to dir/rel, making the directories above it. */
static void
put(const char *dir, const char *rel, const char *text)
{
	char *path = xasprintf("%s/%s", dir, rel);
	FILE *f;

	for (char *p = path + strlen(dir) + 1; (p = strchr(p, '/')) != NULL;
	     p++) {
		*p = '\0';
		(void)mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	T_TRUE(f != NULL);
	if (f != NULL) {
		(void)fputs(text, f);
		(void)fclose(f);
	}
	free(path);
}

static void
check(struct ignore *ig, const struct query *q, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ignore_match(ig, q[i].path, q[i].dir) != q[i].excluded)
			t_fail(__FILE__, __LINE__, "%s%s: want %s", q[i].path,
			    q[i].dir ? "/" : "",
			    q[i].excluded ? "excluded" : "kept");
}

static const struct query defaults[] = {
	{ "deploy/app.yaml", false, false },
	{ "logo.png", false, true },
	{ "docs/img/x.jpg", false, true },
	{ "release.tar.gz", false, true },
	{ ".github", true, true },
	{ ".github/workflows/ci.yaml", false, true },
	{ ".gitignore", false, true },
	{ ".git", true, true },
	{ ".sops.yaml", false, true },
	{ "clusters/prod/.sops.yaml", false, true },
	{ ".goreleaser.yml", false, true },
	{ ".travis.yml", false, true },
	{ "sub/.gitlab-ci.yml", false, true },
};

T_TEST(test_default_exclusions)
{
	struct err err = ERR_INIT;
	struct ignore *ig = NULL;
	char *dir = tree_new();

	T_OK(ignore_new(&ig, dir, NULL, &err), &err);
	if (ig != NULL)
		check(ig, defaults, sizeof(defaults) / sizeof(defaults[0]));
	ignore_free(ig);
	/* comments and blank lines are no patterns: defaults stay */
	T_OK(ignore_new(&ig, dir, "# only a comment\n\n   \n", &err), &err);
	if (ig != NULL)
		check(ig, defaults, sizeof(defaults) / sizeof(defaults[0]));
	ignore_free(ig);
	tree_free(dir);
}

static const struct query user[] = {
	{ "deploy/app.yaml", false, true },
	{ "keep.yaml", false, false },
	{ "sub/keep.yaml", false, false },
	{ "build", true, true },
	{ "build", false, false },
	{ "src/build", true, false },
	{ "build/out.bin", false, true },
	{ "docs/a/b/readme.md", false, true },
	{ "docs/readme.md", false, true },
	{ "readme.md", false, false },
	{ "tmpfile", false, true },
	{ "x/tmp", true, true },
	{ "a1.txt", false, true },
	{ "c1.txt", false, false },
	{ "ab.txt", false, true },
	{ "#hash", false, true },
	{ "logo.png", false, false },
	{ ".gitignore", false, true },
};

static const char user_rules[] = "*.yaml\n!keep.yaml\n/build/\r\n"
                                 "docs/**/*.md\ntmp*   \n[ab]?.txt\n\\#hash\n";

T_TEST(test_user_patterns_replace_defaults)
{
	struct err err = ERR_INIT;
	struct ignore *ig = NULL;
	char *dir = tree_new();

	/* the same rules from spec.ignore and from a root .sourceignore */
	T_OK(ignore_new(&ig, dir, user_rules, &err), &err);
	if (ig != NULL)
		check(ig, user, sizeof(user) / sizeof(user[0]));
	ignore_free(ig);
	put(dir, ".sourceignore", user_rules);
	T_OK(ignore_new(&ig, dir, NULL, &err), &err);
	if (ig != NULL)
		check(ig, user, sizeof(user) / sizeof(user[0]));
	ignore_free(ig);
	tree_free(dir);
}

static const struct query scoped[] = {
	{ "apps/a.txt", false, true },
	{ "a.txt", false, false },
	{ "apps/web/index.txt", false, false },
	{ "apps/web/other.txt", false, true },
	{ "apps/web/dist", true, true },
	{ "apps/web/x/dist", true, false },
	{ "apps/dist", true, false },
	{ "other/apps/a.txt", false, false },
};

T_TEST(test_nested_sourceignore_is_scoped_to_its_directory)
{
	struct err err = ERR_INIT;
	struct ignore *ig = NULL;
	char *dir = tree_new();

	put(dir, "apps/.sourceignore", "*.txt\n");
	put(dir, "apps/web/.sourceignore", "!index.txt\n/dist/\n");
	T_OK(ignore_new(&ig, dir, NULL, &err), &err);
	if (ig != NULL)
		check(ig, scoped, sizeof(scoped) / sizeof(scoped[0]));
	ignore_free(ig);
	tree_free(dir);
}

T_TEST(test_spec_ignore_overrides_sourceignore)
{
	struct err err = ERR_INIT;
	struct ignore *ig = NULL;
	char *dir = tree_new();

	put(dir, ".sourceignore", "*.md\n");
	T_OK(ignore_new(&ig, dir, "!README.md\n", &err), &err);
	T_TRUE(ig != NULL && ignore_match(ig, "notes.md", false));
	T_TRUE(ig != NULL && !ignore_match(ig, "README.md", false));
	ignore_free(ig);
	tree_free(dir);
}

T_TEST(test_oversized_sourceignore_is_limit)
{
	struct err err = ERR_INIT;
	struct ignore *ig = NULL;
	char *dir = tree_new(), *big = xmalloc((2 << 20) + 1);

	memset(big, 'a', 2 << 20);
	big[2 << 20] = '\0';
	put(dir, "deep/er/.sourceignore", big);
	T_ERR(ignore_new(&ig, dir, NULL, &err), &err, ERR_LIMIT);
	T_TRUE(ig == NULL);
	free(big);
	tree_free(dir);
}

static bool
filter(void *arg, const char *rel, bool is_dir)
{
	return ignore_match(arg, rel, is_dir);
}

T_TEST(test_packing_applies_the_rules)
{
	struct artifact_info info;
	struct err err = ERR_INIT;
	struct ignore *ig = NULL;
	char *dir = tree_new(), *out = tree_new(), *path;
	int fd = -1;

	put(dir, "deploy/app.yaml", "kind: A\n");
	put(dir, "logo.png", "png");
	put(dir, ".github/workflows/ci.yaml", "on: push\n");
	put(dir, "clusters/.sops.yaml", "creation_rules: []\n");
	T_OK(ignore_new(&ig, dir, NULL, &err), &err);
	fd = memfd_create("ignore-test", 0);
	T_OK(artifact_pack(&info, fd, dir, filter, ig, &err), &err);
	T_EQ(info.files, 1);
	T_OK(artifact_extract(out, fd, info.digest, NULL, &err), &err);
	path = xasprintf("%s/deploy/app.yaml", out);
	T_TRUE(access(path, F_OK) == 0);
	free(path);
	close(fd);
	ignore_free(ig);
	tree_free(dir);
	tree_free(out);
}
