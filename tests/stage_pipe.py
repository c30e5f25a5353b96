#!/usr/bin/env python3
"""The stages that pass records on, fed live through a pipe (their reading thread at work):

  * `trk fence` and `trk clean`: each record comes out while the pipe stays open and quiet,
    not when it closes;
  * SIGTERM while the input is quiet: the run ends at once, with its output, exit 0;
  * `--strict` and a bad line, then a quiet pipe: exit 65 at once (the reading thread,
    waiting on the pipe, is stopped), the records before it written;
  * a reader downstream that goes away (`| head -n 1`) with the input still flowing: trk
    ends instead of reading on.

usage: stage_pipe.py TRK
"""
import json
import os
import subprocess
import sys
import tempfile
import time

from harness import Reader, fail, spawn, stop_cleanly, wait_for

FENCES = {"type": "FeatureCollection", "features": [
    {"type": "Feature", "id": "bay-1", "properties": {},
     "geometry": {"type": "Polygon", "coordinates": [[[9.93, 53.50], [9.94, 53.50], [9.94, 53.51], [9.93, 53.51],
                                                      [9.93, 53.50]]]}}]}


def fix(second, lat=53.505, lon=9.935):
    return json.dumps({"type": "fix", "asset": "FL-01", "time": f"2026-11-23T07:20:{second:02d}Z",
                       "lat": lat, "lon": lon}) + "\n"


def live(args, what):
    """Starts trk on a pipe; returns the process, its stdout and stderr readers."""
    process = spawn(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, Reader(process.stdout), Reader(process.stderr)


def records_come_as_they_arrive(trk, fences):
    # (command, lines a fix makes: the enter or exit event and the fix, or the fix alone)
    for args, per_fix in (([trk, "fence", "--fences", fences], 2), ([trk, "clean", "--max-hdop", "5"], 1)):
        name = args[1]
        process, out, err = live(args, name)
        process.stdin.write(fix(1))
        process.stdin.flush()
        wait_for(lambda: len(out.lines) >= per_fix, f"trk {name}: the first fix's output while the pipe is open")
        if name == "fence" and '"zones":["bay-1"]' not in out.lines[1]:
            fail(f"trk fence: the fix {out.lines[1]!r} lacks its zone")
        process.stdin.write(fix(2, lat=53.52))
        process.stdin.flush()
        wait_for(lambda: len(out.lines) >= 2 * per_fix, f"trk {name}: the second fix's output while the pipe is open")
        if name == "fence" and '"event":"exit"' not in out.lines[2]:
            fail(f"trk fence: {out.lines[2]!r} is not the exit")
        stop_cleanly(process, out, err)
        print(f"ok: trk {name} writes each record as it comes ({len(out.lines)} lines), and stops on SIGTERM")


def strict_stops_at_once(trk):
    process, out, err = live([trk, "read", "jsonl", "--strict"], "read jsonl --strict")
    process.stdin.write(fix(1) + "not json\n")
    process.stdin.flush()
    start = time.time()
    try:
        status = process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        fail("trk read jsonl --strict: still running 5 s after a bad line, the pipe open")
    out.thread.join(timeout=5)
    err.thread.join(timeout=5)
    if status != 65 or len(out.lines) != 1 or not any("stdin:2: bad record" in e for e in err.lines):
        fail(f"trk read jsonl --strict: exit {status}, stdout {out.lines}, stderr {err.lines}")
    print(f"ok: --strict ends at the bad line with exit 65 in {time.time() - start:.2f} s, the pipe still open")
    process.stdin.close()


def ends_when_downstream_goes(trk, folder):
    # An endless producer: trk must stop once `head` has its line and leaves.
    script = os.path.join(folder, "endless.sh")
    with open(script, "w") as f:
        f.write("line='%s'\nwhile :; do printf '%%s\\n' \"$line\"; done\n" % fix(1).strip())
    pipeline = spawn(["bash", "-c", f"bash {script} | {trk} read jsonl | head -n 1"], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
    try:
        out, _ = pipeline.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        fail("trk read jsonl kept running after the reader downstream left")
    if '"asset":"FL-01"' not in out:
        fail(f"trk read jsonl | head -n 1 gave {out!r}")
    print("ok: trk ends when the reader downstream goes away")


def main():
    if len(sys.argv) != 2:
        fail("usage: stage_pipe.py TRK")
    trk = sys.argv[1]
    with tempfile.TemporaryDirectory() as folder:
        fences = os.path.join(folder, "yard.geojson")
        with open(fences, "w") as f:
            json.dump(FENCES, f)
        records_come_as_they_arrive(trk, fences)
        strict_stops_at_once(trk)
        ends_when_downstream_goes(trk, folder)


if __name__ == "__main__":
    main()
