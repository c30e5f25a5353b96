#!/usr/bin/env python3
"""`trk read rfid --port` on virtual serial ports made with socat, one per serial format.

For each of text, uhf-bb and thingmagic it checks that:
  * the reads of a capture written to the port are the reads of the same capture read
    from the file (epc, antenna, rssi, count, frequency, phase; not times or src);
  * with --inventory, trk writes the reader's start command when it opens the port and
    its stop command when it is stopped with SIGTERM (exit status 0);
  * bad frames are reported on stderr as from the file;
and, for text on a port and on a pipe, that a sighting still open when the reader falls
silent is written once its window has passed, without waiting for more input.

usage: rfid_pty.py TRK FIXTURES_DIR     (exit 77 when socat is not installed)
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

from harness import Reader, VirtualPort, fail, spawn, stop_cleanly, wait_for

# The reader commands trk sends (see adapters/rfid_uhf_bb.hpp, rfid_thingmagic.hpp).
UHF_BB_MULTI_POLL = bytes.fromhex("BB00270003 22FFFF 4A7E".replace(" ", ""))
UHF_BB_STOP = bytes.fromhex("BB0028000028 7E".replace(" ", ""))
# ThingMagic continuous reading, as the Universal Reader Assistant sends it (SparkFun's capture).
THINGMAGIC_START = bytes.fromhex("FF102F0000012200000507221000 1B03E801FFDD2B".replace(" ", ""))
THINGMAGIC_STOP = bytes.fromhex("FF032F0000025E86")

KEPT = ("epc", "uri", "antenna", "rssi", "rssi_raw", "count", "frequency", "phase")


def comparable(line):
    record = json.loads(line)
    return {k: record[k] for k in KEPT if k in record}


def run_port(trk, fmt, capture, expected, extra, start_command, stop_command):
    with tempfile.TemporaryDirectory() as folder:
        port = VirtualPort(folder)
        port.start()
        port.listen()
        args = [trk, "read", "rfid", "--format", fmt, "--port", port.device, "--window", "0", "-v"] + extra
        run = spawn(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, errors="replace")
        out, err = Reader(run.stdout), Reader(run.stderr)
        out_lines, err_lines = out.lines, err.lines
        wait_for(lambda: any("opened at" in l for l in err_lines), f"{fmt}: trk to open the port")
        if start_command:
            wait_for(lambda: port.received.startswith(start_command), f"{fmt}: the start command", timeout=5)
        port.write(capture, pause=0.001)
        wait_for(lambda: len(out_lines) >= len(expected), f"{fmt}: the reads of the capture")
        time.sleep(0.3)
        stop_cleanly(run, out, err)
        if stop_command:
            # trk has written it before exiting; socat and the listening thread may lag behind.
            deadline = time.time() + 5
            while not port.received.endswith(stop_command) and time.time() < deadline:
                time.sleep(0.05)
            if not port.received.endswith(stop_command):
                fail(f"{fmt}: trk wrote {port.received.hex()}, which does not end with the stop command")
        got = [comparable(l) for l in out_lines]
        if got != expected:
            fail(f"{fmt}: port gave {got}\nfile gave {expected}")
        port.stop()
        return list(err_lines)


def main():
    trk, fixtures = sys.argv[1], sys.argv[2]
    if shutil.which("socat") is None:
        print("skipped: socat is not installed (scripts/install-deps.sh installs it)")
        return 77
    cases = [("text", "gate-wedge.txt", [], b"", b""),
             ("uhf-bb", "gate-uhf-bb.bin", ["--inventory"], UHF_BB_MULTI_POLL, UHF_BB_STOP),
             ("thingmagic", "dock-thingmagic.bin", ["--inventory"], THINGMAGIC_START, THINGMAGIC_STOP)]
    for fmt, name, extra, start_command, stop_command in cases:
        path = os.path.join(fixtures, name)
        with open(path, "rb") as f:
            capture = f.read()
        from_file = subprocess.run([trk, "read", "rfid", "--format", fmt, "--window", "0", path],
                                   capture_output=True, text=True)
        expected = [comparable(l) for l in from_file.stdout.splitlines()]
        if len(expected) < 3:
            fail(f"{fmt}: the fixture gave only {len(expected)} reads")
        err = run_port(trk, fmt, capture, expected, extra, start_command, stop_command)
        file_problems = [l.split(": ", 2)[2] for l in from_file.stderr.splitlines() if l.count(": ") >= 2]
        port_problems = [l.split(": ", 2)[2] for l in err if l.count(": ") >= 2 and "opened at" not in l
                         and "tag reports" not in l]
        if file_problems != port_problems:
            fail(f"{fmt}: problems through the port {port_problems}, from the file {file_problems}")
        print(f"{fmt}: {len(expected)} reads and {len(file_problems)} problem lines, as from the file")

    # A live window closes on time: one tag read three times, then silence.
    with tempfile.TemporaryDirectory() as folder:
        port = VirtualPort(folder)
        port.start()
        run = spawn([trk, "read", "rfid", "--port", port.device, "--window", "500ms", "-v"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = Reader(run.stdout), Reader(run.stderr)
        wait_for(lambda: any("opened at" in l for l in err.lines), "trk to open the port")
        time.sleep(0.5)  # a quiet port: the first line is whole, not the tail of an earlier one
        port.write(b"3374257BF40C0E400000162E\n" * 3)
        wait_for(lambda: len(out.lines) == 1, "the sighting once its window passed", timeout=5)
        record = json.loads(out.lines[0])
        if record.get("count") != 3 or record.get("clock") != "arrival":
            fail(f"live sighting {record}")
        stop_cleanly(run, out, err)
        port.stop()
        print("live window:", out.lines[0])

    # The same through a pipe (a reader's stream piped in, e.g. from curl): no port, same timing.
    run = spawn([trk, "read", "rfid", "--window", "500ms"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                stderr=subprocess.PIPE, text=True)
    out, err = Reader(run.stdout), Reader(run.stderr)
    run.stdin.write("3374257BF40C0E400000162E\n")
    run.stdin.flush()
    wait_for(lambda: len(out.lines) == 1, "the piped sighting once its window passed", timeout=5)
    run.stdin.close()
    if run.wait(timeout=10) != 0:
        fail(f"trk read rfid from a pipe exited {run.returncode}: {err.lines}")
    print("live pipe:", out.lines[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
