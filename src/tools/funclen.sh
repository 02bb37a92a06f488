#!/bin/sh
# funclen.sh: list C functions longer than N lines (default 150), longest first
#
# Usage: src/tools/funclen.sh [N] [file.c ...]  (default: every src/*/*.c)
# Counts from the line naming the function to its closing brace, in the
# tree's style (name at column 0, "{" and "}" alone at column 0).
n=${1:-150}
[ $# -gt 0 ] && shift
[ $# -eq 0 ] && set -- src/*/*.c
awk -v min="$n" '
FNR == 1 { name = ""; start = 0; inbody = 0 }
!inbody && /^[A-Za-z_][A-Za-z0-9_]*\(/ { name = $0; sub(/\(.*/, "", name); start = FNR }
!inbody && /^\{/ && name != "" { inbody = 1 }
inbody && /^\}/ { len = FNR - start + 1
	if (len > min) printf "%5d %s:%d %s\n", len, FILENAME, start, name
	inbody = 0; name = "" }
' "$@" | sort -rn
