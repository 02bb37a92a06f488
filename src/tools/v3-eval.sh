#!/bin/sh
# v3-eval.sh: validation figures of a detector candidate (model choice only)
#
# usage: src/tools/v3-eval.sh WEIGHTS [CFG [ENGINE]]   (run from the repository root
#   after src/tools/v3-lists.sh; defaults models/v2.cfg, xnnpack-int8 when
#   WEIGHTS has a .int8 beside it, else xnnpack)
# Prints mAP@0.5 per validation source at the 288 deployment input (every
# box a truth: complete labels) from `bv-train eval`, then `bv-eval --count
# --tune` on the same lists: the thresholds that make counts unbiased, the
# count-error model fitted at them, and per source the bias, the share of
# fields within 10 % and 20 %, and the 95 % interval's coverage.  Only
# validation lists: test is reported once, by hand, at the end.
set -eu
W=$1
CFG=${2:-models/v2.cfg}
ENGINE=${3:-}
L=work/v3det
if [ -z "$ENGINE" ]; then
	if [ -f "${W%.weights}.int8" ]; then ENGINE=xnnpack-int8; else ENGINE=xnnpack; fi
fi
nice -n 5 ${BV_BUILD:-build}/bv-train eval --cfg "$CFG" --weights "$W" --scale-ref 288 \
    --threads 1 --val $L/bccdc-val.txt --val $L/pbc-val.txt --val $L/raabin-val.txt \
    2>/dev/null | grep -v '^#'
nice -n 5 ${BV_BUILD:-build}/bv-eval --count --cfg "$CFG" --weights "$W" --names models/bccd.names \
    --engine "$ENGINE" --threads 1 --tune --list bccd-complete=$L/bccdc-val.txt \
    --list pbc=$L/pbc-val.txt --list raabin=$L/raabin-val.txt 2>&1 | grep -v '^ *[0-9]* \(conv\|yolo\|route\|upsample\)\|^layer\|^Loading'
