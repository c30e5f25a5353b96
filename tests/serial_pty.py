#!/usr/bin/env python3
"""`trk read nmea --port` and `trk ports --probe` on virtual serial ports made with socat.

Debian's libserialport refuses pseudo-terminals, so this drives trk's termios fallback, the
way field setups with socat or ser2net do. It checks that:
  * rate detection finds NMEA and trk prints every fix of our capture, as from the file;
  * the device vanishing mid-stream (socat killed) is one line on stderr, and its return
    (socat restarted on the same path) another, after which fixes flow again;
  * SIGTERM ends trk with status 0 after the last epoch is flushed;
  * `trk ports --probe PORT` says it heard NMEA, the talker and the sentences.

usage: serial_pty.py TRK FIXTURE.nmea     (exit 77 when socat is not installed)
"""
import json
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from harness import Reader, VirtualPort, fail, spawn, stop_cleanly, wait_for



def comparable(fix):
    return {k: v for k, v in fix.items() if k not in ("device", "src")}


def main():
    trk, fixture = sys.argv[1], sys.argv[2]
    if shutil.which("socat") is None:
        print("skipped: socat is not installed (scripts/install-deps.sh installs it)")
        return 77
    with open(fixture, "rb") as f:
        capture = f.read()
    expected = [comparable(json.loads(line)) for line in
                subprocess.run([trk, "read", "nmea", fixture], capture_output=True, text=True).stdout.splitlines()]
    if len(expected) < 100:
        fail(f"the fixture gave only {len(expected)} fixes")

    with tempfile.TemporaryDirectory() as folder:
        port = VirtualPort(folder)
        port.start()
        trk_run = spawn([trk, "read", "nmea", "--port", port.device, "--baud", "auto", "-v"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = Reader(trk_run.stdout), Reader(trk_run.stderr)
        wait_for(lambda: any("opened with POSIX termios" in l for l in err.lines), "trk to open the port")
        # Bytes for rate detection, then the capture: the receiver talks continuously.
        port.write(capture)
        wait_for(lambda: any("NMEA at 4800 baud" in l for l in err.lines), "rate detection")
        # The last epoch stays open until the next sentence: all but one are out by now.
        wait_for(lambda: len(out.lines) >= len(expected) - 1, "the fixes of the first pass")
        # The last epoch's other sentences may still be in flight through socat: let them
        # arrive before the device vanishes, or that epoch is cut (seen on a loaded machine).
        time.sleep(1.0)
        port.stop()
        wait_for(lambda: any("device hung up; reopening" in l for l in err.lines), "the hang-up notice")
        port.start()
        wait_for(lambda: any("reopened at 4800 baud" in l for l in err.lines), "the reopen notice", timeout=30)
        port.write(capture, pause=0.0005)
        wait_for(lambda: len(out.lines) >= 2 * len(expected) - 1, "the fixes after reopening")
        time.sleep(1.0)  # as above: the last epoch whole before SIGTERM writes it
        stop_cleanly(trk_run, out, err)
        got = [comparable(json.loads(line)) for line in out.lines]
        if got != expected + expected:
            for i, (a, b) in enumerate(zip(got, expected + expected)):
                if a != b:
                    fail(f"fix {i} differs:\n  port: {a}\n  file: {b}")
            fail(f"{len(got)} fixes through the port, {2 * len(expected)} expected")
        state_lines = [l for l in err.lines if "hung up" in l or "reopened" in l]
        if len(state_lines) != 2:
            fail(f"expected one line per state change, got {state_lines}")
        print(f"port: {len(got)} fixes, equal to the file's {len(expected)} twice; stderr: {err.lines}")

        # Probing the port while the "receiver" keeps talking.
        keep_talking = threading.Thread(target=port.write, args=(capture, 0.002), daemon=True)
        keep_talking.start()
        probe = subprocess.run([trk, "ports", "--probe", "--seconds", "1", "--format", "jsonl", port.device],
                               capture_output=True, text=True, timeout=60)
        keep_talking.join()
        if probe.returncode != 0:
            fail(f"trk ports --probe exited {probe.returncode}: {probe.stderr}")
        heard = json.loads(probe.stdout)
        if heard.get("heard") != "nmea" or heard.get("baud") != 4800 or heard.get("talkers") != ["GN", "GP"] \
                or "GGA" not in heard.get("formatters", []):
            fail(f"probe heard {heard}")
        print("probe:", probe.stdout.strip())
        port.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
