"""The numpy side of scripts/bench/vibration.sh: writes the benchmark's recording, and computes
trk vibration's figures on it the way a numpy user would, fairly: read in chunks of whole
windows (constant memory), every figure vectorised over the chunk's windows and axes.
  vibration_numpy.py generate FILE SECONDS RATE
  vibration_numpy.py analyse FILE FULL_SCALE_G [LOW HIGH]"""
import struct
import sys

import numpy as np

G = 9.80665


def generate(path, seconds, rate):
    """Three axes of int16: a pump's running speed and bearing tones on noise, ±16 g full scale."""
    rng = np.random.default_rng(1)
    with open(path, "wb") as f:
        frames = seconds * rate
        size = frames * 3 * 2
        f.write(struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + size, b"WAVE", b"fmt ", 16, 1, 3, rate, rate * 6, 6, 16,
                            b"data", size))
        for second in range(seconds):
            t = (second * rate + np.arange(rate)) / rate
            tone = np.sin(2 * np.pi * 24.75 * t)
            chunk = np.column_stack([300 * tone + 900 * np.sin(2 * np.pi * 162 * t), 450 * tone,
                                     200 * np.sin(2 * np.pi * 1410 * t)]) + rng.normal(0, 400, (rate, 3))
            f.write(np.round(chunk).astype("<i2").tobytes())


def analyse(path, full_scale_g, low=10.0, high=1000.0):
    with open(path, "rb") as f:
        header = f.read(44)
        channels, rate = struct.unpack("<HI", header[22:28])
        n = rate  # one-second windows
        w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
        f_k = np.fft.rfftfreq(n, 1 / rate)
        band = (f_k >= low) & (f_k <= high) & (f_k > 0)
        weight = 2 / (2 * np.pi * f_k[band]) ** 2 / (n * np.sum(w**2)) * 1e6
        scale = full_scale_g * G / 32768
        windows_per_chunk = 8
        count = 0
        total = np.zeros(5)
        while True:
            raw = np.fromfile(f, dtype="<i2", count=windows_per_chunk * n * channels)
            windows = len(raw) // (n * channels)
            if windows == 0:
                break
            # (windows, axes, samples) in m/s²
            x = raw[:windows * n * channels].reshape(windows, n, channels).transpose(0, 2, 1) * scale
            d = x - x.mean(axis=2, keepdims=True)
            d2 = d * d
            m2 = d2.mean(axis=2)
            m4 = (d2 * d2).mean(axis=2)
            rms = np.sqrt(m2)
            peak = np.abs(d).max(axis=2)
            crest = np.divide(peak, rms, out=np.zeros_like(rms), where=rms > 0)
            kurtosis = np.divide(m4, m2 * m2, out=np.zeros_like(m2), where=m2 > 0)
            spectrum = np.fft.rfft(d * w, axis=2)[:, :, band]
            velocity = np.sqrt((spectrum.real**2 + spectrum.imag**2) @ weight)
            for i, figure in enumerate((rms, peak, crest, kurtosis, velocity)):
                total[i] += figure.sum()
            count += windows * channels
    print(f"{count} windows x axes; means: rms {total[0] / count:.5g} m/s2, peak {total[1] / count:.5g}, "
          f"crest {total[2] / count:.5g}, kurtosis {total[3] / count:.5g}, velocity {total[4] / count:.5g} mm/s")


if sys.argv[1] == "generate":
    generate(sys.argv[2], int(sys.argv[3]), int(sys.argv[4]))
else:
    analyse(sys.argv[2], float(sys.argv[3]), *map(float, sys.argv[4:6]))
