#!/usr/bin/env bash
# Renders the HTML report of a failing run in headless Chromium and saves a screenshot,
# so a change to the report's look can be checked by eye.
#
#   scripts/html-screenshot.sh [OUT_DIR]      (default: target/html-screenshot)
#
# Needs Debian's `chromium` (apt-get install -y chromium). Writes OUT_DIR/report.html
# (from `conform run --mock-fault limit-off-by-one`, which breaks C10) and
# OUT_DIR/report.png. Chromium runs with networking off to prove the file needs none.
set -euo pipefail
cd "$(dirname "$0")/.."
out="${1:-target/html-screenshot}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
cargo build --quiet
# Exit code 1 is expected: the fault breaks the contract.
./target/debug/conform run --mock-fault limit-off-by-one --color never \
    --html "$out/report.html" >/dev/null 2>&1 || [ $? -eq 1 ]
browser="$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)"
if [ -z "$browser" ]; then
    echo "no chromium found: install it (apt-get install -y chromium) to take the screenshot" >&2
    echo "report written to $out/report.html" >&2
    exit 0
fi
profile="$(mktemp -d)"
trap 'rm -rf "$profile"' EXIT
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$profile" --window-size="${WINDOW:-1280,1600}" \
    --screenshot="$out/report.png" "file://$out/report.html" >/dev/null 2>&1
echo "$out/report.png"
# The same report with the inline filters preselected through the URL (failures citing C10):
"$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run \
    --user-data-dir="$profile" --window-size="${WINDOW:-1280,1600}" \
    --screenshot="$out/report-filtered.png" "file://$out/report.html#verdict=fail,error&rule=C9" >/dev/null 2>&1
echo "$out/report-filtered.png"
