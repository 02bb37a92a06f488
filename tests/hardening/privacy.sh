#!/bin/sh
# privacy.sh: hardening row 11 -- retention, audit log, no root, no network
# 1. retention_days = 1: results and samples backdated past it are deleted
#    when the backend starts (and hourly between requests); fresh ones and
#    ones inside the window stay; each expired result is logged by id.
# 2. The access log (lighttpd, /results/ and /api/) records result views and
#    deletions, the backend log records deletions by id; neither holds image
#    data (printable ASCII only, short lines, tiny next to the uploads).
# 3. Run as root, the backend refuses to start (root only; skipped otherwise).
# 4. The backend opens no outbound connection: traced with strace from
#    start-up through uploads (no AF_INET/AF_INET6 socket at all), and its
#    open sockets are all AF_UNIX.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
st=
if command -v strace >/dev/null 2>&1; then
	st=$(mktemp -d /tmp/bv-strace.XXXXXX)
	chmod 777 "$st"
	BV_BACKEND_WRAPPER="$(command -v strace) -f -qq -e trace=socket,connect,sendto,sendmsg,accept,accept4 -o $st/trace "
	# LeakSanitizer cannot run under ptrace (sanitize.sh sets ASAN_OPTIONS)
	[ -n "${ASAN_OPTIONS:-}" ] && BV_BACKEND_WRAPPER="$(command -v env) ASAN_OPTIONS=$ASAN_OPTIONS:detect_leaks=0 $BV_BACKEND_WRAPPER"
	export BV_BACKEND_WRAPPER
fi
BV_EXTRA_CONF="retention_days = 1"
export BV_EXTRA_CONF
hd_start
w=$HD_WORK
hd_hostile "$w"
trap 'hd_stop; [ -n "$st" ] && rm -rf "$st"' EXIT
trap 'exit 1' INT TERM

# The real backend, not strace in front of it: the newest matching process.
backend() { hd_backend_pids | tail -n 1; }

# --- 1. retention -------------------------------------------------------------
ids=
for i in 1 2 3; do
	hd_post "$w/smear.png"
	[ "$code" = 200 ] || { echo "ERROR: upload -> $code"; exit 99; }
	ids="$ids $(hd_json "$w/body" 'j["id"]')"
done
set -- $ids
old=$1 recent=$2 fresh=$3
sids=
for i in 1 2; do
	curl -s -o "$w/s" -H 'Content-Type: application/json' \
	    --data-binary "{\"code\":\"RET-$i\"}" "$BV_URL/api/samples"
	sids="$sids $(hd_json "$w/s" 'j["id"]')"
done
set -- $sids
sold=$1 sfresh=$2
touch -d '3 days ago' "$BV_RESULTS/$old/result.json" "$BV_RESULTS/samples/$sold.json"
touch -d '12 hours ago' "$BV_RESULTS/$recent/result.json"
# restart the backend: retention runs at start-up
pid=$(backend)
kill -TERM "$pid"
i=0
while [ $i -lt 1200 ] && [ "$(backend)" = "$pid" -o -z "$(backend)" ]; do
	curl -s -o /dev/null "$BV_URL/api/health"
	sleep 0.1; i=$((i + 1))
done
c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/health")
[ "$c" = 200 ] && [ "$(backend)" != "$pid" ] && ok "backend restarted" || bad "backend did not restart ($c)"
[ ! -e "$BV_RESULTS/$old" ] && [ "$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/results/$old/result.json")" = 404 ] &&
    ok "result 3 days old expired" || bad "result 3 days old still there"
[ -d "$BV_RESULTS/$recent" ] && [ -d "$BV_RESULTS/$fresh" ] &&
    ok "results 12 hours old and new kept" || bad "a result inside retention was removed"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/samples/$sold")" = 404 ] &&
    ok "sample 3 days old expired" || bad "sample 3 days old still there"
[ "$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/samples/$sfresh")" = 200 ] &&
    ok "new sample kept" || bad "new sample removed"
hd_log | grep -q "retention: expired result $old" && hd_log | grep -q "retention: removed 2 expired" &&
    ok "expiry logged by id" || bad "expiry not logged"

# --- 2. access log and deletion log -------------------------------------------
curl -s -o /dev/null "$BV_URL/results/$fresh/annotated.jpg"
curl -s -o /dev/null "$BV_URL/results/$fresh/result.json"
curl -s -o /dev/null -X DELETE "$BV_URL/api/results/$fresh"
alog=$BV_STATE/access.log
# lighttpd buffers the access log and flushes it about once a second
i=0
while [ $i -lt 600 ] && ! grep -q "DELETE /api/results/$fresh " "$alog" 2>/dev/null; do
	sleep 0.1; i=$((i + 1))
done
grep -q "\"GET /results/$fresh/annotated.jpg HTTP/1.1\" 200 " "$alog" 2>/dev/null &&
    ok "access log records the result view" || bad "no view in $alog: $(tail -n 3 "$alog" 2>/dev/null)"
grep -q "\"DELETE /api/results/$fresh HTTP/1.1\" 200 " "$alog" 2>/dev/null &&
    ok "access log records the deletion" || bad "no deletion in the access log"
hd_log | grep -q "DELETE /api/results/$fresh 200 .*deleted $fresh" &&
    ok "backend log records the deletion by id" || bad "backend log has no deletion line"
python3 - "$alog" "$BV_LOG" "$BV_STATE/lighttpd.out" <<'PY' && ok "logs hold no image data (printable, short lines)" || bad "logs hold binary data or long lines"
import sys
for p in sys.argv[1:]:
    data = open(p, "rb").read()
    for line in data.split(b"\n"):
        if len(line) > 1000 or any(c < 0x20 and c != 9 or c > 0x7e for c in line):
            print("bad line in", p, line[:80]); sys.exit(1)
        if b"\xff\xd8" in line or b"PNG" in line or b"form-data" in line:
            sys.exit(1)
PY

# --- 3. refuses root ------------------------------------------------------------
if [ "$(id -u)" = 0 ]; then
	out=$("$top_builddir/cgi-bin/bloodview" -c "$BV_STATE/bloodview.conf" </dev/null 2>&1)
	rc=$?
	[ "$rc" != 0 ] && echo "$out" | grep -q "refusing to run as root" &&
	    ok "backend run as root exits $rc: refusing to run as root" ||
	    bad "backend as root: exit $rc: $out"
else
	echo "# skip: not root, cannot check that the backend refuses root"
fi

# --- 4. no outbound connection ---------------------------------------------------
pid=$(backend)
socks=0 others=
for fd in /proc/"$pid"/fd/*; do
	l=$(readlink "$fd" 2>/dev/null) || continue
	case $l in
	socket:\[*\])
		ino=${l#socket:[}; ino=${ino%]}
		socks=$((socks + 1))
		awk -v i="$ino" '$7 == i' /proc/net/unix | grep -q . || others="$others $ino" ;;
	esac
done
[ "$socks" -gt 0 ] && [ -z "$others" ] &&
    ok "backend's $socks open socket(s) are all AF_UNIX" || bad "backend sockets not AF_UNIX:$others"
if [ -n "$st" ]; then
	hd_post "$HD_IMG"
	curl -s -o /dev/null "$BV_URL/api/model"
	sleep 0.3
	cat "$st"/trace* > "$w/trace" 2>/dev/null
	if grep -q 'accept' "$w/trace"; then
		ok "strace saw the backend accept requests (tracing works)"
		if grep -E 'AF_INET|AF_INET6|AF_PACKET|AF_NETLINK' "$w/trace" >"$w/net"; then
			bad "backend network syscalls: $(head -n 3 "$w/net")"
		else
			ok "no AF_INET/AF_INET6 socket, connect or send from start-up to now ($(wc -l < "$w/trace") traced calls)"
		fi
	else
		echo "# skip: strace could not trace the backend: $(head -c 200 "$w/trace")"
	fi
else
	echo "# skip: strace not installed"
fi
hd_finish
