/*
 * The bus: flint's messages between daemons, over nng sockets, each in one
 * protobuf envelope (proto/flint/v1/bus.proto) that names the sender and
 * carries a per-sender sequence number and a timestamp.
 *
 * Callers see plain C structs; the generated protobuf types stay inside
 * common/bus. The bus is the fast path, not the source of truth: a lost
 * message costs latency, so loss is detected (sequence gaps, counted and
 * logged) but never repaired, and bad input is logged and dropped.
 *
 * Roles and addresses (DESIGN.md): source-controller's PUB listens on
 * --bus-artifacts and its PULL on --bus-reconcile; notification-
 * controller's PULL listens on --bus-events; SUB and PUSH dial. A dialer
 * starts before its listener exists and reconnects after it restarts.
 *
 * Slow joiners: a PUB sends only to subscribers already connected, so a
 * publisher that must not lose the first messages (tests, benchmarks)
 * waits with bus_wait_peers() until the subscriber shows up. Daemons do
 * not wait: they resync from the Kubernetes API anyway.
 */
#ifndef FLINT_BUS_H
#define FLINT_BUS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/arena.h"
#include "core/err.h"
#include "core/log.h"

/* The three bus flags and their defaults, the same in every daemon. */
#define BUS_FLAG_ARTIFACTS "bus-artifacts"
#define BUS_ADDR_ARTIFACTS "tcp://127.0.0.1:9795"
#define BUS_FLAG_EVENTS    "bus-events"
#define BUS_ADDR_EVENTS    "tcp://127.0.0.1:9796"
#define BUS_FLAG_RECONCILE "bus-reconcile"
#define BUS_ADDR_RECONCILE "tcp://127.0.0.1:9797"

/* Largest encoded envelope, the default of struct bus_opts.max_msg. */
#define BUS_MSG_MAX                 ((size_t)64 * 1024)
/* Longest sender name, in bytes. */
#define BUS_SENDER_MAX              255
/* Messages nng queues per socket (NNG_OPT_SENDBUF / NNG_OPT_RECVBUF):
 * with nng's small default, a subscriber loses most of a burst. */
#define BUS_QUEUE_DEFAULT           8192
/* How long bus_send() on a PUSH waits for room before it gives up. */
#define BUS_SEND_TIMEOUT_MS_DEFAULT 1000

enum bus_type {
	BUS_ARTIFACT = 1, /* struct bus_artifact */
	BUS_RECONCILE,    /* struct bus_reconcile */
	BUS_EVENT,        /* struct bus_event */
};

/*
 * In every message struct, strings are NUL-terminated UTF-8; NULL reads
 * as "". Fields marked required must be non-empty.
 */

/* source-controller stored a new artifact for a source object. */
struct bus_artifact {
	const char *source_kind; /* required: "GitRepository" */
	const char *source_namespace;
	const char *source_name; /* required */
	const char *revision;    /* required: "main@sha1:..." */
	const char *digest;      /* "sha256:..." */
	const char *url;
	int64_t size; /* bytes */
	int64_t observed_generation;
};

/* Reconcile an object now (a Receiver's webhook fired). */
struct bus_reconcile {
	const char *kind; /* required */
	const char *namespace;
	const char *name;         /* required */
	const char *requested_at; /* reconcile.fluxcd.io/requestedAt value */
	const char *reason;
};

struct bus_object_ref {
	const char *kind; /* required in an event */
	const char *namespace;
	const char *name; /* required in an event */
	const char *uid;
	const char *api_version;
	const char *resource_version;
};

struct bus_kv {
	const char *key;
	const char *value;
};

/* Flux's event, as controllers post it to notification-controller. */
struct bus_event {
	struct bus_object_ref involved_object;
	const char *severity; /* "info", "error" */
	int64_t timestamp_ms; /* Unix time */
	const char *message;
	const char *reason;
	const struct bus_kv *metadata; /* nmetadata entries, in order */
	size_t nmetadata;
	const char *reporting_controller;
	const char *reporting_instance;
};

/* One message with its envelope. */
struct bus_msg {
	enum bus_type type; /* selects the union member */
	const char *sender; /* required, at most BUS_SENDER_MAX bytes */
	uint64_t epoch;     /* the sender's start; new epoch: seq restarts */
	uint64_t seq;       /* 1, 2, 3, ... per sender and epoch */
	int64_t time_ns;    /* when sent, Unix time */
	union {
		struct bus_artifact artifact;
		struct bus_reconcile reconcile;
		struct bus_event event;
	};
};

/*
 * Encodes msg as an envelope into a new buffer the caller frees.
 * ERR_INVALID: unknown type, seq 0, a required field empty, a string not
 * UTF-8; ERR_LIMIT: more than max bytes. Thread-safe.
 */
int bus_msg_encode(uint8_t **out, size_t *len_out, const struct bus_msg *msg,
    size_t max, struct err *err);

/*
 * Decodes and checks the envelope in the len bytes at data. Every string
 * and array in *out is allocated from a and lives as long as it. ERR_LIMIT
 * when len > max; ERR_UNSUPPORTED for a message type this version does not
 * know (a newer peer); ERR_INVALID for anything undecodable or
 * inconsistent (type and payload disagree, and as in bus_msg_encode()).
 * Thread-safe (the arena is the caller's).
 */
int bus_msg_decode(struct bus_msg *out, struct arena *a, const void *data,
    size_t len, size_t max, struct err *err);

/* True when a and b carry the same envelope and payload (NULL equals ""). */
bool bus_msg_equal(const struct bus_msg *a, const struct bus_msg *b);

/* "artifact", "reconcile", "event", or "unknown". */
const char *bus_type_name(enum bus_type type);

/* An endpoint: one nng socket and its receive loop. */
struct bus;

enum bus_role {
	BUS_PUB,  /* listens; sends to every subscriber, drops when one lags */
	BUS_SUB,  /* dials a PUB; receives everything it publishes */
	BUS_PUSH, /* dials a PULL; sends, waiting when the receiver lags */
	BUS_PULL, /* listens; receives from every PUSH */
};

/*
 * Called once per valid, in-order message, on an nng thread, one call at
 * a time per endpoint. msg and all it points to are borrowed for the
 * call: copy what you keep. Must not block: enqueue and return.
 */
typedef void bus_recv_fn(void *arg, const struct bus_msg *msg);

struct bus_opts {
	const char *sender; /* PUB, PUSH: required, the envelope's sender */
	bus_recv_fn *recv;  /* SUB, PULL: required */
	void *recv_arg;
	const struct log_ctx *log; /* copied; its strings are borrowed */
	size_t max_msg;            /* 0: BUS_MSG_MAX (NNG_OPT_RECVMAXSZ) */
	int queue_len;             /* 0: BUS_QUEUE_DEFAULT */
	int send_timeout_ms;       /* PUSH; 0: BUS_SEND_TIMEOUT_MS_DEFAULT */
};

/*
 * Opens an endpoint at url ("tcp://host:port", "ipc:///path"): PUB and
 * PULL listen, SUB and PUSH dial (in the background, retrying). A receive
 * role starts receiving at once. The caller owns *out (bus_close()).
 * ERR_INVALID: bad url or options; ERR_NETWORK: cannot listen (address in
 * use). Thread-safe.
 */
int bus_open(struct bus **out, enum bus_role role, const char *url,
    const struct bus_opts *opts, struct err *err);

/* Stops receiving (waits for a running callback), closes, frees. Messages
 * still queued to send are discarded: nng has no linger, so a sender that
 * must deliver its last messages keeps running until its peer has them.
 * Accepts NULL. No other call on b may run or follow. */
void bus_close(struct bus *b);

/* Waits for nng's threads to finish tearing down closed endpoints and
 * frees nng's global state, so a leak checker at exit finds nothing in
 * flight. Call once at the end of main(), after closing every endpoint;
 * no bus call may follow. */
void bus_shutdown(void);

/*
 * Sends msg (type and payload; sender, epoch, seq and time are filled in)
 * on a PUB or PUSH. The sequence number is taken even when sending fails,
 * so receivers see the loss as a gap. ERR_INVALID: receive role or bad
 * message; ERR_LIMIT: too large; ERR_TIMEOUT: a PUSH found no room in
 * time; ERR_NETWORK: other transport errors. Thread-safe; concurrent
 * sends are numbered in the order they go out.
 */
int bus_send(struct bus *b, const struct bus_msg *msg, struct err *err);

/* Number of connected peers. Thread-safe. */
int bus_peers(struct bus *b);

/* Waits until at least n peers are connected (see slow joiners above).
 * ERR_TIMEOUT after timeout_ms. Thread-safe. */
int bus_wait_peers(struct bus *b, int n, int timeout_ms, struct err *err);

/*
 * Counters of one endpoint since it opened. The first message seen from a
 * sender (or from a new epoch of it) with seq N > 1 counts as a gap of N - 1:
 * what it sent before this endpoint listened is lost to it as well.
 */
struct bus_stats {
	uint64_t sent;        /* send roles: handed to nng */
	uint64_t send_failed; /* send roles: numbered but not sent */
	uint64_t received;    /* receive roles: passed to the callback */
	uint64_t dropped;     /* undecodable, invalid or unknown type */
	uint64_t stale;       /* duplicate, reordered or older epoch */
	uint64_t gaps;        /* holes in a sender's sequence */
	uint64_t missed;      /* messages those holes add up to */
};

/* Reads the counters. Thread-safe. */
void bus_stats_read(struct bus_stats *out, struct bus *b);

#endif /* FLINT_BUS_H */
