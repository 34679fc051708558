#!/usr/bin/env bash
# Benchmark: `conform selfcheck` of the shipped suite over the mock's whole fault
# catalogue, release build. Target (issue 8): under 10 seconds on this machine.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
command -v hyperfine >/dev/null 2>&1 || (apt-get install -y hyperfine >/dev/null 2>&1 || (apt-get update >/dev/null 2>&1 && apt-get install -y hyperfine >/dev/null 2>&1)) || true
CI=1 NO_COLOR=1 target/release/conform selfcheck | tail -3
if command -v hyperfine >/dev/null 2>&1; then
  CI=1 hyperfine --warmup 1 --runs "${RUNS:-5}" -N "target/release/conform selfcheck"
else
  s=$(date +%s%N); CI=1 target/release/conform selfcheck >/dev/null || true; e=$(date +%s%N)
  echo "wall: $(( (e - s) / 1000000 )) ms"
fi
