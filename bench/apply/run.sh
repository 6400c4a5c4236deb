#!/usr/bin/env bash
# Staged apply of N-object sets (gen.sh: a Namespace, then ConfigMaps,
# Services and 1-replica Deployments) with apply_bench, beside kubectl
# apply --server-side of the same file, each into a fresh namespace;
# /usr/bin/time -v gives wall time and peak RSS.
#
# Uses the cluster in $FLINT_CLUSTER_DIR when it is up, else starts one
# with tests/harness/cluster and stops it afterwards. Knobs (defaults in
# brackets): SIZES ["100 500"], QPS [0: no client rate limit], NO_BUILD=1,
# BUILD [build/release].
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$root/build/release}
sizes=${SIZES:-100 500}
qps=${QPS:-0}
export FLINT_CLUSTER_DIR=${FLINT_CLUSTER_DIR:-/tmp/flint-bench-cluster}
cluster=$root/tests/harness/cluster
bench=$build/bench/apply/apply_bench
tmp=$(mktemp -d /tmp/flint-apply-bench.XXXXXX)
started=

log() { echo "bench/apply: $*" >&2; }

cleanup() {
	rm -rf "$tmp"
	if [[ -n $started ]]; then
		"$cluster" down >/dev/null || log "cluster down failed"
	fi
}
trap cleanup EXIT

if [[ -z ${NO_BUILD:-} ]]; then
	log "building apply_bench (release preset)"
	(cd "$root" && cmake --preset release >/dev/null &&
		cmake --build "$build" -j2 --target apply_bench >/dev/null)
fi
if ! "$cluster" status >/dev/null 2>&1; then
	log "starting the control plane in $FLINT_CLUSTER_DIR"
	"$cluster" up >/dev/null
	started=1
fi
export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig

rss() { awk -F': ' '/Maximum resident/ { printf "%.1f MB", $2 / 1024 }' "$1"; }
wall() { awk -F': ' '/Elapsed \(wall/ { print $2 }' "$1"; }
cpu() { awk -F': ' '/User time/ { u = $2 } /System time/ { s = $2 }
	END { printf "%.2f s", u + s }' "$1"; }

for n in $sizes; do
	ns=flint-bench-apply-$n-$$
	"$root/bench/apply/gen.sh" "$ns" "$n" >"$tmp/set.yaml"
	/usr/bin/time -v -o "$tmp/t" "$bench" "$tmp/set.yaml" "$qps" >"$tmp/out"
	echo "flint apply_set, $n objects (peak RSS $(rss "$tmp/t"), total $(wall "$tmp/t"), CPU $(cpu "$tmp/t")):"
	sed 's/^/  /' "$tmp/out"
	kubectl delete namespace "$ns" --wait=false >/dev/null
	ns=flint-bench-kubectl-$n-$$
	"$root/bench/apply/gen.sh" "$ns" "$n" >"$tmp/set.yaml"
	/usr/bin/time -v -o "$tmp/t" kubectl apply --server-side \
		--field-manager=bench -f "$tmp/set.yaml" >/dev/null
	echo "kubectl apply --server-side, $n objects: $(wall "$tmp/t"), CPU $(cpu "$tmp/t"), peak RSS $(rss "$tmp/t")"
	/usr/bin/time -v -o "$tmp/t" kubectl apply --server-side \
		--field-manager=bench -f "$tmp/set.yaml" >/dev/null
	echo "kubectl apply --server-side again: $(wall "$tmp/t")"
	kubectl delete namespace "$ns" --wait=false >/dev/null
done
