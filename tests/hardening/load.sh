#!/bin/sh
# load.sh: hardening row 5 -- wrk load on uploads and on result GETs
# Uploads: wrk with wrk.lua POSTing a 640x480 BCCD JPEG, HD_LOAD_CONNS (8)
# connections for HD_LOAD_SECONDS (60) against 2 backend processes; then
# GETs of a result's annotated image (static, lighttpd) and of its JSON
# through the API (backend), 32 connections for HD_GET_SECONDS (10) each.
# Every phase must show 0 socket errors and 0 non-2xx responses; the
# figures (requests/s, p50, p99) are printed as "# figure:" lines.
# By hand (the row's figure):  nice -n 10 sh tests/hardening/load.sh
# make check runs tests/hardening/load-smoke.sh (5 s, 2 s).
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3 wrk
hd_need_dataset
secs=${HD_LOAD_SECONDS:-60}
conns=${HD_LOAD_CONNS:-8}
gsecs=${HD_GET_SECONDS:-10}
BV_SERVER_PROCS=${BV_SERVER_PROCS:-2}
hd_start
lua=$top_srcdir/tests/hardening/wrk.lua

# phase NAME ARGS...: run wrk, check the hd: line, print the figure
phase() {
	name=$1; shift
	"$@" > "$HD_WORK/wrk.out" 2>&1
	line=$(grep '^hd: ' "$HD_WORK/wrk.out")
	set -- $line
	# hd: requests N errors E non2xx S rps R p50_ms A p99_ms B
	if [ -n "$line" ] && [ "$3" -gt 0 ] && [ "$5" = 0 ] && [ "$7" = 0 ]; then
		ok "$name: $3 requests, 0 socket errors, 0 non-2xx"
	else
		bad "$name: ${line:-no result}: $(tail -n 5 "$HD_WORK/wrk.out")"
	fi
	echo "# figure: $name: ${9:-?} req/s, p50 ${11:-?} ms, p99 ${13:-?} ms (${3:-?} requests, errors ${5:-?}, non-2xx ${7:-?})"
}

phase "upload x${conns} ${secs}s" env BV_IMAGE="$HD_IMG" \
    wrk -t 2 -c "$conns" -d "${secs}s" --timeout 60s -s "$lua" "$BV_URL/api/analyze"
# wrk stops at its deadline with requests in flight (lighttpd may still
# hold queued ones): wait until the results directory is quiet, i.e. no
# temporary entry and no new result for a whole second.
i=0 prev=-1
while [ $i -lt 60 ]; do
	now=$(ls -A "$BV_RESULTS" | wc -l)
	[ "$now" = "$prev" ] && [ "$(hd_hidden)" = 0 ] && break
	prev=$now
	sleep 1; i=$((i + 1))
done
[ "$(hd_hidden)" = 0 ] && ok "no temporary results left" ||
    bad "temporary results left: $(find "$BV_RESULTS" -mindepth 1 -maxdepth 1 -name '.*' | head -n 5)"
hd_post "$HD_IMG"
id=$(hd_json "$HD_WORK/body" 'j["id"]')
phase "GET annotated.jpg x32 ${gsecs}s" env BV_IMAGE= \
    wrk -t 2 -c 32 -d "${gsecs}s" --timeout 10s -s "$lua" "$BV_URL/results/$id/annotated.jpg"
phase "GET /api/results/id x32 ${gsecs}s" env BV_IMAGE= \
    wrk -t 2 -c 32 -d "${gsecs}s" --timeout 10s -s "$lua" "$BV_URL/api/results/$id"
c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/health")
[ "$c" = 200 ] && ok "healthy after the load" || bad "health after load -> $c"
hd_finish
