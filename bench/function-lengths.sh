#!/usr/bin/env bash
# The production functions over 100 lines, longest first, and how many are over 100 and
# over 150 (issue 26's targets: at most five over 100, none over 150). Lines are counted
# as clippy's `too_many_lines` counts them: code lines, not blank lines or comments;
# tests are not production code and are left out.
#
#   bench/function-lengths.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# A fresh lint run: clippy does not repeat warnings of a crate it has already checked.
touch src/lib.rs src/main.rs
out=$(cargo clippy --locked --lib --bins --message-format=short -- \
    -A clippy::all -W clippy::too_many_lines 2>&1 || true)
lines=$(printf '%s\n' "$out" |
    sed -n 's/^\(src[^ ]*\): warning: this function has too many lines (\([0-9]*\)\/100)$/\2 \1/p' |
    sort -rn | uniq)
if [ -z "$lines" ]; then
    echo "no production function over 100 lines"
    exit 0
fi
printf '%s\n' "$lines" | awk '{printf "%5d  %s\n", $1, $2}'
over100=$(printf '%s\n' "$lines" | wc -l)
over150=$(printf '%s\n' "$lines" | awk '$1 > 150' | wc -l)
echo "over 100 lines: $over100 (target: at most 5); over 150: $over150 (target: 0)"
