#!/bin/sh
# tests/arm64/run.sh: cross-build BloodView for arm64 and run its unit tests
# under qemu-user (not part of make check; CI need not run it).
#
#   tests/arm64/run.sh [WORKDIR]        (default /tmp/bv-arm64)
#
# binfmt_misc is not mounted on the build machines, so an arm64 chroot
# cannot run: the programs are cross-compiled (gcc-aarch64-linux-gnu) and
# every test binary is started by qemu-aarch64-static with the arm64
# libraries' root as its prefix (-L).  The arm64 libraries are not
# installed on the host: darknet and libxnnpack-dev are not Multi-Arch:
# same, and arm64 copies of OpenCV's dependencies would force upgrades of
# the host's own packages.  Instead the arm64 .debs of every dependency
# (apt-get download) are unpacked into WORKDIR/root, a sysroot.
# Needs root once, for the host tools and `dpkg --add-architecture arm64`
# (BV_SKIP_APT=1 skips that step).  The shell-script tests (lighttpd,
# nginx, browsers) need arm64 programs run by other programs and are left
# out; every compiled unit test in TESTS runs.
# Exit status: that of make check (0: every test passed or skipped).
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-${BV_ARM64_WORK:-/tmp/bv-arm64}}
root=$work/root
build=$work/build
triplet=aarch64-linux-gnu
DEV="darknet libfcgi-dev libmagic-dev libjansson-dev libjpeg62-turbo-dev
libpng-dev libopenblas-dev libxnnpack-dev libpthreadpool-dev libcrypt-dev"

say() { printf 'arm64: %s\n' "$*"; }
mkdir -p "$work"
work=$(cd "$work" && pwd)
root=$work/root build=$work/build

# 1. Host tools and the arm64 package lists.
if [ "${BV_SKIP_APT:-}" != 1 ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		say "dpkg --add-architecture arm64"
		dpkg --add-architecture arm64
		apt-get update -qq
	fi
	if ! command -v aarch64-linux-gnu-gcc >/dev/null ||
	    ! command -v qemu-aarch64-static >/dev/null ||
	    [ ! -f /usr/aarch64-linux-gnu/lib/crti.o ]; then
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		    --no-install-recommends gcc-aarch64-linux-gnu \
		    libc6-dev-arm64-cross qemu-user-static
	fi
fi

# 2. The sysroot: the arm64 -dev packages and everything they depend on.
if [ ! -f "$root/.complete" ]; then
	rm -rf "$root" "$work/debs"
	mkdir -p "$root" "$work/debs"
	pkgs=$(for p in $DEV; do echo "$p:arm64"; done)
	# shellcheck disable=SC2086
	apt-cache depends --recurse --no-recommends --no-suggests \
	    --no-conflicts --no-breaks --no-replaces --no-enhances \
	    $pkgs 2>/dev/null | grep -v '^[ <]' | grep ':arm64$' |
	    sort -u > "$work/packages.txt"
	say "downloading $(wc -l < "$work/packages.txt") arm64 packages"
	(cd "$work/debs" && xargs apt-get download -qq < "$work/packages.txt")
	# The C library's development files come from the cross toolchain
	# (libc6-dev-arm64-cross): libc6-dev's libc.so script names host paths.
	# libcrypt-dev is not part of that toolchain: it comes from here.
	for d in "$work"/debs/*.deb; do
		case ${d##*/} in
		libc6-dev_*|linux-libc-dev_*) continue ;;
		esac
		dpkg-deb -x "$d" "$root"
	done
	# Absolute links (and the alternatives postinst would have made)
	# must point inside the sysroot for the linker and for qemu.
	find "$root" -type l | while read -r l; do
		t=$(readlink "$l")
		case $t in
		/*) ln -sfn "$root$t" "$l" ;;
		esac
	done
	touch "$root/.complete"
fi

lib=$root/usr/lib/$triplet
# Every directory holding a shared library (some, e.g. armadillo's and
# hdf4's, are not in the multiarch one), OpenBLAS's first: libblas.so.3
# and liblapack.so.3 are alternatives, which nothing set up here.
libdirs=$(find "$root/usr/lib" "$root/lib" -name '*.so*' \( -type f -o \
    -type l \) 2>/dev/null | sed 's|/[^/]*$||' | sort -u |
    grep -v '/openblas-pthread$' | tr '\n' ':')
libdirs="$lib/openblas-pthread:${libdirs%:}"
cat > "$work/qemu" <<EOF
#!/bin/sh
# run one arm64 program (automake LOG_COMPILER)
exec timeout ${BV_ARM64_TIMEOUT:-3600} qemu-aarch64-static -L "$root" \\
    -E LD_LIBRARY_PATH="$libdirs" -E OPENBLAS_NUM_THREADS=1 "\$@"
EOF
chmod +x "$work/qemu"

# 3. Cross build.
if [ ! -x "$top/configure" ]; then
	(cd "$top" && autoreconf -fi)
fi
mkdir -p "$build"
if [ ! -f "$build/Makefile" ]; then
	say "configure --host=$triplet"
	rpl=$(printf '%s' "$libdirs" | sed 's/:/ -Wl,-rpath-link,/g')
	(cd "$build" && "$top/configure" -q --host=$triplet \
	    --with-darknet="$root/usr/lib/darknet" --with-xnnpack=yes \
	    PKG_CONFIG=pkg-config \
	    PKG_CONFIG_LIBDIR="$lib/openblas-pthread/pkgconfig:$lib/pkgconfig:$root/usr/share/pkgconfig" \
	    PKG_CONFIG_SYSROOT_DIR="$root" \
	    CPPFLAGS="-idirafter $root/usr/include -idirafter $root/usr/include/$triplet" \
	    LDFLAGS="-L$lib/openblas-pthread -L$lib -Wl,-rpath-link,$rpl")
fi
say "make"
make -C "$build" -j"${BV_JOBS:-2}" -s all
make -C "$build" -j"${BV_JOBS:-2}" -s check TESTS=

# 4. The compiled unit tests, under qemu.
tests=$(make -C "$build" -pq Makefile 2>/dev/null |
    sed -n 's/^TESTS = //p' | head -n 1 | tr ' ' '\n' |
    grep -v -e '\.sh$' -e '^\$(' | sed 's/\$(EXEEXT)//' | tr '\n' ' ')
say "file: $(file -b "$build/cgi-bin/bloodview" | cut -d, -f1-2)"
say "unit tests: $tests"
find "$build/tests" -name '*.trs' -delete 2>/dev/null || true
rc=0
make -C "$build" -j"${BV_JOBS:-2}" check TESTS="$tests" \
    LOG_COMPILER="$work/qemu" || rc=$?
sed -n '/^# TOTAL/,/^# ERROR/p' "$build/test-suite.log" 2>/dev/null || true
[ $rc = 0 ] || sed -n '1,200p' "$build/test-suite.log"
exit $rc
