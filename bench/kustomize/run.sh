#!/usr/bin/env bash
# flint build against kubectl kustomize, side by side in one run:
#   corpus     every case of the kustomize conformance corpus, one process
#              per case (the whole loop timed)
#   large      2,042 objects: 10 bases, 40 overlays, 100 patches of both
#              kinds, generators (gen.py)
#   scale-N    N = 100, 1000, 4000 objects with namespace, namePrefix and
#              commonLabels
# Prints the median wall time of RUNS runs (kubectl runs scale-4000 once,
# it takes minutes), the CPU time, the peak RSS (/usr/bin/time -v) and the
# ratios, and checks that both tools print the same bytes.
# Knobs: RUNS (3), NO_BUILD=1, SKIP_KUBECTL_4000=1, FLINT_CONFORMANCE_DIR.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
runs=${RUNS:-3}
conf=${FLINT_CONFORMANCE_DIR:-$top/../shared/conformance}
data=$top/build/release/bench/kustomize/data
flint=$top/build/release/cli/flint

if [ "${NO_BUILD:-0}" != 1 ]; then
	cmake --preset release -S "$top" >/dev/null
	cmake --build "$top/build/release" --target flint -j "$(nproc)" >/dev/null
fi
command -v kubectl >/dev/null || { echo "kubectl not found" >&2; exit 1; }
rm -rf "$data"
python3 "$here/gen.py" "$data"

# The corpus as a list of build targets.
python3 - "$conf/kustomize" >"$data/corpus.list" <<'PY'
import json, os, sys
root = sys.argv[1]
for c in sorted(os.listdir(root)):
    p = os.path.join(root, c, "case.json")
    if os.path.isfile(p):
        print(os.path.join(root, c, json.load(open(p))["target"]))
PY

# one TOOL CASE: prints "wall cpu maxrss_kb" of one run.
one() {
	local tool=$1 case=$2 cmd
	if [ "$tool" = flint ]; then cmd="$flint build"; else cmd="kubectl kustomize"; fi
	if [ "$case" = corpus ]; then
		/usr/bin/time -f '%e %U %S %M' -o "$data/time" bash -c '
			while read -r t; do '"$cmd"' "$t" >/dev/null 2>&1 || true
			done <"$0"' "$data/corpus.list"
	else
		/usr/bin/time -f '%e %U %S %M' -o "$data/time" \
			$cmd "$data/$case" >"$data/$case.$tool.yaml" 2>/dev/null
	fi
	awk '{ printf "%s %.2f %s\n", $1, $2 + $3, $4 }' "$data/time"
}

# measure TOOL CASE N: medians of N runs of wall and cpu, max of RSS.
measure() {
	local i
	for i in $(seq 1 "$3"); do one "$1" "$2"; done | sort -n |
		awk '{ w[NR] = $1; c[NR] = $2; if ($3 > m) m = $3 }
		     END { printf "%s %s %d\n", w[int((NR + 1) / 2)],
			   c[int((NR + 1) / 2)], m }'
}

printf '%-11s %10s %10s %9s %9s %9s %9s %8s %s\n' case flint_s kubectl_s \
	ratio flint_cpu kube_cpu flint_MB kube_MB same
for c in corpus large scale-100 scale-1000 scale-4000; do
	kr=$runs
	[ "$c" = scale-4000 ] && kr=1
	read -r fw fc fm < <(measure flint "$c" "$runs")
	if [ "$c" = scale-4000 ] && [ "${SKIP_KUBECTL_4000:-0}" = 1 ]; then
		kw=- kc=- km=0
	else
		read -r kw kc km < <(measure kubectl "$c" "$kr")
	fi
	same=-
	if [ "$c" != corpus ] && [ "$kw" != - ]; then
		cmp -s "$data/$c.flint.yaml" "$data/$c.kubectl.yaml" &&
			same=yes || same=NO
	fi
	ratio=$(awk -v f="$fw" -v k="$kw" 'BEGIN {
		if (k == "-" || f == 0) print "-"; else printf "%.1fx", k / f }')
	printf '%-11s %10s %10s %9s %9s %9s %9.1f %8.1f %s\n' "$c" "$fw" "$kw" \
		"$ratio" "$fc" "$kc" "$(echo "$fm" | awk '{print $1/1024}')" \
		"$(echo "$km" | awk '{print $1/1024}')" "$same"
done
