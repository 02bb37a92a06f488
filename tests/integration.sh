#!/bin/sh
# integration.sh: the backend behind a real lighttpd on 127.0.0.1, driven by curl
set -u
. "$top_srcdir/tests/lib/server.sh"

. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
# a BCCD field, or without the dataset a smear drawn by tests/gen-smear
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 1) || exit 99
echo "# test image: $(bv_test_images) $img"
gen=$top_builddir/tests/gen-hostile
[ -x "$gen" ] || { echo "ERROR: $gen not built"; exit 99; }

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"
"$gen" "$work" "$img" >/dev/null || { echo "ERROR: gen-hostile failed"; exit 99; }
# the good PNG upload: the BCCD image as a PNG
"$top_builddir/tests/gen-field" png "$img" "$work/smear.png" ||
    { echo "ERROR: gen-field failed"; exit 99; }

# post FILE [curl args...]: sets code, body (file), time
post() {
	f=$1; shift
	out=$(curl -s -o "$work/body" -w '%{http_code} %{time_total}' \
	    -F "image=@$f" "$@" "$BV_URL/api/analyze")
	code=${out% *}; time=${out#* }
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
	post "$work/smear.png"
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

# --- a real BCCD image (or a drawn smear) -----------------------------------
post "$img"
if [ "$code" = 200 ]; then
	ok "$(bv_test_images) image analysed"
	cp "$work/body" "$work/r1.json"
	id=$(json "$work/r1.json" 'j["id"]')
	[ "$(json "$work/r1.json" '(j["image"]["width"], j["image"]["height"])')" = "(640, 480)" ] &&
	    ok "size 640x480" || bad "size wrong"
	check=$(json "$work/r1.json" 'all(k in j for k in ("id","model","counts","detections","timings_ms","urls")) and
	    all(k in j["timings_ms"] for k in ("decode","detect","encode","total")) and
	    sorted(j["counts"]) == ["Platelets","RBC","WBC"] and
	    sorted(j["thresholds"]) == ["Platelets","RBC","WBC"] and
	    all(j["counts"][c] == sum(1 for d in j["detections"] if d["class"] == c and d["confidence"] >= j["thresholds"][c]) for c in j["counts"]) and
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
	bad "$(bv_test_images) image -> $code $(head -c 300 "$work/body")"
fi

# --- the white-cell differential ---------------------------------------------
# Every counted WBC carries wbc_type (a type, or "untyped" when the
# classifier's best is its reject class or unsure), the differential adds up.
if [ -f "$work/r1.json" ] && [ "$(json "$work/m" 'j.get("wbc_classifier") is not None')" = True ]; then
	check=$(json "$work/r1.json" 'all(("wbc_type" in d) == (d["class"] == "WBC" and d["confidence"] >= j["thresholds"]["WBC"]) for d in j["detections"]) and
	    all(d["wbc_type"]["class"] in j["differential"]["classes"] + ["untyped"] and abs(sum(d["wbc_type"]["scores"].values()) - 1) < 0.01 for d in j["detections"] if "wbc_type" in d) and
	    j["differential"]["typed"] + j["differential"]["untyped"] == j["counts"]["WBC"] and
	    sum(j["differential"]["by"].values()) == j["differential"]["typed"]')
	[ "$check" = True ] && ok "each counted WBC typed or untyped, differential adds up" ||
	    bad "differential: $(json "$work/r1.json" 'j.get("differential")')"
	# a PBC smear (the classifier's own stain): its centred basophil
	pbc=$BV_DATASET/../pbc-detect/images
	b=$(ls "$pbc" 2>/dev/null | grep '^BA_' | head -n 1)
	if [ -n "$b" ]; then
		post "$pbc/$b"
		[ "$code" = 200 ] && [ "$(json "$work/body" '[d["wbc_type"]["class"] for d in j["detections"] if "wbc_type" in d]')" = "['basophil']" ] &&
		    ok "PBC $b: its white cell typed basophil" ||
		    bad "PBC $b: $code $(json "$work/body" '[d.get("wbc_type") for d in j.get("detections", [])]' 2>/dev/null)"
	else
		echo "# SKIP the PBC basophil check: no PBC images at $pbc"
	fi
else
	echo "# no white-cell classifier configured: differential not checked"
fi

# --- other good inputs -------------------------------------------------------
post "$work/smear.png"
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["image"]["type"]')" = image/png ] &&
    ok "PNG analysed" || bad "PNG -> $code"
# valid images that hold no smear: refused with a reason, never zero counts
expect_error "1x1 JPEG" 422 not_a_smear "$work/tiny1x1.jpg"
expect_error "64x48 synthetic PNG" 422 not_a_smear "$work/ok.png"
post "$img" -F threshold=0.9
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["threshold"]')" = 0.9 ] &&
    ok "threshold field honoured" || bad "threshold -> $code"

# --- per-class operating thresholds ------------------------------------------
# Defaults: the model info's "thresholds", else the global threshold (0.35,
# mkconf-local.sh sets none); a request's threshold applies to all classes.
info=${BV_MODEL_DIR:-$top_srcdir/models}/${BV_MODEL:-v3}.json
want=$(python3 -c 'import json,sys; i=json.load(open(sys.argv[1])).get("thresholds", {})
print(json.dumps({c: i.get(c, 0.35) for c in ("RBC", "WBC", "Platelets")}))' "$info")
# every count is the number of detections of its class at its own threshold
consistent='all(j["counts"][c] == sum(1 for d in j["detections"] if d["class"] == c and d["confidence"] >= j["thresholds"][c]) for c in j["classes"])'
# the annotated image holds the counted boxes: the log line's shown= is their sum
shown_ok() { # result-json
	rid=$(json "$1" 'j["id"]')
	shown=$(cat "$BV_LOG" "$BV_STATE/lighttpd.out" 2>/dev/null |
	    sed -n "s/.*id=$rid .* shown=\([0-9]*\) .*/\1/p" | head -n 1)
	[ -n "$shown" ] && [ "$shown" = "$(json "$1" 'sum(j["counts"].values())')" ]
}
[ "$(json "$work/m" 'j["thresholds"] == '"$want")" = True ] &&
    ok "/api/model reports the per-class defaults $want" ||
    bad "/api/model thresholds: $(json "$work/m" 'j.get("thresholds")') want $want"
[ "$(json "$work/m" 'j["threshold_sources"]')" = "$(python3 -c 'import json,sys; i=json.load(open(sys.argv[1])).get("thresholds", {})
print({c: "model_info" if c in i else "threshold" for c in ("RBC", "WBC", "Platelets")})' "$info")" ] &&
    ok "/api/model says where each threshold comes from" ||
    bad "threshold_sources: $(json "$work/m" 'j.get("threshold_sources")')"
if [ -f "$work/r1.json" ]; then
	[ "$(json "$work/r1.json" 'j["thresholds"] == '"$want"' and j["threshold"] == 0.35')" = True ] &&
	    ok "no threshold sent: thresholds = the model info's, threshold = the global 0.35" ||
	    bad "no threshold sent: $(json "$work/r1.json" '(j["threshold"], j["thresholds"])')"
	[ "$(json "$work/r1.json" "$consistent")" = True ] &&
	    ok "counts = detections at each class's own threshold" || bad "counts vs per-class thresholds"
	shown_ok "$work/r1.json" && ok "annotated image shows the $shown counted boxes" ||
	    bad "annotated boxes ($shown) differ from the counts"
	[ "$(json "$work/served.json" 'j["thresholds"] == '"$want")" = True ] &&
	    ok "result.json keeps the thresholds" || bad "result.json thresholds"
fi
post "$img" -F threshold=0.5
if [ "$code" = 200 ] &&
    [ "$(json "$work/body" 'j["threshold"] == 0.5 and j["thresholds"] == {"RBC": 0.5, "WBC": 0.5, "Platelets": 0.5}')" = True ]; then
	ok "threshold=0.5: all three classes at 0.5"
else
	bad "threshold=0.5 -> $code $(json "$work/body" '(j.get("threshold"), j.get("thresholds"))')"
fi
[ "$(json "$work/body" "$consistent")" = True ] && ok "threshold=0.5: counts consistent" ||
    bad "threshold=0.5: counts vs detections"
shown_ok "$work/body" && ok "threshold=0.5: annotated boxes = counts" || bad "threshold=0.5: shown $shown"
post "$img" -F threshold=0
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["threshold"] == 0.05 and set(j["thresholds"].values()) == {0.05}')" = True ] &&
    [ "$(json "$work/body" "$consistent")" = True ] &&
    ok "threshold=0 is raised to min_confidence for every class" ||
    bad "threshold=0 -> $code $(json "$work/body" '(j.get("threshold"), j.get("thresholds"))')"

# Precedence at start-up, with the backend as a one-shot CGI (no lighttpd):
# class_thresholds > model info > threshold; an unknown class stops it.
run_as=
[ "$(id -u)" = 0 ] && run_as="runuser -u www-data --"
cgi_model() { # conf -> /api/model body on stdout, stderr in $work/cgi.err
	REQUEST_METHOD=GET REQUEST_URI=/api/model $run_as \
	    "$top_builddir/cgi-bin/bloodview" -c "$1" </dev/null 2>"$work/cgi.err" |
	    sed '1,/^\r*$/d'
}
conf=$BV_STATE/bloodview.conf
sed '/^class_thresholds/d; /^threshold/d' "$conf" > "$work/p1.conf"
printf 'threshold = 0.3\nclass_thresholds = WBC:0.6\n' >> "$work/p1.conf"
cgi_model "$work/p1.conf" > "$work/p1.json"
exp=$(python3 -c 'import json,sys; w=json.loads(sys.argv[1])
print(json.dumps({c: (0.6 if c == "WBC" else w[c] if c in json.load(open(sys.argv[2])).get("thresholds", {}) else 0.3) for c in w}))' "$want" "$info")
[ "$(json "$work/p1.json" 'j["thresholds"] == '"$exp"' and j["threshold_sources"]["WBC"] == "class_thresholds" and j["threshold"] == 0.3')" = True ] &&
    ok "class_thresholds WBC:0.6 wins over the model info; the rest as before: $exp" ||
    bad "precedence: $(cat "$work/p1.json" | head -c 300) $(tail -n 3 "$work/cgi.err")"
python3 -c 'import json,sys; i=json.load(open(sys.argv[1])); i.pop("thresholds", None); json.dump(i, open(sys.argv[2], "w"))' \
    "$info" "$work/noinfo.json"
sed '/^model_info/d' "$work/p1.conf" | sed '/^class_thresholds/d' > "$work/p2.conf"
echo "model_info = $work/noinfo.json" >> "$work/p2.conf"
cgi_model "$work/p2.conf" > "$work/p2.json"
[ "$(json "$work/p2.json" 'j["thresholds"] == {"RBC": 0.3, "WBC": 0.3, "Platelets": 0.3} and set(j["threshold_sources"].values()) == {"threshold"}')" = True ] &&
    ok "a model info without thresholds: the global threshold for all classes" ||
    bad "no model thresholds: $(head -c 300 "$work/p2.json")"
printf '\nclass_thresholds = RBC:0.4 Neutrophil:0.2\n' >> "$work/p2.conf"
line=$(grep -n '^class_thresholds' "$work/p2.conf" | cut -d: -f1)
cgi_model "$work/p2.conf" > "$work/p3.json"
if [ ! -s "$work/p3.json" ] && grep -q "p2.conf:$line: class_thresholds: the model has no class \"Neutrophil\"" "$work/cgi.err"; then
	ok "an unknown class in class_thresholds stops the backend, naming file:line"
else
	bad "unknown class: $(head -c 200 "$work/p3.json") $(tail -n 2 "$work/cgi.err")"
fi

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
head -c 42000000 /dev/zero > "$work/big.bin"
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
