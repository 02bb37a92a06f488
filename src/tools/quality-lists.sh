#!/bin/sh
# quality-lists.sh: the picture lists bv-quality measures: smear fields, drawn smears, eyepiece frames, negatives, degraded fields
#
# usage: src/tools/quality-lists.sh BUILDDIR WORKDIR NEGDIR > list.txt
#
# BUILDDIR has tests/gen-smear and tests/gen-field (drawn smears and the
# any-photo tests' eyepiece frames are made into WORKDIR); NEGDIR is
# negatives.sh's output.  Datasets from ../shared/datasets (BV_DATASETS).
# Line format: "label split source spec path" (bv-quality.c).
#
# Splits: BCCD keeps its own (train, val, test: test never tuned on);
# every other picture goes by a fixed-seed hash of its name: 60 % train,
# 20 % val, 20 % test, and a negative's transformed versions follow it.
# Smears are taken at the scales the server supports around their own
# (0.6x, 1x, 1.5x); negatives as they are, cropped, rescaled and under
# colour casts (pink, red, blue: a cast that imitates a stain is the hard
# case).  Split "fval"/"ftest": degraded copies of some val/test fields,
# one flag each (docs/quality.md), never used to train the gate.
set -eu

build=${1:?usage: quality-lists.sh BUILDDIR WORKDIR NEGDIR}
work=${2:?}
neg=${3:?}
ds=${BV_DATASETS:-$(cd "$(dirname "$0")/../.." && pwd)/../shared/datasets}
seed=23
mkdir -p "$work"

# split NAME: train, val or test by a fixed-seed hash
split() {
	h=$(printf '%s:%s' "$seed" "$1" | cksum | cut -d' ' -f1)
	case $((h % 10)) in
	[0-5]) echo train ;;
	[6-7]) echo val ;;
	*) echo test ;;
	esac
}

smear() { # split source path
	for s in none scale:0.6 scale:1.5; do
		echo "1 $1 $2 $s $3"
	done
}

bccd=$ds/bccd/BCCD
for sp in train val test; do
	while read -r id; do
		smear "$sp" bccd "$bccd/JPEGImages/$id.jpg"
	done <"$bccd/ImageSets/Main/$sp.txt"
done
for src in pbc-detect raabin-detect chula-rbc; do
	for f in "$ds/$src"/images/*.jpg; do
		smear "$(split "$(basename "$f")")" "$src" "$f"
	done
done

# drawn smears (the request-path tests' pictures) and eyepiece frames
i=1
while [ $i -le 120 ]; do
	f=$work/drawn-$i.jpg
	[ -s "$f" ] || "$build/tests/gen-smear" $i "$f" >/dev/null
	echo "1 $(split drawn-$i) drawn none $f"
	i=$((i + 1))
done
# eyepiece frames (a round field stop in a black frame) at three scales:
# every group of 16 fields of the split; mosaics from the first four groups
for sp in train val test; do
	sed "s|.*|$bccd/JPEGImages/&.jpg|" "$bccd/ImageSets/Main/$sp.txt" |
	    paste -d' ' - - - - - - - - - - - - - - - - >"$work/groups"
	k=0
	while read -r group; do
		# shellcheck disable=SC2086 # 16 paths without spaces
		set -- $group
		[ $# -eq 16 ] || continue
		for sz in "1.5 4032 3024" "1 2560 1920" "0.75 2048 1536"; do
			# shellcheck disable=SC2086
			set -- $sz
			e=$work/eye-$sp-$k.jpg
			[ "$1" = 1.5 ] || e=$work/eye$1-$sp-$k.jpg
			# shellcheck disable=SC2086 # 16 paths without spaces
			[ -s "$e" ] || "$build/tests/gen-field" eyepiece 4 $sz \
			    "$e" $group >/dev/null
			echo "1 $sp eyepiece none $e"
		done
		m=$work/mosaic-$sp-$k.jpg
		# shellcheck disable=SC2086,SC2046 # nine paths without spaces
		[ $k -ge 4 ] || [ -s "$m" ] || "$build/tests/gen-field" mosaic \
		    3 0.5 "$m" $(echo $group | cut -d' ' -f1-9) >/dev/null
		[ $k -ge 4 ] || echo "1 $sp mosaic none $m"
		k=$((k + 1))
	done <"$work/groups"
done

# negatives: as they are and transformed
while read -r name path; do
	sp=$(split "$name")
	for s in none crop:0.5 crop:0.3 scale:0.5 cast:1.25,0.8,1.1 \
	    cast:1.2,0.7,0.8 cast:0.8,0.85,1.25 crop:0.5+cast:1.3,0.75,1.05; do
		echo "0 $sp neg-${name%%-*} $s $path"
	done
done <"$neg/list.txt"

# degraded fields for the flags: 30 a source from val and from test
for src in pbc-detect raabin-detect chula-rbc; do
	for f in "$ds/$src"/images/*.jpg; do
		sp=$(split "$(basename "$f")")
		[ "$sp" = train ] || echo "$sp $f"
	done | awk '{ n[$1]++; if (n[$1] <= 12) print }'
done >"$work/flagsrc.txt"
for sp in val test; do
	head -n 12 "$bccd/ImageSets/Main/$sp.txt" | sed "s|.*|$sp $bccd/JPEGImages/&.jpg|"
done >>"$work/flagsrc.txt"
while read -r sp f; do
	case $f in */bccd/*) src=bccd ;; *) src=$(basename "$(dirname "$(dirname "$f")")") ;; esac
	for s in blur:1.2+noise:3 gain:0.3 gain:2.2 od:2.5,1,1 od:0.4,1.3,0.4 \
	    od:0.35,0.35,0.35 thick:3 sparse mag:2; do
		echo "1 f$sp $src $s $f"
	done
done <"$work/flagsrc.txt"
