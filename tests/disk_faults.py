#!/usr/bin/env python3
"""A full disk, I/O errors and a read-only ledger, injected for real:

  * the faultfs shim (tests/faultfs/faultfs.c, LD_PRELOAD) fails writes under one folder
    with ENOSPC or EIO once a byte budget is spent, reads with EIO, and opens for writing
    with EROFS; always run;
  * a small tmpfs and a read-only bind mount, when this machine lets root mount (not in
    every chroot): the same checks on a real file system.

What must hold: exit 74 and a message naming the file; the ledger intact (integrity_check
ok, `trk ledger verify` unbroken), every record `--pass` wrote stored; a state file either
the old one or the new one, no temporary left; and once there is room again, a rerun gives
the same ledger as one clean run. A read-only ledger can still be queried.

usage: disk_faults.py TRK FAULTFS.so
"""
import hashlib
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import fail

RECORDS = 6000


def make_input(path, count=RECORDS, first=0):
    with open(path, "w") as f:
        for i in range(first, first + count):
            device, second = i % 10, i // 10
            stamp = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(1795418100 + second))
            f.write(json.dumps({"type": "fix", "time": f"{stamp}.000Z", "device": f"gps-{device:02d}",
                                "lat": 53.5 + device * 1e-4, "lon": 9.93 + second * 1e-6, "fix": "3d"},
                               separators=(",", ":")) + "\n")


class Trk:
    def __init__(self, trk, shim):
        self.trk, self.shim = trk, shim

    def run(self, *args, fault=None, stdout=None):
        """Runs trk; `fault`: the shim's settings (TRK_FAULT_*), None for none."""
        env = dict(os.environ)
        if fault:
            env["LD_PRELOAD"] = self.shim
            # The ASan build checks that its runtime comes first; the shim goes before it.
            env["ASAN_OPTIONS"] = env.get("ASAN_OPTIONS", "") + ":verify_asan_link_order=0"
            env.update({f"TRK_FAULT_{k}": str(v) for k, v in fault.items()})
        return subprocess.run([self.trk, *args], env=env, capture_output=stdout is None, stdout=stdout,
                              stderr=subprocess.PIPE if stdout is not None else None, text=True, timeout=120)


def expect(result, status, message, what):
    if result.returncode != status or message not in result.stderr:
        fail(f"{what}: exit {result.returncode}, stderr {result.stderr!r}; expected {status} and {message!r}")
    print(f"ok: {what}: exit {status}: {result.stderr.strip()}")


def ledger_rows(db):
    connection = sqlite3.connect(db)
    try:
        check = connection.execute("PRAGMA integrity_check").fetchone()[0]
        rows = connection.execute("SELECT seq, key, json, hash FROM records ORDER BY seq").fetchall()
    finally:
        connection.close()
    if check != "ok":
        fail(f"{db}: integrity_check says {check}")
    return rows


def verified(t, db):
    result = t.run("ledger", "verify", "--ledger", db)
    if result.returncode != 0 or "unbroken" not in result.stdout:
        fail(f"{db}: ledger verify: {result.stdout} {result.stderr}")


def import_disk_full(t, folder, data, reference, fault, message, name):
    """An import that runs out of room (`fault`, or a real small file system when None)."""
    db = os.path.join(folder, "ledger.db")
    if t.run("ledger", "init", "--ledger", db).returncode != 0:
        fail(f"{name}: ledger init")
    full = t.run("ledger", "import", "--ledger", db, "--pass", "--batch", "500", data, fault=fault)
    expect(full, 74, f"trk ledger import: {db}: {message}", name)
    if "nothing of this batch was stored" not in full.stderr:
        fail(f"{name}: the message does not say what was kept: {full.stderr}")
    rows = ledger_rows(db)
    verified(t, db)
    stored = {json.loads(r[2])["time"] + json.loads(r[2])["device"] for r in rows}
    passed = [json.loads(l) for l in full.stdout.splitlines()]
    missing = [p for p in passed if p["time"] + p["device"] not in stored]
    if missing or len(passed) != len(rows):
        fail(f"{name}: {len(passed)} records passed on as stored, {len(rows)} in the ledger, {len(missing)} missing")
    if f"{len(rows)} records stored before it" not in full.stderr:
        fail(f"{name}: {len(rows)} records stored, the message says {full.stderr}")
    return db, len(rows)


def rerun_completes(t, db, data, reference, name):
    again = t.run("ledger", "import", "--ledger", db, data)
    if again.returncode != 0:
        fail(f"{name}: the rerun with room again: exit {again.returncode}: {again.stderr}")
    if ledger_rows(db) != reference:
        fail(f"{name}: after the rerun the ledger differs from one clean import")
    verified(t, db)
    print(f"ok: {name}: a rerun with room gives the ledger of one clean import")


def ledger_faults(t, top, data):
    clean = os.path.join(top, "clean.db")
    t.run("ledger", "init", "--ledger", clean)
    if t.run("ledger", "import", "--ledger", clean, "--batch", "500", data).returncode != 0:
        fail("the clean import failed")
    reference = ledger_rows(clean)
    for budget, errno_name, message in ((150_000, "ENOSPC", "disk full while"), (400_000, "ENOSPC", "disk full while"),
                                        (150_000, "EIO", "I/O error (")):
        folder = tempfile.mkdtemp(dir=top)
        fault = {"DIR": folder, "WRITE_BUDGET": budget, "WRITE_ERRNO": errno_name}
        name = f"ledger import, {errno_name} after {budget} bytes"
        db, stored = import_disk_full(t, folder, data, reference, fault, message, name)
        if errno_name == "ENOSPC" and not 0 < stored < RECORDS and budget > 300_000:
            fail(f"{name}: {stored} records stored: the fault did not come mid-import")
        rerun_completes(t, db, data, reference, name)
    return reference


def state_file_faults(t, top, data):
    fences = os.path.join(top, "bay.geojson")
    with open(fences, "w") as f:
        json.dump({"type": "FeatureCollection", "features": [
            {"type": "Feature", "id": "bay", "properties": {}, "geometry": {"type": "Polygon", "coordinates": [
                [[9.929, 53.4999], [9.94, 53.4999], [9.94, 53.5005], [9.929, 53.5005], [9.929, 53.4999]]]}}]}, f)
    later = os.path.join(top, "later.jsonl")
    make_input(later, 2000, RECORDS)
    for stage in (["fence", "--fences", fences], ["check", "--rule", "speed > 20"]):
        folder = tempfile.mkdtemp(dir=top)
        state = os.path.join(folder, "state.json")
        first = t.run(*stage, "--state", state, data)
        if first.returncode != 0:
            fail(f"trk {stage[0]} --state: {first.stderr}")
        with open(state, "rb") as f:
            old = f.read()
        full = t.run(*stage, "--state", state, later, fault={"DIR": folder, "WRITE_BUDGET": len(old) // 2})
        expect(full, 74, f"trk {stage[0]}: {state}: cannot write: disk full (the file was left as it was)",
               f"trk {stage[0]} --state on a full disk")
        with open(state, "rb") as f:
            if f.read() != old:
                fail(f"trk {stage[0]}: the state file changed although it could not be written")
        if os.listdir(folder) != ["state.json"]:
            fail(f"trk {stage[0]}: left {os.listdir(folder)} behind")
        again = t.run(*stage, "--state", state, later)
        copy = os.path.join(folder, "copy.json")
        with open(copy, "wb") as f:
            f.write(old)
        clean = t.run(*stage, "--state", copy, later)
        with open(state, "rb") as a, open(copy, "rb") as b:
            if again.returncode != 0 or again.stdout != clean.stdout or a.read() != b.read():
                fail(f"trk {stage[0]}: the rerun with room differs from a clean run")
        print(f"ok: trk {stage[0]} --state: the old state kept on a full disk, the rerun as a clean run")


def export_faults(t, top, data):
    folder = tempfile.mkdtemp(dir=top)
    out = os.path.join(folder, "yard.geojson")
    with open(out, "w") as f:
        full = t.run("export", "--format", "geojson", data, fault={"DIR": folder, "WRITE_BUDGET": 100_000}, stdout=f)
    expect(full, 74, f"trk export: cannot write standard output ({out}): disk full", "trk export > file, disk full")
    folder = tempfile.mkdtemp(dir=top)
    copy = os.path.join(folder, "input.jsonl")
    with open(data) as f, open(copy, "w") as g:
        g.write(f.read())
    broken = t.run("read", "jsonl", copy, fault={"DIR": folder, "READ_BUDGET": 50_000})
    expect(broken, 74, f"trk read jsonl: {copy}: read failed: Input/output error", "an input file with a bad sector")


def file_digest(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


QUERIES = (["where", "--format", "jsonl", "--now", "2027-01-01T00:00:00Z"], ["history", "FL-03"],
           ["ledger", "verify"], ["ledger", "info"], ["asset", "list", "--format", "jsonl"])


def query_ledger(t, db, data):
    """A ledger of `data` for QUERIES: FL-03 is gps-03, so that its history is not empty."""
    t.run("ledger", "init", "--ledger", db)
    t.run("asset", "add", "FL-03", "--ledger", db)
    t.run("asset", "link", "FL-03", "--device", "gps-03", "--ledger", db)
    t.run("ledger", "import", "--ledger", db, data)


def read_only_checks(t, db, fault, name, one):
    """Queries work and give what they give on a writable copy; writes fail with 74."""
    before = file_digest(db)
    for query in QUERIES:
        writable = t.run(*query, "--ledger", db)
        ro = t.run(*query, "--ledger", db, fault=fault)
        if ro.returncode != 0 or ro.stdout != writable.stdout or not writable.stdout:
            fail(f"{name}: trk {' '.join(query)}: exit {ro.returncode}, stderr {ro.stderr!r}")
    for write in (["ledger", "import", one], ["asset", "add", "FL-99"]):
        result = t.run(*write, "--ledger", db, fault=fault)
        expect(result, 74, f"{db}: the ledger cannot be written", f"{name}: trk {' '.join(write[:2])}")
    if file_digest(db) != before:
        fail(f"{name}: the ledger file changed")
    print(f"ok: {name}: {', '.join(q[0] + (' ' + q[1] if q[0] in ('ledger', 'asset') else '') for q in QUERIES)} "
          f"work; writes fail with 74, the file unchanged")


def read_only_faults(t, top, data):
    one = os.path.join(top, "one.jsonl")
    with open(one, "w") as f:
        f.write(json.dumps({"type": "fix", "time": "2027-01-01T00:00:00Z", "device": "gps-77", "lat": 1, "lon": 2})
                + "\n")
    folder = tempfile.mkdtemp(dir=top)
    db = os.path.join(folder, "ledger.db")
    query_ledger(t, db, data)
    read_only_checks(t, db, {"DIR": folder, "READONLY": 1}, "a ledger on a read-only disk (shim)", one)
    broken = t.run("where", "--ledger", db, fault={"DIR": folder, "READ_BUDGET": 8192})
    expect(broken, 74, f"{db}: I/O error", "a ledger with a bad sector")


def mount(*args):
    return subprocess.run(["mount", *args], capture_output=True, text=True).returncode == 0


def real_file_systems(t, top, data, reference):
    """A 600 KB tmpfs and a read-only bind mount, where root may mount here."""
    point = tempfile.mkdtemp(dir=top)
    if os.geteuid() != 0 or not mount("-t", "tmpfs", "-o", "size=600k,mode=0700", "tmpfs", point):
        print("note: cannot mount here (not root, or a chroot without mount): the shim's checks stand alone")
        return
    try:
        db, stored = import_disk_full(t, point, data, reference, None, "disk full while", "ledger import on a 600 KB tmpfs")
        if not mount("-o", "remount,size=64m", point):
            fail("cannot grow the tmpfs")
        rerun_completes(t, db, data, reference, "ledger import on the tmpfs grown to 64 MB")
        source = tempfile.mkdtemp(dir=top)
        bound = tempfile.mkdtemp(dir=top)
        ro_db = os.path.join(source, "ledger.db")
        query_ledger(t, ro_db, data)
        if not mount("--bind", source, bound):
            print("note: no bind mounts here: the read-only ledger is checked through the shim only")
            return
        if not mount("-o", "remount,bind,ro", bound):
            subprocess.run(["umount", "-l", bound])
            print("note: no read-only bind mounts here: the read-only ledger is checked through the shim only")
            return
        try:
            read_only_checks(t, os.path.join(bound, "ledger.db"), None, "a ledger on a read-only bind mount",
                             os.path.join(top, "one.jsonl"))
        finally:
            subprocess.run(["umount", "-l", bound])
    finally:
        subprocess.run(["umount", "-l", point])


def main():
    trk, shim = sys.argv[1], sys.argv[2]
    t = Trk(trk, shim)
    with tempfile.TemporaryDirectory() as top:
        data = os.path.join(top, "fixes.jsonl")
        make_input(data)
        reference = ledger_faults(t, top, data)
        state_file_faults(t, top, data)
        export_faults(t, top, data)
        read_only_faults(t, top, data)
        real_file_systems(t, top, data, reference)
    return 0


if __name__ == "__main__":
    sys.exit(main())
