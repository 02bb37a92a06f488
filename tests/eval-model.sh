#!/bin/sh
# eval-model.sh: each shipped detector (v1 models/bccd.*, v2 models/v2.*) on
# BCCD test must reach mAP@0.5 >= 0.88 (a guard against shipping a broken
# model, not the target; see models/README.md). Skips (77) without BCCD.
set -u
bin="${top_builddir:-.}/bv-eval"
models="${top_srcdir:-.}/models"
ds="${BV_DATASET:-${top_srcdir:-.}/../shared/datasets/bccd}"
floor=0.88
[ -d "$ds/BCCD/Annotations" ] || [ -d "$ds/Annotations" ] || { echo "SKIP: dataset not found at $ds"; exit 77; }
[ -x "$bin" ] || { echo "SKIP: $bin not built"; exit 77; }
rc=0
for m in bccd v2; do
	for f in "$m.cfg" "$m.weights" bccd.names; do
		[ -f "$models/$f" ] || { echo "ERROR: $models/$f missing"; exit 99; }
	done
	out=$("$bin" --cfg "$models/$m.cfg" --weights "$models/$m.weights" \
		--names "$models/bccd.names" --dataset "$ds" --split test \
		--threads 1 --json 2>/dev/null) || { echo "ERROR: bv-eval failed on $m"; exit 99; }
	echo "$m: $out"
	map=$(printf '%s\n' "$out" | sed -n 's/.*"map50":\([0-9.]*\).*/\1/p')
	[ -n "$map" ] || { echo "ERROR: no map50 in the output for $m"; exit 99; }
	if awk -v m="$map" -v f="$floor" 'BEGIN { exit !(m >= f) }'; then
		echo "PASS: $m test mAP@0.5 $map >= $floor"
	else
		echo "FAIL: $m test mAP@0.5 $map < $floor"
		rc=1
	fi
done
exit $rc
