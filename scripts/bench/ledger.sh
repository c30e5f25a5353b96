#!/usr/bin/env bash
# Benchmark of `trk ledger import` against the raw speed of SQLite on this machine: the same
# fixes imported by trk (natural-key dedup, hash chain, positions, synchronous=FULL) and by
# the sqlite3 shell's .import into a bare table with the (asset, time) index
# (../shared/bench/sql/ingest_index_before.sql) and without it. Then the same input again
# (every record a duplicate), and `trk where` over every asset.
#
# Input: ../shared/bench/gen_nmea.py --jsonl/--csv (FIXES fixes of ASSETS assets). Each
# import runs RUNS times (default 3) into a fresh file; the median counts.
#   scripts/bench/ledger.sh [FIXES] [ASSETS]
# Targets (issue 4): trk >= 75% of the indexed raw rate; the repeated import at least as
# fast; `trk where` over 10,000 assets under 100 ms.
set -euo pipefail
cd "$(dirname "$0")/../.."
fixes=${1:-2000000}
assets=${2:-10000}
runs=${RUNS:-3}
shared=${TRK_SHARED:-../shared}
[ -f "$shared/bench/gen_nmea.py" ] || { echo "ledger.sh: $shared/bench/gen_nmea.py not found" >&2; exit 66; }

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench
base=$work/fixes-$fixes-$assets
if [ ! -s "$base.jsonl" ] || [ ! -s "$base.csv" ]; then
  echo "generating $base.{jsonl,csv} ($fixes fixes, $assets assets)..." >&2
  /usr/bin/python3 "$shared/bench/gen_nmea.py" --assets "$assets" --fixes "$fixes" --jsonl "$base.raw.jsonl" \
    --csv "$base.csv" >/dev/null
  # The generator writes bare fixes; records carry their type.
  sed 's/^{/{"type":"fix",/' "$base.raw.jsonl" >"$base.jsonl"
  rm -f "$base.raw.jsonl"
fi
rows=$(($(wc -l <"$base.csv") - 1))


db=$work/bench-ledger.db
fresh() { rm -f "$db" "$db-wal" "$db-shm"; }
sqlite_import() {  # $1: with or without the index
  fresh
  local index=""
  [ "$1" = with ] && index="CREATE INDEX fixes_asset_time ON fixes(asset, time);"
  sqlite3 "$db" "PRAGMA journal_mode = WAL;" \
    "CREATE TABLE fixes(asset TEXT NOT NULL, time TEXT NOT NULL, lat REAL, lon REAL, speed REAL, course REAL);" \
    "$index" ".import --csv --skip 1 $base.csv fixes" >/dev/null
}
trk_import() {
  fresh
  "$trk" ledger init --ledger "$db" 2>/dev/null
  "$trk" ledger import --ledger "$db" "$base.jsonl"
}
export -f fresh sqlite_import trk_import
export db base trk

echo "$rows fixes of $assets assets; $runs runs each, median" >&2
read -r raw_s _ < <(median_of bash -c 'sqlite_import with')
read -r bare_s _ < <(median_of bash -c 'sqlite_import without')
read -r trk_s trk_kb < <(median_of bash -c 'trk_import')
# The ledger of the last run is full: importing the same input again stores nothing.
read -r dup_s _ < <(median_of "$trk" ledger import --ledger "$db" "$base.jsonl")
# milliseconds of one run of "$@" (finer than /usr/bin/time's hundredths)
ms_of() {
  local start
  start=$(date +%s%N)
  "$@" >/dev/null
  echo $((($(date +%s%N) - start) / 1000000))
}
where_ms=$(for _ in $(seq "$runs"); do ms_of "$trk" where --ledger "$db" --format jsonl; done | sort -n | awk -v n="$runs" '{ v[NR] = $1 } END { print v[int((n + 1) / 2)] }')
positions=$("$trk" where --ledger "$db" --format jsonl | wc -l)
verify_s=$( { /usr/bin/time -f "%e" "$trk" ledger verify --ledger "$db" >/dev/null; } 2>&1 )

awk -v rows="$rows" -v raw="$raw_s" -v bare="$bare_s" -v ts="$trk_s" -v tk="$trk_kb" -v ds="$dup_s" \
    -v wms="$where_ms" -v pos="$positions" -v vs="$verify_s" 'BEGIN {
  printf "%-52s %9s %12s\n", "import", "seconds", "rows/s"
  printf "%-52s %9.2f %12.0f\n", "sqlite3 .import, bare table + (asset, time) index", raw, rows / raw
  printf "%-52s %9.2f %12.0f\n", "sqlite3 .import, bare table, no index", bare, rows / bare
  printf "%-52s %9.2f %12.0f   (peak RSS %.1f MB)\n", "trk ledger import (dedup, hash chain, positions)", ts, rows / ts, tk / 1024
  printf "%-52s %9.2f %12.0f\n", "trk ledger import, same input again (all duplicates)", ds, rows / ds
  printf "trk / indexed raw rate: %.0f%% (target >= 75%%); repeat / first: %.2fx (target >= 1)\n", 100 * raw / ts, ts / ds
  printf "trk where over %d assets: %d ms (target < 100 ms); trk ledger verify: %.2f s\n", pos, wms, vs
  ok = (raw / ts >= 0.75) && (ds <= ts) && (wms < 100)
  print (ok ? "targets met" : "TARGETS MISSED")
  exit (ok ? 0 : 1)
}'
