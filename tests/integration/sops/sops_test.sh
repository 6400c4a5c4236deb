#!/usr/bin/env bash
# Integration test of flint_sops against the reference tools: files are
# encrypted at test time by the real sops (built from its Go module by
# tests/harness/build-sops) and the Debian age CLI, decrypted by flint
# (through sopsdec) and compared with the plaintext and with what
# `sops decrypt` prints. Also: the wrong key gives ERR_AUTH, tampering
# gives a MAC mismatch, and age files flint encrypts open with `age -d`.
#
# Usage: sops_test.sh SOPSDEC BUILD_SOPS
set -uo pipefail

dec=$1
sops=$("$2" | tail -n1) || { echo "cannot build sops"; exit 1; }
[[ -x $sops ]] || { echo "no sops binary at '$sops'"; exit 1; }
command -v age >/dev/null && command -v age-keygen >/dev/null ||
	{ echo "age and age-keygen are needed (scripts/setup installs them)"; exit 1; }

T=$(mktemp -d /tmp/flint-sops-test.XXXXXX)
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export SOPS_AGE_KEY_FILE=$T/k1.txt

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; }
check() { # name command...
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}

# Same data, semantically (YAML or JSON): python's loaders as the judge.
same_tree() { # fmt a b
	python3 - "$@" <<'PY'
import json, sys, yaml
fmt, a, b = sys.argv[1:]
load = (lambda f: list(yaml.safe_load_all(f))) if fmt == "yaml" else json.load
with open(a) as fa, open(b) as fb:
    x, y = load(fa), load(fb)
if x != y:
    print("trees differ:\n", x, "\n", y)
    sys.exit(1)
PY
}

# Runs sopsdec into a file; on failure shows why and removes the file, so
# a later comparison fails too.
dec_to() { # out args...
	local out=$1; shift
	"$dec" "$@" >"$out" 2>err.txt || { cat err.txt; rm -f "$out"; return 1; }
}

# Runs sopsdec expecting exit code want and a message containing text.
expect_fail() { # name want text args...
	local name=$1 want=$2 text=$3; shift 3
	"$dec" "$@" >out.txt 2>err.txt
	local rc=$?
	if [[ $rc == "$want" ]] && grep -qF -- "$text" err.txt; then
		ok "$name"
	else
		bad "$name (exit $rc, want $want with '$text'): $(cat err.txt)"
	fi
}

age-keygen -o k1.txt 2>/dev/null && age-keygen -o k2.txt 2>/dev/null &&
	age-keygen -o k3.txt 2>/dev/null || { echo "age-keygen failed"; exit 1; }
r1=$(age-keygen -y k1.txt) r2=$(age-keygen -y k2.txt) r3=$(age-keygen -y k3.txt)
# Several identities in one key entry, with comments, as Flux allows.
cat k2.txt k1.txt >k21.txt

# ---- YAML ------------------------------------------------------------------
cat >plain.yaml <<'Y'
name: flint
count: 42
ratio: 0.25
big: 1e+21
enabled: true
disabled: false
nothing: null
empty: ""
list: [a, 1, 2.5, true, {x: y}]
nested:
  deeper:
    key: value with spaces  # a comment
    multi: |
      line one
      line two
  public_unencrypted: visible
unicode: "grüße ✓"
quoted: "123"
Y
"$sops" encrypt --age "$r1" plain.yaml >enc.yaml
check "yaml: sops encrypted something" grep -q 'ENC\[AES256_GCM' enc.yaml
dec_to out.yaml file k1.txt yaml enc.yaml
"$sops" decrypt enc.yaml >ref.yaml
check "yaml: flint equals plaintext" same_tree yaml plain.yaml out.yaml
check "yaml: flint equals sops decrypt" same_tree yaml ref.yaml out.yaml
dec_to out2.yaml file k21.txt yaml enc.yaml
check "yaml: second identity of a key entry" same_tree yaml plain.yaml out2.yaml

expect_fail "yaml: wrong key is ERR_AUTH" 2 "failed to get the data key" \
	file k2.txt yaml enc.yaml
check "yaml: ERR_AUTH names the recipient" grep -qF "$r1" err.txt

sed 's/public_unencrypted: visible/public_unencrypted: tampered/' enc.yaml >t1.yaml
expect_fail "yaml: tampered unencrypted value is a MAC mismatch" 3 "MAC mismatch" \
	file k1.txt yaml t1.yaml
# Swap two ciphertexts: the key path is the additional data, so it fails.
python3 - enc.yaml t2.yaml <<'PY'
import re, sys
s = open(sys.argv[1]).read()
name = re.search(r"^name: (ENC\[.*\])$", s, re.M).group(1)
key = re.search(r"^        key: (ENC\[[^ ]*\])", s, re.M).group(1)
s = s.replace(name, "@@").replace(key, name).replace("@@", key)
open(sys.argv[2], "w").write(s)
PY
expect_fail "yaml: swapped ciphertexts are refused" 3 "authentication failed" \
	file k1.txt yaml t2.yaml
# Flip one base64 character of the MAC.
python3 - enc.yaml t3.yaml <<'PY'
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r"mac: ENC\[AES256_GCM,data:(.)", s)
c = "A" if m.group(1) != "A" else "B"
s = s[:m.start(1)] + c + s[m.end(1):]
open(sys.argv[2], "w").write(s)
PY
expect_fail "yaml: tampered MAC is refused" 3 "" file k1.txt yaml t3.yaml

# Two recipients: either key opens the file.
"$sops" encrypt --age "$r3,$r1" plain.yaml >enc2.yaml
dec_to out3.yaml file k1.txt yaml enc2.yaml
check "yaml: second recipient's key" same_tree yaml plain.yaml out3.yaml

# Values yaml.v3 types specially: dates and times (sops hashes them in
# RFC 3339), non-finite floats (Go spells them +Inf, NaN), hex ints.
cat >special.yaml <<'Y'
d: 2024-01-01
d_unencrypted: 2024-1-2
ts_unencrypted: 2024-01-02T10:00:00Z
inf: .inf
ninf: -.inf
nan: .nan
hex: 0x1F
hex_unencrypted: 0x1F
Y
"$sops" encrypt --age "$r1" special.yaml >special.enc.yaml
dec_to special.out.yaml file k1.txt yaml special.enc.yaml
check "yaml: dates, times, non-finite floats and hex ints verify" python3 -c '
import math, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert str(d["d"]).startswith("2024-01-01"), d
assert d["inf"] == math.inf and d["ninf"] == -math.inf and math.isnan(d["nan"]), d
assert d["hex"] == 31 and d["hex_unencrypted"] == 31, d' special.out.yaml

# A YAML stream: one data key and one MAC over every document.
printf 'a: 1\n---\nb: two\nc: [x]\n' >multi.yaml
"$sops" encrypt --age "$r1" multi.yaml >multi.enc.yaml
dec_to multi.out.yaml file k1.txt yaml multi.enc.yaml
check "yaml: multi-document stream" same_tree yaml multi.yaml multi.out.yaml

# The other selection rules sops offers.
printf 'a_secret: s\nb: open\nn:\n  c_secret: [1, 2]\n' >sfx.yaml
"$sops" encrypt --age "$r1" --encrypted-suffix _secret sfx.yaml >sfx.enc.yaml
check "encrypted_suffix: only suffixed keys are encrypted" grep -q '^b: open' sfx.enc.yaml
dec_to sfx.out.yaml file k1.txt yaml sfx.enc.yaml
check "encrypted_suffix: flint equals plaintext" same_tree yaml sfx.yaml sfx.out.yaml

# ---- JSON ------------------------------------------------------------------
cat >plain.json <<'J'
{"a": "b", "n": 7, "f": 1.5, "t": true, "z": null,
 "arr": [1, "two", {"three": 3}], "obj": {"k": "v", "e": ""},
 "esc": "quote \" backslash \\ tab \t nl \n"}
J
"$sops" encrypt --age "$r1" plain.json >enc.json
dec_to out.json file k1.txt json enc.json
"$sops" decrypt enc.json >ref.json
check "json: flint equals plaintext" same_tree json plain.json out.json
check "json: flint equals sops decrypt" same_tree json ref.json out.json
check "json: flint writes what sops decrypt writes, byte for byte" cmp -s ref.json out.json
python3 - enc.json t.json <<'PY'
import re, sys
s = open(sys.argv[1]).read()
m = re.search(r'"k": "ENC\[AES256_GCM,data:(.)', s)
c = "A" if m.group(1) != "A" else "B"
open(sys.argv[2], "w").write(s[:m.start(1)] + c + s[m.end(1):])
PY
expect_fail "json: tampered value is refused" 3 "" file k1.txt json t.json

# ---- dotenv ----------------------------------------------------------------
printf '# comment\nUSER=admin\nPASSWORD=s3cr3t=with=equals\nEMPTY=\nMULTI=one\\ntwo\nPORT=5432\n' >plain.env
"$sops" encrypt --age "$r1" plain.env >enc.env
dec_to out.env file k1.txt dotenv enc.env
"$sops" decrypt enc.env | grep -v '^#' >ref.env
check "dotenv: flint equals sops decrypt (comments aside)" cmp -s ref.env out.env
expect_fail "dotenv: wrong key is ERR_AUTH" 2 "failed to get the data key" \
	file k2.txt dotenv enc.env
grep -v '^PORT=' enc.env >t.env
expect_fail "dotenv: removed value is a MAC mismatch" 3 "MAC mismatch" \
	file k1.txt dotenv t.env

# ---- binary ----------------------------------------------------------------
head -c 3000 /dev/urandom >plain.bin
printf 'text with\nnewlines\n' >>plain.bin
"$sops" encrypt --age "$r1" --input-type binary --output-type binary plain.bin >enc.bin
dec_to out.bin file k1.txt binary enc.bin
check "binary: flint equals plaintext" cmp -s plain.bin out.bin

# ---- encrypted_regex and mac_only_encrypted ---------------------------------
cat >secret.yaml <<'Y'
apiVersion: v1
kind: Secret
metadata:
  name: db
  namespace: apps
type: Opaque
stringData:
  username: admin
  password: hunter2
data:
  token: dG9rZW4=
Y
"$sops" encrypt --age "$r1" --encrypted-regex '^(data|stringData)$' secret.yaml >secret.enc.yaml
check "regex: metadata stays readable" grep -q '^    name: db' secret.enc.yaml
dec_to out.yaml file k1.txt yaml secret.enc.yaml
check "regex: flint equals plaintext" same_tree yaml secret.yaml out.yaml
sed 's/name: db/name: other/' secret.enc.yaml >t.yaml
expect_fail "regex: changed unencrypted field is a MAC mismatch" 3 "MAC mismatch" \
	file k1.txt yaml t.yaml
if "$sops" encrypt --age "$r1" --encrypted-regex '^(data|stringData)$' \
	--mac-only-encrypted secret.yaml >moe.yaml 2>/dev/null; then
	dec_to out.yaml file k1.txt yaml moe.yaml
	check "mac_only_encrypted: flint equals plaintext" same_tree yaml secret.yaml out.yaml
	sed 's/name: db/name: other/' moe.yaml >t.yaml
	check "mac_only_encrypted: unencrypted fields are outside the MAC" \
		"$dec" file k1.txt yaml t.yaml
fi

"$sops" encrypt --age "$r1" --unencrypted-regex '^(apiVersion|kind|metadata|type)$' \
	secret.yaml >unre.enc.yaml
check "unencrypted_regex: metadata stays readable" grep -q '^    name: db' unre.enc.yaml
dec_to unre.out.yaml file k1.txt yaml unre.enc.yaml
check "unencrypted_regex: flint equals plaintext" same_tree yaml secret.yaml unre.out.yaml

# ---- Kubernetes objects, as kustomize-controller sees them ------------------
dec_to res.yaml resource k1.txt secret.enc.yaml
check "resource: whole Secret decrypts" same_tree yaml secret.yaml res.yaml
# After the build: a namespace transformer changed an unencrypted field,
# and the keys were reordered. Flux does not check the MAC here; values
# stay authenticated by their key paths.
python3 - secret.enc.yaml built.yaml <<'PY'
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
d["metadata"]["namespace"] = "prod"
d["metadata"]["labels"] = {"app": "db"}
yaml.safe_dump(d, open(sys.argv[2], "w"), sort_keys=True)
PY
dec_to res.yaml resource k1.txt built.yaml
check "resource: built Secret decrypts" python3 -c '
import sys, yaml
d = yaml.safe_load(open(sys.argv[1]))
assert d["stringData"] == {"username": "admin", "password": "hunter2"}, d
assert d["data"] == {"token": "dG9rZW4="} and "sops" not in d, d
assert d["metadata"]["namespace"] == "prod", d' res.yaml
expect_fail "resource: wrong key names the object" 2 "'apps/db' Secret" \
	resource k2.txt secret.enc.yaml
# secretGenerator output: data entries that are whole SOPS files.
"$sops" encrypt --age "$r1" plain.env >gen.env
"$sops" encrypt --age "$r1" plain.json >gen.json
cat >gen.yaml <<Y
apiVersion: v1
kind: Secret
metadata: {name: gen}
data:
  app.env: $(base64 -w0 gen.env)
  config.json: $(base64 -w0 gen.json)
  plain.txt: $(printf 'not sops' | base64 -w0)
Y
dec_to res.yaml resource k1.txt gen.yaml
python3 - res.yaml <<'PY' >dec.json
import base64, json, sys, yaml
d = yaml.safe_load(open(sys.argv[1]))["data"]
open("gen.out.env", "wb").write(base64.b64decode(d["app.env"]))
print(base64.b64decode(d["config.json"]).decode())
assert base64.b64decode(d["plain.txt"]) == b"not sops"
PY
check "resource: generated dotenv entry decrypts" cmp -s ref.env gen.out.env
check "resource: generated JSON entry decrypts" same_tree json plain.json dec.json
cat >off.yaml <<Y
apiVersion: v1
kind: Secret
metadata:
  name: off
  annotations: {kustomize.toolkit.fluxcd.io/decrypt: Disabled}
$(sed -n '/^data:/,$p' secret.enc.yaml)
Y
dec_to res.yaml resource k2.txt off.yaml
check "resource: decrypt: Disabled is left alone" grep -q 'sops:' res.yaml

# ---- generator sources, decrypted in place before the build ----------------
mkdir -p src/app/base src/app/overlay src/outside-ref
cp plain.env src/app/base/app.env
cp plain.json src/app/base/config.json
cp plain.bin src/app/base/tls.crt
printf 'A=1\n' >src/app/base/plain-never-encrypted.env
"$sops" encrypt --age "$r1" plain.env >src/app/base/app.env.enc
mv src/app/base/app.env.enc src/app/base/app.env
"$sops" encrypt --age "$r1" plain.json >src/app/base/cfg.enc
mv src/app/base/cfg.enc src/app/base/config.json
"$sops" encrypt --age "$r1" --input-type binary --output-type binary plain.bin >src/app/base/tls.enc
mv src/app/base/tls.enc src/app/base/tls.crt
cat >src/app/base/kustomization.yaml <<'Y'
resources: [missing-dir, https://example.com/x.yaml]
secretGenerator:
- name: app
  envs: [app.env, plain-never-encrypted.env]
  files: [config.json, tls.crt=tls.crt]
Y
printf 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 2}\n' >patch.yaml
"$sops" encrypt --age "$r1" --encrypted-regex '^spec$' patch.yaml >src/app/overlay/patch.yaml
cat >src/app/overlay/kustomization.yaml <<'Y'
resources: [../base]
patches:
- path: patch.yaml
Y
cp -r src src.orig
dec_to /dev/null sources k1.txt src app/overlay
check "sources: dotenv env source decrypted" cmp -s ref.env src/app/base/app.env
check "sources: JSON file source decrypted" same_tree json plain.json src/app/base/config.json
check "sources: binary file source decrypted" cmp -s plain.bin src/app/base/tls.crt
check "sources: plain files untouched" cmp -s src.orig/app/base/plain-never-encrypted.env \
	src/app/base/plain-never-encrypted.env
check "sources: patch decrypted" same_tree yaml patch.yaml src/app/overlay/patch.yaml
dec_to /dev/null sources k1.txt src app/overlay
check "sources: a second run leaves plaintext alone" cmp -s plain.bin src/app/base/tls.crt
rm -rf src && cp -r src.orig src
expect_fail "sources: wrong key names the file" 2 "app/overlay/patch.yaml" \
	sources k2.txt src app/overlay
ln -s /etc/hostname src/app/overlay/link.env
printf 'secretGenerator:\n- name: x\n  envs: [link.env]\n' >src/app/overlay/kustomization.yaml
expect_fail "sources: a symlink out of the root is refused" 3 "outside the source root" \
	sources k1.txt src app/overlay
printf 'secretGenerator:\n- name: x\n  files: [../../../../../../../../etc/hostname]\n' \
	>src/app/overlay/kustomization.yaml
expect_fail "sources: a path out of the root is refused" 3 "outside the source root" \
	sources k1.txt src app/overlay

# ---- age -------------------------------------------------------------------
head -c 200000 /dev/urandom >big.bin       # four chunks, the last short
head -c 65536 /dev/urandom >chunk.bin      # exactly one full chunk
: >empty.bin
for f in big.bin chunk.bin empty.bin plain.yaml; do
	age -r "$r1" -o "$f.age" "$f"
	age -r "$r2" -r "$r1" -a -o "$f.asc" "$f"
	dec_to "$f.out" age k1.txt "$f.age"
	check "age: binary $f" cmp -s "$f" "$f.out"
	dec_to "$f.out" age k1.txt "$f.asc"
	check "age: armored $f, second stanza" cmp -s "$f" "$f.out"
done
expect_fail "age: wrong key is ERR_AUTH" 2 "no identity matched" age k3.txt big.bin.age
python3 - big.bin.age t.age <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
b[-100] ^= 1
open(sys.argv[2], "wb").write(b)
PY
expect_fail "age: flipped payload bit is refused" 3 "bad tag" age k1.txt t.age
head -c $(($(stat -c %s big.bin.age) - 65536)) big.bin.age >t.age
expect_fail "age: truncated file is refused" 3 "" age k1.txt t.age
# A stanza slipped into the header: the file key still unwraps, the
# header MAC catches it.
python3 - plain.yaml.age t.age <<'PY'
import sys
b = open(sys.argv[1], "rb").read()
i = b.index(b"\n---")
open(sys.argv[2], "wb").write(b[:i] + b"\n-> grease x\n\n" + b[i + 1:])
PY
expect_fail "age: altered header is refused" 3 "header MAC mismatch" age k1.txt t.age
python3 - plain.yaml.age t.age <<'PY'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
i = b.index(b"-> X25519 ") + len(b"-> X25519 ")
b[i] = ord("A") if b[i] != ord("A") else ord("B")
open(sys.argv[2], "wb").write(b)
PY
expect_fail "age: altered share opens with no identity" 2 "no identity matched" \
	age k1.txt t.age

for mode in armor binary; do
	for f in big.bin empty.bin chunk.bin; do
		dec_to "$f.flint" age-encrypt k21.txt "$mode" "$f"
		# (age -d -o makes no file for an empty plaintext: use stdout)
		age -d -i k1.txt "$f.flint" >"$f.back" 2>err.txt || cat err.txt
		check "age: the age CLI opens flint's $mode $f" cmp -s "$f" "$f.back"
	done
done

echo "$pass passed, $fail failed"
[[ $fail == 0 ]]
