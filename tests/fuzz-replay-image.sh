#!/bin/sh
# fuzz-replay-image.sh: replay the image fuzz seeds through the harness
# Runs under make check without clang: tests/fuzz/replay_image is
# fuzz_image.c linked with replay.c.  A crash or abort fails the test.
: "${top_srcdir:=.}" "${top_builddir:=.}"
prog="$top_builddir/tests/fuzz/replay_image"
corpus="$top_srcdir/tests/fuzz/corpus/image"

if [ ! -x "$prog" ]; then
	echo "fuzz-replay-image: $prog not built" >&2
	exit 99
fi
set -- "$corpus"/*
if [ ! -f "$1" ]; then
	echo "fuzz-replay-image: no seeds in $corpus" >&2
	exit 99
fi
if [ "$#" -lt 12 ]; then
	echo "fuzz-replay-image: only $# seeds in $corpus, expected 12+" >&2
	exit 1
fi
exec "$prog" "$@"
