#!/usr/bin/env bash
# Benchmark: the whole shipped suite against the embedded mock, release build.
# Prints wall time per run (hyperfine when available) and the suite's own requests/s.
# Target (issue 4): under 1 second on a 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=target/release/conform
runs=${RUNS:-10}
if ! command -v hyperfine >/dev/null 2>&1; then
  (apt-get install -y hyperfine >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y hyperfine >/dev/null 2>&1)) || true
fi
args=(run)
"$bin" run --help | grep -q -- '--snapshots' && args+=(--snapshots off)
echo "== one run's own summary"
CI=1 NO_COLOR=1 "$bin" "${args[@]}" | tail -2
if command -v hyperfine >/dev/null 2>&1; then
  # The README's main command (every contract of conform.toml, snapshots compared), the
  # first contract alone with snapshots compared, and the main command with them off.
  cmds=("$bin run" "$bin run --contract v1.0" "$bin ${args[*]}")
  CI=1 hyperfine --warmup 2 --runs "$runs" -N "${cmds[@]}"
else
  echo "== $runs runs (hyperfine not available)"
  for _ in $(seq "$runs"); do
    s=$(date +%s%N); CI=1 "$bin" "${args[@]}" >/dev/null; e=$(date +%s%N)
    echo "wall: $(( (e - s) / 1000000 )) ms"
  done
fi
