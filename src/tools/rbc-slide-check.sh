#!/bin/sh
# rbc-slide-check.sh: analyse chula-rbc photos through a local server and keep each result's JSON (the elliptocyte slide check)
# usage: src/tools/rbc-slide-check.sh BUILDDIR OUTDIR [PHOTO-NUMBER...]
#   (default photos: 707-738, the elliptocyte slide; 1-22, densely labelled; 40-49, ovalocytes)
# then: python3 src/tools/rbc-slide-check.py OUTDIR
# Run from the source tree; needs lighttpd and curl (tests/lib/server.sh).
# A photo whose JSON is already in OUTDIR is skipped, so a rerun resumes.
set -u
[ $# -ge 2 ] || { echo "usage: $0 BUILDDIR OUTDIR [PHOTO...]" >&2; exit 2; }
top_builddir=$(cd "$1" && pwd) || exit 2
top_srcdir=$(pwd)
export top_srcdir top_builddir
out=$2
shift 2
[ $# -gt 0 ] || set -- $(seq 707 738) $(seq 1 22) $(seq 40 49)
data=${BV_DATASET_DIR:-$top_srcdir/../shared/datasets/chula-rbc}
[ -d "$data/images" ] || { echo "$data/images: not found" >&2; exit 2; }
mkdir -p "$out" || exit 2
. "$top_srcdir/tests/lib/server.sh"
bv_server_start
rc=0
for n in "$@"; do
	[ -s "$out/$n.json" ] && continue
	[ -f "$data/images/$n.jpg" ] || continue	# the dataset skips some numbers
	c=$(curl -s -o "$out/$n.json.tmp" -w '%{http_code}' \
	    -F "image=@$data/images/$n.jpg" "$BV_URL/api/analyze")
	if [ "$c" = 200 ]; then
		mv "$out/$n.json.tmp" "$out/$n.json"
	else
		echo "photo $n: HTTP $c $(head -c 200 "$out/$n.json.tmp")" >&2
		rm -f "$out/$n.json.tmp"
		rc=1
	fi
done
exit $rc
