#!/usr/bin/env bash
# Installs promtool (from Debian's prometheus package) into build/promtool/ to check and
# unit-test ops/prometheus/spanhouse-rules.yaml. The package is downloaded and unpacked, not
# installed: installing it would start a Prometheus service on the machine. Idempotent.
# Prints the path of the promtool binary.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/build/promtool"
bin="$dest/usr/bin/promtool"
if [ -x "$bin" ]; then echo "$bin"; exit 0; fi
command -v promtool >/dev/null 2>&1 && { command -v promtool; exit 0; }
mkdir -p "$dest/deb"
cd "$dest/deb"
if ! apt-get download prometheus >/dev/null 2>&1; then
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -q >/dev/null
  apt-get download prometheus >/dev/null 2>&1
fi
dpkg -x prometheus_*.deb "$dest"
rm -rf "$dest/deb"
[ -x "$bin" ] || { echo "promtool not found in the prometheus package" >&2; exit 1; }
echo "$bin"
