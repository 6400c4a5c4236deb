/*
 * The source step: find the object spec.sourceRef names, read the
 * artifact its status advertises, download it over HTTP with a timeout
 * and a size limit, check its digest and unpack it safely. This is the
 * only place the daemon speaks HTTP besides the API server, so it talks
 * to libcurl directly (there is no common/net client yet).
 */
#include "kc.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "artifact/artifact.h"
#include "core/mem.h"

#define SOURCE_API_VERSION "source.toolkit.fluxcd.io/v1"

/* Reads the source object, from the informer cache when there is one. */
static int
source_get(struct doc_node **out, struct kc *kc, struct k8s *k, struct arena *a,
    const struct kc_ref *ref, struct err *err)
{
	struct informer *inf = kc->sources[kc_source_kind(ref->kind)];
	struct k8s_ref kr = { SOURCE_API_VERSION, ref->kind, ref->namespace,
		ref->name };
	struct doc *d = NULL;
	char *key;
	int rv;

	if (inf != NULL && informer_synced(inf)) {
		key = informer_key(inf, ref->namespace, ref->name);
		rv = informer_get(out, a, inf, key, err);
		free(key);
		return rv;
	}
	if (ref->api_version != NULL)
		kr.api_version = ref->api_version;
	if (k8s_get(&d, k, &kr, err) == -1)
		return -1;
	*out = doc_copy(a, doc_root(d, 0));
	doc_free(d);
	return 0;
}

int
kc_source_artifact(struct kc_artifact *out, struct kc *kc, struct k8s *k,
    struct arena *a, const char *ns, const struct kc_spec *spec,
    struct err *err)
{
	const struct kc_ref *ref = &spec->source;
	struct doc_node *src = NULL, *art;

	memset(out, 0, sizeof(*out));
	if (kc->opts.no_cross_namespace_refs &&
	    strcmp(ref->namespace, ns) != 0) {
		err_set(err, ERR_INVALID,
		    "cannot access %s/%s/%s, cross-namespace references have been disabled",
		    ref->kind, ref->namespace, ref->name);
		return kc_fail(err, KC_REASON_ACCESS_DENIED);
	}
	if (source_get(&src, kc, k, a, ref, err) == -1) {
		err_wrap(err, "Source '%s/%s/%s' not found", ref->kind,
		    ref->namespace, ref->name);
		return kc_fail(err, KC_REASON_ARTIFACT_FAILED);
	}
	art = doc_ptr_find(src, "/status/artifact");
	out->url = doc_str(doc_map_get(art, "url"));
	out->digest = doc_str(doc_map_get(art, "digest"));
	out->revision = doc_str(doc_map_get(art, "revision"));
	if (out->url == NULL || out->revision == NULL) {
		err_set(err, ERR_NOTFOUND,
		    "Source artifact not found, retrying in %llds",
		    (long long)(kc->opts.requeue_dependency_ms / 1000));
		return kc_fail(err, KC_REASON_ARTIFACT_FAILED);
	}
	return 0;
}

/* ---- download -------------------------------------------------------------
 */

struct sink {
	int fd;
	int64_t written;
	int64_t max;
	bool too_big;
	int write_errno;
};

static size_t
sink_write(char *p, size_t size, size_t n, void *arg)
{
	struct sink *s = arg;
	size_t len = size * n, off = 0;
	ssize_t w;

	if (s->written + (int64_t)len > s->max) {
		s->too_big = true;
		return 0; /* curl stops with CURLE_WRITE_ERROR */
	}
	while (off < len) {
		if ((w = write(s->fd, p + off, len - off)) < 0) {
			if (errno == EINTR)
				continue;
			s->write_errno = errno;
			return 0;
		}
		off += (size_t)w;
	}
	s->written += (int64_t)len;
	return len;
}

/* url with its host replaced by host (SOURCE_CONTROLLER_LOCALHOST), as
 * Flux does for running outside the cluster. Caller frees. */
static char *
url_rehost(const char *url, const char *host)
{
	const char *start = strstr(url, "://"), *end;

	if (host == NULL || host[0] == '\0' || start == NULL)
		return xstrdup(url);
	start += 3;
	end = strchr(start, '/');
	return xasprintf("%.*s%s%s", (int)(start - url), url, host,
	    end != NULL ? end : "");
}

static int
curl_fail(struct err *err, CURLcode rc, long status, const struct sink *s,
    const struct kc_opts *o)
{
	if (s->too_big)
		return err_set(err, ERR_LIMIT,
		    "artifact is larger than %lld bytes",
		    (long long)o->max_artifact_bytes);
	if (s->write_errno != 0)
		return err_errno(err, s->write_errno, "write artifact");
	if (status == 404)
		return err_set(err, ERR_NOTFOUND,
		    "artifact not found (HTTP 404)");
	if (status >= 400)
		return err_set(err, ERR_NETWORK, "HTTP status %ld", status);
	if (rc == CURLE_OPERATION_TIMEDOUT)
		return err_set(err, ERR_TIMEOUT, "%s", curl_easy_strerror(rc));
	return err_set(err, ERR_NETWORK, "%s", curl_easy_strerror(rc));
}

static int
download(int fd, const struct kc_opts *o, const char *url, struct err *err)
{
	struct sink s = { fd, 0, o->max_artifact_bytes, false, 0 };
	CURL *c = curl_easy_init();
	long status = 0;
	CURLcode rc;

	if (c == NULL)
		return err_set(err, ERR_INTERNAL, "curl_easy_init failed");
	(void)curl_easy_setopt(c, CURLOPT_URL, url);
	(void)curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
	(void)curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink_write);
	(void)curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	(void)curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, (long)o->http_timeout_ms);
	(void)curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	(void)curl_easy_setopt(c, CURLOPT_MAXFILESIZE_LARGE,
	    (curl_off_t)o->max_artifact_bytes);
	rc = curl_easy_perform(c);
	(void)curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_cleanup(c);
	if (rc != CURLE_OK || status >= 400)
		return curl_fail(err, rc, status, &s, o);
	return 0;
}

int
kc_source_fetch(struct kc *kc, const struct kc_artifact *art, const char *dir,
    struct err *err)
{
	char *url = url_rehost(art->url, kc->opts.source_localhost);
	int fd, rv = -1;

	fd = open(kc->opts.tmp_dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd == -1) {
		err_errno(err, errno, "temporary file in '%s'",
		    kc->opts.tmp_dir);
		goto out;
	}
	if (download(fd, &kc->opts, url, err) == -1 ||
	    artifact_extract(dir, fd, art->digest, NULL, err) == -1)
		goto out;
	rv = 0;
out:
	if (rv == -1) {
		err_wrap(err, "failed to download artifact from %s", art->url);
		kc_fail(err, KC_REASON_ARTIFACT_FAILED);
	}
	if (fd != -1)
		close(fd);
	free(url);
	return rv;
}
