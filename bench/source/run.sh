#!/usr/bin/env bash
# source-controller, measured (issue 6, Measured (b) and (c)):
#   (c) commit -> ArtifactEvent latency with a ReconcileRequest trigger:
#       source_bench pushes a commit to a repository behind nginx +
#       git-http-backend, sends a ReconcileRequest and times the event;
#   (b) idle RSS of the daemon watching N GitRepositories (all Ready,
#       then IDLE_S seconds of quiet), read from /proc/<pid>/status.
# Uses the real Git servers of tests/integration/git and the cluster in
# $FLINT_CLUSTER_DIR (started and stopped here when it is not up).
# Knobs: ROUNDS [50], N [500], IDLE_S [20], NO_BUILD=1,
# BUILD [build/release], LOG_LEVEL [error] and DAEMON_LOG (keep the
# daemon's log there; with LOG_LEVEL=debug it times each reconcile's
# fetch, store and announce).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$root/build/release}
rounds=${ROUNDS:-50}
n=${N:-500}
idle=${IDLE_S:-20}
export FLINT_CLUSTER_DIR=${FLINT_CLUSTER_DIR:-/tmp/flint-bench-cluster}
cluster=$root/tests/harness/cluster
servers=$root/tests/integration/git/servers.sh
T=$(mktemp -d /tmp/flint-source-bench.XXXXXX)
ns=flint-source-bench-$$
started=
daemon_pid=

log() { echo "bench/source: $*" >&2; }

cleanup() {
	# while the daemon still runs: it removes its finalizers
	kubectl delete namespace "$ns" --timeout=300s >/dev/null 2>&1 ||
		log "namespace $ns not deleted in time"
	[[ -n $daemon_pid ]] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	"$servers" stop "$T" || true
	[[ -n ${DAEMON_LOG:-} ]] && cp "$T/daemon.log" "$DAEMON_LOG"
	rm -rf "$T"
	if [[ -n $started ]]; then
		"$cluster" down >/dev/null || log "cluster down failed"
	fi
}
trap cleanup EXIT

if [[ -z ${NO_BUILD:-} ]]; then
	log "building source-controller and source_bench (release preset)"
	(cd "$root" && cmake --preset release >/dev/null &&
		cmake --build "$build" -j2 --target source-controller \
			source_bench >/dev/null)
fi
if ! "$cluster" status >/dev/null 2>&1; then
	log "starting the control plane in $FLINT_CLUSTER_DIR"
	"$cluster" up >/dev/null
	started=1
fi
export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
export KUBECACHEDIR=$T/kubecache
# every source kind's CRD: the daemon watches them all
crds=()
for f in "$root"/manifests/crds/source.toolkit.fluxcd.io_*.yaml; do
	crds+=(-f "$f")
done
kubectl apply --server-side --force-conflicts --field-manager=flint-bench \
	"${crds[@]}" >/dev/null
kubectl wait --for=condition=Established --timeout=60s \
	"${crds[@]}" >/dev/null
kubectl create namespace "$ns" >/dev/null

"$servers" start "$T" >/dev/null
set -a
. "$T/env"
set +a
HOME=$T/home git clone -q --bare "$T/repos/repo.git" "$T/repos/live.git"
HOME=$T/home git clone -q "$T/repos/live.git" "$T/w"
git -C "$T/w" checkout -q main

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# watch only the bench namespace, as the daemon's runtime namespace
RUNTIME_NAMESPACE=$ns "$build/source-controller/source-controller" \
	--storage-path="$T/storage" --storage-addr="127.0.0.1:$port" \
	--bus-artifacts="ipc://$T/a.sock" --bus-reconcile="ipc://$T/r.sock" \
	--kubeconfig="$KUBECONFIG" --watch-all-namespaces=false \
	--log-level=${LOG_LEVEL:-error} >"$T/daemon.log" 2>&1 &
daemon_pid=$!

sleep 2

report() { # label
	awk -v l="$1" '/^VmRSS/ { r = $2 } /^VmHWM/ { h = $2 }
		/^RssAnon/ { a = $2 } /^RssFile/ { f = $2 }
		END { printf "%s: RSS %.1f MiB (anonymous %.1f, file-backed %.1f; peak %.1f)", l, r / 1024, a / 1024, f / 1024, h / 1024 }' \
		"/proc/$daemon_pid/status"
	awk '/^Pss:/ { printf ", PSS %.1f MiB\n", $2 / 1024 }' \
		"/proc/$daemon_pid/smaps_rollup"
}
# (b) before: the same daemon watching nothing yet
report "idle, watching 0 GitRepositories" >&2

# (c) latency
cat <<EOF2 | kubectl apply -f - >/dev/null
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: live, namespace: $ns}
spec: {url: "$HTTP_URL/git/live.git", interval: 1h, ref: {branch: main}}
EOF2
kubectl wait -n "$ns" --for=condition=Ready --timeout=60s gitrepository/live >/dev/null
push="set -e; cd $T/w; date +%s%N > stamp; git add stamp;
git -c user.name=b -c user.email=b@example.com commit -q -m bench;
HOME=$T/home git push -q origin main; git rev-parse HEAD"
"$build/bench/source/source_bench" "ipc://$T/a.sock" "ipc://$T/r.sock" \
	"$ns" live "$rounds" "$push" | tail -1
kubectl delete -n "$ns" gitrepository live >/dev/null

# (b) idle RSS with N objects (N=0: latency only)
((n > 0)) || exit 0
log "creating $n GitRepositories"
for ((i = 0; i < n; i++)); do
	cat <<EOF2
---
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo-$i, namespace: $ns}
spec: {url: "$HTTP_URL/git/repo.git", interval: 1h, ref: {branch: main}}
EOF2
done >"$T/repos.yaml"
t0=$(date +%s)
kubectl apply -f "$T/repos.yaml" >/dev/null
while :; do
	ready=$(kubectl get gitrepositories -n "$ns" -o jsonpath='{range .items[*]}{.status.conditions[?(@.type=="Ready")].status}{"\n"}{end}' | grep -c True || true)
	((ready >= n)) && break
	(($(date +%s) - t0 > 600)) && { log "only $ready of $n Ready after 600 s"; exit 1; }
	sleep 2
done
log "$n GitRepositories Ready after $(($(date +%s) - t0)) s; idle for $idle s"
sleep "$idle"
report "idle, watching $n GitRepositories"
