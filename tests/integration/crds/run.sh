#!/usr/bin/env bash
# Checks flint's CRDs against a real kube-apiserver (the harness cluster in
# $FLINT_CLUSTER_DIR):
#
#   - the CRDs in manifests/crds apply and become Established;
#   - every manifest in valid/ passes a server-side dry run with strict
#     field validation, and gets the defaults its "# default:" lines name;
#   - every manifest in invalid/ is refused with each "# expect:" text;
#   - every object in status/ can be created and its status written through
#     the status subresource as the controllers write it, unchanged;
#   - 'kubectl get' prints each kind's columns, short names and the fluxcd
#     category resolve, and a GitRepository's URL, READY and STATUS show.
#
# Prints one line per failure and a summary; exits 1 on any failure.
set -u -o pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)

if [ -z "${FLINT_CLUSTER_DIR:-}" ]; then
	echo "crds: FLINT_CLUSTER_DIR is not set" >&2
	exit 1
fi
export KUBECONFIG="$FLINT_CLUSTER_DIR/kubeconfig"
if [ ! -r "$KUBECONFIG" ]; then
	echo "crds: no kubeconfig at $KUBECONFIG" >&2
	exit 1
fi

tmp=$(mktemp -d)
# A private discovery cache, so kubectl sees the new kinds at once.
export KUBECACHEDIR="$tmp/cache"
ns="flint-crds-$$"
manager=flint-crds-test
failures=0
n_valid=0
n_invalid=0
n_status=0
ok_valid=0
ok_invalid=0
ok_status=0

k() {
	kubectl --request-timeout=30s "$@"
}

fail() {
	echo "FAIL $*"
	failures=$((failures + 1))
}

cleanup() {
	k delete namespace "$ns" --wait=false >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

# directive NAME FILE: the text after "# NAME: " on the file's comment lines.
directive() {
	sed -n "s/^# $1: //p" "$2"
}

install_crds() {
	if ! k apply --server-side --force-conflicts --field-manager="$manager" \
	    -k "$root/manifests/crds" >"$tmp/out" 2>&1; then
		cat "$tmp/out"
		echo "crds: the CRDs did not apply" >&2
		exit 1
	fi
	k get -k "$root/manifests/crds" -o name >"$tmp/crds" || exit 1
	# shellcheck disable=SC2046 # one argument per CRD
	if ! k wait --for=condition=Established --timeout=60s \
	    $(cat "$tmp/crds"); then
		echo "crds: the CRDs did not become Established" >&2
		exit 1
	fi
	k create namespace "$ns" >/dev/null || exit 1
}

dry_run() {
	k apply --server-side --dry-run=server --validate=strict \
	    --field-manager="$manager" -n "$ns" "$@"
}

check_valid() {
	local f=$1 name line expr want got before=$failures
	name=valid/$(basename "$f")
	n_valid=$((n_valid + 1))
	if ! dry_run -f "$f" >"$tmp/out" 2>&1; then
		fail "$name: refused: $(cat "$tmp/out")"
		return
	fi
	while IFS= read -r line; do
		expr=${line%% = *}
		want=${line#* = }
		got=$(dry_run -f "$f" -o jsonpath="$expr" 2>&1)
		[ "$got" = "$want" ] ||
		    fail "$name: default $expr is '$got', want '$want'"
	done < <(directive default "$f")
	[ "$failures" -eq "$before" ] && ok_valid=$((ok_valid + 1))
}

check_invalid() {
	local f=$1 name expect before=$failures
	name=invalid/$(basename "$f")
	n_invalid=$((n_invalid + 1))
	if dry_run -f "$f" >"$tmp/out" 2>&1; then
		fail "$name: accepted"
		return
	fi
	while IFS= read -r expect; do
		grep -qF -- "$expect" "$tmp/out" ||
		    fail "$name: no '$expect' in: $(cat "$tmp/out")"
	done < <(directive expect "$f")
	[ "$failures" -eq "$before" ] && ok_invalid=$((ok_invalid + 1))
}

# check_status FILE: creates the object, writes its status through the
# status subresource and checks that it reads back as written.
check_status() {
	local f=$1 name
	name=status/$(basename "$f")
	n_status=$((n_status + 1))
	if ! k apply --server-side --validate=strict --field-manager="$manager" \
	    -n "$ns" -f "$f" >"$tmp/out" 2>&1; then
		fail "$name: create refused: $(cat "$tmp/out")"
		return
	fi
	if ! grep -q '^status:' "$f"; then
		ok_status=$((ok_status + 1))
		return
	fi
	if ! k apply --server-side --validate=strict --subresource=status \
	    --field-manager="$manager" -n "$ns" -f "$f" >"$tmp/out" 2>&1; then
		fail "$name: status refused: $(cat "$tmp/out")"
		return
	fi
	k get -n "$ns" -f "$f" -o json >"$tmp/got.json" 2>&1 ||
	    { fail "$name: get: $(cat "$tmp/got.json")"; return; }
	python3 - "$f" "$tmp/got.json" >"$tmp/out" 2>&1 <<-'EOF' ||
	import json, sys, yaml
	want = yaml.safe_load(open(sys.argv[1]))["status"]
	got = json.load(open(sys.argv[2])).get("status", {})
	def diff(w, g, path):
	    if isinstance(w, dict) and isinstance(g, dict):
	        for key in w:
	            diff(w[key], g.get(key), f"{path}.{key}")
	    elif isinstance(w, list) and isinstance(g, list) and len(w) == len(g):
	        for i, (a, b) in enumerate(zip(w, g)):
	            diff(a, b, f"{path}[{i}]")
	    elif w != g:
	        print(f"{path}: wrote {w!r}, read {g!r}")
	diff(want, got, "status")
	EOF
	    { fail "$name: status check failed: $(cat "$tmp/out")"; return; }
	if [ -s "$tmp/out" ]; then
		fail "$name: status changed: $(cat "$tmp/out")"
		return
	fi
	ok_status=$((ok_status + 1))
}

# check_columns: 'kubectl get <plural>' prints NAME and then the CRD's
# printer columns, upper-cased, in order, for every kind.
check_columns() {
	local crd plural want got
	while read -r crd; do
		crd=${crd#*/}
		plural=${crd%%.*}
		want="NAME $(k get "crd/$crd" -o \
		    jsonpath='{.spec.versions[0].additionalPrinterColumns[*].name}' |
		    tr '[:lower:]' '[:upper:]')"
		got=$(k get "$plural" -n "$ns" 2>&1 | head -n 1 |
		    sed 's/  */ /g; s/ $//')
		[ "$got" = "$want" ] ||
		    fail "columns of $plural: got '$got', want '$want'"
	done <"$tmp/crds"
}

# check_gitrepository_row: the familiar view of a ready GitRepository.
check_gitrepository_row() {
	local out word
	out=$(k get gitrepositories -n "$ns" 2>&1)
	for word in NAME URL AGE READY STATUS podinfo \
	    https://github.com/stefanprodan/podinfo True \
	    "stored artifact for revision 'main@sha1:363a6a8f"; do
		grep -qF -- "$word" <<<"$out" ||
		    fail "kubectl get gitrepositories: no '$word' in: $out"
	done
}

check_names() {
	local out count category
	k get gitrepo,ocirepo,helmrepo,hc,ks,hr,ea -n "$ns" >"$tmp/out" 2>&1 ||
	    fail "short names: $(cat "$tmp/out")"
	for category in fluxcd fluxcd-sources fluxcd-appliers \
	    fluxcd-notifications; do
		k get "$category" -n "$ns" -o name >"$tmp/out" 2>&1 ||
		    { fail "category $category: $(cat "$tmp/out")"; continue; }
		count=$(wc -l <"$tmp/out")
		[ "$count" -gt 0 ] || fail "category $category lists nothing"
	done
	out=$(k get fluxcd -n "$ns" -o name 2>&1 | wc -l)
	[ "$out" -eq "$n_status" ] ||
	    fail "category fluxcd lists $out objects, want $n_status"
}

install_crds
for f in "$here"/valid/*.yaml; do check_valid "$f"; done
for f in "$here"/invalid/*.yaml; do check_invalid "$f"; done
for f in "$here"/status/*.yaml; do check_status "$f"; done
check_columns
check_gitrepository_row
check_names

echo "crds: $ok_valid/$n_valid valid manifests accepted," \
    "$ok_invalid/$n_invalid invalid ones refused with the expected error," \
    "$ok_status/$n_status objects created with their status kept;" \
    "$failures failures"
[ "$failures" -eq 0 ]
