#!/usr/bin/python3
"""Waits until a guest answers through QEMU's port forward, for bench/vm-floor.sh.

  vm-floor-probe.py banner PORT TEXT SECONDS   the floor image: a connection reads TEXT
  vm-floor-probe.py grpc   PORT SECONDS        the agent: grpc.health.v1.Health/Check says SERVING

QEMU's user networking accepts a forwarded connection on the host before the guest listens, so a
TCP connect proves nothing: only an answer from the guest counts. The gRPC check is the standard
health call over plaintext HTTP/2, written out by hand (no gRPC library on the host's Python).
Exit status 0 once it answers, 1 when SECONDS pass first.
"""

import socket
import struct
import sys
import time

PREFACE = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
# RFC 9113 section 6: frame types and flags used here.
DATA, HEADERS, RST_STREAM, SETTINGS, GOAWAY = 0x0, 0x1, 0x3, 0x4, 0x7
END_STREAM, END_HEADERS, ACK = 0x1, 0x4, 0x1
SERVING = b"\x08\x01"  # HealthCheckResponse{status: SERVING}, protobuf field 1 varint 1


def frame(kind, flags, stream, payload=b""):
    return struct.pack(">I", len(payload))[1:] + bytes([kind, flags]) + struct.pack(">I", stream) + payload


def literal(name, value):
    # RFC 7541 section 6.2.2: literal header field without indexing, new name, no Huffman.
    name, value = name.encode(), value.encode()
    return b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value


def read_exact(sock, n):
    data = b""
    while len(data) < n:
        chunk = sock.recv(n - len(data))
        if not chunk:
            raise ConnectionError("closed")
        data += chunk
    return data


def grpc_serving(port):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        headers = b"".join(literal(k, v) for k, v in [
            (":method", "POST"), (":scheme", "http"), (":path", "/grpc.health.v1.Health/Check"),
            (":authority", f"127.0.0.1:{port}"), ("content-type", "application/grpc"), ("te", "trailers")])
        s.sendall(PREFACE + frame(SETTINGS, 0, 0) + frame(HEADERS, END_HEADERS, 1, headers)
                  + frame(DATA, END_STREAM, 1, b"\x00\x00\x00\x00\x00"))
        while True:
            head = read_exact(s, 9)
            length = int.from_bytes(head[:3], "big")
            kind, flags, stream = head[3], head[4], int.from_bytes(head[5:9], "big") & 0x7FFFFFFF
            payload = read_exact(s, length)
            if kind == SETTINGS and not flags & ACK:
                s.sendall(frame(SETTINGS, ACK, 0))
            elif kind == DATA and stream == 1:
                return payload[5:] == SERVING
            elif kind in (RST_STREAM, GOAWAY) or (kind == HEADERS and stream == 1 and flags & END_STREAM):
                return False


def banner(port, text):
    with socket.create_connection(("127.0.0.1", port), timeout=2) as s:
        data = b""
        while text.encode() not in data:
            chunk = s.recv(256)
            if not chunk:
                return False
            data += chunk
        return True


def main():
    mode = sys.argv[1] if len(sys.argv) > 1 else ""
    if mode == "banner" and len(sys.argv) == 5:
        port, seconds = int(sys.argv[2]), float(sys.argv[4])
        check = lambda: banner(port, sys.argv[3])
    elif mode == "grpc" and len(sys.argv) == 4:
        port, seconds = int(sys.argv[2]), float(sys.argv[3])
        check = lambda: grpc_serving(port)
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if check():
                return
        except OSError:
            pass
        time.sleep(0.1)
    sys.exit(1)


if __name__ == "__main__":
    main()
