#!/usr/bin/env python3
"""Writes test-fixtures/hostile/: model files built to break a model server (see hostile/README.md).

Run it from anywhere with Debian's Python, which has torch 1.13 (apt-get install python3-torch):

    /usr/bin/python3 test-fixtures/generate_hostile.py

Every file is built from the committed good fixtures (run generate.py first if those changed) with this
script's own zip writer, which lays records out exactly as PyTorch's PyTorchStreamWriter does; the script
checks that it rebuilds every good fixture byte for byte before it writes anything. torch itself is only
used for the legacy torch.save file. The outputs are deterministic: running the script twice gives
byte-identical files.

expected.tsv, next to the files, is written by hand, not by this script: it is the contract the Java and
C++ tests share. The script only checks that it names exactly the files written here.
"""
import hashlib
import io
import os
import struct
import sys
import zipfile
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
MODELS = os.path.join(HERE, "models")
HOSTILE = os.path.join(HERE, "hostile")
BASE = os.path.join(MODELS, "controlflow", "model.pt")  # the smallest good model (4,690 bytes)
TOP = b"model/"

LOCAL, DESCRIPTOR, CENTRAL = 0x04034B50, 0x08074B50, 0x02014B50
END64, LOCATOR, END = 0x06064B50, 0x07064B50, 0x06054B50
STORED, DEFLATED = 0, 8
DESCRIPTOR_FLAGS = 0x0808  # bit 3: sizes and CRC in a data descriptor; bit 11: UTF-8 names
ALIGNMENT = 64  # PyTorch aligns every record's data to 64 bytes with an "FB" extra field


# ----------------------------------------------------------------------------------------------------
# PyTorch's zip layout

class Record:
    """One archive record: what the central directory says, and what its local header says if that
    differs (for the mismatch files)."""

    def __init__(self, name, data, method=STORED, raw=None):
        self.name = name
        self.data = data  # uncompressed
        self.method = method
        self.raw = raw if raw is not None else compress(data, method)
        self.crc = zlib.crc32(data)
        self.size = len(data)
        self.compressed = len(self.raw)
        self.flags = DESCRIPTOR_FLAGS
        self.local_name = None  # local header overrides
        self.local_method = None
        self.local_sizes = None  # (crc, compressed, size) in the local header, descriptor flag cleared
        self.descriptor = None  # (crc, compressed, size) in the data descriptor
        self.offset = None  # central directory's local-header offset, if not the real one


def compress(data, method):
    if method != DEFLATED:
        return data
    deflate = zlib.compressobj(6, zlib.DEFLATED, -15)  # raw deflate, miniz's default level
    return deflate.compress(data) + deflate.flush()


def read_records(path):
    """The records of a zip written by PyTorch, with their compressed bytes as stored."""
    blob = read(path)
    records = []
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            name_length, extra_length = struct.unpack_from("<HH", blob, info.header_offset + 26)
            start = info.header_offset + 30 + name_length + extra_length
            raw = blob[start:start + info.compress_size]
            records.append(Record(info.filename.encode("utf-8"), archive.read(info), info.compress_type, raw))
    return records


def padding(offset, name):
    """PyTorch's getPadding: an "FB" extra field that puts the data at a multiple of 64."""
    start = offset + 30 + len(name) + 4
    pad = (ALIGNMENT - start % ALIGNMENT) % ALIGNMENT
    return struct.pack("<HH", 0x4246, pad) + b"Z" * pad


def needed(method):
    return 20 if method == DEFLATED else 0


def torch_zip(records, gap_after=None, prefix=b""):
    """The bytes PyTorchStreamWriter (torch 1.13, miniz with ZIP64 ends) writes for these records.

    gap_after: (index, bytes) puts bytes after that record, where no record points; prefix goes before the
    first record (offsets count it, as in a self-extracting archive).
    Returns (bytes, layout); layout holds the offsets of every structure, for patching.
    """
    out = bytearray(prefix)
    layout = {"local": [], "data": [], "central": []}
    for i, r in enumerate(records):
        layout["local"].append(len(out))
        name = r.local_name if r.local_name is not None else r.name
        method = r.local_method if r.local_method is not None else r.method
        flags, crc, compressed, size = r.flags, 0, 0, 0
        if r.local_sizes is not None:
            flags &= ~0x8
            crc, compressed, size = r.local_sizes
        extra = padding(len(out), name)
        out += struct.pack("<IHHHHHIIIHH", LOCAL, needed(method), flags, method, 0, 0, crc, compressed, size,
                           len(name), len(extra))
        out += name + extra
        layout["data"].append(len(out))
        out += r.raw
        if flags & 0x8:
            crc, compressed, size = r.descriptor or (r.crc, r.compressed, r.size)
            out += struct.pack("<IIII", DESCRIPTOR, crc, compressed, size)
        if gap_after is not None and gap_after[0] == i:
            out += gap_after[1]
    central = len(out)
    for r, local in zip(records, layout["local"]):
        layout["central"].append(len(out))
        offset = r.offset if r.offset is not None else local
        out += struct.pack("<IHHHHHHIIIHHHHHII", CENTRAL, 0, needed(r.method), r.flags, r.method, 0, 0, r.crc,
                           r.compressed, r.size, len(r.name), 0, 0, 0, 0, 0, offset)
        out += r.name
    central_size = len(out) - central
    n = len(records)
    layout["end64"] = len(out)
    out += struct.pack("<IQHHIIQQQQ", END64, 44, 0x031E, 0x2D, 0, 0, n, n, central_size, central)
    layout["locator"] = len(out)
    out += struct.pack("<IIQI", LOCATOR, 0, layout["end64"], 1)
    layout["end"] = len(out)
    out += struct.pack("<IHHHHIIH", END, 0, 0, min(n, 0xFFFF), min(n, 0xFFFF), central_size, central, 0)
    return bytes(out), layout


def base():
    return read_records(BASE)


def named(records, suffix):
    return next(r for r in records if r.name == TOP + suffix)


def replaced(records, suffix, data, method=STORED):
    """The records with model/<suffix> holding other data (its CRC and sizes consistent)."""
    return [Record(r.name, data, method) if r.name == TOP + suffix else r for r in records]


def build(records, **kwargs):
    return torch_zip(records, **kwargs)[0]


def patch(blob, offset, fmt, *values):
    out = bytearray(blob)
    struct.pack_into(fmt, out, offset, *values)
    return bytes(out)


# ----------------------------------------------------------------------------------------------------
# Pickles

def pickle_global(module, name):
    return b"c" + module + b"\n" + name + b"\n"


def os_system_pickle():
    """data.pkl asking the unpickler for os.system("touch /tmp/torchfeed-pwned") (protocol 2)."""
    command = b"touch /tmp/torchfeed-pwned"
    return (b"\x80\x02" + pickle_global(b"os", b"system") + b"X" + struct.pack("<I", len(command)) + command
            + b"\x85R.")


def legacy_torch_save():
    """torch.save(..., _use_new_zipfile_serialization=False): the pickle format before torch 1.6.

    A checkpoint dict without tensors: with tensors the legacy format keys storages by memory address,
    so the bytes would change from run to run. What matters here is the start of the file (pickle
    protocol 2, then torch's magic number), which every legacy file shares.
    """
    import torch
    buf = io.BytesIO()
    torch.save({"epoch": 3, "lr": 0.001, "arch": "ControlFlow"}, buf, _use_new_zipfile_serialization=False)
    data = buf.getvalue()
    assert data.startswith(b"\x80\x02\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19"), data[:16]
    return data


def lfs_pointer():
    toynet = read(os.path.join(MODELS, "toynet", "model.pt"))
    return ("version https://git-lfs.github.com/spec/v1\noid sha256:%s\nsize %d\n"
            % (hashlib.sha256(toynet).hexdigest(), len(toynet))).encode("ascii")


# ----------------------------------------------------------------------------------------------------
# The corpus: name -> bytes

def corpus():
    files = {}
    good, layout = torch_zip(base())
    assert good == read(BASE)

    files["lfs_pointer.pt"] = lfs_pointer()
    files["legacy_torch_save.pt"] = legacy_torch_save()
    records = [r for r in base() if not r.name.startswith(TOP + b"code/") and r.name != TOP + b"constants.pkl"]
    files["torch_save_zip.pt"] = build(records)
    files["prepended_bytes.pt"] = build(base(), prefix=b"MZ" + b"\0" * 62)  # a zip glued to an executable
    files["empty_zip.pt"] = struct.pack("<IHHHHIIH", END, 0, 0, 0, 0, 0, 0, 0)

    # Truncations: the first bytes of the good file, cut at several places.
    data_pkl = layout["data"][[r.name for r in base()].index(TOP + b"data.pkl")]
    files["truncated_in_local_header.pt"] = good[:20]
    files["truncated_in_data_pkl.pt"] = good[:data_pkl + 100]
    files["truncated_in_central_directory.pt"] = good[:layout["central"][3] + 10]
    files["truncated_in_end_record.pt"] = good[:-7]

    # The end of the archive.
    files["multi_disk.pt"] = patch(good, layout["end"] + 4, "<HH", 1, 1)
    files["too_many_records.pt"] = patch(patch(good, layout["end64"] + 24, "<QQ", 1_000_000, 1_000_000),
                                         layout["end"] + 8, "<HH", 0xFFFF, 0xFFFF)
    files["zip64_end_out_of_bounds.pt"] = patch(good, layout["locator"] + 8, "<Q", 1 << 40)
    files["central_directory_out_of_bounds.pt"] = patch(patch(good, layout["end64"] + 48, "<Q", 1 << 33),
                                                        layout["end"] + 16, "<I", 0xFFFFFFFF)
    files["bytes_after_central_directory.pt"] = after_central_directory(base())
    files["corrupt_central_entry.pt"] = patch(good, layout["central"][4], "<I", 0x02014B51)
    n = len(layout["central"])
    files["more_records_than_declared.pt"] = patch(patch(good, layout["end64"] + 24, "<QQ", n - 1, n - 1),
                                                   layout["end"] + 8, "<HH", n - 1, n - 1)
    files["end_records_disagree.pt"] = patch(good, layout["end"] + 8, "<HH", n - 1, n - 1)
    files["zip64_extra_missing.pt"] = patch(good, layout["central"][0] + 20, "<I", 0xFFFFFFFF)

    # Record names.
    files["no_top_level_folder.pt"] = build(renamed(base(), lambda n: n[len(TOP):]))
    files["record_outside_top_level.pt"] = build(base() + [Record(b"payload/evil.sh", b"#!/bin/sh\nid\n")])
    files["dotdot_name.pt"] = build(base() + [Record(TOP + b"../../../etc/cron.d/evil", b"* * * * * root id\n")])
    files["absolute_name.pt"] = build(base() + [Record(b"/etc/cron.d/evil", b"* * * * * root id\n")])
    files["backslash_name.pt"] = build(base() + [Record(TOP + b"code\\..\\..\\evil.py", b"pass\n")])
    files["nul_in_name.pt"] = build(base() + [Record(TOP + b"extra/notes.txt\0.py", b"pass\n")])
    files["long_name.pt"] = build(base() + [Record(TOP + b"extra/" + b"a" * 2000, b"\n")])
    shadow = Record(TOP + b"data.pkl", os_system_pickle())
    files["duplicate_name.pt"] = build(base() + [shadow])

    # Required records.
    files["no_version.pt"] = build([r for r in base() if r.name != TOP + b"version"])
    files["no_data_pkl.pt"] = build([r for r in base() if r.name != TOP + b"data.pkl"])
    files["no_constants_pkl.pt"] = build([r for r in base() if r.name != TOP + b"constants.pkl"])
    files["version_not_a_number.pt"] = build(replaced(base(), b"version", b"3; rm -rf /\n"))

    # Compression.
    files["deflated_tensor.pt"] = build(replaced(base(), b"data/2", named(base(), b"data/2").data, DEFLATED))
    records = base()
    named(records, b"code/__torch__.py").method = 12  # bzip2, which miniz cannot read
    files["unsupported_method.pt"] = build(records)
    records = base()
    r = named(records, b"data/0")
    r.compressed = r.size - 4
    files["stored_sizes_differ.pt"] = build(records)
    records = base()
    r = named(records, b"code/__torch__.py")
    r.raw = r.raw[:100] + bytes([r.raw[100] ^ 0x55]) + r.raw[101:]
    files["corrupt_deflate_stream.pt"] = build(records)
    records = base()
    named(records, b"data.pkl").flags |= 0x1
    files["encrypted_record.pt"] = build(records)
    source = named(base(), b"code/__torch__.py").data
    files["zip_bomb_ratio.pt"] = build(replaced(base(), b"code/__torch__.py", source + b" " * (16 << 20), DEFLATED))
    records = base()
    code = named(records, b"code/__torch__.py")
    code.size = 0xFFFFFFF0  # about 4 GiB from 520 bytes
    code.descriptor = (code.crc, code.compressed, code.size)
    files["zip_bomb_declared_size.pt"] = build(records)

    # Local headers that disagree with the central directory.
    records = base()
    named(records, b"data.pkl").local_name = TOP + b"data.pkx"
    files["local_name_mismatch.pt"] = build(records)
    records = base()
    named(records, b"constants.pkl").local_method = DEFLATED
    files["local_method_mismatch.pt"] = build(records)
    records = base()
    r = named(records, b"data.pkl")
    r.local_sizes = (r.crc, r.compressed - 100, r.size - 100)
    files["local_size_mismatch.pt"] = build(records)
    records = base()
    r = named(records, b"data.pkl")
    r.descriptor = (r.crc, r.compressed + 1, r.size + 1)
    files["descriptor_mismatch.pt"] = build(records)

    # Sizes and offsets.
    records = base()
    r = named(records, b"data/0")
    r.compressed = r.size = 0x7FFFFFFF
    r.descriptor = (r.crc, r.compressed, r.size)
    files["size_past_end.pt"] = build(records)
    records = base()
    named(records, b"data/1").offset = 1 << 30
    files["offset_past_end.pt"] = build(records)
    files["overlapping_records.pt"] = overlapping(base())
    files["bytes_between_records.pt"] = build(base(), gap_after=(0, b"\0" * 100))

    # Contents: the zip is sound, the bytes inside are not.
    files["bitflip_data_pkl.pt"] = build(flipped(base(), b"data.pkl", stale_crc=True))
    files["bitflip_tensor.pt"] = build(flipped(base(), b"data/2", stale_crc=True))
    files["bitflip_data_pkl_crc_ok.pt"] = build(flipped(base(), b"data.pkl", stale_crc=False))
    files["os_system_pickle.pt"] = build(replaced(base(), b"data.pkl", os_system_pickle()))
    depth = 100_000  # [[[...]]]: LibTorch 2.10 overflows its stack on this (about 50,000 is enough)
    nested = b"\x80\x02" + b"]" * depth + b"a" * (depth - 1) + b"."
    files["pickle_deep_nesting.pt"] = build(replaced(base(), b"data.pkl", nested))
    # 100,000 blank lines after the code (101 KB from 698 bytes, not a zip bomb): LibTorch 2.10's
    # TorchScript lexer overflows the stack of a JVM thread at about 4,000.
    files["code_blank_lines.pt"] = build(replaced(base(), b"code/__torch__.py", source + b"\n" * 100_000,
                                                 DEFLATED))
    return files


def renamed(records, rename):
    for r in records:
        r.name = rename(r.name)
    return records


def after_central_directory(records):
    """Bytes between the central directory and the ZIP64 end record, where nothing points."""
    blob, layout = torch_zip(records)
    junk = b"#!/bin/sh\necho hidden payload\n"
    end64 = layout["end64"]
    out = blob[:end64] + junk + blob[end64:]
    return patch(out, layout["locator"] + len(junk) + 8, "<Q", end64 + len(junk))


def overlapping(records):
    """data/0's central entry claims the bytes up to data/2: its own data, its descriptor and the whole
    data/1 record, so two records share bytes. The CRC is that of the claimed bytes."""
    blob, layout = torch_zip(records)
    start, span = layout["data"][0], layout["local"][2] - layout["data"][0]
    return patch(blob, layout["central"][0] + 16, "<III", zlib.crc32(blob[start:start + span]), span, span)


def flipped(records, suffix, stale_crc):
    """Flips the lowest bit of the middle byte of a stored record; its CRC stays the old one if stale_crc."""
    old = named(records, suffix)
    data = bytearray(old.data)
    data[len(data) // 2] ^= 0x01
    records = replaced(records, suffix, bytes(data))
    if stale_crc:
        r = named(records, suffix)
        r.crc = old.crc
        r.descriptor = (old.crc, r.compressed, r.size)
    return records


# ----------------------------------------------------------------------------------------------------
# Files

def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def main():
    for name in ("toynet", "bnnet", "controlflow", "dtypes"):  # the writer is PyTorch's, byte for byte
        path = os.path.join(MODELS, name, "model.pt")
        assert torch_zip(read_records(path))[0] == read(path), name
    files = corpus()
    for stale in os.listdir(HOSTILE) if os.path.isdir(HOSTILE) else []:
        if stale.endswith(".pt") and stale not in files:
            os.remove(os.path.join(HOSTILE, stale))
    for name, data in sorted(files.items()):
        write(os.path.join(HOSTILE, name), data)
        print("test-fixtures/hostile/%-36s %9d bytes  %s" % (name, len(data), hashlib.sha256(data).hexdigest()[:16]))
    expected = os.path.join(HOSTILE, "expected.tsv")
    if os.path.exists(expected):
        listed = {line.split("\t")[0] for line in read(expected).decode("utf-8").splitlines()
                  if line and not line.startswith("#")} - {"file"}  # minus the header line
        if listed != set(files):
            sys.exit("expected.tsv does not list exactly the generated files: missing %s, extra %s"
                     % (sorted(set(files) - listed), sorted(listed - set(files))))


if __name__ == "__main__":
    main()
