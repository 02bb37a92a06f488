#!/bin/sh
# origin.sh: hardening row 12 -- cross-site writes and DNS rebinding
# 1. Writes (POST, DELETE) from another origin are refused with 403
#    cross_origin: a foreign or "null" Origin, another port or scheme,
#    Sec-Fetch-Site cross-site or same-site; nothing is created or deleted.
#    Our own origin (as a browser sends it) and clients without either
#    header (curl, scripts: no browser, so no cross-site request) pass.
# 2. JSON routes take only application/json: the text/plain, urlencoded
#    and multipart bodies a plain HTML form can send cross-site get 415
#    json_required and create nothing.
# 3. A Host the box does not answer to (a DNS-rebinding page's own name)
#    gets 421 misdirected from the API and from lighttpd's static side
#    (pages and /results/), with no data; localhost, IP literals and the
#    names in allowed_hosts are served.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
BV_ALLOWED_HOSTS="bloodview.lan, *.clinic.example"
export BV_ALLOWED_HOSTS
hd_start
w=$HD_WORK
self=http://127.0.0.1:$BV_PORT

nsamples() { ls "$BV_RESULTS/samples" 2>/dev/null | grep -c '\.json$'; }

hd_post "$HD_IMG"
[ "$code" = 200 ] || { echo "ERROR: upload -> $code"; exit 99; }
id=$(hd_json "$HD_WORK/body" 'j["id"]')
req POST /api/samples -H 'Content-Type: application/json' \
    --data-binary '{"code":"ORIGIN-1","age":34,"age_unit":"years","sex":"female"}'
sid=$(hd_json "$w/b" 'j["id"]')
[ "$c" = 201 ] && [ -n "$sid" ] || { echo "ERROR: sample -> $c"; exit 99; }

# --- 1. same-origin writes -------------------------------------------------
v0=$(hd_visible)
for o in http://evil.example null "http://127.0.0.1:1" "https://127.0.0.1:$BV_PORT" \
    "http://127.0.0.1.evil.example:$BV_PORT"; do
	req POST /api/analyze -H "Origin: $o" -F "image=@$HD_IMG"
	expect "analyze with Origin $o" 403 cross_origin
done
for s in cross-site same-site; do
	req POST /api/analyze -H "Sec-Fetch-Site: $s" -F "image=@$HD_IMG"
	expect "analyze with Sec-Fetch-Site $s" 403 cross_origin
done
# a browser that sends both: our Origin does not excuse cross-site
req POST /api/analyze -H "Origin: $self" -H "Sec-Fetch-Site: cross-site" -F "image=@$HD_IMG"
expect "analyze with our Origin but Sec-Fetch-Site cross-site" 403 cross_origin
[ "$(hd_visible)" = "$v0" ] && ok "refused uploads created no result" ||
    bad "refused uploads: $(hd_visible) results, was $v0"
req DELETE "/api/results/$id" -H 'Origin: http://evil.example'
expect "DELETE result from a foreign origin" 403 cross_origin
[ -d "$BV_RESULTS/$id" ] && ok "the result survives" || bad "the result was deleted"
req DELETE "/api/samples/$sid" -H 'Origin: http://evil.example'
expect "DELETE sample from a foreign origin" 403 cross_origin
n0=$(nsamples)
req POST /api/samples -H 'Origin: http://evil.example' -H 'Content-Type: application/json' \
    --data-binary '{"code":"EVIL-1"}'
expect "create a sample from a foreign origin" 403 cross_origin
req POST "/api/samples/$sid/results" -H 'Origin: http://evil.example' \
    -H 'Content-Type: application/json' --data-binary "{\"result\":\"$id\"}"
expect "attach from a foreign origin" 403 cross_origin
[ "$(nsamples)" = "$n0" ] && ok "no sample created" || bad "samples: $(nsamples), was $n0"
# what a browser sends from our own page, and what curl sends
req POST /api/analyze -H "Origin: $self" -H 'Sec-Fetch-Site: same-origin' -F "image=@$HD_IMG"
expect "analyze from our own page (Origin + Sec-Fetch-Site)" 200 -
req POST /api/analyze -H "Origin: http://localhost:$BV_PORT" -H "Host: localhost:$BV_PORT" \
    -F "image=@$HD_IMG"
expect "analyze from http://localhost:PORT" 200 -
req POST /api/analyze -H "Origin: HTTP://127.0.0.1:$BV_PORT" -F "image=@$HD_IMG"
expect "Origin compared case-insensitively" 200 -
req POST /api/analyze -H "Sec-Fetch-Site: none" -F "image=@$HD_IMG"
expect "Sec-Fetch-Site none (typed by the user)" 200 -
req DELETE "/api/results/$id" -H "Origin: $self"
expect "DELETE from our own origin" 200 -

# --- 2. JSON routes take application/json only ------------------------------
n0=$(nsamples)
for t in text/plain application/x-www-form-urlencoded "text/plain; charset=utf-8" \
    application/jsonx; do
	req POST /api/samples -H "Content-Type: $t" --data-binary '{"code":"FORM-1"}'
	expect "create a sample as $t" 415 json_required
done
req POST /api/samples -F 'code=FORM-1'
expect "create a sample as multipart/form-data" 415 json_required
req POST "/api/samples/$sid/results" -H 'Content-Type: text/plain' \
    --data-binary '{"result":"AAAAAAAAAAAAAAAAAAAAAA"}'
expect "attach as text/plain" 415 json_required
[ "$(nsamples)" = "$n0" ] && ok "form-type bodies created no sample" ||
    bad "samples: $(nsamples), was $n0"
grep -q "Cache-Control: no-store" "$w/h" && ok "415 is a normal API response (no-store)" ||
    bad "415 headers: $(tr -d '\r' < "$w/h" | tr '\n' ' ')"
req POST /api/samples -H 'Content-Type: Application/JSON; charset=utf-8' \
    --data-binary '{"code":"JSON-1"}'
expect "create a sample as Application/JSON; charset=utf-8" 201 -

# --- 3. Host allow-list -----------------------------------------------------
hd_post "$HD_IMG"
id=$(hd_json "$HD_WORK/body" 'j["id"]')
for h in "evil.example:$BV_PORT" evil.example "127.0.0.1.evil.example:$BV_PORT" \
    "localhost.evil.example" "bloodview.lan.evil.example" "clinic.example"; do
	for p in /api/results "/api/samples/$sid" /api/health /api/model \
	    "/results/$id/result.json" "/results/$id/annotated.jpg" / /index.html; do
		req GET "$p" -H "Host: $h"
		if [ "$c" = 421 ] && [ "$e" = misdirected ] && ! grep -q -e "$id" -e ORIGIN-1 "$w/b"; then
			ok "Host $h: GET $p -> 421 misdirected, no data"
		else
			bad "Host $h: GET $p -> $c $e"
		fi
	done
done
# the rebinding page posting to "its own" origin
req POST /api/analyze -H 'Host: evil.example' -H 'Origin: http://evil.example' -F "image=@$HD_IMG"
expect "rebinding page's POST (its Host, its Origin)" 421 misdirected
req DELETE "/api/results/$id" -H "Host: evil.example:$BV_PORT" -H "Origin: http://evil.example:$BV_PORT"
expect "rebinding page's DELETE" 421 misdirected
[ -d "$BV_RESULTS/$id" ] && ok "the result survives" || bad "the result was deleted"
tr -d '\r' < "$w/h" > "$w/h2"
[ "$(grep -ci '^x-content-type-options: nosniff' "$w/h2")" = 1 ] &&
    grep -qi '^cache-control: no-store' "$w/h2" &&
    ok "421 carries nosniff once and no-store" || bad "421 headers: $(tr '\n' ' ' < "$w/h2")"
for h in "127.0.0.1:$BV_PORT" "localhost:$BV_PORT" "LOCALHOST" "localhost." "[::1]:$BV_PORT" \
    "192.168.1.20:$BV_PORT" "bloodview.lan:$BV_PORT" "BloodView.LAN" "box.clinic.example"; do
	a=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $h" "$BV_URL/api/results")
	r=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: $h" "$BV_URL/results/$id/result.json")
	[ "$a" = 200 ] && [ "$r" = 200 ] && ok "Host $h: API 200, result file 200" ||
	    bad "Host $h: API $a, result file $r"
done
hd_log | grep -q "421 misdirected.*host evil.example" && ok "the backend logs refused hosts" ||
    bad "no 421 log line"
hd_finish
