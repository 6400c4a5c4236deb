/*
 * API failures as struct err: the Status object the API server sends
 * with every failure keeps its reason (as err.reason, for conditions),
 * its message and the field paths of its causes.
 */
#include "k8s/k8s_int.h"

#include <string.h>

#include "core/str.h"

struct reason {
	const char *name; /* metav1.StatusReason, static */
	long http;        /* the status code the API uses for it */
	enum err_code code;
};

static const struct reason reasons[] = {
	{ "BadRequest", 400, ERR_INVALID },
	{ "Unauthorized", 401, ERR_AUTH },
	{ "Forbidden", 403, ERR_AUTH },
	{ "NotFound", 404, ERR_NOTFOUND },
	{ "MethodNotAllowed", 405, ERR_UNSUPPORTED },
	{ "NotAcceptable", 406, ERR_UNSUPPORTED },
	{ "Conflict", 409, ERR_CONFLICT },
	{ "AlreadyExists", 409, ERR_CONFLICT },
	{ "Gone", 410, ERR_CONFLICT },
	{ "Expired", 410, ERR_CONFLICT },
	{ "RequestEntityTooLarge", 413, ERR_LIMIT },
	{ "UnsupportedMediaType", 415, ERR_UNSUPPORTED },
	{ "Invalid", 422, ERR_INVALID },
	{ "TooManyRequests", 429, ERR_NETWORK },
	{ "InternalError", 500, ERR_NETWORK },
	{ "ServiceUnavailable", 503, ERR_NETWORK },
	{ "Timeout", 504, ERR_TIMEOUT },
	{ "ServerTimeout", 504, ERR_TIMEOUT },
};

#define NREASONS (sizeof(reasons) / sizeof(reasons[0]))

/* The table row for a reason the server named, else for its HTTP code. */
static const struct reason *
reason_find(const char *name, long http)
{
	size_t i;

	for (i = 0; name != NULL && i < NREASONS; i++)
		if (strcmp(reasons[i].name, name) == 0)
			return &reasons[i];
	for (i = 0; i < NREASONS; i++)
		if (reasons[i].http == http)
			return &reasons[i];
	return NULL;
}

static enum err_code
code_for_http(long http)
{
	if (http == 408)
		return ERR_TIMEOUT;
	if (http >= 500)
		return ERR_NETWORK;
	return ERR_INVALID;
}

/* Appends "; <field>: <message>" for causes the message does not name. */
static void
append_causes(struct err *err, const struct doc_node *status)
{
	const struct doc_node *details = doc_map_get(status, "details");
	const struct doc_node *causes, *c;
	const char *field, *msg;
	size_t i, n;

	if (details == NULL || details->kind != DOC_MAP)
		return;
	causes = doc_map_get(details, "causes");
	if (causes == NULL || causes->kind != DOC_SEQ)
		return;
	for (i = 0; i < causes->u.seq.n; i++) {
		c = causes->u.seq.items[i];
		field = k8s_str_at(c, "field");
		msg = k8s_str_at(c, "message");
		if (field == NULL || strstr(err->msg, field) != NULL)
			continue;
		n = strlen(err->msg);
		(void)snprintf(err->msg + n, sizeof(err->msg) - n, "; %s: %s",
		    field, msg != NULL ? msg : "invalid");
	}
}

int
k8s_status_node_err(struct err *err, const struct doc_node *status)
{
	const struct doc_node *code_node = doc_map_get(status, "code");
	const char *reason = k8s_str_at(status, "reason");
	const char *msg = k8s_str_at(status, "message");
	const struct reason *r;
	int64_t http = 0;
	struct err ignore = ERR_INIT;

	if (code_node != NULL && doc_get_int(&http, code_node, &ignore) == -1)
		http = 0;
	r = reason_find(reason, (long)http);
	err_set(err, r != NULL ? r->code : code_for_http((long)http), "%s",
	    msg != NULL && msg[0] != '\0' ? msg : "unknown API error");
	err->reason = NULL;
	if (r != NULL)
		err_reason(err, r->name);
	append_causes(err, status);
	return -1;
}

/* A short, printable excerpt of a body that is not a Status. */
static void
excerpt(char *dst, size_t dstsize, const char *body, size_t len)
{
	size_t i, n = 0;
	char c;

	for (i = 0; i < len && n + 1 < dstsize && n < 200; i++) {
		c = body[i];
		if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
			c = ' ';
		dst[n++] = c;
	}
	dst[n] = '\0';
}

int
k8s_status_err(struct err *err, long http_status, const char *body, size_t len)
{
	const struct reason *r = reason_find(NULL, http_status);
	struct err perr = ERR_INIT;
	struct doc *d = NULL;
	const struct doc_node *root;
	char text[256];

	if (len > 0 && body[0] == '{' &&
	    doc_parse_json(&d, body, len, NULL, &perr) == 0 &&
	    (root = doc_root(d, 0)) != NULL && root->kind == DOC_MAP &&
	    k8s_str_at(root, "kind") != NULL &&
	    strcmp(k8s_str_at(root, "kind"), "Status") == 0) {
		k8s_status_node_err(err, root);
		doc_free(d);
		return -1;
	}
	doc_free(d);
	excerpt(text, sizeof(text), body, len);
	err_set(err, r != NULL ? r->code : code_for_http(http_status),
	    "the server responded with HTTP %ld%s%s", http_status,
	    text[0] != '\0' ? ": " : "", text);
	err->reason = NULL;
	if (r != NULL)
		err_reason(err, r->name);
	return -1;
}
