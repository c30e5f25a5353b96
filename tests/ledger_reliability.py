#!/usr/bin/env python3
"""Reliability of the ledger, with real processes: crashes, concurrency, damaged files.

  * kill -9 of `trk ledger import --pass` at random moments, 25 times (10 in a sanitizer build):
    afterwards SQLite's integrity_check is ok, `trk ledger verify` finds the hash chain whole,
    every record the import had passed on (it passes records only once they are committed) is
    stored, and importing the whole input again completes the set with no duplicate;
  * an import running while other processes query (`trk where`, `trk history`) in a loop:
    no errors, no busy failure within the default timeout;
  * a truncated ledger, a file that is not SQLite, another program's SQLite database, a
    ledger from a newer trk, a read-only folder, a missing ledger: a clear message and the
    documented exit status, and the file is left as it was;
  * progress: an import that runs for more than a second shows one line on a terminal's
    standard error, redrawn in place ("\\r... N records, X MB"), at most 4 times a second,
    cleared before the summary; with standard error not a terminal, no progress at all.

usage: ledger_reliability.py TRK
"""
import calendar
import json
import os
import pty
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time

from harness import fail, rounds, spawn

RECORDS = 20000
KILLS = rounds(25, 10)  # a sanitizer build (harness.SANITIZED): 10, at the same spread of moments


def make_input(path):
    """RECORDS fixes of 20 devices, one a second, as `trk read nmea` would write them."""
    with open(path, "w") as f:
        for i in range(RECORDS):
            device, second = i % 20, i // 20
            t = 1795418100 + second
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(t))
            f.write(json.dumps({"type": "fix", "time": f"{stamp}.000Z", "device": f"gps-{device:02d}",
                                "lat": 53.5 + device * 1e-4, "lon": 9.93 + second * 1e-6, "fix": "3d"},
                               separators=(",", ":")) + "\n")


def trk_run(trk, *args, **kwargs):
    return subprocess.run([trk, *args], capture_output=True, text=True, timeout=120, **kwargs)


def stored_keys(db):
    connection = sqlite3.connect(db)
    try:
        rows = connection.execute("SELECT subject, time FROM records").fetchall()
        return rows
    finally:
        connection.close()


def crash_test(trk, folder, data):
    db = os.path.join(folder, "crash.db")
    if trk_run(trk, "ledger", "init", "--ledger", db).returncode != 0:
        fail("ledger init failed")
    rng = random.Random(20261125)
    passed_total = 0
    for attempt in range(KILLS):
        run = spawn([trk, "ledger", "import", "--ledger", db, "--pass", "--batch", str(rng.choice([50, 200, 1000])),
                     data], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        output = []
        reader = threading.Thread(target=lambda: output.append(run.stdout.read()), daemon=True)
        reader.start()
        time.sleep(rng.uniform(0.005, 0.4))
        run.send_signal(signal.SIGKILL)
        run.wait()
        reader.join(timeout=10)
        # The kill may cut the last line short: only whole lines were passed on.
        passed = b"".join(output).split(b"\n")[:-1]
        passed_total += len(passed)
        connection = sqlite3.connect(db)
        try:
            check = connection.execute("PRAGMA integrity_check").fetchone()[0]
            stored = set(connection.execute("SELECT subject, time FROM records").fetchall())
            count = connection.execute("SELECT count(*) FROM records").fetchone()[0]
        finally:
            connection.close()
        if check != "ok":
            fail(f"kill {attempt}: integrity_check says {check}")
        if count != len(stored):
            fail(f"kill {attempt}: {count} records but {len(stored)} distinct keys")
        for line in passed:
            record = json.loads(line)
            t = calendar.timegm(time.strptime(record["time"][:19], "%Y-%m-%dT%H:%M:%S")) * 1000
            if (record["device"], t) not in stored:
                fail(f"kill {attempt}: a record the import passed on (so committed) is missing: {line}")
    verify = trk_run(trk, "ledger", "verify", "--ledger", db)
    if verify.returncode != 0:
        fail(f"ledger verify after the kills: {verify.stdout} {verify.stderr}")
    final = trk_run(trk, "ledger", "import", "--ledger", db, data)
    if final.returncode != 0:
        fail(f"the final import failed: {final.stderr}")
    keys = stored_keys(db)
    if len(keys) != RECORDS or len(set(keys)) != RECORDS:
        fail(f"after re-running the import: {len(keys)} records, {len(set(keys))} distinct, {RECORDS} expected")
    print(f"{KILLS} kill -9 during import: integrity ok, {passed_total} passed-on records all stored, "
          f"chain whole; re-import completed the set: {final.stderr.strip()}")


def concurrency_test(trk, folder, data):
    db = os.path.join(folder, "busy.db")
    trk_run(trk, "ledger", "init", "--ledger", db)
    trk_run(trk, "asset", "add", "--ledger", db, "FL-07")
    trk_run(trk, "asset", "link", "--ledger", db, "FL-07", "--device", "gps-07")
    failures = []
    done = threading.Event()

    def query(args):
        runs = 0
        while not done.is_set():
            result = trk_run(trk, *args, "--ledger", db)
            runs += 1
            if result.returncode != 0:
                failures.append(f"{' '.join(args)}: exit {result.returncode}: {result.stderr.strip()}")
        return runs

    counts = {}
    threads = [threading.Thread(target=lambda a=a: counts.__setitem__(a[0], query(a)))
               for a in (["where", "--format", "jsonl"], ["history", "FL-07"], ["asset", "list", "--format", "jsonl"])]
    for t in threads:
        t.start()
    writer = trk_run(trk, "ledger", "import", "--ledger", db, "--batch", "100", data)
    done.set()
    for t in threads:
        t.join()
    if writer.returncode != 0:
        fail(f"the import beside the readers failed: {writer.stderr}")
    if failures:
        fail("queries beside an import failed: " + "; ".join(failures[:5]))
    print(f"import beside {sum(counts.values())} queries ({counts}): no error, no busy failure")


def damaged_files_test(trk, folder):
    good = os.path.join(folder, "good.db")
    trk_run(trk, "ledger", "init", "--ledger", good)
    trk_run(trk, "asset", "add", "--ledger", good, "FL-07")

    def expect(name, path, status, message, args=("where",)):
        before = open(path, "rb").read() if os.path.isfile(path) else None
        result = trk_run(trk, *args, "--ledger", path)
        if result.returncode != status or message not in result.stderr:
            fail(f"{name}: exit {result.returncode}, stderr {result.stderr!r}; expected {status} and {message!r}")
        if before is not None and open(path, "rb").read() != before:
            fail(f"{name}: the file was changed")
        print(f"{name}: exit {status}: {result.stderr.strip()}")

    truncated = os.path.join(folder, "truncated.db")
    shutil.copy(good, truncated)
    with open(truncated, "r+b") as f:
        f.truncate(os.path.getsize(truncated) // 2)
    expect("truncated ledger", truncated, 65, "not a trk ledger, or a damaged one", ("asset", "list"))

    text = os.path.join(folder, "notes.txt")
    with open(text, "w") as f:
        f.write("yard notes, not a database\n" * 100)
    expect("a text file", text, 65, "not a trk ledger, or a damaged one")

    other = os.path.join(folder, "other.db")
    connection = sqlite3.connect(other)
    connection.execute("CREATE TABLE stock (item TEXT)")
    connection.commit()
    connection.close()
    expect("another program's database", other, 65, "an SQLite database, but not a trk ledger")

    newer = os.path.join(folder, "newer.db")
    shutil.copy(good, newer)
    connection = sqlite3.connect(newer)
    connection.execute("PRAGMA user_version = 999")
    connection.commit()
    connection.close()
    expect("a ledger from a newer trk", newer, 65, "is newer than this trk knows")

    expect("no ledger", os.path.join(folder, "none.db"), 66, "create one with 'trk ledger init'")

    locked = os.path.join(folder, "locked")
    os.mkdir(locked)
    os.chmod(locked, 0o500)
    try:
        # root writes in any folder; /proc is read-only even for root.
        target = os.path.join(locked, "l.db") if not os.access(locked, os.W_OK) else "/proc/self/trk/l.db"
        result = trk_run(trk, "ledger", "init", "--ledger", target)
        if result.returncode != 74 or "cannot create" not in result.stderr:
            fail(f"read-only folder: exit {result.returncode}: {result.stderr!r}")
        print(f"read-only folder: exit 74: {result.stderr.strip()}")
    finally:
        os.chmod(locked, 0o700)


def progress_test(trk, folder):
    """`trk ledger import` from a pipe fed until the import has run for 1.4 s (progress
    starts after 1 s): stderr a pseudo-terminal, then a file."""
    line = json.dumps({"type": "fix", "time": "2026-11-23T07:00:00Z", "device": "gps-01", "lat": 53.5,
                       "lon": 9.93}) + "\n"
    block = (line * 2000).encode()
    db = os.path.join(folder, "progress.db")

    def run(stderr_fd):
        process = spawn([trk, "ledger", "import", "--ledger", db], stdin=subprocess.PIPE, stderr=stderr_fd,
                        stdout=subprocess.DEVNULL)
        ends = time.monotonic() + 1.4
        while time.monotonic() < ends:
            process.stdin.write(block)
        process.stdin.close()
        return process

    trk_run(trk, "ledger", "init", "--ledger", db)
    controller, terminal = pty.openpty()
    process = run(terminal)
    os.close(terminal)
    said = b""
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the terminal's last writer has gone
            break
        if not chunk:
            break
        said += chunk
    os.close(controller)
    if process.wait(timeout=60) != 0:
        fail(f"import with a terminal on stderr: exit {process.returncode}: {said!r}")
    text = said.decode().replace("\r\n", "\n")
    lines = [part for part in text.split("\r") if part.startswith("trk ledger import: ") and " records" in part]
    if not lines or not all(" records, " in part and part.endswith("MB\x1b[K") for part in lines):
        fail(f"no progress line on a terminal: {said!r}")
    if len(lines) > 4 * 1.4 + 1:
        fail(f"{len(lines)} progress lines in 1.4 s: more than 4 a second: {said!r}")
    if not re.search(r"\r\x1b\[Ktrk ledger import: \d+ new, \d+ duplicate, 0 rejected; \d+ stored without an asset\n$",
                     text):
        fail(f"the progress line is not cleared before the summary: {said!r}")
    print(f"progress on a terminal: {len(lines)} lines, last {lines[-1][:-3]!r}")

    log = os.path.join(folder, "progress.log")
    with open(log, "wb") as f:
        process = run(f)
        process.wait(timeout=60)
    with open(log, "rb") as f:
        logged = f.read()
    if b"\r" in logged or b"records, " in logged:
        fail(f"progress written to a stderr that is not a terminal: {logged!r}")
    print(f"progress with stderr to a file: none ({logged.decode().strip()})")


def main():
    trk = sys.argv[1]
    with tempfile.TemporaryDirectory() as folder:
        data = os.path.join(folder, "fixes.jsonl")
        make_input(data)
        crash_test(trk, folder, data)
        concurrency_test(trk, folder, data)
        damaged_files_test(trk, folder)
        progress_test(trk, folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
