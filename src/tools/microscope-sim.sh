#!/bin/sh
# microscope-sim.sh: a clinic's microscope simulated on raabin-detect: check 30 fields through the API, adapt, measure the rest with bv-eval --count
#
# usage: src/tools/microscope-sim.sh BUILD OUT [N_CHECKED [SEED]]
#
# The shipped detector (models/v2.*, v2.1) never saw raabin-detect
# (models/README.md), so raabin-detect stands for a clinic's microscope.
# A fixed seeded choice of N_CHECKED (30) of its 350 fields is uploaded to
# a real server (lighttpd + the backend, tests/lib/server.sh) with
# microscope=raabin-sim, and each is reviewed from its labels as a
# technician would (a counted box that matches a labelled cell of its
# class at IoU >= 0.5 stays, one matching a cell of another class is
# reclassified, the rest deleted, every labelled cell left over added)
# and saved with "checked": true.  Then POST /api/microscopes/raabin-sim/
# adapt chooses and checks the thresholds (step a), and bv-eval --count
# measures the other fields at the shipped thresholds and at the
# adopted ones, on the server's engine (xnnpack-int8).  Everything lands
# in OUT: lists, each API answer, both bv-eval tables.
# Step (c), when FINETUNE_ITERS (default 300) > 0: bv-adapt prepares the
# 30 checked fields (the reviewed boxes, the same content-keyed split) and
# fine-tunes v2.1 from them at nice 19 with a seeded replay of its own
# training lists (work/v2det: BCCD train+val, pbc-detect train), under
# /usr/bin/time -v (peak memory); bv-train eval gives mAP/AP of before and
# after on the other fields, the held-out checked fields and the shipped
# validation lists, and `bv-adapt evaluate` (the admin job's own step)
# measures both models, decides by micadapt_model_decide() and records the
# decision as a version of raabin-sim (OUT/adapt/evaluation.json; an
# adopted model would then count raabin-sim's uploads).
set -eu
build=$(cd "$1" && pwd) out=$2 nchk=${3:-30} seed=${4:-26}
top_srcdir=$(cd "$(dirname "$0")/../.." && pwd)
top_builddir=$build
export top_srcdir top_builddir
ds=${BV_DATASET:-$top_srcdir/../shared/datasets}/raabin-detect
[ -f "$ds/all.txt" ] || { echo "SKIP: $ds not found"; exit 77; }
mkdir -p "$out"
out=$(cd "$out" && pwd)
mic=raabin-sim

python3 - "$ds" "$out" "$nchk" "$seed" <<'PY'
import os, random, sys
ds, out, n, seed = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
imgs = [l.split()[0] for l in open(os.path.join(ds, 'all.txt')) if l.strip()]
imgs = [p if os.path.isabs(p) else os.path.join(ds, p) for p in imgs]
imgs.sort()
chk = set(random.Random(seed).sample(imgs, n))
with open(os.path.join(out, 'checked.txt'), 'w') as f:
    f.writelines(p + '\n' for p in imgs if p in chk)
with open(os.path.join(out, 'rest.txt'), 'w') as f:
    f.writelines(p + '\n' for p in imgs if p not in chk)
PY
echo "checked $(wc -l < "$out/checked.txt") fields, measuring on $(wc -l < "$out/rest.txt")"

. "$top_srcdir/tests/lib/server.sh"
# the clinic runs v2.1, the model that never saw raabin-detect (the
# server's default is now v3, trained with part of it)
BV_MODEL=v2
export BV_MODEL
bv_server_start
i=0
while read -r img; do
	i=$((i + 1))
	curl -s -o "$out/r$i.json" -F "image=@$img" -F "microscope=$mic" \
	    "$BV_URL/api/analyze"
	python3 - "$img" "$out/r$i.json" "$out/rv$i.json" <<'PY'
import json, os, sys
img, rpath, out = sys.argv[1:4]
r = json.load(open(rpath))
W, H = r['image']['width'], r['image']['height']
names = ['RBC', 'WBC', 'Platelets']
lab = os.path.join(os.path.dirname(os.path.dirname(img)), 'labels',
                   os.path.splitext(os.path.basename(img))[0] + '.txt')
cells = []
for l in open(lab):
    v = l.split()
    if len(v) < 5:
        continue
    c, cx, cy, w, h = int(v[0]), *map(float, v[1:5])
    cells.append((names[c], (cx - w / 2) * W, (cy - h / 2) * H, w * W, h * H))
def iou(a, b):
    ix = min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])
    iy = min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1])
    if ix <= 0 or iy <= 0:
        return 0
    i = ix * iy
    return i / (a[2] * a[3] + b[2] * b[3] - i)
thr = r['thresholds']
dets = [(k, d) for k, d in enumerate(r['detections'])
        if d['confidence'] >= thr[d['class']]]
dets.sort(key=lambda kd: -kd[1]['confidence'])
used, changes, done = set(), [], set()
for same in (True, False):
    for k, d in dets:
        if k in done:
            continue
        b = d['box']; db = (b['x'], b['y'], b['w'], b['h'])
        best, bo = None, 0.5
        for j, c in enumerate(cells):
            if j in used or (c[0] == d['class']) != same:
                continue
            o = iou(db, c[1:])
            if o >= bo:
                best, bo = j, o
        if best is None:
            continue
        used.add(best); done.add(k)
        if not same:
            changes.append({'op': 'reclassify', 'detection': k,
                            'class': cells[best][0]})
for k, d in dets:
    if k not in done:
        changes.append({'op': 'delete', 'detection': k})
fov = r.get('fov') or {}
def in_fov(x, y):
    if fov.get('shape') == 'circle':
        return (x - fov['cx']) ** 2 + (y - fov['cy']) ** 2 <= fov['r'] ** 2
    if fov.get('shape') == 'rect':
        return fov['x'] <= x <= fov['x'] + fov['w'] and fov['y'] <= y <= fov['y'] + fov['h']
    return True
skipped = 0
for j, c in enumerate(cells):
    if j not in used:
        x, y = max(0, c[1]), max(0, c[2])
        w, h = min(W, c[1] + c[3]) - x, min(H, c[2] + c[4]) - y
        if w >= 1 and h >= 1 and not in_fov(x + w / 2, y + h / 2):
            skipped += 1
        elif w >= 1 and h >= 1:
            changes.append({'op': 'add', 'class': c[0],
                            'box': {'x': x, 'y': y, 'w': w, 'h': h}})
if skipped:
    print('%s: %d labelled cells outside the field of view, not added' % (os.path.basename(img), skipped))
json.dump({'version': 0, 'by': 'microscope-sim', 'checked': True,
           'changes': changes}, open(out, 'w'))
PY
	id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$out/r$i.json")
	code=$(curl -s -o "$out/rvans$i.json" -w '%{http_code}' -X PUT \
	    -H 'Content-Type: application/json' -H "Origin: $BV_URL" \
	    --data-binary "@$out/rv$i.json" "$BV_URL/api/results/$id/review")
	[ "$code" = 200 ] || { echo "review $i: $code"; cat "$out/rvans$i.json"; }
done < "$out/checked.txt"
curl -s -o "$out/before.json" "$BV_URL/api/microscopes/$mic"
curl -s -o "$out/adapt.json" -X POST -H "Origin: $BV_URL" \
    -H "Content-Type: application/json" --data-binary "{}" \
    "$BV_URL/api/microscopes/$mic/adapt"
# step (c) needs the checked fields on disk: keep the server's state
BV_KEEP_STATE=1 bv_server_stop || true
echo "$BV_RESULTS" > "$out/results-dir.txt"
python3 - "$out" <<'PY'
import json, sys
out = sys.argv[1]
b, a = json.load(open(out + '/before.json')), json.load(open(out + '/adapt.json'))
print('checked fields used:', b.get('fields'))
for c, m in b['measured']['classes'].items():
    print('  %-9s at %.3f: bias %s sd %s recall %s precision %s (reviewed %d)' % (
        c, m['threshold'], m['bias'], m['sd'], m['recall'], m['precision'], m['reviewed']))
t = a['tried']
v = a['versions'][t['version'] - 1]
print('adaptation v%d adopted=%s (fit %d, held out %d):' % (t['version'], t['adopted'], v['fields'] - v['held_out'], v['held_out']))
for c, m in v['classes'].items():
    print('  %-9s was %.3f chosen %.3f tried=%s adopted=%s held-out bias %s -> %s (%d cells)' % (
        c, m['was'], m['chosen'], m['tried'], m['adopted'], m['held_bias_before'], m['held_bias_after'], m['held_cells']))
with open(out + '/thresholds.txt', 'w') as f:
    th = a['thresholds']
    f.write('--thresh-rbc %s --thresh-wbc %s --thresh-plt %s\n' % (th['RBC'], th['WBC'], th['Platelets']))
PY
m=$top_srcdir/models
ev() {
	nice -n 19 "$build/bv-eval" --count --cfg "$m/v2.cfg" --weights "$m/v2.weights" \
	    --names "$m/bccd.names" --model-json "$m/v2.json" --engine xnnpack-int8 \
	    --threads 1 "$@" --list "raabin-rest=$out/rest.txt"
}
echo "== the rest at the shipped thresholds"
ev > "$out/eval-shipped.txt"
cat "$out/eval-shipped.txt"
echo "== the rest at the adopted thresholds: $(cat "$out/thresholds.txt")"
# shellcheck disable=SC2046
ev $(cat "$out/thresholds.txt") > "$out/eval-adapted.txt"
cat "$out/eval-adapted.txt"

# ---- step (c): fine-tuning (bv-adapt) ------------------------------------
iters=${FINETUNE_ITERS:-300}
[ "$iters" -gt 0 ] || exit 0
res=$(cat "$out/results-dir.txt")
v2=$top_srcdir/work/v2det
cat "$v2/bccd-trainval.txt" "$v2/pbc-train.txt" > "$out/replay.txt"
t0=$(date +%s)
"$build/bv-adapt" prepare --results "$res" --microscope "$mic" --model v2 \
    --names "$m/bccd.names" --out "$out/adapt" --scale 0.35 --repeat 3 \
    --replay "$out/replay.txt" --replay-n 60 --seed "$seed"
/usr/bin/time -v -o "$out/adapt-time.txt" "$build/bv-adapt" run --work "$out/adapt" \
    --bv-train "$build/bv-train" --cfg "$m/v2-train.cfg" --weights "$m/v2.weights" \
    --iters "$iters" --batch 8 --seed "$seed" -- --lr 0.0005 --lr-final 0.00005 \
    --warmup 20 --ckpt-every 50 --val-every 100000 --log-every 10 --scale-ref 288
t1=$(date +%s)
echo "fine-tune: $((t1 - t0)) s wall, peak RSS $(grep 'Maximum resident' "$out/adapt-time.txt")"
new=$out/adapt/run/final.weights
bte() {	# bte WEIGHTS LIST
	nice -n 19 "$build/bv-train" eval --cfg "$m/v2.cfg" --weights "$1" --list "$2" \
	    --scale-ref 288 --threads 1 2>&1 | tail -4
}
sed 's/$/ scale=0.35/' "$out/rest.txt" > "$out/rest-scaled.txt"
for w in "$m/v2.weights" "$new"; do
	echo "== $w"
	echo "-- the other raabin fields"; bte "$w" "$out/rest-scaled.txt"
	echo "-- held-out checked fields"; bte "$w" "$out/adapt/held.txt"
	echo "-- shipped: bccd val"; bte "$w" "$v2/bccd-val.txt"
	echo "-- shipped: pbc val"; bte "$w" "$v2/pbc-val-allboxes.txt"
done > "$out/eval-finetune.txt"
cat "$out/eval-finetune.txt"
echo "== the rest, fine-tuned model, at the shipped thresholds"
nice -n 19 "$build/bv-eval" --count --cfg "$m/v2.cfg" --weights "$new" \
    --names "$m/bccd.names" --model-json "$m/v2.json" --engine xnnpack-int8 \
    --threads 1 --list "raabin-rest=$out/rest.txt" > "$out/eval-finetuned.txt"
cat "$out/eval-finetuned.txt"
echo "== bv-adapt evaluate: adopt or refuse (the admin job's step)"
printf '%s\n' "$v2/bccd-val.txt" "$v2/pbc-val-allboxes.txt" > "$out/val-lists.txt"
nice -n 19 "$build/bv-adapt" evaluate --work "$out/adapt" --results "$res" \
    --microscope "$mic" --model v2 --names "$m/bccd.names" --cfg "$m/v2.cfg" \
    --weights "$m/v2.weights" --info "$m/v2.json" --bv-train "$build/bv-train" \
    --bv-eval "$build/bv-eval" --val-lists "$out/val-lists.txt"
cat "$out/adapt/evaluation.json"
