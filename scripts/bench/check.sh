#!/usr/bin/env bash
# Benchmark of `trk check`: READINGS readings (default 10 million) of 1,000 assets (reefers,
# crates, trackers: temperature, humidity, shock, battery, door) against 100 rules of every
# comparison kind (for, clear, severity, where by id glob, families that escalate), JSON
# Lines in and out, on one core (taskset -c 0).
#   scripts/bench/check.sh [READINGS]
# Then the trend case (issue 17): the same readings against 100 rules of which half are
# rate, zscore and forecast factors.
# Targets: comparisons (issue 6) at least 2 million records/s, trends (issue 17) at least
# 1 million; memory bounded by assets x rules (the same peak RSS at a tenth of the input).
set -euo pipefail
cd "$(dirname "$0")/../.."
readings=${1:-10000000}

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench
runs=${RUNS:-1}
pin=(taskset -c 0)

# Readings: each asset every 10 s, a random walk per metric, rounded as loggers do.
generate() {  # $1: count, $2: file
  echo "generating $1 readings..." >&2
  awk -v n="$1" 'BEGIN {
    srand(7); split("temperature humidity shock battery door", metrics, " ")
    t0 = 1795417200  # 2026-11-23T07:00:00Z
    for (a = 0; a < 1000; a++) { temp[a] = 4; hum[a] = 80; bat[a] = 100 }
    for (i = 0; i < n; i++) {
      a = i % 1000; m = metrics[int(i / 1000) % 5 + 1]; t = t0 + int(i / 1000) * 2
      if (m == "temperature") { temp[a] += rand() - 0.49; v = sprintf("%.1f", temp[a]) }
      else if (m == "humidity") { hum[a] += rand() * 2 - 1; v = sprintf("%.1f", hum[a]) }
      else if (m == "shock") { v = sprintf("%.2f", rand() < 0.01 ? 3 + rand() * 5 : rand()) }
      else if (m == "battery") { bat[a] -= rand() * 0.01; if (bat[a] < 5) bat[a] = 100; v = sprintf("%.1f", bat[a]) }
      else { v = rand() < 0.05 ? 1 : 0 }
      printf "{\"type\":\"reading\",\"time\":\"%s.000Z\",\"asset\":\"A-%04d\",\"metric\":\"%s\",\"value\":%s}\n",
        strftime("%Y-%m-%dT%H:%M:%S", t, 1), a, m, v
    }
  }' > "$2"
}
input=$work/check-readings-$readings.jsonl
small=$work/check-readings-$((readings / 10)).jsonl
[ -s "$input" ] || generate "$readings" "$input"
[ -s "$small" ] || generate $((readings / 10)) "$small"

# 100 rules: per metric and per asset group (ids A-0*, A-1*, ...), a warning and a critical
# level (a family), with for and clear; door and temperature together.
rules=$work/check-rules.txt
{
  for g in 0 1 2 3 4 5 6 7 8 9; do
    echo "warm-$g: temperature > $((6 + g % 3)) for 5m severity warning where id=A-$g*"
    echo "hot-$g: temperature > $((8 + g % 3)) for 2m clear < $((7 + g % 3)) severity critical where id=A-$g*"
    echo "cold-$g: temperature < -$((1 + g % 2)) for 10m severity major where id=A-$g*"
    echo "damp-$g: humidity > $((85 + g % 5)) for 15m clear < 80 where id=A-$g*"
    echo "dry-$g: humidity < $((70 - g % 5)) for 15m where id=A-$g*"
    echo "drop-$g: shock > $((4 + g % 3)) severity major where id=A-$g*"
    echo "bump-$g: shock > 2.5 severity info where id=A-$g*"
    echo "flat-$g: battery < $((10 + g)) clear > 20 where id=A-$g*"
    echo "door-$g: door == 1 and temperature > $((5 + g % 3)) for 1m where id=A-$g*"
    echo "open-$g: door == 1 for 10m severity minor where id=A-$g*"
  done
} > "$rules"

# Runs the rules file $1 over both inputs; sets last_rate to the larger input's records/s.
run_case() {
  printf '%-10s %9s %14s %10s %8s\n' readings seconds records/s "peak RSS" events
  for file in "$small" "$input"; do
    n=$(wc -l < "$file")
    read -r s kb < <(median_of "$trk" check --rules "$1" "$file")
    events=$("$trk" check --rules "$1" "$file" | grep -c '"type":"event"' || true)
    awk -v n="$n" -v s="$s" -v kb="$kb" -v e="$events" 'BEGIN {
      printf "%-10d %9.2f %14.0f %7.1f MB %8d\n", n, s, n / s, kb / 1024, e }'
    last_rate=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
  done
}

echo "comparisons (100 rules):"
run_case "$rules"
comparison_rate=$last_rate

# 100 rules, half of them trends: per asset group, five comparisons and five trend factors
# over five windows per asset (temperature 10m and 30m, humidity 30m, shock 1h, battery 1h).
trend_rules=$work/check-trend-rules.txt
{
  for g in 0 1 2 3 4 5 6 7 8 9; do
    echo "hot-$g: temperature > $((8 + g % 3)) for 2m clear < $((7 + g % 3)) severity critical where id=A-$g*"
    echo "cold-$g: temperature < -$((1 + g % 2)) for 10m severity major where id=A-$g*"
    echo "damp-$g: humidity > $((85 + g % 5)) for 15m clear < 80 where id=A-$g*"
    echo "drop-$g: shock > $((4 + g % 3)) severity major where id=A-$g*"
    echo "flat-$g: battery < $((10 + g)) clear > 20 where id=A-$g*"
    echo "heating-$g: rate(temperature over 10m) > $((20 + g % 3)) per h for 2m where id=A-$g*"
    echo "drying-$g: rate(humidity over 30m) < -$((30 + g % 5)) per h where id=A-$g*"
    echo "odd-$g: zscore(shock over 1h) > $((4 + g % 2)) where id=A-$g*"
    echo "melting-$g: forecast temperature > 12 within 1h over 30m severity major where id=A-$g*"
    echo "draining-$g: forecast battery < 5 within 6h over 1h where id=A-$g*"
  done
} > "$trend_rules"
echo "trends (50 of 100 rules):"
run_case "$trend_rules"
trend_rate=$last_rate

read -r s _ < <(median_of "$trk" read jsonl "$input")
awk -v n="$readings" -v s="$s" 'BEGIN { printf "for scale: trk read jsonl (the same records in and out, no rules) %.2f s, %.0f records/s\n", s, n / s }'
awk -v r="$comparison_rate" -v t="$trend_rate" 'BEGIN {
  ok = r >= 2000000; print (ok ? "target met: comparisons (2 million records/s)" : "TARGET MISSED: comparisons (2 million records/s)")
  okt = t >= 1000000; print (okt ? "target met: trends (1 million records/s)" : "TARGET MISSED: trends (1 million records/s)")
  exit (ok && okt ? 0 : 1) }'
