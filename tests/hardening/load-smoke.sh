#!/bin/sh
# load-smoke.sh: a 5 s upload load and 2 s GET loads for make check
HD_LOAD_SECONDS=5 HD_GET_SECONDS=2 exec sh "$top_srcdir/tests/hardening/load.sh"
