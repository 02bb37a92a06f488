#!/bin/sh
# ui.sh: the web UI in headless Debian chromium (playwright-core) against a real
# lighttpd + backend on 127.0.0.1 (tests/browser/ui.test.js does the checks).
# Skips (77) when chromium, node or tests/browser/node_modules are absent.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"

. "$top_srcdir/tests/lib/browser.sh"
bv_need_browser

# Screenshots and the PDF report go next to the tests when the source tree is
# writable (a developer's checkout), else into the build tree (distcheck).
if [ -w "$browser_dir" ]; then
	BV_ARTIFACTS=$browser_dir/artifacts
else
	BV_ARTIFACTS=$top_builddir/tests/browser-artifacts
fi
export BV_ARTIFACTS BV_CHROMIUM=$chromium

# BCCD fields, or smears drawn by tests/gen-smear without the dataset (the
# browser tests read $BV_DATASET/BCCD/JPEGImages/BloodImage_0000N.jpg)
. "$top_srcdir/tests/lib/images.sh"
imgs=$(bv_test_image_dir 1 2 3 4 5 6 7 8 9) || exit 99
echo "# images: $(bv_test_images)"
BV_DATASET=${imgs%/BCCD/JPEGImages}
export BV_DATASET
. "$top_srcdir/tests/lib/server.sh"
bv_server_start

# The analyses run on the CPU next to other work: allow minutes, not seconds.
# ui.test.js and every ui-*.test.js beside it (one feature a file), one
# after the other: they share this server.
rc=0
for t in "$browser_dir"/ui.test.js "$browser_dir"/ui-*.test.js; do
	[ -f "$t" ] || continue
	# BV_UI_ONLY="ui-a ui-b": only those files (a developer's rerun)
	if [ -n "${BV_UI_ONLY:-}" ]; then
		case " $BV_UI_ONLY " in *" $(basename "$t" .test.js) "*) ;; *) continue ;; esac
	fi
	echo "# $(basename "$t")"
	node --test --test-reporter=tap --test-timeout=600000 "$t" || rc=1
done
if [ $rc != 0 ]; then
	echo "--- backend log ---"
	tail -n 40 "$BV_LOG" 2>/dev/null
	rc=1
fi
echo "artifacts: $BV_ARTIFACTS"
exit $rc
