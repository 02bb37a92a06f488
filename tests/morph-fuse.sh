#!/bin/sh
# morph-fuse.sh: rbc-fuse.py's rule on made-up logits and geometry: it ships geometry terms only when val improves
# Two made-up sets, three classes (normal, hypochromia, reject).  In the
# first the logits cannot tell normal from hypochromia and the pallor can:
# the fit must find it, val must improve, and the json written must carry
# a larger pallor slope for hypochromia than for normal.  In the second the
# logits already tell them apart and the pallor is noise: nothing may be
# chosen, the exit is 1 and no file is written.  Each run reads its val
# rows in index order, so a row count that does not match is refused.
set -u

. "$top_srcdir/tests/lib/check.sh"
bv_need python3
n=0
fails=0
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fuse="$top_srcdir/src/tools/rbc-fuse.py"

# make DIR INFORMATIVE: the model json, index, points and logits
make_set() {
	python3 - "$1" "$2" <<'PY'
import json, os, random, sys
d, informative = sys.argv[1], sys.argv[2] == "1"
os.makedirs(d, exist_ok=True)
json.dump({"classes": ["normal", "hypochromia", "reject"],
           "temperature": 1.0, "reject": ["reject"],
           "class_offsets": [0.0, 0.0, 0.0]}, open(f"{d}/m.json", "w"))
rng = random.Random(27)
idx, pts = open(f"{d}/index.csv", "w"), open(f"{d}/points.txt", "w")
logs = {"train": open(f"{d}/train.logits", "w"),
        "val": open(f"{d}/val.logits", "w")}
for i in range(400):
    split = "train" if i < 200 else "val"
    lab = i % 2
    x, y = 10 + i, 20 + i
    idx.write(f"crops/1_{x}_{y}.jpg,{['normal', 'hypochromia'][lab]},"
              f"{split}\n")
    if informative:
        z = [rng.gauss(0, 1), rng.gauss(0, 1), -5.0]
        pal = (0.8 if lab else 0.3) + rng.gauss(0, 0.05)
    else:
        z = [3.0 if lab == 0 else 0.0, 3.0 if lab == 1 else 0.0, -5.0]
        pal = rng.uniform(0, 1)
    logs[split].write(f"{lab} " + " ".join(f"{v:.4f}" for v in z) + "\n")
    pts.write(f"1 {x} {y} {[0, 11][lab]} ok 40.0 {pal:.4f} 1.1 0.3 0.3\n")
PY
}

run() {
	python3 "$fuse" --model "$1/m.json" --data "$1" --points \
	    "$1/points.txt" --train-logits "$1/train.logits" --val-logits \
	    "$1/val.logits" --sets 0 --out "$1/out.json" >"$1/log" 2>&1
}

make_set "$tmp/a" 1
if run "$tmp/a"; then
	ok "informative pallor: a choice is made"
else
	bad "informative pallor: nothing chosen: $(cat "$tmp/a/log")"
fi
python3 -c '
import json, sys
g = json.load(open(sys.argv[1]))["geometry_offsets"]
sys.exit(0 if g["pallor"][1] - g["pallor"][0] > 1 and g["pallor_centre"] == 0.5 else 1)
' "$tmp/a/out.json" 2>/dev/null &&
    ok "the hypochromia pallor slope is above normal's" ||
    bad "geometry_offsets wrong: $(head -c 400 "$tmp/a/out.json" 2>&1)"

make_set "$tmp/b" 0
run "$tmp/b"
rc=$?
[ "$rc" = 1 ] && grep -q "^no choice improves" "$tmp/b/log" &&
    ok "uninformative pallor: exit 1, nothing chosen" ||
    bad "uninformative pallor: exit $rc: $(cat "$tmp/b/log")"
[ ! -e "$tmp/b/out.json" ] && ok "uninformative pallor: no file written" ||
    bad "uninformative pallor: a file was written"

head -n 150 "$tmp/a/val.logits" >"$tmp/a/short" && mv "$tmp/a/short" "$tmp/a/val.logits"
rm -f "$tmp/a/out.json"
run "$tmp/a"
rc=$?
[ "$rc" != 0 ] && [ ! -e "$tmp/a/out.json" ] &&
    grep -q "val rows" "$tmp/a/log" &&
    ok "fewer val logits than val rows: refused" ||
    bad "short logits accepted: exit $rc: $(cat "$tmp/a/log")"

echo "1..$n"
[ "$fails" = 0 ]
