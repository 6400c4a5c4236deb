#!/usr/bin/env bash
# source-controller's Helm and OCI kinds end to end: starts a real Helm
# repository and OCI registry (servers.sh: nginx, docker-registry) and
# real Git servers (../git/servers.sh), installs the source CRDs on
# the test cluster ($FLINT_CLUSTER_DIR), starts the real daemon on free
# ports, runs the test binary, then stops the daemon with SIGTERM and
# fails if it did not exit cleanly (sanitizer reports included).
#   run.sh <source-controller> <test binary>
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
daemon=$1
shift
T=$(mktemp -d "${TMPDIR:-/tmp}/flint-helmsrc-it-XXXXXX")
daemon_pid=
cleanup() {
	if [ -n "$daemon_pid" ]; then
		kill -KILL "$daemon_pid" 2>/dev/null || true
	fi
	"$here/servers.sh" stop "$T" || true
	"$here/../git/servers.sh" stop "$T/git" || true
	rm -rf "$T"
}
trap cleanup EXIT

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
export KUBECACHEDIR=$T/kubecache
# the daemon watches every source kind it serves, so all their CRDs
for f in "$root"/manifests/crds/source.toolkit.fluxcd.io_*.yaml; do
	kubectl --request-timeout=30s apply --server-side --force-conflicts \
	    --field-manager=flint-helmsrc-test -f "$f" >/dev/null
done
kubectl wait --for=condition=Established --timeout=60s \
    crd/gitrepositories.source.toolkit.fluxcd.io \
    crd/helmrepositories.source.toolkit.fluxcd.io \
    crd/helmcharts.source.toolkit.fluxcd.io \
    crd/ocirepositories.source.toolkit.fluxcd.io >/dev/null

"$here/servers.sh" start "$T"
# Git over smart HTTP (../git/servers.sh) with a repository holding a
# chart, its vendored dependency and a values file, for HelmCharts
# packaged from a GitRepository
mkdir -p "$T/git"
"$here/../git/servers.sh" start "$T/git" >/dev/null
make_chart_repo() {
	local w=$T/chart-work
	export GIT_AUTHOR_NAME=flint GIT_AUTHOR_EMAIL=flint@example.com
	export GIT_COMMITTER_NAME=flint GIT_COMMITTER_EMAIL=flint@example.com
	export GIT_CONFIG_NOSYSTEM=1 HOME=$T/git/home
	git init -q -b master "$w"
	mkdir -p "$w/charts/app/templates" "$w/charts/app/charts/dep" "$w/env"
	printf 'apiVersion: v2\nname: app\nversion: 0.3.0\n' > "$w/charts/app/Chart.yaml"
	printf 'replicas: 1\nimage: app:1\n' > "$w/charts/app/values.yaml"
	printf 'kind: ConfigMap\n' > "$w/charts/app/templates/cm.yaml"
	printf 'apiVersion: v2\nname: dep\nversion: 1.0.0\n' > "$w/charts/app/charts/dep/Chart.yaml"
	printf 'replicas: 3\n' > "$w/env/prod.yaml"
	git -C "$w" add -A
	git -C "$w" commit -q -m chart
	git clone -q --bare "$w" "$T/git/repos/charts.git"
	echo "CHART_COMMIT=$(git -C "$w" rev-parse HEAD)" >> "$T/env"
	echo "GIT_URL=$(grep '^HTTP_URL=' "$T/git/env" | cut -d= -f2)/git/charts.git" >> "$T/env"
}
(make_chart_repo)
port=$(free_port)
{
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
    --concurrent=4 --requeue-dependency=2s --kubeconfig="$KUBECONFIG" \
    --log-level=debug \
    >"$T/daemon.log" 2>&1 &
daemon_pid=$!

rc=0
"$@" || rc=$?

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
# nothing may have been written outside the storage by the evil chart
if [ -e "$T/escaped.txt" ] || [ -e "$T/storage/escaped.txt" ] ||
    [ -e "$T/storage/helmchart/escaped.txt" ]; then
	echo "a chart archive wrote outside the storage" >&2
	rc=1
fi
exit "$rc"
