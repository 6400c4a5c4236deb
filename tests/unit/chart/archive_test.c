/*
 * Chart archives: chart_load_archive() and chart_load() on .tgz files
 * built here with libarchive, including archives no packer would write
 * (paths that climb out, absolute paths, Windows separators). The
 * expected streams and error texts are what Helm v4.1.4 printed for
 * the same archives (its own errors reach the user wrapped as "unable
 * to load chart archive"; the inner ones are LoadArchiveFiles').
 */
#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "chart/chart.h"
#include "core/buf.h"
#include "core/mem.h"
#include "t.h"

struct entry {
	const char *name;
	const char *data; /* NULL: a directory */
	size_t len;       /* 0: strlen(data) */
};

struct blob {
	char *data;
	size_t len;
};

#define BLOB_MAX (8 << 20)

enum fmt {
	PAX,
	GNU,
	RAW_PAX
}; /* RAW_PAX: not gzipped */

/* A tar of the entries (gzipped unless RAW_PAX), in a blob the caller
 * frees. */
static void
make_archive(struct blob *out, const struct entry *e, size_t n, enum fmt f)
{
	struct archive *ar = archive_write_new();
	size_t used = 0;

	out->data = xmalloc(BLOB_MAX);
	if (f != RAW_PAX)
		archive_write_add_filter_gzip(ar);
	if (f == GNU)
		archive_write_set_format_gnutar(ar);
	else
		archive_write_set_format_pax_restricted(ar);
	archive_write_set_bytes_in_last_block(ar, 1);
	archive_write_open_memory(ar, out->data, BLOB_MAX, &used);
	for (size_t i = 0; i < n; i++) {
		struct archive_entry *ae = archive_entry_new();
		size_t len = e[i].data == NULL ? 0
		    : e[i].len != 0            ? e[i].len
		                               : strlen(e[i].data);

		archive_entry_set_pathname(ae, e[i].name);
		archive_entry_set_filetype(ae,
		    e[i].data == NULL ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(ae, 0644);
		archive_entry_set_size(ae, (la_int64_t)len);
		archive_write_header(ar, ae);
		if (len > 0)
			archive_write_data(ar, e[i].data, len);
		archive_entry_free(ae);
	}
	archive_write_close(ar);
	archive_write_free(ar);
	out->len = used;
}

static void
make_tgz(struct blob *out, const struct entry *e, size_t n)
{
	make_archive(out, e, n, PAX);
}

static const struct chart_opts opts = { .release = "rel",
	.namespace = "ns",
	.kube_version = "1.32.0" };

/* Loads and renders the archive of entries; the stream or NULL. */
static char *
render_tgz(const struct entry *e, size_t n, const struct chart_limits *lim,
    struct err *err)
{
	struct blob tgz;
	struct buf out;
	struct chart *c = NULL;
	char *res = NULL;

	make_tgz(&tgz, e, n);
	buf_init(&out, 1 << 16);
	if (chart_load_archive(&c, tgz.data, tgz.len, lim, err) == 0 &&
	    chart_render(&out, c, NULL, &opts, err) == 0)
		res = buf_detach(&out, NULL);
	chart_free(c);
	buf_release(&out);
	free(tgz.data);
	return res;
}

#define CHART_YAML "apiVersion: v2\nname: c\nversion: 0.1.0\n"

T_TEST(test_archive_with_archived_subchart_renders_like_helm)
{
	static const struct entry sub[] = {
		{ "s/Chart.yaml", "apiVersion: v2\nname: s\nversion: 0.2.0\n",
		    0 },
		{ "s/templates/s.yaml", "s: {{ .Values.x | default \"d\" }}\n",
		    0 },
	};
	struct blob subtgz;
	char *got;
	struct err err = ERR_INIT;

	make_tgz(&subtgz, sub, 2);
	{
		const struct entry top[] = {
			{ "c/", NULL, 0 },
			{ "c/Chart.yaml", "\xef\xbb\xbf" CHART_YAML, 0 },
			{ "c/charts/s-0.2.0.tgz", subtgz.data, subtgz.len },
			{ "c/charts/s-0.2.0.tgz.prov", "sig", 0 },
			{ "c/.helmignore", "templates/\n", 0 },
			{ "c/templates/a.yaml",
			    "a: {{ .Files.Get \"charts/s-0.2.0.tgz.prov\" }}\n",
			    0 },
		};

		/* .helmignore does not apply to archives; the .prov file is
		 * one of .Files, not a subchart */
		got = render_tgz(top, 6, NULL, &err);
	}
	T_STREQ(got,
	    "---\n# Source: c/charts/s/templates/s.yaml\ns: d\n---\n"
	    "# Source: c/templates/a.yaml\na: sig\n");
	if (got == NULL)
		t_fail(__FILE__, __LINE__, "%s", err.msg);
	free(got);
	free(subtgz.data);
}

T_TEST(test_archive_windows_separators_and_any_top_directory)
{
	static const struct entry win[] = {
		{ "c\\Chart.yaml", CHART_YAML, 0 },
		{ "c\\templates\\b.yaml", "b: 2\n", 0 },
	};
	static const struct entry two[] = {
		{ "a/Chart.yaml", CHART_YAML, 0 },
		{ "b/templates/b.yaml", "b: {{ .Chart.Name }}\n", 0 },
	};
	struct err err = ERR_INIT;
	char *got = render_tgz(win, 2, NULL, &err);

	T_STREQ(got, "---\n# Source: c/templates/b.yaml\nb: 2\n");
	free(got);
	got = render_tgz(two, 2, NULL, &err);
	T_STREQ(got, "---\n# Source: c/templates/b.yaml\nb: c\n");
	free(got);
}

/* The archive of entries must fail with code and a message holding
 * want. */
static void
refused(const struct entry *e, size_t n, const struct chart_limits *lim,
    enum err_code code, const char *want, int line)
{
	struct err err = ERR_INIT;
	char *got = render_tgz(e, n, lim, &err);

	if (got != NULL || err.code != code || strstr(err.msg, want) == NULL)
		t_fail(__FILE__, line, "want %s \"%s\", got %s \"%s\"",
		    err_code_name(code), want, err_code_name(err.code),
		    err.msg);
	free(got);
}

T_TEST(test_archive_paths_out_of_the_chart_are_refused)
{
	static const struct entry up[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ "c/../../evil", "x", 0 },
	};
	static const struct entry abs[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ "c//etc/passwd", "x", 0 },
	};
	static const struct entry top[] = {
		{ "Chart.yaml", CHART_YAML, 0 },
	};
	static const struct entry drive[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ "c/C:/x", "x", 0 },
	};
	static const struct entry dirs_only[] = {
		{ "c/", NULL, 0 },
	};
	static const struct entry lone[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ "c/charts/README.md", "x", 0 },
	};
	static const struct entry bad_sub[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ "c/charts/s.tgz", "not gzip", 0 },
	};

	refused(up, 2, NULL, ERR_INVALID,
	    "chart illegally references parent directory", __LINE__);
	refused(abs, 2, NULL, ERR_INVALID,
	    "chart illegally contains absolute paths", __LINE__);
	refused(top, 1, NULL, ERR_INVALID,
	    "chart illegally contains content outside the base directory: "
	    "\"Chart.yaml\"",
	    __LINE__);
	refused(drive, 2, NULL, ERR_INVALID,
	    "chart contains illegally named files", __LINE__);
	refused(dirs_only, 1, NULL, ERR_INVALID, "no files in chart archive",
	    __LINE__);
	refused(lone, 2, NULL, ERR_INVALID,
	    "error unpacking subchart README.md in c: Chart.yaml file is "
	    "missing",
	    __LINE__);
	refused(bad_sub, 2, NULL, ERR_INVALID,
	    "error unpacking subchart s.tgz in c: gzip: invalid header",
	    __LINE__);
}

T_TEST(test_archive_limits)
{
	static const struct entry big[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ "c/values.yaml",
		    "a: 01234567890123456789012345678901234567890123\n", 0 },
	};
	const struct chart_limits file = { .max_file_bytes = 45 };
	const struct chart_limits total = { .max_total_bytes = 64 };

	refused(big, 2, &file, ERR_LIMIT,
	    "decompressed chart file \"c/values.yaml\" is larger than the "
	    "maximum file size 45",
	    __LINE__);
	refused(big, 2, &total, ERR_LIMIT,
	    "decompressed chart is larger than the maximum size 64", __LINE__);
}

/* Writes n bytes at data to a new file /tmp/flint-chart-XXXXXX<suffix>
 * (or, for a NULL suffix, to Chart.yaml in a new directory of that
 * name); returns the path written, which the caller frees. */
static char *
write_temp(const char *suffix, const char *data, size_t n)
{
	char *path = xasprintf("/tmp/flint-chart-XXXXXX%s",
	    suffix != NULL ? suffix : "");
	char *file = path;
	int fd;

	if (suffix == NULL) {
		if (mkdtemp(path) == NULL)
			return path;
		file = xasprintf("%s/Chart.yaml", path);
		fd = open(file, O_WRONLY | O_CREAT | O_EXCL, 0600);
	} else {
		fd = mkstemps(path, (int)strlen(suffix));
	}
	if (fd == -1 || write(fd, data, n) != (ssize_t)n)
		t_fail(__FILE__, __LINE__, "cannot write %s", file);
	if (fd != -1)
		close(fd);
	if (file != path)
		free(file);
	return path;
}

/* chart_load() of path must give the chart named name. */
static void
loads_as(const char *path, const char *name, int line)
{
	struct chart *c = NULL;
	struct err err = ERR_INIT;

	if (chart_load(&c, path, NULL, &err) == -1)
		t_fail(__FILE__, line, "chart_load(%s): %s", path, err.msg);
	else if (strcmp(chart_name(c), name) != 0)
		t_fail(__FILE__, line, "chart_load(%s): name %s, want %s", path,
		    chart_name(c), name);
	chart_free(c);
}

T_TEST(test_chart_load_takes_a_directory_or_an_archive_file)
{
	static const struct entry e[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
	};
	struct blob tgz;
	char *file, *dir, *chart_yaml;

	make_tgz(&tgz, e, 1);
	file = write_temp(".tgz", tgz.data, tgz.len);
	dir = write_temp(NULL, CHART_YAML, strlen(CHART_YAML));
	loads_as(file, "c", __LINE__);
	loads_as(dir, "c", __LINE__);
	chart_yaml = xasprintf("%s/Chart.yaml", dir);
	unlink(chart_yaml);
	rmdir(dir);
	unlink(file);
	free(chart_yaml);
	free(dir);
	free(file);
	free(tgz.data);
}

T_TEST(test_chart_load_refuses_what_is_not_a_chart)
{
	char *yaml = write_temp(".yaml", "a: 1\n", 5);
	struct chart *c = NULL;
	struct err err = ERR_INIT;

	T_ERR(chart_load(&c, yaml, NULL, &err), &err, ERR_INVALID);
	unlink(yaml);
	free(yaml);
	T_ERR(chart_load(&c, "/nonexistent/flint.tgz", NULL, &err), &err,
	    ERR_NOTFOUND);
}

/* Loads the archive in b and renders it; the stream or NULL. */
static char *
render_blob(const struct blob *b, const struct chart_limits *lim,
    struct err *err)
{
	struct chart *c = NULL;
	struct buf out;
	char *res = NULL;

	buf_init(&out, 1 << 16);
	if (chart_load_archive(&c, b->data, b->len, lim, err) == 0 &&
	    chart_render(&out, c, NULL, &opts, err) == 0)
		res = buf_detach(&out, NULL);
	chart_free(c);
	buf_release(&out);
	return res;
}

#define LONG_DIR                                                          \
	"c/templates/a-directory-name-well-past-the-hundred-bytes-a-tar-" \
	"header-holds-for-a-name-without-its-prefix"

T_TEST(test_archive_long_names_in_pax_and_gnu_headers)
{
	static const struct entry e[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ LONG_DIR "/and-a-file-name-long-enough-for-no-prefix-to-"
		           "hold-it-either-in-the-ustar-split.yaml",
		    "a: 1\n", 0 },
	};
	const enum fmt fmts[] = { PAX, GNU };

	for (size_t i = 0; i < 2; i++) {
		struct err err = ERR_INIT;
		struct blob b;
		char *got;

		make_archive(&b, e, 2, fmts[i]);
		got = render_blob(&b, NULL, &err);
		if (got == NULL ||
		    strstr(got, "-in-the-ustar-split.yaml\na: 1") == NULL)
			t_fail(__FILE__, __LINE__, "format %zu: %s", i,
			    got != NULL ? got : err.msg);
		free(got);
		free(b.data);
	}
}

/* zlib's gzip of the n bytes at p, appended to out. */
static void
gzip_append(struct blob *out, const char *p, size_t n)
{
	z_stream z = { 0 };

	deflateInit2(&z, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY);
	z.next_in = (Bytef *)(uintptr_t)p;
	z.avail_in = (uInt)n;
	z.next_out = (Bytef *)out->data + out->len;
	z.avail_out = (uInt)(BLOB_MAX - out->len);
	deflate(&z, Z_FINISH);
	out->len = BLOB_MAX - z.avail_out;
	deflateEnd(&z);
}

T_TEST(test_archive_in_two_gzip_members)
{
	static const struct entry e[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ "c/templates/t.yaml", "t: 1\n", 0 },
	};
	struct blob raw, gz = { xmalloc(BLOB_MAX), 0 };
	struct err err = ERR_INIT;
	char *got;

	make_archive(&raw, e, 2, RAW_PAX);
	gzip_append(&gz, raw.data, 700);
	gzip_append(&gz, raw.data + 700, raw.len - 700);
	got = render_blob(&gz, NULL, &err);
	T_STREQ(got, "---\n# Source: c/templates/t.yaml\nt: 1\n");
	free(got);
	gz.len -= 30; /* cut into the second member's deflate data */
	got = render_blob(&gz, NULL, &err);
	T_TRUE(got == NULL && err.code == ERR_INVALID);
	free(got);
	free(raw.data);
	free(gz.data);
}

T_TEST(test_archive_bombs_stop_at_the_limits)
{
	const size_t big = (size_t)6 << 20;
	char *zeros = xcalloc(1, big);
	const struct entry one[] = {
		{ "c/Chart.yaml", CHART_YAML, 0 },
		{ "c/big", zeros, big },
	};
	struct entry *many = xcalloc(8001, sizeof(*many));
	char names[8000][24];
	const struct chart_limits small = { .max_total_bytes = 1 << 20 };
	struct err err = ERR_INIT;
	struct chart *c = NULL;
	struct blob b;

	/* one file past the 5 MiB file limit */
	make_archive(&b, one, 2, PAX);
	T_ERR(chart_load_archive(&c, b.data, b.len, NULL, &err), &err,
	    ERR_LIMIT);
	free(b.data);
	/* headers alone past what a 1 MiB chart may inflate to */
	many[0] = one[0];
	for (size_t i = 0; i < 8000; i++) {
		(void)snprintf(names[i], sizeof(names[i]), "c/e%zu", i);
		many[i + 1].name = names[i];
		many[i + 1].data = "";
		many[i + 1].len = 0;
	}
	make_archive(&b, many, 8001, PAX);
	T_ERR(chart_load_archive(&c, b.data, b.len, &small, &err), &err,
	    ERR_LIMIT);
	free(b.data);
	free(many);
	free(zeros);
	chart_free(c);
}
