#!/bin/sh
# fuzz-replay-image.sh: replay the image fuzz seeds through the harness (make check)
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus.sh" image
