#!/usr/bin/env bash
# Benchmark: exploration against the embedded mock, release build.
# Prints the exploration's throughput (requests checked per second, from `conform
# explore`'s own summary), its coverage, and the wall time of the README's main command
# (`conform run`, exploration on by default), and, per contract, every request the
# default run sends (baselines, cases, exploration) with the coverage of the pairs the
# contract says interact. Targets: main command < 1 s (issue 14); exploration >= 10,000
# requests/s and at most 400 requests per contract in a default run (issue 24).
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --quiet
bin=target/release/conform
runs=${RUNS:-10}
budget=${BUDGET:-2000}
echo "== conform explore --budget $budget (throughput and coverage), each contract"
NO_COLOR=1 "$bin" explore --budget "$budget" 2>/dev/null | grep -E '^exploration:|requests in'
echo "== conform run (exploration on by default): $runs runs"
for _ in $(seq "$runs"); do
  s=$(date +%s%N); CI=1 "$bin" run >/dev/null 2>&1; e=$(date +%s%N)
  echo "wall: $(( (e - s) / 1000000 )) ms"
done
echo "== one run's own summary"
CI=1 NO_COLOR=1 "$bin" run 2>/dev/null | grep -E '^exploration:|requests'
echo "== requests per contract in a default run, and the interacting pairs covered"
CI=1 "$bin" run --snapshots off --format json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    e = json.loads(line)
    c = e["contract"]
    if e["event"] == "explore-finished":
        done, total = e["interacting_pairs"]
        print("%s: exploration %d requests, interacting pairs %d/%d (%d%%)" % (c, e["requests"], done, total, 100 * done // max(total, 1)))
    if e["event"] == "run-finished":
        print("%s: %d requests sent in all (baselines, cases, exploration)" % (c, e["summary"]["requests_sent"]))
'
