#!/usr/bin/env python3
"""Writes the golden protocol frames described in docs/protocol.md.

Written from the specification, independently of the Java and C++ codecs, so
that both codecs are checked against a third implementation. Run it with any
Python 3 (no third-party packages):  python3 generate_frames.py

The frames of protocol version 3 carry the manifest with its chunk digests
(section 5.3): the 17-byte file in chunks of 8 bytes (8, 8 and 1 bytes), so
that the last chunk is shorter (torchfeed's server uses 8 MiB chunks).

The signed frames of protocol version 2 (section 5.10) are signed here with
Ed25519 as RFC 8032 writes it (section 6, the reference code, slow and not
constant-time: fine for a fixture), with a TEST-ONLY key derived from a fixed
seed. That key is public by construction: never sign anything real with it.
Its public key is written as signing-test-key.pub.pem for the tests.
"""
import base64
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


def hello(kind, software, libtorch, protocol=1):
    return frame(kind, MAGIC + struct.pack(">H", protocol) + s(software) + s(libtorch))


# --- Ed25519, RFC 8032 section 6 --------------------------------------------
ED_P = 2**255 - 19
ED_L = 2**252 + 27742317777372353535851937790883648493
ED_D = -121665 * pow(121666, ED_P - 2, ED_P) % ED_P
ED_Y = 4 * pow(5, ED_P - 2, ED_P) % ED_P


def ed_recover_x(y, sign):
    x2 = (y * y - 1) * pow(ED_D * y * y + 1, ED_P - 2, ED_P)
    x = pow(x2, (ED_P + 3) // 8, ED_P)
    if (x * x - x2) % ED_P != 0:
        x = x * pow(2, (ED_P - 1) // 4, ED_P) % ED_P
    if x & 1 != sign:
        x = ED_P - x
    return x


ED_G = (ed_recover_x(ED_Y, 0), ED_Y, 1, ed_recover_x(ED_Y, 0) * ED_Y % ED_P)


def ed_add(p, q):
    a = (p[1] - p[0]) * (q[1] - q[0]) % ED_P
    b = (p[1] + p[0]) * (q[1] + q[0]) % ED_P
    c = 2 * p[3] * q[3] * ED_D % ED_P
    d = 2 * p[2] * q[2] % ED_P
    e, f, g, h = b - a, d - c, d + c, b + a
    return (e * f % ED_P, g * h % ED_P, f * g % ED_P, e * h % ED_P)


def ed_mul(k, p):
    q = (0, 1, 1, 0)
    while k > 0:
        if k & 1:
            q = ed_add(q, p)
        p = ed_add(p, p)
        k >>= 1
    return q


def ed_compress(p):
    zinv = pow(p[2], ED_P - 2, ED_P)
    x, y = p[0] * zinv % ED_P, p[1] * zinv % ED_P
    return int.to_bytes(y | ((x & 1) << 255), 32, "little")


def ed_expand(seed):
    h = hashlib.sha512(seed).digest()
    a = int.from_bytes(h[:32], "little")
    a &= (1 << 254) - 8
    a |= 1 << 254
    return a, h[32:]


def ed_public(seed):
    return ed_compress(ed_mul(ed_expand(seed)[0], ED_G))


def ed_sign(seed, message):
    a, prefix = ed_expand(seed)
    public = ed_compress(ed_mul(a, ED_G))
    r = int.from_bytes(hashlib.sha512(prefix + message).digest(), "little") % ED_L
    big_r = ed_compress(ed_mul(r, ED_G))
    k = int.from_bytes(hashlib.sha512(big_r + public + message).digest(), "little") % ED_L
    return big_r + int.to_bytes((r + k * a) % ED_L, 32, "little")


# The TEST-ONLY signing key of the golden frames (never use it for anything else).
TEST_SEED = hashlib.sha256(b"torchfeed golden frames: TEST-ONLY Ed25519 key, never trust it").digest()
TEST_PUBLIC = ed_public(TEST_SEED)
KEY_ID = hashlib.sha256(TEST_PUBLIC).digest()[:8]  # the first 8 bytes of the SHA-256 of the raw key
# SubjectPublicKeyInfo of an Ed25519 key (RFC 8410): a fixed 12-byte prefix, then the raw key.
SPKI = bytes.fromhex("302a300506032b6570032100") + TEST_PUBLIC


def pem(label, der):
    body = base64.b64encode(der).decode("ascii")
    lines = [body[i:i + 64] for i in range(0, len(body), 64)]
    return "-----BEGIN %s-----\n%s\n-----END %s-----\n" % (label, "\n".join(lines), label)


def signature(document):  # key id (8 bytes) + Ed25519 signature (64 bytes) of exactly these bytes
    return KEY_ID + ed_sign(TEST_SEED, document)


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
CHUNK_SIZE = 8  # small, so that the 17-byte file has three chunks, the last of 1 byte
MANIFEST_V3 = dict(MANIFEST, chunkSize=CHUNK_SIZE,
                   chunks=[hashlib.sha256(PAYLOAD[i:i + CHUNK_SIZE]).hexdigest()
                           for i in range(0, len(PAYLOAD), CHUNK_SIZE)])
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


def fetch_header(offset, payload, signed=False, manifest=MANIFEST):
    document = canonical(manifest)
    body = (s("toynet") + struct.pack(">IQQQ", 1, len(PAYLOAD), offset, len(payload))
            + SHA + struct.pack(">I", len(document)) + document)
    if signed:
        return frame(0x89, body + signature(document)) + payload
    return frame(0x84, body) + payload


def signed_manifest_result(manifest=MANIFEST):
    document = canonical(manifest)
    return frame(0x88, struct.pack(">I", len(document)) + document + signature(document))


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
    "01-hello-v2.bin": hello(0x01, "torchfeed-cpp/0.1.0", "1.13.1", protocol=2),
    "81-server-hello-v2.bin": hello(0x81, "torchfeed/0.1.0", "2.10.0", protocol=2),
    "88-signed-manifest-result.bin": signed_manifest_result(),
    "89-signed-fetch-header.bin": fetch_header(0, PAYLOAD, signed=True),
    "01-hello-v3.bin": hello(0x01, "torchfeed-java/0.1.0", "", protocol=3),
    "81-server-hello-v3.bin": hello(0x81, "torchfeed/0.1.0", "2.10.0", protocol=3),
    "83-manifest-result-v3.bin": frame(0x83, canonical(MANIFEST_V3)),
    "84-fetch-header-v3.bin": fetch_header(0, PAYLOAD, manifest=MANIFEST_V3),
    "88-signed-manifest-result-v3.bin": signed_manifest_result(MANIFEST_V3),
    "89-signed-fetch-header-v3.bin": fetch_header(0, PAYLOAD, signed=True, manifest=MANIFEST_V3),
    "ff-error.bin": frame(0xFF, struct.pack(">HB", 2, 0) + s("no model named 'resnet'")),
    "ff-error-fatal.bin": frame(0xFF, struct.pack(">HB", 4, 1)
                                + s("frame of 16777216 bytes exceeds the limit of 65536")),
}

if __name__ == "__main__":
    for name, data in FRAMES.items():
        with open(os.path.join(HERE, name), "wb") as out:
            out.write(data)
        print(f"{name:30} {len(data):4} bytes")
    with open(os.path.join(HERE, "signing-test-key.pub.pem"), "w", encoding="ascii") as out:
        out.write(pem("PUBLIC KEY", SPKI))
    print(f"signing-test-key.pub.pem       key id {KEY_ID.hex()}")
