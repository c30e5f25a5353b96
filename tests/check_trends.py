#!/usr/bin/env python3
"""`trk check`'s trend factors against an independent computation with numpy:

  * rate: the least-squares slope of noisy ramps sampled irregularly (and with gaps),
    against numpy.polyfit on exactly the readings of the window;
  * forecast: the line's value at the latest reading and the eta at which it reaches the
    level, against the same fit;
  * zscore: (latest - mean) / sample deviation of the window's readings before the latest;
  * the guards: each violation begins at the first reading where the window holds 5
    readings spanning half its length.

The window is 64 minutes, so its buckets are 1 minute wide (aligned on the minute): each
asset reads once a minute at a random second, so a bucket holds at most one reading and
the window is exactly the readings of the last 64 minutes before the latest (the bucket
rule of trk-check(1) adds nothing). Each rule holds whenever its factor has a value, for
2 hours (`for 2h`), so that its violation carries the statistic of a window that has
dropped old readings: the value at the first reading 2 hours after the violation's time.

Tolerance: 1e-6 relative (1e-9 absolute) on slopes, values and z-scores (trk writes 9
significant digits; the two computations differ in rounding only), 10 ms on etas.

usage: check_trends.py TRK
"""
import json
import subprocess
import sys
import tempfile

import numpy

from harness import fail

WINDOW_MS = 64 * 60_000
HOLD_MS = 2 * 3_600_000
MINUTE = 60_000
T0 = 1_795_417_200_000  # 2026-11-23T07:00:00Z, on the minute
LEVEL = 100.0
RULES = [
    "slope: rate(temperature over 64m) > -1000000 per h for 2h",
    "slope-m: rate(pressure over 64m) > -1000000 per m for 2h",
    "odd: zscore(temperature over 64m) > -1000000 for 2h",
    f"soon: forecast temperature > {LEVEL:g} within 1000h over 64m for 2h",
]


def rfc3339(ms):
    seconds, millis = divmod(ms, 1000)
    return numpy.datetime_as_string(numpy.datetime64(seconds, "s"), unit="s") + f".{millis:03d}Z"


def parse_time(text):
    return int(numpy.datetime64(text.rstrip("Z"), "ms").astype("int64"))


def series(rng, asset):
    """Readings of one asset: (time in ms, temperature, pressure), one in each minute at a
    random millisecond of it, with a gap of 10 to 30 minutes for every third asset."""
    slope_per_h = rng.uniform(2.0, 6.0)  # steep enough for the forecast's line to rise at every reading
    pressure_per_m = rng.uniform(-0.2, 0.2)
    noise = rng.uniform(0.05, 0.3)
    gap = range(90, 90 + int(rng.integers(10, 31))) if asset % 3 == 0 else range(0)
    rows = []
    for minute in range(300):
        if minute in gap:
            continue
        t = T0 + minute * MINUTE + int(rng.integers(0, MINUTE))
        hours = (t - T0) / 3_600_000
        rows.append((t, 20 + slope_per_h * hours + rng.normal(0, noise),
                     5 + pressure_per_m * hours * 60 + rng.normal(0, noise)))
    return rows


def close(got, want, what):
    if abs(got - want) > max(1e-9, 1e-6 * abs(want)):
        fail(f"{what}: trk says {got!r}, numpy {want!r}")


def window(times, values, at):
    """The readings of the window ending at reading `at`: those of the 64 minutes before it."""
    keep = times >= times[at] - WINDOW_MS
    keep[at + 1:] = False
    return times[keep], values[keep]


def first_with_value(times, before_latest):
    """The first reading at which a 64-minute window has 5 readings spanning 32 minutes
    (`before_latest`: 5 readings before the latest one, as zscore needs)."""
    skip = 1 if before_latest else 0
    for at in range(skip, len(times)):
        if at + 1 - skip >= 5 and times[at - skip] - times[0] >= WINDOW_MS // 2:
            return at
    return None


def main():
    trk = sys.argv[1]
    rng = numpy.random.default_rng(17)
    readings = {f"M-{a:02d}": series(rng, a) for a in range(24)}
    lines = []
    for asset, rows in readings.items():
        for t, temperature, pressure in rows:
            for metric, value in (("temperature", temperature), ("pressure", pressure)):
                lines.append((t, json.dumps({"type": "reading", "time": rfc3339(t), "asset": asset,
                                             "metric": metric, "value": round(value, 6)})))
    lines.sort(key=lambda line: line[0])
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl") as records:
        records.write("".join(line + "\n" for _, line in lines))
        records.flush()
        args = [trk, "check", records.name]
        for rule in RULES:
            args += ["--rule", rule]
        run = subprocess.run(args, capture_output=True, text=True, check=False)
    if run.returncode != 0 or run.stderr:
        fail(f"trk check exited {run.returncode}: {run.stderr}")
    events = [json.loads(line) for line in run.stdout.splitlines() if '"type":"event"' in line]
    seen = {(e["asset"], e["rule"]) for e in events if e["event"] == "violation"}
    if len(seen) != len(readings) * len(RULES):
        fail(f"{len(seen)} violations, not one per asset and rule ({len(readings) * len(RULES)}): {sorted(seen)}")

    checked = 0
    for event in events:
        if event["event"] != "violation":
            fail(f"a {event['event']} event: {event}")
        rows = readings[event["asset"]]
        times = numpy.array([r[0] for r in rows], dtype=numpy.int64)
        metric = "pressure" if event["rule"] == "slope-m" else "temperature"
        values = numpy.array([round(r[2 if metric == "pressure" else 1], 6) for r in rows])
        since = parse_time(event["time"])
        begins = first_with_value(times, event["rule"] == "odd")
        if since != times[begins]:
            fail(f"{event['violation']}: began at {event['time']}, not at {rfc3339(int(times[begins]))}")
        at = int(numpy.argmax(times >= since + HOLD_MS))  # the reading at which it opened
        t, v = window(times, values, at)
        hours = (t - t[-1]) / 3_600_000
        what = f"{event['rule']} of {event['asset']} at {rfc3339(int(times[at]))} ({len(t)} readings)"
        if event["rule"] in ("slope", "slope-m"):
            slope, _ = numpy.polyfit(hours, v, 1)
            close(event["value"], slope / 60 if event["rule"] == "slope-m" else slope, what)
        elif event["rule"] == "odd":
            before = v[:-1]
            close(event["value"], (v[-1] - before.mean()) / before.std(ddof=1), what)
        else:
            slope, at_latest = numpy.polyfit(hours, v, 1)
            close(event["value"], at_latest, what)
            close(event["slope"], slope, what + " slope")
            eta = int(t[-1]) + round((LEVEL - at_latest) / slope * 3_600_000)
            if abs(parse_time(event["eta"]) - eta) > 10:
                fail(f"{what}: eta {event['eta']}, numpy {rfc3339(eta)}")
        checked += 1
    print(f"{checked} statistics of {len(readings)} assets agree with numpy")


if __name__ == "__main__":
    main()
