#!/usr/bin/env bash
# Regenerates the seed corpus with the reference tools: files encrypted by
# the real sops (tests/harness/build-sops) and age CLIs to the fuzz
# target's throwaway identity, each prefixed by the byte that selects the
# entry point in sops_fuzz.c (0 age, 1 YAML, 2 JSON, 3 dotenv, 4 binary,
# 5 objects).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
sops=$("$here/../../harness/build-sops" | tail -n1)
r=age1khh3079m7qnhmy2srl9xcsk4vclcwn0eztjvrsa73mnn6a927aasewcxkl
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
out=$here/corpus
rm -rf "$out"
mkdir -p "$out"
seed() { # selector name file
	{ printf "\\x$(printf %02x "$1")"; cat "$3"; } >"$out/$2"
}

printf 'hello, flint\n' >"$T/small"
head -c 70000 /dev/urandom >"$T/two-chunks"
age -r "$r" -o "$T/a.age" "$T/small" && seed 0 age-binary "$T/a.age"
age -r "$r" -a -o "$T/a.asc" "$T/small" && seed 0 age-armored "$T/a.asc"
age -r "$r" -o "$T/b.age" "$T/two-chunks" && seed 0 age-two-chunks "$T/b.age"

cat >"$T/s.yaml" <<'Y'
a: 1
b: [x, 2.5, true, {c: d}]
e:
  f: text
  g_unencrypted: plain
n: null
Y
"$sops" encrypt --age "$r" "$T/s.yaml" >"$T/e.yaml" && seed 1 sops-yaml "$T/e.yaml"
printf '{"a": "b", "n": 3, "l": [1, "x"], "o": {"k": null}}\n' >"$T/s.json"
"$sops" encrypt --age "$r" "$T/s.json" >"$T/e.json" && seed 2 sops-json "$T/e.json"
printf 'A=1\n# c\nB=two\\nlines\n' >"$T/s.env"
"$sops" encrypt --age "$r" "$T/s.env" >"$T/e.env" && seed 3 sops-dotenv "$T/e.env"
printf 'bin\0ary' >"$T/s.bin"
"$sops" encrypt --age "$r" --input-type binary --output-type binary "$T/s.bin" >"$T/e.bin" &&
	seed 4 sops-binary "$T/e.bin"
cat >"$T/secret.yaml" <<'Y'
apiVersion: v1
kind: Secret
metadata: {name: s, namespace: n}
stringData: {user: admin}
Y
"$sops" encrypt --age "$r" --encrypted-regex '^(data|stringData)$' "$T/secret.yaml" >"$T/es.yaml" &&
	seed 5 object-secret "$T/es.yaml"
{
	printf 'apiVersion: v1\nkind: Secret\nmetadata: {name: g}\ndata:\n'
	printf '  app.env: %s\n' "$(base64 -w0 "$T/e.env")"
} >"$T/gen.yaml" && seed 5 object-generated "$T/gen.yaml"
