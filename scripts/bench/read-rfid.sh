#!/usr/bin/env bash
# Benchmark of RFID decoding: `trk epc decode` on 1 million EPCs, and `trk read rfid
# --format text` (deduplication on, 1 s window) on a 1 million-read capture, each pinned
# to one core; then trk's peak memory on 1x and 4x that capture with the same tags (it must
# follow the distinct tags in a window, not the input size), and on 4x the tags.
#
# Inputs come from scripts/bench/gen_rfid.py (deterministic). Each run is repeated RUNS
# times (default 3); the median counts.
#   scripts/bench/read-rfid.sh [EPCS] [READS] [TAGS]
# Targets (issue 3): >= 2 million EPCs/s decoded; >= 1 million reads/s read with dedup.
set -euo pipefail
cd "$(dirname "$0")/../.."
epcs=${1:-1000000}
reads=${2:-1000000}
tags=${3:-2000}
runs=${RUNS:-3}

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench
epc_file=$work/epcs-$epcs.txt
read_file=$work/reads-$reads-$tags.txt
big_file=$work/reads-$((4 * reads))-$tags.txt
wide_file=$work/reads-$((4 * reads))-$((4 * tags)).txt
gen() { [ -s "${*: -1}" ] || /usr/bin/python3 scripts/bench/gen_rfid.py "$@"; }
echo "generating inputs in $work..." >&2
gen epcs "$epcs" "$epc_file"
gen reads "$reads" "$tags" "$read_file"
gen reads $((4 * reads)) "$tags" "$big_file"
gen reads $((4 * reads)) $((4 * tags)) "$wide_file"

pin=(taskset -c 0)

records=$("$trk" read rfid "$read_file" | wc -l)
echo "$runs runs each, median, one core" >&2
read -r dec_s dec_kb < <(median_of "$trk" epc decode -i "$epc_file")
read -r uri_s _ < <(median_of "$trk" epc decode --format uri -i "$epc_file")
read -r rd_s rd_kb < <(median_of "$trk" read rfid "$read_file")
read -r _ big_kb < <(measure "$trk" read rfid "$big_file")
read -r _ wide_kb < <(measure "$trk" read rfid "$wide_file")

awk -v epcs="$epcs" -v reads="$reads" -v tags="$tags" -v records="$records" \
    -v ds="$dec_s" -v dk="$dec_kb" -v us="$uri_s" -v rs="$rd_s" -v rk="$rd_kb" -v bk="$big_kb" -v wk="$wide_kb" 'BEGIN {
  printf "%-48s %9s %14s %10s\n", "command", "seconds", "per second", "peak RSS"
  printf "%-48s %9.2f %10.2f M/s %7.1f MB\n", "trk epc decode (" epcs " EPCs, jsonl)", ds, epcs / ds / 1e6, dk / 1024
  printf "%-48s %9.2f %10.2f M/s\n", "trk epc decode --format uri", us, epcs / us / 1e6
  printf "%-48s %9.2f %10.2f M/s %7.1f MB\n", "trk read rfid (" reads " reads, " tags " tags)", rs, reads / rs / 1e6, rk / 1024
  printf "  %d raw reads became %d read records (1 s window)\n", reads, records
  printf "peak RSS, %d tags: 1x input %.1f MB, 4x input %.1f MB; %d tags, 4x input: %.1f MB\n", \
         tags, rk / 1024, bk / 1024, 4 * tags, wk / 1024
  ok = (epcs / ds >= 2e6) && (reads / rs >= 1e6) && (bk <= rk * 1.1 + 1024)
  print (ok ? "targets met (>= 2 M EPCs/s, >= 1 M reads/s, memory flat in input size)" : "TARGETS MISSED")
  exit (ok ? 0 : 1)
}'
