/*
 * Fuzzes kubeconfig parsing. Whatever parses must resolve to a usable
 * configuration (an http(s) server without a trailing slash, a
 * namespace), parse the same way twice, and build a client (which
 * contacts nothing) that frees cleanly.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/str.h"
#include "k8s/k8s.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static bool
same_str(const char *a, const char *b)
{
	return (a == NULL && b == NULL) ||
	    (a != NULL && b != NULL && strcmp(a, b) == 0);
}

static bool
same_mem(const char *a, size_t alen, const char *b, size_t blen)
{
	return alen == blen && (alen == 0 || memcmp(a, b, alen) == 0);
}

static bool
same_exec(const struct k8s_exec *a, const struct k8s_exec *b)
{
	size_t i;

	if (a == NULL || b == NULL)
		return a == b;
	if (!same_str(a->command, b->command) ||
	    !same_str(a->api_version, b->api_version) || a->nargs != b->nargs ||
	    a->nenv != b->nenv)
		return false;
	for (i = 0; i < a->nargs; i++)
		if (!same_str(a->args[i], b->args[i]))
			return false;
	for (i = 0; i < a->nenv; i++)
		if (!same_str(a->env[i], b->env[i]))
			return false;
	return true;
}

static bool
same_config(const struct k8s_config *a, const struct k8s_config *b)
{
	return same_str(a->context, b->context) &&
	    same_str(a->server, b->server) &&
	    same_str(a->tls_server_name, b->tls_server_name) &&
	    a->insecure == b->insecure && same_str(a->ca_file, b->ca_file) &&
	    same_mem(a->ca_pem, a->ca_pem_len, b->ca_pem, b->ca_pem_len) &&
	    same_mem(a->key_pem, a->key_pem_len, b->key_pem, b->key_pem_len) &&
	    same_str(a->token, b->token) &&
	    same_str(a->token_file, b->token_file) &&
	    same_str(a->namespace, b->namespace) && same_exec(a->exec, b->exec);
}

static void
check(const struct k8s_config *c)
{
	struct err err = ERR_INIT;
	struct k8s *k = NULL;

	if (c->server == NULL || c->namespace == NULL ||
	    (!str_has_prefix(c->server, "https://") &&
	        !str_has_prefix(c->server, "http://")) ||
	    str_has_suffix(c->server, "/"))
		abort();
	if (k8s_new(&k, c, NULL, &err) == 0)
		k8s_free(k);
	else if (err.code != ERR_INVALID)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct k8s_config a = { 0 }, b = { 0 };
	struct err err = ERR_INIT;
	const char *text = (const char *)data;

	if (k8s_config_parse(&a, text, size, "/kube", NULL, &err) == -1) {
		if (err.code == ERR_OK)
			abort(); /* failed without saying why */
		return 0;
	}
	if (k8s_config_parse(&b, text, size, "/kube", NULL, &err) == -1 ||
	    !same_config(&a, &b))
		abort();
	check(&a);
	k8s_config_release(&a);
	k8s_config_release(&b);
	return 0;
}
