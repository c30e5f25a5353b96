#!/usr/bin/env python3
"""PostGIS on the central ledger agrees with trk's zones, and TLS with verify-full works.

Agreement: the sample yard's fixes (FL-07's capture, tests/fixtures/yard-fl07.nmea, through
`trk read nmea | trk fence --fences sample/yard/fences.geojson` as scripts/demo.sh runs it,
without --margin) and a grid of generated fixes over the whole yard (every fence, the
gate's circle among them, and the ground between them) are imported into a site's ledger
and pushed to the central ledger (`trk ledger push --to URL --site yard`); the fences go
there with `trk fence add --ledger URL`. Then SQL alone, ST_Covers between trk.records'
geom and trk.fences' geom, must give for every fix the zones trk wrote in its `zones`.

trk fence's zones are the stage's debounced state, not a bare point-in-polygon: a fix
changes an asset's state for a fence only when it is clear of the fence's edge, by the
fence's own `margin` property (stacks-3 has 2 m) and by the fix's error radius (twice the
larger of lat_err and lon_err, else 5 m times hdop). A fix nearer the edge than that keeps
the state the asset's previous fix left. So a fix may disagree with PostGIS for a fence only
where (1) it lies within that band of the edge (measured by PostGIS on the spheroid, with
1 cm for the two libraries' different geodesics) and (2) trk kept the previous fix's
state for that fence; every other fix and fence must agree exactly. The gate is a circle
(a Point with a radius); centrally its geom is a polygon of many sides, whose edges stray
inside the true circle by up to the chord's sagitta: a fix nearer the circle than
CIRCLE_SLACK may disagree too (stated per fence below), and none does in practice unless
the grid lands there.

TLS: `trk ledger info --ledger "$(s.tcp_url())"` (sslmode=verify-full, the test CA) works;
with another CA, made here by openssl, it fails with exit 69 and a message naming the
certificate problem.

usage: central_postgis.py TRK
"""
import datetime
import json
import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from pg_server import PgServer  # noqa: E402

TRK = sys.argv[1]
ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
FENCES = os.path.join(ROOT, "sample", "yard", "fences.geojson")
CAPTURE = os.path.join(ROOT, "tests", "fixtures", "yard-fl07.nmea")
# How far inside the true circle a circle fence's central polygon may run, in metres: a
# 25 m circle drawn with 32 or more sides strays at most 25 * (1 - cos(pi / 32)) = 0.12 m.
CIRCLE_SLACK = 0.15
# The two libraries' geodesic distances to an edge differ by far less than this.
GEODESIC_SLACK = 0.01
# The grid: every GRID_STEP degrees over the box of every fence, and some ground around it.
GRID_BOX = (9.9290, 53.4988, 9.9410, 53.5038)  # west, south, east, north
GRID_STEP = 0.00015  # about 10 m north-south, 17 m east-west
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
        print("FAIL:", message)


def trk(*args, expect=0, **kwargs):
    r = subprocess.run([TRK, *args], capture_output=True, text=True, **kwargs)
    if r.returncode != expect:
        print(f"FAIL: trk {' '.join(args)}: exit {r.returncode}, expected {expect}\n{r.stderr}")
        sys.exit(1)
    return r


def yard_fixes():
    """FL-07's capture through trk read nmea and trk fence (no --margin), as JSON Lines."""
    read = trk("read", "nmea", "--asset", "FL-07", CAPTURE)
    return trk("fence", "--fences", FENCES, input=read.stdout).stdout


def grid_fixes():
    """A generated asset walking the grid row by row, a fix a second, through trk fence."""
    west, south, east, north = GRID_BOX
    lines = []
    start = datetime.datetime(2026, 11, 24, 1, tzinfo=datetime.timezone.utc)
    rows = int((north - south) / GRID_STEP) + 1
    cols = int((east - west) / GRID_STEP) + 1
    for i in range(rows):
        for j in range(cols):
            lat, lon = round(south + i * GRID_STEP, 7), round(west + j * GRID_STEP, 7)
            time = (start + datetime.timedelta(seconds=len(lines))).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            lines.append(json.dumps({"type": "fix", "time": time, "asset": "GRID-1", "lat": lat, "lon": lon}))
    return trk("fence", "--fences", FENCES, input="\n".join(lines) + "\n").stdout


def band(fix, fence_margin):
    """How near a fence's edge a fix may be and still not change the stage's state, in metres."""
    if fix.get("lat_err") is not None or fix.get("lon_err") is not None:
        error = 2 * max(fix.get("lat_err") or 0, fix.get("lon_err") or 0)
    elif fix.get("hdop") is not None:
        error = 5 * fix["hdop"]
    else:
        error = 0
    return max(fence_margin, error)


def agreement(server, url, tmp):
    site = os.path.join(tmp, "yard.db")
    trk("ledger", "init", "--ledger", site)
    records = yard_fixes() + grid_fixes()
    trk("ledger", "import", "--ledger", site, input=records)
    trk("ledger", "init", "--central", "--ledger", url)
    trk("fence", "add", FENCES, "--ledger", url)
    trk("ledger", "push", "--to", url, "--site", "yard", "--ledger", site)

    margins, circles = {}, set()
    with open(FENCES) as f:
        for feature in json.load(f)["features"]:
            margins[feature["id"]] = feature["properties"].get("margin", 0)
            if feature["geometry"]["type"] == "Point":
                circles.add(feature["id"])

    # For every stored fix and every fence: does PostGIS cover it, and how far is it from
    # the fence's edge (metres, on the spheroid)? In the order trk fence saw them.
    out = server.psql(
        "SELECT r.asset, r.seq, f.id, ST_Covers(f.geom, r.geom), "
        "       ST_Distance(r.geom::geography, ST_Boundary(f.geom)::geography), r.json "
        "FROM trk.records r CROSS JOIN trk.fences f "
        "WHERE r.site = 'yard' AND r.type = 'fix' AND r.geom IS NOT NULL ORDER BY r.asset, r.time, r.seq, f.id")
    fixes = {}
    covered = {}
    for line in out.splitlines():
        asset, seq, fence, covers, distance, record = line.split("|", 5)
        key = (asset, int(seq))
        fixes.setdefault(key, (json.loads(record), {}))[1][fence] = (covers == "t", float(distance))
        if covers == "t":
            covered.setdefault(key, set()).add(fence)
    trk_fixes = sum(1 for line in records.splitlines() if '"type":"fix"' in line)
    check(len(fixes) == trk_fixes, f"central fixes: {len(fixes)}, trk fence wrote {trk_fixes}")

    # The same containment by a spatial join alone (the GiST index), for every fix at once.
    joined = server.psql(
        "SELECT count(*) FROM trk.records r JOIN trk.fences f ON ST_Covers(f.geom, r.geom) "
        "WHERE r.site = 'yard' AND r.type = 'fix'")
    check(int(joined) == sum(len(z) for z in covered.values()), f"the spatial join counts {joined.strip()}")

    exact = in_band = 0
    previous = {}  # (asset, fence) -> was trk's zone set holding it at the asset's last fix
    for (asset, seq), (fix, by_fence) in sorted(fixes.items(), key=lambda kv: (kv[0][0], kv[1][0]["time"], kv[0][1])):
        zones = set(fix.get("zones", []))
        agrees = True
        for fence, (covers, distance) in by_fence.items():
            held = fence in zones
            if held != covers:
                agrees = False
                allowed = band(fix, margins[fence]) + GEODESIC_SLACK
                if fence in circles:
                    allowed = max(allowed, CIRCLE_SLACK)
                kept_state = held == previous.get((asset, fence), False)
                check(distance <= allowed and kept_state,
                      f"{asset} fix {seq} at {fix['lat']},{fix['lon']}: trk says {'in' if held else 'out of'} "
                      f"{fence}, PostGIS says {'in' if covers else 'out'}; {distance:.3f} m from the edge "
                      f"(band {allowed:.2f} m), {'state kept' if kept_state else 'state changed'}")
            previous[(asset, fence)] = held
        exact += agrees
        in_band += not agrees
    check(len(covered) > 100, f"only {len(covered)} fixes are inside any fence: the test sees too little")
    inside = {fence for zones in covered.values() for fence in zones}
    check(inside == set(margins), f"fences with fixes inside: {sorted(inside)}")
    print(f"agreement: {exact} of {len(fixes)} fixes exactly, {in_band} near an edge within its band")


def tls(server, tmp):
    url = server.tcp_url()
    info = trk("ledger", "info", "--ledger", url)
    check(info.stdout.strip() != "", "ledger info over TLS wrote nothing")
    other = os.path.join(tmp, "other-ca")
    r = subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                        "/CN=another CA", "-keyout", other + ".key", "-out", other + ".crt"],
                       capture_output=True, text=True)
    check(r.returncode == 0, f"openssl: {r.stderr}")
    wrong = trk("ledger", "info", "--ledger", server.tcp_url(ca=other + ".crt"), expect=69)
    check("certificate" in wrong.stderr, f"a wrong CA's message: {wrong.stderr!r}")


def main():
    server = PgServer(tls=True)
    tmp = tempfile.mkdtemp(prefix="trk-postgis-")
    agreement(server, server.url(), tmp)
    tls(server, tmp)
    if failures:
        sys.exit(1)
    print("ok: PostGIS's containment agrees with trk's zones; TLS verify-full works and refuses another CA")


main()
