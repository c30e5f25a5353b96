#!/usr/bin/env bash
# Benchmark of `trk read modbus` against mbpoll: 200 values of 20 units (each: five float32
# ABCD in holding 0-9, five int16 in holding 10-14) from a local pymodbus TCP server
# (tests/support/modbus_server.py), polled as fast as the server answers.
#   trk: one process, one connection, `--interval 0 --count POLLS`, batched requests;
#   mbpoll: as a user would script it, one run per contiguous block of one type
#     (`mbpoll -t 4:float -B -r 0 -c 5`, then `-t 4 -r 10 -c 5`, for each unit), POLLS/10 polls.
# A fresh server for each tool counts the requests it answers (--stats). Prints polls/s,
# requests per poll, values/s and peak RSS (/usr/bin/time) of both, and trk's ratio.
#   scripts/bench/modbus.sh [POLLS]      (TRK=path/to/trk skips the Release build)
# Target (issue 16): trk >= 3x mbpoll's values/s.
set -euo pipefail
cd "$(dirname "$0")/../.."
polls=${1:-500}
mbpoll_polls=$(((polls + 9) / 10))
units=20

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench

# The server's spec and trk's map: the same 200 values.
/usr/bin/python3 - "$work" "$units" <<'EOF'
import csv, json, sys
work, units = sys.argv[1], int(sys.argv[2])
rows = []
for unit in range(1, units + 1):
    for i in range(5):
        rows.append({"unit": unit, "table": "holding", "address": 2 * i, "type": "float32", "value": unit + i / 4})
    for i in range(5):
        rows.append({"unit": unit, "table": "holding", "address": 10 + i, "type": "int16", "value": -unit * 100 - i})
json.dump(rows, open(f"{work}/modbus-spec.json", "w"))
with open(f"{work}/modbus-map.csv", "w", newline="") as f:
    out = csv.writer(f)
    out.writerow(["asset", "metric", "unit_id", "table", "address", "type"])
    for r in rows:
        out.writerow([f"M{r['unit']}", f"v{r['address']}", r["unit"], "holding", r["address"], r["type"]])
EOF
values=$((units * 10))

server_pid=
start_server() {
  rm -f "$work/modbus.port"
  /usr/bin/python3 tests/support/modbus_server.py --spec "$work/modbus-spec.json" --stats \
    --port-file "$work/modbus.port" >/dev/null 2>"$work/server.err" &
  server_pid=$!
  for _ in $(seq 200); do [ -s "$work/modbus.port" ] && break; sleep 0.05; done
  port=$(cat "$work/modbus.port")
}
stop_server() {  # prints the requests the server answered
  kill "$server_pid"
  wait "$server_pid" || true
  sed -n 's/^requests: //p' "$work/server.err"
}
trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null || true' EXIT

# mbpoll, one run per block, as a script would do it.
cat >"$work/mbpoll-poll.sh" <<'EOF'
#!/bin/sh
# one poll of every unit with mbpoll: PORT UNITS POLLS
port=$1 units=$2 polls=$3
p=0
while [ "$p" -lt "$polls" ]; do
  u=1
  while [ "$u" -le "$units" ]; do
    mbpoll -m tcp -p "$port" -a "$u" -0 -1 -t 4:float -B -r 0 -c 5 127.0.0.1 || exit 1
    mbpoll -m tcp -p "$port" -a "$u" -0 -1 -t 4 -r 10 -c 5 127.0.0.1 || exit 1
    u=$((u + 1))
  done
  p=$((p + 1))
done
EOF
chmod +x "$work/mbpoll-poll.sh"

echo "$values values of $units units; trk $polls polls, mbpoll $mbpoll_polls polls" >&2
start_server
# the values must come out, every poll
got=$("$trk" read modbus --map "$work/modbus-map.csv" --host "127.0.0.1:$port" --count 2 --interval 0 | wc -l)
[ "$got" = $((2 * values)) ] || { echo "modbus.sh: trk read $got values in 2 polls, want $((2 * values))" >&2; exit 1; }
stop_server >/dev/null
start_server
read -r trk_s trk_kb < <(measure "$trk" read modbus --map "$work/modbus-map.csv" --host "127.0.0.1:$port" \
  --count "$polls" --interval 0)
trk_requests=$(stop_server)
start_server
read -r mb_s mb_kb < <(measure "$work/mbpoll-poll.sh" "$port" "$units" "$mbpoll_polls")
mb_requests=$(stop_server)
# the peak RSS of one mbpoll run (the script's own shell is not mbpoll)
start_server
read -r _ mb_one_kb < <(measure mbpoll -m tcp -p "$port" -a 1 -0 -1 -t 4:float -B -r 0 -c 5 127.0.0.1)
stop_server >/dev/null

awk -v values="$values" -v tp="$polls" -v mp="$mbpoll_polls" -v ts="$trk_s" -v tk="$trk_kb" -v tr="$trk_requests" \
    -v ms="$mb_s" -v mk="$mb_one_kb" -v mr="$mb_requests" 'BEGIN {
  printf "%-44s %8s %9s %10s %12s %10s\n", "client", "seconds", "polls/s", "req/poll", "values/s", "peak RSS"
  printf "%-44s %8.2f %9.1f %10.1f %12.0f %7.1f MB\n", "trk read modbus --interval 0 (1 connection)", ts, tp / ts, tr / tp, values * tp / ts, tk / 1024
  printf "%-44s %8.2f %9.1f %10.1f %12.0f %7.1f MB\n", "mbpoll, one run per block", ms, mp / ms, mr / mp, values * mp / ms, mk / 1024
  ratio = (values * tp / ts) / (values * mp / ms)
  printf "trk / mbpoll: %.1fx values/s (target 3x)\n", ratio
  print (ratio >= 3 ? "target met" : "TARGET MISSED")
  exit (ratio >= 3 ? 0 : 1)
}'
