/*
 * Exec credential plugins (client.authentication.k8s.io): the one kind of
 * child process the client starts, because the kubeconfig standard says
 * so. The plugin gets KUBERNETES_EXEC_INFO and prints an ExecCredential
 * with a token or a client certificate, valid until its expiration.
 */
#include "k8s/k8s_int.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/str.h"

extern char **environ;

static char *
pem_copy(const char *s, size_t *len_out)
{
	*len_out = strlen(s);
	return xstrdup(s);
}

static int
cred_status(struct k8s_exec_cred *out, const struct doc_node *status,
    struct err *err)
{
	const char *token = k8s_str_at(status, "token");
	const char *cert = k8s_str_at(status, "clientCertificateData");
	const char *key = k8s_str_at(status, "clientKeyData");
	const char *exp = k8s_str_at(status, "expirationTimestamp");

	if ((cert == NULL) != (key == NULL))
		return err_set(err, ERR_INVALID,
		    "clientCertificateData and clientKeyData go together");
	if ((token == NULL || token[0] == '\0') && cert == NULL)
		return err_set(err, ERR_INVALID,
		    "neither a token nor a client certificate");
	if (exp != NULL && exp[0] != '\0' &&
	    k8s_time_parse(&out->expires_us, exp, err) == -1)
		return err_wrap(err, "expirationTimestamp");
	if (token != NULL && token[0] != '\0')
		out->token = xstrdup(token);
	if (cert != NULL) {
		out->cert_pem = pem_copy(cert, &out->cert_pem_len);
		out->key_pem = pem_copy(key, &out->key_pem_len);
	}
	return 0;
}

int
k8s_exec_cred_parse(struct k8s_exec_cred *out, const char *json, size_t len,
    const char *api_version, struct err *err)
{
	struct k8s_exec_cred c = { 0 };
	const struct doc_node *root, *status;
	const char *av, *kind;
	struct doc *d = NULL;
	int rv = -1;

	if (doc_parse_json(&d, json, len, NULL, err) == -1)
		return err_wrap(err, "decode ExecCredential");
	root = doc_root(d, 0);
	av = k8s_str_at(root, "apiVersion");
	kind = k8s_str_at(root, "kind");
	if (kind == NULL || strcmp(kind, "ExecCredential") != 0)
		err_set(err, ERR_INVALID,
		    "the plugin printed no ExecCredential");
	else if (av == NULL || strcmp(av, api_version) != 0)
		err_set(err, ERR_INVALID,
		    "the plugin answered in '%s', configured for '%s'",
		    av != NULL ? av : "", api_version);
	else if ((status = doc_map_get(root, "status")) == NULL ||
	    status->kind != DOC_MAP)
		err_set(err, ERR_INVALID, "ExecCredential has no status");
	else
		rv = cred_status(&c, status, err);
	doc_free(d);
	if (rv == -1) {
		k8s_exec_cred_release(&c);
		return -1;
	}
	*out = c;
	return 0;
}

void
k8s_exec_cred_release(struct k8s_exec_cred *c)
{
	if (c->token != NULL)
		free_secret(c->token, strlen(c->token));
	free(c->cert_pem);
	free_secret(c->key_pem, c->key_pem_len);
	memset(c, 0, sizeof(*c));
}

static void
b64_encode(struct buf *b, const unsigned char *p, size_t n)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";
	char quad[4];
	unsigned v;
	size_t i;

	for (i = 0; i < n; i += 3) {
		v = (unsigned)p[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)p[i + 1] << 8;
		if (i + 2 < n)
			v |= p[i + 2];
		quad[0] = tab[(v >> 18) & 63];
		quad[1] = tab[(v >> 12) & 63];
		quad[2] = tab[(v >> 6) & 63];
		quad[3] = tab[v & 63];
		if (i + 2 >= n) /* padding for the bytes that were not there */
			quad[3] = tab[64];
		if (i + 1 >= n)
			quad[2] = tab[64];
		buf_append(b, quad, sizeof(quad));
	}
}

/* Appends s as a JSON string, quotes included. */
static void
json_str(struct buf *b, const char *s)
{
	buf_putc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_putc(b, '\\');
		if ((unsigned char)*s < 0x20)
			buf_printf(b, "\\u%04x", (unsigned char)*s);
		else
			buf_putc(b, *s);
	}
	buf_putc(b, '"');
}

/* KUBERNETES_EXEC_INFO: what the plugin may know about its caller. */
static char *
exec_info(const struct k8s_exec *x, const struct k8s_config *cfg)
{
	struct buf b;

	buf_init(&b, BUF_MAX_DEFAULT);
	buf_puts(&b, "KUBERNETES_EXEC_INFO={\"apiVersion\":");
	json_str(&b, x->api_version);
	buf_puts(&b, ",\"kind\":\"ExecCredential\",\"spec\":{");
	if (x->provide_cluster_info) {
		buf_puts(&b, "\"cluster\":{\"server\":");
		json_str(&b, cfg->server);
		if (cfg->tls_server_name != NULL) {
			buf_puts(&b, ",\"tls-server-name\":");
			json_str(&b, cfg->tls_server_name);
		}
		if (cfg->insecure)
			buf_puts(&b, ",\"insecure-skip-tls-verify\":true");
		if (cfg->ca_pem != NULL) {
			buf_puts(&b, ",\"certificate-authority-data\":\"");
			b64_encode(&b, (const unsigned char *)cfg->ca_pem,
			    cfg->ca_pem_len);
			buf_putc(&b, '"');
		}
		buf_puts(&b, "},");
	}
	buf_puts(&b, "\"interactive\":false}}");
	return buf_detach(&b, NULL);
}

static bool
env_overridden(const char *entry, const struct k8s_exec *x)
{
	size_t i, n;

	if (str_has_prefix(entry, "KUBERNETES_EXEC_INFO="))
		return true;
	for (i = 0; i < x->nenv; i++) {
		n = strcspn(x->env[i], "=");
		if (strncmp(entry, x->env[i], n) == 0 && entry[n] == '=')
			return true;
	}
	return false;
}

/* Our environment, minus what the plugin's env replaces, plus it. The
 * array is new; its strings are borrowed except the last one. */
static char **
exec_envp(const struct k8s_exec *x, char *info)
{
	size_t n = 0, i, j = 0;
	char **envp;

	while (environ[n] != NULL)
		n++;
	envp = xcalloc(n + x->nenv + 2, sizeof(*envp));
	for (i = 0; i < n; i++)
		if (!env_overridden(environ[i], x))
			envp[j++] = environ[i];
	for (i = 0; i < x->nenv; i++)
		envp[j++] = x->env[i];
	envp[j] = info;
	return envp;
}

static char **
exec_argv(const struct k8s_exec *x, char *cmd)
{
	char **argv = xcalloc(x->nargs + 2, sizeof(*argv));
	size_t i;

	argv[0] = cmd;
	for (i = 0; i < x->nargs; i++)
		argv[i + 1] = x->args[i];
	return argv;
}

/* Starts the plugin with stdout on a pipe whose read end is *fd_out. */
static int
exec_spawn(pid_t *pid_out, int *fd_out, const struct k8s_exec *x,
    const struct k8s_config *cfg, struct err *err)
{
	posix_spawn_file_actions_t fa;
	char *cmd, *info = exec_info(x, cfg), **argv, **envp;
	bool search = strchr(x->command, '/') == NULL;
	int fds[2], rc;

	/* A relative command with a slash is relative to the kubeconfig. */
	cmd = !search && x->command[0] != '/' && x->dir != NULL
	    ? xasprintf("%s/%s", x->dir, x->command)
	    : xstrdup(x->command);
	argv = exec_argv(x, cmd);
	envp = exec_envp(x, info);
	if (pipe2(fds, O_CLOEXEC) == -1) {
		rc = errno;
		goto out;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	rc = search ? posix_spawnp(pid_out, cmd, &fa, NULL, argv, envp)
	            : posix_spawn(pid_out, cmd, &fa, NULL, argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	close(fds[1]);
	if (rc != 0)
		close(fds[0]);
	else
		*fd_out = fds[0];
out:
	free(envp);
	free(argv);
	free(cmd);
	free(info);
	if (rc != 0)
		return err_errno(err, rc, "start exec plugin '%s'", x->command);
	return 0;
}

/* Reads the plugin's stdout until EOF, the cap or the deadline. */
static int
exec_read(struct buf *out, int fd, struct err *err)
{
	int64_t deadline = k8s_now_ms() + K8S_EXEC_TIMEOUT_MS, left;
	struct pollfd p = { fd, POLLIN, 0 };
	char chunk[4096];
	ssize_t n;

	for (;;) {
		left = deadline - k8s_now_ms();
		if (left <= 0)
			return err_set(err, ERR_TIMEOUT,
			    "no answer within %d s",
			    K8S_EXEC_TIMEOUT_MS / 1000);
		if (poll(&p, 1, (int)left) == -1 && errno != EINTR)
			return err_errno(err, errno, "poll");
		n = read(fd, chunk, sizeof(chunk));
		if (n == 0)
			return 0;
		if (n == -1 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == -1)
			return err_errno(err, errno, "read");
		if (buf_append(out, chunk, (size_t)n) == -1)
			return err_set(err, ERR_LIMIT, "output over %u bytes",
			    K8S_EXEC_OUTPUT_MAX);
	}
}

/* Collects the child; a failed read kills it first. */
static int
exec_reap(pid_t pid, bool kill_first, struct err *err)
{
	int status;

	if (kill_first)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) == -1)
		if (errno != EINTR)
			return err_errno(err, errno, "wait");
	if (kill_first)
		return -1;
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	if (WIFEXITED(status))
		return err_set(err, ERR_AUTH, "exited with status %d",
		    WEXITSTATUS(status));
	return err_set(err, ERR_AUTH, "killed by signal %d", WTERMSIG(status));
}

int
k8s_exec_run(struct k8s_exec_cred *out, const struct k8s_exec *x,
    const struct k8s_config *cfg, struct err *err)
{
	struct buf b;
	pid_t pid = -1;
	int fd = -1, rv;

	if (exec_spawn(&pid, &fd, x, cfg, err) == -1)
		return -1;
	buf_init(&b, K8S_EXEC_OUTPUT_MAX);
	rv = exec_read(&b, fd, err);
	close(fd);
	if (exec_reap(pid, rv == -1, err) == -1 || rv == -1) {
		buf_release_secret(&b);
		return err_wrap(err, "exec plugin '%s'", x->command);
	}
	rv = k8s_exec_cred_parse(out, b.data != NULL ? b.data : "", b.len,
	    x->api_version, err);
	buf_release_secret(&b);
	if (rv == -1)
		return err_wrap(err, "exec plugin '%s'", x->command);
	return 0;
}
