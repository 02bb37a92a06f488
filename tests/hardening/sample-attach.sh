#!/bin/sh
# sample-attach.sh: hardening row 14 -- analyse into a sample: no 200 that lies
# A result analysed into a sample says "sample": ID, so it must be in that
# sample before the answer goes out.
# 1. Into a full sample (SAMPLES_MAX_RESULTS, 1,000): 400 sample_full
#    before any detection, no result made.
# 2. Into a sample deleted while the analysis runs (the test holds the
#    samples lock, so the backend waits at the attach; meanwhile the
#    sample goes): 404 sample_not_found, the result taken back, nothing
#    left that claims the sample.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
BV_SERVER_PROCS=1
hd_start
w=$HD_WORK
holder=
trap '[ -n "$holder" ] && kill "$holder" 2>/dev/null; hd_stop' EXIT
trap 'exit 1' INT TERM

# sample CODE: create one, print its id
sample() {
	curl -s -o "$w/s" -H 'Content-Type: application/json' \
	    --data-binary "{\"code\":\"$1\"}" "$BV_URL/api/samples"
	hd_json "$w/s" 'j["id"]'
}
# claims ID: how many visible results say "sample": ID
claims() {
	grep -l "\"sample\": *\"$1\"" "$BV_RESULTS"/*/result.json 2>/dev/null | wc -l
}
i18n() { hd_json "$w/body" '[m["code"] for m in j["error"].get("message_i18n", [])]'; }

hd_post "$HD_IMG"
[ "$code" = 200 ] || { echo "ERROR: upload -> $code"; exit 99; }

# --- 1. full sample ------------------------------------------------------------
full=$(sample FULL-1)
[ -n "$full" ] || { echo "ERROR: cannot create a sample"; exit 99; }
python3 - "$BV_RESULTS/samples/$full.json" <<'PY'
import json, os, sys, base64
p = sys.argv[1]
s = json.load(open(p))
s["results"] = [base64.urlsafe_b64encode(os.urandom(16)).decode()[:22] for _ in range(1000)]
json.dump(s, open(p + ".new", "w"))
os.rename(p + ".new", p)
PY
[ "$(id -u)" = 0 ] && chown www-data:www-data "$BV_RESULTS/samples/$full.json"
v0=$(hd_visible)
hd_post "$HD_IMG" -F "sample=$full"
[ "$code" = 400 ] && [ "$(i18n)" = "['sample_full']" ] &&
    ok "analyse into a full sample -> 400 sample_full (${time}s)" ||
    bad "analyse into a full sample -> $code: $(head -c 200 "$w/body")"
[ "$(hd_visible)" = "$v0" ] && [ "$(claims "$full")" = 0 ] &&
    ok "no result made for the full sample" ||
    bad "full sample: $(hd_visible) results (was $v0), $(claims "$full") claim it"
n=$(hd_json "$BV_RESULTS/samples/$full.json" 'len(j["results"])')
[ "$n" = 1000 ] && ok "the full sample still holds 1000" || bad "full sample holds $n"

# --- 2. sample deleted during the analysis ---------------------------------------
gone=$(sample GONE-1)
[ -n "$gone" ] || { echo "ERROR: cannot create a sample"; exit 99; }
python3 - "$BV_RESULTS/samples" "$gone" "$w/go" <<'PY' &
import fcntl, os, sys, time
d, sid, go = sys.argv[1:4]
fd = os.open(os.path.join(d, ".lock"), os.O_RDWR | os.O_CREAT, 0o644)
fcntl.flock(fd, fcntl.LOCK_EX)          # what every sample writer takes
open(go + ".held", "w").close()
while not os.path.exists(go):
    time.sleep(0.02)
os.unlink(os.path.join(d, sid + ".json"))   # a DELETE of the sample, meanwhile
os.close(fd)
PY
holder=$!
i=0
while [ ! -e "$w/go.held" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i + 1)); done
[ "$(id -u)" = 0 ] && chown www-data:www-data "$BV_RESULTS/samples/.lock"
v0=$(hd_visible)
pid=$(hd_backend_pid)
curl -s -o "$w/body" -w '%{http_code}' -F "image=@$HD_IMG" -F "sample=$gone" \
    "$BV_URL/api/analyze" > "$w/code" &
cpid=$!
# the backend blocks on the lock only when it attaches, after detection
# (/proc/locks: "N: -> FLOCK ADVISORY WRITE PID ..." for a waiter)
waiting() { awk -v p="$pid" '$2 == "->" && $3 == "FLOCK" && $6 == p { f = 1 } END { exit !f }' /proc/locks; }
i=0
while ! waiting && [ $i -lt 600 ]; do
	sleep 0.05
	i=$((i + 1))
done
waiting && ok "the analysis waits to attach after detection" ||
    bad "the backend never waited for the samples lock"
touch "$w/go"
wait "$holder"
holder=
wait "$cpid"
code=$(cat "$w/code")
[ "$code" = 404 ] && [ "$(i18n)" = "['sample_not_found']" ] &&
    ok "sample deleted during the analysis -> 404 sample_not_found" ||
    bad "sample deleted during the analysis -> $code: $(head -c 200 "$w/body")"
[ "$(hd_visible)" = "$v0" ] && [ "$(claims "$gone")" = 0 ] && [ "$(hd_hidden)" = 0 ] &&
    ok "its result was taken back: nothing claims the deleted sample" ||
    bad "deleted sample: $(hd_visible) results (was $v0), $(claims "$gone") claim it"
hd_log | grep -q "sample $gone: attach .* result taken back" &&
    ok "the backend log says the result was taken back" || bad "no log line"

# --- and into a sample with room: 200 and listed --------------------------------
ok_s=$(sample ROOM-1)
hd_post "$HD_IMG" -F "sample=$ok_s"
rid=$(hd_json "$w/body" 'j["id"]')
[ "$code" = 200 ] && [ "$(hd_json "$BV_RESULTS/samples/$ok_s.json" 'j["results"]')" = "['$rid']" ] &&
    ok "into a sample with room: 200 and the sample lists it" ||
    bad "sample with room: $code, sample holds $(hd_json "$BV_RESULTS/samples/$ok_s.json" 'j["results"]')"
hd_finish
