/*
 * kstatus rules and health_wait(): watches objects until they are all
 * Current, one fails (fail fast) or time runs out.
 */
#include "apply/health.h"

#include <stdlib.h>

#include "core/mem.h"

const char *
health_status_name(enum health_status s)
{
	switch (s) {
	case HEALTH_CURRENT:
		return "Current";
	case HEALTH_IN_PROGRESS:
		return "InProgress";
	case HEALTH_FAILED:
		return "Failed";
	case HEALTH_TERMINATING:
		return "Terminating";
	case HEALTH_NOT_FOUND:
		return "NotFound";
	case HEALTH_UNKNOWN:
		return "Unknown";
	}
	return "Unknown";
}

enum health_status
health_compute(const struct doc_node *obj, char *msg, size_t msg_len)
{
	(void)obj;
	if (msg != NULL && msg_len > 0)
		msg[0] = '\0';
	return HEALTH_UNKNOWN;
}

void
health_report_free(struct health_report *r)
{
	if (r == NULL)
		return;
	for (size_t i = 0; i < r->n; i++)
		free(r->objects[i].subject);
	free(r->objects);
	free(r);
}

int
health_wait(struct health_report **out, struct k8s *k,
    const struct k8s_ref *refs, size_t n, const struct health_opts *opts,
    struct err *err)
{
	(void)out;
	(void)k;
	(void)refs;
	(void)n;
	(void)opts;
	return err_set(err, ERR_UNSUPPORTED, "health: not implemented yet");
}
