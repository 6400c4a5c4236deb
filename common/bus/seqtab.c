/*
 * Per-sender sequence tracking: turns the envelope's (sender, epoch, seq)
 * into "in order", "after a gap of N" or "stale". The table is bounded so
 * that a peer inventing sender names cannot grow it: past cap senders,
 * the one heard from least recently is forgotten (if it speaks again, its
 * next message looks like a first contact).
 */
#include "bus/bus_int.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

void
seqtab_init(struct seqtab *t, size_t cap)
{
	memset(t, 0, sizeof(*t));
	t->cap = cap > 0 ? cap : 1;
}

void
seqtab_release(struct seqtab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->ent[i].sender);
	free(t->ent);
	memset(t, 0, sizeof(*t));
}

static struct seqent *
seqtab_find(struct seqtab *t, const char *sender)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->ent[i].sender, sender) == 0)
			return &t->ent[i];
	return NULL;
}

/* A fresh entry for sender, evicting the least recently heard when full. */
static struct seqent *
seqtab_add(struct seqtab *t, const char *sender)
{
	struct seqent *e;

	if (t->n == t->cap) {
		e = &t->ent[0];
		for (size_t i = 1; i < t->n; i++)
			if (t->ent[i].used < e->used)
				e = &t->ent[i];
		free(e->sender);
	} else {
		if (t->ent == NULL)
			t->ent = xreallocarray(NULL, t->cap, sizeof(*t->ent));
		e = &t->ent[t->n++];
	}
	e->sender = xstrdup(sender);
	e->epoch = 0;
	e->last = 0;
	return e;
}

enum seq_verdict
seqtab_check(struct seqtab *t, uint64_t *missed_out, const char *sender,
    uint64_t epoch, uint64_t seq)
{
	struct seqent *e = seqtab_find(t, sender);

	*missed_out = 0;
	if (e == NULL) {
		e = seqtab_add(t, sender);
		e->epoch = epoch;
	}
	e->used = ++t->tick;
	if (epoch < e->epoch)
		return SEQ_STALE; /* a late message from before a restart */
	if (epoch > e->epoch) {
		e->epoch = epoch; /* the sender restarted: count from 0 */
		e->last = 0;
	}
	if (seq <= e->last)
		return SEQ_STALE;
	*missed_out = seq - e->last - 1;
	e->last = seq;
	return SEQ_ACCEPT;
}
