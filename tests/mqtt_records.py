"""Records for the MQTT tests and benchmark, as trk writes them (so that trk's output and the
payloads it publishes are these lines byte for byte): fixes of a few assets, each with its
number `n` (an unknown field, which trk keeps), and with `mixed` every tenth an event or a
reading."""
import json


def records(n, assets=("FL-07", "TT-02", "RS-03"), start=0, mixed=True):
    lines = []
    for i in range(start, start + n):
        asset = assets[i % len(assets)]
        t = "2026-11-24T%02d:%02d:%02d.%03dZ" % (i // 3600000 % 24, i // 60000 % 60, i // 1000 % 60, i % 1000)
        if mixed and i % 10 == 3:
            lines.append('{"type":"event","time":"%s","event":"enter","asset":"%s","fence":"dock"}' % (t, asset))
        elif mixed and i % 10 == 7:
            lines.append('{"type":"reading","time":"%s","asset":"%s","metric":"temperature","value":%d.5,'
                         '"unit":"Cel"}' % (t, asset, i % 30))
        else:
            lines.append('{"type":"fix","time":"%s","asset":"%s","lat":53.%07d,"lon":9.%07d,"fix":"3d","n":%d}'
                         % (t, asset, i % 10000000, (i * 7) % 10000000, i))
    return lines


def type_of(line):
    return json.loads(line)["type"]


def asset_of(line):
    return json.loads(line)["asset"]
