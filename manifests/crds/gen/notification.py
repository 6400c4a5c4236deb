"""notification.toolkit.fluxcd.io: Provider and Alert (v1beta3) and
Receiver (v1)."""

from schema import (
    age_column, array, boolean, conditions, crd, duration, enum,
    last_handled_reconcile_at, local_ref, obj, observed_generation,
    ready_columns, rule, short_duration, status, string, string_map,
)

GROUP = "notification.toolkit.fluxcd.io"
CATEGORIES = ["all", "fluxcd", "fluxcd-notifications"]
COMPONENT = "notification-controller"

PROVIDER_TYPES = [
    "slack", "discord", "msteams", "rocket", "generic", "generic-hmac",
    "github", "gitlab", "gitea", "giteapullrequestcomment",
    "bitbucketserver", "bitbucket", "azuredevops", "googlechat",
    "googlepubsub", "webex", "sentry", "azureeventhub", "telegram", "lark",
    "matrix", "opsgenie", "alertmanager", "grafana", "githubdispatch",
    "githubpullrequestcomment", "gitlabmergerequestcomment", "pagerduty",
    "datadog", "nats", "zulip", "otel", "zoom", "incident.io",
]

# Provider types that report commit statuses, and so may set
# commitStatusExpr.
COMMIT_STATUS_TYPES = ["github", "gitlab", "gitea", "bitbucketserver",
                       "bitbucket", "azuredevops"]

# Kinds whose events an Alert can select and whose objects a Receiver can
# annotate.
EVENT_SOURCE_KINDS = [
    "Bucket", "GitRepository", "Kustomization", "HelmRelease", "HelmChart",
    "HelmRepository", "ImageRepository", "ImagePolicy",
    "ImageUpdateAutomation", "OCIRepository", "ArtifactGenerator",
    "ExternalArtifact",
]

RECEIVER_TYPES = [
    "generic", "generic-hmac", "generic-oidc", "github", "gitlab",
    "bitbucket", "harbor", "dockerhub", "quay", "gcr", "nexus", "acr",
    "cdevents",
]


def _object_reference(desc, extra):
    props = {
        "apiVersion": string("API version of the objects."),
        "kind": enum("Kind of the objects.", EVENT_SOURCE_KINDS),
        "name": string("Name of the object, or '*' for every object of "
                       "the kind in the namespace.", max_length=253,
                       min_length=1),
        "namespace": string("Namespace of the objects; defaults to this "
                            "object's namespace.", max_length=253,
                            min_length=1),
        "matchLabels": string_map(
            "Labels the objects must have; only used when name is '*'."),
    }
    props.update(extra)
    return obj(desc, props, required=["kind", "name"])


def provider():
    commit_types = " || ".join(f"self.type == '{t}'"
                               for t in COMMIT_STATUS_TYPES)
    quoted = ", ".join(f"'{t}'" for t in COMMIT_STATUS_TYPES)
    spec = obj("Where notifications go and how to send them.", {
        "type": enum("The service to notify.", PROVIDER_TYPES),
        "interval": duration("Deprecated and unused."),
        "channel": string("Channel, room or topic to post to, where the "
                          "service has them.", max_length=2048),
        "username": string("Name to post as, where the service allows it.",
                           max_length=2048),
        "address": string(
            "Endpoint of the service (webhook URL, API address or "
            "repository URL); may come from the Secret's 'address' key "
            "instead.", max_length=2048),
        "timeout": short_duration("Time limit for sending one "
                                  "notification."),
        "proxy": string("Deprecated: use proxySecretRef.", max_length=2048,
                        pattern=r"^(http|https)://.*$"),
        "proxySecretRef": local_ref(
            "Secret with the proxy to use: keys 'address', and optionally "
            "'username' and 'password'."),
        "secretRef": local_ref(
            "Secret with credentials and settings such as 'token', "
            "'address', 'username', 'password' or 'headers'."),
        "certSecretRef": local_ref(
            "Secret with TLS material: 'ca.crt' to trust a CA, 'tls.crt' "
            "and 'tls.key' for a client certificate."),
        "serviceAccountName": string(
            "ServiceAccount whose workload identity is used to "
            "authenticate to cloud services."),
        "commitStatusExpr": string(
            "CEL expression computing the commit status context (key) "
            "from the event; only for Git providers."),
        "suspend": boolean("Stops sending notifications through this "
                           "Provider while true."),
    }, required=["type"], cel=[
        rule(f"{commit_types} || !has(self.commitStatusExpr)",
             f"spec.commitStatusExpr is only supported for the {quoted} "
             "provider types"),
    ])
    return crd(GROUP, "v1beta3", "Provider", "providers",
               "A notification target: a chat, an incident tool or a Git "
               "forge's commit statuses.", spec, categories=CATEGORIES,
               component=COMPONENT, columns=[age_column()])


def alert():
    spec = obj("Which events are forwarded, and to which Provider.", {
        "providerRef": local_ref("The Provider to send to, in the same "
                                 "namespace."),
        "eventSources": array(
            "Objects whose events are forwarded.",
            _object_reference("Objects to take events from.", {})),
        "eventSeverity": enum(
            "Lowest severity forwarded: 'info' passes every event, "
            "'error' only errors.", ["info", "error"], default="info"),
        "eventMetadata": string_map(
            "Extra key/values added to the metadata of every forwarded "
            "event."),
        "inclusionList": array(
            "Regular expressions; when set, only events whose message "
            "matches one are forwarded.", string()),
        "exclusionList": array(
            "Regular expressions; events whose message matches one are "
            "dropped.", string()),
        "summary": string("Deprecated: use eventMetadata with a 'summary' "
                          "key.", max_length=255),
        "suspend": boolean("Stops forwarding events while true."),
    }, required=["eventSources", "providerRef"])
    return crd(GROUP, "v1beta3", "Alert", "alerts",
               "Forwards events of selected Flux objects to a Provider.",
               spec, categories=CATEGORIES, component=COMPONENT,
               columns=[age_column()])


def _oidc_provider():
    return obj("An OIDC issuer whose tokens are accepted.", {
        "issuerURL": string("Issuer URL; its discovery document and keys "
                            "are fetched from there.", pattern=r"^https?://"),
        "audience": string("Audience the token must carry; "
                           "'notification-controller' when empty."),
        "variables": array(
            "Named CEL expressions over the token's claims, usable in the "
            "validations.",
            obj("A named CEL expression.", {
                "name": string("Name of the variable."),
                "expression": string("CEL expression computing it."),
            }, required=["expression", "name"])),
        "validations": array(
            "CEL expressions that must all be true for the token to be "
            "accepted.",
            obj("A CEL check and the message shown when it fails.", {
                "expression": string("CEL expression that must be true."),
                "message": string("Message when it is false."),
            }, required=["expression", "message"]), min_items=1),
    }, required=["issuerURL", "validations"])


def receiver():
    spec = obj("Which webhook to accept and which objects it refreshes.", {
        "type": enum("How incoming requests are authenticated and parsed.",
                     RECEIVER_TYPES),
        "interval": duration("How often the Receiver is reconciled.",
                             default="10m"),
        "events": array(
            "Event types accepted, e.g. 'push' or 'Push Hook'; all when "
            "empty.", string()),
        "resources": array(
            "Objects asked to reconcile when a valid request arrives.",
            _object_reference("Objects to refresh.", {
                "filter": string("CEL expression over 'res' and 'req' "
                                 "that must be true for the object to be "
                                 "refreshed."),
            })),
        "resourceFilter": string(
            "CEL expression over 'res' and 'req' applied to every "
            "resource."),
        "secretRef": local_ref(
            "Secret whose 'token' key secures the webhook path and checks "
            "request signatures; required unless type is 'generic-oidc'."),
        "oidcProviders": array(
            "Issuers whose bearer tokens are accepted; only for "
            "'generic-oidc'.", _oidc_provider(), list_type="map",
            list_map_keys=["issuerURL"]),
        "suspend": boolean("Stops handling requests while true."),
    }, required=["resources", "type"], cel=[
        rule("self.type != 'generic-oidc' || (has(self.oidcProviders) && "
             "size(self.oidcProviders) > 0)",
             "generic-oidc receivers must define at least one "
             "oidcProvider"),
        rule("self.type == 'generic-oidc' || !has(self.oidcProviders) || "
             "size(self.oidcProviders) == 0",
             "oidcProviders can only be set when type is generic-oidc"),
        rule("self.type != 'generic-oidc' || !has(self.secretRef)",
             "secretRef cannot be set when type is generic-oidc"),
        rule("self.type == 'generic-oidc' || has(self.secretRef)",
             "secretRef is required when type is not generic-oidc"),
    ])
    st = status("Receiver", {
        "observedGeneration": observed_generation("Receiver"),
        "conditions": conditions("Receiver"),
        "webhookPath": string("Path the webhook listens on: "
                              "/hook/<sha256 of token, name and "
                              "namespace>."),
        "lastHandledReconcileAt": last_handled_reconcile_at(),
    })
    return crd(GROUP, "v1", "Receiver", "receivers",
               "An incoming webhook that asks Flux objects to reconcile "
               "at once.", spec, st, categories=CATEGORIES,
               component=COMPONENT,
               columns=[age_column(), *ready_columns()])


def all_crds():
    return [provider(), alert(), receiver()]
