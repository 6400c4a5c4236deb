/* Private to common/k8s: the client's parts and what the files share. */
#ifndef FLINT_K8S_INT_H
#define FLINT_K8S_INT_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <curl/curl.h>

#include "core/buf.h"
#include "k8s/k8s.h"

#define K8S_DEFAULT_QPS        50.0
#define K8S_DEFAULT_BURST      300u
#define K8S_DEFAULT_TIMEOUT_MS 30000
#define K8S_DEFAULT_RETRIES    5u
#define K8S_DEFAULT_PAGE       500u
#define K8S_DEFAULT_WATCH_S    300u
#define K8S_MAX_BODY           ((size_t)256 << 20)
#define K8S_TOKEN_FILE_TTL_MS  60000 /* client-go re-reads it as often */
#define K8S_EXEC_OUTPUT_MAX    (1u << 20)
#define K8S_EXEC_TIMEOUT_MS    60000
#define K8S_RETRY_AFTER_MAX_MS 60000 /* no server may park us longer */
#define K8S_BACKOFF_BASE_MS    200
#define K8S_BACKOFF_MAX_MS     30000
#define K8S_SA_DIR             "/var/run/secrets/kubernetes.io/serviceaccount"

/* ---- util.c ---------------------------------------------------------------
 */

/* Appends s percent-encoded: everything but RFC 3986 unreserved
 * characters (and ':' '@' in a path segment) is escaped. */
void k8s_escape(struct buf *b, const char *s, bool path_segment);

/* Splits "apps/v1" into group "apps" and version "v1" ("v1": group "").
 * ERR_INVALID when a part is empty or too long. */
int k8s_split_api_version(char *group, size_t group_size, char *version,
    size_t version_size, const char *api_version, struct err *err);

/* Parses RFC 3339 ("2026-01-02T15:04:05Z", fractions and offsets
 * allowed) into microseconds since the epoch. */
int k8s_time_parse(int64_t *out_us, const char *s, struct err *err);

/* Formats microseconds since the epoch as UTC RFC 3339; micro adds six
 * fractional digits (MicroTime). dst needs 32 bytes. */
char *k8s_time_format(char *dst, size_t dstsize, int64_t us, bool micro);

int64_t k8s_now_ms(void);      /* monotonic */
int64_t k8s_wall_us(void);     /* realtime */
void k8s_sleep_ms(int64_t ms); /* restarts on EINTR */

/* Exponential backoff with jitter for attempt n (0-based), capped. */
int64_t k8s_backoff_ms(unsigned attempt, int64_t base_ms, int64_t max_ms);

/* A string member of a map as a NUL-terminated string, or NULL. */
const char *k8s_str_at(const struct doc_node *map, const char *key);

/* Reads a whole small file into a new buffer (NUL-terminated); ERR_LIMIT
 * past max bytes. The caller frees with free_secret() when secret. */
int k8s_read_file(char **out, size_t *len_out, const char *path, size_t max,
    struct err *err);

/* ---- config.c: configuration copies ------------------------------------- */

/* Deep-copies src into the zeroed dst (release with
 * k8s_config_release()). */
void k8s_config_copy(struct k8s_config *dst, const struct k8s_config *src);

/* ---- ratelimit.c: the client-side token bucket ----------------------------
 */

struct k8s_ratelimit {
	pthread_mutex_t mu;
	double qps; /* <= 0: unlimited */
	double burst;
	double tokens; /* may go negative: reservations not yet due */
	int64_t last_ms;
};

void k8s_ratelimit_init(struct k8s_ratelimit *rl, double qps, unsigned burst);
void k8s_ratelimit_release(struct k8s_ratelimit *rl);

/* Takes one token at now_ms and returns how long the caller must wait
 * before using it (0 when one was there). */
int64_t k8s_ratelimit_reserve(struct k8s_ratelimit *rl, int64_t now_ms);

/* ---- status.c: an API failure as a struct err -----------------------------
 */

/* Fills err from an HTTP status and its body (a Status object when the
 * API server sent one). Always returns -1. */
int k8s_status_err(struct err *err, long http_status, const char *body,
    size_t len);

/* Fills err from a decoded Status object (watch ERROR events). */
int k8s_status_node_err(struct err *err, const struct doc_node *status);

/* ---- exec.c: credential plugins --------------------------------------------
 */

struct k8s_exec_cred {
	char *token;    /* secret */
	char *cert_pem; /* client certificate, or NULL */
	size_t cert_pem_len;
	char *key_pem; /* secret */
	size_t key_pem_len;
	int64_t expires_us; /* 0: until the server refuses it */
};

/* Parses an ExecCredential (JSON) the plugin printed. ERR_INVALID for a
 * wrong apiVersion/kind or no usable credential. */
int k8s_exec_cred_parse(struct k8s_exec_cred *out, const char *json, size_t len,
    const char *api_version, struct err *err);

/* Runs the plugin (stdin and stderr are ours, stdout is read) and parses
 * what it prints. ERR_TIMEOUT when it hangs; ERR_AUTH when it fails. */
int k8s_exec_run(struct k8s_exec_cred *out, const struct k8s_exec *x,
    const struct k8s_config *cfg, struct err *err);

void k8s_exec_cred_release(struct k8s_exec_cred *c);

/* ---- auth.c: the credentials in force --------------------------------------
 */

struct k8s_creds {
	pthread_mutex_t mu;
	char *token; /* secret: static, from the token file, or exec */
	int64_t token_read_ms;
	struct k8s_exec_cred exec;
	bool have_exec;
};

/* A snapshot of the credentials for one request; secrets inside. */
struct k8s_auth {
	char *bearer; /* "Authorization: Bearer ..." or NULL */
	char *cert_pem;
	size_t cert_pem_len;
	char *key_pem;
	size_t key_pem_len;
};

void k8s_creds_init(struct k8s_creds *c);
void k8s_creds_release(struct k8s_creds *c);

/* Fills *out with what the next request presents, refreshing a token
 * file or exec credential that is due. */
int k8s_creds_get(struct k8s_auth *out, struct k8s_creds *c,
    const struct k8s_config *cfg, struct err *err);

/* Forgets an exec credential the server refused (401). Returns true if
 * there was one, so retrying may help. */
bool k8s_creds_invalidate(struct k8s_creds *c);

void k8s_auth_release(struct k8s_auth *a);

/* ---- discovery.c ------------------------------------------------------------
 */

struct k8s_disc_res {
	char *kind;
	char *name;
	bool namespaced;
};

struct k8s_disc_gv {
	char *gv; /* "apps/v1", "v1" */
	struct k8s_disc_res *res;
	size_t n;
	bool missing; /* the server has no such group/version */
	int64_t fetched_ms;
};

struct k8s_discovery {
	pthread_mutex_t mu;
	struct k8s_disc_gv *gvs;
	size_t n, cap;
};

void k8s_discovery_init(struct k8s_discovery *d);
void k8s_discovery_release(struct k8s_discovery *d);

/* Replaces the cached resources of gv from an APIResourceList. */
int k8s_discovery_store(struct k8s_discovery *d, const char *gv,
    const struct doc_node *list, int64_t now_ms, struct err *err);

/* Looks kind up in the cache: 1 found, 0 worth asking the server, -1
 * missing (the group/version or kind was not there a moment ago). */
int k8s_discovery_lookup(struct k8s_mapping *out, struct k8s_discovery *d,
    const char *group, const char *version, const char *kind, int64_t now_ms);

/* ---- client.c / http.c: the client and its transport --------------------- */

struct k8s_core {
	struct k8s_config cfg; /* our deep copy */
	char *base_url;        /* server, with tls-server-name as its host */
	struct curl_slist *connect_to; /* real host behind tls-server-name */
	struct k8s_options opts;
	char *user_agent;
	CURLSH *share;
	pthread_mutex_t share_mu[CURL_LOCK_DATA_LAST];
	pthread_mutex_t pool_mu;
	CURL **idle; /* easy handles between requests */
	size_t nidle, idle_cap;
	struct k8s_ratelimit rl;
	struct k8s_creds creds;
	struct k8s_discovery disc;
};

struct k8s {
	struct k8s_core *core;
	bool owns_core;
	char *as_user;    /* Impersonate-User, or NULL */
	char **as_groups; /* NULL-terminated, or NULL */
};

struct k8s_req {
	const char *method;       /* "GET", "POST", ... */
	const char *path;         /* "/api/v1/...?...", escaped */
	const char *content_type; /* of body, or NULL */
	const char *body;
	size_t body_len;
	const char *accept; /* NULL: application/json */
};

struct k8s_resp {
	long status;
	struct buf body;
	int64_t retry_after_ms; /* -1 when the server gave none */
};

void k8s_resp_init(struct k8s_resp *r);
void k8s_resp_release(struct k8s_resp *r);

/* Sends req with rate limit and retries. Returns 0 for a 2xx answer,
 * else -1 with err from the Status (resp->status tells which). */
int k8s_http_do(struct k8s *k, const struct k8s_req *req, struct k8s_resp *resp,
    struct err *err);

/* k8s_http_do() and a JSON parse of the answer into *out. */
int k8s_http_json(struct doc **out, struct k8s *k, const struct k8s_req *req,
    struct err *err);

/* Sets up h (after curl_easy_reset) for req: URL, TLS, auth, headers.
 * *headers_out must outlive the transfer; free with k8s_headers_free(). */
int k8s_http_prepare(CURL *h, struct curl_slist **headers_out, struct k8s *k,
    const struct k8s_req *req, struct err *err);

/* Frees a header list, wiping its strings (they hold the token). */
void k8s_headers_free(struct curl_slist *l);

/* An easy handle from the pool (or a new one) and its return. */
CURL *k8s_handle_take(struct k8s_core *c);
void k8s_handle_give(struct k8s_core *c, CURL *h);

/* Fills err from a libcurl failure (the one adapter for curl codes). */
int k8s_err_curl(struct err *err, CURLcode rc, const char *errbuf);

/* Parses a Retry-After header value (seconds); -1 when absent or a
 * date. */
int64_t k8s_retry_after_parse(const char *value, size_t len);

/* ---- discovery.c: paths
 * --------------------------------------------------------------- */

/* Appends the collection path of m in ns ("" or NULL: all namespaces or
 * cluster-scoped), e.g. "/apis/apps/v1/namespaces/x/deployments". */
void k8s_path_collection(struct buf *b, const struct k8s_mapping *m,
    const char *ns);

/* Appends the object path: collection + "/<name>" [+ "/<sub>"]. */
int k8s_path_object(struct buf *b, const struct k8s_mapping *m, const char *ns,
    const char *name, const char *subresource, struct err *err);

/* Resolves ref to its mapping and the namespace to use. */
int k8s_ref_resolve(struct k8s_mapping *m, const char **ns_out, struct k8s *k,
    const struct k8s_ref *ref, struct err *err);

/* Fills a ref from an object's apiVersion, kind and metadata (borrowed
 * from obj). ERR_INVALID when one is missing. */
int k8s_ref_from_obj(struct k8s_ref *out, const struct doc_node *obj,
    bool need_name, struct err *err);

/* ---- objects.c ------------------------------------------------------------
 */

/* Gives the items of a List page the apiVersion and kind typed lists
 * leave out; a null items becomes []. ERR_INVALID when page is no List. */
int k8s_list_fill_kinds(struct doc *page, struct err *err);

#endif /* FLINT_K8S_INT_H */
