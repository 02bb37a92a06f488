#!/bin/sh
# soak-smoke.sh: 40 uploads for make check (the 2,000-upload row is by hand)
HD_SOAK_N=40 HD_SOAK_EVERY=10 exec sh "$top_srcdir/tests/hardening/soak.sh"
