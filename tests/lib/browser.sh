# browser.sh: what the headless-chromium tests need, checked in one place (sourced by tests/ui.sh, tests/live-ui.sh)
# bv_need_browser: sets browser_dir (tests/browser) and chromium
# ($BV_CHROMIUM, else Debian's /usr/bin/chromium; never a downloaded
# browser); SKIP (exit 77) without chromium, node or playwright-core.

bv_need_browser() {
	browser_dir=$top_srcdir/tests/browser
	chromium=${BV_CHROMIUM:-/usr/bin/chromium}
	if [ ! -x "$chromium" ]; then
		echo "SKIP: $chromium is absent (apt-get install chromium)"
		exit 77
	fi
	if ! command -v node >/dev/null 2>&1; then
		echo "SKIP: node is absent (apt-get install nodejs npm)"
		exit 77
	fi
	if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ]; then
		echo "SKIP: playwright-core is not installed:" \
		    "cd tests/browser && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci"
		exit 77
	fi
}
