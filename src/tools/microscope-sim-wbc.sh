#!/bin/sh
# microscope-sim-wbc.sh: a clinic's stain simulated on pbc-cells val: fine-tune the white-cell classifier on its reviewed types, measure before and after
#
# usage: src/tools/microscope-sim-wbc.sh BUILD OUT [N_CHECKED [ITERS [GAINS]]]
#
# No source here has white-cell types from another microscope, so the
# clinic is pbc-cells val (never test) under a stain shift: bv-stain apply
# maps each image to 255 * exp(-g OD) with the optical-density gains
# GAINS ("1.4 0.8 1.0": more red-channel absorbance, less green), which
# the shipped classifier types worse.  Per class, the first N_CHECKED
# (45) crops in index order are "reviewed" (their pbc-cells class is the
# reviewer's type): written, 9 a result, as wbcdata.c writes a saved
# review (RESULT/wbc-types-1.json with microscope "clinic-sim" and the
# crop, the cell's box grown by 0.2 a side: the central 189 px); the
# split sends about a third of them to held-out, so about 30 a class are
# fitted.  The other crops of each class stay unreviewed: both models are
# measured on them too (OUT/other).  bv-adapt cls-prepare (REPLAY_N,
# default 300, pbc-cells train crops replayed), cls-run (ITERS, default
# 300; LR, default 0.001) and cls-evaluate are the steps an admin job
# would run.
# The shifted val images are also in the guard (unshifted pbc-cells val)
# as their originals: the guard is slightly easier for the candidate.
set -eu
build=$(cd "$1" && pwd) out=$2 nchk=${3:-45} iters=${4:-300}
gains=${5:-"1.4 0.8 1.0"}
pbc=${PBC_CELLS:-../shared/datasets/pbc-cells}
[ -f "$pbc/index.csv" ] || { echo "no pbc-cells at $pbc" >&2; exit 77; }
pbc=$(cd "$pbc" && pwd)
mkdir -p "$out"
out=$(cd "$out" && pwd)
m=models/v2-wbc

# the clinic's images: pbc-cells val under the stain shift
awk -F, -v d="$pbc" '$3 == "val" { print d "/" $1 }' "$pbc/index.csv" \
    > "$out/val.txt"
[ -d "$out/shifted/images" ] ||
    "$build/bv-stain" apply "255 255 255 $gains" "$out/val.txt" \
    "$out/shifted" > "$out/stain.log" 2>&1

# reviewed crops (N_CHECKED a class) as saved reviews; the rest "other"
rm -rf "$out/results" "$out/other" "$out/work"
mkdir -p "$out/results" "$out/other"
awk -F, '$3 == "val" { print $1 "," $2 }' "$pbc/index.csv" |
while IFS=, read -r f cls; do
	b=$(basename "$f" .jpg)
	n=$(cat "$out/.n-$cls" 2>/dev/null || echo 0)
	echo $((n + 1)) > "$out/.n-$cls"
	if [ "$n" -lt "$nchk" ]; then
		r="$out/results/$cls-$((n / 9))"
		mkdir -p "$r"
		convert "$out/shifted/images/$b.jpg" -gravity center \
		    -crop 189x189+0+0 +repage "$r/wbc-types-1-$n.jpg"
		echo "$n $cls" >> "$r/cells.txt"
	else
		cp "$out/shifted/images/$b.jpg" "$out/other/$b.jpg"
		echo "$b.jpg,$cls,other" >> "$out/other/index.csv"
	fi
done
rm -f "$out"/.n-*
for r in "$out"/results/*; do
	{
		printf '{"result": "%s", "review_version": 1, "by": "sim",' \
		    "$(basename "$r")"
		printf ' "microscope": "clinic-sim", "cells": ['
		sep=
		while read -r n cls; do
			printf '%s{"crop": "wbc-types-1-%s.jpg", "type": "%s",' \
			    "$sep" "$n" "$cls"
			printf ' "confirmed": true}'
			sep=,
		done < "$r/cells.txt"
		printf ']}\n'
	} > "$r/wbc-types-1.json"
	rm "$r/cells.txt"
done

w=$out/work
"$build/bv-adapt" cls-prepare --results "$out/results" --microscope \
    clinic-sim --names $m.names --pbc "$pbc" --out "$w" \
    --replay-n "${REPLAY_N:-300}" | tee "$out/prepare.txt"
/usr/bin/time -v "$build/bv-adapt" cls-run --work "$w" --bv-train \
    "$build/bv-train" --cfg $m.cfg --weights $m.weights --names $m.names \
    --iters "$iters" --lr "${LR:-0.001}" 2> "$out/run-time.txt"
tail -3 "$w/train.log"
grep -E "Elapsed|Maximum resident" "$out/run-time.txt"
"$build/bv-adapt" cls-evaluate --work "$w" --bv-calib-cls \
    "$build/bv-calib-cls" --cfg $m.cfg --weights $m.weights --model $m.json \
    --names $m.names --pbc "$pbc" | tee "$out/evaluate.txt"
cat "$w/cls-evaluation.json"

# the unreviewed crops of the clinic, both models (not used by the rule)
for t in current candidate; do
	if [ $t = current ]; then wt=$m.weights js=$m.json
	else wt=$w/run/final.weights js=$w/candidate.json; fi
	nice -n 19 "$build/bv-calib-cls" eval --cfg $m.cfg --weights "$wt" \
	    --names $m.names --data "$out/other" --split other --model "$js" \
	    2> /dev/null > "$out/other-$t.txt"
	echo "other crops, $t:"
	grep -E "^crops|^typed" "$out/other-$t.txt"
done
