#!/bin/sh
# faults.sh: hardening row 7 -- backend killed or stopped, results dir full
# or read-only
# No wall-clock bound: CI also runs this under ASan+UBSan on a loaded
# 2-core machine, where one upload may take seconds.  Each wait has only a
# hang guard far beyond any such machine (120 s plus 20 times a normal
# upload, measured in this run), and the times are printed as figures.
# 1. kill -9 the backend during an upload (at 20, 50 and 80 % of an upload's
#    time): that request gets a 5xx (lighttpd's, not a hang), an upload
#    succeeds again (retrying: lighttpd may answer 503 during its 1 s
#    disable-time after a crash), a new backend serves it, and no partial
#    result is ever visible.
# 2. SIGSTOP the backend: lighttpd answers 504, never before its fastcgi
#    read-timeout (BV_FCGI_TIMEOUT, 20 s here: it bounds every request of
#    this test, so it stays far above an upload's time under ASan on a
#    loaded machine) has passed.
# 3. Results directory full (a 4 MiB tmpfs; needs root, else skipped):
#    507 storage_full JSON, nothing truncated visible, recovers without a
#    restart once space is freed.
# 4. Results directory read-only (chmod 555; the backend is never root):
#    health 503 unhealthy, uploads 503 storage_unavailable, and back to
#    normal after chmod 755.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
BV_FCGI_TIMEOUT=20
export BV_FCGI_TIMEOUT
BV_KEEP_STATE=1
hd_start
w=$HD_WORK
hd_hostile "$w"
mnt=
cleanup() {
	hd_stop
	[ -n "$mnt" ] && umount -l "$mnt" 2>/dev/null
	rm -rf "$BV_STATE"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# Every visible result is complete: the files its JSON names, JPEGs end.
complete() {
	python3 - "$BV_RESULTS" <<'PY'
import json, os, re, sys
root = sys.argv[1]
bad = []
for d in os.listdir(root):
    if not re.fullmatch(r"[A-Za-z0-9_-]{22}", d):
        continue
    p = os.path.join(root, d)
    try:
        # exactly the files result.json's URLs name, each complete
        urls = json.load(open(os.path.join(p, "result.json")))["urls"]
        names = sorted(u.rsplit("/", 1)[1] for u in urls.values())
        assert sorted(os.listdir(p)) == names
        for f in names:
            if not f.endswith(".jpg"):
                continue
            b = open(os.path.join(p, f), "rb").read()
            assert b[:2] == b"\xff\xd8" and b[-2:] == b"\xff\xd9"
    except Exception:
        bad.append(d)
print(" ".join(bad))
sys.exit(1 if bad else 0)
PY
}

# wait_up: poll health until 200 (hang guard: guard seconds); sets up_ms
wait_up() {
	t0=$(date +%s%N)
	lim=$(( $(date +%s) + guard ))
	while [ "$(date +%s)" -le "$lim" ]; do
		c=$(curl -s -m 2 -o /dev/null -w '%{http_code}' "$BV_URL/api/health")
		[ "$c" = 200 ] && { up_ms=$(( ($(date +%s%N) - t0) / 1000000 )); return 0; }
		sleep 0.05
	done
	return 1
}

# --- 1. kill -9 during an upload ------------------------------------------
hd_post "$HD_IMG"
[ "$code" = 200 ] || { echo "ERROR: first upload -> $code"; exit 99; }
# kill at 20, 50 and 80 % of a normal upload's time: inside the request
# whatever the model's speed
hd_post "$HD_IMG"
# the hang guard: 120 s plus 20 times this run's own upload time
guard=$(awk -v t="$time" 'BEGIN { printf "%d", 120 + 20 * t }')
delays=$(awk -v t="$time" 'BEGIN { printf "%.3f %.3f %.3f", t * 0.2, t * 0.5, t * 0.8 }')
echo "# an upload takes ${time}s: killing after $delays s"
for delay in $delays; do
	pid=$(hd_backend_pid)
	v0=$(hd_visible)
	curl -s -m "$guard" -o "$w/k.body" -w '%{http_code} %{time_total}' \
	    -F "image=@$HD_IMG" "$BV_URL/api/analyze" > "$w/k.out" &
	cpid=$!
	sleep "$delay"
	kill -9 "$pid"
	wait "$cpid"
	read -r kc kt < "$w/k.out"
	case $kc in
	5??) ok "kill -9 after ${delay}s: request -> $kc in ${kt}s" ;;
	200) ok "kill -9 after ${delay}s came after the response (200); result must be complete" ;;
	*) bad "kill -9 after ${delay}s: request -> $kc in ${kt}s" ;;
	esac
	# lighttpd restarts the backend; for its disable-time (1 s) after a
	# crash it may answer 503 at once, so the client retries (hang guard
	# only: the time is a figure, not a bound)
	t0=$(date +%s%N) tries=0
	while :; do
		hd_post "$HD_IMG" -m "$guard"
		tries=$((tries + 1))
		ms=$(( ($(date +%s%N) - t0) / 1000000 ))
		[ "$code" = 200 ] || [ "$ms" -ge $((guard * 1000)) ] && break
		sleep 0.1
	done
	[ "$code" = 200 ] &&
	    ok "next upload after kill -> 200 ${ms} ms after the kill's answer (try $tries; figure, no bound)" ||
	    bad "next upload after kill -> $code after ${ms} ms ($tries tries, guard ${guard} s)"
	newpid=$(hd_backend_pid)
	[ -n "$newpid" ] && [ "$newpid" != "$pid" ] && ok "lighttpd restarted the backend ($pid -> $newpid)" ||
	    bad "backend not restarted ($pid -> $newpid)"
	# the retry's result, plus the killed one when it answered 200; a kill
	# that lands between the commit and the answer leaves a complete result
	# behind a 5xx (a slow sanitizer build hits that window): either is
	# allowed then, a partial or hidden one never is
	vis=$(hd_visible) lo=$((v0 + 1)) hi=$((v0 + 2))
	[ "$kc" = 200 ] && lo=$hi
	[ "$vis" -ge "$lo" ] && [ "$vis" -le "$hi" ] && [ "$(hd_hidden)" = 0 ] && b=$(complete) &&
	    ok "no partial result (visible $vis, $lo to $hi wanted, hidden 0, all complete)" ||
	    bad "partial result: visible $vis want $lo to $hi, hidden $(hd_hidden), incomplete: $b"
done

# --- 2. SIGSTOP --------------------------------------------------------------
pid=$(hd_backend_pid)
kill -STOP "$pid"
out=$(curl -s -m "$guard" -o "$w/s.body" -w '%{http_code} %{time_total}' "$BV_URL/api/health")
sc=${out% *} st=${out#* }
# lighttpd checks timeouts on whole seconds, strictly past the limit: the
# 504 comes at about limit + 2 s; never before the limit
[ "$sc" = 504 ] && ! hd_ms_le "$st" $(( BV_FCGI_TIMEOUT * 1000 - 1 )) &&
    ok "stopped backend: lighttpd -> 504 in ${st}s (read-timeout ${BV_FCGI_TIMEOUT}s)" ||
    bad "stopped backend: $sc in ${st}s (read-timeout ${BV_FCGI_TIMEOUT}s)"
kill -CONT "$pid"
wait_up && ok "after SIGCONT health is back in ${up_ms} ms" || bad "health not back after SIGCONT"
hd_post "$w/smear.png"
[ "$code" = 200 ] && ok "upload after SIGCONT -> 200" || bad "upload after SIGCONT -> $code"

# --- 3. results directory full (tmpfs, root only) ---------------------------
if [ "$(id -u)" != 0 ]; then
	echo "# skip: results-full needs root to mount a tmpfs"
elif ! mount -t tmpfs -o size=4m,mode=755 tmpfs "$BV_RESULTS" 2>/dev/null; then
	echo "# skip: cannot mount a tmpfs on $BV_RESULTS"
else
	mnt=$BV_RESULTS
	chown www-data:www-data "$mnt"
	# the backend holds a directory fd: restart it onto the tmpfs
	kill -9 "$(hd_backend_pid)"
	wait_up || bad "backend did not come back on the tmpfs"
	pid=$(hd_backend_pid)
	dd if=/dev/zero of="$mnt/filler" bs=64k 2>/dev/null
	for room in 0 64; do
		# leave ROOM KiB free: a result then fails part way through
		[ "$room" -gt 0 ] && truncate -s "-${room}K" "$mnt/filler"
		hd_post "$HD_IMG"
		ec=$(hd_json "$w/body" 'j["error"]["code"]')
		[ "$code" = 507 ] && [ "$ec" = storage_full ] &&
		    ok "full disk (${room} KiB free): 507 storage_full" ||
		    bad "full disk (${room} KiB free): $code $ec"
		[ "$(hd_visible)" = 0 ] && [ "$(hd_hidden)" = 0 ] &&
		    ok "full disk (${room} KiB free): nothing visible, no temporary left" ||
		    bad "full disk (${room} KiB free): visible $(hd_visible) hidden $(hd_hidden)"
		[ "$room" -gt 0 ] && continue
		c=$(curl -s -o "$w/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		    --data-binary '{"code":"FULL-1"}' "$BV_URL/api/samples")
		[ "$c" = 507 ] && ok "full disk: new sample -> 507" || bad "full disk: new sample -> $c"
	done
	rm -f "$mnt/filler"
	hd_post "$HD_IMG"
	[ "$code" = 200 ] && ok "space freed: upload -> 200" || bad "space freed: upload -> $code"
	[ "$(hd_backend_pid)" = "$pid" ] && ok "recovered without a restart (pid $pid)" ||
	    bad "backend restarted ($pid -> $(hd_backend_pid))"
	b=$(complete) && ok "every visible result complete" || bad "incomplete results: $b"
	# read-only filesystem (EROFS) as well
	if mount -o remount,ro "$mnt" 2>/dev/null; then
		c=$(curl -s -o "$w/body" -w '%{http_code}' "$BV_URL/api/health")
		[ "$c" = 503 ] && ok "read-only filesystem: health 503" || bad "read-only filesystem: health $c"
		hd_post "$w/smear.png"
		[ "$code" = 503 ] && ok "read-only filesystem: upload 503" || bad "read-only filesystem: upload $code"
		mount -o remount,rw "$mnt"
	fi
	# detach first, so the restarted backend opens the real directory
	umount -l "$mnt" && mnt=
	kill -9 "$(hd_backend_pid)"
	wait_up || bad "backend did not come back after the tmpfs"
fi

# --- 4. results directory read-only (chmod) ---------------------------------
chmod 555 "$BV_RESULTS"
c=$(curl -s -o "$w/body" -w '%{http_code}' "$BV_URL/api/health")
st=$(hd_json "$w/body" 'j["status"], j["results_writable"]')
[ "$c" = 503 ] && [ "$st" = "('unhealthy', False)" ] &&
    ok "read-only results: health 503 $st" || bad "read-only results: health $c $st"
hd_post "$w/smear.png"
ec=$(hd_json "$w/body" 'j["error"]["code"]')
[ "$code" = 503 ] && [ "$ec" = storage_unavailable ] &&
    ok "read-only results: upload 503 storage_unavailable" || bad "read-only results: upload $code $ec"
chmod 755 "$BV_RESULTS"
c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/health")
hd_post "$w/smear.png"
[ "$c" = 200 ] && [ "$code" = 200 ] && ok "writable again: health 200, upload 200" ||
    bad "writable again: health $c, upload $code"
hd_finish
