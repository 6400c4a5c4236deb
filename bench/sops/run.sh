#!/usr/bin/env bash
# Decryption time and peak RSS of flint's SOPS engine (tests/integration/
# sops/sopsdec, release preset) beside `sops decrypt` (the real CLI, built
# by tests/harness/build-sops) on the same files: a Kubernetes Secret as
# Flux users write it, a YAML file of N values, a dotenv file of N lines
# and a binary file of M MiB. Best of 5 runs by CPU time (/usr/bin/time -v).
#
# Knobs (defaults in brackets): N [5000], MIB [8], NO_BUILD=1,
# BUILD [build/release].
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${BUILD:-$root/build/release}
n=${N:-5000}
mib=${MIB:-8}
dec=$build/tests/integration/sops/sopsdec
tmp=$(mktemp -d /tmp/flint-sops-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
log() { echo "bench/sops: $*" >&2; }

if [[ -z ${NO_BUILD:-} ]]; then
	log "building sopsdec (release preset)"
	(cd "$root" && cmake --preset release >/dev/null &&
		cmake --build "$build" -j2 --target sopsdec >/dev/null)
fi
sops=$("$root/tests/harness/build-sops" | tail -n1)

cd "$tmp"
age-keygen -o key.txt 2>/dev/null
r=$(age-keygen -y key.txt)
export SOPS_AGE_KEY_FILE=$tmp/key.txt

cat >secret.yaml <<'Y'
apiVersion: v1
kind: Secret
metadata: {name: db, namespace: apps}
type: Opaque
stringData: {username: admin, password: hunter2, url: "postgres://db:5432/app"}
Y
"$sops" encrypt --age "$r" --encrypted-regex '^(data|stringData)$' secret.yaml >secret.enc.yaml
python3 - "$n" <<'PY' >big.yaml
import sys
n = int(sys.argv[1])
for i in range(n):
    print(f"key{i}:\n  user: user{i}\n  pass: p{i * 7919 % 100003}\n  port: {1000 + i}\n  on: {str(i % 2 == 0).lower()}")
PY
"$sops" encrypt --age "$r" big.yaml >big.enc.yaml
python3 - "$n" <<'PY' >big.env
import sys
for i in range(int(sys.argv[1])):
    print(f"VAR_{i}=value-{i * 7919 % 100003}")
PY
"$sops" encrypt --age "$r" big.env >big.enc.env
head -c $((mib << 20)) /dev/urandom >big.bin
"$sops" encrypt --age "$r" --input-type binary --output-type binary big.bin >big.enc.bin

# best of 5 by CPU time: "<cpu s> <wall s> <max RSS KiB>"; CPU time
# (user + sys) is the steadier figure on a shared machine
measure() {
	local best= wall= rss=
	for _ in 1 2 3 4 5; do
		/usr/bin/time -v "$@" >/dev/null 2>time.txt || { cat time.txt; exit 1; }
		read -r c w r < <(awk -F': ' '
			/User time/ { c += $2 } /System time/ { c += $2 }
			/Elapsed \(wall clock\)/ { n = split($2, t, ":"); s = 0;
				for (i = 1; i <= n; i++) s = s * 60 + t[i]; w = s }
			/Maximum resident/ { r = $2 }
			END { print c, w, r }' time.txt)
		if [[ -z $best ]] || awk "BEGIN { exit !($c < $best) }"; then
			best=$c wall=$w rss=$r
		fi
	done
	echo "$best $wall $rss"
}

printf '%-26s %9s %9s %8s %9s %9s %8s\n' file "flint cpu" "wall" "MB" \
	"sops cpu" "wall" "MB"
row() { # label format file [sops flags...]
	local label=$1 fmt=$2 f=$3
	shift 3
	read -r fc fw fr < <(measure "$dec" file key.txt "$fmt" "$f")
	read -r sc sw sr < <(measure "$sops" decrypt "$@" "$f")
	awk -v l="$label" -v fc="$fc" -v fw="$fw" -v fr="$fr" -v sc="$sc" \
		-v sw="$sw" -v sr="$sr" 'BEGIN { printf "%-26s %9.2f %9.2f %8.1f %9.2f %9.2f %8.1f\n",
			l, fc, fw, fr / 1024, sc, sw, sr / 1024 }'
}
row "Secret (encrypted_regex)" yaml secret.enc.yaml
row "YAML, $((n * 4)) values" yaml big.enc.yaml
row "dotenv, $n lines" dotenv big.enc.env
row "binary, $mib MiB" binary big.enc.bin --input-type binary --output-type binary
