#!/bin/sh
# negatives.sh: rebuild the scene gate's negative set (pictures that are not blood smears) from Debian packages
#
# usage: src/tools/negatives.sh OUTDIR [--install]
#
# Nothing here is a blood smear, and none of it is stored in the
# repository: the set is rebuilt from these Debian 12 packages (--install
# runs apt-get install for them; root):
#   desktop-base, gnome-backgrounds   wallpapers, login and boot screens
#   python3-skimage                   scikit-image's sample pictures (a cat,
#                                     coins, bricks, the Moon, a histology
#                                     section, a retina, text, ...)
#   python3-matplotlib                matplotlib's sample pictures
#   darknet                           darknet's test photos (dog, horses, ...)
#   adwaita-icon-theme                large icons
#   base-files                        licence texts, rendered as pages
# with ImageMagick (imagemagick) converting each to a JPEG of at most
# 1600 px a side, flattened on white.  OUTDIR/list.txt gets one line a
# picture: "NAME PATH"; the transformed versions (crops, rescales, colour
# casts) are made by bv-quality itself from the list (quality-lists.sh).
set -eu

out=${1:?usage: negatives.sh OUTDIR [--install]}
if [ "${2:-}" = --install ]; then
	apt-get install -y -q desktop-base gnome-backgrounds python3-skimage \
	    python3-matplotlib imagemagick ghostscript adwaita-icon-theme \
	    darknet >/dev/null
fi
command -v convert >/dev/null || { echo "negatives.sh: needs imagemagick" >&2; exit 1; }
mkdir -p "$out"
: >"$out/list.txt"

# add PREFIX FILE: one picture, converted
add() {
	name=$1-$(basename "$2" | sed 's/\.[^.]*$//; s/[^A-Za-z0-9_-]/_/g')
	dst=$out/$name.jpg
	if [ ! -s "$dst" ]; then
		convert "$2[0]" -background white -alpha remove -alpha off \
		    -resize '1600x1600>' -colorspace sRGB -type TrueColor \
		    -quality 92 "$dst" 2>/dev/null || { rm -f "$dst"; return 0; }
	fi
	# too small a picture is not an upload anyone makes
	[ "$(identify -format '%w %h' "$dst" | awk '{print ($1 >= 128 && $2 >= 128)}')" = 1 ] ||
	    { rm -f "$dst"; return 0; }
	echo "$name $dst" >>"$out/list.txt"
}

find /usr/share/backgrounds /usr/share/desktop-base /usr/share/wallpapers \
    -type f \( -name '*.jpg' -o -name '*.png' -o -name '*.webp' -o -name '*.svg' \) \
    2>/dev/null | sort | while read -r f; do add wall "$f"; done
find /usr/lib/python3/dist-packages/skimage/data -maxdepth 1 -type f \
    \( -name '*.png' -o -name '*.jpg' \) 2>/dev/null |
    sort | while read -r f; do add skimage "$f"; done
find /usr/share/matplotlib/mpl-data/sample_data -type f \( -name '*.png' -o -name '*.jpg' \) \
    2>/dev/null | sort | while read -r f; do add mpl "$f"; done
find /usr/share/darknet/data -maxdepth 1 -type f -name '*.jpg' 2>/dev/null |
    sort | while read -r f; do add darknet "$f"; done
find /usr/share/icons/Adwaita/512x512 -type f -name '*.png' 2>/dev/null |
    sort | while read -r f; do add icon "$f"; done
# documents: licence texts set as pages
# (the text is passed inline: Debian's ImageMagick policy forbids "@file")
for f in GPL-3 Apache-2.0 MPL-2.0 LGPL-2.1 Artistic GFDL-1.3 CC0-1.0 BSD; do
	[ -f /usr/share/common-licenses/$f ] || continue
	dst=$out/doc-$f.png
	[ -s "$dst" ] || convert -size 900x1200 -background white -fill black \
	    -font DejaVu-Sans -pointsize 16 \
	    caption:"$(head -c 2500 /usr/share/common-licenses/$f | tr -d '@')" \
	    "$dst" 2>/dev/null || continue
	echo "doc-$f $dst" >>"$out/list.txt"
done
echo "negatives.sh: $(wc -l <"$out/list.txt") pictures in $out" >&2
