#!/bin/sh
# test_convert.sh: bv-convert on hand-made VOC files (zero-size box, box past
# the border, unknown class, a malformed file, a write into the dataset)
set -u
bin="${top_builddir:-.}/bv-convert"
data="${top_srcdir:-.}/tests/data/voc"
[ -x "$bin" ] || { echo "SKIP: $bin not built"; exit 77; }
tmp=$(mktemp -d) || exit 99
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*"; exit 1; }

# A dataset tree: the XML files from the source tree, dummy images (the
# converter links images, it never decodes them).
ds="$tmp/ds/BCCD"
mkdir -p "$ds/Annotations" "$ds/JPEGImages" "$ds/ImageSets/Main" || exit 99
for id in img1 img2 img3; do
	cp "$data/Annotations/$id.xml" "$ds/Annotations/" || exit 99
	echo "not a jpeg" > "$ds/JPEGImages/$id.jpg"
done
cp "$data"/ImageSets/Main/*.txt "$ds/ImageSets/Main/" || exit 99
chmod -R a-w "$tmp/ds"

"$bin" "$tmp/ds" "$tmp/work" > "$tmp/out" 2> "$tmp/err" || fail "bv-convert exited $?: $(cat "$tmp/err")"
cmp "$data/expected-img1.txt" "$tmp/work/labels/img1.txt" || fail "img1 labels differ"
cmp "$data/expected-img2.txt" "$tmp/work/labels/img2.txt" || fail "img2 labels differ"
[ -f "$tmp/work/labels/img3.txt" ] && [ ! -s "$tmp/work/labels/img3.txt" ] || fail "img3 must have an empty label file"
grep -q "zero-size box(es) skipped, 1 clamped" "$tmp/err" || fail "no defect report: $(cat "$tmp/err")"
[ "$(cat "$tmp/work/trainval.txt")" = "$tmp/work/JPEGImages/img1.jpg
$tmp/work/JPEGImages/img2.jpg" ] || fail "trainval.txt: $(cat "$tmp/work/trainval.txt")"
[ "$(cat "$tmp/work/test.txt")" = "$tmp/work/JPEGImages/img3.jpg" ] || fail "test.txt"
[ "$(readlink "$tmp/work/JPEGImages/img1.jpg")" = "$ds/JPEGImages/img1.jpg" ] || fail "image link"

# A malformed annotation fails the run.
chmod -R u+w "$tmp/ds"
cp "$data/Annotations/bad.xml" "$ds/Annotations/img3.xml"
if "$bin" -q "$tmp/ds" "$tmp/work2" 2> "$tmp/err"; then fail "malformed XML accepted"; fi
grep -q "img3.xml: missing or bad <size>" "$tmp/err" || fail "error message: $(cat "$tmp/err")"

# Never write into the dataset.
cp "$data/Annotations/img3.xml" "$ds/Annotations/img3.xml"
if "$bin" -q "$tmp/ds" "$ds/work" 2> "$tmp/err"; then fail "wrote inside the dataset"; fi
[ ! -e "$ds/work" ] || fail "created a folder inside the dataset"
echo "PASS convert"
exit 0
