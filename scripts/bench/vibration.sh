#!/usr/bin/env bash
# Benchmark of `trk vibration` against numpy: one hour (SECONDS, default 3600) of a 3-axis
# accelerometer at 25.6 kHz, 16-bit PCM WAV (276 M samples, 553 MB), written to a temporary
# folder at run time; trk vibration (1 s windows, every figure of every axis, JSON Lines to
# /dev/null) and scripts/bench/vibration_numpy.py (the same figures, vectorised over the
# windows of 8-second chunks: constant memory) on the same file, side by side: seconds and
# peak RSS. Target (issue 17): trk at least 2x numpy's speed, in constant memory.
#   scripts/bench/vibration.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-3600}

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench
runs=${RUNS:-1}
python=/usr/bin/python3

recording=$(mktemp -d "${TMPDIR:-/tmp}/trk-bench-vibration.XXXXXX")
trap 'rm -rf "$recording"' EXIT
wav=$recording/pump-$seconds.wav
echo "generating $seconds s of 3-axis 25.6 kHz int16..." >&2
$python scripts/bench/vibration_numpy.py generate "$wav" "$seconds" 25600
cat "$wav" >/dev/null  # both read it from the page cache

read -r trk_s trk_kb < <(median_of "$trk" vibration --asset P-101 --unit g --scale 16 \
  --start 2026-11-30T06:00:00Z --machine-group 2 --mounting rigid "$wav")
read -r np_s np_kb < <(median_of $python scripts/bench/vibration_numpy.py analyse "$wav" 16)
# The small case: memory must not grow with the input.
small=$recording/pump-60.wav
$python scripts/bench/vibration_numpy.py generate "$small" 60 25600
read -r _ small_kb < <(measure "$trk" vibration --asset P-101 --unit g --scale 16 --start 2026-11-30T06:00:00Z "$small")

samples=$((seconds * 25600 * 3))
printf '%-28s %10s %14s %10s\n' "" seconds "Msamples/s" "peak RSS"
printf '%-28s %10s %14s %7s MB\n' "trk vibration" "$trk_s" "$(awk -v n=$samples -v s="$trk_s" 'BEGIN { printf "%.1f", n / s / 1e6 }')" \
  $((trk_kb / 1024))
printf '%-28s %10s %14s %7s MB\n' "numpy (vibration_numpy.py)" "$np_s" "$(awk -v n=$samples -v s="$np_s" 'BEGIN { printf "%.1f", n / s / 1e6 }')" \
  $((np_kb / 1024))
echo "trk is $(awk -v a="$np_s" -v b="$trk_s" 'BEGIN { printf "%.1f", a / b }')x numpy's speed (target: 2x);" \
  "trk's peak RSS on 60 s: $((small_kb / 1024)) MB, on $seconds s: $((trk_kb / 1024)) MB"
