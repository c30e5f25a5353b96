#!/usr/bin/env python3
"""Devices that go away mid-sentence, mid-frame and mid-report, for real:

  * a serial device (a socat pseudo-terminal) unplugged after half an NMEA sentence, half a
    line of a text RFID reader, half a uhf-bb frame and half a ThingMagic frame: the
    fragment is reported on stderr with its place ("line cut short", "frame cut short"),
    never decoded into a record, and once the device is back (socat restarted on the same
    path) reading goes on: the records out are exactly those of the same stream without
    the fragment;
  * a gpsd (run by gpsfake) killed with SIGKILL while it replays a capture, then started
    again: `trk read gpsd` says the connection was lost, writes no fix that the capture
    does not hold, reconnects and delivers the fixes of the new replay.

usage: device_faults.py TRK FIXTURES_DIR GPSD_CAPTURE   (exit 77 when the capture is absent)
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

from harness import Reader, VirtualPort, fail, spawn, stop_cleanly, wait_for
from gpsd_gpsfake import free_port, gpsfake

KEPT = ("epc", "antenna", "rssi", "count", "frequency", "phase", "lat", "lon", "time", "alt", "speed")


def comparable(line):
    record = json.loads(line)
    return {k: record[k] for k in KEPT if k in record and not (record.get("type") == "read" and k == "time")}


def from_file(trk, args, data, folder):
    """The records trk makes of `data` read from a file."""
    path = os.path.join(folder, "stream.bin")
    with open(path, "wb") as f:
        f.write(data)
    result = subprocess.run([trk, *args, path], capture_output=True, text=True, errors="replace", timeout=60)
    return [comparable(l) for l in result.stdout.splitlines()]


def unplugged(trk, name, args, before, fragment, after, cut_place, cut_reason, held_back=0, port_args=()):
    """Writes `before` and `fragment` to a port, unplugs it, plugs it back, writes `after`.
    `held_back`: records of `before` a live reader keeps until more input comes (an NMEA
    epoch stays open until the next one starts)."""
    with tempfile.TemporaryDirectory() as folder:
        expected_before = from_file(trk, args, before, folder)
        expected = from_file(trk, args, before + after, folder)
        port = VirtualPort(folder)
        port.start()
        run = spawn([trk, *args, *port_args, "--port", port.device, "-v"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                    text=True, errors="replace")
        out, err = Reader(run.stdout), Reader(run.stderr)
        wait_for(lambda: any("opened at" in l for l in err.lines), f"{name}: trk to open the port")
        time.sleep(0.3)  # a quiet port: what comes first is a whole line, not the tail of one
        port.write(before + fragment)
        wait_for(lambda: len(out.lines) >= len(expected_before) - held_back, f"{name}: the records before the cut")
        time.sleep(0.5)  # the fragment through socat to trk
        port.stop()
        wait_for(lambda: any("reopening" in l for l in err.lines), f"{name}: the notice that the device went away")
        port.start()
        wait_for(lambda: any("reopened at" in l for l in err.lines), f"{name}: the reopen notice", timeout=30)
        time.sleep(0.3)
        port.write(after)
        wait_for(lambda: len(out.lines) >= len(expected) - held_back,
                 lambda: f"{name}: the records after the device came back; out {out.lines}, err {err.lines}")
        time.sleep(0.5)
        stop_cleanly(run, out, err)
        port.stop()
        got = [comparable(l) for l in out.lines]
        if got != expected:
            fail(f"{name}: {len(got)} records through the unplugged port, {len(expected)} from the stream without "
                 f"the fragment\n  port: {got}\n  file: {expected}")
        place = f"{port.device}{cut_place}: {cut_reason}"
        cut = [l for l in err.lines if place in l]
        if len(cut) != 1:
            fail(f"{name}: expected one '{place}' on stderr, got {err.lines}")
        print(f"{name}: {len(got)} records, none from the fragment; {cut[0]}")


def frames(data, start, size_of):
    """Splits a clean capture into frames."""
    out, i = [], 0
    while i < len(data):
        if data[i] != start:
            fail(f"the capture has no frame at byte {i}")
        n = size_of(data, i)
        out.append(data[i:i + n])
        i += n
    return out


def serial_faults(trk, fixtures):
    with open(os.path.join(fixtures, "yard-fl07.nmea"), "rb") as f:
        lines = f.read().splitlines(keepends=True)
    # 200 lines, half of the 201st (a GGA cut after its time), the rest of the capture.
    unplugged(trk, "nmea", ["read", "nmea"], b"".join(lines[:200]), lines[200][:20], b"".join(lines[201:400]),
              ":201", "line cut short", held_back=1, port_args=["--baud", "4800"])

    unplugged(trk, "text rfid", ["read", "rfid", "--window", "0"],
              b"3074257BF7194E4000001A85\n3374257BF40C0E400000162E\n", b"3074257BF7",
              b"3074257BF7194E4000001A86\n", ":3", "line cut short")

    # Frames of the fixtures that hold tag reads (the fixtures' deliberate damage left out).
    with open(os.path.join(fixtures, "gate-uhf-bb.bin"), "rb") as f:
        uhf = frames(f.read()[:255], 0xBB, lambda d, i: 7 + (d[i + 3] << 8 | d[i + 4]))
    reads = [fr for fr in uhf if len(fr) == 24]
    before = b"".join(reads[:6])
    unplugged(trk, "uhf-bb", ["read", "rfid", "--format", "uhf-bb", "--window", "0"], before, reads[6][:10],
              b"".join(reads[7:]), f"@{len(before)}", "frame cut short")

    with open(os.path.join(fixtures, "dock-thingmagic.bin"), "rb") as f:
        data = f.read()
    # Tag-read responses (opcode 0x22) of 40 data bytes, 47 in all.
    tm = [data[i:i + 47] for i in range(203, 540, 47)]
    if any(not fr.startswith(bytes.fromhex("ff2822")) for fr in tm):
        fail("the ThingMagic fixture's read frames moved")
    if len(tm) < 6:
        fail(f"only {len(tm)} ThingMagic read frames found in the fixture")
    before = b"".join(tm[:3])
    unplugged(trk, "thingmagic", ["read", "rfid", "--format", "thingmagic", "--window", "0"], before, tm[3][:30],
              b"".join(tm[4:]), f"@{len(before)}", "frame cut short")


def gpsd_children(parent):
    """The gpsd processes gpsfake started."""
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            with open(f"/proc/{pid}/comm") as f:
                name = f.read().strip()
        except OSError:
            continue
        if int(fields[1]) == parent and name == "gpsd":
            found.append(int(pid))
    return found


def gpsd_dies(trk, capture):
    direct = [json.loads(l) for l in
              subprocess.run([trk, "read", "nmea", capture], capture_output=True, text=True).stdout.splitlines()]
    by_time = {fix["time"]: fix for fix in direct}
    port = free_port()
    first = gpsfake(capture, port)
    watcher = spawn([trk, "read", "gpsd", "--host", "127.0.0.1", "--port", str(port)],
                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out, err = Reader(watcher.stdout), Reader(watcher.stderr)
    wait_for(lambda: len(out.lines) >= 3, "the first fixes through gpsd", timeout=60)
    wait_for(lambda: gpsd_children(first.pid), "gpsfake's gpsd")
    for pid in gpsd_children(first.pid):
        os.kill(pid, signal.SIGKILL)  # mid-stream: the replay is still going
    killed_at = len(out.lines)
    wait_for(lambda: any("connection lost; reconnecting" in l for l in err.lines), "trk to notice gpsd died")
    os.killpg(first.pid, signal.SIGKILL)
    first.wait()
    if len(direct) - killed_at < 3:
        fail(f"gpsd was killed after {killed_at} of {len(direct)} fixes: not mid-stream")
    second = gpsfake(capture, port)
    wait_for(lambda: any("reconnected" in l for l in err.lines), "trk to reconnect", timeout=30)
    wait_for(lambda: len(out.lines) >= killed_at + len(direct), "the fixes of the second replay", timeout=60)
    stop_cleanly(watcher, out, err)
    os.killpg(second.pid, signal.SIGKILL)
    second.wait()
    for line in out.lines:
        # A report gpsd sent before the epoch's last sentence (an RMC before its GGA) may
        # differ from the epoch's fix by a few metres and lack the altitude; anything else
        # (a time the capture does not hold, a position elsewhere, half a report) is garbage.
        fix = json.loads(line)
        theirs = by_time.get(fix["time"])
        if theirs is None or abs(fix["lat"] - theirs["lat"]) > 1e-4 or abs(fix["lon"] - theirs["lon"]) > 1e-4:
            fail(f"a fix that the capture does not hold: {line}")
    unexpected = [l for l in err.lines if "connection lost" not in l and "reconnected" not in l]
    if unexpected:
        fail(f"trk read gpsd said more than the loss and the return: {unexpected}")
    print(f"gpsd killed after {killed_at} fixes: {len(out.lines)} fixes in all, each one of the capture's; "
          f"stderr: {err.lines}")


def main():
    trk, fixtures, capture = sys.argv[1:4]
    serial_faults(trk, fixtures)
    if not os.path.exists(capture):
        print(f"skipped: {capture} not found (the shared captures are not on this machine)")
        return 77
    os.environ["PATH"] = os.environ.get("PATH", "") + ":/usr/sbin"
    gpsd_dies(trk, capture)
    return 0


if __name__ == "__main__":
    sys.exit(main())
