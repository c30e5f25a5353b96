#!/usr/bin/env python3
"""`trk ledger pull` against a real PostgreSQL/PostGIS central ledger.

The registry is made centrally with trk itself (asset import of the sample yard's list, a
device link, readers with an antenna zone, the yard's fences) and pulled into two site
files:

  * a first pull adds everything, reported row by row (JSON Lines in a pipe, a table on a
    terminal), and the site then lists the same assets, links, readers and fences as the
    central ledger; a second pull finds everything unchanged;
  * a site's local changes (an asset renamed, a tag moved to another asset, a reader's
    zone) are reported as replaced with what the local version was, and central's version
    is back afterwards; an asset known only at the site is kept;
  * --dry-run reports the same and leaves the site's file byte for byte as it was;
  * a URL with a password is refused (exit 64) before anything connects.

usage: central_pull.py TRK
"""
import json
import os
import pty
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from pg_server import PgServer  # noqa: E402

TRK = sys.argv[1]
YARD = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "sample", "yard")
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


def rows(text):
    return [json.loads(line) for line in text.splitlines()]


def changes(text):
    """The report's rows as "kind id action: detail" strings."""
    return [f"{r['kind']} {r['id']} {r['action']}" + (f": {r['detail']}" if r.get("detail") else "")
            for r in rows(text)]


def registry(ledger):
    """What the registry lists: assets (active and retired) with their links, readers, fences."""
    out = []
    for extra in ([], ["--retired"]):
        for asset in rows(trk("asset", "list", "--format", "jsonl", "--ledger", ledger, *extra).stdout):
            out.append(json.dumps(asset, sort_keys=True))
            shown = trk("asset", "show", asset["id"], "--format", "jsonl", "--ledger", ledger).stdout
            out.append(json.dumps(json.loads(shown).get("links"), sort_keys=True))
    out += trk("reader", "list", "--format", "jsonl", "--ledger", ledger).stdout.splitlines()
    out += trk("fence", "list", "--format", "geojson", "--ledger", ledger).stdout.splitlines()
    return out


def on_terminal(*args):
    """Runs trk with standard output on a pseudo-terminal; returns what it wrote there."""
    leader, follower = pty.openpty()
    p = subprocess.Popen([TRK, *args], stdout=follower, stderr=subprocess.PIPE)
    os.close(follower)
    out = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # EIO: the terminal's other end closed
            break
        if not chunk:
            break
        out += chunk
    p.wait()
    os.close(leader)
    return p.returncode, out.decode()


def main():
    server = PgServer()
    url = server.url()
    tmp = tempfile.mkdtemp(prefix="trk-pull-")
    epc = "3074257BF7194E4000001A85"  # PAL-6789's tag in assets.csv

    # The central registry, managed centrally.
    trk("ledger", "init", "--central", "--ledger", url)
    trk("asset", "import", os.path.join(YARD, "assets.csv"), "--ledger", url)
    trk("asset", "link", "FL-07", "--device", "gps-fl07", "--ledger", url)
    trk("reader", "add", "gate-2", "--zone", "yard-a", "--lat", "53.4998", "--lon", "9.9301", "--antenna", "2:gate",
        "--ledger", url)
    trk("reader", "add", "dock-3", "--zone", "dock-3", "--ledger", url)
    trk("fence", "add", os.path.join(YARD, "fences.geojson"), "--ledger", url)
    central = registry(url)
    assets = len(rows(trk("asset", "list", "--format", "jsonl", "--ledger", url).stdout))
    links = sum(1 for line in central if line.startswith("[{"))

    site_a, site_b = os.path.join(tmp, "a.db"), os.path.join(tmp, "b.db")
    for site in (site_a, site_b):
        trk("ledger", "init", "--ledger", site)
        first = trk("ledger", "pull", "--from", url, "--ledger", site)
        reported = rows(first.stdout)
        check(all(r["action"] == "added" for r in reported), f"first pull: not all added: {first.stdout}")
        kinds = [r["kind"] for r in reported]
        check(kinds == sorted(kinds, key=["asset", "link", "reader", "fence"].index),
              f"first pull: rows not in kind order: {kinds}")
        check(kinds.count("asset") == assets and kinds.count("reader") == 2 and kinds.count("fence") == 5,
              f"first pull: {kinds}")
        check(first.stderr.strip() == f"trk ledger pull: {len(reported)} added, 0 replaced, 0 kept here only, "
              "0 unchanged", f"first pull's summary: {first.stderr!r}")
        check(registry(site) == central, f"{site}: the registry differs from the central one after the pull")
    check(links >= 2, f"central links: {links}")

    again = trk("ledger", "pull", "--from", url, "--ledger", site_a)
    check(again.stdout == "", f"second pull reported: {again.stdout}")
    check(again.stderr.strip() == f"trk ledger pull: 0 added, 0 replaced, 0 kept here only, {len(reported)} unchanged",
          f"second pull's summary: {again.stderr!r}")

    # Site B changes its registry locally.
    trk("asset", "add", "FL-99", "--name", "Hired forklift", "--kind", "forklift", "--ledger", site_b)
    trk("asset", "unlink", "PAL-6789", "--epc", epc, "--ledger", site_b)
    trk("asset", "link", "FL-99", "--epc", epc, "--ledger", site_b)
    trk("reader", "add", "gate-2", "--zone", "gate", "--ledger", site_b)
    trk("asset", "import", "-", "--ledger", site_b,
        input="id,name,kind,home,epc,owner\nFL-07,Forklift seven,forklift,yard-b,,yard ops\n")
    with open(site_b, "rb") as f:
        before = f.read()
    dry = trk("ledger", "pull", "--from", url, "--ledger", site_b, "--dry-run")
    with open(site_b, "rb") as f:
        check(f.read() == before, "--dry-run changed the site's file")
    expected = [
        "asset FL-07 replaced: name Forklift seven, home yard-b",
        "asset FL-99 kept",
        f"link epc:{epc} replaced: linked to asset FL-99",
        "reader gate-2 replaced: zone gate, at (none), antennas (none)",
    ]
    check(changes(dry.stdout) == expected, f"--dry-run reported {changes(dry.stdout)}, expected {expected}")
    unchanged = len(reported) - 3
    check(dry.stderr.strip() == f"trk ledger pull: dry run: 0 added, 3 replaced, 1 kept here only, {unchanged} "
          "unchanged", f"--dry-run's summary: {dry.stderr!r}")

    pulled = trk("ledger", "pull", "--from", url, "--ledger", site_b)
    check(changes(pulled.stdout) == expected, f"pull reported {changes(pulled.stdout)}, expected {expected}")
    check(pulled.stderr.strip() == f"trk ledger pull: 0 added, 3 replaced, 1 kept here only, {unchanged} unchanged",
          f"pull's summary: {pulled.stderr!r}")
    # Central's versions are back; FL-99 stays, without the tag.
    site_registry = registry(site_b)
    fl99 = [line for line in site_registry if '"FL-99"' in line]
    check(len(fl99) == 1, f"FL-99 after the pull: {fl99}")
    # (An asset without links lists its links as null: FL-99's goes with it.)
    check([line for line in site_registry if line not in fl99 and line not in ("[]", "null")] ==
          [line for line in central if line not in ("[]", "null")],
          "site B's registry differs from central's after the pull: "
          f"{[x for x in site_registry if x not in central]} vs {[x for x in central if x not in site_registry]}")
    check(changes(trk("ledger", "pull", "--from", url, "--ledger", site_b).stdout) == ["asset FL-99 kept"],
          "a pull after the pull")

    # A table on a terminal.
    status, table = on_terminal("ledger", "pull", "--from", url, "--ledger", site_b, "--dry-run")
    check(status == 0 and table.splitlines()[0].lower().split() == ["kind", "id", "action", "detail"]
          and "FL-99" in table, f"the table on a terminal: {table!r}")

    # A password in the URL: refused before connecting (there is no such host).
    r = trk("ledger", "pull", "--from", "postgresql://trk:secret@no-such-host.invalid/trk", "--ledger", site_a,
            expect=64)
    check("~/.pgpass" in r.stderr and "secret" not in r.stderr, f"password refusal: {r.stderr!r}")
    r = trk("ledger", "pull", "--from", site_b, "--ledger", site_a, expect=64)
    check("postgresql://" in r.stderr, f"--from a file: {r.stderr!r}")

    # What the server sends is input: a fence changed centrally behind trk's back into one
    # the fence reader refuses stops the pull (65) before anything changes at the site.
    server.psql("UPDATE trk.fences SET feature = replace(feature, '\"radius\":25', '\"radius\":-1') "
                "WHERE id = 'gate'")
    with open(site_a, "rb") as f:
        before = f.read()
    r = trk("ledger", "pull", "--from", url, "--ledger", site_a, expect=65)
    check("fence 'gate'" in r.stderr and "nothing was pulled" in r.stderr, f"a bad central fence: {r.stderr!r}")
    with open(site_a, "rb") as f:
        check(f.read() == before, "a refused pull changed the site's file")

    if failures:
        sys.exit(1)
    print("ok: pull added, replaced, kept and left the file alone on --dry-run; a bad central fence refused")


main()
