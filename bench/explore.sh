#!/usr/bin/env bash
# Benchmark: exploration against the embedded mock, release build.
# Prints the exploration's throughput (requests checked per second, from `conform
# explore`'s own summary), its coverage, and the wall time of the README's main command
# (`conform run`, exploration on by default). Target (issue 14): main command < 1 s.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=target/release/conform
runs=${RUNS:-10}
budget=${BUDGET:-2000}
echo "== conform explore --budget $budget (throughput and coverage)"
NO_COLOR=1 "$bin" explore --budget "$budget" 2>/dev/null | grep -E '^exploration:|requests in'
echo "== conform run (exploration on by default): $runs runs"
for _ in $(seq "$runs"); do
  s=$(date +%s%N); CI=1 "$bin" run >/dev/null 2>&1; e=$(date +%s%N)
  echo "wall: $(( (e - s) / 1000000 )) ms"
done
echo "== one run's own summary"
CI=1 NO_COLOR=1 "$bin" run 2>/dev/null | grep -E '^exploration:|requests'
