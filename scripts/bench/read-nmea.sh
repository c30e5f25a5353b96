#!/usr/bin/env bash
# Benchmark of `trk read nmea` against gpsbabel and gpsdecode, side by side on the same file
# in one run, plus trk's peak memory on that file and on a 10x larger stream.
#
# The input is a single-receiver log of about 2 million sentences from
# ../shared/bench/gen_nmea.py (--assets 1: a log mixing receivers is not valid input for
# any epoch-merging reader). Each tool runs RUNS times (default 3); the median counts.
#   scripts/bench/read-nmea.sh [SENTENCES]
# Targets (issue 2): trk >= 10x gpsbabel and >= 20x gpsdecode in throughput; peak RSS < 32 MB
# on both inputs.
set -euo pipefail
cd "$(dirname "$0")/../.."
sentences=${1:-2000000}
runs=${RUNS:-3}
shared=${TRK_SHARED:-../shared}
[ -f "$shared/bench/gen_nmea.py" ] || { echo "read-nmea.sh: $shared/bench/gen_nmea.py not found" >&2; exit 66; }

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench
log=$work/single-receiver-$sentences.nmea
if [ ! -s "$log" ]; then
  echo "generating $log ($sentences sentences)..." >&2
  /usr/bin/python3 "$shared/bench/gen_nmea.py" --assets 1 --sentences "$sentences" --nmea "$log" 2>/dev/null
fi
bytes=$(stat -c %s "$log")
lines=$(wc -l <"$log")


echo "input: $log: $bytes bytes, $lines lines; $runs runs each, median" >&2
read -r trk_s trk_kb < <(median_of "$trk" read nmea "$log")
read -r babel_s babel_kb < <(median_of env TZ=UTC gpsbabel -t -i nmea -f "$log" -o unicsv -F /dev/null)
read -r gpsd_s gpsd_kb < <(median_of sh -c 'exec gpsdecode -j <"$1"' gpsdecode "$log")

# 10x the input, streamed through a pipe (no 1.5 GB file needed): memory must not grow.
read -r _ big_kb < <(measure sh -c 'for i in 1 2 3 4 5 6 7 8 9 10; do cat "$1"; done | "$2" read nmea' x "$log" "$trk")

awk -v bytes="$bytes" -v lines="$lines" \
    -v ts="$trk_s" -v tk="$trk_kb" -v bs="$babel_s" -v bk="$babel_kb" -v gs="$gpsd_s" -v gk="$gpsd_kb" \
    -v big="$big_kb" 'BEGIN {
  mb = bytes / 1e6
  printf "%-34s %9s %10s %14s %11s\n", "tool", "seconds", "MB/s", "sentences/s", "peak RSS"
  printf "%-34s %9.2f %10.1f %14.0f %8.1f MB\n", "trk read nmea", ts, mb / ts, lines / ts, tk / 1024
  printf "%-34s %9.2f %10.1f %14.0f %8.1f MB\n", "TZ=UTC gpsbabel -i nmea -o unicsv", bs, mb / bs, lines / bs, bk / 1024
  printf "%-34s %9.2f %10.1f %14.0f %8.1f MB\n", "gpsdecode -j", gs, mb / gs, lines / gs, gk / 1024
  printf "trk / gpsbabel: %.1fx (target 10x)   trk / gpsdecode: %.1fx (target 20x)\n", bs / ts, gs / ts
  printf "trk peak RSS on 10x the input (%.0f MB, streamed): %.1f MB (target < 32 MB)\n", 10 * mb, big / 1024
  ok = (bs / ts >= 10) && (gs / ts >= 20) && (tk / 1024 < 32) && (big / 1024 < 32)
  print (ok ? "targets met" : "TARGETS MISSED")
  exit (ok ? 0 : 1)
}'
