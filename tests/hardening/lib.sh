# lib.sh: helpers shared by the hardening tests (sourced, after tests/lib/server.sh)
# TAP-like output: ok/bad count checks, hd_finish exits 0 or 1.  Helpers
# read the backend's memory, descriptors and log from /proc and $BV_STATE.

hd_n=0 hd_fails=0
ok() { hd_n=$((hd_n + 1)); echo "ok $hd_n - $*"; }
bad() { hd_n=$((hd_n + 1)); hd_fails=$((hd_fails + 1)); echo "not ok $hd_n - $*"; }
# check COND-STATUS MESSAGE: ok when the previous command succeeded
check() { if [ "$1" = 0 ]; then ok "$2"; else bad "$2"; fi; }
hd_finish() {
	echo "$hd_n checks, $hd_fails failed"
	[ "$hd_fails" = 0 ]
	exit $?
}

hd_need() { # commands the test needs, else skip
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 ||
		    { echo "SKIP: $c is not installed"; exit 77; }
	done
}

# The BCCD image, read from the dataset (never committed here).
# hd_need_dataset: HD_IMG, a BCCD field, or a smear drawn by
# tests/gen-smear when the dataset is absent (tests/lib/images.sh)
hd_need_dataset() {
	. "$top_srcdir/tests/lib/images.sh"
	HD_IMG=$(bv_test_image 1) || exit 99
}

# hd_hostile DIR: the generated hostile and valid files
hd_hostile() {
	gen=$top_builddir/tests/gen-hostile
	[ -x "$gen" ] || { echo "ERROR: $gen not built"; exit 99; }
	"$gen" "$1" "$HD_IMG" >/dev/null ||
	    { echo "ERROR: gen-hostile failed"; exit 99; }
	# a good upload of each type: the BCCD image, and the same as a PNG
	"$top_builddir/tests/gen-field" png "$HD_IMG" "$1/smear.png" ||
	    { echo "ERROR: gen-field failed"; exit 99; }
}

# Backend pids of this test's server (lighttpd starts them with our config).
hd_backend_pids() {
	pgrep -f "cgi-bin/bloodview -c $BV_STATE/bloodview.conf" | sort -n
}
hd_backend_pid() { hd_backend_pids | head -n 1; }

# hd_status_kb PID FIELD: VmHWM, VmRSS... in kB (0 when gone)
hd_status_kb() {
	awk -v f="$2:" '$1 == f { print $2; found = 1 } END { if (!found) print 0 }' \
	    "/proc/$1/status" 2>/dev/null || echo 0
}
hd_fds() { ls "/proc/$1/fd" 2>/dev/null | wc -l; }

# True when the backend is an ASan build (tests/hardening/sanitize.sh):
# its RSS then holds shadow memory and the quarantine, so RSS bounds meant
# for the real build are skipped.
hd_asan() {
	ldd "$top_builddir/cgi-bin/bloodview" 2>/dev/null | grep -q libasan
}

# hd_post FILE [curl args]: POST FILE as field image; sets code, time, body file
hd_post() {
	hd_f=$1; shift
	out=$(curl -s -o "$HD_WORK/body" -w '%{http_code} %{time_total}' \
	    -F "image=@$hd_f" "$@" "$BV_URL/api/analyze")
	code=${out% *}; time=${out#* }
}

# hd_json FILE EXPR: a python expression on the parsed JSON (as j)
hd_json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval("(" + sys.argv[2] + ")"))' "$1" "$2" 2>/dev/null
}

# req METHOD PATH [curl args]: $BV_URL$PATH; sets c (status) and e (error
# code or "-"); the headers in $w/h, the body in $w/b (the caller sets w)
req() {
	m=$1 p=$2; shift 2
	c=$(curl -s -o "$w/b" -D "$w/h" -w '%{http_code}' -X "$m" "$@" "$BV_URL$p")
	e=$(hd_json "$w/b" 'j["error"]["code"]' || echo -)
	[ -n "$e" ] || e=-
}
# expect WHAT STATUS CODE: the last req's status and error code
expect() {
	[ "$c" = "$2" ] && [ "$e" = "$3" ] && ok "$1 -> $c $e" ||
	    bad "$1 -> $c $e, want $2 $3: $(head -c 200 "$w/b")"
}

# Count of visible results and of hidden (temporary) entries.
hd_visible() {
	find "$BV_RESULTS" -mindepth 1 -maxdepth 1 -type d ! -name '.*' ! -name samples | wc -l
}
hd_hidden() {
	find "$BV_RESULTS" -mindepth 1 -maxdepth 1 -name '.*' | wc -l
}

# The backend's log lines (stderr goes to lighttpd's error log or stdout).
hd_log() { cat "$BV_LOG" "$BV_STATE/lighttpd.out" 2>/dev/null; }

# hd_ms_le SECONDS LIMIT_MS: true when SECONDS (curl's time_total) <= LIMIT_MS
hd_ms_le() { awk -v t="$1" -v l="$2" 'BEGIN { exit !(t * 1000 <= l) }'; }

hd_start() {
	. "$top_srcdir/tests/lib/server.sh"
	bv_server_start
	trap hd_stop EXIT
	trap 'exit 1' INT TERM
	HD_WORK=$BV_STATE/work
	mkdir -p "$HD_WORK"
}

# Stop lighttpd, then any backend of this test's state still running: one
# under strace or valgrind, or one lighttpd lost track of, would outlive
# the test (a traced process is only stopped by SIGKILL).
hd_stop() {
	hd_pids=$(hd_backend_pids)
	bv_server_stop
	sleep 0.2
	for p in $hd_pids; do
		kill -9 "$p" 2>/dev/null
	done
}
