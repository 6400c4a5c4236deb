#!/usr/bin/env bash
# The informer on one control plane, timed with /usr/bin/time -v: fill
# the cache with the ConfigMaps of a namespace (N_LIST, seeded once by
# bench/k8s's k8s_bench) beside `kubectl get -o json` of the same
# namespace, then the time until N_CHURN creates (THREADS writers) have
# all reached an informer handler. Prints wall time, CPU and peak RSS per
# run and the best of each case.
#
# Uses the cluster in $FLINT_CLUSTER_DIR when it is up, else starts one
# with tests/harness/cluster and stops it afterwards. Knobs (defaults in
# brackets): N_LIST [10000], N_CHURN [2000], THREADS [8], REPS [3],
# NO_BUILD=1, BUILD [build/release].
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$root/build/release}
n_list=${N_LIST:-10000}
n_churn=${N_CHURN:-2000}
threads=${THREADS:-8}
reps=${REPS:-3}
export FLINT_CLUSTER_DIR=${FLINT_CLUSTER_DIR:-/tmp/flint-bench-cluster}
cluster=$root/tests/harness/cluster
bench=$build/bench/ctrl/ctrl_bench
seeder=$build/bench/k8s/k8s_bench
tmp=$(mktemp -d /tmp/flint-ctrl-bench.XXXXXX)
started=

log() { echo "bench/ctrl: $*" >&2; }

cleanup() {
	rm -rf "$tmp"
	if [[ -n $started ]]; then
		"$cluster" down >/dev/null || log "cluster down failed"
	fi
}
trap cleanup EXIT

if [[ -z ${NO_BUILD:-} ]]; then
	log "building ctrl_bench and k8s_bench (release preset)"
	(cd "$root" && cmake --preset release >/dev/null &&
		cmake --build "$build" -j2 --target ctrl_bench k8s_bench >/dev/null)
fi
if ! "$cluster" status >/dev/null 2>&1; then
	log "starting the control plane in $FLINT_CLUSTER_DIR"
	"$cluster" up >/dev/null
	started=1
fi
export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
kubectl() { command kubectl "$@" 2>/dev/null; }

# Runs a command under /usr/bin/time -v; prints "wall_s cpu_s rss_kb" and
# keeps its stdout in $tmp/out.
measure() {
	/usr/bin/time -v -o "$tmp/time" "$@" >"$tmp/out" 2>"$tmp/err" || {
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
run() { # case command...
	local name=$1 w u r line
	shift
	read -r w u r < <(measure "$@")
	line=$(awk -v c="$name" -v w="$w" -v u="$u" -v r="$r" \
		'BEGIN { printf "%-30s %8.2f s %8.2f s %9.1f MB", c, w, u, r / 1024 }')
	echo "$line  $(head -c 120 "$tmp/out" | tr '\n' ' ')"
	if [[ -z ${best_wall[$name]:-} ]] ||
		awk -v a="$w" -v b="${best_wall[$name]}" 'BEGIN { exit !(a < b) }'; then
		best_wall[$name]=$w
		best_line[$name]=$line
	fi
}

ns=flint-bench-list
kubectl create namespace "$ns" >/dev/null || true
have=$(kubectl get configmaps -n "$ns" -l app.kubernetes.io/name=bench \
	-o name | wc -l)
if ((have < n_list)); then
	log "creating $((n_list - have)) more ConfigMaps in $ns"
	"$seeder" seed "$ns" "$n_list"
fi

printf '%-30s %10s %10s %12s\n' case wall cpu "peak RSS"
for ((r = 1; r <= reps; r++)); do
	run "informer sync flint" "$bench" sync "$ns"
	run "list kubectl -o json" kubectl get configmaps -n "$ns" -o json
	churn=flint-bench-churn-$r-$$
	kubectl create namespace "$churn" >/dev/null
	run "churn $n_churn flint ($threads writers)" "$bench" churn "$churn" \
		"$n_churn" "$threads"
	kubectl delete namespace "$churn" --wait=false >/dev/null
done

echo
echo "best of $reps (by wall time):"
for c in "informer sync flint" "list kubectl -o json" \
	"churn $n_churn flint ($threads writers)"; do
	echo "${best_line[$c]}"
done
