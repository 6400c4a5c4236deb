#!/usr/bin/env python3
"""Writes the kustomize benchmark trees (deterministic, no randomness).

    gen.py OUT

OUT/large: 10 bases of 50 objects, 40 overlays (one base each, with a
           namePrefix, a namespace, a strategic merge patch, a JSON 6902
           patch and a ConfigMap merged into the base's) and a top
           kustomization over all overlays with 20 more patches of both
           kinds and its own generators: 2,000 objects, 100 patches.
OUT/scale-N (N = 100, 1000, 4000): one kustomization of N objects with
           namespace, namePrefix and commonLabels set.
"""
import os
import sys


def put(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def deployment(name, cm, sa):
    return f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels:
    app: {name}
spec:
  replicas: 2
  selector:
    matchLabels:
      app: {name}
  template:
    metadata:
      labels:
        app: {name}
    spec:
      serviceAccountName: {sa}
      containers:
      - name: app
        image: registry.example.com/{name}:1.0.0
        ports:
        - containerPort: 8080
        env:
        - name: MODE
          valueFrom:
            configMapKeyRef:
              name: {cm}
              key: mode
        envFrom:
        - configMapRef:
            name: {cm}
        resources:
          requests: {{cpu: 100m, memory: 128Mi}}
        volumeMounts:
        - name: config
          mountPath: /etc/app
      volumes:
      - name: config
        configMap:
          name: {cm}
"""


def service(name):
    return f"""apiVersion: v1
kind: Service
metadata:
  name: {name}
spec:
  selector:
    app: {name}
  ports:
  - port: 80
    targetPort: 8080
"""


def configmap(name, i):
    return f"""apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
data:
  mode: m{i}
  level: info
"""


def service_account(name):
    return f"""apiVersion: v1
kind: ServiceAccount
metadata:
  name: {name}
"""


def objects(n):
    """n objects in groups of 5: Deployment, Service, two ConfigMaps and a
    ServiceAccount, the Deployment referring to one ConfigMap and the
    ServiceAccount."""
    docs = []
    for g in range(n // 5):
        docs.append(deployment(f"app{g}", f"cfg{g}", f"sa{g}"))
        docs.append(service(f"app{g}"))
        docs.append(configmap(f"cfg{g}", g))
        docs.append(configmap(f"extra{g}", g))
        docs.append(service_account(f"sa{g}"))
    return "---\n".join(docs)


def large(out):
    for b in range(10):
        d = f"{out}/large/bases/base{b}"
        put(f"{d}/objects.yaml", objects(50))
        put(f"{d}/config.env", "LOG=info\nREGION=eu\n")
        put(f"{d}/kustomization.yaml", f"""resources:
- objects.yaml
commonLabels:
  base: base{b}
configMapGenerator:
- name: settings
  envs:
  - config.env
""")
    for o in range(40):
        d = f"{out}/large/overlays/o{o}"
        put(f"{d}/smp.yaml", f"""apiVersion: apps/v1
kind: Deployment
metadata:
  name: app{o % 9}
spec:
  replicas: {o % 5 + 1}
  template:
    spec:
      containers:
      - name: app
        env:
        - name: OVERLAY
          value: o{o}
      - name: sidecar
        image: envoy:1.{o}
""")
        put(f"{d}/json.yaml", f"""- op: replace
  path: /spec/ports/0/port
  value: {8000 + o}
- op: add
  path: /metadata/annotations
  value:
    overlay: o{o}
""")
        put(f"{d}/kustomization.yaml", f"""resources:
- ../../bases/base{o % 10}
namePrefix: o{o}-
namespace: ns{o}
labels:
- pairs:
    overlay: o{o}
  includeSelectors: false
patches:
- path: smp.yaml
- path: json.yaml
  target:
    kind: Service
    name: app{o % 7}
configMapGenerator:
- name: settings
  behavior: merge
  literals:
  - OVERLAY=o{o}
images:
- name: registry.example.com/app{o % 9}
  newTag: 2.0.{o}
""")
    top_patches = []
    for p in range(10):
        top_patches.append(f"""- target:
    kind: Deployment
    name: o{p}-app{p % 9}
  patch: |
    apiVersion: apps/v1
    kind: Deployment
    metadata:
      name: any
    spec:
      template:
        metadata:
          annotations:
            top: p{p}
""")
        top_patches.append(f"""- target:
    kind: ConfigMap
    name: o{p}-cfg{p}
  patch: |
    - op: add
      path: /data/top
      value: p{p}
""")
    put(f"{out}/large/kustomization.yaml",
        "resources:\n" +
        "".join(f"- overlays/o{o}\n" for o in range(40)) +
        "commonAnnotations:\n  owner: platform\n" +
        "configMapGenerator:\n- name: global\n  literals:\n  - A=1\n" +
        "secretGenerator:\n- name: global\n  literals:\n  - token=x\n" +
        "patches:\n" + "".join(top_patches))


def scale(out, n):
    put(f"{out}/scale-{n}/objects.yaml", objects(n))
    put(f"{out}/scale-{n}/kustomization.yaml", """resources:
- objects.yaml
namespace: scaled
namePrefix: s-
commonLabels:
  team: scale
""")


def main():
    out = sys.argv[1]
    large(out)
    for n in (100, 1000, 4000):
        scale(out, n)


if __name__ == "__main__":
    main()
