/*
 * The client object: its copy of the configuration, the curl share and
 * handle pool, rate limiter, credentials and discovery cache, and the
 * impersonating views that borrow all of those from a base client.
 */
#include "k8s/k8s.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "k8s/k8s_int.h"

#define USER_AGENT   "flint/0.1"
#define IDENTITY_MAX 512 /* a header line must stay within 600 bytes */

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;

static void
curl_start(void)
{
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		BUG("curl_global_init failed");
}

static void
share_lock(CURL *h, curl_lock_data data, curl_lock_access access, void *arg)
{
	struct k8s_core *c = arg;

	(void)h;
	(void)access;
	pthread_mutex_lock(&c->share_mu[data]);
}

static void
share_unlock(CURL *h, curl_lock_data data, void *arg)
{
	struct k8s_core *c = arg;

	(void)h;
	pthread_mutex_unlock(&c->share_mu[data]);
}

static void
share_setup(struct k8s_core *c)
{
	size_t i;

	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_init(&c->share_mu[i], NULL);
	if ((c->share = curl_share_init()) == NULL)
		BUG("curl_share_init failed");
	curl_share_setopt(c->share, CURLSHOPT_LOCKFUNC, share_lock);
	curl_share_setopt(c->share, CURLSHOPT_UNLOCKFUNC, share_unlock);
	curl_share_setopt(c->share, CURLSHOPT_USERDATA, c);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
	curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
	curl_share_setopt(c->share, CURLSHOPT_SHARE,
	    CURL_LOCK_DATA_SSL_SESSION);
}

/*
 * With tls-server-name, the URL names that host (so SNI and certificate
 * checks use it) and CONNECT_TO sends the connection to the real one.
 */
static int
server_setup(struct k8s_core *c, struct err *err)
{
	const char *s = c->cfg.server, *name = c->cfg.tls_server_name;
	const char *host, *rest, *end, *port;
	size_t hostlen, portlen;
	char *line;

	if (name == NULL) {
		c->base_url = xstrdup(s);
		return 0;
	}
	if ((host = strstr(s, "://")) == NULL)
		return err_set(err, ERR_INVALID, "invalid server '%s'", s);
	host += 3;
	rest = host + strcspn(host, "/");
	/* The host ends at the port's colon, an IPv6 literal at ']'. */
	end = memchr(host, host[0] == '[' ? ']' : ':', (size_t)(rest - host));
	if (host[0] == '[' && end == NULL)
		return err_set(err, ERR_INVALID, "invalid server '%s'", s);
	if (host[0] == '[')
		end++;
	else if (end == NULL)
		end = rest;
	hostlen = (size_t)(end - host);
	if (end < rest && *end == ':') {
		port = end + 1;
		portlen = (size_t)(rest - port);
	} else {
		port = str_has_prefix(s, "https://") ? "443" : "80";
		portlen = strlen(port);
	}
	c->base_url = xasprintf("%.*s%s:%.*s%s", (int)(host - s), s, name,
	    (int)portlen, port, rest);
	line = xasprintf("%s:%.*s:%.*s:%.*s", name, (int)portlen, port,
	    (int)hostlen, host, (int)portlen, port);
	c->connect_to = curl_slist_append(NULL, line);
	free(line);
	return 0;
}

static void
options_resolve(struct k8s_options *o, const struct k8s_options *in)
{
	if (in != NULL)
		*o = *in;
	if (o->qps == 0)
		o->qps = K8S_DEFAULT_QPS;
	if (o->burst == 0)
		o->burst = K8S_DEFAULT_BURST;
	if (o->timeout_ms <= 0)
		o->timeout_ms = K8S_DEFAULT_TIMEOUT_MS;
	if (o->max_retries == 0)
		o->max_retries = K8S_DEFAULT_RETRIES;
}

int
k8s_new(struct k8s **out, const struct k8s_config *cfg,
    const struct k8s_options *opts, struct err *err)
{
	struct k8s *k = xcalloc(1, sizeof(*k));
	struct k8s_core *c = xcalloc(1, sizeof(*c));

	pthread_once(&curl_once, curl_start);
	k->core = c;
	k->owns_core = true;
	if (cfg->server == NULL) {
		k8s_free(k);
		return err_set(err, ERR_INVALID, "no server configured");
	}
	k8s_config_copy(&c->cfg, cfg);
	if (c->cfg.namespace == NULL)
		c->cfg.namespace = xstrdup("default");
	options_resolve(&c->opts, opts);
	c->user_agent = xstrdup(
	    c->opts.user_agent != NULL ? c->opts.user_agent : USER_AGENT);
	c->opts.user_agent = c->user_agent;
	pthread_mutex_init(&c->pool_mu, NULL);
	share_setup(c);
	k8s_ratelimit_init(&c->rl, c->opts.qps, c->opts.burst);
	k8s_creds_init(&c->creds);
	k8s_discovery_init(&c->disc);
	if (server_setup(c, err) == -1) {
		k8s_free(k);
		return -1;
	}
	*out = k;
	return 0;
}

static void
core_free(struct k8s_core *c)
{
	size_t i;

	if (c->share == NULL) { /* k8s_new() failed before setting up */
		free(c);
		return;
	}
	for (i = 0; i < c->nidle; i++)
		curl_easy_cleanup(c->idle[i]);
	free(c->idle);
	curl_share_cleanup(c->share);
	for (i = 0; i < CURL_LOCK_DATA_LAST; i++)
		pthread_mutex_destroy(&c->share_mu[i]);
	pthread_mutex_destroy(&c->pool_mu);
	k8s_ratelimit_release(&c->rl);
	k8s_creds_release(&c->creds);
	k8s_discovery_release(&c->disc);
	curl_slist_free_all(c->connect_to);
	free(c->base_url);
	free(c->user_agent);
	k8s_config_release(&c->cfg);
	free(c);
}

void
k8s_free(struct k8s *k)
{
	size_t i;

	if (k == NULL)
		return;
	if (k->owns_core)
		core_free(k->core);
	free(k->as_user);
	for (i = 0; k->as_groups != NULL && k->as_groups[i] != NULL; i++)
		free(k->as_groups[i]);
	free(k->as_groups);
	free(k);
}

/* Header values must not break the header: no control characters. */
static int
identity_check(const char *s, struct err *err)
{
	const char *p;

	if (s == NULL || s[0] == '\0' || strlen(s) > IDENTITY_MAX)
		return err_set(err, ERR_INVALID,
		    "impersonation needs a name of 1 to %d bytes",
		    IDENTITY_MAX);
	for (p = s; *p != '\0'; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return err_set(err, ERR_INVALID,
			    "control character in impersonated name");
	return 0;
}

int
k8s_impersonate(struct k8s **out, struct k8s *base, const char *user,
    const char *const *groups, struct err *err)
{
	struct k8s *k;
	size_t i, n = 0;

	if (identity_check(user, err) == -1)
		return -1;
	while (groups != NULL && groups[n] != NULL)
		if (identity_check(groups[n++], err) == -1)
			return -1;
	k = xcalloc(1, sizeof(*k));
	k->core = base->core;
	k->as_user = xstrdup(user);
	if (n > 0) {
		k->as_groups = xcalloc(n + 1, sizeof(*k->as_groups));
		for (i = 0; i < n; i++)
			k->as_groups[i] = xstrdup(groups[i]);
	}
	*out = k;
	return 0;
}

int
k8s_impersonate_sa(struct k8s **out, struct k8s *base, const char *ns,
    const char *name, struct err *err)
{
	char *user;
	int rv;

	if (ns == NULL || ns[0] == '\0' || name == NULL || name[0] == '\0')
		return err_set(err, ERR_INVALID,
		    "a service account needs a namespace and a name");
	/* The API server adds the service-account groups itself. */
	user = xasprintf("system:serviceaccount:%s:%s", ns, name);
	rv = k8s_impersonate(out, base, user, NULL, err);
	free(user);
	return rv;
}

const char *
k8s_namespace(const struct k8s *k)
{
	return k->core->cfg.namespace;
}
