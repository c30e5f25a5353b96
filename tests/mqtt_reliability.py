#!/usr/bin/env python3
"""trk publish's store-and-forward under failures, against a real mosquitto and a durable
mosquitto_sub (-c: the broker keeps its messages across the broker's restart):

- the broker stopped for a while in the middle of a publish of N records (100,000; 30,000 in a
  sanitizer build, harness.SANITIZED; argv[2] or TRK_MQTT_RECORDS sets another count) and
  started again: every record arrives, byte-identical to trk's output line, duplicates only as
  QoS 1 allows (a copy of a message sent again, identical), each asset's records in order;
- trk publish killed with kill -9 at random moments, 20 times (10 in a sanitizer build, each
  once the run has passed its first record on), each run starting on the spool the last one
  left; then a run to the end: every record that any run passed on (wrote to standard output,
  so kept in the spool) arrived.

usage: mqtt_reliability.py TRK [RECORDS]
"""
import os
import random
import select
import signal
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from harness import SANITIZED, Reader, fail, rounds, spawn, wait_for  # noqa: E402
from mqtt_broker import Broker  # noqa: E402
from mqtt_records import records  # noqa: E402

TRK = sys.argv[1]
COUNT = int(sys.argv[2] if len(sys.argv) > 2 else os.environ.get("TRK_MQTT_RECORDS", rounds(100000, 30000)))
KILLS = rounds(20, 10)
TMP = tempfile.mkdtemp(prefix="trk-mqtt-reliability-")
ASSETS = tuple("A%02d" % i for i in range(10))


def subscriber(broker, client_id, topic):
    process = broker.sub([topic], qos=1, extra=["-i", client_id, "-c", "-v"], text=True)
    broker.wait_subscribed(client_id)
    return Reader(process.stdout)


def check_arrived(reader, lines, prefix, what):
    """Every line arrived on PREFIX/ASSET, identical; duplicates identical; each asset in order."""
    by_n = {}
    for line in lines:
        by_n[int(line.rsplit('"n":', 1)[1].rstrip("}"))] = line

    def distinct():
        return len({line for line in reader.lines if line.startswith(prefix)})

    wait_for(lambda: distinct() >= len(by_n), lambda: "%s: %d of %d records arrived" % (what, distinct(), len(by_n)),
             timeout=60)
    seen, last_of_asset, duplicates = set(), {}, 0
    for message in reader.lines:
        if not message.startswith(prefix):
            continue
        topic, payload = message.split(" ", 1)
        n = int(payload.rsplit('"n":', 1)[1].rstrip("}"))
        asset = topic[len(prefix):]
        if by_n.get(n) != payload and n in by_n:
            fail("%s: record %d arrived as %r, sent as %r" % (what, n, payload, by_n[n]))
        if ASSETS[n % len(ASSETS)] != asset:
            fail("%s: record %d arrived on %s" % (what, n, topic))
        if n in seen:
            duplicates += 1
            continue
        seen.add(n)
        if last_of_asset.get(asset, -1) > n:
            fail("%s: %s: record %d arrived after %d" % (what, asset, n, last_of_asset[asset]))
        last_of_asset[asset] = n
    missing = sorted(set(by_n) - seen)
    if missing:
        fail("%s: %d records never arrived, the first %r" % (what, len(missing), missing[:5]))
    return duplicates


def broker_restart(broker):
    lines = records(COUNT, assets=ASSETS, mixed=False)
    path = os.path.join(TMP, "input.jsonl")
    with open(path, "w") as f:
        f.write("".join(line + "\n" for line in lines))
    sub = subscriber(broker, "rel-sub", "rel/#")
    started = time.monotonic()
    with open(path) as f:
        trk = spawn([TRK, "publish", "--broker", broker.url(), "--topic", "rel/{asset}", "--status-topic", "",
                     "--spool", os.path.join(TMP, "spool-restart")], stdin=f, stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, text=True)
    out, err = Reader(trk.stdout), Reader(trk.stderr)
    wait_for(lambda: len(sub.lines) >= COUNT // 3, "a third of the records to arrive before the broker stops",
             timeout=30)
    broker.stop()
    stopped = time.monotonic()
    time.sleep(1.0)
    broker.start()
    try:
        status = trk.wait(timeout=60)
    except subprocess.TimeoutExpired:
        fail("trk publish did not end after the broker came back; stderr: %r" % err.lines)
    out.thread.join(timeout=5)
    if status != 0:
        fail("broker restart: trk publish exited %d: %r" % (status, err.lines))
    if len(out.lines) != COUNT:
        fail("broker restart: %d records passed on, expected %d" % (len(out.lines), COUNT))
    duplicates = check_arrived(sub, lines, "rel/", "broker restart")
    if not any("unreachable" in line for line in err.lines):
        fail("broker restart: no 'broker unreachable' on standard error: %r" % err.lines)
    print("broker restart: %d records, %d duplicates, broker stopped %.1f s into %.1f s" %
          (COUNT, duplicates, stopped - started, time.monotonic() - started))


def kills(broker):
    seed = int(os.environ.get("TRK_TEST_SEED", str(int(time.time()))))
    rng = random.Random(seed)
    sub = subscriber(broker, "kill-sub", "kill/#")
    spool = os.path.join(TMP, "spool-kill")
    command = [TRK, "publish", "--broker", broker.url(), "--topic", "kill/{asset}", "--status-topic", "",
               "--spool", spool]
    per_run = max(COUNT // 40, 500)
    passed = []
    started = time.monotonic()
    for run in range(KILLS):
        lines = records(per_run, assets=ASSETS, start=run * per_run, mixed=False)
        trk = spawn(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

        def feed(process=trk, data="".join(line + "\n" for line in lines).encode()):
            try:
                process.stdin.write(data)
                process.stdin.close()
            except OSError:
                pass  # killed while being fed

        feeder = threading.Thread(target=feed, daemon=True)
        feeder.start()
        if SANITIZED:
            # A sanitizer's trk takes longer than 0.4 s to start: without this wait no kill
            # would land after the first record was passed on (none was, measured with ASan).
            select.select([trk.stdout], [], [], 30)
        time.sleep(rng.uniform(0.0, 0.4))
        trk.send_signal(signal.SIGKILL)
        output = trk.stdout.read().decode()
        trk.wait()
        feeder.join(timeout=5)
        # A line cut by the kill was never whole on the output: only whole lines were passed on.
        whole = output[:output.rfind("\n") + 1]
        passed += whole.splitlines()
    done = subprocess.run(command, input="", capture_output=True, text=True, timeout=60)
    if done.returncode != 0:
        fail("the run after the kills exited %d: %s" % (done.returncode, done.stderr))
    duplicates = check_arrived(sub, passed, "kill/", "kill -9 (seed %d)" % seed)
    print("kill -9 x%d (seed %d): %d records passed on, all arrived, %d duplicates, %.1f s" %
          (KILLS, seed, len(passed), duplicates, time.monotonic() - started))


def main():
    broker = Broker(TMP)
    broker_restart(broker)
    kills(broker)
    print("ok")


main()
