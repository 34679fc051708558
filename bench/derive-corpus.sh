#!/usr/bin/env bash
# Benchmark: `conform derive` over every GET page and revision of the shared vendor
# corpus (../shared/vendor-docs beside the repository, or CORPUS=DIR), release build;
# prints pages per second. Pages that cannot be derived are timed too (they fail fast
# with a located error) and counted apart. CONFORM=path/to/conform skips the build;
# ROUNDS=n (default 5) derives the corpus n times.
set -euo pipefail
cd "$(dirname "$0")/.."
corpus="${CORPUS:-../shared/vendor-docs}"
[ -d "$corpus/reference" ] || { echo "no corpus at $corpus (set CORPUS=DIR)" >&2; exit 2; }
if [ -z "${CONFORM:-}" ]; then
  cargo build --release --locked --quiet
  CONFORM=target/release/conform
fi
rounds="${ROUNDS:-5}"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
# The GET pages, told as the corpus test tells them (tests/library/derive_corpus.rs): a
# page with a `## …URI…` heading by the first request line under it; a page without one
# (a walkthrough) by any of its request lines being a GET. A request line starts with the
# method, or with a short label and a full-width colon (`URI格式：GET /v2/…`).
get_page() {
  awk '
    function method(line,   m) {
      sub(/^[[:space:]]+/, "", line)
      if (line !~ /^(GET|POST|PUT|DELETE|PATCH|HEAD)[[:space:]]/ && index(line, "：") > 0) {
        label = substr(line, 1, index(line, "：") - 1)
        if (label == "" || label ~ /[ \/]/ || length(label) > 48) return ""
        line = substr(line, index(line, "：") + length("："))
        sub(/^[[:space:]]+/, "", line)
      }
      if (match(line, /^(GET|POST|PUT|DELETE|PATCH|HEAD)[[:space:]]+(\/|http)/)) {
        split(line, m, /[[:space:]]/); return m[1]
      }
      return ""
    }
    /^## / && /URI/ && !uri { uri = 1; next }
    { k = method($0) }
    uri && k != "" { print (k == "GET") ? "yes" : "no"; found = 1; exit }
    !uri && k == "GET" { any = 1 }
    END { if (!found) print (uri ? "no" : (any ? "yes" : "no")) }
  ' "$1"
}
pages=()
while IFS= read -r -d '' f; do
  [ "$(get_page "$f")" = yes ] && pages+=("$f")
done < <(find "$corpus/reference" "$corpus/revisions" -name '*.md' -print0 | sort -z)
ok=0; failed=0
for f in "${pages[@]}"; do
  if "$CONFORM" derive "$f" --out "$out" --no-overlay >/dev/null 2>&1; then ok=$((ok + 1)); else failed=$((failed + 1)); fi
done
echo "${#pages[@]} GET pages: $ok derive, $failed refused"
start=$(date +%s%N)
for _ in $(seq "$rounds"); do
  for f in "${pages[@]}"; do
    "$CONFORM" derive "$f" --out "$out" --no-overlay >/dev/null 2>&1 || true
  done
done
end=$(date +%s%N)
ms=$(( (end - start) / 1000000 ))
total=$(( ${#pages[@]} * rounds ))
echo "$total derivations in $ms ms: $(( total * 1000 / (ms > 0 ? ms : 1) )) pages/s (one process per page)"
