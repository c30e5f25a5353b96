#!/usr/bin/env bash
# Benchmark of `trk publish` (QoS 1, the durable spool on) against `mosquitto_pub -l -q 1` (no
# spool) sending the same RECORDS fix lines (default 1,000,000) to a local mosquitto started
# here on a free port, while a subscriber counts them: mosquitto_sub, and `trk read mqtt`
# where this trk has it. Prints messages/s of each publisher (from its start until the
# subscriber has every message) and trk's peak RSS (/usr/bin/time -v).
#   scripts/bench/mqtt.sh [RECORDS]      (TRK=path/to/trk skips the Release build;
#                                         INFLIGHT=N sets trk publish --inflight)
# Target (issue 19): trk publish >= 50% of mosquitto_pub -l's messages/s.
set -euo pipefail
cd "$(dirname "$0")/../.."
records=${1:-1000000}
inflight=${INFLIGHT:-1000}

# shellcheck source=scripts/bench/lib.sh
. scripts/bench/lib.sh
prepare_bench

input=$work/mqtt-fixes-$records.jsonl
if [ ! -s "$input" ]; then
  /usr/bin/python3 - "$records" "$input" <<'EOF'
import sys
sys.path.insert(0, "tests")
from mqtt_records import records
n, path = int(sys.argv[1]), sys.argv[2]
with open(path, "w") as f:
    for start in range(0, n, 100000):
        f.write("".join(line + "\n" for line in records(min(100000, n - start), start=start, mixed=False,
                                                         assets=tuple("FL-%02d" % i for i in range(50)))))
EOF
fi

port=$(/usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$work/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 100000000
EOF
[ "$(id -u)" = 0 ] && echo "user root" >>"$work/mosquitto.conf"
mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
broker=$!
sub=
trap 'kill $broker ${sub:-} 2>/dev/null || true' EXIT
for _ in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null && break; sleep 0.05; done

# Runs the publisher "$@" while SUBSCRIBER counts RECORDS messages on bench/#; prints
# "MESSAGES_PER_S PEAK_RSS_KB", the rate from the publisher's start until the subscriber has
# them all. The publisher's input stays open until then: mosquitto_pub 2.0.11 -l drops the
# messages it still holds when its input ends (a file of 100,000 lines delivers about a
# third), so its end of input must not come before its messages are out.
run() {
  local subscriber=$1
  shift
  case $subscriber in
    mosquitto_sub) mosquitto_sub -h 127.0.0.1 -p "$port" -q 1 -t 'bench/#' -C "$records" -i bench-sub >/dev/null & ;;
    trk) "$trk" read mqtt --broker "mqtt://127.0.0.1:$port" --topic 'bench/#' --count "$records" \
        --client-id bench-sub >/dev/null 2>"$work/read.err" & ;;
  esac
  sub=$!
  sleep 0.5 # subscribed
  local start end
  start=$(date +%s.%N)
  {
    cat "$input"
    while kill -0 "$sub" 2>/dev/null; do sleep 0.05; done
  } | /usr/bin/time -v -o "$work/time.txt" "$@" >/dev/null 2>"$work/publisher.err" &
  local publisher=$!
  wait "$sub"
  sub=
  end=$(date +%s.%N)
  wait "$publisher" || {
    echo "failed: $*" >&2
    cat "$work/publisher.err" >&2
    exit 1
  }
  local rss
  rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
  awk -v n="$records" -v s="$start" -v e="$end" -v kb="$rss" 'BEGIN { printf "%.0f %d\n", n / (e - s), kb }'
}

spool=$work/bench.spool
rm -f "$spool" "$spool-wal"
printf '%s records (%s MB), QoS 1, mosquitto %s\n' "$records" "$(($(stat -c %s "$input") / 1000000))" \
  "$(mosquitto -h 2>&1 | sed -n '1s/.*version //p')"
read -r pub_rate pub_rss < <(run mosquitto_sub mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -t bench/pub -l)
printf '  mosquitto_pub -l -q 1:     %8d messages/s  (peak RSS %d MB)\n' "$pub_rate" $((pub_rss / 1024))
read -r pubm_rate pubm_rss < <(run mosquitto_sub mosquitto_pub -h 127.0.0.1 -p "$port" -q 1 -M "$inflight" \
  -t bench/pub -l)
printf '  mosquitto_pub -l -q 1 -M %d: %6d messages/s  (peak RSS %d MB)\n' "$inflight" "$pubm_rate" \
  $((pubm_rss / 1024))
read -r trk_rate trk_rss < <(run mosquitto_sub "$trk" publish --broker "mqtt://127.0.0.1:$port" \
  --topic 'bench/{asset}' --status-topic '' --spool "$spool" --inflight "$inflight")
printf '  trk publish (spool):       %8d messages/s  (peak RSS %d MB)  %d%% of mosquitto_pub\n' "$trk_rate" \
  $((trk_rss / 1024)) $((100 * trk_rate / pub_rate))
if "$trk" read mqtt --help >/dev/null 2>&1; then
  read -r read_rate _ < <(run trk "$trk" publish --broker "mqtt://127.0.0.1:$port" --topic 'bench/{asset}' \
    --status-topic '' --spool "$spool" --inflight "$inflight")
  printf '  trk publish -> trk read mqtt: %5d messages/s\n' "$read_rate"
else
  echo "  trk read mqtt: not in this trk"
fi
