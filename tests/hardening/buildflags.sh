#!/bin/sh
# buildflags.sh: hardening row 15 -- the backend is built and run hardened
# configure's --enable-hardening (the default) builds with
# -D_FORTIFY_SOURCE=2 -fstack-protector-strong -fPIE -pie
# -Wl,-z,relro,-z,now where the toolchain takes them; this checks the
# built cgi-bin/bloodview: a PIE (ELF type DYN with an interpreter), full
# RELRO (GNU_RELRO segment and BIND_NOW), stack protector and fortified
# calls (__stack_chk_fail, __*_chk imports), and that it still starts
# and answers (a --disable-hardening build checks none of these; fortify
# is left out under ASan).  The generated systemd unit is sandboxed:
# read-only system, writable results only, no network, no privileges,
# @system-service calls only (and systemd-analyze verify accepts it).
set -u
. "$top_srcdir/tests/hardening/lib.sh"
hd_need readelf
bin=$top_builddir/cgi-bin/bloodview
unit=$top_builddir/etc/bloodview.service
[ -x "$bin" ] || { echo "ERROR: $bin not built"; exit 99; }
[ -f "$unit" ] || make -C "$top_builddir" etc/bloodview.service >/dev/null 2>&1
flags=$(sed -n 's/^HARDEN_FLAGS = //p' "$top_builddir/Makefile")
echo "# HARDEN_FLAGS: ${flags:-(none: --disable-hardening)}"
has() { case " $flags " in *" $1 "*) return 0 ;; esac; return 1; }

# --- the systemd unit ---------------------------------------------------------
for want in ProtectSystem=strict PrivateTmp=yes \
    NoNewPrivileges=yes PrivateNetwork=yes RestrictAddressFamilies=AF_UNIX \
    SystemCallFilter=@system-service CapabilityBoundingSet= ProtectHome=yes \
    MemoryDenyWriteExecute=yes; do
	grep -qx "$want" "$unit" && ok "unit: $want" || bad "unit lacks $want"
done
rw=$(grep '^ReadWritePaths=' "$unit")
[ "$(printf '%s\n' "$rw" | wc -l)" = 1 ] && case $rw in */lib/bloodview/results) true ;; *) false ;; esac &&
    ok "unit: one writable path, the results ($rw)" || bad "unit: writable paths: $rw"
if command -v systemd-analyze >/dev/null 2>&1; then
	d=$(mktemp -d)
	sed -e "s|^ExecStart=[^ ]*|ExecStart=$bin|" "$unit" > "$d/bloodview.service"
	cp "$top_srcdir/etc/bloodview.socket" "$d/"
	out=$(cd "$d" && timeout 30 systemd-analyze verify ./bloodview.service 2>&1)
	rm -rf "$d"
	[ -z "$out" ] && ok "systemd-analyze verify: no complaint" || bad "systemd-analyze: $out"
fi

# --- the binary ---------------------------------------------------------------

if has -pie; then
	readelf -h "$bin" | grep -q 'Type:.*DYN' && readelf -l "$bin" | grep -q INTERP &&
	    ok "PIE (ELF type DYN with an interpreter)" || bad "not a PIE: $(readelf -h "$bin" | grep Type:)"
fi
if has -Wl,-z,now; then
	readelf -l "$bin" | grep -q GNU_RELRO && ok "GNU_RELRO segment" || bad "no GNU_RELRO"
	readelf -d "$bin" | grep -Eq 'BIND_NOW|FLAGS.*NOW' && ok "BIND_NOW (full RELRO)" ||
	    bad "no BIND_NOW: $(readelf -d "$bin" | grep -i flags)"
fi
if has -fstack-protector-strong; then
	readelf --dyn-syms -W "$bin" | grep -q '__stack_chk_fail' &&
	    ok "stack protector (__stack_chk_fail imported)" || bad "no __stack_chk_fail"
fi
if has -D_FORTIFY_SOURCE=2; then
	n=$(readelf --dyn-syms -W "$bin" | grep -c '__[a-z]*_chk@')
	[ "$n" -gt 0 ] && ok "fortified calls ($n __*_chk imports)" || bad "no __*_chk imports"
fi
# and it still runs: one CGI request, unprivileged (it refuses root)
run_as=
[ "$(id -u)" = 0 ] && run_as="runuser -u www-data --"
out=$(cd / && REQUEST_METHOD=GET REQUEST_URI=/api/health GATEWAY_INTERFACE=CGI/1.1 \
    $run_as "$bin" -r "${TMPDIR:-/tmp}/bv-buildflags-$$" -m /nonexistent 2>/dev/null)
rm -rf "${TMPDIR:-/tmp}/bv-buildflags-$$"
case $out in
*'"model_loaded":false'*) ok "the hardened binary starts and answers (health without a model)" ;;
*) bad "hardened binary: $(printf '%s' "$out" | head -c 200)" ;;
esac
hd_finish
