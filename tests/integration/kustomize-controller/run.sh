#!/usr/bin/env bash
# kustomize-controller against the local control plane: run.sh <binary> <case>
#
# Until source-controller serves artifacts, the test plays its part: it
# packs a directory of manifests into a .tar.gz, serves it with a real
# HTTP server on a free loopback port, and writes the GitRepository's
# status.artifact (url, digest, revision) through the status subresource,
# exactly what a source-controller publishes. Each case has its own
# namespace and its own controller, which watches only the case's
# Kustomizations (a label selector), so cases may run side by side.
set -euo pipefail
bin=$1
case=$2
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
export KUBECONFIG=$FLINT_CLUSTER_DIR/kubeconfig
T=$(mktemp -d "${TMPDIR:-/tmp}/flint-kc-it-XXXXXX")
ns=kc-$(echo "$case" | tr _ -)-$(basename "$T" | tail -c 7 | tr A-Z a-z)
run_id=$(basename "$T" | tail -c 7 | tr A-Z a-z)
ctl_pid= http_pid= src_pid= git_dir= ev_pid=

cleanup() {
	local rc=$? ctl_rc=0
	if [ -n "$ctl_pid" ]; then
		kill "$ctl_pid" 2>/dev/null || true
		wait "$ctl_pid" 2>/dev/null || ctl_rc=$?
		# A clean stop exits 0; ASan reports (leaks) make it fail.
		if [ $rc -eq 0 ] && [ $ctl_rc -ne 0 ]; then
			echo "FAIL: controller exited with $ctl_rc" >&2
			rc=1
		fi
	fi
	[ -n "$http_pid" ] && kill "$http_pid" 2>/dev/null || true
	[ -n "$ev_pid" ] && kill "$ev_pid" 2>/dev/null || true
	if [ -n "$src_pid" ]; then
		kill "$src_pid" 2>/dev/null || true
		wait "$src_pid" 2>/dev/null || true
		[ $rc -ne 0 ] && { echo "--- source-controller log"; tail -n 20 "$T/src.log"; }
	fi
	[ -n "$git_dir" ] && "$root/tests/integration/git/servers.sh" stop "$git_dir" >/dev/null 2>&1 || true
	if [ $rc -ne 0 ]; then
		echo "--- controller log (last 40 lines)"; tail -n 40 "$T/ctl.log" || true
		kubectl -n "$ns" get kustomizations -o yaml 2>/dev/null | sed -n '/^  status:/,/^- /p' | head -80 || true
	fi
	kubectl delete ns "$ns" --wait=false >/dev/null 2>&1 || true
	rm -rf "$T"
	exit $rc
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }

# ---- plumbing ---------------------------------------------------------------

crds() {
	kubectl apply --server-side --force-conflicts -k "$root/manifests/crds" >/dev/null
	kubectl wait --for condition=established --timeout=60s \
	    crd/gitrepositories.source.toolkit.fluxcd.io \
	    crd/kustomizations.kustomize.toolkit.fluxcd.io >/dev/null
}

http_start() {
	mkdir -p "$T/www"
	port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	python3 -m http.server "$port" --bind 127.0.0.1 --directory "$T/www" >"$T/http.log" 2>&1 &
	http_pid=$!
	for _ in $(seq 50); do
		curl -fsS -o /dev/null "http://127.0.0.1:$port/" 2>/dev/null && return 0
		sleep 0.1
	done
	fail "http server did not start"
}

# controller [flags...]: starts kustomize-controller for this case.
controller() {
	"$bin" --kubeconfig "$KUBECONFIG" --bus-artifacts= --bus-events= \
	    --watch-label-selector "flint.test/run=$run_id" \
	    --requeue-dependency 2s --log-level debug "$@" >"$T/ctl.log" 2>&1 &
	ctl_pid=$!
}

# publish <dir> <revision> [digest]: packs dir and points the
# GitRepository at it, with the tarball's digest unless one is given.
publish() {
	local dir=$1 rev=$2 file digest size
	file=$(echo "$rev" | tr -c 'a-zA-Z0-9.\n' _).tar.gz
	tar -C "$dir" -czf "$T/www/$file" .
	digest=${3:-sha256:$(sha256sum "$T/www/$file" | cut -d' ' -f1)}
	size=$(stat -c %s "$T/www/$file")
	kubectl -n "$ns" patch gitrepository repo --subresource=status --type=merge -p "{\"status\":{\"artifact\":{\"path\":\"gitrepository/$ns/repo/$file\",\"url\":\"http://127.0.0.1:$port/$file\",\"revision\":\"$rev\",\"digest\":\"$digest\",\"size\":$size,\"lastUpdateTime\":\"$(date -u +%Y-%m-%dT%H:%M:%SZ)\"}}}" >/dev/null
}

setup() {
	crds
	kubectl create ns "$ns" >/dev/null
	http_start
	kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: repo}
spec: {url: "https://example.invalid/repo", interval: 10m, ref: {branch: main}}
EOF
}

# ks <name> [extra spec lines]: creates a Kustomization on the repo.
ks() {
	local name=$1
	shift
	{
		cat <<EOF
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata:
  name: $name
  labels: {flint.test/run: "$run_id"}
spec:
  interval: 10m
  sourceRef: {kind: GitRepository, name: repo}
  prune: true
EOF
		for line in "$@"; do echo "  $line"; done
	} | kubectl -n "$ns" apply -f - >/dev/null
}

jp() { kubectl -n "$ns" get "$1" -o "jsonpath=$2" 2>/dev/null || true; }

# wait_for <what> <command...>: retries the command for up to 60 s.
wait_for() {
	local what=$1
	shift
	for _ in $(seq 300); do
		"$@" && return 0
		sleep 0.2
	done
	fail "timed out waiting for $what"
}

ready_is() { # ready_is <ks> <status> <reason>
	[ "$(jp "kustomization/$1" '{.status.conditions[?(@.type=="Ready")].status}')" = "$2" ] &&
	    [ "$(jp "kustomization/$1" '{.status.conditions[?(@.type=="Ready")].reason}')" = "$3" ]
}
ready_msg() { jp "kustomization/$1" '{.status.conditions[?(@.type=="Ready")].message}'; }
applied_rev() { jp "kustomization/$1" '{.status.lastAppliedRevision}'; }
cm_data() { jp "configmap/$1" "{.data.$2}"; }
cm_exists() { kubectl -n "$ns" get configmap "$1" >/dev/null 2>&1; }
cm_gone() { ! cm_exists "$1"; }

# cm_file <dir> <name> <value>: one ConfigMap manifest.
cm_file() {
	mkdir -p "$1"
	cat >"$1/$2.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: $2, namespace: $ns}
data: {value: "$3"}
EOF
}

# ---- cases ------------------------------------------------------------------

# Ready with objects applied, owner labels and inventory; a new revision
# changes the cluster; a removed manifest is pruned; deleting the
# Kustomization prunes what it applied.
case_apply_update_prune() {
	cm_file "$T/src" one v1
	cm_file "$T/src" two v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks app "path: ./" "wait: true"
	wait_for "Ready" ready_is app True ReconciliationSucceeded
	[ "$(jp kustomization/app '{.status.conditions[?(@.type=="Healthy")].status}')" = True ] ||
	    fail "Healthy not True"
	[ "$(cm_data one value)" = v1 ] || fail "one not applied"
	[ "$(jp configmap/one '{.metadata.labels.kustomize\.toolkit\.fluxcd\.io/name}')" = app ] ||
	    fail "owner label missing"
	[ "$(ready_msg app)" = "Applied revision: main@sha1:1111111111111111111111111111111111111111" ] ||
	    fail "message: $(ready_msg app)"
	jp kustomization/app '{.status.inventory.entries[*].id}' | grep -q "${ns}_one__ConfigMap" ||
	    fail "inventory: $(jp kustomization/app '{.status.inventory}')"

	cm_file "$T/src" one v2
	publish "$T/src" "main@sha1:2222222222222222222222222222222222222222"
	wait_for "one=v2" eval '[ "$(cm_data one value)" = v2 ]'
	wait_for "rev 2" eval '[ "$(applied_rev app)" = main@sha1:2222222222222222222222222222222222222222 ]'

	rm "$T/src/two.yaml"
	publish "$T/src" "main@sha1:3333333333333333333333333333333333333333"
	wait_for "two pruned" cm_gone two
	cm_exists one || fail "one pruned too"

	kubectl -n "$ns" delete kustomization app --wait=false >/dev/null
	wait_for "one pruned on deletion" cm_gone one
}

# A broken manifest fails the build and leaves what was applied alone.
case_build_failed() {
	cm_file "$T/src" one v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks app "path: ./"
	wait_for "Ready" ready_is app True ReconciliationSucceeded
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [broken\n' >"$T/src/bad.yaml"
	cm_file "$T/src" one v2
	publish "$T/src" "main@sha1:2222222222222222222222222222222222222222"
	wait_for "BuildFailed" ready_is app False BuildFailed
	[ "$(cm_data one value)" = v1 ] || fail "one changed by a failed build"
	[ "$(applied_rev app)" = main@sha1:1111111111111111111111111111111111111111 ] ||
	    fail "lastAppliedRevision moved"
	[ "$(jp kustomization/app '{.status.lastAttemptedRevision}')" = main@sha1:2222222222222222222222222222222222222222 ] ||
	    fail "lastAttemptedRevision not recorded"
}

# postBuild: substitute and substituteFrom a ConfigMap and a Secret (whose
# data is base64 on the wire); in strict mode a missing variable fails the
# build.
case_substitute_strict() {
	kubectl -n "$ns" create configmap runtime-info --from-literal=cluster=prod >/dev/null
	kubectl -n "$ns" create secret generic runtime-secret --from-literal=token='s3cret+/=' >/dev/null
	mkdir -p "$T/src"
	cat >"$T/src/cm.yaml" <<EOF
apiVersion: v1
kind: ConfigMap
metadata: {name: vars, namespace: $ns}
data: {cluster: "\${cluster}", region: "\${region}", token: "\${token}", dflt: "\${nope:=fallback}"}
EOF
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller --feature-gates=StrictPostBuildSubstitutions=true
	ks app "path: ./" "postBuild: {substitute: {region: eu-1}, substituteFrom: [{kind: ConfigMap, name: runtime-info}, {kind: Secret, name: runtime-secret}]}"
	wait_for "Ready" ready_is app True ReconciliationSucceeded
	[ "$(cm_data vars cluster)" = prod ] || fail "cluster: $(cm_data vars cluster)"
	[ "$(cm_data vars region)" = eu-1 ] || fail "region: $(cm_data vars region)"
	[ "$(cm_data vars token)" = 's3cret+/=' ] || fail "token: $(cm_data vars token)"
	[ "$(cm_data vars dflt)" = fallback ] || fail "dflt: $(cm_data vars dflt)"
	sed -i 's/region}"/region}", zone: "${zone}"/' "$T/src/cm.yaml"
	publish "$T/src" "main@sha1:2222222222222222222222222222222222222222"
	wait_for "BuildFailed" ready_is app False BuildFailed
	ready_msg app | grep -q 'variable not set (strict mode): "zone"' || fail "message: $(ready_msg app)"
	[ "$(cm_data vars cluster)" = prod ] || fail "vars changed"
}

# A health check that cannot pass: a PVC no provisioner will bind.
case_health_failed() {
	mkdir -p "$T/src"
	cat >"$T/src/pvc.yaml" <<EOF
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data, namespace: $ns}
spec: {accessModes: [ReadWriteOnce], storageClassName: none, resources: {requests: {storage: 1Gi}}}
EOF
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks app "path: ./" "wait: true" "timeout: 3s"
	wait_for "HealthCheckFailed" ready_is app False HealthCheckFailed
	[ "$(jp kustomization/app '{.status.conditions[?(@.type=="Healthy")].status}')" = False ] ||
	    fail "Healthy not False"
	kubectl -n "$ns" get pvc data >/dev/null || fail "pvc not applied"
}

# A missing dependency holds the Kustomization back.
case_dependency_missing() {
	cm_file "$T/src" one v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks app "path: ./" "dependsOn: [{name: absent}]"
	wait_for "DependencyNotReady" ready_is app False DependencyNotReady
	ready_msg app | grep -q "dependency '$ns/absent' not found" || fail "message: $(ready_msg app)"
	cm_gone one || fail "applied despite the dependency"
}

# dependsOn order: b waits for a; a is suspended at first, so b must not
# apply; once a is resumed and Ready, b follows.
case_depends_on_order() {
	cm_file "$T/src/a" from-a v1
	cm_file "$T/src/b" from-b v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks a "path: ./a" "suspend: true"
	ks b "path: ./b" "dependsOn: [{name: a}]"
	wait_for "b waits" ready_is b False DependencyNotReady
	cm_gone from-b || fail "b applied before a"
	kubectl -n "$ns" patch kustomization a --type=merge -p '{"spec":{"suspend":false}}' >/dev/null
	wait_for "a Ready" ready_is a True ReconciliationSucceeded
	wait_for "b Ready" ready_is b True ReconciliationSucceeded
	cm_exists from-a && cm_exists from-b || fail "objects missing"
}

# A dependency cycle is Stalled and named.
case_dependency_cycle() {
	cm_file "$T/src" one v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks a "path: ./" "dependsOn: [{name: b}]"
	ks b "path: ./" "dependsOn: [{name: a}]"
	wait_for "a Stalled" eval '[ "$(jp kustomization/a "{.status.conditions[?(@.type==\"Stalled\")].status}")" = True ]'
	ready_msg a | grep -q "circular dependency detected: '$ns/a' -> '$ns/b' -> '$ns/a'" ||
	    fail "message: $(ready_msg a)"
}

# Impersonating a service account without RBAC is denied and applies
# nothing.
case_impersonation_denied() {
	kubectl -n "$ns" create serviceaccount tenant >/dev/null
	cm_file "$T/src" one v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks app "path: ./" "serviceAccountName: tenant"
	wait_for "denied" eval '[ "$(jp kustomization/app "{.status.conditions[?(@.type==\"Ready\")].status}")" = False ] && ready_msg app | grep -qi forbidden'
	cm_gone one || fail "applied without rights"
	kubectl -n "$ns" create rolebinding tenant-edit --clusterrole=edit --serviceaccount="$ns:tenant" >/dev/null
	kubectl -n "$ns" annotate kustomization app reconcile.fluxcd.io/requestedAt="$(date +%s)" --overwrite >/dev/null
	wait_for "Ready with RBAC" ready_is app True ReconciliationSucceeded
	cm_exists one || fail "not applied with rights"
}

# No artifact yet; then a new revision whose bytes do not match the
# digest the status names: ArtifactFailed, and nothing of it applied.
case_artifact_failed() {
	controller
	ks app "path: ./"
	wait_for "ArtifactFailed" ready_is app False ArtifactFailed
	cm_file "$T/src" one v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	wait_for "Ready" ready_is app True ReconciliationSucceeded
	cm_file "$T/src" one v2
	publish "$T/src" "main@sha1:2222222222222222222222222222222222222222" \
	    "sha256:$(echo other | sha256sum | cut -d' ' -f1)"
	wait_for "digest mismatch" eval 'ready_is app False ArtifactFailed && ready_msg app | grep -q digest'
	[ "$(cm_data one value)" = v1 ] || fail "unverified bytes applied"
}

# SOPS: a Secret encrypted by the real sops CLI (built from its Go module
# by tests/harness/build-sops) for an age key is applied decrypted; one
# encrypted for another key fails the build and leaves it alone.
case_sops_decryption() {
	local sops
	sops=$("$root/tests/harness/build-sops" 2>/dev/null | tail -n1)
	[ -x "$sops" ] || fail "no sops binary"
	age-keygen -o "$T/key.txt" 2>/dev/null
	age-keygen -o "$T/other.txt" 2>/dev/null
	kubectl -n "$ns" create secret generic sops-age \
	    --from-file=identity.agekey="$T/key.txt" >/dev/null
	mkdir -p "$T/src"
	secret_file() { # <value> <age key file>
		cat >"$T/plain.yaml" <<EOF
apiVersion: v1
kind: Secret
metadata: {name: creds, namespace: $ns}
stringData: {password: "$1"}
EOF
		"$sops" --encrypt --age "$(age-keygen -y "$2")" \
		    --encrypted-regex '^(data|stringData)$' "$T/plain.yaml" >"$T/src/secret.yaml"
	}
	secret_file s3cret-1 "$T/key.txt"
	grep -q 's3cret-1' "$T/src/secret.yaml" && fail "sops did not encrypt"
	# A secretGenerator source, decrypted on disk before the build.
	printf 'token=t0ken-1\n' >"$T/creds.env"
	"$sops" --encrypt --age "$(age-keygen -y "$T/key.txt")" "$T/creds.env" >"$T/src/creds.env"
	grep -q 't0ken-1' "$T/src/creds.env" && fail "sops did not encrypt the env file"
	printf 'namespace: %s\nresources: [secret.yaml]\nsecretGenerator: [{name: gen, envs: [creds.env]}]\ngeneratorOptions: {disableNameSuffixHash: true}\n' "$ns" \
	    >"$T/src/kustomization.yaml"
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks app "path: ./" "decryption: {provider: sops, secretRef: {name: sops-age}}"
	wait_for "Ready" ready_is app True ReconciliationSucceeded
	[ "$(jp secret/creds '{.data.password}' | base64 -d)" = s3cret-1 ] ||
	    fail "password: $(jp secret/creds '{.data.password}')"
	[ "$(jp secret/gen '{.data.token}' | base64 -d)" = t0ken-1 ] ||
	    fail "generated token: $(jp secret/gen '{.data.token}' | base64 -d)"
	secret_file s3cret-2 "$T/other.txt"
	publish "$T/src" "main@sha1:2222222222222222222222222222222222222222"
	wait_for "BuildFailed" ready_is app False BuildFailed
	ready_msg app | grep -qi 'decrypt' || fail "message: $(ready_msg app)"
	[ "$(jp secret/creds '{.data.password}' | base64 -d)" = s3cret-1 ] ||
	    fail "secret changed by a failed decryption"
}

# kill -9 in the middle of a reconcile (objects half applied, status not
# written): after a restart everything converges and nothing is lost.
case_kill_restart() {
	local i
	mkdir -p "$T/src"
	for i in $(seq 1 60); do cm_file "$T/src" "cm-$i" v1; done
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks app "path: ./"
	wait_for "some applied" cm_exists cm-1
	kill -9 "$ctl_pid"
	wait "$ctl_pid" 2>/dev/null || true
	ctl_pid=
	echo "killed with $(kubectl -n "$ns" get cm -o name | grep -c /cm-) of 60 ConfigMaps applied" \
	    "and inventory '$(jp kustomization/app '{.status.inventory}')'"
	mv "$T/ctl.log" "$T/ctl-killed.log"
	controller
	wait_for "Ready" ready_is app True ReconciliationSucceeded
	for i in $(seq 1 60); do cm_exists "cm-$i" || fail "cm-$i missing"; done
	[ "$(jp kustomization/app '{.status.inventory.entries[*].id}' | wc -w)" = 60 ] ||
	    fail "inventory: $(jp kustomization/app '{.status.inventory.entries[*].id}' | wc -w) entries"
}

# Events reach notification-controller's bus address (kc_events listens
# there): success and failure, with Flux's reasons and the revision.
case_events_on_bus() {
	local rc=0
	[ -n "${KC_EVENTS:-}" ] || fail "KC_EVENTS not set"
	"$KC_EVENTS" "ipc://$T/events.sock" 150 >"$T/events.txt" 2>&1 &
	ev_pid=$!
	cm_file "$T/src" one v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller --bus-events "ipc://$T/events.sock"
	ks app "path: ./"
	wait_for "success event" grep -q "^info ReconciliationSucceeded Kustomization/$ns/app main@sha1:1111111111111111111111111111111111111111 Applied revision: main@sha1:1111111111111111111111111111111111111111$" "$T/events.txt"
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: [broken\n' >"$T/src/bad.yaml"
	publish "$T/src" "main@sha1:2222222222222222222222222222222222222222"
	wait_for "failure event" grep -q "^error BuildFailed Kustomization/$ns/app main@sha1:2222222222222222222222222222222222222222 " "$T/events.txt"
	kill -TERM "$ev_pid"
	wait "$ev_pid" || rc=$?
	ev_pid=
	[ $rc -eq 0 ] || { cat "$T/events.txt"; fail "kc_events exited with $rc"; }
}

# The Kustomization's kustomize fields written into the build, as Flux
# does: namePrefix/nameSuffix, images, patches, commonMetadata, and a
# targetNamespace over a plain directory (no kustomization.yaml).
case_kustomize_fields() {
	kubectl create ns "$ns-target" >/dev/null
	mkdir -p "$T/src"
	cat >"$T/src/app.yaml" <<EOF
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 1
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: "registry.invalid/web:1.0"}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: settings}
data: {mode: plain}
EOF
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	controller
	ks app "path: ./" "targetNamespace: $ns-target" "namePrefix: pre-" "nameSuffix: -suf" \
	    "images: [{name: registry.invalid/web, newTag: '2.0'}]" \
	    "patches: [{target: {kind: ConfigMap}, patch: '[{\"op\": \"replace\", \"path\": \"/data/mode\", \"value\": \"patched\"}]'}]" \
	    "commonMetadata: {labels: {team: blue}, annotations: {owner: ops}}"
	wait_for "Ready" ready_is app True ReconciliationSucceeded
	local d="kubectl -n $ns-target get"
	[ "$($d deployment pre-web-suf -o 'jsonpath={.spec.template.spec.containers[0].image}')" = registry.invalid/web:2.0 ] ||
	    fail "image: $($d deployment pre-web-suf -o 'jsonpath={.spec.template.spec.containers[0].image}')"
	[ "$($d configmap pre-settings-suf -o 'jsonpath={.data.mode}')" = patched ] || fail "patch not applied"
	[ "$($d configmap pre-settings-suf -o 'jsonpath={.metadata.labels.team}/{.metadata.annotations.owner}')" = blue/ops ] ||
	    fail "commonMetadata missing"
	kubectl -n "$ns-target" delete kustomization --all >/dev/null 2>&1 || true
	kubectl -n "$ns" delete kustomization app --wait=false >/dev/null
	wait_for "pruned on deletion" eval "! $d configmap pre-settings-suf >/dev/null 2>&1"
	kubectl delete ns "$ns-target" --wait=false >/dev/null
}

# --no-cross-namespace-refs: a sourceRef into another namespace is
# refused (AccessDenied, Stalled) and nothing is fetched.
case_cross_namespace_denied() {
	cm_file "$T/src" one v1
	publish "$T/src" "main@sha1:1111111111111111111111111111111111111111"
	kubectl create ns "$ns-other" >/dev/null
	controller --no-cross-namespace-refs
	ks app "path: ./" >/dev/null
	kubectl -n "$ns-other" apply -f - >/dev/null <<EOF
apiVersion: kustomize.toolkit.fluxcd.io/v1
kind: Kustomization
metadata: {name: app, labels: {flint.test/run: "$run_id"}}
spec: {interval: 10m, prune: true, path: ./, sourceRef: {kind: GitRepository, name: repo, namespace: $ns}}
EOF
	wait_for "same namespace Ready" ready_is app True ReconciliationSucceeded
	wait_for "AccessDenied" eval '[ "$(kubectl -n "$ns-other" get kustomization app -o "jsonpath={.status.conditions[?(@.type==\"Ready\")].reason}")" = AccessDenied ]'
	[ "$(kubectl -n "$ns-other" get kustomization app -o 'jsonpath={.status.conditions[?(@.type=="Stalled")].status}')" = True ] ||
	    fail "not Stalled"
	kubectl -n "$ns-other" delete kustomization app --wait=false >/dev/null
	kubectl delete ns "$ns-other" --wait=false >/dev/null
}

# End to end with a real git server (smart HTTP) and source-controller:
# a commit pushed to the repository reaches the cluster, carried by the
# bus's ArtifactEvent and the source status watch.
case_git_end_to_end() {
	[ -n "${SOURCE_CONTROLLER:-}" ] || fail "SOURCE_CONTROLLER not set"
	local w=$T/work sport
	git_dir=$T/git
	mkdir -p "$git_dir"
	chmod 755 "$T" # nginx workers reach the fcgiwrap socket below it
	"$root/tests/integration/git/servers.sh" start "$git_dir" >/dev/null
	# shellcheck disable=SC1091
	. "$git_dir/env"
	export GIT_AUTHOR_NAME=flint GIT_AUTHOR_EMAIL=flint@example.com
	export GIT_COMMITTER_NAME=flint GIT_COMMITTER_EMAIL=flint@example.com
	git init -q -b main "$w"
	cm_file "$w/deploy" one v1
	git -C "$w" add -A && git -C "$w" commit -q -m one
	git clone -q --bare "$w" "$git_dir/repos/fleet.git"
	git -C "$w" remote add origin "$git_dir/repos/fleet.git"

	sport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	source_start() {
		"$SOURCE_CONTROLLER" --kubeconfig "$KUBECONFIG" --storage-path "$T/storage" \
		    --storage-addr "127.0.0.1:$sport" --storage-adv-addr "127.0.0.1:$sport" \
		    --bus-artifacts "ipc://$T/artifacts.sock" --bus-reconcile "ipc://$T/reconcile.sock" \
		    --watch-label-selector "flint.test/run=$run_id" >>"$T/src.log" 2>&1 &
		src_pid=$!
	}
	source_start
	controller --bus-artifacts "ipc://$T/artifacts.sock"
	kubectl -n "$ns" apply -f - >/dev/null <<EOF
apiVersion: source.toolkit.fluxcd.io/v1
kind: GitRepository
metadata: {name: fleet, labels: {flint.test/run: "$run_id"}}
spec: {url: "$HTTP_URL/git/fleet.git", interval: 10m, ref: {branch: main}}
EOF
	ks app "path: ./deploy" "sourceRef: {kind: GitRepository, name: fleet}"
	wait_for "Ready" ready_is app True ReconciliationSucceeded
	[ "$(cm_data one value)" = v1 ] || fail "one not applied"
	applied_rev app | grep -q "^main@sha1:$(git -C "$w" rev-parse HEAD)$" ||
	    fail "revision: $(applied_rev app)"

	cm_file "$w/deploy" one v2
	git -C "$w" commit -q -am two && git -C "$w" push -q origin main
	kubectl -n "$ns" annotate gitrepository fleet reconcile.fluxcd.io/requestedAt="$(date +%s)" --overwrite >/dev/null
	wait_for "one=v2" eval '[ "$(cm_data one value)" = v2 ]'
	wait_for "rev 2" eval 'applied_rev app | grep -q "^main@sha1:$(git -C "$w" rev-parse HEAD)$"'

	# source-controller killed with -9 and restarted: kustomize-
	# controller's bus subscription reconnects and the next commit
	# arrives as before.
	kill -9 "$src_pid"
	wait "$src_pid" 2>/dev/null || true
	cm_file "$w/deploy" one v3
	git -C "$w" commit -q -am three && git -C "$w" push -q origin main
	source_start
	kubectl -n "$ns" annotate gitrepository fleet reconcile.fluxcd.io/requestedAt="$(date +%s)-3" --overwrite >/dev/null
	wait_for "one=v3" eval '[ "$(cm_data one value)" = v3 ]'
	wait_for "rev 3" eval 'applied_rev app | grep -q "^main@sha1:$(git -C "$w" rev-parse HEAD)$"'
}

setup
"case_$case"
echo "PASS: $case"
