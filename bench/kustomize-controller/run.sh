#!/usr/bin/env bash
# N Kustomizations (each 3 ConfigMaps, wait: true) to all Ready on the
# local control plane, timed from the moment they are created; the
# controller is already running with its caches synced. Prints wall time
# and the controller's peak RSS (VmHWM) per run.
#
# The artifact is served the way source-controller serves it (a .tar.gz
# over HTTP, status.artifact patched on a GitRepository), so only
# kustomize-controller is measured.
#
# Uses the cluster in $FLINT_CLUSTER_DIR when it is up, else starts one and
# stops it afterwards. Knobs [defaults]: N ["100 500"], REPS [1],
# BUILD [build/release], CTL_FLAGS [""] (e.g. "--kube-api-qps=-1").
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$root/build/release}
ctl=$build/kustomize-controller/kustomize-controller
export FLINT_CLUSTER_DIR=${FLINT_CLUSTER_DIR:-/tmp/flint-bench-cluster}
export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
cluster=$root/tests/harness/cluster
T=$(mktemp -d /tmp/flint-kc-bench.XXXXXX)
started= http_pid= ctl_pid=

log() { echo "bench/kustomize-controller: $*" >&2; }
cleanup() {
	[ -n "$ctl_pid" ] && kill "$ctl_pid" 2>/dev/null || true
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null || true
	[ -n "$started" ] && "$cluster" down >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT

[ -x "$ctl" ] || { log "no $ctl: cmake --preset release && cmake --build build/release"; exit 1; }
if ! "$cluster" status >/dev/null 2>&1; then
	"$cluster" up >&2
	started=1
fi
for f in source.toolkit.fluxcd.io_gitrepositories.yaml source.toolkit.fluxcd.io_ocirepositories.yaml \
    source.toolkit.fluxcd.io_buckets.yaml kustomize.toolkit.fluxcd.io_kustomizations.yaml; do
	kubectl apply --server-side --force-conflicts -f "$root/manifests/crds/$f" >/dev/null
done

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/www"
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$T/www" >/dev/null 2>&1 &
http_pid=$!

# One artifact with max(N) directories of three ConfigMaps each.
max=0
for n in ${N:-100 500}; do [ "$n" -gt "$max" ] && max=$n; done
for i in $(seq 1 "$max"); do
	mkdir -p "$T/src/app-$i"
	for j in 1 2 3; do
		printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app-%s-%s}\ndata: {v: "%s"}\n' \
		    "$i" "$j" "$j" >"$T/src/app-$i/cm-$j.yaml"
	done
done
tar -C "$T/src" -czf "$T/www/a.tar.gz" .
digest=sha256:$(sha256sum "$T/www/a.tar.gz" | cut -d' ' -f1)

ready_count() {
	kubectl -n "$1" get kustomizations -o \
	    'jsonpath={range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' |
	    grep -c '^True$' || true
}

run_once() { # <n> <rep>
	local n=$1 ns=kc-bench-$1-$2-$RANDOM t0 t1 rss
	kubectl create ns "$ns" >/dev/null
	kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo}
spec: {url: "https://example.invalid/repo", interval: 10m, ref: {branch: main}}
EOF
	kubectl -n "$ns" patch gitrepository repo --subresource=status --type=merge -p \
	    "{\"status\":{\"artifact\":{\"path\":\"a.tar.gz\",\"url\":\"http://127.0.0.1:$port/a.tar.gz\",\"revision\":\"main@sha1:$(printf '%040d' 1)\",\"digest\":\"$digest\",\"lastUpdateTime\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}}}" >/dev/null
	for i in $(seq 1 "$n"); do
		printf -- '---\napiVersion: kustomize.toolkit.fluxcd.io/v1\nkind: Kustomization\nmetadata: {name: app-%s}\nspec: {interval: 10m, prune: true, wait: %s, path: ./app-%s, targetNamespace: %s, sourceRef: {kind: GitRepository, name: repo}}\n' \
		    "$i" "${WAIT:-true}" "$i" "$ns"
	done >"$T/ks.yaml"
	# shellcheck disable=SC2086
	"$ctl" --kubeconfig "$KUBECONFIG" --bus-artifacts= --bus-events= \
	    --watch-label-selector "bench=$ns" ${CTL_FLAGS:-} 2>"$T/ctl.log" &
	ctl_pid=$!
	sleep 1 # caches synced
	sed -i "s|metadata: {name: \(app-[0-9]*\)}|metadata: {name: \1, labels: {bench: $ns}}|" "$T/ks.yaml"
	t0=$(date +%s%N)
	kubectl -n "$ns" apply -f "$T/ks.yaml" >/dev/null
	while [ "$(ready_count "$ns")" -lt "$n" ]; do sleep 0.2; done
	t1=$(date +%s%N)
	rss=$(awk '/VmHWM/ {print $2}' "/proc/$ctl_pid/status")
	cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.2f", ($14 + $15) / hz}' "/proc/$ctl_pid/stat")
	kill "$ctl_pid"; wait "$ctl_pid" 2>/dev/null || true; ctl_pid=
	printf '%d Kustomizations all Ready: %.2f s wall; controller: %s s CPU, peak RSS %.1f MiB; load %s\n' \
	    "$n" "$(echo "($t1 - $t0) / 1000000000" | bc -l)" "$cpu" "$(echo "$rss / 1024" | bc -l)" \
	    "$(cut -d' ' -f1 /proc/loadavg)"
	kubectl delete ns "$ns" --wait=false >/dev/null
}

for n in ${N:-100 500}; do
	for rep in $(seq 1 "${REPS:-1}"); do run_once "$n" "$rep"; done
done
