#!/usr/bin/env bash
# Builds ricolloca_<version>_amd64.deb from the static binary (packaging/build-static.sh) with
# dpkg-deb: /usr/bin/ricolloca, the hardened unit, the example configuration (as
# /etc/ricolloca/ricolloca.toml.example: the real file holds paths to the office's
# certificates and is written by the technician), the manual chapter on backups.
# Usage: packaging/build-deb.sh [path/to/static/ricolloca]   Output: target/deb/*.deb
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/x86_64-unknown-linux-gnu/release/ricolloca}
[ -x "$bin" ] || packaging/build-static.sh
version=$(sed -n 's/^version = "\(.*\)"/\1/p' Cargo.toml | head -1)
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
install -D -m 0755 "$bin" "$root/usr/bin/ricolloca"
install -D -m 0644 packaging/ricolloca.service "$root/lib/systemd/system/ricolloca.service"
install -D -m 0644 packaging/ricolloca.toml "$root/etc/ricolloca/ricolloca.toml.example"
install -D -m 0644 assets/manual/70-backup.md "$root/usr/share/doc/ricolloca/backup.md"
install -D -m 0644 README.md "$root/usr/share/doc/ricolloca/README.md"
mkdir -p "$root/DEBIAN"
cat > "$root/DEBIAN/control" <<CONTROL
Package: ricolloca
Version: $version
Architecture: amd64
Maintainer: Ricolloca <tecnico@regione.example.it>
Section: web
Priority: optional
Depends: adduser
Description: Assegno di Ricollocazione appliance
 One static binary with one SQLite data file: CNS smartcard (TLS client certificate)
 access, SAP, policy actions, a hash-chained audit trail with signed checkpoints,
 verified backups.
CONTROL
echo "/etc/ricolloca/ricolloca.toml.example" > "$root/DEBIAN/conffiles"
cat > "$root/DEBIAN/postinst" <<'POSTINST'
#!/bin/sh
set -e
if [ "$1" = configure ]; then
  getent group ricolloca >/dev/null || addgroup --system ricolloca
  getent passwd ricolloca >/dev/null || adduser --system --ingroup ricolloca --home /var/lib/ricolloca --no-create-home --shell /usr/sbin/nologin ricolloca
  chgrp ricolloca /etc/ricolloca && chmod 0750 /etc/ricolloca
  if [ -d /run/systemd/system ]; then systemctl daemon-reload || true; fi
  if [ ! -f /etc/ricolloca/ricolloca.toml ]; then
    echo "ricolloca: copy /etc/ricolloca/ricolloca.toml.example to /etc/ricolloca/ricolloca.toml, set the certificate paths, run 'ricolloca check --config /etc/ricolloca/ricolloca.toml', then 'systemctl enable --now ricolloca'"
  fi
fi
POSTINST
cat > "$root/DEBIAN/prerm" <<'PRERM'
#!/bin/sh
set -e
if [ -d /run/systemd/system ] && [ "$1" = remove ]; then systemctl stop ricolloca || true; fi
PRERM
chmod 0755 "$root/DEBIAN/postinst" "$root/DEBIAN/prerm"
mkdir -p target/deb
out="target/deb/ricolloca_${version}_amd64.deb"
dpkg-deb --root-owner-group --build "$root" "$out"
echo "$out"
