/*
 * common/bus internals shared by its files and its unit tests: the
 * envelope packer the endpoint uses to write straight into an nng message,
 * and the per-sender sequence table that turns sequence numbers into gaps.
 */
#ifndef FLINT_BUS_INT_H
#define FLINT_BUS_INT_H

#include <stddef.h>
#include <stdint.h>

#include "bus/bus.h"
#include "core/err.h"

/* Returns size writable bytes for the packed envelope, or NULL. */
typedef void *bus_alloc_fn(void *arg, size_t size);

/* Checks msg and packs it into memory from alloc; ERR_INVALID, ERR_LIMIT
 * as bus_msg_encode(). */
int envelope_pack(const struct bus_msg *msg, size_t max, bus_alloc_fn *alloc,
    void *arg, struct err *err);

/* The checks bus_msg_encode() and bus_msg_decode() apply to a message. */
int envelope_check(const struct bus_msg *msg, struct err *err);

struct seqent {
	char *sender;
	uint64_t epoch;
	uint64_t last; /* highest seq seen; 0 before the first */
	uint64_t used; /* table tick of the last message, for eviction */
};

/* Last sequence number seen per sender, for at most cap senders: when
 * full, the least recently heard sender is forgotten. Not thread-safe
 * (the endpoint's receive loop runs one callback at a time). */
struct seqtab {
	struct seqent *ent;
	size_t n, cap;
	uint64_t tick;
};

enum seq_verdict {
	SEQ_ACCEPT, /* in order, possibly after a gap */
	SEQ_STALE,  /* at or below what was seen, or an older epoch: drop */
};

#define SEQTAB_CAP_DEFAULT 64

void seqtab_init(struct seqtab *t, size_t cap);
void seqtab_release(struct seqtab *t);

/* Records seq from sender's epoch; *missed_out is how many messages went
 * missing right before it (0 when none). */
enum seq_verdict seqtab_check(struct seqtab *t, uint64_t *missed_out,
    const char *sender, uint64_t epoch, uint64_t seq);

#endif /* FLINT_BUS_INT_H */
