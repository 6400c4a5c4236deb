/*
 * The informer against the real API server: events in order, a relist
 * forced by etcd compaction that loses nothing, and recovery from an API
 * server restart. Each test works in its own namespace and selects its
 * objects by label, so the cluster's own objects never interfere.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/str.h"
#include "ctrl/informer.h"
#include "kube.h"
#include "t.h"

struct fixture {
	struct k8s *k;
	char ns[64];
	struct recorder rec;
	struct informer *inf;
};

/* A namespace and an informer on kind with the label flint-test=<label>
 * (fixture_run() starts it), resyncing every resync_ms (0: never). */
static bool
fixture_start_resync(struct fixture *f, const char *kind, const char *label,
    int64_t resync_ms)
{
	struct informer_opts o;
	struct err err = ERR_INIT;
	char selector[64];

	memset(f, 0, sizeof(*f));
	rec_init(&f->rec);
	if ((f->k = kube_client()) == NULL ||
	    !kube_ns_create(f->k, label, f->ns))
		return false;
	snprintf(selector, sizeof(selector), "flint-test=%s", label);
	memset(&o, 0, sizeof(o));
	o.api_version = "v1";
	o.kind = kind;
	o.namespace = f->ns;
	o.label_selector = selector;
	o.resync_ms = resync_ms;
	if (informer_new(&f->inf, f->k, &o, &err) == -1) {
		fprintf(stderr, "  informer: %s\n", err.msg);
		return false;
	}
	informer_add_handler(f->inf, rec_handler, &f->rec);
	return true;
}

static bool
fixture_start(struct fixture *f, const char *kind, const char *label)
{
	return fixture_start_resync(f, kind, label, 0);
}

static bool
fixture_run(struct fixture *f)
{
	struct err err = ERR_INIT;

	if (informer_start(f->inf, &err) == -1) {
		fprintf(stderr, "  start: %s\n", err.msg);
		return false;
	}
	return informer_wait_synced(f->inf, KUBE_WAIT_MS);
}

static void
fixture_end(struct fixture *f)
{
	informer_free(f->inf);
	if (f->k != NULL && f->ns[0] != '\0')
		kube_ns_delete(f->k, f->ns);
	k8s_free(f->k);
	rec_release(&f->rec);
}

static bool
cm_create(struct fixture *f, const char *name, const char *label, const char *v)
{
	return kube_create(f->k,
	    "{\"apiVersion\":\"v1\",\"kind\":\"ConfigMap\",\"metadata\":"
	    "{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":"
	    "{\"flint-test\":\"%s\"}},\"data\":{\"v\":\"%s\"}}",
	    name, f->ns, label, v);
}

static bool
cm_set(struct fixture *f, const char *name, const char *v)
{
	struct k8s_ref ref = { "v1", "ConfigMap", f->ns, name };

	return kube_patch(f->k, &ref, "{\"data\":{\"v\":\"%s\"}}", v);
}

static void
check_event(struct recorder *r, size_t i, enum informer_event_type type,
    const char *name, const char *v, bool synthetic)
{
	T_TRUE(i < r->n);
	if (i >= r->n)
		return;
	T_EQ(r->ev[i].type, type);
	T_STREQ(r->ev[i].name, name);
	T_STREQ(r->ev[i].value, v);
	T_EQ(r->ev[i].synthetic, synthetic);
}

T_TEST(test_informer_sees_create_update_delete_in_order)
{
	struct k8s_ref ref = { "v1", "ConfigMap", NULL, "a" };
	struct fixture f;

	if (!fixture_start(&f, "ConfigMap", "order")) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	T_TRUE(fixture_run(&f));
	T_EQ(f.rec.n, 0);
	ref.namespace = f.ns;
	/* Another label: the server-side selector keeps it out. */
	T_TRUE(cm_create(&f, "noise", "other", "0"));
	T_TRUE(cm_create(&f, "a", "order", "1"));
	T_TRUE(cm_set(&f, "a", "2"));
	T_TRUE(kube_delete(f.k, &ref));
	T_TRUE(rec_wait(&f.rec, 3, KUBE_WAIT_MS));
	kube_sleep_ms(500); /* time for a stray fourth event to show */
	T_EQ(f.rec.n, 3);
	check_event(&f.rec, 0, INFORMER_ADD, "a", "1", false);
	check_event(&f.rec, 1, INFORMER_UPDATE, "a", "2", false);
	T_STREQ(f.rec.ev[1].old_value, "1");
	check_event(&f.rec, 2, INFORMER_DELETE, "a", "2", false);
	T_EQ(informer_count(f.inf), 0);
	T_EQ(rec_find(&f.rec, 0, INFORMER_ADD, "noise"), -1);
	fixture_end(&f);
}

T_TEST(test_informer_cache_answers_get_and_list)
{
	struct arena *a = arena_new();
	struct err err = ERR_INIT;
	struct doc_node *obj = NULL;
	struct doc *list = NULL;
	struct fixture f;
	char *key;

	if (!fixture_start(&f, "ConfigMap", "cache")) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	T_TRUE(cm_create(&f, "x", "cache", "early")); /* listed, not watched */
	T_TRUE(fixture_run(&f));
	T_TRUE(cm_create(&f, "y", "cache", "late"));
	T_TRUE(rec_wait_for(&f.rec, 0, INFORMER_ADD, "y", KUBE_WAIT_MS) >= 0);
	key = informer_key(f.inf, f.ns, "x");
	T_OK(informer_get(&obj, a, f.inf, key, &err), &err);
	T_STREQ(obj != NULL ? doc_str(doc_ptr_find(obj, "/data/v")) : NULL,
	    "early");
	free(key);
	T_ERR(informer_get(&obj, a, f.inf, "ConfigMap/none/z", &err), &err,
	    ERR_NOTFOUND);
	T_OK(informer_list(&list, f.inf, f.ns, "flint-test=cache", &err), &err);
	T_EQ(list != NULL ? doc_count(list) : 0, 2);
	doc_free(list);
	list = NULL;
	T_OK(informer_list(&list, f.inf, "elsewhere", NULL, &err), &err);
	T_EQ(list != NULL ? doc_count(list) : 99, 0);
	doc_free(list);
	arena_free(a);
	fixture_end(&f);
}

struct resyncs {
	atomic_int n;
	char key[128];
};

static void
count_resync(void *arg, const struct informer_event *ev)
{
	struct resyncs *r = arg;

	if (ev->type == INFORMER_RESYNC && strcmp(ev->key, r->key) == 0 &&
	    ev->object == NULL)
		atomic_fetch_add(&r->n, 1);
}

T_TEST(test_resync_replays_every_key)
{
	struct resyncs rs;
	struct fixture f;
	int64_t end;

	memset(&rs, 0, sizeof(rs));
	if (!fixture_start_resync(&f, "ConfigMap", "resync", 200)) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	snprintf(rs.key, sizeof(rs.key), "ConfigMap/%s/r", f.ns);
	informer_add_handler(f.inf, count_resync, &rs);
	T_TRUE(cm_create(&f, "r", "resync", "1"));
	T_TRUE(fixture_run(&f));
	end = kube_now_ms() + KUBE_WAIT_MS;
	while (atomic_load(&rs.n) < 3 && kube_now_ms() < end)
		kube_sleep_ms(50);
	T_TRUE(atomic_load(&rs.n) >= 3);
	T_EQ(f.rec.n, 1); /* one ADD; resyncs are not changes */
	fixture_end(&f);
}

/* ---- a forced 410 ----------------------------------------------------------
 */

/* Core Events are the one kind the API server serves from etcd rather
 * than its watch cache, so compacting etcd makes a watch from an older
 * version fail with 410 Gone. */
static bool
event_create(struct fixture *f, const char *name, const char *msg)
{
	return kube_create(f->k,
	    "{\"apiVersion\":\"v1\",\"kind\":\"Event\",\"metadata\":"
	    "{\"name\":\"%s\",\"namespace\":\"%s\",\"labels\":"
	    "{\"flint-test\":\"gone\"}},\"involvedObject\":{\"kind\":"
	    "\"ConfigMap\",\"name\":\"x\",\"namespace\":\"%s\"},"
	    "\"reason\":\"Test\",\"message\":\"%s\",\"type\":\"Normal\"}",
	    name, f->ns, f->ns, msg);
}

/* FLINT_ETCD_URL from $FLINT_CLUSTER_DIR/cluster.env. */
static bool
etcd_url(char *dst, size_t size)
{
	const char *dir = getenv("FLINT_CLUSTER_DIR");
	char path[4096], line[512];
	bool found = false;
	FILE *fp;

	snprintf(path, sizeof(path), "%s/cluster.env", dir != NULL ? dir : ".");
	if ((fp = fopen(path, "re")) == NULL)
		return false;
	while (!found && fgets(line, sizeof(line), fp) != NULL) {
		if (!str_has_prefix(line, "FLINT_ETCD_URL="))
			continue;
		line[strcspn(line, "\n")] = '\0';
		found = str_lcpy(dst, line + strlen("FLINT_ETCD_URL="), size) <
		    size;
	}
	fclose(fp);
	return found;
}

/* POSTs body to etcd's JSON gateway with curl; returns the answer. */
static struct doc *
etcd_post(const char *url, const char *path, const char *body)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	struct child c;
	char *full = xasprintf("%s%s", url, path);
	char *argv[] = { "/usr/bin/curl", "-sf", "--max-time", "10", "-X",
		"POST", full, "-d", (char *)(uintptr_t)body, NULL };

	if (child_spawn(&c, argv) && child_wait(&c, KUBE_WAIT_MS) == 0 &&
	    doc_parse_json(&d, c.buf, c.len, NULL, &err) == -1)
		fprintf(stderr, "  etcd %s: %s\n", path, err.msg);
	child_kill(&c);
	free(full);
	return d;
}

/* Compacts etcd's history up to its current revision. */
static bool
etcd_compact(void)
{
	struct err err = ERR_INIT;
	char url[256], body[128];
	struct doc *d;
	const char *rev;
	int64_t r = 0;

	if (!etcd_url(url, sizeof(url)))
		return false;
	/* Any read tells the current revision in its header. */
	d = etcd_post(url, "/v3/kv/range", "{\"key\":\"Zm9v\"}");
	rev = d != NULL
	    ? doc_str(doc_ptr_find(doc_root(d, 0), "/header/revision"))
	    : NULL;
	if (rev == NULL || str_to_i64(&r, rev, &err) == -1) {
		doc_free(d);
		return false;
	}
	doc_free(d);
	snprintf(body, sizeof(body),
	    "{\"revision\":\"%lld\",\"physical\":true}", (long long)r);
	d = etcd_post(url, "/v3/kv/compaction", body);
	doc_free(d);
	return d != NULL;
}

T_TEST(test_forced_410_relists_without_losing_an_event)
{
	struct k8s_ref ref = { "v1", "Event", NULL, "e2" };
	struct informer_stats st;
	struct fixture f;
	int64_t end;
	int i;

	if (!fixture_start(&f, "Event", "gone")) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	ref.namespace = f.ns;
	T_TRUE(event_create(&f, "e1", "one"));
	T_TRUE(event_create(&f, "e2", "two"));
	T_TRUE(fixture_run(&f));
	T_TRUE(rec_wait(&f.rec, 2, KUBE_WAIT_MS));
	/* While the informer is away, change everything, then make the
	 * server forget the version it would resume from. */
	informer_stop(f.inf);
	T_TRUE(kube_patch(f.k, &(struct k8s_ref){ "v1", "Event", f.ns, "e1" },
	    "{\"message\":\"one-b\"}"));
	T_TRUE(kube_delete(f.k, &ref));
	T_TRUE(event_create(&f, "e3", "three"));
	T_TRUE(etcd_compact());
	T_TRUE(fixture_run(&f));
	i = rec_wait_for(&f.rec, 2, INFORMER_UPDATE, "e1", KUBE_WAIT_MS);
	T_TRUE(i >= 0);
	if (i >= 0) {
		check_event(&f.rec, (size_t)i, INFORMER_UPDATE, "e1", "one-b",
		    true);
		T_STREQ(f.rec.ev[i].old_value, "one");
	}
	i = rec_wait_for(&f.rec, 2, INFORMER_DELETE, "e2", KUBE_WAIT_MS);
	T_TRUE(i >= 0);
	if (i >= 0)
		check_event(&f.rec, (size_t)i, INFORMER_DELETE, "e2", "two",
		    true);
	i = rec_wait_for(&f.rec, 2, INFORMER_ADD, "e3", KUBE_WAIT_MS);
	T_TRUE(i >= 0);
	if (i >= 0)
		check_event(&f.rec, (size_t)i, INFORMER_ADD, "e3", "three",
		    true);
	/* The relist is counted once it is complete, after its events. */
	end = kube_now_ms() + KUBE_WAIT_MS;
	informer_stats(&st, f.inf);
	while (st.lists < 2 && kube_now_ms() < end) {
		kube_sleep_ms(20);
		informer_stats(&st, f.inf);
	}
	T_EQ(st.lists, 2); /* the first list, and the relist 410 forced */
	T_EQ(st.objects, 2);
	T_EQ(f.rec.n, 5);
	if (f.rec.n != 5)
		rec_dump(&f.rec);
	fixture_end(&f);
}

/* ---- the API server goes away ----------------------------------------------
 */

T_TEST(test_informer_recovers_after_apiserver_restart)
{
	struct fixture f;
	size_t mark;

	if (!fixture_start(&f, "ConfigMap", "restart")) {
		t_fail(__FILE__, __LINE__, "no fixture: is the cluster up?");
		fixture_end(&f);
		return;
	}
	T_TRUE(cm_create(&f, "before", "restart", "1"));
	T_TRUE(fixture_run(&f));
	T_TRUE(rec_wait(&f.rec, 1, KUBE_WAIT_MS));
	T_TRUE(kube_harness("restart-apiserver", 120000));
	mark = f.rec.n;
	/* The informer was left alone: it must reconnect by itself. */
	T_TRUE(cm_set(&f, "before", "2"));
	T_TRUE(cm_create(&f, "after", "restart", "1"));
	T_TRUE(rec_wait_for(&f.rec, mark, INFORMER_UPDATE, "before",
	           KUBE_WAIT_MS) >= 0);
	T_TRUE(rec_wait_for(&f.rec, mark, INFORMER_ADD, "after",
	           KUBE_WAIT_MS) >= 0);
	T_EQ(informer_count(f.inf), 2);
	fixture_end(&f);
}
