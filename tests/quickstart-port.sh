#!/bin/sh
# quickstart-port.sh: `./quickstart.sh run` with its ports taken falls back to free ones, says
# so and serves (README's first curl line on the smear it draws), never fails the main job.
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
command -v python3 >/dev/null || { echo "SKIP: python3 is absent"; exit 77; }
command -v lighttpd >/dev/null || [ -x /usr/sbin/lighttpd ] || { echo "SKIP: lighttpd is absent"; exit 77; }
st=$(mktemp -d /tmp/bv-qs.XXXXXX); chmod 755 "$st"
[ "$(id -u)" = 0 ] && chown www-data "$st" 2>/dev/null
# two listening sockets hold a port each: the HTTP one and the HTTPS one asked for
python3 - "$st/ports" <<'PY' &
import socket, sys, time
socks = []
for _ in range(2):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(1); socks.append(s)
open(sys.argv[1], "w").write(" ".join(str(s.getsockname()[1]) for s in socks))
time.sleep(300)
PY
holder=$!
qs=
cleanup() {
	[ -n "$qs" ] && kill "$qs" 2>/dev/null && wait "$qs" 2>/dev/null
	kill "$holder" 2>/dev/null
	rm -rf "$st"
}
trap cleanup EXIT
i=0; while [ ! -s "$st/ports" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
read -r http https < "$st/ports"
BV_SKIP_APT=1 BV_BUILD="$top_builddir" BV_STATE="$st/state" BV_PORT=$http BV_TLS_PORT=$https \
    sh "$top_srcdir/quickstart.sh" run > "$st/out" 2>&1 &
qs=$!
i=0; got=
while [ $i -lt 600 ]; do
	got=$(sed -n 's/.*serving HTTP on \([0-9]*\) instead.*/\1/p' "$st/out")
	[ -n "$got" ] && curl -s -o /dev/null "http://127.0.0.1:$got/api/health" && break
	kill -0 "$qs" 2>/dev/null || break
	sleep 0.2; i=$((i + 1))
done
cat "$st/out"
fail=0
if [ -z "$got" ] || [ "$got" = "$http" ]; then echo "FAIL: no fallback message for the HTTP port"; fail=1; fi
if ! kill -0 "$qs" 2>/dev/null; then echo "FAIL: quickstart.sh run stopped"; fail=1; fi
if grep -q "certificate" "$st/out"; then
	grep -q "port $https is in use: serving HTTPS on" "$st/out" || { echo "FAIL: no HTTPS fallback message"; fail=1; }
else
	echo "# HTTPS off here (no openssl or mod_openssl): only the HTTP fallback is checked"
fi
# README's first curl line as written, run from a state/ like the clone's, at the port taken
line=$(grep -m1 '^curl ' "$top_srcdir/README.md")
case $line in *state/example-smear.jpg*:8080/*) ;; *) echo "FAIL: README's first curl line is not on the drawn smear: $line"; fail=1 ;; esac
code=$(cd "$st" && eval "$(echo "$line" | sed "s/:8080/:$got/") -s -o r.json -w '%{http_code}'")
[ "$code" = 200 ] && grep -q '"counts"' "$st/r.json" || { echo "FAIL: curl on state/example-smear.jpg gave $code"; fail=1; }
[ $fail = 0 ] && echo "PASS: fell back from $http to $got and served the drawn smear"
exit $fail
