#!/usr/bin/env python3
"""trk publish against a real mosquitto (tests/support/mqtt_broker.py), checked by independent
subscribers (mosquitto_sub):

- mosquitto_sub sees exactly what trk publish sent: the topics trk/SITE/TYPE/ASSET and the
  payload bytes of trk's own output lines; standard output passes every record unchanged;
- QoS 0, 1 and 2 all arrive; --retain: a subscriber that comes later gets each asset's last
  position at once, and nothing but fixes is retained;
- the status message: online (retained) while trk runs, offline after a clean end, and the
  broker's last will says offline when trk is killed with kill -9;
- a wrong password and a TLS CA that did not sign the broker's certificate are refused with
  exit 69, the records kept in the spool; TLS with the right CA and client certificate works;
- a broker that is down when trk starts: once it is up, everything arrives.

usage: mqtt_publish.py TRK
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from harness import Reader, fail, spawn, wait_for  # noqa: E402
from mqtt_broker import PASSWORD, USER, Broker  # noqa: E402
from mqtt_records import asset_of, records, type_of  # noqa: E402

TRK = sys.argv[1]
TMP = tempfile.mkdtemp(prefix="trk-mqtt-publish-")


def publish(broker, lines, *options, listener="plain", spool="spool", env=None, timeout=30):
    args = [TRK, "publish", "--broker", broker.url(listener), "--site", "yard", "--spool", os.path.join(TMP, spool)]
    done = subprocess.run(args + list(options), input="".join(line + "\n" for line in lines), capture_output=True,
                          text=True, timeout=timeout, env=env)
    return done


def subscriber(broker, client_id, topics, qos=1, extra=()):
    """mosquitto_sub -v with a client id, subscribed when this returns; its lines in .lines."""
    process = broker.sub(topics, qos=qos, extra=["-i", client_id, "-v"] + list(extra), text=True)
    broker.wait_subscribed(client_id)
    reader = Reader(process.stdout)
    reader.process = process
    return reader


def received(reader, prefix):
    return [line for line in reader.lines if line.startswith(prefix)]


def expect_messages(reader, expected, prefix, what):
    wait_for(lambda: len(received(reader, prefix)) >= len(expected),
             lambda: "%s: %d of %d messages" % (what, len(received(reader, prefix)), len(expected)), timeout=15)
    got = received(reader, prefix)
    if got != expected:
        for i, (a, b) in enumerate(zip(got, expected)):
            if a != b:
                fail("%s: message %d is %r, expected %r" % (what, i, a, b))
        fail("%s: %d messages, expected %d" % (what, len(got), len(expected)))


def spool_count(name):
    # Closed at once: an open connection would keep trk publish off the spool (its lock).
    db = sqlite3.connect(os.path.join(TMP, name))
    try:
        return db.execute("SELECT count(*) FROM messages").fetchone()[0]
    finally:
        db.close()


def main():
    broker = Broker(TMP)

    # What a subscriber sees is exactly what trk sent, and stdout is the input unchanged.
    sub = subscriber(broker, "check-all", ["trk/yard/#"])
    lines = records(300)
    done = publish(broker, lines, "--client-id", "edge-1")
    if done.returncode != 0:
        fail("trk publish exited %d: %s" % (done.returncode, done.stderr))
    if done.stdout != "".join(line + "\n" for line in lines):
        fail("standard output is not the input unchanged: %r" % done.stdout[:300])
    expected = ["trk/yard/%s/%s %s" % (type_of(line), asset_of(line), line) for line in lines]
    data_of = lambda: [line for line in sub.lines if not line.startswith("trk/yard/status ")]  # noqa: E731
    wait_for(lambda: len(data_of()) >= len(expected), lambda: "QoS 1: %d of %d messages" % (len(data_of()),
                                                                                          len(expected)))
    if data_of() != expected:
        fail("QoS 1: the subscriber saw %r..., expected %r..." % (data_of()[:3], expected[:3]))
    status = [json.loads(line.split(" ", 1)[1]) for line in sub.lines if line.startswith("trk/yard/status ")]
    if not status or status[0] != {"type": "status", "site": "yard", "client": "edge-1", "online": True}:
        fail("no online status first: %r" % status)
    wait_for(lambda: any(line.startswith("trk/yard/status ") and '"online":false' in line for line in sub.lines),
             "the offline status after a clean end")
    if os.stat(os.path.join(TMP, "spool")).st_mode & 0o777 != 0o600:
        fail("the spool is not private (0600)")
    if spool_count("spool") != 0:
        fail("the spool is not empty after a run that ended: %d left" % spool_count("spool"))

    # QoS 0 and 2, on a topic template of their own.
    for qos in ("0", "2"):
        sub_q = subscriber(broker, "check-q" + qos, ["q%s/#" % qos], qos=2)
        lines = records(200)
        done = publish(broker, lines, "--qos", qos, "--topic", "q%s/{asset}/{type}" % qos, "--status-topic", "",
                       spool="spool-q" + qos)
        if done.returncode != 0:
            fail("--qos %s: exit %d: %s" % (qos, done.returncode, done.stderr))
        expected = ["q%s/%s/%s %s" % (qos, asset_of(line), type_of(line), line) for line in lines]
        expect_messages(sub_q, expected, "q%s/" % qos, "QoS " + qos)

    # --retain: a later subscriber gets the last position of each asset, and only positions.
    lines = records(100, assets=("RT-1", "RT-2"))
    done = publish(broker, lines, "--retain", "--topic", "ret/{type}/{asset}", "--status-topic", "",
                   spool="spool-r")
    if done.returncode != 0:
        fail("--retain: exit %d: %s" % (done.returncode, done.stderr))
    late = broker.sub(["ret/#"], extra=["-v", "-W", "1"], text=True)
    out, _ = late.communicate(timeout=10)
    last = {}
    for line in lines:
        if type_of(line) == "fix":
            last[asset_of(line)] = line
    got = sorted(out.splitlines())
    want = sorted("ret/fix/%s %s" % (asset, line) for asset, line in last.items())
    if got != want:
        fail("--retain: a later subscriber got %r, expected %r" % (got, want))

    # The last will: kill -9 leaves the broker to say the publisher is offline.
    sub_w = subscriber(broker, "check-will", ["trk/will-site/status"])
    trk = spawn([TRK, "publish", "--broker", broker.url(), "--site", "will-site", "--client-id", "edge-9", "--spool",
                 os.path.join(TMP, "spool-w")], stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL)
    wait_for(lambda: any('"online":true' in line for line in sub_w.lines), "the online status of edge-9")
    trk.send_signal(signal.SIGKILL)
    trk.wait()
    wait_for(lambda: any('"online":false' in line for line in sub_w.lines), "the will (offline) after kill -9")
    will = json.loads(sub_w.lines[-1].split(" ", 1)[1])
    if will != {"type": "status", "site": "will-site", "client": "edge-9", "online": False}:
        fail("the will is %r" % will)

    # Refused: a wrong password, a CA that did not sign the broker's certificate (exit 69).
    env = dict(os.environ, TRK_MQTT_PASSWORD="not-" + PASSWORD)
    done = publish(broker, records(5), "--username", USER, listener="auth", spool="spool-a", env=env)
    if done.returncode != 69 or "refused" not in done.stderr:
        fail("a wrong password: exit %d, %r (expected 69, refused)" % (done.returncode, done.stderr))
    if spool_count("spool-a") != 5:
        fail("a refused broker: %d records in the spool, expected 5" % spool_count("spool-a"))
    env = dict(os.environ, TRK_MQTT_PASSWORD=PASSWORD)
    done = publish(broker, [], "--username", USER, listener="auth", spool="spool-a", env=env)
    if done.returncode != 0 or spool_count("spool-a") != 0:
        fail("the right password: exit %d, %r; %d left" % (done.returncode, done.stderr, spool_count("spool-a")))
    tls = ["--cert", broker.client_cert, "--key", broker.client_key]
    done = publish(broker, records(5), "--cafile", broker.wrong_cafile, *tls, listener="tls", spool="spool-t")
    if done.returncode != 69 or "TLS" not in done.stderr:
        fail("a wrong CA: exit %d, %r (expected 69, TLS)" % (done.returncode, done.stderr))
    done = publish(broker, records(5), "--cafile", broker.cafile, *tls, listener="tls", spool="spool-t")
    if done.returncode != 0 or spool_count("spool-t") != 0:
        fail("TLS with the right CA: exit %d, %r" % (done.returncode, done.stderr))

    # A broker down when trk starts: once it is up, everything arrives.
    sub_d = subscriber(broker, "check-down", ["down/#"], extra=["-c"])
    broker.stop()
    lines = records(500)
    trk = spawn([TRK, "publish", "--broker", broker.url(), "--topic", "down/{asset}", "--status-topic", "",
                 "--spool", os.path.join(TMP, "spool-d")], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True)
    trk.stdin.write("".join(line + "\n" for line in lines))
    trk.stdin.close()
    out = Reader(trk.stdout)
    wait_for(lambda: len(out.lines) == len(lines), "trk to pass every record on while the broker is down")
    time.sleep(0.5)
    broker.start()
    try:
        status = trk.wait(timeout=20)
    except subprocess.TimeoutExpired:
        fail("trk publish did not end once the broker was back")
    if status != 0:
        fail("broker down at start: exit %d: %s" % (status, trk.stderr.read()))
    expected = ["down/%s %s" % (asset_of(line), line) for line in lines]
    expect_messages(sub_d, expected, "down/", "broker down at start")
    print("ok")


main()
