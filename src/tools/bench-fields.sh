#!/bin/sh
# bench-fields.sh: end-to-end server time for photos of three sizes
# usage: src/tools/bench-fields.sh [BUILD_DIR] [DATASET_DIR] [REPEATS]
# Starts two servers (lighttpd + one backend each) on loopback from this
# tree: one as shipped (automatic scale, tiles), one with auto_scale = 0
# (the single letterboxed pass of earlier releases, the reference), and
# posts, alternating between them so both see the same machine load:
#   640x480    a BCCD image
#   2560x1920  a 4x4 mosaic of BCCD test images at their own scale
#   4032x3024  the mosaic enlarged 1.5x inside a dark circular stop (JPEG)
# Prints per size the median server time (result.json timings_ms.total)
# and client time (curl, upload included), and for 640x480 the ratio of
# the shipped path to the reference.  BV_BENCH_CONF (e.g. "engine =
# darknet") is added to both servers' bloodview.conf.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
top_srcdir=$top
top_builddir=$(cd "${1:-$top/build}" && pwd)
ds=${2:-$top/../shared/datasets/bccd}
reps=${3:-9}
export top_srcdir top_builddir
jpg=$ds/BCCD/JPEGImages
list=$ds/BCCD/ImageSets/Main/test.txt
[ -f "$list" ] || { echo "bench-fields: no BCCD dataset at $ds" >&2; exit 2; }
gf=$top_builddir/tests/gen-field
[ -x "$gf" ] || { echo "bench-fields: build tests/gen-field first (make check TESTS=)" >&2; exit 2; }
. "$top/tests/lib/server.sh"

work=$(mktemp -d /tmp/bv-bench.XXXXXX)
imgs=$(head -n 16 "$list" | sed "s|.*|$jpg/&.jpg|")
one=$(echo "$imgs" | head -n 1)
"$gf" mosaic 4 1 "$work/2560.jpg" $imgs >/dev/null
"$gf" eyepiece 4 1.5 4032 3024 "$work/4032.jpg" $imgs >/dev/null
cp "$one" "$work/640.jpg"

# the reference server first, kept running under its own state
BV_EXTRA_CONF="auto_scale = 0
${BV_BENCH_CONF:-}" bv_server_start
trap - EXIT INT TERM
ref_url=$BV_URL ref_state=$BV_STATE ref_pid=$BV_LIGHTTPD_PID
BV_LIGHTTPD_PID=
BV_EXTRA_CONF="${BV_BENCH_CONF:-}" bv_server_start
trap 'bv_server_stop; kill $ref_pid 2>/dev/null; rm -rf "$ref_state" "$work"' EXIT INT TERM

post() { # url file -> "server_ms client_s"
	curl -s -o "$work/r.json" -w '%{time_total}\n' -F "image=@$2" "$1/api/analyze" >"$work/t"
	python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["timings_ms"]["total"], open(sys.argv[2]).read().strip())' \
	    "$work/r.json" "$work/t"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# warm both backends
post "$ref_url" "$work/640.jpg" >/dev/null
post "$BV_URL" "$work/640.jpg" >/dev/null
: >"$work/640.new"; : >"$work/640.ref"; : >"$work/640.newc"; : >"$work/640.refc"
i=0
while [ $i -lt "$reps" ]; do
	set -- $(post "$BV_URL" "$work/640.jpg"); echo "$1" >>"$work/640.new"; echo "$2" >>"$work/640.newc"
	set -- $(post "$ref_url" "$work/640.jpg"); echo "$1" >>"$work/640.ref"; echo "$2" >>"$work/640.refc"
	i=$((i + 1))
done
for size in 2560 4032; do
	: >"$work/$size.new"; : >"$work/$size.newc"
	i=0
	while [ $i -lt "$reps" ]; do
		set -- $(post "$BV_URL" "$work/$size.jpg"); echo "$1" >>"$work/$size.new"; echo "$2" >>"$work/$size.newc"
		i=$((i + 1))
	done
done
engine=$(curl -s "$BV_URL/api/model" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("engine", "darknet"))')
echo "bench-fields: $reps requests per row, medians, $(nproc) CPUs, one backend, threads = 1, engine $engine"
printf '%-28s %12s %12s\n' "photo" "server ms" "client ms"
for row in "640:640x480 (shipped path)" "640r:640x480 (reference)" "2560:2560x1920 mosaic" "4032:4032x3024 eyepiece"; do
	key=${row%%:*} name=${row#*:}
	case $key in
	640r) s=$(median <"$work/640.ref"); c=$(median <"$work/640.refc") ;;
	*) s=$(median <"$work/$key.new"); c=$(median <"$work/$key.newc") ;;
	esac
	printf '%-28s %12.1f %12.1f\n' "$name" "$s" "$(echo "$c" | awk '{ print $1 * 1000 }')"
done
awk -v a="$(median <"$work/640.new")" -v b="$(median <"$work/640.ref")" \
    'BEGIN { printf "640x480 shipped / reference server time: %.3f\n", a / b }'
