/*
 * The artifact server on its own (no cluster): files under the root are
 * served whole with the right Content-Length; HEAD sends no body; other
 * methods, "..", directories, symlinks leaving the root and over-long
 * heads are refused; slow clients do not block others.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/mem.h"
#include "core/str.h"
#include "http.h"
#include "server.h"
#include "t.h"

struct fx {
	char dir[64];
	char *root;
	struct source_server *s;
	int port;
};

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	T_TRUE(f != NULL);
	if (f == NULL)
		return;
	fputs(text, f);
	fclose(f);
}

/* <dir>/root/a/b.txt, <dir>/root/a/latest.txt -> b.txt,
 * <dir>/secret.txt and <dir>/root/a/out.txt -> ../../secret.txt. */
static bool
fx_start(struct fx *f)
{
	struct log_ctx log = { 0 };
	struct err err = ERR_INIT;
	char *p;

	str_lcpy(f->dir, "/tmp/flint-srv-XXXXXX", sizeof(f->dir));
	if (mkdtemp(f->dir) == NULL)
		return false;
	f->root = xasprintf("%s/root", f->dir);
	p = xasprintf("%s/a", f->root);
	T_TRUE(mkdir(f->root, 0755) == 0 && mkdir(p, 0755) == 0);
	free(p);
	p = xasprintf("%s/a/b.txt", f->root);
	write_file(p, "hello artifact\n");
	free(p);
	p = xasprintf("%s/secret.txt", f->dir);
	write_file(p, "do not serve\n");
	free(p);
	p = xasprintf("%s/a/latest.txt", f->root);
	T_TRUE(symlink("b.txt", p) == 0);
	free(p);
	p = xasprintf("%s/a/out.txt", f->root);
	T_TRUE(symlink("../../secret.txt", p) == 0);
	free(p);
	T_OK(source_server_start(&f->s, f->root, "127.0.0.1:0", &log, &err),
	    &err);
	if (f->s == NULL)
		return false;
	f->port = source_server_port(f->s);
	return true;
}

static void
fx_end(struct fx *f)
{
	struct err err = ERR_INIT;

	source_server_stop(f->s);
	T_OK(artifact_tree_remove(f->dir, false, &err), &err);
	free(f->root);
}

static int
get_status(struct fx *f, const char *method, const char *path)
{
	struct http_resp r;
	int st;

	if (!http_get(&r, f->port, method, path))
		return -1;
	st = r.status;
	http_resp_free(&r);
	return st;
}

T_TEST(test_server_serves_files_and_symlinks_inside)
{
	struct fx f;
	struct http_resp r;

	if (!fx_start(&f))
		return;
	T_TRUE(http_get(&r, f.port, "GET", "/a/b.txt"));
	T_EQ(r.status, 200);
	T_EQ(r.length, 15);
	T_EQ(r.body_len, 15);
	T_STREQ(r.body, "hello artifact\n");
	http_resp_free(&r);
	T_TRUE(http_get(&r, f.port, "GET", "/a/latest.txt"));
	T_EQ(r.status, 200);
	T_STREQ(r.body, "hello artifact\n");
	http_resp_free(&r);
	T_TRUE(http_get(&r, f.port, "GET", "/a/b%2etxt?x=1"));
	T_EQ(r.status, 200);
	http_resp_free(&r);
	T_TRUE(http_get(&r, f.port, "HEAD", "/a/b.txt"));
	T_EQ(r.status, 200);
	T_EQ(r.length, 15);
	T_EQ(r.body_len, 0);
	http_resp_free(&r);
	T_EQ(get_status(&f, "GET", "/healthz"), 200);
	T_EQ(get_status(&f, "GET", "/readyz"), 200);
	fx_end(&f);
}

T_TEST(test_server_refuses_escapes_and_listings)
{
	struct fx f;

	if (!fx_start(&f))
		return;
	T_EQ(get_status(&f, "GET", "/../secret.txt"), 400);
	T_EQ(get_status(&f, "GET", "/a/../../secret.txt"), 400);
	T_EQ(get_status(&f, "GET", "/a/%2e%2e/%2e%2e/secret.txt"), 400);
	T_EQ(get_status(&f, "GET", "/a/%00b.txt"), 400);
	T_EQ(get_status(&f, "GET", "a/b.txt"), 400);
	T_EQ(get_status(&f, "GET", "/a/out.txt"), 404);
	T_EQ(get_status(&f, "GET", "/a/"), 404);
	T_EQ(get_status(&f, "GET", "/a"), 404);
	T_EQ(get_status(&f, "GET", "/"), 404);
	T_EQ(get_status(&f, "GET", "/a/missing.txt"), 404);
	T_EQ(get_status(&f, "POST", "/a/b.txt"), 405);
	T_EQ(get_status(&f, "DELETE", "/a/b.txt"), 405);
	fx_end(&f);
}

T_TEST(test_server_survives_hostile_clients)
{
	struct fx f;
	struct http_resp r;
	char *big = xmalloc(20000);
	int idle[8];

	if (!fx_start(&f))
		return;
	/* a head over the cap: 431, not a crash or a hang */
	memcpy(big, "GET /a/b.txt HTTP/1.1\r\nX: ", 26);
	memset(big + 26, 'x', 20000 - 26);
	T_TRUE(http_raw(&r, f.port, big, 20000));
	T_EQ(r.status, 431);
	http_resp_free(&r);
	T_TRUE(http_raw(&r, f.port, "garbage\r\n\r\n", 11));
	T_EQ(r.status, 400);
	http_resp_free(&r);
	/* connections that never finish their head do not block others */
	for (int i = 0; i < 8; i++) {
		idle[i] = http_dial(f.port);
		T_TRUE(idle[i] != -1);
		if (idle[i] != -1 && i % 2 == 0)
			T_EQ(write(idle[i], "GET /a/b", 8), 8);
	}
	T_EQ(get_status(&f, "GET", "/a/b.txt"), 200);
	for (int i = 0; i < 8; i++)
		if (idle[i] != -1)
			close(idle[i]);
	free(big);
	fx_end(&f);
}

/* An error answered before the request was read whole: the server
 * reads the rest, so the client sees the answer and then a clean end
 * of stream rather than a connection reset. */
T_TEST(test_server_drains_after_an_early_error)
{
	struct fx f;
	char *big = xmalloc(20000);
	char got[1024];
	ssize_t n, total = 0;
	int fd, last_errno = 0;

	if (!fx_start(&f))
		return;
	memcpy(big, "GET /a/b.txt HTTP/1.1\r\nX: ", 26);
	memset(big + 26, 'x', 20000 - 26);
	fd = http_dial(f.port);
	T_TRUE(fd != -1);
	T_EQ(write(fd, big, 20000), 20000);
	T_EQ(shutdown(fd, SHUT_WR), 0);
	while (
	    (n = recv(fd, got + total, sizeof(got) - 1 - (size_t)total, 0)) > 0)
		total += n;
	if (n == -1)
		last_errno = errno;
	got[total] = '\0';
	T_TRUE(strncmp(got, "HTTP/1.1 431 ", 13) == 0);
	T_EQ(n, 0);
	T_EQ(last_errno, 0);
	close(fd);
	free(big);
	fx_end(&f);
}
