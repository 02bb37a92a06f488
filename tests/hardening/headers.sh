#!/bin/sh
# headers.sh: hardening row 10 -- security headers and re-encoded images
# Every response (pages, scripts, results, API successes and errors)
# carries X-Content-Type-Options: nosniff exactly once (the web server's;
# the backend does not send it too); pages a CSP without inline script;
# results the strict sandbox CSP; every API response Cache-Control:
# no-store.  Served images are re-encoded: different bytes
# from the upload, no HTML comment, no EXIF block carried over.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
# a BCCD field, or without the dataset a smear drawn by tests/gen-smear
. "$top_srcdir/tests/lib/images.sh"
HD_IMG=$(bv_test_image 1) || exit 99
echo "# test image: $(bv_test_images) $HD_IMG"
hd_start
hd_hostile "$HD_WORK"
w=$HD_WORK

# hdr URL [curl args]: headers of a request into $w/h, status into c
hdr() {
	u=$1; shift
	c=$(curl -s -D "$w/h" -o "$w/b" -w '%{http_code}' "$@" "$BV_URL$u")
	tr -d '\r' < "$w/h" > "$w/h2"
}
has() { grep -qi "^$1" "$w/h2"; }
# once NAME: the header occurs exactly once (a repeated one is a config bug)
once() { [ "$(grep -ci "^$1:" "$w/h2")" = 1 ]; }

hd_post "$HD_IMG"
[ "$code" = 200 ] || { echo "ERROR: upload -> $code"; exit 99; }
id=$(hd_json "$w/body" 'j["id"]')

# --- nosniff everywhere, CSP on pages and results --------------------------
js=$(cd "$top_srcdir/htdocs" && ls js/*.js | head -n 1)
css=$(cd "$top_srcdir/htdocs" && ls css/*.css | head -n 1)
for u in / /index.html "/$js" "/$css" /nonexistent.html /results/ \
    "/results/$id/annotated.jpg" "/results/$id/thumb.jpg" "/results/$id/plain.jpg" \
    "/results/$id/result.json" "/results/$id/missing.jpg"; do
	hdr "$u"
	has 'x-content-type-options: nosniff' && once x-content-type-options &&
	    ok "$u ($c) nosniff, once" ||
	    bad "$u ($c) nosniff: $(grep -ci '^x-content-type-options:' "$w/h2") times"
	once content-security-policy && ok "$u ($c) one CSP" ||
	    bad "$u ($c) $(grep -ci '^content-security-policy:' "$w/h2") CSP headers"
	case $u in
	/results/*)
		has "content-security-policy: default-src 'none'.*sandbox" &&
		    ok "$u ($c) strict sandbox CSP" || bad "$u ($c) CSP: $(grep -i '^content-security' "$w/h2")" ;;
	*)
		if has "content-security-policy:.*script-src 'self'" &&
		    ! grep -qi "^content-security-policy:.*unsafe-inline" "$w/h2" &&
		    has "content-security-policy:.*object-src 'none'" &&
		    has "content-security-policy:.*frame-ancestors 'none'"; then
			ok "$u ($c) CSP without inline script"
		else
			bad "$u ($c) CSP: $(grep -i '^content-security' "$w/h2")"
		fi ;;
	esac
done
hdr "/results/$id/result.json"
has 'content-type: application/json' && ok "result.json is application/json" || bad "result.json type"
hdr "/results/$id/annotated.jpg"
has 'content-type: image/jpeg' && ok "annotated.jpg is image/jpeg" || bad "annotated.jpg type"

# --- no-store on every API response, successes and errors -------------------
api_check() { # what expected-status URL [curl args]
	what=$1 want=$2 u=$3; shift 3
	hdr "$u" "$@"
	if [ "$c" = "$want" ] && has 'cache-control: no-store' &&
	    has 'x-content-type-options: nosniff' && has 'content-type: application/json' &&
	    once x-content-type-options && once cache-control && once content-type &&
	    once content-security-policy; then
		ok "API $what -> $c, JSON, no-store, nosniff, each once"
	else
		bad "API $what -> $c (want $want): $(grep -i -e '^cache-control' -e '^content-type' -e '^x-content-type' "$w/h2" | tr '\n' ' ')"
	fi
}
api_check health 200 /api/health
api_check model 200 /api/model
api_check "results list" 200 /api/results
api_check "one result" 200 "/api/results/$id"
api_check "unknown id" 404 /api/results/AAAAAAAAAAAAAAAAAAAAAA
api_check "unknown route" 404 /api/nope
api_check "wrong method" 405 /api/analyze
api_check "not multipart" 400 /api/analyze --data-binary x
api_check "wrong type" 415 /api/analyze -F "image=@$w/text.jpg"
api_check "too many pixels" 422 /api/analyze -F "image=@$w/huge.png"
api_check "samples list" 200 /api/samples
api_check "analyze" 200 /api/analyze -F "image=@$w/smear.png"

# --- re-encoded images -------------------------------------------------------
curl -s -o "$w/ann.jpg" "$BV_URL/results/$id/annotated.jpg"
cmp -s "$w/ann.jpg" "$HD_IMG" && bad "annotated image equals the upload" ||
    ok "annotated image bytes differ from the upload"
for f in jpeg-html-comment.jpg exif6.jpg; do
	hd_post "$w/$f"
	if [ "$code" != 200 ]; then
		bad "$f -> $code"
		continue
	fi
	i=$(hd_json "$w/body" 'j["id"]')
	for part in $(hd_json "$w/body" '" ".join(u.rsplit("/", 1)[1] for u in j["urls"].values() if u.endswith(".jpg"))'); do
		curl -s -o "$w/served" "$BV_URL/results/$i/$part"
		python3 - "$w/$f" "$w/served" <<'PY' && ok "$f: served $part re-encoded, no comment or EXIF kept" || bad "$f: served $part keeps upload bytes"
import sys
up, served = (open(p, "rb").read() for p in sys.argv[1:3])
bad = served == up or not served.startswith(b"\xff\xd8")
for needle in (b"<script", b"Exif\x00\x00"):
    if needle in up and needle in served:
        bad = True
sys.exit(1 if bad else 0)
PY
	done
done
grep -q '<script' "$w/jpeg-html-comment.jpg" && ok "control: the upload does hold <script>" ||
    bad "control: jpeg-html-comment.jpg has no <script>"
hd_finish
