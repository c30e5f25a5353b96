#!/usr/bin/env python3
"""Checks `trk fence which` containment against shapely (GEOS) on real and generated fences.

Over the Natural Earth polygons of SHARED/data/geo (holes filled by other features, shared
borders, parts split at the antimeridian) and over fences from SHARED/bench/gen_fences.py,
runs trk once over a file of fix records at thousands of points (random ones in each
fence's box, vertices, edge midpoints, points in holes, points near lon +-180) and
compares each fix's "zones" with the fences whose shapely geometry `covers` the point
(boundary inclusive, as trk). An edge midpoint rounded to doubles lies a hair off the
edge, on a side that rounding decides: there, agreement is required only where shapely
agrees with exact rational arithmetic (fractions) on whether the point is on or in the
polygon; other points must agree always. Also checks that ne110m_sudan_invalid.geojson
(a self-intersecting ring, see SOURCES.md) is refused with exit 65 and a message naming
the feature.

usage: fence_shapely.py TRK SHARED_DIR   (exit 77: shapely or the shared data absent)
"""
import json
import os
import random
import subprocess
import sys
import tempfile
import warnings
from fractions import Fraction

try:
    from shapely.geometry import Point, box, shape
    from shapely.prepared import prep
    from shapely.strtree import STRtree
except ImportError:
    print("SKIP: python3-shapely is not installed")
    sys.exit(77)

failures = []


def rings_of(geometry):
    polys = geometry["coordinates"] if geometry["type"] == "MultiPolygon" else [geometry["coordinates"]]
    return polys


def exact_covers(polys, x, y):
    """Point in (or on) the polygons, in exact rational arithmetic (even-odd crossing rule).

    Comparisons of doubles are exact, so rationals are needed only for the edges whose box
    holds the point (is it on the edge?) or that straddle its latitude (where is the
    crossing?): the others are passed over in floats."""
    px, py = Fraction(x), Fraction(y)
    for rings in polys:
        inside = False
        for ring in rings:
            for (ax, ay), (bx, by) in zip(ring, ring[1:]):
                in_box = min(ax, bx) <= x <= max(ax, bx) and min(ay, by) <= y <= max(ay, by)
                straddles = (ay > y) != (by > y)
                if not in_box and not straddles:
                    continue
                fax, fay, fbx, fby = Fraction(ax), Fraction(ay), Fraction(bx), Fraction(by)
                if in_box and (fbx - fax) * (py - fay) - (fby - fay) * (px - fax) == 0:
                    return True
                if straddles and px < fax + (py - fay) * (fbx - fax) / (fby - fay):
                    inside = not inside
        if inside:
            return True
    return False


def sample(features, rng, per_feature):
    """(lon, lat, on_edge) points that exercise the geometry of each feature."""
    points = []
    for feature in features:
        geometry = feature["geometry"]
        if geometry["type"] not in ("Polygon", "MultiPolygon"):
            continue
        for rings in rings_of(geometry):
            for ring in rings:
                # Vertices (on the boundary exactly) and edge midpoints (a hair off it).
                for (ax, ay), (bx, by) in rng.sample(list(zip(ring, ring[1:])), min(per_feature // 4, len(ring) - 1)):
                    points.append((ax, ay, False))
                    points.append(((ax + bx) / 2, (ay + by) / 2, True))
            for ring in rings[1:]:  # inside holes
                xs = [p[0] for p in ring]
                ys = [p[1] for p in ring]
                cx, cy = sum(xs[:-1]) / (len(xs) - 1), sum(ys[:-1]) / (len(ys) - 1)
                points.append((cx, cy, False))
        minx, miny, maxx, maxy = shape(geometry).bounds
        for _ in range(per_feature):
            points.append((rng.uniform(minx, maxx), rng.uniform(miny, maxy), False))
    return points


def compare(trk, fences_path, points, tmp, label):
    with open(fences_path) as f:
        features = json.load(f)["features"]
    geometries = []
    for number, feature in enumerate(features, 1):
        props = feature.get("properties") or {}
        fid = feature.get("id", props.get("id", props.get("name")))
        geometry = shape(feature["geometry"])
        geometries.append((str(fid), prep(geometry), geometry.bounds, rings_of(feature["geometry"])))
    fixes = os.path.join(tmp, "fixes.jsonl")
    with open(fixes, "w") as f:
        for lon, lat, _ in points:
            f.write(json.dumps({"type": "fix", "time": "2026-11-24T07:00:00.000Z", "lat": lat, "lon": lon}) + "\n")
    done = subprocess.run([trk, "fence", "which", "--fences", fences_path, "--strict", fixes],
                          capture_output=True, text=True)
    if done.returncode != 0:
        failures.append(f"{label}: trk exited {done.returncode}: {done.stderr}")
        return
    lines = done.stdout.splitlines()
    if len(lines) != len(points):
        failures.append(f"{label}: {len(points)} fixes in, {len(lines)} out")
        return
    # Only the fences whose box holds the point can hold it; the others must not be in
    # "zones" (an R-tree over the boxes instead of every point against every fence).
    boxes = [box(*bounds) for _, _, bounds, _ in geometries]
    fence_of_box = {id(b): n for n, b in enumerate(boxes)}
    with warnings.catch_warnings():  # shapely 1.8 warns of 2.0's interface
        warnings.simplefilter("ignore")
        tree = STRtree(boxes)
    checked = skipped = 0
    for (lon, lat, on_edge), line in zip(points, lines):
        record = json.loads(line)
        # trk tested the point as given (it writes lat/lon back rounded to 7 decimals).
        got = set(record["zones"])
        p = Point(lon, lat)
        near = set()
        for candidate in tree.query(p):
            fid, geometry, bounds, polys = geometries[fence_of_box[id(candidate)]]
            if not bounds[0] <= lon <= bounds[2] or not bounds[1] <= lat <= bounds[3]:
                continue
            near.add(fid)
            expected = geometry.covers(p)
            if on_edge and expected != exact_covers(polys, lon, lat):
                skipped += 1
                continue
            checked += 1
            if expected != (fid in got):
                failures.append(f"{label}: ({lon!r}, {lat!r}) {fid}: shapely covers={expected}, trk={fid in got}")
        for fid in got - near:
            failures.append(f"{label}: ({lon!r}, {lat!r}) {fid}: outside the fence's box, trk={True}")
        checked += len(geometries) - len(near)
    print(f"{label}: {len(points)} points, {checked} point-fence pairs agree, "
          f"{skipped} edge pairs where shapely and exact arithmetic differ left out")


def main():
    if len(sys.argv) != 3:
        print(__doc__)
        return 64
    trk, shared = sys.argv[1], sys.argv[2]
    geo = os.path.join(shared, "data", "geo")
    generator = os.path.join(shared, "bench", "gen_fences.py")
    if not os.path.isdir(geo) or not os.path.exists(generator):
        print(f"SKIP: {geo} or {generator} is missing")
        return 77
    rng = random.Random(20261124)
    with tempfile.TemporaryDirectory() as tmp:
        # Points are written to trk with json.dumps (shortest repr) and trk reads them exactly.
        for name in ("ne50m_enclaves.geojson", "ne_antimeridian.geojson"):
            path = os.path.join(geo, name)
            with open(path) as f:
                features = json.load(f)["features"]
            points = sample(features, rng, 200)
            # Both sides of the antimeridian, a hair from it.
            for _ in range(500):
                lat = rng.uniform(-90, 90)
                points.append((rng.choice([179.999, -179.999, 179.9999999, -179.9999999]), lat, False))
            compare(trk, path, points, tmp, name)
        generated = os.path.join(tmp, "fences.geojson")
        subprocess.run([sys.executable, generator, "-m", "200", "-o", generated], check=True, capture_output=True)
        with open(generated) as f:
            features = json.load(f)["features"]
        compare(trk, generated, sample(features, rng, 20), tmp, "gen_fences.py -m 200")

        invalid = os.path.join(geo, "ne110m_sudan_invalid.geojson")
        done = subprocess.run([trk, "fence", "which", "--fences", invalid, "--lat", "15", "--lon", "30"],
                              capture_output=True, text=True)
        if done.returncode != 65 or "feature SDN: not a valid Polygon: edges cross" not in done.stderr:
            failures.append(f"ne110m_sudan_invalid.geojson: exit {done.returncode}, {done.stderr!r}")
        else:
            print(f"ne110m_sudan_invalid.geojson refused: {done.stderr.strip()}")
    for failure in failures[:30]:
        print("FAIL:", failure)
    if failures:
        print(f"{len(failures)} failures")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
