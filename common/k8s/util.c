/* Small helpers the client's files share: base64, escaping, time, files. */
#include "k8s/k8s_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

static bool
is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

int
k8s_b64_decode(char **out, size_t *len_out, const char *s, size_t n,
    struct err *err)
{
	char *dst = xmalloc(n / 4 * 3 + 4);
	size_t len = 0, i, pad = 0;
	unsigned acc = 0, bits = 0;
	int v;

	for (i = 0; i < n; i++) {
		if (is_space(s[i]))
			continue;
		if (s[i] == '=') {
			pad++;
			continue;
		}
		if (pad > 0 || (v = b64_value((unsigned char)s[i])) < 0) {
			free_secret(dst, n / 4 * 3 + 4);
			return err_set(err, ERR_INVALID,
			    "invalid base64 at byte %zu", i);
		}
		acc = (acc << 6) | (unsigned)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			dst[len++] = (char)((acc >> bits) & 0xff);
		}
	}
	if (bits >= 6 || pad > 2) {
		free_secret(dst, n / 4 * 3 + 4);
		return err_set(err, ERR_INVALID, "truncated base64");
	}
	dst[len] = '\0';
	*out = dst;
	*len_out = len;
	return 0;
}

void
k8s_escape(struct buf *b, const char *s, bool path_segment)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char c;

	for (; *s != '\0'; s++) {
		c = (unsigned char)*s;
		if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '-' || c == '.' ||
		    c == '_' || c == '~' ||
		    (path_segment && (c == ':' || c == '@'))) {
			buf_putc(b, (char)c);
			continue;
		}
		buf_putc(b, '%');
		buf_putc(b, hex[c >> 4]);
		buf_putc(b, hex[c & 15]);
	}
}

int
k8s_split_api_version(char *group, size_t group_size, char *version,
    size_t version_size, const char *api_version, struct err *err)
{
	const char *slash;
	size_t glen = 0;

	if (api_version == NULL || api_version[0] == '\0')
		return err_set(err, ERR_INVALID, "missing apiVersion");
	slash = strchr(api_version, '/');
	if (slash != NULL)
		glen = (size_t)(slash - api_version);
	if ((slash != NULL &&
	        (glen == 0 || slash[1] == '\0' ||
	            strchr(slash + 1, '/') != NULL)) ||
	    glen >= group_size ||
	    strlen(slash != NULL ? slash + 1 : api_version) >= version_size)
		return err_set(err, ERR_INVALID, "invalid apiVersion '%s'",
		    api_version);
	memcpy(group, api_version, glen);
	group[glen] = '\0';
	str_lcpy(version, slash != NULL ? slash + 1 : api_version,
	    version_size);
	return 0;
}

/*
 * Reads s against shape, where 'd' is a digit and any other character a
 * separator (case-insensitive), into v[] (one number per run of digits).
 * Returns the bytes consumed or -1.
 */
static int
scan_shape(int *v, const char *s, const char *shape)
{
	int i, field = 0;

	v[0] = 0;
	for (i = 0; shape[i] != '\0'; i++) {
		if (shape[i] != 'd') {
			if ((s[i] | 0x20) != (shape[i] | 0x20))
				return -1;
			v[++field] = 0;
		} else if (s[i] >= '0' && s[i] <= '9') {
			v[field] = v[field] * 10 + (s[i] - '0');
		} else {
			return -1;
		}
	}
	return i;
}

/* Parses ".123456" (any length; micro precision kept) at *p. */
static int64_t
fraction_us(const char **p)
{
	int64_t us = 0, scale = 100000;

	if (**p != '.')
		return 0;
	for ((*p)++; **p >= '0' && **p <= '9'; (*p)++) {
		us += (**p - '0') * scale;
		scale /= 10;
	}
	return us;
}

/* Parses "Z", "+hh:mm" or "-hh:mm" into seconds east of UTC. */
static int
zone_offset(int64_t *out_s, const char *p)
{
	int v[2];

	if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
		*out_s = 0;
		return 0;
	}
	if ((p[0] != '+' && p[0] != '-') || scan_shape(v, p + 1, "dd:dd") < 0 ||
	    p[6] != '\0' || v[0] > 23 || v[1] > 59)
		return -1;
	*out_s = (p[0] == '-' ? -1 : 1) * (int64_t)(v[0] * 3600 + v[1] * 60);
	return 0;
}

int
k8s_time_parse(int64_t *out_us, const char *s, struct err *err)
{
	struct tm tm = { 0 };
	int64_t frac, off;
	const char *p;
	int v[6], n;

	n = scan_shape(v, s, "dddd-dd-ddTdd:dd:dd");
	if (n < 0 || v[1] < 1 || v[1] > 12 || v[2] < 1 || v[2] > 31 ||
	    v[3] > 23 || v[4] > 59 || v[5] > 60)
		return err_set(err, ERR_INVALID, "invalid time '%.64s'", s);
	p = s + n;
	frac = fraction_us(&p);
	if (zone_offset(&off, p) == -1)
		return err_set(err, ERR_INVALID, "invalid time '%.64s'", s);
	tm.tm_year = v[0] - 1900;
	tm.tm_mon = v[1] - 1;
	tm.tm_mday = v[2];
	tm.tm_hour = v[3];
	tm.tm_min = v[4];
	tm.tm_sec = v[5];
	*out_us = ((int64_t)timegm(&tm) - off) * 1000000 + frac;
	return 0;
}

char *
k8s_time_format(char *dst, size_t dstsize, int64_t us, bool micro)
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;
	size_t n;

	gmtime_r(&t, &tm);
	n = strftime(dst, dstsize, "%Y-%m-%dT%H:%M:%S", &tm);
	if (micro)
		(void)snprintf(dst + n, dstsize - n, ".%06dZ",
		    (int)(us % 1000000));
	else
		(void)snprintf(dst + n, dstsize - n, "Z");
	return dst;
}

int64_t
k8s_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t
k8s_wall_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

void
k8s_sleep_ms(int64_t ms)
{
	struct timespec ts;

	if (ms <= 0)
		return;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (ms % 1000) * 1000000;
	while (nanosleep(&ts, &ts) == -1 && errno == EINTR)
		;
}

int64_t
k8s_backoff_ms(unsigned attempt, int64_t base_ms, int64_t max_ms)
{
	/* Per-thread xorshift: jitter needs no quality, only spread, and
	 * rand() would serialise the workers on its lock. */
	static _Thread_local uint64_t seed;
	int64_t d = base_ms;

	if (seed == 0)
		seed = (uint64_t)k8s_wall_us() | 1;
	seed ^= seed << 13;
	seed ^= seed >> 7;
	seed ^= seed << 17;
	while (attempt-- > 0 && d < max_ms)
		d *= 2;
	if (d > max_ms)
		d = max_ms;
	/* Between half and all of d, so retrying clients spread out. */
	return d / 2 + (int64_t)(seed % (uint64_t)(d / 2 + 1));
}

const char *
k8s_str_at(const struct doc_node *map, const char *key)
{
	const struct doc_node *v;

	if (map == NULL || map->kind != DOC_MAP)
		return NULL;
	v = doc_map_get(map, key);
	if (v == NULL || v->kind != DOC_STR)
		return NULL;
	return v->u.str.ptr;
}

int
k8s_read_file(char **out, size_t *len_out, const char *path, size_t max,
    struct err *err)
{
	struct stat st;
	char *data = NULL;
	size_t len = 0;
	ssize_t n;
	int fd;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) == -1)
		return err_errno(err, errno, "open '%s'", path);
	if (fstat(fd, &st) == -1) {
		err_errno(err, errno, "stat '%s'", path);
		goto fail;
	}
	if ((uint64_t)st.st_size > max) {
		err_set(err, ERR_LIMIT, "'%s' is larger than %zu bytes", path,
		    max);
		goto fail;
	}
	data = xmalloc((size_t)st.st_size + 1);
	while (len < (size_t)st.st_size &&
	    (n = read(fd, data + len, (size_t)st.st_size - len)) != 0) {
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			err_errno(err, errno, "read '%s'", path);
			goto fail;
		}
		len += (size_t)n;
	}
	close(fd);
	data[len] = '\0';
	*out = data;
	*len_out = len;
	return 0;
fail:
	free_secret(data, data != NULL ? (size_t)st.st_size + 1 : 0);
	close(fd);
	return -1;
}
