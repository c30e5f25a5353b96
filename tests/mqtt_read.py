#!/usr/bin/env python3
"""trk read mqtt against a real mosquitto (tests/support/mqtt_broker.py), fed by mosquitto_pub:

- trk records come back byte-identical (with a newline added when the payload had none);
- JSON through --topic-map becomes exact readings (RFC 3339, epoch seconds and milliseconds,
  arrival time, a bare number, the site kept as an extra field);
- bad input (not UTF-8, not JSON, truncated JSON, a 10 MB payload, a topic the map does not
  match, no value, a truncated Sparkplug B protobuf) is reported with the topic and the run
  goes on; --strict stops with 65;
- --count, --duration; a durable --session gets what was published while trk was stopped;
- TLS with a client certificate works, a wrong CA is refused (69, naming --cafile); a wrong
  password is refused (69), the right one works from --password-file and TRK_MQTT_PASSWORD;
- a broker down at the start: trk says it retries, and reads once the broker is up;
- SIGTERM ends a live read cleanly (exit 0, what was read written).

usage: mqtt_read.py TRK
"""
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from harness import Reader, fail, spawn, stop_cleanly, wait_for  # noqa: E402
import mqtt_broker  # noqa: E402

TRK = sys.argv[1]
broker = mqtt_broker.Broker()
tmp = tempfile.mkdtemp(prefix="trk-mqtt-read-")


def start(client_id, *args, listener="plain", env=None, wait=True, text=False):
    """Starts trk read mqtt on `listener`; waits until the broker saw it subscribe."""
    command = [TRK, "read", "mqtt", "--broker", broker.url(listener)]
    if "--session" not in args:
        command += ["--client-id", client_id]
    process = spawn(command + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    env=dict(os.environ, **(env or {})), text=text)
    if wait:
        broker.wait_subscribed(client_id)
    return process


def finish(process, what, timeout=15):
    try:
        out, err = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        fail(f"{what}: trk did not end; stdout {out!r} stderr {err.decode(errors='replace')}")
    return process.returncode, out, err.decode(errors="replace")


# --- records, readings and bad input on the plain listener ---------------------------------
records = [
    b'{"type":"fix","time":"2026-03-01T08:00:00Z","asset":"truck-12","lat":52.5,"lon":13.25}',
    b'{"type":"reading","time":"2026-03-01T08:00:01.250Z","asset":"pump-7","metric":"temperature","value":21.5,"unit":"Cel"}\n',
    # Not trk's canonical key order or spacing: the bytes still come back as they were.
    b'{ "asset": "gate-3", "type": "event", "event": "enter", "time": "2026-03-01T08:00:02Z", "fence": "yard" }',
]
reader = start("reader-main", "--topic", "trk/#", "--topic", "plant/#", "--topic", "spBv1.0/#",
               "--topic-map", "plant/{site}/{asset}/{metric}", "--count", "9")
arrived_before = int(time.time() * 1000)
for i, payload in enumerate(records):
    broker.pub("trk/yard/r%d/x" % i, payload)
broker.pub("plant/north/pump-7/temperature", '{"value":21.5,"unit":"Cel","time":"2026-03-01T08:00:00Z"}')
broker.pub("plant/north/pump-7/pressure", "3.25")
broker.pub("plant/south/fan-2/speed", '{"value":1450,"time":1772352000}')
broker.pub("plant/south/fan-2/current", '{"value":2.5,"unit":"A","time":1772352000123}')
# Bad input: each reported with its topic, the run goes on.
broker.pub("plant/north/bad/utf8", b'{"value":"\xff\xfe"}')
broker.pub("plant/north/bad/json", "{oops")
broker.pub("plant/north/bad/truncated", '{"value":')
big = os.path.join(tmp, "big")
with open(big, "wb") as f:
    f.write(b'{"value":' + b"1" * (10 << 20) + b"}")
broker.pub("plant/north/bad/huge", file=big)
broker.pub("plant/short", '{"value":1}')
broker.pub("plant/north/bad/novalue", '{"temp":1}')
broker.pub("spBv1.0/plant/DDATA/edge-1/pump-7", b"\x08\x01\x12")
# After the bad ones: the run went on.
broker.pub("plant/north/pump-8/level", '{"value":0.75}')
broker.pub("trk/yard/last", records[0])
arrived_after = int(time.time() * 1000) + 1000
status, out, err = finish(reader, "records and readings")
if status != 0:
    fail(f"read mqtt exited {status}: {err}")
lines = out.split(b"\n")
if lines[-1] != b"" or len(lines) != 10:
    fail(f"expected 9 lines, got {out!r}\nstderr: {err}")
for i, payload in enumerate(records):
    if lines[i] != payload.rstrip(b"\n"):
        fail(f"record {i} not byte-identical:\n{lines[i]!r}\n{payload!r}")
src = broker.url() + "/"
expected = [
    {"type": "reading", "time": "2026-03-01T08:00:00.000Z", "asset": "pump-7", "src": src + "plant/north/pump-7/temperature",
     "metric": "temperature", "value": 21.5, "unit": "Cel", "site": "north"},
    {"type": "reading", "asset": "pump-7", "src": src + "plant/north/pump-7/pressure", "metric": "pressure",
     "value": 3.25, "site": "north"},
    {"type": "reading", "time": "2026-03-01T08:00:00.000Z", "asset": "fan-2", "src": src + "plant/south/fan-2/speed",
     "metric": "speed", "value": 1450, "site": "south"},
    {"type": "reading", "time": "2026-03-01T08:00:00.123Z", "asset": "fan-2", "src": src + "plant/south/fan-2/current",
     "metric": "current", "value": 2.5, "unit": "A", "site": "south"},
]
for i, want in enumerate(expected):
    got = json.loads(lines[3 + i])
    if "time" not in want:  # arrival time
        t = got.pop("time", "")
        if not t.startswith(time.strftime("%Y-", time.gmtime())):
            fail(f"reading without a time should get the arrival time: {lines[3 + i]!r}")
    if got != want:
        fail(f"reading {i}:\n{got}\n{want}")
if json.loads(lines[7])["asset"] != "pump-8" or lines[8] != records[0]:
    fail(f"the run did not go on after the bad input: {lines[7:]}")
for topic, reason in [("plant/north/bad/utf8", "not UTF-8"), ("plant/north/bad/json", "not JSON"),
                      ("plant/north/bad/truncated", "not JSON"), ("plant/north/bad/huge", "payload too large"),
                      ("plant/short", "topic does not match --topic-map"), ("plant/north/bad/novalue", "no value"),
                      ("spBv1.0/plant/DDATA/edge-1/pump-7", "")]:
    if not any(line.startswith(f"trk read mqtt: {src}{topic}: {reason}") for line in err.splitlines()):
        fail(f"no problem reported for {topic} ({reason}):\n{err}")

# --- --strict: the first bad message stops the run with 65 ----------------------------------
reader = start("reader-strict", "--topic", "strict/#", "--strict")
broker.pub("strict/a", "{oops")
status, out, err = finish(reader, "--strict")
if status != 65 or "strict/a: not a trk record" not in err:
    fail(f"--strict: exit {status}, stderr {err}")

# --- --duration with nothing published --------------------------------------------------------
began = time.monotonic()
status, out, err = finish(start("reader-quiet", "--topic", "quiet/#", "--duration", "1s", wait=False), "--duration")
took = time.monotonic() - began
if status != 0 or out != b"" or not 0.9 <= took < 5:
    fail(f"--duration 1s: exit {status} after {took:.1f} s, stdout {out!r}, stderr {err}")

# --- a durable session gets what was published while trk was stopped ---------------------------
first = start("night-shift", "--session", "night-shift", "--topic", "durable/#", "--count", "1")
broker.pub("durable/a", records[0])
status, out, err = finish(first, "--session, first run")
if status != 0 or out != records[0] + b"\n":
    fail(f"--session first run: exit {status}, {out!r}, {err}")
broker.pub("durable/b", records[1])
broker.pub("durable/c", records[2])
status, out, err = finish(start("night-shift", "--session", "night-shift", "--topic", "durable/#", "--count", "2",
                                wait=False), "--session, second run")
if status != 0 or out != records[1] + records[2] + b"\n":
    fail(f"--session: what was published while trk was stopped did not arrive: exit {status}, {out!r}, {err}")

# --- TLS with a client certificate; SIGTERM ends a live read cleanly ---------------------------
tls = ["--cafile", broker.cafile, "--cert", broker.client_cert, "--key", broker.client_key]
reader = start("reader-tls", "--topic", "secure/#", *tls, listener="tls", text=True)
lines_out, lines_err = Reader(reader.stdout), Reader(reader.stderr)
broker.pub("secure/x", records[0], listener="tls")
wait_for(lambda: len(lines_out.lines) == 1, "the record over TLS", timeout=10)
stop_cleanly(reader, lines_out, lines_err)
if lines_out.lines != [records[0].decode()]:
    fail(f"TLS: {lines_out.lines}")

status, out, err = finish(start("reader-wrong-ca", "--topic", "secure/#", "--cafile", broker.wrong_cafile, "--cert",
                                broker.client_cert, "--key", broker.client_key, listener="tls", wait=False),
                          "wrong CA")
if status != 69 or "certificate verify failed" not in err or "--cafile" not in err:
    fail(f"TLS with a wrong CA: exit {status}, stderr {err}")

# --- passwords ----------------------------------------------------------------------------------
def password_file(name, text, mode=0o600):
    path = os.path.join(tmp, name)
    with open(path, "w") as f:
        f.write(text + "\n")
    os.chmod(path, mode)
    return path


status, out, err = finish(start("reader-bad-pw", "--topic", "a/#", "--username", mqtt_broker.USER, "--password-file",
                                password_file("wrong", "not-it"), listener="auth", wait=False), "wrong password")
if status != 69 or "not authorized" not in err:
    fail(f"wrong password: exit {status}, stderr {err}")
status, out, err = finish(start("reader-open-pw", "--topic", "a/#", "--username", mqtt_broker.USER, "--password-file",
                                password_file("open", mqtt_broker.PASSWORD, 0o644), listener="auth", wait=False),
                          "password file readable by others")
if status != 64 or "chmod 600" not in err:
    fail(f"a password file others can read: exit {status}, stderr {err}")
for how, extra, env in [("--password-file", ["--password-file", password_file("right", mqtt_broker.PASSWORD)], None),
                        ("TRK_MQTT_PASSWORD", [], {"TRK_MQTT_PASSWORD": mqtt_broker.PASSWORD})]:
    reader = start("reader-pw-" + how.strip("-").lower(), "--topic", "a/#", "--username", mqtt_broker.USER, "--count", "1", *extra,
                   listener="auth", env=env)
    broker.pub("a/b", records[1], listener="auth")
    status, out, err = finish(reader, how)
    if status != 0 or out != records[1]:
        fail(f"password from {how}: exit {status}, {out!r}, {err}")

# --- a broker down at the start -------------------------------------------------------------------
broker.stop()
reader = start("reader-early", "--topic", "late/#", "--count", "1", wait=False, text=True)
errors = Reader(reader.stderr)
wait_for(lambda: any("retrying" in line for line in errors.lines), "trk saying it retries", timeout=10)
broker.start()
broker.wait_subscribed("reader-early")
broker.pub("late/x", records[0])
out = reader.stdout.read()
status = reader.wait(timeout=10)
if status != 0 or out != records[0].decode() + "\n":
    fail(f"broker down at the start: exit {status}, {out!r}, {errors.lines}")
print("mqtt-read: ok")
