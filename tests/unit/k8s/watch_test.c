/* Tests of list-then-watch against a scripted server: the event
 * sequence, resuming from the last version, 410 relists, cancel. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "client_fixture.h"
#include "k8s/k8s_int.h"
#include "t.h"

#define EVENT(type, name, rv)                                                \
	"{\"type\":\"" type "\",\"object\":{\"apiVersion\":\"v1\",\"kind\":" \
	"\"ConfigMap\",\"metadata\":{\"name\":\"" name "\","                 \
	"\"resourceVersion\":\"" rv "\"}}}\n"

#define PAGE(rv, cont, items)                                             \
	"{\"kind\":\"ConfigMapList\",\"apiVersion\":\"v1\",\"metadata\":" \
	"{\"resourceVersion\":\"" rv "\"" cont "},\"items\":[" items "]}"

#define ITEM(name) "{\"metadata\":{\"name\":\"" name "\"}}"

#define GONE                                                                 \
	"{\"kind\":\"Status\",\"apiVersion\":\"v1\",\"status\":\"Failure\"," \
	"\"reason\":\"Expired\",\"code\":410,\"message\":"                   \
	"\"too old resource version\"}"

/* Reads the next event and renders it "TYPE name rv" into out. */
static void
next(char *out, size_t size, struct k8s_watch *w)
{
	static const char *const names[] = { "ADDED", "MODIFIED", "DELETED",
		"BOOKMARK", "RELIST", "SYNCED", "STOPPED" };
	struct k8s_watch_event ev;
	struct err err = ERR_INIT;
	const char *name;

	if (k8s_watch_next(&ev, w, &err) == -1) {
		snprintf(out, size, "error %s %s", err_code_name(err.code),
		    err.reason != NULL ? err.reason : "");
		return;
	}
	name = k8s_str_at(doc_map_get(ev.object, "metadata"), "name");
	snprintf(out, size, "%s %s %s", names[ev.type],
	    name != NULL ? name : "-", ev.resource_version);
}

#define T_NEXT(w, want)                        \
	do {                                   \
		char got_[128];                \
		next(got_, sizeof(got_), (w)); \
		T_STREQ(got_, (want));         \
	} while (0)

T_TEST(test_watch_lists_streams_resumes_and_relists)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_watch_opts o = { { "v1", "ConfigMap", "a", NULL, NULL, 2 },
		NULL, 60 };
	struct err err = ERR_INIT;
	struct k8s_watch *w = NULL;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 200, NULL,
	    PAGE("10", ",\"continue\":\"c1\"", ITEM("a") "," ITEM("b")), 0);
	fake_reply(f, 200, NULL, PAGE("10", "", ITEM("c")), 0);
	fake_reply(f, 200, NULL,
	    EVENT("ADDED", "d", "11") EVENT("MODIFIED", "a", "12")
	        EVENT("BOOKMARK", "", "13") EVENT("DELETED", "b", "14"),
	    0);
	fake_reply(f, 200, NULL, "{\"type\":\"ERROR\",\"object\":" GONE "}\n",
	    0);
	fake_reply(f, 200, NULL, PAGE("20", "", ITEM("e")), 0);
	T_OK(k8s_watch_open(&w, k, &o, &err), &err);
	T_NEXT(w, "RELIST - 10");
	T_NEXT(w, "ADDED a 10");
	T_NEXT(w, "ADDED b 10");
	T_NEXT(w, "ADDED c 10");
	T_NEXT(w, "SYNCED - 10");
	T_NEXT(w, "ADDED d 11");
	T_NEXT(w, "MODIFIED a 12");
	T_NEXT(w, "BOOKMARK - 13");
	T_NEXT(w, "DELETED b 14");
	/* The stream ended; the next call resumes from 14, is told 410
	 * and lists again. */
	T_NEXT(w, "RELIST - 20");
	T_NEXT(w, "ADDED e 20");
	T_NEXT(w, "SYNCED - 20");
	T_TRUE(fixture_has(f, 2, "continue=c1"));
	T_TRUE(fixture_has(f, 3,
	    "GET /api/v1/namespaces/a/configmaps?watch=1"
	    "&allowWatchBookmarks=true&timeoutSeconds="));
	T_TRUE(fixture_has(f, 3, "&resourceVersion=10 "));
	T_TRUE(fixture_has(f, 4, "&resourceVersion=14 "));
	T_TRUE(
	    fixture_has(f, 5, "GET /api/v1/namespaces/a/configmaps?limit=2 "));
	k8s_watch_cancel(w);
	T_NEXT(w, "STOPPED - 20");
	k8s_watch_close(w);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_watch_from_a_version_gone_relists)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_watch_opts o = { { "v1", "ConfigMap", NULL, NULL, NULL, 0 },
		"5", 0 };
	struct err err = ERR_INIT;
	struct k8s_watch *w = NULL;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 410, NULL, GONE, 0);
	fake_reply(f, 200, NULL, PAGE("30", "", ITEM("z")), 0);
	T_OK(k8s_watch_open(&w, k, &o, &err), &err);
	T_NEXT(w, "RELIST - 30");
	T_NEXT(w, "ADDED z 30");
	T_NEXT(w, "SYNCED - 30");
	T_TRUE(fixture_has(f, 1, "GET /api/v1/configmaps?watch=1"));
	T_TRUE(fixture_has(f, 1, "&resourceVersion=5 "));
	k8s_watch_close(w);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_watch_forbidden_is_the_callers_problem)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_watch_opts o = { { "v1", "ConfigMap", "a", NULL, NULL, 0 },
		"5", 0 };
	struct err err = ERR_INIT;
	struct k8s_watch *w = NULL;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 403, NULL,
	    "{\"kind\":\"Status\",\"reason\":\"Forbidden\",\"code\":403,"
	    "\"message\":\"configmaps is forbidden\"}",
	    0);
	T_OK(k8s_watch_open(&w, k, &o, &err), &err);
	T_NEXT(w, "error authentication failed Forbidden");
	k8s_watch_close(w);
	k8s_free(k);
	fake_stop(f);
}

static void *
cancel_later(void *arg)
{
	k8s_sleep_ms(200);
	k8s_watch_cancel(arg);
	return NULL;
}

T_TEST(test_cancel_wakes_a_waiting_watch)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_watch_opts o = { { "v1", "ConfigMap", "a", NULL, NULL, 0 },
		"5", 0 };
	struct err err = ERR_INIT;
	struct k8s_watch *w = NULL;
	pthread_t t;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	fake_reply(f, 200, NULL, EVENT("ADDED", "late", "6"), 2000);
	T_OK(k8s_watch_open(&w, k, &o, &err), &err);
	pthread_create(&t, NULL, cancel_later, w);
	T_NEXT(w, "STOPPED - 5");
	pthread_join(t, NULL);
	k8s_watch_close(w);
	k8s_free(k);
	fake_stop(f);
}

T_TEST(test_watch_resumes_after_a_torn_stream_and_a_500)
{
	struct fake_server *f = fake_start();
	struct k8s *k = fixture_client(f, 0, 0);
	struct k8s_watch_opts o = { { "v1", "ConfigMap", "a", NULL, NULL, 0 },
		"5", 0 };
	struct err err = ERR_INIT;
	struct k8s_watch *w = NULL;

	fake_reply(f, 200, NULL, DISCOVERY_V1, 0);
	/* The connection drops in the middle of the second event. */
	fake_reply(f, 200, NULL,
	    EVENT("ADDED", "a", "6") "{\"type\":\"MODIFIED\",\"obj", 0);
	fake_reply(f, 500, NULL,
	    "{\"kind\":\"Status\",\"reason\":\"InternalError\",\"code\":500}",
	    0);
	fake_reply(f, 200, NULL, EVENT("MODIFIED", "a", "7"), 0);
	T_OK(k8s_watch_open(&w, k, &o, &err), &err);
	T_NEXT(w, "ADDED a 6");
	T_NEXT(w, "MODIFIED a 7");
	/* Resumed from the last whole event both times. */
	T_TRUE(fixture_has(f, 2, "&resourceVersion=6 "));
	T_TRUE(fixture_has(f, 3, "&resourceVersion=6 "));
	k8s_watch_close(w);
	k8s_free(k);
	fake_stop(f);
}
