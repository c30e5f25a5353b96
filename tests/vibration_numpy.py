"""trk vibration against numpy: recordings with known answers (a sine, a sum of sines on three
axes, white noise of known variance, a sine outside the band, a velocity exactly on a zone
boundary) are written at test time as WAV and CSV; every figure trk writes is compared with
the same figure computed independently by numpy (double precision FFT) on the same samples,
and with the analytic answer where there is one.
  vibration_numpy.py TRK"""
import json
import os
import struct
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("SKIP: python3-numpy is not installed")
    sys.exit(77)

TRK = sys.argv[1]
G = 9.80665
FIGURES = ("acceleration_rms", "acceleration_peak", "crest_factor", "kurtosis", "velocity_rms")
failures = []


def check(ok, message):
    if not ok:
        failures.append(message)


def write_wav(path, samples, rate, kind):
    """samples: frames x channels, in [-1, 1) for PCM; kind int16, int24 or float32."""
    frames, channels = samples.shape
    if kind == "float32":
        data, fmt, width = samples.astype("<f4").tobytes(), 3, 4
    elif kind == "int16":
        data, fmt, width = np.round(samples * 32768).clip(-32768, 32767).astype("<i2").tobytes(), 1, 2
    else:  # int24: the low three bytes of each little-endian int32
        ints = np.round(samples * 2**23).clip(-(2**23), 2**23 - 1).astype("<i4")
        data, fmt, width = ints.view(np.uint8).reshape(-1, 4)[:, :3].tobytes(), 1, 3
    header = struct.pack("<4sI4s4sIHHIIHH4sI", b"RIFF", 36 + len(data), b"WAVE", b"fmt ", 16, fmt, channels, rate,
                         rate * channels * width, channels * width, width * 8, b"data", len(data))
    with open(path, "wb") as f:
        f.write(header + data)


def decoded(samples, kind):
    """The samples as trk reads them back from the file (PCM is quantised)."""
    if kind == "float32":
        return samples.astype(np.float32).astype(np.float64)
    scale = 32768 if kind == "int16" else 2**23
    return np.round(samples * scale).clip(-scale, scale - 1) / scale


def figures(x, rate, low=10.0, high=1000.0):
    """The five figures of one window of m/s² samples, by numpy in double precision."""
    n = len(x)
    d = x - x.mean()
    m2 = np.mean(d**2)
    m4 = np.mean(d**4)
    rms = np.sqrt(m2)
    peak = np.max(np.abs(d))
    w = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / n)
    spectrum = np.fft.rfft(d * w)
    f = np.fft.rfftfreq(n, 1 / rate)
    band = (f >= low) & (f <= high) & (f > 0)
    sides = np.where(np.arange(len(f)) == n // 2, 1.0, 2.0)
    v2 = np.sum(np.abs(spectrum[band]) ** 2 / (2 * np.pi * f[band]) ** 2 * sides[band]) / (n * np.sum(w**2))
    return {"acceleration_rms": rms, "acceleration_peak": peak, "crest_factor": peak / rms if rms > 0 else 0.0,
            "kurtosis": m4 / m2**2 if m2 > 0 else 0.0, "velocity_rms": np.sqrt(v2) * 1000}


def run(args, stdin=None):
    result = subprocess.run([TRK, "vibration"] + args, input=stdin, capture_output=True, timeout=60)
    if result.returncode != 0:
        failures.append(f"trk vibration {' '.join(args)}: exit {result.returncode}: {result.stderr.decode()}")
        return []
    return [json.loads(line) for line in result.stdout.decode().splitlines()]


def by_window(readings):
    windows = {}
    for r in readings:
        windows.setdefault(r["src"], {})[r["metric"]] = r
    return windows


def compare(name, readings, signal, rate, window, axes, low=10.0, high=1000.0, rtol=2e-4, atol=1e-9):
    """Compares trk's readings with numpy's figures of each window of each axis."""
    windows = by_window(readings)
    count = len(signal) // window
    check(len(windows) == count, f"{name}: {len(windows)} windows, expected {count}")
    for i in range(count):
        src = next((s for s in windows if s.endswith(f"@{i * window / rate:g}s")), None)
        if src is None:
            failures.append(f"{name}: no window at {i * window / rate:g} s: {sorted(windows)}")
            continue
        got = windows[src]
        largest = 0.0
        for c, axis in enumerate(axes):
            expected = figures(signal[i * window:(i + 1) * window, c], rate, low, high)
            largest = max(largest, expected["velocity_rms"])
            for metric in FIGURES:
                key = metric if len(axes) == 1 else f"{metric}_{axis}"
                value = got.get(key, {}).get("value")
                ok = value is not None and abs(value - expected[metric]) <= rtol * abs(expected[metric]) + atol
                check(ok, f"{name} {src} {key}: trk {value}, numpy {expected[metric]:.7g}")
        if len(axes) > 1:
            value = got.get("velocity_rms", {}).get("value")
            check(value is not None and abs(value - largest) <= rtol * largest,
                  f"{name} {src} velocity_rms: trk {value}, largest of the axes by numpy {largest:.7g}")
    return windows


def main():
    with tempfile.TemporaryDirectory(prefix="trk-vibration-") as tmp:
        cases(tmp)
    if failures:
        for message in failures[:30]:
            print("FAIL:", message)
        sys.exit(1)
    print("ok")


def cases(tmp):
    rng = np.random.default_rng(17)

    # A sine of 0.5 full scale at 160 Hz, 16-bit PCM of a ±8 g sensor: 4 g amplitude.
    rate, window = 4096, 4096
    t = np.arange(3 * rate) / rate
    sine = 0.5 * np.sin(2 * np.pi * 160 * t + 0.4)[:, None]
    write_wav(f"{tmp}/sine.wav", sine, rate, "int16")
    readings = run([f"{tmp}/sine.wav", "--asset", "P-1", "--unit", "g", "--scale", "8",
                    "--start", "2026-11-30T06:00:00Z"])
    signal = decoded(sine, "int16") * 8 * G
    windows = compare("sine", readings, signal, rate, window, ["x"])
    a = 4 * G
    for got in windows.values():
        check(abs(got["acceleration_rms"]["value"] - a / np.sqrt(2)) < 1e-3 * a, f"sine RMS {got['acceleration_rms']}")
        check(abs(got["crest_factor"]["value"] - np.sqrt(2)) < 1e-3, f"sine crest {got['crest_factor']}")
        velocity = a / (np.sqrt(2) * 2 * np.pi * 160) * 1000
        check(abs(got["velocity_rms"]["value"] - velocity) < 1e-3 * velocity,
              f"sine velocity {got['velocity_rms']['value']}, analytic {velocity:.6g}")
    times = sorted(r["time"] for r in readings if r["metric"] == "velocity_rms")
    check(times == ["2026-11-30T06:00:00.000Z", "2026-11-30T06:00:01.000Z", "2026-11-30T06:00:02.000Z"],
          f"sine window times {times}")

    # A sum of sines on three axes, float WAV in m/s², half-second windows, and the same
    # samples as CSV through standard input.
    rate, window = 8192, 4096
    t = np.arange(2 * rate) / rate
    axes = np.column_stack([3 * np.sin(2 * np.pi * 50 * t) + 8 * np.sin(2 * np.pi * 400 * t + 1),
                            5 * np.sin(2 * np.pi * 123.4 * t) + 1.5,
                            2 * np.sin(2 * np.pi * 700 * t) + 0.5 * np.sin(2 * np.pi * 31 * t)])
    write_wav(f"{tmp}/sum.wav", axes, rate, "float32")
    readings = run([f"{tmp}/sum.wav", "--asset", "P-1", "--window", "0.5s", "--start", "2026-11-30T06:00:00Z"])
    compare("sum of sines", readings, decoded(axes, "float32"), rate, window, ["x", "y", "z"])
    csv = "\n".join(",".join(repr(float(v)) for v in row) for row in axes).encode()
    readings = run(["-", "--format", "csv", "--rate", str(rate), "--asset", "P-1", "--window", "0.5s",
                    "--axes", "h,v,a", "--start", "2026-11-30T06:00:00Z"], stdin=csv)
    compare("sum of sines (CSV)", readings, axes, rate, window, ["h", "v", "a"])

    # White noise of variance 4 (m/s²)², 24-bit PCM: RMS 2, kurtosis 3, velocity as numpy.
    rate, window = 10240, 10240
    noise = rng.normal(0, 2, (4 * rate, 1))
    write_wav(f"{tmp}/noise.wav", noise / 16, rate, "int24")
    readings = run([f"{tmp}/noise.wav", "--asset", "P-1", "--scale", "16", "--start", "2026-11-30T06:00:00Z"])
    windows = compare("noise", readings, decoded(noise / 16, "int24") * 16, rate, window, ["x"])
    for got in windows.values():
        check(abs(got["acceleration_rms"]["value"] - 2) < 0.05, f"noise RMS {got['acceleration_rms']['value']}")
        check(abs(got["kurtosis"]["value"] - 3) < 0.3, f"noise kurtosis {got['kurtosis']['value']}")

    # A sine outside the band (1800 Hz; 5 Hz): velocity near 0.
    rate = 8192
    t = np.arange(rate) / rate
    for f in (1800, 5):
        out = (10 * np.sin(2 * np.pi * f * t))[:, None]
        write_wav(f"{tmp}/out.wav", out, rate, "float32")
        readings = run([f"{tmp}/out.wav", "--asset", "P-1", "--start", "2026-11-30T06:00:00Z"])
        # What leaks in is at the single-precision FFT's noise floor: compared absolutely.
        compare(f"out of band {f} Hz", readings, decoded(out, "float32"), rate, rate, ["x"], atol=1e-5)
        inside = 10 / (np.sqrt(2) * 2 * np.pi * f) * 1000
        velocity = [r["value"] for r in readings if r["metric"] == "velocity_rms"]
        check(velocity and velocity[0] < 1e-3 * inside, f"out of band {f} Hz: velocity {velocity}")

    # A velocity of exactly 2.8 mm/s (400 Hz, on a bin): the B/C boundary of group 2 rigid,
    # which belongs to zone B.
    rate = 4096
    t = np.arange(rate) / rate
    a = 2.8e-3 * np.sqrt(2) * 2 * np.pi * 400
    boundary = (a * np.sin(2 * np.pi * 400 * t))[:, None]
    write_wav(f"{tmp}/boundary.wav", boundary, rate, "float32")
    readings = run([f"{tmp}/boundary.wav", "--asset", "P-1", "--machine-group", "2", "--mounting", "rigid",
                    "--start", "2026-11-30T06:00:00Z"])
    velocity = [r for r in readings if r["metric"] == "velocity_rms"]
    check(len(velocity) == 1 and velocity[0]["value"] == 2.8 and velocity[0].get("zone") == "B",
          f"boundary: {velocity}")
    check(all("zone" not in r for r in readings if r["metric"] != "velocity_rms"), "zone on another metric")


main()
