#!/usr/bin/env python3
# soak.py: N uploads in a row over one keep-alive connection (hardening row 6)
"""Usage: soak.py PORT IMAGE N EVERY PID...

POSTs IMAGE to /api/analyze N times, DELETEs each result right after (so
the disk stays bounded and deletion is soaked too), and every EVERY
requests prints one line per backend PID:
  sample REQUESTS PID RSS_KB FDS
Exits 1 on the first non-200 upload or non-200 delete.
"""
import http.client
import json
import os
import sys
import time


def status_kb(pid, field):
    with open("/proc/%s/status" % pid) as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


def main(argv):
    if len(argv) < 6:
        sys.exit(__doc__)
    port, image, n, every = int(argv[1]), argv[2], int(argv[3]), int(argv[4])
    pids = argv[5:]
    img = open(image, "rb").read()
    b = "soakBoundary4c2e9a"
    body = (("--%s\r\nContent-Disposition: form-data; name=\"image\"; "
             "filename=\"x.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" % b)
            .encode() + img + ("\r\n--%s--\r\n" % b).encode())
    hdrs = {"Content-Type": "multipart/form-data; boundary=" + b}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    for i in range(1, n + 1):
        conn.request("POST", "/api/analyze", body, hdrs)
        r = conn.getresponse()
        data = r.read()
        if r.status != 200:
            print("upload %d -> %d %s" % (i, r.status, data[:200]))
            return 1
        rid = json.loads(data)["id"]
        conn.request("DELETE", "/api/results/" + rid)
        r = conn.getresponse()
        r.read()
        if r.status != 200:
            print("delete %d -> %d" % (i, r.status))
            return 1
        if i % every == 0:
            for pid in pids:
                # the backend may still be closing this request's FastCGI
                # connection: a leak shows in the minimum of a few reads
                fds = []
                for _ in range(5):
                    fds.append(len(os.listdir("/proc/%s/fd" % pid)))
                    time.sleep(0.02)
                print("sample %d %s %d %d" % (i, pid, status_kb(pid, "VmRSS"),
                      min(fds)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
