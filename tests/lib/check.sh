# check.sh: the request-path tests' shared words: bv_need, ok/bad, json, api (sourced)
# ok, bad, json and api keep the short names every test body already uses
# (as tests/hardening/lib.sh's ok and bad do).
#
# bv_need CMD...: SKIP (exit 77) unless every CMD is installed.
# ok TEXT, bad TEXT: one numbered TAP line; n counts the checks and fails
# the failed ones (both start at 0 when this file is sourced).
# json FILE EXPR: print a Python expression on the parsed JSON in FILE
# (as j); a bare tuple "a, b" is one expression.
# api METHOD PATH [curl args]: $BV_URL$PATH; sets code, the body in
# $work/body (the caller sets work).

bv_need() {
	for bv_need_cmd in "$@"; do
		command -v "$bv_need_cmd" >/dev/null 2>&1 ||
		    { echo "SKIP: $bv_need_cmd missing"; exit 77; }
	done
}

fails=0 n=0
ok() { n=$((n + 1)); echo "ok $n - $*"; }
bad() { n=$((n + 1)); fails=$((fails + 1)); echo "not ok $n - $*"; }

json() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval("(" + sys.argv[2] + ")"))' "$1" "$2"
}

api() {
	m=$1 p=$2; shift 2
	code=$(curl -s -o "$work/body" -w '%{http_code}' -X "$m" "$@" "$BV_URL$p")
}
