#!/bin/sh
# detect-bound.sh: the per-client bound on POST /api/detect across backend processes
# (clientgate.c): frames in flight and a frame rate per client address, 429
# too_many_frames with Retry-After over it, other addresses unaffected, and a
# client paced as the live page paces never refused.  Three real lighttpd +
# backend servers on 127.0.0.1; the "other" client connects from 127.0.0.2.
set -u
. "$top_srcdir/tests/lib/server.sh"

command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 1) || exit 99
echo "# test image: $img"

fails=0
# the client side of every check: python3 client.py MODE URL IMAGE
client=$(mktemp /tmp/bv-bound.XXXXXX.py)
trap 'rm -f "$client"' EXIT
cat >"$client" <<'PY'
import http.client, json, sys, threading, time, uuid

mode, url, path = sys.argv[1], sys.argv[2], sys.argv[3]
host, port = url.split("//")[1].split(":")
port = int(port)
data = open(path, "rb").read()
B = uuid.uuid4().hex
BODY = (b"--" + B.encode() + b'\r\nContent-Disposition: form-data; name="image"; filename="f.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + data + b"\r\n--" + B.encode() + b"--\r\n")

def frame(src="127.0.0.1"):
    """One frame to /api/detect from address src: (status, Retry-After, error code)."""
    c = http.client.HTTPConnection(host, port, timeout=120, source_address=(src, 0))
    c.request("POST", "/api/detect", body=BODY, headers={
        "Content-Type": "multipart/form-data; boundary=" + B, "Origin": url})
    r = c.getresponse()
    body = r.read()
    c.close()
    code = None
    if r.status != 200:
        try:
            code = json.loads(body)["error"]["code"]
        except Exception:
            code = "?"
    return r.status, r.getheader("Retry-After"), code

fails = 0
def ok(cond, msg):
    global fails
    print(("PASS: " if cond else "FAIL: ") + msg)
    fails += 0 if cond else 1

def tally(res):
    d = {}
    for st, _, _ in res:
        d[st] = d.get(st, 0) + 1
    return " ".join("%d x %d" % (n, st) for st, n in sorted(d.items()))

def refusals_ok(res):
    """Every 429 says too_many_frames with a whole Retry-After of at least 1 s."""
    return all(code == "too_many_frames" and ra is not None and ra.isdigit() and int(ra) >= 1
               for st, ra, code in res if st == 429)

def flood(n_clients, rounds, src, out):
    def one():
        for _ in range(rounds):
            out.append(frame(src))
    ts = [threading.Thread(target=one) for _ in range(n_clients)]
    for t in ts:
        t.start()
    return ts

if mode == "inflight":
    # K = 2: clients from one address at once, unpaced; meanwhile one
    # client from another address, one frame at a time
    # Six clients, so that three frames are in flight at once even when
    # frames are quick next to the clients' own work (one loaded run saw 45
    # frames from three clients all served); rounds repeat until a refusal,
    # at most five (a hang guard, not a time bound).
    flooded, other = [], []
    for rnd in range(5):
        ts = flood(6, 8, "127.0.0.1", flooded)
        while any(t.is_alive() for t in ts):
            other.append(frame("127.0.0.2"))
        for t in ts:
            t.join()
        if any(st == 429 for st, _, _ in flooded):
            break
    n429 = sum(1 for st, _, _ in flooded if st == 429)
    ok(n429 > 0 and all(st in (200, 429) for st, _, _ in flooded) and refusals_ok(flooded),
       "K = 2, 6 clients from 127.0.0.1, %d frames in %d round(s): %s; every 429 "
       "too_many_frames with Retry-After" % (len(flooded), rnd + 1, tally(flooded)))
    ok(any(st == 200 for st, _, _ in flooded),
       "the flooding address still gets its 2 frames in flight served")
    ok(len(other) > 0 and all(st == 200 for st, _, _ in other),
       "another client (127.0.0.2) meanwhile: %s, never refused" % tally(other))
elif mode == "paced":
    # the live page: one frame in flight, at most 25 frames/s (live.js)
    res, lat = [], []
    t_next = time.monotonic()
    t0 = t_next
    for _ in range(80):
        now = time.monotonic()
        if now < t_next:
            time.sleep(t_next - now)
        t_next = time.monotonic() + 0.040
        t = time.monotonic()
        res.append(frame())
        lat.append((time.monotonic() - t) * 1000)
    el = time.monotonic() - t0
    lat.sort()
    ok(all(st == 200 for st, _, _ in res),
       "a client paced as the page (1 in flight, <= 25 fps): 80 frames at %.1f fps, %s, "
       "never 429 (p50 %.0f ms)" % (80 / el, tally(res), lat[40]))
    # two frames at once from one address with K = 1
    both = []
    ts = flood(2, 10, "127.0.0.1", both)
    for t in ts:
        t.join()
    ok(any(st == 429 for st, _, _ in both) and refusals_ok(both) and
       all(st in (200, 429) for st, _, _ in both),
       "K = 1: two clients from one address, 20 frames: %s" % tally(both))
elif mode == "rate":
    # 0.25 frames/s, no bound in flight: an unpaced client empties its
    # bucket (a burst of 1, then one frame every 4 s).  A low rate, so that
    # a slow build (sanitizers, a loaded machine: frames of a second or
    # more) still asks for more than the bucket refills.
    # asks for at least 3 s and until the bucket has refused once (a
    # refusal comes before detection, so it is quick even on a slow build),
    # with a hang guard of 60 s: no wall-clock bound on how fast frames are
    res = []
    t0 = time.monotonic()
    while time.monotonic() - t0 < 3 or (
            not any(st == 429 for st, _, _ in res) and time.monotonic() - t0 < 60):
        res.append(frame())
        time.sleep(0.02)
    got = sum(1 for st, _, _ in res if st == 200)
    n429 = sum(1 for st, _, _ in res if st == 429)
    el = time.monotonic() - t0
    ok(n429 > 0 and refusals_ok(res) and 1 <= got <= 1 + 0.25 * el + 1,
       "rate 0.25 fps: a client asking up to 50 fps for %.1f s: %s (the burst of 1, then "
       "about one every 4 s admitted)" % (el, tally(res)))
    st2, _, _ = frame("127.0.0.2")
    ok(st2 == 200, "another address while the first is over its rate: %d" % st2)
    ra = [int(r) for s, r, _ in res if s == 429][-1]
    time.sleep(ra)
    st3, _, _ = frame()
    ok(st3 == 200, "after its Retry-After (%d s) the first address is served again: %d" % (ra, st3))
sys.exit(fails)
PY

# run NAME PROCS CONF MODE: one server with that bound, one client mode
run() {
	BV_SERVER_PROCS=$2
	BV_EXTRA_CONF=$3
	export BV_SERVER_PROCS BV_EXTRA_CONF
	bv_server_start
	before=$(cd "$BV_RESULTS" && find . | sort)
	python3 "$client" "$4" "$BV_URL" "$img" || fails=$((fails + $?))
	if [ "$before" = "$(cd "$BV_RESULTS" && find . | sort)" ] && [ -s "$BV_STATE/gate" ]; then
		echo "PASS: $1: results dir unchanged; the shared counts live in $(basename "$BV_STATE")/gate ($(wc -c <"$BV_STATE/gate") bytes)"
	else
		echo "FAIL: $1: results dir changed or no gate file"
		fails=$((fails + 1))
	fi
	if grep -q "not bounded per client" "$BV_LOG"; then
		echo "FAIL: $1: the gate could not be opened:"; grep "bounded" "$BV_LOG"
		fails=$((fails + 1))
	fi
	bv_server_stop
}

run "in flight" 4 "detect_max_inflight = 2
detect_max_fps = 0
detect_gate_file = gate" inflight
# the values etc/bloodview.conf installs
run "installed bound" 2 "detect_max_inflight = 1
detect_max_fps = 30
detect_gate_file = gate" paced
run "rate" 1 "detect_max_inflight = 0
detect_max_fps = 0.25
detect_gate_file = gate" rate

rm -f "$client"
[ $fails = 0 ] || { echo "$fails check(s) failed"; exit 1; }
exit 0
