#!/bin/sh
# eval-robustness.sh: mAP@0.5 of a model on a BCCD split under colour and
# scale shifts (hue, darker/brighter, resolution changed by --rescale, and
# magnification changed by --zoom), stain-like optical-density changes
# (--od-gain R,G,B: bluer, redder, heavier, paler), defocus (--blur SIGMA
# px) and JPEG compression (--jpeg Q), against the unshifted run.
# Usage: src/tools/eval-robustness.sh BV_EVAL CFG WEIGHTS NAMES DATASET [SPLIT]
set -eu
bin=$1 cfg=$2 weights=$3 names=$4 ds=$5 split=${6:-test}
run() {
	"$bin" --cfg "$cfg" --weights "$weights" --names "$names" --dataset "$ds" \
		--split "$split" --json "$@" 2>/dev/null |
		sed -n 's/.*"map50":\([0-9.]*\),"ap50":{"RBC":\([0-9.]*\),"WBC":\([0-9.]*\),"Platelets":\([0-9.]*\)}.*/\1 \2 \3 \4/p'
}
base=$(run)
printf '%-22s %7s %7s %7s %7s %7s\n' condition mAP RBC WBC Plt drop
printf '%-22s %7s %7s %7s %7s %7s\n' none $base -
for c in "--hue 20" "--hue -20" "--hue 40" "--gain 0.6" "--gain 1.4" \
	"--rescale 0.7" "--rescale 1.4" "--zoom 0.7" "--zoom 1.4" \
	"--od-gain 0.8,1,1.25" "--od-gain 1.25,1,0.8" "--od-gain 1.3,1.3,1.3" \
	"--od-gain 0.7,0.7,0.7" "--blur 1" "--blur 2" "--jpeg 30" "--jpeg 15"; do
	# shellcheck disable=SC2086
	r=$(run $c)
	set -- $r
	printf '%-22s %7s %7s %7s %7s %7.4f\n' "$c" "$1" "$2" "$3" "$4" \
		"$(echo "$base" | awk -v m="$1" '{ print $1 - m }')"
done
