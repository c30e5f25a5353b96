#!/usr/bin/env python3
"""trk read modbus over RTU: a pymodbus RTU server on one end of a socat pseudo-terminal
pair (tests/support/modbus_server.py --pty, which starts socat), trk on the other.

- every type and order of two units decodes to the value the server holds (the same
  values the TCP test checks), src naming the serial device;
- mbpoll in RTU mode shows the same 32-bit float and integer;
- answers with a bad CRC (unit 2's) are a damaged-frame problem naming the unit, table and
  address, and the other unit's values still come out;
- the line going away (socat ended) and coming back is said, nothing is written while it
  is gone, and trk reopens it and goes on; SIGTERM ends it cleanly.

usage: modbus_rtu.py TRK   (exit 77, skipped, without pymodbus, socat or mbpoll)
"""
import os
import re
import subprocess
import sys
import tempfile
import time

from harness import Reader, fail, spawn, stop_cleanly, wait_for
from modbus_peers import Server, check_readings, skip_without_peers, spec_rows, write_map


def main():
    trk = sys.argv[1]
    skip_without_peers("socat", "mbpoll")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        server = Server(folder, "rtu", "--pty", os.path.join(folder, "bus"), "--bad-crc", "2").start().wait()
        device = server.address
        serial = ["--port", device, "--baud", "19200", "--parity", "none"]

        rows = spec_rows(units={1, 17})
        result = subprocess.run([trk, "read", "modbus", "--map", write_map(os.path.join(folder, "rtu.csv"), rows),
                                 *serial, "--count", "1", "--timeout", "1s"], capture_output=True, text=True, timeout=30)
        if result.returncode != 0 or result.stderr:
            fail(f"read modbus over RTU: exit {result.returncode}, stderr {result.stderr!r}")
        check_readings(result.stdout.splitlines(), rows, f"modbus:{device}")
        print(f"ok: {len(rows)} values over RTU decode to what the server holds")

        for flags, want in ((["-t", "4:float", "-B", "-r", "18"], "-271.15"), (["-t", "3:int", "-r", "4"], "-123456792")):
            shown = subprocess.run(["mbpoll", "-m", "rtu", "-b", "19200", "-P", "none", "-a", "1", "-0", "-1", "-c", "1",
                                    *flags, device], capture_output=True, text=True, timeout=10).stdout
            if not re.search(rf"^\[\d+\]:\s+{re.escape(want)}$", shown, re.M):
                fail(f"mbpoll {' '.join(flags)} over RTU: want {want}, shows {shown}")
        print("ok: mbpoll over RTU shows the same values")

        # Unit 2's answers have a bad CRC: a damaged-frame problem; unit 1's value comes out.
        damaged_rows = [r for r in spec_rows(units={1, 2}) if r["table"] == "holding" and r["address"] == 0]
        result = subprocess.run([trk, "read", "modbus", "--map", write_map(os.path.join(folder, "crc.csv"),
                                                                              damaged_rows),
                                 *serial, "--count", "1", "--timeout", "0.3s", "--retries", "1"],
                                capture_output=True, text=True, timeout=30)
        check_readings(result.stdout.splitlines(), [r for r in damaged_rows if r["unit"] == 1], f"modbus:{device}")
        problems = [p for p in result.stderr.splitlines()
                    if re.search(r"\b2\b", p) and "holding" in p and re.search(r"crc|damaged", p, re.I)]
        if not problems:
            fail(f"bad CRC: want a damaged-frame problem naming unit 2, holding 0; stderr {result.stderr!r}")
        print(f"ok: a bad CRC is a problem ({problems[0]!r}), the other unit's value comes out")

        # The serial line goes away (socat ends: an unplugged adapter) and comes back under
        # the same name: trk says so, writes nothing meanwhile, reopens it and goes on.
        one = [r for r in rows if r["unit"] == 1 and r["table"] == "holding" and r["address"] == 0]
        process = spawn([trk, "read", "modbus", "--map", write_map(os.path.join(folder, "one.csv"), one), *serial,
                         "--interval", "0.05s", "--timeout", "0.2s"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = Reader(process.stdout), Reader(process.stderr)
        wait_for(lambda: len(out.lines) >= 3, lambda: f"3 readings before the line goes; stderr {err.lines}")
        server.stop()
        gone = len(out.lines)
        time.sleep(0.3)
        if len(out.lines) > gone + 1:  # an answer on its way when socat ended may still come out
            fail(f"values written while the line was gone: {out.lines[gone:]}")
        gone = len(out.lines)
        server.start().wait()
        wait_for(lambda: len(out.lines) > gone, lambda: f"values after the line came back; stderr {err.lines}",
                 timeout=10)
        stop_cleanly(process, out, err)
        check_readings(out.lines[-1:], one, f"modbus:{device}")
        if not any("lost" in line for line in err.lines) or not any("reopened" in line for line in err.lines):
            fail(f"want lines saying the bus was lost and reopened; stderr {err.lines}")
        print(f"ok: the serial line went and came back: {gone} values before, {len(out.lines) - gone} after; "
              f"trk said {[line for line in err.lines if 'lost' in line or 'reopened' in line]}")
        server.stop()
    print(f"modbus RTU tests passed in {time.monotonic() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
