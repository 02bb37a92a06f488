#!/bin/sh
# scalemem.sh: the scale remembered per microscope, through lighttpd (docs/api.md)
# One backend.  Uploads of one field under one microscope id: the first is
# searched ("auto"), the next remembered and checked, with the counts of
# the first; the same field shrunk to half in a frame of the same size
# (another magnification) is searched again, then remembered; a new id
# searches; a bad id is refused (400) and stores nothing; live frames
# remember per microscope field, and a bad id there is ignored.  BCCD
# fields when ../shared has them, else smears drawn by tests/gen-smear.
set -u
BV_SERVER_PROCS=1
export BV_SERVER_PROCS
. "$top_srcdir/tests/lib/server.sh"

. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 1) || exit 99
echo "# test image: $(bv_test_images) $img"
gf=$top_builddir/tests/gen-field
[ -x "$gf" ] || { echo "ERROR: $gf not built"; exit 99; }

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"
# post ROUTE FILE OUT [curl args]: prints the status
post() {
	r=$1 f=$2 o=$3
	shift 3
	curl -s -o "$o" -w '%{http_code}' -H "Origin: $BV_URL" -F "image=@$f" \
	    "$@" "$BV_URL/api/$r"
}
# scale FILE: "source checked counts"
scale() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); s=j["scale"]
print(s["source"], s["checked"], ",".join("%s=%d" % kv for kv in sorted(j["counts"].items())))' "$1"
}

# the same field at half the magnification, in a frame of the same size
"$gf" mosaic 2 0.5 "$work/half.jpg" "$img" "$img" "$img" "$img" >/dev/null ||
    { echo "ERROR: gen-field failed"; exit 99; }

i=0
for step in "$img auto" "$img remembered" "$img remembered" \
    "$work/half.jpg auto" "$work/half.jpg remembered" "$img auto" \
    "$img remembered"; do
	set -- $step
	i=$((i + 1))
	c=$(post analyze "$1" "$work/a$i.json" -F microscope=bench-1)
	got=$(scale "$work/a$i.json" 2>/dev/null)
	echo "# upload $i ($(basename "$1")): $c $got"
	case "$c $got" in
	"200 $2 True "*) ok "upload $i: scale $2, checked" ;;
	*) bad "upload $i: want 200 $2 True, got $c $got" ;;
	esac
done
# the first remembered upload counts what the searched one did (the same
# photo at the scale its search chose)
[ "$(scale "$work/a1.json" | cut -d' ' -f3)" = \
    "$(scale "$work/a2.json" | cut -d' ' -f3)" ] &&
    ok "upload 2: the counts of upload 1" ||
    bad "upload 2: counts differ from upload 1"
c=$(post analyze "$img" "$work/b.json" -F microscope=bench-2)
[ "$c $(scale "$work/b.json" | cut -d' ' -f1)" = "200 auto" ] &&
    ok "another microscope searches" || bad "another microscope: $c"

before=$(find "$BV_RESULTS" -mindepth 1 | wc -l)
c=$(post analyze "$img" "$work/e.json" -F "microscope=a b/../c")
code=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["code"])' "$work/e.json" 2>/dev/null)
after=$(find "$BV_RESULTS" -mindepth 1 | wc -l)
[ "$c $code" = "400 bad_request" ] && [ "$before" = "$after" ] &&
    ok "a bad microscope id -> 400, nothing stored" ||
    bad "bad microscope id -> $c $code ($before -> $after entries)"

# live frames: per microscope field; a bad one is ignored (the address's)
c1=$(post detect "$img" "$work/d1.json" -F microscope=live-1)
c2=$(post detect "$img" "$work/d2.json" -F microscope=live-1)
c3=$(post detect "$img" "$work/d3.json" -F "microscope=no good")
got="$c1 $(scale "$work/d1.json" | cut -d' ' -f1) $c2 $(scale "$work/d2.json" | cut -d' ' -f1) $c3"
echo "# frames: $got"
[ "$got" = "200 auto 200 remembered 200" ] &&
    ok "live frames: searched, then remembered; a bad id ignored" ||
    bad "live frames: $got"

echo "1..$n"
[ $fails = 0 ]
