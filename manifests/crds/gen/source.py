"""source.toolkit.fluxcd.io/v1: the kinds source-controller reconciles."""

from schema import (
    array, artifact, boolean, conditions, crd, age_column, column, duration,
    enum, last_handled_reconcile_at, local_ref, obj, observed_generation,
    oidc_identities, ready_columns, rule, short_duration, status, string,
    string_map,
)

GROUP = "source.toolkit.fluxcd.io"
VERSION = "v1"
CATEGORIES = ["all", "fluxcd", "fluxcd-sources"]
COMPONENT = "source-controller"


def _common_status(what, extra):
    props = {
        "observedGeneration": observed_generation(what),
        "conditions": conditions(what),
        "artifact": artifact(f"The last artifact produced for this {what}."),
        "lastHandledReconcileAt": last_handled_reconcile_at(),
    }
    props.update(extra)
    return status(what, props)


def _interval(what):
    return duration(f"How often the {what} is checked for new content. "
                    "The controller adds a little jitter.")


def _timeout(what):
    return short_duration(f"Time limit for each {what} operation.",
                          default="60s")


def _suspend(what):
    return boolean(f"Stops the reconciliation of this {what} while true.")


def _ignore():
    return string(
        "Patterns in .gitignore syntax of files to leave out of the "
        "artifact; replaces the built-in default exclusions.")


def _observed_ignore():
    return string("The ignore patterns used for the current artifact.")


def _proxy_ref(target):
    return local_ref(
        f"Secret with the proxy to use towards the {target}: keys "
        "'address', and optionally 'username' and 'password'.")


def _cert_ref(target):
    return local_ref(
        f"Secret with TLS material for the {target}: 'ca.crt' to trust a "
        "CA, 'tls.crt' and 'tls.key' for a client certificate.")


def git_repository():
    include = obj(
        "Another GitRepository whose artifact is copied into this one.", {
            "repository": local_ref("The GitRepository to include, in the "
                                    "same namespace."),
            "fromPath": string("Directory of the included artifact to "
                               "copy; the whole artifact when empty."),
            "toPath": string("Directory to copy it to; defaults to the "
                             "name of the included GitRepository."),
        }, required=["repository"])
    spec = obj("What to fetch from Git and how.", {
        "url": string("Address of the repository: http://, https:// or "
                      "ssh://.", pattern=r"^(http|https|ssh)://.*$"),
        "secretRef": local_ref(
            "Secret with credentials: 'username' and 'password' or "
            "'bearerToken' for HTTPS, 'identity' and 'known_hosts' for "
            "SSH, and TLS keys ('ca.crt', 'tls.crt', 'tls.key')."),
        "provider": enum(
            "Who supplies credentials: 'generic' (secretRef), or the "
            "workload identity of 'aws' or 'azure', or a GitHub App "
            "('github'). Defaults to 'generic'.",
            ["generic", "aws", "azure", "github"]),
        "serviceAccountName": string(
            "ServiceAccount whose workload identity is used; only with the "
            "'azure' and 'aws' providers."),
        "interval": _interval("repository"),
        "timeout": _timeout("Git"),
        "ref": obj(
            "Which reference to check out; the 'master' branch when none "
            "is given. Precedence: commit, name, semver, tag, branch.", {
                "branch": string("Branch to follow."),
                "tag": string("Tag to check out; wins over branch."),
                "semver": string("Semantic version range picking the "
                                 "highest matching tag; wins over tag."),
                "name": string(
                    "Full reference name such as 'refs/heads/main' or "
                    "'refs/pull/1/head'; wins over branch, tag and semver."),
                "commit": string(
                    "Commit SHA to check out; wins over everything. With a "
                    "branch, the branch is cloned and must contain it."),
            }),
        "verify": obj(
            "Checks the OpenPGP or SSH signatures of commits or tags.", {
                "mode": enum(
                    "What must carry a valid signature: the checked-out "
                    "commit ('HEAD', or the legacy 'head'), the tag "
                    "('Tag') or both ('TagAndHEAD').",
                    ["head", "HEAD", "Tag", "TagAndHEAD"], default="HEAD"),
                "secretRef": local_ref(
                    "Secret with the trusted public keys: PGP keys in "
                    "'*.asc' entries, SSH keys in '*.sshpub' entries."),
            }, required=["secretRef"]),
        "proxySecretRef": _proxy_ref("Git server"),
        "ignore": _ignore(),
        "suspend": _suspend("GitRepository"),
        "recurseSubmodules": boolean("Also clone the submodules."),
        "include": array("GitRepositories whose artifacts are merged into "
                         "this one.", include),
        "sparseCheckout": array("Directories to check out; the whole tree "
                                "when empty.", string()),
    }, required=["interval", "url"], cel=[
        rule("!has(self.serviceAccountName) || (has(self.provider) && "
             "(self.provider == 'azure' || self.provider == 'aws'))",
             "serviceAccountName can only be set when provider is 'azure' "
             "or 'aws'"),
    ])
    st = _common_status("GitRepository", {
        "includedArtifacts": array("Artifacts of the included "
                                   "GitRepositories, as last merged.",
                                   artifact("An included artifact.")),
        "observedIgnore": _observed_ignore(),
        "observedRecurseSubmodules": boolean(
            "The recurseSubmodules setting used for the current artifact."),
        "observedInclude": array("The include list used for the current "
                                 "artifact.", include),
        "observedSparseCheckout": array(
            "The sparse checkout directories used for the current "
            "artifact.", string()),
        "sourceVerificationMode": string(
            "Which objects were verified for the current artifact."),
    })
    return crd(GROUP, VERSION, "GitRepository", "gitrepositories",
               "A Git repository that source-controller fetches and packs "
               "into an artifact.", spec, st, short_names=["gitrepo"],
               categories=CATEGORIES, component=COMPONENT, columns=[
                   column("URL", ".spec.url"), age_column(),
                   *ready_columns()])


def _layer_selector(desc):
    return obj(desc, {
        "mediaType": string("Media type of the layer to take; the first "
                            "layer when empty."),
        "operation": enum(
            "'extract' unpacks the layer as a tarball (the default); "
            "'copy' stores the layer blob as it is.", ["extract", "copy"]),
    })


def oci_repository():
    spec = obj("Which OCI artifact to pull and how.", {
        "url": string("Address of the repository, without tag: "
                      "oci://<host>/<path>.", pattern=r"^oci://.*$"),
        "ref": obj(
            "Which artifact of the repository to pull; tag 'latest' when "
            "empty. Precedence: digest, semver, tag.", {
                "digest": string("Exact manifest digest to pull."),
                "semver": string("Semantic version range picking the "
                                 "highest matching tag."),
                "semverFilter": string("Regular expression the tags must "
                                       "match to be considered by semver."),
                "tag": string("Tag to pull."),
            }),
        "layerSelector": _layer_selector(
            "Which layer of the artifact becomes the content."),
        "provider": enum(
            "Who supplies registry credentials: 'generic' (secretRef or "
            "the ServiceAccount's pull secrets) or the workload identity "
            "of 'aws', 'azure' or 'gcp'.",
            ["generic", "aws", "azure", "gcp"], default="generic"),
        "secretRef": local_ref("Secret of type kubernetes.io/"
                               "dockerconfigjson with registry "
                               "credentials."),
        "verify": obj("Checks the signature of the artifact.", {
            "provider": enum("Signature format to check.",
                             ["cosign", "notation"], default="cosign"),
            "secretRef": local_ref(
                "Secret with the trusted public keys (cosign) or trust "
                "policy and certificates (notation)."),
            "matchOIDCIdentity": oidc_identities(
                "Identities accepted for keyless cosign signatures; any "
                "one of them is enough."),
            "trustedRootSecretRef": local_ref(
                "Secret with a Sigstore trusted_root.json for private "
                "Sigstore deployments."),
        }, required=["provider"]),
        "serviceAccountName": string(
            "ServiceAccount whose image pull secrets are used to log in to "
            "the registry."),
        "certSecretRef": _cert_ref("registry"),
        "proxySecretRef": _proxy_ref("registry"),
        "interval": _interval("repository"),
        "timeout": _timeout("OCI"),
        "ignore": _ignore(),
        "insecure": boolean("Allows plain HTTP to the registry."),
        "suspend": _suspend("OCIRepository"),
    }, required=["interval", "url"])
    st = _common_status("OCIRepository", {
        "url": string("Address of the latest artifact, updated with each "
                      "new revision."),
        "observedIgnore": _observed_ignore(),
        "observedLayerSelector": _layer_selector(
            "The layer selector used for the current artifact."),
    })
    return crd(GROUP, VERSION, "OCIRepository", "ocirepositories",
               "An OCI artifact that source-controller pulls and keeps as "
               "an artifact.", spec, st, short_names=["ocirepo"],
               categories=CATEGORIES, component=COMPONENT, columns=[
                   column("URL", ".spec.url"), *ready_columns(),
                   age_column()])


def helm_repository():
    spec = obj("Where the Helm repository is and how to reach it.", {
        "url": string(
            "Address of the index (http:// or https://) or of an OCI "
            "registry prefix (oci://).", pattern=r"^(http|https|oci)://.*$"),
        "secretRef": local_ref(
            "Secret with credentials: 'username' and 'password'. TLS keys "
            "here are still read but certSecretRef is preferred."),
        "certSecretRef": _cert_ref("repository"),
        "passCredentials": boolean(
            "Also send the credentials to hosts other than the index host "
            "when downloading charts."),
        "interval": duration(
            "How often the index is downloaded again; not used for OCI "
            "repositories."),
        "insecure": boolean("Allows plain HTTP to an OCI registry."),
        "timeout": short_duration(
            "Time limit for downloading the index; 60s when empty."),
        "suspend": _suspend("HelmRepository"),
        "accessFrom": obj(
            "Namespaces allowed to use this repository (kept for "
            "compatibility; not enforced).", {
                "namespaceSelectors": array(
                    "Namespaces matching any of these selectors are "
                    "allowed.",
                    obj("A namespace label selector.", {
                        "matchLabels": string_map(
                            "Labels the namespace must have."),
                    })),
            }, required=["namespaceSelectors"]),
        "type": enum("'default' for an HTTP(S) index, 'oci' for an OCI "
                     "registry.", ["default", "oci"]),
        "provider": enum(
            "For OCI repositories: who supplies registry credentials.",
            ["generic", "aws", "azure", "gcp"], default="generic"),
    }, required=["url"])
    st = _common_status("HelmRepository", {
        "url": string("Address of the stored index, updated with each new "
                      "revision."),
    })
    return crd(GROUP, VERSION, "HelmRepository", "helmrepositories",
               "A Helm chart repository whose index source-controller "
               "keeps as an artifact.", spec, st, short_names=["helmrepo"],
               categories=CATEGORIES, component=COMPONENT, columns=[
                   column("URL", ".spec.url"), age_column(),
                   *ready_columns()])


def helm_chart():
    spec = obj("Which chart to package and from where.", {
        "chart": string("Chart name in a HelmRepository, or path to the "
                        "chart directory in a GitRepository or Bucket."),
        "version": string(
            "Semantic version range of the chart; ignored for Git and "
            "Bucket sources, where the chart's own version is used.",
            default="*"),
        "sourceRef": obj("The source holding the chart, in the same "
                         "namespace.", {
            "apiVersion": string("API version of the source."),
            "kind": enum("Kind of the source.",
                         ["HelmRepository", "GitRepository", "Bucket"]),
            "name": string("Name of the source."),
        }, required=["kind", "name"]),
        "interval": duration("How often the source is checked for a new "
                             "chart."),
        "reconcileStrategy": enum(
            "What triggers a new package: a new chart version "
            "('ChartVersion') or any new source revision ('Revision').",
            ["ChartVersion", "Revision"], default="ChartVersion"),
        "valuesFiles": array(
            "Values files of the chart merged, in order, into its default "
            "values.yaml.", string()),
        "ignoreMissingValuesFiles": boolean(
            "Skips values files that do not exist instead of failing."),
        "suspend": _suspend("HelmChart"),
        "verify": obj("Checks the signature of an OCI chart.", {
            "provider": enum("Signature format to check.",
                             ["cosign", "notation"], default="cosign"),
            "secretRef": local_ref(
                "Secret with the trusted public keys (cosign) or trust "
                "policy and certificates (notation)."),
            "matchOIDCIdentity": oidc_identities(
                "Identities accepted for keyless cosign signatures."),
        }, required=["provider"]),
    }, required=["chart", "interval", "sourceRef"], cel=[
        rule("!has(self.verify) || self.sourceRef.kind == 'HelmRepository'",
             "spec.verify is only supported when spec.sourceRef.kind is "
             "'HelmRepository'"),
    ])
    st = _common_status("HelmChart", {
        "observedSourceArtifactRevision": string(
            "Revision of the source artifact the chart was last built "
            "from."),
        "observedChartName": string("Name of the chart last packaged."),
        "observedValuesFiles": array("Values files merged into the last "
                                     "package.", string()),
        "url": string("Address of the latest chart package, updated with "
                      "each new revision."),
    })
    return crd(GROUP, VERSION, "HelmChart", "helmcharts",
               "A Helm chart that source-controller fetches or builds and "
               "keeps as a packaged artifact.", spec, st,
               short_names=["hc"], categories=CATEGORIES,
               component=COMPONENT, columns=[
                   column("Chart", ".spec.chart"),
                   column("Version", ".spec.version"),
                   column("Source Kind", ".spec.sourceRef.kind"),
                   column("Source Name", ".spec.sourceRef.name"),
                   age_column(), *ready_columns()])


def bucket():
    spec = obj("Which bucket to download and how.", {
        "provider": enum(
            "The storage API: 'generic' for any S3-compatible store, or "
            "'aws', 'gcp', 'azure' for their native APIs and workload "
            "identity.", ["generic", "aws", "gcp", "azure"],
            default="generic"),
        "bucketName": string("Name of the bucket."),
        "endpoint": string("Host (and port) of the storage API."),
        "sts": obj("Gets temporary credentials from a security token "
                   "service.", {
            "provider": enum("'aws' for AWS STS, 'ldap' for MinIO's LDAP "
                             "STS.", ["aws", "ldap"]),
            "endpoint": string("Address of the token service.",
                               pattern=r"^(http|https)://.*$"),
            "secretRef": local_ref(
                "Secret with 'username' and 'password' for the LDAP "
                "provider."),
            "certSecretRef": _cert_ref("token service"),
        }, required=["endpoint", "provider"]),
        "insecure": boolean("Uses plain HTTP to the endpoint."),
        "region": string("Region of the bucket, where the API needs one."),
        "prefix": string("Only objects whose keys start with this are "
                         "downloaded."),
        "secretRef": local_ref(
            "Secret with credentials, e.g. 'accesskey' and 'secretkey' for "
            "generic and aws."),
        "serviceAccountName": string(
            "ServiceAccount whose workload identity is used; not for the "
            "'generic' provider."),
        "certSecretRef": _cert_ref("endpoint"),
        "proxySecretRef": _proxy_ref("endpoint"),
        "interval": _interval("bucket"),
        "timeout": _timeout("storage API"),
        "ignore": _ignore(),
        "suspend": _suspend("Bucket"),
    }, required=["bucketName", "endpoint", "interval"], cel=[
        rule("self.provider == 'aws' || self.provider == 'generic' || "
             "!has(self.sts)",
             "STS configuration is only supported for the 'aws' and "
             "'generic' Bucket providers"),
        rule("self.provider != 'aws' || !has(self.sts) || "
             "self.sts.provider == 'aws'",
             "'aws' is the only supported STS provider for the 'aws' "
             "Bucket provider"),
        rule("self.provider != 'generic' || !has(self.sts) || "
             "self.sts.provider == 'ldap'",
             "'ldap' is the only supported STS provider for the 'generic' "
             "Bucket provider"),
        rule("!has(self.sts) || self.sts.provider != 'aws' || "
             "!has(self.sts.secretRef)",
             "spec.sts.secretRef is not required for the 'aws' STS "
             "provider"),
        rule("!has(self.sts) || self.sts.provider != 'aws' || "
             "!has(self.sts.certSecretRef)",
             "spec.sts.certSecretRef is not required for the 'aws' STS "
             "provider"),
        rule("self.provider != 'generic' || !has(self.serviceAccountName)",
             "ServiceAccountName is not supported for the 'generic' Bucket "
             "provider"),
        rule("!has(self.secretRef) || !has(self.serviceAccountName)",
             "cannot set both .spec.secretRef and .spec.serviceAccountName"),
    ])
    st = _common_status("Bucket", {
        "url": string("Address of the latest artifact, updated with each "
                      "new revision."),
        "observedIgnore": _observed_ignore(),
    })
    return crd(GROUP, VERSION, "Bucket", "buckets",
               "An object storage bucket that source-controller downloads "
               "and packs into an artifact.", spec, st,
               categories=CATEGORIES, component=COMPONENT, columns=[
                   column("Endpoint", ".spec.endpoint"), age_column(),
                   *ready_columns()])


def external_artifact():
    spec = obj("Where the artifact comes from.", {
        "sourceRef": obj("The object that produces the artifact.", {
            "apiVersion": string("API version of the producer."),
            "kind": string("Kind of the producer."),
            "name": string("Name of the producer."),
            "namespace": string("Namespace of the producer."),
        }, required=["kind", "name"]),
    })
    st = obj("Observed state, written by the producer.", {
        "artifact": artifact("The artifact the producer published."),
        "conditions": conditions("ExternalArtifact"),
    })
    return crd(GROUP, VERSION, "ExternalArtifact", "externalartifacts",
               "An artifact published by a third-party producer, usable as "
               "a source by Kustomizations and HelmReleases.", spec, st,
               short_names=["ea"], categories=CATEGORIES,
               component=COMPONENT, columns=[
                   age_column(), *ready_columns(),
                   column("Source", ".spec.sourceRef.name")])


def all_crds():
    return [git_repository(), oci_repository(), helm_repository(),
            helm_chart(), bucket(), external_artifact()]
