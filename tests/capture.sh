#!/bin/sh
# capture.sh: bv-capture with its file source (frames made here from BCCD images by gen-frame):
# snapshot, MJPEG stream, slow and vanishing clients, limits, V4L2 open errors, lighttpd proxy.
# No camera and no v4l2loopback module can exist in a container, so the V4L2
# path is checked up to the ioctls a non-camera refuses (QUERYCAP).
# Skips (77) without python3 or the BCCD dataset.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

cap=$top_builddir/bv-capture
gen=$top_builddir/tests/gen-frame
imgs=${BV_DATASET:-}/BCCD/JPEGImages
[ -x "$cap" ] || { echo "ERROR: $cap not built"; exit 99; }
[ -x "$gen" ] || { echo "ERROR: $gen not built"; exit 99; }
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is absent"; exit 77; }
if [ ! -f "$imgs/BloodImage_00001.jpg" ]; then
	echo "SKIP: BCCD dataset not found at ${BV_DATASET:-}"
	exit 77
fi

T=$(mktemp -d /tmp/bv-capture.XXXXXX)
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	for p in $pids; do wait "$p" 2>/dev/null; done
	[ -z "${BV_KEEP_STATE:-}" ] && rm -rf "$T"
}
trap cleanup EXIT INT TERM

fails=0
pass() { echo "PASS: $*"; }
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

# three different 640x480 frames, one oversized (4x4 tiles, ~500 KB)
for i in 1 2 3; do
	"$gen" blur "$imgs/BloodImage_0000$i.jpg" "$T/f$i.jpg" 1 ||
	    { echo "ERROR: gen-frame failed"; exit 99; }
done
"$gen" tile "$imgs/BloodImage_00001.jpg" "$T/big.jpg" 4 ||
    { echo "ERROR: gen-frame tile failed"; exit 99; }
cat "$T/f1.jpg" "$T/f2.jpg" "$T/f3.jpg" >"$T/clip.mjpeg"
cat "$T/f1.jpg" "$T/big.jpg" "$T/f2.jpg" >"$T/mixed.mjpeg"
mkdir "$T/dir" && cp "$T/f2.jpg" "$T/dir/a.jpg" && cp "$T/f3.jpg" "$T/dir/b.JPEG" &&
    echo "not a frame" >"$T/dir/notes.txt"

# start NAME ARGS...: the helper on a free loopback port (no token unless
# ARGS give one); sets PORT.  The wait is a hang guard only (60 s).
start() {
	name=$1
	shift
	case " $* " in *" --token-file "*) ;; *) set -- --no-token "$@" ;; esac
	"$cap" --listen 127.0.0.1:0 "$@" 2>"$T/$name.log" &
	pid=$!
	pids="$pids $pid"
	PORT=
	i=0
	while [ $i -lt 600 ] && [ -z "$PORT" ]; do
		PORT=$(sed -n 's/^bv-capture: listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$T/$name.log")
		[ -n "$PORT" ] || sleep 0.1
		i=$((i + 1))
	done
	[ -n "$PORT" ] || { echo "ERROR: $name did not start:"; cat "$T/$name.log"; exit 99; }
	eval "${name}_pid=$pid"
}

# the checks that need sockets: tests/capture.sh's python part
cat >"$T/client.py" <<'PY'
import json, socket, sys, time

port = int(sys.argv[2])
frames = [open(p, "rb").read() for p in sys.argv[3:]]

def connect(rcvbuf=None):
    s = socket.socket()
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(60)     # a hang guard, never a bound on speed
    s.connect(("127.0.0.1", port))
    return s

def get(path):
    s = connect()
    s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while True:
        b = s.recv(65536)
        if not b:
            break
        data += b
    s.close()
    head, _, body = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    hdr = {k.lower(): v.strip() for k, _, v in (l.partition(":") for l in lines[1:])}
    return int(lines[0].split()[1]), hdr, body

class Stream:
    def __init__(self, rcvbuf=None, path="/stream.mjpeg"):
        self.s = connect(rcvbuf)
        # HTTP/1.0: through lighttpd too, the body comes unchunked
        self.s.sendall(b"GET " + path.encode() + b" HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
        self.buf = b""
        head = self.until(b"\r\n\r\n")
        self.status = head.split(b" ")[1]
        self.head = head.decode("latin-1")
    def fill(self):
        b = self.s.recv(65536)
        if not b:
            raise EOFError("stream closed")
        self.buf += b
    def until(self, sep):
        while sep not in self.buf:
            self.fill()
        i = self.buf.index(sep)
        out, self.buf = self.buf[:i], self.buf[i + len(sep):]
        return out
    def exact(self, n):
        while len(self.buf) < n:
            self.fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out
    def part(self):
        """One part: boundary, headers, exactly Content-Length bytes, CRLF."""
        line = self.until(b"\r\n")
        if line != b"--bvframe":
            raise ValueError("bad boundary line %r" % line[:40])
        hdr = {}
        for l in self.until(b"\r\n\r\n").decode("latin-1").split("\r\n"):
            k, _, v = l.partition(":")
            hdr[k.strip().lower()] = v.strip()
        if hdr.get("content-type") != "image/jpeg":
            raise ValueError("part type %r" % hdr.get("content-type"))
        body = self.exact(int(hdr["content-length"]))
        if self.exact(2) != b"\r\n":
            raise ValueError("no CRLF after the part")
        return int(hdr["x-frame"]), body
    def close(self):
        self.s.close()

def health():
    st, _, body = get("/health")
    return json.loads(body)

def ok(cond, msg):
    print(("PASS: " if cond else "FAIL: ") + msg)
    return 0 if cond else 1

def whole_jpeg(b):
    return b[:2] == b"\xff\xd8" and b[-2:] == b"\xff\xd9"

def main():
    fails = 0
    what = sys.argv[1]
    if what == "basic":
        st, hdr, body = get("/camera/snapshot.jpg")
        fails += ok(st == 200 and hdr.get("content-type") == "image/jpeg" and
                    whole_jpeg(body) and body in frames,
                    "snapshot: 200 image/jpeg, %d bytes, equal to source frame %s"
                    % (len(body), frames.index(body) + 1 if body in frames else "none"))
        fails += ok(hdr.get("cache-control") == "no-store", "snapshot: Cache-Control no-store")
        s = Stream(path="/camera/stream.mjpeg?from=test")
        fails += ok(s.status == b"200" and
                    "multipart/x-mixed-replace; boundary=bvframe" in s.head,
                    "stream: 200 multipart/x-mixed-replace; boundary=bvframe")
        N = 24
        parts, bad = [], 0
        t0 = time.monotonic()
        for _ in range(N):
            seq, body = s.part()
            parts.append(seq)
            # seq k is the clip's frame (k-1) % 3: none skipped, none repeated
            if body != frames[(seq - 1) % len(frames)]:
                bad += 1
        dt = time.monotonic() - t0
        s.close()
        inc = all(b == a + 1 for a, b in zip(parts, parts[1:]))
        fails += ok(bad == 0 and inc,
                    "stream: %d parts with correct boundaries and lengths, each the source "
                    "frame for its number, numbers consecutive (%d..%d), %.1f frames/s"
                    % (N, parts[0], parts[-1], (N - 1) / dt if dt > 0 else 0))
        h = health()
        fails += ok(h["source"] == "file" and h["width"] == 640 and h["height"] == 480 and
                    h["frames"] >= N, "health: file source 640x480, %d frames, %.1f fps"
                    % (h["frames"], h["fps"]))
    elif what == "slow":
        # a viewer on a slow link: small receive buffer, stops reading for 2 s
        s = Stream(rcvbuf=4096)
        seq0, _ = s.part()
        time.sleep(2.0)
        produced = health()["frames"]
        seqs = [s.part()[0] for _ in range(3)]
        s.close()
        behind = produced - seqs[1]
        fails += ok(seqs[0] >= seq0 and seqs[1] >= produced - 1,
                    "slow client: read frame %d, paused 2 s while %d frames were made; "
                    "then got %s: the second part after the pause is the newest (%d behind), "
                    "no queue" % (seq0, produced - seq0, seqs, max(behind, 0)))
    elif what == "vanish":
        for i in range(30):
            sk = connect()
            if i % 3 == 0:
                sk.sendall(b"GET /stream.mjpeg HTTP/1.1\r\n\r\n")
                sk.recv(3000)           # mid-frame
            elif i % 3 == 1:
                sk.sendall(b"GET /snapshot.jpg HTTP/1.1\r\n\r\n")
                sk.recv(100)            # mid-snapshot
            else:
                sk.sendall(b"GET /stre")  # mid-request
            # an abrupt close (RST), as a browser tab being killed
            sk.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
            sk.close()
        time.sleep(0.3)
        st, _, body = get("/snapshot.jpg")
        s = Stream()
        seq, b2 = s.part()
        s.close()
        fails += ok(st == 200 and body in frames and b2 in frames,
                    "30 clients gone mid-frame/mid-request (RST): the helper still serves "
                    "snapshot and stream")
    elif what == "limit":
        seen, big = 0, 0
        s = Stream()
        for _ in range(12):
            seq, body = s.part()
            seen += 1
            big += body not in frames
        s.close()
        h = health()
        fails += ok(big == 0 and h["refused"] >= 1,
                    "too-large frame refused: %d parts, none of them the oversized frame; "
                    "health refused=%d" % (seen, h["refused"]))
    elif what == "busy":
        a, b = Stream(), Stream()
        st, hdr, body = get("/snapshot.jpg")
        fails += ok(st == 503 and hdr.get("retry-after") == "2" and b'"busy"' in body,
                    "a third client over --max-clients 2 -> 503 busy with Retry-After")
        a.close()
        b.close()
        # the helper notices the closes on its next poll: ask until it
        # has (a hang guard of 600 tries, no bound on how soon)
        for _ in range(600):
            time.sleep(0.1)
            st, _, _ = get("/snapshot.jpg")
            if st == 200:
                break
        fails += ok(st == 200, "after the two viewers leave, a new client is served")
    elif what == "dir":
        got, other = set(), 0
        # until both files were seen (a hang guard of 600 snapshots: a
        # loaded machine may serve one frame several times first)
        for _ in range(600):
            st, _, body = get("/snapshot.jpg")
            if st == 200 and body in frames:
                got.add(frames.index(body))
            elif st == 200:
                other += 1
            if len(got) == 2:
                break
            time.sleep(0.05)
        fails += ok(len(got) == 2 and other == 0, "directory source: snapshots are its "
                    "two JPEGs (%d seen, %d other), notes.txt ignored" % (len(got), other))
    elif what == "proxy":
        s = Stream(path="/camera/stream.mjpeg")
        seqs = [s.part() for _ in range(5)]
        s.close()
        st, hdr, body = get("/camera/snapshot.jpg")
        fails += ok(s.status == b"200" and all(b in frames for _, b in seqs) and
                    st == 200 and body in frames,
                    "through lighttpd (mod_proxy, streamed): 5 stream parts and a snapshot")
    return fails

sys.exit(main())
PY
py() { python3 "$T/client.py" "$@" || fails=$((fails + $?)); }

# 1. a clip of three frames at 25 fps: snapshot, stream, slow and vanishing clients
start clip --file "$T/clip.mjpeg" --fps 25
py basic "$PORT" "$T/f1.jpg" "$T/f2.jpg" "$T/f3.jpg"
py slow "$PORT" "$T/f1.jpg" "$T/f2.jpg" "$T/f3.jpg"
py vanish "$PORT" "$T/f1.jpg" "$T/f2.jpg" "$T/f3.jpg"
if kill -0 "$clip_pid" 2>/dev/null; then pass "helper alive after the clients"; else fail "helper died"; fi
clip_port=$PORT

# 2. a clip with an oversized frame among normal ones, limit 100000 bytes
start mixed --file "$T/mixed.mjpeg" --fps 25 --max-frame 100000
py limit "$PORT" "$T/f1.jpg" "$T/f2.jpg"
if grep -q "frame refused: over the 100000-byte limit" "$T/mixed.log"; then
	pass "the refusal is logged: $(grep -m1 refused "$T/mixed.log")"
else
	fail "no refusal in the log"
fi

# 3. --max-clients 2; 4. a directory of JPEGs
start busy --file "$T/clip.mjpeg" --fps 25 --max-clients 2
py busy "$PORT" "$T/f1.jpg" "$T/f2.jpg" "$T/f3.jpg"
start dir --file "$T/dir" --fps 10
py dir "$PORT" "$T/f2.jpg" "$T/f3.jpg"

# a UNIX socket instead of a port
"$cap" --listen "$T/cap.sock" --file "$T/clip.mjpeg" 2>"$T/unix.log" &
pids="$pids $!"
i=0
until [ -S "$T/cap.sock" ] || [ $i -ge 600 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.2
code=$(curl -s -o "$T/unix.jpg" -w '%{http_code}' --unix-socket "$T/cap.sock" http://x/camera/snapshot.jpg)
if [ "$code" = 200 ] && { cmp -s "$T/unix.jpg" "$T/f1.jpg" || cmp -s "$T/unix.jpg" "$T/f2.jpg" ||
    cmp -s "$T/unix.jpg" "$T/f3.jpg"; }; then
	pass "--listen on a UNIX socket: snapshot 200, a source frame"
else
	fail "--listen on a UNIX socket: $code"
fi

# 5. sources that cannot work: a clear message, exit 1, no port opened
# expect WHAT PATTERN ARGS...
expect() {
	what=$1 pat=$2
	shift 2
	out=$("$cap" --listen 127.0.0.1:0 --no-token "$@" 2>&1)
	rc=$?
	if [ $rc = 1 ] && printf '%s' "$out" | grep -q "$pat" &&
	    ! printf '%s' "$out" | grep -q listening; then
		pass "$what: exit 1, \"$out\""
	else
		fail "$what: rc=$rc, \"$out\""
	fi
}
cat "$T/big.jpg" >"$T/onlybig.mjpeg"
expect "only oversized frames" "every frame is over the 100000-byte limit" \
    --file "$T/onlybig.mjpeg" --max-frame 100000
echo "hello" >"$T/text.mjpeg"
expect "a text file as a clip" "no whole JPEG at byte 0" --file "$T/text.mjpeg"
head -c 20000 "$T/f1.jpg" >"$T/cut.mjpeg"
cat "$T/f2.jpg" >>"$T/cut.mjpeg"
expect "a truncated frame in a clip" "no whole JPEG at byte 0" --file "$T/cut.mjpeg"
mkdir "$T/empty"
expect "an empty directory" "holds no .jpg or .jpeg file" --file "$T/empty"
expect "a missing device" "cannot open $T/video9: No such file or directory" \
    --device "$T/video9"
expect "a character device that is no camera" \
    "/dev/null is not a V4L2 capture device (VIDIOC_QUERYCAP" --device /dev/null
expect "a regular file as the device" "is not a V4L2 capture device" \
    --device "$T/f1.jpg"
out=$("$cap" --fps 0 --file "$T/clip.mjpeg" 2>&1); rc=$?
if [ $rc = 2 ] && printf '%s' "$out" | grep -q -- "--fps"; then
	pass "--fps 0 -> exit 2, \"$out\""
else
	fail "--fps 0: rc=$rc \"$out\""
fi

# 6. through lighttpd: /camera/ proxied to the helper, the stream not buffered
# (the same directives as etc/lighttpd-bloodview.conf.in)
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
if [ -x "$LIGHTTPD" ]; then
	lport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	mkdir "$T/www"
	cat >"$T/lighttpd.conf" <<EOF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $lport
server.errorlog = "$T/lighttpd.err"
server.modules += ( "mod_proxy" )
\$HTTP["url"] =~ "^/camera/" {
	proxy.server = ( "" => (( "host" => "127.0.0.1", "port" => $clip_port )))
	server.stream-response-body = 2
}
EOF
	"$LIGHTTPD" -D -f "$T/lighttpd.conf" >"$T/lighttpd.out" 2>&1 &
	pids="$pids $!"
	i=0
	until curl -s -o /dev/null "http://127.0.0.1:$lport/camera/health" || [ $i -ge 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	py proxy "$lport" "$T/f1.jpg" "$T/f2.jpg" "$T/f3.jpg"
else
	echo "SKIP: lighttpd absent: the proxy check"
fi

# 7. who may watch: a TCP port needs a token (or --no-token); with
# --token-file each request must carry it, as the web server adds it
# (lighttpd: mod_setenv, the line etc/lighttpd-bloodview.conf.in shows)
out=$("$cap" --file "$T/clip.mjpeg" --listen 127.0.0.1:0 2>&1); rc=$?
[ $rc = 2 ] && printf '%s' "$out" | grep -q -- "--token-file" &&
    pass "a TCP port without a token is refused at start-up (exit 2)" ||
    fail "no token on TCP: rc=$rc \"$out\""
printf 'short\n' >"$T/short.tok"
out=$("$cap" --file "$T/clip.mjpeg" --token-file "$T/short.tok" 2>&1); rc=$?
[ $rc = 2 ] && pass "a token under 16 bytes is refused (exit 2)" || fail "short token: rc=$rc"
tok=$(od -An -tx1 -N16 /dev/urandom | tr -d ' \n')
printf '%s\n' "$tok" >"$T/cam.tok"
start tok --file "$T/clip.mjpeg" --fps 10 --token-file "$T/cam.tok"
c0=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/camera/snapshot.jpg")
c1=$(curl -s -o /dev/null -w '%{http_code}' -H "X-BV-Capture-Token: ${tok}x" "http://127.0.0.1:$PORT/camera/health")
c2=$(curl -s -o /dev/null -w '%{http_code}' -H "X-BV-Capture-Token: $tok" "http://127.0.0.1:$PORT/camera/health")
[ "$c0 $c1 $c2" = "403 403 200" ] &&
    pass "token: none -> 403, wrong -> 403, right -> 200" || fail "token: $c0 $c1 $c2"
sock=$T/cap.sock		# section 4's
[ "$(stat -c %a "$sock" 2>/dev/null)" = 660 ] &&
    pass "a UNIX socket is made 0660 (its owner and group only)" ||
    fail "socket mode $(stat -c %a "$sock" 2>/dev/null)"
if [ -x "$LIGHTTPD" ]; then
	tport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	cat >"$T/lighttpd-tok.conf" <<EOF
server.document-root = "$T/www"
server.bind = "127.0.0.1"
server.port = $tport
server.errorlog = "$T/lighttpd-tok.err"
server.modules += ( "mod_proxy", "mod_setenv" )
\$HTTP["url"] =~ "^/camera/" {
	setenv.set-request-header = ( "X-BV-Capture-Token" => "$tok" )
	proxy.server = ( "" => (( "host" => "127.0.0.1", "port" => $PORT )))
	server.stream-response-body = 2
}
EOF
	"$LIGHTTPD" -D -f "$T/lighttpd-tok.conf" >"$T/lighttpd-tok.out" 2>&1 &
	pids="$pids $!"
	i=0
	until c=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$tport/camera/health") &&
	    [ "$c" != 000 ] || [ $i -ge 600 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ "$c" = 200 ] && pass "through lighttpd with the token header -> 200" ||
	    fail "through lighttpd with the token: $c"
fi

[ $fails = 0 ] || { echo "$fails check(s) failed"; for f in "$T"/*.log; do echo "--- $f"; tail -5 "$f"; done; exit 1; }
exit 0
