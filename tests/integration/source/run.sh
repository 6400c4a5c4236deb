#!/usr/bin/env bash
# source-controller end to end: starts the real Git servers
# (../git/servers.sh), installs the source CRDs on the test cluster
# ($FLINT_CLUSTER_DIR), starts the real daemon on free ports, runs the
# test binary against all three, then stops the daemon with SIGTERM and
# fails if it did not exit cleanly (sanitizer reports included).
#   run.sh <source-controller> <test binary> [filter]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
daemon=$1
shift
T=$(mktemp -d "${TMPDIR:-/tmp}/flint-source-it-XXXXXX")
daemon_pid=
hole_pid=
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill -KILL "$daemon_pid" 2>/dev/null || true
	fi
	if [ -n "$hole_pid" ]; then
		kill "$hole_pid" 2>/dev/null || true
	fi
	"$here/../git/servers.sh" stop "$T" || true
	rm -rf "$T"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
export KUBECACHEDIR=$T/kubecache
# every source kind's CRD: the daemon watches them all
crds=()
for f in "$root"/manifests/crds/source.toolkit.fluxcd.io_*.yaml; do
	crds+=(-f "$f")
done
kubectl --request-timeout=30s apply --server-side --force-conflicts \
    --field-manager=flint-source-test \
    "${crds[@]}" \
    >/dev/null
kubectl wait --for=condition=Established --timeout=60s \
    "${crds[@]}" >/dev/null

"$here/../git/servers.sh" start "$T"
# a repository of its own that the push test moves on,
HOME=$T/home git clone -q --bare "$T/repos/repo.git" "$T/repos/live.git"
# and one for the include test
HOME=$T/home git clone -q --bare "$T/repos/repo.git" "$T/repos/inc.git"

# a server that accepts connections and never answers (spec.timeout)
hole=$(free_port)
python3 -c 'import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(64)
time.sleep(3600)' "$hole" &
hole_pid=$!

port=$(free_port)
{
	echo "BLACKHOLE_URL=http://127.0.0.1:$hole"
	echo "STORAGE_DIR=$T/storage"
	echo "STORAGE_ADDR=127.0.0.1:$port"
	echo "BUS_ARTIFACTS=ipc://$T/artifacts.sock"
	echo "BUS_RECONCILE=ipc://$T/reconcile.sock"
} >> "$T/env"
set -a
. "$T/env"
set +a
"$daemon" --storage-path="$STORAGE_DIR" --storage-addr="$STORAGE_ADDR" \
    --storage-adv-addr="$STORAGE_ADDR" --bus-artifacts="$BUS_ARTIFACTS" \
    --bus-reconcile="$BUS_RECONCILE" --artifact-retention-ttl=1s \
    --concurrent=4 --kubeconfig="$KUBECONFIG" --log-level=debug \
    >"$T/daemon.log" 2>&1 &
daemon_pid=$!

rc=0
"$@" &
test_pid=$!
wait "$test_pid" || rc=$?
# the test deletes its namespace on exit; the daemon must live until it
# has removed its finalizers, or the namespace stays Terminating
kubectl wait --for=delete "namespace/src-$test_pid-0" --timeout=120s \
    >/dev/null 2>&1 || true

kill -TERM "$daemon_pid"
drc=0
wait "$daemon_pid" || drc=$?
daemon_pid=
if [ "$drc" -ne 0 ] || grep -q 'ERROR: \(Address\|Leak\|Undefined\)Sanitizer\|runtime error' "$T/daemon.log"; then
	echo "source-controller exited with $drc; its log:" >&2
	grep -v '"level":"debug"' "$T/daemon.log" | tail -60 >&2
	rc=1
elif [ "$rc" -ne 0 ]; then
	echo "source-controller's log (last lines):" >&2
	grep -v '"level":"debug"' "$T/daemon.log" | tail -30 >&2
fi
exit "$rc"
