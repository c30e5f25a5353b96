#!/usr/bin/env bash
# The README's "run it" command: installs what trk needs, builds it (Release), and runs the
# main job on the sample data in the repo: a GPS capture of forklift FL-07 crossing a
# container yard (tests/fixtures/yard-fl07.nmea), read from the file and then through a
# virtual serial port, as from a receiver on /dev/ttyUSB0.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-release -j 2 >/dev/null
trk=$PWD/build-release/trk
capture=tests/fixtures/yard-fl07.nmea

say() { printf '\n\033[1m%s\033[0m\n' "$*" >&2; }

say "1. The capture: NMEA 0183 from FL-07's receiver (first sentences)"
grep -v '^#' "$capture" | head -n 6

say "2. trk read nmea --asset FL-07 $capture   (one fix record per receiver epoch)"
"$trk" read nmea --asset FL-07 "$capture"

say "3. The same fixes through a serial port (socat makes a virtual one; --baud auto finds the rate)"
dir=$(mktemp -d)
trap 'kill "$socat_pid" 2>/dev/null; rm -rf "$dir"' EXIT
socat "pty,raw,echo=0,link=$dir/ttyGPS" "pty,raw,echo=0,link=$dir/receiver" 2>/dev/null &
socat_pid=$!
for _ in $(seq 50); do [ -e "$dir/ttyGPS" ] && [ -e "$dir/receiver" ] && break; sleep 0.1; done
"$trk" read nmea --port "$dir/ttyGPS" --asset FL-07 >"$dir/fixes.jsonl" &
trk_pid=$!
sleep 0.5
cat "$capture" >"$dir/receiver"
sleep 2
kill -TERM "$trk_pid"
wait "$trk_pid" || true
echo "trk read nmea --port $dir/ttyGPS: $(wc -l <"$dir/fixes.jsonl") fixes (the file gave $("$trk" read nmea "$capture" 2>/dev/null | wc -l)); last one:"
tail -n 1 "$dir/fixes.jsonl"

say "Next: 'trk help read' for every option, README.md for the tour."
