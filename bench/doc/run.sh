#!/usr/bin/env bash
# The doc benchmark, side by side: builds doc_bench with the release
# preset (-O2, hardened), generates the inputs once, runs every case in a
# process of its own (so each peak RSS is that case's) beside Python's
# json module, and prints one table with each time relative to flint's.
#
#   bench/doc/run.sh
#
# Environment: ITERS (doc_bench runs per case, best counts; 10),
# PY_ITERS (3), MB (input size; 20), DATA (input folder), NO_BUILD=1,
# VARIANTS=0 skips the rows measured with transparent huge pages.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=$root/build/release
data=${DATA:-$build/bench/doc/data}
iters=${ITERS:-10}
py_iters=${PY_ITERS:-3}
py=/usr/bin/python3
bench=$build/bench/doc/doc_bench

if [ "${NO_BUILD:-0}" != 1 ]; then
	(cd "$root" && cmake --preset release >/dev/null &&
		cmake --build --preset release --target doc_bench -j2 >/dev/null)
fi
[ -f "$data/list.min.json" ] || $py "$here/gen.py" "$data" --mb "${MB:-20}"

results=$(mktemp)
trap 'rm -f "$results"' EXIT

# run LABEL CMD...: appends CMD's result line, LABEL added to its name.
run() {
	local label=$1
	shift
	"$@" | awk -v l="$label" 'BEGIN { FS = OFS = "\t" } { $1 = $1 l; print }' \
		>>"$results"
}

while IFS=$'\t' read -r name input _; do
	if [ ! -f "$data/$input" ]; then
		echo "run.sh: no $data/$input, $name left out" >&2
		continue
	fi
	run "" "$bench" "$name" "$data/$input" "$iters"
done < <("$bench" --list)
for c in parse:list.min.json parse-indent:list.json emit:list.min.json \
	emit-indent:list.min.json; do
	run "" $py "$here/py_bench.py" "python-json-${c%%:*}" "$data/${c#*:}" \
		"$py_iters"
done
# The daemons keep freed heap for reuse (mem_keep_freed()); measure the
# parsers that way too, as a daemon runs them again and again.
for name in flint-json-parse cjson-json-parse flint-yaml-parse \
	libyaml-yaml-parse; do
	input=list.min.json
	case $name in *yaml*) input=list.yaml ;; esac
	"$bench" --list | grep -q "^$name	" || continue
	FLINT_BENCH_DAEMON_HEAP=1 run " (daemon heap)" \
		"$bench" "$name" "$data/$input" "$iters"
done
# Most of a big parse's system time is first-touch page faults on the
# tree's memory; with glibc advising huge pages they mostly go away.
if [ "${VARIANTS:-1}" = 1 ]; then
	for name in flint-json-parse cjson-json-parse; do
		"$bench" --list | grep -q "^$name	" || continue
		GLIBC_TUNABLES=glibc.malloc.hugetlb=1 run " (THP)" \
			"$bench" "$name" "$data/list.min.json" "$iters"
	done
fi

echo "doc bench, $(date -u +%FT%TZ), $(git -C "$root" rev-parse --short HEAD)," \
	"$(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "inputs: $(cd "$data" && ls -l list.* | awk '{ printf "%s %.1f MB  ", $9, $5 / 1e6 }')"
echo "best of $iters runs (Python $py_iters) by CPU time (user+sys; sys ms is the"
echo "system part of that run); /flint: that CPU time over flint's for the same"
echo "operation; count: values walked (parse) or bytes written (emit)"
echo
awk 'BEGIN { FS = "\t" }
function op(name) { sub(/^[^-]+-/, "", name); return name }
{
	line[NR] = $0
	if ($1 ~ /^flint-/) flint[op($1)] = $4
}
END {
	printf "%-18s %-24s %6s %8s %7s %7s %6s %8s %9s %7s\n", \
	    "operation", "case", "MB", "CPU ms", "sys ms", "MB/s", \
	    "/flint", "wall ms", "count", "RSS MB"
	for (i = 1; i <= NR; i++) {
		split(line[i], f, "\t")
		o = op(f[1])
		ratio = (o in flint) ? sprintf("%.2f", f[4] / flint[o]) : "-"
		printf "%-18s %-24s %6.1f %8.1f %7.1f %7.1f %6s %8.1f %9d %7.1f\n", \
		    o, f[1], f[2] / 1e6, f[4], f[10], f[7], ratio, f[6], f[8], \
		    f[9] / 1024
	}
}' < <(sort -t$'\t' -k1,1 "$results" | awk 'BEGIN { FS = OFS = "\t" }
	{ o = $1; sub(/^[^-]+-/, "", o); print o, $0 }' | sort -s -t$'\t' -k1,1 |
	cut -f2-)
