# images.sh: smear images for the request-path tests: BCCD when present, else drawn by tests/gen-smear (sourced)
# Uses $top_builddir and $BV_DATASET (set by make check).  Dataset files
# are never committed; a clean clone without ../shared still runs the
# request path on drawn smears that the shipped detector counts
# (docs/hardening.md, clean-clone row).
#
# bv_test_image N: echo the path of test smear N (1 to 99999): the BCCD
# field BloodImage_0000N.jpg when the dataset has it, else tests/gen-smear's
# 640x480 JPEG of seed N, drawn into $top_builddir/tests/smear-data/
# (again when gen-smear is newer; what was drawn is in smear-N.txt).
# Status 1, with a message on stderr, when neither can be had.
#
# bv_test_image_dir N...: echo a directory holding BloodImage_0000N.jpg for
# each N: BCCD's JPEGImages when the dataset has them all, else
# $top_builddir/tests/smear-data/BCCD/JPEGImages with links to the drawn
# smears (for tests that build BCCD paths themselves: imgs=$(...); a
# browser test reading $BV_DATASET/BCCD/JPEGImages/... can be given
# BV_DATASET=${imgs%/BCCD/JPEGImages}, in its own environment only).
#
# bv_test_dataset: true when the BCCD dataset is present: checks that hold
# only for a real BCCD or PBC image run only then (print what is skipped).
#
# bv_test_images: a word for the log: "BCCD" or "generated".

bv_test_dataset() {
	[ -f "${BV_DATASET:-/nonexistent}/BCCD/JPEGImages/BloodImage_00001.jpg" ]
}

bv_test_images() {
	if bv_test_dataset; then echo BCCD; else echo generated; fi
}

bv_test_image() {
	case $1 in
	''|*[!0-9]*|??????*)
		echo "bv_test_image: no test smear '$1'" >&2
		return 1 ;;
	esac
	bti_n=$(expr "$1" + 0)	# 00003 -> 3 (no octal)
	bti_bccd=${BV_DATASET:-/nonexistent}/BCCD/JPEGImages/BloodImage_$(printf %05d "$bti_n").jpg
	if bv_test_dataset && [ -f "$bti_bccd" ]; then
		echo "$bti_bccd"
		return 0
	fi
	bti_gen=${top_builddir:?}/tests/gen-smear
	bti_dir=$top_builddir/tests/smear-data
	bti_out=$bti_dir/smear-$bti_n.jpg
	if [ ! -x "$bti_gen" ]; then
		echo "bv_test_image: $bti_gen is not built" >&2
		return 1
	fi
	# drawn beside, then renamed: tests run in parallel (make -j) never
	# read half a file
	if [ ! -s "$bti_out" ] || [ "$bti_gen" -nt "$bti_out" ]; then
		bti_tmp=$bti_dir/.smear-$bti_n.$$
		if ! { mkdir -p "$bti_dir" &&
		    "$bti_gen" "$bti_n" "$bti_tmp.jpg" >"$bti_tmp.txt" &&
		    mv -f "$bti_tmp.txt" "$bti_dir/smear-$bti_n.txt" &&
		    mv -f "$bti_tmp.jpg" "$bti_out"; }; then
			rm -f "$bti_tmp.jpg" "$bti_tmp.txt"
			echo "bv_test_image: gen-smear $bti_n failed" >&2
			return 1
		fi
	fi
	echo "$bti_out"
}

bv_test_image_dir() {
	btd_real=${BV_DATASET:-/nonexistent}/BCCD/JPEGImages
	btd_all=1
	for btd_n in "$@"; do
		btd_f=$(bv_test_image "$btd_n") || return 1
		[ "$btd_f" = "$btd_real/${btd_f##*/}" ] || btd_all=
	done
	if [ -n "$btd_all" ]; then
		echo "$btd_real"
		return 0
	fi
	btd_dir=$top_builddir/tests/smear-data/BCCD/JPEGImages
	mkdir -p "$btd_dir" || return 1
	# links made once, never replaced: a parallel test may be reading
	for btd_n in "$@"; do
		btd_n=$(expr "$btd_n" + 0)
		btd_l=$btd_dir/BloodImage_$(printf %05d "$btd_n").jpg
		[ -L "$btd_l" ] || ln -s "../../smear-$btd_n.jpg" "$btd_l" 2>/dev/null ||
		    [ -L "$btd_l" ] || return 1
	done
	echo "$btd_dir"
}
