#!/bin/sh
# history-api.sh: GET /api/results paging and filters (offset, limit, code, from, to) on 130 results
# (and bloodview.conf's clinic_name, which GET /api/model gives the printed report)
# Three results are analysed from BCCD fields through lighttpd; 127 more are
# copies of one of them written straight into the results directory with
# their own id, "created" date (spread over 40 days) and matching mtime, as
# a clinic's months of work would leave them.  Every expected figure (totals,
# page contents, what a filter keeps) is recomputed here from the files.
set -u

lib=$top_srcdir/tests/lib/server.sh
. "$top_srcdir/tests/lib/check.sh"
bv_need curl python3
# BCCD fields, or smears drawn by tests/gen-smear without the dataset
. "$top_srcdir/tests/lib/images.sh"
imgs=$(bv_test_image_dir 00001 00002 00003) || exit 99
echo "# images: $(bv_test_images)"
. "$lib"

# The clinic's name for the report header, as an administrator writes it.
clinic='Centro de Salud San Martín'
BV_EXTRA_CONF="clinic_name = $clinic"
export BV_EXTRA_CONF
bv_server_start
work=$BV_STATE/work
mkdir -p "$work"

# 0. clinic_name: in GET /api/model as configured; bad text stops the backend naming the key.
api GET /api/model
m=$(json "$work/body" 'j["clinic_name"]')
[ "$code $m" = "200 $clinic" ] && ok "GET /api/model clinic_name: $m" || bad "clinic_name -> $code $m"
asuser=
[ "$(id -u)" = 0 ] && asuser="setpriv --reuid=33 --regid=33 --clear-groups"
if [ -z "$asuser" ] || command -v setpriv >/dev/null; then
	long=$(python3 -c 'print("x" * 129)')
	for v in 'a control byte|a\001b' 'Latin-1, not UTF-8|Caf\351' "129 bytes|$long"; do
		printf "clinic_name = ${v#*|}\n" >"$work/bad.conf"
		chmod 644 "$work/bad.conf"
		$asuser "$top_builddir/cgi-bin/bloodview" -c "$work/bad.conf" </dev/null >"$work/out" 2>&1
		rc=$?
		grep -q "bad.conf:1: clinic_name: at most 128 bytes" "$work/out" && [ $rc != 0 ] &&
		    ok "clinic_name with ${v%%|*} refused at start-up, naming file:line and key" ||
		    bad "clinic_name with ${v%%|*}: rc $rc $(head -c 200 "$work/out")"
	done
fi

# 1. Three real results; the second goes into sample HX-0001 when analysed.
api POST /api/samples -H 'Content-Type: application/json' --data-binary '{"code":"HX-0001"}'
[ "$code" = 201 ] || { bad "create sample HX-0001 -> $code: $(head -c 300 "$work/body")"; exit 1; }
sid1=$(json "$work/body" 'j["id"]')
api POST /api/samples -H 'Content-Type: application/json' --data-binary '{"code":"Alpha.77"}'
[ "$code" = 201 ] || { bad "create sample Alpha.77 -> $code"; exit 1; }
sid2=$(json "$work/body" 'j["id"]')
real=
for nn in 00001 00002 00003; do
	extra=
	[ $nn = 00002 ] && extra="-F sample=$sid1"
	# shellcheck disable=SC2086
	c=$(curl -s -o "$work/r$nn" -w '%{http_code}' -F "image=@$imgs/BloodImage_$nn.jpg" $extra \
	    "$BV_URL/api/analyze")
	if [ "$c" = 200 ]; then
		real="$real $(json "$work/r$nn" 'j["id"]')"
	else
		bad "analyse BloodImage_$nn -> $c: $(head -c 300 "$work/r$nn")"
		exit 1
	fi
done
ok "3 BCCD fields analysed (one into sample HX-0001)"

# 2. 127 more, written as the store writes them (result.json with its own
#    id, date and URLs; its mtime the date, as results_commit leaves it).
python3 - "$BV_RESULTS" $real <<'PY' >"$work/made" 2>"$work/made.err"
import json, os, random, shutil, sys, time, calendar
results, real = sys.argv[1], sys.argv[2:]
src = os.path.join(results, real[0])
alpha = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
rnd = random.Random(13)
base = calendar.timegm((2026, 9, 20, 0, 0, 0))
for k in range(127):
    rid = "".join(rnd.choice(alpha) for _ in range(22))
    # 40 days, several results a day, times of day spread over 24 h
    t = base + (k % 40) * 86400 + rnd.randrange(86400)
    r = json.load(open(os.path.join(src, "result.json")))
    r["id"] = rid
    r["created"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))
    r["sample"] = None
    r["urls"] = {k2: v.replace(real[0], rid) for k2, v in r["urls"].items()}
    d = os.path.join(results, rid)
    os.mkdir(d, 0o755)
    for f in os.listdir(src):
        if f != "result.json":
            shutil.copyfile(os.path.join(src, f), os.path.join(d, f))
    with open(os.path.join(d, "result.json"), "w") as fh:
        json.dump(r, fh)
    os.utime(os.path.join(d, "result.json"), (t + 2, t + 2))
    print(rid)
PY
[ "$(id -u)" = 0 ] && chown -R www-data:www-data "$BV_RESULTS"
made=$(wc -l <"$work/made")
[ "$made" = 127 ] && ok "127 stored results made (40 days from 2026-09-20)" ||
    { bad "made $made results: $(cat "$work/made.err")"; exit 1; }

# Ten of the old ones attached to sample Alpha.77 afterwards (the sample's
# own list decides, not the result's "sample").
for rid in $(sed -n '1,10p' "$work/made"); do
	api POST "/api/samples/$sid2/results" -H 'Content-Type: application/json' \
	    --data-binary "{\"result\":\"$rid\"}"
	[ "$code" = 200 ] || bad "attach $rid to Alpha.77 -> $code"
done
sed -n '1,10p' "$work/made" >"$work/alpha"

# 3. The whole list (limit 1000), the reference for every check below.
api GET '/api/results?limit=1000'
cp "$work/body" "$work/all.json"
[ "$code" = 200 ] && ok "list limit=1000 -> 200" || bad "list -> $code"
python3 - "$work/all.json" "$BV_RESULTS" "$sid1" "$sid2" "$work/alpha" $real <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
results, sid1, sid2 = sys.argv[2], sys.argv[3], sys.argv[4]
alpha = set(open(sys.argv[5]).read().split())
real = sys.argv[6:]
rs = j["results"]
ids = [r["id"] for r in rs]
bad = []
def check(c, what):
    print(("ok: " if c else "FAIL: ") + what)
    if not c: bad.append(what)
check(j["total"] == 130 and len(rs) == 130, "total %s, %d listed (130 expected)" % (j["total"], len(rs)))
check(len(set(ids)) == 130, "no id twice")
check(j["offset"] == 0 and j["limit"] == 1000, "offset/limit echoed: %s/%s" % (j["offset"], j["limit"]))
created = [json.load(open(os.path.join(results, i, "result.json")))["created"] for i in ids]
check(created == sorted(created, reverse=True), "newest first by created")
check(set(ids[:3]) == set(real), "the 3 analysed today come first")
s2 = [r for r in rs if r["id"] == real[1]][0]
check(s2["samples"] == [{"id": sid1, "code": "HX-0001"}] and s2["sample"] == sid1,
      "analysed into HX-0001: samples %s" % s2["samples"])
inalpha = [r for r in rs if r["id"] in alpha]
check(len(inalpha) == 10 and all(r["samples"] == [{"id": sid2, "code": "Alpha.77"}] for r in inalpha),
      "10 attached later list Alpha.77")
check(all(r["samples"] == [] for r in rs if r["id"] not in alpha and r["id"] != real[1]),
      "the others: no sample")
sys.exit(1 if bad else 0)
PY
[ $? = 0 ] && ok "whole list: totals, order and sample codes" || bad "whole list (above)"

# page OFFSET LIMIT: the ids of that page, checked against the whole list
page() {
	api GET "/api/results?offset=$1&limit=$2"
	python3 - "$work/body" "$work/all.json" "$1" "$2" "$code" <<'PY'
import json, sys
p, a = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
off, lim, code = int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
want = [r["id"] for r in a["results"]][off:off + lim]
got = [r["id"] for r in p.get("results", [])]
good = code == "200" and p["total"] == 130 and got == want and p["offset"] == off and p["limit"] == lim
print("offset %d limit %d -> %s, %d results, total %s%s" % (off, lim, code, len(got), p.get("total"),
      "" if good else " (want %d: %s...)" % (len(want), want[:2])))
sys.exit(0 if good else 1)
PY
}
for ol in "0 50" "50 50" "100 50" "129 50" "130 50" "500 10" "0 1" "129 1" "37 13"; do
	# shellcheck disable=SC2086
	out=$(page $ol) && ok "page: $out" || bad "page: $out"
done
# Three pages of 50 are the list, once each.
for o in 0 50 100; do
	api GET "/api/results?offset=$o&limit=50"
	json "$work/body" '"\n".join(r["id"] for r in j["results"])'
done >"$work/paged"
[ "$(sort "$work/paged" | uniq | wc -l)" = 130 ] && [ "$(wc -l <"$work/paged")" = 130 ] &&
    ok "pages 0/50/100 of 50 hold all 130 results once" || bad "paged union: $(sort "$work/paged" | uniq | wc -l)"
api GET '/api/results'
m=$(json "$work/body" '(len(j["results"]), j["limit"], j["offset"], j["total"])')
[ "$m" = "(50, 50, 0, 130)" ] && ok "no parameters: first 50 of 130" || bad "defaults: $m"

# filt QUERY: the server's total and ids against a python filter of the whole list
filt() {
	api GET "/api/results?limit=1000&$1"
	python3 - "$work/body" "$work/all.json" "$BV_RESULTS" "$code" "$2" <<'PY'
import json, os, sys
p, a, results, code, rule = (json.load(open(sys.argv[1])), json.load(open(sys.argv[2])),
                             sys.argv[3], sys.argv[4], sys.argv[5])
def created(r):
    return json.load(open(os.path.join(results, r["id"], "result.json")))["created"][:10]
def codes(r):
    return [s["code"].lower() for s in r["samples"]]
want = [r["id"] for r in a["results"] if eval(rule)]
got = [r["id"] for r in p.get("results", [])]
good = code == "200" and got == want and p["total"] == len(want) and len(want) > 0
print("%s -> %s, total %s (%d expected)" % (rule, code, p.get("total"), len(want)))
sys.exit(0 if good else 1)
PY
}
for q in "code=HX-0001|'hx-0001' in codes(r)" \
    "code=alpha|any('alpha' in c for c in codes(r))" \
    "code=A.7|any('a.7' in c for c in codes(r))" \
    "from=2026-10-05&to=2026-10-07|'2026-10-05' <= created(r) <= '2026-10-07'" \
    "from=2026-10-20|created(r) >= '2026-10-20'" \
    "to=2026-09-21|created(r) <= '2026-09-21'" \
    "from=2026-09-20&to=2026-09-20|created(r) == '2026-09-20'" \
    "code=Alpha.77&from=2026-09-22&to=2026-09-26|'alpha.77' in codes(r) and '2026-09-22' <= created(r) <= '2026-09-26'"; do
	out=$(filt "${q%%|*}" "${q#*|}") && ok "filter ${q%%|*}: $out" || bad "filter ${q%%|*}: $out"
done
api GET '/api/results?code=NOPE-1'
m=$(json "$work/body" '(len(j["results"]), j["total"])')
[ "$code $m" = "200 (0, 0)" ] && ok "code nobody has: 200, 0 of 0" || bad "unknown code -> $code $m"
api GET '/api/results?from=2030-01-01'
m=$(json "$work/body" '(len(j["results"]), j["total"])')
[ "$code $m" = "200 (0, 0)" ] && ok "from a future day: 200, 0 of 0" || bad "future from -> $code $m"
api GET '/api/results?code=alpha&limit=4&offset=8'
m=$(json "$work/body" '(len(j["results"]), j["total"])')
[ "$code $m" = "200 (2, 10)" ] && ok "filtered paging: code=alpha offset 8 limit 4 -> 2 of 10" ||
    bad "filtered paging -> $code $m"

# 4. Bad parameters: 400 naming the parameter (message and message_i18n).
for q in "offset=-1|offset" "offset=abc|offset" "offset=10000001|offset" "offset=|offset" \
    "limit=0|limit" "limit=1001|limit" "limit=5x|limit" "limit=99999999999999999999|limit" \
    "code=a%20b|code" "code=ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456|code" "code=%C3%B1|code" \
    "from=2026-13-01|from" "from=2026-02-29|from" "from=26-01-01|from" "from=2026-1-1|from" \
    "to=2026-04-31|to" "to=yesterday|to" "from=2026-10-02&to=2026-10-01|to"; do
	api GET "/api/results?${q%%|*}"
	want=${q#*|}
	m=$(json "$work/body" '(j["error"]["code"], j["error"]["message_i18n"][0]["code"], j["error"]["message_i18n"][0]["params"]["field"], j["error"]["message"].startswith("Parameter \"%s\"" % j["error"]["message_i18n"][0]["params"]["field"]))' 2>&1)
	[ "$code $m" = "400 ('bad_request', 'query_invalid', '$want', True)" ] &&
	    ok "${q%%|*} -> 400 naming $want" || bad "${q%%|*} -> $code $m"
done
api GET '/api/results?from=2024-02-29&to=2024-02-29&code='
[ "$code" = 200 ] && ok "a leap day and an empty code are fine -> 200" || bad "leap day -> $code"

# 5. Time for the whole filtered list of 130 (informative; load: uptime).
t0=$(date +%s%N)
api GET '/api/results?limit=1000&from=2026-09-01'
t1=$(date +%s%N)
echo "# limit=1000 from=2026-09-01 (130 results read): $(( (t1 - t0) / 1000000 )) ms; load $(cut -d' ' -f1-3 /proc/loadavg)"

echo "1..$n"
[ $fails = 0 ] || { echo "--- backend log ---"; tail -n 20 "$BV_LOG" 2>/dev/null; }
[ $fails = 0 ]
