#!/usr/bin/env bash
# flint's Kubernetes client beside kubectl on one control plane: list
# 10,000 ConfigMaps (kubectl get -o json) and server-side apply 1,000
# (kubectl apply --server-side), timed with /usr/bin/time -v; prints wall
# time, CPU and peak RSS for each run and the best of each case.
#
# Uses the cluster in $FLINT_CLUSTER_DIR when it is up, else starts one
# with tests/harness/cluster and stops it afterwards. Knobs (defaults in
# brackets): N_LIST [10000], N_APPLY [1000], REPS [3], WORKERS [8] for the
# parallel flint apply (which runs without the QPS limit), NO_BUILD=1 to
# skip building, BUILD [build/release].
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$root/build/release}
n_list=${N_LIST:-10000}
n_apply=${N_APPLY:-1000}
reps=${REPS:-3}
workers=${WORKERS:-8}
export FLINT_CLUSTER_DIR=${FLINT_CLUSTER_DIR:-/tmp/flint-bench-cluster}
cluster=$root/tests/harness/cluster
bench=$build/bench/k8s/k8s_bench
tmp=$(mktemp -d /tmp/flint-k8s-bench.XXXXXX)
started=

log() { echo "bench/k8s: $*" >&2; }

cleanup() {
	rm -rf "$tmp"
	if [[ -n $started ]]; then
		"$cluster" down >/dev/null || log "cluster down failed"
	fi
}
trap cleanup EXIT

if [[ -z ${NO_BUILD:-} ]]; then
	log "building k8s_bench (release preset)"
	(cd "$root" && cmake --preset release >/dev/null &&
		cmake --build "$build" -j2 --target k8s_bench >/dev/null)
fi
if ! "$cluster" status >/dev/null 2>&1; then
	log "starting the control plane in $FLINT_CLUSTER_DIR"
	"$cluster" up >/dev/null
	started=1
fi
export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
kubectl() { command kubectl "$@" 2>/dev/null; }

# Runs a command under /usr/bin/time -v with stdout discarded; prints
# "wall_s cpu_s rss_kb".
measure() {
	/usr/bin/time -v -o "$tmp/time" "$@" >/dev/null 2>"$tmp/err" || {
		cat "$tmp/err" >&2
		return 1
	}
	awk -F': ' '
		/Elapsed \(wall clock\)/ {
			n = split($2, p, ":"); w = 0
			for (i = 1; i <= n; i++) w = w * 60 + p[i]
		}
		/User time/ { u = $2 } /System time/ { s = $2 }
		/Maximum resident set size/ { r = $2 }
		END { printf "%.2f %.2f %d\n", w, u + s, r }' "$tmp/time"
}

declare -A best_wall best_line
row() { # case wall cpu rss
	local line
	line=$(awk -v c="$1" -v w="$2" -v u="$3" -v r="$4" \
		'BEGIN { printf "%-34s %8.2f s %8.2f s %9.1f MB", c, w, u, r / 1024 }')
	echo "$line"
	if [[ -z ${best_wall[$1]:-} ]] ||
		awk -v a="$2" -v b="${best_wall[$1]}" 'BEGIN { exit !(a < b) }'; then
		best_wall[$1]=$2
		best_line[$1]=$line
	fi
}

run() { # case command...
	local name=$1 out
	shift
	out=$(measure "$@")
	# shellcheck disable=SC2086
	row "$name" $out
}

# --- list -----------------------------------------------------------------
ns=flint-bench-list
kubectl create namespace "$ns" >/dev/null || true
have=$(kubectl get configmaps -n "$ns" -l app.kubernetes.io/name=bench \
	-o name | wc -l)
if ((have < n_list)); then
	log "creating $((n_list - have)) more ConfigMaps in $ns"
	"$bench" seed "$ns" "$n_list"
fi
# Same work: both outputs hold every ConfigMap of the namespace.
flint_items=$("$bench" list "$ns" | python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)["items"]))')
kubectl_items=$(kubectl get configmaps -n "$ns" -o json | python3 -c \
	'import json,sys; print(len(json.load(sys.stdin)["items"]))')
log "list: flint sees $flint_items items, kubectl $kubectl_items"

echo "kubectl: $(command kubectl version --client 2>/dev/null | head -1)"
echo "server:  $(kubectl version -o json | python3 -c \
	'import json,sys; print(json.load(sys.stdin)["serverVersion"]["gitVersion"])')"
printf '%-34s %10s %10s %12s\n' case wall cpu "peak RSS"
for ((r = 1; r <= reps; r++)); do
	run "list flint" "$bench" list "$ns"
	run "list flint (streamed)" "$bench" list "$ns" stream
	run "list kubectl -o json" kubectl get configmaps -n "$ns" -o json
done

# --- server-side apply ----------------------------------------------------
"$bench" gen "$n_apply" >"$tmp/objects.yaml"
for ((r = 1; r <= reps; r++)); do
	for who in flint flint-par kubectl; do
		ns=flint-bench-apply-$who-$r-$$
		kubectl create namespace "$ns" >/dev/null
		case $who in
		flint) run "apply flint" "$bench" apply "$ns" "$tmp/objects.yaml" ;;
		flint-par) run "apply flint ($workers workers, no QPS)" "$bench" \
			apply "$ns" "$tmp/objects.yaml" "$workers" nolimit ;;
		kubectl) run "apply kubectl --server-side" kubectl apply \
			--server-side -n "$ns" -f "$tmp/objects.yaml" ;;
		esac
		n=$(kubectl get configmaps -n "$ns" -l app.kubernetes.io/name=bench \
			-o name | wc -l)
		((n == n_apply)) || log "$who applied $n of $n_apply objects"
		kubectl delete namespace "$ns" --wait=false >/dev/null
	done
done

echo
echo "best of $reps (by wall time):"
for c in "list flint" "list flint (streamed)" "list kubectl -o json" \
	"apply flint" "apply flint ($workers workers, no QPS)" \
	"apply kubectl --server-side"; do
	echo "${best_line[$c]}"
done
