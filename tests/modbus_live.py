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
  back, and exits 69 when the device refuses or does not keep the value.

usage: modbus_live.py TRK   (exit 77, skipped, without pymodbus or mbpoll)
"""
import datetime
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


def mbpoll_read(row):
    """How mbpoll reads `row`, (its -t type, flags, registers a value takes), or None where
    mbpoll has no such type."""
    table, kind, order = row["table"], row.get("type", "bool"), row.get("order", "ABCD")
    digit = {"coil": "0", "discrete": "1", "input": "3", "holding": "4"}[table]
    if kind in ("bool", "int16", "uint16"):
        return digit, (), 1
    if kind in ("int32", "uint32", "float32") and order in ("ABCD", "CDAB"):
        flags = ("-B",) if order == "ABCD" else ()  # mbpoll 1.4: CDAB unless -B
        return digit + (":float" if kind == "float32" else ":int"), flags, 2
    return None


def agree_with_mbpoll(port, rows, trk_values):
    """mbpoll shows each value trk read, where mbpoll has the type: one mbpoll run per unit,
    table, type and order, over the addresses of its rows (as a user would script it)."""
    groups = {}
    for row in rows:
        how = mbpoll_read(row)
        if how:
            groups.setdefault((row["unit"], *how), []).append(row)
    checked, wrong = 0, []
    for (unit, kind_flag, flags, width), group in groups.items():
        first = min(r["address"] for r in group)
        if any((r["address"] - first) % width for r in group):
            fail(f"spec rows of unit {unit} {kind_flag} are not {width} registers apart: one mbpoll run cannot read "
                 "them")
        count = (max(r["address"] for r in group) - first) // width + 1
        shown = mbpoll(port, unit, kind_flag, first, count, *flags)
        for row in group:
            kind = row.get("type", "bool")
            trk = trk_values[(unit, row["table"], row["address"])]
            text, signed = shown[row["address"]]
            if kind == "float32":
                ok, got = text == format(trk, "g"), text
            elif kind in ("int32", "uint32"):  # mbpoll prints 32-bit integers signed
                got = int(text)
                ok = got == (trk - (1 << 32) if kind == "uint32" and trk >= 1 << 31 else trk)
            elif kind == "int16" and signed is not None:
                got = int(signed)
                ok = got == trk
            else:
                got = int(text)
                ok = got == int(trk)
            checked += 1
            if not ok:
                wrong.append(f"unit {unit} {row['table']} {row['address']} {kind} {row.get('order', '')}: "
                             f"mbpoll {got}, trk {trk}")
    if wrong:
        fail("mbpoll and trk disagree:\n  " + "\n  ".join(wrong))
    return checked, len(groups)


def main():
    trk = sys.argv[1]
    skip_without_peers("mbpoll")
    started = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        path = lambda name: os.path.join(folder, name)  # noqa: E731
        # The servers start together (each takes ~0.1 s): the values, exceptions, slow.
        values = Server(folder, "values").start()
        faulty = Server(folder, "exceptions", "--exceptions", "--busy", "9", "--ignore-writes", "1").start()
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

        checked, runs = agree_with_mbpoll(values.address, rows, trk_values)
        print(f"ok: mbpoll shows the same {checked} values (the types and orders it has; {runs} mbpoll runs)")

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
        gone_from = time.time()
        time.sleep(0.2)  # four polls' worth: trk must write nothing for them
        gone_until = time.time()
        restarting.options[1] = path("restart-2.json")
        restarting.start(port=int(port)).wait()
        wait_for(lambda: any(json.loads(line)["value"] == 222 for line in out.lines),
                 lambda: f"values from the restarted server; stderr {err.lines}", timeout=10)
        stop_cleanly(process, out, err)
        got = [json.loads(line) for line in out.lines]
        values_got = [r["value"] for r in got]
        first_new = values_got.index(222)
        if set(values_got[:first_new]) != {111} or set(values_got[first_new:]) != {222}:
            fail(f"values around the restart: {values_got}")
        stamped = [datetime.datetime.fromisoformat(r["time"].replace("Z", "+00:00")).timestamp() for r in got]
        while_gone = [r for r, t in zip(got, stamped) if gone_from + 0.005 < t < gone_until]
        if while_gone:
            fail(f"values written while the server was gone ({gone_from:.3f} to {gone_until:.3f}): {while_gone}")
        if len(err.lines) < 2:
            fail(f"want a line when the server is lost and one when it is back; stderr {err.lines}")
        print(f"ok: server killed and restarted: {first_new} values before, {len(got) - first_new} after, "
              f"none while gone; trk said {err.lines!r}; SIGTERM ends it cleanly")

        scan_and_write(trk, values.address, faulty.address)
    took = time.monotonic() - started
    print(f"modbus live tests passed in {took:.1f} s")
    return 0


def scan_and_write(trk, port, faulty_port):
    host = f"127.0.0.1:{port}"
    # Scan: the units that answer among 1-3 and 16-18 (1, 2, 17), and the interpretations of unit 1's
    # holding registers 18-19 (-271.15 as a float32 ABCD, the server's value).
    answers = {}
    for units in ("1-3", "16-18"):  # few silent ids: each costs the whole --timeout
        result = run(trk, "modbus", "scan", "--host", host, "--units", units, "--timeout", "0.1s")
        if result.returncode != 0:
            fail(f"scan of units {units}: exit {result.returncode}: {result.stderr}")
        answers.update((r["unit_id"], r) for r in readings(result))
    if set(answers) != {1, 2, 17} or any(r["answer"] != "registers" for r in answers.values()) \
            or answers[1]["holding_0"] != -12343 & 0xFFFF:
        fail(f"scan found units {sorted(answers)}, the server has 1, 2, 17 (unit 1's holding 0 is -12343):\n"
             f"{result.stdout}")
    print(f"ok: scan finds units {sorted(answers)}")
    result = run(trk, "modbus", "scan", "--host", host, "--unit", "1", "--table", "holding", "--address", "18-19")
    rows = readings(result) if result.returncode == 0 else []
    if [r["address"] for r in rows] != [18, 19] or rows[0]["float32_abcd"] != -271.15 \
            or rows[0]["int16"] != rows[0]["uint16"] - 65536:
        fail(f"scan of holding 18-19: exit {result.returncode}, want float32_abcd -271.15:\n{result.stdout}"
             f"{result.stderr}")
    print("ok: scan prints the interpretations (-271.15 as float32_abcd at holding 18)")
    # Strings: trk read modbus leaves them out (a reading's value is a number), with a note
    # naming the row; scan shows their text two characters per register.
    strings = [r for r in spec_rows(units={1}, strings=True) if r.get("type", "").startswith("string")]
    with tempfile.TemporaryDirectory() as folder:
        result = read_modbus(trk, write_map(os.path.join(folder, "s.csv"), strings + spec_rows(units={1})[:1]), host,
                             "--count", "1")
    notes = [line for line in result.stderr.splitlines() if "string" in line and "not read" in line]
    if result.returncode != 0 or len(notes) != len(strings) or len(result.stdout.splitlines()) != 1:
        fail(f"string rows: want {len(strings)} notes and the one number read; exit {result.returncode}, "
             f"stdout {result.stdout!r}, stderr {result.stderr!r}")
    result = run(trk, "modbus", "scan", "--host", host, "--unit", "1", "--table", "holding", "--address", "74-81")
    text = "".join(r["ascii"] for r in readings(result))
    if text != "PUMP-0002".ljust(16, "."):
        fail(f"scan of the string8 at holding 74-81 (PUMP-0002) shows {text!r}")
    print(f"ok: string rows are left out with a note ({notes[0]!r}); scan shows the text {text!r}")

    # Write: a float32 CDAB into holding 18-19, read back by trk and by mbpoll; a refused
    # write (an address the device does not have) exits 69.
    result = run(trk, "modbus", "write", "--host", host, "--unit", "1", "--table", "holding", "--address", "18",
                 "--type", "float32", "--order", "CDAB", "21.5")
    if result.returncode != 0 or not result.stdout.startswith("took it: holding 18 of unit 1 now reads 21.5"):
        fail(f"write: exit {result.returncode}, stdout {result.stdout!r}, stderr {result.stderr!r}")
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
    refused = result.stderr.strip()
    # A register that keeps its own value (the server ignores writes to holding 1 of the
    # faulty server): the write is answered, the read-back differs: exit 69, nothing on stdout.
    result = run(trk, "modbus", "write", "--host", f"127.0.0.1:{faulty_port}", "--unit", "1", "--table", "holding",
                 "--address", "1", "--type", "uint16", "7")
    if result.returncode != 69 or result.stdout or "reads back" not in result.stderr:
        fail(f"a write the device answered but did not keep: exit {result.returncode}, want 69 and 'reads back'; "
             f"stdout {result.stdout!r}, stderr {result.stderr!r}")
    print(f"ok: write sets a float32 and a coil (mbpoll reads them back); refused: exit 69 ({refused!r}); "
          f"not kept: exit 69 ({result.stderr.strip()!r})")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    sys.exit(main())
