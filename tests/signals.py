#!/usr/bin/env python3
"""SIGTERM, SIGINT and SIGHUP at several points of every long-running command:

  * the stages (`trk read jsonl`, `trk clean`, `trk fence --state`, `trk check --state`)
    and `trk ledger import --pass` on a live pipe: while waiting for the first input;
    mid-stream, with half a line sent (it is reported as cut short, not taken for a
    record); and while input flows fast;
  * `trk read nmea --port` and `trk read rfid --port` on a socat pseudo-terminal: waiting,
    and mid-stream;
  * `trk read gpsd` on gpsfake's gpsd: before the replay and mid-stream.

Each must exit 0 with every complete record on stdout as whole JSON lines, nothing but
what it documents on stderr, a ledger that verifies and holds exactly what --pass wrote,
and state files that the next run loads.

usage: signals.py TRK FIXTURES_DIR GPSD_CAPTURE
"""
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time

from harness import Reader, VirtualPort, fail, spawn, wait_for

SIGNALS = (signal.SIGTERM, signal.SIGINT, signal.SIGHUP)


def fix(i):
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1795418100 + i))
    return json.dumps({"type": "fix", "time": f"{stamp}.000Z", "asset": f"A{i % 7}", "device": f"gps-{i % 7}",
                       "lat": 53.5 + (i % 13) * 1e-4, "lon": 9.93 + (i % 11) * 1e-4, "fix": "3d"},
                      separators=(",", ":")) + "\n"


def handles(pid, sig):
    """Whether process `pid` has a handler for `sig` (its SigCgt mask): trk is up."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("SigCgt:"):
                    return int(line.split()[1], 16) >> (sig - 1) & 1 == 1
    except OSError:
        return False
    return False


def ends_cleanly(process, out, err, sig, what, allowed=()):
    """Sends `sig`; trk must exit 0 soon with whole JSON lines on stdout and no unexpected
    message on stderr. Returns the records."""
    process.send_signal(sig)
    try:
        status = process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        fail(f"{what}: still running 10 s after {sig.name}")
    out.thread.join(timeout=5)
    err.thread.join(timeout=5)
    if status != 0:
        fail(f"{what}: exit {status} on {sig.name}; stderr {err.lines}")
    records = []
    for line in out.lines:
        try:
            records.append(json.loads(line))
        except ValueError:
            fail(f"{what}: {sig.name} left a broken line on stdout: {line!r}")
    unexpected = [l for l in err.lines if not any(a in l for a in allowed)]
    if unexpected:
        fail(f"{what}: {sig.name}: unexpected on stderr: {unexpected}")
    return records


def live(args):
    process = spawn(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(lambda: handles(process.pid, signal.SIGTERM), f"{args[1]} to start")
    return process, Reader(process.stdout), Reader(process.stderr)


def flood(process, stop):
    """Writes fixes as fast as the pipe takes them until `stop` or trk goes."""
    i = 0
    try:
        while not stop.is_set() and i < 200000:
            process.stdin.write("".join(fix(i + k) for k in range(50)))
            i += 50
    except (BrokenPipeError, ValueError, OSError):
        pass


def pipe_points(name, args, check, allowed=()):
    """`check(records, sig, point)` judges the outcome of each run."""
    for sig in SIGNALS:
        # Waiting for the first input.
        process, out, err = live(args)
        time.sleep(0.1)
        check(ends_cleanly(process, out, err, sig, f"{name} waiting", allowed), sig, "waiting", 0)
        # Mid-stream: 40 fixes out, half a line in.
        process, out, err = live(args)
        process.stdin.write("".join(fix(i) for i in range(40)))
        process.stdin.flush()
        wait_for(lambda: sum(1 for l in out.lines if '"type":"fix"' in l) >= 40, f"{name}: the first 40 fixes")
        process.stdin.write(fix(40)[:30])
        process.stdin.flush()
        time.sleep(0.2)
        records = ends_cleanly(process, out, err, sig, f"{name} mid-stream", allowed + ("line cut short",))
        if not any("stdin:41: line cut short" in l for l in err.lines):
            fail(f"{name} mid-stream: the half line is not reported as cut short: {err.lines}")
        check(records, sig, "mid-stream", 40)
        # While input flows.
        process, out, err = live(args)
        stop = threading.Event()
        writer = threading.Thread(target=flood, args=(process, stop), daemon=True)
        writer.start()
        wait_for(lambda: len(out.lines) >= 100, f"{name}: output while input flows")
        records = ends_cleanly(process, out, err, sig, f"{name} flowing", allowed + ("line cut short",))
        stop.set()
        writer.join(timeout=10)
        check(records, sig, "flowing", None)
    print(f"ok: {name}: SIGTERM, SIGINT, SIGHUP while waiting, mid-stream and while input flows: exit 0, "
          f"whole records out")


def fixes_in_order(name):
    def check(records, sig, point, count):
        fixes = [r for r in records if r["type"] == "fix"]
        if count is not None and len(fixes) != count:
            fail(f"{name} {point} {sig.name}: {len(fixes)} fixes out, {count} sent whole")
        for i, r in enumerate(fixes):
            if json.loads(fix(i))["time"] != r["time"]:
                fail(f"{name} {point} {sig.name}: fix {i} out of order or lost: {r}")
    return check


def stages(trk, folder):
    fences = os.path.join(folder, "bay.geojson")
    with open(fences, "w") as f:
        json.dump({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "bay", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
                [[9.93, 53.5], [9.9305, 53.5], [9.9305, 53.5005], [9.93, 53.5005], [9.93, 53.5]]]}}]}, f)
    pipe_points("trk read jsonl", [trk, "read", "jsonl"], fixes_in_order("trk read jsonl"))
    pipe_points("trk clean", [trk, "clean", "--max-hdop", "50"], fixes_in_order("trk clean"))
    for name, args in (("trk fence --state", [trk, "fence", "--fences", fences]),
                       ("trk check --state", [trk, "check", "--rule", "speed > 100"])):
        state = os.path.join(folder, name.split()[1] + ".state")
        order = fixes_in_order(name)

        def check(records, sig, point, count, state=state, args=args, order=order, name=name):
            order(records, sig, point, count)
            again = subprocess.run(args + ["--state", state], input="", capture_output=True, text=True, timeout=30)
            if again.returncode != 0 or not os.path.exists(state) or os.path.exists(state + ".tmp"):
                fail(f"{name} {point} {sig.name}: the saved state does not load: {again.stderr}")
        # Each run replays the same times: the state of the last one makes some fixes old.
        pipe_points(name, args + ["--state", state], check, allowed=("older than",))


def ledger_import(trk, folder):
    db = os.path.join(folder, "ledger.db")
    subprocess.run([trk, "ledger", "init", "--ledger", db], capture_output=True, check=True)
    passed = set()

    def check(records, sig, point, count):
        if count is not None and len(records) != count:
            fail(f"ledger import {point} {sig.name}: {len(records)} passed on, {count} sent whole")
        passed.update((r["device"], r["time"]) for r in records)
        verify = subprocess.run([trk, "ledger", "verify", "--ledger", db], capture_output=True, text=True)
        if verify.returncode != 0:
            fail(f"ledger import {point} {sig.name}: verify: {verify.stdout}")
        history = set()
        for device in range(7):
            lines = subprocess.run([trk, "history", f"A{device}", "--ledger", db], capture_output=True,
                                   text=True).stdout.splitlines()
            history.update((json.loads(l)["device"], json.loads(l)["time"]) for l in lines)
        if history != passed:
            fail(f"ledger import {point} {sig.name}: {len(passed)} records passed on as stored, "
                 f"{len(history)} in the ledger")
    pipe_points("trk ledger import --pass", [trk, "ledger", "import", "--ledger", db, "--pass"], check,
                allowed=("new,", "rejected"))


def ports(trk, fixtures, folder):
    with open(os.path.join(fixtures, "yard-fl07.nmea"), "rb") as f:
        capture = b"".join(f.read().splitlines(keepends=True)[:200])
    expected = subprocess.run([trk, "read", "nmea", "-"], input=capture, capture_output=True).stdout.splitlines()
    port = VirtualPort(folder)
    port.start()
    for name, args, data, count, allowed in (
            ("trk read nmea --port", ["read", "nmea", "--baud", "4800"], capture, len(expected),
             ("opened at", "bad checksum", "no checksum", "problems in the input", "sentences,")),
            ("trk read rfid --port", ["read", "rfid", "--window", "0"], b"3074257BF7194E4000001A85\n" * 5, 5,
             ("opened at", "tag reports,"))):
        for sig in SIGNALS:
            for point in ("waiting", "mid-stream"):
                run = spawn([trk, *args, "--port", port.device, "-v"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
                out, err = Reader(run.stdout), Reader(run.stderr)
                wait_for(lambda: any("opened at" in l for l in err.lines), f"{name}: the port open")
                if point == "mid-stream":
                    time.sleep(0.3)
                    port.write(data)
                    # The last NMEA epoch stays open until the next one or the end.
                    wait_for(lambda: len(out.lines) >= count - 1, f"{name}: records mid-stream")
                    time.sleep(0.3)
                records = ends_cleanly(run, out, err, sig, f"{name} {point}", allowed)
                want = count if point == "mid-stream" else 0
                if len(records) != want:
                    fail(f"{name} {point} {sig.name}: {len(records)} records, {want} expected")
    port.stop()
    print("ok: trk read nmea --port, trk read rfid --port: each signal while waiting and mid-stream: exit 0, "
          "every record out")


def gpsd(trk, capture):
    from gpsd_gpsfake import free_port, gpsfake
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"
    port = free_port()
    server = gpsfake(capture, port)
    watchers = []
    for sig in SIGNALS:
        for point in ("waiting", "mid-stream"):
            run = spawn([trk, "read", "gpsd", "--host", "127.0.0.1", "--port", str(port)], stdout=subprocess.PIPE,
                        stderr=subprocess.PIPE, text=True)
            watchers.append((sig, point, run, Reader(run.stdout), Reader(run.stderr)))
    for sig, point, run, out, err in watchers:
        if point == "waiting":
            wait_for(lambda: handles(run.pid, sig), "trk read gpsd to start")
            ends_cleanly(run, out, err, sig, f"trk read gpsd {point}")
    for sig, point, run, out, err in watchers:
        if point == "mid-stream":
            wait_for(lambda: len(out.lines) >= 3, "fixes through gpsd", timeout=60)
            records = ends_cleanly(run, out, err, sig, f"trk read gpsd {point}")
            if len(records) < 3 or any(r["type"] != "fix" for r in records):
                fail(f"trk read gpsd {point} {sig.name}: {records}")
    os.killpg(server.pid, signal.SIGKILL)
    server.wait()
    print("ok: trk read gpsd: each signal before the replay and mid-stream: exit 0, whole fixes out")


def main():
    trk, fixtures, capture = sys.argv[1:4]
    with tempfile.TemporaryDirectory() as folder:
        stages(trk, folder)
        ledger_import(trk, folder)
        ports(trk, fixtures, folder)
    if not os.path.exists(capture):
        print(f"skipped: {capture} not found (the shared captures are not on this machine)")
        return 77
    gpsd(trk, capture)
    return 0


if __name__ == "__main__":
    sys.exit(main())
