/* Tests of kubeconfig parsing and KUBECONFIG merging. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/mem.h"
#include "k8s/k8s.h"
#include "t.h"
#include "tmpfiles.h"

/* "hello CA" and "key!" in base64. */
static const char two_contexts[] =
    "apiVersion: v1\n"
    "kind: Config\n"
    "current-context: dev\n"
    "clusters:\n"
    "- name: dev-cluster\n"
    "  cluster:\n"
    "    server: https://127.0.0.1:6443/\n"
    "    certificate-authority-data: aGVsbG8gQ0E=\n"
    "    tls-server-name: kubernetes\n"
    "- name: prod-cluster\n"
    "  cluster:\n"
    "    server: prod.example.com:443\n"
    "    certificate-authority: certs/ca.crt\n"
    "    insecure-skip-tls-verify: true\n"
    "contexts:\n"
    "- name: dev\n"
    "  context: {cluster: dev-cluster, user: admin, namespace: team-a}\n"
    "- name: prod\n"
    "  context: {cluster: prod-cluster, user: robot}\n"
    "users:\n"
    "- name: admin\n"
    "  user:\n"
    "    client-certificate: /abs/admin.crt\n"
    "    client-key-data: a2V5IQ==\n"
    "- name: robot\n"
    "  user:\n"
    "    token: s3cret\n"
    "    tokenFile: tok\n";

static int
parse(struct k8s_config *cfg, const char *text, const char *context,
    struct err *err)
{
	return k8s_config_parse(cfg, text, strlen(text), "/kube", context, err);
}

T_TEST(test_current_context_picks_cluster_user_and_namespace)
{
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;

	T_OK(parse(&cfg, two_contexts, NULL, &err), &err);
	T_STREQ(cfg.context, "dev");
	T_STREQ(cfg.server, "https://127.0.0.1:6443");
	T_STREQ(cfg.tls_server_name, "kubernetes");
	T_EQ(cfg.ca_pem_len, 8);
	T_STREQ(cfg.ca_pem, "hello CA");
	T_STREQ(cfg.cert_file, "/abs/admin.crt");
	T_STREQ(cfg.key_pem, "key!");
	T_STREQ(cfg.namespace, "team-a");
	T_STREQ(cfg.token, NULL);
	T_TRUE(!cfg.insecure);
	k8s_config_release(&cfg);
	T_STREQ(cfg.server, NULL);
}

T_TEST(test_explicit_context_and_relative_paths)
{
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;

	T_OK(parse(&cfg, two_contexts, "prod", &err), &err);
	T_STREQ(cfg.server, "https://prod.example.com:443");
	T_STREQ(cfg.ca_file, "/kube/certs/ca.crt");
	T_TRUE(cfg.insecure);
	T_STREQ(cfg.token, "s3cret");
	T_STREQ(cfg.token_file, "/kube/tok");
	T_STREQ(cfg.namespace, "default");
	k8s_config_release(&cfg);
}

T_TEST(test_missing_pieces_are_invalid)
{
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;

	T_ERR(parse(&cfg, two_contexts, "nope", &err), &err, ERR_INVALID);
	T_ERR(parse(&cfg, "current-context: x\n", NULL, &err), &err,
	    ERR_INVALID);
	T_ERR(parse(&cfg, "clusters: []\n", NULL, &err), &err, ERR_INVALID);
	T_ERR(parse(&cfg,
	          "current-context: c\ncontexts:\n- name: c\n  context:\n"
	          "    cluster: k\nclusters:\n- name: k\n  cluster: {}\n",
	          NULL, &err),
	    &err, ERR_INVALID);
	T_ERR(parse(&cfg,
	          "current-context: c\ncontexts:\n- name: c\n  context:\n"
	          "    cluster: k\n    user: u\nclusters:\n- name: k\n"
	          "  cluster: {server: 'https://x'}\n",
	          NULL, &err),
	    &err, ERR_INVALID);
	T_ERR(parse(&cfg, "- a\n- b\n", NULL, &err), &err, ERR_INVALID);
	T_ERR(parse(&cfg, "a: [\n", NULL, &err), &err, ERR_INVALID);
	T_STREQ(cfg.server, NULL);
}

T_TEST(test_bad_base64_is_invalid)
{
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;

	T_ERR(parse(&cfg,
	          "current-context: c\ncontexts:\n- name: c\n  context:\n"
	          "    cluster: k\nclusters:\n- name: k\n  cluster:\n"
	          "    server: https://x\n"
	          "    certificate-authority-data: '!!!'\n",
	          NULL, &err),
	    &err, ERR_INVALID);
}

static const char exec_user[] =
    "current-context: c\n"
    "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
    "clusters:\n- name: k\n  cluster: {server: 'https://x'}\n"
    "users:\n"
    "- name: u\n"
    "  user:\n"
    "    exec:\n"
    "      apiVersion: client.authentication.k8s.io/v1\n"
    "      command: ./bin/cred\n"
    "      args: [get-token, --cluster, one]\n"
    "      env:\n"
    "      - {name: FOO, value: bar}\n"
    "      - {name: EMPTY, value: ''}\n"
    "      provideClusterInfo: true\n"
    "      interactiveMode: Never\n";

T_TEST(test_exec_plugin_is_read)
{
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;

	T_OK(parse(&cfg, exec_user, NULL, &err), &err);
	T_TRUE(cfg.exec != NULL);
	if (cfg.exec == NULL)
		return;
	T_STREQ(cfg.exec->command, "./bin/cred");
	T_STREQ(cfg.exec->dir, "/kube");
	T_EQ(cfg.exec->nargs, 3);
	T_STREQ(cfg.exec->args[2], "one");
	T_EQ(cfg.exec->nenv, 2);
	T_STREQ(cfg.exec->env[0], "FOO=bar");
	T_STREQ(cfg.exec->env[1], "EMPTY=");
	T_STREQ(cfg.exec->api_version, "client.authentication.k8s.io/v1");
	T_TRUE(cfg.exec->provide_cluster_info);
	k8s_config_release(&cfg);
}

T_TEST(test_unsupported_auth_is_said_so)
{
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	const char
	    *base = "current-context: c\n"
	            "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
	            "clusters:\n- name: k\n  cluster: {server: 'https://x'}\n"
	            "users:\n- name: u\n  user:\n";
	char *text;

	text = xasprintf("%s    auth-provider: {name: gcp}\n", base);
	T_ERR(parse(&cfg, text, NULL, &err), &err, ERR_UNSUPPORTED);
	free(text);
	text = xasprintf("%s    username: a\n    password: b\n", base);
	T_ERR(parse(&cfg, text, NULL, &err), &err, ERR_UNSUPPORTED);
	free(text);
	text = xasprintf("%s    exec: {command: x}\n", base);
	T_ERR(parse(&cfg, text, NULL, &err), &err, ERR_INVALID);
	free(text);
}

T_TEST(test_kubeconfig_list_first_file_wins)
{
	static const char *const names[] = { "a", "b", NULL };
	char dir[] = "/tmp/flint-k8s-test-XXXXXX", *a, *b, *list;
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;

	T_TRUE(mkdtemp(dir) != NULL);
	/* a: the current context and a user; b: the cluster, a second
	 * definition of the user (ignored) and another current-context. */
	a = write_file(dir, "a",
	    "current-context: c\n"
	    "contexts:\n- name: c\n  context: {cluster: k, user: u}\n"
	    "users:\n- name: u\n  user: {token: from-a}\n");
	b = write_file(dir, "b",
	    "current-context: other\n"
	    "clusters:\n- name: k\n  cluster:\n"
	    "    server: https://b.example\n"
	    "    certificate-authority: ca.crt\n"
	    "users:\n- name: u\n  user: {token: from-b}\n");
	list = xasprintf("%s/missing:%s::%s", dir, a, b);
	setenv("KUBECONFIG", list, 1);
	T_OK(k8s_config_load(&cfg, NULL, NULL, &err), &err);
	T_STREQ(cfg.context, "c");
	T_STREQ(cfg.server, "https://b.example");
	T_STREQ(cfg.token, "from-a");
	T_TRUE(
	    cfg.ca_file != NULL && strncmp(cfg.ca_file, dir, strlen(dir)) == 0);
	k8s_config_release(&cfg);
	/* An explicit path beats KUBECONFIG. */
	T_ERR(k8s_config_load(&cfg, b, NULL, &err), &err, ERR_INVALID);
	T_ERR(k8s_config_load(&cfg, "/nonexistent/kubeconfig", NULL, &err),
	    &err, ERR_NOTFOUND);
	unsetenv("KUBECONFIG");
	remove_files(dir, names);
	free(a);
	free(b);
	free(list);
}

/* A kubeconfig whose one cluster has the given server. */
static int
parse_server(struct k8s_config *cfg, const char *server, struct err *err)
{
	char *text = xasprintf("current-context: c\ncontexts:\n- name: c\n"
	                       "  context: {cluster: k}\nclusters:\n- name: k\n"
	                       "  cluster: {server: '%s'}\n",
	    server);
	int rv = parse(cfg, text, NULL, err);

	free(text);
	return rv;
}

T_TEST(test_server_url_needs_a_host)
{
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;

	T_ERR(parse_server(&cfg, "https://", &err), &err, ERR_INVALID);
	T_ERR(parse_server(&cfg, "https:///x", &err), &err, ERR_INVALID);
	T_ERR(parse_server(&cfg, "https://a b", &err), &err, ERR_INVALID);
	T_OK(parse_server(&cfg, "https://h:1/p//", &err), &err);
	T_STREQ(cfg.server, "https://h:1/p");
	k8s_config_release(&cfg);
}
