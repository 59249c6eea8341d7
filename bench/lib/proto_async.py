"""An asyncio client of torchfeed's TCP protocol (docs/protocol.md) for the cases that hold many connections in
one process (rows 16 and 17): HELLO, SUBSCRIBE, NOTICE and FETCH with the sha256 of the bytes computed on the way.

    conn = await Connection.open("127.0.0.1:7070")
    await conn.subscribe(["m16"])              # SUBSCRIBED read; a NOTICE from now on is kept in conn.notices
    at, event = await conn.notice()            # the next NOTICE: time.monotonic() when it was read, the event
    version, size, sha256 = await conn.fetch("m16", 3)   # the whole file, hashed; NOTICEs meanwhile are kept

Frames are read by their type (a NOTICE may come between any two frames, 5.8); an ERROR frame raises
ProtocolError. Debian's python3, standard library only.
"""
import asyncio
import hashlib
import json
import struct
import time

kHello, kSubscribe, kFetch = 0x01, 0x05, 0x04
kServerHello, kFetchHeader, kSubscribed, kNotice, kError = 0x81, 0x84, 0x85, 0x86, 0xFF
kMaxFrame = 16 << 20  # a sanity limit on answers (a FETCH_HEADER holds a manifest), not the protocol's
kChunk = 1 << 20


class ProtocolError(Exception):
    pass


def text(s):
    data = s.encode()
    return struct.pack("!H", len(data)) + data


def frame(kind, payload):
    return struct.pack("!BI", kind, len(payload)) + payload


class Connection:
    def __init__(self, reader, writer):
        self.reader, self.writer = reader, writer
        self.notices = []  # (time.monotonic() when read, event) of every NOTICE, in order

    @classmethod
    async def open(cls, address, software="bench-proto-async/1"):
        host, port = address.rsplit(":", 1)
        reader, writer = await asyncio.open_connection(host, int(port), limit=kChunk)
        conn = cls(reader, writer)
        writer.write(frame(kHello, b"TFED" + struct.pack("!H", 1) + text(software) + text("none")))
        await conn._answer(kServerHello)
        return conn

    async def _frame(self):
        kind, length = struct.unpack("!BI", await self.reader.readexactly(5))
        if length > kMaxFrame:
            raise ProtocolError(f"a frame of type {kind:#x} of {length} bytes")
        payload = await self.reader.readexactly(length)
        if kind == kError:
            code, fatal = struct.unpack("!HB", payload[:3])
            raise ProtocolError(f"ERROR {code}{' (fatal)' if fatal else ''}: {payload[5:].decode(errors='replace')}")
        return kind, payload

    async def _answer(self, expected):
        """The next frame that is not a NOTICE (kept in self.notices): it must be of type `expected`."""
        while True:
            kind, payload = await self._frame()
            if kind == kNotice:
                self.notices.append((time.monotonic(), json.loads(payload)))
                continue
            if kind != expected:
                raise ProtocolError(f"expected frame type {expected:#x}, got {kind:#x}")
            return payload

    async def subscribe(self, names):
        self.writer.write(frame(kSubscribe, struct.pack("!H", len(names)) + b"".join(text(n) for n in names)))
        await self._answer(kSubscribed)

    async def notice(self):
        """The next NOTICE not returned yet (read from the socket when none is kept): (monotonic time, event)."""
        while not self.notices:
            kind, payload = await self._frame()
            if kind != kNotice:
                raise ProtocolError(f"expected a NOTICE, got frame type {kind:#x}")
            self.notices.append((time.monotonic(), json.loads(payload)))
        return self.notices.pop(0)

    async def fetch(self, name, version):
        """FETCH the whole of NAME:VERSION: (version served, bytes read, sha256 hex of them, the header's sha256)."""
        self.writer.write(frame(kFetch, text(name) + struct.pack("!IQQ", version, 0, 0)))
        header = await self._answer(kFetchHeader)
        (name_length,) = struct.unpack("!H", header[:2])
        at = 2 + name_length
        served, _total, _offset, left = struct.unpack("!IQQQ", header[at:at + 28])
        expected = header[at + 28:at + 60].hex()
        digest = hashlib.sha256()
        got = 0
        while got < left:
            chunk = await self.reader.read(min(kChunk, left - got))
            if not chunk:
                raise ProtocolError(f"the server closed the connection after {got} of {left} bytes")
            digest.update(chunk)
            got += len(chunk)
        return served, got, digest.hexdigest(), expected

    async def close(self):
        self.writer.close()
        try:
            await self.writer.wait_closed()
        except OSError:
            pass
