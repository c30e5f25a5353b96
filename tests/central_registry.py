#!/usr/bin/env python3
"""The central ledger's registry against a real PostgreSQL 15 + PostGIS, through the CLI.

  * `trk ledger init --ledger postgresql://...` creates the schema (migrations recorded);
  * the same `trk asset`, `trk reader` and `trk fence` commands run against the central
    ledger and against a SQLite file give the same output and exit status, unknown names
    (67) and refusals (64) included;
  * a tag linked on the central ledger adopts the unresolved records of every site;
  * a password in the URL exits 64 before any connection; a server that is not there exits
    69 saying so; a database without trk's schema exits 65 naming `trk ledger init`; one of
    a newer trk exits 65 and is left as it was;
  * the views (trk.fixes, trk.reads, trk.readings, trk.events, trk.latest_positions) read
    records with timestamptz times, the reporting role may read them, and every fence has a
    valid geometry (the circle a polygon of the radius it names).

usage: central_registry.py TRK SOURCE_DIR
"""
import json
import re
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from pg_server import PgServer  # noqa: E402

TRK, SOURCE = sys.argv[1], sys.argv[2]
YARD = os.path.join(SOURCE, "sample", "yard")
EPC = "3074257BF7194E4000001A85"


def fail(message):
    print("FAIL:", message)
    sys.exit(1)


def trk(args, ledger):
    r = subprocess.run([TRK] + args + ["--ledger", ledger], capture_output=True, text=True, cwd=SOURCE,
                       env=dict(os.environ, TZ="UTC"))
    # The times the registry keeps are now's: the two ledgers' differ by the milliseconds between.
    now = re.compile(r"\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d(\.\d+)?Z?")
    return r.returncode, now.sub("TIME", r.stdout), now.sub("TIME", r.stderr.replace(ledger, "LEDGER"))


def expect(args, ledger, code, says=""):
    rc, out, err = trk(args, ledger)
    if rc != code or says not in err:
        fail(f"trk {' '.join(args)} --ledger {ledger}: exit {rc} (expected {code}, saying {says!r}):\n{out}{err}")
    return out, err


def init_args():
    """init on a URL: with --central when this trk has it."""
    r = subprocess.run([TRK, "ledger", "init", "--help"], capture_output=True, text=True)
    return ["ledger", "init"] + (["--central"] if "--central" in r.stdout else [])


# Each step: the command, and the exit status expected (the same on both ledgers).
STEPS = [
    (["asset", "import", "sample/yard/assets.csv"], 0),
    (["asset", "add", "TR-2", "--kind", "trailer", "--home", "gate", "--name", "Trailer 2"], 0),
    (["asset", "add", "TR-2"], 64),
    (["asset", "link", "TR-2", "--device", "gps-02"], 0),
    (["asset", "link", "TR-2", "--device", "gps-02"], 0),
    (["asset", "link", "FL-07", "--device", "gps-02"], 64),
    (["asset", "link", "NOPE-1", "--device", "gps-09"], 67),
    (["asset", "link", "FL-07", "--epc", "urn:epc:tag:sgtin-96:3.0614141.812345.99999"], 0),
    (["asset", "list"], 0),
    (["asset", "list", "--kind", "pallet"], 0),
    (["asset", "list", "--kind", "palet"], 67),
    (["asset", "show", "FL-07"], 0),
    (["asset", "show", "FL-7"], 67),
    (["asset", "unlink", "TR-2", "--device", "gps-03"], 67),
    (["asset", "unlink", "TR-2", "--device", "gps-02"], 0),
    (["asset", "retire", "RF-12"], 0),
    (["asset", "retire", "RF-12"], 64),
    (["asset", "retire", "RF-99"], 67),
    (["asset", "list", "--retired"], 0),
    (["asset", "list", "--format", "csv"], 0),
    (["reader", "add", "gate-2", "--zone", "gate", "--lat", "53.4998", "--lon", "9.9301"], 0),
    (["reader", "add", "dock-3", "--zone", "dock-3", "--antenna", "2:dock-3b"], 0),
    (["reader", "add", "a-1", "--zone", "yard-a"], 0),
    (["reader", "list"], 0),
    (["reader", "rm", "a-1"], 0),
    (["reader", "rm", "gate-3"], 67),
    (["reader", "list", "--format", "csv"], 0),
    (["fence", "add", "sample/yard/fences.geojson"], 0),
    (["fence", "add", "sample/yard/fences.geojson"], 0),
    (["fence", "list"], 0),
    (["fence", "rm", "stack-9"], 67),
    (["where", "--zone", "dock-3b"], None),  # a zone an antenna names: known (answers need pg-queries)
    (["where", "--zone", "yard-aa"], 67),
]


def main():
    started = time.time()
    s = PgServer()
    url = s.url()
    work = tempfile.mkdtemp(prefix="trk-central-registry-")
    site_file = os.path.join(work, "site.db")

    expect(init_args(), url, 0)
    versions = s.psql("SELECT string_agg(version::text, ',' ORDER BY version) FROM trk.migrations").strip()
    if not versions.startswith("1,2"):
        fail(f"trk.migrations after init: {versions!r}")
    roles = s.psql("SELECT string_agg(rolname, ',' ORDER BY rolname) FROM pg_roles WHERE rolname LIKE 'trk_%'")
    if roles.strip() != "trk_report,trk_site":
        fail(f"group roles after init: {roles!r}")
    expect(init_args(), url, 0)  # again: nothing to apply, nothing doubled
    expect(["ledger", "init"], site_file, 0)

    fence_ids = [f["properties"]["id"] if "id" in f.get("properties", {}) else f.get("id")
                 for f in json.load(open(os.path.join(YARD, "fences.geojson")))["features"]]
    steps = STEPS + [(["fence", "rm", str(fence_ids[1])], 0), (["fence", "list"], 0)]
    for args, code in steps:
        central, local = trk(args, url), trk(args, site_file)
        if central[0] == 70 and "cannot answer" in central[2]:  # ledger_pg_pending.cpp: until pg-queries lands
            print(f"not yet on the central ledger: trk {' '.join(args)}")
            continue
        if code is None:  # known name: anything but 67
            if central[0] == 67 or local[0] == 67:
                fail(f"trk {' '.join(args)}: a known zone was not found:\n{central[2]}{local[2]}")
            continue
        if central[0] != code:
            fail(f"trk {' '.join(args)} on the central ledger: exit {central[0]} (expected {code}):\n"
                 f"{central[1]}{central[2]}")
        if central != local:
            fail(f"trk {' '.join(args)}: the central ledger and the file differ:\n--- central\n{central[1]}"
                 f"{central[2]}--- file\n{local[1]}{local[2]}")

    # Records of two sites, one read of an unknown tag each: linking the tag gives it both.
    for site, seq in (("north", 1), ("south", 1), ("south", 2)):
        record = {"type": "read", "time": f"2026-11-20T08:0{seq}:00.000Z", "epc": "E2801160600002084A7D6E55",
                  "reader": "gate-2"}
        if seq == 2:
            record = {"type": "fix", "time": "2026-11-20T08:02:00.000Z", "device": "gps-07", "lat": 53.5,
                      "lon": 9.93, "speed": 1.5, "zones": ["yard-a", "far-corner"]}
        subject = record.get("epc") or record.get("device")
        s.psql(f"INSERT INTO trk.records (site, seq, key, type, time, subject, json, hash, lat, lon) VALUES "
               f"('{site}', {seq}, '\\x0{seq}', '{record['type']}', 1795161600000 + {seq} * 60000, '{subject}', "
               f"'{json.dumps(record, separators=(',', ':'))}', '\\x00', {record.get('lat', 'NULL')}, "
               f"{record.get('lon', 'NULL')})")
    s.psql("INSERT INTO trk.positions (site, asset, seq, time, type, lat, lon) "
           "VALUES ('south', 'FL-07', 2, 1795161720000, 'fix', 53.5, 9.93)")
    expect(["asset", "link", "PAL-6789", "--epc", "E2801160600002084A7D6E55"], url, 0)
    adopted = s.psql("SELECT string_agg(site || '=' || coalesce(asset, '-'), ',' ORDER BY site, seq) "
                     "FROM trk.records WHERE type = 'read'").strip()
    if adopted != "north=PAL-6789,south=PAL-6789":
        fail(f"reads of the linked tag: {adopted}")
    expect(["asset", "link", "FL-07", "--device", "gps-07"], url, 0)

    # A zone named only by a stored fix is known (the last fix's, and any fix's).
    for zone in ("far-corner", "yard-a"):
        rc, _, err = trk(["where", "--zone", zone], url)
        if rc == 67:
            fail(f"zone {zone} of a stored fix was not known:\n{err}")

    # ledger info: the file's keys and the sites.
    out, _ = expect(["ledger", "info", "--format", "json"], url, 0)
    info = json.loads(out)
    if info.get("sites") != 2 or info.get("records") != 3 or info.get("path") != url:
        fail(f"ledger info: {out}")

    # The views, as a reporting role reads them.
    s.psql("CREATE ROLE report LOGIN IN ROLE trk_report")
    row = s.psql("SELECT site, time, asset, device, speed, zones, ST_AsText(geom) FROM trk.fixes", user="report")
    if row.strip() != "south|2026-11-20 08:02:00+00|FL-07|gps-07|1.5|{yard-a,far-corner}|POINT(9.93 53.5)":
        fail(f"trk.fixes: {row!r}")
    row = s.psql("SELECT string_agg(site || ' ' || time::text || ' ' || epc || ' ' || reader, ';' ORDER BY site) "
                 "FROM trk.reads", user="report")
    if row.strip() != ("north 2026-11-20 08:01:00+00 E2801160600002084A7D6E55 gate-2;"
                       "south 2026-11-20 08:01:00+00 E2801160600002084A7D6E55 gate-2"):
        fail(f"trk.reads: {row!r}")
    for view in ("readings", "events"):
        s.psql(f"SELECT * FROM trk.{view}", user="report")
    row = s.psql("SELECT asset, time, ST_AsText(geom) FROM trk.latest_positions", user="report")
    if row.strip() != "FL-07|2026-11-20 08:02:00+00|POINT(9.93 53.5)":
        fail(f"trk.latest_positions: {row!r}")

    # Every fence has a valid shape; the circle is a polygon of its radius (25 m: ~1963 m²).
    shapes = s.psql("SELECT count(*), count(*) FILTER (WHERE geom IS NOT NULL AND ST_IsValid(geom)) FROM trk.fences")
    kept = len(fence_ids) - 1
    if shapes.strip() != f"{kept}|{kept}":
        fail(f"fence shapes (fences, valid ones): {shapes!r}, expected {kept} of each")
    circle = s.psql("SELECT ST_GeometryType(geom), round(ST_Area(geom::geography)) FROM trk.fences "
                    "WHERE feature::jsonb -> 'geometry' ->> 'type' = 'Point'").strip().split("|")
    if circle[0] != "ST_Polygon" or not 1900 < float(circle[1]) < 1970:
        fail(f"the circle fence's shape: {circle}")
    inside = s.psql("SELECT string_agg(id, ',' ORDER BY id) FROM trk.fences "
                    "WHERE ST_Contains(geom, ST_SetSRID(ST_MakePoint(9.9301, 53.4998), 4326))")
    print("fences holding gate-2:", inside.strip() or "none")

    # A password in the URL: refused before connecting (this host does not exist).
    _, err = expect(["asset", "list"], "postgresql://trk:secret@/trk?host=/nonexistent", 64, "~/.pgpass or PGPASSFILE")
    if "secret" in err:
        fail(f"the password was repeated: {err}")
    expect(["asset", "list"], "postgresql:///trk?host=/nonexistent&password=secret", 64, "PGPASSFILE")
    # No server behind the socket.
    _, err = expect(["asset", "list"], f"postgresql:///trk?host={work}&port={s.port}", 69, "cannot connect")
    if "is the server running" not in err:
        fail(f"no hint for a server that is not there: {err}")
    # A database without trk's schema, then one of a newer trk.
    s.psql("CREATE DATABASE empty", db="postgres")
    expect(["asset", "list"], s.url(db="empty"), 65, "trk ledger init --central")
    s.psql("INSERT INTO trk.migrations (version, name) VALUES (999, '999_future')")
    expect(["asset", "list"], url, 65, "newer than this trk knows")
    expect(init_args(), url, 65, "newer than this trk knows")
    if int(s.psql("SELECT count(*) FROM trk.migrations")) != len(versions.split(",")) + 1:
        fail("the database of a newer trk was changed")

    print(f"ok: {len(steps)} commands alike on both ledgers, views and fences checked "
          f"({time.time() - started:.1f} s)")


main()
