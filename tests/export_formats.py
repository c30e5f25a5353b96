#!/usr/bin/env python3
"""Checks the documents of `trk export` with the tools and schemas their readers use.

Exports two streams, the yard capture (tests/fixtures/yard-fl07.nmea through `trk read
nmea --keep-invalid`) and a generated multi-asset stream (names XML and CSV must escape,
fixes out of time order, no-fix epochs, reads, readings, events, the antimeridian), in
every format, and checks: GPX 1.1 and KML 2.2 validate against their XML schemas
(xmllint; KML's gx:Track elements, of Google's extension whose schema is not among the
shared ones, are checked here and taken out before validating), and their points are the
fixes; GeoJSON parses and its coordinates and properties are the fixes'; CSV read back with
the csv module gives the records' values, every event kind's members included.

usage: export_formats.py TRK FIXTURES_DIR SCHEMAS_DIR   (exit 77: xmllint or schemas absent)
"""
import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

GPX = "{http://www.topografix.com/GPX/1/1}"
KML = "{http://www.opengis.net/kml/2.2}"
GX = "{http://www.google.com/kml/ext/2.2}"
CSV_COLUMNS = ("type,time,asset,device,lat,lon,alt,speed,course,hdop,sats,fix,quality,epc,uri,reader,"
               "antenna,rssi,count,metric,value,unit,event,fence,rule,severity,previous,violation,peak,"
               "duration_s,visit,dwell_s,from,zone,status,audit,seen,seen_zone,change,src").split(",")

# The columns of fixes, reads and readings (the others hold events' members).
CSV_RECORD_COLUMNS = CSV_COLUMNS[:CSV_COLUMNS.index("severity")] + ["src"]

failures = []


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def run(args, stdin=None):
    done = subprocess.run(args, input=stdin, capture_output=True, text=True)
    if done.returncode != 0:
        print(f"FAIL: {' '.join(args)} exited {done.returncode}: {done.stderr}")
        sys.exit(1)
    return done.stdout


def fleet_stream():
    """JSON Lines of three assets and a device without asset moving about, with what an
    export must not trip over; deterministic."""
    rng = random.Random(7)
    assets = {"FL-07": (53.5012, 9.9321), "Kühl & Co <\"7\">": (-33.45, -70.66),
              "RS-3, 'east'": (-16.5, 179.9995), "": (0.0001, -0.0002)}
    lines = []
    for step in range(60):
        for asset, (lat, lon) in assets.items():
            lat += rng.uniform(-0.0002, 0.0002)
            lon += rng.uniform(0.0, 0.0003)
            if lon >= 180:
                lon -= 360
            assets[asset] = (lat, lon)
            # Times jump now and then (gaps), and arrive a little out of order.
            second = step * 2 + (600 if step >= 40 else 0) + rng.choice([0, 0, 0, 3])
            record = {"type": "fix", "time": f"2026-11-24T07:{second // 60:02d}:{second % 60:02d}.{step:03d}Z",
                      "device": f"gps-{len(asset)}", "lat": round(lat, 7), "lon": round(lon, 7), "fix": "3d"}
            if asset:
                record["asset"] = asset
            if step % 7 == 3:
                record = {"type": "fix", "time": record["time"], "asset": asset, "fix": "none"}
            elif step % 5 != 0:
                record.update(alt=round(rng.uniform(-5, 40), 2), speed=round(rng.uniform(0, 6), 2),
                              course=round(rng.uniform(0, 359), 1), hdop=0.9, sats=rng.randint(4, 12))
            if step % 11 == 0:
                record["site"] = "yard \"A\", north\nside"
            lines.append(json.dumps(record, ensure_ascii=False))
        if step % 9 == 0:
            lines.append(json.dumps({"type": "read", "time": f"2026-11-24T07:00:{step % 60:02d}Z",
                                     "epc": "3374257BF40C0E400000162E", "reader": "gate, 2", "antenna": 2,
                                     "rssi": -61.5, "count": step + 1}))
            lines.append(json.dumps({"type": "reading", "time": f"2026-11-24T07:00:{step % 60:02d}Z",
                                     "asset": "RF-12", "device": "logger \"rear\"", "metric": "temperature",
                                     "value": 4.25 + step, "unit": "Cel"}))
            lines.append(json.dumps({"type": "event", "time": f"2026-11-24T07:00:{step % 60:02d}Z",
                                     "event": "violation", "asset": "RF-12", "rule": "temperature > 8, for 15m",
                                     "severity": "major", "violation": "cold/RF-12/2026-11-24T07:00:00.000Z",
                                     "metric": "temperature", "value": 8.5 + step}))
            lines.append(json.dumps({"type": "event", "time": f"2026-11-24T07:01:{step % 60:02d}Z",
                                     "event": "clear", "asset": "RF-12", "rule": "cold", "severity": "minor",
                                     "violation": "cold/RF-12/2026-11-24T07:00:00.000Z", "metric": "temperature",
                                     "peak": 9.75, "duration_s": 60.5}))
            lines.append(json.dumps({"type": "event", "time": f"2026-11-24T07:02:{step % 60:02d}Z",
                                     "event": "exit", "fence": "yard \"a\"", "visit": "yard/gps-9/x",
                                     "dwell_s": 12, "device": "gps-9"}))
            lines.append(json.dumps({"type": "event", "time": f"2026-11-24T07:03:{step % 60:02d}Z",
                                     "event": "audit", "zone": "yard-a", "status": "missing",
                                     "audit": "yard-a/2026-11-24T07:03:00.000Z", "epc": "3374257BF40C0E400000162E",
                                     "uri": "urn:epc:id:grai:0614141.12345.5678",
                                     "seen": "2026-11-23T07:00:00.000Z", "seen_zone": "dock, 2",
                                     "change": "newly missing"}))
            lines.append('{"type":"note","text":"not a record trk knows"}')
    return "\n".join(lines) + "\n"


def positioned(records):
    return [r for r in records if r.get("type") == "fix" and r["fix"] != "none"]


def tracks(records):
    """The positioned fixes per asset, else device, in first-appearance order, time-sorted."""
    groups = {}
    for r in positioned(records):
        key = ("asset", r["asset"]) if r.get("asset") else ("device", r.get("device", ""))
        groups.setdefault(key, []).append(r)
    return [(key, sorted(fixes, key=lambda r: r["time"])) for key, fixes in groups.items()]


def position(fix, with_alt=True):
    return [fix["lon"], fix["lat"]] + ([fix["alt"]] if with_alt and "alt" in fix else [])


def check_geojson(name, records, text, lines):
    document = json.loads(text)
    check(document["type"] == "FeatureCollection", f"{name}: not a FeatureCollection")
    features = document["features"]
    if not lines:
        fixes = positioned(records)
        check(len(features) == len(fixes), f"{name}: {len(features)} features for {len(fixes)} fixes")
        for feature, fix in zip(features, fixes):
            check(feature["geometry"] == {"type": "Point", "coordinates": position(fix)},
                  f"{name}: {feature['geometry']} is not the fix at {fix['lat']},{fix['lon']}")
            rest = {k: v for k, v in fix.items() if k not in ("type", "lat", "lon", "alt")}
            check(feature["properties"] == rest, f"{name}: properties {feature['properties']} are not {rest}")
        return
    expected = tracks(records)
    check(len(features) == len(expected), f"{name}: {len(features)} lines for {len(expected)} tracks")
    for feature, ((kind, key), fixes) in zip(features, expected):
        three_d = all("alt" in f for f in fixes)
        coordinates = [position(f, three_d) for f in fixes]
        geometry = feature["geometry"]
        if len(fixes) == 1:
            check(geometry == {"type": "Point", "coordinates": coordinates[0]}, f"{name}: {key}: {geometry}")
        else:
            check(geometry == {"type": "LineString", "coordinates": coordinates}, f"{name}: {key}: line differs")
        check(feature["properties"] == {kind: key, "start": fixes[0]["time"], "end": fixes[-1]["time"],
                                        "points": len(fixes)}, f"{name}: {key}: {feature['properties']}")


def validate_xml(name, path, schema):
    done = subprocess.run(["xmllint", "--noout", "--schema", schema, path], capture_output=True, text=True)
    message = done.stderr.strip().replace(path, name)
    print("xmllint:", message)
    return check(done.returncode == 0, f"{name}: does not validate against {os.path.basename(schema)}")


def gpx_lon(lon):
    return lon - 360 if lon >= 180 else lon  # GPX longitudes are below 180


def check_gpx(name, records, path):
    expected = tracks(records)
    trks = ET.parse(path).getroot().findall(f"{GPX}trk")
    check(len(trks) == len(expected), f"{name}: {len(trks)} tracks for {len(expected)}")
    for trk, ((_, key), fixes) in zip(trks, expected):
        title = trk.find(f"{GPX}name")
        check((title.text if title is not None else "") == key, f"{name}: track name {title} is not {key!r}")
        points = [(float(p.get("lat")), float(p.get("lon")), p.find(f"{GPX}time").text)
                  for p in trk.iter(f"{GPX}trkpt")]
        check(points == [(f["lat"], gpx_lon(f["lon"]), f["time"]) for f in fixes], f"{name}: {key}: points differ")


def kml_tuple(text):
    return [float(v) for v in text.split(",")]


def without_gx(path):
    """The KML document at `path` with its gx:Track elements taken out (written beside it),
    for xmllint and the OGC schema, which does not know Google's extension."""
    ET.register_namespace("", KML[1:-1])
    ET.register_namespace("gx", GX[1:-1])
    tree = ET.parse(path)
    for placemark in tree.getroot().iter(f"{KML}Placemark"):
        for track in placemark.findall(f"{GX}Track"):
            placemark.remove(track)
    stripped = path + ".ogc.kml"
    tree.write(stripped, encoding="UTF-8", xml_declaration=True)
    return stripped


def check_kml(name, records, path, lines):
    expected = tracks(records)
    with open(path, encoding="utf-8") as f:
        check('xmlns:gx="http://www.google.com/kml/ext/2.2"' in f.read(1000), f"{name}: gx namespace not declared")
    folders = ET.parse(path).getroot().find(f"{KML}Document").findall(f"{KML}Folder")
    check(len(folders) == len(expected), f"{name}: {len(folders)} folders for {len(expected)} tracks")
    for folder, ((_, key), fixes) in zip(folders, expected):
        check(folder.findtext(f"{KML}name", "") == key, f"{name}: folder name is not {key!r}")
        track = folder.find(f"{KML}Placemark/{GX}Track")
        if not check(track is not None, f"{name}: {key}: no gx:Track"):
            continue
        # The extension's order: every <when>, then every <gx:coord>.
        children = [child.tag for child in track]
        check(children == [f"{KML}when"] * len(fixes) + [f"{GX}coord"] * len(fixes),
              f"{name}: {key}: gx:Track holds {children[:4]}...")
        three_d = all("alt" in f for f in fixes)
        check([w.text for w in track.findall(f"{KML}when")] == [f["time"] for f in fixes],
              f"{name}: {key}: track times are not the fixes'")
        coords = [[float(v) for v in c.text.split(" ")] for c in track.findall(f"{GX}coord")]
        check(coords == [position(f, True) if three_d else position(f, False) + [0] for f in fixes],
              f"{name}: {key}: track coordinates differ")
        points = folder.findall(f"{KML}Folder/{KML}Placemark")
        if lines:
            check(not points, f"{name}: {key}: --lines wrote points")
            continue
        check([(p.findtext(f"{KML}name", ""), p.findtext(f".//{KML}when"),
                kml_tuple(p.findtext(f".//{KML}coordinates"))) for p in points] ==
              [(key, f["time"], position(f)) for f in fixes], f"{name}: {key}: points differ")


def check_csv(name, records, text):
    rows = list(csv.reader(io.StringIO(text, newline="")))
    check(rows[0] == CSV_COLUMNS, f"{name}: header {rows[0]}")
    table = [r for r in records if r.get("type") in ("fix", "read", "reading", "event")]
    check(len(rows) - 1 == len(table), f"{name}: {len(rows) - 1} rows for {len(table)} records")
    for number, (row, record) in enumerate(zip(rows[1:], table), 2):
        for column, cell in zip(CSV_COLUMNS, row):
            value = record.get(column)  # (members without a column, such as vdop, are left out)
            if record["type"] != "event" and column not in CSV_RECORD_COLUMNS:
                value = None  # the event members' columns hold events' members only
            if value is None:
                ok = cell == ""
            elif isinstance(value, (int, float)) and not isinstance(value, bool):
                ok = cell != "" and float(cell) == value
            else:
                ok = cell == value
            check(ok, f"{name}: row {number}, {column}: {cell!r} is not {value!r}")


def main():
    trk, fixtures, schemas = sys.argv[1:4]
    gpx_schema = os.path.join(schemas, "gpx11.xsd")
    kml_schema = os.path.join(schemas, "kml", "ogckml22.xsd")
    if shutil.which("xmllint") is None:
        print("SKIP: xmllint is not installed (Debian libxml2-utils)")
        return 77
    for schema in (gpx_schema, kml_schema):
        if not os.path.isfile(schema):
            print(f"SKIP: {schema} is absent (the shared schemas)")
            return 77

    # Both streams in trk's canonical form: what export reads is what it is compared with.
    yard = run([trk, "read", "nmea", "--keep-invalid", "--asset", "FL-07",
                os.path.join(fixtures, "yard-fl07.nmea")])
    streams = {"yard": yard, "fleet": run([trk, "read", "jsonl"], fleet_stream())}

    with tempfile.TemporaryDirectory() as folder:
        for stream, text in streams.items():
            records = [json.loads(line) for line in text.splitlines()]
            fixes = positioned(records)
            print(f"{stream}: {len(records)} records, {len(fixes)} positioned fixes, {len(tracks(records))} tracks")
            for variant in (["geojson"], ["geojson", "--lines"], ["gpx"], ["gpx", "--gap", "0"],
                            ["kml"], ["kml", "--lines"], ["csv"]):
                name = f"{stream} {' '.join(variant)}"
                out = run([trk, "export", "--format", *variant], text)
                path = os.path.join(folder, f"{stream}-{'-'.join(variant).replace('--', '')}")
                with open(path, "w", encoding="utf-8") as f:
                    f.write(out)
                lines = "--lines" in variant
                if variant[0] == "geojson":
                    check_geojson(name, records, out, lines)
                elif variant[0] == "gpx":
                    if validate_xml(name, path, gpx_schema):
                        check_gpx(name, records, path)
                elif variant[0] == "kml":
                    check_kml(name, records, path, lines)
                    validate_xml(name, without_gx(path), kml_schema)
                else:
                    check_csv(name, records, out)

        # An empty stream still gives valid documents.
        for variant, schema in ((["gpx"], gpx_schema), (["kml"], kml_schema)):
            path = os.path.join(folder, f"empty.{variant[0]}")
            with open(path, "w", encoding="utf-8") as f:
                f.write(run([trk, "export", "--format", *variant], ""))
            validate_xml(f"empty {variant[0]}", path, schema)
        check(json.loads(run([trk, "export", "--format", "geojson"], ""))["features"] == [], "empty geojson")

    for failure in failures[:50]:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
