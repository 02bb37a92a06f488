#!/bin/sh
# quality.sh: the scene gate and field-quality flags through the API (issue 23)
# A picture that is not a smear -> 422 not_a_smear and nothing stored; a
# smear -> 200 with its "quality"; a smear with a poor flag -> 200, stored,
# left out of its sample's estimates, back in after a reviewer includes it
# (recorded with who and when); /api/detect answers with the same flags.
set -u

. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
gq=$top_builddir/tests/gen-quality
[ -x "$gq" ] || { echo "ERROR: $gq not built"; exit 99; }
# BCCD fields, or smears drawn by tests/gen-smear without the dataset
. "$top_srcdir/tests/lib/images.sh"
clean=$(bv_test_image 2) && base=$(bv_test_image 1) || exit 99
echo "# images: $(bv_test_images)"
. "$top_srcdir/tests/lib/server.sh"

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"
"$gq" scene "$work/scene.png" && "$gq" degrade gain:0.3 "$base" "$work/dark.jpg" ||
    { echo "ERROR: gen-quality failed"; exit 99; }

post() { # file out.json [sample]
	if [ $# -ge 3 ]; then
		curl -s -o "$2" -w '%{http_code}' -F "image=@$1" -F "sample=$3" "$BV_URL/api/analyze"
	else
		curl -s -o "$2" -w '%{http_code}' -F "image=@$1" "$BV_URL/api/analyze"
	fi
}
stored() { find "$BV_RESULTS" -mindepth 1 -maxdepth 1 | wc -l; }

# 1. a drawn landscape (round trees a detector may take for cells)
before=$(stored)
c=$(post "$work/scene.png" "$work/scene.json")
e=$(json "$work/scene.json" 'j["error"]["code"]' 2>/dev/null)
[ "$c" = 422 ] && [ "$e" = not_a_smear ] && ok "a drawn landscape -> 422 not_a_smear" ||
    bad "a drawn landscape -> $c $(head -c 300 "$work/scene.json")"
m=$(json "$work/scene.json" '[x["code"] for x in j["error"]["message_i18n"]]' 2>/dev/null)
[ "$m" = "['not_a_smear_scene']" ] || [ "$m" = "['not_a_smear_no_cells']" ] &&
    ok "the refusal says why, as a message code ($m)" || bad "message_i18n: $m"
[ "$(stored)" = "$before" ] && ok "nothing stored under results/ for it" ||
    bad "results/ went from $before to $(stored) entries"

# 2. a smear field: accepted, its quality in the result
c=$(post "$clean" "$work/clean.json")
if [ "$c" = 200 ]; then
	q=$(json "$work/clean.json" 'sorted(j["quality"].keys())')
	[ "$q" = "['flags', 'measures', 'poor', 'reference', 'smear_score']" ] &&
	    ok "a smear -> 200 with quality $q" ||
	    bad "quality object: $q"
else
	bad "a smear -> $c $(head -c 300 "$work/clean.json")"
fi

# 3. the same kind of field under-exposed: stored, flagged, out of the estimates
api POST /api/samples -H 'Content-Type: application/json' --data-binary \
    '{"code":"Q-0001","age":30,"age_unit":"years","sex":"female"}'
[ "$code" = 201 ] || { bad "create sample -> $code"; exit 1; }
sid=$(json "$work/body" 'j["id"]')
c1=$(post "$clean" "$work/f1.json" "$sid")
c2=$(post "$work/dark.jpg" "$work/f2.json" "$sid")
if [ "$c1" = 200 ] && [ "$c2" = 200 ]; then
	ok "two fields analysed into the sample -> 200"
else
	bad "fields -> $c1 $c2: $(head -c 300 "$work/f2.json")"
	exit 1
fi
rid=$(json "$work/f2.json" 'j["id"]')
fl=$(json "$work/f2.json" '[f["flag"] for f in j["quality"]["flags"]]')
p=$(json "$work/f2.json" 'j["quality"]["poor"]')
[ "$p" = True ] && echo "$fl" | grep -q "'dark'" &&
    ok "the under-exposed field is poor, flag dark ($fl)" || bad "dark field: poor $p flags $fl"
t=$(json "$work/f2.json" '[f for f in j["quality"]["flags"] if f["flag"] == "dark"][0]')
python3 - "$work/f2.json" <<'PY' && ok "the flag has its value, limit and sentence" || bad "flag: $t"
import json, sys
f = [f for f in json.load(open(sys.argv[1]))["quality"]["flags"] if f["flag"] == "dark"][0]
assert f["value"] < f["limit"], f
assert f["text"].startswith("Under-exposed") and f["text_i18n"][0]["code"] == "quality_dark", f
PY
[ -f "$BV_RESULTS/$rid/result.json" ] && ok "the poor field is stored ($rid)" || bad "$rid not stored"
api GET "/api/samples/$sid"
cp "$work/body" "$work/s1.json"
ex=$(json "$work/s1.json" 'j["summary"]["quality"]["poor_excluded"]')
mine=$(json "$work/s1.json" '[f["quality"]["included"] for f in j["summary"]["per_field"] if f["result"] == "'"$rid"'"]')
npoor=$(json "$work/s1.json" 'sum(1 for f in j["summary"]["per_field"] if f["quality"] and f["quality"]["poor"] and not f["quality"]["included"])')
[ "$mine" = "[False]" ] && [ "$ex" = "$npoor" ] && [ "$ex" -ge 1 ] &&
    ok "the summary leaves it out of the estimates (poor_excluded $ex)" ||
    bad "summary: poor_excluded $ex, field included $mine, poor fields $npoor"

# 4. a reviewer includes it: recorded, and the estimates count it again
api PUT "/api/samples/$sid/results/$rid" -H 'Content-Type: application/json' \
    --data-binary '{"include_poor":true}'
[ "$code" = 400 ] && ok "including without a reviewer's name -> 400" || bad "no by -> $code"
api PUT "/api/samples/$sid/results/$rid" -H 'Content-Type: application/json' \
    --data-binary '{"include_poor":true,"by":"Ana"}'
[ "$code" = 200 ] && ok "a reviewer includes the poor field -> 200" || bad "include -> $code $(head -c 300 "$work/body")"
cp "$work/body" "$work/s2.json"
ex2=$(json "$work/s2.json" 'j["summary"]["quality"]["poor_excluded"]')
by=$(json "$work/s2.json" '[f["quality"]["included_by"]["by"] for f in j["summary"]["per_field"] if f["result"] == "'"$rid"'"]')
rec=$(json "$work/s2.json" 'j["sample"]["quality_include"]["'"$rid"'"]["by"]')
[ "$ex2" = $((ex - 1)) ] && [ "$by" = "['Ana']" ] && [ "$rec" = Ana ] &&
    ok "included: poor_excluded $ex -> $ex2, recorded by Ana" ||
    bad "after include: poor_excluded $ex2, by $by, record $rec"
python3 - "$work/s1.json" "$work/s2.json" <<'PY' && ok "the estimates count the included field" || bad "estimates unchanged"
import json, sys
a, b = (json.load(open(p))["summary"] for p in sys.argv[1:3])
# the random fields the estimates use: one more once it is included
ra, rb = a.get("estimates", {}), b.get("estimates", {})
if ra and rb:
    assert ra != rb, (ra, rb)
else:
    assert a["quality"]["poor_excluded"] == b["quality"]["poor_excluded"] + 1
PY
api PUT "/api/samples/$sid/results/$rid" -H 'Content-Type: application/json' \
    --data-binary '{"include_poor":false}'
ex3=$(json "$work/body" 'j["summary"]["quality"]["poor_excluded"]')
[ "$code" = 200 ] && [ "$ex3" = "$ex" ] && ok "and can leave it out again" || bad "exclude -> $code $ex3"

# 5. the rules read from the pixels, each on a degraded copy of the field:
# faded stain, cells on cells (thick), defocus
# (on BCCD fields; the thickness and focus limits were chosen on photographs:
# a tripled drawn smear is refused as no smear, and the drawn cells' edges
# stay above the focus limit however blurred, so without the dataset only
# the faded copy, at a stronger fading, is checked and the two are skipped)
specs="od:0.35,0.35,0.35 stain_faded|thick:3 thick|blur:1.2+noise:3 focus"
if [ "$(bv_test_images)" = generated ]; then
	specs="od:0.25,0.25,0.25 stain_faded"
	n=$((n + 1)); echo "ok $n # SKIP thick:3 on a drawn smear (limits chosen on photographs)"
	n=$((n + 1)); echo "ok $n # SKIP blur on a drawn smear (limits chosen on photographs)"
fi
IFS_SAVE=$IFS; IFS='|'; set -f; set -- $specs; IFS=$IFS_SAVE; set +f
for spec in "$@"; do
	# shellcheck disable=SC2086 # two words
	set -- $spec
	"$gq" degrade "$1" "$base" "$work/deg.jpg" || { bad "gen-quality $1"; continue; }
	c=$(post "$work/deg.jpg" "$work/deg.json")
	fl=$(json "$work/deg.json" '[f["flag"] for f in j["quality"]["flags"]]' 2>/dev/null)
	[ "$c" = 200 ] && echo "$fl" | grep -q "'$2'" &&
	    ok "$1 -> 200, flagged $2 ($fl)" || bad "$1 -> $c, flags $fl"
done

# 6. live frames: the same flags as warnings, and the gate
c=$(curl -s -o "$work/d.json" -w '%{http_code}' -F "image=@$work/dark.jpg" "$BV_URL/api/detect")
w=$(json "$work/d.json" 'j["warnings"]' 2>/dev/null)
echo "$w" | grep -q "'dark'" && [ "$c" = 200 ] && ok "live: the dark frame warns dark ($w)" ||
    bad "live dark -> $c $w"
c=$(curl -s -o "$work/d2.json" -w '%{http_code}' -F "image=@$work/scene.png" "$BV_URL/api/detect")
e=$(json "$work/d2.json" 'j["error"]["code"]' 2>/dev/null)
[ "$c" = 422 ] && [ "$e" = not_a_smear ] && ok "live: the landscape -> 422 not_a_smear" ||
    bad "live landscape -> $c $e"

echo "1..$n"
[ $fails = 0 ]
