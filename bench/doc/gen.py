#!/usr/bin/python3
"""Writes the doc benchmark's input: one Kubernetes v1 List of Deployments.

The objects look like what `kubectl get deploy -o json` returns from a busy
cluster: labels, annotations (a last-applied-configuration holding escaped
JSON, descriptions with unicode, quotes, tabs and <>&), managedFields,
containers with env, probes and resources, and status. The output is
deterministic for a given size and seed.

    gen.py OUTDIR [--mb 20] [--seed 1]

writes OUTDIR/list.min.json (compact, about --mb megabytes),
OUTDIR/list.json (indented with four spaces, as kubectl -o json) and
OUTDIR/list.yaml (block YAML, when PyYAML is installed).
"""
import argparse
import json
import os
import random
import sys

WORDS = ("api web worker cache db queue auth billing search gateway "
         "metrics ingest report notify payments media").split()
TEAMS = ["platform", "équipe-données", "チーム-検索", "payments", "sre"]
NOTES = [
    "Owned by {team} — contact #{team} on Slack ✓",
    "Serves traffic for <{name}> & its \"canary\"\tsibling",
    "Zero-downtime rollout: maxSurge=25%, maxUnavailable=0 😀",
    "Line one\nline two\n\tindented line three",
    "Données sensibles: voir la politique §4.2 (ñ, ü, 日本語)",
]


def fields_v1(containers):
    """A managedFields entry's fieldsV1: nested "f:" keys as the API
    server writes them."""
    cs = {}
    for c in containers:
        cs['k:{"name":"%s"}' % c["name"]] = {
            ".": {}, "f:image": {}, "f:imagePullPolicy": {}, "f:name": {},
            "f:env": {'k:{"name":"%s"}' % e["name"]: {".": {}, "f:name": {},
                                                     "f:value": {}}
                      for e in c["env"]},
            "f:ports": {'k:{"containerPort":%d,"protocol":"TCP"}' %
                        p["containerPort"]: {".": {}, "f:containerPort": {},
                                             "f:name": {}, "f:protocol": {}}
                        for p in c["ports"]},
            "f:resources": {".": {}, "f:limits": {".": {}, "f:cpu": {},
                                                  "f:memory": {}},
                            "f:requests": {".": {}, "f:cpu": {},
                                           "f:memory": {}}},
            "f:terminationMessagePath": {}, "f:terminationMessagePolicy": {},
        }
    return {
        "f:metadata": {"f:annotations": {".": {}, "f:description": {},
                                         "f:kubectl.kubernetes.io/last-applied-configuration": {}},
                       "f:labels": {".": {}, "f:app": {}, "f:team": {},
                                    "f:tier": {}}},
        "f:spec": {"f:progressDeadlineSeconds": {}, "f:replicas": {},
                   "f:revisionHistoryLimit": {},
                   "f:selector": {}, "f:strategy": {"f:rollingUpdate": {
                       ".": {}, "f:maxSurge": {}, "f:maxUnavailable": {}},
                       "f:type": {}},
                   "f:template": {"f:metadata": {"f:labels": {
                       ".": {}, "f:app": {}}},
                       "f:spec": {"f:containers": cs,
                                  "f:dnsPolicy": {}, "f:restartPolicy": {},
                                  "f:schedulerName": {},
                                  "f:securityContext": {},
                                  "f:terminationGracePeriodSeconds": {}}}},
    }


def container(rnd, name, i):
    env = [{"name": "VAR_%d" % k,
            "value": rnd.choice(["true", "8080", "https://example.com/p?q=1&r=2",
                                 "línea «%d»" % k, "a\\b"])}
           for k in range(rnd.randint(2, 6))]
    return {
        "name": name,
        "image": "registry.example.com/%s:v1.%d.%d" % (name, i % 17, i % 5),
        "imagePullPolicy": "IfNotPresent",
        "env": env,
        "ports": [{"name": "http", "containerPort": 8080 + k,
                   "protocol": "TCP"} for k in range(rnd.randint(1, 3))],
        "resources": {"limits": {"cpu": "500m", "memory": "256Mi"},
                      "requests": {"cpu": "%dm" % rnd.randint(10, 250),
                                   "memory": "64Mi"}},
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080,
                                      "scheme": "HTTP"},
                          "initialDelaySeconds": 5, "periodSeconds": 10,
                          "timeoutSeconds": 1, "successThreshold": 1,
                          "failureThreshold": 3},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }


def deployment(rnd, i):
    name = "%s-%s-%d" % (rnd.choice(WORDS), rnd.choice(WORDS), i)
    team = rnd.choice(TEAMS)
    labels = {"app": name, "team": team, "tier": rnd.choice(["web", "batch"])}
    containers = [container(rnd, "%s-%d" % (name.split("-")[0], k), i)
                  for k in range(rnd.randint(1, 2))]
    spec = {
        "replicas": rnd.randint(1, 10),
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
        "selector": {"matchLabels": {"app": name}},
        "strategy": {"type": "RollingUpdate",
                     "rollingUpdate": {"maxSurge": "25%",
                                       "maxUnavailable": "25%"}},
        "template": {"metadata": {"creationTimestamp": None,
                                  "labels": {"app": name}},
                     "spec": {"containers": containers,
                              "restartPolicy": "Always",
                              "terminationGracePeriodSeconds": 30,
                              "dnsPolicy": "ClusterFirst",
                              "securityContext": {},
                              "schedulerName": "default-scheduler"}},
    }
    note = rnd.choice(NOTES).format(team=team, name=name)
    applied = {"apiVersion": "apps/v1", "kind": "Deployment",
               "metadata": {"annotations": {"description": note},
                            "labels": labels, "name": name,
                            "namespace": "ns-%d" % (i % 40)},
               "spec": spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": name,
            "namespace": "ns-%d" % (i % 40),
            "uid": "%08x-%04x-4%03x-8%03x-%012x" % (
                rnd.getrandbits(32), rnd.getrandbits(16),
                rnd.getrandbits(12), rnd.getrandbits(12),
                rnd.getrandbits(48)),
            "resourceVersion": str(rnd.randint(10**6, 10**8)),
            "generation": rnd.randint(1, 40),
            "creationTimestamp": "2026-0%d-1%dT0%d:1%d:2%dZ" % (
                rnd.randint(1, 9), rnd.randint(0, 9), rnd.randint(0, 9),
                rnd.randint(0, 9), rnd.randint(0, 9)),
            "labels": labels,
            "annotations": {
                "description": note,
                "deployment.kubernetes.io/revision": str(rnd.randint(1, 30)),
                "kubectl.kubernetes.io/last-applied-configuration":
                    json.dumps(applied, separators=(",", ":"),
                               ensure_ascii=False) + "\n",
            },
            "managedFields": [
                {"manager": "kubectl-client-side-apply",
                 "operation": "Update", "apiVersion": "apps/v1",
                 "time": "2026-01-02T03:04:05Z", "fieldsType": "FieldsV1",
                 "fieldsV1": fields_v1(containers)},
                {"manager": "kube-controller-manager", "operation": "Update",
                 "apiVersion": "apps/v1", "time": "2026-01-02T03:04:09Z",
                 "fieldsType": "FieldsV1", "subresource": "status",
                 "fieldsV1": {"f:status": {"f:availableReplicas": {},
                                           "f:conditions": {}, "f:replicas": {}}}},
            ],
        },
        "spec": spec,
        "status": {
            "observedGeneration": rnd.randint(1, 40),
            "replicas": spec["replicas"], "readyReplicas": spec["replicas"],
            "availableReplicas": spec["replicas"],
            "conditions": [
                {"type": "Available", "status": "True",
                 "lastUpdateTime": "2026-01-02T03:04:09Z",
                 "lastTransitionTime": "2026-01-02T03:04:09Z",
                 "reason": "MinimumReplicasAvailable",
                 "message": "Deployment has minimum availability."},
                {"type": "Progressing", "status": "True",
                 "lastUpdateTime": "2026-01-02T03:04:09Z",
                 "lastTransitionTime": "2026-01-02T03:04:05Z",
                 "reason": "NewReplicaSetAvailable",
                 "message": "ReplicaSet \"%s-7d4b9c\" has successfully "
                            "progressed." % name},
            ],
        },
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("outdir")
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    rnd = random.Random(args.seed)
    items, size, target = [], 0, int(args.mb * 1e6)
    while size < target:
        d = deployment(rnd, len(items))
        size += len(json.dumps(d, separators=(",", ":"),
                               ensure_ascii=False).encode()) + 1
        items.append(d)
    doc = {"apiVersion": "v1", "kind": "List", "metadata":
           {"resourceVersion": ""}, "items": items}
    os.makedirs(args.outdir, exist_ok=True)
    with open(os.path.join(args.outdir, "list.min.json"), "w",
              encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"), ensure_ascii=False)
    with open(os.path.join(args.outdir, "list.json"), "w",
              encoding="utf-8") as f:
        json.dump(doc, f, indent=4, ensure_ascii=False)
        f.write("\n")
    try:
        import yaml
    except ImportError:
        print("gen.py: no PyYAML, list.yaml not written", file=sys.stderr)
    else:
        with open(os.path.join(args.outdir, "list.yaml"), "w",
                  encoding="utf-8") as f:
            yaml.dump(doc, f, Dumper=getattr(yaml, "CSafeDumper",
                                             yaml.SafeDumper),
                      default_flow_style=False, allow_unicode=True,
                      sort_keys=False, width=1 << 20)
    print("gen.py: %d Deployments in %s" % (len(items), args.outdir))


if __name__ == "__main__":
    main()
