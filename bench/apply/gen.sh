#!/usr/bin/env bash
# gen.sh NS N: a YAML stream of a Namespace and N-1 small objects in it,
# cycling ConfigMap, Service and Deployment (1 replica), as a typical app
# Kustomization holds.
set -euo pipefail
ns=$1 n=$2
printf 'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: %s\n' "$ns"
for ((i = 1; i < n; i++)); do
	case $((i % 3)) in
	1) printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: cm-%d\n  namespace: %s\ndata:\n  key: value-%d\n' "$i" "$ns" "$i" ;;
	2) printf -- '---\napiVersion: v1\nkind: Service\nmetadata:\n  name: svc-%d\n  namespace: %s\nspec:\n  selector:\n    app: app-%d\n  ports:\n  - port: 80\n' "$i" "$ns" "$i" ;;
	0) printf -- '---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app-%d\n  namespace: %s\nspec:\n  replicas: 1\n  selector:\n    matchLabels:\n      app: app-%d\n  template:\n    metadata:\n      labels:\n        app: app-%d\n    spec:\n      containers:\n      - name: app\n        image: example.invalid/app:1\n' "$i" "$ns" "$i" "$i" ;;
	esac
done
