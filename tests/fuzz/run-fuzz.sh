#!/bin/sh
# run-fuzz.sh: build a libFuzzer harness with sanitizers and run it (not CI)
# Usage: tests/fuzz/run-fuzz.sh NAME [libFuzzer options...]
#   e.g. tests/fuzz/run-fuzz.sh multipart -runs=10000000
# Builds tests/fuzz/fuzz_NAME.c with clang -fsanitize=fuzzer,address,undefined
# in $TMPDIR/bv-fuzz-NAME, fuzzes a copy of corpus/NAME (so generated inputs
# never reach the source tree) with NAME.dict, saves findings under
# tests/fuzz/findings/NAME/, and prints executions and findings.
# Environment: CC (default clang, then clang-14), NICE (niceness, default 0).
set -eu

usage() {
	echo "usage: $0 NAME [-runs=N] [libFuzzer options...]" >&2
	echo "names: multipart image" >&2
	exit 2
}

[ $# -ge 1 ] || usage
name=$1
shift

here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)

# Each harness: its sources besides fuzz_NAME.c, and its libraries.
libs=
case $name in
multipart)	srcs="$top/src/base/multipart.c" ;;
image)		srcs="$(ls "$top"/src/image/*.c) $top/src/vision/annotate.c"
		libs="-lmagic -ljpeg -lpng -lm" ;;
*)		usage ;;
esac

cc=${CC:-}
if [ -z "$cc" ]; then
	for c in clang clang-14; do
		if command -v "$c" >/dev/null 2>&1; then
			cc=$c
			break
		fi
	done
fi
if [ -z "$cc" ]; then
	echo "$0: clang not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2
	exit 77
fi

work=${TMPDIR:-/tmp}/bv-fuzz-$name
findings=$top/tests/fuzz/findings/$name
mkdir -p "$work/corpus" "$findings"
cp "$top/tests/fuzz/corpus/$name"/* "$work/corpus/"

# Default to 1 million runs unless the caller chose how long to run.
case " $* " in
*" -runs="*|*" -max_total_time="*) ;;
*) set -- -runs=1000000 "$@" ;;
esac

echo "building fuzz_$name with $cc"
# -O1 -g: fast enough, readable stacks; UBSan findings abort so libFuzzer
# records them as crashes.
"$cc" -std=c11 -g -O1 -Wall -Wextra \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-I"$top/src" "$here/fuzz_$name.c" $srcs $libs -o "$work/fuzz_$name"

dict=
[ -f "$here/$name.dict" ] && dict=-dict=$here/$name.dict
log=$work/fuzz.log
echo "fuzzing: $work/fuzz_$name $* (log: $log)"
status=0
nice -n "${NICE:-0}" "$work/fuzz_$name" $dict -print_final_stats=1 \
	-artifact_prefix="$findings/" -max_len=4096 -timeout=10 \
	"$@" "$work/corpus" >"$log" 2>&1 || status=$?

tail -n 25 "$log"
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
# -fork=N prints no final stats: take the last "#N: cov:" progress line
[ -n "$execs" ] || execs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$log" | tail -n 1)
found=$(grep -c -E '^(==[0-9]+==ERROR|SUMMARY: |.*runtime error:|.*deadly signal)' "$log" || true)
artifacts=$(grep -c 'Test unit written to' "$log" || true)
echo "---"
echo "fuzz_$name: executions: ${execs:-unknown}, exit status: $status"
echo "fuzz_$name: findings: $artifacts artifact(s) written, $found error report line(s)"
[ "$artifacts" -eq 0 ] || grep 'Test unit written to' "$log"
exit "$status"
