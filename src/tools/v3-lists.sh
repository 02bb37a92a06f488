#!/bin/sh
# v3-lists.sh: training/validation/test lists for detector v3 (complete labels)
#
# usage: src/tools/v3-lists.sh [DATASETS [BV_CONVERT [OUT]]]
#   (defaults ../shared/datasets, build/bv-convert, work/v3det; run from the
#   repository root).  Writes nothing into the datasets and copies no image:
#   bccd-complete's labels are laid beside symlinks to BCCD's JPEGs.
#
# Sources, each with its cell scale at the 288 reference (red cells ~47 px):
#   bccd-complete  complete boxes for 181 BCCD train/val images (scale 0.45):
#                  its train (124) trains, its val (57) validates;
#   bccd           BCCD train/val images NOT in bccd-complete, BCCD's own
#                  incomplete boxes, marked labels=partial (their boxes are
#                  objects, nothing in them is taught as background);
#   pbc-detect     complete TXL-PBC boxes, border-cut cells now positives
#                  (scale 0.63); the v2 hold-out rule kept (50 images);
# Everything is written under OUT (BCCD converted into OUT/bccd).
#   raabin-detect  350 smartphone photos (RBC median 134 px: scale 0.35),
#                  split by a seeded rule fixed before any training choice:
#                  the 50 smallest sha256("bv-v3-test:" ID) are test, the
#                  next 50 val, the other 250 train.
# BCCD test is never listed except as bccd-test.txt (BCCD's own boxes).
set -eu
DS=${1:-../shared/datasets}
CONVERT=${2:-build/bv-convert}
OUT=${3:-work/v3det}
BCCD_SCALE=0.45
PBC_SCALE=0.63
RAABIN_SCALE=0.35

for d in bccd bccd-complete pbc-detect raabin-detect; do
	[ -d "$DS/$d" ] || { echo "v3-lists: $DS/$d missing" >&2; exit 1; }
done
mkdir -p "$OUT"
DS=$(cd "$DS" && pwd)
OUT=$(cd "$OUT" && pwd)
"$CONVERT" -q "$DS/bccd" "$OUT/bccd"
# pbc-detect: v2's hold-out rule (the 50 train images with the smallest
# sha256("bv-v2-holdout:" NAME)); border-cut cells are truths now.
PBC="$DS/pbc-detect"
while read -r f; do
	[ -n "$f" ] || continue
	h=$(printf 'bv-v2-holdout:%s' "$(basename "$f" .jpg)" | sha256sum | cut -c1-16)
	echo "$h $f"
done < "$PBC/train.txt" | sort | head -n 50 | cut -d' ' -f2 | sort > "$OUT/pbc-holdout.names"
pbc_line() { sed "s|^|$PBC/|; s|\$| scale=$PBC_SCALE|"; }
grep -vxF -f "$OUT/pbc-holdout.names" "$PBC/train.txt" | pbc_line > "$OUT/pbc-train.txt"
pbc_line < "$OUT/pbc-holdout.names" > "$OUT/pbc-holdout.txt"
pbc_line < "$PBC/val.txt" > "$OUT/pbc-val.txt"

# bccd-complete: images/X.jpg -> BCCD's JPEG, labels/X.txt a copy.
BC="$OUT/bccdc"
mkdir -p "$BC/images" "$BC/labels"
BC=$(cd "$BC" && pwd)
for s in train val; do
	: > "$OUT/bccdc-$s.txt"
	while read -r id; do
		[ -n "$id" ] || continue
		ln -sf "$DS/bccd/BCCD/JPEGImages/$id.jpg" "$BC/images/$id.jpg"
		cp "$DS/bccd-complete/labels/$id.txt" "$BC/labels/$id.txt"
		echo "$BC/images/$id.jpg scale=$BCCD_SCALE" >> "$OUT/bccdc-$s.txt"
	done < "$DS/bccd-complete/$s.txt"
done

# BCCD train/val without complete boxes: partial labels.
cat "$DS/bccd-complete/train.txt" "$DS/bccd-complete/val.txt" > "$OUT/bccdc.ids"
grep -vF -f "$OUT/bccdc.ids" "$OUT/bccd/trainval.txt" |
    sed "s|\$| scale=$BCCD_SCALE labels=partial|" > "$OUT/bccd-partial.txt"
sed "s|\$| scale=$BCCD_SCALE|" "$OUT/bccd/test.txt" > "$OUT/bccd-test.txt"

# raabin-detect: seeded split.
RA="$DS/raabin-detect"
while read -r f; do
	[ -n "$f" ] || continue
	id=$(basename "$f" .jpg)
	h=$(printf 'bv-v3-test:%s' "$id" | sha256sum | cut -c1-16)
	echo "$h $RA/$f scale=$RAABIN_SCALE"
done < "$RA/all.txt" | sort | cut -d' ' -f2- > "$OUT/raabin-all.txt"
head -n 50 "$OUT/raabin-all.txt" > "$OUT/raabin-test.txt"
sed -n '51,100p' "$OUT/raabin-all.txt" > "$OUT/raabin-val.txt"
tail -n +101 "$OUT/raabin-all.txt" > "$OUT/raabin-train.txt"

# int8 calibration set for bv-calib (a VOC-like folder of links): 70
# bccd-complete train images, every 4th pbc-detect and raabin-detect train
# image (207 images, every source; training images only).
CAL="$OUT/calib/BCCD"
rm -rf "$OUT/calib"
mkdir -p "$CAL/JPEGImages" "$CAL/ImageSets/Main"
i=0
for f in $( (head -n 70 "$OUT/bccdc-train.txt"; awk 'NR % 4 == 0' "$OUT/pbc-train.txt";
    awk 'NR % 4 == 0' "$OUT/raabin-train.txt") | cut -d' ' -f1); do
	i=$((i + 1))
	n=$(printf 'c%04d' "$i")
	ln -s "$(readlink -f "$f")" "$CAL/JPEGImages/$n.jpg"
	echo "$n" >> "$CAL/ImageSets/Main/train.txt"
done

# Training: bccd-complete twice (the stain the clinics' counts failed on),
# partial BCCD once, PBC and Raabin once.  Validation: the three val lists.
cat "$OUT/bccdc-train.txt" "$OUT/bccdc-train.txt" "$OUT/bccd-partial.txt" \
    "$OUT/pbc-train.txt" "$OUT/raabin-train.txt" > "$OUT/train.txt"
cat "$OUT/bccdc-val.txt" "$OUT/pbc-val.txt" "$OUT/raabin-val.txt" > "$OUT/val.txt"
echo "v3-lists: train $(wc -l < "$OUT/train.txt") (bccd-complete" \
    "$(wc -l < "$OUT/bccdc-train.txt") x2, bccd partial" \
    "$(wc -l < "$OUT/bccd-partial.txt"), pbc $(wc -l < "$OUT/pbc-train.txt")," \
    "raabin $(wc -l < "$OUT/raabin-train.txt")); val bccd-complete" \
    "$(wc -l < "$OUT/bccdc-val.txt"), pbc $(wc -l < "$OUT/pbc-val.txt")," \
    "raabin $(wc -l < "$OUT/raabin-val.txt"); test raabin" \
    "$(wc -l < "$OUT/raabin-test.txt"), pbc hold-out $(wc -l < "$OUT/pbc-holdout.txt")"
