/*
 * A gzipped tar stream read in memory, as Go's archive/tar and
 * compress/gzip read chart archives: ustar, pax ('x' records for path
 * and size) and GNU ('L' long names) headers, checksums checked,
 * multi-member gzip. Only what Helm's loader needs; nothing touches the
 * disk. Our own small reader rather than libarchive, whose dependencies
 * (libxml2, ICU, libstdc++) cost every flint process a millisecond at
 * start-up.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "chart/chart_int.h"
#include "core/buf.h"
#include "core/mem.h"

#define BLOCK  512
#define WINDOW 65536

struct tar {
	z_stream z;
	bool z_open, z_end;
	unsigned char *win; /* inflated bytes not yet consumed */
	size_t pos, len;
	uint64_t inflated, max; /* the whole stream, and its limit */
	uint64_t left, pad;     /* of the current entry's data */
	char *long_name;        /* from an 'L' or pax header, for the next */
	int64_t pax_size;       /* -1 when unset */
};

/* After a gzip member: another may follow, as Go's multistream reader
 * reads them, or the stream ends. */
static int
member_end(struct tar *t, struct err *err)
{
	if (t->z.avail_in == 0) {
		t->z_end = true;
		return 0;
	}
	if (t->z.avail_in < 3 || memcmp(t->z.next_in, "\x1f\x8b\x08", 3) != 0)
		return err_set(err, ERR_INVALID, "gzip: invalid header");
	if (inflateReset(&t->z) != Z_OK)
		return err_set(err, ERR_INTERNAL, "gzip: reset failed");
	return 0;
}

/* Inflates more into the window: 0, 1 at the end of the stream, -1. */
static int
refill(struct tar *t, struct err *err)
{
	int zr;

	t->pos = t->len = 0;
	while (t->len == 0) {
		if (t->z.avail_in == 0)
			return t->z_end
			    ? 1
			    : err_set(err, ERR_INVALID, "unexpected EOF");
		t->z.next_out = t->win;
		t->z.avail_out = WINDOW;
		zr = inflate(&t->z, Z_NO_FLUSH);
		t->len = WINDOW - t->z.avail_out;
		if (zr == Z_STREAM_END) {
			if (member_end(t, err) == -1)
				return -1;
		} else if (zr == Z_BUF_ERROR && t->len == 0) {
			return err_set(err, ERR_INVALID, "unexpected EOF");
		} else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			return err_set(err, ERR_INVALID, "gzip: %s",
			    t->z.msg != NULL ? t->z.msg : "invalid data");
		}
	}
	if ((t->inflated += t->len) > t->max)
		return err_set(err, ERR_LIMIT,
		    "chart archive inflates to more than %llu bytes",
		    (unsigned long long)t->max);
	return 0;
}

/* Reads exactly n bytes (dst may be NULL to skip them): 0, 1 when the
 * stream ended first, -1. */
static int
get(struct tar *t, void *dst, uint64_t n, struct err *err)
{
	unsigned char *d = dst;

	while (n > 0) {
		size_t k;
		int rv;

		if (t->pos == t->len && (rv = refill(t, err)) != 0)
			return rv;
		k = t->len - t->pos < n ? t->len - t->pos : (size_t)n;
		if (d != NULL) {
			memcpy(d, t->win + t->pos, k);
			d += k;
		}
		t->pos += k;
		n -= k;
	}
	return 0;
}

int
tar_open(struct tar **out, const void *gz, size_t n, uint64_t max,
    struct err *err)
{
	struct tar *t;

	if (n < 3 || memcmp(gz, "\x1f\x8b\x08", 3) != 0)
		return err_set(err, ERR_INVALID, "gzip: invalid header");
	t = xcalloc(1, sizeof(*t));
	t->win = xmalloc(WINDOW);
	t->max = max;
	t->pax_size = -1;
	t->z.next_in = (Bytef *)(uintptr_t)gz;
	t->z.avail_in = (uInt)n;
	if (n > UINT32_MAX || inflateInit2(&t->z, 16 + MAX_WBITS) != Z_OK) {
		tar_close(t);
		return err_set(err, ERR_LIMIT, "chart archive too large");
	}
	t->z_open = true;
	*out = t;
	return 0;
}

void
tar_close(struct tar *t)
{
	if (t == NULL)
		return;
	if (t->z_open)
		inflateEnd(&t->z);
	free(t->win);
	free(t->long_name);
	free(t);
}

/* A numeric header field: octal, or base-256 when the high bit is set. */
static int64_t
num(const unsigned char *p, size_t n)
{
	uint64_t v = 0;
	size_t i = 0;

	if (p[0] & 0x80) {
		if (p[0] & 0x40)
			return -1; /* negative */
		v = p[0] & 0x3f;
		for (i = 1; i < n; i++) {
			if (v >> 55 != 0)
				return -1;
			v = v << 8 | p[i];
		}
		return v > INT64_MAX ? -1 : (int64_t)v;
	}
	while (i < n && (p[i] == ' ' || p[i] == '\0'))
		i++;
	for (; i < n && p[i] >= '0' && p[i] <= '7'; i++) {
		if (v >> 60 != 0)
			return -1;
		v = v << 3 | (uint64_t)(p[i] - '0');
	}
	return v > INT64_MAX ? -1 : (int64_t)v;
}

static bool
checksum_ok(const unsigned char *h)
{
	int64_t want = num(h + 148, 8);
	int64_t u = 0, s = 0;

	for (size_t i = 0; i < BLOCK; i++) {
		unsigned char c = i >= 148 && i < 156 ? ' ' : h[i];

		u += c;
		s += (signed char)c;
	}
	return want == u || want == s;
}

/* The pax records "len key=value\n" in p: path and size. */
static void
pax_apply(struct tar *t, const char *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		size_t len = 0, j = i;
		const char *kv, *eq;

		while (j < n && p[j] >= '0' && p[j] <= '9' && len < n)
			len = len * 10 + (size_t)(p[j++] - '0');
		if (j >= n || p[j] != ' ' || len == 0 || len > n - i)
			return;
		kv = p + j + 1;
		eq = memchr(kv, '=', (size_t)(p + i + len - kv));
		if (eq != NULL && p[i + len - 1] == '\n') {
			size_t kl = (size_t)(eq - kv);
			size_t vl = (size_t)(p + i + len - 1 - (eq + 1));

			if (kl == 4 && memcmp(kv, "path", 4) == 0) {
				free(t->long_name);
				t->long_name = xstrndup(eq + 1, vl);
			} else if (kl == 4 && memcmp(kv, "size", 4) == 0) {
				char tmp[32];

				(void)snprintf(tmp, sizeof(tmp), "%.*s",
				    (int)(vl < 31 ? vl : 31), eq + 1);
				t->pax_size = strtoll(tmp, NULL, 10);
			}
		}
		i += len;
	}
}

/* Reads the data of a meta entry ('x', 'L') of size n. */
static char *
meta_data(struct tar *t, int64_t n, struct err *err)
{
	char *p;

	if (n < 0 || n > 1 << 20) {
		err_set(err, ERR_LIMIT, "archive/tar: header too large");
		return NULL;
	}
	p = xmalloc((size_t)n + 1);
	if (get(t, p, (uint64_t)n, err) != 0 ||
	    get(t, NULL, (BLOCK - (uint64_t)n % BLOCK) % BLOCK, err) != 0) {
		if (err->code == ERR_OK)
			err_set(err, ERR_INVALID, "unexpected EOF");
		free(p);
		return NULL;
	}
	p[n] = '\0';
	return p;
}

/* The entry's name: a pending long name, else ustar prefix + name. */
static char *
entry_path(struct tar *t, const unsigned char *h)
{
	char name[101], prefix[156];

	if (t->long_name != NULL) {
		char *n = t->long_name;

		t->long_name = NULL;
		return n;
	}
	memcpy(name, h, 100);
	name[100] = '\0';
	if (memcmp(h + 257, "ustar\0", 6) == 0 && h[345] != '\0') {
		memcpy(prefix, h + 345, 155);
		prefix[155] = '\0';
		return xasprintf("%s/%s", prefix, name);
	}
	return xstrdup(name);
}

/* Handles a meta header ('x', 'L', 'K'): 1 when it was one, 0 when h is
 * a real entry, -1. */
static int
meta(struct tar *t, const unsigned char *h, int64_t size, struct err *err)
{
	char *d;

	if (h[156] != 'x' && h[156] != 'L' && h[156] != 'K')
		return 0;
	if ((d = meta_data(t, size, err)) == NULL)
		return -1;
	if (h[156] == 'x') {
		pax_apply(t, d, (size_t)size);
	} else if (h[156] == 'L') {
		free(t->long_name);
		t->long_name = xstrdup(d);
	}
	free(d);
	return 1;
}

/* Whether the header is all zeros: the end of the archive. */
static bool
zero_block(const unsigned char *h)
{
	for (size_t i = 0; i < BLOCK; i++)
		if (h[i] != 0)
			return false;
	return true;
}

/* Reads headers up to the next real entry's into h, with its size:
 * 0, 1 at the end, -1. */
static int
read_header(struct tar *t, unsigned char h[BLOCK], int64_t *size,
    struct err *err)
{
	int rv;

	for (;;) {
		if ((rv = get(t, h, BLOCK, err)) != 0)
			return rv; /* a missing end marker is an end too */
		if (zero_block(h))
			return 1;
		if (!checksum_ok(h) || (*size = num(h + 124, 12)) < 0)
			return err_set(err, ERR_INVALID,
			    "archive/tar: invalid tar header");
		if ((rv = meta(t, h, *size, err)) != 1)
			return rv;
	}
}

int
tar_next(struct tar *t, struct tar_entry *e, struct err *err)
{
	unsigned char h[BLOCK];
	int64_t size = 0;
	size_t nl;
	int rv;

	if (get(t, NULL, t->left + t->pad, err) == -1)
		return -1;
	t->left = t->pad = 0;
	free(e->name);
	e->name = NULL;
	if ((rv = read_header(t, h, &size, err)) != 0)
		return rv;
	if (t->pax_size >= 0)
		size = t->pax_size;
	t->pax_size = -1;
	e->name = entry_path(t, h);
	nl = strlen(e->name);
	e->type = (char)h[156];
	if (e->type == '\0' || e->type == '7')
		e->type = nl > 0 && e->name[nl - 1] == '/' ? '5' : '0';
	if (e->type == 'S')
		return err_set(err, ERR_UNSUPPORTED,
		    "sparse files in chart archives are not supported");
	/* Go reads no data for these, whatever the size says */
	if (e->type >= '1' && e->type <= '6')
		size = 0;
	e->size = (uint64_t)size;
	t->left = (uint64_t)size;
	t->pad = (BLOCK - t->left % BLOCK) % BLOCK;
	return 0;
}

int
tar_data(struct tar *t, char *dst, struct err *err)
{
	int rv = get(t, dst, t->left, err);

	if (rv == 1)
		return err_set(err, ERR_INVALID, "unexpected EOF");
	if (rv == 0)
		t->left = 0;
	return rv;
}
