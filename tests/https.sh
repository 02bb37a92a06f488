#!/bin/sh
# https.sh: HTTPS on the LAN (etc/mkcert.sh + etc/mkconf-local.sh with
# BV_TLS_PORT): curl trusts the generated certificate, the page and the API
# answer over TLS (a live frame too, same-origin as https), the box itself
# keeps plain HTTP and another client's plain HTTP is redirected to HTTPS.
# Skips (77) without openssl or lighttpd's mod_openssl.
set -u
. "$top_srcdir/tests/lib/server.sh"

. "$top_srcdir/tests/lib/check.sh"
bv_need curl openssl
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$LIGHTTPD" ] || { echo "SKIP: lighttpd is not installed"; exit 77; }
probe=$(mktemp -d /tmp/bv-tls.XXXXXX)
if ! bv_tls_ok "$probe"; then
	rm -rf "$probe"
	echo "SKIP: lighttpd's mod_openssl is not installed (apt-get install lighttpd-mod-openssl)"
	exit 77
fi
tls=$probe
sh "$top_srcdir/etc/mkcert.sh" "$tls" bloodview.test >/dev/null ||
    { rm -rf "$tls"; echo "ERROR: mkcert.sh failed"; exit 99; }
BV_TLS_DIR=$tls BV_TLS_PORT=$(bv_free_port)
export BV_TLS_DIR BV_TLS_PORT
bv_server_start
trap 'bv_server_stop; rm -rf "$tls"' EXIT INT TERM
https=https://localhost:$BV_TLS_PORT

san=$(openssl x509 -in "$tls/bloodview.crt" -noout -ext subjectAltName 2>/dev/null | tr -d ' \n')
case $san in
*DNS:localhost*127.0.0.1*DNS:bloodview.test*) ok "the certificate names localhost, 127.0.0.1 and the names given" ;;
*) bad "certificate names: $san" ;;
esac
[ "$(stat -c %a "$tls/bloodview.key")" = 600 ] && ok "the key is private (600)" ||
    bad "key mode $(stat -c %a "$tls/bloodview.key")"
fp1=$(sh "$top_srcdir/etc/mkcert.sh" "$tls")
fp2=$(sh "$top_srcdir/etc/mkcert.sh" "$tls")
[ -n "$fp1" ] && [ "$fp1" = "$fp2" ] && ok "a second run keeps the certificate ($fp1)" ||
    bad "mkcert.sh replaced the certificate: $fp1 / $fp2"

code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tls/bloodview.crt" "$https/api/health")
[ "$code" = 200 ] && ok "curl trusts the certificate: GET $https/api/health -> 200" ||
    bad "HTTPS health -> $code"
code=$(curl -s -o /dev/null -w '%{http_code}' "$https/api/health")
[ "$code" = 000 ] && ok "without the certificate curl refuses (self-signed)" ||
    bad "untrusted HTTPS -> $code"
hdr=$(curl -s -D - -o /dev/null --cacert "$tls/bloodview.crt" "$https/" | tr -d '\r')
printf '%s\n' "$hdr" | grep -q '^HTTP/[0-9.]* 200' &&
    printf '%s\n' "$hdr" | grep -qi '^Content-Security-Policy:' &&
    ok "the page over HTTPS, with its security headers" || bad "HTTPS page: $hdr"
# a BCCD field, or without the dataset a smear drawn by tests/gen-smear
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 1) || exit 99
echo "# test image: $(bv_test_images) $img"
if [ -f "$img" ]; then
	code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tls/bloodview.crt" \
	    -H "Origin: $https" -H 'Sec-Fetch-Site: same-origin' -F "image=@$img" "$https/api/detect")
	[ "$code" = 200 ] && ok "a live frame from the HTTPS page (Origin $https) -> 200" ||
	    bad "HTTPS detect -> $code"
	code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$tls/bloodview.crt" \
	    -H "Origin: $BV_URL" -F "image=@$img" "$https/api/detect")
	[ "$code" = 403 ] && ok "the plain-HTTP origin writing over HTTPS -> 403" ||
	    bad "cross-scheme detect -> $code"
fi

code=$(curl -s -o /dev/null -w '%{http_code}' "$BV_URL/api/health")
[ "$code" = 200 ] && ok "the box itself keeps plain HTTP ($BV_URL -> 200)" ||
    bad "local HTTP -> $code"
# another client: the same loopback, from another source address
out=$(curl -s -o /dev/null -w '%{http_code} %{redirect_url}' --interface 127.0.0.2 \
    "http://127.0.0.1:$BV_PORT/api/health?x=1" 2>/dev/null)
case $out in
"308 https://127.0.0.1:$BV_TLS_PORT/api/health?x=1") ok "another client's HTTP -> $out" ;;
"000 "*) ok "# SKIP no second loopback address for the redirect check" ;;
*) bad "another client's HTTP -> $out" ;;
esac

# the installed fragments (etc/*-tls.conf.in) with this test's certificate
frag=$tls/frag
mkdir -p "$frag"
sed -e "s|@confdir@/tls|$tls|g" "$top_srcdir/etc/lighttpd-bloodview-tls.conf.in" > "$frag/tls.conf"
printf 'server.document-root = "%s"\nserver.port = %s\ninclude "%s"\n' \
    "$top_srcdir/htdocs" "$(bv_free_port)" "$frag/tls.conf" > "$frag/lighttpd.conf"
"$LIGHTTPD" -tt -f "$frag/lighttpd.conf" >"$frag/out" 2>&1 &&
    ok "the installed lighttpd TLS fragment loads (lighttpd -tt)" ||
    bad "lighttpd TLS fragment: $(head -c 300 "$frag/out")"
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
if [ -x "$NGINX" ]; then
	sed -e "s|@confdir@/tls|$tls|g" "$top_srcdir/etc/nginx-bloodview-tls.conf.in" > "$frag/ntls.conf"
	cat > "$frag/nginx.conf" <<EOC
pid $frag/nginx.pid;
error_log $frag/error.log;
events { worker_connections 8; }
http {
	access_log off;
	server {
		listen 127.0.0.1:$(bv_free_port);
		root $top_srcdir/htdocs;
		include $frag/ntls.conf;
	}
}
EOC
	"$NGINX" -t -q -c "$frag/nginx.conf" >"$frag/nout" 2>&1 &&
	    ok "the installed nginx TLS snippet loads (nginx -t)" ||
	    bad "nginx TLS snippet: $(head -c 300 "$frag/nout")"
fi
echo "1..$n"
[ "$fails" = 0 ]
