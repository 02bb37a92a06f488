#!/usr/bin/env python3
# rawhttp.py: hand-made HTTP requests the hardening tests need (curl cannot lie)
"""Usage:
  rawhttp.py sized PORT FILE TOTAL        multipart upload of FILE padded (in a
                                          field "pad") to exactly TOTAL bytes;
                                          prints the status and error code
  rawhttp.py raw PORT NAME                one lying or malformed request (NAME
                                          below); prints the status or "closed"
  rawhttp.py slow PORT CONNS SECONDS      CONNS connections that send headers
                                          then trickle a body 1 byte / 100 ms;
                                          prints how many the server still held
                                          open at the end
  rawhttp.py guess PORT COUNT PREFIX      COUNT GETs of PREFIX<random id>/...
                                          over keep-alive connections; prints
                                          "requests N hits H other O"
"""
import base64
import json
import os
import socket
import sys
import threading
import time

BOUNDARY = "hardeningBoundary7MA4YWxkTrZu0gW"


def multipart(image, pad_len):
    head = ("--%s\r\nContent-Disposition: form-data; name=\"image\"; "
            "filename=\"x.png\"\r\nContent-Type: application/octet-stream"
            "\r\n\r\n" % BOUNDARY).encode()
    mid = ("\r\n--%s\r\nContent-Disposition: form-data; name=\"pad\""
           "\r\n\r\n" % BOUNDARY).encode()
    tail = ("\r\n--%s--\r\n" % BOUNDARY).encode()
    return head + image + mid + b"a" * pad_len + tail


def recv_status(s, timeout=30):
    s.settimeout(timeout)
    data = b""
    try:
        while b"\r\n\r\n" not in data:
            chunk = s.recv(65536)
            if not chunk:
                break
            data += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    if not data.startswith(b"HTTP/"):
        return "closed", b""
    head, _, body = data.partition(b"\r\n\r\n")
    length = None
    for line in head.split(b"\r\n")[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    try:
        while length is not None and len(body) < length:
            chunk = s.recv(65536)
            if not chunk:
                break
            body += chunk
    except (socket.timeout, ConnectionResetError):
        pass
    return head.split(b" ")[1].decode(), body


def error_code(body):
    try:
        return json.loads(body)["error"]["code"]
    except Exception:
        return "-"


def sized(port, path, total):
    image = open(path, "rb").read()
    pad = total - len(multipart(image, 0))
    if pad < 0:
        sys.exit("file too large for that total")
    body = multipart(image, pad)
    assert len(body) == total
    s = socket.create_connection(("127.0.0.1", port))
    s.sendall(("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\n"
               "Content-Type: multipart/form-data; boundary=%s\r\n"
               "Content-Length: %d\r\nConnection: close\r\n\r\n"
               % (BOUNDARY, total)).encode())
    try:
        s.sendall(body)
    except (BrokenPipeError, ConnectionResetError):
        pass  # the server may answer and close before reading it all
    status, rbody = recv_status(s)
    print(status, error_code(rbody))


def raw(port, name):
    small = multipart(b"\x89PNG\r\n\x1a\n" + b"x" * 4000, 0)
    ctype = "multipart/form-data; boundary=%s" % BOUNDARY
    reqs = {
        # declares more than it sends, then half-closes
        "short": ("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s"
                  "\r\nContent-Length: %d\r\n\r\n" % (ctype, len(small) + 5000),
                  small, True),
        # declares less than it sends: the rest is a bogus next request
        "long": ("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s"
                 "\r\nContent-Length: 100\r\n\r\n" % ctype, small, False),
        "negative": ("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\n"
                     "Content-Length: -1\r\n\r\n", b"", False),
        "alpha": ("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\n"
                  "Content-Length: 12abc\r\n\r\n", b"", False),
        "huge": ("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\n"
                 "Content-Length: 99999999999999999999999\r\n\r\n", b"", False),
        "double": ("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\nContent-Type: %s"
                   "\r\nContent-Length: 10\r\nContent-Length: %d\r\n\r\n"
                   % (ctype, len(small)), small, False),
        "chunked+length": ("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\n"
                           "Content-Type: %s\r\nContent-Length: 5\r\n"
                           "Transfer-Encoding: chunked\r\n\r\n" % ctype,
                           b"0\r\n\r\n", False),
    }
    head, body, halfclose = reqs[name]
    s = socket.create_connection(("127.0.0.1", port))
    try:
        s.sendall(head.encode() + body)
        if halfclose:
            s.shutdown(socket.SHUT_WR)
    except (BrokenPipeError, ConnectionResetError):
        pass
    status, rbody = recv_status(s, timeout=10)
    print(status, error_code(rbody))


def slow(port, conns, seconds):
    socks = []
    for _ in range(conns):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(("POST /api/analyze HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                   "multipart/form-data; boundary=%s\r\nContent-Length: "
                   "1000000\r\n\r\n" % BOUNDARY).encode())
        socks.append(s)
    end = time.time() + seconds
    alive = list(socks)
    while time.time() < end and alive:
        for s in list(alive):
            try:
                s.send(b"-")
            except OSError:
                alive.remove(s)
        time.sleep(0.1)
    print(len(alive))
    for s in socks:
        s.close()


def guess(port, count, prefix, suffix):
    """COUNT random-id GETs over 4 keep-alive connections in threads."""
    stats = {"requests": 0, "hits": 0, "other": 0}
    lock = threading.Lock()

    def worker(n):
        # lighttpd closes a keep-alive connection after
        # server.max-keep-alive-requests: reconnect and resend what was lost.
        s = f = None
        batch = 16      # lighttpd drops deeper pipelines
        done = r = h = o = 0
        while done < n:
            if s is None:
                s = socket.create_connection(("127.0.0.1", port))
                f = s.makefile("rb")
            k = min(batch, n - done)
            reqs = []
            for _ in range(k):
                rid = base64.urlsafe_b64encode(os.urandom(16))[:22].decode()
                reqs.append(("GET %s%s%s HTTP/1.1\r\nHost: localhost\r\n\r\n"
                             % (prefix, rid, suffix)).encode())
            try:
                s.sendall(b"".join(reqs))       # pipelined
            except OSError:
                s = None
                continue
            for _ in range(k):
                line = f.readline()
                if not line:
                    break
                status = line.split(b" ")[1]
                length = 0
                while True:
                    hl = f.readline()
                    if hl in (b"\r\n", b""):
                        break
                    key, _, v = hl.partition(b":")
                    if key.strip().lower() == b"content-length":
                        length = int(v.strip())
                f.read(length)
                r += 1
                done += 1
                if status == b"200":
                    h += 1
                elif status != b"404":
                    o += 1
            else:
                continue
            s.close()
            s = None
        if s is not None:
            s.close()
        with lock:
            stats["requests"] += r
            stats["hits"] += h
            stats["other"] += o

    threads = [threading.Thread(target=worker, args=(count // 4 +
               (1 if i < count % 4 else 0),)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    print("requests %d hits %d other %d" % (stats["requests"], stats["hits"],
                                            stats["other"]))


def main(argv):
    if len(argv) < 3:
        sys.exit(__doc__)
    mode, port = argv[1], int(argv[2])
    if mode == "sized":
        sized(port, argv[3], int(argv[4]))
    elif mode == "raw":
        raw(port, argv[3])
    elif mode == "slow":
        slow(port, int(argv[3]), float(argv[4]))
    elif mode == "guess":
        guess(port, int(argv[3]), argv[4], argv[5] if len(argv) > 5 else "")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
