/*
 * Configurations that need no kubeconfig: the in-cluster service
 * account, and copying and releasing a struct k8s_config.
 */
#include "k8s/k8s.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "k8s/k8s_int.h"

/* Reads dir/namespace, trimmed; "default" when absent or empty. */
static char *
in_cluster_namespace(const char *dir)
{
	struct err err = ERR_INIT;
	char *path = xasprintf("%s/namespace", dir), *ns = NULL;
	size_t len = 0;

	if (k8s_read_file(&ns, &len, path, 256, &err) == -1)
		ns = NULL;
	free(path);
	while (ns != NULL && len > 0 &&
	    (ns[len - 1] == '\n' || ns[len - 1] == ' ' || ns[len - 1] == '\r'))
		ns[--len] = '\0';
	if (ns == NULL || len == 0) {
		free(ns);
		return xstrdup("default");
	}
	return ns;
}

int
k8s_config_in_cluster(struct k8s_config *out, const char *dir, struct err *err)
{
	const char *host = getenv("KUBERNETES_SERVICE_HOST");
	const char *port = getenv("KUBERNETES_SERVICE_PORT");
	struct k8s_config cfg = { 0 };
	char *token = NULL;
	size_t len = 0;

	if (dir == NULL)
		dir = K8S_SA_DIR;
	if (host == NULL || host[0] == '\0' || port == NULL || port[0] == '\0')
		return err_set(err, ERR_NOTFOUND,
		    "not in a cluster: KUBERNETES_SERVICE_HOST or _PORT unset");
	cfg.token_file = xasprintf("%s/token", dir);
	/* Fail now, not at the first request, when the token is missing. */
	if (k8s_read_file(&token, &len, cfg.token_file, 1 << 20, err) == -1) {
		k8s_config_release(&cfg);
		return err_wrap(err, "in-cluster token");
	}
	free_secret(token, len);
	cfg.server = strchr(host, ':') != NULL
	    ? xasprintf("https://[%s]:%s", host, port)
	    : xasprintf("https://%s:%s", host, port);
	cfg.ca_file = xasprintf("%s/ca.crt", dir);
	cfg.namespace = in_cluster_namespace(dir);
	*out = cfg;
	return 0;
}

static void
str_array_free(char **a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

static void
exec_free(struct k8s_exec *x)
{
	if (x == NULL)
		return;
	free(x->command);
	free(x->dir);
	str_array_free(x->args, x->nargs);
	/* The environment may carry secrets for the plugin. */
	for (size_t i = 0; i < x->nenv; i++)
		free_secret(x->env[i], strlen(x->env[i]));
	free(x->env);
	free(x->api_version);
	free(x);
}

void
k8s_config_release(struct k8s_config *cfg)
{
	free(cfg->context);
	free(cfg->server);
	free(cfg->tls_server_name);
	free(cfg->ca_file);
	free(cfg->ca_pem);
	free(cfg->cert_file);
	free(cfg->key_file);
	free(cfg->cert_pem);
	free_secret(cfg->key_pem, cfg->key_pem_len);
	if (cfg->token != NULL)
		free_secret(cfg->token, strlen(cfg->token));
	free(cfg->token_file);
	exec_free(cfg->exec);
	free(cfg->namespace);
	memset(cfg, 0, sizeof(*cfg));
}

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static char *
memdup_or_null(const char *p, size_t n)
{
	char *d;

	if (p == NULL)
		return NULL;
	d = xmalloc(n + 1);
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

static char **
str_array_copy(char **a, size_t n)
{
	char **c;
	size_t i;

	if (a == NULL)
		return NULL;
	c = xcalloc(n + 1, sizeof(*c));
	for (i = 0; i < n; i++)
		c[i] = xstrdup(a[i]);
	return c;
}

static struct k8s_exec *
exec_copy(const struct k8s_exec *x)
{
	struct k8s_exec *c;

	if (x == NULL)
		return NULL;
	c = xcalloc(1, sizeof(*c));
	c->command = dup_or_null(x->command);
	c->dir = dup_or_null(x->dir);
	c->args = str_array_copy(x->args, x->nargs);
	c->nargs = x->nargs;
	c->env = str_array_copy(x->env, x->nenv);
	c->nenv = x->nenv;
	c->api_version = dup_or_null(x->api_version);
	c->provide_cluster_info = x->provide_cluster_info;
	return c;
}

void
k8s_config_copy(struct k8s_config *dst, const struct k8s_config *src)
{
	dst->context = dup_or_null(src->context);
	dst->server = dup_or_null(src->server);
	dst->tls_server_name = dup_or_null(src->tls_server_name);
	dst->insecure = src->insecure;
	dst->ca_file = dup_or_null(src->ca_file);
	dst->ca_pem = memdup_or_null(src->ca_pem, src->ca_pem_len);
	dst->ca_pem_len = src->ca_pem_len;
	dst->cert_file = dup_or_null(src->cert_file);
	dst->key_file = dup_or_null(src->key_file);
	dst->cert_pem = memdup_or_null(src->cert_pem, src->cert_pem_len);
	dst->cert_pem_len = src->cert_pem_len;
	dst->key_pem = memdup_or_null(src->key_pem, src->key_pem_len);
	dst->key_pem_len = src->key_pem_len;
	dst->token = dup_or_null(src->token);
	dst->token_file = dup_or_null(src->token_file);
	dst->exec = exec_copy(src->exec);
	dst->namespace = dup_or_null(src->namespace);
}
