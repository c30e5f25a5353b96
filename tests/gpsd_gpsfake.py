#!/usr/bin/env python3
"""`trk read gpsd` against a private gpsd fed by gpsfake, and reconnection when gpsd restarts.

gpsfake starts a gpsd on a loopback port and replays a real capture into it; trk watches
that gpsd and must produce the same fixes (time, position, altitude, speed, course) as
`trk read nmea` makes of the capture itself. Then gpsd goes away and comes back on the same
port: trk must say so, reconnect, and deliver the replay's fixes again.

The capture is dated 2017 or later: Debian's gpsd 3.22 moves older dates 1024 weeks ahead.

usage: gpsd_gpsfake.py TRK CAPTURE.log    (exit 77 when gpsfake or the capture is missing)
"""
import json
import os
import shutil
import socket
import subprocess
import sys

from harness import Reader, fail, spawn, stop_cleanly, wait_for

TOLERANCE = {"lat": 1e-7, "lon": 1e-7, "alt": 0.1, "speed": 0.01, "course": 0.1}



def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]



def listening(port):
    # A bare connection, without a WATCH, does not make gpsd open the device.
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


def gpsfake(capture, port):
    # -p: gpsfake watches as a client of its own, so gpsd opens the device, and it waits
    # 1.4 s before replaying; without it the replay is written before anyone listens. trk
    # connects within that time (the comparison below fails loudly if it did not).
    process = subprocess.Popen(["gpsfake", "-1", "-q", "-p", "-P", str(port), capture],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for(lambda: listening(port), "gpsfake's gpsd to listen", timeout=60)
    return process



def same(ours, theirs):
    if ours["time"] != theirs["time"]:
        return f"time {ours['time']} != {theirs['time']}"
    for field, tolerance in TOLERANCE.items():
        a, b = ours.get(field), theirs.get(field)
        if (a is None) != (b is None) or (a is not None and abs(a - b) > tolerance + 1e-9):
            return f"{field}: gpsd path {a}, nmea path {b}"
    return None


def main():
    trk, capture = sys.argv[1], sys.argv[2]
    if shutil.which("gpsfake") is None or shutil.which("gpsd") is None and not os.path.exists("/usr/sbin/gpsd"):
        print("skipped: gpsfake/gpsd not installed (scripts/install-deps.sh installs gpsd and gpsd-clients)")
        return 77
    if not os.path.exists(capture):
        print(f"skipped: {capture} not found (the shared captures are not on this machine)")
        return 77
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"
    direct = [json.loads(l) for l in
              subprocess.run([trk, "read", "nmea", capture], capture_output=True, text=True).stdout.splitlines()]
    if not direct:
        fail("trk read nmea gave no fixes for the capture")

    port = free_port()
    first = gpsfake(capture, port)
    watcher = spawn([trk, "read", "gpsd", "--host", "127.0.0.1", "--port", str(port)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = Reader(watcher.stdout), Reader(watcher.stderr)
    first.wait(timeout=120)  # -1: gpsfake ends after one replay, and its gpsd with it
    wait_for(lambda: any("connection lost; reconnecting" in l for l in err.lines), "trk to notice gpsd left", timeout=60)
    got_first = len(out.lines)

    second = gpsfake(capture, port)
    wait_for(lambda: any("reconnected" in l for l in err.lines), "trk to reconnect", timeout=30)
    second.wait(timeout=120)
    wait_for(lambda: len(out.lines) >= 2 * got_first, "the replay's fixes after reconnecting", timeout=60)
    stop_cleanly(watcher, out, err)

    fixes = [json.loads(l) for l in out.lines]
    if len(fixes) != 2 * len(direct):
        fail(f"{len(fixes)} fixes through gpsd, {len(direct)} from the file (twice: {2 * len(direct)})")
    for i, (ours, theirs) in enumerate(zip(fixes, direct + direct)):
        difference = same(ours, theirs)
        if difference:
            fail(f"fix {i}: {difference}")
    print(f"{os.path.basename(capture)}: {len(direct)} fixes, the same through gpsd (twice, across a gpsd "
          f"restart) as from the file; stderr: {err.lines}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
