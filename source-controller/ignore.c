/*
 * Flux's artifact exclusions: go-git's gitignore patterns over Go's
 * filepath.Match globs, with fluxcd/pkg/sourceignore's defaults and
 * loading order. The matching is deliberately go-git's rather than git's
 * where they differ (a pattern without '/' matches any component of the
 * path, '!' can re-include a file below an excluded directory), because
 * the artifact must hold the same files Flux's would.
 */
#include "ignore.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/arena.h"
#include "core/buf.h"
#include "core/mem.h"

#define IGNORE_FILE     ".sourceignore"
#define IGNORE_FILE_MAX (1 << 20)
#define PATH_PARTS_MAX  256

/* fluxcd/pkg/sourceignore: ExcludeVCS, then ExcludeExt, ExcludeCI and
 * ExcludeExtra, which apply only when the user gave no patterns. */
static const char *const vcs_patterns[] = { ".git/", ".gitignore",
	".gitmodules", ".gitattributes" };
static const char *const default_patterns[] = { "*.jpg", "*.jpeg", "*.gif",
	"*.png", "*.wmv", "*.flv", "*.tar.gz", "*.zip", ".github/",
	".circleci/", ".travis.yml", ".gitlab-ci.yml", "appveyor.yml",
	".drone.yml", "cloudbuild.yaml", "codeship-services.yml",
	"codeship-steps.yml", "**/.goreleaser.yml", "**/.sops.yaml",
	"**/.flux.yaml" };

struct pattern {
	const char **domain; /* directory the pattern came from */
	size_t ndomain;
	const char **parts; /* the pattern split at '/' */
	size_t nparts;
	bool inclusion, dir_only, is_glob;
};

struct ignore {
	struct arena *arena;
	struct pattern *p; /* lowest priority first */
	size_t n, cap;
};

/* Length of the UTF-8 sequence a lead byte starts; 0 if invalid. */
static size_t
utf8_len(unsigned char c)
{
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c < 0xe0)
		return 2;
	if (c >= 0xe0 && c < 0xf0)
		return 3;
	return c >= 0xf0 && c < 0xf5 ? 4 : 0;
}

/* One UTF-8 sequence's length and value; invalid bytes are U+FFFD of
 * length 1, as Go's utf8.DecodeRuneInString. */
static int32_t
rune_at(const char *s, size_t len, size_t *n)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t k = utf8_len(u[0]);
	int32_t r = k == 1 ? u[0] : u[0] & (0x7f >> k);

	for (size_t i = 1; k > 1 && i < k; i++) {
		if (i >= len || (u[i] & 0xc0) != 0x80) {
			k = 0;
			break;
		}
		r = (r << 6) | (u[i] & 0x3f);
	}
	*n = k == 0 ? 1 : k;
	return k == 0 ? 0xfffd : r;
}

/* A class bound: one rune, maybe escaped. -1 on a malformed class. */
static int
class_bound(const char **c, const char *end, int32_t *r)
{
	size_t n;

	if (*c == end || **c == '-' || **c == ']')
		return -1;
	if (**c == '\\' && ++*c == end)
		return -1;
	*r = rune_at(*c, (size_t)(end - *c), &n);
	if (*r == 0xfffd && n == 1 && (unsigned char)**c >= 0x80)
		return -1;
	*c += n;
	return *c == end ? -1 : 0;
}

/* "[...]" at *c (past the '['): whether r is in it, or -1. */
static int
class_match(const char **c, const char *end, int32_t r)
{
	bool negated = *c < end && **c == '^', match = false;
	int nrange = 0;

	*c += negated;
	for (;;) {
		int32_t lo, hi;

		if (*c < end && **c == ']' && nrange > 0) {
			(*c)++;
			return match != negated;
		}
		if (class_bound(c, end, &lo) == -1)
			return -1;
		hi = lo;
		if (**c == '-' && (++*c, class_bound(c, end, &hi) == -1))
			return -1;
		match |= lo <= r && r <= hi;
		nrange++;
	}
}

/* Consumes one rune of *s unless the match already failed. */
static int32_t
take_rune(const char **s, bool failed)
{
	size_t n;
	int32_t r;

	if (failed)
		return 0;
	r = rune_at(*s, strlen(*s), &n);
	*s += n;
	return r;
}

/* Go's matchChunk: matches the star-free chunk at the start of s; on
 * success *rest is what follows. 1 match, 0 not, -1 bad pattern. The
 * chunk is read to its end either way, so bad syntax is always seen. */
static int
chunk_match(const char *c, const char *end, const char *s, const char **rest)
{
	bool failed = false;
	int m;

	while (c < end) {
		failed |= *s == '\0';
		switch (*c) {
		case '[':
			c++;
			if ((m = class_match(&c, end, take_rune(&s, failed))) ==
			    -1)
				return -1;
			failed |= m == 0;
			break;
		case '?':
			(void)take_rune(&s, failed);
			c++;
			break;
		case '\\':
			if (++c == end)
				return -1;
			__attribute__((fallthrough)); /* an escaped rune */
		default:
			if (!failed)
				failed = *c != *s++;
			c++;
			break;
		}
	}
	*rest = s;
	return failed ? 0 : 1;
}

/* Splits the next chunk off *p: leading stars, then up to the next star
 * outside a class. */
static bool
chunk_scan(const char **p, const char **start, const char **end)
{
	bool star = false, inrange = false;
	const char *q;

	while (**p == '*') {
		(*p)++;
		star = true;
	}
	for (q = *p; *q != '\0'; q++) {
		if (*q == '\\' && q[1] != '\0')
			q++;
		else if (*q == '[')
			inrange = true;
		else if (*q == ']')
			inrange = false;
		else if (*q == '*' && !inrange)
			break;
	}
	*start = *p;
	*end = q;
	*p = q;
	return star;
}

/* Checks the rest of the pattern's syntax (Go reports ErrBadPattern
 * even after a failed match). */
static int
syntax_rest(const char *p)
{
	const char *c, *e, *rest;

	while (*p != '\0') {
		(void)chunk_scan(&p, &c, &e);
		if (chunk_match(c, e, "", &rest) == -1)
			return -1;
	}
	return 0;
}

/* After a leading star: tries the chunk at each later offset of
 * *name. 1 found (advances *name), 0 not, -1 bad pattern. */
static int
star_search(const char *c, const char *e, bool last, const char **name)
{
	const char *rest;

	for (size_t i = 0; (*name)[i] != '\0'; i++) {
		int m = chunk_match(c, e, *name + i + 1, &rest);

		if (m == -1)
			return -1;
		if (m == 1 && !(last && *rest != '\0')) {
			*name = rest;
			return 1;
		}
	}
	return 0;
}

/* Go's filepath.Match for one path component: 1, 0, or -1 (bad). */
static int
glob(const char *p, const char *name)
{
	while (*p != '\0') {
		const char *c, *e, *rest;
		bool star = chunk_scan(&p, &c, &e);
		int m;

		if (star && c == e)
			return 1; /* names hold no '/' */
		m = chunk_match(c, e, name, &rest);
		if (m == 1 && (*rest == '\0' || *p != '\0')) {
			name = rest;
			continue;
		}
		if (m == -1)
			return -1;
		m = star ? star_search(c, e, *p == '\0', &name) : 0;
		if (m == 0)
			return syntax_rest(p) == -1 ? -1 : 0;
		if (m == -1)
			return -1;
	}
	return *name == '\0';
}

/* go-git's ParsePattern. text is copied into the arena. */
static void
pattern_add(struct ignore *ig, const char *text, const char **domain,
    size_t ndomain)
{
	char *t = arena_strdup(ig->arena, text), *part;
	struct pattern *p;
	size_t len;

	if (ig->n == ig->cap) {
		ig->cap = ig->cap == 0 ? 32 : ig->cap * 2;
		ig->p = xreallocarray(ig->p, ig->cap, sizeof(*ig->p));
	}
	p = &ig->p[ig->n++];
	memset(p, 0, sizeof(*p));
	p->domain = domain;
	p->ndomain = ndomain;
	if ((p->inclusion = t[0] == '!'))
		t++;
	len = strlen(t);
	if (!(len >= 2 && t[len - 2] == '\\' && t[len - 1] == ' '))
		while (len > 0 && t[len - 1] == ' ')
			t[--len] = '\0';
	if ((p->dir_only = len > 0 && t[len - 1] == '/'))
		t[--len] = '\0';
	p->is_glob = strchr(t, '/') != NULL;
	p->nparts = 1;
	for (const char *q = t; (q = strchr(q, '/')) != NULL; q++)
		p->nparts++;
	p->parts = arena_calloc(ig->arena, p->nparts, sizeof(*p->parts));
	for (size_t i = 0; i < p->nparts; i++) {
		part = t;
		t += strcspn(t, "/");
		if (*t == '/')
			*t++ = '\0';
		p->parts[i] = part;
	}
}

/* A pattern without '/' matches any component of the path. */
static bool
simple_match(const struct pattern *p, const char **path, size_t n, bool is_dir)
{
	for (size_t i = 0; i < n; i++) {
		int m = glob(p->parts[0], path[i]);

		if (m == -1)
			return false;
		if (m == 0)
			continue;
		return !(p->dir_only && !is_dir && i == n - 1);
	}
	return false;
}

/* After "**": the first component from path[*k] on that matches pat.
 * -1 bad pattern, else whether one did. */
static int
traverse(const char *pat, const char **path, size_t n, size_t *k)
{
	while (*k < n) {
		int m = glob(pat, path[(*k)++]);

		if (m != 0)
			return m;
	}
	return 0;
}

/* go-git's globMatch, "**" included. */
static bool
glob_match(const struct pattern *p, const char **path, size_t n, bool is_dir)
{
	bool matched = false, deep = false;
	size_t k = 0;

	for (size_t i = 0; i < p->nparts; i++) {
		const char *pat = p->parts[i];
		int m;

		if (pat[0] == '\0' || strcmp(pat, "**") == 0) {
			if (pat[0] != '\0' && i == p->nparts - 1)
				break;
			deep = pat[0] != '\0';
			continue;
		}
		if (strstr(pat, "**") != NULL || k == n)
			return false;
		m = deep ? traverse(pat, path, n, &k) : glob(pat, path[k++]);
		if (m == -1 || (!deep && m == 0))
			return false;
		matched = m == 1;
		deep = false;
	}
	return matched && !(p->dir_only && !is_dir && k == n);
}

/* 0 no match, 1 exclude, 2 include. */
static int
pattern_match(const struct pattern *p, const char **path, size_t n, bool is_dir)
{
	bool ok;

	if (n <= p->ndomain)
		return 0;
	for (size_t i = 0; i < p->ndomain; i++)
		if (strcmp(path[i], p->domain[i]) != 0)
			return 0;
	path += p->ndomain;
	n -= p->ndomain;
	ok = p->is_glob ? glob_match(p, path, n, is_dir)
	                : simple_match(p, path, n, is_dir);
	return !ok ? 0 : p->inclusion ? 2 : 1;
}

bool
ignore_match(void *arg, const char *rel_path, bool is_dir)
{
	const struct ignore *ig = arg;
	const char *parts[PATH_PARTS_MAX];
	char copy[4096];
	size_t n = 0;

	if (strlen(rel_path) >= sizeof(copy))
		return false;
	memcpy(copy, rel_path, strlen(rel_path) + 1);
	for (char *p = copy; n < PATH_PARTS_MAX;) {
		parts[n++] = p;
		if ((p = strchr(p, '/')) == NULL)
			break;
		*p++ = '\0';
	}
	for (size_t i = ig->n; i > 0; i--) {
		int m = pattern_match(&ig->p[i - 1], parts, n, is_dir);

		if (m != 0)
			return m == 1;
	}
	return false;
}

/* bufio.ScanLines plus sourceignore.ReadPatterns: '\r' before '\n' is
 * dropped; comments start at column 0; blank lines are skipped. */
static void
patterns_read(struct ignore *ig, char *text, const char **domain,
    size_t ndomain)
{
	while (*text != '\0') {
		size_t n = strcspn(text, "\n");
		bool more = text[n] == '\n', blank = true;

		text[n] = '\0';
		if (n > 0 && text[n - 1] == '\r')
			text[n - 1] = '\0';
		for (const char *q = text; *q != '\0' && blank; q++)
			blank = strchr(" \t\v\f\r", *q) != NULL;
		if (text[0] != '#' && !blank)
			pattern_add(ig, text, domain, ndomain);
		text += n + (more ? 1 : 0);
	}
}

static int
file_read(char **out, int dfd, const char *name, struct err *err)
{
	int fd = openat(dfd, name, O_RDONLY | O_CLOEXEC);
	char chunk[8192];
	struct buf b;
	ssize_t n;

	*out = NULL;
	if (fd == -1)
		return errno == ENOENT
		    ? 0
		    : err_errno(err, errno, "open '%s'", name);
	buf_init(&b, IGNORE_FILE_MAX);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		if (buf_append(&b, chunk, (size_t)n) == -1)
			break;
	close(fd);
	if (n == -1 || buf_check(&b, err) == -1) {
		if (n == -1)
			err_errno(err, errno, "read '%s'", name);
		buf_release(&b);
		return -1;
	}
	*out = buf_detach(&b, NULL);
	return 0;
}

static int
name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The subdirectory names of dfd, sorted as os.ReadDir sorts them. */
static char **
subdirs(int dfd, size_t *n_out)
{
	int fd = fcntl(dfd, F_DUPFD_CLOEXEC, 0);
	DIR *d = fd == -1 ? NULL : fdopendir(fd);
	char **names = NULL;
	size_t n = 0;
	struct dirent *e;
	struct stat st;

	if (d == NULL && fd != -1)
		close(fd);
	while (d != NULL && (e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 ||
		    strcmp(e->d_name, "..") == 0 ||
		    strcmp(e->d_name, ".git") == 0 ||
		    fstatat(dfd, e->d_name, &st, AT_SYMLINK_NOFOLLOW) == -1 ||
		    !S_ISDIR(st.st_mode))
			continue;
		names = xreallocarray(names, n + 1, sizeof(*names));
		names[n++] = xstrdup(e->d_name);
	}
	if (d != NULL)
		closedir(d);
	if (n > 0)
		qsort(names, n, sizeof(*names), name_cmp);
	*n_out = n;
	return names;
}

/* sourceignore.LoadIgnorePatterns: this directory's file, then each
 * subdirectory's (but .git's), depth first, each scoped to its path. */
static int
load_dir(struct ignore *ig, int dfd, const char **domain, size_t ndomain,
    struct err *err)
{
	char *text = NULL, **names;
	size_t n;
	int rv = 0;

	if (ndomain > PATH_PARTS_MAX / 2)
		return err_set(err, ERR_LIMIT, "tree deeper than %d levels",
		    PATH_PARTS_MAX / 2);
	if (file_read(&text, dfd, IGNORE_FILE, err) == -1)
		return -1;
	if (text != NULL)
		patterns_read(ig, text, domain, ndomain);
	free(text);
	names = subdirs(dfd, &n);
	for (size_t i = 0; i < n; i++) {
		const char **sub = arena_calloc(ig->arena, ndomain + 1,
		    sizeof(*sub));
		int fd = rv == -1
		    ? -1
		    : openat(dfd, names[i],
		          O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);

		if (ndomain > 0)
			memcpy(sub, domain, ndomain * sizeof(*sub));
		sub[ndomain] = arena_strdup(ig->arena, names[i]);
		if (fd != -1) {
			rv = load_dir(ig, fd, sub, ndomain + 1, err);
			if (rv == -1)
				err_wrap(err, "'%s'", names[i]);
			close(fd);
		}
		free(names[i]);
	}
	free(names);
	return rv;
}

static void
add_list(struct ignore *ig, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		pattern_add(ig, list[i], NULL, 0);
}

int
ignore_new(struct ignore **out, const char *dir, const char *spec_ignore,
    struct err *err)
{
	struct ignore *ig = xcalloc(1, sizeof(*ig));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t vcs = sizeof(vcs_patterns) / sizeof(vcs_patterns[0]);

	ig->arena = arena_new();
	add_list(ig, vcs_patterns, vcs);
	if (fd == -1 || load_dir(ig, fd, NULL, 0, err) == -1) {
		if (fd == -1)
			err_errno(err, errno, "open '%s'", dir);
		else
			close(fd);
		ignore_free(ig);
		return err_wrap(err, "read ignore rules");
	}
	close(fd);
	if (spec_ignore != NULL) {
		char *text = arena_strdup(ig->arena, spec_ignore);

		patterns_read(ig, text, NULL, 0);
	}
	/* user patterns replace the defaults, as in Flux */
	if (ig->n == vcs)
		add_list(ig, default_patterns,
		    sizeof(default_patterns) / sizeof(default_patterns[0]));
	*out = ig;
	return 0;
}

void
ignore_free(struct ignore *ig)
{
	if (ig == NULL)
		return;
	arena_free(ig->arena);
	free(ig->p);
	free(ig);
}
