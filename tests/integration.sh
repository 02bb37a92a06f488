#!/bin/sh
# integration.sh: the backend behind a real lighttpd on 127.0.0.1, driven by curl
set -u
. "$top_srcdir/tests/lib/server.sh"

command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: python3 missing"; exit 77; }
img=$BV_DATASET/BCCD/JPEGImages/BloodImage_00001.jpg
if [ ! -f "$img" ]; then
	echo "SKIP: BCCD dataset not found at $BV_DATASET"
	exit 77
fi
gen=$top_builddir/tests/gen-hostile
[ -x "$gen" ] || { echo "ERROR: $gen not built"; exit 99; }

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"
"$gen" "$work" >/dev/null || { echo "ERROR: gen-hostile failed"; exit 99; }

fails=0 n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

# post FILE [curl args...]: sets code, body (file), time
post() {
	f=$1; shift
	out=$(curl -s -o "$work/body" -w '%{http_code} %{time_total}' \
	    -F "image=@$f" "$@" "$BV_URL/api/analyze")
	code=${out% *}; time=${out#* }
}

# json FILE EXPR: evaluate a python expression on the parsed JSON (as j)
json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval("(" + sys.argv[2] + ")"))' "$1" "$2"
}

# no partial or temporary result, and the count of results is $1
visible() {
	hidden=$(find "$BV_RESULTS" -mindepth 1 -maxdepth 1 -name '.*' | wc -l)
	count=$(find "$BV_RESULTS" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name samples | wc -l)
	[ "$hidden" = 0 ] && [ "$count" = "$1" ]
}

expect_error() { # what status code-string file [curl args]
	what=$1 want=$2 wcode=$3 f=$4; shift 4
	before=$(find "$BV_RESULTS" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name samples | wc -l)
	post "$f" "$@"
	got=$(json "$work/body" 'j["error"]["code"]' 2>/dev/null)
	if [ "$code" = "$want" ] && [ "$got" = "$wcode" ]; then
		ok "$what -> $code $got (${time}s)"
	else
		bad "$what -> $code $got, want $want $wcode: $(head -c 300 "$work/body")"
	fi
	visible "$before" && ok "$what leaves nothing behind" ||
	    bad "$what left something in $BV_RESULTS"
	# the next good request still succeeds
	post "$work/ok.png"
	[ "$code" = 200 ] && ok "request after $what succeeds" ||
	    bad "request after $what -> $code"
}

# --- health and model ------------------------------------------------------
c=$(curl -s -o "$work/h" -w '%{http_code}' "$BV_URL/api/health")
[ "$c" = 200 ] && [ "$(json "$work/h" 'j["status"]')" = ok ] &&
    ok "health ok" || bad "health $c $(cat "$work/h")"
c=$(curl -s -o "$work/m" -w '%{http_code}' "$BV_URL/api/model")
[ "$c" = 200 ] && [ "$(json "$work/m" 'j["classes"]')" = "['RBC', 'WBC', 'Platelets']" ] &&
    ok "model lists the classes" || bad "model $c $(cat "$work/m")"
[ "$(json "$work/m" 'type(j["trained"]).__name__')" = bool ] &&
    ok "model says whether it is trained" || bad "model trained flag"

# --- a real BCCD image -----------------------------------------------------
post "$img"
if [ "$code" = 200 ]; then
	ok "BCCD image analysed"
	cp "$work/body" "$work/r1.json"
	id=$(json "$work/r1.json" 'j["id"]')
	[ "$(json "$work/r1.json" '(j["image"]["width"], j["image"]["height"])')" = "(640, 480)" ] &&
	    ok "size 640x480" || bad "size wrong"
	check=$(json "$work/r1.json" 'all(k in j for k in ("id","model","counts","detections","timings_ms","urls")) and
	    all(k in j["timings_ms"] for k in ("decode","detect","encode","total")) and
	    sorted(j["counts"]) == ["Platelets","RBC","WBC"] and
	    all(j["counts"][c] == sum(1 for d in j["detections"] if d["class"] == c and d["confidence"] >= j["threshold"]) for c in j["counts"]) and
	    all(0 <= d["box"]["x"] and d["box"]["x"] + d["box"]["w"] <= 640.05 and 0 <= d["box"]["y"] and d["box"]["y"] + d["box"]["h"] <= 480.05 for d in j["detections"])')
	[ "$check" = True ] && ok "JSON shape, counts consistent, boxes inside the image" ||
	    bad "JSON shape: $(head -c 400 "$work/r1.json")"
	u=$(json "$work/r1.json" 'j["urls"]["image"]')
	h=$(curl -s -D - -o "$work/ann.jpg" "$BV_URL$u")
	echo "$h" | grep -qi '^content-type: image/jpeg' && ok "annotated image served as JPEG" ||
	    bad "annotated image: $h"
	echo "$h" | grep -qi '^x-content-type-options: nosniff' && ok "nosniff on results" || bad "no nosniff"
	echo "$h" | grep -qi "^content-security-policy: default-src 'none'" && ok "strict CSP on results" || bad "no CSP"
	cmp -s "$work/ann.jpg" "$img" && bad "annotated image equals the upload" ||
	    ok "annotated image is re-encoded"
	u=$(json "$work/r1.json" 'j["urls"]["json"]')
	curl -s -o "$work/served.json" "$BV_URL$u"
	[ "$(json "$work/served.json" 'j["id"]')" = "$id" ] && ok "result.json served" || bad "result.json"
	curl -s -D - -o /dev/null "$BV_URL/api/health" | grep -qi '^cache-control: no-store' &&
	    ok "API responses are no-store" || bad "no Cache-Control on API"
else
	bad "BCCD image -> $code $(head -c 300 "$work/body")"
fi

# --- other good inputs -------------------------------------------------------
post "$work/ok.png"
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["image"]["type"]')" = image/png ] &&
    ok "PNG analysed" || bad "PNG -> $code"
post "$work/tiny1x1.jpg"
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["image"]["width"]')" = 1 ] &&
    ok "1x1 JPEG analysed" || bad "1x1 -> $code $(head -c 200 "$work/body")"
post "$img" -F threshold=0.9
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["threshold"]')" = 0.9 ] &&
    ok "threshold field honoured" || bad "threshold -> $code"

# --- bad inputs: each gets its status and leaves nothing behind ------------
expect_error "text file named .jpg" 415 unsupported_type "$work/text.jpg"
expect_error "HTML polyglot" 415 unsupported_type "$work/polyglot-html.jpg"
expect_error "ELF renamed .jpg" 415 unsupported_type "$work/elf.jpg"
expect_error "PDF renamed .jpg" 415 unsupported_type "$work/doc.pdf.jpg"
expect_error "SVG renamed .jpg" 415 unsupported_type "$work/image.svg.jpg"
expect_error "truncated JPEG" 422 undecodable "$work/truncated.jpg"
expect_error "truncated PNG" 422 undecodable "$work/truncated.png"
expect_error "PNG claiming 100000x100000" 422 too_many_pixels "$work/huge.png"
expect_error "JPEG claiming 65500x65500" 422 too_many_pixels "$work/huge.jpg"
expect_error "bad threshold" 400 bad_threshold "$img" -F threshold=2
head -c 21000000 /dev/zero > "$work/big.bin"
expect_error "over-size body" 413 too_large "$work/big.bin"

# wrong field name
c=$(curl -s -o "$work/body" -w '%{http_code}' -F "file=@$img" "$BV_URL/api/analyze")
[ "$c" = 400 ] && [ "$(json "$work/body" 'j["error"]["code"]')" = missing_field ] &&
    ok "wrong field name -> 400" || bad "wrong field -> $c"
# not multipart
c=$(curl -s -o "$work/body" -w '%{http_code}' --data-binary "@$img" -H 'Content-Type: image/jpeg' "$BV_URL/api/analyze")
[ "$c" = 400 ] && ok "raw body -> 400" || bad "raw body -> $c"
# wrong method, unknown route
c=$(curl -s -D "$work/hdr" -o "$work/body" -w '%{http_code}' "$BV_URL/api/analyze")
[ "$c" = 405 ] && grep -qi '^allow: POST' "$work/hdr" && ok "GET analyze -> 405 with Allow" || bad "GET analyze -> $c"
c=$(curl -s -o "$work/body" -w '%{http_code}' "$BV_URL/api/nope")
[ "$c" = 404 ] && [ "$(json "$work/body" 'j["error"]["code"]')" = not_found ] &&
    ok "unknown route -> 404 JSON" || bad "unknown route -> $c"

# --- listing, deletion, no directory listing, no traversal -------------------
if [ -n "${id:-}" ]; then
	curl -s -o "$work/list" "$BV_URL/api/results"
	[ "$(json "$work/list" 'any(r["id"] == "'"$id"'" for r in j["results"])')" = True ] &&
	    ok "result listed" || bad "result not listed"
	c=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$BV_URL/api/results/$id")
	[ "$c" = 200 ] && ok "delete -> 200" || bad "delete -> $c"
	c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/results/$id/result.json")
	[ "$c" = 404 ] && ok "deleted result is gone" || bad "deleted result -> $c"
	c=$(curl -s -o /dev/null -w '%{http_code}' -X DELETE "$BV_URL/api/results/$id")
	[ "$c" = 404 ] && ok "second delete -> 404" || bad "second delete -> $c"
fi
for u in /results/ "/results/.tmp-AAAAAAAAAAAAAAAAAAAAAA/result.json" \
    /results/samples/ "/results/../bloodview.conf" "/results/%2e%2e/bloodview.conf" \
    "/api/results/..%2f..%2fetc" "/api/results/AAAAAAAAAAAAAAAAAAAAAA"; do
	c=$(curl -s --path-as-is -o "$work/body" -w '%{http_code}' "$BV_URL$u")
	case $c in 403|404) ok "$u -> $c" ;; *) bad "$u -> $c: $(head -c 200 "$work/body")" ;; esac
done

visible "$(find "$BV_RESULTS" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name samples | wc -l)" &&
    ok "no temporary directories left" || bad "temporary directories left"
if cat "$BV_LOG" "$BV_STATE/lighttpd.out" 2>/dev/null | grep -q "POST /api/analyze 200"; then ok "one log line per request"; else bad "no request log lines"; fi

echo "$n checks, $fails failed"
[ "$fails" = 0 ]
