#!/bin/sh
# live-ui.sh: the live camera mode in headless Debian chromium with its fake
# camera playing a BCCD field (a y4m clip made here), against a real lighttpd
# + backend (tests/browser/live.test.js does the checks).  Skips (77) without
# chromium, node, playwright-core or the BCCD dataset.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

. "$top_srcdir/tests/lib/browser.sh"
bv_need_browser
img=${BV_DATASET:-}/BCCD/JPEGImages/BloodImage_00001.jpg
if [ ! -f "$img" ]; then
	echo "SKIP: BCCD dataset not found at ${BV_DATASET:-}"
	exit 77
fi
gen=$top_builddir/tests/gen-frame
[ -x "$gen" ] || { echo "ERROR: $gen not built"; exit 99; }
if [ -w "$browser_dir" ]; then
	BV_ARTIFACTS=$browser_dir/artifacts
else
	BV_ARTIFACTS=$top_builddir/tests/browser-artifacts
fi
export BV_ARTIFACTS BV_CHROMIUM=$chromium

. "$top_srcdir/tests/lib/server.sh"
bv_server_start
# chromium loops the clip; a few identical frames are enough
BV_Y4M=$BV_STATE/field.y4m
"$gen" y4m "$img" "$BV_Y4M" 4 || { echo "ERROR: gen-frame y4m failed"; exit 99; }
export BV_Y4M

node --test --test-reporter=tap --test-timeout=300000 "$browser_dir/live.test.js"
rc=$?
if [ $rc != 0 ]; then
	echo "--- backend log ---"
	tail -n 40 "$BV_LOG" 2>/dev/null
	rc=1
fi
exit $rc
