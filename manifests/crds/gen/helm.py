"""helm.toolkit.fluxcd.io/v2: the HelmRelease kind."""

from schema import (
    age_column, any_json, array, boolean, conditions, crd, dependency_list,
    duration, enum, health_check_exprs, ignore_rules, images, int64, integer,
    inventory, kubeconfig_ref, last_handled_reconcile_at, local_ref,
    metadata_template, obj, observed_generation, patches, ready_columns,
    rule, status, string, timestamp,
)

GROUP = "helm.toolkit.fluxcd.io"
VERSION = "v2"

NAME = {"max_length": 253, "min_length": 1}
NAMESPACE = {"max_length": 63, "min_length": 1}
CRDS = ["Skip", "Create", "CreateReplace"]
SSA_MODES = ["enabled", "disabled", "auto"]


def _timeout(action):
    return duration(f"Time limit for each Kubernetes operation of the "
                    f"{action}; defaults to spec.timeout.")


def _strategy(action, expr, message):
    return obj(f"What to do when the {action} fails.", {
        "name": enum(
            "'RemediateOnFailure' runs the configured remediation; "
            "'RetryOnFailure' retries the action after retryInterval.",
            ["RemediateOnFailure", "RetryOnFailure"]),
        "retryInterval": duration(
            "Delay between retries with RetryOnFailure; 5m when empty."),
    }, required=["name"], cel=[rule(expr, message)])


def _common_action_flags(action):
    return {
        "disableHooks": boolean(f"Does not run hooks during the {action}."),
        "disableWait": boolean(f"Does not wait for resources to become "
                               f"ready after the {action}."),
        "disableWaitForJobs": boolean(f"Does not wait for Jobs to complete "
                                      f"after the {action}."),
        "disableOpenAPIValidation": boolean(
            f"Skips validating the rendered manifests against the "
            f"cluster's OpenAPI schema during the {action}."),
        "disableSchemaValidation": boolean(
            f"Skips validating values against the chart's JSON schema "
            f"during the {action}."),
        "disableTakeOwnership": boolean(
            f"Refuses to adopt existing resources that lack Helm ownership "
            f"metadata during the {action}."),
    }


def _install():
    props = _common_action_flags("install")
    props.update({
        "timeout": _timeout("install"),
        "remediation": obj("What to do when the install fails.", {
            "retries": integer(
                "How many times to remediate and retry; 0 never retries "
                "and a negative number retries forever."),
            "ignoreTestFailures": boolean(
                "Does not treat failing Helm tests as an install failure; "
                "defaults to test.ignoreFailures."),
            "remediateLastFailure": boolean(
                "Also remediates after the last retry failed."),
        }),
        "strategy": _strategy(
            "install", "!has(self.retryInterval) || "
            "self.name != 'RemediateOnFailure'",
            ".retryInterval cannot be set when .name is "
            "'RemediateOnFailure'"),
        "replace": boolean("Reuses the name of a release that was deleted "
                           "but kept in history."),
        "crds": enum(
            "How CRDs in the chart's crds/ directory are handled: not at "
            "all ('Skip'), created when missing ('Create', the default) or "
            "also replaced ('CreateReplace').", CRDS),
        "skipCRDs": boolean("Deprecated: use crds: Skip."),
        "createNamespace": boolean(
            "Creates the target namespace if it does not exist; it is not "
            "deleted on uninstall."),
        "serverSideApply": boolean("Applies the resources with server-side "
                                   "apply; true when unset."),
    })
    return obj("How the release is installed.", props)


def _upgrade():
    props = _common_action_flags("upgrade")
    props.update({
        "timeout": _timeout("upgrade"),
        "remediation": obj("What to do when the upgrade fails.", {
            "retries": integer(
                "How many times to remediate and retry; 0 never retries "
                "and a negative number retries forever."),
            "ignoreTestFailures": boolean(
                "Does not treat failing Helm tests as an upgrade failure; "
                "defaults to test.ignoreFailures."),
            "remediateLastFailure": boolean(
                "Also remediates after the last retry failed; defaults to "
                "true when retries is above 0."),
            "strategy": enum("How to remediate: roll back to the previous "
                             "release (the default) or uninstall.",
                             ["rollback", "uninstall"]),
        }),
        "strategy": _strategy(
            "upgrade", "!has(self.retryInterval) || "
            "self.name == 'RetryOnFailure'",
            ".retryInterval can only be set when .name is "
            "'RetryOnFailure'"),
        "force": boolean("Replaces resources that cannot be updated, by "
                         "deleting and recreating them."),
        "preserveValues": boolean("Reuses the values of the previous "
                                  "release, with new values merged on "
                                  "top."),
        "cleanupOnFail": boolean("Deletes resources created by a failed "
                                 "upgrade."),
        "crds": enum(
            "How CRDs in the chart's crds/ directory are handled: not at "
            "all ('Skip', the default), created when missing ('Create') or "
            "also replaced ('CreateReplace').", CRDS),
        "serverSideApply": enum(
            "Whether to use server-side apply; 'auto' (the default) keeps "
            "what the release used before.", SSA_MODES),
        "chartNameChangeStrategy": enum(
            "What to do when the chart name changes: uninstall and install "
            "again ('Reinstall', the default) or upgrade in place.",
            ["InPlaceUpdate", "Reinstall"]),
    })
    return obj("How the release is upgraded.", props)


def _test():
    return obj("Runs the chart's Helm tests after install and upgrade.", {
        "enable": boolean("Runs the tests."),
        "timeout": _timeout("tests"),
        "ignoreFailures": boolean("Keeps the release Ready when tests "
                                  "fail."),
        "filters": array(
            "Which tests to run.",
            obj("A test, by name.", {
                "name": string("Name of the test.", **NAME),
                "exclude": boolean("Leaves this test out instead of "
                                   "selecting it."),
            }, required=["name"])),
    })


def _rollback():
    return obj("How a failed upgrade is rolled back.", {
        "timeout": _timeout("rollback"),
        "disableWait": boolean("Does not wait for resources to become "
                               "ready after the rollback."),
        "disableWaitForJobs": boolean("Does not wait for Jobs to complete "
                                      "after the rollback."),
        "disableHooks": boolean("Does not run hooks during the rollback."),
        "recreate": boolean("Deprecated: restarts pods of the rolled back "
                            "resources."),
        "force": boolean("Replaces resources that cannot be updated, by "
                         "deleting and recreating them."),
        "cleanupOnFail": boolean("Deletes resources created by a failed "
                                 "rollback."),
        "serverSideApply": enum(
            "Whether to use server-side apply; 'auto' keeps what the "
            "release used before.", SSA_MODES),
    })


def _uninstall():
    return obj("How the release is uninstalled.", {
        "timeout": _timeout("uninstall"),
        "disableHooks": boolean("Does not run hooks during the uninstall."),
        "keepHistory": boolean("Keeps the release history in storage."),
        "disableWait": boolean("Does not wait for resources to be deleted."),
        "deletionPropagation": enum(
            "Cascading deletion mode for the release's resources.",
            ["background", "foreground", "orphan"], default="background"),
    })


def _values_reference():
    return obj("A ConfigMap or Secret holding values.", {
        "kind": enum("Kind of the object.", ["Secret", "ConfigMap"]),
        "name": string("Name of the object, in the HelmRelease's "
                       "namespace.", **NAME),
        "valuesKey": string("Key in the object holding the values; "
                            "'values.yaml' when empty.", max_length=253,
                            pattern=r"^[\-._a-zA-Z0-9]+$"),
        "targetPath": string(
            "Path in the values (Helm --set syntax) where the key's value "
            "is put as a single value; the key then holds a scalar.",
            max_length=250,
            pattern=r"^([a-zA-Z0-9_\-.\\\/]|\[[0-9]{1,5}\])+$"),
        "optional": boolean("Skips the object or key when missing instead "
                            "of failing."),
        "literal": boolean("With targetPath, sets the value as a literal "
                           "string instead of parsing it."),
    }, required=["kind", "name"])


def _chart_template():
    return obj(
        "A HelmChart that the controller creates and keeps up to date for "
        "this release.", {
            "metadata": metadata_template("the HelmChart"),
            "spec": obj("The HelmChart's spec.", {
                "chart": string("Chart name in a HelmRepository, or path "
                                "in a GitRepository or Bucket.",
                                max_length=2048, min_length=1),
                "version": string("Semantic version range of the chart; "
                                  "ignored for Git and Bucket sources.",
                                  default="*"),
                "sourceRef": obj("The source holding the chart.", {
                    "apiVersion": string("API version of the source."),
                    "kind": enum("Kind of the source.",
                                 ["HelmRepository", "GitRepository",
                                  "Bucket"]),
                    "name": string("Name of the source.", **NAME),
                    "namespace": string("Namespace of the source; defaults "
                                        "to the HelmRelease's.",
                                        **NAMESPACE),
                }, required=["kind", "name"]),
                "interval": duration("How often the source is checked for "
                                     "a new chart; defaults to the "
                                     "HelmRelease's interval."),
                "reconcileStrategy": enum(
                    "What triggers a new chart: a new version "
                    "('ChartVersion') or any new source revision "
                    "('Revision').", ["ChartVersion", "Revision"],
                    default="ChartVersion"),
                "valuesFiles": array("Values files of the chart merged, in "
                                     "order, into its default values.",
                                     string()),
                "ignoreMissingValuesFiles": boolean(
                    "Skips values files that do not exist instead of "
                    "failing."),
                "verify": obj("Checks the signature of an OCI chart.", {
                    "provider": enum("Signature format to check.",
                                     ["cosign", "notation"],
                                     default="cosign"),
                    "secretRef": local_ref(
                        "Secret with the trusted public keys or trust "
                        "policy."),
                }, required=["provider"]),
            }, required=["chart", "sourceRef"]),
        }, required=["spec"])


def _snapshot():
    return obj("One Helm release revision as the controller saw it.", {
        "apiVersion": string("Version of this snapshot's format."),
        "digest": string("Checksum of the release object."),
        "name": string("Release name."),
        "namespace": string("Namespace the release is installed to."),
        "version": integer("Release revision number."),
        "status": string("Helm status of the release, e.g. 'deployed'."),
        "action": string("Helm action that made this revision."),
        "chartName": string("Name of the chart."),
        "chartVersion": string("Version of the chart."),
        "appVersion": string("App version of the chart."),
        "configDigest": string("Checksum of the values."),
        "firstDeployed": timestamp("When the release was first deployed."),
        "lastDeployed": timestamp("When this revision was deployed."),
        "deleted": timestamp("When the release was deleted."),
        "testHooks": {
            "description": "Helm tests of this revision, by name.",
            "type": "object",
            "additionalProperties": obj("Outcome of one test.", {
                "lastStarted": timestamp("When the test last started."),
                "lastCompleted": timestamp("When the test last finished."),
                "phase": string("Phase of the test, e.g. 'Succeeded'."),
            }),
        },
        "ociDigest": string("Digest of the OCI artifact the chart came "
                            "from."),
    }, required=["chartName", "chartVersion", "configDigest", "digest",
                 "firstDeployed", "lastDeployed", "name", "namespace",
                 "status", "version"])


def _status():
    return status("HelmRelease", {
        "observedGeneration": observed_generation("HelmRelease"),
        "observedPostRenderersDigest": string(
            "Checksum of the post renderers last applied."),
        "observedCommonMetadataDigest": string(
            "Checksum of the commonMetadata last applied."),
        "lastAttemptedGeneration": int64(
            "The .metadata.generation last attempted."),
        "conditions": conditions("HelmRelease"),
        "helmChart": string("The HelmChart made for this release, as "
                            "<namespace>/<name>."),
        "storageNamespace": string("Namespace of the Helm storage of the "
                                   "current release.", **NAMESPACE),
        "history": array("Recent release revisions, newest first.",
                         _snapshot()),
        "lastAttemptedReleaseAction": enum(
            "The last Helm action tried.", ["install", "upgrade"]),
        "lastAttemptedReleaseActionDuration": string(
            "How long the last install or upgrade took."),
        "failures": int64("Failed reconciliations since the last success."),
        "installFailures": int64("Failed installs since the last "
                                 "success."),
        "upgradeFailures": int64("Failed upgrades since the last "
                                 "success."),
        "lastAttemptedRevision": string("Chart version (and digest) last "
                                        "tried."),
        "lastAttemptedRevisionDigest": string(
            "Digest of the chart artifact last tried."),
        "lastAttemptedValuesChecksum": string("Deprecated: see "
                                              "lastAttemptedConfigDigest."),
        "lastReleaseRevision": integer("Deprecated: see history."),
        "lastAttemptedConfigDigest": string("Checksum of the values last "
                                            "tried."),
        "lastHandledForceAt": string(
            "Value of reconcile.fluxcd.io/forceAt last acted on."),
        "lastHandledResetAt": string(
            "Value of reconcile.fluxcd.io/resetAt last acted on."),
        "lastHandledReconcileAt": last_handled_reconcile_at(),
        "inventory": inventory("release"),
    })


def helm_release():
    spec = obj("Which chart to release and how.", {
        "chart": _chart_template(),
        "chartRef": obj("An existing source artifact holding the chart; "
                        "set either this or chart.", {
            "apiVersion": string("API version of the source."),
            "kind": enum("Kind of the source.",
                         ["OCIRepository", "HelmChart",
                          "ExternalArtifact"]),
            "name": string("Name of the source.", **NAME),
            "namespace": string("Namespace of the source; defaults to the "
                                "HelmRelease's.", **NAMESPACE),
        }, required=["kind", "name"]),
        "interval": duration("How often the release is reconciled."),
        "kubeConfig": kubeconfig_ref(
            "Releases to another cluster instead of this one."),
        "suspend": boolean("Stops the reconciliation of this HelmRelease "
                           "while true."),
        "releaseName": string(
            "Helm release name; '[<targetNamespace>-]<name>' when empty.",
            max_length=53, min_length=1),
        "targetNamespace": string(
            "Namespace the release is installed to; the HelmRelease's when "
            "empty.", **NAMESPACE),
        "storageNamespace": string(
            "Namespace of the Helm storage Secrets; the HelmRelease's when "
            "empty.", **NAMESPACE),
        "dependsOn": dependency_list("HelmReleases"),
        "timeout": duration("Time limit for each Kubernetes operation of "
                            "a Helm action; 5m when empty."),
        "maxHistory": integer("Release revisions kept in storage; 5 when "
                              "unset and 0 for no limit."),
        "serviceAccountName": string(
            "ServiceAccount to impersonate for all Helm actions.", **NAME),
        "persistentClient": boolean(
            "Keeps one Kubernetes client for a whole reconciliation; true "
            "when unset."),
        "driftDetection": obj(
            "Compares the cluster with the release manifest and corrects "
            "differences.", {
                "mode": enum(
                    "'enabled' corrects drift, 'warn' only reports it, "
                    "'disabled' (the default) does neither.",
                    ["enabled", "warn", "disabled"]),
                "ignore": ignore_rules("the release's objects"),
            }),
        "install": _install(),
        "upgrade": _upgrade(),
        "test": _test(),
        "rollback": _rollback(),
        "uninstall": _uninstall(),
        "valuesFrom": array(
            "Values merged in order before spec.values; an entry with "
            "targetPath is applied last.", _values_reference()),
        "values": any_json("Inline values, merged over valuesFrom."),
        "postRenderers": array(
            "Post renderers applied, in order, to the rendered manifests.",
            obj("One post renderer.", {
                "kustomize": obj("Kustomize patches and image overrides.", {
                    "patches": patches("Patches to apply."),
                    "images": images("Container image overrides."),
                }),
            })),
        "postRenderStrategy": enum(
            "Whether hooks go through post renderers: not at all "
            "('nohooks'), with the templates ('combined') or in their own "
            "pass ('separate').", ["nohooks", "combined", "separate"]),
        "commonMetadata": metadata_template("every object of the release"),
        "waitStrategy": obj("How Helm waits for resources to become "
                            "ready.", {
            "name": enum("'poller' checks readiness with kstatus; 'legacy' "
                         "uses Helm 3's checks.", ["poller", "legacy"]),
        }, required=["name"]),
        "healthCheckExprs": health_check_exprs("of the release"),
    }, required=["interval"], cel=[
        rule("(has(self.chart) && !has(self.chartRef)) || "
             "(!has(self.chart) && has(self.chartRef))",
             "either chart or chartRef must be set"),
    ])
    return crd(GROUP, VERSION, "HelmRelease", "helmreleases",
               "A Helm release that helm-controller installs, upgrades, "
               "tests and remediates.", spec, _status(),
               short_names=["hr"],
               categories=["all", "fluxcd", "fluxcd-appliers"],
               component="helm-controller",
               columns=[age_column(), *ready_columns()])


def all_crds():
    return [helm_release()]
