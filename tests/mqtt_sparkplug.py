#!/usr/bin/env python3
"""trk read mqtt of Sparkplug B: payloads made by an encoder written here from the Eclipse
Sparkplug 3.0 specification's message definitions (python3-protobuf, the message classes built
at run time from a FileDescriptorProto declared below: not trk's .proto, not protoc), published
with mosquitto_pub -f through a real mosquitto (tests/support/mqtt_broker.py).

- NBIRTH and DBIRTH with names and aliases give named readings (bdSeq and Node Control/*
  are not readings), the unit from the "engUnit" property;
- DDATA with aliases only gives the BIRTH's names; values exact for Int32 (negative, sent as
  two's complement), Int64, Float, Double, Boolean; a metric's timestamp wins over the
  payload's; is_historical comes out as "historical":true;
- a sequence gap is reported on standard error with the topic and the count lost;
- a truncated payload is reported with its topic, and the run goes on.

usage: mqtt_sparkplug.py TRK
"""
import datetime
import json
import os
import struct
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "support"))
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from google.protobuf import descriptor_pb2, descriptor_pool, message_factory  # noqa: E402

from harness import fail, spawn  # noqa: E402

# --- The encoder: the part of the specification's Payload message the test sends. ---------

F = descriptor_pb2.FieldDescriptorProto
# DataType codes (Sparkplug 3.0, section "Data Types").
INT32, INT64, UINT32, FLOAT, DOUBLE, BOOLEAN, STRING = 3, 4, 7, 9, 10, 11, 12


def _field(message, name, number, kind, label=F.LABEL_OPTIONAL, type_name=None, oneof=None):
    field = message.field.add(name=name, number=number, type=kind, label=label)
    if type_name:
        field.type_name = type_name
    if oneof is not None:
        field.oneof_index = oneof


def _classes():
    """Payload, built from a descriptor of Sparkplug B's messages (field numbers and types as
    the specification gives them)."""
    file = descriptor_pb2.FileDescriptorProto(name="spb_test.proto", package="spb.test", syntax="proto2")
    payload = file.message_type.add(name="Payload")
    value = payload.nested_type.add(name="PropertyValue")
    _field(value, "type", 1, F.TYPE_UINT32)
    value.oneof_decl.add(name="value")
    _field(value, "string_value", 8, F.TYPE_STRING, oneof=0)
    props = payload.nested_type.add(name="PropertySet")
    _field(props, "keys", 1, F.TYPE_STRING, F.LABEL_REPEATED)
    _field(props, "values", 2, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".spb.test.Payload.PropertyValue")
    metric = payload.nested_type.add(name="Metric")
    for name, number, kind in [("name", 1, F.TYPE_STRING), ("alias", 2, F.TYPE_UINT64),
                               ("timestamp", 3, F.TYPE_UINT64), ("datatype", 4, F.TYPE_UINT32),
                               ("is_historical", 5, F.TYPE_BOOL), ("is_transient", 6, F.TYPE_BOOL),
                               ("is_null", 7, F.TYPE_BOOL)]:
        _field(metric, name, number, kind)
    _field(metric, "properties", 9, F.TYPE_MESSAGE, type_name=".spb.test.Payload.PropertySet")
    metric.oneof_decl.add(name="value")
    for name, number, kind in [("int_value", 10, F.TYPE_UINT32), ("long_value", 11, F.TYPE_UINT64),
                               ("float_value", 12, F.TYPE_FLOAT), ("double_value", 13, F.TYPE_DOUBLE),
                               ("boolean_value", 14, F.TYPE_BOOL), ("string_value", 15, F.TYPE_STRING)]:
        _field(metric, name, number, kind, oneof=0)
    _field(payload, "timestamp", 1, F.TYPE_UINT64)
    _field(payload, "metrics", 2, F.TYPE_MESSAGE, F.LABEL_REPEATED, ".spb.test.Payload.Metric")
    _field(payload, "seq", 3, F.TYPE_UINT64)
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return message_factory.MessageFactory(pool).GetPrototype(pool.FindMessageTypeByName("spb.test.Payload"))


Payload = _classes()


def metric(name=None, alias=None, datatype=None, value=None, timestamp=None, historical=False, unit=None):
    """A metric as a dict; the value's field follows the datatype, as the specification maps
    them (Int8-32 and UInt8-32 in int_value, signed as two's complement; 64-bit in long_value)."""
    return dict(name=name, alias=alias, datatype=datatype, value=value, timestamp=timestamp,
                historical=historical, unit=unit)


def encode(seq, timestamp, metrics, datatypes=None):
    """The payload's bytes. `datatypes` (alias -> DataType) chooses the value field of DATA
    metrics, which carry no datatype of their own."""
    message = Payload()
    if seq is not None:
        message.seq = seq
    if timestamp is not None:
        message.timestamp = timestamp
    for m in metrics:
        out = message.metrics.add()
        if m["name"] is not None:
            out.name = m["name"]
        if m["alias"] is not None:
            out.alias = m["alias"]
        if m["datatype"] is not None:
            out.datatype = m["datatype"]
        if m["timestamp"] is not None:
            out.timestamp = m["timestamp"]
        if m["historical"]:
            out.is_historical = True
        if m["unit"] is not None:
            out.properties.keys.append("engUnit")
            out.properties.values.add(type=STRING, string_value=m["unit"])
        kind = m["datatype"] if m["datatype"] is not None else (datatypes or {}).get(m["alias"])
        v = m["value"]
        if kind in (INT32, UINT32):
            out.int_value = v & 0xFFFFFFFF
        elif kind == INT64:
            out.long_value = v & 0xFFFFFFFFFFFFFFFF
        elif kind == FLOAT:
            out.float_value = v
        elif kind == DOUBLE:
            out.double_value = v
        elif kind == BOOLEAN:
            out.boolean_value = v
        elif kind == STRING:
            out.string_value = v
    return message.SerializeToString()


T0 = 1_700_000_000_000  # 2023-11-14T22:13:20Z
NODE, DEVICE = "spBv1.0/plant/NBIRTH/edge1", "spBv1.0/plant/DBIRTH/edge1/press"
DDATA = "spBv1.0/plant/DDATA/edge1/press"
TYPES = {1: UINT32, 10: INT32, 11: INT64, 12: FLOAT, 13: DOUBLE, 14: BOOLEAN}


def f32(x):
    return struct.unpack("<f", struct.pack("<f", x))[0]


def messages():
    """(topic, payload) in order, and the readings they must give: (asset, metric, value,
    unit, time ms, historical)."""
    out, expected = [], []
    out.append((NODE, encode(0, T0, [metric("bdSeq", None, INT64, 3), metric("Node Control/Rebirth", None, BOOLEAN, False),
                                     metric("uptime", 1, UINT32, 4_000_000_000)])))
    expected.append(("edge1", "uptime", 4_000_000_000, "", T0, False))
    birth = [metric("offset", 10, INT32, -7), metric("count", 11, INT64, -123_456_789_012),
             metric("temperature", 12, FLOAT, 21.5, unit="Cel"), metric("pressure", 13, DOUBLE, 1.0000000000000002),
             metric("running", 14, BOOLEAN, True), metric("label", 15, STRING, "line 3")]
    out.append((DEVICE, encode(1, T0 + 1, birth)))
    expected += [("press", "offset", -7, "", T0 + 1, False), ("press", "count", -123_456_789_012, "", T0 + 1, False),
                 ("press", "temperature", 21.5, "Cel", T0 + 1, False),
                 ("press", "pressure", 1.0000000000000002, "", T0 + 1, False), ("press", "running", 1, "", T0 + 1, False)]
    data = [metric(alias=10, value=-2_147_483_648), metric(alias=11, value=2**53 - 1),
            metric(alias=12, value=0.1), metric(alias=13, value=-273.15, timestamp=T0 - 60_000, historical=True),
            metric(alias=14, value=False)]
    out.append((DDATA, encode(2, T0 + 2, data, TYPES)))
    expected += [("press", "offset", -2_147_483_648, "", T0 + 2, False), ("press", "count", 2**53 - 1, "", T0 + 2, False),
                 ("press", "temperature", f32(0.1), "Cel", T0 + 2, False),
                 ("press", "pressure", -273.15, "", T0 - 60_000, True), ("press", "running", 0, "", T0 + 2, False)]
    # seq 3 and 4 never sent: a gap.
    out.append((DDATA, encode(5, T0 + 5, [metric(alias=12, value=-40.5)], TYPES)))
    expected.append(("press", "temperature", -40.5, "Cel", T0 + 5, False))
    whole = encode(6, T0 + 6, [metric(alias=13, value=2.5)], TYPES)
    out.append((DDATA, whole[:-4]))  # truncated
    out.append((DDATA, encode(6, T0 + 7, [metric(alias=13, value=3.25)], TYPES)))
    expected.append(("press", "pressure", 3.25, "", T0 + 7, False))
    return out, expected


# --- The test. ------------------------------------------------------------------------------

def millis(text):
    """RFC 3339 UTC with milliseconds ("2023-11-14T22:13:20.001Z") to ms since the epoch."""
    stamp = datetime.datetime.strptime(text, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=datetime.timezone.utc)
    return round(stamp.timestamp() * 1000)


def main():
    from mqtt_broker import Broker
    trk = sys.argv[1]
    started = time.monotonic()
    sent, expected = messages()
    with tempfile.TemporaryDirectory() as tmp:
        broker = Broker(tmp)  # started
        reader = spawn([trk, "read", "mqtt", "--broker", broker.url(), "--topic", "spBv1.0/#",
                                   "--client-id", "trk-spb", "--count", str(len(expected))],
                                  stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        broker.wait_subscribed("trk-spb", "spBv1.0/#")
        for i, (topic, payload) in enumerate(sent):
            path = os.path.join(tmp, "payload-%d.bin" % i)
            with open(path, "wb") as f:
                f.write(payload)
            broker.pub(topic, file=path)
        try:
            out, err = reader.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            reader.kill()
            out, err = reader.communicate()
            fail("trk read mqtt did not end after %d readings; stdout:\n%s\nstderr:\n%s" % (len(expected), out, err))
        if reader.returncode != 0:
            fail("trk read mqtt exited %d:\n%s" % (reader.returncode, err))
        records = [json.loads(line) for line in out.splitlines()]
        got = [(r.get("asset"), r.get("metric"), r.get("value"), r.get("unit", ""), millis(r["time"]),
                r.get("historical", False)) for r in records]
        if got != expected:
            fail("readings differ:\n" + "\n".join("got %r\nnot %r" % (g, e) for g, e in zip(got, expected) if g != e)
                 + ("\n(%d readings, not %d)" % (len(got), len(expected)) if len(got) != len(expected) else ""))
        for r in records:
            if r.get("type") != "reading" or r.get("device") != "plant/edge1":
                fail("not a reading of device plant/edge1: %r" % r)
        for needle in [DDATA + ": Sparkplug sequence gap (expected seq 3, got 5: 2 messages lost)",
                       DDATA + ": invalid Sparkplug B payload (%d bytes" % (len(encode(6, T0 + 6, [metric(alias=13, value=2.5)], TYPES)) - 4),
                       DEVICE + ": Sparkplug metric not a number (label is a string)"]:
            if needle not in err:
                fail("standard error lacks %r:\n%s" % (needle, err))
        broker.close()
    print("mqtt-sparkplug: %d Sparkplug B messages, %d readings exact, gap and truncation reported, %.1f s"
          % (len(sent), len(expected), time.monotonic() - started))


if __name__ == "__main__":
    main()
