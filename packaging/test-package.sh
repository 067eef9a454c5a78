#!/usr/bin/env bash
# CI check of the packaging: the unit passes `systemd-analyze verify`, the .deb builds from the
# given binary and unpacks (dpkg -x) into a scratch root with the expected files, and the example
# configuration has only known keys (check stops at the missing certificate, not at a key).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-target/debug/ricolloca}
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
sed "s|/usr/bin/ricolloca|$(realpath "$bin")|" packaging/ricolloca.service > "$scratch/ricolloca.service"
if command -v systemd-analyze >/dev/null; then
  out=$(systemd-analyze verify "$scratch/ricolloca.service" 2>&1 || true)
  if [ -n "$out" ]; then echo "$out"; echo "error: systemd-analyze verify" >&2; exit 1; fi
fi
# A debug binary is ~200 MB of symbols that dpkg-deb would compress for minutes: strip a copy.
cp "$bin" "$scratch/ricolloca" && strip "$scratch/ricolloca"
deb=$(packaging/build-deb.sh "$scratch/ricolloca" | tail -1)
dpkg -x "$deb" "$scratch/root"
for f in usr/bin/ricolloca lib/systemd/system/ricolloca.service etc/ricolloca/ricolloca.toml.example; do
  [ -f "$scratch/root/$f" ] || { echo "error: $f missing from $deb" >&2; exit 1; }
done
"$scratch/root/usr/bin/ricolloca" --version
msg=$("$scratch/root/usr/bin/ricolloca" check --config packaging/ricolloca.toml 2>&1 || true)
case "$msg" in
  *'`tls.cert`: file non trovato'*) ;;
  *) echo "$msg"; echo "error: example configuration" >&2; exit 1 ;;
esac
echo "packaging ok: $deb"
