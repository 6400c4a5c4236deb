/*
 * Kubeconfig parsing and loading: from one or more kubeconfig files (or
 * the in-cluster service account) to the one cluster, user and namespace
 * a client talks with. Resolution follows kubectl: the first file that
 * names a context, cluster or user wins, relative paths are taken against
 * the directory of the file that holds them.
 */
#include "k8s/k8s.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "k8s/k8s_int.h"

#define KUBECONFIG_MAX ((size_t)16 << 20)

/* One parsed kubeconfig file. */
struct kc_file {
	struct doc *doc;
	const struct doc_node *root; /* a map, or NULL for an empty file */
	char *dir;                   /* for relative paths, or NULL */
};

struct kc_set {
	struct kc_file *files;
	size_t n;
};

/* An entry found by name: its inner map and the file it came from. */
struct kc_entry {
	const struct doc_node *map;
	const struct kc_file *file;
};

static void
kc_set_release(struct kc_set *s)
{
	size_t i;

	for (i = 0; i < s->n; i++) {
		doc_free(s->files[i].doc);
		free(s->files[i].dir);
	}
	free(s->files);
	s->files = NULL;
	s->n = 0;
}

static int
kc_set_add(struct kc_set *s, const char *text, size_t len, const char *dir,
    struct err *err)
{
	struct kc_file f = { NULL, NULL, NULL };

	if (doc_parse_yaml(&f.doc, text, len, NULL, err) == -1)
		return -1;
	f.root = doc_root(f.doc, 0);
	if (f.root != NULL && f.root->kind == DOC_NULL)
		f.root = NULL;
	if (f.root != NULL && f.root->kind != DOC_MAP) {
		doc_free(f.doc);
		return err_set(err, ERR_INVALID, "kubeconfig is not a map");
	}
	f.dir = dir != NULL ? xstrdup(dir) : NULL;
	s->files = xreallocarray(s->files, s->n + 1, sizeof(*s->files));
	s->files[s->n++] = f;
	return 0;
}

/* The scalar text of map[key] or NULL; ERR_INVALID for a collection. */
static int
scalar_at(const char **out, const struct doc_node *map, const char *key,
    struct err *err)
{
	const struct doc_node *v = doc_map_get(map, key);

	*out = NULL;
	if (v == NULL || v->kind == DOC_NULL)
		return 0;
	if (!doc_is_scalar(v))
		return err_set(err, ERR_INVALID, "'%s' is not a string", key);
	*out = doc_str(v);
	return 0;
}

/* Copies map[key] (a scalar) into *dst, unless absent. */
static int
copy_str(char **dst, const struct doc_node *map, const char *key,
    struct err *err)
{
	const char *s;

	if (scalar_at(&s, map, key, err) == -1)
		return -1;
	if (s != NULL && s[0] != '\0') {
		free(*dst);
		*dst = xstrdup(s);
	}
	return 0;
}

/* Like copy_str() for a path, made absolute against the file's dir. */
static int
copy_path(char **dst, const struct doc_node *map, const char *key,
    const struct kc_file *f, struct err *err)
{
	const char *s;

	if (scalar_at(&s, map, key, err) == -1)
		return -1;
	if (s == NULL || s[0] == '\0')
		return 0;
	free(*dst);
	if (s[0] == '/' || f->dir == NULL)
		*dst = xstrdup(s);
	else
		*dst = xasprintf("%s/%s", f->dir, s);
	return 0;
}

/* Decodes base64 map[key] into *dst and *len_out, unless absent. */
static int
copy_b64(char **dst, size_t *len_out, const struct doc_node *map,
    const char *key, struct err *err)
{
	const char *s;

	if (scalar_at(&s, map, key, err) == -1)
		return -1;
	if (s == NULL || s[0] == '\0')
		return 0;
	free_secret(*dst, *len_out);
	*dst = NULL;
	*len_out = 0;
	if (k8s_b64_decode(dst, len_out, s, strlen(s), err) == -1)
		return err_wrap(err, "%s", key);
	return 0;
}

static int
get_bool(bool *out, const struct doc_node *map, const char *key,
    struct err *err)
{
	const struct doc_node *v = doc_map_get(map, key);

	if (v == NULL || v->kind == DOC_NULL)
		return 0;
	if (doc_get_bool(out, v, err) == -1)
		return err_set(err, ERR_INVALID, "'%s' is not a bool", key);
	return 0;
}

/* Finds the entry called name in section ("clusters") of the first file
 * that has one; inner is the key of its body ("cluster"). */
static int
kc_find(struct kc_entry *out, const struct kc_set *s, const char *section,
    const char *inner, const char *name)
{
	const struct doc_node *seq, *item, *body;
	const char *n;
	size_t i, j;

	for (i = 0; i < s->n; i++) {
		if (s->files[i].root == NULL)
			continue;
		seq = doc_map_get(s->files[i].root, section);
		if (seq == NULL || seq->kind != DOC_SEQ)
			continue;
		for (j = 0; j < seq->u.seq.n; j++) {
			item = seq->u.seq.items[j];
			n = k8s_str_at(item, "name");
			if (n == NULL || strcmp(n, name) != 0)
				continue;
			body = doc_map_get(item, inner);
			if (body != NULL && body->kind != DOC_MAP &&
			    body->kind != DOC_NULL)
				return -1;
			out->map = body != NULL && body->kind == DOC_MAP ? body
			                                                 : NULL;
			out->file = &s->files[i];
			return 1;
		}
	}
	return 0;
}

static const char *
kc_current_context(const struct kc_set *s)
{
	const char *c;
	size_t i;

	for (i = 0; i < s->n; i++) {
		c = k8s_str_at(s->files[i].root, "current-context");
		if (c != NULL && c[0] != '\0')
			return c;
	}
	return NULL;
}

/* The server URL needs a host and nothing a URL cannot hold; a trailing
 * slash is cut, as it would double up with every request path. */
static int
server_check(char *server, struct err *err)
{
	char *host = strstr(server, "://") + 3, *p;
	size_t n;

	for (p = server; *p != '\0'; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f)
			return err_set(err, ERR_INVALID,
			    "server URL has a space or control character");
	if (host[0] == '\0' || host[0] == '/')
		return err_set(err, ERR_INVALID, "server URL has no host");
	n = strlen(host);
	while (n > 0 && host[n - 1] == '/')
		host[--n] = '\0';
	return 0;
}

static int
cluster_fill(struct k8s_config *cfg, const struct kc_entry *e, struct err *err)
{
	const struct doc_node *m = e->map;
	char *server;

	if (m == NULL)
		return err_set(err, ERR_INVALID, "cluster has no server");
	if (copy_str(&cfg->server, m, "server", err) == -1 ||
	    copy_str(&cfg->tls_server_name, m, "tls-server-name", err) == -1 ||
	    get_bool(&cfg->insecure, m, "insecure-skip-tls-verify", err) ==
	        -1 ||
	    copy_path(&cfg->ca_file, m, "certificate-authority", e->file,
	        err) == -1 ||
	    copy_b64(&cfg->ca_pem, &cfg->ca_pem_len, m,
	        "certificate-authority-data", err) == -1)
		return -1;
	if (cfg->server == NULL)
		return err_set(err, ERR_INVALID, "cluster has no server");
	if (!str_has_prefix(cfg->server, "https://") &&
	    !str_has_prefix(cfg->server, "http://")) {
		/* kubectl takes a bare host:port as https. */
		server = xasprintf("https://%s", cfg->server);
		free(cfg->server);
		cfg->server = server;
	}
	return server_check(cfg->server, err);
}

/* Copies a sequence of scalars into a new array of strings. */
static int
str_array(char ***out, size_t *n_out, const struct doc_node *seq,
    const char *what, struct err *err)
{
	size_t i;

	*out = NULL;
	*n_out = 0;
	if (seq == NULL || seq->kind == DOC_NULL)
		return 0;
	if (seq->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID, "'%s' is not a list", what);
	*out = xcalloc(seq->u.seq.n + 1, sizeof(**out));
	for (i = 0; i < seq->u.seq.n; i++) {
		if (!doc_is_scalar(seq->u.seq.items[i]))
			return err_set(err, ERR_INVALID,
			    "'%s' item %zu is not a string", what, i);
		(*out)[(*n_out)++] = xstrdup(doc_str(seq->u.seq.items[i]));
	}
	return 0;
}

/* exec.env: [{name, value}] as "NAME=value" strings. */
static int
exec_env(struct k8s_exec *x, const struct doc_node *seq, struct err *err)
{
	const struct doc_node *item;
	const char *name, *value;
	size_t i;

	if (seq == NULL || seq->kind == DOC_NULL)
		return 0;
	if (seq->kind != DOC_SEQ)
		return err_set(err, ERR_INVALID, "'env' is not a list");
	x->env = xcalloc(seq->u.seq.n + 1, sizeof(*x->env));
	for (i = 0; i < seq->u.seq.n; i++) {
		item = seq->u.seq.items[i];
		if (item->kind != DOC_MAP ||
		    scalar_at(&name, item, "name", err) == -1 ||
		    scalar_at(&value, item, "value", err) == -1 ||
		    name == NULL || name[0] == '\0' ||
		    strchr(name, '=') != NULL)
			return err_set(err, ERR_INVALID,
			    "'env' item %zu needs a name and a value", i);
		x->env[x->nenv++] = xasprintf("%s=%s", name,
		    value != NULL ? value : "");
	}
	return 0;
}

static int
exec_fill(struct k8s_config *cfg, const struct doc_node *m,
    const struct kc_file *f, struct err *err)
{
	struct k8s_exec *x = xcalloc(1, sizeof(*x));

	cfg->exec = x;
	if (m->kind != DOC_MAP)
		return err_set(err, ERR_INVALID, "'exec' is not a map");
	if (copy_str(&x->command, m, "command", err) == -1 ||
	    copy_str(&x->api_version, m, "apiVersion", err) == -1 ||
	    str_array(&x->args, &x->nargs, doc_map_get(m, "args"), "args",
	        err) == -1 ||
	    exec_env(x, doc_map_get(m, "env"), err) == -1 ||
	    get_bool(&x->provide_cluster_info, m, "provideClusterInfo", err) ==
	        -1)
		return err_wrap(err, "exec");
	if (x->command == NULL)
		return err_set(err, ERR_INVALID, "exec: missing command");
	if (x->api_version == NULL)
		return err_set(err, ERR_INVALID, "exec: missing apiVersion");
	x->dir = f->dir != NULL ? xstrdup(f->dir) : NULL;
	return 0;
}

static int
user_fill(struct k8s_config *cfg, const struct kc_entry *e, struct err *err)
{
	const struct doc_node *m = e->map, *exec;

	if (m == NULL)
		return 0;
	if (doc_map_get(m, "auth-provider") != NULL)
		return err_set(err, ERR_UNSUPPORTED,
		    "auth-provider is not supported; use an exec plugin");
	if (doc_map_get(m, "username") != NULL ||
	    doc_map_get(m, "password") != NULL)
		return err_set(err, ERR_UNSUPPORTED,
		    "basic authentication is not supported");
	if (copy_path(&cfg->cert_file, m, "client-certificate", e->file, err) ==
	        -1 ||
	    copy_path(&cfg->key_file, m, "client-key", e->file, err) == -1 ||
	    copy_b64(&cfg->cert_pem, &cfg->cert_pem_len, m,
	        "client-certificate-data", err) == -1 ||
	    copy_b64(&cfg->key_pem, &cfg->key_pem_len, m, "client-key-data",
	        err) == -1 ||
	    copy_str(&cfg->token, m, "token", err) == -1 ||
	    copy_path(&cfg->token_file, m, "tokenFile", e->file, err) == -1)
		return -1;
	exec = doc_map_get(m, "exec");
	if (exec != NULL && exec->kind != DOC_NULL &&
	    exec_fill(cfg, exec, e->file, err) == -1)
		return -1;
	return 0;
}

/* Looks name up in section and fails when it is not there. */
static int
kc_need(struct kc_entry *out, const struct kc_set *s, const char *section,
    const char *inner, const char *name, struct err *err)
{
	int rv = kc_find(out, s, section, inner, name);

	if (rv == -1)
		return err_set(err, ERR_INVALID, "%s '%s' is not a map", inner,
		    name);
	if (rv == 0)
		return err_set(err, ERR_INVALID, "%s '%s' not found", inner,
		    name);
	return 0;
}

static int
kc_resolve(struct k8s_config *out, const struct kc_set *s, const char *context,
    struct err *err)
{
	struct kc_entry ctx = { NULL, NULL }, cluster = { NULL, NULL };
	struct kc_entry user = { NULL, NULL };
	const char *cname, *uname;

	if (context == NULL && (context = kc_current_context(s)) == NULL)
		return err_set(err, ERR_INVALID, "no current-context is set");
	if (kc_need(&ctx, s, "contexts", "context", context, err) == -1)
		return -1;
	out->context = xstrdup(context);
	cname = k8s_str_at(ctx.map, "cluster");
	uname = k8s_str_at(ctx.map, "user");
	if (cname == NULL || cname[0] == '\0')
		return err_set(err, ERR_INVALID, "context '%s' has no cluster",
		    context);
	if (kc_need(&cluster, s, "clusters", "cluster", cname, err) == -1 ||
	    cluster_fill(out, &cluster, err) == -1)
		return err_wrap(err, "context '%s'", context);
	if (uname != NULL && uname[0] != '\0' &&
	    (kc_need(&user, s, "users", "user", uname, err) == -1 ||
	        user_fill(out, &user, err) == -1))
		return err_wrap(err, "user '%s'", uname);
	if (copy_str(&out->namespace, ctx.map, "namespace", err) == -1)
		return err_wrap(err, "context '%s'", context);
	if (out->namespace == NULL)
		out->namespace = xstrdup("default");
	return 0;
}

int
k8s_config_parse(struct k8s_config *out, const char *text, size_t len,
    const char *dir, const char *context, struct err *err)
{
	struct kc_set s = { NULL, 0 };
	struct k8s_config cfg = { 0 };
	int rv;

	if (kc_set_add(&s, text, len, dir, err) == -1)
		return err_wrap(err, "parse kubeconfig");
	rv = kc_resolve(&cfg, &s, context, err);
	kc_set_release(&s);
	if (rv == -1) {
		k8s_config_release(&cfg);
		return err_wrap(err, "kubeconfig");
	}
	*out = cfg;
	return 0;
}

/* Reads and parses one file into s; *found is false when it is missing. */
static int
kc_load_file(struct kc_set *s, bool *found, const char *path, struct err *err)
{
	char *text = NULL, *dir, *slash;
	size_t len;
	int rv;

	*found = false;
	if (k8s_read_file(&text, &len, path, KUBECONFIG_MAX, err) == -1) {
		if (err->code != ERR_NOTFOUND)
			return -1;
		err_reset(err);
		return 0;
	}
	*found = true;
	dir = xstrdup(path);
	slash = strrchr(dir, '/');
	if (slash != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	rv = kc_set_add(s, text, len, slash != NULL ? dir : ".", err);
	free_secret(text, len);
	free(dir);
	if (rv == -1)
		return err_wrap(err, "parse '%s'", path);
	return 0;
}

/* Loads every file of a colon-separated list. */
static int
kc_load_list(struct kc_set *s, const char *list, struct err *err)
{
	char *copy = xstrdup(list), *p = copy, *next;
	bool found;
	int rv = 0;

	for (; p != NULL && rv == 0; p = next) {
		next = strchr(p, ':');
		if (next != NULL)
			*next++ = '\0';
		if (p[0] != '\0')
			rv = kc_load_file(s, &found, p, err);
	}
	free(copy);
	return rv;
}

static int
load_files(struct k8s_config *out, const char *list, const char *context,
    struct err *err)
{
	struct kc_set s = { NULL, 0 };
	struct k8s_config cfg = { 0 };
	int rv;

	if (kc_load_list(&s, list, err) == -1) {
		kc_set_release(&s);
		return -1;
	}
	if (s.n == 0)
		return err_set(err, ERR_NOTFOUND, "no kubeconfig in '%s'",
		    list);
	rv = kc_resolve(&cfg, &s, context, err);
	kc_set_release(&s);
	if (rv == -1) {
		k8s_config_release(&cfg);
		return err_wrap(err, "kubeconfig '%s'", list);
	}
	*out = cfg;
	return 0;
}

int
k8s_config_load(struct k8s_config *out, const char *path, const char *context,
    struct err *err)
{
	const char *env = getenv("KUBECONFIG"), *home;
	char *def;
	int rv;

	if (path != NULL) {
		rv = load_files(out, path, context, err);
		if (rv == -1 && err->code == ERR_NOTFOUND)
			err_set(err, ERR_NOTFOUND, "kubeconfig '%s' not found",
			    path);
		return rv;
	}
	if (env != NULL && env[0] != '\0')
		return load_files(out, env, context, err);
	if (getenv("KUBERNETES_SERVICE_HOST") != NULL)
		return k8s_config_in_cluster(out, NULL, err);
	home = getenv("HOME");
	if (home == NULL || home[0] == '\0')
		return err_set(err, ERR_NOTFOUND,
		    "no kubeconfig: KUBECONFIG and HOME are unset");
	def = xasprintf("%s/.kube/config", home);
	rv = load_files(out, def, context, err);
	free(def);
	return rv;
}
