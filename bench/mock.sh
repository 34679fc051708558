#!/usr/bin/env bash
# Throughput of `conform mock` on loopback, next to nginx serving a static file of the same
# size as the mock's `limit=10` answer (the ceiling for a tiny HTTP/1.1 JSON answer on this
# machine). Target: the mock reaches at least half of nginx's rate.
#
#   bench/mock.sh                       # 5 s per run, 2 wrk threads, 32 connections
#   DURATION=10s CONNECTIONS=64 bench/mock.sh
#
# Builds the release binary, installs wrk and nginx from Debian if they are missing, and
# runs everything as the current user in a temporary folder (nginx with its own config,
# not as a daemon). Everything started here is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-32}
THREADS=2
PROJECT=bd6b78e2ff9e4e47bc260803ddcc7a21

missing=()
command -v wrk >/dev/null || missing+=(wrk)
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || missing+=(nginx)
if [ ${#missing[@]} -gt 0 ]; then
    sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "installing ${missing[*]} from Debian" >&2
    if ! $sudo apt-get install -y "${missing[@]}" >/dev/null 2>&1; then
        $sudo apt-get update >/dev/null
        $sudo apt-get install -y "${missing[@]}" >/dev/null
    fi
fi
NGINX=$(command -v nginx || echo /usr/sbin/nginx)

cargo build --release --locked --quiet

tmp=$(mktemp -d)
mock_pid=""
nginx_pid=""
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
    [ -n "$nginx_pid" ] && kill -QUIT "$nginx_pid" 2>/dev/null && wait "$nginx_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# The mock, on an ephemeral port: its first line is the address.
target/release/conform mock --port 0 >"$tmp/mock.out" 2>"$tmp/mock.err" &
mock_pid=$!
for _ in $(seq 100); do
    [ -s "$tmp/mock.out" ] && break
    sleep 0.05
done
base=$(head -n1 "$tmp/mock.out" | sed 's/^listening on //')
small="$base/v1.0/$PROJECT/instances?limit=10"
filtered="$base/v1.0/$PROJECT/instances?name=cache&status=RUNNING&includeFailure=true&limit=10"

# nginx serves the mock's own limit=10 answer as a file, so both send the same bytes.
mkdir -p "$tmp/www" "$tmp/logs"
curl -fsS "$small" >"$tmp/www/page.json"
size=$(wc -c <"$tmp/www/page.json")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
user_line=""
[ "$(id -u)" -eq 0 ] && user_line="user root;" # workers as the current user, not nobody
cat >"$tmp/nginx.conf" <<EOF
$user_line
worker_processes auto;
pid $tmp/nginx.pid;
error_log $tmp/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    default_type application/json;
    client_body_temp_path $tmp/body;
    proxy_temp_path $tmp/proxy;
    fastcgi_temp_path $tmp/fastcgi;
    uwsgi_temp_path $tmp/uwsgi;
    scgi_temp_path $tmp/scgi;
    keepalive_requests 1000000;
    server {
        listen 127.0.0.1:$port;
        root $tmp/www;
    }
}
EOF
"$NGINX" -p "$tmp" -c "$tmp/nginx.conf" -g 'daemon off;' &
nginx_pid=$!
for _ in $(seq 100); do
    curl -fsS -o /dev/null "http://127.0.0.1:$port/page.json" 2>/dev/null && break
    sleep 0.05
done
static="http://127.0.0.1:$port/page.json"

rps() {
    curl -fsS -o /dev/null "$1" # fails loudly if the URL does not answer 200
    wrk -t"$THREADS" -c"$CONNECTIONS" -d"$DURATION" "$1" | awk '/^Requests\/sec:/ {print $2}'
}

echo "wrk -t$THREADS -c$CONNECTIONS -d$DURATION on loopback, $(nproc) cores; answer size $size bytes"
mock_small=$(rps "$small")
mock_filtered=$(rps "$filtered")
nginx_static=$(rps "$static")
awk -v s="$mock_small" -v f="$mock_filtered" -v n="$nginx_static" 'BEGIN {
    printf "%-46s %10s %9s\n", "target", "req/s", "vs nginx"
    printf "%-46s %10.0f %8.0f%%\n", "mock  ?limit=10", s, 100 * s / n
    printf "%-46s %10.0f %8.0f%%\n", "mock  ?name=cache&status=RUNNING&...&limit=10", f, 100 * f / n
    printf "%-46s %10.0f %8s\n", "nginx static file of the same size", n, "100%"
    if (2 * s >= n && 2 * f >= n) { print "target met: the mock reaches at least half of nginx'"'"'s rate" }
    else { print "target missed: the mock is below half of nginx'"'"'s rate"; exit 1 }
}'
