#!/usr/bin/python3
"""N concurrent FETCHes of one model over torchfeed's TCP protocol (docs/protocol.md), the bytes discarded.

Usage: proto_fetch.py HOST:PORT NAME N

Each of N threads opens its own connection and exchanges HELLO; once all are connected they send FETCH together
and read the payload into a reused 1 MiB buffer (nothing is kept, nothing is hashed: this drives the server, for
measuring its memory while N large transfers are in flight, without N copies of the model in the client).
Prints one line: "N transfers, BYTES bytes, SECONDS s". Exit 1 on any failure.
"""
import socket
import struct
import sys
import threading
import time

kHello, kFetch, kServerHello, kFetchHeader, kError = 0x01, 0x04, 0x81, 0x84, 0xFF


def text(s):
    data = s.encode()
    return struct.pack("!H", len(data)) + data


def frame(kind, payload):
    return struct.pack("!BI", kind, len(payload)) + payload


def read_exact(sock, n):
    data = bytearray()
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("the server closed the connection")
        data += chunk
    return bytes(data)


def read_frame(sock):
    kind, length = struct.unpack("!BI", read_exact(sock, 5))
    payload = read_exact(sock, length)
    if kind == kError:
        code, fatal = struct.unpack("!HB", payload[:3])
        raise RuntimeError(f"ERROR {code}: {payload[5:].decode(errors='replace')}")
    return kind, payload


def fetch(host, port, name, barrier, results, index):
    with socket.create_connection((host, port)) as sock:
        sock.sendall(frame(kHello, b"TFED" + struct.pack("!H", 1) + text("bench-proto-fetch/1") + text("none")))
        kind, _ = read_frame(sock)
        if kind != kServerHello:
            raise RuntimeError(f"expected SERVER_HELLO, got frame type {kind:#x}")
        barrier.wait()
        sock.sendall(frame(kFetch, text(name) + struct.pack("!IQQ", 0, 0, 0)))
        kind, payload = read_frame(sock)
        if kind != kFetchHeader:
            raise RuntimeError(f"expected FETCH_HEADER, got frame type {kind:#x}")
        (name_length,) = struct.unpack("!H", payload[:2])
        _version, _total, _offset, left = struct.unpack("!IQQQ", payload[2 + name_length:2 + name_length + 28])
        buffer = memoryview(bytearray(1 << 20))
        got = 0
        while got < left:
            n = sock.recv_into(buffer, min(len(buffer), left - got))
            if n == 0:
                raise ConnectionError(f"the server closed the connection after {got} of {left} bytes")
            got += n
        results[index] = got


def main():
    if len(sys.argv) != 4:
        sys.exit("usage: proto_fetch.py HOST:PORT NAME N")
    host, port = sys.argv[1].rsplit(":", 1)
    name, n = sys.argv[2], int(sys.argv[3])
    barrier = threading.Barrier(n + 1)
    results, errors = [0] * n, []

    def run(i):
        try:
            fetch(host, int(port), name, barrier, results, i)
        except Exception as e:
            errors.append(e)
            barrier.abort()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    try:
        barrier.wait()
    except threading.BrokenBarrierError:
        pass
    start = time.monotonic()
    for t in threads:
        t.join()
    if errors:
        sys.exit(f"proto_fetch.py: {errors[0]}")
    print(f"{n} transfers, {sum(results)} bytes, {time.monotonic() - start:.6f} s")


if __name__ == "__main__":
    main()
