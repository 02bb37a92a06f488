#!/bin/sh
# morphology.sh: red-cell geometry ("morphology") in /api/analyze's result (issue 27)
# Every counted red cell is either measured or not measured for a reason;
# the diameter is in um only when the request gives um_per_px; the cuts
# say they are unverified; the stored result carries the same object.
set -u

. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
# BCCD fields, or smears drawn by tests/gen-smear without the dataset
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 300) || exit 99
echo "# images: $(bv_test_images)"
. "$top_srcdir/tests/lib/server.sh"

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"
# check FILE PYTHON-EXPR: true when the expression on j (the JSON) holds
check() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); m=j.get("morphology") or {}; sys.exit(0 if eval(sys.argv[2]) else 1)' "$1" "$2"
}

c=$(curl -s -o "$work/a.json" -w '%{http_code}' -F "image=@$img" "$BV_URL/api/analyze")
[ "$c" = 200 ] && ok "analyze -> 200" || bad "analyze -> $c $(head -c 300 "$work/a.json")"
check "$work/a.json" 'm["measured"] > 0' &&
    ok "red cells measured: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["morphology"])' "$work/a.json")" ||
    bad "no red cell measured: $(head -c 2000 "$work/a.json" | tr -d "\n")"
check "$work/a.json" 'm["considered"] == m["measured"] + sum(m["not_measured"].values())' &&
    ok "each considered cell is measured or not measured for a reason" ||
    bad "considered != measured + not_measured"
check "$work/a.json" 'm["considered"] == j["counts"]["RBC"]' &&
    ok "the cells considered are the counted red cells" ||
    bad "considered $(python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(j["morphology"]["considered"], j["counts"])' "$work/a.json")"
check "$work/a.json" 'm["median_diameter_um"] is None and m["median_diameter_px"] > 0' &&
    ok "no um_per_px: the diameter in px only" || bad "diameter without a scale"
check "$work/a.json" 'm["cuts"]["verified"] is False and m["classifier"] == isinstance(m.get("classes"), dict) and 0 <= m["hypochromic_share"] <= 1 and 0 <= m["elongated_share"] <= 1 and m["diameter_cv"] >= 0' &&
    ok "cuts unverified, classifier flag = classes present, shares in [0, 1]" || bad "cuts or shares"
# morphology classes (models/v1-rbcmorph, when installed): each measured
# cell is classified or abstained, never more than were measured
check "$work/a.json" 'not isinstance(m.get("classes"), dict) or (lambda c: c["classified"] + c["abstained"] == len(c["cells"]) <= m["measured"] and sum(c["by"].values()) == c["classified"] and sum(c["abstained_by"].values()) == c["abstained"] and all(x["class"] in c["by"] or x["class"] == "abstained" for x in c["cells"]) and "reject" not in c["by"])(m["classes"])' &&
    ok "classes: $(python3 -c 'import json,sys; c=(json.load(open(sys.argv[1]))["morphology"].get("classes") or {}); print({k: c.get(k) for k in ("classified", "abstained", "by", "abstained_by")})' "$work/a.json")" ||
    bad "classes inconsistent: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["morphology"].get("classes"))' "$work/a.json" | head -c 1500)"

c=$(curl -s -o "$work/b.json" -w '%{http_code}' -F "image=@$img" -F "um_per_px=0.1" "$BV_URL/api/analyze")
[ "$c" = 200 ] && check "$work/b.json" 'm["median_diameter_um"] is not None and abs(m["median_diameter_um"] - m["median_diameter_px"] * j["scale"]["um_per_px"]) <= 0.06' &&
    ok "um_per_px given: median diameter in um = px x um/px" ||
    bad "with um_per_px: $c $(head -c 300 "$work/b.json")"

u=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["urls"]["json"])' "$work/a.json")
c=$(curl -s -o "$work/s.json" -w '%{http_code}' "$BV_URL$u")
[ "$c" = 200 ] && python3 -c 'import json,sys; a=json.load(open(sys.argv[1])); s=json.load(open(sys.argv[2])); sys.exit(0 if a["morphology"] == s["morphology"] else 1)' "$work/a.json" "$work/s.json" &&
    ok "the stored result has the same morphology" || bad "stored result: $c"

# a sample of the two fields: pooled figures; too few cells for a pattern
c=$(curl -s -o "$work/s0.json" -w '%{http_code}' -H 'Content-Type: application/json' \
    --data-binary '{"code":"MORPH-1"}' "$BV_URL/api/samples")
sid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/s0.json" 2>/dev/null)
for f in a b; do
	rid=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$work/$f.json")
	curl -s -o /dev/null -H 'Content-Type: application/json' \
	    --data-binary "{\"result\":\"$rid\"}" "$BV_URL/api/samples/$sid/results"
done
c=$(curl -s -o "$work/s1.json" -w '%{http_code}' "$BV_URL/api/samples/$sid")
python3 - "$work/s1.json" "$work/a.json" "$work/b.json" <<'PY' && ok "sample morphology pools its fields, pattern withheld below the minimum" || bad "sample morphology: $c $(head -c 400 "$work/s1.json")"
import json, sys
m = json.load(open(sys.argv[1]))["summary"]["morphology"]
# a field flagged poor (quality.h) counts only once a reviewer includes it
r = [json.load(open(p)) for p in sys.argv[2:]]
f = [x["morphology"] for x in r if not x["quality"]["poor"]]
n = sum(x["measured"] for x in f)
mean = sum(x["measured"] * x["mean_diameter_px"] for x in f) / n
print("# sample morphology:", m)
assert m["fields"] == len(f) and m["measured"] == n and m["considered"] == sum(x["considered"] for x in f)
assert abs(m["mean_diameter_px"] - mean) <= 0.1
# field a's scale was not given: no um for the sample
assert m["mean_diameter_um"] is None
assert n < m["min_cells"] and m["pattern"] is None and m["pattern_i18n"] is None
# withheld below the minimum of classified cells when the classifier ran, else of measured ones
if m["pattern_source"] == "classes":
    k = sum(x["classes"]["classified"] for x in f)
    assert m["classifier"] and m["classes"]["classified"] == k
    assert m["withheld_i18n"][0]["code"] == "morph_pattern_withheld_classes"
    assert m["withheld_i18n"][0]["params"] == {"classified": k, "min": m["min_cells"]}
else:
    assert m["pattern_source"] == "geometry" and not m["classifier"]
    assert m["withheld_i18n"][0]["code"] == "morph_pattern_withheld"
    assert m["withheld_i18n"][0]["params"] == {"measured": n, "min": m["min_cells"]}
PY

echo "1..$n"
[ "$fails" = 0 ]
