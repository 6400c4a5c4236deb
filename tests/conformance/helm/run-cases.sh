#!/usr/bin/env bash
# run-cases.sh MODE TOOL CASES
#
# Small `helm template` cases of our own, for what the shared corpus does
# not reach (toYamlPretty, toToml, lookup offline, -f -, hooks). Each
# directory under CASES holds:
#   args           the arguments after "template", one per line, run
#                  from the case directory
#   stdin          (optional) standard input
#   expected.yaml  stdout of helm v4.1.4 for the same arguments
#   expected.rc    (optional) its exit status, 0 when missing
# MODE "check" runs TOOL (flint) and compares stdout byte for byte and
# the exit status; MODE "generate" runs TOOL (a helm binary) and writes
# the expected files. Prints PASS/FAIL per case; exits 1 on any FAIL.
set -uo pipefail

mode=$1
tool=$2
cases=$(cd "$3" && pwd)
failed=0
got=$(mktemp)
trap 'rm -f "$got"' EXIT

for dir in "$cases"/*/; do
	name=$(basename "$dir")
	mapfile -t args <"$dir/args"
	in=/dev/null
	[ -f "$dir/stdin" ] && in=$dir/stdin
	(cd "$dir" && "$tool" template "${args[@]}" <"$in" >"$got" 2>/dev/null)
	rc=$?
	if [ "$mode" = generate ]; then
		cp "$got" "$dir/expected.yaml"
		rm -f "$dir/expected.rc"
		[ "$rc" -ne 0 ] && echo "$rc" >"$dir/expected.rc"
		echo "WROTE $name"
		continue
	fi
	want_rc=0
	[ -f "$dir/expected.rc" ] && want_rc=$(cat "$dir/expected.rc")
	if [ "$rc" -ne "$want_rc" ]; then
		echo "FAIL $name: exit status $rc, want $want_rc"
		failed=1
	elif ! cmp -s "$dir/expected.yaml" "$got"; then
		echo "FAIL $name: output differs"
		diff -u "$dir/expected.yaml" "$got" | head -20
		failed=1
	else
		echo "PASS $name"
	fi
done
exit $failed
