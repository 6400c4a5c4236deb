/* Tests of the client's requests against a scripted HTTP server:
 * paths, headers, bodies, retries, errors, impersonation, paging. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client_fixture.h"
#include "k8s/k8s_int.h"
#include "t.h"

static const char cm_x[] = "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\","
                           "\"metadata\":{\"name\":\"x\",\"namespace\":\"a\","
                           "\"resourceVersion\":\"7\"},\"data\":{\"k\":\"v\"}}";

T_TEST(test_get_discovers_once_then_fetches)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_ref ref = { "v1", "ConfigMap", "a", "x" };
	struct k8s_ref ns = { "v1", "Namespace", "ignored", "team" };
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 200, NULL, cm_x, 0);
	fake_reply(f, 200, NULL, cm_x, 0);
	fake_reply(f, 200, NULL, "{\"kind\":\"Namespace\"}", 0);
	T_OK(k8s_get(&d, k, &ref, &err), &err);
	T_STREQ(k8s_str_at(doc_map_get(doc_root(d, 0), "data"), "k"), "v");
	doc_free(d);
	T_OK(k8s_get(&d, k, &ref, &err), &err);
	doc_free(d);
	T_OK(k8s_get(&d, k, &ns, &err), &err);
	doc_free(d);
	T_EQ(fake_count(f), 4);
	T_TRUE(fixture_has(f, 0, "GET /api/v1 HTTP/1.1"));
	T_TRUE(fixture_has(f, 1, "GET /api/v1/namespaces/a/configmaps/x "));
	T_TRUE(fixture_has(f, 1, "Authorization: Bearer s3cret"));
	T_TRUE(fixture_has(f, 1, "User-Agent: flint/"));
	T_TRUE(fixture_has(f, 3, "GET /api/v1/namespaces/team "));
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_unknown_kind_is_no_kind_match)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_mapping m;
	struct err err = ERR_INIT;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 404, NULL,
	    "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404}", 0);
	T_ERR(k8s_mapping_get(&m, k, "v1", "Secret", &err), &err, ERR_NOTFOUND);
	T_EQ(k8s_mapping_get(&m, k, "nope.io/v1", "Thing", &err), -1);
	T_STREQ(err.reason, "NoKindMatch");
	err_reset(&err);
	/* A miss is remembered for a moment: no third request. */
	T_ERR(k8s_mapping_get(&m, k, "v1", "Secret", &err), &err, ERR_NOTFOUND);
	T_EQ(fake_count(f), 2);
	T_OK(k8s_mapping_get(&m, k, "v1", "Namespace", &err), &err);
	T_STREQ(m.resource, "namespaces");
	T_TRUE(!m.namespaced);
	T_ERR(k8s_mapping_get(&m, k, "v1", "Wrong", &err), &err, ERR_NOTFOUND);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_429_is_retried_as_retry_after_says)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	fake_reply(f, 429, "Retry-After: 0\r\n", "{}", 0);
	fake_reply(f, 200, NULL, "{\"gitVersion\":\"v1.37.2\"}", 0);
	T_OK(k8s_get_path(&d, k, "/version", &err), &err);
	T_STREQ(k8s_str_at(doc_root(d, 0), "gitVersion"), "v1.37.2");
	T_EQ(fake_count(f), 2);
	doc_free(d);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_503_is_retried_until_the_limit)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 2, 0);
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	int i;

	for (i = 0; i < 4; i++)
		fake_reply(f, 503, "Retry-After: 0\r\n",
		    "{\"kind\":\"Status\",\"reason\":\"ServiceUnavailable\","
		    "\"code\":503,\"message\":\"busy\"}",
		    0);
	T_EQ(k8s_get_path(&d, k, "/version", &err), -1);
	T_EQ(err.code, ERR_NETWORK);
	T_STREQ(err.reason, "ServiceUnavailable");
	T_EQ(fake_count(f), 3);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_create_is_not_repeated_after_a_500)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct doc *obj = fixture_json(cm_x);
	struct err err = ERR_INIT;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 500, NULL,
	    "{\"kind\":\"Status\",\"reason\":\"InternalError\",\"code\":500}",
	    0);
	fake_reply(f, 201, NULL, cm_x, 0);
	T_EQ(k8s_create(NULL, k, doc_root(obj, 0), NULL, &err), -1);
	T_STREQ(err.reason, "InternalError");
	T_EQ(fake_count(f), 2);
	doc_free(obj);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_create_posts_json_with_options)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct doc *obj = fixture_json(cm_x), *out = NULL;
	struct k8s_write_opts o = { "flint", false, true, NULL };
	struct err err = ERR_INIT;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 201, NULL, cm_x, 0);
	T_OK(k8s_create(&out, k, doc_root(obj, 0), &o, &err), &err);
	T_TRUE(out != NULL);
	T_TRUE(fixture_has(f, 1,
	    "POST /api/v1/namespaces/a/configmaps?fieldManager=flint"
	    "&dryRun=All "));
	T_TRUE(fixture_has(f, 1, "Content-Type: application/json"));
	T_TRUE(fixture_has(f, 1, "\"data\":{\"k\":\"v\"}"));
	doc_free(out);
	doc_free(obj);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_apply_patches_with_manager_and_force)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct doc *obj = fixture_json(cm_x);
	struct k8s_write_opts o = { "flint", true, false, NULL };
	struct k8s_write_opts none = { NULL, false, false, NULL };
	struct err err = ERR_INIT;

	T_ERR(k8s_apply(NULL, k, doc_root(obj, 0), &none, &err), &err,
	    ERR_INVALID);
	T_EQ(fake_count(f), 0);
	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 200, NULL, cm_x, 0);
	fake_reply(f, 409, NULL,
	    "{\"kind\":\"Status\",\"reason\":\"Conflict\",\"code\":409,"
	    "\"message\":\"Apply failed with 1 conflict: conflict with "
	    "\\\"kubectl\\\": .data.k\"}",
	    0);
	T_OK(k8s_apply(NULL, k, doc_root(obj, 0), &o, &err), &err);
	T_TRUE(fixture_has(f, 1,
	    "PATCH /api/v1/namespaces/a/configmaps/x?fieldManager=flint"
	    "&force=true "));
	T_TRUE(fixture_has(f, 1, "Content-Type: application/apply-patch+yaml"));
	o.force = false;
	T_EQ(k8s_apply(NULL, k, doc_root(obj, 0), &o, &err), -1);
	T_EQ(err.code, ERR_CONFLICT);
	T_STREQ(err.reason, "Conflict");
	T_TRUE(strstr(err.msg, "apply ConfigMap 'a/x': Apply failed") != NULL);
	T_TRUE(!fixture_has(f, 2, "force=true"));
	doc_free(obj);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_status_update_and_merge_patch_paths)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct doc *obj = fixture_json(cm_x);
	struct doc *patch = fixture_json("{\"data\":{\"k\":null}}");
	struct k8s_write_opts st = { NULL, false, false, "status" };
	struct k8s_ref ref = { "v1", "ConfigMap", "a", "x" };
	struct err err = ERR_INIT;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 200, NULL, cm_x, 0);
	fake_reply(f, 200, NULL, cm_x, 0);
	T_OK(k8s_update(NULL, k, doc_root(obj, 0), &st, &err), &err);
	T_TRUE(
	    fixture_has(f, 1, "PUT /api/v1/namespaces/a/configmaps/x/status "));
	T_OK(k8s_patch(NULL, k, &ref, K8S_PATCH_MERGE, doc_root(patch, 0), NULL,
	         &err),
	    &err);
	T_TRUE(fixture_has(f, 2, "PATCH /api/v1/namespaces/a/configmaps/x "));
	T_TRUE(fixture_has(f, 2, "application/merge-patch+json"));
	T_TRUE(fixture_has(f, 2, "{\"data\":{\"k\":null}}"));
	doc_free(patch);
	doc_free(obj);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_delete_sends_propagation_and_preconditions)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_ref ref = { "v1", "ConfigMap", NULL, "x" };
	struct k8s_delete_opts o = { K8S_PROPAGATION_FOREGROUND, "u-1", NULL,
		false };
	struct err err = ERR_INIT;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 200, NULL, "{\"kind\":\"Status\",\"status\":\"Success\"}",
	    0);
	fake_reply(f, 404, NULL,
	    "{\"kind\":\"Status\",\"reason\":\"NotFound\",\"code\":404,"
	    "\"message\":\"configmaps \\\"x\\\" not found\"}",
	    0);
	T_OK(k8s_delete(k, &ref, &o, &err), &err);
	/* No namespace in the ref: the client's default. */
	T_TRUE(fixture_has(f, 1,
	    "DELETE /api/v1/namespaces/default/configmaps/x "));
	T_TRUE(fixture_has(f, 1, "\"propagationPolicy\":\"Foreground\""));
	T_TRUE(fixture_has(f, 1, "\"preconditions\":{\"uid\":\"u-1\"}"));
	T_ERR(k8s_delete(k, &ref, NULL, &err), &err, ERR_NOTFOUND);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_names_that_would_escape_the_path_are_refused)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_ref ref = { "v1", "ConfigMap", "a", "../secrets" };
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	T_ERR(k8s_get(&d, k, &ref, &err), &err, ERR_INVALID);
	ref.name = "..";
	T_ERR(k8s_get(&d, k, &ref, &err), &err, ERR_INVALID);
	ref.name = "ok";
	ref.namespace = "a/b";
	T_ERR(k8s_get(&d, k, &ref, &err), &err, ERR_INVALID);
	T_EQ(fake_count(f), 1);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_impersonation_headers)
{
	static const char *const groups[] = { "devs", "ops", NULL };
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0), *as = NULL, *sa = NULL;
	struct k8s *bad = NULL;
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	T_OK(k8s_impersonate(&as, k, "jane", groups, &err), &err);
	T_OK(k8s_impersonate_sa(&sa, k, "team-a", "deployer", &err), &err);
	T_ERR(k8s_impersonate(&bad, k, "x\r\nEvil: 1", NULL, &err), &err,
	    ERR_INVALID);
	T_ERR(k8s_impersonate_sa(&bad, k, "", "x", &err), &err, ERR_INVALID);
	T_TRUE(bad == NULL);
	fake_reply(f, 200, NULL, "{}", 0);
	fake_reply(f, 200, NULL, "{}", 0);
	fake_reply(f, 200, NULL, "{}", 0);
	T_OK(k8s_get_path(&d, as, "/version", &err), &err);
	doc_free(d);
	T_OK(k8s_get_path(&d, sa, "/version", &err), &err);
	doc_free(d);
	T_OK(k8s_get_path(&d, k, "/version", &err), &err);
	doc_free(d);
	T_TRUE(fixture_has(f, 0, "Impersonate-User: jane\r\n"));
	T_TRUE(fixture_has(f, 0, "Impersonate-Group: devs\r\n"));
	T_TRUE(fixture_has(f, 0, "Impersonate-Group: ops\r\n"));
	T_TRUE(fixture_has(f, 1,
	    "Impersonate-User: system:serviceaccount:team-a:deployer\r\n"));
	T_TRUE(!fixture_has(f, 1, "Impersonate-Group"));
	T_TRUE(!fixture_has(f, 2, "Impersonate-"));
	k8s_free(sa);
	k8s_free(as);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_list_follows_continue_and_fills_kinds)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_list_opts o = { "v1", "ConfigMap", "a", "app=web", NULL, 2 };
	const struct doc_node *items, *meta;
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 200, NULL,
	    "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":"
	    "{\"resourceVersion\":\"42\",\"continue\":\"tok/1=\"},\"items\":["
	    "{\"metadata\":{\"name\":\"a\"}},{\"metadata\":{\"name\":\"b\"}}]}",
	    0);
	fake_reply(f, 200, NULL,
	    "{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":"
	    "{\"resourceVersion\":\"42\"},\"items\":["
	    "{\"metadata\":{\"name\":\"c\"}}]}",
	    0);
	T_OK(k8s_list(&d, k, &o, &err), &err);
	T_TRUE(fixture_has(f, 1,
	    "GET /api/v1/namespaces/a/configmaps?limit=2"
	    "&labelSelector=app%3Dweb "));
	T_TRUE(fixture_has(f, 2, "limit=2&continue=tok%2F1%3D&labelSelector"));
	items = doc_map_get(doc_root(d, 0), "items");
	T_TRUE(items != NULL && items->u.seq.n == 3);
	if (items != NULL && items->u.seq.n == 3) {
		T_STREQ(k8s_str_at(items->u.seq.items[2], "kind"), "ConfigMap");
		T_STREQ(k8s_str_at(items->u.seq.items[2], "apiVersion"), "v1");
		T_STREQ(k8s_str_at(doc_map_get(items->u.seq.items[2],
		                       "metadata"),
		            "name"),
		    "c");
	}
	meta = doc_map_get(doc_root(d, 0), "metadata");
	T_STREQ(k8s_str_at(meta, "resourceVersion"), "42");
	T_TRUE(doc_map_get(meta, "continue") == NULL);
	doc_free(d);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_slow_answer_is_a_timeout)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 200);
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	fake_reply(f, 200, NULL, "{}", 1500);
	T_ERR(k8s_get_path(&d, k, "/version", &err), &err, ERR_TIMEOUT);
	T_EQ(fake_count(f), 1);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_event_names_the_object)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct doc *obj = fixture_json(cm_x);
	struct k8s_event_info ev = { doc_root(obj, 0), "Warning", "Failed",
		"it broke", "Reconcile", "kustomize-controller", "pod-1",
		NULL };
	struct err err = ERR_INIT;

	fake_reply(f, 200, NULL,
	    "{\"kind\":\"APIResourceList\",\"resources\":[{\"name\":"
	    "\"events\",\"namespaced\":true,\"kind\":\"Event\"}]}",
	    0);
	fake_reply(f, 201, NULL, "{}", 0);
	T_OK(k8s_event_create(k, &ev, &err), &err);
	T_TRUE(fixture_has(f, 0, "GET /apis/events.k8s.io/v1 "));
	T_TRUE(fixture_has(f, 1,
	    "POST /apis/events.k8s.io/v1/namespaces/a/"
	    "events "));
	T_TRUE(fixture_has(f, 1, "\"reason\":\"Failed\""));
	T_TRUE(fixture_has(f, 1, "\"note\":\"it broke\""));
	T_TRUE(fixture_has(f, 1, "\"name\":\"x.")); /* x.<suffix> */
	T_TRUE(fixture_has(f, 1,
	    "\"regarding\":{\"apiVersion\":\"v1\","
	    "\"kind\":\"ConfigMap\",\"namespace\":\"a\","
	    "\"name\":\"x\""));
	ev.type = "Bad";
	T_ERR(k8s_event_create(k, &ev, &err), &err, ERR_INVALID);
	doc_free(obj);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_lease_create_and_conflicting_update)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_lease l = { "me", 15, 1000000, 2000000, 0, "" };
	struct err err = ERR_INIT;

	fake_reply(f, 200, NULL,
	    "{\"kind\":\"APIResourceList\",\"resources\":[{\"name\":"
	    "\"leases\",\"namespaced\":true,\"kind\":\"Lease\"}]}",
	    0);
	fake_reply(f, 201, NULL,
	    "{\"metadata\":{\"resourceVersion\":\"9\"},\"spec\":{"
	    "\"holderIdentity\":\"me\",\"leaseDurationSeconds\":15,"
	    "\"renewTime\":\"1970-01-01T00:00:02.000000Z\","
	    "\"leaseTransitions\":3}}",
	    0);
	fake_reply(f, 409, NULL,
	    "{\"kind\":\"Status\",\"reason\":\"Conflict\",\"code\":409}", 0);
	T_OK(k8s_lease_create(k, "ns", "lock", &l, &err), &err);
	T_STREQ(l.resource_version, "9");
	T_EQ(l.transitions, 3);
	T_EQ(l.renew_us, 2000000);
	T_TRUE(fixture_has(f, 1,
	    "POST /apis/coordination.k8s.io/v1/"
	    "namespaces/ns/leases "));
	T_TRUE(fixture_has(f, 1,
	    "\"acquireTime\":\"1970-01-01T00:00:01."
	    "000000Z\""));
	T_ERR(k8s_lease_update(k, "ns", "lock", &l, &err), &err, ERR_CONFLICT);
	T_TRUE(fixture_has(f, 2,
	    "PUT /apis/coordination.k8s.io/v1/"
	    "namespaces/ns/leases/lock "));
	T_TRUE(fixture_has(f, 2, "\"resourceVersion\":\"9\""));
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_tls_server_name_keeps_the_real_address)
{
	char server[] = "https://10.0.0.1:6443/prefix", name[] = "kubernetes";
	char v6[] = "https://[fd00::1]";
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	struct k8s *k = NULL;

	cfg.server = server;
	cfg.tls_server_name = name;
	T_OK(k8s_new(&k, &cfg, NULL, &err), &err);
	T_STREQ(k->core->base_url, "https://kubernetes:6443/prefix");
	T_STREQ(k->core->connect_to->data, "kubernetes:6443:10.0.0.1:6443");
	T_STREQ(k8s_namespace(k), "default");
	k8s_free(k);
	cfg.server = v6;
	T_OK(k8s_new(&k, &cfg, NULL, &err), &err);
	T_STREQ(k->core->base_url, "https://kubernetes:443");
	T_STREQ(k->core->connect_to->data, "kubernetes:443:[fd00::1]:443");
	k8s_free(k);
}

struct hammer {
	struct k8s *k;
	int failed;
};

static void *
hammer_run(void *arg)
{
	struct hammer *h = arg;
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	int i;

	for (i = 0; i < 10; i++) {
		if (k8s_get_path(&d, h->k, "/version", &err) == -1)
			h->failed++;
		doc_free(d);
		d = NULL;
	}
	return NULL;
}

T_TEST(test_threads_share_one_client)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct hammer h[4];
	pthread_t t[4];
	int i;

	for (i = 0; i < 40; i++)
		fake_reply(f, 200, NULL, "{\"gitVersion\":\"v1.37.2\"}", 0);
	for (i = 0; i < 4; i++) {
		h[i] = (struct hammer){ k, 0 };
		pthread_create(&t[i], NULL, hammer_run, &h[i]);
	}
	for (i = 0; i < 4; i++) {
		pthread_join(t[i], NULL);
		T_EQ(h[i].failed, 0);
	}
	T_EQ(fake_count(f), 40);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_refused_connection_is_retried_then_network_error)
{
	char server[] = "http://127.0.0.1:1";
	struct k8s_options opts = { -1, 0, 0, 2, NULL };
	struct k8s_config cfg = { 0 };
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct k8s *k = NULL;

	cfg.server = server;
	T_OK(k8s_new(&k, &cfg, &opts, &err), &err);
	T_ERR(k8s_get_path(&d, k, "/version", &err), &err, ERR_NETWORK);
	k8s_free(k);
}
