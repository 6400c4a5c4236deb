/* Helpers for the tests that run the client against the fake server. */
#include "client_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

struct k8s *
fixture_client(struct fake_server *f, unsigned max_retries, int64_t timeout_ms)
{
	char server[64], token[] = "s3cret", ns[] = "default";
	struct k8s_options opts = { -1, 0, timeout_ms, max_retries, NULL };
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	struct k8s *k = NULL;

	snprintf(server, sizeof(server), "%s", fake_url(f));
	cfg.server = server;
	cfg.token = token;
	cfg.namespace = ns;
	if (k8s_new(&k, &cfg, &opts, &err) == -1)
		BUG("k8s_new: %s", err.msg);
	return k;
}

int
fixture_has(struct fake_server *f, size_t i, const char *s)
{
	char *r = fake_request(f, i);
	int found = r != NULL && strstr(r, s) != NULL;

	free(r);
	return found;
}

struct doc *
fixture_json(const char *text)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	if (doc_parse_json(&d, text, strlen(text), NULL, &err) == -1)
		BUG("fixture: %s", err.msg);
	return d;
}
