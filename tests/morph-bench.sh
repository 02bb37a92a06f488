#!/bin/sh
# morph-bench.sh: what red-cell morphology costs per 640x480 field, as a share of the whole analysis (issue 27)
# A benchmark, not a test (not in TESTS): run it with
#   make check TESTS=tests/morph-bench.sh   (N fields: MORPH_BENCH_N=20)
# It posts N fields (BCCD, or drawn by gen-smear; MORPH_BENCH_DIR=a folder
# of JPEGs instead) to /api/analyze and
# prints the medians of the result's morphology "ms", of timings_ms
# "total", and of their ratio per field, all from the same server run.
set -u

. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
. "$top_srcdir/tests/lib/images.sh"
echo "# images: $(bv_test_images)"
. "$top_srcdir/tests/lib/server.sh"

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"
i=1
while [ "$i" -le "${MORPH_BENCH_N:-20}" ]; do
	if [ -n "${MORPH_BENCH_DIR:-}" ]; then
		# thin smears with many whole cells, e.g. ../shared/datasets/chula-rbc/images
		img=$(ls "$MORPH_BENCH_DIR"/*.jpg | sed -n "$((i * 7))p")
		[ -f "$img" ] || exit 99
	else
		img=$(bv_test_image $((i * 7))) || exit 99
	fi
	curl -s -o "$work/r$i.json" -F "image=@$img" "$BV_URL/api/analyze"
	i=$((i + 1))
done
python3 - "$work"/r*.json <<'PY'
import json, statistics, sys
m, c, t, r, x, n, k, tp = [], [], [], [], [], [], [], []
for f in sys.argv[1:]:
    j = json.load(open(f))
    if "morphology" not in j:
        continue
    mo = j["morphology"]
    m.append(mo["ms"]); c.append(mo.get("classes_ms", 0))
    t.append(j["timings_ms"]["total"])
    r.append((m[-1] + c[-1]) / t[-1]); n.append(mo["measured"])
    # the whole analysis against the same analysis without morphology
    x.append(t[-1] / max(1e-9, t[-1] - m[-1] - c[-1]))
    k.append((mo.get("classes") or {}).get("classified", 0))
    tp.append((mo.get("classes") or {}).get("typical_px") or 0)
print("fields %d  geometry ms median %.2f  classes ms median %.2f  analysis "
      "total ms median %.1f  morphology share median %.4f (max %.4f)  "
      "total / total without morphology median %.3f (max %.3f)  cells "
      "measured median %g, classified median %g, typical red cell median %.1f px" % (len(m),
      statistics.median(m), statistics.median(c), statistics.median(t),
      statistics.median(r), max(r), statistics.median(x), max(x),
      statistics.median(n), statistics.median(k), statistics.median(tp)))
PY
