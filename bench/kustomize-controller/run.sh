#!/usr/bin/env bash
# kustomize-controller on the local control plane (issue 7, Measured):
#  (a) N Kustomizations (each 3 ConfigMaps, wait: true) to all Ready,
#      timed from the moment they are created; the controller is already
#      running with its caches synced. Prints wall time, the controller's
#      CPU time and peak RSS (VmHWM), and the load average. The artifact
#      is served the way source-controller serves it (a .tar.gz over
#      HTTP, status.artifact patched on a GitRepository), so only
#      kustomize-controller is measured.
#  (b) commit -> applied latency over ROUNDS commits, with a real git
#      server and source-controller (see latency() below).
#
# Uses the cluster in $FLINT_CLUSTER_DIR when it is up, else starts one and
# stops it afterwards. Knobs [defaults]: N ["100 500"; 0 skips (a)],
# REPS [1], ROUNDS [50; 0 skips (b)], BUILD [build/release], CTL_FLAGS
# [""] (e.g. "--kube-api-qps=-1"). Needs the release build of
# kustomize-controller, source-controller and kc_latency.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$root/build/release}
ctl=$build/kustomize-controller/kustomize-controller
export FLINT_CLUSTER_DIR=${FLINT_CLUSTER_DIR:-/tmp/flint-bench-cluster}
export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
cluster=$root/tests/harness/cluster
T=$(mktemp -d /tmp/flint-kc-bench.XXXXXX)
started= http_pid= ctl_pid= src_pid=

log() { echo "bench/kustomize-controller: $*" >&2; }
cleanup() {
	[ -n "$ctl_pid" ] && kill "$ctl_pid" 2>/dev/null || true
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null || true
	[ -n "$src_pid" ] && kill "$src_pid" 2>/dev/null || true
	"$root/tests/integration/git/servers.sh" stop "$T/git" >/dev/null 2>&1 || true
	[ -n "$started" ] && "$cluster" down >/dev/null 2>&1 || true
	[ -n "${KEEP:-}" ] && echo "kept $T" >&2 || rm -rf "$T"
}
trap cleanup EXIT

[ -x "$ctl" ] || { log "no $ctl: cmake --preset release && cmake --build build/release"; exit 1; }
if ! "$cluster" status >/dev/null 2>&1; then
	"$cluster" up >&2
	started=1
fi
kubectl apply --server-side --force-conflicts -k "$root/manifests/crds" >/dev/null

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
mkdir -p "$T/src"
tar -C "$T/src" -czf "$T/www/a.tar.gz" .
digest=sha256:$(sha256sum "$T/www/a.tar.gz" | cut -d' ' -f1)

# (b) commit -> applied latency: a real git server, source-controller and
# kustomize-controller on the bus; kc_latency pushes a commit, sends a
# ReconcileRequest as a push webhook would, and watches the ConfigMap.
latency() {
	local rounds=$1 ns=kc-bench-latency-$RANDOM sport git=$T/git w=$T/lw
	mkdir -p "$git"
	chmod 755 "$T" # nginx's workers reach the git backend's socket
	"$root/tests/integration/git/servers.sh" start "$git" >/dev/null
	http_url=$(sed -n 's/^HTTP_URL=//p' "$git/env")
	export GIT_AUTHOR_NAME=b GIT_AUTHOR_EMAIL=b@example.com
	export GIT_COMMITTER_NAME=b GIT_COMMITTER_EMAIL=b@example.com
	git init -q -b main "$w"
	mkdir -p "$w/deploy"
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: stamp}\ndata: {value: "0"}\n' >"$w/deploy/cm.yaml"
	git -C "$w" add -A && git -C "$w" commit -q -m init
	git init -q --bare -b main "$git/repos/live.git"
	git -C "$git/repos/live.git" config http.receivepack true
	git -C "$w" push -q "$http_url/git/live.git" main
	kubectl create ns "$ns" >/dev/null
	sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	"$build/source-controller/source-controller" --kubeconfig "$KUBECONFIG" \
	    --storage-path "$T/storage" --storage-addr "127.0.0.1:$sport" \
	    --storage-adv-addr "127.0.0.1:$sport" --bus-artifacts "ipc://$T/a.sock" \
	    --bus-reconcile "ipc://$T/r.sock" --watch-label-selector "bench=$ns" \
	    --log-level error 2>"$T/src.log" &
	src_pid=$!
	# shellcheck disable=SC2086
	"$ctl" --kubeconfig "$KUBECONFIG" --bus-artifacts "ipc://$T/a.sock" --bus-events= \
	    --watch-label-selector "bench=$ns" --log-level ${CTL_LOG:-error} ${CTL_FLAGS:-} 2>"$T/ctl.log" &
	ctl_pid=$!
	kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: live, labels: {bench: $ns}}
spec: {url: "$http_url/git/live.git", interval: 1h, ref: {branch: main}}
---
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: live, labels: {bench: $ns}}
spec: {interval: 1h, prune: true, path: ./deploy, targetNamespace: $ns, sourceRef: {kind: GitRepository, name: live}}
EOF
	kubectl -n "$ns" wait --for=condition=Ready --timeout=120s kustomization/live >/dev/null
	"$build/bench/kustomize-controller/kc_latency" "$KUBECONFIG" "ipc://$T/r.sock" "$ns" live stamp \
	    "$rounds" "set -e; cd $w; v=\$(date +%s%N); sed -i \"s/value: .*}/value: \\\"\$v\\\"}/\" deploy/cm.yaml;
git commit -q -am bench; git push -q $http_url/git/live.git main; echo \$v" | tail -1
	kubectl delete ns "$ns" --wait=false >/dev/null
}

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
	[ "$n" -gt 0 ] || continue
	for rep in $(seq 1 "${REPS:-1}"); do run_once "$n" "$rep"; done
done
[ "${ROUNDS:-50}" -gt 0 ] && latency "${ROUNDS:-50}"
