#!/bin/sh
# nginx.sh: the same backend behind nginx (the etc/nginx-bloodview.conf
# locations), started on its own socket as spawn-fcgi or systemd would
set -u
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
[ -x "$NGINX" ] || { echo "SKIP: nginx is not installed"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: curl missing"; exit 77; }
# a BCCD field, or without the dataset a smear drawn by tests/gen-smear
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 1) || exit 99
echo "# test image: $(bv_test_images) $img"
. "$top_srcdir/tests/lib/server.sh"

state=$(mktemp -d /tmp/bv-nginx.XXXXXX)
chmod 755 "$state"
port=$(bv_free_port)
sh "$top_srcdir/etc/mkconf-local.sh" "$state" "$port" "$top_builddir" "$top_srcdir" 1 >/dev/null
run_as=
if [ "$(id -u)" = 0 ]; then
	chown -R www-data:www-data "$state"
	run_as="runuser -u www-data --"
fi
$run_as "$top_builddir/cgi-bin/bloodview" -c "$state/bloodview.conf" \
    -s "$state/fcgi.sock" 2>"$state/backend.log" &
backend=$!
mkdir -p "$state/nginx"
# the server block of etc/nginx-bloodview.conf with this test's paths
sed -e "s|listen 8080;|listen 127.0.0.1:$port;|" \
    -e "s|@htdocsdir@|$top_srcdir/htdocs|" \
    -e "s|unix:/run/bloodview/bloodview.sock|unix:$state/fcgi.sock|" \
    -e "s|root @statedir@;|root $state;|" \
    -e "s|include fastcgi_params;|include /etc/nginx/fastcgi_params;|" \
    "$top_srcdir/etc/nginx-bloodview.conf.in" > "$state/nginx/server.conf"
cat > "$state/nginx/nginx.conf" <<EOC
$( [ "$(id -u)" = 0 ] && echo "user www-data;" )
worker_processes 1;
pid $state/nginx/nginx.pid;
error_log $state/nginx/error.log;
events { worker_connections 64; }
http {
	include /etc/nginx/mime.types;
	access_log off;
	client_body_temp_path $state/nginx/body;
	fastcgi_temp_path $state/nginx/fcgi;
	proxy_temp_path $state/nginx/proxy;
	uwsgi_temp_path $state/nginx/uwsgi;
	scgi_temp_path $state/nginx/scgi;
	include $state/nginx/server.conf;
}
EOC
"$NGINX" -c "$state/nginx/nginx.conf" -g 'daemon off;' 2>"$state/nginx/stderr" &
ngx=$!
cleanup() { kill $ngx $backend 2>/dev/null; wait 2>/dev/null; [ -z "${BV_KEEP_STATE:-}" ] && rm -rf "$state"; }
trap cleanup EXIT INT TERM
url=http://127.0.0.1:$port
i=0
until curl -sf -o /dev/null "$url/api/health"; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "ERROR: nginx/backend not up"; cat "$state/nginx/stderr" "$state/nginx/error.log" "$state/backend.log"; exit 99; }
	sleep 0.1
done

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
