#!/bin/sh
# bench-scale.sh: an upload's time with the remembered scale against a fresh search
# usage: src/tools/bench-scale.sh [BUILD_DIR] [DATASET_DIR] [REPEATS] [ENGINE]
# Starts lighttpd with one backend of this tree (engine ENGINE, default
# xnnpack-int8) and posts, alternating so both see the same load, the same
# photo to /api/analyze with one fixed microscope id (after the first, the
# remembered and checked scale: docs/api.md) and with a new id each time
# (nothing remembered: a fresh scale search, as before), for two photos:
#   1x    a BCCD 640x480 field (its letterboxed pass is the search's first
#         probe, so a search costs little there)
#   0.5x  a 2x2 mosaic of BCCD fields shrunk to 640x480 (half the
#         magnification: tiles, and a search of several probes)
# Prints per photo and path the medians of the server's timings_ms (scale,
# total) and of the client's time (curl: upload to answer), the ratio
# fresh / remembered, and how many answers said "remembered".  The load
# average is printed before and after: read rows of one run against each
# other, not against another day's.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
top_srcdir=$top
top_builddir=$(cd "${1:-$top/build}" && pwd)
ds=${2:-$top/../shared/datasets/bccd}
reps=${3:-15}
eng=${4:-xnnpack-int8}
export top_srcdir top_builddir
jpg=$ds/BCCD/JPEGImages
[ -f "$jpg/BloodImage_00001.jpg" ] || { echo "bench-scale: no BCCD dataset at $ds" >&2; exit 2; }
gf=$top_builddir/tests/gen-field
[ -x "$gf" ] || { echo "bench-scale: build tests/gen-field first (make check TESTS=)" >&2; exit 2; }
BV_SERVER_PROCS=1
export BV_SERVER_PROCS
. "$top/tests/lib/server.sh"

work=$(mktemp -d /tmp/bv-bench-scale.XXXXXX)
"$gf" mosaic 2 0.5 "$work/half.jpg" "$jpg/BloodImage_00001.jpg" \
    "$jpg/BloodImage_00003.jpg" "$jpg/BloodImage_00004.jpg" \
    "$jpg/BloodImage_00005.jpg" >/dev/null
cp "$jpg/BloodImage_00001.jpg" "$work/one.jpg"

echo "bench-scale: $(uptime)"
echo "bench-scale: 1 backend, engine $eng, $reps requests per photo and path"
BV_EXTRA_CONF="engine = $eng" bv_server_start
trap 'bv_server_stop; rm -rf "$work"' EXIT INT TERM

# post FILE MICROSCOPE >> rows: source scale_ms total_ms client_ms
post() {
	curl -s -o "$work/r.json" -w '%{time_total}\n' -F "image=@$1" \
	    -F "microscope=$2" "$BV_URL/api/analyze" >"$work/c"
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); t=j["timings_ms"]; print(j["scale"]["source"], t["scale"], t["total"], float(open(sys.argv[2]).read()) * 1000)' \
	    "$work/r.json" "$work/c"
}

for p in one half; do
	: >"$work/rem"
	: >"$work/fresh"
	post "$work/$p.jpg" "bench-$p" >/dev/null	# the first search
	i=0
	while [ $i -lt "$reps" ]; do
		post "$work/$p.jpg" "bench-$p" >>"$work/rem"
		post "$work/$p.jpg" "fresh-$p-$i" >>"$work/fresh"
		i=$((i + 1))
	done
	python3 - "$work/rem" "$work/fresh" "$p" <<'PY'
import statistics, sys
def load(f):
    rows = [l.split() for l in open(f) if l.strip()]
    return rows, [statistics.median(float(r[k]) for r in rows) for k in (1, 2, 3)]
rem, mr = load(sys.argv[1])
fr, mf = load(sys.argv[2])
name = {"one": "1x   (BCCD 640x480)", "half": "0.5x (mosaic 640x480)"}[sys.argv[3]]
print("%s remembered: scale %.1f, server %.1f, client %.1f ms (%d of %d remembered)" %
      (name, *mr, sum(r[0] == "remembered" for r in rem), len(rem)))
print("%s fresh:      scale %.1f, server %.1f, client %.1f ms (%d of %d searched)" %
      (name, *mf, sum(r[0] == "auto" for r in fr), len(fr)))
print("%s fresh / remembered: server %.2fx, client %.2fx" %
      (name, mf[1] / mr[1], mf[2] / mr[2]))
PY
done
echo "bench-scale: $(uptime)"
