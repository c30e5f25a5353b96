#!/usr/bin/env python3
"""Checks that `trk export --format epcis` writes documents the GS1 EPCIS 2.0 JSON Schema accepts.

Validates (Draft 7, with checkers for the date-time and uri formats the schema uses) every
document the golden cases tests/cases/*/epcis-*/expected hold, and a document made
from a generated stream of every record kind (names that need percent-encoding, every
audit status, fixes without a position, unknown records), whose events are also compared
with the records they come from. The validator is checked first on the schema's own
published examples (must pass) and on broken documents (must fail), so that a checker
that accepts anything cannot make this test pass.

usage: epcis_schema.py TRK CASES_DIR SCHEMAS_DIR   (exit 77: jsonschema or the schema absent)
"""
import copy
import datetime
import glob
import json
import os
import re
import subprocess
import sys

failures = []

# RFC 3986 URI: a scheme, a colon, then only characters a URI may hold (percent signs
# followed by two hex digits).
URI = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*$")
# RFC 3339 date-time.
DATE_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}[Tt]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$")


def check(condition, message):
    if not condition:
        failures.append(message)
    return condition


def make_validator(schema_path):
    import jsonschema
    checker = jsonschema.FormatChecker()

    @checker.checks("uri")
    def is_uri(value):
        return not isinstance(value, str) or URI.match(value) is not None

    @checker.checks("date-time")
    def is_date_time(value):
        if not isinstance(value, str):
            return True
        if not DATE_TIME.match(value):
            return False
        datetime.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))  # raises if no such day
        return True

    with open(schema_path, encoding="utf-8") as f:
        schema = json.load(f)
    return jsonschema.Draft7Validator(schema, format_checker=checker)


def errors(validator, document):
    return [f"{'/'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def documents_in(text):
    """The EPCIS documents in a case's expected output (a case may print several, between
    lines of its own)."""
    found, lines = [], None
    for line in text.splitlines():
        if line.startswith('{"@context"'):
            lines = []
        if lines is not None:
            lines.append(line)
            if line == "]}}":
                found.append(json.loads("\n".join(lines)))
                lines = None
    return found


def all_kinds_stream():
    """JSON Lines of every record kind trk export maps, and of some it leaves out."""
    records = [
        {"type": "read", "time": "2026-11-24T07:00:01.250Z", "epc": "3034257BF40C0E400000162E",
         "uri": "urn:epc:id:sgtin:0614141.812345.6", "reader": "gate, \"2\"", "antenna": 2},
        {"type": "read", "time": "2026-11-24T07:00:02Z", "epc": "E2801160600002084E1B4C8A", "reader": "Kühl & Co"},
        {"type": "fix", "time": "2026-11-24T07:00:03Z", "asset": "RS-3, 'east'", "device": "gps 1",
         "lat": -16.5, "lon": 179.9999999, "alt": -3.25, "speed": 0.5, "fix": "3d", "zones": ["zone/ä?#"]},
        {"type": "fix", "time": "2026-11-24T07:00:04Z", "asset": "RS-3, 'east'", "fix": "none"},
        {"type": "reading", "time": "2026-11-24T07:00:05Z", "asset": "Kühl <7>", "metric": "temperature",
         "value": -18.5, "unit": "Cel"},
        {"type": "reading", "time": "2026-11-24T07:00:06Z", "device": "probe 9", "metric": "weird metric",
         "value": 1e-7, "unit": "µ-things"},
        {"type": "event", "time": "2026-11-24T07:00:07Z", "event": "enter", "asset": "A 1", "fence": "bay #1"},
        {"type": "event", "time": "2026-11-24T07:00:08Z", "event": "exit", "asset": "A 1", "fence": "bay #1"},
        {"type": "event", "time": "2026-11-24T07:00:09Z", "event": "dwell", "asset": "A 1", "fence": "bay #1"},
        {"type": "event", "time": "2026-11-24T07:00:10Z", "event": "cross", "asset": "A 1", "fence": "lane"},
        {"type": "event", "time": "2026-11-24T07:00:11Z", "event": "violation", "asset": "A 1", "rule": "too warm",
         "severity": "major", "metric": "temperature", "value": 9.5},
        {"type": "event", "time": "2026-11-24T07:00:12Z", "event": "clear", "asset": "A 1", "rule": "too warm",
         "severity": "major", "metric": "temperature", "peak": 9.9, "duration_s": 1.5},
        {"type": "event", "time": "2026-11-24T07:00:13Z", "event": "violation", "asset": "A 1", "rule": "odd"},
    ]
    for n, status in enumerate(["present", "missing", "misplaced", "unexpected", "unknown", "new-status"]):
        row = {"type": "event", "time": "2026-11-24T08:00:00Z", "event": "audit", "audit": "a 1", "zone": "yard A",
               "status": status, "seen_zone": "yard B"}
        if status == "unknown":
            row.update(epc="AD01", uri="urn:epc:raw:16.xAD01")
        else:
            row["asset"] = f"asset {n}"
        records.append(row)
    left_out = [{"type": "event", "time": "2026-11-24T09:00:00Z", "event": "missing", "asset": "A 1"},
                {"type": "event", "time": "2026-11-24T09:00:00Z", "event": "enter", "fence": "no asset"},
                {"type": "note", "text": "a record of a type trk does not know"}]
    return records, left_out


def check_all_kinds(trk, validator):
    records, left_out = all_kinds_stream()
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records + left_out) + "\n"
    done = subprocess.run([trk, "export", "--format", "epcis", "--now", "2026-11-25T06:00:00Z"], input=text,
                          capture_output=True, text=True)
    if not check(done.returncode == 0, f"all kinds: exit {done.returncode}: {done.stderr}"):
        return
    document = json.loads(done.stdout)
    for error in errors(validator, document):
        check(False, f"all kinds: {error}")
    mapped = [r for r in records if r.get("fix") != "none"]
    events = document["epcisBody"]["eventList"]
    check(len(events) == len(mapped), f"all kinds: {len(events)} events for {len(mapped)} records")
    for event, record in zip(events, mapped):
        name = f"all kinds: {record['type']} {record.get('event', '')} at {record['time']}"
        check(event["action"] == "OBSERVE" and event["type"] == "ObjectEvent", f"{name}: not an ObjectEvent OBSERVE")
        if record["type"] == "read":
            expected = record.get("uri") or f"urn:epc:raw:{len(record['epc']) * 4}.x{record['epc']}"
            check(event["epcList"] == [expected], f"{name}: epcList {event['epcList']}")
        if record["type"] == "fix":
            reports = event["sensorElementList"][0]["sensorReport"]
            position = {r.get("component"): r["value"] for r in reports if r["type"] == "Angle"}
            check(position == {"latitude": record["lat"], "longitude": record["lon"]}, f"{name}: {position}")
        if record.get("event") == "violation" and "value" in record:
            report = event["sensorElementList"][0]["sensorReport"][0]
            check(report.get("exception") == "ALARM_CONDITION" and report.get("value") == record["value"],
                  f"{name}: {report}")
        if record.get("event") == "audit":
            want = {"present": "available", "missing": "unknown", "misplaced": "available",
                    "unexpected": "available"}.get(record["status"])
            check(event.get("disposition") == want, f"{name}: disposition {event.get('disposition')} for "
                  f"{record['status']}")
            check(event.get("bizStep") == "cycle_counting", f"{name}: bizStep {event.get('bizStep')}")


def check_broken_documents_fail(validator, good):
    """A validator that would pass anything makes every other check worthless."""
    event = next(e for e in good["epcisBody"]["eventList"] if "bizStep" in e)
    breakages = {
        "no eventTimeZoneOffset": lambda e: e.pop("eventTimeZoneOffset"),
        "a bizStep the CBV does not have": lambda e: e.update(bizStep="observing"),
        "an epc that is no URI": lambda e: e.update(epcList=["gate 2 tag"]),
        "an eventTime that is no date-time": lambda e: e.update(eventTime="2026-11-24 07:00"),
        "an unknown action": lambda e: e.update(action="SEEN"),
    }
    for what, breakage in breakages.items():
        document = copy.deepcopy(good)
        broken = next(e for e in document["epcisBody"]["eventList"] if e == event)
        breakage(broken)
        check(errors(validator, document), f"validator accepted a document with {what}")
    document = copy.deepcopy(good)
    document["creationDate"] = "yesterday"
    check(errors(validator, document), "validator accepted a creationDate of 'yesterday'")


def main():
    trk, cases, schemas = sys.argv[1:4]
    schema_path = os.path.join(schemas, "EPCIS-JSON-Schema.json")
    try:
        import jsonschema  # noqa: F401  (Debian python3-jsonschema)
    except ImportError:
        print("SKIP: python3 jsonschema is not installed (Debian python3-jsonschema)")
        return 77
    if not os.path.isfile(schema_path):
        print(f"SKIP: {schema_path} is absent (the shared schemas)")
        return 77
    validator = make_validator(schema_path)

    for example in sorted(glob.glob(os.path.join(schemas, "*.jsonld"))):
        with open(example, encoding="utf-8") as f:
            found = errors(validator, json.load(f))
        check(not found, f"{os.path.basename(example)}: the published example does not validate: {found[:3]}")

    good = None
    for expected in sorted(glob.glob(os.path.join(cases, "*", "epcis-*", "expected"))):
        case = os.path.basename(os.path.dirname(expected))
        with open(expected, encoding="utf-8") as f:
            documents = documents_in(f.read())
        if os.path.exists(os.path.join(os.path.dirname(expected), "expected.rc")):
            continue  # a usage error: no document
        check(documents, f"{case}: no EPCIS document in expected")
        for document in documents:
            found = errors(validator, document)
            for error in found:
                check(False, f"{case}: {error}")
            print(f"{case}: {len(document['epcisBody']['eventList'])} events, "
                  f"{'valid' if not found else f'{len(found)} errors'}")
            if good is None and any("bizStep" in e for e in document["epcisBody"]["eventList"]):
                good = document
    if check(good is not None, "no case document with a bizStep to break"):
        check_broken_documents_fail(validator, good)
    check_all_kinds(trk, validator)

    for failure in failures[:50]:
        print("FAIL:", failure)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
