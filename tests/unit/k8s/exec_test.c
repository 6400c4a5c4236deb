/* Tests of exec credential plugins and the credentials cache. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"
#include "k8s/k8s_int.h"
#include "t.h"

#define API "client.authentication.k8s.io/v1"

T_TEST(test_exec_credential_token_and_expiry)
{
	struct k8s_exec_cred c = { 0 };
	struct err err = ERR_INIT;
	const char *json = "{\"apiVersion\":\"" API "\",\"kind\":"
	                   "\"ExecCredential\",\"status\":{\"token\":\"t0k\","
	                   "\"expirationTimestamp\":\"1970-01-01T00:01:00Z\"}}";

	T_OK(k8s_exec_cred_parse(&c, json, strlen(json), API, &err), &err);
	T_STREQ(c.token, "t0k");
	T_EQ(c.expires_us, 60000000);
	T_STREQ(c.cert_pem, NULL);
	k8s_exec_cred_release(&c);
}

T_TEST(test_exec_credential_client_certificate)
{
	struct k8s_exec_cred c = { 0 };
	struct err err = ERR_INIT;
	const char *json = "{\"apiVersion\":\"" API "\",\"kind\":"
	                   "\"ExecCredential\",\"status\":{"
	                   "\"clientCertificateData\":\"CERT\","
	                   "\"clientKeyData\":\"KEY\"}}";

	T_OK(k8s_exec_cred_parse(&c, json, strlen(json), API, &err), &err);
	T_STREQ(c.cert_pem, "CERT");
	T_STREQ(c.key_pem, "KEY");
	T_EQ(c.key_pem_len, 3);
	T_STREQ(c.token, NULL);
	T_EQ(c.expires_us, 0);
	k8s_exec_cred_release(&c);
}

T_TEST(test_exec_credential_rejects_wrong_shapes)
{
	struct k8s_exec_cred c = { 0 };
	struct err err = ERR_INIT;
	const char *bad[] = {
		"{\"apiVersion\":\"client.authentication.k8s.io/v1beta1\","
		"\"kind\":\"ExecCredential\",\"status\":{\"token\":\"t\"}}",
		"{\"apiVersion\":\"" API "\",\"kind\":\"Other\","
		"\"status\":{\"token\":\"t\"}}",
		"{\"apiVersion\":\"" API "\",\"kind\":\"ExecCredential\"}",
		"{\"apiVersion\":\"" API "\",\"kind\":\"ExecCredential\","
		"\"status\":{}}",
		"{\"apiVersion\":\"" API "\",\"kind\":\"ExecCredential\","
		"\"status\":{\"clientCertificateData\":\"C\"}}",
		"{\"apiVersion\":\"" API "\",\"kind\":\"ExecCredential\","
		"\"status\":{\"token\":\"t\",\"expirationTimestamp\":\"soon\"}}",
		"not json",
	};
	size_t i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		T_ERR(k8s_exec_cred_parse(&c, bad[i], strlen(bad[i]), API,
		          &err),
		    &err, ERR_INVALID);
	T_STREQ(c.token, NULL);
}

/* A plugin script in a fresh directory that logs each run, prints its
 * first argument and $FOO as the token, and saves KUBERNETES_EXEC_INFO. */
struct plugin {
	char dir[64];
	char *script, *count, *info;
};

static void
plugin_make(struct plugin *p, const char *expiry, int status)
{
	FILE *f;

	str_lcpy(p->dir, "/tmp/flint-k8s-exec-XXXXXX", sizeof(p->dir));
	if (mkdtemp(p->dir) == NULL)
		BUG("mkdtemp");
	p->script = xasprintf("%s/cred", p->dir);
	p->count = xasprintf("%s/count", p->dir);
	p->info = xasprintf("%s/info", p->dir);
	f = fopen(p->script, "w");
	if (f == NULL)
		BUG("fopen");
	fprintf(f,
	    "#!/bin/sh\n"
	    "echo run >> '%s'\n"
	    "printf '%%s' \"$KUBERNETES_EXEC_INFO\" > '%s'\n"
	    "[ %d -eq 0 ] || exit %d\n"
	    "printf '{\"apiVersion\":\"%s\",\"kind\":\"ExecCredential\","
	    "\"status\":{\"token\":\"%%s-%%s\",\"expirationTimestamp\":"
	    "\"%s\"}}' \"$1\" \"$FOO\"\n",
	    p->count, p->info, status, status, API, expiry);
	fclose(f);
	chmod(p->script, 0700);
}

static void
plugin_free(struct plugin *p)
{
	unlink(p->script);
	unlink(p->count);
	unlink(p->info);
	rmdir(p->dir);
	free(p->script);
	free(p->count);
	free(p->info);
}

/* Lines in the run log: how often the plugin ran. */
static int
plugin_runs(const struct plugin *p)
{
	FILE *f = fopen(p->count, "r");
	int n = 0, c;

	if (f == NULL)
		return 0;
	while ((c = fgetc(f)) != EOF)
		n += c == '\n';
	fclose(f);
	return n;
}

static char server[] = "https://api.example:6443";
static char api[] = API;

static void
exec_config(struct k8s_config *cfg, struct k8s_exec *x, char **args, char **env,
    char *command, char *dir)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(x, 0, sizeof(*x));
	cfg->server = server;
	cfg->exec = x;
	x->command = command;
	x->dir = dir;
	x->args = args;
	x->nargs = 1;
	x->env = env;
	x->nenv = 1;
	x->api_version = api;
	x->provide_cluster_info = true;
}

T_TEST(test_exec_plugin_runs_with_args_env_and_info)
{
	char arg0[] = "alpha", env0[] = "FOO=beta", *args[] = { arg0, NULL },
	     *env[] = { env0, NULL }, rel[] = "./cred", ca[] = "hello C";
	struct k8s_exec_cred c = { 0 };
	struct err err = ERR_INIT;
	struct k8s_config cfg;
	struct plugin p;
	struct k8s_exec x;
	char *info = NULL;
	size_t len = 0;

	plugin_make(&p, "2999-01-01T00:00:00Z", 0);
	/* A relative command with a slash is taken against the dir. */
	exec_config(&cfg, &x, args, env, rel, p.dir);
	cfg.ca_pem = ca;
	cfg.ca_pem_len = sizeof(ca) - 1;
	T_OK(k8s_exec_run(&c, &x, &cfg, &err), &err);
	T_STREQ(c.token, "alpha-beta");
	T_OK(k8s_read_file(&info, &len, p.info, 1 << 16, &err), &err);
	T_TRUE(info != NULL &&
	    strstr(info, "\"server\":\"https://api.example:6443\"") != NULL);
	T_TRUE(info != NULL && strstr(info, "\"interactive\":false") != NULL);
	T_TRUE(info != NULL &&
	    strstr(info, "\"certificate-authority-data\":\"aGVsbG8gQw==\"") !=
	        NULL);
	free(info);
	k8s_exec_cred_release(&c);
	plugin_free(&p);
}

T_TEST(test_exec_plugin_failure_is_auth_error)
{
	char arg0[] = "a", env0[] = "FOO=b", *args[] = { arg0, NULL },
	     *env[] = { env0, NULL }, missing[] = "/nonexistent/plugin";
	struct k8s_exec_cred c = { 0 };
	struct err err = ERR_INIT;
	struct k8s_config cfg;
	struct plugin p;
	struct k8s_exec x;

	plugin_make(&p, "2999-01-01T00:00:00Z", 3);
	exec_config(&cfg, &x, args, env, p.script, NULL);
	T_ERR(k8s_exec_run(&c, &x, &cfg, &err), &err, ERR_AUTH);
	exec_config(&cfg, &x, args, env, missing, NULL);
	T_ERR(k8s_exec_run(&c, &x, &cfg, &err), &err, ERR_NOTFOUND);
	plugin_free(&p);
}

/* Asks the cache for credentials twice; returns the plugin's runs. */
static int
creds_twice(const char *expiry)
{
	char arg0[] = "a", env0[] = "FOO=b", *args[] = { arg0, NULL },
	     *env[] = { env0, NULL };
	struct err err = ERR_INIT;
	struct k8s_config cfg;
	struct k8s_creds creds;
	struct k8s_auth auth;
	struct plugin p;
	struct k8s_exec x;
	int i, runs;

	plugin_make(&p, expiry, 0);
	exec_config(&cfg, &x, args, env, p.script, NULL);
	k8s_creds_init(&creds);
	for (i = 0; i < 2; i++) {
		T_OK(k8s_creds_get(&auth, &creds, &cfg, &err), &err);
		T_STREQ(auth.bearer, "Authorization: Bearer a-b");
		k8s_auth_release(&auth);
	}
	runs = plugin_runs(&p);
	T_TRUE(k8s_creds_invalidate(&creds));
	T_OK(k8s_creds_get(&auth, &creds, &cfg, &err), &err);
	k8s_auth_release(&auth);
	T_EQ(plugin_runs(&p), runs + 1);
	k8s_creds_release(&creds);
	plugin_free(&p);
	return runs;
}

T_TEST(test_exec_credential_is_cached_until_it_expires)
{
	T_EQ(creds_twice("2999-01-01T00:00:00Z"), 1);
	T_EQ(creds_twice("2000-01-01T00:00:00Z"), 2);
}

T_TEST(test_token_file_is_read_and_kept)
{
	char dir[] = "/tmp/flint-k8s-tok-XXXXXX", *path;
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	struct k8s_creds creds;
	struct k8s_auth auth;
	FILE *f;

	T_TRUE(mkdtemp(dir) != NULL);
	path = xasprintf("%s/token", dir);
	cfg.token_file = path;
	k8s_creds_init(&creds);
	T_ERR(k8s_creds_get(&auth, &creds, &cfg, &err), &err, ERR_NOTFOUND);
	f = fopen(path, "w");
	T_TRUE(f != NULL);
	if (f != NULL) {
		fputs("file-token\n", f);
		fclose(f);
	}
	T_OK(k8s_creds_get(&auth, &creds, &cfg, &err), &err);
	T_STREQ(auth.bearer, "Authorization: Bearer file-token");
	k8s_auth_release(&auth);
	/* A token read once survives the file going away for a while. */
	unlink(path);
	T_OK(k8s_creds_get(&auth, &creds, &cfg, &err), &err);
	T_STREQ(auth.bearer, "Authorization: Bearer file-token");
	k8s_auth_release(&auth);
	k8s_creds_release(&creds);
	rmdir(dir);
	free(path);
}
