#!/usr/bin/env bash
# Starts the Git servers (servers.sh), runs the checkout tests against
# them, and stops them whatever happens: run.sh <test binary> [filter]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
T=$(mktemp -d "${TMPDIR:-/tmp}/flint-git-it-XXXXXX")
cleanup() {
	"$here/servers.sh" stop "$T" || true
	rm -rf "$T"
}
trap cleanup EXIT
"$here/servers.sh" start "$T"
set -a
. "$T/env"
set +a
"$@"
