#!/usr/bin/env bash
# A real Helm repository on loopback for the Helm source tests: nginx
# serving charts packed here with tar (the layout `helm package` writes)
# and an index.yaml in the format `helm repo index` writes.
#   servers.sh start <dir>   writes <dir>/env (sourced by run.sh)
#   servers.sh stop <dir>    stops what start started
#
# URLs under http://127.0.0.1:$HELM_PORT:
#   /charts/   anonymous; podinfo 6.0.0 (absolute URL in the index),
#              6.1.0, 7.0.0-rc.1, and evil 1.0.0 (a path escape)
#   /auth/     the same files behind basic auth (flint:s3cret)
#   /garbage/  an index.yaml that is an HTML error page
#   /v2/junk/  a "registry" whose manifest is not JSON
#   /v2/tok/   a registry that wants the Bearer token flow: a 401 with
#              "WWW-Authenticate: Bearer realm=.../token", whose /token
#              gives token t0ken to basic auth flint:s3cret only
# and Debian's docker-registry on 127.0.0.1:$OCI_PORT holding the OCI
# artifact flint/app (tags v1.0.0, v1.1.0 and latest; pushed through
# the v2 API as Flux pushes: a content layer and a config blob).
set -euo pipefail

cmd=$1
T=$2

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
	for pidfile in "$T/nginx.pid" "$T/registry.pid"; do
		if [ -s "$pidfile" ]; then
			kill "$(cat "$pidfile")" 2>/dev/null || true
			rm -f "$pidfile"
		fi
	done
}

start_registry() {
	OCI_PORT=$(free_port)
	mkdir -p "$T/registry"
	cat > "$T/registry.yml" <<EOT
version: 0.1
log: { level: warn }
storage: { filesystem: { rootdirectory: $T/registry } }
http: { addr: 127.0.0.1:$OCI_PORT }
EOT
	docker-registry serve "$T/registry.yml" >"$T/registry.log" 2>&1 &
	echo $! > "$T/registry.pid"
	for _ in $(seq 50); do
		curl -fs "http://127.0.0.1:$OCI_PORT/v2/" >/dev/null && break
		sleep 0.1
	done
	python3 - "$OCI_PORT" "$T" <<'PY'
import hashlib, io, json, sys, tarfile, urllib.request
port, T = sys.argv[1], sys.argv[2]
base = "http://127.0.0.1:%s/v2/flint/app" % port
def req(method, url, data=None, ctype=None):
    r = urllib.request.Request(url, data=data, method=method)
    if ctype: r.add_header("Content-Type", ctype)
    return urllib.request.urlopen(r)
def blob(data):
    d = "sha256:" + hashlib.sha256(data).hexdigest()
    loc = req("POST", base + "/blobs/uploads/").headers["Location"]
    if loc.startswith("/"): loc = "http://127.0.0.1:%s%s" % (port, loc)
    req("PUT", loc + ("&" if "?" in loc else "?") + "digest=" + d, data,
        "application/octet-stream")
    return d
def layer(text):
    b = io.BytesIO()
    with tarfile.open(fileobj=b, mode="w:gz") as t:
        for name, data in [("deploy/app.yaml", text.encode()), ("README.md", b"app\n")]:
            i = tarfile.TarInfo(name); i.size = len(data); t.addfile(i, io.BytesIO(data))
    return b.getvalue()
cfg = b"{}"
cd = blob(cfg)
out = {}
for tag, text in [("v1.0.0", "name: one\n"), ("v1.1.0", "name: two\n"), ("latest", "name: two\n")]:
    l = layer(text)
    m = json.dumps({"schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.cncf.flux.config.v1+json", "digest": cd, "size": len(cfg)},
        "layers": [{"mediaType": "application/vnd.cncf.flux.content.v1.tar+gzip", "digest": blob(l), "size": len(l)}],
        "annotations": {"org.opencontainers.image.revision": "main@sha1:" + "ab" * 20,
                        "org.opencontainers.image.source": "https://example.com/app"}}).encode()
    req("PUT", base + "/manifests/" + tag, m, "application/vnd.oci.image.manifest.v1+json")
    out[tag] = hashlib.sha256(m).hexdigest()
with open(T + "/env", "a") as f:
    f.write("OCI_URL=oci://127.0.0.1:%s/flint/app\n" % port)
    f.write("OCI_V100=%s\nOCI_V110=%s\nOCI_LATEST=%s\n" % (out["v1.0.0"], out["v1.1.0"], out["latest"]))
PY
}

# chart <name> <version>: a chart directory packed as <name>-<version>.tgz
chart() {
	local src=$T/src/$1-$2
	mkdir -p "$src/$1/templates"
	printf 'apiVersion: v2\nname: %s\nversion: %s\ndescription: flint test chart\n' \
	    "$1" "$2" > "$src/$1/Chart.yaml"
	printf 'replicas: 1\nmessage: hello %s\n' "$2" > "$src/$1/values.yaml"
	printf 'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\ndata:\n  m: {{ .Values.message }}\n' \
	    > "$src/$1/templates/cm.yaml"
	tar -C "$src" --sort=name --owner=0 --group=0 --numeric-owner \
	    --mtime=2001-01-01 -czf "$T/www/charts/$1-$2.tgz" "$1"
}

# A chart whose archive climbs out of its directory.
evil_chart() {
	python3 - "$T/www/charts/evil-1.0.0.tgz" <<'PY'
import io, sys, tarfile
with tarfile.open(sys.argv[1], "w:gz") as t:
    for name, data in [("evil/Chart.yaml", b"apiVersion: v2\nname: evil\nversion: 1.0.0\n"),
                       ("evil/../../escaped.txt", b"out\n")]:
        i = tarfile.TarInfo(name); i.size = len(data)
        t.addfile(i, io.BytesIO(data))
PY
}

entry() { # name version url
	local f=$T/www/charts/$1-$2.tgz
	cat <<EOT
  - apiVersion: v2
    created: "2026-01-01T00:00:00Z"
    description: flint test chart
    digest: $(sha256sum "$f" | cut -d' ' -f1)
    name: $1
    type: application
    urls:
    - $3
    version: $2
EOT
}

make_repo() {
	mkdir -p "$T/www/charts" "$T/www/garbage"
	chart podinfo 6.0.0
	chart podinfo 6.1.0
	chart podinfo 7.0.0-rc.1
	evil_chart
	{
		echo "apiVersion: v1"
		echo "entries:"
		echo "  evil:"
		entry evil 1.0.0 evil-1.0.0.tgz
		echo "  podinfo:"
		entry podinfo 7.0.0-rc.1 podinfo-7.0.0-rc.1.tgz
		entry podinfo 6.1.0 podinfo-6.1.0.tgz
		entry podinfo 6.0.0 "http://127.0.0.1:$HELM_PORT/charts/podinfo-6.0.0.tgz"
		echo "generated: \"2026-01-01T00:00:00Z\""
	} > "$T/www/charts/index.yaml"
	cp -r "$T/www/charts" "$T/www/auth"
	token_registry
	mkdir -p "$T/www/v2/junk/manifests"
	printf '<html>not a manifest</html>\n' > "$T/www/v2/junk/manifests/latest"
	printf '<html><body><h1>502 Bad Gateway</h1></body></html>\n' \
	    > "$T/www/garbage/index.yaml"
	printf 'flint:%s\n' "$(openssl passwd -apr1 s3cret)" > "$T/htpasswd"
	{
		echo "HELM_PORT=$HELM_PORT"
		echo "HELM_URL=http://127.0.0.1:$HELM_PORT"
		echo "INDEX_SHA=$(sha256sum "$T/www/charts/index.yaml" | cut -d' ' -f1)"
		echo "AUTH_INDEX_SHA=$(sha256sum "$T/www/auth/index.yaml" | cut -d' ' -f1)"
		echo "CHART_610_SHA=$(sha256sum "$T/www/charts/podinfo-6.1.0.tgz" | cut -d' ' -f1)"
		echo "CHART_600_SHA=$(sha256sum "$T/www/charts/podinfo-6.0.0.tgz" | cut -d' ' -f1)"
		echo "DOWN_URL=http://127.0.0.1:$(free_port)"
	} >> "$T/env"
}

# Static files that answer the v2 API for repository "tok", tag v1.
token_registry() {
	python3 - "$T/www/v2/tok" "$T/env" <<'PY'
import hashlib, io, json, os, sys, tarfile
root, envf = sys.argv[1], sys.argv[2]
os.makedirs(root + "/blobs"); os.makedirs(root + "/manifests")
b = io.BytesIO()
with tarfile.open(fileobj=b, mode="w:gz") as t:
    data = b"name: token\n"
    i = tarfile.TarInfo("deploy/app.yaml"); i.size = len(data); t.addfile(i, io.BytesIO(data))
layer = b.getvalue()
ld = "sha256:" + hashlib.sha256(layer).hexdigest()
open(root + "/blobs/" + ld, "wb").write(layer)
m = json.dumps({"schemaVersion": 2,
    "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": {"mediaType": "application/vnd.cncf.flux.config.v1+json",
               "digest": "sha256:" + hashlib.sha256(b"{}").hexdigest(), "size": 2},
    "layers": [{"mediaType": "application/vnd.cncf.flux.content.v1.tar+gzip",
                "digest": ld, "size": len(layer)}]}).encode()
open(root + "/manifests/v1", "wb").write(m)
open(envf, "a").write("OCI_TOK=%s\n" % hashlib.sha256(m).hexdigest())
PY
	printf '{"token":"t0ken"}\n' > "$T/www/token.json"
}

start_nginx() {
	chmod 755 "$T" # nginx workers run as another user under root
	mkdir -p "$T/nginx-tmp"
	cat > "$T/nginx.conf" <<EOT
daemon on;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events { worker_connections 64; }
http {
    access_log $T/nginx-access.log;
    client_body_temp_path $T/nginx-tmp;
    proxy_temp_path $T/nginx-tmp;
    fastcgi_temp_path $T/nginx-tmp;
    uwsgi_temp_path $T/nginx-tmp;
    scgi_temp_path $T/nginx-tmp;
    types { application/x-yaml yaml; application/gzip tgz; }
    server {
        listen 127.0.0.1:$HELM_PORT;
        root $T/www;
        location /auth/ {
            auth_basic "charts";
            auth_basic_user_file $T/htpasswd;
        }
        location = /token {
            auth_basic "token";
            auth_basic_user_file $T/htpasswd;
            default_type application/json;
            alias $T/www/token.json;
        }
        location /v2/tok/ {
            default_type application/vnd.oci.image.manifest.v1+json;
            if (\$http_authorization != "Bearer t0ken") {
                add_header WWW-Authenticate 'Bearer realm="http://127.0.0.1:$HELM_PORT/token",service="flint",scope="repository:tok:pull"' always;
                return 401;
            }
        }
    }
}
EOT
	nginx -c "$T/nginx.conf" -e "$T/nginx-error.log"
	for _ in $(seq 50); do
		curl -fs "http://127.0.0.1:$HELM_PORT/charts/index.yaml" >/dev/null && return 0
		sleep 0.1
	done
	echo "nginx did not come up" >&2
	cat "$T/nginx-error.log" >&2
	return 1
}

case $cmd in
start)
	HELM_PORT=$(free_port)
	make_repo
	start_nginx
	start_registry
	;;
stop)
	stop
	;;
*)
	echo "usage: $0 start|stop <dir>" >&2
	exit 2
	;;
esac
