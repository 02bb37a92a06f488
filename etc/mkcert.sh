#!/bin/sh
# mkcert.sh: a self-signed certificate for BloodView's HTTPS on the LAN
# usage: mkcert.sh DIR [NAME...]
# Writes DIR/bloodview.key (mode 600) and DIR/bloodview.crt unless both
# exist already (a phone that trusted the certificate keeps trusting it).
# The certificate names localhost, 127.0.0.1, ::1, this host's name (and
# NAME.local), its current addresses and every NAME given (host names or IP
# addresses); it is its own CA (basicConstraints CA:TRUE), so a phone can
# install it as a trusted certificate (README, "Live mode").  Prints its
# SHA-256 fingerprint, to compare on the phone.
set -eu
dir=${1:?usage: mkcert.sh DIR [NAME...]}
shift
command -v openssl >/dev/null || { echo "mkcert: openssl is not installed" >&2; exit 1; }
mkdir -p "$dir"
key=$dir/bloodview.key crt=$dir/bloodview.crt
if [ ! -s "$key" ] || [ ! -s "$crt" ]; then
	host=$(hostname 2>/dev/null || echo bloodview)
	san="DNS:localhost,IP:127.0.0.1,IP:::1,DNS:$host,DNS:$host.local"
	for a in $(hostname -I 2>/dev/null || true) "$@"; do
		case $a in
		*[!0-9.]*) case $a in *:*) san="$san,IP:$a" ;; *) san="$san,DNS:$a" ;; esac ;;
		*) san="$san,IP:$a" ;;
		esac
	done
	umask 077
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 \
	    -nodes -days 825 -sha256 -subj "/CN=BloodView $host" \
	    -addext "subjectAltName=$san" \
	    -addext "basicConstraints=critical,CA:TRUE,pathlen:0" \
	    -addext "keyUsage=critical,digitalSignature,keyCertSign" \
	    -addext "extendedKeyUsage=serverAuth" \
	    -keyout "$key.tmp" -out "$crt.tmp" 2>/dev/null ||
	    { rm -f "$key.tmp" "$crt.tmp"; echo "mkcert: openssl failed" >&2; exit 1; }
	chmod 644 "$crt.tmp"
	mv "$key.tmp" "$key"
	mv "$crt.tmp" "$crt"
fi
openssl x509 -in "$crt" -noout -fingerprint -sha256 | sed 's/^[^=]*=/SHA-256 fingerprint: /'
