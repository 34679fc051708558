#!/usr/bin/env bash
# How the shipped suite's cost grows with the account: generated data sets of 1,000,
# 10,000 and 100,000 instances (`conform mock --generate N`), each served by `conform mock
# --data FILE` as its own process, and `conform run --snapshots off` against it (the
# shipped cases, default options). Prints, per size, the wall time and peak RSS of
# `conform run`, the mock's peak RSS, and the account's JSON (the unfiltered list answer,
# compact, as the target sends it). Then the same run with the mock in-process
# (`conform run --mock-data FILE`), as a user would start it.
#
# Snapshots are off: the committed snapshots are taken against the built-in data, and a
# snapshot of a generated account's answers would hold the whole account per case.
#
# Targets (issue 16): at 100,000 instances the suite under 30 s, the 100k/10k time ratio
# at most 12, peak RSS of `conform run` at most 3x the account's JSON.
#
#   bench/scale.sh                 # 1000 10000 100000
#   SIZES="1000 10000" bench/scale.sh
#   CONTRACT=v2 bench/scale.sh     # the v2 list's suite (cases/v2) instead; its account
#                                  # JSON is the sum of its pages of 1,000, every
#                                  # instance included (failed and deleted)
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${SIZES:-"1000 10000 100000"}
CONTRACT=${CONTRACT:-v1.0}
contract_args=(--contract v1.0)
if [ "$CONTRACT" = v2 ]; then
    contract_args=(--contract schemas/v2/list-instances.contract.toml --cases cases/v2)
fi
# shellcheck source=bench/common.sh
source bench/common.sh

# Wall seconds and peak RSS (KiB) of a command, from GNU time; its exit code is kept.
measure() {
    local out=$1
    shift
    /usr/bin/time -f '%e %M' -o "$out" "$@" >"$tmp/run.out" 2>"$tmp/run.err" || {
        local code=$?
        echo "exit $code: $*" >&2
        tail -n 5 "$tmp/run.out" "$tmp/run.err" >&2
        return $code
    }
}

export DCS_TOKEN="bench-$$-$RANDOM"
rows=()
for n in $SIZES; do
    data="$tmp/data-$n.json"
    "$bin" mock --generate "$n" --print-data >"$data"

    # The mock as its own process; its peak RSS from /proc when it stops.
    serve_mock "$data" DCS_TOKEN
    if [ "$CONTRACT" = v2 ]; then
        json=0
        for ((offset = 0; offset < n; offset += 1000)); do
            page=$(curl -fsS -H "X-Auth-Token: $DCS_TOKEN" \
                "$base/v2/$MAIN/instances?include_failure=true&include_delete=true&limit=1000&offset=$offset" | wc -c)
            json=$((json + page))
        done
    else
        json=$(curl -fsS -H "X-Auth-Token: $DCS_TOKEN" "$base/v1.0/$MAIN/instances?includeFailure=true" | wc -c)
    fi
    measure "$tmp/sep.time" env CI=1 NO_COLOR=1 "$bin" run --target "$base" --project-id "$MAIN" \
        --other-project-id "$OTHER" --token-env DCS_TOKEN --snapshots off "${contract_args[@]}"
    tail -2 "$tmp/run.out" | head -1 >&2
    mock_kib=$(awk '/VmHWM/ {print $2}' "/proc/$mock_pid/status")
    kill "$mock_pid"
    wait "$mock_pid" 2>/dev/null || true
    mock_pid=""

    measure "$tmp/in.time" env CI=1 NO_COLOR=1 "$bin" run --mock-data "$data" --snapshots off "${contract_args[@]}"
    read -r sep_s sep_kib <"$tmp/sep.time"
    read -r in_s in_kib <"$tmp/in.time"
    rows+=("$n $json $sep_s $sep_kib $mock_kib $in_s $in_kib")
done

echo
echo "$(date -u +%Y-%m-%d), $(nproc) cores; conform run --snapshots off, shipped cases ($CONTRACT)"
printf '%s\n' "${rows[@]}" | awk '
    function mib(k) { return sprintf("%.0f MiB", k / 1024) }
    BEGIN {
        printf "| instances | account JSON | conform run (mock apart) | peak RSS | RSS / JSON | mock peak RSS | conform run --mock-data | its peak RSS |\n"
        printf "|---:|---:|---:|---:|---:|---:|---:|---:|\n"
    }
    {
        n[NR] = $1; t[NR] = $3
        printf "| %d | %.1f MB | %.1f s | %s | %.1fx | %s | %.1f s | %s |\n",
            $1, $2 / 1e6, $3, mib($4), $4 * 1024 / $2, mib($5), $6, mib($7)
        if ($1 == 100000) { big = NR; ratio_mem = $4 * 1024 / $2 }
        if ($1 == 10000) { mid = NR }
    }
    END {
        if (big && mid) {
            printf "\n100k/10k time ratio: %.1f (target <= 12); 100k suite: %.1f s (target < 30 s); RSS %.1fx JSON (target <= 3x)\n",
                t[big] / t[mid], t[big], ratio_mem
        }
    }'
