#!/usr/bin/env bash
# Two source-controllers with --enable-leader-election on the test
# cluster: exactly one takes the Lease and reconciles; when it stops, the
# other takes over and reconciles.   leader.sh <source-controller>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
daemon=$1
T=$(mktemp -d "${TMPDIR:-/tmp}/flint-source-leader-XXXXXX")
ns=src-leader-$$
pids=()
export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
export KUBECACHEDIR=$T/kubecache

cleanup() {
	kubectl delete namespace "$ns" --timeout=60s >/dev/null 2>&1 || true
	for p in "${pids[@]}"; do
		kill "$p" 2>/dev/null || true
	done
	[ -n "${KEEP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT

fail() {
	echo "FAIL: $*" >&2
	for i in 1 2; do
		echo "--- daemon $i" >&2
		grep -v '"level":"debug"' "$T/log$i" | tail -8 >&2
	done
	exit 1
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# wait_for <seconds> <command...>: true once the command succeeds
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		((SECONDS < end)) || return 1
		sleep 0.5
	done
}

crds=()
for f in "$root"/manifests/crds/source.toolkit.fluxcd.io_*.yaml; do
	crds+=(-f "$f")
done
kubectl apply --server-side --force-conflicts \
    --field-manager=flint-source-test "${crds[@]}" >/dev/null
kubectl wait --for=condition=Established --timeout=60s "${crds[@]}" >/dev/null
kubectl create namespace "$ns" >/dev/null

for i in 1 2; do
	RUNTIME_NAMESPACE=$ns "$daemon" --enable-leader-election \
	    --watch-all-namespaces=false --storage-path="$T/storage$i" \
	    --storage-addr="127.0.0.1:$(free_port)" \
	    --bus-artifacts="ipc://$T/a$i.sock" \
	    --bus-reconcile="ipc://$T/r$i.sock" --kubeconfig="$KUBECONFIG" \
	    >"$T/log$i" 2>&1 &
	pids+=($!)
done

leaders() { grep -l 'successfully acquired lease' "$T"/log1 "$T"/log2 2>/dev/null | wc -l; }
one_leader() { [ "$(leaders)" -eq 1 ]; }
wait_for 30 one_leader || fail "no leader after 30 s"
leader=$(grep -l 'successfully acquired lease' "$T"/log1 "$T"/log2)
leader=${leader: -1}
other=$((3 - leader))

# an object that fails quickly, so each reconcile leaves a log line
cat <<EOF2 | kubectl apply -f - >/dev/null
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: led, namespace: $ns}
spec: {url: "http://127.0.0.1:1/nowhere.git", interval: 1h}
EOF2
reconciled() { grep -q 'Reconciler error.*"name":"led"' "$T/log$1"; }
wait_for 30 reconciled "$leader" || fail "the leader did not reconcile"
sleep 2
reconciled "$other" && fail "the standby reconciled too"
one_leader || fail "both hold the lease"

# the leader stops; the standby takes over and reconciles
kill -TERM "${pids[$((leader - 1))]}"
wait "${pids[$((leader - 1))]}" || fail "the leader did not stop cleanly"
wait_for 40 grep -q 'successfully acquired lease' "$T/log$other" ||
	fail "the standby did not take over"
kubectl annotate -n "$ns" gitrepository led --overwrite \
    reconcile.fluxcd.io/requestedAt=after-takeover >/dev/null
wait_for 30 reconciled "$other" || fail "the new leader did not reconcile"
echo "ok: daemon $leader led, daemon $other took over"
