"""What the Modbus live tests (modbus_live.py, modbus_rtu.py) share: starting the pymodbus
test server (tests/support/modbus_server.py), the register map of its spec for trk, and
checking trk's readings against the values the server was loaded with."""
import csv
import json
import os
import struct
import subprocess

from harness import fail, spawn, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
SERVER = os.path.join(HERE, "support", "modbus_server.py")
SPEC = os.path.join(HERE, "support", "modbus_values.json")
PYTHON = "/usr/bin/python3"


def skip_without_peers(*tools):
    """Exit 77 (skipped, saying why) without Debian's pymodbus or one of `tools`."""
    probe = subprocess.run([PYTHON, "-c", "import pymodbus, serial_asyncio"], capture_output=True)
    if probe.returncode != 0:
        print("SKIP: /usr/bin/python3 has no pymodbus or serial_asyncio (python3-pymodbus, python3-serial-asyncio)")
        raise SystemExit(77)
    for tool in tools:
        if subprocess.run(["sh", "-c", f"command -v {tool}"], capture_output=True).returncode != 0:
            print(f"SKIP: {tool} is not installed")
            raise SystemExit(77)


class Server:
    """The pymodbus server, started with `options`; `address` is its port (TCP) or its pty
    link (RTU, --pty) once `wait()` returns."""

    def __init__(self, folder, name, *options):
        self.folder, self.name, self.options = folder, name, list(options)
        self.port_file = os.path.join(folder, name + ".port")
        self.process = None
        self.address = None

    def start(self, port=None):
        if os.path.exists(self.port_file):
            os.unlink(self.port_file)
        extra = ["--port", str(port)] if port else []
        self.process = spawn([PYTHON, SERVER, "--port-file", self.port_file, *extra, *self.options],
                             stdout=subprocess.DEVNULL)
        return self

    def wait(self):
        wait_for(lambda: os.path.exists(self.port_file) or self.process.poll() is not None,
                 f"the {self.name} server to start")
        if self.process.poll() is not None:
            fail(f"the {self.name} server exited {self.process.returncode} at start")
        self.address = open(self.port_file, encoding="utf-8").read().strip()
        return self

    def kill(self):
        self.process.kill()
        self.process.wait()

    def stop(self):
        self.process.terminate()
        self.process.wait(timeout=10)


def spec_rows(path=SPEC, units=None, strings=False):
    """The spec's rows (of `units`); string rows only with `strings`: trk read modbus leaves
    them out with a note (a reading's value is a number), trk modbus scan shows them."""
    rows = json.load(open(path, encoding="utf-8"))
    return [r for r in rows if (units is None or r["unit"] in units)
            and (strings or not r.get("type", "").startswith("string"))]


def metric(row):
    """A metric name that says what the row is: holding_float32_cdab_20."""
    return "_".join([row["table"], row.get("type", "bool"), row.get("order", "abcd").lower(), str(row["address"])])


def write_map(path, rows):
    """The trk register map of spec `rows` (asset U<unit>, one metric per row)."""
    with open(path, "w", newline="", encoding="utf-8") as f:
        out = csv.writer(f)
        out.writerow(["asset", "metric", "unit_id", "table", "address", "type", "order"])
        for r in rows:
            out.writerow([f"U{r['unit']}", metric(r), r["unit"], r["table"], r["address"], r.get("type", "bool"),
                          r.get("order", "")])
    return path


def same_value(row, value):
    """Whether trk's `value` is exactly the value the server was loaded with (a float32 as the
    float32 it was stored as)."""
    expected = row["value"]
    kind = row.get("type", "bool")
    if kind == "bool":
        return value in (True, 1) if expected else value in (False, 0)
    if kind.startswith("string"):
        return value == expected
    if kind == "float32":
        return isinstance(value, (int, float)) and struct.pack(">f", value) == struct.pack(">f", expected)
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == expected


def check_readings(lines, rows, bus):
    """Every row of the spec comes out once, with its exact value, its `src` naming the bus,
    unit, table and address, and its asset and metric from the map."""
    readings = [json.loads(line) for line in lines]
    by_src = {}
    for r in readings:
        if r.get("type") != "reading":
            fail(f"not a reading: {r}")
        if r["src"] in by_src:
            fail(f"two readings from {r['src']}: {by_src[r['src']]} and {r}")
        by_src[r["src"]] = r
    wrong = []
    for row in rows:
        src = f"{bus}/{row['unit']}/{row['table']}/{row['address']}"
        got = by_src.pop(src, None)
        if got is None:
            wrong.append(f"{src}: no reading")
        elif got["asset"] != f"U{row['unit']}" or got["metric"] != metric(row):
            wrong.append(f"{src}: asset/metric {got['asset']}/{got['metric']}, map says U{row['unit']}/{metric(row)}")
        elif not same_value(row, got["value"]):
            wrong.append(f"{src} ({metric(row)}): trk {got['value']!r}, server holds {row['value']!r}")
    if by_src:
        wrong.append(f"readings of no map row: {sorted(by_src)}")
    if wrong:
        fail(f"{len(wrong)} of {len(rows)} values wrong:\n  " + "\n  ".join(wrong))
