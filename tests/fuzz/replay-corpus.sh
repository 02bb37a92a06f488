#!/bin/sh
# replay-corpus.sh NAME: replay tests/fuzz/corpus/NAME through replay_NAME
# (the fuzz harness fuzz_NAME.c linked with replay.c, built by make check
# without clang).  A crash or abort fails the test; fewer than 12 seeds too.
: "${top_srcdir:=.}" "${top_builddir:=.}"
name=$1
prog="$top_builddir/tests/fuzz/replay_$name"
corpus="$top_srcdir/tests/fuzz/corpus/$name"

if [ ! -x "$prog" ]; then
	echo "fuzz-replay-$name: $prog not built" >&2
	exit 99
fi
set -- "$corpus"/*
if [ ! -f "$1" ]; then
	echo "fuzz-replay-$name: no seeds in $corpus" >&2
	exit 99
fi
if [ "$#" -lt 12 ]; then
	echo "fuzz-replay-$name: only $# seeds in $corpus, expected 12+" >&2
	exit 1
fi
exec "$prog" "$@"
