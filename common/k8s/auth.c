/*
 * The credentials a client presents: a static token, a token file that
 * is re-read now and then (bound service-account tokens rotate), or what
 * an exec plugin printed, kept until shortly before it expires. Each
 * request takes a snapshot, so a refresh never races a transfer.
 */
#include "k8s/k8s_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

/* Refresh an exec credential this long before it expires. */
#define EXEC_SLACK_US ((int64_t)10 * 1000000)

void
k8s_creds_init(struct k8s_creds *c)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->mu, NULL);
}

static void
token_drop(char **token)
{
	if (*token != NULL)
		free_secret(*token, strlen(*token));
	*token = NULL;
}

void
k8s_creds_release(struct k8s_creds *c)
{
	token_drop(&c->token);
	k8s_exec_cred_release(&c->exec);
	pthread_mutex_destroy(&c->mu);
}

/* Re-reads the token file when due; an unreadable file keeps the token
 * read before, as a rotation in progress is no reason to fail. */
static int
token_file_refresh(struct k8s_creds *c, const char *path, struct err *err)
{
	int64_t now = k8s_now_ms();
	char *t = NULL;
	size_t len = 0;

	if (c->token != NULL && now - c->token_read_ms < K8S_TOKEN_FILE_TTL_MS)
		return 0;
	if (k8s_read_file(&t, &len, path, 1 << 20, err) == -1) {
		if (c->token == NULL)
			return err_wrap(err, "token file");
		err_reset(err);
		return 0;
	}
	while (len > 0 &&
	    (t[len - 1] == '\n' || t[len - 1] == '\r' || t[len - 1] == ' '))
		t[--len] = '\0';
	token_drop(&c->token);
	c->token = t;
	c->token_read_ms = now;
	return 0;
}

static int
exec_refresh(struct k8s_creds *c, const struct k8s_config *cfg, struct err *err)
{
	struct k8s_exec_cred fresh = { 0 };

	if (c->have_exec &&
	    (c->exec.expires_us == 0 ||
	        k8s_wall_us() < c->exec.expires_us - EXEC_SLACK_US))
		return 0;
	if (k8s_exec_run(&fresh, cfg->exec, cfg, err) == -1)
		return -1;
	k8s_exec_cred_release(&c->exec);
	c->exec = fresh;
	c->have_exec = true;
	return 0;
}

static void
auth_fill(struct k8s_auth *out, const char *token, const char *cert,
    size_t cert_len, const char *key, size_t key_len)
{
	if (token != NULL)
		out->bearer = xasprintf("Authorization: Bearer %s", token);
	if (cert != NULL) {
		out->cert_pem = xmemdup(cert, cert_len + 1);
		out->cert_pem_len = cert_len;
		out->key_pem = xmemdup(key, key_len + 1);
		out->key_pem_len = key_len;
	}
}

int
k8s_creds_get(struct k8s_auth *out, struct k8s_creds *c,
    const struct k8s_config *cfg, struct err *err)
{
	int rv = 0;

	memset(out, 0, sizeof(*out));
	if (cfg->exec == NULL && cfg->token_file == NULL) {
		auth_fill(out, cfg->token, NULL, 0, NULL, 0);
		return 0;
	}
	pthread_mutex_lock(&c->mu);
	if (cfg->exec != NULL) {
		rv = exec_refresh(c, cfg, err);
		if (rv == 0)
			auth_fill(out, c->exec.token, c->exec.cert_pem,
			    c->exec.cert_pem_len, c->exec.key_pem,
			    c->exec.key_pem_len);
	} else {
		rv = token_file_refresh(c, cfg->token_file, err);
		if (rv == 0)
			auth_fill(out, c->token, NULL, 0, NULL, 0);
	}
	pthread_mutex_unlock(&c->mu);
	return rv;
}

bool
k8s_creds_invalidate(struct k8s_creds *c)
{
	bool had;

	pthread_mutex_lock(&c->mu);
	had = c->have_exec;
	k8s_exec_cred_release(&c->exec);
	c->have_exec = false;
	pthread_mutex_unlock(&c->mu);
	return had;
}

void
k8s_auth_release(struct k8s_auth *a)
{
	if (a->bearer != NULL)
		free_secret(a->bearer, strlen(a->bearer));
	free(a->cert_pem);
	free_secret(a->key_pem, a->key_pem_len + 1);
	memset(a, 0, sizeof(*a));
}
