# Sourced by the benchmarks that serve a generated account: the release build, a scratch
# folder removed on exit (with the mock, if one runs), and the mock as its own process.
# shellcheck shell=bash
MAIN=bd6b78e2ff9e4e47bc260803ddcc7a21
OTHER=7c3e9a1f5b2d4e6a8c0b1d3f5a7e9c2b
cargo build --release --locked --quiet
bin=$PWD/target/release/conform
tmp=$(mktemp -d)
mock_pid=""
cleanup() {
    [ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null && wait "$mock_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

# serve_mock DATA TOKEN_VAR: `conform mock --data DATA` on a free loopback port, asking
# for the token held in the variable TOKEN_VAR; sets `base` to its URL and `mock_pid`.
serve_mock() {
    "$bin" mock --data "$1" --port 0 --token-env "$2" >"$tmp/mock.out" 2>"$tmp/mock.err" &
    mock_pid=$!
    for _ in $(seq 600); do
        [ -s "$tmp/mock.out" ] && break
        sleep 0.1
    done
    base=$(head -n1 "$tmp/mock.out" | sed 's/^listening on //')
}
