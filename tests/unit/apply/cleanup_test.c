/*
 * Which live objects Flux's takeover cleanup touches: kubectl's
 * managers, before-first-apply, our own Update entries and the
 * last-applied-configuration annotation; nothing else.
 */
#include <stdio.h>
#include <string.h>

#include "apply/apply_int.h"
#include "t.h"

/* Whether a ConfigMap with one managedFields entry (and extra metadata
 * text) needs the cleanup. */
static bool
needs(const char *entry, const char *meta)
{
	struct err err = ERR_INIT;
	struct doc *d = NULL;
	char text[1024];
	bool need = false;

	(void)snprintf(text, sizeof(text),
	    "apiVersion: v1\nkind: ConfigMap\n"
	    "metadata:\n  name: c\n%s  managedFields: [%s]\n",
	    meta, entry);
	T_OK(doc_parse_yaml(&d, text, strlen(text), NULL, &err), &err);
	if (d != NULL)
		need = apply_cleanup_needed(doc_root(d, 0),
		    "kustomize-controller");
	doc_free(d);
	return need;
}

T_TEST(test_cleanup_takes_over_kubectl)
{
	T_TRUE(needs("{manager: kubectl-client-side-apply, operation: Update}",
	    ""));
	T_TRUE(needs("{manager: kubectl, operation: Apply}", ""));
	T_TRUE(needs("{manager: kubectl-edit, operation: Update}", ""));
	T_TRUE(needs("{manager: before-first-apply, operation: Update}", ""));
	T_TRUE(needs("{manager: kustomize-controller, operation: Update}", ""));
	T_TRUE(needs("{manager: kustomize-controller, operation: Apply}",
	    "  annotations: {kubectl.kubernetes.io/"
	    "last-applied-configuration: '{}'}\n"));
}

T_TEST(test_cleanup_leaves_others_alone)
{
	T_TRUE(!needs("{manager: kustomize-controller, operation: Apply}", ""));
	T_TRUE(!needs("{manager: helm, operation: Update}", ""));
	T_TRUE(!needs("{manager: kube-controller-manager, operation: Update}",
	    ""));
	/* status writes are not ours to take */
	T_TRUE(!needs("{manager: kubectl, operation: Update, subresource: "
	              "status}",
	    ""));
	T_TRUE(!needs("{manager: kustomize-controller, operation: Apply}",
	    "  annotations: {other: x}\n"));
}
