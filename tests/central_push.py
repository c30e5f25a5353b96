#!/usr/bin/env python3
"""trk ledger push against a real PostgreSQL 15 + PostGIS (tests/support/pg_server.py), with the
sample yard's site ledger (scripts/demo.sh's main job, in part):

  * a first push stores exactly the file's records (psql count = the file's count), its
    audits and checkpoints, each asset's position as `trk where` gives it on the file, and
    advances the file's mark (setting push:CENTRAL_ID) to the central head;
  * a second push sends nothing, in under a second;
  * records imported later go in the next push, and only they;
  * a restored older copy of the file sends nothing; once it takes records of its own, its
    chain no longer joins the central one: refused with 65, nothing sent;
  * the site's own role (a trk_site member) pushes; another site's role is refused: 69;
  * a URL with a password: 64, before connecting; no server there: 69; a database without
    the central schema: 65.

usage: central_push.py TRK SOURCE_DIR
"""
import datetime
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from pg_server import PgServer  # noqa: E402

TRK, SOURCE = sys.argv[1], sys.argv[2]
FIXTURES = os.path.join(SOURCE, "tests", "fixtures")
YARD = os.path.join(SOURCE, "sample", "yard")
NOW = "2026-11-24T07:00:00Z"


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def trk(*args, ledger=None, stdin=None, expect=0):
    env = dict(os.environ)
    if ledger:
        env["TRK_LEDGER"] = ledger
    r = subprocess.run([TRK, *args], input=stdin, capture_output=True, text=True, env=env, timeout=60)
    if expect is not None and r.returncode != expect:
        fail(f"trk {' '.join(args)}: exit {r.returncode}, expected {expect}\n{r.stderr}")
    return r


def pipeline(ledger, *stages):
    """Runs trk stages joined by pipes (the first reads a file), importing the result."""
    data = None
    for stage in stages:
        data = trk(*stage, ledger=ledger, stdin=data).stdout
    trk("ledger", "import", ledger=ledger, stdin=data)


def make_site(ledger, part):
    """The sample yard's ledger: part 1 the registry, the reefer's log and the dock reader;
    part 2 FL-07's GPS night and the gate reader's morning, an audit and a checkpoint."""
    if part == 1:
        trk("ledger", "init", ledger=ledger)
        trk("asset", "import", f"{YARD}/assets.csv", ledger=ledger)
        trk("reader", "add", "gate-2", "--zone", "yard-a", "--lat", "53.4998", "--lon", "9.9301", ledger=ledger)
        trk("reader", "add", "dock-3", "--zone", "dock-3", ledger=ledger)
        trk("fence", "add", f"{YARD}/fences.geojson", ledger=ledger)
        pipeline(ledger, ["read", "csv", "--map", "time=Date/Time,temperature=Temp [°C],humidity=RH [%],"
                          "battery=Battery", "--asset", "RF-12", "--utc-offset", "+01:00",
                          f"{FIXTURES}/reefer-rf12.csv"])
        pipeline(ledger, ["read", "rfid", "--format", "llrp-csv", f"{FIXTURES}/dock-llrp.csv"])
    else:
        pipeline(ledger, ["read", "nmea", "--asset", "FL-07", f"{FIXTURES}/yard-fl07.nmea"],
                 ["clean", "--drop-invalid", "--max-speed", "15"], ["fence", "--margin", "1", "--min-dwell", "2s"])
        pipeline(ledger, ["read", "rfid", "--format", "uhf-bb", "--reader", "gate-2", "--now",
                          "2026-11-24T06:40:00Z", f"{FIXTURES}/gate-uhf-bb.bin"])
        # A record whose JSON holds escapes (a backslash, a tab), which COPY's text format escapes again.
        trk("ledger", "import", ledger=ledger,
            stdin='{"type":"reading","time":"2026-11-24T06:45:00Z","asset":"RF-12","device":"probe \\"A\\"\\tB\\\\",'
                  '"metric":"temperature","value":3.5,"unit":"Cel"}\n')
        trk("audit", "--zone", "yard-a", "--now", NOW, ledger=ledger, expect=None)
        key = os.path.join(os.path.dirname(ledger), "site.key")
        if not os.path.exists(key):
            trk("ledger", "keygen", key)
        trk("ledger", "sign", "--key", key, ledger=ledger)


def local_count(ledger, table):
    with sqlite3.connect(ledger) as db:
        return db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]


def local_setting(ledger, key):
    with sqlite3.connect(ledger) as db:
        row = db.execute("SELECT value FROM settings WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None


def central_count(pg, table, site="yard"):
    return int(pg.psql(f"SELECT count(*) FROM trk.{table} WHERE site = '{site}'"))


def create_central(pg):
    """The central schema, as its administrator makes it: trk ledger init on the URL (with
    --central where this trk has it)."""
    central = ["--central"] if "--central" in trk("ledger", "init", "--help").stdout else []
    trk("ledger", "init", *central, "--ledger", pg.url())


def push(ledger, url, *args, expect=0):
    return trk("ledger", "push", "--to", url, *args, ledger=ledger, expect=expect)


def check_complete(pg, ledger, what):
    for table in ("records", "audits", "checkpoints"):
        here, there = local_count(ledger, table), central_count(pg, table)
        if here != there:
            fail(f"{what}: {table}: {here} in the file, {there} centrally")
    head = local_count(ledger, "records")
    central_head = int(pg.psql("SELECT seq FROM trk.site_head('yard')"))
    if central_head != head:
        fail(f"{what}: central head {central_head}, the file's {head}")
    central_id = pg.psql("SELECT id FROM trk.ledger").strip()
    mark = local_setting(ledger, f"push:{central_id}")
    if mark != str(head):
        fail(f"{what}: the file's mark push:{central_id} is {mark!r}, expected {head}")
    # The chain arrives as it is: the same hashes, seq for seq.
    with sqlite3.connect(ledger) as db:
        ours = db.execute("SELECT seq, hex(hash) FROM records ORDER BY seq").fetchall()
    theirs = pg.psql("SELECT seq || ',' || upper(encode(hash, 'hex')) FROM trk.records WHERE site = 'yard' "
                     "ORDER BY seq").split()
    if [f"{s},{h}" for s, h in ours] != theirs:
        fail(f"{what}: the central chain differs from the file's")
    with sqlite3.connect(ledger) as db:
        ours = db.execute("SELECT json FROM records ORDER BY seq").fetchall()
    theirs = pg.psql("SELECT json FROM trk.records WHERE site = 'yard' ORDER BY seq").splitlines()
    if [j for (j,) in ours] != theirs:
        fail(f"{what}: the central records' JSON differs from the file's")


def check_positions(pg, ledger):
    """Each asset's central position is the one `trk where` gives on the file."""
    where = [json.loads(line) for line in trk("where", "--now", NOW, ledger=ledger).stdout.splitlines()]
    central = {}
    for row in pg.psql("SELECT asset, time, type, coalesce(lat::text, ''), coalesce(lon::text, ''), "
                       "coalesce(reader, '') FROM trk.positions WHERE site = 'yard'").splitlines():
        asset, t, kind, lat, lon, reader = row.split("|")
        central[asset] = (int(t), kind, float(lat) if lat else None, float(lon) if lon else None, reader)
    if not where or len(central) != len(where):
        fail(f"positions: {len(central)} centrally, {len(where)} from trk where: {central} {where}")
    for w in where:
        c = central.get(w["asset"])
        if c is None:
            fail(f"positions: {w['asset']} is not central")
        stamp = datetime.datetime.fromisoformat(w["time"].replace("Z", "+00:00"))
        same = (round(stamp.timestamp() * 1000) == c[0] and w.get("source") == c[1] and w.get("reader", "") == c[4]
                and (c[1] == "read" or (w.get("lat"), w.get("lon")) == (c[2], c[3])))
        if not same:
            fail(f"positions: {w['asset']}: trk where says {w}, the central ledger {c}")
    if not any(c[1] == "fix" and c[2] is not None for c in central.values()):
        fail(f"positions: no fix position centrally: {central}")


def main():
    start = time.time()
    pg = PgServer()
    create_central(pg)
    url = pg.url()
    tmp = tempfile.mkdtemp(prefix="trk-push-")
    try:
        ledger = os.path.join(tmp, "site.db")
        make_site(ledger, 1)

        # A file with no site name needs --site, and keeps the name it first pushed under.
        r = push(ledger, url, expect=64)
        if "trk ledger init --site" not in r.stderr:
            fail(f"no site name: {r.stderr}")
        r = push(ledger, url, "--site", "yard")
        if local_setting(ledger, "site") != "yard":
            fail("the site name given with --site was not kept")
        first = local_count(ledger, "records")
        if f"{first} records" not in r.stderr or "as site yard" not in r.stderr:
            fail(f"summary of the first push: {r.stderr}")
        check_complete(pg, ledger, "first push")
        push(ledger, url, "--site", "other", expect=64)
        backup = os.path.join(tmp, "backup.db")
        shutil.copy(ledger, backup)

        # Later records, audits and a checkpoint: only they go, in small batches.
        make_site(ledger, 2)
        if local_count(ledger, "audits") == 0 or local_count(ledger, "checkpoints") == 0:
            fail("the sample site kept no audit or no checkpoint")
        r = push(ledger, url, "--batch", "100")
        sent = local_count(ledger, "records") - first
        if f"{sent} records, 1 audit, 1 checkpoint pushed" not in r.stderr:
            fail(f"second push should send {sent} records, 1 audit, 1 checkpoint: {r.stderr}")
        check_complete(pg, ledger, "incremental push")
        check_positions(pg, ledger)

        # Nothing new: nothing sent, quickly.
        began = time.time()
        r = push(ledger, url)
        took = time.time() - began
        if "nothing new" not in r.stderr or took >= 1.0:
            fail(f"a push with nothing new: {took:.2f} s: {r.stderr}")
        check_complete(pg, ledger, "push of nothing new")

        # A restored older copy sends nothing twice; one that took records of its own after
        # the restore no longer joins the central chain: refused, with both hashes.
        total = central_count(pg, "records")
        r = push(backup, url)
        if central_count(pg, "records") != total:
            fail("a restored older copy sent records again")
        pipeline(backup, ["read", "rfid", "--format", "uhf-bb", "--reader", "dock-3", "--now",
                          "2026-11-24T06:50:00Z", f"{FIXTURES}/gate-uhf-bb.bin"])
        r = push(backup, url, expect=65)
        if "does not join" not in r.stderr or r.stderr.count("centrally") < 1:
            fail(f"a diverged chain: {r.stderr}")
        if central_count(pg, "records") != total:
            fail("a diverged chain sent records")

        # A site's own role (a trk_site member) pushes its records, positions and all; another
        # site's role is refused before anything is sent (69).
        pg.psql("CREATE ROLE yard_role LOGIN IN ROLE trk_site; CREATE ROLE north_role LOGIN IN ROLE trk_site")
        pg.psql("UPDATE trk.sites SET role = 'yard_role' WHERE name = 'yard'; "
                "INSERT INTO trk.sites (name, role) VALUES ('north', 'north_role')")
        trk("ledger", "import", ledger=ledger,
            stdin='{"type":"fix","time":"2026-11-24T06:59:00Z","asset":"FL-07","device":"gps-fl07",'
                  '"lat":53.5001,"lon":9.9302,"fix":"3d"}\n')
        r = push(ledger, pg.url(user="north_role"), expect=69)
        if "north" not in r.stderr or central_count(pg, "records") != total:
            fail(f"another site's role: {r.stderr}")
        r = push(ledger, pg.url(user="yard_role"))
        if "1 record, 0 audits, 0 checkpoints pushed" not in r.stderr:
            fail(f"the site's own role: {r.stderr}")
        check_complete(pg, ledger, "push by the site's role")
        check_positions(pg, ledger)

        # Refused before connecting: a password in the URL; no server: 69.
        secret = url.replace("postgresql:///", "postgresql://postgres:secret@/")
        r = push(ledger, secret, expect=64)
        if "secret" in r.stderr or ".pgpass" not in r.stderr:
            fail(f"a password in the URL: {r.stderr}")
        nowhere = url.replace(f"port={pg.port}", f"port={pg.port + 1}")
        push(ledger, nowhere, expect=69)
        # A database without the central schema: 65, naming the command that makes one.
        pg.psql("CREATE DATABASE empty", db="postgres")
        r = push(ledger, pg.url(db="empty"), expect=65)
        if "trk ledger init --central" not in r.stderr:
            fail(f"a database without the schema: {r.stderr}")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"ok ({time.time() - start:.1f} s)")


if __name__ == "__main__":
    main()
