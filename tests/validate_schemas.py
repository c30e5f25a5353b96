#!/usr/bin/env python3
"""Validates what trk writes against schemas/*.schema.json, the contract of the pipe format.

Checked: every record in the expected output of every golden case (tests/cases/*/*/expected),
and trk's output (with --keep-invalid) for every real capture in the shared NMEA directory
when it is there. Fails if any record is invalid, or if nothing was checked at all.

usage: validate_schemas.py TRK SOURCE_DIR SHARED_NMEA_DIR
"""
import glob
import json
import os
import subprocess
import sys

import jsonschema  # Debian's python3-jsonschema (scripts/install-deps.sh)


def main():
    trk, source_dir, nmea_dir = sys.argv[1:4]
    validators = {}
    for path in glob.glob(os.path.join(source_dir, "schemas", "*.schema.json")):
        with open(path) as f:
            schema = json.load(f)
        jsonschema.Draft202012Validator.check_schema(schema)
        validators[os.path.basename(path).split(".")[0]] = jsonschema.Draft202012Validator(schema)

    counts = {}
    failures = []

    def check(line, where):
        if not line.startswith("{"):
            return
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            return  # not a record line: a document (GeoJSON) or a report spread over lines
        if not isinstance(record, dict):
            return
        kind = record.get("type")
        if kind not in validators:
            return
        counts[kind] = counts.get(kind, 0) + 1
        for error in validators[kind].iter_errors(record):
            failures.append(f"{where}: {error.message} (at {'/'.join(map(str, error.path)) or 'top'})")

    for expected in sorted(glob.glob(os.path.join(source_dir, "tests", "cases", "*", "*", "expected"))):
        with open(expected, encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                check(line, f"{os.path.relpath(expected, source_dir)}:{number}")

    if os.path.isdir(nmea_dir):
        for log in sorted(glob.glob(os.path.join(nmea_dir, "*.log"))):
            run = subprocess.run([trk, "read", "nmea", "--keep-invalid", log], capture_output=True, text=True)
            for number, line in enumerate(run.stdout.splitlines(), 1):
                check(line, f"trk read nmea --keep-invalid {os.path.basename(log)}, record {number}")
    else:
        print(f"note: {nmea_dir} absent: only the golden cases were checked")

    print("records validated:", ", ".join(f"{n} {kind}" for kind, n in sorted(counts.items())))
    for failure in failures[:50]:
        print("INVALID", failure)
    if not counts:
        print("FAIL: no record was checked")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
