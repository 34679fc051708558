#!/usr/bin/env bash
# Benchmark: wall time of the test command (`cargo test --locked`) on a clean checkout,
# for one or more commits, one after the other: a fresh clone and an empty target
# folder each time (crates come from the local registry cache, as on CI's machine).
#
#   bash bench/test-time.sh                      # this checkout's HEAD
#   bash bench/test-time.sh c974544 HEAD         # two commits, to compare
#
# Prints, per commit: the number of test binaries built, the tests run, and the wall
# time of the whole command (build included). With BUILD_ONLY=1, only the build of the
# test binaries is timed (`cargo test --locked --no-run`). Run it on a quiet machine.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
[ $# -gt 0 ] || set -- HEAD
for rev in "$@"; do
  commit=$(git rev-parse --short "$rev")
  work=$(mktemp -d)
  git clone --quiet "$repo" "$work/conform"
  git -C "$work/conform" checkout --quiet "$commit"
  cp -r ../shared "$work/shared" 2>/dev/null || true
  extra=()
  [ "${BUILD_ONLY:-0}" = 1 ] && extra=(--no-run)
  start=$(date +%s)
  (cd "$work/conform" && CI=true cargo test --locked "${extra[@]}" >"$work/log" 2>&1) || {
    echo "$commit: cargo test failed (log: $work/log)"; continue; }
  end=$(date +%s)
  if [ "${BUILD_ONLY:-0}" = 1 ]; then
    binaries=$(grep -c 'Executable ' "$work/log" || true)
    echo "$commit: $((end - start)) s wall for cargo test --locked --no-run, $binaries test executables built"
    rm -rf "$work"
    continue
  fi
  binaries=$(grep -c '^     Running ' "$work/log" || true)
  passed=$(grep -o '[0-9]* passed' "$work/log" | awk '{s+=$1} END {print s}')
  echo "$commit: $((end - start)) s wall for cargo test --locked (build included), $binaries test binaries run, $passed tests passed"
  rm -rf "$work"
done
