#!/usr/bin/python3
"""The hand-rolled model server torchfeed replaces (row 11): on every connection, read the file into memory and
sendall() it after an 8-byte size prefix (struct '!Q'), then close.

Usage: naive_server.py PORT FILE     (listens on 127.0.0.1:PORT; runs until killed)
"""
import socket
import struct
import sys


def main():
    port, path = int(sys.argv[1]), sys.argv[2]
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", port))
        listener.listen(16)
        while True:
            conn, _ = listener.accept()
            with conn:
                with open(path, "rb") as f:
                    data = f.read()
                conn.sendall(struct.pack("!Q", len(data)) + data)


if __name__ == "__main__":
    main()
