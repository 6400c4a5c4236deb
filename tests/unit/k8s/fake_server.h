/*
 * A scripted HTTP/1.1 server on loopback for the client's unit tests:
 * replies are queued in order, requests are recorded as received. One
 * connection at a time, each closed after its reply.
 */
#ifndef FLINT_TEST_FAKE_SERVER_H
#define FLINT_TEST_FAKE_SERVER_H

#include <stddef.h>

struct fake_server;

/* Starts the server thread on 127.0.0.1 and an ephemeral port. */
struct fake_server *fake_start(void);

/* Stops the thread and frees everything. */
void fake_stop(struct fake_server *f);

/* "http://127.0.0.1:<port>" (borrowed). */
const char *fake_url(const struct fake_server *f);

/* Queues a reply: status, extra header lines ("Retry-After: 0\r\n" or
 * NULL), body (copied), sent delay_ms after the request arrived. */
void fake_reply(struct fake_server *f, int status, const char *headers,
    const char *body, int delay_ms);

/* Number of requests received so far. */
size_t fake_count(struct fake_server *f);

/* The i-th request, head and body as received (a copy to free()), or
 * NULL. */
char *fake_request(struct fake_server *f, size_t i);

#endif /* FLINT_TEST_FAKE_SERVER_H */
