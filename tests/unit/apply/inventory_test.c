/*
 * Inventory ids, decoding, encoding and the stale-object diff, against
 * Flux's format.
 */
#include <stdlib.h>
#include <string.h>

#include "apply/inventory.h"
#include "core/buf.h"
#include "t.h"

static struct doc *
parse(const char *text)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;

	T_OK(doc_parse_yaml(&d, text, strlen(text), NULL, &err), &err);
	return d;
}

T_TEST(test_inventory_ids_follow_flux)
{
	struct inventory inv = { 0 };

	inventory_add(&inv, "default", "app", "apps", "Deployment", "v1");
	inventory_add(&inv, "", "app", "", "Namespace", "v1");
	inventory_add(&inv, "default", "app", "", "Service", "v1");
	inventory_add(&inv, "default", "app", "apps", "Deployment", "v1");
	T_EQ(inv.n, 3);
	T_STREQ(inv.entries[0].id, "default_app_apps_Deployment");
	T_STREQ(inv.entries[1].id, "_app__Namespace");
	T_STREQ(inv.entries[2].id, "default_app__Service");
	T_STREQ(inv.entries[2].v, "v1");
	inventory_release(&inv);
	T_EQ(inv.n, 0);
}

T_TEST(test_inventory_decode_encode_round_trip)
{
	struct doc *d = parse("entries:\n"
	                      "- {id: default_b__Service, v: v1}\n"
	                      "- {id: _ns__Namespace, v: v1}\n"
	                      "- {id: default_a_apps_Deployment, v: v1}\n");
	struct inventory inv = { 0 };
	struct err err = ERR_INIT;
	struct buf out;

	T_OK(inventory_decode(&inv, doc_root(d, 0), &err), &err);
	T_EQ(inv.n, 3);
	buf_init(&out, 1 << 16);
	T_OK(doc_emit_json(&out, inventory_encode(doc_arena(d), &inv), 0, &err),
	    &err);
	/* sorted by id, as Flux writes it */
	T_STREQ(out.data,
	    "{\"entries\":[{\"id\":\"_ns__Namespace\",\"v\":\"v1\"},"
	    "{\"id\":\"default_a_apps_Deployment\",\"v\":\"v1\"},"
	    "{\"id\":\"default_b__Service\",\"v\":\"v1\"}]}");
	buf_release(&out);
	inventory_release(&inv);
	doc_free(d);
}

T_TEST(test_inventory_decode_rejects_malformed)
{
	const char *bad[] = {
		"entries: {id: x}\n",
		"entries:\n- {id: default_a_apps, v: v1}\n",
		"entries:\n- {id: default_a_apps_Deployment_x, v: v1}\n",
		"entries:\n- {id: default__apps_Deployment, v: v1}\n",
		"entries:\n- {id: default_a_apps_, v: v1}\n",
		"entries:\n- {id: default_a_apps_Deployment}\n",
		"entries:\n- [a]\n",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct doc *d = parse(bad[i]);
		struct inventory inv = { 0 };
		struct err err = ERR_INIT;

		T_ERR(inventory_decode(&inv, doc_root(d, 0), &err), &err,
		    ERR_INVALID);
		inventory_release(&inv);
		doc_free(d);
	}
}

T_TEST(test_inventory_decode_empty)
{
	struct doc *d = parse("{}\n");
	struct inventory inv = { 0 };
	struct err err = ERR_INIT;

	T_OK(inventory_decode(&inv, NULL, &err), &err);
	T_OK(inventory_decode(&inv, doc_root(d, 0), &err), &err);
	T_EQ(inv.n, 0);
	doc_free(d);
}

T_TEST(test_inventory_diff_finds_stale)
{
	struct inventory old = { 0 }, cur = { 0 }, stale = { 0 };

	inventory_add(&old, "default", "a", "apps", "Deployment", "v1");
	inventory_add(&old, "default", "b", "", "ConfigMap", "v1");
	inventory_add(&old, "", "ns", "", "Namespace", "v1");
	inventory_add(&cur, "default", "a", "apps", "Deployment", "v1");
	inventory_add(&cur, "default", "c", "", "ConfigMap", "v1");
	inventory_diff(&stale, &old, &cur);
	T_EQ(stale.n, 2);
	T_STREQ(stale.entries[0].id, "default_b__ConfigMap");
	T_STREQ(stale.entries[1].id, "_ns__Namespace");
	inventory_release(&old);
	inventory_release(&cur);
	inventory_release(&stale);
}

T_TEST(test_inventory_ref_parse)
{
	struct inventory_entry core = { "default_app__Service", "v1" };
	struct inventory_entry grp = { "_crontabs.example.com_apiextensions."
		                       "k8s.io_CustomResourceDefinition",
		"v1" };
	struct inventory_entry bad = { "a_b_c", "v1" };
	struct inventory_ref r;
	struct err err = ERR_INIT;

	T_OK(inventory_ref_parse(&r, &core, &err), &err);
	T_STREQ(r.namespace, "default");
	T_STREQ(r.name, "app");
	T_STREQ(r.group, "");
	T_STREQ(r.kind, "Service");
	T_STREQ(r.api_version, "v1");
	inventory_ref_release(&r);
	T_OK(inventory_ref_parse(&r, &grp, &err), &err);
	T_STREQ(r.namespace, "");
	T_STREQ(r.name, "crontabs.example.com");
	T_STREQ(r.api_version, "apiextensions.k8s.io/v1");
	T_STREQ(r.kind, "CustomResourceDefinition");
	inventory_ref_release(&r);
	T_ERR(inventory_ref_parse(&r, &bad, &err), &err, ERR_INVALID);
	inventory_ref_release(&r);
}
