#!/bin/sh
# eval-cls-shifts.sh: the white-cell classifier's abstention on pbc-cells
# crops shifted in stain and camera (a figure printer for the model card,
# not a test): bv-calib-cls eval on SPLIT (default val) under each shift.
# usage: eval-cls-shifts.sh BUILD_DIR [SPLIT] [MODEL_JSON] [WEIGHTS]
set -u
b=${1:?usage: eval-cls-shifts.sh BUILD_DIR [SPLIT] [MODEL_JSON] [WEIGHTS]}
split=${2:-val}
top=$(cd "$(dirname "$0")/.." && pwd)
m=$top/models
model=${3:-$m/v2-wbc.json}
w=${4:-$m/v2-wbc.weights}
ds=${BV_PBC_CELLS:-$top/../shared/datasets/pbc-cells}
for s in none od:0.8,1,1.25 od:1.25,1,0.8 od:1.3,1.3,1.3 od:0.7,0.7,0.7 \
    wb:1.15,1,0.85 wb:0.85,1,1.15 blur:2 jpeg:30 scale:0.5 od:0.5,1,2; do
	if [ "$s" = none ]; then a=""; else a="--shift $s"; fi
	# shellcheck disable=SC2086
	OPENBLAS_NUM_THREADS=1 "$b/bv-calib-cls" eval --cfg "$m/v2-wbc.cfg" \
	    --weights "$w" --names "$m/v2-wbc.names" --data "$ds" \
	    --split "$split" --model "$model" $a 2>/dev/null | grep -v '^typed as'
done
