#!/bin/sh
# sanitize.sh: hardening row 3 -- the whole make check under ASan + UBSan
# usage: tests/hardening/sanitize.sh [BUILD_DIR]     (from any directory)
# Configures a separate build (default ${TMPDIR:-/tmp}/bv-sanitize) with
# gcc -fsanitize=address,undefined, builds it and runs make check there,
# without the browser test (tests/ui.sh).  Every sanitizer report, from the
# unit tests and from the backends that lighttpd starts in the integration
# tests, goes to a file under BUILD_DIR/san/; any such file fails the run
# and is printed.  LeakSanitizer ignores only allocations made inside
# libdarknet/OpenCV/libmagic themselves (tests/hardening/lsan.supp).
# Environment: HD_SAN_SKIP (more tests to leave out, space separated),
# MAKEFLAGS as usual (default -j2).  Exit 0 when make check passes and no
# report was written, 1 otherwise, 77 when the compiler lacks the sanitizers.
set -u
src=$(cd "$(dirname "$0")/../.." && pwd)
build=${1:-${TMPDIR:-/tmp}/bv-sanitize}
san=$build/san
flags="-fsanitize=address,undefined -fno-omit-frame-pointer -g -O1"
cc=${CC:-gcc}

echo 'int main(void) { return 0; }' > "${TMPDIR:-/tmp}/bv-san-probe.$$.c"
if ! $cc $flags -o "${TMPDIR:-/tmp}/bv-san-probe.$$" "${TMPDIR:-/tmp}/bv-san-probe.$$.c" 2>/dev/null; then
	rm -f "${TMPDIR:-/tmp}/bv-san-probe.$$"*
	echo "SKIP: $cc cannot build with $flags"
	exit 77
fi
rm -f "${TMPDIR:-/tmp}/bv-san-probe.$$"*
[ -x "$src/configure" ] || (cd "$src" && autoreconf -fi) || exit 1

mkdir -p "$build"
cd "$build" || exit 1
if [ ! -f Makefile ]; then
	"$src/configure" -q CC="$cc" CFLAGS="$flags" LDFLAGS="-fsanitize=address,undefined" ||
	    { echo "sanitize: configure failed"; exit 1; }
fi
make ${MAKEFLAGS:+} -j2 >make.log 2>&1 || { tail -n 40 make.log; echo "sanitize: build failed"; exit 1; }
make -j2 check TESTS= >/dev/null 2>&1 || { echo "sanitize: building the tests failed"; exit 1; }

# Every test but the browser one (and HD_SAN_SKIP).
printf 'hd-print-tests:\n\t@echo $(TESTS)\n' > "$build/print-tests.mk"
tests=
for t in $(make -s -f Makefile -f print-tests.mk hd-print-tests); do
	case " tests/ui.sh ${HD_SAN_SKIP:-} " in *" $t "*) continue ;; esac
	tests="$tests $t"
done

rm -rf "$san"
mkdir -p "$san"
chmod 1777 "$san"	# backends run as www-data under root
ASAN_OPTIONS="detect_leaks=1:log_path=$san/asan:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$san/ubsan"
LSAN_OPTIONS="suppressions=$src/tests/hardening/lsan.supp:print_suppressions=0"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
t0=$(date +%s)
make -j2 check TESTS="$tests" >check.log 2>&1
rc=$?
t1=$(date +%s)
unset ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS
grep -E '^(# |PASS|FAIL|XFAIL|XPASS|SKIP|ERROR)' check.log | grep -v '^PASS' | tail -n 40
reports=$(find "$san" -type f | wc -l)
for f in $(find "$san" -type f | head -n 5); do
	echo "=== $f"
	head -n 60 "$f"
done
echo "sanitize: make check exit $rc, $reports sanitizer report file(s), $((t1 - t0)) s"
[ "$rc" = 0 ] && [ "$reports" = 0 ]
