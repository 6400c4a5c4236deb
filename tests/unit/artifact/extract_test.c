/*
 * Extraction of hostile archives, each built here byte by byte: every
 * refusal must leave the destination empty and nothing beside it.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/mem.h"
#include "fixture.h"
#include "t.h"
#include "tarbuild.h"

/* A sandbox: base/ holds only root/, the extraction target. */
struct box {
	char *base;
	char *root;
};

static void
box_open(struct box *x)
{
	x->base = fx_mkdtemp();
	x->root = xasprintf("%s/root", x->base);
	T_EQ(mkdir(x->root, 0755), 0);
}

/* True when nothing escaped root and root is empty. */
static bool
box_untouched(const struct box *x)
{
	return fx_count(x->base) == 1 && fx_count(x->root) == 0;
}

static void
box_close(struct box *x)
{
	free(x->root);
	fx_rmdir(x->base);
}

static void
file(struct buf *b, const char *name, const char *text)
{
	tarb_entry(b, name, '0', NULL, text, strlen(text), strlen(text));
}

/* Extracts the tar in b (gzip'd first when gz) and expects code. */
static void
expect(struct buf *b, bool gz, enum err_code code, const char *needle)
{
	struct err err = ERR_INIT;
	struct box x;

	tarb_end(b);
	if (gz)
		tarb_gzip(b);
	box_open(&x);
	T_ERR(artifact_extract_mem(x.root, b->data, b->len, NULL, NULL, &err),
	    &err, code);
	T_TRUE(box_untouched(&x));
	box_close(&x);
	/* the message names the cause; T_ERR reset it, so run again */
	box_open(&x);
	(void)artifact_extract_mem(x.root, b->data, b->len, NULL, NULL, &err);
	if (strstr(err.msg, needle) == NULL)
		t_fail(__FILE__, __LINE__, "message [%s] lacks [%s]", err.msg,
		    needle);
	box_close(&x);
	buf_release(b);
}

T_TEST(test_dotdot_path_is_invalid)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	file(&b, "ok", "fine");
	file(&b, "../evil", "x");
	expect(&b, true, ERR_INVALID, "escapes the root");
	buf_init(&b, BUF_MAX_DEFAULT);
	file(&b, "a/b/../../../evil", "x");
	expect(&b, true, ERR_INVALID, "escapes the root");
}

T_TEST(test_absolute_path_is_invalid)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	file(&b, "/tmp/flint-evil", "x");
	expect(&b, true, ERR_INVALID, "absolute path");
}

T_TEST(test_pax_path_escape_is_invalid)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_pax_path(&b, "innocent/../../evil");
	file(&b, "innocent", "x");
	expect(&b, true, ERR_INVALID, "escapes the root");
}

T_TEST(test_symlinks_out_of_root_are_invalid)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "abs", '2', "/etc/passwd", NULL, 0, 0);
	expect(&b, true, ERR_INVALID, "points out of the root");
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "d/up", '2', "../../x", NULL, 0, 0);
	expect(&b, true, ERR_INVALID, "points out of the root");
}

T_TEST(test_symlink_chain_out_of_root_is_invalid)
{
	struct buf b;

	/* each link looks inside on its own; together they climb out */
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "x", '2', ".", NULL, 0, 0);
	tarb_entry(&b, "d/x", '2', "..", NULL, 0, 0);
	tarb_entry(&b, "d/y", '2', "x/..", NULL, 0, 0);
	expect(&b, false, ERR_INVALID, "resolves out of the root");
}

T_TEST(test_write_through_symlink_is_invalid)
{
	struct buf b;

	/* a link to a directory inside, then a file "through" it */
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "sub/", '5', NULL, NULL, 0, 0);
	tarb_entry(&b, "l", '2', "sub", NULL, 0, 0);
	file(&b, "l/f", "x");
	expect(&b, true, ERR_INVALID, "through a symlink");
	/* a link, then a file with the link's name */
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "l", '2', "target", NULL, 0, 0);
	file(&b, "l", "x");
	expect(&b, true, ERR_INVALID, "overwrite a symlink");
}

T_TEST(test_links_and_special_files_are_invalid)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	file(&b, "f", "x");
	tarb_entry(&b, "h", '1', "f", NULL, 0, 0);
	expect(&b, true, ERR_INVALID, "hard links");
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "null", '3', NULL, NULL, 0, 0);
	expect(&b, true, ERR_INVALID, "device file");
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "disk", '4', NULL, NULL, 0, 0);
	expect(&b, true, ERR_INVALID, "device file");
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "pipe", '6', NULL, NULL, 0, 0);
	expect(&b, true, ERR_INVALID, "FIFO");
}

T_TEST(test_garbage_is_invalid)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	buf_puts(&b, "this is not a tarball, not even close to one");
	expect(&b, false, ERR_INVALID, "read archive");
	/* a valid header whose data is cut short */
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "f", '0', NULL, "abc", 3, 4096);
	b.len = 512 + 3;
	expect(&b, true, ERR_INVALID, "entry 'f'");
}

T_TEST(test_gzip_bomb_hits_byte_limit)
{
	const struct artifact_limits lim = { .max_bytes = 1 << 20 };
	struct err err = ERR_INIT;
	size_t n = 8 << 20;
	char *zeros = xcalloc(1, n);
	struct buf b;
	struct box x;

	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "bomb", '0', NULL, zeros, n, n);
	tarb_end(&b);
	tarb_gzip(&b);
	T_TRUE(b.len < 64 << 10); /* small on the wire */
	box_open(&x);
	T_ERR(artifact_extract_mem(x.root, b.data, b.len, NULL, &lim, &err),
	    &err, ERR_LIMIT);
	T_TRUE(box_untouched(&x));
	box_close(&x);
	free(zeros);
	buf_release(&b);
}

T_TEST(test_declared_size_counts_against_limit)
{
	const struct artifact_limits lim = { .max_bytes = 1 << 20 };
	struct err err = ERR_INIT;
	struct buf b;
	struct box x;

	/* claims 1 GiB, carries 3 bytes: refused before any read */
	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "liar", '0', NULL, "abc", 3, (uint64_t)1 << 30);
	tarb_end(&b);
	box_open(&x);
	T_EQ(artifact_extract_mem(x.root, b.data, b.len, NULL, &lim, &err), -1);
	T_EQ(err.code, ERR_LIMIT);
	T_TRUE(strstr(err.msg, "entry 'liar': archive expands past") != NULL);
	T_TRUE(box_untouched(&x));
	box_close(&x);
	buf_release(&b);
}

T_TEST(test_entry_count_limit)
{
	const struct artifact_limits lim = { .max_entries = 10 };
	struct err err = ERR_INIT;
	char name[16];
	struct buf b;
	struct box x;

	buf_init(&b, BUF_MAX_DEFAULT);
	for (int i = 0; i < 11; i++) {
		(void)snprintf(name, sizeof(name), "f%d", i);
		file(&b, name, "");
	}
	tarb_end(&b);
	box_open(&x);
	T_ERR(artifact_extract_mem(x.root, b.data, b.len, NULL, &lim, &err),
	    &err, ERR_LIMIT);
	T_TRUE(box_untouched(&x));
	box_close(&x);
	/* exactly at the limit is fine */
	b.len -= 1024 + 512;
	tarb_end(&b);
	box_open(&x);
	T_OK(artifact_extract_mem(x.root, b.data, b.len, NULL, &lim, &err),
	    &err);
	T_EQ(fx_count(x.root), 10);
	box_close(&x);
	buf_release(&b);
}

T_TEST(test_digest_is_checked_before_writing)
{
	struct err err = ERR_INIT;
	char digest[ARTIFACT_DIGEST_MAX];
	struct buf b;
	struct box x;
	int fd;

	buf_init(&b, BUF_MAX_DEFAULT);
	file(&b, "f", "content");
	tarb_end(&b);
	tarb_gzip(&b);
	artifact_digest_mem(digest, b.data, b.len);
	fd = fx_memfd(&b);
	box_open(&x);
	T_ERR(
	    artifact_extract(x.root, fd,
	        "sha256:0000000000000000000000000000000000000000000000000000000000000000",
	        NULL, &err),
	    &err, ERR_CONFLICT);
	T_TRUE(box_untouched(&x));
	T_ERR(artifact_extract(x.root, fd, "md5:abc", NULL, &err), &err,
	    ERR_INVALID);
	T_ERR(artifact_extract(x.root, fd, "sha256:12", NULL, &err), &err,
	    ERR_INVALID);
	T_OK(artifact_extract(x.root, fd, digest, NULL, &err), &err);
	T_EQ(fx_count(x.root), 1);
	box_close(&x);
	close(fd);
	buf_release(&b);
}

T_TEST(test_digest_check_ignores_hex_case)
{
	struct err err = ERR_INIT;
	char d[ARTIFACT_DIGEST_MAX], upper[ARTIFACT_DIGEST_MAX];

	artifact_digest_mem(d, "abc", 3);
	T_STREQ(d,
	    "sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
	memcpy(upper, d, sizeof(d));
	for (char *p = upper + 7; *p != '\0'; p++)
		if (*p >= 'a' && *p <= 'f')
			*p = (char)(*p - 'a' + 'A');
	T_OK(artifact_digest_check(upper, d, &err), &err);
	T_ERR(artifact_digest_check("ba7816bf", d, &err), &err, ERR_INVALID);
}

T_TEST(test_destination_must_be_empty)
{
	struct err err = ERR_INIT;
	struct buf b;
	struct box x;

	buf_init(&b, BUF_MAX_DEFAULT);
	file(&b, "f", "x");
	tarb_end(&b);
	box_open(&x);
	fx_write(x.root, "mine", "keep", 0644);
	T_ERR(artifact_extract_mem(x.root, b.data, b.len, NULL, NULL, &err),
	    &err, ERR_CONFLICT);
	T_TRUE(fx_exists(x.root, "mine"));
	box_close(&x);
	buf_release(&b);
}

T_TEST(test_inner_symlinks_dirs_and_dot_prefix_extract)
{
	struct err err = ERR_INIT;
	struct buf b;
	struct box x;
	char *text;

	buf_init(&b, BUF_MAX_DEFAULT);
	tarb_entry(&b, "./", '5', NULL, NULL, 0, 0);
	tarb_entry(&b, "./sub/", '5', NULL, NULL, 0, 0);
	file(&b, "./sub/file", "inside\n");
	tarb_entry(&b, "sub/deeper/up", '2', "../file", NULL, 0, 0);
	tarb_entry(&b, "top", '2', "sub/file", NULL, 0, 0);
	tarb_entry(&b, "dangling", '2', "nowhere/../x", NULL, 0, 0);
	file(&b, "implicit/parent/f", "made\n");
	tarb_end(&b);
	tarb_gzip(&b);
	box_open(&x);
	T_OK(artifact_extract_mem(x.root, b.data, b.len, NULL, NULL, &err),
	    &err);
	text = fx_read(x.root, "top");
	T_STREQ(text, "inside\n");
	free(text);
	text = fx_read(x.root, "sub/deeper/up");
	T_STREQ(text, "inside\n");
	free(text);
	text = fx_read(x.root, "implicit/parent/f");
	T_STREQ(text, "made\n");
	free(text);
	T_TRUE(fx_exists(x.root, "dangling"));
	box_close(&x);
	buf_release(&b);
}

T_TEST(test_tree_remove_does_not_follow_symlinks)
{
	struct err err = ERR_INIT;
	char *outside = fx_mkdtemp(), *tree = fx_mkdtemp();
	char *link = xasprintf("%s/sub/out", tree);
	char *text;

	fx_write(outside, "precious", "keep me", 0644);
	fx_write(tree, "sub/f", "x", 0644);
	T_EQ(symlink(outside, link), 0);
	T_OK(artifact_tree_remove(tree, true, &err), &err);
	T_EQ(fx_count(tree), 0);
	text = fx_read(outside, "precious");
	T_STREQ(text, "keep me");
	free(text);
	T_OK(artifact_tree_remove(tree, false, &err), &err);
	T_TRUE(access(tree, F_OK) == -1);
	T_OK(artifact_tree_remove(tree, false, &err), &err); /* missing: ok */
	free(link);
	free(tree);
	fx_rmdir(outside);
}
