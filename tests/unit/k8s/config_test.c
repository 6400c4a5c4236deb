/* Tests of the in-cluster configuration and of copying configs. */
#include <stdlib.h>
#include <string.h>

#include "k8s/k8s_int.h"
#include "t.h"
#include "tmpfiles.h"

T_TEST(test_in_cluster_reads_the_service_account)
{
	static const char *const names[] = { "token", "ca.crt", "namespace",
		NULL };
	char dir[] = "/tmp/flint-k8s-test-XXXXXX";
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;

	T_TRUE(mkdtemp(dir) != NULL);
	unsetenv("KUBERNETES_SERVICE_HOST");
	T_ERR(k8s_config_in_cluster(&cfg, dir, &err), &err, ERR_NOTFOUND);
	setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
	setenv("KUBERNETES_SERVICE_PORT", "443", 1);
	T_ERR(k8s_config_in_cluster(&cfg, dir, &err), &err, ERR_NOTFOUND);
	free(write_file(dir, "token", "tok\n"));
	free(write_file(dir, "ca.crt", "-----BEGIN CERTIFICATE-----\n"));
	free(write_file(dir, "namespace", "flux-system\n"));
	T_OK(k8s_config_in_cluster(&cfg, dir, &err), &err);
	T_STREQ(cfg.server, "https://[fd00::1]:443");
	T_STREQ(cfg.namespace, "flux-system");
	T_TRUE(cfg.token_file != NULL && strstr(cfg.token_file, "/token"));
	T_TRUE(cfg.ca_file != NULL && strstr(cfg.ca_file, "/ca.crt"));
	k8s_config_release(&cfg);
	unsetenv("KUBERNETES_SERVICE_HOST");
	unsetenv("KUBERNETES_SERVICE_PORT");
	remove_files(dir, names);
}

T_TEST(test_config_copy_is_deep)
{
	char server[] = "https://x", key[] = "KEY", cmd[] = "c", arg[] = "a";
	char *args[] = { arg, NULL };
	struct k8s_exec x = { cmd, NULL, args, 1, NULL, 0, NULL, false };
	struct k8s_config src = { 0 }, dst = { 0 };

	src.server = server;
	src.key_pem = key;
	src.key_pem_len = 3;
	src.exec = &x;
	k8s_config_copy(&dst, &src);
	T_STREQ(dst.server, "https://x");
	T_TRUE(dst.server != src.server);
	T_EQ(dst.key_pem_len, 3);
	T_STREQ(dst.key_pem, "KEY");
	T_TRUE(dst.exec != NULL && dst.exec != &x);
	T_STREQ(dst.exec != NULL ? dst.exec->args[0] : NULL, "a");
	T_STREQ(dst.namespace, NULL);
	k8s_config_release(&dst);
	T_STREQ(dst.server, NULL);
	T_TRUE(dst.exec == NULL);
}
