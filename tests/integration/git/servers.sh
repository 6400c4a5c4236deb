#!/usr/bin/env bash
# Real Git servers on loopback for the checkout tests, all in one
# temporary directory:
#   servers.sh start <dir>   writes <dir>/env (sourced by run.sh)
#   servers.sh stop <dir>    stops what start started
#
# - smart HTTP and HTTPS: nginx + fcgiwrap + git-http-backend; /git/ is
#   anonymous, /auth/ wants basic auth (flint:s3cret), /bearer/ wants
#   "Authorization: Bearer t0ken"; HTTPS uses a CA made here, and the
#   certificate names localhost (libgit2's mbedTLS cannot match IP SANs).
# - SSH: sshd with an ed25519 host key, user "git" with git-shell, and an
#   ed25519 client key. sshd needs root and a "git" system user; when run
#   as root this script creates the user if it is missing (useradd, no
#   password, login shell git-shell) and leaves it in place afterwards.
#   Without root, the SSH part is skipped and env says so.
# Ports are picked free and unusual; nothing listens beyond 127.0.0.1.
set -euo pipefail

cmd=$1
T=$2

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop() {
	local pid
	for pidfile in "$T"/nginx.pid "$T"/sshd.pid; do
		if [ -s "$pidfile" ]; then
			kill "$(cat "$pidfile")" 2>/dev/null || true
			rm -f "$pidfile"
		fi
	done
	# fcgiwrap -c keeps workers and replaces any that die, so its whole
	# process group (its own, from setsid) goes at once
	if [ -s "$T/fcgiwrap.pid" ]; then
		pid=$(cat "$T/fcgiwrap.pid")
		kill -TERM -- "-$pid" 2>/dev/null || true
		sleep 0.2
		kill -KILL -- "-$pid" 2>/dev/null || true
		rm -f "$T/fcgiwrap.pid"
	fi
}

make_repo() {
	local w=$T/work
	export GIT_AUTHOR_NAME=flint GIT_AUTHOR_EMAIL=flint@example.com
	export GIT_COMMITTER_NAME=flint GIT_COMMITTER_EMAIL=flint@example.com
	export GIT_CONFIG_NOSYSTEM=1 HOME=$T/home
	git init -q -b master "$w"
	cd "$w"
	mkdir -p deploy
	printf 'kind: ConfigMap\nname: one\n' > deploy/app.yaml
	printf '#!/bin/sh\necho hi\n' > run.sh && chmod 755 run.sh
	printf 'flint test repository\n' > README.md
	ln -s README.md link.md
	git add -A && GIT_COMMITTER_DATE='2001-01-01T00:00:00Z' git commit -q -m one
	git tag v1.0.0
	git checkout -q -b main
	printf 'kind: ConfigMap\nname: two\n' > deploy/app.yaml
	git commit -q -am two
	git tag -a -m 'release 1.1.0' v1.1.0
	git tag v2.0.0-rc.1
	git tag not-a-version
	git checkout -q -b feature
	printf 'feature\n' > feature.txt
	git add feature.txt && git commit -q -m three
	git tag -a -m 'release 1.2.0' v1.2.0
	git checkout -q main
	printf 'pull\n' > pull.txt
	git add pull.txt && git commit -q -m four
	git update-ref refs/pull/1/head HEAD
	git reset -q --hard HEAD~1
	{
		echo "SHA_ONE=$(git rev-parse v1.0.0)"
		echo "SHA_TWO=$(git rev-parse main)"
		echo "SHA_THREE=$(git rev-parse feature)"
		echo "SHA_FOUR=$(git rev-parse refs/pull/1/head)"
	} >> "$T/env"
	git clone -q --bare "$w" "$T/repos/repo.git"
	git -C "$T/repos/repo.git" update-ref refs/pull/1/head \
	    "$(git rev-parse refs/pull/1/head)"
	git -C "$T/repos/repo.git" config http.receivepack true
	cd - >/dev/null
}

make_certs() {
	cd "$T"
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 3650 -subj /CN=flint-test-ca -keyout ca.key -out ca.crt \
	    -addext basicConstraints=critical,CA:TRUE \
	    -addext keyUsage=critical,keyCertSign,cRLSign 2>/dev/null
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -subj /CN=localhost -keyout server.key -out server.csr 2>/dev/null
	printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n' > ext.cnf
	openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key \
	    -CAcreateserial -days 3650 -extfile ext.cnf -out server.crt 2>/dev/null
	# a second CA that signed nothing here: trusting it must not help
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	    -days 3650 -subj /CN=other-ca -keyout other.key -out other-ca.crt \
	    -addext basicConstraints=critical,CA:TRUE 2>/dev/null
	cd - >/dev/null
}

start_http() {
	local http https
	http=$(free_port)
	https=$(free_port)
	mkdir -p "$T/tmp"
	printf '[safe]\n\tdirectory = *\n' > "$T/home/.gitconfig"
	printf 'flint:%s\n' "$(openssl passwd -apr1 s3cret)" > "$T/htpasswd"
	cat > "$T/backend.conf" <<EOF
include /etc/nginx/fastcgi_params;
fastcgi_param SCRIPT_FILENAME /usr/lib/git-core/git-http-backend;
fastcgi_param GIT_PROJECT_ROOT $T/repos;
fastcgi_param GIT_HTTP_EXPORT_ALL "";
fastcgi_param REMOTE_USER \$remote_user;
fastcgi_param HOME $T/home;
fastcgi_param PATH_INFO \$git_path;
fastcgi_pass unix:$T/fcgiwrap.sock;
EOF
	cat > "$T/nginx.conf" <<EOF
worker_processes 1;
pid $T/nginx.pid;
error_log $T/nginx-error.log;
events {}
http {
  access_log $T/access.log;
  client_body_temp_path $T/tmp/body; fastcgi_temp_path $T/tmp/fastcgi;
  proxy_temp_path $T/tmp/proxy; uwsgi_temp_path $T/tmp/uwsgi;
  scgi_temp_path $T/tmp/scgi;
  server {
    listen 127.0.0.1:$http;
    listen 127.0.0.1:$https ssl;
    ssl_certificate $T/server.crt; ssl_certificate_key $T/server.key;
    client_max_body_size 0;
    location ~ ^/git(?<git_path>/.*)\$ { include $T/backend.conf; }
    location ~ ^/auth(?<git_path>/.*)\$ {
      auth_basic "git"; auth_basic_user_file $T/htpasswd;
      include $T/backend.conf;
    }
    location ~ ^/bearer(?<git_path>/.*)\$ {
      if (\$http_authorization != "Bearer t0ken") { return 401; }
      include $T/backend.conf;
    }
  }
}
EOF
	# its own output, so nothing it forks holds the test's pipes open
	setsid fcgiwrap -c 2 -s "unix:$T/fcgiwrap.sock" >"$T/fcgiwrap.log" 2>&1 &
	echo $! > "$T/fcgiwrap.pid"
	for _ in $(seq 50); do [ -S "$T/fcgiwrap.sock" ] && break; sleep 0.1; done
	chmod 666 "$T/fcgiwrap.sock"
	nginx -c "$T/nginx.conf" -e "$T/nginx-error.log" </dev/null >/dev/null 2>&1
	{
		echo "HTTP_URL=http://127.0.0.1:$http"
		echo "HTTPS_URL=https://localhost:$https"
	} >> "$T/env"
}

ensure_git_user() {
	if ! id git >/dev/null 2>&1; then
		useradd -M -d /nonexistent -s /usr/bin/git-shell git
	fi
	usermod -p '*' git # unlocked without a password: keys only
}

start_ssh() {
	local port
	if [ "$(id -u)" -ne 0 ]; then
		echo "SSH_SKIP=needs root to run sshd" >> "$T/env"
		return
	fi
	ensure_git_user
	port=$(free_port)
	mkdir -p /run/sshd
	ssh-keygen -q -t ed25519 -N '' -f "$T/host_ed25519"
	ssh-keygen -q -t ed25519 -N '' -f "$T/client_ed25519"
	ssh-keygen -q -t ed25519 -N '' -f "$T/stranger_ed25519"
	cp "$T/client_ed25519.pub" "$T/authorized_keys"
	chown git "$T/authorized_keys"
	cat > "$T/sshd_config" <<EOF
Port $port
ListenAddress 127.0.0.1
HostKey $T/host_ed25519
PidFile $T/sshd.pid
AuthorizedKeysFile $T/authorized_keys
StrictModes no
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
AllowUsers git
EOF
	/usr/sbin/sshd -f "$T/sshd_config" -E "$T/sshd.log" </dev/null >/dev/null 2>&1
	printf '[localhost]:%s %s\n' "$port" \
	    "$(cut -d' ' -f1,2 "$T/host_ed25519.pub")" > "$T/known_hosts"
	# the same host under another key: must be refused
	printf '[localhost]:%s %s\n' "$port" \
	    "$(cut -d' ' -f1,2 "$T/stranger_ed25519.pub")" > "$T/wrong_known_hosts"
	cp "$T/known_hosts" "$T/hashed_known_hosts"
	ssh-keygen -q -H -f "$T/hashed_known_hosts" >/dev/null 2>&1
	rm -f "$T/hashed_known_hosts.old"
	chown -R git "$T/repos"
	echo "SSH_URL=ssh://git@localhost:$port$T/repos" >> "$T/env"
}

case $cmd in
start)
	mkdir -p "$T/repos" "$T/home"
	chmod 755 "$T"
	: > "$T/env"
	echo "T=$T" >> "$T/env"
	make_repo
	make_certs
	start_http
	start_ssh
	for _ in $(seq 50); do [ -s "$T/nginx.pid" ] && break; sleep 0.1; done
	;;
stop)
	stop
	;;
*)
	echo "usage: $0 start|stop <dir>" >&2
	exit 2
	;;
esac
