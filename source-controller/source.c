/*
 * The parts of source-controller every source kind shares: publishing
 * ArtifactEvents, the common controller options and per-object cache
 * directories.
 */
#include <errno.h>
#include <string.h>
#include <sys/stat.h>

#include "core/arena.h"
#include "ctrl/status.h"
#include "source.h"

int
source_publish_artifact(struct source_ctx *ctx, const struct bus_artifact *ev,
    struct err *err)
{
	struct bus_msg msg = { .type = BUS_ARTIFACT, .artifact = *ev };

	source_deps_notify(ctx, ev->source_kind, ev->source_namespace,
	    ev->source_name);
	if (ctx->artifacts == NULL)
		return 0;
	return bus_send(ctx->artifacts, &msg, err);
}

struct ctrl_opts
source_ctrl_opts(struct source_ctx *ctx, const char *controller,
    const char *kind)
{
	struct ctrl_opts o = {
		.controller = controller,
		.api_version = SOURCE_API_VERSION,
		.kind = kind,
		.namespace = ctx->flags.namespace,
		.label_selector = ctx->flags.label_selector,
		.reporting_controller = SOURCE_CONTROLLER,
		.reporting_instance = ctx->hostname,
		.concurrent = ctx->flags.concurrent,
		.finalizer = true,
		.arg = ctx,
	};

	return o;
}

int
source_mkdirs(char *path, struct err *err)
{
	for (char *p = path + 1; *p != '\0'; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(path, 0750) == -1 && errno != EEXIST) {
			err_errno(err, errno, "mkdir %s", path);
			*p = '/';
			return -1;
		}
		*p = '/';
	}
	if (mkdir(path, 0750) == -1 && errno != EEXIST)
		return err_errno(err, errno, "mkdir %s", path);
	return 0;
}

char *
source_cache_dir(struct source_ctx *ctx, struct arena *a,
    const char *kind_lower, const char *ns, const char *name, struct err *err)
{
	/* Names are DNS labels from the API server; refuse anything else
	 * rather than trust it with a path. */
	const char *parts[] = { kind_lower, ns, name };
	char *path;

	for (size_t i = 0; i < 3; i++) {
		if (parts[i] == NULL || parts[i][0] == '\0' ||
		    parts[i][0] == '.' || strchr(parts[i], '/') != NULL) {
			err_set(err, ERR_INVALID, "bad cache key part '%s'",
			    parts[i] != NULL ? parts[i] : "");
			return NULL;
		}
	}
	path = arena_printf(a, "%s/%s/%s/%s", ctx->flags.cache_dir, kind_lower,
	    ns, name);
	if (source_mkdirs(path, err) == -1)
		return NULL;
	return path;
}
