#!/usr/bin/env bash
# The README's "run it" command: installs what trk needs, builds it (Release), and runs the
# main job end to end on the sample yard in the repo (sample/yard: fences, the asset list,
# the rules; the device data are tests/fixtures): the reefer's temperature log, the dock
# and gate RFID readers and forklift FL-07's GPS receiver (from its capture, and through a
# virtual serial port) go through read | clean | fence | check | ledger import; then what a
# yard supervisor reads: where everything is, the open violations, the yard audit; and the
# yard's map (trk map), written to build-release/yard-map.html, whose path it prints last.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
cmake --build build-release -j 2 >/dev/null
trk=$PWD/build-release/trk
capture=tests/fixtures/yard-fl07.nmea
yard=sample/yard
dir=$(mktemp -d)
socat_pid=
trap 'if [ -n "$socat_pid" ]; then kill "$socat_pid" 2>/dev/null; fi; rm -rf "$dir"' EXIT
export TRK_LEDGER=$dir/ledger.db
rules=(--rules "$yard/rules" --ledger-state yard)
now=2026-11-24T07:00:00Z  # the morning after the sample night

say() { printf '\n\033[1m%s\033[0m\n' "$*" >&2; }

say "1. The yard: a ledger, the asset list, the readers, the fences (sample/yard)"
"$trk" ledger init
"$trk" asset import "$yard/assets.csv"
"$trk" reader add gate-2 --zone yard-a --lat 53.4998 --lon 9.9301
"$trk" reader add dock-3 --zone dock-3
"$trk" fence add "$yard/fences.geojson"
sed -n '/^[a-z]/p' "$yard/rules"

say "2. The reefer's logger export -> trk read csv | trk check | trk ledger import   (the events)"
"$trk" read csv --map 'time=Date/Time,temperature=Temp [°C],humidity=RH [%],battery=Battery' \
  --asset RF-12 --utc-offset +01:00 tests/fixtures/reefer-rf12.csv |
  "$trk" check "${rules[@]}" | tee "$dir/reefer.jsonl" | "$trk" ledger import
grep '"type":"event"' "$dir/reefer.jsonl"

say "3. The dock door reader's LLRP log and the crates' tracker tags"
"$trk" read rfid --format llrp-csv tests/fixtures/dock-llrp.csv 2>/dev/null | "$trk" ledger import
"$trk" read csv tests/fixtures/crate-shocks.csv 2>/dev/null | "$trk" check "${rules[@]}" | tee "$dir/crates.jsonl" |
  "$trk" ledger import
grep '"type":"event"' "$dir/crates.jsonl"

say "4. FL-07's receiver: NMEA 0183 (first sentences of the capture)"
awk '!/^#/ && shown++ < 4' "$capture"  # one process: 'grep | head' fails under pipefail (SIGPIPE)

say "5. The same receiver through a serial port (socat makes a virtual one; --baud auto finds the rate)"
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
echo "trk read nmea --port $dir/ttyGPS: $(wc -l <"$dir/fixes.jsonl") fixes (the file gives $expected)"

say "6. The main job: trk read nmea | trk clean | trk fence | trk check | trk ledger import   (the events)"
"$trk" read nmea --asset FL-07 "$capture" 2>/dev/null | "$trk" clean --drop-invalid --max-speed 15 |
  "$trk" fence --margin 1 --min-dwell 2s | "$trk" check "${rules[@]}" | tee "$dir/fl07.jsonl" | "$trk" ledger import
grep '"type":"event"' "$dir/fl07.jsonl"

say "7. The truck gate's UHF reader in the morning (binary frames; --now: when the capture was taken)"
"$trk" read rfid --format uhf-bb --reader gate-2 --now 2026-11-24T06:40:00Z tests/fixtures/gate-uhf-bb.bin |
  "$trk" ledger import

say "For the supervisor, at 07:00: where is everything?   trk where"
"$trk" where --now "$now" --format table

say "What is wrong now?   trk check --list-open"
"$trk" check "${rules[@]}" --list-open --format table

say "Is everything that belongs in yard A there?   trk audit --zone yard-a   (exit 1: discrepancies)"
status=0
"$trk" audit --zone yard-a --now "$now" --format table || status=$?
echo "(exit status $status)"

say "The yard on a map:   trk map   (FL-07's night, the latest positions, the readers, the audit)"
map=$PWD/build-release/yard-map.html  # outlives $dir: opened after the demo
"$trk" map "$dir/fl07.jsonl" --audit yard-a --now "$now" -o "$map"

say "The same audit for any EPCIS 2.0 system:   trk audit --format epcis   (its first events)"
"$trk" audit --zone yard-a --now "$now" --format epcis --no-store 2>/dev/null | awk 'NR <= 3' | cut -c1-160 || true
"$trk" ledger verify

say "Next: 'trk help check', 'trk help audit' and the others, README.md for the tour."
echo "Open the yard's map: $map"
