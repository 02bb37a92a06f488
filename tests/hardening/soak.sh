#!/bin/sh
# soak.sh: hardening row 6 -- many uploads in a row: memory and descriptors
# HD_SOAK_N uploads (2000) of a BCCD image to one backend process, each
# result deleted right after; RSS and open descriptors sampled every
# HD_SOAK_EVERY (100) requests.  Passes when RSS drifts by less than 2 MB
# per 1,000 requests between the first sample (warm-up) and the last, and
# the descriptor count never changes.
# By hand (the row's figure):  nice -n 10 sh tests/hardening/soak.sh
# make check runs tests/hardening/soak-smoke.sh (40 uploads; descriptors
# and a loose RSS bound only, since drift per 1,000 needs the long run).
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
n=${HD_SOAK_N:-2000}
every=${HD_SOAK_EVERY:-100}
BV_SERVER_PROCS=1
hd_start
pid=$(hd_backend_pid)
fd0=$(hd_fds "$pid")
rss0=$(hd_status_kb "$pid" VmRSS)
t0=$(date +%s)
python3 "$top_srcdir/tests/hardening/soak.py" "$BV_PORT" "$HD_IMG" "$n" "$every" "$pid" \
    > "$HD_WORK/soak.out" 2>&1
rc=$?
t1=$(date +%s)
cat "$HD_WORK/soak.out"
[ "$rc" = 0 ] && ok "$n uploads and deletions, all 200 ($((t1 - t0)) s)" || bad "soak stopped: rc $rc"
[ "$(hd_backend_pid)" = "$pid" ] && ok "same backend process throughout" || bad "backend restarted"
set -- $(awk '$1 == "sample" { if (!n++) { r0 = $4; q0 = $2; fmin = fmax = $5 }
	r1 = $4; q1 = $2; if ($5 < fmin) fmin = $5; if ($5 > fmax) fmax = $5 }
	END { print q0 + 0, r0 + 0, q1 + 0, r1 + 0, fmin + 0, fmax + 0 }' "$HD_WORK/soak.out")
q0=$1 r0=$2 q1=$3 r1=$4 fmin=$5 fmax=$6
echo "# before: RSS ${rss0} kB, fds $fd0; samples from request $q0 (RSS $r0 kB) to $q1 (RSS $r1 kB)"
[ "$fmin" = "$fmax" ] && [ "$fmin" -gt 0 ] && ok "open descriptors constant: $fmin (start-up: $fd0)" ||
    bad "open descriptors varied: $fmin..$fmax"
if hd_asan; then
	echo "# skip: RSS drift under ASan ($r0 -> $r1 kB)"
elif [ "$q1" -gt "$q0" ]; then
	# drift per 1000 requests in kB, over the sampled window
	drift=$(( (r1 - r0) * 1000 / (q1 - q0) ))
	if [ "$n" -ge 1000 ]; then
		echo "# figure: RSS drift $drift kB per 1000 requests (request $q0..$q1), fds $fmin"
		[ "$drift" -lt 2048 ] && ok "RSS drift $drift kB per 1000 requests (< 2048)" ||
		    bad "RSS drift $drift kB per 1000 requests"
	else
		# too few requests for a per-1000 figure: a loose bound only
		[ $((r1 - r0)) -lt 8192 ] && ok "RSS grew $((r1 - r0)) kB over $((q1 - q0)) requests (< 8 MB)" ||
		    bad "RSS grew $((r1 - r0)) kB over $((q1 - q0)) requests"
	fi
else
	bad "not enough samples"
fi
hd_finish
