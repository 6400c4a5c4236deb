/*
 * Change sets: the per-object outcome of an apply or a prune, and the
 * lines Flux prints for them in events and logs.
 */
#include "apply/apply.h"

#include <stdlib.h>

#include "core/mem.h"

const char *
apply_action_name(enum apply_action a)
{
	switch (a) {
	case APPLY_CREATED:
		return "created";
	case APPLY_CONFIGURED:
		return "configured";
	case APPLY_UNCHANGED:
		return "unchanged";
	case APPLY_DELETED:
		return "deleted";
	case APPLY_SKIPPED:
		return "skipped";
	case APPLY_FAILED:
		return "failed";
	}
	return "unknown";
}

static void
entry_release(struct apply_entry *e)
{
	free(e->api_version);
	free(e->group);
	free(e->version);
	free(e->kind);
	free(e->namespace);
	free(e->name);
	free(e->subject);
	free(e->error);
}

void
apply_result_free(struct apply_result *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		entry_release(&r->entries[i]);
	free(r->entries);
	free(r);
}

int
apply_result_format(struct buf *out, const struct apply_result *r,
    struct err *err)
{
	for (size_t i = 0; i < r->n; i++) {
		const struct apply_entry *e = &r->entries[i];

		if (e->action == APPLY_UNCHANGED)
			continue;
		buf_printf(out, "%s %s\n", e->subject,
		    apply_action_name(e->action));
	}
	return buf_check(out, err);
}
