#!/bin/sh
# fuzz-replay-multipart.sh: replay the multipart fuzz seeds through the harness
# Runs under make check without clang: tests/fuzz/replay_multipart is the
# harness linked with replay.c.  A crash or abort fails the test.
: "${top_srcdir:=.}" "${top_builddir:=.}"
prog="$top_builddir/tests/fuzz/replay_multipart"
corpus="$top_srcdir/tests/fuzz/corpus/multipart"

if [ ! -x "$prog" ]; then
	echo "fuzz-replay-multipart: $prog not built" >&2
	exit 99
fi
set -- "$corpus"/*
if [ ! -f "$1" ]; then
	echo "fuzz-replay-multipart: no seeds in $corpus" >&2
	exit 99
fi
if [ "$#" -lt 12 ]; then
	echo "fuzz-replay-multipart: only $# seeds in $corpus, expected 12+" >&2
	exit 1
fi
exec "$prog" "$@"
