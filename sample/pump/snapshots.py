#!/usr/bin/env python3
"""A wireless vibration sensor's snapshots of pump P-101 (group 2, rigid), written when needed
(the README's predictive-maintenance step, the golden case vibration/pump-pipeline) rather
than kept in the repository: every 10 minutes over 12 hours, 0.5 s at 4096 Hz, 16-bit PCM
of a ±4 g sensor, each file dated by its modification time (the end of the recording, as
a gateway writes it).
The pump's vibration is its running speed (24.75 Hz) and a bearing tone (160 Hz) on a
little noise; the bearing tone grows linearly, so that velocity RMS rises from about 1.0
to about 3.3 mm/s: a forecast of 4.5 mm/s within 24 hours comes hours before 2.8 mm/s.

usage: snapshots.py FOLDER (writes FOLDER/p101-000.wav to p101-072.wav)"""
import math
import os
import random
import struct
import sys

if len(sys.argv) != 2:
    sys.exit(__doc__)
folder = sys.argv[1]
os.makedirs(folder, exist_ok=True)
rate, frames, full_scale = 4096, 2048, 4 * 9.80665
start = 1_796_018_400  # 2026-11-30T06:00:00Z
random.seed(101)
for snapshot in range(73):
    hours = snapshot / 6
    shaft = 0.12  # m/s², 24.75 Hz: 0.55 mm/s
    bearing = 0.85 + 0.2 * hours  # m/s² at 160 Hz: 0.85 mm/s growing 0.2 mm/s an hour
    samples = []
    for i in range(frames):
        t = i / rate
        a = (shaft * math.sin(2 * math.pi * 24.75 * t) + bearing * math.sqrt(2) * math.sin(2 * math.pi * 160 * t)
             + random.gauss(0, 0.05))
        samples.append(max(-32768, min(32767, round(a / full_scale * 32768))))
    data = struct.pack(f"<{frames}h", *samples)
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, 1, 1, rate, 2 * rate, 2,
                         16, b"data", len(data))
    path = f"{folder}/p101-{snapshot:03d}.wav"
    with open(path, "wb") as f:
        f.write(header + data)
    end = start + snapshot * 600 + frames / rate
    os.utime(path, (end, end))
