/*
 * Chart archives (.tgz), read in memory as Helm's LoadArchiveFiles reads
 * them: every entry but directories and pax headers is a file, its first
 * path element (the chart's directory) is dropped, and names that are
 * absolute, climb out with "..", or look like a Windows drive are
 * refused. Nothing is written to disk, so no entry can escape anywhere.
 */
#include <archive.h>
#include <archive_entry.h>
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

/* Reads the current entry's data into the arena. */
static int
read_entry(struct reader *r, struct archive *ar, struct archive_entry *e,
    const char *name, struct err *err)
{
	int64_t declared = archive_entry_size_is_set(e) ? archive_entry_size(e)
	                                                : 0;
	struct buf b;
	char chunk[16384];
	la_ssize_t got;

	if (declared < 0 || (uint64_t)declared > r->remaining)
		return err_set(err, ERR_LIMIT,
		    "decompressed chart is larger than the maximum size %zu",
		    r->lim->max_total_bytes);
	if ((uint64_t)declared > r->lim->max_file_bytes)
		return err_set(err, ERR_LIMIT,
		    "decompressed chart file \"%s\" is larger than the "
		    "maximum file size %zu",
		    archive_entry_pathname(e), r->lim->max_file_bytes);
	buf_init(&b, (size_t)declared + 1);
	while ((got = archive_read_data(ar, chunk, sizeof(chunk))) > 0) {
		if ((size_t)got > r->remaining - b.len ||
		    b.len + (size_t)got > r->lim->max_file_bytes) {
			buf_release(&b);
			return err_set(err, ERR_LIMIT,
			    "decompressed chart is larger than the maximum "
			    "size %zu",
			    r->lim->max_total_bytes);
		}
		buf_append(&b, chunk, (size_t)got);
	}
	if (got < 0) {
		buf_release(&b);
		return err_set(err, ERR_INVALID, "%s",
		    archive_error_string(ar));
	}
	r->remaining -= b.len;
	if (r->n == r->cap) {
		r->cap = r->cap == 0 ? 64 : r->cap * 2;
		r->f = xreallocarray(r->f, r->cap, sizeof(*r->f));
	}
	r->f[r->n].name = name;
	r->f[r->n].data = "";
	r->f[r->n].len = 0;
	if (b.len > 0) {
		/* As Helm, drop a UTF-8 byte order mark. */
		size_t bom = b.len >= 3 &&
		        memcmp(b.data, "\xef\xbb\xbf", 3) == 0
		    ? 3
		    : 0;

		r->f[r->n].data = arena_strndup(r->a, b.data + bom,
		    b.len - bom);
		r->f[r->n].len = b.len - bom;
	}
	r->n++;
	buf_release(&b);
	return 0;
}

/* Reads every entry of the open archive ar into r. */
static int
read_entries(struct reader *r, struct archive *ar, struct err *err)
{
	struct archive_entry *e;
	int st;

	while ((st = archive_read_next_header(ar, &e)) == ARCHIVE_OK ||
	    st == ARCHIVE_WARN) {
		const char *raw = archive_entry_pathname(e), *name;

		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (raw == NULL)
			raw = archive_entry_pathname_utf8(e);
		if (raw == NULL)
			return err_set(err, ERR_INVALID,
			    "chart archive entry without a name");
		if ((name = entry_name(r->a, raw, err)) == NULL ||
		    read_entry(r, ar, e, name, err) == -1)
			return -1;
	}
	if (st != ARCHIVE_EOF)
		return err_set(err, ERR_INVALID, "%s",
		    archive_error_string(ar));
	if (r->n == 0)
		return err_set(err, ERR_INVALID, "no files in chart archive");
	return 0;
}

int
chart_archive_files(struct chart_file **out, size_t *nout, struct arena *a,
    const void *data, size_t n, const struct chart_limits *lim, struct err *err)
{
	struct reader r = { .a = a, .lim = lim };
	struct archive *ar;
	int rv;

	r.remaining = lim->max_total_bytes;
	if (n < 3 || memcmp(data, "\x1f\x8b\x08", 3) != 0)
		return err_set(err, ERR_INVALID, "gzip: invalid header");
	if ((ar = archive_read_new()) == NULL)
		return err_set(err, ERR_INTERNAL, "out of memory");
	archive_read_support_filter_gzip(ar);
	archive_read_support_format_tar(ar);
	if (archive_read_open_memory(ar, data, n) != ARCHIVE_OK)
		rv = err_set(err, ERR_INVALID, "%s", archive_error_string(ar));
	else
		rv = read_entries(&r, ar, err);
	if (rv == 0) {
		*out = arena_alloc(a, r.n * sizeof(**out));
		memcpy(*out, r.f, r.n * sizeof(**out));
		*nout = r.n;
	}
	free(r.f);
	archive_read_free(ar);
	return rv;
}
