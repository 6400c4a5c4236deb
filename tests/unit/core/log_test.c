/* Logging: one JSON line per call with Flux's field names. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"
#include "t.h"

static void
read_line(int fd, char *dst, size_t cap)
{
	ssize_t n = read(fd, dst, cap - 1);

	dst[n < 0 ? 0 : n] = '\0';
}

T_TEST(test_error_line_has_flux_fields)
{
	struct log_ctx ctx = { .controller = "gitrepository",
		.group = "source.toolkit.fluxcd.io",
		.kind = "GitRepository",
		.name = "podinfo",
		.namespace = "flux-system",
		.reconcile_id = "abc" };
	struct err err = ERR_INIT;
	char line[4096];
	int fds[2];

	T_EQ(pipe(fds), 0);
	log_setup(fds[1], LOG_INFO);
	err_set(&err, ERR_AUTH, "bad \"key\"\n");
	log_with(&ctx, "revision", "main@sha1:1234", false);
	log_with(&ctx, "output", "{\"ConfigMap/x\":\"created\"}", true);
	log_error(&ctx, &err, "Reconciler %s", "error");
	read_line(fds[0], line, sizeof(line));
	T_TRUE(strncmp(line, "{\"level\":\"error\",\"ts\":\"", 23) == 0);
	T_TRUE(strstr(line, "\"msg\":\"Reconciler error\"") != NULL);
	T_TRUE(strstr(line, "\"controllerKind\":\"GitRepository\"") != NULL);
	T_TRUE(
	    strstr(line,
	        "\"GitRepository\":{\"name\":\"podinfo\",\"namespace\":\"flux-system\"}") !=
	    NULL);
	T_TRUE(strstr(line, "\"reconcileID\":\"abc\"") != NULL);
	T_TRUE(
	    strstr(line, "\"output\":{\"ConfigMap/x\":\"created\"}") != NULL);
	T_TRUE(strstr(line, "\"error\":\"bad \\\"key\\\"\\n\"}\n") != NULL);
	log_setup(2, LOG_INFO);
	close(fds[0]);
	close(fds[1]);
}

T_TEST(test_debug_is_filtered_at_info)
{
	char line[256];
	int fds[2];

	T_EQ(pipe(fds), 0);
	log_setup(fds[1], LOG_INFO);
	log_debug(NULL, "hidden");
	log_info(NULL, "shown");
	read_line(fds[0], line, sizeof(line));
	T_TRUE(strstr(line, "hidden") == NULL);
	T_TRUE(strstr(line, "\"msg\":\"shown\"") != NULL);
	log_setup(2, LOG_INFO);
	close(fds[0]);
	close(fds[1]);
}

T_TEST(test_level_names_parse)
{
	struct err err = ERR_INIT;
	enum log_level l;

	T_OK(log_level_parse(&l, "debug", &err), &err);
	T_EQ(l, LOG_DEBUG);
	T_ERR(log_level_parse(&l, "loud", &err), &err, ERR_INVALID);
}
