#!/bin/sh
# quality-server.sh: the field-quality flags through the real path: post clean and degraded fields to /api/analyze, read quality.flags
# usage: src/tools/quality-server.sh BUILDDIR LIST SPLIT OUT.tsv
#   LIST: quality-lists.sh's lines ("label split source spec path"); the
#   clean fields of SPLIT (spec none, the four datasets) and the degraded
#   copies of f<SPLIT> (made with BUILDDIR/tests/gen-quality degrade) are
#   posted one by one, without a microscope (the default limits), to a
#   server started as the tests start one (tests/lib/server.sh).  mag:*
#   copies are left out (an upload states no um/px here).  OUT.tsv gets
#   "kind source spec http flags"; then the summary is printed next to
#   what quality-flags.py reads offline from the same list's features.
set -u
[ $# -eq 4 ] || { sed -n 3,11p "$0" >&2; exit 2; }
top_srcdir=$(pwd) top_builddir=$(cd "$1" && pwd)
export top_srcdir top_builddir
list=$2 split=$3 out=$4
gq=$top_builddir/tests/gen-quality
[ -x "$gq" ] || { echo "$gq not built" >&2; exit 1; }
. "$top_srcdir/tests/lib/server.sh"
bv_server_start
trap 'bv_server_stop' EXIT
tmp=$BV_STATE/qs
mkdir -p "$tmp"
: > "$out"
while read -r label sp source spec path; do
	case "$source" in bccd|pbc-detect|raabin-detect|chula-rbc) ;; *) continue ;; esac
	if [ "$sp" = "$split" ] && [ "$spec" = none ]; then
		kind=clean img=$path
	elif [ "$sp" = "f$split" ] && [ "${spec%%:*}" != mag ]; then
		kind=degraded img=$tmp/d.jpg
		"$gq" degrade "$spec" "$path" "$img" || { echo "degrade $spec $path failed" >&2; continue; }
	else
		continue
	fi
	c=$(curl -s -o "$tmp/a.json" -w '%{http_code}' -F "image=@$img" "$BV_URL/api/analyze")
	fl=$(python3 -c 'import json,sys
try:
	j = json.load(open(sys.argv[1]))
	print(",".join(f["flag"] for f in j["quality"]["flags"]) or "-")
except Exception:
	print("?")' "$tmp/a.json")
	printf '%s\t%s\t%s\t%s\t%s\n' "$kind" "$source" "$spec" "$c" "$fl" >> "$out"
done < "$list"
python3 - "$out" <<'PY'
import sys
sys.path.insert(0, "src/tools")
import importlib.util
spec = importlib.util.spec_from_file_location("qf", "src/tools/quality-flags.py")
qf = importlib.util.module_from_spec(spec)
spec.loader.exec_module(qf)
clean = flagged = deg = caught = refused = 0
by = {}
for line in open(sys.argv[1]):
    kind, src, sp, code, fl = line.rstrip("\n").split("\t")
    flags = fl.split(",") if code == "200" else []
    if kind == "clean":
        clean += 1
        flagged += code != "200" or fl != "-"
        refused += code != "200"
    else:
        want = qf.expected(sp.replace(",", ";"))
        deg += 1
        hit = want in flags
        caught += hit
        b = by.setdefault(want, [0, 0])
        b[0] += hit
        b[1] += 1
print("clean fields flagged (or refused): %d/%d (%.1f %%), refused %d" % (flagged, clean, 100.0 * flagged / max(1, clean), refused))
print("degraded copies caught by their flag: %d/%d (%.1f %%)" % (caught, deg, 100.0 * caught / max(1, deg)))
for k, (a, b) in sorted(by.items()):
    print("  %-12s %d/%d" % (k, a, b))
PY
