# server.sh: start/stop lighttpd + the backend on a free loopback port (sourced by tests)
# Uses $top_srcdir and $top_builddir (set by make check).  After
# bv_server_start: BV_URL, BV_PORT, BV_STATE, BV_RESULTS, BV_LOG.
# Set BV_SERVER_PROCS (default 1) before starting to change max-procs.

bv_free_port() {
	python3 - <<'PY' 2>/dev/null || echo $((20000 + $$ % 20000))
import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()
PY
}

bv_server_start() {
	: "${top_srcdir:?}" "${top_builddir:?}"
	LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
	if [ ! -x "$LIGHTTPD" ]; then
		echo "SKIP: lighttpd is not installed"
		exit 77
	fi
	BV_STATE=$(mktemp -d /tmp/bv-test.XXXXXX)
	chmod 755 "$BV_STATE"
	BV_RESULTS=$BV_STATE/results
	BV_LOG=$BV_STATE/error.log
	BV_PORT=$(bv_free_port)
	BV_URL=http://127.0.0.1:$BV_PORT
	export BV_STATE BV_RESULTS BV_LOG BV_PORT BV_URL
	BV_ERRORLOG=$BV_LOG sh "$top_srcdir/etc/mkconf-local.sh" "$BV_STATE" \
	    "$BV_PORT" "$top_builddir" "$top_srcdir" "${BV_SERVER_PROCS:-1}" ||
	    { echo "ERROR: cannot write configs"; exit 99; }
	[ "$(id -u)" = 0 ] && chown www-data:www-data "$BV_STATE"
	"$LIGHTTPD" -D -f "$BV_STATE/lighttpd.conf" >"$BV_STATE/lighttpd.out" 2>&1 &
	BV_LIGHTTPD_PID=$!
	trap bv_server_stop EXIT INT TERM
	i=0
	while [ $i -lt 1200 ]; do
		if curl -s -o /dev/null "$BV_URL/api/health" 2>/dev/null; then
			return 0
		fi
		if ! kill -0 "$BV_LIGHTTPD_PID" 2>/dev/null; then
			echo "ERROR: lighttpd exited:"; cat "$BV_STATE/lighttpd.out" "$BV_LOG" 2>/dev/null
			exit 99
		fi
		sleep 0.1
		i=$((i + 1))
	done
	echo "ERROR: server did not answer on $BV_URL"
	cat "$BV_LOG" 2>/dev/null
	exit 99
}

bv_server_stop() {
	if [ -n "${BV_LIGHTTPD_PID:-}" ]; then
		kill "$BV_LIGHTTPD_PID" 2>/dev/null
		wait "$BV_LIGHTTPD_PID" 2>/dev/null
		BV_LIGHTTPD_PID=
	fi
	if [ -n "${BV_STATE:-}" ] && [ -z "${BV_KEEP_STATE:-}" ]; then
		rm -rf "$BV_STATE"
	fi
}

# bv_tls_ok DIR: true when lighttpd is installed and loads mod_openssl
# (the probe config it tries is written into DIR, which the caller owns).
bv_tls_ok() {
	LIGHTTPD=$(command -v lighttpd || echo /usr/sbin/lighttpd)
	[ -x "$LIGHTTPD" ] || return 1
	printf 'server.modules = ( "mod_openssl" )\nserver.document-root = "%s"\nserver.port = 1\n' \
	    "$1" > "$1/probe.conf"
	"$LIGHTTPD" -tt -f "$1/probe.conf" >/dev/null 2>&1
}
