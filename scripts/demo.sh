#!/usr/bin/env bash
# The README's "run it" command: installs what trk needs, builds it (Release), and runs the
# main job on the sample data in the repo: a GPS capture of forklift FL-07 crossing a
# container yard (tests/fixtures/yard-fl07.nmea), read from the file and then through a
# virtual serial port, as from a receiver on /dev/ttyUSB0; then the RFID reads of the truck
# gate's UHF module and the reefer's temperature log of the same night.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-release -j 2 >/dev/null
trk=$PWD/build-release/trk
capture=tests/fixtures/yard-fl07.nmea

say() { printf '\n\033[1m%s\033[0m\n' "$*" >&2; }

say "1. The capture: NMEA 0183 from FL-07's receiver (first sentences)"
awk '!/^#/ && shown++ < 6' "$capture"  # one process: 'grep | head' fails under pipefail (SIGPIPE)

say "2. trk read nmea --asset FL-07 $capture   (one fix record per receiver epoch)"
"$trk" read nmea --asset FL-07 "$capture"

say "3. The same fixes through a serial port (socat makes a virtual one; --baud auto finds the rate)"
dir=$(mktemp -d)
trap 'kill "$socat_pid" 2>/dev/null; rm -rf "$dir"' EXIT
socat "pty,raw,echo=0,link=$dir/ttyGPS" "pty,raw,echo=0,link=$dir/receiver" 2>/dev/null &
socat_pid=$!
for _ in $(seq 50); do [ -e "$dir/ttyGPS" ] && [ -e "$dir/receiver" ] && break; sleep 0.1; done
"$trk" read nmea --port "$dir/ttyGPS" --asset FL-07 -v >"$dir/fixes.jsonl" 2>"$dir/stderr.txt" &
trk_pid=$!
# Opening a port drops what was queued before it: talk only once trk listens.
for _ in $(seq 100); do grep -q "opened with" "$dir/stderr.txt" && break; sleep 0.1; done
cat "$capture" >"$dir/receiver"
expected=$("$trk" read nmea "$capture" 2>/dev/null | wc -l)
for _ in $(seq 100); do [ "$(wc -l <"$dir/fixes.jsonl")" -ge $((expected - 1)) ] && break; sleep 0.1; done
kill -TERM "$trk_pid"  # as Ctrl-C would: the last epoch is written, then trk exits 0
wait "$trk_pid"
cat "$dir/stderr.txt" >&2
echo "trk read nmea --port $dir/ttyGPS: $(wc -l <"$dir/fixes.jsonl") fixes (the file gave $expected); last one:"
tail -n 1 "$dir/fixes.jsonl"

say "4. trk read rfid --format uhf-bb tests/fixtures/gate-uhf-bb.bin   (the gate's UHF module, binary frames)"
# Its frames carry no time: --now says when the capture was taken (live, trk stamps arrivals).
"$trk" read rfid --format uhf-bb --reader gate-2 --now 2026-11-24T06:40:00Z tests/fixtures/gate-uhf-bb.bin

say "5. trk epc decode: what the pallet's tag identifies (GS1 EPC Tag Data Standard)"
"$trk" epc decode 3374257BF40C0E400000162E

say "6. trk read csv: the reefer logger's export (semicolons, decimal commas, local time) to readings"
"$trk" read csv --map 'time=Date/Time,temperature=Temp [°C],humidity=RH [%],battery=Battery' \
  --asset RF-12 --utc-offset +01:00 tests/fixtures/reefer-rf12.csv | awk 'NR <= 3'

say "Next: 'trk help read' for every option, README.md for the tour."
