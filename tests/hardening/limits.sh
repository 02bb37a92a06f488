#!/bin/sh
# limits.sh: hardening row 8 -- body caps, lying Content-Length, slow POST
# Default limits: the backend's max_body (40 MiB) and lighttpd's
# server.max-request-size (41024 KiB).  A body of exactly max_body bytes is
# analysed; one byte more gets 413 from the backend before it reads the body
# (its log line says bytes=0 and no detection runs); one byte over
# lighttpd's cap gets 413 from lighttpd without reaching the backend.
# Lying or malformed Content-Length headers get a 4xx (or a closed
# connection), never a 2xx or 5xx, and the backend keeps running.  While
# 16 connections trickle a body one byte per 100 ms, a normal upload still
# completes before they end (they last 20 times a normal upload of the
# same run, at least 6 s: no wall-clock bound a slow build could miss).
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
BV_SERVER_PROCS=2
hd_start
hd_hostile "$HD_WORK"
raw="python3 $top_srcdir/tests/hardening/rawhttp.py"
max_body=$((40 * 1024 * 1024))
max_req=$((41024 * 1024))

# Lines of the backend's log for analyze requests and detections.
n_detect() { hd_log | grep -c 'POST /api/analyze 200 .*detect='; }
n_analyze() { hd_log | grep -c 'POST /api/analyze '; }

pids0=$(hd_backend_pids | tr '\n' ' ')

r=$($raw sized "$BV_PORT" "$HD_WORK/smear.png" "$max_body")
[ "$r" = "200 -" ] && ok "body of exactly max_body ($max_body) accepted" ||
    bad "body of exactly max_body -> $r"

d0=$(n_detect)
r=$($raw sized "$BV_PORT" "$HD_WORK/smear.png" $((max_body + 1)))
sleep 0.2
[ "$r" = "413 too_large" ] && ok "max_body + 1 -> 413 too_large" ||
    bad "max_body + 1 -> $r"
[ "$(n_detect)" = "$d0" ] && hd_log | grep -q 'POST /api/analyze 413 too_large bytes=0 ' &&
    ok "max_body + 1 refused before reading the body or detecting" ||
    bad "max_body + 1 reached the model or was read"

a0=$(n_analyze)
r=$($raw sized "$BV_PORT" "$HD_WORK/smear.png" $((max_req + 1)))
sleep 0.2
case $r in 413*) ok "lighttpd cap + 1 -> 413" ;; *) bad "lighttpd cap + 1 -> $r" ;; esac
[ "$(n_analyze)" = "$a0" ] && ok "lighttpd cap + 1 never reached the backend" ||
    bad "lighttpd cap + 1 reached the backend"

# --- lying and malformed Content-Length ------------------------------------
for name in short long negative alpha huge double chunked+length; do
	r=$($raw raw "$BV_PORT" "$name")
	case $r in
	4*|closed*) ok "Content-Length $name -> $r" ;;
	*) bad "Content-Length $name -> $r (want a 4xx or a closed connection)" ;;
	esac
done
hd_post "$HD_WORK/smear.png"
[ "$code" = 200 ] && ok "upload after lying requests succeeds" ||
    bad "upload after lying requests -> $code"
[ "$(hd_backend_pids | tr '\n' ' ')" = "$pids0" ] &&
    ok "backends never restarted ($pids0)" || bad "backends changed: $pids0 -> $(hd_backend_pids | tr '\n' ' ')"

# --- slow POST -------------------------------------------------------------
hd_post "$HD_IMG"
slow_s=$(awk -v t="$time" 'BEGIN { s = 20 * t + 1; printf "%d", s < 6 ? 6 : s }')
$raw slow "$BV_PORT" 16 "$slow_s" >"$HD_WORK/slow.out" 2>&1 &
slowpid=$!
sleep 1
hd_post "$HD_IMG"
kill -0 "$slowpid" 2>/dev/null && still=1 || still=0
[ "$code" = 200 ] && [ "$still" = 1 ] &&
    ok "upload during 16 slow POSTs -> $code in ${time}s, before they end (${slow_s} s)" ||
    bad "upload during 16 slow POSTs -> $code in ${time}s (slow POSTs still open: $still, ${slow_s} s)"
c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/health")
[ "$c" = 200 ] && ok "health during slow POSTs -> 200" || bad "health during slow POSTs -> $c"
wait "$slowpid"
echo "# slow connections still open after $slow_s s: $(cat "$HD_WORK/slow.out")"
[ "$(hd_hidden)" = 0 ] && ok "no temporary files left" || bad "temporary files left"
hd_finish
