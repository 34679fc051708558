#!/usr/bin/env bash
# A moving account: the default run against the built-in mock whose account moves
# (`--mock-churn KIND:EVERY`), for every kind and ten seeds, on one contract or both.
# Prints, per kind, the failed cases and exploration failures summed over the seeds, and
# the requests sent against the requests of the same run on a still account.
# Then, per kind, two runs in a row with snapshots on (the second against the first's
# accepted snapshots, in a temporary folder): how many snapshots changed.
# Targets (issue "a real account moves"): 0 failed cases and 0 exploration failures for
# every kind at one change per 20 list requests; at most 1.5x the still run's requests;
# 0 changed snapshots between two runs.
#
#   bash bench/moving.sh                 # the first contract, one change per 20 requests
#   EVERY=10 SEEDS=5 bash bench/moving.sh
#   CONTRACT=v2 bash bench/moving.sh     # the v2 list's suite
#   CONTRACT=all bash bench/moving.sh    # both contracts, summed
set -euo pipefail
cd "$(dirname "$0")/.."
EVERY=${EVERY:-20}
SEEDS=${SEEDS:-10}
CONTRACT=${CONTRACT:-}
cargo build --release --locked -q
bin=target/release/conform
args=(run --snapshots off --format json)
case "$CONTRACT" in
    "") ;;
    v2) args+=(--contract schemas/v2/list-instances.contract.toml --cases cases/v2) ;;
    *) args+=(--contract "$CONTRACT") ;;
esac
# The run-finished events of one run, as "failed explore_failed requests_sent" lines.
sums() {
    python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if not line:
        continue
    e = json.loads(line)
    if e.get("event") == "run-finished":
        s = e["summary"]
        print(s.get("failed", 0), s.get("explore_failed", 0), s.get("requests_sent", 0),
              s.get("account_excused", 0), s.get("account_unsettled", 0))
'
}
read -r _ _ still _ _ < <("$bin" "${args[@]}" 2>/dev/null | sums | awk '{f+=$1;x+=$2;r+=$3;a+=$4;u+=$5} END {print f,x,r,a,u}')
printf 'still account: %d requests\n' "$still"
printf '%-8s %7s %7s %9s %9s %10s %8s\n' kind seeds failed explore excused requests ratio
for kind in status create delete usage lag mix; do
    tf=0; tx=0; tr=0; ta=0; worst=0
    for seed in $(seq 1 "$SEEDS"); do
        read -r f x r a _ < <("$bin" "${args[@]}" --mock-churn "$kind:$EVERY" --mock-seed "$seed" 2>/dev/null \
            | sums | awk '{f+=$1;x+=$2;r+=$3;a+=$4} END {print f,x,r,a}')
        tf=$((tf + f)); tx=$((tx + x)); tr=$((tr + r)); ta=$((ta + a))
        [ "$r" -gt "$worst" ] && worst=$r
    done
    ratio=$(python3 -c "print(f'{$worst / $still:.2f}x')")
    printf '%-8s %7d %7d %9d %9d %10d %8s\n' "$kind:$EVERY" "$SEEDS" "$tf" "$tx" "$ta" "$((tr / SEEDS))" "$ratio"
done
echo "(failed, explore, excused: summed over the seeds; requests: the mean per run; ratio: the largest run against the still one)"
snap=$(mktemp -d)
trap 'rm -rf "$snap"' EXIT
printf '\n%-8s %s\n' kind "changed snapshots, two runs in a row"
for kind in status create delete usage lag mix; do
    dir="$snap/$kind"
    run=(run --format json --snapshot-dir "$dir" --mock-churn "$kind:$EVERY")
    case "$CONTRACT" in
        v2) run+=(--contract schemas/v2/list-instances.contract.toml --cases cases/v2) ;;
        "") ;;
        *) run+=(--contract "$CONTRACT") ;;
    esac
    "$bin" "${run[@]}" --mock-seed 1 --snapshots update >/dev/null 2>&1 || true
    changed=$("$bin" "${run[@]}" --mock-seed 2 2>/dev/null | python3 -c '
import json, sys
print(sum(json.loads(l)["summary"].get("changed", 0) for l in sys.stdin
          if l.strip() and json.loads(l).get("event") == "run-finished"))')
    printf '%-8s %s\n' "$kind:$EVERY" "$changed"
done
