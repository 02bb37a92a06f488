#!/bin/sh
# samples-api.sh: build a sample from three BCCD fields through the API and check its summary
# Every summary number is recomputed here from the per-field result.json
# files (sums, mean, SD, density formulas), independently of the C code.
set -u

lib=$top_srcdir/tests/lib/server.sh
. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
# BCCD fields, or smears drawn by tests/gen-smear without the dataset
. "$top_srcdir/tests/lib/images.sh"
imgs=$(bv_test_image_dir 00001 00005 00003) || exit 99
echo "# images: $(bv_test_images)"
. "$lib"

bv_server_start
work=$BV_STATE/work
mkdir -p "$work"

# 1. Create a sample: woman, 30 years, Hb 11.2 g/dL (112 g/L < 120).
api POST /api/samples -H 'Content-Type: application/json' --data-binary \
    '{"code":"IT-0001","age":30,"age_unit":"years","sex":"female","hemoglobin":11.2,"hemoglobin_unit":"g/dL","note":"integration test"}'
if [ "$code" = 201 ]; then
	sid=$(json "$work/body" 'j["id"]')
	ok "create sample -> 201 ($sid)"
else
	bad "create sample -> $code: $(head -c 300 "$work/body")"
	exit 1
fi
api POST /api/samples -H 'Content-Type: application/json' --data-binary '{"code":"Jane Doe"}'
[ "$code" = 400 ] && ok "a code with a space (a name?) -> 400" || bad "bad code -> $code"
# The refusal also as a code naming the field, for a page in another language.
m=$(json "$work/body" '[(x["code"], x["params"].get("field"), x["params"].get("max")) for x in j["error"]["message_i18n"]]')
[ "$m" = "[('code_invalid', 'code', 32)]" ] && ok "refusal has message_i18n code_invalid naming field code" ||
    bad "refusal message_i18n: $m"

# 2. Two fields analysed into the sample (form field "sample"), one
#    analysed alone and attached afterwards.
rids=
for nn in 00001 00005; do
	curl -s -o "$work/r$nn" -w '%{http_code}' -F "image=@$imgs/BloodImage_$nn.jpg" \
	    -F "sample=$sid" "$BV_URL/api/analyze" >"$work/code"
	c=$(cat "$work/code")
	if [ "$c" = 200 ]; then
		rid=$(json "$work/r$nn" 'j["id"]'); rids="$rids $rid"
		ok "analyse BloodImage_$nn into the sample -> 200"
	else
		bad "analyse BloodImage_$nn -> $c: $(head -c 300 "$work/r$nn")"
	fi
done
c=$(curl -s -o "$work/r00003" -w '%{http_code}' -F "image=@$imgs/BloodImage_00003.jpg" "$BV_URL/api/analyze")
if [ "$c" = 200 ]; then
	rid=$(json "$work/r00003" 'j["id"]'); rids="$rids $rid"
	api POST "/api/samples/$sid/results" -H 'Content-Type: application/json' \
	    --data-binary "{\"result\":\"$rid\"}"
	[ "$code" = 200 ] && ok "attach an existing result -> 200" ||
	    bad "attach -> $code: $(head -c 300 "$work/body")"
else
	bad "analyse BloodImage_00003 -> $c"
fi
api POST "/api/samples/$sid/results" -H 'Content-Type: application/json' \
    --data-binary '{"result":"AAAAAAAAAAAAAAAAAAAAAA"}'
[ "$code" = 404 ] && ok "attach an unknown result -> 404" || bad "attach unknown -> $code"
c=$(curl -s -o "$work/x" -w '%{http_code}' -F "image=@$imgs/BloodImage_00001.jpg" \
    -F "sample=AAAAAAAAAAAAAAAAAAAAAA" "$BV_URL/api/analyze")
[ "$c" = 404 ] && ok "analyse into an unknown sample -> 404" || bad "analyse into unknown sample -> $c"
m=$(json "$work/x" '[x["code"] for x in j["error"].get("message_i18n", [])]')
[ "$m" = "['sample_not_found']" ] && ok "its message_i18n says the sample, not a result, is missing" ||
    bad "unknown sample message_i18n: $m"

# 3. The summary, checked against the per-field result.json files.
api GET "/api/samples/$sid"
[ "$code" = 200 ] && ok "get sample -> 200" || bad "get sample -> $code"
cp "$work/body" "$work/summary.json"
# shellcheck disable=SC2086
python3 - "$work/summary.json" "$BV_RESULTS" "$top_srcdir/etc/clinical.json" $rids <<'PY' >"$work/py.out" 2>&1
import json, math, sys
summ = json.load(open(sys.argv[1]))
results, cal, rids = sys.argv[2], json.load(open(sys.argv[3])), sys.argv[4:]
s, sm = summ["sample"], summ["summary"]
fails = []
def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond: fails.append(what)
check(sorted(s["results"]) == sorted(rids), "sample lists the 3 result ids")
check(sm["fields"] == 3, "3 fields")
# The arithmetic below counts every field: none of these may be flagged poor
# (a poor field leaves the estimates; quality.sh tests that rule).
check(all(not ((x.get("quality") or {}).get("poor")) for x in
          [json.load(open("%s/%s/result.json" % (results, r))) for r in s["results"]]),
      "no field of this test is flagged poor (else pick other test fields)")
res = [json.load(open("%s/%s/result.json" % (results, r))) for r in s["results"]]
counts = [x["counts"] for x in res]
prof = [p for p in cal["profiles"] if p["name"] == s["profile"]][0]
# Images per field: from the measured fields of view when every result has one
# (and the profile a field diameter), else the profile's fixed figure.
areas = [(x.get("fov") or {}).get("area_um2") for x in res]
if all(isinstance(a, (int, float)) and a > 0 for a in areas) and prof.get("field_diameter_um"):
    ipf = math.pi * (prof["field_diameter_um"] / 2) ** 2 / (sum(areas) / len(areas))
    ipf_code = "images_per_field_measured"
else:
    ipf, ipf_code = prof["images_per_field"], "images_per_field_profile"
check(sm["calibration"]["formula_i18n"][0]["code"] == ipf_code,
      "images per field from %s: %s" % (ipf_code, sm["calibration"]["formula"]))
# Densities rest on each field's counting-frame count scaled to the field (frame count x
# field area / frame area, issue 20) when every field has a frame, else on its whole count.
def dens(x, k):
    f = x.get("frame") or {}
    if sm["counting_frame"]["used"]:
        return f["counts"][k] * f["field_area_px"] / f["area_px"]
    return x["counts"].get(k, 0)
def half_up(v):   # est_fmt(v, 0) and llround()
    return int(math.floor(v + 0.5))
check(sm["counting_frame"]["used"] == all((x.get("frame") or {}).get("valid") for x in res),
      "counting frames used exactly when every field has one: %s" % sm["counting_frame"]["text"])
for k in ("RBC", "WBC", "Platelets"):
    xs = [c.get(k, 0) for c in counts]
    tot, mean = sum(xs), sum(xs) / 3
    sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / 2)
    dtot = sum(dens(x, k) for x in res)
    st = sm["per_field_stats"][k]
    check(sm["totals"][k] == tot, "%s total %s == %s (sum of result.json)" % (k, sm["totals"][k], tot))
    check(abs(st["mean"] - round(mean, 3)) < 1e-9, "%s mean %s" % (k, st["mean"]))
    check(abs(st["sd"] - round(sd, 3)) < 1e-9, "%s SD %s" % (k, st["sd"]))
    half = 4.303 * sd / math.sqrt(3)   # t(0.975, 2)
    check(abs(st["ci95"][1] - round(mean + half, 3)) < 1e-9, "%s CI upper %s" % (k, st["ci95"][1]))
    est = dtot / 3 * ipf * prof["factors_per_ul"][k]
    e = sm["estimates"][k]
    check(e["per_ul"] == half_up(est), "%s/uL %s == %s" % (k, e["per_ul"], half_up(est)))
    check(("(%d " % half_up(dtot)) in e["formula"] and ("= %d" % half_up(est)) in e["formula"],
          "%s formula shows its numbers: %s" % (k, e["formula"]))
    print("   ", e["formula"])
check(sm["stability"]["stable"] is False, "3 fields flagged unstable: " + str(sm["stability"]["warning"]))
check(sm["screening"]["result"] == "likely" and sm["screening"]["severity"] == "mild",
      "Hb 112 g/L, woman: anaemia likely, mild")
check(sm["screening"]["hemoglobin"]["cutoff_g_l"] == 120, "cutoff 120 g/L")
check("not a diagnosis" in sm["disclaimer"], "disclaimer present")
print("    screening:", sm["screening"]["reason"])

# Every English sentence has its "_i18n" twin: [{code, params}] stating the same numbers.
TEXT = ("formula", "assumptions", "text", "reason", "warning", "rule", "ci_method",
        "estimates_unavailable", "disclaimer")
def fmt(x):   # the C side's est_fmt(x, 6)
    return ("%.6f" % x).rstrip("0").rstrip(".") if isinstance(x, float) else str(x)
lists = []
def walk(o, path):
    if isinstance(o, list):
        for i, v in enumerate(o): walk(v, "%s[%d]" % (path, i))
    if not isinstance(o, dict): return
    for k, v in o.items():
        if k in TEXT and isinstance(v, str):
            check(isinstance(o.get(k + "_i18n"), list), "%s.%s has %s_i18n" % (path, k, k))
        if k.endswith("_i18n") and v is not None:
            en = o.get(k[:-5])
            lists.append(k)
            for m in v:
                ok = isinstance(m.get("code"), str) and isinstance(m.get("params"), dict)
                for pk, pv in m.get("params", {}).items():
                    if isinstance(pv, (int, float)) and not isinstance(pv, bool):
                        ok = ok and fmt(pv) in en
                check(ok, "%s.%s %s: numbers as in \"%s\"" % (path, k, m.get("code"), en))
        walk(v, path + "." + k)
walk(sm, "summary")
check(len(lists) >= 16, "%d sentences with codes" % len(lists))
r = sm["screening"]["reason_i18n"]
check([m["code"] for m in r] == ["hemoglobin_below_cutoff", "altitude_not_given"],
      "screening hint as codes: %s" % [m["code"] for m in r])
p = r[0]["params"]
check(p["adjusted_g_l"] == 112 and p["cutoff_g_l"] == 120 and p["severity"] == "mild" and
      p["group"] == "women_15y" and sm["screening"]["group_id"] == "women_15y",
      "hint params: Hb 112 < 120 g/L, mild, women_15y: %s" % p)
for k in ("RBC", "WBC", "Platelets"):
    xs = [c.get(k, 0) for c in counts]
    p = sm["estimates"][k]["formula_i18n"][0]
    check(p["code"] == "smear_density" and p["params"]["class"] == k and
          p["params"]["total"] == half_up(sum(dens(x, k) for x in res)) and
          p["params"]["fields"] == 3 and p["params"]["per_ul"] == sm["estimates"][k]["per_ul"] and
          p["params"]["images_per_field"] == round(ipf, 3) and p["params"]["factor"] == prof["factors_per_ul"][k],
          "%s formula as code smear_density with its numbers" % k)
    fl = sm["flags"][k]["flag"]
    # The plausibility envelope (docs/api.md): outside it, "implausible", never low or high.
    lo, hi = {"RBC": (500000, 10000000), "WBC": (0, 100000), "Platelets": (0, 2000000)}[k]
    v = sm["estimates"][k]["per_ul"]
    side = "high" if v > hi else "low" if v < lo else None
    check((fl == "implausible") == (side is not None) and sm["estimates"][k]["plausible"] == (side is None),
          "%s %s/uL: %s (envelope %d-%d)" % (k, v, fl, lo, hi))
    if fl == "implausible":
        want = "flag_implausible_" + side
    elif fl == "cannot_tell":
        # beyond a limit, but its interval reaches across it (issue 20)
        want = "flag_cannot_tell_" + sm["flags"][k]["point_flag"]
    else:
        want = "flag_%s_%s" % (k.lower(), fl) if fl in ("low", "high") else "flag_" + fl
    check(sm["flags"][k]["text_i18n"][0]["code"] == want, "%s flag %s as code %s" % (k, fl, want))
w = [m["code"] for m in sm["stability"]["warning_i18n"]]
check("few_fields" in w, "stability warning as codes: %s" % w)
sys.exit(1 if fails else 0)
PY
pyrc=$?
sed 's/^/    /' "$work/py.out"
[ "$pyrc" = 0 ] && ok "summary matches the per-field result.json counts" ||
    bad "summary does not match the per-field counts"

# 3b. Fields analysed with their um/px (decimal comma, as a Spanish keyboard
#     types it): when the analyses report the measured field of view in um^2,
#     the estimates use it in place of the profile's fixed images per field.
api POST /api/samples -H 'Content-Type: application/json' --data-binary \
    '{"code":"IT-FOV","profile":"smear-100x-fn18"}'
fsid=$(json "$work/body" 'j.get("id", "")')
frids=
for nn in 00001 00005; do
	c=$(curl -s -o "$work/f$nn" -w '%{http_code}' -F "image=@$imgs/BloodImage_$nn.jpg" \
	    -F "um_per_px=0,1" -F "sample=$fsid" "$BV_URL/api/analyze")
	if [ "$c" = 200 ]; then
		frids="$frids $(json "$work/f$nn" 'j["id"]')"
	else
		bad "analyse BloodImage_$nn with um_per_px=0,1 -> $c: $(head -c 300 "$work/f$nn")"
	fi
done
if [ "$(json "$work/f00001" '"fov" in j and "area_um2" in j["fov"]')" != True ]; then
	ok "# SKIP this backend reports no fov.area_um2 yet (measured-field estimates untested end to end)"
else
	api GET "/api/samples/$fsid"
	# shellcheck disable=SC2086
	python3 - "$work/body" "$BV_RESULTS" "$top_srcdir/etc/clinical.json" $frids <<'PY' >"$work/py2.out" 2>&1
import json, math, sys
sm = json.load(open(sys.argv[1]))["summary"]
results, cal, rids = sys.argv[2], json.load(open(sys.argv[3])), sys.argv[4:]
res = [json.load(open("%s/%s/result.json" % (results, r))) for r in rids]
prof = [p for p in cal["profiles"] if p["name"] == "smear-100x-fn18"][0]
fails = []
def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond: fails.append(what)
for x in res:
    check(x["scale"]["source"] == "request" and x["scale"]["um_per_px"] == 0.1,
          "scale from the request, 0.1 um/px: %s" % x["scale"])
    check(abs(x["fov"]["area_um2"] - x["fov"]["area_px"] * 0.01) <= 1e-6 * x["fov"]["area_px"],
          "fov area_um2 = area_px x 0.1^2: %s" % x["fov"])
mean = sum(x["fov"]["area_um2"] for x in res) / len(res)
ipf = math.pi * (prof["field_diameter_um"] / 2) ** 2 / mean
m = sm["calibration"]["formula_i18n"]
check([c["code"] for c in m] == ["images_per_field_measured"], "measured field of view used: %s" % sm["calibration"]["formula"])
check(m[0]["params"]["images"] == len(res) and m[0]["params"]["images_per_field"] == round(ipf, 3),
      "its params: %s" % m[0]["params"])
for k in ("RBC", "WBC", "Platelets"):
    # each field's count a density rests on: its frame count scaled to the field (issue 20)
    tot = sum(x["frame"]["counts"][k] * x["frame"]["field_area_px"] / x["frame"]["area_px"]
              if sm["counting_frame"]["used"] else x["counts"].get(k, 0) for x in res)
    # mean per image x images per field x factor = total / measured area x field area x factor
    want = int(math.floor(tot / len(res) * ipf * prof["factors_per_ul"][k] + 0.5))
    check(sm["estimates"][k]["per_ul"] == want, "%s/uL %s == %s" % (k, sm["estimates"][k]["per_ul"], want))
sys.exit(1 if fails else 0)
PY
	pyrc=$?
	sed 's/^/    /' "$work/py2.out"
	[ "$pyrc" = 0 ] && ok "estimates from the measured fields of view" ||
	    bad "estimates from the measured fields of view"
fi
api DELETE "/api/samples/$fsid"

# 3c. A review of one field through the API: a new version beside the
#     detector's output, used by the sample; a stale save gets 409.
rid1=$(echo $rids | cut -d' ' -f1)
api PUT "/api/results/$rid1/review" -H 'Content-Type: application/json' \
    --data-binary '{"version":0,"by":"IT","changes":[{"op":"delete","detection":0}]}'
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["review"]["version"]')" = 1 ] &&
    ok "review version 1 saved -> 200" || bad "review -> $code: $(head -c 300 "$work/body")"
cp "$work/body" "$work/reviewed.json"
api PUT "/api/results/$rid1/review" -H 'Content-Type: application/json' \
    --data-binary '{"version":0,"by":"IT2","changes":[]}'
m=$(json "$work/body" '(j["error"]["code"], j["error"]["message_i18n"][0]["code"], j["error"]["message_i18n"][0]["params"]["current"])')
[ "$code" = 409 ] && [ "$m" = "('conflict', 'review_conflict', 1)" ] &&
    ok "a save naming the stale version 0 -> 409 conflict (latest 1)" || bad "stale review save -> $code $m"
c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/results/$rid1/review-1.json")
[ "$c" = 404 ] || [ "$c" = 403 ] && ok "review files not served statically ($c)" || bad "review-1.json served: $c"
api GET "/api/samples/$sid"
python3 - "$work/summary.json" "$work/body" "$BV_RESULTS/$rid1/result.json" "$work/reviewed.json" <<'PY' >"$work/py3.out" 2>&1
import json, sys
before = json.load(open(sys.argv[1]))["summary"]
after = json.load(open(sys.argv[2]))["summary"]
det, rev = json.load(open(sys.argv[3])), json.load(open(sys.argv[4]))
fails = []
def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond: fails.append(what)
d0 = det["detections"][0]
counted = d0["confidence"] >= det["thresholds"][d0["class"]]
want = dict(det["counts"]); want[d0["class"]] -= 1 if counted else 0
check(rev["counts"] == want, "reviewed counts %s: detection 0 (%s, counted %s) deleted" % (rev["counts"], d0["class"], counted))
check(rev["detector_counts"] == det["counts"], "result.json keeps the detector's counts %s" % det["counts"])
for k in ("RBC", "WBC", "Platelets"):
    d = (1 if counted and k == d0["class"] else 0)
    check(after["totals"][k] == before["totals"][k] - d, "sample total %s %s -> %s" % (k, before["totals"][k], after["totals"][k]))
check(after["review"]["reviewed_fields"] == 1 and after["review"]["text_i18n"][0]["code"] == "review_some",
      "the summary says 1 of 3 fields reviewed: %s" % after["review"]["text"])
check([f["review_version"] for f in after["per_field"] if f["result"] == det["id"]] == [1], "that field at version 1")
sys.exit(1 if fails else 0)
PY
pyrc=$?
sed 's/^/    /' "$work/py3.out"
[ "$pyrc" = 0 ] && ok "the sample uses the reviewed counts and says so" || bad "reviewed counts in the sample"

# 3c. Field marking: the first field marked "chosen around white cells"
#     leaves the density estimates (random fields only); the differential
#     still counts every field, its numbers recomputed here.
rmark=$(echo $rids | cut -d' ' -f1)
api PUT "/api/samples/$sid/results/$rmark" -H 'Content-Type: application/json' \
    --data-binary '{"selection":"around"}'
m=$(json "$work/body" '(j["error"]["message_i18n"][0]["code"], j["error"]["message_i18n"][0]["params"]["field"])')
[ "$code" = 400 ] && [ "$m" = "('selection_invalid', 'selection')" ] &&
    ok "a wrong marking -> 400 selection_invalid naming the field" || bad "bad marking -> $code $m"
api PUT "/api/samples/$sid/results/$rmark" -H 'Content-Type: application/json' \
    --data-binary '{"selection":"targeted"}'
[ "$code" = 200 ] && ok "mark a field targeted -> 200" || bad "mark -> $code: $(head -c 300 "$work/body")"
# shellcheck disable=SC2086
python3 - "$work/body" "$BV_RESULTS" "$rmark" <<'PY' >"$work/py4.out" 2>&1
import json, os, sys
body = json.load(open(sys.argv[1])); s = body["summary"]; res = sys.argv[2]; marked = sys.argv[3]
fails = []
def check(cond, what):
    print(("ok: " if cond else "FAIL: ") + what)
    if not cond: fails.append(what)
sel = {f["result"]: f["selection"] for f in s["per_field"]}
check(sel[marked] == "targeted" and sorted(sel.values()) == ["random", "random", "targeted"],
      "per_field selection %s" % sel)
check(body["sample"]["field_selection"][marked] == "targeted", "stored with the attachment")
check((s["selection"]["random"], s["selection"]["targeted"]) == (2, 1) and
      s["selection"]["text_i18n"][0]["code"] == "selection_some_targeted", "selection: %s" % s["selection"]["text"])
random = [f for f in s["per_field"] if f["selection"] == "random"]
for k in ("RBC", "WBC", "Platelets"):
    e = s["estimates"].get(k)
    if e is None:
        check(False, "%s estimate missing" % k); continue
    p = e["formula_i18n"][0]["params"]
    # the counting frame's count scaled to the field when the estimates use frames (issue 20)
    mean = sum(f["frame"]["counts"][k] * f["frame"]["field_over_frame"] if s["counting_frame"]["used"]
               else f["counts"][k] for f in random) / len(random)
    check(p["fields"] == 2 and abs(p["mean"] - round(mean, 3)) < 1e-9,
          "%s estimate from the 2 random fields: mean %s (%s)" % (k, p["mean"], e["formula"]))
# The differential from each field's detections and review.
want, untyped = {}, 0
for f in s["per_field"]:
    r = json.load(open(os.path.join(res, f["result"], "result.json")))
    gone = set()
    if f["review_version"]:
        rv = json.load(open(os.path.join(res, f["result"], "review-%d.json" % f["review_version"])))
        gone = {c["detection"] for c in rv["changes"] if c["op"] == "delete"}
    for i, d in enumerate(r["detections"]):
        if i in gone or d["class"] != "WBC" or d["confidence"] < r["thresholds"]["WBC"]:
            continue
        t = d.get("wbc_type", {}).get("class", "untyped")
        if t == "untyped": untyped += 1
        else: want[t] = want.get(t, 0) + 1
dv = s["differential"]
typed = sum(want.values())
check(dv["typed"] == typed and dv["untyped"] == untyped, "typed %d, untyped %d (recomputed %d, %d)" % (dv["typed"], dv["untyped"], typed, untyped))
check(dv["typed"] + dv["untyped"] == s["totals"]["WBC"], "typed + untyped = the sample's WBC total %d" % s["totals"]["WBC"])
check(all(dv["counts"][k] == want.get(k, 0) for k in dv["classes"]), "counts per type %s" % dv["counts"])
if typed:
    check(all(abs(dv["percent"][k] - round(100.0 * want.get(k, 0) / typed, 1)) < 1e-9 for k in dv["classes"]), "percent %s" % dv["percent"])
check(dv["complete"] == (typed >= 100) and dv["progress"] == [typed, 100], "100-cell rule: progress %s" % dv["progress"])
check(dv["complete"] or ("%d/100" % typed) in dv["text"], "says %s" % dv["text"])
check(all(x["class"] in ("ig", "erythroblast") and want.get(x["class"], 0) > 0 for x in dv["flags"]) and
      len(dv["flags"]) == sum(1 for k in ("ig", "erythroblast") if want.get(k)), "review flags %s" % [x["class"] for x in dv["flags"]])
w = s["flags"].get("WBC", {}).get("flag")
if dv["per_ul"] is None:
    check(dv["per_ul_withheld"] and dv["per_ul_withheld_i18n"], "per uL withheld: %s" % dv["per_ul_withheld"])
else:
    check(w != "implausible" and all(abs(dv["per_ul"][k] - dv["percent"][k] / 100 * s["estimates"]["WBC"]["per_ul"]) <= 0.5 + 0.0005 * s["estimates"]["WBC"]["per_ul"] for k in dv["classes"]),
          "per uL = %% x WBC estimate %s" % dv["per_ul"])
sys.exit(1 if fails else 0)
PY
pyrc=$?
sed 's/^/    /' "$work/py4.out"
[ "$pyrc" = 0 ] && ok "marked field out of the estimates; differential matches the fields" || bad "field marking / differential"
# Fields analysed into the sample from now on are marked as the sample says.
api PUT "/api/samples/$sid/selection" -H 'Content-Type: application/json' --data-binary '{"selection":"targeted"}'
[ "$code" = 200 ] && [ "$(json "$work/body" 'j["sample"]["new_field_selection"]')" = targeted ] &&
    ok "new fields will be marked targeted -> 200" || bad "set new field marking -> $code"
c=$(curl -s -o "$work/r4" -w '%{http_code}' -F "image=@$imgs/BloodImage_00005.jpg" -F "sample=$sid" "$BV_URL/api/analyze")
if [ "$c" = 200 ]; then
	r4=$(json "$work/r4" 'j["id"]')
	api GET "/api/samples/$sid"
	m=$(json "$work/body" "[f['selection'] for f in j['summary']['per_field'] if f['result'] == '$r4']")
	[ "$m" = "['targeted']" ] && ok "a field analysed into it is marked targeted" || bad "new field marked $m"
	api DELETE "/api/samples/$sid/results/$r4"
	[ "$code" = 200 ] && [ "$(json "$work/body" "'$r4' in j['sample'].get('field_selection', {})")" = False ] &&
	    ok "removing the field drops its marking" || bad "remove marked field -> $code"
else
	bad "analyse into the targeted sample -> $c"
fi

# 3d. A chamber sample with the technician's manual counts: the arithmetic
#     recomputed here from the profile's depth; half a count refused naming it.
api POST /api/samples -H 'Content-Type: application/json' --data-binary \
    '{"code":"IT-CH-1","preparation":"chamber","manual_counts":{"WBC":{"cells":123,"squares":4,"square":"large","dilution":20}}}'
if [ "$code" = 201 ]; then
	chid=$(json "$work/body" 'j["id"]')
	api GET "/api/samples/$chid"
	python3 - "$work/body" "$top_srcdir/etc/clinical.json" <<'PY' >"$work/py5.out" 2>&1
import json, sys
b = json.load(open(sys.argv[1])); cal = json.load(open(sys.argv[2]))
prof = [p for p in cal["profiles"] if p["name"] == b["sample"]["profile"]][0]
m = b["summary"]["manual"]["WBC"]
want = round(123 / (4 * 1.0 * prof["depth_mm"]) * 20)
ok = m["per_ul"] == want and m["formula"].endswith("= %d" % want) and b["summary"]["detector_note_i18n"][0]["code"] == "chamber_not_validated"
print(("ok: " if ok else "FAIL: ") + "manual WBC %s (want %d): %s" % (m["per_ul"], want, m["formula"]))
sys.exit(0 if ok else 1)
PY
	pyrc=$?
	sed 's/^/    /' "$work/py5.out"
	[ "$pyrc" = 0 ] && ok "chamber manual counts: cells / (squares x area x depth) x dilution" || bad "manual counts"
	api DELETE "/api/samples/$chid"
else
	bad "create chamber sample -> $code: $(head -c 300 "$work/body")"
fi
api POST /api/samples -H 'Content-Type: application/json' --data-binary \
    '{"code":"IT-CH-2","preparation":"chamber","manual_counts":{"WBC":{"cells":12,"squares":12,"square":"large"}}}'
m=$(json "$work/body" '(j["error"]["message_i18n"][0]["code"], j["error"]["message_i18n"][0]["params"]["field"])')
[ "$code" = 400 ] && [ "$m" = "('manual_squares_invalid', 'manual_counts.WBC.squares')" ] &&
    ok "12 large squares (the ruling has 9) -> 400 naming manual_counts.WBC.squares" || bad "bad manual count -> $code $m"

# 4. List, delete.
api GET /api/samples
[ "$code" = 200 ] && [ "$(json "$work/body" "[x['fields'] for x in j['samples'] if x['id']=='$sid']")" = "[3]" ] &&
    ok "listed with 3 fields" || bad "list -> $code: $(head -c 300 "$work/body")"
api GET /api/samples/profiles
[ "$code" = 200 ] && ok "profiles -> 200" || bad "profiles -> $code"
api DELETE "/api/samples/$sid"
[ "$code" = 200 ] && ok "delete -> 200" || bad "delete -> $code"
api GET "/api/samples/$sid"
[ "$code" = 404 ] && ok "deleted sample -> 404" || bad "after delete -> $code"
c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/results/samples/$sid.json")
[ "$c" = 404 ] || [ "$c" = 403 ] && ok "sample files not served statically ($c)" ||
    bad "samples/ served statically: $c"

echo "$n checks, $fails failed"
[ "$fails" = 0 ]
