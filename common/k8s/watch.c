/*
 * List-then-watch of one kind, as a pull iterator. A list (paged) gives
 * the current state and a resourceVersion; a watch from there streams
 * line-delimited JSON events over one long request driven by a curl
 * multi handle, so the owner can block in k8s_watch_next() and another
 * thread can still wake it up. Streams that end are resumed from the
 * last version seen; a version the server no longer has (410 Gone)
 * means listing again, which the caller is told about.
 */
#include "k8s/k8s.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "k8s/k8s_int.h"

#define LINE_MAX_BYTES ((size_t)64 << 20)
#define POLL_MS        1000

enum watch_state {
	W_LIST,    /* fetch the first page and announce RELIST */
	W_ITEMS,   /* hand out the page's items, then the next page */
	W_CONNECT, /* start a watch request from w->rv */
	W_STREAM,  /* read events */
	W_BACKOFF, /* wait, then connect again */
};

struct k8s_watch {
	struct k8s *k;
	struct k8s_list_opts list; /* strings point into owned[] */
	char *owned[5];
	unsigned timeout_s;
	char *rv; /* the latest resourceVersion seen */
	enum watch_state state;
	enum watch_state resume; /* where a backoff leads */
	atomic_bool cancelled;
	unsigned failures; /* in a row, for the backoff */
	int64_t wake_ms;   /* end of a backoff */
	/* listing */
	struct doc *page;
	size_t item;
	char *cont;
	/* streaming */
	CURLM *multi;
	CURL *easy;
	struct curl_slist *headers;
	struct buf in; /* bytes received, events split at newlines */
	size_t off;    /* where the next line starts */
	bool done;     /* the transfer ended */
	CURLcode rc;
	char errbuf[CURL_ERROR_SIZE];
	struct doc *event; /* the last event's, freed on the next call */
};

static char *
dup_or_null(const char *s)
{
	return s != NULL ? xstrdup(s) : NULL;
}

static void
rv_set(struct k8s_watch *w, const char *rv)
{
	if (rv == NULL || rv[0] == '\0')
		return;
	free(w->rv);
	w->rv = xstrdup(rv);
}

int
k8s_watch_open(struct k8s_watch **out, struct k8s *k,
    const struct k8s_watch_opts *opts, struct err *err)
{
	struct k8s_watch *w;

	if (opts->list.api_version == NULL || opts->list.kind == NULL)
		return err_set(err, ERR_INVALID, "a watch needs a kind");
	w = xcalloc(1, sizeof(*w));
	w->k = k;
	w->list = opts->list;
	w->list.api_version = w->owned[0] = xstrdup(opts->list.api_version);
	w->list.kind = w->owned[1] = xstrdup(opts->list.kind);
	w->list.namespace = w->owned[2] = dup_or_null(opts->list.namespace);
	w->list.label_selector = w->owned[3] = dup_or_null(
	    opts->list.label_selector);
	w->list.field_selector = w->owned[4] = dup_or_null(
	    opts->list.field_selector);
	w->timeout_s = opts->timeout_s > 0 ? opts->timeout_s
	                                   : K8S_DEFAULT_WATCH_S;
	rv_set(w, opts->resource_version);
	w->state = w->rv != NULL ? W_CONNECT : W_LIST;
	atomic_init(&w->cancelled, false);
	if ((w->multi = curl_multi_init()) == NULL)
		BUG("curl_multi_init failed");
	buf_init(&w->in, LINE_MAX_BYTES);
	*out = w;
	return 0;
}

static void
stream_stop(struct k8s_watch *w)
{
	if (w->easy != NULL) {
		curl_multi_remove_handle(w->multi, w->easy);
		curl_easy_setopt(w->easy, CURLOPT_HTTPHEADER, NULL);
		curl_easy_setopt(w->easy, CURLOPT_ERRORBUFFER, NULL);
		k8s_handle_give(w->k->core, w->easy);
		w->easy = NULL;
	}
	k8s_headers_free(w->headers);
	w->headers = NULL;
	buf_reset(&w->in);
	w->off = 0;
	w->done = false;
	w->rc = CURLE_OK;
}

void
k8s_watch_close(struct k8s_watch *w)
{
	if (w == NULL)
		return;
	stream_stop(w);
	curl_multi_cleanup(w->multi);
	buf_release(&w->in);
	doc_free(w->event);
	doc_free(w->page);
	free(w->cont);
	free(w->rv);
	for (size_t i = 0; i < sizeof(w->owned) / sizeof(w->owned[0]); i++)
		free(w->owned[i]);
	free(w);
}

void
k8s_watch_cancel(struct k8s_watch *w)
{
	atomic_store(&w->cancelled, true);
	curl_multi_wakeup(w->multi);
}

/* Ends the stream and waits before connecting (or listing) again. */
static int
backoff_to(struct k8s_watch *w, enum watch_state resume)
{
	stream_stop(w);
	w->resume = resume;
	w->wake_ms = k8s_now_ms() +
	    k8s_backoff_ms(w->failures++, K8S_BACKOFF_BASE_MS,
	        K8S_BACKOFF_MAX_MS);
	w->state = W_BACKOFF;
	return 0;
}

static int
backoff(struct k8s_watch *w)
{
	return backoff_to(w, W_CONNECT);
}

/* Whether a failure needs the caller rather than another try. */
static bool
fatal(const struct err *err)
{
	return err->code == ERR_NOTFOUND || err->code == ERR_INVALID ||
	    err->code == ERR_AUTH || err->code == ERR_UNSUPPORTED;
}

/* A list request failed: an expired continue token starts the list
 * over; what retrying can fix is retried. */
static int
list_failed(struct k8s_watch *w, struct err *err)
{
	if (fatal(err))
		return -1;
	err_reset(err);
	return backoff_to(w, W_LIST);
}

/* Appends the label and field selectors as query parameters. */
static void
selectors_append(struct buf *b, const struct k8s_list_opts *o)
{
	if (o->label_selector != NULL) {
		buf_puts(b, "&labelSelector=");
		k8s_escape(b, o->label_selector, false);
	}
	if (o->field_selector != NULL) {
		buf_puts(b, "&fieldSelector=");
		k8s_escape(b, o->field_selector, false);
	}
}

/* ---- listing ---------------------------------------------------------- */

/* One page, for the RELIST/ADDED/SYNCED part of the sequence. */
static int
page_fetch(struct k8s_watch *w, struct err *err)
{
	struct k8s_req req = { "GET", NULL, NULL, NULL, 0, NULL };
	struct k8s_mapping m;
	struct buf path;
	char limit[16];
	int rv = -1;

	doc_free(w->page);
	w->page = NULL;
	w->item = 0;
	buf_init(&path, 1 << 16);
	if (k8s_mapping_get(&m, w->k, w->list.api_version, w->list.kind, err) ==
	    -1)
		goto out;
	k8s_path_collection(&path, &m, w->list.namespace);
	(void)snprintf(limit, sizeof(limit), "%u",
	    w->list.page_size > 0 ? w->list.page_size : K8S_DEFAULT_PAGE);
	buf_printf(&path, "?limit=%s", limit);
	if (w->cont != NULL) {
		buf_puts(&path, "&continue=");
		k8s_escape(&path, w->cont, false);
	}
	selectors_append(&path, &w->list);
	if (buf_check(&path, err) == -1)
		goto out;
	req.path = path.data;
	if (k8s_http_json(&w->page, w->k, &req, err) == -1 ||
	    k8s_list_fill_kinds(w->page, err) == -1)
		goto out;
	rv = 0;
out:
	buf_release(&path);
	return rv;
}

/* The page's continue token and, for a first page, its version. */
static void
page_meta(struct k8s_watch *w, bool first)
{
	const struct doc_node *meta = doc_map_get(doc_root(w->page, 0),
	    "metadata");
	const char *cont = k8s_str_at(meta, "continue");

	if (first)
		rv_set(w, k8s_str_at(meta, "resourceVersion"));
	free(w->cont);
	w->cont = cont != NULL && cont[0] != '\0' ? xstrdup(cont) : NULL;
}

static int
step_list(struct k8s_watch_event *ev, struct k8s_watch *w, struct err *err)
{
	free(w->cont);
	w->cont = NULL;
	if (page_fetch(w, err) == -1)
		return list_failed(w, err);
	page_meta(w, true);
	w->state = W_ITEMS;
	ev->type = K8S_WATCH_RELIST;
	return 1;
}

static int
step_items(struct k8s_watch_event *ev, struct k8s_watch *w, struct err *err)
{
	const struct doc_node *items = doc_map_get(doc_root(w->page, 0),
	    "items");

	if (w->item < items->u.seq.n) {
		ev->type = K8S_WATCH_ADDED;
		ev->object = items->u.seq.items[w->item++];
		return 1;
	}
	if (w->cont != NULL) {
		if (page_fetch(w, err) == -1)
			return list_failed(w, err);
		page_meta(w, false);
		return 0;
	}
	doc_free(w->page);
	w->page = NULL;
	w->state = W_CONNECT;
	ev->type = K8S_WATCH_SYNCED;
	return 1;
}

/* ---- streaming ---------------------------------------------------------- */

static size_t
on_stream(char *p, size_t size, size_t n, void *arg)
{
	struct k8s_watch *w = arg;

	/* Drop consumed lines before the buffer grows. */
	if (w->off > 0 && w->off == w->in.len) {
		buf_reset(&w->in);
		w->off = 0;
	} else if (w->off > (1u << 20) && w->off * 2 > w->in.len) {
		memmove(w->in.data, w->in.data + w->off, w->in.len - w->off);
		w->in.len -= w->off;
		w->off = 0;
	}
	if (buf_append(&w->in, p, size * n) == -1)
		return 0;
	return size * n;
}

static int
stream_start(struct k8s_watch *w, struct err *err)
{
	struct k8s_req req = { "GET", NULL, NULL, NULL, 0, NULL };
	struct k8s_mapping m;
	struct buf path;
	unsigned timeout_s;
	int rv = -1;

	buf_init(&path, 1 << 16);
	if (k8s_mapping_get(&m, w->k, w->list.api_version, w->list.kind, err) ==
	    -1)
		goto out;
	/* Between one and two timeouts, so many watches spread out. */
	timeout_s = (unsigned)k8s_backoff_ms(0, 2 * (int64_t)w->timeout_s,
	    2 * (int64_t)w->timeout_s);
	k8s_path_collection(&path, &m, w->list.namespace);
	buf_printf(&path, "?watch=1&allowWatchBookmarks=true&timeoutSeconds=%u",
	    timeout_s);
	buf_puts(&path, "&resourceVersion=");
	k8s_escape(&path, w->rv != NULL ? w->rv : "", false);
	selectors_append(&path, &w->list);
	if (buf_check(&path, err) == -1)
		goto out;
	req.path = path.data;
	k8s_sleep_ms(k8s_ratelimit_reserve(&w->k->core->rl, k8s_now_ms()));
	w->easy = k8s_handle_take(w->k->core);
	if (k8s_http_prepare(w->easy, &w->headers, w->k, &req, err) == -1)
		goto out;
	w->errbuf[0] = '\0';
	curl_easy_setopt(w->easy, CURLOPT_ERRORBUFFER, w->errbuf);
	/* The server ends the call; this only guards against a dead peer. */
	curl_easy_setopt(w->easy, CURLOPT_TIMEOUT_MS,
	    (long)(timeout_s + 60) * 1000);
	curl_easy_setopt(w->easy, CURLOPT_WRITEFUNCTION, on_stream);
	curl_easy_setopt(w->easy, CURLOPT_WRITEDATA, w);
	curl_multi_add_handle(w->multi, w->easy);
	rv = 0;
out:
	buf_release(&path);
	if (rv == -1)
		stream_stop(w);
	return rv;
}

/* Drives the transfer for up to wait_ms; notes when it has ended. */
static void
stream_pump(struct k8s_watch *w, int wait_ms)
{
	CURLMsg *msg;
	int running, left;

	curl_multi_perform(w->multi, &running);
	while ((msg = curl_multi_info_read(w->multi, &left)) != NULL) {
		if (msg->msg == CURLMSG_DONE && msg->easy_handle == w->easy) {
			w->done = true;
			w->rc = msg->data.result;
		}
	}
	if (!w->done && wait_ms > 0) {
		curl_multi_poll(w->multi, NULL, 0, wait_ms, NULL);
		curl_multi_perform(w->multi, &running);
		while ((msg = curl_multi_info_read(w->multi, &left)) != NULL)
			if (msg->msg == CURLMSG_DONE &&
			    msg->easy_handle == w->easy) {
				w->done = true;
				w->rc = msg->data.result;
			}
	}
}

static long
stream_status(const struct k8s_watch *w)
{
	long status = 0;

	if (w->easy != NULL)
		curl_easy_getinfo(w->easy, CURLINFO_RESPONSE_CODE, &status);
	return status;
}

/* The next complete line, or NULL. */
static char *
line_take(struct k8s_watch *w, size_t *len_out)
{
	char *start, *nl;

	if (w->off >= w->in.len)
		return NULL;
	start = w->in.data + w->off;
	nl = memchr(start, '\n', w->in.len - w->off);
	if (nl == NULL)
		return NULL;
	*nl = '\0';
	*len_out = (size_t)(nl - start);
	w->off += *len_out + 1;
	return start;
}

static enum k8s_watch_type
type_parse(const char *t, bool *ok)
{
	*ok = true;
	if (strcmp(t, "ADDED") == 0)
		return K8S_WATCH_ADDED;
	if (strcmp(t, "MODIFIED") == 0)
		return K8S_WATCH_MODIFIED;
	if (strcmp(t, "DELETED") == 0)
		return K8S_WATCH_DELETED;
	if (strcmp(t, "BOOKMARK") == 0)
		return K8S_WATCH_BOOKMARK;
	*ok = false;
	return K8S_WATCH_STOPPED;
}

/* An ERROR event: 410 means relist, the rest a broken stream. */
static int
event_error(struct k8s_watch *w, const struct doc_node *status, struct err *err)
{
	k8s_status_node_err(err, status);
	stream_stop(w);
	if (err->reason != NULL &&
	    (strcmp(err->reason, "Expired") == 0 ||
	        strcmp(err->reason, "Gone") == 0)) {
		err_reset(err);
		w->state = W_LIST;
		return 0;
	}
	err_reset(err);
	return backoff(w);
}

/* Turns one line into an event: 1 delivered, 0 nothing to deliver. */
static int
event_parse(struct k8s_watch_event *ev, struct k8s_watch *w, const char *line,
    size_t len, struct err *err)
{
	struct doc_limits lim = { LINE_MAX_BYTES, 0, 0 };
	const struct doc_node *root, *obj;
	const char *type;
	bool ok;

	doc_free(w->event);
	w->event = NULL;
	if (doc_parse_json(&w->event, line, len, &lim, err) == -1) {
		err_reset(err);
		return backoff(w); /* a torn stream: resume it */
	}
	root = doc_root(w->event, 0);
	type = k8s_str_at(root, "type");
	obj = doc_map_get(root, "object");
	if (type == NULL || obj == NULL || obj->kind != DOC_MAP)
		return backoff(w);
	if (strcmp(type, "ERROR") == 0)
		return event_error(w, obj, err);
	ev->type = type_parse(type, &ok);
	if (!ok)
		return 0; /* a newer server's event type: skip it */
	rv_set(w, k8s_str_at(doc_map_get(obj, "metadata"), "resourceVersion"));
	ev->object = ev->type == K8S_WATCH_BOOKMARK ? NULL : obj;
	w->failures = 0;
	return 1;
}

/* The transfer ended: resume, relist or give up, by its outcome. */
static int
stream_end(struct k8s_watch *w, struct err *err)
{
	long status = stream_status(w);

	if (w->rc != CURLE_OK) {
		stream_stop(w);
		return backoff(w);
	}
	if (status == 200) { /* the server's timeout: carry on */
		stream_stop(w);
		w->state = W_CONNECT;
		return 0;
	}
	k8s_status_err(err, status, w->in.data, w->in.len);
	stream_stop(w);
	if (status == 410) {
		err_reset(err);
		w->state = W_LIST;
		return 0;
	}
	if (status == 401 && k8s_creds_invalidate(&w->k->core->creds)) {
		err_reset(err);
		w->state = W_CONNECT;
		return 0;
	}
	if (status == 429 || status >= 500) {
		err_reset(err);
		return backoff(w);
	}
	return -1;
}

static int
step_stream(struct k8s_watch_event *ev, struct k8s_watch *w, struct err *err)
{
	size_t len;
	char *line;

	if (stream_status(w) == 200 && (line = line_take(w, &len)) != NULL)
		return len == 0 ? 0 : event_parse(ev, w, line, len, err);
	if (w->done)
		return stream_end(w, err);
	stream_pump(w, POLL_MS);
	return 0;
}

static int
step_backoff(struct k8s_watch *w)
{
	int64_t left = w->wake_ms - k8s_now_ms();

	if (left <= 0) {
		w->state = w->resume;
		return 0;
	}
	/* Sleeps in the multi handle, so k8s_watch_cancel() wakes it. */
	curl_multi_poll(w->multi, NULL, 0, left > POLL_MS ? POLL_MS : (int)left,
	    NULL);
	return 0;
}

static int
step_connect(struct k8s_watch *w, struct err *err)
{
	if (stream_start(w, err) == -1) {
		if (fatal(err))
			return -1;
		err_reset(err);
		return backoff(w);
	}
	w->state = W_STREAM;
	return 0;
}

/* One step of the machine: 1 with an event, 0 to go on, -1 failed. */
static int
step(struct k8s_watch_event *ev, struct k8s_watch *w, struct err *err)
{
	switch (w->state) {
	case W_LIST:
		return step_list(ev, w, err);
	case W_ITEMS:
		return step_items(ev, w, err);
	case W_CONNECT:
		return step_connect(w, err);
	case W_STREAM:
		return step_stream(ev, w, err);
	case W_BACKOFF:
		return step_backoff(w);
	}
	BUG("watch state %d", (int)w->state);
}

int
k8s_watch_next(struct k8s_watch_event *ev, struct k8s_watch *w, struct err *err)
{
	int rv;

	doc_free(w->event);
	w->event = NULL;
	do {
		ev->object = NULL;
		if (atomic_load(&w->cancelled)) {
			ev->type = K8S_WATCH_STOPPED;
			rv = 1;
			break;
		}
		rv = step(ev, w, err);
	} while (rv == 0);
	ev->resource_version = w->rv != NULL ? w->rv : "";
	if (rv == -1)
		return err_wrap(err, "watch %s", w->list.kind);
	return 0;
}
