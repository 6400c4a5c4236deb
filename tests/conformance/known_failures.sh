#!/usr/bin/env bash
# known_failures.sh RUNNER CMD CORPUS KNOWN_FAILURES DEFAULT_CONFORMANCE_DIR
#
# Runs one of the shared conformance runners (RUNNER, e.g. run-helm.sh or
# run-kustomize.sh) on CMD (e.g. "flint template", split into words by the
# runner) over $FLINT_CONFORMANCE_DIR/CORPUS (else
# DEFAULT_CONFORMANCE_DIR/CORPUS) and checks its verdicts against
# KNOWN_FAILURES ("case<TAB>reason" lines, '#' comments): the test fails
# when a case fails that is not listed, or when a listed case passes (so
# the list only shrinks), or when a listed case is not in the corpus.
set -uo pipefail

runner_name=$1
cmd=$2
name=$3
known=$4
base=${FLINT_CONFORMANCE_DIR:-$5}
corpus=$base/$name
runner=$base/$runner_name

if [ ! -d "$corpus" ] || [ ! -f "$runner" ]; then
	echo "$name conformance corpus not found at '$corpus'" \
		"(set FLINT_CONFORMANCE_DIR)" >&2
	exit 1
fi

# The runner needs python3 with PyYAML; prefer Debian's, which has it.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for py in /usr/bin/python3 "$(command -v python3 || true)"; do
	if [ -n "$py" ] && "$py" -c 'import yaml' 2>/dev/null; then
		ln -s "$py" "$tmp/python3"
		break
	fi
done
if [ ! -e "$tmp/python3" ]; then
	echo "no python3 with PyYAML found (scripts/setup installs one)" >&2
	exit 1
fi
export PATH="$tmp:$PATH"

bash "$runner" "$cmd" "$corpus" >"$tmp/report" 2>&1
tail -n 1 "$tmp/report"

grep -v '^[[:space:]]*#' "$known" | grep -v '^[[:space:]]*$' |
	cut -f1 | sort -u >"$tmp/known"
grep '^FAIL ' "$tmp/report" | sed 's/^FAIL \([^:]*\):.*/\1/' |
	sort -u >"$tmp/failed"
grep '^PASS ' "$tmp/report" | sed 's/^PASS //' | sort -u >"$tmp/passed"

status=0
while read -r c; do
	echo "unexpected failure: $(grep "^FAIL $c:" "$tmp/report")"
	status=1
done < <(comm -23 "$tmp/failed" "$tmp/known")
while read -r c; do
	echo "listed as failing but passes (remove it from the list): $c"
	status=1
done < <(comm -12 "$tmp/passed" "$tmp/known")
while read -r c; do
	echo "listed but not in the corpus: $c"
	status=1
done < <(comm -23 "$tmp/known" <(sort -u "$tmp/failed" "$tmp/passed"))
exit $status
