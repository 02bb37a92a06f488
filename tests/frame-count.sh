#!/bin/sh
# frame-count.sh: whole-photo and counting-frame counts on drawn smears with cells cut by every edge
#
# tests/gen-smear --edges draws red cells cut by each edge of the photo;
# /api/analyze counts them with the shipped model.  The truth: every
# drawn red cell for the whole photo (each centre is inside), and for
# the frame the drawn boxes that Gundersen's rule takes with the frame
# the result reports (the same rule as countframe.c: bottom-right corner
# in [x0, x1) x [y0, y1)).  Summed over the smears, both counts must be
# within 5 % of the truth; the frame must be drawn inside the photo, one
# red cell in, with its area; every count carries its interval or says
# why not.  BV_FRAME_SEEDS overrides the seeds (default 1 to 12).
set -u
. "$top_srcdir/tests/lib/server.sh"

. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
gen=$top_builddir/tests/gen-smear
[ -x "$gen" ] || { echo "ERROR: $gen not built"; exit 99; }
field=$top_builddir/tests/gen-field
[ -x "$field" ] || { echo "ERROR: $field not built"; exit 99; }

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"
seeds=${BV_FRAME_SEEDS:-1 2 3 4 5 6 7 8 9 10 11 12}
# one sample holds them all: its estimates must count in the frames
c=$(curl -s -o "$work/sample.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary '{"code":"FRAME-1","age":30,"age_unit":"years","sex":"female"}' \
    "$BV_URL/api/samples")
[ "$c" = 201 ] || { echo "ERROR: create sample -> $c"; exit 99; }
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/sample.json")
for s in $seeds; do
	"$gen" --edges "$s" "$work/e$s.jpg" >"$work/e$s.txt" ||
	    { echo "ERROR: gen-smear $s failed"; exit 99; }
	c=$(curl -s -o "$work/e$s.json" -w '%{http_code}' -F "sample=$sid" \
	    -F "image=@$work/e$s.jpg" "$BV_URL/api/analyze")
	[ "$c" = 200 ] || { echo "not ok - seed $s: $c $(head -c 300 \
	    "$work/e$s.json")"; exit 1; }
	# drawn cells touch more than a monolayer's: a field the quality
	# gate flags poor is put back by a reviewer, as a person would
	rid=$(python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(r["id"] if (r.get("quality") or {}).get("poor") else "")' "$work/e$s.json")
	[ -z "$rid" ] || [ "$(curl -s -o /dev/null -w '%{http_code}' -X PUT \
	    -H 'Content-Type: application/json' --data-binary \
	    '{"include_poor":true,"by":"frame-count"}' \
	    "$BV_URL/api/samples/$sid/results/$rid")" = 200 ] ||
	    { echo "ERROR: include_poor $rid failed"; exit 99; }
done
# the same smear with its scale given: the frame's area in um^2 too
set -- $seeds
c=$(curl -s -o "$work/um.json" -w '%{http_code}' -F "um_per_px=0.075" \
    -F "image=@$work/e$1.jpg" "$BV_URL/api/analyze")
[ "$c" = 200 ] || { echo "not ok - um_per_px upload: $c"; exit 1; }
# a round field stop: four of the smears in an eyepiece's circle
set -- $seeds
[ $# -ge 4 ] || set -- 1 2 3 4
for s in "$1" "$2" "$3" "$4"; do
	[ -f "$work/e$s.jpg" ] || "$gen" --edges "$s" "$work/e$s.jpg" >"$work/e$s.txt"
done
"$field" eyepiece 2 1 1400 1100 "$work/eye.jpg" "$work/e$1.jpg" "$work/e$2.jpg" \
    "$work/e$3.jpg" "$work/e$4.jpg" >"$work/eye.txt" || { echo "ERROR: gen-field"; exit 99; }
c=$(curl -s -o "$work/eye.json" -w '%{http_code}' -F "image=@$work/eye.jpg" "$BV_URL/api/analyze")
[ "$c" = 200 ] || { echo "not ok - eyepiece upload: $c"; exit 1; }
c=$(curl -s -o "$work/summary.json" -w '%{http_code}' "$BV_URL/api/samples/$sid")
[ "$c" = 200 ] || { echo "ERROR: get sample -> $c"; exit 99; }

python3 - "$work" $seeds <<'PY'
import json, sys
work, seeds = sys.argv[1], sys.argv[2:]
fails = n = 0
def ok(cond, what):
    global fails, n
    n += 1
    if not cond:
        fails += 1
    print("%s %d - %s" % ("ok" if cond else "not ok", n, what))

tot = {"whole": [0, 0], "frame": [0, 0]}
for s in seeds:
    r = json.load(open("%s/e%s.json" % (work, s)))
    drawn = [l.split() for l in open("%s/e%s.txt" % (work, s)).read().splitlines()[1:]]
    rbc = [tuple(float(v) for v in d[1:5]) for d in drawn if d[0] == "RBC"]
    f = r["frame"]
    W, H = r["image"]["width"], r["image"]["height"]
    ok(f["valid"] and 0 < f["x0"] < f["x1"] < W and 0 < f["y0"] < f["y1"] < H,
       "seed %s: frame %s,%s-%s,%s inside the %dx%d photo" % (s, f.get("x0"), f.get("y0"), f.get("x1"), f.get("y1"), W, H))
    ok(f["area_px"] == (f["x1"] - f["x0"]) * (f["y1"] - f["y0"]) and f["area_um2"] is None,
       "seed %s: frame area %s px^2, no um^2 without um/px" % (s, f["area_px"]))
    ins = f["inset_px"]
    ok(30 <= ins <= 150 and f["x0"] >= ins - 1 and f["y0"] >= ins - 1,
       "seed %s: inset %s px, about one red cell" % (s, ins))
    # the rule, on the detections the JSON gives and on the drawn boxes
    def counted(x, y, w, h):
        return f["x0"] <= x + w < f["x1"] and f["y0"] <= y + h < f["y1"]
    mine = sum(1 for d in r["detections"] if d["class"] == "RBC" and
               d["confidence"] >= r["thresholds"]["RBC"] and counted(**d["box"]))
    ok(mine == f["counts"]["RBC"], "seed %s: frame count %d recounted from the detections" % (s, mine))
    truth_frame = sum(1 for (x, y, w, h) in rbc if counted(x, y, w, h))
    tot["whole"][0] += r["counts"]["RBC"]; tot["whole"][1] += len(rbc)
    tot["frame"][0] += f["counts"]["RBC"]; tot["frame"][1] += truth_frame
    print("# seed %s: RBC whole %d of %d drawn, frame %d of %d" % (s, r["counts"]["RBC"], len(rbc), f["counts"]["RBC"], truth_frame))
    iv = r["count_intervals"]
    ok(all(k in iv and ("lo" in iv[k] or "unavailable" in iv[k]) for k in r["counts"]),
       "seed %s: every count has its interval or says why not" % s)
    if "lo" in iv["RBC"]:
        ok(iv["RBC"]["lo"] <= iv["RBC"]["centre"] <= iv["RBC"]["hi"], "seed %s: RBC interval ordered" % s)

u = json.load(open("%s/um.json" % work))["frame"]
ok(u["valid"] and abs(u["area_um2"] - u["area_px"] * 0.075 ** 2) <= 0.1,
   "with 0.075 um/px the frame is %s px^2 = %s um^2" % (u["area_px"], u["area_um2"]))

# the round field stop: the largest square inside the stop moved in by the inset
r = json.load(open("%s/eye.json" % work))
f, fov = r["frame"], r["fov"]
ok(fov["shape"] == "circle" and f["valid"] and f["basis"] == "circle",
   "eyepiece photo: field stop found (r %s), frame on the circle rule" % fov.get("r"))
if f.get("valid") and fov["shape"] == "circle":
    room = fov["r"] - f["inset_px"] + 1          # corners are rounded inward to whole px
    corners = [(x, y) for x in (f["x0"], f["x1"]) for y in (f["y0"], f["y1"])]
    ok(all(((x - fov["cx"]) ** 2 + (y - fov["cy"]) ** 2) ** 0.5 <= room for x, y in corners),
       "its corners lie inside the stop moved in by %s px" % f["inset_px"])
    side = (fov["r"] - f["inset_px"]) * 2 ** 0.5
    ok(abs((f["x1"] - f["x0"]) - side) <= 2 or f["x0"] <= f["inset_px"] + 1 or f["x1"] >= r["image"]["width"] - f["inset_px"] - 1,
       "a square of side (r - inset) x sqrt 2 = %.0f px (%s x %s)" % (side, f["x1"] - f["x0"], f["y1"] - f["y0"]))
    mine = sum(1 for d in r["detections"] if d["class"] == "RBC" and
               d["confidence"] >= r["thresholds"]["RBC"] and
               f["x0"] <= d["box"]["x"] + d["box"]["w"] < f["x1"] and f["y0"] <= d["box"]["y"] + d["box"]["h"] < f["y1"])
    ok(mine == f["counts"]["RBC"], "eyepiece frame count %d recounted from the detections" % mine)

# the sample: densities from frame counts over frame areas, each with its interval or why not
sm = json.load(open("%s/summary.json" % work))["summary"]
ok(sm["counting_frame"]["used"] is True and sm["counting_frame"]["fields"] == len(seeds),
   "sample estimates count in the frames of all %d fields" % len(seeds))
res = [json.load(open("%s/e%s.json" % (work, s))) for s in seeds]
eq = [r["frame"]["counts"]["RBC"] * r["frame"]["field_area_px"] / r["frame"]["area_px"] for r in res]
ipf = 20.0; factor = 15000.0      # etc/clinical.json, profile bccd-smear-100x
want = sum(eq) / len(eq) * ipf * factor
e = sm["estimates"]["RBC"]
ok(abs(e["per_ul"] - want) <= 1, "RBC/uL %d = mean frame-equivalent count x 20 x 15000 (%.0f)" % (e["per_ul"], want))
if res[0]["count_error"] is None:
    ok(e["interval95"] is None and e["interval_unavailable"].startswith("Interval unavailable"),
       "no count_error in the model: the interval says it is unavailable")
else:
    iv = e["interval95"]
    ok(iv["lo"] <= iv["centre"] <= iv["hi"] and iv["components"]["cells_counted"] ==
       sum(r["frame"]["counts"]["RBC"] for r in res), "RBC interval %d-%d on the frame counts" % (iv["lo"], iv["hi"]))
    fl = sm["flags"]["RBC"]
    if fl["flag"] in ("low", "high"):
        lim = fl["range_per_ul"][0 if fl["flag"] == "low" else 1]
        ok((iv["hi"] < lim) if fl["flag"] == "low" else (iv["lo"] > lim), "a %s flag only when the interval is beyond the limit" % fl["flag"])
print("# sample: RBC %s /uL, interval %s, flag %s" % (e["per_ul"], e["interval95"] and (e["interval95"]["lo"], e["interval95"]["hi"]), sm["flags"]["RBC"]["flag"]))

for k in ("whole", "frame"):
    got, want = tot[k]
    err = (got - want) / want
    print("# RBC %s: counted %d, drawn %d, %+.1f %%" % (k, got, want, 100 * err))
    ok(abs(err) <= 0.05, "RBC %s-photo count within 5 %% of the drawn truth (%+.1f %%)" % (k, 100 * err))
print("1..%d" % n)
sys.exit(1 if fails else 0)
PY
