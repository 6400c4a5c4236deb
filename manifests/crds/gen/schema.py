"""Small builders for OpenAPI v3 schemas and CustomResourceDefinitions.

Every Flux kind is described in one module per API group (source.py,
kustomize.py, helm.py, notification.py) with these helpers, so the shapes
that repeat across kinds (durations, references, conditions, artifacts)
are written once and stay identical everywhere.
"""

# Go duration strings as Flux accepts them (metav1.Duration). The variant
# without hours is what the source kinds and Provider use for timeouts.
DURATION = r"^([0-9]+(\.[0-9]+)?(ms|s|m|h))+$"
DURATION_NO_HOURS = r"^([0-9]+(\.[0-9]+)?(ms|s|m))+$"

# The Ready condition drives the Ready and Status columns of every kind.
READY_STATUS = '.status.conditions[?(@.type=="Ready")].status'
READY_MESSAGE = '.status.conditions[?(@.type=="Ready")].message'


def _put(schema, desc, extra):
    if desc:
        schema["description"] = desc
    for key, val in extra.items():
        if val is None:
            continue
        schema[_KEYWORDS.get(key, key)] = val
    return schema


# Python-friendly keyword names for the schema keywords that contain
# characters Python does not allow in argument names.
_KEYWORDS = {
    "min_length": "minLength",
    "max_length": "maxLength",
    "min_items": "minItems",
    "max_items": "maxItems",
    "list_type": "x-kubernetes-list-type",
    "list_map_keys": "x-kubernetes-list-map-keys",
    "cel": "x-kubernetes-validations",
    "preserve_unknown": "x-kubernetes-preserve-unknown-fields",
    "additional": "additionalProperties",
}


def string(desc=None, **kw):
    """A string; kw may hold pattern, enum, default, min/max_length, format."""
    return _put({"type": "string"}, desc, kw)


def enum(desc, values, **kw):
    return string(desc, enum=list(values), **kw)


def boolean(desc=None, **kw):
    return _put({"type": "boolean"}, desc, kw)


def integer(desc=None, **kw):
    return _put({"type": "integer"}, desc, kw)


def int64(desc=None, **kw):
    return integer(desc, format="int64", **kw)


def timestamp(desc=None):
    return string(desc, format="date-time")


def duration(desc, **kw):
    return string(desc, pattern=DURATION, **kw)


def short_duration(desc, **kw):
    """A duration in ms, s or m: what Flux allows for source timeouts."""
    return string(desc, pattern=DURATION_NO_HOURS, **kw)


def array(desc, items, **kw):
    return _put({"type": "array", "items": items}, desc, kw)


def string_map(desc=None):
    return {"type": "object", "additionalProperties": {"type": "string"},
            **({"description": desc} if desc else {})}


def obj(desc, props, required=(), **kw):
    """An object with the given properties; required lists property names."""
    for name in required:
        if name not in props:
            raise KeyError(f"required property {name!r} is not defined")
    schema = {"type": "object", "properties": props}
    if required:
        schema["required"] = sorted(required)
    return _put(schema, desc, kw)


def rule(expr, message):
    """One x-kubernetes-validations entry (a CEL rule and its message)."""
    return {"rule": expr, "message": message}


def any_json(desc):
    """Free-form JSON such as Helm values: kept as sent."""
    return {"description": desc, "x-kubernetes-preserve-unknown-fields": True}


# --- shapes shared by several kinds ---------------------------------------

def local_ref(desc):
    """meta.LocalObjectReference: an object in the same namespace."""
    return obj(desc, {
        "name": string("Name of the referenced object."),
    }, required=["name"])


def secret_key_ref(desc):
    """meta.SecretKeyReference: a Secret and, optionally, one of its keys."""
    return obj(desc, {
        "name": string("Name of the Secret."),
        "key": string("Key in the Secret; when empty the consumer picks "
                      "its well-known default key."),
    }, required=["name"])


def kubeconfig_ref(desc):
    """meta.KubeConfigReference with Flux's exactly-one-of rules."""
    msg = ("exactly one of spec.kubeConfig.configMapRef or "
           "spec.kubeConfig.secretRef must be specified")
    return obj(desc, {
        "configMapRef": local_ref(
            "ConfigMap describing how to reach the remote cluster with "
            "workload identity (provider, cluster, address, audiences, "
            "serviceAccountName)."),
        "secretRef": secret_key_ref(
            "Secret holding a kubeconfig file. The key defaults to "
            "'value', then 'value.yaml'. Exec and auth-provider plugins "
            "in the file are refused."),
    }, cel=[
        rule("has(self.configMapRef) || has(self.secretRef)", msg),
        rule("!has(self.configMapRef) || !has(self.secretRef)", msg),
    ])


def artifact(desc):
    """meta.Artifact: a tarball or file served by source-controller."""
    return obj(desc, {
        "path": string("Location of the file relative to the storage "
                       "root, as <kind>/<namespace>/<name>/<file>."),
        "url": string("HTTP address from which the file can be downloaded."),
        "revision": string("Human-readable revision of the content, such "
                           "as 'main@sha1:<commit>' or a chart version."),
        "digest": string("Checksum of the file as '<algorithm>:<hex>'.",
                         pattern=r"^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:"
                                 r"[a-zA-Z0-9=_-]+$"),
        "lastUpdateTime": timestamp("When the file was last written."),
        "size": int64("Size of the file in bytes."),
        "metadata": string_map("Extra information about the content, "
                               "e.g. the annotations of an OCI manifest."),
    }, required=["digest", "lastUpdateTime", "path", "revision", "url"])


def condition():
    """metav1.Condition, with the apimachinery validation rules."""
    return obj("One observation about the state of the object.", {
        "type": string(
            "What the condition is about, e.g. Ready, Reconciling or "
            "Stalled.",
            max_length=316,
            pattern=r"^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]"
                    r"([-a-z0-9]*[a-z0-9])?)*/)?(([A-Za-z0-9]"
                    r"[-A-Za-z0-9_.]*)?[A-Za-z0-9])$"),
        "status": enum("Whether the condition holds.",
                       ["True", "False", "Unknown"]),
        "observedGeneration": int64(
            "The .metadata.generation the condition was computed for.",
            minimum=0),
        "lastTransitionTime": timestamp(
            "When the status last changed from one value to another."),
        "reason": string(
            "CamelCase machine-readable cause of the last transition.",
            max_length=1024, min_length=1,
            pattern=r"^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"),
        "message": string("Human-readable details of the last transition.",
                          max_length=32768),
    }, required=["lastTransitionTime", "message", "reason", "status",
                 "type"])


def conditions(what):
    return array(f"Observations of the {what}'s state; Ready sums them up.",
                 condition())


def observed_generation(what):
    return int64(f"The last .metadata.generation of the {what} the "
                 "controller acted on.")


def last_handled_reconcile_at():
    return string("Value of the reconcile.fluxcd.io/requestedAt annotation "
                  "the controller last acted on.")


def inventory(what):
    return obj(f"Objects the {what} applied to the cluster.", {
        "entries": array(
            "One entry per object, in apply order.",
            obj("Identity of one applied object.", {
                "id": string("'<namespace>_<name>_<group>_<kind>', with "
                             "empty parts for cluster-scoped objects and "
                             "the core group."),
                "v": string("API version the object was applied with."),
            }, required=["id", "v"])),
    }, required=["entries"])


def metadata_template(what):
    return obj(f"Labels and annotations added to {what}.", {
        "labels": string_map("Labels to set."),
        "annotations": string_map("Annotations to set."),
    })


def dependency_list(what):
    return array(
        f"{what} that must be Ready before this one is reconciled.",
        obj("A dependency, by name.", {
            "name": string("Name of the dependency."),
            "namespace": string("Namespace of the dependency; defaults to "
                                "this object's namespace."),
            "readyExpr": string(
                "CEL expression deciding readiness, with 'self' bound to "
                "this object and 'dep' to the dependency; replaces the "
                "default Ready check."),
        }, required=["name"]))


def health_check_exprs(what):
    return array(
        f"CEL rules computing the health of custom resources {what}.",
        obj("Health rules for one kind.", {
            "apiVersion": string("API version of the kind the rules apply "
                                 "to."),
            "kind": string("Kind the rules apply to."),
            "current": string("CEL expression that is true when the "
                              "object is healthy."),
            "inProgress": string("CEL expression that is true while the "
                                 "object is still progressing."),
            "failed": string("CEL expression that is true when the object "
                             "has failed."),
        }, required=["apiVersion", "current"]))


def selector(desc):
    """kustomize types.Selector: which objects a patch or rule targets."""
    return obj(desc, {
        "group": string("API group of the targets."),
        "version": string("API version of the targets."),
        "kind": string("Kind of the targets."),
        "name": string("Name of the targets (a regular expression)."),
        "namespace": string("Namespace of the targets (a regular "
                            "expression)."),
        "labelSelector": string("Label selector the targets must match."),
        "annotationSelector": string("Annotation selector the targets must "
                                     "match."),
    })


def ignore_rules(what):
    return array(
        f"Fields of {what} that flint leaves alone when comparing and "
        "applying.",
        obj("JSON pointers to ignore, optionally for some objects only.", {
            "paths": array("JSON pointers (RFC 6901) to the fields to "
                           "ignore.", string()),
            "target": selector("Objects the rule applies to; all objects "
                               "when empty."),
        }, required=["paths"]))


def patches(desc):
    return array(desc, obj(
        "A strategic merge or JSON 6902 patch and the objects it targets.", {
            "patch": string("The patch, as YAML or JSON."),
            "target": selector("Objects to patch; when empty, the patch "
                               "names its target itself."),
        }, required=["patch"]))


def images(desc):
    return array(desc, obj("Replacement for one container image.", {
        "name": string("Image name to look for, without tag or digest."),
        "newName": string("Image name to use instead."),
        "newTag": string("Tag to use instead."),
        "digest": string("Digest to use instead; wins over newTag."),
    }, required=["name"]))


def oidc_identities(desc):
    return array(desc, obj("Identity a keyless signature must have.", {
        "issuer": string("Regular expression matched against the OIDC "
                         "issuer of the signing certificate."),
        "subject": string("Regular expression matched against the identity "
                          "(subject) of the signing certificate."),
    }, required=["issuer", "subject"]))


# --- the CustomResourceDefinition itself -----------------------------------

def age_column():
    return {"name": "Age", "type": "date",
            "jsonPath": ".metadata.creationTimestamp"}


def ready_columns():
    return [
        {"name": "Ready", "type": "string", "jsonPath": READY_STATUS},
        {"name": "Status", "type": "string", "jsonPath": READY_MESSAGE},
    ]


def column(name, path, desc=None):
    col = {"name": name, "type": "string", "jsonPath": path}
    if desc:
        col["description"] = desc
    return col


def crd(group, version, kind, plural, desc, spec, status=None,
        short_names=(), categories=(), columns=(), component=None):
    """Assemble one namespaced CRD with a single served, stored version."""
    props = {
        "apiVersion": string(
            f"Versioned schema of this object, here {group}/{version}."),
        "kind": string(f"Type of this object, here {kind}."),
        "metadata": {"type": "object"},
        "spec": spec,
    }
    if status is not None:
        props["status"] = status
    names = {
        "kind": kind,
        "listKind": kind + "List",
        "plural": plural,
        "singular": kind.lower(),
        "categories": list(categories),
    }
    if short_names:
        names["shortNames"] = list(short_names)
    ver = {
        "name": version,
        "served": True,
        "storage": True,
        "schema": {"openAPIV3Schema": obj(desc, props)},
        "subresources": {"status": {}} if status is not None else {},
        "additionalPrinterColumns": list(columns),
    }
    meta = {
        "name": f"{plural}.{group}",
        # Flux's own CRDs carry this so that a Kustomization applying them
        # with postBuild substitution leaves '${...}' in descriptions alone.
        "annotations": {"kustomize.toolkit.fluxcd.io/substitute": "disabled"},
    }
    if component:
        meta["labels"] = {"app.kubernetes.io/component": component}
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": meta,
        "spec": {
            "group": group,
            "names": names,
            "scope": "Namespaced",
            "versions": [ver],
        },
    }


def status(what, props):
    """A status object, defaulting observedGeneration to -1 like Flux."""
    return obj(f"Observed state of the {what}, written by the controller.",
               props, default={"observedGeneration": -1})
