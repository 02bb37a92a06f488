#!/bin/sh
# valgrind.sh: hardening row 3 -- integration tests with the backend under valgrind
# usage: top_srcdir=SRC top_builddir=BUILD BV_DATASET=... \
#            sh tests/hardening/valgrind.sh [TEST_SCRIPT...]
# (default: tests/integration.sh).  lighttpd starts every backend process
# through valgrind (BV_BACKEND_WRAPPER); each writes $dir/vg.PID.  Passes
# when the tests pass and every log says 0 errors and 0 bytes definitely
# lost.  Darknet's own load-time leaks are suppressed by
# tests/hardening/valgrind.supp (darknet functions only, never ours).
# Slow: run by hand with nice -n 10; about 10 minutes on 2 busy cores.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
command -v valgrind >/dev/null || { echo "SKIP: valgrind is not installed"; exit 77; }
dir=$(mktemp -d /tmp/bv-valgrind.XXXXXX)
chmod 1777 "$dir"
BV_BACKEND_WRAPPER="$(command -v valgrind) --leak-check=full --errors-for-leak-kinds=definite --error-exitcode=42 --num-callers=30 --suppressions=$top_srcdir/tests/hardening/valgrind.supp --log-file=$dir/vg.%p "
# a backend under valgrind needs far longer than the production timeout
BV_FCGI_TIMEOUT=${BV_FCGI_TIMEOUT:-600}
export BV_BACKEND_WRAPPER BV_FCGI_TIMEOUT
[ $# -gt 0 ] || set -- "$top_srcdir/tests/integration.sh"
rc=0
for t in "$@"; do
	echo "=== $t under valgrind"
	sh "$t" > "$dir/$(basename "$t").log" 2>&1
	r=$?
	tail -n 3 "$dir/$(basename "$t").log"
	[ "$r" = 0 ] || { echo "valgrind.sh: $t exit $r"; rc=1; }
done
sleep 2	# lighttpd's backends write their summaries on exit
logs=$(ls "$dir"/vg.* 2>/dev/null | wc -l)
errors=0 lost=0
for f in "$dir"/vg.*; do
	[ -f "$f" ] || continue
	e=$(sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' "$f" | tr -d , | tail -n 1)
	l=$(sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' "$f" | tr -d , | tail -n 1)
	echo "$(basename "$f"): errors ${e:-?}, definitely lost ${l:-0} bytes"
	[ -n "$e" ] || { echo "  (no summary: the process did not exit?)"; rc=1; }
	errors=$((errors + ${e:-0}))
	lost=$((lost + ${l:-0}))
done
echo "# figure: $logs backend process(es) under valgrind: $errors errors, $lost bytes definitely lost"
[ "$logs" -gt 0 ] || { echo "valgrind.sh: no valgrind log"; rc=1; }
[ "$errors" = 0 ] && [ "$lost" = 0 ] || rc=1
[ "$rc" = 0 ] && rm -rf "$dir" || echo "logs kept in $dir"
exit $rc
