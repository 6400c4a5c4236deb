/*
 * kustomize_build() end to end on small trees; every expected output is
 * what kubectl kustomize (kustomize v5.5.0) prints for the same tree.
 */
#include <stdlib.h>
#include <string.h>

#include "kustomize/kustomize.h"
#include "t.h"
#include "tree.h"

/* Namespace, prefix, commonLabels, generators with hashed names and the
 * references to them, in kustomize's output order. */
T_TEST(test_overlay_of_names_labels_and_generators)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out;

	tree_put(root, "kustomization.yaml",
	    "namePrefix: p-\n"
	    "namespace: team\n"
	    "commonLabels:\n"
	    "  app: web\n"
	    "resources:\n"
	    "- deploy.yaml\n"
	    "- ns.yaml\n"
	    "configMapGenerator:\n"
	    "- name: conf\n"
	    "  literals:\n"
	    "  - A=1\n"
	    "  - B=two\n"
	    "secretGenerator:\n"
	    "- name: creds\n"
	    "  literals:\n"
	    "  - password=s3cr3t\n");
	tree_put(root, "deploy.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata:\n"
	    "  name: web\n"
	    "spec:\n"
	    "  template:\n"
	    "    spec:\n"
	    "      containers:\n"
	    "      - name: app\n"
	    "        image: nginx:1.25\n"
	    "        envFrom:\n"
	    "        - configMapRef:\n"
	    "            name: conf\n"
	    "        - secretRef:\n"
	    "            name: creds\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: Service\n"
	    "metadata:\n"
	    "  name: web\n"
	    "spec:\n"
	    "  ports:\n"
	    "  - port: 80\n");
	tree_put(root, "ns.yaml",
	    "apiVersion: v1\n"
	    "kind: Namespace\n"
	    "metadata:\n"
	    "  name: team\n");
	out = tree_build(root, ".", &err);
	T_STREQ(out,
	    "apiVersion: v1\n"
	    "kind: Namespace\n"
	    "metadata:\n"
	    "  labels:\n"
	    "    app: web\n"
	    "  name: team\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "data:\n"
	    "  A: \"1\"\n"
	    "  B: two\n"
	    "kind: ConfigMap\n"
	    "metadata:\n"
	    "  labels:\n"
	    "    app: web\n"
	    "  name: p-conf-6b56fdfggc\n"
	    "  namespace: team\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "data:\n"
	    "  password: czNjcjN0\n"
	    "kind: Secret\n"
	    "metadata:\n"
	    "  labels:\n"
	    "    app: web\n"
	    "  name: p-creds-25k92892fb\n"
	    "  namespace: team\n"
	    "type: Opaque\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: Service\n"
	    "metadata:\n"
	    "  labels:\n"
	    "    app: web\n"
	    "  name: p-web\n"
	    "  namespace: team\n"
	    "spec:\n"
	    "  ports:\n"
	    "  - port: 80\n"
	    "  selector:\n"
	    "    app: web\n"
	    "---\n"
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata:\n"
	    "  labels:\n"
	    "    app: web\n"
	    "  name: p-web\n"
	    "  namespace: team\n"
	    "spec:\n"
	    "  selector:\n"
	    "    matchLabels:\n"
	    "      app: web\n"
	    "  template:\n"
	    "    metadata:\n"
	    "      labels:\n"
	    "        app: web\n"
	    "    spec:\n"
	    "      containers:\n"
	    "      - envFrom:\n"
	    "        - configMapRef:\n"
	    "            name: p-conf-6b56fdfggc\n"
	    "        - secretRef:\n"
	    "            name: p-creds-25k92892fb\n"
	    "        image: nginx:1.25\n"
	    "        name: app\n");
	free(out);
	tree_free(root);
}

/* Strategic merge (list items of the patch first, $patch: delete), a
 * JSON patch chosen by a kind regex and a label selector, images and
 * replicas. */
T_TEST(test_patches_images_and_replicas)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out;

	tree_put(root, "base/kustomization.yaml",
	    "resources:\n"
	    "- deploy.yaml\n");
	tree_put(root, "base/deploy.yaml",
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata:\n"
	    "  name: web\n"
	    "  labels:\n"
	    "    tier: front\n"
	    "spec:\n"
	    "  replicas: 1\n"
	    "  template:\n"
	    "    spec:\n"
	    "      containers:\n"
	    "      - name: app\n"
	    "        image: nginx:1.25\n"
	    "        ports:\n"
	    "        - containerPort: 80\n"
	    "      - name: sidecar\n"
	    "        image: envoy:1\n"
	    "      volumes:\n"
	    "      - name: data\n"
	    "        emptyDir: {}\n"
	    "---\n"
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata:\n"
	    "  name: worker\n"
	    "  labels:\n"
	    "    tier: back\n"
	    "spec:\n"
	    "  replicas: 1\n"
	    "  template:\n"
	    "    spec:\n"
	    "      containers:\n"
	    "      - name: app\n"
	    "        image: busybox\n");
	tree_put(root, "overlay/kustomization.yaml",
	    "resources:\n"
	    "- ../base\n"
	    "images:\n"
	    "- name: nginx\n"
	    "  newTag: \"1.27\"\n"
	    "replicas:\n"
	    "- name: worker\n"
	    "  count: 3\n"
	    "patches:\n"
	    "- patch: |\n"
	    "    apiVersion: apps/v1\n"
	    "    kind: Deployment\n"
	    "    metadata:\n"
	    "      name: web\n"
	    "    spec:\n"
	    "      template:\n"
	    "        spec:\n"
	    "          containers:\n"
	    "          - name: log\n"
	    "            image: fluentbit:2\n"
	    "          - name: app\n"
	    "            ports:\n"
	    "            - containerPort: 8080\n"
	    "          volumes:\n"
	    "          - name: data\n"
	    "            $patch: delete\n"
	    "- target:\n"
	    "    kind: Deploy.*\n"
	    "    labelSelector: \"tier in (back)\"\n"
	    "  patch: |\n"
	    "    - op: add\n"
	    "      path: /metadata/annotations\n"
	    "      value:\n"
	    "        team: batch\n");
	out = tree_build(root, "overlay", &err);
	T_STREQ(out,
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata:\n"
	    "  labels:\n"
	    "    tier: front\n"
	    "  name: web\n"
	    "spec:\n"
	    "  replicas: 1\n"
	    "  template:\n"
	    "    spec:\n"
	    "      containers:\n"
	    "      - image: fluentbit:2\n"
	    "        name: log\n"
	    "      - image: nginx:1.27\n"
	    "        name: app\n"
	    "        ports:\n"
	    "        - containerPort: 8080\n"
	    "        - containerPort: 80\n"
	    "      - image: envoy:1\n"
	    "        name: sidecar\n"
	    "      volumes: []\n"
	    "---\n"
	    "apiVersion: apps/v1\n"
	    "kind: Deployment\n"
	    "metadata:\n"
	    "  annotations:\n"
	    "    team: batch\n"
	    "  labels:\n"
	    "    tier: back\n"
	    "  name: worker\n"
	    "spec:\n"
	    "  replicas: 3\n"
	    "  template:\n"
	    "    spec:\n"
	    "      containers:\n"
	    "      - image: busybox\n"
	    "        name: app\n");
	free(out);
	tree_free(root);
}

/* go-yaml v2's key order: non-letters before letters, digit runs by
 * value. */
T_TEST(test_keys_sorted_as_kustomize_prints_them)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out;

	tree_put(root, "kustomization.yaml", "resources: [cm.yaml]\n");
	tree_put(root, "cm.yaml",
	    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n"
	    "data: {a10: x, a9: x, AN: x, A_B: x, b: x}\n");
	out = tree_build(root, ".", &err);
	T_STREQ(out,
	    "apiVersion: v1\n"
	    "data:\n"
	    "  A_B: x\n"
	    "  AN: x\n"
	    "  a9: x\n"
	    "  a10: x\n"
	    "  b: x\n"
	    "kind: ConfigMap\n"
	    "metadata:\n"
	    "  name: c\n");
	free(out);
	tree_free(root);
}

/* kustomize reads kustomization files leniently: a repeated key wins. */
T_TEST(test_repeated_kustomization_key_takes_the_last_value)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out;

	tree_put(root, "kustomization.yaml",
	    "namePrefix: a-\nresources: [cm.yaml]\nnamePrefix: b-\n");
	tree_put(root, "cm.yaml",
	    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\n");
	out = tree_build(root, ".", &err);
	T_STREQ(out,
	    "apiVersion: v1\nkind: ConfigMap\nmetadata:\n"
	    "  name: b-c\n");
	free(out);
	tree_free(root);
}

/* The ConfigMap hash ignores the name, as kustomize's does. */
T_TEST(test_configmap_hash_matches_kustomize)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out;

	tree_put(root, "kustomization.yaml",
	    "configMapGenerator:\n- name: test\n  literals:\n  - TEST='\n");
	out = tree_build(root, ".", &err);
	T_STREQ(out,
	    "apiVersion: v1\ndata:\n  TEST: ''''\n"
	    "kind: ConfigMap\nmetadata:\n  name: test-m8t7bmb6g2\n");
	free(out);
	tree_free(root);
}

/* The crds field: a custom type's reference to a ConfigMap follows its
 * rename and its label selector gets the common labels. */
T_TEST(test_crd_definitions_extend_references_and_selectors)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out;

	tree_put(root, "kustomization.yaml",
	    "crds:\n"
	    "- types.yaml\n"
	    "resources:\n"
	    "- objs.yaml\n"
	    "namePrefix: p-\n"
	    "commonLabels:\n"
	    "  app: a\n");
	tree_put(root, "types.yaml",
	    "example.com/v1.Gadget:\n"
	    "  Schema:\n"
	    "    properties:\n"
	    "      apiVersion: {type: string}\n"
	    "      kind: {type: string}\n"
	    "      metadata: {type: object}\n"
	    "      spec:\n"
	    "        $ref: example.com/v1.GadgetSpec\n"
	    "example.com/v1.GadgetSpec:\n"
	    "  Schema:\n"
	    "    properties:\n"
	    "      configRef:\n"
	    "        x-kubernetes-object-ref-api-version: v1\n"
	    "        x-kubernetes-object-ref-kind: ConfigMap\n"
	    "        type: object\n"
	    "      selector:\n"
	    "        x-kubernetes-label-selector: \"\"\n"
	    "        type: object\n");
	tree_put(root, "objs.yaml",
	    "apiVersion: v1\n"
	    "kind: ConfigMap\n"
	    "metadata:\n"
	    "  name: settings\n"
	    "---\n"
	    "apiVersion: example.com/v1\n"
	    "kind: Gadget\n"
	    "metadata:\n"
	    "  name: g\n"
	    "spec:\n"
	    "  configRef:\n"
	    "    name: settings\n"
	    "  selector:\n"
	    "    tier: x\n");
	out = tree_build(root, ".", &err);
	T_STREQ(out,
	    "apiVersion: v1\n"
	    "kind: ConfigMap\n"
	    "metadata:\n"
	    "  labels:\n"
	    "    app: a\n"
	    "  name: p-settings\n"
	    "---\n"
	    "apiVersion: example.com/v1\n"
	    "kind: Gadget\n"
	    "metadata:\n"
	    "  labels:\n"
	    "    app: a\n"
	    "  name: p-g\n"
	    "spec:\n"
	    "  configRef:\n"
	    "    name: p-settings\n"
	    "  selector:\n"
	    "    app: a\n"
	    "    tier: x\n");
	free(out);
	tree_free(root);
}

/* A NamespaceTransformer plugin with unsetOnly and allServiceAccounts:
 * set namespaces stay, every ServiceAccount subject follows. */
T_TEST(test_namespace_plugin_options)
{
	struct err err = ERR_INIT;
	char *root = tree_new(), *out;

	tree_put(root, "kustomization.yaml",
	    "resources: [objs.yaml]\n"
	    "transformers:\n"
	    "- |\n"
	    "  apiVersion: builtin\n"
	    "  kind: NamespaceTransformer\n"
	    "  metadata:\n"
	    "    name: ns\n"
	    "    namespace: target\n"
	    "  unsetOnly: true\n"
	    "  setRoleBindingSubjects: allServiceAccounts\n");
	tree_put(root, "objs.yaml",
	    "apiVersion: v1\n"
	    "kind: ConfigMap\n"
	    "metadata:\n"
	    "  name: a\n"
	    "  namespace: keep\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: ConfigMap\n"
	    "metadata:\n"
	    "  name: b\n"
	    "---\n"
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: RoleBinding\n"
	    "metadata:\n"
	    "  name: rb\n"
	    "roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\n"
	    "subjects:\n"
	    "- {kind: ServiceAccount, name: sa1}\n"
	    "- {kind: ServiceAccount, name: sa2, namespace: other}\n"
	    "- {kind: User, name: bob}\n");
	out = tree_build(root, ".", &err);
	T_STREQ(out,
	    "apiVersion: rbac.authorization.k8s.io/v1\n"
	    "kind: RoleBinding\n"
	    "metadata:\n"
	    "  name: rb\n"
	    "  namespace: target\n"
	    "roleRef:\n"
	    "  apiGroup: rbac.authorization.k8s.io\n"
	    "  kind: Role\n"
	    "  name: r\n"
	    "subjects:\n"
	    "- kind: ServiceAccount\n"
	    "  name: sa1\n"
	    "  namespace: target\n"
	    "- kind: ServiceAccount\n"
	    "  name: sa2\n"
	    "  namespace: other\n"
	    "- kind: User\n"
	    "  name: bob\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: ConfigMap\n"
	    "metadata:\n"
	    "  name: a\n"
	    "  namespace: keep\n"
	    "---\n"
	    "apiVersion: v1\n"
	    "kind: ConfigMap\n"
	    "metadata:\n"
	    "  name: b\n"
	    "  namespace: target\n");
	free(out);
	tree_free(root);
}
