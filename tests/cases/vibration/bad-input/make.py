"""Writes the tiny bad recordings of this case into the folder given (at test time: nothing
binary is committed)."""
import math
import struct
import sys


def wav(path, rate, frames, fmt=1, announced=None, extra=b""):
    data = b"".join(struct.pack("<h", round(8000 * math.sin(2 * math.pi * 100 * i / rate))) for i in range(frames))
    size = 2 * (announced if announced is not None else frames)
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + size, b"WAVE", b"fmt ", 16, fmt, 1, rate, 2 * rate, 2,
                         16, b"data", size)
    with open(path, "wb") as f:
        f.write(header + data + extra)


folder = sys.argv[1]
wav(f"{folder}/adpcm.wav", 4096, 64, fmt=2)
# 4096 frames announced, 3000 and a half there: two windows of 0.25 s, then the cut.
wav(f"{folder}/truncated.wav", 4096, 3000, announced=4096, extra=b"\x01")
wav(f"{folder}/low.wav", 1000, 500)
# Two axes at 2560 Hz; line 100 has one cell, line 260 a NaN.
with open(f"{folder}/bad.csv", "w") as f:
    for line in range(1, 301):
        x = 2 * math.sin(2 * math.pi * 80 * line / 2560)
        f.write("0.5\n" if line == 100 else "nan,0\n" if line == 260 else f"{x:.6f},{x / 2:.6f}\n")
