#!/bin/sh
# bench-stages.sh: where a lone 640x480 upload's time goes, build against build
# usage: src/tools/bench-stages.sh N BUILD_DIR...   (the first is the reference)
# Starts one lighttpd + backend per build (tests/lib/server.sh, threads = 1,
# the default engine), warms each with 5 uploads, then POSTs BCCD's
# BloodImage_00001.jpg to /api/analyze N times per build, interleaved
# request by request (A B A B ...) so that disk and CPU contention from
# other jobs fall on every build alike.  Prints per build the medians of
# the result's timings_ms (and its "stages", where the build has them),
# of json= and commit= from the backend's log line (results written and
# fsync'd), of the backend's whole request (its log line) and of the
# client's wait (curl).  Read builds of one run against each other only.
# BENCH_IMG=photo.jpg posts that photo instead (e.g. a chula-rbc field, whose
# red-cell classes are in stages.morph).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
n=${1:?usage: bench-stages.sh N BUILD_DIR...}
shift
img=${BENCH_IMG:-$top/../shared/datasets/bccd/BCCD/JPEGImages/BloodImage_00001.jpg}
[ -f "$img" ] || { echo "bench-stages: no image at $img" >&2; exit 2; }
work=$(mktemp -d /tmp/bench-stages.XXXXXX)
# the backend's stderr (its log lines) into its server's state directory
printf '#!/bin/sh\nexec "$@" 2>>"$BV_STATE/backend.log"\n' >"$work/wrap.sh"
chmod 755 "$work" "$work/wrap.sh"
top_srcdir=$top
BV_BACKEND_WRAPPER="$work/wrap.sh "
export top_srcdir BV_BACKEND_WRAPPER
. "$top/tests/lib/server.sh"
echo "bench-stages: $(uptime)"
urls= states= pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || :; done
	for s in $states; do rm -rf "$s"; done
	rm -rf "$work"
}
trap cleanup EXIT INT TERM
for b in "$@"; do
	top_builddir=$(cd "$b" && pwd)
	export top_builddir
	BV_KEEP_STATE=1 bv_server_start
	trap cleanup EXIT INT TERM
	urls="$urls $BV_URL" states="$states $BV_STATE"
	pids="$pids $BV_LIGHTTPD_PID"
	for i in 1 2 3 4 5; do
		curl -s -o /dev/null -F "image=@$img" "$BV_URL/api/analyze"
	done
done
i=0
while [ "$i" -lt "$n" ]; do
	k=0
	for u in $urls; do
		k=$((k + 1))
		st=$(echo $states | cut -d' ' -f$k)
		curl -s -o "$st/r$i.json" -w '%{time_total}\n' \
		    -F "image=@$img" "$u/api/analyze" >>"$st/c"
	done
	i=$((i + 1))
done
for p in $pids; do kill "$p"; wait "$p" 2>/dev/null || :; done
pids=
k=0
for b in "$@"; do
	k=$((k + 1))
	python3 - "$(echo $states | cut -d' ' -f$k)" "$n" "$b" <<'PY'
import json, re, statistics, sys
st, n, b = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cols = {}
def add(k, v): cols.setdefault(k, []).append(float(v))
for i in range(n):
    t = json.load(open("%s/r%d.json" % (st, i)))["timings_ms"]
    for k, v in t.items():
        if isinstance(v, dict):
            for k2, v2 in v.items(): add("stages." + k2, v2)
        else:
            add(k, v)
lines = [l for l in open(st + "/backend.log")
         if "POST /api/analyze 200" in l][-n:]
for l in lines:
    for k, v in re.findall(r"(json|commit)=([0-9.]+)ms", l): add(k, v)
    add("backend", re.search(r" ([0-9.]+)ms", l).group(1))
for l in open(st + "/c"): add("client", float(l) * 1000)
print("%s: %d uploads, medians in ms:" % (b, n))
print("  " + ", ".join("%s %.1f" % (k, statistics.median(v))
                       for k, v in cols.items()))
PY
done
echo "bench-stages: $(uptime)"
