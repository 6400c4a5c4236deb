#!/usr/bin/env bash
# Fails, listing the files, when clang-format would change any C file.
set -euo pipefail
cd "$1"
fmt=$(command -v clang-format-14 || command -v clang-format)
mapfile -t files < <(git ls-files -co --exclude-standard -- '*.c' '*.h')
bad=()
for f in "${files[@]}"; do
	[ -f "$f" ] || continue
	if ! "$fmt" --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad+=("$f")
	fi
done
if [ "${#bad[@]}" -ne 0 ]; then
	echo "not formatted (run clang-format-14 -i): ${bad[*]}" >&2
	exit 1
fi
echo "${#files[@]} files formatted"
