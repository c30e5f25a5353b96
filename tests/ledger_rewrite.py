#!/usr/bin/python3
"""The attacks that signed checkpoints stop, done to a trk ledger behind trk's back with
nothing but sqlite3 (golden cases under tests/cases/ledger/ run them):

  ledger_rewrite.py LEDGER rewrite SEQ OLD NEW
      replace the text OLD with NEW in record SEQ's JSON, then recompute the hash chain,
      SHA-256(previous hash || JSON), of that record and of every later one, so that the
      chain is unbroken again
  ledger_rewrite.py LEDGER truncate N
      delete the last N records, and the positions that point at them
  ledger_rewrite.py LEDGER drop-checkpoints
      delete every checkpoint kept in the ledger
  ledger_rewrite.py LEDGER forge-checkpoints
      give every checkpoint the hash its record has now (without the key, the signature
      cannot follow)

Prints one line saying what it did.
"""
import hashlib
import sqlite3
import sys


def rewrite(db, seq, old, new):
    (json,) = db.execute("SELECT json FROM records WHERE seq = ?", (seq,)).fetchone()
    if old not in json:
        sys.exit(f"ledger_rewrite: record {seq} does not contain {old!r}")
    db.execute("UPDATE records SET json = ? WHERE seq = ?", (json.replace(old, new, 1), seq))
    row = db.execute("SELECT hash FROM records WHERE seq < ? ORDER BY seq DESC LIMIT 1", (seq,)).fetchone()
    head = row[0] if row else bytes(32)
    later = db.execute("SELECT seq, json FROM records WHERE seq >= ? ORDER BY seq", (seq,)).fetchall()
    for at, text in later:
        head = hashlib.sha256(head + text.encode()).digest()
        db.execute("UPDATE records SET hash = ? WHERE seq = ?", (head, at))
    return f"rewrote record {seq} and re-chained {len(later)} records from it"


def truncate(db, count):
    cut = [seq for (seq,) in db.execute("SELECT seq FROM records ORDER BY seq DESC LIMIT ?", (count,))]
    marks = ",".join("?" * len(cut))
    db.execute(f"DELETE FROM positions WHERE seq IN ({marks})", cut)
    db.execute(f"DELETE FROM records WHERE seq IN ({marks})", cut)
    return f"deleted records {min(cut)} to {max(cut)}"


def drop_checkpoints(db):
    n = db.execute("DELETE FROM checkpoints").rowcount
    return f"deleted {n} checkpoint{'' if n == 1 else 's'}"


def forge_checkpoints(db):
    n = db.execute("UPDATE checkpoints SET hash = (SELECT hash FROM records WHERE records.seq = checkpoints.seq)"
                   ).rowcount
    return f"gave {n} checkpoint{'' if n == 1 else 's'} the hash of its record"


def main():
    path, action, *args = sys.argv[1:]
    db = sqlite3.connect(path)
    db.execute("PRAGMA foreign_keys = ON")  # as careful as the attacker would be
    if action == "rewrite":
        said = rewrite(db, int(args[0]), args[1], args[2])
    elif action == "truncate":
        said = truncate(db, int(args[0]))
    elif action == "drop-checkpoints":
        said = drop_checkpoints(db)
    elif action == "forge-checkpoints":
        said = forge_checkpoints(db)
    else:
        sys.exit(f"ledger_rewrite: unknown action {action}")
    db.commit()
    db.close()
    print(f"attacker: {said}")


if __name__ == "__main__":
    main()
