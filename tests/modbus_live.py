#!/usr/bin/env python3
"""trk read modbus, trk modbus scan and trk modbus write against real Modbus TCP servers
that trk did not write: pymodbus (tests/support/modbus_server.py, values encoded there with
Python's struct) and mbpoll as a second client reading the same registers.

- every type and order of three units' holding and input registers, coils and discrete
  inputs decodes to the exact value the server holds, with src naming bus/unit/table/address;
- mbpoll shows the same values where it has the type (16-bit, 32-bit integers and floats in
  ABCD with -B and CDAB without, coils, discrete inputs);
- exceptions (illegal address, a busy unit) are problems naming unit, table and address,
  and the other values still come out; a slow server gives timeouts;
- a server killed mid-run and started again on the same port: nothing is written while it
  is gone, values resume from the new server, SIGTERM ends trk cleanly;
- scan finds the units that answer and prints the interpretations; write writes and reads
  back, and exits 69 when the device refuses.

usage: modbus_live.py TRK   (exit 77, skipped, without pymodbus or mbpoll)
"""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time

from harness import Reader, fail, spawn, stop_cleanly, wait_for
from modbus_peers import Server, check_readings, skip_without_peers, spec_rows, write_map


def run(*args, timeout=20):
    return subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)


def read_modbus(trk, map_path, host, *options):
    return run(trk, "read", "modbus", "--map", map_path, "--host", host, *options)


def readings(result):
    return [json.loads(line) for line in result.stdout.splitlines()]


def mbpoll(port, unit, kind, address, count, *flags):
    """{address: (text, text in parentheses or None)} of one mbpoll read (PDU addressing)."""
    result = run("mbpoll", "-m", "tcp", "-p", port, "-a", str(unit), "-t", kind, "-r", str(address), "-c",
                 str(count), "-0", "-1", "-o", "1", *flags, "127.0.0.1")
    if result.returncode != 0:
        fail(f"mbpoll -a {unit} -t {kind} -r {address} {' '.join(flags)}: exit {result.returncode}: {result.stderr}")
    shown = {}
    for line in result.stdout.splitlines():
        m = re.match(r"\[(\d+)\]:\s+(\S+)(?:\s+\((-?\d+)\))?", line)
        if m:
            shown[int(m.group(1))] = (m.group(2), m.group(3))
    return shown


def agree_with_mbpoll(port, rows, trk_values):
    """mbpoll shows each value trk read, where mbpoll has the type."""
    checked, wrong = 0, []
    for row in rows:
        table, kind, order = row["table"], row.get("type", "bool"), row.get("order", "ABCD")
        digit = {"coil": "0", "discrete": "1", "input": "3", "holding": "4"}[table]
        trk = trk_values[(row["unit"], table, row["address"])]
        if kind in ("int16", "uint16"):
            text, signed = mbpoll(port, row["unit"], digit, row["address"], 1)[row["address"]]
            shown = int(text) if kind == "uint16" or signed is None else int(signed)
            ok = shown == trk
        elif kind in ("int32", "uint32", "float32") and order in ("ABCD", "CDAB"):
            flags = ["-B"] if order == "ABCD" else []  # mbpoll 1.4: CDAB unless -B
            text, _ = mbpoll(port, row["unit"], digit + (":float" if kind == "float32" else ":int"), row["address"], 1,
                             *flags)[row["address"]]
            if kind == "float32":
                ok, shown = text == format(trk, "g"), text
            else:  # mbpoll prints 32-bit integers signed
                shown = int(text)
                ok = shown == (trk - (1 << 32) if kind == "uint32" and trk >= 1 << 31 else trk)
        elif kind == "bool":
            text, _ = mbpoll(port, row["unit"], digit, row["address"], 1)[row["address"]]
            shown = int(text)
            ok = shown == int(trk)
        else:
            continue
        checked += 1
        if not ok:
            wrong.append(f"unit {row['unit']} {table} {row['address']} {kind} {order}: mbpoll {shown}, trk {trk}")
    if wrong:
        fail("mbpoll and trk disagree:\n  " + "\n  ".join(wrong))
    return checked


def main():
    trk = sys.argv[1]
    skip_without_peers("mbpoll")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        path = lambda name: os.path.join(folder, name)  # noqa: E731
        # The servers start together (each takes ~0.1 s): the values, exceptions, slow.
        values = Server(folder, "values").start()
        faulty = Server(folder, "exceptions", "--exceptions", "--busy", "9").start()
        slow = Server(folder, "slow", "--slow", "0.5").start()
        with open(path("restart-1.json"), "w") as f:
            json.dump([{"unit": 1, "table": "holding", "address": 0, "type": "uint16", "value": 111}], f)
        with open(path("restart-2.json"), "w") as f:
            json.dump([{"unit": 1, "table": "holding", "address": 0, "type": "uint16", "value": 222}], f)
        restarting = Server(folder, "restart", "--spec", path("restart-1.json")).start()
        for server in (values, faulty, slow, restarting):
            server.wait()
        host = f"127.0.0.1:{values.address}"

        # Every type and order, three units, four tables, in one poll.
        rows = spec_rows()
        result = read_modbus(trk, write_map(path("all.csv"), rows), host, "--count", "1", "--timeout", "1s")
        if result.returncode != 0 or result.stderr:
            fail(f"read modbus of every type: exit {result.returncode}, stderr {result.stderr!r}")
        check_readings(result.stdout.splitlines(), rows, f"modbus://{host}")
        trk_values = {}
        for r in readings(result):
            unit, table, address = r["src"].rsplit("/", 3)[1:]
            trk_values[(int(unit), table, int(address))] = r["value"]
        print(f"ok: {len(rows)} values of every type and order decode to what the server holds")

        # Without batching: the same values, one request each.
        single = [r for r in rows if r["unit"] == 2]
        result = read_modbus(trk, write_map(path("unit2.csv"), single), host, "--count", "1", "--no-batch")
        if result.returncode != 0:
            fail(f"read modbus --no-batch: exit {result.returncode}: {result.stderr}")
        check_readings(result.stdout.splitlines(), single, f"modbus://{host}")
        print("ok: --no-batch reads the same values")

        checked = agree_with_mbpoll(values.address, rows, trk_values)
        print(f"ok: mbpoll shows the same {checked} values (the types and orders it has)")

        # Exceptions: an illegal address, a busy unit; the rest of the poll comes out.
        exception_rows = [{"unit": 1, "table": "holding", "address": 0, "type": "int16", "value": -12343},
                          {"unit": 1, "table": "holding", "address": 500, "type": "uint16", "value": 0},
                          {"unit": 9, "table": "holding", "address": 0, "type": "uint16", "value": 0},
                          {"unit": 1, "table": "input", "address": 2, "type": "int32", "order": "ABCD",
                           "value": -123456792}]
        result = read_modbus(trk, write_map(path("exceptions.csv"), exception_rows), f"127.0.0.1:{faulty.address}",
                             "--count", "1", "--timeout", "0.5s")
        check_readings(result.stdout.splitlines(), [exception_rows[0], exception_rows[3]],
                       f"modbus://127.0.0.1:{faulty.address}")
        problems = result.stderr.splitlines()
        illegal = [p for p in problems if "500" in p and "holding" in p and "illegal" in p.lower()]
        busy = [p for p in problems if re.search(r"\b9\b", p) and "busy" in p.lower()]
        if not illegal or not busy:
            fail(f"exceptions: want a problem naming holding 500 (illegal address) and unit 9 (busy); "
                 f"stderr: {problems}")
        print(f"ok: exceptions are problems ({illegal[0]!r}, {busy[0]!r}), the other values come out")

        # A slow server: timeouts, quickly.
        begun = time.monotonic()
        result = read_modbus(trk, write_map(path("slow.csv"), rows[:1]), f"127.0.0.1:{slow.address}", "--count", "1",
                             "--timeout", "0.2s", "--retries", "0")
        took = time.monotonic() - begun
        if result.stdout or not re.search(r"time|no answer", result.stderr, re.I) or took > 3:
            fail(f"slow server: want no value and a timeout within 3 s; took {took:.1f} s, "
                 f"stdout {result.stdout!r}, stderr {result.stderr!r}")
        print(f"ok: a slow server gives a timeout ({result.stderr.splitlines()[0]!r}, {took:.2f} s)")

        # A server that goes away mid-run and comes back on the same port.
        port = restarting.address
        process = spawn([trk, "read", "modbus", "--map", write_map(path("restart.csv"), [
            {"unit": 1, "table": "holding", "address": 0, "type": "uint16"}]),
                         "--host", f"127.0.0.1:{port}", "--interval", "0.05s", "--timeout", "0.2s"],
                        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        out, err = Reader(process.stdout), Reader(process.stderr)
        wait_for(lambda: len(out.lines) >= 3, lambda: f"3 readings before the restart; stderr {err.lines}")
        restarting.kill()
        time.sleep(0.1)
        while_gone = len(out.lines)
        time.sleep(0.4)
        if len(out.lines) != while_gone:
            fail(f"values written while the server was gone: {out.lines[while_gone:]}")
        restarting.options[1] = path("restart-2.json")
        restarting.start(port=int(port)).wait()
        wait_for(lambda: any(json.loads(line)["value"] == 222 for line in out.lines),
                 lambda: f"values from the restarted server; stderr {err.lines}", timeout=10)
        stop_cleanly(process, out, err)
        got = [json.loads(line)["value"] for line in out.lines]
        first_new = got.index(222)
        if set(got[:first_new]) != {111} or set(got[first_new:]) != {222}:
            fail(f"values around the restart: {got}")
        if not err.lines:
            fail("the lost server was not said on stderr")
        print(f"ok: server killed and restarted: {first_new} values before, {len(got) - first_new} after, "
              f"none while gone; trk said {err.lines[0]!r}; SIGTERM ends it cleanly")

        scan_and_write(trk, values.address, faulty.address)
    took = time.monotonic() - started
    print(f"modbus live tests passed in {took:.1f} s")
    return 0


def scan_and_write(trk, port, faulty_port):
    host = f"127.0.0.1:{port}"
    # Scan: the units that answer among 1-20 (1, 2, 17), and the interpretations of unit 1's
    # holding registers 18-19 (-271.15 as a float32 ABCD, the server's value).
    result = run(trk, "modbus", "scan", "--host", host, "--units", "1-20", "--timeout", "0.1s")
    if result.returncode != 0:
        fail(f"scan of units: exit {result.returncode}: {result.stderr}")
    found = set(int(u) for u in re.findall(r"^\s*(?:unit\s+)?(\d+)\b", result.stdout, re.M | re.I))
    if not {1, 2, 17} <= found or found & (set(range(3, 17)) | {18, 19, 20}):
        fail(f"scan found units {sorted(found)}, the server has 1, 2, 17:\n{result.stdout}")
    print(f"ok: scan finds units {sorted(found)}")
    result = run(trk, "modbus", "scan", "--host", host, "--units", "1", "--table", "holding", "--address", "18",
                 "--count", "2")
    if result.returncode != 0 or "-271.15" not in result.stdout or "ABCD" not in result.stdout:
        fail(f"scan of holding 18-19: exit {result.returncode}, want -271.15 in ABCD:\n{result.stdout}{result.stderr}")
    print("ok: scan prints the interpretations (-271.15 as float32 ABCD among them)")

    # Write: a float32 CDAB into holding 18-19, read back by trk and by mbpoll; a refused
    # write (an address the device does not have) exits 69.
    result = run(trk, "modbus", "write", "--host", host, "--unit", "1", "--table", "holding", "--address", "18",
                 "--type", "float32", "--order", "CDAB", "21.5")
    if result.returncode != 0:
        fail(f"write: exit {result.returncode}: {result.stderr}")
    shown = mbpoll(port, 1, "4:float", 18, 1)  # CDAB without -B
    if shown[18][0] != "21.5":
        fail(f"after writing 21.5 as float32 CDAB, mbpoll shows {shown}")
    result = run(trk, "modbus", "write", "--host", host, "--unit", "1", "--table", "coil", "--address", "1", "1")
    if result.returncode != 0 or mbpoll(port, 1, "0", 1, 1)[1][0] != "1":
        fail(f"write of coil 1: exit {result.returncode}: {result.stderr}")
    result = run(trk, "modbus", "write", "--host", f"127.0.0.1:{faulty_port}", "--unit", "1", "--table", "holding",
                 "--address", "600", "--type", "uint16", "7")
    if result.returncode != 69:
        fail(f"a refused write: exit {result.returncode}, want 69; stderr {result.stderr!r}")
    print(f"ok: write sets a float32 and a coil (mbpoll reads them back); refused: exit 69 ({result.stderr.strip()!r})")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
