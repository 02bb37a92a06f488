#!/bin/sh
# fuzz-replay-multipart.sh: replay the multipart fuzz seeds through the harness (make check)
exec sh "${top_srcdir:-.}/tests/fuzz/replay-corpus.sh" multipart
