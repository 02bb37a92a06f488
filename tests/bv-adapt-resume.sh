#!/bin/sh
# bv-adapt-resume.sh: bv-adapt prepares a microscope's checked fields (labels = what the review left, split by content) and a run killed midway resumes to the same weights as an uninterrupted one
# Nine drawn smears from microscope "bench-2", each reviewed (least
# confident counted red cell deleted) and marked checked.  bv-adapt
# prepare must write one image and one YOLO label file per field whose
# boxes are the reviewed ones, and a 6 / 3 split.  Then a tiny run (4
# iterations, batch 2) twice: straight through, and stopped at 2 (a
# checkpoint, as a kill leaves) and run again; final weights must be the
# same bytes, and status.json must say done.
set -u

. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
gen=${top_builddir:?}/tests/gen-smear
adapt=$top_builddir/bv-adapt
train=$top_builddir/bv-train
for x in "$gen" "$adapt" "$train"; do
	[ -x "$x" ] || { echo "ERROR: $x not built"; exit 99; }
done
. "$top_srcdir/tests/lib/server.sh"
work=$(mktemp -d /tmp/bv-adapt.XXXXXX)
trap 'bv_server_stop; rm -rf "$work"' EXIT INT TERM


bv_server_start
for s in 1 2 3 4 5 6 7 8 9; do
	"$gen" "$s" "$work/smear$s.jpg" >/dev/null || exit 99
	curl -s -o "$work/r$s.json" -F "image=@$work/smear$s.jpg" -F microscope=bench-2 \
	    "$BV_URL/api/analyze"
	id=$(json "$work/r$s.json" 'j["id"]')
	k=$(json "$work/r$s.json" 'min((d["confidence"], k) for k, d in enumerate(j["detections"]) if d["class"] == "RBC" and d["confidence"] >= j["thresholds"]["RBC"])[1]')
	c=$(curl -s -o "$work/rv" -w '%{http_code}' -X PUT -H 'Content-Type: application/json' \
	    --data-binary "{\"version\":0,\"by\":\"t\",\"checked\":true,\"changes\":[{\"op\":\"delete\",\"detection\":$k}]}" \
	    "$BV_URL/api/results/$id/review")
	[ "$c" = 200 ] || bad "review $s -> $c"
done
model=$(json "$work/r1.json" 'j["model"]["name"]')
cfg=$top_srcdir/models/$model.cfg
weights=$top_srcdir/models/$model.weights
[ -f "$cfg" ] && [ -f "$weights" ] || { echo "SKIP: $cfg or its weights missing"; exit 77; }

"$adapt" prepare --results "$BV_RESULTS" --microscope bench-2 --model "$model" \
    --names "$top_srcdir/models/bccd.names" --out "$work/a" --repeat 2 --seed 26 > "$work/prep.out" 2>&1
[ "$(wc -l < "$work/a/fit.txt") $(wc -l < "$work/a/held.txt") $(wc -l < "$work/a/train.txt")" = "6 3 12" ] &&
    ok "prepare: 6 fit, 3 held out, 12 training lines ($(cat "$work/prep.out"))" ||
    bad "prepare: $(cat "$work/prep.out"); $(wc -l "$work/a"/*.txt)"
# each label file holds the reviewed boxes: counted cells less the deleted one
python3 - "$work" <<'PY' && ok "labels: the boxes the review left, in YOLO form" || bad "labels"
import glob, json, os, sys
w = sys.argv[1]
want = []
for s in range(1, 10):
    r = json.load(open('%s/r%d.json' % (w, s)))
    want.append(sum(1 for d in r['detections'] if d['confidence'] >= r['thresholds'][d['class']]) - 1)
got = []
for f in glob.glob(w + '/a/labels/*.txt'):
    rows = [l.split() for l in open(f)]
    assert all(len(x) == 5 and 0 <= float(x[1]) <= 1 and 0 < float(x[3]) <= 1 for x in rows), f
    got.append(len(rows))
assert sorted(got) == sorted(want), (sorted(got), sorted(want))
PY
# bv-train's detector training leaks at exit under LeakSanitizer
# (traindet_train's allocations, found 7 Dec 2026), which fails the run
# there; the sanitizer pass keeps the checks above and skips the runs.
if grep -q __asan_init "$train" 2>/dev/null; then
	echo "# bv-train is built with AddressSanitizer: the training runs are skipped"
	echo "1..$n"
	[ "$fails" = 0 ]
	exit
fi
cp -r "$work/a" "$work/b"
sed "s#$work/a/#$work/b/#" "$work/a/train.txt" > "$work/b/train.txt"
sed "s#$work/a/#$work/b/#" "$work/a/held.txt" > "$work/b/held.txt"

run() {	# run WORK [--stop-at N]
	w=$1; shift
	"$adapt" run --work "$w" --bv-train "$train" --cfg "$cfg" --weights "$weights" \
	    --iters 4 --batch 2 --seed 26 "$@" -- --ckpt-every 1 --val-every 1000 \
	    --warmup 1 --log-every 1 --mosaic 0 >> "$w/adapt.out" 2>&1
}
run "$work/a"
[ "$(json "$work/a/status.json" '(j["state"], j["iter"], j["iters"])')" = "('done', 4, 4)" ] &&
    ok "uninterrupted run: status done at 4 of 4" || bad "run a: $(cat "$work/a/status.json" "$work/a/train.log" | tail -5)"
run "$work/b" --stop-at 2
[ "$(json "$work/b/status.json" 'j["iter"]')" = 2 ] && [ ! -f "$work/b/run/final.weights" ] &&
    ok "stopped at iteration 2 with a checkpoint" || bad "stop: $(cat "$work/b/status.json"; tail -3 "$work/b/train.log")"
run "$work/b"
grep -q "resumed at iteration 2" "$work/b/train.log" && ok "the second run resumed at 2" || bad "no resume: $(tail -3 "$work/b/train.log")"
cmp -s "$work/a/run/final.weights" "$weights" &&
    bad "training left the weights as they were" || ok "training changed the weights"
cmp -s "$work/a/run/final.weights" "$work/b/run/final.weights" &&
    ok "resumed weights = uninterrupted weights (byte for byte)" || bad "final weights differ"
echo "1..$n"
[ "$fails" = 0 ]
