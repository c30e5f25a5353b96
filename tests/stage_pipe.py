#!/usr/bin/env python3
"""The stages that pass records on, fed live through a pipe (their reading thread at work):

  * `trk fence` and `trk clean`: each record comes out while the pipe stays open and quiet,
    not when it closes;
  * SIGTERM while the input is quiet: the run ends at once, with its output, exit 0;
  * `--strict` and a bad line, then a quiet pipe: exit 65 at once (the reading thread,
    waiting on the pipe, is stopped), the records before it written;
  * a reader downstream that goes away (`| head -n 1`) with the input still flowing: trk
    ends instead of reading on;
  * all of it again on one processor (taskset -c 0), where the stages run on one thread,
    and the same output and messages from both for a large input with bad lines.

usage: stage_pipe.py TRK
"""
import json
import os
import random
import shutil
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


def live(prefix, args):
    """Starts trk on a pipe; returns the process, its stdout and stderr readers."""
    process = spawn(prefix + args, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return process, Reader(process.stdout), Reader(process.stderr)


def records_come_as_they_arrive(prefix, trk, fences):
    # (command, lines a fix makes: the enter or exit event and the fix, or the fix alone)
    for args, per_fix in (([trk, "fence", "--fences", fences], 2), ([trk, "clean", "--max-hdop", "5"], 1)):
        name = args[1]
        process, out, err = live(prefix, args)
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


def strict_stops_at_once(prefix, trk):
    process, out, err = live(prefix, [trk, "read", "jsonl", "--strict"])
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


def ends_when_downstream_goes(prefix, trk, folder):
    # An endless producer: trk must stop once `head` has its line and leaves.
    script = os.path.join(folder, "endless.sh")
    with open(script, "w") as f:
        f.write("line='%s'\nwhile :; do printf '%%s\\n' \"$line\"; done\n" % fix(1).strip())
    command = " ".join(prefix + [trk, "read", "jsonl"])
    pipeline = spawn(["bash", "-c", f"bash {script} | {command} | head -n 1"], stdout=subprocess.PIPE,
                     stderr=subprocess.PIPE, text=True)
    try:
        out, _ = pipeline.communicate(timeout=20)
    except subprocess.TimeoutExpired:
        fail("trk read jsonl kept running after the reader downstream left")
    if '"asset":"FL-01"' not in out:
        fail(f"trk read jsonl | head -n 1 gave {out!r}")
    print("ok: trk ends when the reader downstream goes away")


def same_on_one_processor(trk, fences, folder):
    """20,000 fixes of 30 assets walking in and out of the bay, bad lines among them."""
    rng = random.Random(25)
    path = os.path.join(folder, "walk.jsonl")
    with open(path, "w") as f:
        for i in range(20000):
            if rng.random() < 0.001:
                f.write("{\"type\":\"fix\",\"time\":\"never\"}\n")
                continue
            second = i // 30
            stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1795418100 + second))
            f.write(json.dumps({"type": "fix", "asset": f"A{i % 30}", "time": stamp,
                                "lat": 53.5 + 0.012 * rng.random() - 0.001,
                                "lon": 9.93 + 0.012 * rng.random() - 0.001}) + "\n")
    for args in ([trk, "fence", "--fences", fences, path], [trk, "clean", "--max-speed", "30", path],
                 [trk, "check", "--rule", "speed > 20 for 5s", path]):
        runs = [subprocess.run(prefix + args, capture_output=True, text=True, timeout=120)
                for prefix in ([], ["taskset", "-c", "0"])]
        if runs[0].returncode != 0 or (runs[0].stdout, runs[0].stderr) != (runs[1].stdout, runs[1].stderr):
            fail(f"trk {args[1]}: one processor and two differ (exit {runs[0].returncode}, {runs[1].returncode})")
        if "bad record" not in runs[0].stderr or runs[0].stdout.count("\n") < 1000:
            fail(f"trk {args[1]}: {runs[0].stdout.count(chr(10))} lines out, stderr {runs[0].stderr[:300]!r}")
    print("ok: the same output and messages on one processor and on two")


def main():
    if len(sys.argv) != 2:
        fail("usage: stage_pipe.py TRK")
    trk = sys.argv[1]
    with tempfile.TemporaryDirectory() as folder:
        fences = os.path.join(folder, "yard.geojson")
        with open(fences, "w") as f:
            json.dump(FENCES, f)
        prefixes = [[]]
        if shutil.which("taskset"):
            prefixes.append(["taskset", "-c", "0"])
        else:
            print("note: no taskset; the one-processor runs are left out")
        for prefix in prefixes:
            print("on one processor:" if prefix else "on every processor:")
            records_come_as_they_arrive(prefix, trk, fences)
            strict_stops_at_once(prefix, trk)
            ends_when_downstream_goes(prefix, trk, folder)
        if len(prefixes) > 1:
            same_on_one_processor(trk, fences, folder)


if __name__ == "__main__":
    main()
