#!/bin/sh
# detect.sh: POST /api/detect (live frames) behind a real lighttpd: counts as
# /api/analyze's, nothing written, fast refusals, a bounded abuse loop, and
# one client's frame rate and latency (printed, not judged: the machine is
# shared).
set -u
. "$top_srcdir/tests/lib/server.sh"

. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
# two BCCD fields, or without the dataset two smears drawn by tests/gen-smear
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 1) || exit 99
img2=$(bv_test_image 3) || exit 99
echo "# test images: $(bv_test_images) $img $img2"
gen=$top_builddir/tests/gen-frame
[ -x "$gen" ] || { echo "ERROR: $gen not built"; exit 99; }

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"
# the results directory, as a listing (names of every entry, any depth)
snapshot() { (cd "$BV_RESULTS" && find . | sort); }
detect() { # FILE [curl args]: sets code, time; body in $work/body
	f=$1; shift
	out=$(curl -s -o "$work/body" -w '%{http_code} %{time_total}' \
	    -H "Origin: $BV_URL" -F "image=@$f" "$@" "$BV_URL/api/detect")
	code=${out% *}; time=${out#* }
}

# 1. the same counts as /api/analyze, and nothing stored
before=$(snapshot)
for f in "$img" "$img2"; do
	detect "$f"
	if [ "$code" != 200 ]; then
		bad "detect $(basename "$f") -> $code: $(head -c 300 "$work/body")"
		continue
	fi
	cp "$work/body" "$work/detect.json"
	dc=$(json "$work/detect.json" 'sorted(j["counts"].items())')
	nb=$(json "$work/detect.json" 'len(j["boxes"]) == sum(j["counts"].values())')
	keys=$(json "$work/detect.json" 'all(k in j for k in ("fov","scale","quality","warnings","timings_ms","thresholds"))')
	[ "$nb" = True ] && [ "$keys" = True ] &&
	    ok "detect $(basename "$f"): $dc, boxes = counts, fov/scale/quality/timings (${time}s)" ||
	    bad "detect $(basename "$f"): boxes match counts $nb, keys $keys"
	snapshot > "$work/after"
	[ "$before" = "$(cat "$work/after")" ] && ok "detect wrote nothing" ||
	    bad "detect changed the results dir: $(diff "$work/after" - <<EOB
$before
EOB
)"
	curl -s -o "$work/an.json" -F "image=@$f" "$BV_URL/api/analyze"
	ac=$(json "$work/an.json" 'sorted(j["counts"].items())')
	[ "$dc" = "$ac" ] && ok "counts equal /api/analyze's: $ac" ||
	    bad "detect $dc != analyze $ac"
	before=$(snapshot)
done

# 2. focus: a blurred frame is flagged, the sharp one is not
"$gen" blur "$img" "$work/blur.jpg" 2 || { echo "ERROR: gen-frame"; exit 99; }
detect "$img"
w=$(json "$work/body" '"focus" in j["warnings"]')
detect "$work/blur.jpg"
wb=$(json "$work/body" '"focus" in j["warnings"]')
[ "$w" = False ] && [ "$wb" = True ] &&
    ok "focus warning on the blurred frame only ($(json "$work/body" 'j["quality"]["sharpness"]'))" ||
    bad "focus warning: sharp $w, blurred $wb"

# 3. refusals: oversized, too many pixels, garbage, wrong method, fast
head -c $((3 * 1024 * 1024)) /dev/urandom > "$work/big.jpg"
head -c 3000 /dev/urandom > "$work/garbage.jpg"
# 2560x1920: four rows of four fields
"$gen" tile "$img" "$work/wide.jpg" 4 || { echo "ERROR: gen-frame failed"; exit 99; }
expect() { # what code errcode file
	detect "$4"
	got=$(json "$work/body" 'j["error"]["code"]' 2>/dev/null)
	fast=$(python3 -c "print($time < 2)")
	[ "$code" = "$2" ] && [ "$got" = "$3" ] && [ "$fast" = True ] &&
	    ok "$1 -> $code $got (${time}s)" ||
	    bad "$1 -> $code $got (${time}s), want $2 $3"
}
expect "a 3 MB frame" 413 frame_too_large "$work/big.jpg"
expect "garbage bytes" 415 unsupported_type "$work/garbage.jpg"
expect "a 2560x1920 frame" 422 too_many_pixels "$work/wide.jpg"
code=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/detect")
[ "$code" = 405 ] && ok "GET /api/detect -> 405" || bad "GET -> $code"
code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Origin: http://evil.example' \
    -F "image=@$img" "$BV_URL/api/detect")
[ "$code" = 403 ] && ok "another site's page -> 403" || bad "cross-origin -> $code"

# 4. a bounded abuse loop: 100 clients at once, each sending garbage, an
# oversized and a good frame; every answer a 200 or a 413/415/503, the
# backend's memory flat, analyze still served
rss() { # total VmRSS (kB) of this server's backends
	t=0
	for p in $(pgrep -f "$BV_STATE/bloodview.conf" 2>/dev/null); do
		v=$(awk '/^VmRSS/ {print $2}' "/proc/$p/status" 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo $t
}
rss0=$(rss)
before=$(snapshot)
pids=
c=0
while [ $c -lt 100 ]; do
	(
		for f in "$work/garbage.jpg" "$work/big.jpg" "$img"; do
			curl -s -o /dev/null -w '%{http_code}\n' -m 120 \
			    -F "image=@$f" "$BV_URL/api/detect"
		done
	) > "$work/abuse.$c" &
	pids="$pids $!"
	c=$((c + 1))
done
t0=$(date +%s)
wait $pids
t1=$(date +%s)
odd=$(cat "$work"/abuse.* | grep -cv '^\(200\|413\|415\|503\)$')
total=$(cat "$work"/abuse.* | wc -l)
summary=$(sort "$work"/abuse.* | uniq -c | tr -s ' \n' ' ')
[ "$odd" = 0 ] && [ "$total" = 300 ] &&
    ok "abuse: 100 clients, $total requests in $((t1 - t0)) s, all 200/413/415/503 ($summary)" ||
    bad "abuse: $odd odd answers of $total: $summary"
[ "$before" = "$(snapshot)" ] && ok "the abuse wrote nothing" ||
    bad "the abuse changed the results dir"
rss1=$(rss)
if ldd "$top_builddir/cgi-bin/bloodview" 2>/dev/null | grep -q libasan; then
	ok "# SKIP backend memory under ASan (its quarantine grows): $rss0 -> $rss1 kB"
elif [ "$rss0" -gt 0 ] && [ "$rss1" -le $((rss0 + 20000)) ]; then
	ok "backend memory flat: ${rss0} kB before, ${rss1} kB after"
else
	bad "backend memory: ${rss0} kB before, ${rss1} kB after"
fi
code=$(curl -s -o /dev/null -w '%{http_code}' -F "image=@$img" "$BV_URL/api/analyze")
[ "$code" = 200 ] && ok "analyze still served after the abuse" || bad "analyze -> $code"

# 5. one client, one frame at a time, 640x480: frames per second and latency
python3 - "$BV_URL" "$img" <<'PY' || bad "timing loop failed"
import sys, time, urllib.request, uuid
url, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()
b = uuid.uuid4().hex
body = (b"--" + b.encode() + b'\r\nContent-Disposition: form-data; name="image"; filename="f.jpg"\r\n'
        b"Content-Type: image/jpeg\r\n\r\n" + data + b"\r\n--" + b.encode() + b"--\r\n")
lat = []
t0 = time.monotonic()
while time.monotonic() - t0 < 5 or len(lat) < 10:
    req = urllib.request.Request(url + "/api/detect", data=body, headers={
        "Content-Type": "multipart/form-data; boundary=" + b, "Origin": url})
    t = time.monotonic()
    urllib.request.urlopen(req).read()
    lat.append((time.monotonic() - t) * 1000)
el = time.monotonic() - t0
lat.sort()
print("# one client, 640x480 frames through lighttpd: %.1f fps, latency p50 %.0f ms, p90 %.0f ms (%d frames)"
      % (len(lat) / el, lat[len(lat) // 2], lat[int(len(lat) * 0.9)], len(lat)))
PY
echo "1..$n"
[ "$fails" = 0 ]
