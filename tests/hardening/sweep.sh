#!/bin/sh
# sweep.sh: hardening row 13 -- a restarted backend spares its sibling's work
# lighttpd runs two backends on one results directory; one restarted after
# a crash sweeps the temporaries of interrupted commits at start-up.
# 1. A temporary that a live process holds (flock, as a committing backend
#    does) survives a restart's sweep; an abandoned one and an interrupted
#    delete are removed.
# 2. Under upload load, one backend is killed (-9) and restarted by
#    lighttpd HD_KILLS times (20; 50 by hand) while its sibling serves: no
#    backend-made error at all (the killed one's requests get lighttpd's own
#    5xx, no JSON, or - killed while its answer was on the way - a response
#    cut short, at most the 3 in flight per kill), the sibling never
#    restarts, every 200's result is there and complete, nothing hidden is
#    left at the end.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
kills=${HD_KILLS:-20}
BV_SERVER_PROCS=2
hd_start
w=$HD_WORK
stop_helpers() {
	touch "$w/stop"
	[ -n "${holder:-}" ] && kill "$holder" 2>/dev/null
	[ -n "${loaders:-}" ] && wait $loaders 2>/dev/null
}
trap 'stop_helpers; hd_stop' EXIT
trap 'exit 1' INT TERM

# Waits poll with a hang guard only (2,400 x 50 ms: far beyond a loaded
# 2-core machine under ASan), never a bound on how fast a restart is.
# wait_new SIBLING: until a backend other than SIBLING runs; it sweeps
# first thing at start-up, before loading the model
wait_new() {
	i=0
	while [ $i -lt 2400 ]; do
		[ -n "$(hd_backend_pids | grep -vx "$1")" ] && return 0
		sleep 0.05
		i=$((i + 1))
	done
	return 1
}
# restarted: until the backend log shows one more "model ... loaded"
loaded() { hd_log | grep -c 'model .* loaded'; }
wait_loaded() {
	i=0
	while [ "$(loaded)" -le "$1" ] && [ $i -lt 2400 ]; do
		sleep 0.05
		i=$((i + 1))
	done
	[ "$(loaded)" -gt "$1" ]
}

# --- 1. held, abandoned, interrupted delete ------------------------------------
hd_post "$HD_IMG"
[ "$code" = 200 ] || { echo "ERROR: upload -> $code"; exit 99; }
held=.tmp-HELDHELDHELDHELDHELD12
gone=.tmp-GONEGONEGONEGONEGONE12
del=.del-DELDELDELDELDELDELDEL1
python3 - "$BV_RESULTS" "$held" "$w/stop" <<'PY' &
import fcntl, os, sys, time
root, name, stop = sys.argv[1:4]
d = os.path.join(root, name)
os.mkdir(d)
fd = os.open(d, os.O_RDONLY | os.O_DIRECTORY)
fcntl.flock(fd, fcntl.LOCK_EX)      # what results_commit() holds while it writes
open(os.path.join(d, "result.json"), "w").write("{}")
open(os.path.join(root, name + ".ready"), "w").close()
while not os.path.exists(stop):
    time.sleep(0.05)
PY
holder=$!
i=0
while [ ! -e "$BV_RESULTS/$held.ready" ] && [ $i -lt 2400 ]; do sleep 0.05; i=$((i + 1)); done
rm -f "$BV_RESULTS/$held.ready"
mkdir "$BV_RESULTS/$gone" "$BV_RESULTS/$del"
echo '{}' > "$BV_RESULTS/$gone/result.json"
echo '{}' > "$BV_RESULTS/$del/result.json"
# as the backends' own (they run as www-data when the test runs as root)
[ "$(id -u)" = 0 ] && chown -R www-data:www-data "$BV_RESULTS/$held" \
    "$BV_RESULTS/$gone" "$BV_RESULTS/$del"
old=$(hd_backend_pids | tr '\n' ' ')
n0=$(loaded)
kill -9 $(hd_backend_pid)
# lighttpd restarts it when it next needs it
for i in 1 2 3 4 5 6; do curl -s -o /dev/null "$BV_URL/api/health"; done
wait_loaded "$n0" && ok "a killed backend is restarted (pids $old-> $(hd_backend_pids | tr '\n' ' '))" ||
    bad "no backend restart seen"
[ -f "$BV_RESULTS/$held/result.json" ] && ok "a temporary a live writer holds survives the sweep" ||
    bad "the sweep removed a live writer's temporary"
[ ! -e "$BV_RESULTS/$gone" ] && ok "an abandoned temporary is swept" || bad "abandoned temporary left"
[ ! -e "$BV_RESULTS/$del" ] && ok "an interrupted delete is swept" || bad "interrupted delete left"
touch "$w/stop"
wait "$holder"
holder=
rm -f "$w/stop"
# once its writer is gone, the next restart's sweep takes it
n0=$(loaded)
kill -9 $(hd_backend_pid)
for i in 1 2 3 4 5 6; do curl -s -o /dev/null "$BV_URL/api/health"; done
wait_loaded "$n0"
[ ! -e "$BV_RESULTS/$held" ] && ok "the same temporary, its writer dead, is swept" ||
    bad "dead writer's temporary left"

# --- 2. kill and restart one backend under load --------------------------------
cat > "$w/load.py" <<'PY'
# load.py PORT IMAGE STOPFILE OUT: POST IMAGE until STOPFILE exists; one
# line per request to OUT: status, error code (or "-" / "nojson"), id
import http.client, json, os, sys, uuid
port, image, stop, out = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
data = open(image, "rb").read()
b = uuid.uuid4().hex
body = (b"--" + b.encode() + b"\r\nContent-Disposition: form-data; name=\"image\"; "
        b"filename=\"f.jpg\"\r\nContent-Type: image/jpeg\r\n\r\n" + data +
        b"\r\n--" + b.encode() + b"--\r\n")
with open(out, "w") as f:
    while not os.path.exists(stop):
        try:
            c = http.client.HTTPConnection("127.0.0.1", int(port), timeout=300)
            c.request("POST", "/api/analyze", body,
                      {"Content-Type": "multipart/form-data; boundary=" + b})
            r = c.getresponse()
            raw = r.read()
            c.close()
        except http.client.IncompleteRead:
            # headers came, then the backend died: the kill's, never a reply
            f.write("0 cut -\n"); f.flush()
            continue
        except Exception as e:
            f.write("0 %s -\n" % type(e).__name__); f.flush()
            continue
        try:
            j = json.loads(raw)
        except ValueError:
            j = None
        if r.status == 200 and j:
            f.write("200 - %s\n" % j.get("id"))
        else:
            code = j["error"]["code"] if isinstance(j, dict) and "error" in j else "nojson"
            f.write("%d %s -\n" % (r.status, code))
        f.flush()
PY
pids=$(hd_backend_pids | tr '\n' ' ')
set -- $pids
sib=$1
loaders=
for k in 1 2 3; do
	python3 "$w/load.py" "$BV_PORT" "$HD_IMG" "$w/stop" "$w/load$k.out" &
	loaders="$loaders $!"
done
sleep 1
t0=$(date +%s)
restarts=0
for k in $(seq "$kills"); do
	for p in $(hd_backend_pids); do
		[ "$p" != "$sib" ] && kill -9 "$p" 2>/dev/null
	done
	sleep 0.1
	wait_new "$sib" && restarts=$((restarts + 1))
	sleep 0.4
done
t1=$(date +%s)
touch "$w/stop"
wait $loaders
loaders=
cat "$w"/load*.out > "$w/all.out"
total=$(wc -l < "$w/all.out")
n200=$(grep -c '^200 ' "$w/all.out")
lost=$(awk '$1 != 200 && $2 != "nojson" && $2 != "-" && $2 != "cut"' "$w/all.out" | sort | uniq -c | tr '\n' ';')
cut=$(grep -c '^0 cut ' "$w/all.out")
other=$(awk '$1 != 200' "$w/all.out" | awk '{ print $1, $2 }' | sort | uniq -c | tr '\n' ';')
echo "# $kills kills in $((t1 - t0)) s: $total requests, $n200 x 200; not 200: ${other:-none}"
[ "$restarts" = "$kills" ] && ok "$kills kills, $restarts restarts, in $((t1 - t0)) s" ||
    bad "$kills kills but $restarts restarts seen"
[ -z "$lost" ] && ok "0 requests failed by a live backend (killed ones': ${other:-none})" ||
    bad "requests failed by a live backend: $lost"
[ "$cut" -le $((3 * kills)) ] && ok "responses cut short: $cut, at most 3 in flight per kill" ||
    bad "$cut responses cut short in $kills kills: more than were in flight"
hd_backend_pids | grep -qx "$sib" && ok "the sibling ($sib) never restarted" ||
    bad "the sibling $sib is gone"
[ "$n200" -ge "$kills" ] && ok "uploads kept succeeding ($n200 x 200)" || bad "only $n200 x 200"
awk '$1 == 200 { print $3 }' "$w/all.out" > "$w/ids"
python3 - "$BV_RESULTS" "$w/ids" <<'PY' && ok "every 200's result is there and complete" || bad "missing or incomplete results"
import json, os, sys
root, ids = sys.argv[1], open(sys.argv[2]).read().split()
bad = []
for i in ids:
    p = os.path.join(root, i)
    try:
        urls = json.load(open(os.path.join(p, "result.json")))["urls"]
        names = sorted(u.rsplit("/", 1)[1] for u in urls.values())
        assert sorted(os.listdir(p)) == names
        for f in names:
            if f.endswith(".jpg"):
                b = open(os.path.join(p, f), "rb").read()
                assert b[:2] == b"\xff\xd8" and b[-2:] == b"\xff\xd9"
    except Exception:
        bad.append(i)
if bad:
    print("# bad:", " ".join(bad[:10]))
sys.exit(1 if bad else 0)
PY
# the last kill's leftovers go with one more restart
n0=$(loaded)
for p in $(hd_backend_pids); do [ "$p" != "$sib" ] && kill -9 "$p"; done
for i in 1 2 3 4 5 6; do curl -s -o /dev/null "$BV_URL/api/health"; done
wait_loaded "$n0"
[ "$(hd_hidden)" = 0 ] && ok "no temporary left after the last restart" ||
    bad "hidden entries left: $(ls -a "$BV_RESULTS" | grep '^\.[a-z]' | tr '\n' ' ')"
hd_finish
