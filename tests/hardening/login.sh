#!/bin/sh
# login.sh: hardening row 17 -- the optional clinic password (issue 14 item 3)
# 0. bv-passwd writes a yescrypt password_hash line (mode 0640) and -d
#    removes it; a hash libcrypt cannot use stops the backend at start.
# 1. Password off (the default): a local config has no authorizer; with it
#    (as the installed lighttpd config) API, pages and /results/ answer as
#    before, /api/login is 404 login_off and no session directory is made.
# 2. Password on, through a real lighttpd with 2 backends + the authorizer:
#    without a session every API route but /api/health is 401
#    login_required (an upload stores nothing) and /results/<id>/... is 401
#    from the authorizer; forged, hostile or tossed cookies do not help;
#    cross-site, text/plain and urlencoded logins are 403/415 with no
#    cookie; 5 wrong passwords are 401, the 6th is 429 with Retry-After and
#    the right one is then refused too, from that address only; the right
#    password gives a 256-bit cookie HttpOnly, SameSite=Strict, Path=/ (no
#    Secure over http); API and results are then 200 from every process;
#    logout ends the session everywhere; an idle session ends.
# 3. nginx (auth_request /api/authorize): /results/ 401 without, 200 with.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
# a BCCD field, or a drawn smear on a clean clone (tests/lib/images.sh)
if [ -f "$top_srcdir/tests/lib/images.sh" ]; then
	. "$top_srcdir/tests/lib/images.sh"
	HD_IMG=$(bv_test_image 1) || exit 99
	echo "# test image: $(bv_test_images) $HD_IMG"
else
	hd_need_dataset
fi

PW='correct horse battery staple'
line=$(printf '%s\n' "$PW" | "$top_builddir/bv-passwd") ||
    { echo "ERROR: bv-passwd failed"; exit 99; }
run_as=
[ "$(id -u)" = 0 ] && run_as="runuser -u www-data --"

cookie_of() { sed -n 's/^[Ss]et-[Cc]ookie: *\(bv_session=[^;]*\).*/\1/p' "$1" | tr -d '\r' | head -n 1; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# ms_of N URL [curl args]: N curl times in ms, one a line
ms_of() {
	k=$1 u=$2; shift 2
	i=0
	while [ $i -lt "$k" ]; do
		curl -s -o /dev/null -w '%{time_total}\n' "$@" "$u" | awk '{ printf "%.2f\n", $1 * 1000 }'
		i=$((i + 1))
	done
}
JSON='Content-Type: application/json'
body="{\"password\":\"$PW\"}"

# --- 0. bv-passwd and the start-up check -------------------------------------
t0=$(mktemp -d /tmp/bv-login.XXXXXX)
case $line in
'password_hash = $y$'*) ok "bv-passwd prints a yescrypt password_hash line" ;;
*) bad "bv-passwd printed: $line" ;;
esac
printf '# a config\nthreads = 1\npassword_hash = $y$old\n  password_hash=$y$older\nretention_days = 3' > "$t0/c.conf"
chmod 644 "$t0/c.conf"
printf '%s\n' "$PW" | "$top_builddir/bv-passwd" -c "$t0/c.conf" 2>/dev/null
n1=$(grep -c '^password_hash = \$y\$' "$t0/c.conf")
[ "$n1" = 1 ] && grep -q '^threads = 1$' "$t0/c.conf" && grep -q '^retention_days = 3$' "$t0/c.conf" &&
    ! grep -q 'old' "$t0/c.conf" && [ "$(stat -c %a "$t0/c.conf")" = 640 ] &&
    ok "bv-passwd -c: one password_hash line in place of the old two, other lines kept, mode 0640" ||
    bad "bv-passwd -c: $(cat "$t0/c.conf"), mode $(stat -c %a "$t0/c.conf")"
"$top_builddir/bv-passwd" -d -c "$t0/c.conf" 2>/dev/null
! grep -q password_hash "$t0/c.conf" && grep -q '^threads = 1$' "$t0/c.conf" &&
    ok "bv-passwd -d removes it" || bad "bv-passwd -d: $(cat "$t0/c.conf")"
printf 'short\n' | "$top_builddir/bv-passwd" >/dev/null 2>&1 &&
    bad "a 5-character password accepted" || ok "a password under 8 characters is refused"
printf 'password_hash = $y$j9T$nosaltnohash\nresults_dir = %s\n' "$t0" > "$t0/bad.conf"
chmod 755 "$t0"; chmod 644 "$t0/bad.conf"
out=$($run_as env -i REQUEST_METHOD=GET REQUEST_URI=/api/health "$top_builddir/cgi-bin/bloodview" \
    -c "$t0/bad.conf" 2>&1 </dev/null); rc=$?
[ $rc = 1 ] && printf '%s' "$out" | grep -q 'password_hash is not' &&
    ok "a password_hash libcrypt cannot use stops the backend (exit 1, says why)" ||
    bad "bad hash: exit $rc: $out"
# mkconf-local.sh (quickstart, tests): no password, no authorizer block
sh "$top_srcdir/etc/mkconf-local.sh" "$t0/s" 1 "$top_builddir" "$top_srcdir" 1 >/dev/null 2>&1
grep -q authorizer "$t0/s/lighttpd.conf" && bad "a local config without password has the authorizer" ||
    ok "a local config without password is as before (no authorizer)"
rm -rf "$t0"

# --- 1. password off: as before ---------------------------------------------
# with the authorizer all the same, as the installed lighttpd config has it
BV_AUTHORIZER=1
export BV_AUTHORIZER
hd_start
grep -q "mode.*authorizer" "$BV_STATE/lighttpd.conf" || { echo "ERROR: no authorizer in lighttpd.conf"; exit 99; }
w=$HD_WORK
hd_post "$HD_IMG"
id=$(hd_json "$HD_WORK/body" 'j["id"]')
[ "$code" = 200 ] && [ -n "$id" ] && ok "off: analyze 200" || bad "off: analyze -> $code"
for p in /api/results /api/model /api/samples "/api/results/$id" / /js/login.js \
    "/results/$id/thumb.jpg" "/results/$id/annotated.jpg" "/results/$id/result.json"; do
	req GET "$p"; expect "off: GET $p" 200 -
done
req GET /api/session
[ "$c" = 200 ] && [ "$(hd_json "$w/b" 'j["password"]')" = False ] &&
    ok "off: /api/session says no password" || bad "off: session -> $c $(cat "$w/b")"
req POST /api/login -H "$JSON" --data-binary "$body"; expect "off: login" 404 login_off
[ ! -e "$BV_RESULTS/.auth" ] && ok "off: no session directory made" || bad "off: .auth exists"
off_ms=$(ms_of 21 "$BV_URL/results/$id/thumb.jpg" | median)
hd_stop
trap - EXIT
unset BV_AUTHORIZER

# --- 2. password on ----------------------------------------------------------
BV_EXTRA_CONF="$line
session_minutes = 60
login_attempts = 5"
BV_SERVER_PROCS=2
# /camera/ proxied to a port where no bv-capture runs: behind the
# authorizer, 401 without a session, the proxy's 503 with one
BV_CAMERA_PORT=$(bv_free_port)
export BV_EXTRA_CONF BV_SERVER_PROCS BV_CAMERA_PORT
hd_start
w=$HD_WORK
grep -q "mode.*authorizer" "$BV_STATE/lighttpd.conf" || { echo "ERROR: no authorizer in lighttpd.conf"; exit 99; }

# a. no session
for p in /api/results /api/model /api/samples /api/results/AAAAAAAAAAAAAAAAAAAAAA /api/nope; do
	req GET "$p"; expect "on, no session: GET $p" 401 login_required
done
v0=$(hd_visible)
req POST /api/analyze -F "image=@$HD_IMG"; expect "on, no session: analyze" 401 login_required
[ "$(hd_visible)" = "$v0" ] && ok "nothing stored by it" || bad "a result was stored"
req POST /api/samples -H "$JSON" --data-binary '{"code":"X"}'; expect "on, no session: new sample" 401 login_required
req GET /camera/snapshot.jpg; expect "on, no session: the box camera's snapshot" 401 login_required
req GET /camera/stream.mjpeg; expect "on, no session: the box camera's stream" 401 login_required
req GET /api/health; expect "on: /api/health stays public" 200 -
req GET /; expect "on: the page stays public" 200 -
req GET /api/session
[ "$c" = 200 ] && [ "$(hd_json "$w/b" '[j["password"], j["logged_in"]]')" = "[True, False]" ] &&
    ok "on: /api/session says password, not logged in" || bad "on: session -> $c $(cat "$w/b")"

# b. refused logins set no cookie
req POST /api/login -H "$JSON" -H 'Origin: http://evil.example' --data-binary "$body"
expect "cross-site login (foreign Origin)" 403 cross_origin
[ -z "$(cookie_of "$w/h")" ] || bad "  ...but it set a cookie"
req POST /api/login -H "$JSON" -H 'Sec-Fetch-Site: cross-site' --data-binary "$body"
expect "cross-site login (Sec-Fetch-Site)" 403 cross_origin
req POST /api/login -H 'Content-Type: text/plain' --data-binary "$body"
expect "login as text/plain (a plain form)" 415 json_required
req POST /api/login --data-urlencode "password=$PW"
expect "login urlencoded (a plain form)" 415 json_required
[ -z "$(cookie_of "$w/h")" ] || bad "  ...but it set a cookie"
req GET /api/login; expect "GET /api/login" 405 method_not_allowed
req POST /api/login -H "$JSON" --data-binary '{"pass":"x"}'; expect "login without password" 400 bad_request
req POST /api/login -H "$JSON" --data-binary '{"password":"correct horse battery staple\u0000x"}'
expect "login with an embedded NUL" 400 bad_request

# c. the right password
req POST /api/login -H "$JSON" -H "Origin: http://127.0.0.1:$BV_PORT" --data-binary "$body"
expect "login with the right password (our Origin)" 200 -
sc=$(grep -i '^set-cookie:' "$w/h" | tr -d '\r')
ck=$(cookie_of "$w/h")
case $sc in
*"; Path=/; HttpOnly; SameSite=Strict") ok "cookie: Path=/; HttpOnly; SameSite=Strict, no Secure over http" ;;
*) bad "cookie: $sc" ;;
esac
printf '%s' "${ck#bv_session=}" | grep -Eq '^[0-9a-f]{64}$' && ok "the session id is 256 bits in hex" || bad "id: $ck"
C="Cookie: $ck"

# d. with the session: API and results
hd_post "$HD_IMG" -H "$C"
id=$(hd_json "$HD_WORK/body" 'j["id"]')
[ "$code" = 200 ] && [ -n "$id" ] && ok "on, session: analyze 200" || bad "on, session: analyze -> $code"
for p in /api/results /api/model /api/samples "/api/results/$id" \
    "/results/$id/thumb.jpg" "/results/$id/annotated.jpg" "/results/$id/result.json"; do
	req GET "$p" -H "$C"; expect "on, session: GET $p" 200 -
done
grep -qi '^content-type: application/json' "$w/h" && ok "result.json served as the file" || bad "result.json type"
req GET /camera/snapshot.jpg -H "$C"
[ "$c" = 503 ] && ok "on, session: /camera/ passes the authorizer (503: no bv-capture here)" ||
    bad "on, session: /camera/ -> $c"
req GET /api/session -H "$C"
[ "$(hd_json "$w/b" 'j["logged_in"]')" = True ] && ok "/api/session: logged in" || bad "session: $(cat "$w/b")"
# every backend honours it: 16 at once over the two processes and the authorizer
codes=$( (for i in 1 2 3 4 5 6 7 8; do
	curl -s -o /dev/null -w '%{http_code}\n' -H "$C" "$BV_URL/api/results" &
	curl -s -o /dev/null -w '%{http_code}\n' -H "$C" "$BV_URL/results/$id/thumb.jpg" &
done; wait) | sort | uniq -c | tr -s ' ' | tr '\n' ',')
[ "$codes" = " 16 200," ] && ok "16 concurrent requests with the session: all 200" || bad "concurrent: $codes"

# e. results without (or with a bad) session: 401 from the authorizer
for h in "X-None: 1" "Cookie: bv_session=$(printf '%s' "${ck#bv_session=}" | tr '0-9a-f' 'a-f0-9')" \
    "Cookie: bv_session=../../../etc/passwd" "Cookie: bv_session=$(printf '%s' "${ck#bv_session=}" | tr a-f A-F)" \
    "Cookie: bv_session=\"${ck#bv_session=}\""; do
	req GET "/results/$id/thumb.jpg" -H "$h"
	[ "$c" = 401 ] && ! grep -q JFIF "$w/b" && ok "results with '$(printf '%s' "$h" | cut -c1-40)...' -> 401" ||
	    bad "results with $h -> $c"
	req GET /api/results -H "$h"; expect "  and the API" 401 login_required
done
# forged: right file name, wrong rest (last digit changed)
last=$(printf '%s' "$ck" | tail -c 1); [ "$last" = 0 ] && nl=1 || nl=0
forged=$(printf '%s' "$ck" | sed "s/.\$/$nl/")
req GET "/results/$id/thumb.jpg" -H "Cookie: $forged"
[ "$c" = 401 ] && ok "a forged id (right file name, last digit changed) -> 401" || bad "forged -> $c"
req GET "/api/results" -H "Cookie: $forged"; expect "  and the API" 401 login_required
# a tossed junk bv_session first, ours second: still ours
req GET "/results/$id/thumb.jpg" -H "Cookie: bv_session=$(printf '%064d' 0); $ck"
[ "$c" = 200 ] && ok "a tossed cookie before ours does not lock us out" || bad "tossed -> $c"
# headers of the authorizer's 401 as of any response: once each
req GET "/results/$id/thumb.jpg"
for hname in X-Content-Type-Options Content-Security-Policy; do
	[ "$(grep -ci "^$hname:" "$w/h")" = 1 ] && ok "the 401 carries $hname once" || bad "401 $hname x$(grep -ci "^$hname:" "$w/h")"
done

# f. wrong passwords: 5 x 401, then 429 (even for the right one) from that address only
other="--interface 127.0.0.3"
for i in 1 2 3 4 5; do
	req POST /api/login $other -H "$JSON" --data-binary "{\"password\":\"wrong $i\"}"
	expect "wrong password $i from 127.0.0.3" 401 wrong_password
done
req POST /api/login $other -H "$JSON" --data-binary '{"password":"wrong 6"}'
expect "wrong password 6 from 127.0.0.3" 429 too_many_attempts
ra=$(sed -n 's/^[Rr]etry-[Aa]fter: *\([0-9]*\).*/\1/p' "$w/h")
[ -n "$ra" ] && [ "$ra" -ge 1 ] && [ "$ra" -le 30 ] && ok "  with Retry-After: $ra" || bad "Retry-After: '$ra'"
req POST /api/login $other -H "$JSON" --data-binary "$body"
expect "the right password from 127.0.0.3 while it waits" 429 too_many_attempts
[ -z "$(cookie_of "$w/h")" ] && ok "  and no cookie" || bad "  but a cookie was set"
req POST /api/login -H "$JSON" --data-binary "$body"
expect "127.0.0.1 is not held up by 127.0.0.3" 200 -
ck2=$(cookie_of "$w/h")

# g. logout: cross-site refused; ours ends the session in every process
req POST /api/logout -H "$C" -H 'Origin: http://evil.example' --data-binary ''; expect "cross-site logout" 403 cross_origin
req GET /api/results -H "$C"; expect "  the session lives on" 200 -
req POST /api/logout -H "$C" --data-binary ''; expect "logout" 200 -
grep -i '^set-cookie:' "$w/h" | grep -q 'bv_session=;.*Max-Age=0' && ok "  clears the cookie (Max-Age=0)" ||
    bad "logout cookie: $(grep -i '^set-cookie' "$w/h")"
req GET /api/results -H "$C"; expect "after logout: API" 401 login_required
req GET "/results/$id/thumb.jpg" -H "$C"
[ "$c" = 401 ] && ok "after logout: results -> 401" || bad "after logout: results -> $c"
req GET /api/results -H "Cookie: $ck2"; expect "another session still works" 200 -
# a login that presents a session ends it: a new id every login (no fixation)
req POST /api/login -H "$JSON" -H "Cookie: $ck2" --data-binary "$body"; expect "login again" 200 -
ck3=$(cookie_of "$w/h")
[ -n "$ck3" ] && [ "$ck3" != "$ck2" ] && ok "  gives a new id" || bad "  id: $ck3"
req GET /api/results -H "Cookie: $ck2"; expect "  the old one has ended" 401 login_required
ck2=$ck3

# g2. absolute lifetime: a session in use a minute ago but made 11 h ago has
# ended (session_max_hours, default 10), in the backend and the authorizer
req POST /api/login -H "$JSON" --data-binary "$body"; expect "login for the lifetime check" 200 -
ck4=$(cookie_of "$w/h")
f4=$BV_RESULTS/.auth/s-$(printf '%s' "${ck4#bv_session=}" | cut -c1-16)
req GET /api/results -H "Cookie: $ck4"; expect "  in use" 200 -
# made_ago HOURS: the session file says it was made HOURS ago, used 1 min ago
made_ago() {
	[ -f "$f4" ] || return
	v=$(head -n 1 "$f4")
	printf '%s\n%s\n' "$v" $(( $(date +%s) - $1 * 3600 )) > "$f4"
	touch -d '1 minute ago' "$f4"
}
made_ago 9
req GET /api/results -H "Cookie: $ck4"; expect "  made 9 h ago, used a minute ago" 200 -
made_ago 11
req GET "/results/$id/thumb.jpg" -H "Cookie: $ck4"
[ "$c" = 401 ] && ok "  made 11 h ago, used a minute ago: results -> 401 (authorizer)" ||
    bad "  made 11 h ago: results -> $c"
req GET /api/results -H "Cookie: $ck4"; expect "  and the API" 401 login_required
[ ! -e "$f4" ] && ok "  its file is removed" || bad "  its file is still there"

# h. idle expiry: a session last used 2 h ago (session_minutes = 60) has ended
f=$BV_RESULTS/.auth/s-$(printf '%s' "${ck2#bv_session=}" | cut -c1-16)
[ -f "$f" ] && touch -d '2 hours ago' "$f"
req GET /api/results -H "Cookie: $ck2"; expect "a session idle 2 h of 60 min" 401 login_required
[ ! -e "$f" ] && ok "  its file is removed" || bad "  its file is still there"
[ "$(stat -c %a "$BV_RESULTS/.auth")" = 700 ] && ok "the session directory is 0700" || bad "mode $(stat -c %a "$BV_RESULTS/.auth")"

# figures
req POST /api/login -H "$JSON" --data-binary "$body"
C="Cookie: $(cookie_of "$w/h")"
login_ms=$(i=0; while [ $i -lt 5 ]; do
	curl -s -o "$w/x" -D "$w/hx" -w '%{time_total}\n' -H "$JSON" --data-binary "$body" "$BV_URL/api/login" |
	    awk '{ printf "%.1f\n", $1 * 1000 }'
	i=$((i + 1)); done | median)
on_ms=$(ms_of 21 "$BV_URL/results/$id/thumb.jpg" -H "$C" | median)
auth_pid=$(pgrep -f "cgi-bin/bloodview-authorize -c $BV_STATE/bloodview.conf" | head -n 1)
auth_kb=$(awk '/^Private_Dirty:/ { s += $2 } END { print s + 0 }' "/proc/$auth_pid/smaps_rollup" 2>/dev/null)
echo "# login (yescrypt verify + session file) median of 5: $login_ms ms"
echo "# thumb.jpg median of 21: password off $off_ms ms, on with session $on_ms ms (authorizer)"
echo "# authorizer process private dirty: ${auth_kb:-?} kB"
hd_stop
trap - EXIT

# --- 2b. over HTTPS the cookie is Secure ------------------------------------
probe=$(mktemp -d /tmp/bv-login-tls.XXXXXX)
if command -v openssl >/dev/null && bv_tls_ok "$probe" &&
    sh "$top_srcdir/etc/mkcert.sh" "$probe" >/dev/null 2>&1; then
	BV_TLS_DIR=$probe BV_TLS_PORT=$(bv_free_port) BV_SERVER_PROCS=1
	export BV_TLS_DIR BV_TLS_PORT BV_SERVER_PROCS
	hd_start
	w=$HD_WORK
	tls="--cacert $probe/bloodview.crt"
	c=$(curl -s $tls -o "$w/b" -D "$w/h" -w '%{http_code}' -H "$JSON" --data-binary "$body" \
	    "https://localhost:$BV_TLS_PORT/api/login")
	sc=$(grep -i '^set-cookie:' "$w/h" | tr -d '\r')
	case $c$sc in
	"200"*"; Path=/; HttpOnly; SameSite=Strict; Secure") ok "https login: cookie HttpOnly, SameSite=Strict, Secure" ;;
	*) bad "https login -> $c: $sc" ;;
	esac
	c=$(curl -s $tls -o /dev/null -w '%{http_code}' -H "Cookie: $(cookie_of "$w/h")" \
	    "https://localhost:$BV_TLS_PORT/api/results")
	[ "$c" = 200 ] && ok "  and the API over https with it: 200" || bad "  https API -> $c"
	hd_stop
	trap - EXIT
	unset BV_TLS_DIR BV_TLS_PORT
else
	echo "# no openssl or lighttpd mod_openssl: the https part skipped"
fi
rm -rf "$probe"

# --- 3. nginx: auth_request ---------------------------------------------------
. "$top_srcdir/tests/lib/nginx.sh"
if ! bv_nginx_found; then
	echo "# nginx not installed: its part skipped"
	hd_finish
fi
state=$(mktemp -d /tmp/bv-login-ngx.XXXXXX)
chmod 755 "$state"
trap 'bv_nginx_stop; rm -rf "$state"' EXIT
bv_nginx_start "$state" "$line"
BV_URL=$BV_NGINX_URL
w=$state
req GET /api/results; expect "nginx: API without a session" 401 login_required
req POST /api/login -H "$JSON" --data-binary "$body"; expect "nginx: login" 200 -
C="Cookie: $(cookie_of "$w/h")"
c=$(curl -s -o "$w/r.json" -w '%{http_code}' -H "$C" -F "image=@$HD_IMG" "$BV_URL/api/analyze")
id=$(hd_json "$w/r.json" 'j["id"]')
[ "$c" = 200 ] && [ -n "$id" ] && ok "nginx: analyze with the session" || bad "nginx: analyze -> $c"
req GET "/results/$id/thumb.jpg"
[ "$c" = 401 ] && ok "nginx: results without a session -> 401 (auth_request)" || bad "nginx: results -> $c"
req GET "/results/$id/thumb.jpg" -H "Cookie: bv_session=$(printf '%064d' 7)"
[ "$c" = 401 ] && ok "nginx: results with an unknown session -> 401" || bad "nginx: unknown -> $c"
req GET "/results/$id/thumb.jpg" -H "$C"
[ "$c" = 200 ] && grep -qi '^content-type: image/jpeg' "$w/h" && ok "nginx: results with the session -> 200 image/jpeg" ||
    bad "nginx: with session -> $c"
req GET /api/authorize -H "$C"
[ "$c" = 404 ] && ok "nginx: /api/authorize is internal (404 from outside)" || bad "nginx: /api/authorize -> $c"
req POST /api/logout -H "$C" --data-binary ''; expect "nginx: logout" 200 -
req GET "/results/$id/thumb.jpg" -H "$C"
[ "$c" = 401 ] && ok "nginx: results after logout -> 401" || bad "nginx: after logout -> $c"
hd_finish
