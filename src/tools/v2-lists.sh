#!/bin/sh
# v2-lists.sh: training/validation/hold-out lists for detector v2
#
# usage: src/tools/v2-lists.sh [DATASETS [BV_CONVERT [OUT]]]
#   (defaults ../shared/datasets, build/bv-convert, work/v2det; run from the
#   repository root).  Writes nothing into the datasets.
#
# The pbc-detect hold-out is fixed by a seeded rule, before any training
# choice: the 50 images of pbc-detect train.txt with the smallest
# sha256("bv-v2-holdout:" NAME).  It is reported on once, at the end.
# Each line carries the image's cell scale at the 288 reference input
# (red cells ~47 px): BCCD 640x480 letterboxed to 288 = 0.45 (RBC median
# ~103 px); PBC 0.63 (RBC median ~74.5 px: 47 / 74.5).  pbc-detect lines
# also carry border=ignore (TXL-PBC boxes every border-cut cell).
# BCCD images without any RBC box (a known defect: RBCs visible but not
# labelled) are left out of the training list only.
set -eu
DS=${1:-../shared/datasets}
CONVERT=${2:-build/bv-convert}
OUT=${3:-work/v2det}
BCCD_SCALE=0.45
PBC_SCALE=0.63
HOLDOUT=50

[ -d "$DS/bccd" ] && [ -d "$DS/pbc-detect" ] || {
	echo "v2-lists: $DS/bccd or $DS/pbc-detect missing" >&2; exit 1; }
mkdir -p "$OUT"
"$CONVERT" -q "$DS/bccd" work/bccd
PBC=$(cd "$DS/pbc-detect" && pwd)

# Hold-out, by the seeded rule.
while read -r f; do
	[ -n "$f" ] || continue
	h=$(printf 'bv-v2-holdout:%s' "$(basename "$f" .jpg)" | sha256sum | cut -c1-16)
	echo "$h $f"
done < "$PBC/train.txt" | sort | head -n "$HOLDOUT" | cut -d' ' -f2 | sort \
	> "$OUT/pbc-holdout.names"

pbc_line() { sed "s|^|$PBC/|; s|\$| scale=$PBC_SCALE border=ignore|"; }
grep -vxF -f "$OUT/pbc-holdout.names" "$PBC/train.txt" | pbc_line \
	> "$OUT/pbc-train.txt"
pbc_line < "$OUT/pbc-holdout.names" > "$OUT/pbc-holdout.txt"
pbc_line < "$PBC/val.txt" > "$OUT/pbc-val.txt"
# The same lists with every box a truth (TXL-PBC's own convention).
for s in holdout val; do
	sed 's| border=ignore||' "$OUT/pbc-$s.txt" > "$OUT/pbc-$s-allboxes.txt"
done

# End-to-end (detector + classifier) lists: pbc-detect images with their
# centred cell's class (pbc-detect index.csv), only those NOT in pbc-cells
# train (all 450 pbc-detect images are also in pbc-cells).
CELLS="$DS/pbc-cells"
if [ -f "$CELLS/index.csv" ]; then
	for s in val holdout; do
		awk -F, -v pbc="$PBC" -v sc="$PBC_SCALE" '
		    FILENAME == ARGV[1] { if (FNR > 1) { n = $1; sub(/.*\//, "", n);
			sub(/\.jpg$/, "", n); split_of[n] = $3 }; next }
		    FILENAME == ARGV[2] { if (FNR > 1) cls[$1] = $3; next }
		    { n = $0; sub(/.*\//, "", n); sub(/\.jpg$/, "", n);
		      if (split_of[n] != "train" && (n in cls))
			print pbc "/images/" n ".jpg scale=" sc " wbc=" cls[n] }' \
		    "$CELLS/index.csv" "$PBC/index.csv" \
		    "$( [ $s = val ] && echo "$PBC/val.txt" || echo "$OUT/pbc-holdout.names")" \
		    > "$OUT/pbc-e2e-$s.txt"
	done
fi

BC=$(cd work/bccd && pwd)
: > "$OUT/bccd-trainval.txt"
nolab=0
while read -r f; do
	lab="$BC/labels/$(basename "$f" .jpg).txt"
	if grep -q '^0 ' "$lab"; then
		echo "$f scale=$BCCD_SCALE" >> "$OUT/bccd-trainval.txt"
	else
		nolab=$((nolab + 1))
	fi
done < "$BC/trainval.txt"
sed "s|\$| scale=$BCCD_SCALE|" "$BC/val.txt" > "$OUT/bccd-val.txt"
sed "s|\$| scale=$BCCD_SCALE|" "$BC/test.txt" > "$OUT/bccd-test.txt"
cat "$OUT/bccd-trainval.txt" "$OUT/pbc-train.txt" > "$OUT/train.txt"
echo "v2-lists: train $(wc -l < "$OUT/train.txt") (BCCD $(wc -l < "$OUT/bccd-trainval.txt"), $nolab without RBC boxes left out; pbc $(wc -l < "$OUT/pbc-train.txt")), pbc val $(wc -l < "$OUT/pbc-val.txt"), pbc hold-out $(wc -l < "$OUT/pbc-holdout.txt"); end-to-end val $(wc -l < "$OUT/pbc-e2e-val.txt" 2>/dev/null), hold-out $(wc -l < "$OUT/pbc-e2e-holdout.txt" 2>/dev/null)"
