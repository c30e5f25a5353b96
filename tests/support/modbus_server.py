#!/usr/bin/python3
"""A real Modbus server for trk's tests, README tour and benchmark: pymodbus 3.0.0rc1 (Debian's
python3-pymodbus, hence /usr/bin/python3), with registers loaded from a JSON spec and
encoded here with Python's struct, independently of trk's C++ decoding.

Transports:
  TCP (default): listens on --host (127.0.0.1) and --port (0: a free one). The port is
    printed on standard output once the server listens, and written to --port-file
    (atomically) when given. The listening socket has SO_REUSEADDR, so a test can kill the
    server and start it again on the same port (a gateway that went away and came back).
  RTU: --rtu DEVICE serves on a serial device, e.g. one end of a socat pty pair that the
    caller started; --pty LINK starts socat itself (killed when the server ends), serves on
    LINK.server and leaves LINK for the client (trk, mbpoll). LINK is printed (and written
    to --port-file) once the server is ready.

Spec (--spec FILE, JSON): a list of {"unit": 1, "table": "holding", "address": 0,
"type": "float32", "order": "CDAB", "value": -273.15}; tables coil, discrete, input,
holding; types bool, int16, uint16, int32, uint32, int64, uint64, float32, float64,
stringN (N registers); orders ABCD (default), CDAB, BADC, DCBA (trk-modbus(1)). Coils and
holding registers are writable. Units not in the spec never answer (as on a serial line).

Modes:
  --exceptions      only the spec's registers exist (anything else answers exception 2,
                    illegal data address), and the --busy units answer exception 6
                    (server device busy) to everything
  --slow SECONDS    every answer is sent that late (timeouts)
  --bad-crc UNITS   the answers of these units (comma list) have their last byte flipped:
                    over RTU a bad CRC
  --story pump      the bundled pump (sample/pump): unit 1, values that change one step per
                    poll (each read of the run-status coil is a poll); ignores --spec
  --ignore-writes ADDRESSES
                    writes to these holding registers (comma list, every unit) are
                    answered as done but not stored: a register the device sets itself
  --stats           on exit, print "requests: N" on standard error (the benchmark)
  --background      detach once ready (print the port, then return); the server ends after
                    --idle-exit seconds (default 60 in the background) without a request
SIGTERM and SIGINT end it cleanly.
"""
import argparse
import json
import os
import signal
import struct
import subprocess
import sys
import time

TABLES = ("coil", "discrete", "input", "holding")
FORMATS = {"int16": "h", "uint16": "H", "int32": "i", "uint32": "I", "int64": "q", "uint64": "Q",
           "float32": "f", "float64": "d"}


def registers(type_name, order, value):
    """The 16-bit registers that hold `value` as `type_name` in `order` (struct, big-endian
    first, then the order's word and byte swaps: ABCD as is, CDAB words reversed, BADC
    bytes of each word swapped, DCBA both)."""
    order = (order or "ABCD").upper()
    if type_name.startswith("string"):
        size = 2 * int(type_name[6:])
        raw = value.encode("ascii").ljust(size, b"\0")
        if len(raw) != size:
            raise ValueError(f"{value!r} does not fit {type_name}")
    else:
        raw = struct.pack(">" + FORMATS[type_name], value)
        if order in ("CDAB", "DCBA"):
            raw = b"".join(reversed([raw[i:i + 2] for i in range(0, len(raw), 2)]))
    if order in ("BADC", "DCBA"):
        raw = b"".join(raw[i + 1:i + 2] + raw[i:i + 1] for i in range(0, len(raw), 2))
    return [int.from_bytes(raw[i:i + 2], "big") for i in range(0, len(raw), 2)]


def load(rows):
    """{(unit, table): {address: register or bit}} of the spec's rows."""
    tables = {}
    for row in rows:
        table = row["table"]
        if table not in TABLES:
            raise ValueError(f"unknown table {table!r}")
        words = [1 if row["value"] else 0] if table in ("coil", "discrete") else registers(
            row["type"], row.get("order"), row["value"])
        cells = tables.setdefault((int(row["unit"]), table), {})
        for i, word in enumerate(words):
            cells[row["address"] + i] = word
    return tables


class PumpStory:
    """Pump P-101 on unit 1 (sample/pump/pump.csv): a bearing going bad. Vibration rises
    first, then temperature and motor current, until the drive trips at step 10 (run status
    off, current 0); each read of the run-status coil is one step (one poll)."""

    STEPS = 12

    def __init__(self):
        self.step = -1

    def values(self, step):
        step = min(max(step, 0), self.STEPS - 1)
        tripped = step >= 10
        vibration = [2.10, 2.15, 2.40, 3.10, 3.90, 4.70, 5.60, 6.40, 7.30, 8.20, 0.35, 0.30][step]
        temperature = [61.5, 62.0, 63.5, 65.5, 68.0, 71.0, 74.5, 78.0, 82.5, 86.0, 84.5, 82.0][step]
        current = 0 if tripped else [12.40, 12.45, 12.60, 12.90, 13.30, 13.80, 14.40, 15.10, 15.90, 16.80][step]
        return [
            {"table": "coil", "address": 0, "value": not tripped},                      # run status
            {"table": "discrete", "address": 0, "value": tripped},                      # trip alarm
            {"table": "input", "address": 0, "type": "float32", "order": "CDAB", "value": temperature},
            {"table": "input", "address": 2, "type": "uint16", "value": round(vibration * 100)},
            {"table": "input", "address": 3, "type": "int32", "value": round(current * 100)},
            {"table": "input", "address": 5, "type": "float32", "order": "ABCD",
             "value": 0.0 if tripped else 42.5 - step * 0.5},                              # flow m3/h
            {"table": "input", "address": 7, "type": "int16", "value": 0 if tripped else 412 - step * 3},
            {"table": "input", "address": 8, "type": "uint32", "order": "CDAB", "value": 18234 + step // 4},
            {"table": "holding", "address": 0, "type": "uint16", "value": 850},        # alarm setpoint 85.0
            {"table": "holding", "address": 1, "type": "string8", "value": "P101-KSB"},
        ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--spec", help="the registers (JSON); default tests/support/modbus_values.json")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="TCP port (0: a free one)")
    parser.add_argument("--port-file", help="write the port (or the pty link) here once ready")
    parser.add_argument("--rtu", metavar="DEVICE", help="serve RTU on this serial device")
    parser.add_argument("--pty", metavar="LINK", help="start socat, serve RTU on LINK.server, client uses LINK")
    parser.add_argument("--exceptions", action="store_true")
    parser.add_argument("--busy", default="9", help="units answering 'busy' with --exceptions (comma list)")
    parser.add_argument("--slow", type=float, default=0.0, metavar="SECONDS")
    parser.add_argument("--bad-crc", default="", metavar="UNITS")
    parser.add_argument("--story", choices=["pump"])
    parser.add_argument("--background", action="store_true")
    parser.add_argument("--idle-exit", type=float, metavar="SECONDS")
    parser.add_argument("--ignore-writes", default="", metavar="ADDRESSES")
    parser.add_argument("--stats", action="store_true", help="on exit, say on stderr how many requests came")
    args = parser.parse_args()
    if args.background and args.idle_exit is None:
        args.idle_exit = 60.0

    story = PumpStory() if args.story == "pump" else None
    if story:
        tables = load({"unit": 1, **row} for row in story.values(0))
    else:
        spec = args.spec or os.path.join(os.path.dirname(os.path.abspath(__file__)), "modbus_values.json")
        with open(spec, encoding="utf-8") as f:
            tables = load(json.load(f))

    ready_pipe = None
    if args.background:
        read_end, write_end = os.pipe()
        if os.fork():
            os.close(write_end)
            said = os.read(read_end, 4096).decode()
            if not said:
                sys.exit("modbus_server.py: the server did not start")
            sys.stdout.write(said)
            return 0
        os.close(read_end)
        os.setsid()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        ready_pipe = write_end
    return serve(args, tables, story, ready_pipe)


def serve(args, tables, story, ready_pipe):
    import asyncio
    import logging
    from pymodbus.datastore import ModbusSequentialDataBlock, ModbusSparseDataBlock
    from pymodbus.datastore import ModbusServerContext, ModbusSlaveContext
    from pymodbus.framer.rtu_framer import ModbusRtuFramer
    from pymodbus.framer.socket_framer import ModbusSocketFramer
    from pymodbus.server.async_io import (ModbusConnectedRequestHandler, ModbusSerialServer,
                                          ModbusSingleRequestHandler, ModbusTcpServer)

    logging.getLogger("pymodbus").setLevel(logging.CRITICAL)
    busy = {int(u) for u in args.busy.split(",") if u} if args.exceptions else set()
    bad_crc = {int(u) for u in args.bad_crc.split(",") if u}
    last_request = [time.monotonic()]
    requests = [0]

    def block(cells):
        if args.exceptions:
            return ModbusSparseDataBlock(dict(cells))
        values = [0] * (max(cells) + 1 if cells else 1)
        for address, word in cells.items():
            values[address] = word
        return ModbusSequentialDataBlock(0, values)

    ignored = {int(a) for a in args.ignore_writes.split(",") if a}

    class Context(ModbusSlaveContext):
        """A unit whose --ignore-writes holding registers keep their value."""

        def setValues(self, fc_as_hex, address, values):
            if fc_as_hex in (6, 16) and ignored & set(range(address, address + len(values))):
                return
            super().setValues(fc_as_hex, address, values)

    class StoryContext(Context):
        """Unit 1 of a story: each read of coil 0 moves the story one step on."""

        def getValues(self, fc_as_hex, address, count=1):
            if fc_as_hex == 1 and address == 0:
                story.step += 1
                for (_, table), cells in load({"unit": 1, **r} for r in story.values(story.step)).items():
                    self.store[{"coil": "c", "discrete": "d", "input": "i", "holding": "h"}[table]].setValues(
                        min(cells), [cells[a] for a in sorted(cells)])
            return super().getValues(fc_as_hex, address, count)

    units = {}
    for unit in sorted({u for u, _ in tables} | busy):
        blocks = {key: block(tables.get((unit, table), {}))
                  for key, table in (("co", "coil"), ("di", "discrete"), ("ir", "input"), ("hr", "holding"))}
        units[unit] = (StoryContext if story else Context)(zero_mode=True, **blocks)
    context = ModbusServerContext(slaves=units, single=False)

    def behaving(base):
        class Handler(base):
            def execute(self, request, *addr):
                last_request[0] = time.monotonic()
                requests[0] += 1
                if request.unit_id in busy:
                    response = request.doException(6)  # server device busy
                    response.transaction_id = request.transaction_id
                    response.unit_id = request.unit_id
                    self.send(response, *addr)
                    return
                super().execute(request, *addr)

            def send(self, message, *addr, **kwargs):
                if not message.should_respond:
                    return
                packet = self.framer.buildPacket(message)
                if message.unit_id in bad_crc:
                    packet = packet[:-1] + bytes([packet[-1] ^ 0x5A])
                rest = () if addr in ((), (None,)) else addr
                if args.slow > 0:
                    asyncio.get_running_loop().call_later(args.slow, self._send_, packet, *rest)
                else:
                    self._send_(packet, *rest)
        return Handler

    def announce(text):
        if args.port_file:
            with open(args.port_file + ".tmp", "w", encoding="utf-8") as f:
                f.write(text + "\n")
            os.replace(args.port_file + ".tmp", args.port_file)
        if ready_pipe is not None:
            os.write(ready_pipe, (text + "\n").encode())
            os.close(ready_pipe)
        else:
            print(text, flush=True)

    socat = None

    async def run():
        nonlocal socat
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        device = args.rtu
        if args.pty:
            device = args.pty + ".server"
            for path in (args.pty, device):
                if os.path.lexists(path):
                    os.unlink(path)
            socat = subprocess.Popen(["socat", f"pty,raw,echo=0,link={args.pty}", f"pty,raw,echo=0,link={device}"],
                                     stderr=subprocess.DEVNULL)
            while not (os.path.exists(args.pty) and os.path.exists(device)):
                await asyncio.sleep(0.01)
        if device:
            server = ModbusSerialServer(context, framer=ModbusRtuFramer, port=device, baudrate=19200,
                                        handler=behaving(ModbusSingleRequestHandler))
            await server.start()
            announce(args.pty or device)
        else:
            server = ModbusTcpServer(context, framer=ModbusSocketFramer, address=(args.host, args.port),
                                     handler=behaving(ModbusConnectedRequestHandler), allow_reuse_address=True)
            server.server = await loop.create_server(lambda: server.handler(server), args.host, args.port,
                                                     reuse_address=True)
            announce(str(server.server.sockets[0].getsockname()[1]))
        while not stop.is_set():
            try:
                await asyncio.wait_for(stop.wait(), timeout=0.5)
            except asyncio.TimeoutError:
                if args.idle_exit and time.monotonic() - last_request[0] > args.idle_exit:
                    break
        if device:
            await server.shutdown()
        else:
            server.server.close()
            for connection in list(server.active_connections.values()):
                connection.transport.close()

    try:
        asyncio.run(run())
    finally:
        if socat:
            socat.terminate()
            socat.wait()
        if args.stats:
            print(f"requests: {requests[0]}", file=sys.stderr, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
