/*
 * Test-side tar writer: deliberately naive, so it writes whatever a test
 * asks for, valid or not.
 */
#include "tarbuild.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "core/mem.h"

static void
header(struct buf *b, const char *name, char type, const char *link,
    uint64_t size)
{
	static const unsigned char magic[8] = { 'u', 's', 't', 'a', 'r', 0, '0',
		'0' };
	unsigned char h[512];
	unsigned sum = 0;

	memset(h, 0, sizeof(h));
	strncpy((char *)h, name, 100); /* tar fields: no NUL when full */
	(void)snprintf((char *)h + 100, 8, "%07o", type == '5' ? 0755 : 0644);
	(void)snprintf((char *)h + 108, 8, "%07o", 0);
	(void)snprintf((char *)h + 116, 8, "%07o", 0);
	(void)snprintf((char *)h + 124, 12, "%011llo",
	    (unsigned long long)size);
	(void)snprintf((char *)h + 136, 12, "%011o", 0);
	h[156] = (unsigned char)type;
	if (link != NULL)
		strncpy((char *)h + 157, link, 100);
	memcpy(h + 257, magic, sizeof(magic));
	memset(h + 148, ' ', 8);
	for (size_t i = 0; i < sizeof(h); i++)
		sum += h[i];
	(void)snprintf((char *)h + 148, 8, "%06o", sum);
	buf_append(b, h, sizeof(h));
}

static void
pad(struct buf *b, size_t n)
{
	static const char zero[512];

	if (n % 512 != 0)
		buf_append(b, zero, 512 - n % 512);
}

void
tarb_entry(struct buf *b, const char *name, char type, const char *link,
    const void *data, size_t n, uint64_t size)
{
	header(b, name, type, link, size);
	if (n > 0) {
		buf_append(b, data, n);
		pad(b, n);
	}
}

void
tarb_pax_path(struct buf *b, const char *path)
{
	char rec[4200];
	int n = 0, len = (int)strlen(path) + 7;

	/* "<len> path=<path>\n" where len counts its own digits */
	for (int d = 1; d < 6; d++) {
		n = snprintf(rec, sizeof(rec), "%d path=%s\n", len + d, path);
		if (n == len + d)
			break;
	}
	header(b, "PaxHeaders.0/x", 'x', NULL, (uint64_t)n);
	buf_append(b, rec, (size_t)n);
	pad(b, (size_t)n);
}

void
tarb_end(struct buf *b)
{
	static const char zero[1024];

	buf_append(b, zero, sizeof(zero));
}

static void
zrun(struct buf *b, int inflating)
{
	unsigned char out[65536];
	struct buf res;
	z_stream z;
	int rv;

	memset(&z, 0, sizeof(z));
	rv = inflating
	    ? inflateInit2(&z, 15 + 16)
	    : deflateInit2(&z, 9, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
	if (rv != Z_OK)
		abort();
	buf_init(&res, BUF_MAX_DEFAULT);
	z.next_in = (unsigned char *)b->data;
	z.avail_in = (unsigned)b->len;
	do {
		z.next_out = out;
		z.avail_out = sizeof(out);
		rv = inflating ? inflate(&z, Z_NO_FLUSH)
		               : deflate(&z, Z_FINISH);
		buf_append(&res, out, sizeof(out) - z.avail_out);
	} while (rv == Z_OK);
	if (inflating)
		inflateEnd(&z);
	else
		deflateEnd(&z);
	buf_release(b);
	*b = res;
	if (rv != Z_STREAM_END)
		b->failed = true;
}

void
tarb_gzip(struct buf *b)
{
	zrun(b, 0);
}

int
tarb_gunzip(struct buf *b)
{
	zrun(b, 1);
	return b->failed ? -1 : 0;
}
