#!/usr/bin/env bash
# The streaming Helm index reader against a whole-tree parse of a large
# generated index (gen.py, MB megabytes, default 50: Flux's default
# --helm-index-max-size). Builds helmindex_bench with the release preset
# unless NO_BUILD=1; each case runs in its own process.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
build=${BUILD:-$root/build/release}
mb=${MB:-50}
if [ "${NO_BUILD:-0}" != 1 ]; then
	cmake --preset release >/dev/null
	cmake --build "$build" -j2 --target helmindex_bench >/dev/null
fi
data=$build/bench/helmindex/data
mkdir -p "$data"
idx=$data/index-$mb.yaml
[ -s "$idx" ] || python3 "$here/gen.py" "$idx" "$mb" >/dev/null
echo "index: $(du -m "$idx" | cut -f1) MB, $(grep -c '^  chart' "$idx") charts"
for c in stream validate tree; do
	"$build/bench/helmindex/helmindex_bench" "$c" "$idx" chart00042
done
