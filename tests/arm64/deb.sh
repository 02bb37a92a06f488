#!/bin/sh
# tests/arm64/deb.sh: build the arm64 .deb by cross-compiling
# (dpkg-buildpackage -aarm64) against the sysroot tests/arm64/run.sh made.
#
#   tests/arm64/deb.sh [WORKDIR]
#     WORKDIR: as for run.sh (default /tmp/bv-arm64; run run.sh first)
#
# Cross building needs the arm64 build dependencies installed, which this
# machine cannot do (darknet and libxnnpack-dev are not Multi-Arch: same;
# see run.sh).  So: -d (build dependencies not checked), the compiler and
# pkg-config pointed at the sysroot, libdarknet linked from the sysroot
# with its run path set to /usr/lib/darknet as on the Pi, and
# dpkg-shlibdeps told where the arm64 libraries are.  It cannot tell
# which packages own them (no dpkg database for the sysroot), so the
# library Depends are computed for the same sonames on the build machine
# (tests/arm64/host-shlibs.sh): the same package names and versions on
# every architecture of Debian 12.
# Output: WORKDIR/bloodview_VERSION_arm64.deb; prints its control fields,
# the type of its backend binary and lintian's verdict.
set -eu

top=$(cd "$(dirname "$0")/../.." && pwd)
work=${1:-${BV_ARM64_WORK:-/tmp/bv-arm64}}
work=$(cd "$work" && pwd)
root=$work/root
triplet=aarch64-linux-gnu
lib=$root/usr/lib/$triplet
say() { printf 'arm64 deb: %s\n' "$*"; }

[ -f "$root/.complete" ] || { say "no sysroot in $root: run tests/arm64/run.sh first"; exit 1; }
command -v dpkg-buildpackage >/dev/null || { say "dpkg-dev is not installed"; exit 1; }

# 2. pkg-config for the sysroot, under the name the cross build calls.
mkdir -p "$work/bin"
cat > "$work/bin/$triplet-pkg-config" <<EOC
#!/bin/sh
PKG_CONFIG_LIBDIR="$lib/openblas-pthread/pkgconfig:$lib/pkgconfig:$root/usr/share/pkgconfig" \\
PKG_CONFIG_SYSROOT_DIR="$root" exec pkg-config "\$@"
EOC
chmod +x "$work/bin/$triplet-pkg-config"

# 3. A copy of the source tree (dpkg-buildpackage writes into it and ../).
src=$work/src/bloodview
rm -rf "$work/src"
mkdir -p "$src"
(cd "$top" && git ls-files -co --exclude-standard -z |
    xargs -0 cp --parents -t "$src")
rm -f "$src/configure" "$src/Makefile.in"

libdirs=$(find "$root/usr/lib" "$root/lib" -name '*.so*' \( -type f -o \
    -type l \) 2>/dev/null | sed 's|/[^/]*$||' | sort -u |
    grep -v '/openblas-pthread$' | tr '\n' ' ')
rpl=
sld=
for d in $lib/openblas-pthread $libdirs; do
	rpl="$rpl -Wl,-rpath-link,$d"
	sld="$sld -l$d"
done
say "dpkg-buildpackage -aarm64 (log: $work/build.log)"
(cd "$src" &&
    PATH="$work/bin:$PATH" \
    DEB_BUILD_OPTIONS="nocheck parallel=${BV_JOBS:-2}" \
    DEB_CPPFLAGS_APPEND="-idirafter $root/usr/include -idirafter $root/usr/include/$triplet" \
    DEB_LDFLAGS_APPEND="-L$lib/openblas-pthread -L$lib $rpl" \
    DARKNET_CFLAGS="-I$root/usr/lib/darknet/include" \
    DARKNET_LIBS="-L$root/usr/lib/darknet -Wl,-rpath,/usr/lib/darknet -ldarknet -lpthread -lm" \
    BV_SHLIBDEPS_ARGS="$sld" BV_CROSS_SHLIBS="$top/tests/arm64/host-shlibs.sh" \
    dpkg-buildpackage -aarm64 -d -b -us -uc > "$work/build.log" 2>&1) ||
    { tail -n 30 "$work/build.log"; exit 1; }
deb=$(ls "$work"/src/bloodview_*_arm64.deb)
cp "$deb" "$work/"
deb=$work/${deb##*/}
say "built $deb ($(du -k "$deb" | cut -f1) kB)"
dpkg-deb -f "$deb" Package Version Architecture Depends
x=$(mktemp -d)
dpkg-deb -x "$deb" "$x"
be=$(find "$x" -type f -name bloodview -perm -u+x | head -n 1)
say "backend ${be#"$x"}: $(file -b "$be" | cut -d, -f1-2)"
say "RUNPATH: $(readelf -d "$be" | sed -n 's/.*RUNPATH.*\[\(.*\)\]/\1/p')"
rm -rf "$x"
if command -v lintian >/dev/null; then
	say "lintian: $(lintian --pedantic -E "$deb" 2>&1 | grep -c '^[EW]:') error/warning tag(s)"
	lintian --pedantic -E "$deb" 2>&1 | grep '^[EW]:' | head -n 20 || true
fi
