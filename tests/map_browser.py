"""`trk map`'s pages in a real browser (headless Chromium, networking disabled): the sample
yard's map, HTML and SVG, looked at as a person would: not blank, a fence's inside is its fill
and the outside is not, every fence, asset and reader is there with its label, nothing is
logged and nothing is fetched, hovering an asset shows its details, the wheel zooms. Also
fences on both sides of the antimeridian side by side, an empty input refused without a file,
and a tile server on loopback asked for tiles and nothing else.

argv: trk, the repository's root (sample/yard, tests/fixtures)."""
import http.server
import json
import os
import re
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from harness import fail, free_port  # noqa: E402
from browser import Browser, BrowserError  # noqa: E402

TRK, ROOT = os.path.abspath(sys.argv[1]), os.path.abspath(sys.argv[2])
YARD, FIXTURES = os.path.join(ROOT, "sample/yard"), os.path.join(ROOT, "tests/fixtures")
NOW = "2026-11-24T07:00:00Z"  # the morning after the sample night, as scripts/demo.sh
WIDTH, HEIGHT = 1200, 800


def run(args, stdin=None, env=None, check=True):
    """Runs trk (args without the binary); its standard output."""
    p = subprocess.run([TRK, *args], input=stdin, capture_output=True, env=env, timeout=60)
    if check and p.returncode != 0:
        fail(f"trk {' '.join(args)} exited {p.returncode}: {p.stderr.decode(errors='replace')}")
    return p


def pipe(*stages, env):
    """trk stage | trk stage | ...: the last one's output."""
    data = None
    for args in stages:
        data = run(args, stdin=data, env=env).stdout
    return data


def build_ledger(tmp):
    """The sample yard's ledger as scripts/demo.sh builds it; FL-07's pipe's output (the main
    job's fixes and events)."""
    env = dict(os.environ, TRK_LEDGER=os.path.join(tmp, "ledger.db"))
    rules = ["--rules", os.path.join(YARD, "rules"), "--ledger-state", "yard"]
    run(["ledger", "init"], env=env)
    run(["asset", "import", os.path.join(YARD, "assets.csv")], env=env)
    run(["reader", "add", "gate-2", "--zone", "yard-a", "--lat", "53.4998", "--lon", "9.9301"], env=env)
    run(["reader", "add", "dock-3", "--zone", "dock-3"], env=env)
    run(["fence", "add", os.path.join(YARD, "fences.geojson")], env=env)
    reefer = pipe(["read", "csv", "--map", "time=Date/Time,temperature=Temp [°C],humidity=RH [%],battery=Battery",
                   "--asset", "RF-12", "--utc-offset", "+01:00", os.path.join(FIXTURES, "reefer-rf12.csv")],
                  ["check", *rules], env=env)
    run(["ledger", "import"], stdin=reefer, env=env)
    dock = run(["read", "rfid", "--format", "llrp-csv", os.path.join(FIXTURES, "dock-llrp.csv")], env=env).stdout
    run(["ledger", "import"], stdin=dock, env=env)
    crates = pipe(["read", "csv", os.path.join(FIXTURES, "crate-shocks.csv")], ["check", *rules], env=env)
    run(["ledger", "import"], stdin=crates, env=env)
    fl07 = pipe(["read", "nmea", "--asset", "FL-07", os.path.join(FIXTURES, "yard-fl07.nmea")],
                ["clean", "--drop-invalid", "--max-speed", "15"], ["fence", "--margin", "1", "--min-dwell", "2s"],
                ["check", *rules], env=env)
    run(["ledger", "import"], stdin=fl07, env=env)
    gate = run(["read", "rfid", "--format", "uhf-bb", "--reader", "gate-2", "--now", "2026-11-24T06:40:00Z",
                os.path.join(FIXTURES, "gate-uhf-bb.bin")], env=env).stdout
    run(["ledger", "import"], stdin=gate, env=env)
    fixes = os.path.join(tmp, "fl07.jsonl")
    with open(fixes, "wb") as f:
        f.write(fl07)
    return env, fixes


def no_ledger(tmp):
    """An environment where trk finds no ledger: no $TRK_LEDGER, and a HOME of the test's own
    (the default ledger is under it)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TRK_LEDGER", "XDG_DATA_HOME")}
    env["HOME"] = tmp
    return env


def lines(data):
    return [json.loads(line) for line in data.decode().splitlines() if line.strip()]


def check_blank(browser, what):
    image = browser.screenshot()
    if (image.width, image.height) != (WIDTH, HEIGHT):
        fail(f"{what}: screenshot is {image.width}x{image.height}, not {WIDTH}x{HEIGHT}")
    colours = image.distinct_colours(step=3)
    if colours < 20:
        fail(f"{what}: the screenshot looks blank ({colours} distinct colours)")
    return image


def check_quiet(browser, what, page_url):
    if browser.errors():
        fail(f"{what}: the page logged errors: {browser.errors()}")
    others = [u for u in browser.requests if u != page_url]
    if others:
        fail(f"{what}: the page made network requests: {others}")


def check_elements(browser, what, fences, assets, readers):
    """An element for each fence, asset and reader, labelled with its id."""
    for selector, ids in (("g.fence", fences), ("g.asset", assets), ("g.reader", readers)):
        for ident in ids:
            label = browser.evaluate(
                f"(() => {{ const e = [...document.querySelectorAll({json.dumps(selector)})]"
                f".find(e => e.dataset.id === {json.dumps(ident)}); if (!e) return null;"
                " const t = e.querySelector('text.label'); return t ? t.textContent : ''; })()")
            if label is None:
                fail(f"{what}: no {selector}[data-id={ident}]")
            if ident not in label:
                fail(f"{what}: {selector}[data-id={ident}]'s label is {label!r}")


# A point of the screen where `selector`'s element is what the eye sees (elementFromPoint),
# with its neighbours too (not on an anti-aliased edge): [x, y] or null.
FIND_POINT = """((sel, test) => {
  const want = document.querySelector(sel);
  if (!want) return null;
  const r = want.getBoundingClientRect();
  const x0 = Math.max(r.left, 0), x1 = Math.min(r.right, innerWidth);
  const y0 = Math.max(r.top, 0), y1 = Math.min(r.bottom, innerHeight);
  const ok = (x, y) => { const e = document.elementFromPoint(x, y); return e && test(e, want); };
  for (let n = 4; n <= 64; n *= 2)
    for (let i = 1; i < n; i += 2) for (let j = 1; j < n; j += 2) {
      const x = Math.round(x0 + (x1 - x0) * i / n), y = Math.round(y0 + (y1 - y0) * j / n);
      if ([[0, 0], [-3, 0], [3, 0], [0, -3], [0, 3]].every(([dx, dy]) => ok(x + dx, y + dy))) return [x, y];
    }
  return null;
})"""


def rgb_of(css):
    m = re.match(r"rgba?\((\d+),\s*(\d+),\s*(\d+)", css or "")
    if not m:
        fail(f"a fill that is not a colour: {css!r}")
    return tuple(int(v) for v in m.groups())


def near(a, b, tolerance=3):
    return all(abs(x - y) <= tolerance for x, y in zip(a, b))


def check_fill(browser, image, what, fence):
    """Inside `fence`, the pixel is its fill; at a point outside every fence, it is not."""
    shape = f'g.fence[data-id="{fence}"] .fence-shape'
    inside = browser.evaluate(f"{FIND_POINT}({json.dumps(shape)}, (e, want) => e === want)")
    if inside is None:
        fail(f"{what}: no point of the screen shows fence {fence}'s shape")
    fill = rgb_of(browser.evaluate(f"getComputedStyle(document.querySelector({json.dumps(shape)})).fill"))
    seen = image.rgb(*inside)
    if not near(seen, fill):
        fail(f"{what}: inside fence {fence} at {inside} the pixel is {seen}, its fill is {fill}")
    outside = browser.evaluate(f"{FIND_POINT}('svg#trk-map', (e, want) => !e.closest('g.fence') && "
                               "!e.closest('#legend, #scale, #north, #span, #details') && want.contains(e))")
    if outside is None:
        fail(f"{what}: no point of the map lies outside every fence")
    if near(image.rgb(*outside), fill):
        fail(f"{what}: outside every fence at {outside} the pixel is {image.rgb(*outside)}, fence {fence}'s fill")


def check_sample_html(browser, page, fences, assets, readers):
    url = browser.navigate(page)
    browser.frame()
    image = check_blank(browser, "HTML")
    check_elements(browser, "HTML", fences, assets, readers)
    check_fill(browser, image, "HTML", "yard-b")
    for ident in ("#legend", "#scale", "#north", "#span", "#details"):
        if not browser.evaluate(f"!!document.querySelector('{ident}')"):
            fail(f"HTML: no {ident}")

    # Hovering FL-07's latest position shows its details.
    point = browser.evaluate(f"{FIND_POINT}('g.asset[data-id=\"FL-07\"]', (e, want) => want.contains(e))")
    if point is None:
        fail("HTML: FL-07's latest position is nowhere on screen")
    browser.mouse("mouseMoved", *point)
    browser.frame()
    details = browser.evaluate("document.querySelector('#details').textContent")
    if "FL-07" not in details:
        fail(f"HTML: hovering FL-07 at {point} gives #details {details!r}")

    # The wheel zooms in: yard-a grows on screen.
    size = "(() => { const r = document.querySelector('g.fence[data-id=\"yard-a\"] .fence-shape')" \
           ".getBoundingClientRect(); return [r.width, r.height]; })()"
    before = browser.evaluate(size)
    browser.mouse("mouseWheel", WIDTH / 2, HEIGHT / 2, deltaX=0, deltaY=-600)
    deadline = time.monotonic() + 5
    while True:
        browser.frame()
        after = browser.evaluate(size)
        if after[0] > before[0] * 1.2:
            break
        if time.monotonic() > deadline:
            fail(f"HTML: the wheel did not zoom in: yard-a was {before} px, now {after}")

    # A drag pans: yard-a moves with the pointer, and once the hand rests the map is drawn anew
    # for the view reached (the viewBox changes; the preview transform is gone).
    where = "(() => { const r = document.querySelector('g.fence[data-id=\"yard-a\"] .fence-shape')" \
            ".getBoundingClientRect(); return [r.left, r.top]; })()"
    box = "document.getElementById('trk-map').getAttribute('viewBox')"
    transform = "document.getElementById('trk-map').style.transform"
    before, view_before = browser.evaluate(where), browser.evaluate(box)
    browser.mouse("mousePressed", 300, 300, button="left", clickCount=1)
    for step in range(1, 6):
        browser.mouse("mouseMoved", 300 + 20 * step, 300 + 10 * step, button="left")
    browser.mouse("mouseReleased", 400, 350, button="left", clickCount=1)
    deadline = time.monotonic() + 5
    while True:
        browser.frame()
        after, view_after = browser.evaluate(where), browser.evaluate(box)
        if view_after != view_before and not browser.evaluate(transform):
            break
        if time.monotonic() > deadline:
            fail(f"HTML: a drag did not pan the map for good: viewBox {view_before} -> {view_after}, "
                 f"transform {browser.evaluate(transform)!r}")
    if abs(after[0] - before[0] - 100) > 3 or abs(after[1] - before[1] - 50) > 3:
        fail(f"HTML: a drag of (100, 50) px moved yard-a from {before} to {after}")
    check_quiet(browser, "HTML", url)


def check_sample_svg(browser, page, fences, assets, readers):
    browser.requests.clear()
    browser.console.clear()
    url = browser.navigate(page)
    browser.frame()
    image = check_blank(browser, "SVG")
    check_elements(browser, "SVG", fences, assets, readers)
    check_fill(browser, image, "SVG", "yard-b")
    check_quiet(browser, "SVG", url)


def check_antimeridian(browser, tmp):
    """Two fences 1 km apart across the antimeridian (Fiji): both on screen, both visible."""
    def square(ident, lon):
        d = 0.003
        ring = [[lon, -17.0], [lon + d, -17.0], [lon + d, -17.0 + d], [lon, -17.0 + d], [lon, -17.0]]
        ring = [[(x + 180) % 360 - 180, y] for x, y in ring]
        return {"type": "Feature", "id": ident, "properties": {"kind": "yard"},
                "geometry": {"type": "Polygon", "coordinates": [ring]}}
    fences = os.path.join(tmp, "antimeridian.geojson")
    with open(fences, "w") as f:
        json.dump({"type": "FeatureCollection", "features": [square("east", 179.994), square("west", -179.997)]}, f)
    fixes = "".join(json.dumps({"type": "fix", "asset": "BOAT-1", "time": f"2026-11-24T06:0{i}:00Z", "lat": -16.9985,
                                "lon": lon}) + "\n" for i, lon in enumerate((179.9955, 179.9995, -179.9985)))
    page = os.path.join(tmp, "antimeridian.html")
    env = no_ledger(tmp)
    run(["map", "--fences", fences, "--now", NOW, "-o", page], stdin=fixes.encode(), env=env)
    browser.requests.clear()
    browser.console.clear()
    url = browser.navigate(page)
    browser.frame()
    for fence in ("east", "west"):
        shape = json.dumps(f'g.fence[data-id="{fence}"] .fence-shape')
        rect = browser.evaluate(f"(() => {{ const r = document.querySelector({shape}).getBoundingClientRect();"
                                " return [r.left, r.top, r.right, r.bottom]; })()")
        left, top, right, bottom = rect
        if left < 0 or top < 0 or right > WIDTH or bottom > HEIGHT:
            fail(f"antimeridian: fence {fence} is not all on screen: {rect}")
        if right - left < 40 or bottom - top < 40:
            fail(f"antimeridian: fence {fence} is {right - left:.0f} x {bottom - top:.0f} px: too small to see")
    check_quiet(browser, "antimeridian", url)


def check_empty(tmp):
    """No records and no ledger: a clear message, exit status 65, no file."""
    page = os.path.join(tmp, "empty.html")
    env = no_ledger(tmp)
    p = subprocess.run([TRK, "map", "--now", NOW, "-o", page], input=b"", capture_output=True, env=env,
                       cwd=tmp, timeout=30)
    stderr = p.stderr.decode(errors="replace")
    if p.returncode == 0 or not stderr.startswith("trk map: ") or "nothing" not in stderr:
        fail(f"empty input: exit {p.returncode}, stderr {stderr!r}: a clear message and a failure expected")
    if os.path.exists(page):
        fail("empty input: a file was written anyway")


def png_tile():
    """A 256x256 PNG of one colour (what a tile server answers)."""
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
    raw = b"".join(b"\0" + b"\xcc\xdd\xee" * 256 for _ in range(256))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 256, 256, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def check_tiles(tmp, env, fixes):
    """--tiles: the page asks the tile server (on loopback) for tiles, and nothing else."""
    tile, asked = png_tile(), []

    class Tiles(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (http.server's name)
            asked.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "image/png")
            self.send_header("Content-Length", str(len(tile)))
            self.end_headers()
            self.wfile.write(tile)

        def log_message(self, *args):
            pass

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Tiles)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        page = os.path.join(tmp, "tiles.html")
        run(["map", fixes, "--now", NOW, "--tiles", f"http://127.0.0.1:{port}/{{z}}/{{x}}/{{y}}.png", "-o", page],
            env=env)
        with Browser(WIDTH, HEIGHT, allow_loopback=True) as browser:
            url = browser.navigate(page)
            deadline = time.monotonic() + 10
            while not asked and time.monotonic() < deadline:
                browser.frame()
            tile_url = re.compile(rf"http://127\.0\.0\.1:{port}/\d+/\d+/\d+\.png$")
            others = [u for u in browser.requests if u != url and not tile_url.match(u)]
            if others:
                fail(f"tiles: the page asked for more than tiles: {others}")
            if not asked or not any(tile_url.match(u) for u in browser.requests):
                fail(f"tiles: no tile was asked for (browser: {browser.requests}, server: {asked})")
            if browser.errors():
                fail(f"tiles: the page logged errors: {browser.errors()}")
    finally:
        server.shutdown()
        server.server_close()


def main():
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="trk-map-browser-") as tmp:
        env, fixes = build_ledger(tmp)
        fences = [f["id"] for f in json.load(open(os.path.join(YARD, "fences.geojson")))["features"]]
        assets = [w["asset"] for w in lines(run(["where", "--now", NOW], env=env).stdout) if "lat" in w]
        readers = [r["id"] for r in lines(run(["reader", "list"], env=env).stdout) if "lat" in r]
        if "FL-07" not in assets or "gate-2" not in readers:
            fail(f"the sample ledger is not as expected: assets {assets}, readers {readers}")
        html, svg = os.path.join(tmp, "yard.html"), os.path.join(tmp, "yard.svg")
        common = [fixes, "--now", NOW, "--audit", "yard-a"]
        run(["map", *common, "-o", html], env=env)
        run(["map", *common, "--format", "svg", "-o", svg], env=env)
        check_empty(tmp)
        try:
            with Browser(WIDTH, HEIGHT) as browser:
                check_sample_html(browser, html, fences, assets, readers)
                check_sample_svg(browser, svg, fences, assets, readers)
                check_antimeridian(browser, tmp)
            check_tiles(tmp, env, fixes)
        except BrowserError as e:
            fail(f"the browser: {e}")
    print(f"map-browser: ok in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
