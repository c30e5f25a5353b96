#!/usr/bin/env python3
"""Reliability of `trk ledger push` against a real PostgreSQL 15 + PostGIS server
(tests/support/pg_server.py), with real processes: what track/central.hpp promises.

  * kill -9 of a push at random moments (seeded, printed), 24 times (12 in a sanitizer build),
    with small batches so that commits happen in between: after each kill the site's central
    records are seq 1..h with the site's hashes and the site's high-water mark is at most h;
    then a complete push stores every record exactly once;
  * the server stopped as in a crash (pg_ctl -m immediate) in the middle of a push: that push
    exits 75 and says to run it again, a push while it is down exits 69, and after the
    restart the next push completes;
  * two sites pushing at once, each as its own site role;
  * a restored older copy of a site's ledger: "nothing new", exit 0; the same copy with new
    records (a chain that diverged from the central one): exit 65, central unchanged;
  * a site role writing another site's records: another site's file pushed with its login
    exits 69 with the server's refusal, its own file with `--site OTHER` is refused (64, by
    trk, before sending), and direct SQL as that role (INSERT of another site's record or
    position, UPDATE, DELETE, TRUNCATE of records) is refused by the server;
  * a role with password authentication: a wrong password exits 69, a password in the URL
    64, the right one in PGPASSFILE pushes.

Every case ends with exact counts: the central records of each site, read with psql, equal
the site ledger's (sqlite3), seq for seq and hash for hash, the latest positions agree, and
`trk ledger verify --ledger postgresql://...` passes. A server that cannot start fails the
test (it never skips).

usage: central_reliability.py TRK
"""
import hashlib
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

from harness import fail, rounds, spawn

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
from pg_server import PgServer  # noqa: E402

# Under a sanitizer (harness.SANITIZED) fewer kills on a smaller ledger, in the same proportion
# (each kill waits for up to KILL_RECORDS / (2 KILLS) more records): the same kinds of moments
# (early, mid-batch, between commit and mark) are hit, fewer times each.
KILL_RECORDS = rounds(200000, 80000)  # the killed pushes' site ledger: big enough that every kill lands mid-way
KILLS = rounds(24, 12)
TWO_SITES_RECORDS = rounds(40000, 10000)  # east's ledger; west's is 47/40 of it
SEED = int(os.environ.get("TRK_TEST_SEED", "20261205"))
DEVICES = 50
LINKED = 5  # devices linked to assets, so that pushes carry positions too

TRK = None
SERVER = None
CLOCK = time.monotonic()


def lap(what):
    """Prints how long the step took (the test's budget is tight)."""
    global CLOCK
    now = time.monotonic()
    print(f"  [{now - CLOCK:5.1f} s] {what}", flush=True)
    CLOCK = now


def environment(passfile=None):
    """trk's environment: never a password from the caller's, PGPASSFILE only when given."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGPASSFILE"] = passfile or "/nonexistent/pgpass"
    return env


def trk(*args, input=None, passfile=None, timeout=300):
    return subprocess.run([TRK, *args], input=input, capture_output=True, timeout=timeout, env=environment(passfile))


def said(result):
    return (result.stdout + result.stderr).decode(errors="replace").strip()


def expect_ok(result, what):
    if result.returncode != 0:
        fail(f"{what}: exit {result.returncode}: {said(result)}")
    return result


def fixes(count, start, devices=DEVICES, spread=0.0):
    """`count` fixes of `devices` devices, one a second each, from second `start` (seconds
    since 1970): JSON Lines as `trk read nmea` writes them. `spread` moves the positions, so
    that two chunks with the same times still differ."""
    heads = [f'","device":"gps-{d:03d}","lat":{53.5 + d * 1e-4 + spread:.7f},"lon":' for d in range(devices)]
    lines = []
    for second in range(start, start + (count + devices - 1) // devices):
        stamp = '{"type":"fix","time":"' + time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second)) + '.000Z'
        tail = f'{9.93 + (second - start) * 1e-6:.7f},"fix":"3d"}}\n'
        lines.extend(stamp + head + tail for head in heads[:min(devices, count - (second - start) * devices)])
    return "".join(lines).encode()


def make_site(path, site, count=0, start=1795418100):
    """A site's ledger named `site` with LINKED assets linked to devices and `count` fixes."""
    expect_ok(trk("ledger", "init", "--ledger", path, "--site", site), f"ledger init --site {site}")
    for n in range(LINKED):
        expect_ok(trk("asset", "add", "--ledger", path, f"{site}-A{n}"), "asset add")
        expect_ok(trk("asset", "link", "--ledger", path, f"{site}-A{n}", "--device", f"gps-{n:03d}"), "asset link")
    if count:
        add_fixes(path, count, start)


def add_fixes(path, count, start, spread=0.0):
    result = expect_ok(trk("ledger", "import", "--ledger", path, "-", input=fixes(count, start, spread=spread)),
                       f"ledger import into {path}")
    if f"{count} new".encode() not in result.stderr:
        fail(f"import of {count} fixes into {path}: {said(result)}")


def sqlite_rows(path, sql):
    connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def push_mark(path):
    """The site ledger's high-water mark (setting push:CENTRAL_ID), 0 when none."""
    try:
        rows = sqlite_rows(path, "SELECT value FROM settings WHERE key LIKE 'push:%'")
    except sqlite3.OperationalError:  # busy for a moment: the push is writing it
        return None
    return int(rows[0][0]) if rows else 0


def fingerprint(rows):
    """One text for (seq, key, hash) rows in seq order: md5 of 'seq:key:hash;' each."""
    digest = hashlib.md5()
    for seq, key, hash_ in rows:
        digest.update(f"{seq}:{bytes(key).hex()}:{bytes(hash_).hex()};".encode())
    return digest.hexdigest()


def site_state(path):
    """What the site's file holds: (records, first seq, last seq, fingerprint), positions."""
    rows = sqlite_rows(path, "SELECT seq, key, hash FROM records ORDER BY seq")
    positions = sorted(sqlite_rows(path, "SELECT asset, seq, time FROM positions"))
    return (len(rows), rows[0][0] if rows else None, rows[-1][0] if rows else None, fingerprint(rows)), positions


def quoted(text):
    return "'" + text.replace("'", "''") + "'"


def central_state(site):
    """The same, as the central ledger holds it for `site`, read with psql."""
    out = SERVER.psql(
        "SELECT count(*), min(seq), max(seq), coalesce(md5(string_agg(seq || ':' || encode(key, 'hex') || ':' || "
        f"encode(hash, 'hex') || ';', '' ORDER BY seq)), md5('')) FROM trk.records WHERE site = {quoted(site)}")
    count, first, last, digest = out.strip().split("|")
    records = (int(count), int(first) if first else None, int(last) if last else None, digest)
    out = SERVER.psql(f"SELECT asset, seq, time FROM trk.positions WHERE site = {quoted(site)}")
    positions = sorted((a, int(s), int(t)) for a, s, t in (line.split("|") for line in out.split()))
    return records, positions


def central_snapshot():
    """Every site's records and positions, for "central unchanged"."""
    return SERVER.psql("SELECT site, count(*), max(seq), md5(string_agg(seq || json || encode(hash, 'hex'), '' "
                       "ORDER BY seq)) FROM trk.records GROUP BY site ORDER BY site") + \
        SERVER.psql("SELECT site, count(*), md5(string_agg(asset || seq || time, '' ORDER BY asset)) "
                    "FROM trk.positions GROUP BY site ORDER BY site")


def central_head(site):
    return int(SERVER.psql(f"SELECT coalesce(max(seq), 0) FROM trk.records WHERE site = {quoted(site)}"))


def expect_exact(site, path, what):
    """The central ledger holds exactly the site's records (seq 1..N, same keys and hashes),
    its latest positions, and every site's chain verifies centrally."""
    local, local_positions = site_state(path)
    central, central_positions = central_state(site)
    if central != local:
        fail(f"{what}: site {site}: central (count, first, last, md5) {central}, the site's file {local}")
    if local[0] != local[2] or (local[0] and local[1] != 1):
        fail(f"{what}: the site's file of {site} is not seq 1..N: {local}")
    if central_positions != local_positions:
        fail(f"{what}: site {site}: central positions {central_positions}, the site's {local_positions}")
    verify = verify_central(site)
    print(f"{what}: site {site}: {central[0]} records, seq 1..{central[2]}, hashes equal, "
          f"{len(central_positions)} positions; verify: {verify}")


def verify_central(site=None):
    """`trk ledger verify` on the central ledger (narrowed to `site` when given) passes."""
    result = trk("ledger", "verify", "--ledger", SERVER.url(), *(["--site", site] if site else []))
    if result.returncode != 0:
        fail(f"ledger verify of the central ledger{' --site ' + site if site else ''}: exit {result.returncode}: "
             f"{said(result)}")
    return "; ".join(said(result).splitlines())


def add_site_role(site, role, password=None):
    """A login role of trk_site that pushes for `site` (as an administrator sets one up)."""
    login = f"LOGIN PASSWORD {quoted(password)}" if password else "LOGIN"
    SERVER.psql(f"CREATE ROLE {role} {login} IN ROLE trk_site")
    SERVER.psql(f"INSERT INTO trk.sites (name, role) VALUES ({quoted(site)}, {quoted(role)})")


def push_args(path, role, *extra):
    return [TRK, "ledger", "push", "--ledger", path, "--to", SERVER.url(user=role), *extra]


def push(path, role, *extra, passfile=None):
    return trk(*push_args(path, role, *extra)[1:], passfile=passfile)


def kill_test(folder):
    """kill -9 of pushes at random moments; then a complete push."""
    path = os.path.join(folder, "north.db")
    make_site(path, "north", KILL_RECORDS)
    add_site_role("north", "push_north")
    hashes = {seq: bytes(h) for seq, h in sqlite_rows(path, "SELECT seq, hash FROM records ORDER BY seq")}
    lap(f"site ledger north: {len(hashes)} records")
    rng = random.Random(SEED)
    print(f"kill -9 of pushes: seed {SEED} (TRK_TEST_SEED repeats a run)")
    outcomes = {"before any commit": 0, "between commits": 0}
    unmarked = 0  # kills between a central commit and the site's mark of it
    attempts, head = 0, 0
    while sum(outcomes.values()) < KILLS:
        attempts += 1
        if attempts > 3 * KILLS:
            fail(f"only {sum(outcomes.values())} of {attempts} pushes were still running when killed")
        batch = rng.choice([200, 500, 1000, 2000])
        mark = push_mark(path) or 0
        if attempts % 4 == 1:  # early: connecting, the join check, the first COPY
            target, delay = None, rng.uniform(0.0, 0.15)
        else:  # after some commits: the batch in progress, or between commit and mark
            target, delay = mark + rng.randint(1, KILL_RECORDS // (2 * KILLS)), rng.uniform(0.0, 0.03)
        process = spawn(push_args(path, "push_north", "--batch", str(batch)), stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, env=environment())
        started = time.monotonic()
        while target is not None and process.poll() is None and time.monotonic() - started < 30:
            now = push_mark(path)
            if now is not None and now >= target:
                break
            time.sleep(0.005)
        time.sleep(delay)
        running = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait()
        error = process.stderr.read().decode(errors="replace").strip()
        process.stderr.close()
        if not running and process.returncode != 0:
            fail(f"push {attempts} ended by itself with exit {process.returncode}: {error}")
        before, head = head, central_head("north")
        counted = SERVER.psql("SELECT count(*), min(seq) FROM trk.records WHERE site = 'north'").strip()
        count, first = (int(x) if x else 0 for x in counted.split("|"))
        if count != head or (count and first != 1):
            fail(f"kill {attempts}: central records of north are not seq 1..{head}: {count} records from {first}")
        if head < before:
            fail(f"kill {attempts}: the central head went back from {before} to {head}")
        central_hash = SERVER.psql(f"SELECT encode(hash, 'hex') FROM trk.records WHERE site = 'north' AND seq = {head}")
        if head and central_hash.strip() != hashes[head].hex():
            fail(f"kill {attempts}: central hash at seq {head} {central_hash.strip()}, the site's {hashes[head].hex()}")
        after_mark = push_mark(path) or 0
        if after_mark > head:
            fail(f"kill {attempts}: the site's mark {after_mark} is past the central head {head}")
        what = f"batch {batch}, " + (f"at {delay:.3f} s" if target is None else f"mark >= {target} + {delay:.3f} s")
        if not running:
            print(f"  push {attempts} ({what}): finished before the kill (head {head})")
            if head == len(hashes):
                fail("the site ledger was pushed whole before the kills were done: make it bigger")
            continue
        outcome = "before any commit" if head == before else "between commits"
        outcomes[outcome] += 1
        unmarked += after_mark < head
        print(f"  kill {attempts} ({what}): head {before} -> {head}, mark {after_mark}")
    lap(f"{KILLS} kills: {outcomes}; {unmarked} left a commit the site had not marked yet")
    if outcomes["between commits"] < KILLS // 2:
        fail(f"too few kills landed after a commit: {outcomes}")
    final = expect_ok(push(path, "push_north"), "the push after the kills")
    lap(f"complete push: {said(final)}")
    expect_exact("north", path, f"after {KILLS} kill -9")
    lap("checked")
    return path


def crash_test(folder, path):
    """The server stopped as in a crash in the middle of a push, then started again."""
    add_fixes(path, 50000, 1795418100 + KILL_RECORDS // DEVICES + 10)
    lap("50000 more fixes for north")
    start_mark = push_mark(path) or 0
    process = spawn(push_args(path, "push_north", "--batch", "1000"), stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE, env=environment())
    started = time.monotonic()
    while (push_mark(path) or 0) < start_mark + 5000:
        if process.poll() is not None or time.monotonic() - started > 30:
            fail(f"the push ended (exit {process.poll()}) before the server could be stopped mid-way")
        time.sleep(0.005)
    SERVER.stop("immediate")
    out, err = process.communicate(timeout=60)
    message = (out + err).decode(errors="replace").strip()
    if process.returncode != 75 or "again" not in message:
        fail(f"a push whose server crashed: exit {process.returncode} (75 expected, saying to run it again): "
             f"{message}")
    print(f"server stopped mid-push: exit 75: {message}")
    down = push(path, "push_north")
    if down.returncode != 69 or not said(down):
        fail(f"a push while the server is down: exit {down.returncode} (69 expected, with what to do): {said(down)}")
    print(f"push while the server is down: exit 69: {said(down)}")
    SERVER.start()
    lap("server restarted")
    final = expect_ok(push(path, "push_north"), "the push after the restart")
    lap(f"complete push: {said(final)}")
    expect_exact("north", path, "after a server crash mid-push")


def two_sites_test(folder):
    """Two sites push at the same time, each as its own role."""
    paths = {}
    for n, site in enumerate(("east", "west")):
        paths[site] = os.path.join(folder, f"{site}.db")
        make_site(paths[site], site, TWO_SITES_RECORDS * (40 + 7 * n) // 40, 1795418100 + 1000 * n)
        add_site_role(site, f"push_{site}")
    lap("site ledgers east and west")
    processes = {site: spawn(push_args(path, f"push_{site}", "--batch", "2000"), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, env=environment()) for site, path in paths.items()}
    for site, process in processes.items():
        out, err = process.communicate(timeout=120)
        if process.returncode != 0:
            fail(f"{site}'s push beside another site's: exit {process.returncode}: {(out + err).decode()}")
    lap("two pushes at once")
    for site, path in paths.items():
        expect_exact(site, path, "two sites at once")


def restored_copy_test(folder):
    """A restored older copy of a site's ledger, then that copy with records of its own."""
    path, old = os.path.join(folder, "depot.db"), os.path.join(folder, "depot-old.db")
    make_site(path, "depot", 5000)
    add_site_role("depot", "push_depot")
    source, copy = sqlite3.connect(path), sqlite3.connect(old)
    source.backup(copy)  # the backup taken before the later imports
    source.close()
    copy.close()
    add_fixes(path, 5000, 1795500000)
    expect_ok(push(path, "push_depot"), "push of depot")
    expect_exact("depot", path, "depot pushed")
    before = central_snapshot()
    again = expect_ok(push(old, "push_depot"), "push from the restored older copy")
    if "nothing new" not in said(again):
        fail(f"push from the restored older copy does not say 'nothing new': {said(again)}")
    if central_snapshot() != before:
        fail("push from the restored older copy changed the central ledger")
    print(f"restored older copy: exit 0: {said(again)}")
    # New records after the restore: the chain diverges from the central one, shorter than it
    # first, then longer.
    for count in (2000, 6000):
        add_fixes(old, count, 1795600000 + count, spread=0.01)
        diverged = push(old, "push_depot")
        if diverged.returncode != 65:
            fail(f"push of a diverged chain ({count} new records after the restore): exit {diverged.returncode} "
                 f"(65 expected): {said(diverged)}")
        if central_snapshot() != before:
            fail("the refused push of a diverged chain changed the central ledger")
        print(f"diverged chain ({count} records after the restore): exit 65: {said(diverged)}")
    expect_exact("depot", path, "after the restored copy's pushes")


def refused(what, sql, role):
    status, out, err = SERVER.psql(sql, user=role, check=False)
    if status == 0:
        fail(f"{what} as {role} was accepted: {sql}")
    print(f"{what} as {role}: refused: {err.strip().splitlines()[0]}")


def other_site_test(folder, north):
    """A site role writing another site's records, with trk and with SQL."""
    add_site_role("idle", "push_idle")
    before = central_snapshot()
    # Another site's file pushed with north's login: the server refuses the records.
    idle = os.path.join(folder, "idle.db")
    make_site(idle, "idle", 1000)
    result = push(idle, "push_north")
    if result.returncode != 69 or "north" not in said(result):
        fail(f"idle's ledger pushed as north's role: exit {result.returncode} (69 expected, with the server's "
             f"refusal naming north): {said(result)}")
    if central_snapshot() != before:
        fail("idle's ledger pushed as north's role changed the central ledger")
    print(f"idle's ledger pushed as north's role: exit 69: {said(result)}")
    # north's file with --site idle: refused before anything is sent.
    result = push(north, "push_north", "--site", "idle", "--batch", "1000")
    if result.returncode not in (64, 69):
        fail(f"push --site idle of north's ledger as north's role: exit {result.returncode} (64 or 69 expected): "
             f"{said(result)}")
    if central_snapshot() != before:
        fail("push --site idle of north's ledger as north's role changed the central ledger")
    print(f"push --site idle of north's ledger as north's role: exit {result.returncode}: {said(result)}")
    refused("INSERT of east's record", "INSERT INTO trk.records (site, seq, key, type, time, json, hash) "
            "VALUES ('east', 9999999, '\\x01', 'fix', 0, '{}', '\\x01')", "push_north")
    refused("INSERT of east's position", "INSERT INTO trk.positions (site, asset, seq, time, type) "
            "VALUES ('east', 'X', 1, 0, 'fix')", "push_north")
    refused("UPDATE of its own record", "UPDATE trk.records SET json = '{}' WHERE site = 'north' AND seq = 1",
            "push_north")
    refused("DELETE of its own records", "DELETE FROM trk.records WHERE site = 'north'", "push_north")
    refused("TRUNCATE", "TRUNCATE trk.records", "push_north")
    refused("UPDATE of east's records", "UPDATE trk.records SET hash = '\\x00' WHERE site = 'east'", "push_north")
    # Row-level security hides east's positions from north: an UPDATE finds none.
    SERVER.psql("UPDATE trk.positions SET time = 0 WHERE site = 'east'", user="push_north")
    print("UPDATE of east's positions as north's role: no row visible")
    if central_snapshot() != before:
        fail("the statements above as north's role changed the central ledger")
    print("central ledger unchanged by all of them")


def password_test(folder):
    """A role with password authentication: the password from PGPASSFILE only."""
    add_site_role("gate", "push_gate", password="right-secret")
    hba = os.path.join(SERVER.data, "pg_hba.conf")
    with open(hba) as f:
        rules = f.read()
    with open(hba, "w") as f:
        f.write("local all push_gate scram-sha-256\n" + rules)
    SERVER.psql("SELECT pg_reload_conf()")
    path = os.path.join(folder, "gate.db")
    make_site(path, "gate", 3000)
    files = {}
    for name, password in (("wrong", "not-the-secret"), ("right", "right-secret")):
        files[name] = os.path.join(folder, f"pgpass-{name}")
        with open(files[name], "w") as f:
            f.write(f"*:*:trk:push_gate:{password}\n")
        os.chmod(files[name], 0o600)
    before = central_snapshot()
    for what, result in (("no password", push(path, "push_gate")),
                         ("a wrong password in PGPASSFILE", push(path, "push_gate", passfile=files["wrong"]))):
        if result.returncode != 69:
            fail(f"push with {what}: exit {result.returncode} (69 expected): {said(result)}")
        print(f"push with {what}: exit 69: {said(result)}")
    plain = SERVER.url(user="push_gate")
    for form, in_url in (("user:password@", plain.replace("postgresql:///", "postgresql://push_gate:right-secret@/")),
                         ("?password=", plain + "&password=right-secret")):
        result = trk("ledger", "push", "--ledger", path, "--to", in_url)
        if result.returncode != 64 or "PGPASSFILE" not in said(result) or "right-secret" in said(result):
            fail(f"push with the password in the URL: exit {result.returncode} (64 expected, naming PGPASSFILE, "
                 f"not showing the password): {said(result)}")
        print(f"push with the password in the URL ({form}): exit 64: {said(result)}")
    if central_snapshot() != before:
        fail("a refused login changed the central ledger")
    expect_ok(push(path, "push_gate", passfile=files["right"]), "push with the right password in PGPASSFILE")
    expect_exact("gate", path, "password from PGPASSFILE")


def main():
    global TRK, SERVER
    TRK = sys.argv[1]
    total = time.monotonic()
    with tempfile.TemporaryDirectory() as folder:
        os.chmod(folder, 0o755)
        SERVER = PgServer()
        expect_ok(trk("ledger", "init", "--central", "--ledger", SERVER.url()), "ledger init of the central ledger")
        lap("server started, central ledger created")
        north = kill_test(folder)
        crash_test(folder, north)
        two_sites_test(folder)
        lap("two sites checked")
        restored_copy_test(folder)
        lap("restored copy")
        other_site_test(folder, north)
        lap("another site's records")
        password_test(folder)
        lap("passwords")
        lap("all cases")
        print(f"the whole central ledger: {verify_central()}")
    print(f"central reliability: {time.monotonic() - total:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
