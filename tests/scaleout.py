#!/usr/bin/env python3
# scaleout.py: N backends over FastCGI/TCP behind one lighttpd, one shared
# results directory, one backend killed (SIGKILL) again and again under load.
#
# usage: scaleout.py STATE BACKEND IMAGE LIGHTTPD_PORT FIRST_BACKEND_PORT
#   env: SO_BACKENDS (3), SO_REQUESTS (2000), SO_KILLS (10), SO_CLIENTS (6)
#
# The backends are started by this script, each as "bloodview -c CONF -s
# 127.0.0.1:PORT" (what `listen = 127.0.0.1:PORT` in bloodview.conf does on
# another host), under a supervisor loop that restarts a dead one after
# 0.2 s (as systemd's Restart=always would).  lighttpd (already configured
# by scaleout.sh with the three hosts) balances between them.  Checks:
#   - every failed request was in flight on the killed backend: failures
#     <= in-flight-at-kill counts, read from the killed backend's accepted
#     connections (ss would need root; we count the requests that were
#     running between the kill and the answer instead);
#   - every 200's result is complete in the shared directory, no partial
#     result is visible, no temporaries are left once all are stopped;
#   - the killed backend answers again within seconds (time to its first
#     served request after each kill).
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import http.client

state, backend, image, lport, bport = sys.argv[1:6]
lport = int(lport)
bport = int(bport)
nback = int(os.environ.get("SO_BACKENDS", "3"))
nreq = int(os.environ.get("SO_REQUESTS", "2000"))
nkill = int(os.environ.get("SO_KILLS", "10"))
nclients = int(os.environ.get("SO_CLIENTS", "6"))
conf = os.path.join(state, "bloodview.conf")
results = os.path.join(state, "results")
run_as = os.environ.get("SO_RUN_AS", "")
mode = os.environ.get("SO_MODE", "socket")

with open(image, "rb") as f:
    img = f.read()
boundary = "----bvscaleout7d1a"
body = (("--%s\r\nContent-Disposition: form-data; name=\"image\"; "
         "filename=\"f.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" % boundary)
        .encode() + img + ("\r\n--%s--\r\n" % boundary).encode())


class Supervised:
    """One backend on 127.0.0.1:port, restarted 0.2 s after it dies.

    SO_MODE=socket (default): the supervisor holds the listening socket and
    hands it to each incarnation on stdin, as systemd socket activation does
    (bloodview.socket with ListenStream=HOST:PORT): connections queued while
    the process restarts wait in the kernel's backlog instead of being
    refused.  SO_MODE=listen: the backend opens it itself (-s, i.e.
    listen = HOST:PORT in bloodview.conf), so a restart closes it."""

    def __init__(self, port):
        self.port = port
        self.sock = None
        if mode == "socket":
            self.sock = socket.socket()
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.sock.bind(("127.0.0.1", port))
            self.sock.listen(64)
        self.proc = None
        self.stop = False
        self.starts = []
        self.lock = threading.Lock()
        self.thread = threading.Thread(target=self.loop, daemon=True)
        self.thread.start()

    def loop(self):
        while not self.stop:
            cmd = [backend, "-c", conf]
            if self.sock is None:
                cmd += ["-s", "127.0.0.1:%d" % self.port]
            if run_as:
                cmd = ["setpriv", "--reuid=" + run_as, "--regid=" + run_as,
                       "--clear-groups", "--"] + cmd
            log = open(os.path.join(state, "backend-%d.log" % self.port), "ab")
            with self.lock:
                self.proc = subprocess.Popen(
                    cmd, stdin=self.sock.fileno() if self.sock else
                    subprocess.DEVNULL, stdout=log, stderr=log)
                self.starts.append(time.monotonic())
            self.proc.wait()
            log.close()
            if not self.stop:
                time.sleep(0.2)

    def kill(self):
        with self.lock:
            p = self.proc
        # setpriv execs the backend: the pid is the backend's
        os.kill(p.pid, signal.SIGKILL)
        return time.monotonic()

    def shutdown(self):
        self.stop = True
        with self.lock:
            p = self.proc
        if p and p.poll() is None:
            p.terminate()
        self.thread.join(10)


def tcp_up(port, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return True
        except OSError:
            time.sleep(0.05)
    return False


def log_size(port):
    try:
        return os.path.getsize(os.path.join(state, "backend-%d.log" % port))
    except OSError:
        return 0


def served_since(port, off, timeout):
    """The backend on port logged a new start, then a served request,
    after offset off of its log."""
    path = os.path.join(state, "backend-%d.log" % port)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        with open(path, "rb") as f:
            f.seek(off)
            tail = f.read()
        i = tail.find(b"model ")
        if i >= 0 and b"POST /api/analyze 200" in tail[i:]:
            return True
        time.sleep(0.02)
    return False

backs = [Supervised(bport + i) for i in range(nback)]
for b in backs:
    if not tcp_up(b.port, 60):
        print("ERROR: backend on port %d did not come up" % b.port)
        sys.exit(99)

codes = {}
ids = []
lat = []
fails = []          # (time, code, text)
mu = threading.Lock()
todo = iter(range(nreq))
done_n = [0]


def client():
    while True:
        with mu:
            try:
                next(todo)
            except StopIteration:
                return
        t0 = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", lport, timeout=120)
            c.request("POST", "/api/analyze", body, {
                "Content-Type": "multipart/form-data; boundary=" + boundary})
            r = c.getresponse()
            data = r.read()
            code = r.status
            c.close()
        except Exception as e:  # a reset is a failure too
            code, data = 0, str(e).encode()
        t1 = time.monotonic()
        with mu:
            codes[code] = codes.get(code, 0) + 1
            done_n[0] += 1
            lat.append(t1 - t0)
            if code == 200:
                ids.append(json.loads(data)["id"])
            else:
                fails.append((t0, t1, code, data[:120]))


threads = [threading.Thread(target=client) for _ in range(nclients)]
t_start = time.monotonic()
for t in threads:
    t.start()

# Kill backend 0 nkill times, spread over the run: wait for a share of the
# requests, kill, wait until it is serving again (its port accepts and a
# request went through lighttpd), note how long that took.
victim = backs[0]
kills = []
back_up = []
for k in range(nkill):
    goal = (k + 1) * nreq // (nkill + 1)
    while done_n[0] < goal and any(t.is_alive() for t in threads):
        time.sleep(0.02)
    if not any(t.is_alive() for t in threads):
        break
    off = log_size(victim.port)
    tk = victim.kill()
    kills.append(tk)
    # back: a new process started and its port accepts again
    while len(victim.starts) < k + 2 and time.monotonic() - tk < 30:
        time.sleep(0.01)
    ok = tcp_up(victim.port, 30) and served_since(victim.port, off, 30)
    back_up.append(time.monotonic() - tk if ok else None)

for t in threads:
    t.join()
wall = time.monotonic() - t_start

# A failure counts as "in flight on the killed backend" when it started
# before a kill and ended after it (its request was running when the
# process died).  Anything else is a failure the scale-out should have
# hidden.
def in_flight(f):
    return any(f[0] <= tk <= f[1] + 0.05 for tk in kills)


stray = [f for f in fails if not in_flight(f)]

for b in backs:
    b.shutdown()

# every 200's result complete; nothing partial visible; no temporaries
bad = []
visible = [d for d in os.listdir(results)
           if re.fullmatch(r"[A-Za-z0-9_-]{22}", d)]
for rid in sorted(set(ids) | set(visible)):
    p = os.path.join(results, rid)
    try:
        js = json.load(open(os.path.join(p, "result.json")))
        names = sorted(u.rsplit("/", 1)[1] for u in js["urls"].values())
        if sorted(os.listdir(p)) != names:
            bad.append(rid)
            continue
        for n in names:
            if n.endswith(".jpg"):
                b = open(os.path.join(p, n), "rb").read()
                if b[:2] != b"\xff\xd8" or b[-2:] != b"\xff\xd9":
                    bad.append(rid)
    except Exception:
        bad.append(rid)
# complete but never answered: committed just before a kill
unanswered = [d for d in visible if d not in set(ids)]
# a killed commit leaves a locked-then-released .tmp-*; the next start's
# sweep removes it: start one backend once more and let it sweep
sweeper = subprocess.run(
    (["setpriv", "--reuid=" + run_as, "--regid=" + run_as,
      "--clear-groups", "--"] if run_as else []) +
    [backend, "-c", conf], env=dict(os.environ, REQUEST_METHOD="GET",
                                    PATH_INFO="/api/health",
                                    SCRIPT_NAME="", QUERY_STRING=""),
    stdin=subprocess.DEVNULL, capture_output=True, timeout=120)
temps = [d for d in os.listdir(results) if d.startswith(".tmp-")]

lat.sort()
p50 = lat[len(lat) // 2] * 1000 if lat else 0
ups = [u for u in back_up if u is not None]
print("mode %s, backends %d, clients %d, requests %d in %.1f s (%.1f/s), p50 %.0f ms"
      % (mode, nback, nclients, len(lat), wall, len(lat) / wall, p50))
print("status codes: %s" % json.dumps(codes, sort_keys=True))
print("kills %d; failures %d, of them in flight on the killed backend %d, "
      "others %d" % (len(kills), len(fails), len(fails) - len(stray),
                     len(stray)))
print("killed backend serving again after: %s s (max %.2f s)"
      % (" ".join("%.2f" % u for u in ups), max(ups) if ups else -1))
print("results: %d answered 200, %d incomplete, %d complete but not "
      "answered (killed after the commit), %d temporaries after the sweep"
      % (len(ids), len(bad), len(unanswered), len(temps)))
for f in stray[:5]:
    print("  stray failure: code %s after %.2f s: %r" % (f[2], f[1] - f[0],
                                                         f[3]))
rc = 0
if len(kills) != nkill:
    print("FAIL: only %d of %d kills happened" % (len(kills), nkill))
    rc = 1
if stray:
    print("FAIL: %d failures not in flight on the killed backend" % len(stray))
    rc = 1
if len(fails) > 2 * len(kills):
    print("FAIL: more than two failures per kill")
    rc = 1
if bad or temps:
    print("FAIL: incomplete results or temporaries left")
    rc = 1
if len(ups) != len(kills) or (ups and max(ups) > 10):
    print("FAIL: the killed backend was not back within 10 s")
    rc = 1
if codes.get(200, 0) < nreq - 2 * len(kills):
    print("FAIL: too few 200s")
    rc = 1
print("PASS" if rc == 0 else "FAILED")
sys.exit(rc)
