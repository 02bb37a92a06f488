#!/bin/sh
# nginx.sh: the same backend behind nginx (the etc/nginx-bloodview.conf
# locations), started on its own socket as spawn-fcgi or systemd would
set -u
command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
. "$top_srcdir/tests/lib/server.sh"
. "$top_srcdir/tests/lib/nginx.sh"
bv_nginx_found || { echo "SKIP: nginx is not installed"; exit 77; }
# a BCCD field, or without the dataset a smear drawn by tests/gen-smear
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 1) || exit 99
echo "# test image: $(bv_test_images) $img"

state=$(mktemp -d /tmp/bv-nginx.XXXXXX)
chmod 755 "$state"
cleanup() { bv_nginx_stop; [ -z "${BV_KEEP_STATE:-}" ] && rm -rf "$state"; }
trap cleanup EXIT INT TERM
bv_nginx_start "$state"
url=$BV_NGINX_URL
port=${url##*:}

fails=0
c=$(curl -s -o "$state/r.json" -w '%{http_code}' -F "image=@$img" "$url/api/analyze")
if [ "$c" = 200 ]; then echo "ok - analyze through nginx"; else echo "not ok - analyze -> $c"; fails=1; fi
u=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["urls"]["image"])' "$state/r.json" 2>/dev/null)
c=$(curl -s -D "$state/h" -o /dev/null -w '%{http_code}' "$url$u")
if [ "$c" = 200 ] && grep -qi "content-security-policy: default-src 'none'" "$state/h"; then
	echo "ok - annotated image served with CSP"
else
	echo "not ok - annotated image -> $c"; fails=1
fi
c=$(curl -s -o /dev/null -w '%{http_code}' "$url/results/")
if [ "$c" = 404 ]; then echo "ok - no listing"; else echo "not ok - /results/ -> $c"; fails=1; fi
c=$(curl -s -o /dev/null -w '%{http_code}' -F "image=@$top_srcdir/README.md" "$url/api/analyze")
if [ "$c" = 415 ]; then echo "ok - text refused"; else echo "not ok - text -> $c"; fails=1; fi
# Security headers exactly once on every kind of response: nginx adds them
# (add_header ... always), the backend does not send them as well.
id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["id"])' "$state/r.json" 2>/dev/null)
for u in / /index.html /js/app.js /css/style.css /nonexistent.html /results/ \
    "/results/$id/annotated.jpg" "/results/$id/result.json" /api/health /api/model \
    /api/results "/api/results/$id" /api/nope; do
	c=$(curl -s -D "$state/h" -o /dev/null -w '%{http_code}' "$url$u")
	n=$(tr -d '\r' < "$state/h" | grep -ci '^x-content-type-options: nosniff$')
	csp=$(grep -ci '^content-security-policy:' "$state/h")
	if [ "$n" = 1 ] && [ "$csp" = 1 ]; then
		echo "ok - $u ($c): nosniff and CSP once"
	else
		echo "not ok - $u ($c): nosniff $n times, CSP $csp times"; fails=1
	fi
done
# The page's ES modules need a JavaScript type (nosniff, and module
# scripts are strict); its string catalogues are fetched as JSON.
for u in /js/app.js:javascript /js/i18n.js:javascript /i18n/en.json:application/json /i18n/es.json:application/json; do
	ty=$(curl -s -o /dev/null -w '%{http_code} %{content_type}' "$url${u%%:*}")
	case "$ty" in
	"200 "*"${u#*:}"*) echo "ok - ${u%%:*}: $ty" ;;
	*) echo "not ok - ${u%%:*}: $ty"; fails=1 ;;
	esac
done
c=$(curl -s -D "$state/h" -o /dev/null -w '%{http_code}' -F "image=@$img" "$url/api/analyze")
n=$(grep -ci '^x-content-type-options:' "$state/h")
if [ "$c" = 200 ] && [ "$n" = 1 ]; then echo "ok - analyze: nosniff once"; else echo "not ok - analyze $c: nosniff $n times"; fails=1; fi
# Behind nginx too: a foreign Host gets 421 everywhere (nginx hands it to
# the backend), a foreign Origin 403, a form-type JSON body 415.
for u in /api/results "/api/results/$id" "/results/$id/result.json" / /index.html; do
	c=$(curl -s -o "$state/b" -w '%{http_code}' -H 'Host: evil.example' "$url$u")
	if [ "$c" = 421 ] && grep -q '"misdirected"' "$state/b" && ! grep -q "$id" "$state/b"; then
		echo "ok - Host evil.example: $u -> 421 misdirected"
	else
		echo "not ok - Host evil.example: $u -> $c"; fails=1
	fi
done
c=$(curl -s -o /dev/null -w '%{http_code}' -H "Host: localhost:$port" "$url/results/$id/result.json")
if [ "$c" = 200 ]; then echo "ok - Host localhost: result served"; else echo "not ok - Host localhost -> $c"; fails=1; fi
c=$(curl -s -o "$state/b" -w '%{http_code}' -H 'Origin: http://evil.example' -F "image=@$img" "$url/api/analyze")
if [ "$c" = 403 ] && grep -q '"cross_origin"' "$state/b"; then echo "ok - foreign Origin -> 403"; else echo "not ok - foreign Origin -> $c"; fails=1; fi
c=$(curl -s -o /dev/null -w '%{http_code}' -H "Origin: $url" -F "image=@$img" "$url/api/analyze")
if [ "$c" = 200 ]; then echo "ok - our own Origin -> 200"; else echo "not ok - own Origin -> $c"; fails=1; fi
c=$(curl -s -o "$state/b" -w '%{http_code}' -H 'Content-Type: text/plain' --data-binary '{"code":"N-1"}' "$url/api/samples")
if [ "$c" = 415 ] && grep -q '"json_required"' "$state/b"; then echo "ok - text/plain JSON -> 415"; else echo "not ok - text/plain JSON -> $c"; fails=1; fi
exit $fails
