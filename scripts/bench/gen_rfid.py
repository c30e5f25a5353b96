#!/usr/bin/env python3
"""Synthetic RFID inputs for scripts/bench/read-rfid.sh. Deterministic: the same arguments
give the same bytes.

  gen_rfid.py epcs N FILE            N EPCs, one per line: GRAI-96, GIAI-96, SGTIN-96, SSCC-96,
                                     GIAI-202 and raw (E2...) in a fixed mix, many distinct
  gen_rfid.py reads N TAGS FILE      a text-format reader capture of N raw reads of TAGS
                                     distinct tags on 4 antennas, 20 reads per tag per second,
                                     with reader timestamps (the case --window merges)
"""
import random
import sys


def gs1_96(header, filt, partition, prefix_bits, prefix, ref_bits, ref, serial_bits, serial):
    value = (header << 88) | (filt << 85) | (partition << 82)
    value |= prefix << (82 - prefix_bits)
    value |= ref << (82 - prefix_bits - ref_bits)
    value |= serial & ((1 << serial_bits) - 1)
    return f"{value:024X}"


def random_epc(rng):
    kind = rng.randrange(10)
    prefix = rng.randrange(10**6, 10**7)  # 7-digit company prefix: partition 5
    if kind < 3:   # GRAI-96: asset type 5 digits (17 bits), serial 38 bits
        return gs1_96(0x33, 1, 5, 24, prefix, 20, rng.randrange(10**5), 38, rng.randrange(1 << 38))
    if kind < 5:   # GIAI-96: asset reference 38 digits... 58 bits after a 24-bit prefix
        return gs1_96(0x34, 1, 5, 24, prefix, 0, 0, 58, rng.randrange(1 << 58))
    if kind < 7:   # SGTIN-96: item reference 6 digits (20 bits), serial 38 bits
        return gs1_96(0x30, 3, 5, 24, prefix, 20, rng.randrange(10**6), 38, rng.randrange(1 << 38))
    if kind < 8:   # SSCC-96: serial reference 10 digits (34 bits), 24 zero bits
        return gs1_96(0x31, 0, 5, 24, prefix, 34, rng.randrange(10**10), 24, 0)
    if kind < 9:   # raw: a chip's factory EPC
        return "E280" + "".join(rng.choice("0123456789ABCDEF") for _ in range(20))
    # GIAI-202: 7-bit asset reference "TOOL-nnnn", padded to 208 bits
    value = (0x38 << 194) | (1 << 191) | (5 << 188) | (prefix << 164)
    ref = f"TOOL-{rng.randrange(10**4):04d}"
    bits = 0
    for c in ref:
        bits = (bits << 7) | ord(c)
    value |= bits << (164 - 7 * len(ref))
    return f"{value << 6:052X}"  # 202 bits padded to 208


def main():
    rng = random.Random(20261125)
    what = sys.argv[1]
    if what == "epcs":
        n, path = int(sys.argv[2]), sys.argv[3]
        with open(path, "w") as f:
            f.writelines(random_epc(rng) + "\n" for _ in range(n))
    elif what == "reads":
        n, tags, path = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
        population = [random_epc(rng) for _ in range(tags)]
        ms_per_read = 1000.0 / (20 * tags)
        with open(path, "w") as f:
            t0 = 1795418100000  # 2026-11-23T07:15:00Z
            for i in range(n):
                epc = population[i % tags]
                ms = t0 + int(i * ms_per_read)
                sec, milli = divmod(ms, 1000)
                f.write(f"{epc},{1 + (i // tags) % 4},-{40 + (i * 7) % 35},{sec}{milli:03d}\n")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
