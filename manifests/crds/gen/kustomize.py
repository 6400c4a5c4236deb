"""kustomize.toolkit.fluxcd.io/v1: the Kustomization kind."""

from schema import (
    age_column, array, boolean, conditions, crd, dependency_list, duration,
    enum, health_check_exprs, ignore_rules, images, int64, inventory,
    kubeconfig_ref, last_handled_reconcile_at, local_ref, metadata_template,
    obj, observed_generation, patches, ready_columns, status,
    string, string_map, timestamp,
)

GROUP = "kustomize.toolkit.fluxcd.io"
VERSION = "v1"


def history(what):
    """meta.History: the last reconciliations, newest first."""
    return array(
        f"The last distinct results of the {what}, newest first.",
        obj("One reconciliation result, counted while it repeats.", {
            "digest": string("Checksum of the rendered objects."),
            "firstReconciled": timestamp("When this result was first "
                                         "seen."),
            "lastReconciled": timestamp("When this result was last seen."),
            "lastReconciledDuration": string("How long the last "
                                             "reconciliation took."),
            "lastReconciledStatus": string("Outcome of the last "
                                           "reconciliation."),
            "totalReconciliations": int64("How many reconciliations had "
                                          "this result."),
            "metadata": string_map("Details such as the source revision "
                                   "and origin revision."),
        }, required=["digest", "firstReconciled", "lastReconciled",
                     "lastReconciledDuration", "lastReconciledStatus",
                     "totalReconciliations"]))


def kustomization():
    spec = obj("What to build and apply, and how.", {
        "sourceRef": obj(
            "The source whose artifact holds the manifests. Another "
            "namespace may be named unless the controller forbids it.", {
                "apiVersion": string("API version of the source."),
                "kind": enum("Kind of the source.",
                             ["OCIRepository", "GitRepository", "Bucket",
                              "ExternalArtifact"]),
                "name": string("Name of the source."),
                "namespace": string("Namespace of the source; defaults to "
                                    "the Kustomization's."),
            }, required=["kind", "name"]),
        "path": string(
            "Directory in the artifact to build, holding a "
            "kustomization.yaml or plain manifests; the root when empty."),
        "interval": duration("How often the manifests are applied again "
                             "to correct drift."),
        "retryInterval": duration("Delay before retrying after a failure; "
                                  "defaults to interval."),
        "timeout": duration(
            "Time limit for building, applying and health checking; "
            "defaults to interval."),
        "prune": boolean("Deletes objects that were applied before but "
                         "are no longer in the build."),
        "deletionPolicy": enum(
            "What happens to the applied objects when the Kustomization "
            "is deleted: follow prune ('MirrorPrune'), delete them "
            "('Delete'), delete and wait until they are gone "
            "('WaitForTermination') or keep them ('Orphan').",
            ["MirrorPrune", "Delete", "WaitForTermination", "Orphan"]),
        "dependsOn": dependency_list("Kustomizations"),
        "wait": boolean("Waits for every applied object to become ready; "
                        "healthChecks is then ignored."),
        "healthChecks": array(
            "Objects that must become ready before the Kustomization is "
            "Ready.",
            obj("An object to health-check.", {
                "apiVersion": string("API version of the object."),
                "kind": string("Kind of the object."),
                "name": string("Name of the object."),
                "namespace": string("Namespace of the object."),
            }, required=["kind", "name"])),
        "healthCheckExprs": health_check_exprs("applied by this "
                                               "Kustomization"),
        "targetNamespace": string(
            "Namespace set on every namespaced object of the build; the "
            "namespace must exist.", max_length=63, min_length=1),
        "serviceAccountName": string(
            "ServiceAccount to impersonate when applying and pruning."),
        "kubeConfig": kubeconfig_ref(
            "Applies to another cluster instead of this one; "
            "serviceAccountName is then impersonated there."),
        "postBuild": obj("Variable substitution run on the build output.", {
            "substitute": string_map(
                "Variables for ${name} references; they win over "
                "substituteFrom."),
            "substituteFrom": array(
                "ConfigMaps and Secrets whose data become variables; later "
                "entries win over earlier ones.",
                obj("A ConfigMap or Secret in the Kustomization's "
                    "namespace.", {
                        "kind": enum("Kind of the object.",
                                     ["Secret", "ConfigMap"]),
                        "name": string("Name of the object.",
                                       max_length=253, min_length=1),
                        "optional": boolean(
                            "Skips the object when it does not exist "
                            "instead of failing.", default=False),
                    }, required=["kind", "name"])),
            "substituteStrategy": enum(
                "'WithVariables' substitutes only when variables are "
                "defined; 'Always' substitutes even with none, so "
                "defaults in ${var:=default} apply.",
                ["WithVariables", "Always"]),
        }),
        "decryption": obj("Decrypts SOPS-encrypted manifests.", {
            "provider": enum("Decryption engine.", ["sops"]),
            "secretRef": local_ref(
                "Secret with the private keys: age ('*.agekey'), OpenPGP "
                "('*.asc'), Vault token or cloud KMS credentials."),
            "serviceAccountName": string(
                "ServiceAccount whose workload identity is used for cloud "
                "KMS."),
        }, required=["provider"]),
        "force": boolean("Recreates objects whose immutable fields "
                         "changed.", default=False),
        "patches": patches("Patches applied to the build, as in a "
                           "kustomization.yaml."),
        "images": images("Container image overrides applied to the build."),
        "namePrefix": string("Prefix added to the names of all objects.",
                             max_length=200, min_length=1),
        "nameSuffix": string("Suffix added to the names of all objects.",
                             max_length=200, min_length=1),
        "components": array("Kustomize components to include, as paths "
                            "relative to path.", string()),
        "ignoreMissingComponents": boolean(
            "Leaves out components whose directory does not exist instead "
            "of failing."),
        "commonMetadata": metadata_template("every applied object"),
        "ignore": ignore_rules("the applied objects"),
        "buildMetadata": array(
            "Kustomize build annotations to keep on the objects.",
            enum(None, ["originAnnotations", "transformerAnnotations"])),
        "suspend": boolean("Stops the reconciliation of this Kustomization "
                           "while true."),
    }, required=["interval", "prune", "sourceRef"])
    st = status("Kustomization", {
        "observedGeneration": observed_generation("Kustomization"),
        "conditions": conditions("Kustomization"),
        "lastAppliedRevision": string("Source revision last applied "
                                      "successfully."),
        "lastAppliedOriginRevision": string(
            "Origin revision (e.g. the Git commit behind an OCI artifact) "
            "last applied successfully."),
        "lastAttemptedRevision": string("Source revision last tried."),
        "inventory": inventory("Kustomization"),
        "history": history("Kustomization"),
        "lastHandledReconcileAt": last_handled_reconcile_at(),
    })
    return crd(GROUP, VERSION, "Kustomization", "kustomizations",
               "Builds a directory of a source artifact with kustomize and "
               "applies the result to the cluster.", spec, st,
               short_names=["ks"],
               categories=["all", "fluxcd", "fluxcd-appliers"],
               component="kustomize-controller",
               columns=[age_column(), *ready_columns()])


def all_crds():
    return [kustomization()]

