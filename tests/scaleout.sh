#!/bin/sh
# scaleout.sh: three backends over FastCGI/TCP (listen = host:port) behind
# one lighttpd with three hosts, one shared results directory; backend 1 is
# killed again and again under load (tests/scaleout.py does the work).
# make check runs a short version; the issue's figure is
#   SO_REQUESTS=2000 SO_KILLS=10 make check TESTS=tests/scaleout.sh
set -u
: "${top_srcdir:?}" "${top_builddir:?}"
# a BCCD field, or a smear drawn by tests/gen-smear without the dataset
. "$top_srcdir/tests/lib/images.sh"
img=$(bv_test_image 1) || exit 99
command -v python3 >/dev/null 2>&1 || { echo "SKIP: python3 is absent"; exit 77; }
LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
[ -x "$LIGHTTPD" ] || { echo "SKIP: lighttpd is not installed"; exit 77; }
. "$top_srcdir/tests/lib/server.sh"

state=$(mktemp -d /tmp/bv-scaleout.XXXXXX)
chmod 755 "$state"
lpid=
cleanup() {
	[ -n "$lpid" ] && kill "$lpid" 2>/dev/null && wait "$lpid" 2>/dev/null
	rm -rf "$state"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

port=$(bv_free_port)
b0=$(bv_free_port)
# three consecutive free ports from b0 (checked, not assumed)
while ! python3 - "$b0" 2>/dev/null <<'PY'
import socket, sys
p = int(sys.argv[1])
ss = []
for i in range(3):
    s = socket.socket(); s.bind(("127.0.0.1", p + i)); ss.append(s)
PY
do b0=$((b0 + 7)); done

BV_ERRORLOG=$state/error.log BV_EXTRA_CONF="listen_allow = 127.0.0.1" \
    sh "$top_srcdir/etc/mkconf-local.sh" "$state" "$port" \
    "$top_builddir" "$top_srcdir" 1 || { echo "ERROR: mkconf-local.sh"; exit 99; }
# the three hosts replace the locally spawned backend
cat >> "$state/lighttpd.conf" <<EOC
fastcgi.server := ( "/api/" => (
	( "host" => "127.0.0.1", "port" => $b0, "check-local" => "disable",
	  "connect-timeout" => 5, "read-timeout" => 120, "disable-time" => 1 ),
	( "host" => "127.0.0.1", "port" => $((b0 + 1)), "check-local" => "disable",
	  "connect-timeout" => 5, "read-timeout" => 120, "disable-time" => 1 ),
	( "host" => "127.0.0.1", "port" => $((b0 + 2)), "check-local" => "disable",
	  "connect-timeout" => 5, "read-timeout" => 120, "disable-time" => 1 )
))
EOC
run_as=
if [ "$(id -u)" = 0 ]; then
	chown -R www-data:www-data "$state"
	run_as=www-data
fi
"$LIGHTTPD" -D -f "$state/lighttpd.conf" >"$state/lighttpd.out" 2>&1 &
lpid=$!
# make check: a short run; the issue's figures come from the usage above
: "${SO_REQUESTS:=600}" "${SO_KILLS:=3}"
export SO_REQUESTS SO_KILLS
SO_RUN_AS=$run_as python3 "$top_srcdir/tests/scaleout.py" "$state" \
    "$top_builddir/cgi-bin/bloodview" "$img" "$port" "$b0"
rc=$?
if [ $rc != 0 ]; then
	echo "--- lighttpd error log ---"; tail -n 20 "$state/error.log" 2>/dev/null
	echo "--- backend log ---"; tail -n 20 "$state"/backend-"$b0".log 2>/dev/null
fi
exit $rc
