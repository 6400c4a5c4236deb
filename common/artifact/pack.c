/*
 * Packs a directory tree into a reproducible .tar.gz, hashing and
 * counting the compressed bytes as they are written.
 *
 * The tar writer is our own rather than libarchive's: every header byte
 * is fixed here (ustar, PAX records only for names over 100 bytes or
 * files over 8 GiB, fixed "PaxHeaders.0/" names, no atime/ctime, no
 * record padding), and zlib gets an explicit level and gzip header (no
 * name, mtime 0, OS "unknown"). The digest of a tree therefore cannot
 * change under a library upgrade, which would otherwise make every
 * source look changed. libarchive is used for reading, where its
 * tolerance of every tar dialect is what consumers need.
 */
#include "artifact/artifact.h"

#define ZLIB_CONST
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "artifact/artifact_int.h"
#include "core/buf.h"
#include "core/mem.h"
#include "core/str.h"

#define BLOCK          512
#define IO_SIZE        (1 << 16)
#define USTAR_NAME_MAX 100
#define OCTAL_SIZE_MAX UINT64_C(077777777777)
/* Flux's modes (fluxcd/pkg/artifact/storage). */
#define MODE_DIR       0750
#define MODE_EXE       0700
#define MODE_FILE      0600

struct packer {
	int fd;
	z_stream z;
	EVP_MD_CTX *md;
	unsigned char *zbuf;
	unsigned char *io;
	struct artifact_info *info;
	artifact_filter_fn *filter;
	void *filter_arg;
	char path[PATH_MAX]; /* relative path of the entry being packed */
	size_t path_len;
	struct err *err;
};

/* Hands compressed bytes to the file and the digest. */
static int
pk_out(struct packer *pk, const unsigned char *p, size_t n)
{
	if (artifact_write_all(pk->fd, p, n, "tarball", pk->err) == -1)
		return -1;
	EVP_DigestUpdate(pk->md, p, n);
	pk->info->size += n;
	return 0;
}

static int
pk_deflate(struct packer *pk, const void *p, size_t n, int flush)
{
	int rv;

	pk->z.next_in = p;
	pk->z.avail_in = (uInt)n;
	for (;;) {
		pk->z.next_out = pk->zbuf;
		pk->z.avail_out = IO_SIZE;
		rv = deflate(&pk->z, flush);
		if (rv == Z_STREAM_ERROR)
			BUG("deflate: stream error");
		if (pk_out(pk, pk->zbuf, IO_SIZE - pk->z.avail_out) == -1)
			return -1;
		if (flush == Z_FINISH ? rv == Z_STREAM_END
		                      : pk->z.avail_out != 0)
			return 0;
	}
}

static void
octal(char *field, size_t width, uint64_t v)
{
	(void)snprintf(field, width, "%0*" PRIo64, (int)width - 1, v);
}

/* Fills a ustar header; the name is cut at 100 bytes (a PAX record
 * before it carries the whole name when longer). */
static void
ustar_header(unsigned char h[BLOCK], const char *name, unsigned mode, char type,
    uint64_t size)
{
	static const unsigned char magic[8] = { 'u', 's', 't', 'a', 'r', 0, '0',
		'0' };
	unsigned sum = 0;

	memset(h, 0, BLOCK);
	strncpy((char *)h, name, USTAR_NAME_MAX); /* tar: no NUL when full */
	octal((char *)h + 100, 8, mode);
	octal((char *)h + 108, 8, 0);
	octal((char *)h + 116, 8, 0);
	octal((char *)h + 124, 12, size > OCTAL_SIZE_MAX ? 0 : size);
	octal((char *)h + 136, 12, 0);
	h[156] = (unsigned char)type;
	memcpy(h + 257, magic, sizeof(magic));
	octal((char *)h + 329, 8, 0);
	octal((char *)h + 337, 8, 0);
	memset(h + 148, ' ', 8);
	for (int i = 0; i < BLOCK; i++)
		sum += h[i];
	(void)snprintf((char *)h + 148, 8, "%06o", sum);
	h[155] = ' ';
}

/* Appends one PAX record "<len> <key>=<value>\n"; len counts itself. */
static void
pax_record(struct buf *b, const char *key, const char *value)
{
	size_t base = strlen(key) + strlen(value) + 3, n = base + 1;

	while ((size_t)snprintf(NULL, 0, "%zu", n) + base != n)
		n = base + (size_t)snprintf(NULL, 0, "%zu", n);
	buf_printf(b, "%zu %s=%s\n", n, key, value);
}

static int
pk_pad(struct packer *pk, uint64_t size)
{
	static const unsigned char zero[BLOCK];
	size_t pad = (size_t)((BLOCK - size % BLOCK) % BLOCK);

	return pad == 0 ? 0 : pk_deflate(pk, zero, pad, Z_NO_FLUSH);
}

/* Writes a PAX header carrying what ustar cannot hold, if anything. */
static int
pk_pax(struct packer *pk, const char *name, uint64_t size)
{
	unsigned char h[BLOCK];
	char hname[USTAR_NAME_MAX + 1], num[24];
	const char *base = strrchr(pk->path, '/');
	struct buf b;
	int rv;

	if (strlen(name) <= USTAR_NAME_MAX && size <= OCTAL_SIZE_MAX)
		return 0;
	buf_init(&b, BUF_MAX_DEFAULT);
	if (strlen(name) > USTAR_NAME_MAX)
		pax_record(&b, "path", name);
	if (size > OCTAL_SIZE_MAX) {
		(void)snprintf(num, sizeof(num), "%" PRIu64, size);
		pax_record(&b, "size", num);
	}
	str_lcpy(hname, "PaxHeaders.0/", sizeof(hname));
	str_lcat(hname, base != NULL ? base + 1 : pk->path, sizeof(hname));
	ustar_header(h, hname, MODE_FILE, 'x', b.len);
	rv = pk_deflate(pk, h, BLOCK, Z_NO_FLUSH);
	if (rv == 0)
		rv = pk_deflate(pk, b.data, b.len, Z_NO_FLUSH);
	if (rv == 0)
		rv = pk_pad(pk, b.len);
	buf_release(&b);
	return rv;
}

static int
pk_header(struct packer *pk, unsigned mode, char type, uint64_t size)
{
	unsigned char h[BLOCK];
	char name[PATH_MAX + 1];

	str_lcpy(name, pk->path, sizeof(name));
	if (type == '5')
		str_lcat(name, "/", sizeof(name));
	if (pk_pax(pk, name, size) == -1)
		return -1;
	ustar_header(h, name, mode, type, size);
	return pk_deflate(pk, h, BLOCK, Z_NO_FLUSH);
}

/* Copies exactly size bytes of fd; a file that shrinks is a conflict. */
static int
pk_copy(struct packer *pk, int fd, uint64_t size)
{
	uint64_t left = size;

	while (left > 0) {
		size_t want = left < IO_SIZE ? (size_t)left : IO_SIZE;
		ssize_t r = read(fd, pk->io, want);

		if (r == -1 && errno == EINTR)
			continue;
		if (r == -1)
			return err_errno(pk->err, errno, "read '%s'", pk->path);
		if (r == 0)
			return err_set(pk->err, ERR_CONFLICT,
			    "'%s' changed while being packed", pk->path);
		if (pk_deflate(pk, pk->io, (size_t)r, Z_NO_FLUSH) == -1)
			return -1;
		left -= (uint64_t)r;
	}
	return pk_pad(pk, size);
}

static int
pk_file(struct packer *pk, int dfd, const char *name)
{
	int fd = openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	int rv = -1;

	if (fd == -1)
		return err_errno(pk->err, errno, "open '%s'", pk->path);
	if (fstat(fd, &st) == -1) {
		err_errno(pk->err, errno, "stat '%s'", pk->path);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(pk->err, ERR_CONFLICT,
		    "'%s' changed while being packed", pk->path);
		goto out;
	}
	if (pk_header(pk, (st.st_mode & 0111) != 0 ? MODE_EXE : MODE_FILE, '0',
	        (uint64_t)st.st_size) == -1 ||
	    pk_copy(pk, fd, (uint64_t)st.st_size) == -1)
		goto out;
	pk->info->files++;
	rv = 0;
out:
	close(fd);
	return rv;
}

static int pk_dir(struct packer *pk, int dfd, int depth);

/* Packs one directory entry, then walks into it if it is a directory. */
static int
pk_entry(struct packer *pk, int dfd, const char *name, int depth)
{
	bool excluded;
	struct stat st;
	int fd, rv;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1)
		return err_errno(pk->err, errno, "stat '%s'", pk->path);
	if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode))
		return 0;
	excluded = pk->filter != NULL &&
	    pk->filter(pk->filter_arg, pk->path, S_ISDIR(st.st_mode));
	if (S_ISREG(st.st_mode))
		return excluded ? 0 : pk_file(pk, dfd, name);
	if (!excluded && pk_header(pk, MODE_DIR, '5', 0) == -1)
		return -1;
	pk->info->dirs += excluded ? 0 : 1;
	fd = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd == -1)
		return err_errno(pk->err, errno, "open '%s'", pk->path);
	rv = pk_dir(pk, fd, depth + 1);
	close(fd);
	return rv;
}

static int
pk_dir(struct packer *pk, int dfd, int depth)
{
	size_t n, len = pk->path_len;
	char **names = NULL;
	int rv = 0;

	if (depth > ARTIFACT_MAX_DEPTH)
		return err_set(pk->err, ERR_LIMIT,
		    "'%s' is deeper than %d levels", pk->path,
		    ARTIFACT_MAX_DEPTH);
	if (artifact_names_read(&names, &n, dfd, pk->err) == -1)
		return err_wrap(pk->err, "'%s'", len == 0 ? "." : pk->path);
	for (size_t i = 0; i < n && rv == 0; i++) {
		int w = snprintf(pk->path + len, sizeof(pk->path) - len, "%s%s",
		    len == 0 ? "" : "/", names[i]);

		if (w < 0 || (size_t)w >= sizeof(pk->path) - len)
			rv = err_set(pk->err, ERR_LIMIT,
			    "path under '%s' longer than %d bytes", pk->path,
			    PATH_MAX);
		else {
			pk->path_len = len + (size_t)w;
			rv = pk_entry(pk, dfd, names[i], depth);
		}
		pk->path_len = len;
		pk->path[len] = '\0';
	}
	artifact_names_free(names);
	return rv;
}

static void
pk_init(struct packer *pk, struct artifact_info *out, int fd)
{
	gz_header gz = { .os = 255 }; /* no name, no time: reproducible */

	memset(out, 0, sizeof(*out));
	pk->fd = fd;
	pk->info = out;
	pk->zbuf = xmalloc(IO_SIZE);
	pk->io = xmalloc(IO_SIZE);
	pk->md = EVP_MD_CTX_new();
	if (pk->md == NULL ||
	    EVP_DigestInit_ex(pk->md, EVP_sha256(), NULL) != 1)
		BUG("EVP_DigestInit_ex sha256 failed");
	if (deflateInit2(&pk->z, 6, Z_DEFLATED, 15 + 16, 8,
	        Z_DEFAULT_STRATEGY) != Z_OK ||
	    deflateSetHeader(&pk->z, &gz) != Z_OK)
		BUG("deflateInit2 failed");
}

static int
pk_finish(struct packer *pk)
{
	static const unsigned char trailer[2 * BLOCK];
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len = 0;

	if (pk_deflate(pk, trailer, sizeof(trailer), Z_FINISH) == -1)
		return -1;
	if (EVP_DigestFinal_ex(pk->md, md, &len) != 1 || len != 32)
		BUG("EVP_DigestFinal_ex sha256 failed");
	artifact_digest_format(pk->info->digest, md);
	return 0;
}

int
artifact_pack(struct artifact_info *out, int fd, const char *dir,
    artifact_filter_fn *filter, void *filter_arg, struct err *err)
{
	struct packer *pk = xcalloc(1, sizeof(*pk));
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	int rv = -1;

	pk->filter = filter;
	pk->filter_arg = filter_arg;
	pk->err = err;
	pk_init(pk, out, fd);
	if (dfd == -1)
		err_errno(err, errno, "open '%s'", dir);
	else if (pk_dir(pk, dfd, 0) == 0 && pk_finish(pk) == 0)
		rv = 0;
	if (rv == -1)
		err_wrap(err, "pack '%s'", dir);
	if (dfd != -1)
		close(dfd);
	deflateEnd(&pk->z);
	EVP_MD_CTX_free(pk->md);
	free(pk->zbuf);
	free(pk->io);
	free(pk);
	return rv;
}
