#!/bin/sh
# eval-model.sh: the shipped model on BCCD test must reach mAP@0.5 >= 0.85
# (a guard against shipping a broken model, not the target; see models/README.md)
set -u
bin="${top_builddir:-.}/bv-eval"
models="${top_srcdir:-.}/models"
ds="${BV_DATASET:-${top_srcdir:-.}/../shared/datasets/bccd}"
[ -d "$ds/BCCD/Annotations" ] || [ -d "$ds/Annotations" ] || { echo "SKIP: dataset not found at $ds"; exit 77; }
[ -x "$bin" ] || { echo "SKIP: $bin not built"; exit 77; }
for f in bccd.cfg bccd.weights bccd.names; do
	[ -f "$models/$f" ] || { echo "ERROR: $models/$f missing"; exit 99; }
done
out=$("$bin" --cfg "$models/bccd.cfg" --weights "$models/bccd.weights" \
	--names "$models/bccd.names" --dataset "$ds" --split test --json 2>/dev/null) || {
	echo "ERROR: bv-eval failed"; exit 99; }
echo "$out"
map=$(printf '%s\n' "$out" | sed -n 's/.*"map50":\([0-9.]*\).*/\1/p')
[ -n "$map" ] || { echo "ERROR: no map50 in output"; exit 99; }
if awk -v m="$map" 'BEGIN { exit !(m >= 0.85) }'; then
	echo "PASS: test mAP@0.5 $map >= 0.85"
	exit 0
fi
echo "FAIL: test mAP@0.5 $map < 0.85"
exit 1
