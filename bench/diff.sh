#!/usr/bin/env bash
# `conform diff` of two mocks serving the same generated account of N instances (issue 27:
# 10,000 with the default budget in a few seconds): the left side is `conform mock --data
# FILE` as its own process, the right side the in-process mock serving the same file
# (`--mock-data FILE`). Prints, per contract, the questions asked, the divergences (0
# expected: the same service and the same data) and the wall time and peak RSS of the diff.
#
#   bench/diff.sh              # 10,000 instances
#   N=100000 bench/diff.sh
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-10000}
# shellcheck source=bench/common.sh
source bench/common.sh
export DIFF_BENCH_TOKEN="bench-$$-$RANDOM"
"$bin" mock --generate "$N" --print-data >"$tmp/data.json"
serve_mock "$tmp/data.json" DIFF_BENCH_TOKEN
for contract in v1.0 v2; do
    /usr/bin/time -f '%e %M' -o "$tmp/time" env NO_COLOR=1 CONFORM_TOKEN="$DIFF_BENCH_TOKEN" \
        "$bin" diff --contract "$contract" --target "$base" --project-id "$MAIN" \
        --other-project-id "$OTHER" --auth token --mock-data "$tmp/data.json" \
        --format json >"$tmp/out.json" 2>"$tmp/err" || true
    read -r secs kib <"$tmp/time"
    python3 - "$tmp/out.json" "$contract" "$N" "$secs" "$kib" <<'PY'
import json, sys
path, contract, n, secs, kib = sys.argv[1:]
for line in open(path):
    e = json.loads(line)
    if e["event"] == "diff-finished":
        d = e["divergences"]
        print("%s, %s instances: %d questions (%d generated), %d divergences, %s s, peak RSS %d MiB"
              % (contract, n, e["questions"], e["generated"], sum(d.values()), secs, int(kib) // 1024))
PY
done

# Every fault of the catalogue against the faithful mock (issue 27: every breaking fault
# gives at least one divergence naming its rule): per contract, the contract divergences
# and whether one names the fault's rule, else the readings (a fault the contract
# tolerates there). The cases are asked first, the generated questions when they miss.
echo
echo "== conform diff --mock-fault F, every fault of the catalogue"
"$bin" mock --list-faults | awk 'NR > 1 && $4 != "additive" {print $1, $2, $3}' >"$tmp/faults"
named=0
total=0
while read -r fault r1 r2; do
    for contract in v1.0 v2; do
        rule=$r1
        [ "$contract" = v2 ] && rule=$r2
        [ "$rule" = "-" ] && continue
        line=""
        for explore in 0 400; do
            NO_COLOR=1 "$bin" diff --contract "$contract" --mock-fault "$fault" --explore "$explore" \
                --format json >"$tmp/f.json" 2>/dev/null || true
            line=$(python3 - "$tmp/f.json" "$rule" <<'PY'
import json, sys
path, rule = sys.argv[1:]
c = n = r = 0
for l in open(path):
    e = json.loads(l)
    if e["event"] != "divergence":
        continue
    if e["kind"] == "contract":
        c += 1
        n += rule in e["rules"]
    elif e["kind"] == "reading":
        r += 1
print("%d contract divergences (%d naming %s), %d readings" % (c, n, rule, r))
PY
)
            case $line in 0\ contract*) ;; *) break ;; esac
        done
        total=$((total + 1))
        case $line in *"(0 naming"*) ;; *) named=$((named + 1)) ;; esac
        printf '%-32s %-5s %s\n' "$fault" "$contract" "$line"
    done
done <"$tmp/faults"
echo "$named of $total fault/contract pairs diverge under the fault's rule (the others: tolerated there, moving-only, signed-only or named under the request's rule)"
