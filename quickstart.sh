#!/bin/sh
# quickstart.sh: set up BloodView from this source tree and run it or test it.
#   ./quickstart.sh run    install packages, build, serve http://127.0.0.1:8080
#   ./quickstart.sh test   install packages, build, run every test
# Environment: BV_PORT (default 8080), BV_STATE (default ./state),
# BV_BUILD (default ./build), BV_SKIP_APT=1 to skip the package step,
# BV_SANITIZE=1 to run the suite a second time under ASan+UBSan (CI does).
# run: BV_BIND=0.0.0.0 to serve the LAN, BV_TLS_PORT (default 8443) for
# HTTPS with a self-signed certificate (BV_TLS_NAMES: more names for it,
# BV_TLS=0: none).  Serving beyond this computer asks once for the clinic
# password (kept in state/password.conf; BV_NO_PASSWORD=1: none).
set -eu

top=$(cd "$(dirname "$0")" && pwd)
cmd=${1:-run}
build=${BV_BUILD:-$top/build}
state=${BV_STATE:-$top/state}
port=${BV_PORT:-8080}

PKGS_BUILD="build-essential autoconf automake pkg-config curl python3 \
libfcgi-dev libcrypt-dev libmagic-dev libjansson-dev libjpeg62-turbo-dev libpng-dev \
libopenblas-dev darknet libxnnpack-dev libpthreadpool-dev lighttpd \
lighttpd-mod-openssl openssl"
PKGS_TEST="chromium valgrind clang libclang-rt-dev wrk nginx-light"

say() { printf '\033[1mquickstart:\033[0m %s\n' "$*"; }

apt_install() {
	[ "${BV_SKIP_APT:-}" = 1 ] && return 0
	missing=
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		    grep -q "install ok installed" || missing="$missing $p"
	done
	[ -z "$missing" ] && return 0
	say "installing Debian packages:$missing"
	sudo=
	[ "$(id -u)" != 0 ] && sudo=sudo
	$sudo apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
	    --no-install-recommends $missing
}

build() {
	if [ ! -x "$top/configure" ] || [ "$top/configure.ac" -nt "$top/configure" ]; then
		say "autoreconf"
		(cd "$top" && autoreconf -fi)
	fi
	mkdir -p "$build"
	if [ ! -f "$build/Makefile" ]; then
		say "configure"
		(cd "$build" && "$top/configure" -q ${BV_CONFIGURE_FLAGS:-})
	fi
	say "make"
	make -C "$build" -j2 -s
}

# The first port from $1 up (20 tried) that nothing listens on at the
# address lighttpd will bind; nothing printed when all are taken.
free_port() {
	python3 - "${BV_BIND:-127.0.0.1}" "$1" <<'PY' 2>/dev/null || true
import socket, sys
host, first = sys.argv[1], int(sys.argv[2])
for p in range(first, first + 20):
    s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        s.bind((host, p))
    except OSError:
        continue
    finally:
        s.close()
    print(p)
    break
PY
}

# state/example-smear.jpg: a smear drawn by tests/gen-smear (seed 1), so a
# clone without the datasets has a photo for README's first curl line.
example_image() {
	[ -s "$state/example-smear.jpg" ] && return 0
	if make -C "$build" -s tests/gen-smear >/dev/null 2>&1 &&
	    "$build/tests/gen-smear" 1 "$state/example-smear.jpg" >/dev/null; then
		say "drew $state/example-smear.jpg (a synthetic smear to try the API with)"
	else
		say "could not draw state/example-smear.jpg; any smear photo works"
	fi
}

# Print "N passed, N failed, N skipped" from automake's .trs files
# under the build directories given.
summary() {
	pass=0 fail=0 skip=0
	for f in $(for d in "$@"; do find "$d/tests" -name '*.trs' 2>/dev/null; done); do
		r=$(sed -n 's/^:test-result: //p' "$f" | head -n 1)
		case $r in
		PASS|XFAIL) pass=$((pass + 1)) ;;
		SKIP) skip=$((skip + 1)) ;;
		*) fail=$((fail + 1)) ;;
		esac
	done
	echo "$pass passed, $fail failed, $skip skipped"
	[ "$fail" = 0 ]
}

case $cmd in
run)
	apt_install $PKGS_BUILD
	build
	# The LAN gets the clinic password by default (bv-passwd(1)): asked
	# once, kept in state/password.conf, which mkconf-local.sh reads.
	case ${BV_BIND:-127.0.0.1} in
	127.*|localhost|::1) ;;
	*)	if [ ! -s "$state/password.conf" ] && [ "${BV_NO_PASSWORD:-0}" != 1 ]; then
			if [ ! -t 0 ]; then
				say "serving $BV_BIND needs the clinic password: run this in a terminal once, or BV_NO_PASSWORD=1"
				exit 1
			fi
			mkdir -p "$state" && : > "$state/password.conf"
			say "serving the LAN: choose the clinic password (at least 8 characters)"
			# as root, lighttpd runs the backend as www-data
			g=; [ "$(id -u)" = 0 ] && g="-g www-data"
			"$build/bv-passwd" -c "$state/password.conf" $g ||
			    { rm -f "$state/password.conf"; exit 1; }
		fi ;;
	esac
	mkdir -p "$state"
	example_image
	# A port in use (another server, a second run) is never fatal: the
	# next free one is taken, and said.
	want=$port
	port=$(free_port "$want")
	if [ -z "$port" ]; then
		say "ports $want to $((want + 19)) are all in use: stop the other server or set BV_PORT"
		exit 1
	fi
	[ "$port" = "$want" ] || say "port $want is in use: serving HTTP on $port instead"
	# HTTPS too (phones give the live camera only to secure pages):
	# state/tls/bloodview.crt, made once; BV_TLS=0 turns it off
	tls=
	if [ "${BV_TLS:-1}" = 1 ] && command -v openssl >/dev/null 2>&1 &&
	    [ -f /usr/lib/lighttpd/mod_openssl.so ]; then
		sh "$top/etc/mkcert.sh" "$state/tls" ${BV_TLS_NAMES:-} && tls=$state/tls
	fi
	tls_port=
	if [ -n "$tls" ]; then
		want=${BV_TLS_PORT:-8443}
		tls_port=$(free_port "$want")
		# skip the HTTP port itself when it falls in the range
		[ "$tls_port" != "$port" ] || tls_port=$(free_port $((port + 1)))
		if [ -z "$tls_port" ]; then
			say "ports $want to $((want + 19)) are all in use: HTTPS is off this time (HTTP still serves; the live camera on a phone needs HTTPS)"
			tls=
		elif [ "$tls_port" != "$want" ]; then
			say "port $want is in use: serving HTTPS on $tls_port instead"
		fi
	fi
	BV_TLS_DIR=$tls BV_TLS_PORT=${tls:+$tls_port} \
	    sh "$top/etc/mkconf-local.sh" "$state" "$port" "$build" "$top" 2
	say "BloodView on http://${BV_BIND:-127.0.0.1}:$port/ (Ctrl-C stops)"
	[ -z "$tls" ] || say "and https://${BV_BIND:-127.0.0.1}:$tls_port/ (certificate $tls/bloodview.crt)"
	exec "$(command -v lighttpd || echo /usr/sbin/lighttpd)" -D \
	    -f "$state/lighttpd.conf"
	;;
test)
	apt_install $PKGS_BUILD $PKGS_TEST
	if ! command -v npm >/dev/null 2>&1; then
		apt_install nodejs npm
	fi
	build
	if [ -f "$top/tests/browser/package-lock.json" ] &&
	    [ ! -d "$top/tests/browser/node_modules/playwright-core" ]; then
		say "npm ci (playwright-core, no browser download)"
		(cd "$top/tests/browser" &&
		    PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit \
		    --no-fund --silent) || say "npm ci failed: browser tests will skip"
	fi
	find "$build/tests" -name '*.trs' -delete 2>/dev/null || true
	rc=0
	make -C "$build" -j2 check || rc=$?
	[ $rc = 0 ] || cat "$build/test-suite.log" 2>/dev/null | tail -n 80
	dirs=$build
	if [ "${BV_SANITIZE:-}" = 1 ]; then
		# the suite again under ASan+UBSan (CI sets BV_SANITIZE=1)
		say "make check under ASan+UBSan in $build-sanitize"
		find "$build-sanitize/tests" -name '*.trs' -delete 2>/dev/null || true
		sh "$top/tests/hardening/sanitize.sh" "$build-sanitize" || rc=1
		dirs="$dirs $build-sanitize"
	fi
	summary $dirs || rc=1
	exit $rc
	;;
*)
	echo "usage: $0 run|test" >&2
	exit 2
	;;
esac
