#!/bin/sh
# bench-wrk.sh: uploads/s and latency through lighttpd per detector engine (wrk)
# usage: src/tools/bench-wrk.sh [BUILD_DIR] [DATASET_DIR] [SECONDS] [ENGINES]
# For each engine in ENGINES (default "xnnpack-int8 darknet xnnpack-int8":
# the shipped engine, the reference, the shipped one again so that a load
# change during the run shows as a difference between its two rows) it
# starts lighttpd with BV_SERVER_PROCS (2) backends of this tree
# (bloodview.conf "threads = 1", as served, plus "engine = E"), warms them,
# then POSTs a 640x480 BCCD JPEG to /api/analyze with wrk
# (tests/hardening/wrk.lua): one connection for SECONDS (latency of a lone
# client) and 8 connections for SECONDS (throughput).  Prints one line per
# engine and phase: requests/s, p50, p99, socket errors, non-2xx; then the
# medians of 15 lone requests' own timings_ms (where the time goes).  The
# machine's load average is printed before and after: read rows of one run
# against each other, not against another day's.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
top_srcdir=$top
top_builddir=$(cd "${1:-$top/build}" && pwd)
ds=${2:-$top/../shared/datasets/bccd}
secs=${3:-20}
engines=${4:-xnnpack-int8 darknet xnnpack-int8}
export top_srcdir top_builddir
img=$ds/BCCD/JPEGImages/BloodImage_00001.jpg
[ -f "$img" ] || { echo "bench-wrk: no BCCD image at $img" >&2; exit 2; }
command -v wrk >/dev/null || { echo "bench-wrk: wrk is not installed" >&2; exit 2; }
lua=$top/tests/hardening/wrk.lua
BV_SERVER_PROCS=${BV_SERVER_PROCS:-2}
export BV_SERVER_PROCS
. "$top/tests/lib/server.sh"

echo "bench-wrk: $(uptime)"
echo "bench-wrk: $BV_SERVER_PROCS backends, threads = 1, ${secs}s per phase, image $img"
for eng in $engines; do
	BV_EXTRA_CONF="engine = $eng" bv_server_start
	trap 'bv_server_stop' EXIT INT TERM
	# warm every backend (lighttpd spreads connections over them)
	i=0
	while [ $i -lt 6 ]; do
		curl -s -o /dev/null -F "image=@$img" "$BV_URL/api/analyze"
		i=$((i + 1))
	done
	got=$(curl -s "$BV_URL/api/model" | python3 -c 'import json,sys; j=json.load(sys.stdin); print(j.get("engine", "?"))' 2>/dev/null || echo "?")
	for c in 1 8; do
		out=$(BV_IMAGE=$img wrk -t "$([ $c = 1 ] && echo 1 || echo 2)" \
		    -c $c -d "${secs}s" --timeout 30s -s "$lua" \
		    "$BV_URL/api/analyze" 2>&1 | grep '^hd: ' || true)
		# hd: requests N errors E non2xx S rps R p50_ms A p99_ms B
		set -- $out
		printf 'engine %-13s (serving %s) %d conn: %8s uploads/s  p50 %6s ms  p99 %6s ms  (%s requests, %s errors, %s non-2xx)\n' \
		    "$eng" "$got" $c "${9:-?}" "${11:-?}" "${13:-?}" "${3:-?}" \
		    "${5:-?}" "${7:-?}"
	done
	# where a lone request's time goes: the server's own timings_ms
	i=0
	: >"$BV_STATE/t"
	while [ $i -lt 15 ]; do
		curl -s -o "$BV_STATE/r.json" -w '%{time_total}\n' \
		    -F "image=@$img" "$BV_URL/api/analyze" >"$BV_STATE/c"
		python3 -c 'import json,sys; t=json.load(open(sys.argv[1]))["timings_ms"]; print(t["decode"], t["scale"], t["detect"], t["encode"], t["total"], float(open(sys.argv[2]).read()) * 1000)' \
		    "$BV_STATE/r.json" "$BV_STATE/c" >>"$BV_STATE/t"
		i=$((i + 1))
	done
	python3 - "$BV_STATE/t" "$eng" <<'PY'
import statistics, sys
rows = [list(map(float, l.split())) for l in open(sys.argv[1]) if l.strip()]
m = [statistics.median(c) for c in zip(*rows)]
print("engine %-13s 15 lone requests, medians: server decode %.1f, scale %.1f, "
      "detect (scale + tiles + WBC types) %.1f, encode %.1f, total %.1f ms; "
      "client (curl, upload to answer) %.1f ms" % (sys.argv[2], *m))
PY
	bv_server_stop
	trap - EXIT INT TERM
done
echo "bench-wrk: $(uptime)"
