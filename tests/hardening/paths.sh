#!/bin/sh
# paths.sh: hardening row 9 -- traversal in file names and URLs, guessed ids,
# no directory listing
# A canary file and a decoy result (a valid id outside the results
# directory) sit next to the results; no upload file name and no URL may
# create, read or delete anything outside the results directory.  100,000
# random ids over lighttpd (static result.json) and 10,000 over the API
# give 0 hits while a real id does hit.  No directory is ever listed.
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need curl python3
hd_need_dataset
hd_start
hd_hostile "$HD_WORK"
w=$HD_WORK
raw="python3 $top_srcdir/tests/hardening/rawhttp.py"
marker=canary-$$-$(od -An -N8 -tx8 /dev/urandom | tr -d ' ')
echo "$marker" > "$BV_STATE/secret.txt"
decoy=DDDDDDDDDDDDDDDDDDDDDD
mkdir -p "$BV_STATE/$decoy"
echo "{\"id\":\"$decoy\",\"secret\":\"$marker\"}" > "$BV_STATE/$decoy/result.json"
[ "$(id -u)" = 0 ] && chown -R www-data:www-data "$BV_STATE/$decoy" "$BV_STATE/secret.txt"
touch "$w/stamp"
sleep 1

# --- file names in the multipart upload ------------------------------------
tname=hd-trav-$$
for fn in "../../../../../../tmp/$tname" "../$tname" "/tmp/$tname" \
    "..\\\\..\\\\$tname" "results/../../$tname" ".tmp-$tname" \
    "%2e%2e%2f%2e%2e%2f$tname" "$tname/../../../secret.txt"; do
	hd_post "$w/smear.png;filename=$fn"
	if [ "$code" = 200 ]; then
		id=$(hd_json "$w/body" 'j["id"]')
		files=$(ls "$BV_RESULTS/$id" 2>/dev/null | tr '\n' ' ')
		# exactly the files the result's URLs name
		want=$(hd_json "$w/body" '" ".join(sorted(u.rsplit("/", 1)[1] for u in j["urls"].values())) + " "')
		# the name is kept as text (issue 25: its last path element,
		# sanitised), never as a path: no directory part survives
		fname=$(hd_json "$w/body" 'j.get("file_name") or ""')
		[ "$files" = "$want" ] && case $fname in */*) false ;; *) true ;; esac &&
		    ok "filename=$fn -> id $id, only its files ($files), kept as \"$fname\", no path" ||
		    bad "filename=$fn -> files '$files', want '$want'"
	else
		bad "filename=$fn -> $code"
	fi
done
# Anything written since the stamp lies under results/ (or is the log/work).
outside=$(find "$BV_STATE" /tmp -xdev -newer "$w/stamp" \( -type f -o -type d \) \
    2>/dev/null | grep -v -e "^$BV_RESULTS" -e "^$w" -e "^$BV_STATE\$" \
    -e "^$BV_LOG\$" -e "^$BV_STATE/lighttpd.out\$" -e "^$BV_STATE/access.log\$" |
    grep "$tname\|^$BV_STATE")
[ -z "$outside" ] && ok "uploads created nothing outside results" ||
    bad "created outside results: $outside"
[ ! -e "/tmp/$tname" ] && [ ! -e "$BV_STATE/$tname" ] && [ ! -e "/$tname" ] &&
    ok "no file named after the upload anywhere" || bad "a file $tname exists"

# --- URLs -------------------------------------------------------------------
id=$(hd_json "$w/body" 'j["id"]')
for u in "/results/../secret.txt" "/results/%2e%2e/secret.txt" \
    "/results/..%2fsecret.txt" "/results/%2e%2e%2fsecret.txt" \
    "/results/$id/../../secret.txt" "/results/$id/..%2f..%2fsecret.txt" \
    "/results/$id/%2e%2e/%2e%2e/bloodview.conf" "/results/../bloodview.conf" \
    "/results/../$decoy/result.json" "/results/%2e%2e/$decoy/result.json" \
    "/results/$id/result.json%00.jpg" "/results/$id/result.json/" \
    "/results//$id/../../secret.txt" "/../secret.txt" "/%2e%2e/%2e%2e/etc/passwd" \
    "/..%2f..%2f..%2fetc%2fpasswd" "/results/%252e%252e/secret.txt" \
    "/results/.tmp-$id/result.json" "/results/samples/" \
    "/api/results/../../secret.txt" "/api/results/..%2f..%2fsecret.txt" \
    "/api/results/..%2f$decoy" "/api/results/%2e%2e%2f$decoy" \
    "/api/results/$id%2f..%2f..%2f$decoy" "/api/samples/..%2f..%2fsecret" \
    "/api/samples/..%2f$decoy" "/api/results/$id/../../../$decoy" \
    "/htdocs/../secret.txt" "/js/../../secret.txt" "/css/%2e%2e/%2e%2e/secret.txt"; do
	for m in GET DELETE; do
		c=$(curl -s --path-as-is -X "$m" -o "$w/body" -w '%{http_code}' "$BV_URL$u")
		if grep -q -e "$marker" -e model_cfg -e 'root:x:' "$w/body"; then
			bad "$m $u -> $c leaks a file outside results"
		else
			case $c in
			4??) ok "$m $u -> $c" ;;
			*) bad "$m $u -> $c: $(head -c 120 "$w/body")" ;;
			esac
		fi
	done
done
[ -f "$BV_STATE/$decoy/result.json" ] && [ -f "$BV_STATE/secret.txt" ] &&
    ok "decoy and canary outside results untouched" || bad "a DELETE removed a file outside results"
c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/results/$id/result.json")
[ "$c" = 200 ] && ok "the real result is still served" || bad "real result -> $c"
# JSON body with a traversal "result" when attaching to a sample
curl -s -o "$w/s" -H 'Content-Type: application/json' --data-binary '{"code":"HARD-1"}' "$BV_URL/api/samples"
sid=$(hd_json "$w/s" 'j["id"]')
if [ -n "$sid" ]; then
	for r in "../$decoy" "../../secret.txt" "$id/../../$decoy"; do
		c=$(curl -s -o "$w/body" -w '%{http_code}' -H 'Content-Type: application/json' \
		    --data-binary "{\"result\":\"$r\"}" \
		    "$BV_URL/api/samples/$sid/results")
		case $c in 4??) ok "attach result \"$r\" -> $c" ;; *) bad "attach result \"$r\" -> $c" ;; esac
	done
else
	bad "cannot create a sample: $(head -c 200 "$w/s")"
fi

# --- guessed ids ------------------------------------------------------------
c=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/results/$id")
[ "$c" = 200 ] && ok "control: the real id hits via the API" || bad "control: real id -> $c"
t0=$(date +%s)
r=$($raw guess "$BV_PORT" 100000 /results/ /result.json)
t1=$(date +%s)
[ "$r" = "requests 100000 hits 0 other 0" ] &&
    ok "100000 guessed ids on /results/: $r ($((t1 - t0)) s)" || bad "guessed ids /results/: $r"
r=$($raw guess "$BV_PORT" 10000 /api/results/)
t2=$(date +%s)
[ "$r" = "requests 10000 hits 0 other 0" ] &&
    ok "10000 guessed ids on /api/results/: $r ($((t2 - t1)) s)" || bad "guessed ids /api/results/: $r"

# --- no directory listing ---------------------------------------------------
dirs="/ /results/ /results/$id/ /results/samples/ /api/ /api/results/ /cgi-bin/ /models/ /etc/ /tests/"
for d in $(cd "$top_srcdir/htdocs" && find . -type d | sed 's|^\.||'); do
	dirs="$dirs $d/"
done
for d in $dirs; do
	c=$(curl -s -o "$w/body" -w '%{http_code}' "$BV_URL$d")
	if grep -qi -e 'Index of' -e 'parent directory' "$w/body"; then
		bad "$d -> $c is a directory listing"
	elif [ "$c" = 200 ]; then
		idx="$top_srcdir/htdocs${d}index.html"
		[ -f "$idx" ] && cmp -s "$w/body" "$idx" && ok "$d -> 200 serves its index.html" ||
		    bad "$d -> 200 but not an index page: $(head -c 120 "$w/body")"
	else
		case $c in 4??) ok "$d -> $c, no listing" ;; *) bad "$d -> $c" ;; esac
	fi
done
hd_finish
