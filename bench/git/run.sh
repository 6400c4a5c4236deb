#!/usr/bin/env bash
# Checkout benchmark (issue 6, measure a): a generated repository (FILES
# files, COMMITS commits; defaults 50000 and 2000) served by nginx +
# git-http-backend on loopback (tests/integration/git/servers.sh), fetched
# and packed by flint (git_bench, release build) and, beside it, by
# `git clone --depth 1` + `tar czf` (.git excluded). Best of RUNS (3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
FILES=${FILES:-50000}
COMMITS=${COMMITS:-2000}
RUNS=${RUNS:-3}

if [ -z "${NO_BUILD:-}" ]; then
	cmake --preset release -S "$top" >/dev/null
	cmake --build "$top/build/release" --target git_bench -j "$(nproc)" >/dev/null
fi
bench=$top/build/release/bench/git/git_bench

T=$(mktemp -d "${TMPDIR:-/tmp}/flint-git-bench-XXXXXX")
cleanup() {
	"$top/tests/integration/git/servers.sh" stop "$T" || true
	rm -rf "$T"
}
trap cleanup EXIT
"$top/tests/integration/git/servers.sh" start "$T" >/dev/null
. "$T/env"

git init -q --bare -b main "$T/repos/big.git"
(cd "$T/repos/big.git" && python3 "$here/gen.py" "$FILES" "$COMMITS" |
	git fast-import --done --quiet && git repack -adq)
echo "repository: $FILES files, $COMMITS commits, pack $(du -sh "$T/repos/big.git/objects/pack" | cut -f1)"
url=$HTTP_URL/git/big.git

mkdir -p "$T/flint"
"$bench" "$url" main "$T/flint" "$RUNS"

for i in $(seq "$RUNS"); do
	rm -rf "$T/ref" "$T/ref.tar.gz"
	start=$(date +%s%N)
	git clone -q --depth 1 --branch main "$url" "$T/ref"
	mid=$(date +%s%N)
	tar czf "$T/ref.tar.gz" --exclude=.git -C "$T/ref" .
	end=$(date +%s%N)
	awk -v s="$start" -v m="$mid" -v e="$end" -v b="$(stat -c %s "$T/ref.tar.gz")" 'BEGIN {
		printf "git clone --depth 1     clone %8.1f ms  tar czf %8.1f ms  total %8.1f ms  tar.gz %9d B\n",
		    (m - s) / 1e6, (e - m) / 1e6, (e - s) / 1e6, b }'
done
