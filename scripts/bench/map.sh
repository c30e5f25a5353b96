#!/usr/bin/env bash
# Benchmark of `trk map` (issue 20) on 10,000 fences and 1 million fixes of 1,000 assets from
# ../shared/bench/gen_fences.py and gen_nmea.py: its wall time, peak RSS and file size, beside
# `trk export --format geojson --lines` on the same fixes (the nearest document writer trk
# had), then headless Chromium's time to open the page and draw a first screenshot
# (tests/support/browser.py), to show one wheel zoom tick and to draw the map anew after it, and
# whether the page logged errors.
#   scripts/bench/map.sh [FIXES]
# Target (issue 20): written in under a few seconds, opens without freezing.
set -euo pipefail
cd "$(dirname "$0")/../.."
fixes=${1:-1000000}
shared=${TRK_SHARED:-../shared}
[ -f "$shared/bench/gen_fences.py" ] || { echo "map.sh: $shared/bench/gen_fences.py not found" >&2; exit 66; }

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench
runs=${RUNS:-1}
[ -x /usr/lib/chromium/chromium ] || [ -x /usr/bin/chromium ] ||
  { echo "map.sh: chromium not found (scripts/install-deps.sh installs it)" >&2; exit 69; }

points=$work/map-points-$fixes.jsonl
if [ ! -s "$points" ]; then
  echo "generating $fixes fixes of 1000 assets..." >&2
  /usr/bin/python3 "$shared/bench/gen_nmea.py" --assets 1000 --fixes "$fixes" --jsonl "$points.raw" 2>/dev/null
  sed 's/^{/{"type":"fix",/' "$points.raw" >"$points"
  rm -f "$points.raw"
fi
fences=$work/fences-10000.geojson
[ -s "$fences" ] || /usr/bin/python3 "$shared/bench/gen_fences.py" -m 10000 -o "$fences" >/dev/null
html=$work/map.html
geojson=$work/map-lines.geojson
now=$(tail -n 1 "$points" | sed 's/.*"time":"\([^"]*\)".*/\1/')  # ages counted from the last fix

# No ledger: the map of the generated input alone, whatever the machine's default ledger holds.
mkdir -p "$work/home"
read -r map_s map_kb < <(median_of env -u TRK_LEDGER -u XDG_DATA_HOME HOME="$work/home" \
  "$trk" map --fences "$fences" --now "$now" -o "$html" "$points")
read -r export_s export_kb < <(median_of "$trk" export --format geojson --lines -o "$geojson" "$points")
map_bytes=$(stat -c %s "$html")
export_bytes=$(stat -c %s "$geojson")
read -r browser_s zoom_ms settled_ms browser_errors < <(/usr/bin/python3 tests/support/browser.py load "$html" --size 1200x800 \
  --timeout 120 2>"$work/browser.err" || true)
[ -n "${browser_s:-}" ] || { browser_s=-; zoom_ms=-; settled_ms=-; browser_errors="the browser failed: $(tail -c 300 "$work/browser.err")"; }

echo "input: $fixes fixes of 1000 assets, 10000 fences ($(stat -c %s "$points") + $(stat -c %s "$fences") bytes);" \
  "$runs run(s), median" >&2
printf '%-52s %9s %10s %10s\n' "" seconds "peak RSS" "file"
awk -v ms="$map_s" -v mk="$map_kb" -v mb="$map_bytes" -v es="$export_s" -v ek="$export_kb" -v eb="$export_bytes" 'BEGIN {
  printf "%-52s %9.2f %7.1f MB %7.1f MB\n", "trk map (HTML: fences, tracks, latest positions)", ms, mk / 1024, mb / 1048576
  printf "%-52s %9.2f %7.1f MB %7.1f MB\n", "trk export --format geojson --lines (same fixes)", es, ek / 1024, eb / 1048576
}'
printf '%-52s %9s\n' "Chromium: open the page, first screenshot" "$browser_s"
printf '%-52s %9s\n' "Chromium: one wheel zoom tick shown (ms)" "$zoom_ms"
printf '%-52s %9s\n' "Chromium: ...and the map drawn anew after it (ms)" "$settled_ms"
printf '%-52s %9s\n' "Chromium: errors logged" "$browser_errors"
[ -s "$work/browser.err" ] && cat "$work/browser.err" >&2
exit 0
