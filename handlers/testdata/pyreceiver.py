"""The receiver of Python's logging cookbook ("Sending and receiving
logging events across a network"), for the tests of SocketHandler and
DatagramHandler: each record is rebuilt with
logging.makeLogRecord(pickle.loads(data)) and described as one JSON line on
stdout.

usage: pyreceiver.py MODE ADDRESS

MODE is tcp or udp (ADDRESS host:port, port 0 for any) or unix or unixgram
(ADDRESS a socket path). The first line is "ready PORT-OR-PATH"; then one
line per record. A line "stop" on stdin (or its end) closes the socket and
every connection, waits for the records under way, prints "stopped" and
exits.
"""
import json
import logging
import os
import pickle
import socket
import struct
import sys
import threading

out_lock = threading.Lock()
stop = threading.Event()
formatter = logging.Formatter("%(name)s|%(levelname)s|%(message)s")


def emit(obj, length_ok=True):
    record = logging.makeLogRecord(obj)
    line = json.dumps({
        "keys": list(obj.keys()),
        "types": {k: type(v).__name__ for k, v in obj.items()},
        "reprs": {k: repr(v) for k, v in obj.items()},
        "name": record.name,
        "levelno": record.levelno,
        "levelname": record.levelname,
        "message": record.getMessage(),
        "created": repr(record.created),
        "formatted": formatter.format(record),
        "length_ok": length_ok,
    })
    with out_lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def recv_exact(conn, n):
    """n bytes from conn, or None at the end of the stream or on stop."""
    data = b""
    while len(data) < n:
        try:
            chunk = conn.recv(n - len(data))
        except socket.timeout:
            if stop.is_set():
                return None
            continue
        except OSError:
            return None
        if not chunk:
            return None
        data += chunk
    return data


def serve_stream(conn):
    # The cookbook's LogRecordStreamHandler.handle, with its reads made
    # whole.
    try:
        while True:
            chunk = recv_exact(conn, 4)
            if chunk is None:
                break
            slen = struct.unpack(">L", chunk)[0]
            chunk = recv_exact(conn, slen)
            if chunk is None:
                break
            emit(pickle.loads(chunk))
    finally:
        conn.close()


def main():
    mode, address = sys.argv[1], sys.argv[2]
    if mode in ("tcp", "udp"):
        host, port = address.rsplit(":", 1)
        family, addr = socket.AF_INET, (host, int(port))
    else:
        family, addr = socket.AF_UNIX, address
        if os.path.exists(address):
            os.unlink(address)
    kind = socket.SOCK_STREAM if mode in ("tcp", "unix") else socket.SOCK_DGRAM
    s = socket.socket(family, kind)
    if mode == "tcp":
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(addr)
    s.settimeout(0.05)
    threads = []

    if kind == socket.SOCK_STREAM:
        s.listen()

    def accept_loop():
        while not stop.is_set():
            try:
                conn, _ = s.accept()
            except socket.timeout:
                continue
            conn.settimeout(0.05)
            t = threading.Thread(target=serve_stream, args=(conn,))
            t.start()
            threads.append(t)

    def datagram_loop():
        while not stop.is_set():
            try:
                data = s.recv(1 << 17)
            except socket.timeout:
                continue
            slen = struct.unpack(">L", data[:4])[0]
            emit(pickle.loads(data[4:]), slen == len(data) - 4)

    main_loop = threading.Thread(target=accept_loop if kind == socket.SOCK_STREAM else datagram_loop)
    main_loop.start()
    shown = s.getsockname()[1] if family == socket.AF_INET else address
    print("ready", shown, flush=True)
    for line in sys.stdin:
        if line.strip() == "stop":
            break
    stop.set()
    main_loop.join()
    s.close()
    if family == socket.AF_UNIX:
        os.unlink(address)
    for t in threads:
        t.join()
    print("stopped", flush=True)


main()
