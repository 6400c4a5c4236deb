/*
 * Chart archives (.tgz), read in memory (tar.c) as Helm's
 * LoadArchiveFiles reads them: every entry but directories and pax headers is a
 * file, its first path element (the chart's directory) is dropped, and names
 * that are absolute, climb out with "..", or look like a Windows drive are
 * refused. Nothing is written to disk, so no entry can escape anywhere.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "chart/chart_int.h"
#include "core/buf.h"
#include "core/mem.h"

/* One ".." element of path.Clean: drop the last element written to o,
 * or write ".." when nothing is left to drop (unless rooted). */
static size_t
clean_dotdot(char *o, size_t w, size_t *dotdot, bool rooted)
{
	if (w > *dotdot) {
		while (w > *dotdot && o[w - 1] != '/')
			w--;
		return w > *dotdot ? w - 1 : w;
	}
	if (rooted)
		return w;
	if (w > 0)
		o[w++] = '/';
	o[w++] = '.';
	o[w++] = '.';
	*dotdot = w;
	return w;
}

/* Go's path.Clean of the n bytes at p, into the arena. */
static char *
clean(struct arena *a, const char *p, size_t n)
{
	char *o = arena_alloc(a, n + 2);
	bool rooted = n > 0 && p[0] == '/';
	size_t w = rooted ? 1 : 0, dotdot = w;

	if (rooted)
		o[0] = '/';
	for (size_t i = w, j; i < n; i = j + 1) {
		for (j = i; j < n && p[j] != '/'; j++)
			;
		if (j == i || (j - i == 1 && p[i] == '.'))
			continue;
		if (j - i == 2 && p[i] == '.' && p[i + 1] == '.') {
			w = clean_dotdot(o, w, &dotdot, rooted);
			continue;
		}
		if (w > (rooted ? 1U : 0U))
			o[w++] = '/';
		memcpy(o + w, p + i, j - i);
		w += j - i;
	}
	if (w == 0)
		o[w++] = '.';
	o[w] = '\0';
	return o;
}

/* The chart-relative name of the archive entry raw, checked as Helm
 * checks it, or NULL with err set. */
static const char *
entry_name(struct arena *a, const char *raw, struct err *err)
{
	char delim = strchr(raw, '\\') != NULL ? '\\' : '/';
	const char *rest = strchr(raw, delim);
	size_t fl = rest != NULL ? (size_t)(rest - raw) : strlen(raw);
	char *n, *s;

	n = arena_strdup(a, rest != NULL ? rest + 1 : "");
	for (s = n; *s != '\0'; s++)
		if (*s == delim)
			*s = '/';
	if (n[0] == '/') {
		err_set(err, ERR_INVALID,
		    "chart illegally contains absolute paths");
		return NULL;
	}
	n = clean(a, n, strlen(n));
	if (strcmp(n, ".") == 0) {
		err_set(err, ERR_INVALID,
		    "chart illegally contains content outside the base "
		    "directory: \"%s\"",
		    raw);
		return NULL;
	}
	if (strncmp(n, "..", 2) == 0) {
		err_set(err, ERR_INVALID,
		    "chart illegally references parent directory");
		return NULL;
	}
	if (((n[0] >= 'a' && n[0] <= 'z') || (n[0] >= 'A' && n[0] <= 'Z')) &&
	    n[1] == ':' && n[2] == '/') {
		err_set(err, ERR_INVALID,
		    "chart contains illegally named files");
		return NULL;
	}
	if (fl == 10 && memcmp(raw, "Chart.yaml", 10) == 0) {
		err_set(err, ERR_INVALID, "chart yaml not in base directory");
		return NULL;
	}
	return n;
}

struct reader {
	struct arena *a;
	const struct chart_limits *lim;
	size_t remaining; /* of the whole chart's bytes */
	struct chart_file *f;
	size_t n, cap;
};

/* Reads the current entry's data into the arena as a chart file. */
static int
read_entry(struct reader *r, struct tar *t, const struct tar_entry *e,
    const char *name, struct err *err)
{
	char *data;
	size_t bom;

	if (e->size > r->remaining)
		return err_set(err, ERR_LIMIT,
		    "decompressed chart is larger than the maximum size %zu",
		    r->lim->max_total_bytes);
	if (e->size > r->lim->max_file_bytes)
		return err_set(err, ERR_LIMIT,
		    "decompressed chart file \"%s\" is larger than the "
		    "maximum file size %zu",
		    e->name, r->lim->max_file_bytes);
	data = arena_alloc(r->a, (size_t)e->size + 1);
	if (tar_data(t, data, err) == -1)
		return -1;
	data[e->size] = '\0';
	r->remaining -= (size_t)e->size;
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		r->f = xreallocarray(r->f, r->cap, sizeof(*r->f));
	}
	/* As Helm, drop a UTF-8 byte order mark. */
	bom = e->size >= 3 && memcmp(data, "\xef\xbb\xbf", 3) == 0 ? 3 : 0;
	r->f[r->n].name = name;
	r->f[r->n].data = data + bom;
	r->f[r->n].len = (size_t)e->size - bom;
	r->n++;
	return 0;
}

/* Reads every entry of t into r: directories and pax global headers
 * are skipped, as Helm skips them; anything else is a file. */
static int
read_entries(struct reader *r, struct tar *t, struct err *err)
{
	struct tar_entry e = { 0 };
	const char *name;
	int rv;

	while ((rv = tar_next(t, &e, err)) == 0) {
		if (e.type == '5' || e.type == 'g')
			continue;
		if ((name = entry_name(r->a, e.name, err)) == NULL ||
		    read_entry(r, t, &e, name, err) == -1) {
			rv = -1;
			break;
		}
	}
	free(e.name);
	if (rv == -1)
		return -1;
	if (r->n == 0)
		return err_set(err, ERR_INVALID, "no files in chart archive");
	return 0;
}

int
chart_archive_files(struct chart_file **out, size_t *nout, struct arena *a,
    const void *data, size_t n, const struct chart_limits *lim, struct err *err)
{
	struct reader r = { .a = a, .lim = lim };
	struct tar *t;
	int rv;

	r.remaining = lim->max_total_bytes;
	/* the data, and headers of up to half as much again (1 MiB at
	 * least): many empty files cost memory too */
	if (tar_open(&t, data, n,
	        (uint64_t)lim->max_total_bytes + lim->max_total_bytes / 2 +
	            ((uint64_t)1 << 20),
	        err) == -1)
		return -1;
	rv = read_entries(&r, t, err);
	if (rv == 0) {
		*out = arena_alloc(a, r.n * sizeof(**out));
		memcpy(*out, r.f, r.n * sizeof(**out));
		*nout = r.n;
	}
	free(r.f);
	tar_close(t);
	return rv;
}
