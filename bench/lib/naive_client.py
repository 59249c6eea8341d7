#!/usr/bin/python3
"""The hand-rolled receiver (row 11): connect, read the 8-byte size prefix (struct '!Q'), then recv() until that
many bytes are held, into memory (chunks joined into one bytes object). No checksum.

Usage: naive_client.py HOST:PORT    prints "BYTES bytes, SECONDS s" (its own timer: connect to the last byte joined)
"""
import socket
import struct
import sys
import time


def main():
    host, port = sys.argv[1].rsplit(":", 1)
    start = time.monotonic()
    with socket.create_connection((host, int(port))) as sock:
        header = b""
        while len(header) < 8:
            header += sock.recv(8 - len(header))
        (size,) = struct.unpack("!Q", header)
        chunks, got = [], 0
        while got < size:
            chunk = sock.recv(min(1 << 20, size - got))
            if not chunk:
                sys.exit(f"naive_client.py: closed after {got} of {size} bytes")
            chunks.append(chunk)
            got += len(chunk)
        data = b"".join(chunks)
    print(f"{len(data)} bytes, {time.monotonic() - start:.6f} s")


if __name__ == "__main__":
    main()
