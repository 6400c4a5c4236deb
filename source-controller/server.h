/*
 * The artifact server: serves the files under the storage root over
 * plain HTTP/1.1, as Flux's http.FileServer does for its consumers, plus
 * /healthz and /readyz.
 *
 * Read-only, GET and HEAD only, no directory listing, no path escape: a
 * path with a ".." segment is refused and a symlink is followed only
 * when it resolves inside the root (latest.tar.gz does). Robust against
 * slow and hostile clients: one thread multiplexes every connection with
 * poll(), request heads are capped in size and time, idle transfers are
 * dropped, and connections beyond a cap are refused at once. Each
 * response closes its connection.
 */
#ifndef FLINT_SOURCE_SERVER_H
#define FLINT_SOURCE_SERVER_H

#include <stdbool.h>

#include "core/err.h"
#include "core/log.h"

#define SERVER_MAX_CONNS       256
#define SERVER_HEAD_MAX        8192
#define SERVER_HEAD_TIMEOUT_MS 10000 /* to receive the request head */
#define SERVER_IDLE_TIMEOUT_MS 30000 /* without progress while sending */
#define SERVER_DRAIN_MS        2000  /* reading the rest after an error */

struct source_server;

/* A request line the server accepts. */
struct server_request {
	bool head;        /* HEAD, else GET */
	const char *path; /* decoded, '/'-rooted, no ".." segment */
};

/*
 * Parses a request line ("GET /a/b%2e.txt?x HTTP/1.1", NUL-terminated,
 * edited in place): 0 with *out filled, or the HTTP status to answer:
 * 400 (malformed line, bad escape or NUL, path not rooted or with a
 * ".." segment) or 405 (a method other than GET and HEAD).
 */
int server_request_parse(struct server_request *out, char *line);

/*
 * Listens on addr (":9090", "127.0.0.1:9090", port 0 for any) and serves
 * root on a thread of its own. log is copied. Errors: ERR_INVALID (bad
 * address), ERR_NETWORK (cannot listen), ERR_IO.
 */
int source_server_start(struct source_server **out, const char *root,
    const char *addr, const struct log_ctx *log, struct err *err);

/* The port it listens on (useful with port 0). */
int source_server_port(const struct source_server *s);

/* Stops the thread, closes every connection, frees. Accepts NULL. */
void source_server_stop(struct source_server *s);

#endif /* FLINT_SOURCE_SERVER_H */
