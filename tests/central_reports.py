#!/usr/bin/python3
"""The central ledger answers reports as a site's file does: the sample yard's main job
(scripts/demo.sh, without the serial port) runs into a SQLite site ledger, its records go
into a central PostgreSQL ledger as site "yard" (and a second site, "depot", with the dock
reads of the same night), and then trk where, history, audit, asset list --unknown, export
and ledger verify give byte-identical output on the file and on `--ledger URL --site yard`.
Without --site, the answers are every site's: where gives each asset's latest position with
its site, history merges the sites' records in time order, each naming its site. A record
changed behind trk's back with psql makes ledger verify fail, naming the site and the seq.

Records are loaded with COPY straight from the site files' tables (the keys, hashes and JSON
exactly as stored), as trk ledger push stores them.

  central_reports.py TRK SOURCE_DIR
"""
import csv
import io
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from pg_server import PgServer  # noqa: E402

TRK, SOURCE = sys.argv[1], sys.argv[2]
FIXTURES = os.path.join(SOURCE, "tests", "fixtures")
YARD = os.path.join(SOURCE, "sample", "yard")
NOW = "2026-11-24T07:00:00Z"  # the morning after the sample night, as in scripts/demo.sh
failures = []


def fail(message):
    failures.append(message)
    print("FAIL:", message)


def trk(*args, ledger, stdin=None, expect=(0,)):
    r = subprocess.run([TRK, *args], capture_output=True, text=True, input=stdin,
                       env={**os.environ, "TRK_LEDGER": ledger})
    if r.returncode not in expect:
        fail(f"trk {' '.join(args)} (ledger {ledger}) exited {r.returncode}: {r.stderr.strip()}")
    return r


def pipeline(commands, ledger):
    """Runs shell-free pipelines of trk commands (lists of arguments) feeding each other."""
    data = None
    for args in commands:
        data = trk(*args, ledger=ledger, stdin=data).stdout
    return data


def make_site(path, steps):
    """A site ledger holding the sample yard's registry and the records of `steps`."""
    trk("ledger", "init", ledger=path)
    trk("asset", "import", f"{YARD}/assets.csv", ledger=path)
    trk("reader", "add", "gate-2", "--zone", "yard-a", "--lat", "53.4998", "--lon", "9.9301", ledger=path)
    trk("reader", "add", "dock-3", "--zone", "dock-3", ledger=path)
    trk("fence", "add", f"{YARD}/fences.geojson", ledger=path)
    for step in steps:
        pipeline(step + [["ledger", "import"]], path)


RULES = ["--rules", f"{YARD}/rules", "--ledger-state", "yard"]
DOCK = [["read", "rfid", "--format", "llrp-csv", f"{FIXTURES}/dock-llrp.csv"]]
YARD_JOB = [
    [["read", "csv", "--map", "time=Date/Time,temperature=Temp [°C],humidity=RH [%],battery=Battery",
      "--asset", "RF-12", "--utc-offset", "+01:00", f"{FIXTURES}/reefer-rf12.csv"], ["check", *RULES]],
    DOCK,
    [["read", "csv", f"{FIXTURES}/crate-shocks.csv"], ["check", *RULES]],
    [["read", "nmea", "--asset", "FL-07", f"{FIXTURES}/yard-fl07.nmea"],
     ["clean", "--drop-invalid", "--max-speed", "15"], ["fence", "--margin", "1", "--min-dwell", "2s"],
     ["check", *RULES]],
    [["read", "rfid", "--format", "uhf-bb", "--reader", "gate-2", "--now", "2026-11-24T06:40:00Z",
      f"{FIXTURES}/gate-uhf-bb.bin"]],
]


def copy_in(server, table, columns, rows):
    """COPY rows (tuples; bytes as bytea, None as NULL) into trk.TABLE with psql."""
    text = io.StringIO()
    w = csv.writer(text, lineterminator="\n")
    for row in rows:
        w.writerow(["\\x" + v.hex() if isinstance(v, bytes) else v for v in row])
    r = subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", server.socket_dir, "-p", str(server.port),
                        "-U", "postgres", "-d", "trk", "-c",
                        f"COPY trk.{table} ({', '.join(columns)}) FROM STDIN (FORMAT csv)"],
                       input=text.getvalue(), capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"FAIL: COPY into trk.{table}: {r.stderr}")


def load_site(server, site, path, registry):
    """The site file's records and positions into the central ledger as `site` (and its
    registry, once)."""
    db = sqlite3.connect(path)
    server.psql(f"INSERT INTO trk.sites (name) VALUES ('{site}')")
    copy_in(server, "records", ["site", "seq", "key", "type", "time", "asset", "subject", "json", "hash", "lat", "lon"],
            [(site, *row) for row in db.execute(
                "SELECT seq, key, type, time, asset, subject, json, hash, "
                "CASE type WHEN 'fix' THEN json_extract(json, '$.lat') END, "
                "CASE type WHEN 'fix' THEN json_extract(json, '$.lon') END FROM records ORDER BY seq")])
    copy_in(server, "positions", ["site", "asset", "seq", "time", "type", "lat", "lon", "reader", "antenna"],
            [(site, *row) for row in db.execute(
                "SELECT asset, seq, time, type, lat, lon, reader, antenna FROM positions")])
    if registry:
        for table, columns in [("assets", "id, name, kind, home, attrs, created, retired"),
                               ("links", "kind, value, asset, since"), ("readers", "id, zone, lat, lon"),
                               ("reader_antennas", "reader, antenna, zone"), ("fences", "id, feature, added")]:
            copy_in(server, table, columns.split(", "), db.execute(f"SELECT {columns} FROM {table}"))
    db.close()


def same(args, file_ledger, url, stdin=None, expect=(0,)):
    """trk ARGS on the file and on the central ledger narrowed to yard: byte-identical."""
    a = trk(*args, ledger=file_ledger, stdin=stdin, expect=expect)
    b = trk(*args, "--site", "yard", ledger=url, stdin=stdin, expect=expect)
    label = "trk " + " ".join(args)
    if a.stdout != b.stdout or a.returncode != b.returncode:
        fail(f"{label}: the central ledger differs from the file (exit {a.returncode} vs {b.returncode})\n"
             f"--- file\n{a.stdout[:1500]}--- central\n{b.stdout[:1500]}{b.stderr}")
    elif not a.stdout:
        fail(f"{label}: no output to compare")
    else:
        print(f"ok: {label} ({len(a.stdout.splitlines())} lines, exit {a.returncode})")
    return a.stdout


def main():
    holder = tempfile.TemporaryDirectory(prefix="trk-central-reports-")  # removed when main ends
    tmp = holder.name
    yard, depot = os.path.join(tmp, "yard.db"), os.path.join(tmp, "depot.db")
    make_site(yard, YARD_JOB)
    make_site(depot, [DOCK])

    server = PgServer()
    url = server.url()
    trk("ledger", "init", "--central", ledger=url)
    load_site(server, "yard", yard, registry=True)
    load_site(server, "depot", depot, registry=False)

    # A site's answers: the file's, byte for byte.
    for fmt in ("table", "json", "csv"):
        same(["where", "--now", NOW, "--format", fmt], yard, url)
    same(["where", "FL-07", "--now", NOW, "--format", "json"], yard, url)
    same(["where", "--zone", "yard-a", "--now", NOW, "--format", "csv"], yard, url)
    history = same(["history", "FL-07"], yard, url)
    same(["history", "FL-07", "--type", "fix", "--since", "2026-11-23T20:00:00Z"], yard, url)
    same(["history", "RF-12", "--type", "event,reading", "--until", "2026-11-24T00:00:00Z"], yard, url)
    for fmt in ("table", "json"):
        same(["audit", "--zone", "yard-a", "--now", NOW, "--format", fmt, "--no-store"], yard, url, expect=(0, 1))
    same(["asset", "list", "--unknown", "--format", "csv"], yard, url)
    # epcis reads the readers' zones from the ledger ($TRK_LEDGER).
    same(["export", "--format", "epcis", "--now", NOW], yard, url, stdin=history)
    for fmt in ("text", "json"):
        same(["ledger", "verify", "--format", fmt], yard, url)

    # Every site: each asset's latest position, with its site (the latest time wins, then
    # the first site by name: the dock reads of both sites tie, and depot comes first).
    latest = {}
    for site, path in (("depot", depot), ("yard", yard)):
        db = sqlite3.connect(path)
        for asset, time in db.execute("SELECT asset, time FROM positions"):
            if asset not in latest or time > latest[asset][1]:
                latest[asset] = (site, time)
    rows = [json.loads(line) for line in trk("where", "--now", NOW, "--format", "json", ledger=url).stdout.splitlines()]
    got = {row["asset"]: row.get("site") for row in rows if not row.get("never_seen")}
    want = {asset: site for asset, (site, _) in latest.items()}
    if got != want:
        fail(f"multi-site where: sites {got}, expected {want}")
    elif "depot" not in got.values() or "yard" not in got.values():
        fail(f"multi-site where: expected both sites among the answers, got {got}")
    else:
        print(f"ok: multi-site where ({len(got)} assets, {list(got.values()).count('depot')} at depot)")

    # Every site's history of an asset read at both docks: both sites' records in time
    # order, each with "site" last; narrowed to one site, the file's.
    asset = next(a for a, (s, _) in latest.items() if s == "depot")
    merged = trk("history", asset, ledger=url).stdout.splitlines()
    records = [json.loads(line) for line in merged]
    times = [r["time"] for r in records]
    counts = {s: sum(1 for r in records if r.get("site") == s) for s in ("yard", "depot")}
    file_lines = trk("history", asset, ledger=yard).stdout.splitlines()
    depot_lines = trk("history", asset, ledger=depot).stdout.splitlines()
    if times != sorted(times) or counts != {"yard": len(file_lines), "depot": len(depot_lines)}:
        fail(f"multi-site history of {asset}: times in order {times == sorted(times)}, per site {counts}")
    elif not all(line.endswith(f',"site":"{r["site"]}"}}') for line, r in zip(merged, records)):
        fail(f"multi-site history of {asset}: \"site\" is not each record's last member: {merged[:2]}")
    elif sorted(line.rsplit(',"site":', 1)[0] + "}" for line in merged if '"site":"yard"' in line) != sorted(file_lines):
        fail(f"multi-site history of {asset}: yard's records are not the file's")
    else:
        print(f"ok: multi-site history of {asset} ({counts['yard']} yard + {counts['depot']} depot records)")

    # Every site's chain, then a record changed behind trk's back.
    v = json.loads(trk("ledger", "verify", "--format", "json", ledger=url).stdout)
    total = sum(1 for _ in sqlite3.connect(yard).execute("SELECT 1 FROM records")) + \
        sum(1 for _ in sqlite3.connect(depot).execute("SELECT 1 FROM records"))
    if not v.get("ok") or v.get("records") != total:
        fail(f"multi-site verify: {v}, expected ok over {total} records")
    else:
        print(f"ok: multi-site verify ({total} records)")
    seq = int(server.psql("SELECT seq FROM trk.records WHERE site = 'yard' AND type = 'fix' ORDER BY seq LIMIT 1 OFFSET 3"))
    server.psql(f"UPDATE trk.records SET json = replace(json, '\"lat\":', '\"lat\":1') WHERE site = 'yard' AND seq = {seq}")
    for args in (["ledger", "verify"], ["ledger", "verify", "--site", "yard"]):
        r = trk(*args, ledger=url, expect=(1,))
        if f"record {seq}" not in r.stdout or "yard" not in r.stdout:
            fail(f"trk {' '.join(args)} after a record was changed: does not name site yard and record {seq}:\n"
                 f"{r.stdout}{r.stderr}")
        else:
            print(f"ok: trk {' '.join(args)} names the changed record: {r.stdout.splitlines()[1][:80]}")
    r = trk("ledger", "verify", "--site", "depot", ledger=url)
    if r.returncode != 0:
        fail(f"depot's chain is intact, but verify --site depot says {r.stdout}")

    if failures:
        sys.exit(f"{len(failures)} failed")
    print("all ok")


main()
