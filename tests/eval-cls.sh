#!/bin/sh
# eval-cls.sh: the shipped white-cell classifier on pbc-cells test must reach
# accuracy >= 0.90, and with its abstention rule type >= 90 % of the white
# cells, >= 97 % of them right, <= 2 % confidently wrong (guards against
# shipping a broken model or calibration, not the targets; see
# models/README.md, "Model v2").  Skips until models/v2-wbc.weights exists.
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
if ! awk -v a="$acc" 'BEGIN { exit !(a >= 0.90) }'; then
	echo "FAIL: test accuracy $acc < 0.90"
	exit 1
fi
echo "PASS: test accuracy $acc >= 0.90"

# The abstention rule shipped beside it (models/v2-wbc.json) through the
# server's classifier path: most white cells typed, nearly all of those
# right, few confidently wrong (guards, below the card's figures).
cal="${top_builddir:-.}/bv-calib-cls"
[ -x "$cal" ] && [ -f "$models/v2-wbc.json" ] || {
	echo "SKIP: no bv-calib-cls or models/v2-wbc.json: rule not checked"; exit 0; }
out=$(OPENBLAS_NUM_THREADS=1 "$cal" eval --cfg "$models/v2-wbc.cfg" \
	--weights "$models/v2-wbc.weights" --names "$models/v2-wbc.names" \
	--data "$ds" --split test --model "$models/v2-wbc.json" 2>/dev/null) || {
	echo "ERROR: bv-calib-cls eval failed"; exit 99; }
echo "$out"
line=$(printf '%s\n' "$out" | grep '^typed ')
share=$(printf '%s\n' "$line" | sed -n 's/.*white cells (\([0-9.]*\)).*/\1/p')
right=$(printf '%s\n' "$line" | sed -n 's/.*accuracy among typed \([0-9.]*\),.*/\1/p')
cw=$(printf '%s\n' "$line" | sed -n 's/.*(>= 0.8) \([0-9.]*\) of typed.*/\1/p')
[ -n "$share" ] && [ -n "$right" ] && [ -n "$cw" ] || {
	echo "ERROR: no abstention figures in output"; exit 99; }
if awk -v s="$share" -v r="$right" -v c="$cw" \
    'BEGIN { exit !(s >= 0.90 && r >= 0.97 && c <= 0.02) }'; then
	echo "PASS: typed $share >= 0.90, right among typed $right >= 0.97," \
	    "confidently wrong $cw <= 0.02"
	exit 0
fi
echo "FAIL: typed $share, right among typed $right, confidently wrong $cw"
exit 1
