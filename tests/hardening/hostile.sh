#!/bin/sh
# hostile.sh: hardening row 4 -- hostile images through the real server
# Each hostile file (tests/gen-hostile.c) must be refused with a 4xx,
# leave nothing in the results directory, keep the backend's peak RSS
# (VmHWM) growth under 64 MB over the whole set, and the next upload must
# succeed.  Refused before any detection: the median refusal takes under a
# quarter of the median normal upload of the same run (a ratio, not a
# wall-clock bound, so that a loaded machine or an ASan build holds it).
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
hd_start
hd_hostile "$HD_WORK"
w=$HD_WORK

# Warm up: a real image sets the backend's normal working set.
hd_post "$HD_IMG"
[ "$code" = 200 ] || { echo "ERROR: warm-up upload -> $code"; exit 99; }
pid=$(hd_backend_pid)
[ -n "$pid" ] || { echo "ERROR: no backend process"; exit 99; }
hwm0=$(hd_status_kb "$pid" VmHWM)
visible0=$(hd_visible)

# name expected-status expected-code
set -- \
    huge.png 422 too_many_pixels \
    huge.jpg 422 too_many_pixels \
    progressive-scans.jpg 422 undecodable \
    truncated.jpg 422 undecodable \
    truncated.png 422 undecodable \
    polyglot-html.jpg 415 unsupported_type \
    image.svg.jpg 415 unsupported_type \
    doc.pdf.jpg 415 unsupported_type \
    elf.jpg 415 unsupported_type \
    text.jpg 415 unsupported_type \
    empty.jpg 400 missing_field
slowest=0 refused_ms= normal_ms=
while [ $# -ge 3 ]; do
	f=$1 want=$2 wcode=$3; shift 3
	[ -f "$w/$f" ] || { bad "$f was not generated"; continue; }
	hd_post "$w/$f"
	got=$(hd_json "$w/body" 'j["error"]["code"]')
	ms=$(awk -v t="$time" 'BEGIN { printf "%d", t * 1000 }')
	[ "$ms" -gt "$slowest" ] && slowest=$ms
	case $code in
	4??)	if [ "$code" = "$want" ] && [ "$got" = "$wcode" ]; then
			ok "$f -> $code $got in ${ms} ms"
		else
			bad "$f -> $code $got, want $want $wcode"
		fi ;;
	*)	bad "$f -> $code (not a 4xx): $(head -c 200 "$w/body")" ;;
	esac
	refused_ms="$refused_ms $ms"
	[ "$(hd_visible)" = "$visible0" ] && [ "$(hd_hidden)" = 0 ] &&
	    ok "$f leaves nothing in results" || bad "$f left files in results"
	hd_post "$w/smear.png"
	[ "$code" = 200 ] && ok "next upload after $f succeeds" ||
	    bad "next upload after $f -> $code"
	normal_ms="$normal_ms $(awk -v t="$time" 'BEGIN { printf "%d", t * 1000 }')"
	visible0=$(hd_visible)
done

median() { printf '%s\n' $1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
mr=$(median "$refused_ms") mn=$(median "$normal_ms")
[ $((mr * 4)) -lt "$mn" ] &&
    ok "refused before detection: median refusal $mr ms < 1/4 of a normal upload's $mn ms" ||
    bad "median refusal $mr ms, median normal upload $mn ms (want under a quarter)"
pid2=$(hd_backend_pid)
[ "$pid2" = "$pid" ] && ok "backend never restarted (pid $pid)" ||
    bad "backend restarted: $pid -> $pid2"
hwm1=$(hd_status_kb "$pid" VmHWM)
grow=$(( (hwm1 - hwm0) / 1024 ))
if hd_asan; then
	echo "# skip: peak RSS bound under ASan (grew by $grow MB)"
else
	[ "$hwm1" -gt 0 ] && [ "$grow" -lt 64 ] &&
	    ok "peak RSS grew by $grow MB (${hwm0} kB -> ${hwm1} kB, limit 64 MB)" ||
	    bad "peak RSS grew by $grow MB (${hwm0} kB -> ${hwm1} kB)"
fi
echo "# figure: slowest refusal ${slowest} ms; VmHWM +${grow} MB"
hd_finish
