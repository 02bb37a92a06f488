#!/bin/sh
# eval-cls.sh: the shipped white-cell classifier on pbc-cells test must reach
# accuracy >= 0.90 (a guard against shipping a broken model, not the target;
# see models/README.md, "Model v2").  Skips until models/v2-wbc.weights exists.
set -u
bin="${top_builddir:-.}/bv-train"
models="${top_srcdir:-.}/models"
ds="${BV_PBC_CELLS:-${top_srcdir:-.}/../shared/datasets/pbc-cells}"
[ -f "$ds/index.csv" ] || { echo "SKIP: pbc-cells not found at $ds"; exit 77; }
[ -x "$bin" ] || { echo "SKIP: $bin not built"; exit 77; }
[ -f "$models/v2-wbc.weights" ] || { echo "SKIP: $models/v2-wbc.weights not shipped yet"; exit 77; }
for f in v2-wbc.cfg v2-wbc.names; do
	[ -f "$models/$f" ] || { echo "ERROR: $models/$f missing"; exit 99; }
done
out=$(OPENBLAS_NUM_THREADS=1 "$bin" classify-eval --cfg "$models/v2-wbc.cfg" \
	--weights "$models/v2-wbc.weights" --names "$models/v2-wbc.names" \
	--data "$ds" --split test --threads 1 2>/dev/null) || {
	echo "ERROR: bv-train classify-eval failed"; exit 99; }
echo "$out"
acc=$(printf '%s\n' "$out" | sed -n 's/.*, accuracy \([0-9.]*\),.*/\1/p')
[ -n "$acc" ] || { echo "ERROR: no accuracy in output"; exit 99; }
if awk -v a="$acc" 'BEGIN { exit !(a >= 0.90) }'; then
	echo "PASS: test accuracy $acc >= 0.90"
	exit 0
fi
echo "FAIL: test accuracy $acc < 0.90"
exit 1
