#!/bin/sh
# png-chunk.sh: hardening row 4 -- a 60-byte PNG whose zTXt chunk claims
# 469 MB (found by fuzz_image).  libpng 1.6 allocates and zeroes a buffer of
# the claimed length before reading it, so the backend's peak RSS jumps by
# about 450 MB.  Must be refused with a 4xx in less time than a normal
# upload of the same run (a ratio: no wall-clock bound), peak RSS growth
# under 64 MB, next upload fine.  Listed in XFAIL_TESTS until imgio.c
# refuses chunks longer than the bytes left (then remove it from there).
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
hd_start
hd_hostile "$HD_WORK"
f=$HD_WORK/chunk-length.png
python3 -c 'import base64,sys; open(sys.argv[1],"wb").write(base64.b64decode(
"iVBORw0KGgoAAAANSUhEUgAAAAkAAAAHCAQAAABwkq/rHAAAE3pUWHRJREFUCJljZDBiRwMsvLx0HwP4"))' "$f"
hd_post "$HD_WORK/smear.png"
[ "$code" = 200 ] || { echo "ERROR: warm-up upload -> $code"; exit 99; }
hd_post "$HD_WORK/smear.png"
normal=$time
pid=$(hd_backend_pid)
hwm0=$(hd_status_kb "$pid" VmHWM)
hd_post "$f"
ms=$(awk -v t="$time" 'BEGIN { printf "%d", t * 1000 }')
case $code in 4??) ok "chunk-length.png -> $code in $ms ms" ;; *) bad "chunk-length.png -> $code" ;; esac
awk -v t="$time" -v n="$normal" 'BEGIN { exit !(t < n) }' &&
    ok "refused in $ms ms, less than a normal upload (${normal}s)" ||
    bad "refusal took $ms ms, a normal upload ${normal}s"
hwm1=$(hd_status_kb "$pid" VmHWM)
grow=$(( (hwm1 - hwm0) / 1024 ))
[ "$grow" -lt 64 ] && ok "peak RSS grew by $grow MB (< 64)" ||
    bad "peak RSS grew by $grow MB (${hwm0} kB -> ${hwm1} kB)"
hd_post "$HD_WORK/smear.png"
[ "$code" = 200 ] && ok "next upload succeeds" || bad "next upload -> $code"
hd_finish
