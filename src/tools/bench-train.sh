#!/bin/sh
# bench-train.sh: images/s of bv-train (OpenBLAS gemm + faster loops) vs the
# stock `darknet detector train` on the same cfg and data, in one run.
# Usage: src/tools/bench-train.sh BV_TRAIN CFG WORKDIR [ITERS] [BATCH]
#   WORKDIR is bv-convert's output (train.txt, labels/).  Not a test.
set -eu
bvtrain=$1 cfg=$2 work=$3 iters=${4:-3} batch=${5:-16}
case $work in /*) ;; *) work=$(pwd)/$work ;; esac
case $cfg in /*) ;; *) cfg=$(pwd)/$cfg ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
darknet=$(command -v darknet || echo /usr/bin/darknet)

# Stock darknet: a data file, and the cfg with batch and max_batches set.
printf 'classes=3\ntrain=%s/train.txt\nvalid=%s/val.txt\nnames=%s\nbackup=%s\n' \
	"$work" "$work" "$(dirname "$cfg")/bccd.names" "$tmp" > "$tmp/bench.data"
sed -e "s/^batch=.*/batch=$batch/" -e "s/^max_batches=.*/max_batches=$iters/" \
	-e 's/^subdivisions=.*/subdivisions=1/' "$cfg" > "$tmp/stock.cfg"
"$darknet" detector train "$tmp/bench.data" "$tmp/stock.cfg" \
	> "$tmp/stock.log" 2>&1 || { echo "stock darknet failed:"; tail -5 "$tmp/stock.log"; }
# darknet's own per-iteration time: "N: loss, avg, rate, S seconds, I images"
stock=$(awk -v bs="$batch" '/ seconds, [0-9]+ images/ {
	for (i = 1; i <= NF; i++) if ($i == "seconds,") t += $(i - 1); n++ }
	END { if (n) printf "%.2f", n * bs / t; else print "n/a" }' "$tmp/stock.log")

"$bvtrain" --cfg "$cfg" --train "$work/train.txt" --out "$tmp/bv" \
	--batch "$batch" --iters "$iters" --log-every 1 --ckpt-every 100000 \
	--val-every 100000 > "$tmp/bv.log" 2>&1
# bv-train's own figure: images/s over its training loop (images decoded first).
ours=$(awk '/^iter / { for (i = 1; i <= NF; i++) if ($i == "img/s") v = $(i - 1) }
	END { print v }' "$tmp/bv.log")
echo "cfg $cfg, batch $batch, $iters iterations each"
echo "stock darknet detector train: $stock img/s"
echo "bv-train:                     $ours img/s"
