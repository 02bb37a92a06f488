#!/bin/sh
# crash.sh: hardening row 18 -- crash consistency under SIGKILL
# Two backends share the results directory while 3 clients send a burst of
# mixed writes (analyses, half of them into samples; reviews; sample
# attach and detach; deletes; new samples: tests/hardening/crash.py).
# HD_CRASH_KILLS times (30 in make check; 500 by hand, docs/hardening.md)
# a random live backend gets SIGKILL after a random 0.05 to 0.5 s, at
# whatever point of a write it is.  Then every backend is stopped, one is
# started (its start-up sweep runs), and the store is checked against what
# was answered: no partial result visible, every result answered 200 (and
# not deleted) there and complete, every review answered 200 there, every
# sample readable, its fields and their markings one set, each field a
# result that exists or was being deleted, every 200 attach or analysis
# into a sample listed unless taken out, and nothing hidden left behind.
# No time bound: the waits are hang guards.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
kills=${HD_CRASH_KILLS:-30}
BV_SERVER_PROCS=2
hd_start
w=$HD_WORK
py="python3 $top_srcdir/tests/hardening/crash.py"
loader=
trap 'touch "$w/stop"; [ -n "$loader" ] && wait "$loader"; hd_stop' EXIT
trap 'exit 1' INT TERM

hd_post "$HD_IMG"
[ "$code" = 200 ] || { echo "ERROR: first upload -> $code"; exit 99; }
$py load "$BV_PORT" "$HD_IMG" "$w/stop" "$w/ops.log" &
loader=$!

# until a backend serves again (lighttpd starts one on the next request
# and answers 503 for a second after a crash): the next kill then lands
# in the middle of real writes, not in lighttpd's pause
alive() {
	i=0
	until [ "$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/health")" = 200 ] ||
	    [ $i -ge 1200 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	[ -n "$(hd_backend_pids)" ]
}
done_kills=0 seed=$$
t0=$(date +%s)
while [ "$done_kills" -lt "$kills" ]; do
	set -- $(awk -v s="$seed" -v k="$done_kills" 'BEGIN { srand(s + k);
	    printf "%.3f %d", 0.05 + 0.45 * rand(), int(2 * rand()) + 1 }')
	alive || { bad "no backend came back after $done_kills kills"; break; }
	sleep "$1"
	pid=$(hd_backend_pids | sed -n "${2}p")
	[ -n "$pid" ] || pid=$(hd_backend_pid)
	kill -9 "$pid" 2>/dev/null && done_kills=$((done_kills + 1))
	[ $((done_kills % 50)) = 0 ] && echo "# $done_kills kills, $(($(date +%s) - t0)) s"
done
t1=$(date +%s)
touch "$w/stop"
wait "$loader"
loader=
echo "# $done_kills kills in $((t1 - t0)) s"

# every backend stopped, then one started: its start-up sweep
for p in $(hd_backend_pids); do kill -9 "$p"; done
alive || bad "no backend after the last kill"
[ "$done_kills" = "$kills" ] && ok "$kills SIGKILLs during the writes" ||
    bad "$done_kills of $kills kills done"
out=$($py check "$BV_RESULTS" "$w/ops.log")
rc=$?
echo "$out" | grep '^#'
n=$(echo "$out" | sed -n 's/^inconsistencies //p')
[ "$rc" = 0 ] && [ "$n" = 0 ] && ok "store consistent after $kills kills: 0 inconsistencies" ||
    bad "store after $kills kills: ${n:-?} inconsistencies"
echo "# figure: $done_kills kills, ${n:-?} inconsistencies"
hd_finish
