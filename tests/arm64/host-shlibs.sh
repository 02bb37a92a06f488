#!/bin/sh
# tests/arm64/host-shlibs.sh PKGDIR: print "shlibs:Depends=..." for the
# ELF files under PKGDIR (a cross-built package tree), computed on the
# build machine.  dpkg-shlibdeps cannot map arm64 libraries in a private
# sysroot to packages (no dpkg database knows them), so: collect every
# soname the arm64 files need (the dynamic loader, in libc6, and libdarknet
# aside: the package names darknet itself), link a host shared object needing exactly those sonames, and ask
# dpkg-shlibdeps about it.  Debian 12 gives each soname the same package
# name and version on every architecture.  Called by debian/rules
# (BV_CROSS_SHLIBS) from tests/arm64/deb.sh.
set -eu
pkg=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
find "$pkg" -type f | while read -r f; do
	case $(head -c 4 "$f" | od -An -c | tr -d ' ') in
	177ELF) readelf -d "$f" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' ;;
	esac
done | grep -v -e '^libdarknet' -e '^ld-linux' | sort -u > "$tmp/needed"
[ -s "$tmp/needed" ] || { echo "host-shlibs: no NEEDED sonames in $pkg" >&2; exit 1; }
echo "host-shlibs: $(tr '\n' ' ' < "$tmp/needed")" >&2
# shellcheck disable=SC2046
gcc -shared -o "$tmp/needs.so" -Wl,--no-as-needed \
    $(sed 's/^/-l:/' "$tmp/needed")
mkdir -p "$tmp/debian"
: > "$tmp/debian/control"
# The stand-in needs no symbols, so libc6's version is raised to the
# newest GLIBC_x.y symbol version the arm64 files require.
glibc=$(find "$pkg" -type f -exec readelf -V {} + 2>/dev/null |
    sed -n 's/.*Name: GLIBC_\([0-9][0-9.]*\).*/\1/p' | sort -t. -k1,1n -k2,2n |
    tail -n 1)
(cd "$tmp" && dpkg-shlibdeps -O "$tmp/needs.so") | grep '^shlibs:Depends=' |
    sed "s/libc6 (>= [^)]*)/libc6 (>= ${glibc:-2.36})/"
