#!/usr/bin/env bash
# Benchmark of `trk ledger push` against the raw speed of PostgreSQL's COPY on this machine:
# FIXES fixes of ASSETS assets are imported into a site ledger (`trk ledger import`), then a
# private PostgreSQL 15 + PostGIS (initdb in a temporary folder, Unix socket; as `nobody`
# when root) receives them twice, each time into an empty server just checkpointed:
#   - psql's \copy of the same rows as CSV (exported from the site ledger with sqlite3: the
#     columns push sends) into a table made LIKE trk.records INCLUDING ALL (the same
#     columns, generated PostGIS geometry, primary and unique keys and indexes);
#   - `trk ledger push --to URL --site bench` into a central ledger (`trk ledger init
#     --central`): the COPY, the chain check, each asset's position, the high-water mark.
# Then a second push of the same ledger (nothing new), and `trk where` and `trk history` of
# one asset on the central ledger holding every record. Also the central table's bytes per
# record (pg_total_relation_size), for docs/central.md's estimate.
#
# The server is durable as a production one would be: fsync, synchronous_commit and
# full_page_writes on (FSYNC=off turns the three off, for both sides alike); 256 MB of
# shared buffers and max_wal_size 4 GB, so that no checkpoint falls inside a measurement.
#   scripts/bench/push.sh [FIXES] [ASSETS]
# Targets (issue 18): trk >= 80% of \copy's rows/s; the second push under 1 s.
set -euo pipefail
cd "$(dirname "$0")/../.."
fixes=${1:-2000000}
assets=${2:-10000}
fsync=${FSYNC:-on}
shared=${TRK_SHARED:-../shared}
pg=/usr/lib/postgresql/15/bin
[ -f "$shared/bench/gen_nmea.py" ] || { echo "push.sh: $shared/bench/gen_nmea.py not found" >&2; exit 66; }

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench

# The input, kept in $work between runs (as ledger.sh keeps it; written under a temporary
# name first, so that a run stopped half-way leaves no truncated input behind).
base=$work/fixes-$fixes-$assets
if [ ! -s "$base.jsonl" ]; then
  echo "generating $base.jsonl ($fixes fixes, $assets assets)..." >&2
  /usr/bin/python3 "$shared/bench/gen_nmea.py" --assets "$assets" --fixes "$fixes" --jsonl "$base.raw.$$" >/dev/null
  # The generator writes bare fixes; records carry their type.
  sed 's/^{/{"type":"fix",/' "$base.raw.$$" >"$base.jsonl.$$"
  rm -f "$base.raw.$$"
  mv "$base.jsonl.$$" "$base.jsonl"
fi

# Everything else of this run lives in its own folder, removed at the end with the server.
run=$(mktemp -d "$work/push.XXXXXX")
chmod 755 "$run"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  as_pg=(runuser -u nobody --)  # PostgreSQL refuses to run as root
  chown nobody "$run"
fi
stop_server() {
  if [ -f "$run/data/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg/pg_ctl" -D "$run/data" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  rm -rf "$run"
}
trap stop_server EXIT

site_db=$run/site.db
echo "importing $fixes fixes into a site ledger..." >&2
"$trk" ledger init --ledger "$site_db" --site bench 2>/dev/null
"$trk" ledger import --ledger "$site_db" "$base.jsonl"
rows=$(sqlite3 "$site_db" "SELECT count(*) FROM records")

# The rows push sends, as the CSV \copy reads (bytea as \x hex; fixes' lat/lon from the JSON).
csv=$run/records.csv
sqlite3 -csv "$site_db" "SELECT 'bench', seq, '\\x' || lower(hex(key)), type, time, asset, subject, json,
  '\\x' || lower(hex(hash)), json_extract(json, '\$.lat'), json_extract(json, '\$.lon') FROM records ORDER BY seq" >"$csv"

echo "starting PostgreSQL (fsync $fsync)..." >&2
port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
"${as_pg[@]}" "$pg/initdb" -D "$run/data" -U postgres --auth=trust -E UTF8 --locale=C.UTF-8 --no-sync >/dev/null
cat >>"$run/data/postgresql.conf" <<EOF
listen_addresses = ''
port = $port
unix_socket_directories = '$run'
fsync = $fsync
synchronous_commit = $fsync
full_page_writes = $fsync
shared_buffers = 256MB
max_wal_size = 4GB
checkpoint_timeout = 30min
log_min_messages = warning
EOF
"${as_pg[@]}" "$pg/pg_ctl" -D "$run/data" -l "$run/server.log" -w -t 60 start >/dev/null
sql() { psql -X -q -A -t -v ON_ERROR_STOP=1 -h "$run" -p "$port" -U postgres -d trk "$@"; }
psql -X -q -h "$run" -p "$port" -U postgres -d postgres -c "CREATE DATABASE trk"
url="postgresql:///trk?host=$run&port=$port&user=postgres"
"$trk" ledger init --central --ledger "$url" >/dev/null

# One run of each (a push needs an empty central ledger). measure gives "SECONDS KB", and
# stops the script when the command fails (an assignment, so that set -e sees it).

# (b) \copy into a table like trk.records, in a schema of its own; dropped after it is measured.
sql -c "CREATE SCHEMA raw" -c "CREATE TABLE raw.records (LIKE trk.records INCLUDING ALL)" -c "CHECKPOINT"
copy=$(measure psql -X -q -v ON_ERROR_STOP=1 -h "$run" -p "$port" -U postgres -d trk \
  -c "\\copy raw.records (site, seq, key, type, time, asset, subject, json, hash, lat, lon) FROM '$csv' WITH (FORMAT csv)")
read -r copy_s _ <<<"$copy"
copied=$(sql -c "SELECT count(*) FROM raw.records")
[ "$copied" -eq "$rows" ] || { echo "push.sh: \\copy stored $copied rows of $rows" >&2; exit 1; }
sql -c "DROP SCHEMA raw CASCADE" -c "CHECKPOINT"

# (a) the push, into the empty central ledger.
first=$(measure "$trk" ledger push --ledger "$site_db" --to "$url" --site bench)
read -r push_s push_kb <<<"$first"
pushed=$(sql -c "SELECT count(*) FROM trk.records WHERE site = 'bench'")
[ "$pushed" -eq "$rows" ] || { echo "push.sh: the push stored $pushed rows of $rows" >&2; exit 1; }

# (c) the same ledger again: nothing new.
again=$(measure "$trk" ledger push --ledger "$site_db" --to "$url" --site bench)
read -r again_s _ <<<"$again"

# (d) reports on the central ledger holding every record: milliseconds, median of 3.
ms_of() {
  local start
  start=$(date +%s%N)
  "$@" >/dev/null
  echo $((($(date +%s%N) - start) / 1000000))
}
median_ms() { for _ in 1 2 3; do ms_of "$@"; done | sort -n | awk 'NR == 2'; }
asset=$(sql -c "SELECT asset FROM trk.positions ORDER BY asset LIMIT 1")
sql -c "VACUUM ANALYZE trk.records" -c "VACUUM ANALYZE trk.positions"
where_ms=$(median_ms "$trk" where --ledger "$url" --format jsonl)
positions=$("$trk" where --ledger "$url" --format jsonl | wc -l)
history_ms=$(median_ms "$trk" history "$asset" --ledger "$url")
history_rows=$("$trk" history "$asset" --ledger "$url" | wc -l)
local_where_ms=$(median_ms "$trk" where --ledger "$site_db" --format jsonl)
local_history_ms=$(median_ms "$trk" history "$asset" --ledger "$site_db")

# Bytes per record of the central records table: heap (with TOAST) and indexes.
read -r heap_b index_b total_b < <(sql -F ' ' -c "SELECT pg_table_size('trk.records'),
  pg_indexes_size('trk.records'), pg_total_relation_size('trk.records')")

awk -v rows="$rows" -v cs="$copy_s" -v ps="$push_s" -v pk="$push_kb" -v as="$again_s" -v fs="$fsync" \
    -v wms="$where_ms" -v pos="$positions" -v hms="$history_ms" -v hr="$history_rows" -v asset="$asset" \
    -v lw="$local_where_ms" -v lh="$local_history_ms" -v hb="$heap_b" -v ib="$index_b" -v tb="$total_b" 'BEGIN {
  printf "%d records of one site; PostgreSQL 15 + PostGIS, fsync %s, one run each\n", rows, fs
  printf "%-56s %9s %12s\n", "into a table like trk.records", "seconds", "rows/s"
  printf "%-56s %9.2f %12.0f\n", "psql \\copy of the same rows as CSV", cs, rows / cs
  printf "%-56s %9.2f %12.0f   (peak RSS %.1f MB)\n", "trk ledger push --to URL (chain check, positions)", ps, rows / ps, pk / 1024
  printf "%-56s %9.2f\n", "trk ledger push again (nothing new)", as
  printf "trk / \\copy rate: %.0f%% (target >= 80%%); second push %.2f s (target < 1 s)\n", 100 * cs / ps, as
  printf "on the central ledger: trk where (%d assets) %d ms, trk history %s (%d records) %d ms\n", pos, wms, asset, hr, hms
  printf "on the site ledger:    trk where %d ms, trk history %d ms\n", lw, lh
  printf "trk.records: %.0f bytes/record (table %.0f, indexes %.0f); %.2f GB in all\n", tb / rows, hb / rows, ib / rows, tb / 1e9
  ok = (cs / ps >= 0.8) && (as < 1)
  print (ok ? "targets met" : "TARGETS MISSED")
  exit (ok ? 0 : 1)
}'
