#!/usr/bin/env bash
# One checked 10,000-instance answer against curl fetching the same two GETs, in the same
# run (issue 26: conform at most 3x curl's time, aiming at 2x). conform runs one case, the
# unfiltered list, against `conform mock --data FILE` as its own process, with the
# baseline walked in one page (`--baseline-page 10000`): two GETs of the whole account,
# as curl makes them. Prints the median wall time of R runs of each, conform's median CPU
# time, and the ratio.
#
#   bench/large-answer.sh            # 10,000 instances, 15 runs
#   N=100000 R=5 bench/large-answer.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
R=${R:-15}
# shellcheck source=bench/common.sh
source bench/common.sh
export LARGE_BENCH_TOKEN="bench-$$-$RANDOM"
"$bin" mock --generate "$N" --print-data >"$tmp/data.json"
serve_mock "$tmp/data.json" LARGE_BENCH_TOKEN
mkdir -p "$tmp/cases/basics"
cp cases/v1.0/basics/unfiltered.toml "$tmp/cases/basics/"
baseline_url="$base/v1.0/$MAIN/instances?includeFailure=true&limit=$N"
case_url="$base/v1.0/$MAIN/instances"
bytes=$(curl -fsS -H "X-Auth-Token: $LARGE_BENCH_TOKEN" "$case_url" | wc -c)

median() { sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
curl_times=()
conform_times=()
conform_cpu=()
for _ in $(seq "$R"); do
    start=$(date +%s.%N)
    curl -fsS -o /dev/null -H "X-Auth-Token: $LARGE_BENCH_TOKEN" "$baseline_url"
    curl -fsS -o /dev/null -H "X-Auth-Token: $LARGE_BENCH_TOKEN" "$case_url"
    end=$(date +%s.%N)
    curl_times+=("$(echo "$end - $start" | bc)")
    start=$(date +%s.%N)
    /usr/bin/time -f '%U %S' -o "$tmp/time" env CONFORM_TOKEN="$LARGE_BENCH_TOKEN" NO_COLOR=1 \
        "$bin" run --target "$base" --project-id "$MAIN" --auth token --cases "$tmp/cases" \
        --snapshots off --explore 0 --baseline-page "$N" --format json >"$tmp/run.json" 2>"$tmp/run.err" ||
        { cat "$tmp/run.err" >&2; exit 1; }
    end=$(date +%s.%N)
    read -r user sys <"$tmp/time"
    conform_times+=("$(echo "$end - $start" | bc)")
    conform_cpu+=("$(echo "$user + $sys" | bc)")
done
c=$(printf '%s\n' "${curl_times[@]}" | median)
w=$(printf '%s\n' "${conform_times[@]}" | median)
u=$(printf '%s\n' "${conform_cpu[@]}" | median)
ratio=$(echo "scale=2; $w / $c" | bc)
grep -q '"verdict":"pass"' "$tmp/run.json" || { echo "the case did not pass:" >&2; cat "$tmp/run.json" >&2; exit 1; }
echo "$N instances, one answer of $bytes bytes, $R runs (medians):"
echo "  curl, the two GETs:         ${c} s"
echo "  conform run, one case:      ${w} s wall, ${u} s CPU"
echo "  ratio conform / curl:       ${ratio}x (target: at most 3x, aiming at 2x)"
