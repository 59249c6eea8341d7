#!/usr/bin/env python3
"""Writes the golden protocol frames described in docs/protocol.md.

Written from the specification, independently of the Java and C++ codecs, so
that both codecs are checked against a third implementation. Run it with any
Python 3 (no third-party packages):  python3 generate_frames.py
"""
import hashlib
import json
import os
import struct

MAGIC = b"TFED"
HERE = os.path.dirname(os.path.abspath(__file__))


def s(text):  # str: u16 byte length + UTF-8
    data = text.encode("utf-8")
    return struct.pack(">H", len(data)) + data


def canonical(obj):
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def frame(kind, payload):
    return struct.pack(">BI", kind, len(payload)) + payload


def hello(kind, software, libtorch):
    return frame(kind, MAGIC + struct.pack(">H", 1) + s(software) + s(libtorch))


PAYLOAD = b"hello, torchfeed\n"
SHA = hashlib.sha256(PAYLOAD).digest()
MANIFEST = {
    "name": "toynet",
    "version": 1,
    "size": len(PAYLOAD),
    "sha256": SHA.hex(),
    "formatVersion": 3,
    "parameters": [
        {"name": "linear.weight", "shape": [2, 3], "dtype": "float32"},
        {"name": "linear.bias", "shape": [2], "dtype": "float32"},
    ],
    "buffers": [{"name": "bn.num_batches_tracked", "shape": [], "dtype": "int64"}],
}
LIST = {
    "models": [{"name": "toynet", "versions": [1, 2], "latest": 2, "aliases": {"stable": 1}}],
    "rejected": [{"name": "broken", "version": 1, "path": "broken/1/model.pt",
                  "reason": "not a TorchScript archive: empty file"}],
}


def names(kind, items):  # SUBSCRIBE and SUBSCRIBED: u16 count + str each
    return frame(kind, struct.pack(">H", len(items)) + b"".join(s(n) for n in items))


def receipt(version, status, reason, libtorch):
    return frame(0x06, s("toynet") + struct.pack(">I", version) + SHA + struct.pack(">B", status)
                 + s(reason) + s(libtorch))


PUBLISHED = {"event": "published", "name": "toynet", "version": 2, "sha256": SHA.hex(), "size": len(PAYLOAD)}
REMOVED = {"event": "removed", "name": "toynet", "version": 1}
ALIAS = {"event": "alias", "name": "toynet", "alias": "stable", "version": 2}
FAILED = "Unknown builtin op: aten::_scaled_dot_product_flash"


def fetch_header(offset, payload):
    body = (s("toynet") + struct.pack(">IQQQ", 1, len(PAYLOAD), offset, len(payload))
            + SHA + struct.pack(">I", len(canonical(MANIFEST))) + canonical(MANIFEST))
    return frame(0x84, body) + payload


FRAMES = {
    "01-hello.bin": hello(0x01, "torchfeed-cpp/0.1.0", "1.13.1"),
    "02-list.bin": frame(0x02, b""),
    "03-manifest.bin": frame(0x03, s("toynet") + struct.pack(">I", 0)),
    "04-fetch.bin": frame(0x04, s("toynet") + struct.pack(">IQQ", 1, 0, 0)),
    "04-fetch-range.bin": frame(0x04, s("toynet") + struct.pack(">IQQ", 1, 7, 9)),
    "05-subscribe.bin": names(0x05, ["toynet", "bnnet"]),
    "05-subscribe-all.bin": names(0x05, []),
    "06-receipt.bin": receipt(2, 0, "", "1.13.1"),
    "06-receipt-failed.bin": receipt(2, 1, FAILED, ""),
    "81-server-hello.bin": hello(0x81, "torchfeed/0.1.0", "2.10.0"),
    "82-list-result.bin": frame(0x82, canonical(LIST)),
    "83-manifest-result.bin": frame(0x83, canonical(MANIFEST)),
    "84-fetch-header.bin": fetch_header(0, PAYLOAD),
    "84-fetch-header-range.bin": fetch_header(7, PAYLOAD[7:16]),
    "85-subscribed.bin": names(0x85, ["toynet", "bnnet"]),
    "86-notice-published.bin": frame(0x86, canonical(PUBLISHED)),
    "86-notice-removed.bin": frame(0x86, canonical(REMOVED)),
    "86-notice-alias.bin": frame(0x86, canonical(ALIAS)),
    "87-receipt-ok.bin": frame(0x87, b""),
    "ff-error.bin": frame(0xFF, struct.pack(">HB", 2, 0) + s("no model named 'resnet'")),
    "ff-error-fatal.bin": frame(0xFF, struct.pack(">HB", 4, 1)
                                + s("frame of 16777216 bytes exceeds the limit of 65536")),
}

if __name__ == "__main__":
    for name, data in FRAMES.items():
        with open(os.path.join(HERE, name), "wb") as out:
            out.write(data)
        print(f"{name:28} {len(data):4} bytes")
