#!/usr/bin/env python3
"""Two sites push to one central ledger as cron would, and the central ledger answers like
theirs.

The sample yard (sample/yard/, scripts/demo.sh's main job) is split in two sites, each with
its own site ledger (`trk ledger init --site NAME`) holding the yard's registry:
  * "north": forklift FL-07's GPS receiver (read nmea | clean | fence | check) and the
    reefer's temperature log (read csv | check);
  * "gate": the dock door's LLRP reads, the crates' tracker tags, the truck gate's UHF reads.
Records arrive in several batches at each site, and after each one the site runs `trk
ledger push --to URL` (no --site: the name its ledger keeps), the two sites interleaved.
A last push with nothing new sends nothing. Then, against a real PostgreSQL 15 + PostGIS:
  * the central ledger holds exactly each site's records, in the site's order, with the
    site's hashes;
  * `trk where --ledger URL --site S` prints what `trk where` prints on S's file, for
    each site; without --site it shows every site's assets, with their site;
  * `trk history ASSET --ledger URL --site S` is the site file's history;
  * `trk ledger verify --ledger URL` checks both chains (and each with --site); a record
    changed centrally (by the superuser) breaks that site's chain (exit 1, the site
    named), the other site's still verifies.

usage: central_sites.py TRK SOURCE_DIR
"""
import json
import os
import sqlite3
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from harness import fail  # noqa: E402
from pg_server import PgServer  # noqa: E402

NOW = "2026-11-24T07:00:00Z"  # the morning after the sample night (scripts/demo.sh)


def run(args, *, env=None, input=None, expect=0):
    r = subprocess.run(args, capture_output=True, text=True, env=env, input=input, timeout=60)
    if expect is not None and r.returncode != expect:
        fail(f"{' '.join(args)} exited {r.returncode} (expected {expect}): {r.stderr.strip()}")
    return r


class Site:
    """A site: its ledger file and how its records arrive (pipelines of scripts/demo.sh)."""

    def __init__(self, trk, source, folder, name, url):
        self.trk, self.source, self.name = trk, source, name
        self.ledger = os.path.join(folder, f"{name}.db")
        self.env = dict(os.environ, TRK_LEDGER=self.ledger)
        self.pushes = []
        self.trk_run("ledger", "init", "--site", name)
        # The fleet's registry is managed centrally and handed out (trk ledger pull).
        self.trk_run("ledger", "pull", "--from", url)

    def trk_run(self, *args, input=None, expect=0):
        return run([self.trk, *args], env=self.env, input=input, expect=expect)

    def pipeline(self, script):
        """Runs a shell pipeline of trk stages with this site's ledger; returns its output."""
        r = subprocess.run(["bash", "-o", "pipefail", "-c", script], capture_output=True, text=True,
                           env=dict(self.env, TRK=self.trk, FIXTURES=os.path.join(self.source, "tests", "fixtures"),
                                    YARD=os.path.join(self.source, "sample", "yard")), timeout=60)
        if r.returncode != 0:
            fail(f"site {self.name}: {script!r} exited {r.returncode}: {r.stderr.strip()}")
        return r.stdout

    def arrive(self, records):
        """Records arrive: imported into the site's ledger."""
        if records.strip():
            self.trk_run("ledger", "import", input=records)

    def push(self, url):
        """What the site's cron line runs."""
        r = self.trk_run("ledger", "push", "--to", url)
        self.pushes.append(r.stderr.strip())
        return r


def lines(text):
    return [line for line in text.splitlines() if line.strip()]


def main():
    trk, source = sys.argv[1], sys.argv[2]
    folder = tempfile.mkdtemp(prefix="trk-sites-")
    server = PgServer(tmp="/tmp")  # nobody enters it, whatever TMPDIR is
    url = server.url()
    run([trk, "ledger", "init", "--central", "--ledger", url])
    yard = os.path.join(source, "sample", "yard")
    central = dict(os.environ, TRK_LEDGER=url)
    run([trk, "asset", "import", os.path.join(yard, "assets.csv")], env=central)
    run([trk, "reader", "add", "gate-2", "--zone", "yard-a", "--lat", "53.4998", "--lon", "9.9301"], env=central)
    run([trk, "reader", "add", "dock-3", "--zone", "dock-3"], env=central)
    run([trk, "fence", "add", os.path.join(yard, "fences.geojson")], env=central)

    north = Site(trk, source, folder, "north", url)
    gate = Site(trk, source, folder, "gate", url)
    rules = '--rules "$YARD/rules" --ledger-state yard'

    # FL-07's night in three parts as the receiver produced it; the reefer's log; the gate's
    # readers as their captures came.
    fl07 = lines(north.pipeline(
        '"$TRK" read nmea --asset FL-07 "$FIXTURES/yard-fl07.nmea" 2>/dev/null | '
        '"$TRK" clean --drop-invalid --max-speed 15 | "$TRK" fence --margin 1 --min-dwell 2s | '
        f'"$TRK" check {rules}'))
    if len(fl07) < 30:
        fail(f"FL-07's main job gave {len(fl07)} records")
    third = len(fl07) // 3
    north_batches = ["\n".join(fl07[:third]) + "\n", "\n".join(fl07[third:2 * third]) + "\n"]
    reefer = north.pipeline(
        '"$TRK" read csv --map "time=Date/Time,temperature=Temp [°C],humidity=RH [%],battery=Battery" '
        f'--asset RF-12 --utc-offset +01:00 "$FIXTURES/reefer-rf12.csv" | "$TRK" check {rules}')
    north_batches.append("\n".join(fl07[2 * third:]) + "\n" + reefer)
    gate_batches = [
        gate.pipeline('"$TRK" read rfid --format llrp-csv "$FIXTURES/dock-llrp.csv" 2>/dev/null'),
        gate.pipeline(f'"$TRK" read csv "$FIXTURES/crate-shocks.csv" 2>/dev/null | "$TRK" check {rules}'),
        gate.pipeline('"$TRK" read rfid --format uhf-bb --reader gate-2 --now 2026-11-24T06:40:00Z '
                      '"$FIXTURES/gate-uhf-bb.bin"'),
    ]
    for north_batch, gate_batch in zip(north_batches, gate_batches):
        north.arrive(north_batch)
        north.push(url)
        gate.arrive(gate_batch)
        gate.push(url)

    # What each site holds is centrally, exactly, in the site's order with the site's hashes.
    for site in (north, gate):
        with sqlite3.connect(site.ledger) as db:
            local = [f"{seq} {digest.hex().upper()}" for seq, digest in
                     db.execute("SELECT seq, hash FROM records ORDER BY seq")]
        central = lines(server.psql(f"SELECT seq || ' ' || upper(encode(hash, 'hex')) FROM trk.records "
                                    f"WHERE site = '{site.name}' ORDER BY seq"))
        if local != central:
            fail(f"site {site.name}: {len(local)} records in its file, {len(central)} centrally, "
                 "or not the same ones")
    total = int(server.psql("SELECT count(*) FROM trk.records"))
    if total < 100:
        fail(f"the central ledger holds {total} records of the yard")

    # Nothing new: the next cron run sends nothing and changes nothing.
    for site in (north, gate):
        site.push(url)
    if int(server.psql("SELECT count(*) FROM trk.records")) != total:
        fail("a push with nothing new changed the central ledger")

    # trk where, per site and for the fleet.
    where = ["where", "--now", NOW, "--format", "jsonl"]
    fleet = [json.loads(line) for line in lines(run([trk, *where, "--ledger", url]).stdout)]
    for site in (north, gate):
        local = run([trk, *where, "--ledger", site.ledger]).stdout
        central = run([trk, *where, "--ledger", url, "--site", site.name]).stdout
        if local != central:
            fail(f"trk where --site {site.name} on the central ledger differs from the site's file:\n"
                 f"site file:\n{local}central:\n{central}")
        mine = [row for row in fleet if row.get("site") == site.name]
        if [{k: v for k, v in row.items() if k != "site"} for row in mine] != \
                [json.loads(line) for line in lines(local)]:
            fail(f"trk where on the central ledger shows other rows for site {site.name}:\n{mine}\n{local}")
    if {row.get("site") for row in fleet} != {"north", "gate"}:
        fail(f"trk where on the central ledger: sites {sorted({str(r.get('site')) for r in fleet})}")

    # A site the central ledger does not know is an error naming the closest, never an
    # empty answer.
    typo = run([trk, *where, "--ledger", url, "--site", "nort"], expect=67)
    if 'no site "nort"' not in typo.stderr or '"north"' not in typo.stderr:
        fail(f"trk where --site nort: {typo.stderr!r}")

    # trk history of an asset of each site.
    for site, asset in ((north, "FL-07"), (gate, "PAL-6789")):
        local = run([trk, "history", asset, "--ledger", site.ledger]).stdout
        central = run([trk, "history", asset, "--ledger", url, "--site", site.name]).stdout
        if not lines(local):
            fail(f"site {site.name} has no history of {asset}")
        if local != central:
            fail(f"trk history {asset} --site {site.name} differs:\nsite file:\n{local}central:\n{central}")

    # Stages keep their state in the central ledger as in a file (--ledger-state), per
    # site: the same events, the same state read back by --list-open.
    yard_dir = os.path.join(source, "sample", "yard")
    for ledger in ([ "--ledger", north.ledger], ["--ledger", url, "--site", "north"]):
        history = run([trk, "history", "RF-12", "--ledger", north.ledger]).stdout
        half = len(lines(history)) // 2
        events = ""
        for part in (lines(history)[:half], lines(history)[half:]):
            events += run([trk, "check", "--rules", os.path.join(yard_dir, "rules"), "--ledger-state", "central-test",
                           *ledger], input="\n".join(part) + "\n").stdout
        opened = run([trk, "check", "--rules", os.path.join(yard_dir, "rules"), "--ledger-state", "central-test",
                      "--list-open", *ledger]).stdout
        fixes = run([trk, "history", "FL-07", "--type", "fix", "--ledger", north.ledger]).stdout
        fenced = run([trk, "fence", "--ledger-state", "central-test", *ledger], input=fixes).stdout
        if ledger[1] == north.ledger:
            file_answers = (events, opened, fenced)
        elif (events, opened, fenced) != file_answers:
            fail("trk check/fence --ledger-state on the central ledger differ from the site's file:\n"
                 f"{file_answers}\n{(events, opened, fenced)}")
    if not file_answers[0].strip() or not file_answers[2].strip():
        fail(f"check or fence with --ledger-state wrote nothing: {file_answers}")
    if server.psql("SELECT count(*) FROM trk.stage_state WHERE site = 'north'").strip() != "2":
        fail("the stages' states are not kept centrally under site north")

    # Both chains verify centrally; a record changed there breaks that site's chain.
    verify = json.loads(run([trk, "ledger", "verify", "--format", "json", "--ledger", url]).stdout)
    if not verify.get("ok") or verify.get("records") != total:
        fail(f"trk ledger verify --ledger URL: {verify}, expected ok over {total} records")
    for site in (north, gate):
        run([trk, "ledger", "verify", "--ledger", url, "--site", site.name])
    changed = server.psql(
        "WITH changed AS (UPDATE trk.records SET json = replace(json, '\"FL-07\"', '\"FL-08\"') "
        "WHERE site = 'north' AND seq = (SELECT seq FROM trk.records WHERE site = 'north' AND type = 'fix' "
        "ORDER BY seq OFFSET 5 LIMIT 1) AND json LIKE '%\"FL-07\"%' RETURNING seq) SELECT count(*) FROM changed")
    if changed.strip() != "1":
        fail(f"could not change one of north's fixes centrally ({changed.strip()} changed)")
    broken = run([trk, "ledger", "verify", "--ledger", url], expect=1)
    if "north" not in broken.stdout:
        fail(f"a chain broken centrally: verify does not name site north: {broken.stdout}{broken.stderr}")
    run([trk, "ledger", "verify", "--ledger", url, "--site", "gate"])

    print(f"ok: 2 sites, {len(north.pushes) + len(gate.pushes)} pushes, {total} records centrally")


if __name__ == "__main__":
    main()
