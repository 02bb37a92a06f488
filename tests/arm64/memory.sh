#!/bin/sh
# tests/arm64/memory.sh: memory of one arm64 backend after N requests, run
# under qemu-user from the cross build of tests/arm64/run.sh, beside the
# same figures for this machine's own build (the reference, same script).
#
#   tests/arm64/memory.sh [WORKDIR [N]]     (default /tmp/bv-arm64, 100)
#
# The backend listens on TCP (-s 127.0.0.1:PORT) and a local lighttpd
# passes it N uploads of one BCCD field.  Figures from
# /proc/PID/smaps_rollup after the last request: Rss and Private_Dirty.
# Under qemu-user the process also holds the emulator's own heap and its
# translated-code cache, so the arm64 figures are an upper bound of what
# the same binary uses on a Raspberry Pi (guest memory is mapped 1:1 in
# the qemu process; nothing is counted twice).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-${BV_ARM64_WORK:-/tmp/bv-arm64}}
n=${2:-100}
work=$(cd "$work" && pwd)
host_build=${BV_HOST_BUILD:-$top/build}
img=${BV_DATASET:-$top/../shared/datasets/bccd}/BCCD/JPEGImages/BloodImage_00001.jpg
[ -x "$work/qemu" ] && [ -x "$work/build/cgi-bin/bloodview" ] ||
    { echo "arm64 memory: run tests/arm64/run.sh first"; exit 1; }
[ -f "$img" ] || { echo "arm64 memory: no BCCD image at $img"; exit 1; }
top_srcdir=$top top_builddir=$host_build
. "$top/tests/lib/server.sh"

state=$(mktemp -d /tmp/bv-arm64mem.XXXXXX)
chmod 755 "$state"
pids=
cleanup() {
	[ -n "${BV_KEEP:-}" ] && return 0
	for p in $pids; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$state"
}
trap cleanup EXIT

run_as=
[ "$(id -u)" = 0 ] && run_as="setpriv --reuid=www-data --regid=www-data --clear-groups --"

# measure LABEL LAUNCHER BACKEND: one backend on TCP behind a fresh lighttpd
measure() {
	label=$1 launcher=$2 backend=$3
	d=$state/$label
	mkdir -p "$d"
	port=$(bv_free_port) bport=$(bv_free_port)
	sh "$top/etc/mkconf-local.sh" "$d" "$port" "$host_build" "$top" 1 >/dev/null
	cat >> "$d/lighttpd.conf" <<EOC
fastcgi.server := ( "/api/" => (( "host" => "127.0.0.1", "port" => $bport,
	"check-local" => "disable", "read-timeout" => 600 )))
EOC
	[ -n "$run_as" ] && chown -R www-data:www-data "$d"
	# shellcheck disable=SC2086
	$run_as $launcher "$backend" -c "$d/bloodview.conf" -s "127.0.0.1:$bport" \
	    > "$d/backend.log" 2>&1 &
	bpid=$!
	pids="$pids $bpid"
	# the backend listens once its model is loaded (minutes under qemu)
	i=0
	until grep -q "listening on" "$d/backend.log"; do
		i=$((i + 1)); [ $i -lt 1200 ] || { echo "$label: backend did not start"; cat "$d/backend.log"; exit 1; }
		kill -0 "$bpid" 2>/dev/null || { echo "$label: backend exited"; cat "$d/backend.log"; exit 1; }
		sleep 0.5
	done
	lighttpd -D -f "$d/lighttpd.conf" > "$d/lighttpd.out" 2>&1 &
	pids="$pids $!"
	i=0
	until [ "$(curl -s -o /dev/null -m 600 -w '%{http_code}' "http://127.0.0.1:$port/api/health")" = 200 ]; do
		i=$((i + 1)); [ $i -lt 120 ] || { echo "$label: no answer"; cat "$d/lighttpd.out"; exit 1; }
		sleep 0.5
	done
	# the process that holds the memory: qemu (or the backend itself)
	mpid=$(pgrep -n -f -- "-s 127.0.0.1:$bport") || mpid=$bpid
	t0=$(date +%s)
	ok=0 k=0
	while [ $k -lt "$n" ]; do
		c=$(curl -s -m 600 -o /dev/null -w '%{http_code}' -F "image=@$img" \
		    "http://127.0.0.1:$port/api/analyze")
		[ "$c" = 200 ] && ok=$((ok + 1))
		k=$((k + 1))
	done
	t=$(( $(date +%s) - t0 ))
	rss=$(awk '/^Rss:/ { print int($2 / 1024) }' "/proc/$mpid/smaps_rollup")
	pd=$(awk '/^Private_Dirty:/ { print int($2 / 1024) }' "/proc/$mpid/smaps_rollup")
	hwm=$(awk '/^VmHWM:/ { print int($2 / 1024) }' "/proc/$mpid/status")
	eng=$(grep -o 'engine [a-z0-9-]*' "$d/backend.log" | head -n 1)
	echo "$label: $ok/$n uploads 200 in $t s ($eng); RSS $rss MB, Private_Dirty $pd MB, VmHWM $hwm MB"
	case $label in
	*qemu*)
		# qemu's own share: its translated-code buffer (the one rwx
		# mapping), its [heap] and its binary; the rest is the guest's
		python3 - "/proc/$mpid/smaps" <<'PY'
import re, sys
own = {"Rss": 0, "Private_Dirty": 0}
tot = {"Rss": 0, "Private_Dirty": 0}
cur = None
for line in open(sys.argv[1]):
    m = re.match(r"^[0-9a-f]+-[0-9a-f]+ (\S+) \S+ \S+ \S+\s*(.*)$", line)
    if m:
        perms, name = m.group(1), m.group(2)
        cur = perms == "rwxp" or name == "[heap]" or "qemu-aarch64" in name
        continue
    k = line.split(":")[0]
    if k in tot:
        v = int(line.split()[1])
        tot[k] += v
        if cur:
            own[k] += v
print("aarch64-qemu: of which qemu's own (code buffer, heap, binary): "
      "RSS %d MB, Private_Dirty %d MB; the arm64 backend's: RSS %d MB, "
      "Private_Dirty %d MB" % (own["Rss"] // 1024, own["Private_Dirty"] // 1024,
      (tot["Rss"] - own["Rss"]) // 1024,
      (tot["Private_Dirty"] - own["Private_Dirty"]) // 1024))
PY
		;;
	esac
}

measure "$(uname -m)" "" "$host_build/cgi-bin/bloodview"
measure aarch64-qemu "$work/qemu" "$work/build/cgi-bin/bloodview"
